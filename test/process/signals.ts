// Signals sent to prog's pid alone (kill <pid>, a supervisor, timeout(1)) reach the child's process
// group once; a second stop signal or the end of --grace kills the group. Real processes, readiness
// handshakes (READY <pid> from the child), bounded waits.
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, fxCmd, recordedRun, startProg, trackGroup, type Live } from '../helpers/live.js';
import { groupGone, procStat, waitUntil } from '../helpers/procfs.js';
import { pause } from '../helpers/time.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));

/**
 * prog's default --grace. A shorter grace is told from it by ending before it would have run out:
 * an upper bound that holds however busy the machine (no test asserts how fast prog is).
 */
const DEFAULT_GRACE_MS = 10_000;

/** Starts prog around an fx child and waits for the child's READY; returns the child's pid. */
async function ready(args: string[], child: string[]): Promise<{ live: Live; pid: number }> {
  const live = startProg(['run', '--format', 'plain', ...args, '--', ...fxCmd(...child)]);
  const match = await live.waitOut(/^READY (\d+)$/m, 10_000, 'the child to print READY');
  const pid = Number(match[1]);
  trackGroup(pid);
  return { live, pid };
}

function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, 'gm'))?.length ?? 0;
}

function signalEvents(home: string): Record<string, unknown>[] {
  return recordedRun(home).events.filter((e) => e.type === 'signal').map(({ signal, action, sent }) => ({ signal, action, sent }));
}

test('the child leads its own session and process group, apart from prog', async () => {
  const { live, pid } = await ready([], ['wait']);
  const child = procStat(pid)!;
  const prog = procStat(live.pid)!;
  assert.is(child.pgid, pid, 'pgid == child pid');
  assert.is(child.sid, pid, 'sid == child pid (setsid)');
  assert.is.not(prog.pgid, pid);
  assert.is(child.ppid, live.pid, 'prog is the parent');
  live.kill('SIGTERM');
  await live.waitExit(10_000);
  await groupGone(pid, 5000);
});

test('SIGTERM to prog only: forwarded once, prog waits for the child, which exits 0 after 200 ms -> prog exits 0', async () => {
  const { live, pid } = await ready([], ['trap', 'SIGTERM', '0', '200']);
  const sentAt = Date.now();
  live.kill('SIGTERM');
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  assert.ok(Date.now() - sentAt >= 190, `prog exited ${Date.now() - sentAt} ms after SIGTERM: it did not wait for the child's 200 ms`);
  assert.is(count(live.stdout(), /^SIGTERM count=\d+$/), 1, live.stdout());
  await groupGone(pid, 5000);
  const { run } = recordedRun(live.home);
  assert.is(run.exitCode, 0);
  assert.is(run.signal, null);
  assert.equal(signalEvents(live.home), [{ signal: 'SIGTERM', action: 'forwarded', sent: 'SIGTERM' }]);
  assert.match(live.stderr(), /SIGTERM/);
});

test('--grace 1 and a child that ignores SIGTERM: the group is SIGKILLed after about 1 s, prog dies by SIGKILL (137)', async () => {
  const { live, pid } = await ready(['--grace', '1'], ['ignore', 'SIGTERM']);
  const sentAt = Date.now();
  live.kill('SIGTERM');
  await live.waitOut(/^SIGTERM count=1$/m, 5000, 'the child to log SIGTERM');
  const end = await live.waitExit(10_000);
  const after = Date.now() - sentAt;
  assert.equal([end.code, end.signal], [null, 'SIGKILL'], live.transcript());
  assert.ok(after >= 900, `killed ${after} ms after SIGTERM, before the 1 s grace`);
  assert.ok(after < DEFAULT_GRACE_MS, `killed ${after} ms after SIGTERM: not by the 1 s grace`);
  assert.is(count(live.stdout(), /^SIGTERM count=\d+$/), 1);
  await groupGone(pid, 5000);
  const { run } = recordedRun(live.home);
  assert.is(run.exitCode, null);
  assert.is(run.signal, 'SIGKILL');
  assert.is(run.signalledBy, 'prog');
  assert.equal(signalEvents(live.home), [
    { signal: 'SIGTERM', action: 'forwarded', sent: 'SIGTERM' },
    { signal: 'SIGTERM', action: 'grace-expired', sent: 'SIGKILL' },
  ]);
});

