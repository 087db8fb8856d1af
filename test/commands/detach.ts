// `prog run --detach`: returns at once with the run id on stdout (and only that), while a prog of its
// own records the command to its end; a command that cannot start gives prog run's status.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, startProg, trackGroup, trackPid, type Live } from '../helpers/live.js';
import { ndjson, runProg, tempDir } from '../helpers/prog.js';
import { groupGone, isLive, procStat, waitUntil } from '../helpers/procfs.js';
import { readJson, runDirs } from '../helpers/runs.js';
import { scaled } from '../helpers/time.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));

const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;

/** Starts `prog run --detach …` (tagged: the background prog and command are found by clean()). */
async function detach(home: string, args: string[], env: Record<string, string> = {}): Promise<{ live: Live; code: number | null; ms: number }> {
  const live = startProg(['run', '--detach', ...args], { home, env });
  const end = await live.waitExit(15_000, 'prog run --detach to return');
  assert.is(end.signal, null, live.transcript());
  return { live, code: end.code, ms: end.ms };
}

async function ended(dir: string, ms = 10_000): Promise<Record<string, any>> {
  let run: Record<string, any> | undefined;
  await waitUntil(() => {
    run = readJson(join(dir, 'run.json'));
    return run?.endedAt !== undefined ? true : `status ${run?.status}`;
  }, ms, `the run in ${dir} to record its end`);
  return run!;
}

test('stdout is exactly the run id and a newline; the hints go to stderr; the run goes on after prog returned, recorded to its end', async () => {
  const home = tempDir();
  const out = tempDir('prog-detach-out-');
  // The command waits for a go file the test writes only after prog run --detach has returned.
  const script = 'echo started; while [ ! -e "$OUT/go" ]; do sleep 0.02; done; echo "pid $$" > "$OUT/after"; echo finished; exit 7';
  const { live, code, ms } = await detach(home, ['--', 'sh', '-c', script], { OUT: out });
  assert.is(code, 0, live.transcript());
  const stdout = live.stdout();
  assert.match(stdout, /^\d{8}-\d{6}-[0-9a-f]{6}\n$/);
  const id = stdout.trim();
  assert.is(live.stderr(), `prog: run ${id} started in the background · prog attach ${id} follows it · prog logs ${id} · prog stop ${id}\n`);
  // It returns once the command runs, long before it ends (the go file is written only after).
  assert.ok(ms < scaled(10_000), `prog run --detach took ${ms} ms to return`);

  const dir = join(home, 'runs', id);
  const started = readJson(join(dir, 'run.json'))!;
  assert.is(started.id, id);
  assert.is(started.status, 'running');
  assert.equal(started.command, ['sh', '-c', script]);
  trackGroup(started.pid);
  trackPid(started.supervisor.pid);
  // Recorded by a prog of its own, not the one that returned; the command in a group of its own.
  assert.is.not(started.supervisor.pid, live.pid);
  assert.ok(isLive(started.supervisor.pid), 'the background prog runs');
  assert.ok(isLive(started.pid), 'the command runs after prog run --detach returned');
  assert.is(procStat(started.pid)!.pgid, started.pid);
  assert.equal(ndjson((await runProg(['ls', '--format', 'json'], { home })).stdout).map((r) => [r.id, r.state]), [[id, 'running']]);
  assert.not.ok(existsSync(join(out, 'after')));

  writeFileSync(join(out, 'go'), '');
  const run = await ended(dir);
  assert.is(readFileSync(join(out, 'after'), 'utf8'), `pid ${started.pid}\n`);
  assert.is(run.status, 'failed');
  assert.is(run.exitCode, 7);
  assert.is(readFileSync(join(dir, 'stdout.log'), 'utf8'), 'started\nfinished\n', 'the output was recorded');
  await groupGone(started.pid, 5000);
  await waitUntil(() => !isLive(started.supervisor.pid), 5000, 'the background prog to end');
});

test('prog\'s own flags reach the background prog (--name, --grace); the run id appears once', async () => {
  const home = tempDir();
  const { live, code } = await detach(home, ['--name', 'nightly', '--grace', '1', '--', 'sh', '-c', 'trap "" TERM; while :; do sleep 0.05; done']);
  assert.is(code, 0, live.transcript());
  const id = live.stdout().trim();
  assert.match(id, RUN_ID);
  const dir = join(home, 'runs', id);
  const run = readJson(join(dir, 'run.json'))!;
  trackGroup(run.pid);
  trackPid(run.supervisor.pid);
  assert.is(run.key, 'nightly');
  // --grace 1 reached it: a TERM to it (which the command ignores) ends in SIGKILL about 1 s later,
  // before the default grace of 10 s would have run out.
  const sentAt = Date.now();
  process.kill(run.supervisor.pid, 'SIGTERM');
  const end = await ended(dir);
  assert.ok(Date.now() - sentAt < 10_000, `killed ${Date.now() - sentAt} ms after TERM: not by the 1 s grace`);
  assert.is(end.signal, 'SIGKILL');
  await groupGone(run.pid, 5000);
  assert.equal(runDirs(home).length, 1);
});

test('--format given with --detach: the background prog still starts (it records the run, the format is for nobody)', async () => {
  const home = tempDir();
  for (const format of [['--format', 'plain'], ['-f', 'json']]) {
    const { live, code } = await detach(home, [...format, '--', 'true']);
    const log = join(home, 'detached.log');
    assert.is(code, 0, `prog run --detach ${format.join(' ')}: ${live.transcript()}\n--- detached.log ---\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    assert.match(live.stdout(), /^\d{8}-\d{6}-[0-9a-f]{6}\n$/);
    const run = await ended(join(home, 'runs', live.stdout().trim()));
    assert.is(run.status, 'ok');
  }
});

test('a command that is not found: exit 127 and the reason, nothing on stdout; not executable: 126', async () => {
  const home = tempDir();
  const missing = await detach(home, ['--', 'no-such-command-for-prog-test']);
  assert.is(missing.code, 127, missing.live.transcript());
  assert.is(missing.live.stdout(), '');
  assert.is(missing.live.stderr(), 'prog: the command did not start (ENOENT): no-such-command-for-prog-test\n');
  const dirs = runDirs(home);
  assert.is(dirs.length, 1);
  const run = readJson(join(dirs[0]!, 'run.json'))!;
  assert.is(run.status, 'spawn-failed');
  assert.is(run.spawnError, 'ENOENT');

  const file = join(tempDir('prog-detach-noexec-'), 'script.sh');
  writeFileSync(file, '#!/bin/sh\necho hi\n');
  chmodSync(file, 0o644);
  const noexec = await detach(home, ['--', file]);
  assert.is(noexec.code, 126, noexec.live.transcript());
  assert.is(noexec.live.stdout(), '');
  assert.match(noexec.live.stderr(), /^prog: the command did not start \(EACCES\): /);
});

test('--detach --foreground: exit 125, nothing started or recorded', async () => {
  const home = tempDir();
  for (const order of [['--detach', '--foreground'], ['--foreground', '--detach']]) {
    const r = await runProg(['run', ...order, '--', 'true'], { home });
    assert.is(r.code, 125, order.join(' '));
    assert.is(r.stdout.toString(), '');
    assert.is(r.stderr.toString(), 'prog: --detach and --foreground do not go together: a detached run has no terminal to give the command\n');
  }
  assert.equal(runDirs(home), []);
});

uvuTest.run();
