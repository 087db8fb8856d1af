// prog ends exactly like its child: the same exit code, or death by the same signal as the calling
// shell sees it (128+N, `kill -l`), and 125/126/127 for prog's own failures. Real processes only.
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { scaled } from '../helpers/time.js';
import { clean, fxCmd, progSh, recordedRun, sh, start, startBash, startProg } from '../helpers/live.js';
import { projectRoot, runProg, tempDir } from '../helpers/prog.js';
import { signalNumber } from '../../src/process/exit-like.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));

for (const n of [0, 1, 2, 42, 255]) {
  test(`exit ${n}: the calling shell sees ${n}, the record has exitCode ${n} and no signal`, async () => {
    const live = startBash(`${progSh(['run', '--', ...fxCmd('exit', String(n))])}; echo "rc=$?"`);
    const end = await live.waitExit(10_000);
    assert.is(end.code, 0, live.transcript());
    assert.match(live.stdout(), new RegExp(`^rc=${n}$`, 'm'));
    const { run } = recordedRun(live.home);
    assert.is(run.exitCode, n);
    assert.is(run.signal, null);
    assert.is(run.signalledBy, undefined);
  });
}

test('child SIGKILLs itself after 3 lines: $? is 137, all lines on stdout and in stdout.log, record has signal SIGKILL', async () => {
  const live = startBash(`${progSh(['run', '--', ...fxCmd('self-kill', 'SIGKILL', '3')])}; echo "rc=$?"`);
  const end = await live.waitExit(10_000);
  assert.is(end.code, 0, live.transcript());
  assert.is(live.stdout(), 'line 0\nline 1\nline 2\nrc=137\n');
  const { run, stdoutLog, events } = recordedRun(live.home);
  assert.is(run.exitCode, null);
  assert.is(run.signal, 'SIGKILL');
  assert.is(run.signalledBy, 'external');
  assert.is(stdoutLog, 'line 0\nline 1\nline 2\n');
  const exit = events.find((e) => e.type === 'exit');
  assert.ok(exit, 'events.ndjson has an exit event');
  assert.is(exit!.signal, 'SIGKILL');
});

test('prog itself dies by the re-raised signal (not exit 137) when the child is SIGKILLed', async () => {
  const live = startProg(['run', '--', ...fxCmd('self-kill', 'SIGKILL', '0')]);
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [null, 'SIGKILL'], live.transcript());
});

// Core-dumping signals: the shell sees 128+N, but prog exits with that status instead of dumping
// core itself. prog runs with `ulimit -c unlimited` (core_pattern permitting, a core would land in
// the cwd); the child gets `ulimit -c 0`, so any core file there would be prog's.
for (const [signal, status] of [['SIGSEGV', 139], ['SIGABRT', 134]] as const) {
  test(`child dies by ${signal}: $? is ${status}, prog exits normally and leaves no core, record has ${signal}`, async () => {
    assert.is(128 + signalNumber(signal), status);
    const cwd = tempDir('prog-core-');
    const child = ['sh', '-c', `ulimit -c 0; exec ${sh(fxCmd('self-kill', signal, '1'))}`];
    const live = startBash(`ulimit -c unlimited 2>/dev/null; ${progSh(['run', '--', ...child])}; echo "rc=$?"`, { cwd });
    const end = await live.waitExit(15_000);
    assert.is(end.code, 0, live.transcript());
    assert.match(live.stdout(), new RegExp(`^rc=${status}$`, 'm'));
    const { run } = recordedRun(live.home);
    assert.is(run.exitCode, null);
    assert.is(run.signal, signal);
    assert.equal(readdirSync(cwd).filter((f) => /^core/.test(f)), [], 'no core file from prog');

    // prog, seen directly: an ordinary exit with the status, not a death by the signal.
    const direct = startProg(['run', '--', ...child], { cwd });
    const ended = await direct.waitExit(15_000);
    assert.equal([ended.code, ended.signal], [status, null]);
  });
}

test('check 8: child dies by SIGTERM with prog listening for SIGTERM: $? is 143 and `kill -l` says TERM', async () => {
  const live = startBash(`${progSh(['run', '--', ...fxCmd('self-kill', 'SIGTERM', '1')])}; s=$?; echo "rc=$s name=$(kill -l $s)"`);
  const end = await live.waitExit(10_000);
  assert.is(end.code, 0, live.transcript());
  assert.match(live.stdout(), /^rc=143 name=TERM$/m);
  const { run } = recordedRun(live.home);
  assert.is(run.signal, 'SIGTERM');
  assert.is(run.signalledBy, 'external');
});

test('child dies by SIGINT: prog dies by SIGINT (130), so a calling shell loop can stop', async () => {
  const live = startProg(['run', '--', ...fxCmd('self-kill', 'SIGINT', '0')]);
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [null, 'SIGINT'], live.transcript());
});