test('a second SIGTERM escalates at once to SIGKILL of the group (default grace of 10 s not waited for)', async () => {
  const { live, pid } = await ready([], ['ignore', 'SIGTERM']);
  live.kill('SIGTERM');
  await live.waitOut(/^SIGTERM count=1$/m, 5000, 'the child to log the first SIGTERM');
  const secondAt = Date.now();
  live.kill('SIGTERM');
  const end = await live.waitExit(5000, 'prog to die after the second SIGTERM');
  assert.equal([end.code, end.signal], [null, 'SIGKILL'], live.transcript());
  assert.ok(Date.now() - secondAt < DEFAULT_GRACE_MS, `killed ${Date.now() - secondAt} ms after the second SIGTERM: the grace was waited for`);
  await groupGone(pid, 5000);
  const { run } = recordedRun(live.home);
  assert.is(run.signalledBy, 'prog');
  assert.equal(signalEvents(live.home), [
    { signal: 'SIGTERM', action: 'forwarded', sent: 'SIGTERM' },
    { signal: 'SIGTERM', action: 'escalated', sent: 'SIGKILL' },
  ]);
});

test('SIGINT sent to prog\'s pid (not a terminal): forwarded once; the child\'s exit code 3 is prog\'s', async () => {
  const { live, pid } = await ready([], ['trap', 'SIGINT', '3', '100']);
  live.kill('SIGINT');
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [3, null], live.transcript());
  assert.is(count(live.stdout(), /^SIGINT count=\d+$/), 1);
  await groupGone(pid, 5000);
  assert.is(recordedRun(live.home).run.exitCode, 3);
});

test('a child killed by the forwarded SIGTERM: prog dies by SIGTERM, record says signalledBy forwarded', async () => {
  const { live, pid } = await ready([], ['wait']);
  live.kill('SIGTERM');
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [null, 'SIGTERM'], live.transcript());
  await groupGone(pid, 5000);
  const { run } = recordedRun(live.home);
  assert.is(run.signal, 'SIGTERM');
  assert.is(run.signalledBy, 'forwarded');
});

test('the child killed directly by someone else: prog dies by the same signal, record says signalledBy external', async () => {
  const { live, pid } = await ready([], ['wait']);
  process.kill(pid, 'SIGTERM');
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [null, 'SIGTERM'], live.transcript());
  await groupGone(pid, 5000);
  const { run } = recordedRun(live.home);
  assert.is(run.signal, 'SIGTERM');
  assert.is(run.signalledBy, 'external');
  assert.equal(signalEvents(live.home), [], 'prog itself got no signal');
});

test('SIGUSR1 and SIGUSR2 are forwarded each time, never escalate, and prog starts no debugger', async () => {
  const { live: live1, pid: pid1 } = await ready([], ['ignore', 'SIGUSR1']);
  live1.kill('SIGUSR1');
  await live1.waitOut(/^SIGUSR1 count=1$/m, 5000);
  live1.kill('SIGUSR1');
  await live1.waitOut(/^SIGUSR1 count=2$/m, 5000);
  assert.ok(procStat(pid1) && procStat(pid1)!.state !== 'Z', 'the child is still running');
  live1.kill('SIGTERM');
  const end1 = await live1.waitExit(10_000);
  assert.equal([end1.code, end1.signal], [null, 'SIGTERM']);
  assert.not.match(live1.stderr(), /Debugger listening/);
  await groupGone(pid1, 5000);

  const { live: live2, pid: pid2 } = await ready([], ['ignore', 'SIGUSR2']);
  live2.kill('SIGUSR2');
  await live2.waitOut(/^SIGUSR2 count=1$/m, 5000);
  live2.kill('SIGUSR2');
  await live2.waitOut(/^SIGUSR2 count=2$/m, 5000);
  live2.kill('SIGTERM');
  const end2 = await live2.waitExit(10_000);
  assert.equal([end2.code, end2.signal], [null, 'SIGTERM']);
  await groupGone(pid2, 5000);
  const actions = signalEvents(live2.home).map((e) => `${e.signal}:${e.action}`);
  assert.equal(actions, ['SIGUSR2:forwarded', 'SIGUSR2:forwarded', 'SIGTERM:forwarded']);
});

