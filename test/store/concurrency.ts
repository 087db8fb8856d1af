// Many prog runs at once share one history file: each adds exactly one whole record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fixtures, runProg, tempDir } from '../helpers/prog.js';
import { history, loadRun, marker, runDirs, child } from '../helpers/runs.js';

const fx = join(fixtures, 'fx.js');

test('20 parallel prog runs: exactly 20 new history records, unique ids, each run complete', async () => {
  const home = tempDir();
  // Records that were there before stay, and are not counted as new.
  writeFileSync(join(home, 'history.ndjson'), '{"id":"before-1"}\n{"id":"before-2"}\n');
  const runs = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    i % 2 === 0
      ? runProg(['run', '--', process.execPath, fx, 'exit', String(i)], { home })
      : runProg(['run', '--format', 'json', '--', ...child([{ o: marker({ type: 'item.done', id: `item-${i}` }) }, { exit: i }])], { home })));
  runs.forEach((r, i) => assert.is(r.code, i, `run ${i} exit status; stderr: ${r.stderr}`));

  const text = readFileSync(join(home, 'history.ndjson'), 'utf8');
  assert.ok(text.endsWith('\n'));
  const lines = history(home);
  assert.is(lines.length, 22, 'two old lines plus twenty new ones, all parseable');
  assert.equal(lines.slice(0, 2).map((l) => l.id), ['before-1', 'before-2']);
  const fresh = lines.slice(2);
  assert.is(new Set(fresh.map((l) => l.id)).size, 20, 'ids are unique');
  assert.equal(fresh.map((l) => l.exitCode).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));

  const dirs = runDirs(home);
  assert.is(dirs.length, 20);
  assert.equal(new Set(dirs.map((d) => basename(d))), new Set(fresh.map((l) => l.id)));
  for (const dir of dirs) {
    const rec = loadRun(dir);
    assert.ok(rec.run.endedAt !== undefined, 'run.json is final');
    const h = fresh.find((l) => l.id === rec.run.id)!;
    assert.is(rec.run.exitCode, h.exitCode);
    assert.equal(rec.run.counts, h.counts);
  }
  assert.is(fresh.filter((l) => l.counts.succeeded === 1).length, 10, 'the JSON runs counted their item');
});

test.run();