test('child dies by SIGUSR1 (which Node would turn into the inspector): prog dies by SIGUSR1 too', async () => {
  const live = startBash(`${progSh(['run', '--', 'sh', '-c', 'kill -USR1 $$'])}; s=$?; echo "rc=$s name=$(kill -l $s)"`);
  const end = await live.waitExit(10_000);
  assert.is(end.code, 0, live.transcript());
  assert.match(live.stdout(), /^rc=138 name=USR1$/m);
  assert.not.match(live.stderr(), /Debugger/);
  assert.ok(end.ms < scaled(5000), `took ${end.ms} ms: the 1 s fallback exit should not be needed`);
});

test('SIGUSR1 re-raise works even without prog\'s forwarding listener installed (exitLike alone)', async () => {
  const code = `import('${join(projectRoot, 'dist', 'src', 'process', 'exit-like.js').replace(/\\/g, '/')}').then((m) => m.exitLike(null, 'SIGUSR1'))`;
  const live = start(process.execPath, ['-e', code]);
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [null, 'SIGUSR1'], live.transcript());
  assert.not.match(live.stderr(), /Debugger/);
});

test('127: command not found, one `prog:` line, record has spawnError', async () => {
  const r = await runProg(['run', '--', '/nonexistent/command']);
  assert.is(r.code, 127, r.stderr.toString());
  assert.is(r.stdout.toString(), '');
  const lines = r.stderr.toString().split('\n').filter((l) => l !== '');
  assert.is(lines.length, 1, r.stderr.toString());
  assert.match(lines[0]!, /^prog: .*\/nonexistent\/command/);
  const { run } = recordedRun(r.home);
  assert.is(run.status, 'spawn-failed');
  assert.match(String(run.spawnError), /ENOENT/);
  assert.is(run.exitCode, null);
});

test('126: a file that is not executable, one `prog:` line, record has spawnError', async () => {
  const dir = tempDir('prog-noexec-');
  const file = join(dir, 'not-executable.txt');
  writeFileSync(file, 'echo hi\n');
  chmodSync(file, 0o644);
  const r = await runProg(['run', '--', file]);
  assert.is(r.code, 126, r.stderr.toString());
  const lines = r.stderr.toString().split('\n').filter((l) => l !== '');
  assert.is(lines.length, 1, r.stderr.toString());
  assert.match(lines[0]!, /^prog: .*not-executable\.txt/);
  const { run } = recordedRun(r.home);
  assert.is(run.status, 'spawn-failed');
  assert.match(String(run.spawnError), /EACCES/);
});

test('126: a directory is not a program', async () => {
  const r = await runProg(['run', '--', tmpdir()]);
  assert.is(r.code, 126, r.stderr.toString());
  assert.match(r.stderr.toString(), /^prog: /);
});

test('127 with a clear message when a script\'s #! interpreter is missing', async () => {
  const dir = tempDir('prog-interp-');
  const file = join(dir, 'script');
  writeFileSync(file, '#!/nonexistent/interpreter\necho hi\n');
  chmodSync(file, 0o755);
  const r = await runProg(['run', '--', file]);
  assert.is(r.code, 127, r.stderr.toString());
  const lines = r.stderr.toString().split('\n').filter((l) => l !== '');
  assert.is(lines.length, 1, r.stderr.toString());
  assert.match(lines[0]!, /^prog: .*interpreter/);
});

test('125: a bad prog flag; prog: message first; nothing is run or recorded', async () => {
  const r = await runProg(['run', '--bogus-flag', '--', 'sh', '-c', 'echo ran']);
  assert.is(r.code, 125, r.stderr.toString());
  assert.is(r.stdout.toString(), '');
  assert.match(r.stderr.toString(), /^prog: .*bogus-flag/);
  assert.throws(() => recordedRun(r.home), /found 0/);
});

test('125 vs the child\'s own 125/126/127 stay distinguishable only by the record: the child\'s are passed through', async () => {
  for (const n of [125, 126, 127]) {
    const r = await runProg(['run', '--', ...fxCmd('exit', String(n))]);
    assert.is(r.code, n, r.stderr.toString());
    const { run } = recordedRun(r.home);
    assert.is(run.exitCode, n);
    assert.is(run.spawnError, undefined);
  }
});

test('command words after -- are the command\'s, even ones that look like prog flags', async () => {
  const live = startBash(`${progSh(['run', '--', 'sh', '-c', 'echo "$@"', 'sh', '--grace', '--bogus-flag'])}; echo "rc=$?"`);
  const end = await live.waitExit(10_000);
  assert.is(end.code, 0, live.transcript());
  assert.match(live.stdout(), /^--grace --bogus-flag$/m);
  assert.match(live.stdout(), /^rc=0$/m);
});

uvuTest.run();
