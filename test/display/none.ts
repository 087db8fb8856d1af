// `--format none`: the child's output exactly, nothing of prog's own; the run is still recorded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runProg } from '../helpers/prog.js';
import { child, marker, onlyRun } from '../helpers/runs.js';

test('none: stdout and stderr carry only the child\'s bytes (markers removed); the run is recorded', async () => {
  const out = Buffer.from([0x61, 0xff, 0x0d, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x0a]);
  const r = await runProg(['run', '--format', 'none', '--', ...child([
    { ob: out.toString('base64') },
    { o: marker({ type: 'phase', id: 'p', total: 1 }) },
    { e: 'err line\n' },
    { e: marker({ type: 'item.fail', phase: 'p', id: 'x', error: 'bad' }) },
    { o: 'tail' },
    { exit: 5 },
  ])], { env: { FORCE_COLOR: '1' } });
  assert.is(r.code, 5);
  assert.ok(r.stdout.equals(Buffer.concat([out, Buffer.from('tail')])), JSON.stringify(r.stdout.toString('latin1')));
  assert.is(r.stderr.toString(), 'err line\n');
  const rec = onlyRun(r.home);
  assert.is(rec.run.exitCode, 5);
  assert.is(rec.run.counts.failed, 1);
});

test.run();
