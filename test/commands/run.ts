import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtures, runProg } from '../helpers/prog.js';
import { join } from 'node:path';

const fx = join(fixtures, 'fx.js');

test('stdin reaches the child: echo hi | prog run -- cat prints hi', async () => {
  const r = await runProg(['run', '--', 'cat'], { input: 'hi\n' });
  assert.is(r.code, 0);
  assert.is(r.stdout.toString(), 'hi\n');
});

for (const n of [0, 1, 2, 42, 255]) {
  test(`exit status ${n} of the child is prog's exit status`, async () => {
    const r = await runProg(['run', '--', process.execPath, fx, 'exit', String(n)]);
    assert.is(r.code, n);
  });
}

test.run();