test('SIGHUP to prog is not passed on: the child runs on, recorded; with no terminal involved prog then exits as the child did', async () => {
  // The child prints READY, then 15 numbered lines 100 ms apart, then exits 3; SIGHUP would kill it.
  const code = "console.log('READY ' + process.pid); let i = 0; const t = setInterval(() => { console.log('line ' + ++i); if (i === 15) { clearInterval(t); process.exitCode = 3; } }, 100);";
  const live = startProg(['run', '--format', 'plain', '--', process.execPath, '-e', code]);
  const pid = Number((await live.waitOut(/^READY (\d+)$/m, 10_000, 'READY'))[1]);
  trackGroup(pid);
  live.kill('SIGHUP');
  const end = await live.waitExit(10_000);
  // (In a terminal prog ends by SIGHUP instead, once recorded: test/commands/run-hangup.ts.)
  assert.equal([end.code, end.signal], [3, null], live.transcript());
  await groupGone(pid, 5000);
  const { run, stdoutLog } = recordedRun(live.home);
  assert.equal([run.status, run.exitCode, run.signal], ['failed', 3, null], 'the child ended on its own, with its own status');
  assert.ok(run.endedAt);
  const lines = stdoutLog.split('\n').filter((l) => l.startsWith('line '));
  assert.equal(lines, Array.from({ length: 15 }, (_, i) => `line ${i + 1}`), 'every line after the hangup is in the log');
  assert.equal(signalEvents(live.home), [{ signal: 'SIGHUP', action: 'detached', sent: undefined }]);
});

test('SIGQUIT is forwarded; a child that exits 0 on it makes prog exit 0', async () => {
  const { live, pid } = await ready([], ['trap', 'SIGQUIT', '0', '50']);
  live.kill('SIGQUIT');
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  assert.is(count(live.stdout(), /^SIGQUIT count=\d+$/), 1);
  await groupGone(pid, 5000);
});

test('a stopped child still gets the forwarded SIGTERM: prog continues the group (SIGCONT) after it', async () => {
  const { live, pid } = await ready([], ['trap', 'SIGTERM', '0', '0']);
  process.kill(pid, 'SIGSTOP');
  await waitUntil(() => procStat(pid)?.state === 'T' || `state ${procStat(pid)?.state}`, 3000, 'the child to be stopped');
  live.kill('SIGTERM');
  const end = await live.waitExit(5000, 'prog to end well before the 10 s grace');
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  assert.is(count(live.stdout(), /^SIGTERM count=\d+$/), 1);
  await groupGone(pid, 5000);
});

test('a --grace beyond what a timer can hold (35 days) does not turn into an immediate SIGKILL', async () => {
  const { live, pid } = await ready(['--grace', String(35 * 24 * 3600)], ['ignore', 'SIGTERM']);
  live.kill('SIGTERM');
  await live.waitOut(/^SIGTERM count=1$/m, 5000, 'the child to log SIGTERM');
  // A negative check needs some time: an overflowed timer would have fired after 1 ms.
  await pause(500);
  assert.ok(procStat(pid) && procStat(pid)!.state !== 'Z', 'the child is still running within its grace');
  assert.not.match(live.stderr(), /TimeoutOverflowWarning/);
  live.kill('SIGTERM');
  const end = await live.waitExit(5000);
  assert.equal([end.code, end.signal], [null, 'SIGKILL'], live.transcript());
  await groupGone(pid, 5000);
});

test('--grace 0: the first SIGTERM is followed by SIGKILL of the group straight away', async () => {
  const { live, pid } = await ready(['--grace', '0'], ['ignore', 'SIGTERM']);
  const sentAt = Date.now();
  live.kill('SIGTERM');
  const end = await live.waitExit(5000);
  assert.equal([end.code, end.signal], [null, 'SIGKILL'], live.transcript());
  assert.ok(Date.now() - sentAt < DEFAULT_GRACE_MS, `killed ${Date.now() - sentAt} ms after SIGTERM: not at once`);
  await groupGone(pid, 5000);
});

uvuTest.run();
