// What the run commands do with odd input: a marker pid of 0, a command that never started, damaged
// run files. Found by review; each used to crash, hang or kill the run.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runProg, tempDir } from '../helpers/prog.js';
import { runDirs } from '../helpers/runs.js';

test('an agent marker with pid 0 or 1.5 is not sampled, and the run goes on', async () => {
  for (const pid of [0, 1.5]) {
    const r = await runProg(['run', '--format', 'plain', '--sample-interval', '0.2', '--', 'sh', '-c', `sleep .4; echo '::prog::{"type":"agent","id":"a","status":"busy","pid":${pid}}'; sleep .5; echo end`]);
    assert.is(r.code, 0, r.stderr.toString());
    assert.match(r.stdout.toString(), /^end$/m);
  }
});

test('attach to a run whose command never started ends at once with 127', async () => {
  const home = tempDir();
  const r0 = await runProg(['run', '--format', 'none', '--', 'no-such-command-here'], { home });
  assert.is(r0.code, 127);
  const r = await runProg(['attach', 'latest', '--format', 'plain'], { home });
  assert.is(r.code, 127, r.stderr.toString());
});

test('damaged run files: ls lists the others and names a run.json without a command (exit 125); logs skips lines that are not records', async () => {
  const home = tempDir();
  const ok = await runProg(['run', '--format', 'none', '--', 'sh', '-c', 'echo one; echo two'], { home });
  assert.is(ok.code, 0);
  const bad = join(home, 'runs', '20990101-000000-abcdef');
  mkdirSync(bad, { recursive: true });
  writeFileSync(join(bad, 'run.json'), '{"status":"ok"}');
  const ls = await runProg(['ls', '--format', 'json'], { home });
  assert.is(ls.code, 125, ls.stderr.toString());
  assert.is(ls.stderr.toString(), `prog: ${join(bad, 'run.json')}: not a run record (no command, cwd, startedAt or status)\n`);
  assert.is(ls.stdout.toString().trim().split('\n').length, 1, 'only the readable run');
  const [dir] = runDirs(home).filter((d) => !d.endsWith('abcdef'));
  appendFileSync(join(dir!, 'events.ndjson'), 'null\n{"type":"chunk","stream":"events","offset":0,"length":3}\n{"type":"chunk","stream":"stdout","offset":0,"length":1e12}\n');
  const logs = await runProg(['logs', basename(dir!)], { home });
  assert.is(logs.code, 0, logs.stderr.toString());
  assert.match(logs.stdout.toString(), /one/);
});

test.run();
