// The static parser list must hold every format under src/parsers/formats: a parser added as a file
// but not registered would silently never run.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PARSERS } from '../../src/parsers/registry.js';
import { projectRoot } from '../helpers/prog.js';

test('every file under parsers/formats is in the registry, once, sorted by name', async () => {
  const files = readdirSync(join(projectRoot, 'src', 'parsers', 'formats')).filter((f) => f.endsWith('.ts')).sort();
  assert.ok(files.length >= 15, `found ${files.length} format files`);
  for (const file of files) {
    const mod = (await import(`../../src/parsers/formats/${file.replace(/\.ts$/, '.js')}`)) as { parser: unknown };
    assert.equal(PARSERS.filter((p) => p === mod.parser).length, 1, `${file}'s parser is registered once`);
  }
  assert.equal(PARSERS.length, files.length);
  const names = PARSERS.map((p) => p.name);
  assert.equal(names, [...names].sort());
});

test.run();
