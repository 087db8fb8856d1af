// prog between a command and a pipe: when prog's reader goes away (`| head -1`), the command's next
// write ends it as without prog (SIGPIPE); all bytes reach the reader and the log otherwise.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, fxCmd, progSh, recordedRun, startBash, startProg } from '../helpers/live.js';
import { tempDir } from '../helpers/prog.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));

test('`prog run -- yes | head -1` terminates promptly, prints y; yes dies by SIGPIPE as without prog', async () => {
  const live = startBash(`${progSh(['run', '--', 'yes'])} | head -1; echo "status=\${PIPESTATUS[*]}" >&2`);
  const end = await live.waitExit(10_000, 'the pipeline to end');
  assert.is(end.code, 0, live.transcript());
  assert.is(live.stdout(), 'y\n');
  assert.match(live.stderr(), /^status=141 0$/m);
  assert.not.match(live.stderr(), /Connection reset|Broken pipe|write error/i, 'yes died quietly, without a write error');
  const { run } = recordedRun(live.home);
  assert.is(run.signal, 'SIGPIPE');
  assert.is(run.signalledBy, 'prog');
});

test('one write after the reader has gone ends the child by SIGPIPE, even if it never writes again', async () => {
  // The right side touches the flag file only once head has exited and it has closed its own stdin
  // (else the pipe would still have a reader), so `echo b` is the first write after the reader went
  // away; after it the child would loop forever unless SIGPIPE ends it.
  const flag = join(tempDir('prog-flag-'), 'head-exited');
  const child = ['sh', '-c', `echo a; while [ ! -e ${flag} ]; do sleep 0.02; done; echo b; while :; do sleep 0.05; done`];
  const live = startBash(`{ ${progSh(['run', '--format', 'none', '--', ...child])}; echo "status=$?" >&2; } | { head -1; exec 0<&-; touch ${flag}; }`);
  const end = await live.waitExit(10_000, 'the child to die at its first write after head exited');
  assert.is(end.code, 0, live.transcript());
  assert.is(live.stdout(), 'a\n');
  assert.match(live.stderr(), /^status=141$/m);
  const { run } = recordedRun(live.home);
  assert.is(run.signal, 'SIGPIPE');
  assert.is(run.signalledBy, 'prog');
});

test('the writer is a grandchild (sh -c yes): the pipeline still ends promptly and nothing is left', async () => {
  const live = startBash(`${progSh(['run', '--', 'sh', '-c', 'yes'])} | head -1`);
  const end = await live.waitExit(10_000, 'the pipeline to end');
  assert.is(end.code, 0, live.transcript());
  assert.is(live.stdout(), 'y\n');
});

test('--format none and --format json: `| head -1` also ends the run', async () => {
  for (const format of ['none', 'json']) {
    const live = startBash(`${progSh(['run', '--format', format, '--', 'yes'])} | head -1 >/dev/null; echo "status=\${PIPESTATUS[*]}"`);
    const end = await live.waitExit(10_000, `the ${format} pipeline to end`);
    assert.is(end.code, 0, live.transcript());
    assert.match(live.stdout(), /^status=141 0$/m, format);
  }
});

test('every byte of a 20 MB flood arrives, in order, and stdout.log has them all', async () => {
  const bytes = 20 * 1024 * 1024;
  const live = startProg(['run', '--format', 'none', '--', ...fxCmd('flood', String(bytes))]);
  const end = await live.waitExit(30_000);
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  const out = live.stdout();
  assert.is(out.length, bytes);
  const { dir } = recordedRun(live.home);
  assert.is(statSync(join(dir, 'stdout.log')).size, bytes);
});

test('output written just before the child exits is not lost (seq lines, exit right after)', async () => {
  const live = startProg(['run', '--format', 'none', '--', ...fxCmd('seq', '200', '0')]);
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  const lines = live.stdout().split('\n').filter((l) => l !== '');
  assert.is(lines.length, 200);
  assert.is(lines[199], 'seq 199');
});

test('stdin reaches the child (prog shares it as it is)', async () => {
  const live = startBash(`printf 'a\\nb\\n' | ${progSh(['run', '--format', 'none', '--', 'cat'])}; echo "rc=$?"`);
  const end = await live.waitExit(10_000);
  assert.is(end.code, 0, live.transcript());
  assert.is(live.stdout(), 'a\nb\nrc=0\n');
});

uvuTest.run();
