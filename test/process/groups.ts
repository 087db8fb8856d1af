// No grandchild outlives prog: a signal reaches the child's whole group, and when the child exits
// whatever it left in its group gets SIGTERM, then SIGKILL. Checked by scanning /proc for the group.
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { scaled } from '../helpers/time.js';
import { clean, fxCmd, recordedRun, startProg, trackGroup, trackPid } from '../helpers/live.js';
import { groupGone, isLive, procStat, waitUntil } from '../helpers/procfs.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));

test('fx grandchildren 3, then SIGTERM to prog: within 5 s nothing is left in the child\'s group', async () => {
  const live = startProg(['run', '--format', 'plain', '--', ...fxCmd('grandchildren', '3')]);
  const pids = (await live.waitOut(/^PIDS ([\d ]+)$/m, 10_000, 'the grandchildren\'s pids'))[1]!.split(' ').map(Number);
  const pid = Number((await live.waitOut(/^READY (\d+)$/m, 10_000, 'READY'))[1]);
  trackGroup(pid);
  assert.is(pids.length, 3);
  for (const p of pids) {
    trackPid(p);
    assert.is(procStat(p)?.pgid, pid, `grandchild ${p} is in the child's group`);
  }
  live.kill('SIGTERM');
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [null, 'SIGTERM'], live.transcript());
  await groupGone(pid, 5000);
  for (const p of pids) assert.not.ok(isLive(p), `grandchild ${p} is dead`);
});

test('check 7: sh -c "sleep & sleep & wait", SIGTERM to prog: the sleeps die with the shell', async () => {
  const live = startProg(['run', '--format', 'plain', '--', 'sh', '-c', 'sleep 1000 & sleep 1000 & echo "READY $$"; wait']);
  const pid = Number((await live.waitOut(/^READY (\d+)$/m, 10_000, 'READY'))[1]);
  trackGroup(pid);
  await waitUntil(() => procStat(pid) !== undefined, 2000, 'the shell');
  live.kill('SIGTERM');
  await live.waitExit(10_000);
  await groupGone(pid, 5000);
});

test('a shell that backgrounds sleeps and exits 0: prog exits 0 promptly and no sleep remains', async () => {
  const live = startProg(['run', '--format', 'plain', '--', 'sh', '-c', 'sleep 1000 & sleep 1000 & echo "started $$"']);
  const pid = Number((await live.waitOut(/^started (\d+)$/m, 10_000, 'started'))[1]);
  trackGroup(pid);
  const end = await live.waitExit(5000, 'prog to exit although the sleeps hold its pipes');
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  assert.ok(end.ms < scaled(4000), `prog took ${end.ms} ms`);
  await groupGone(pid, 1000);
  const { run } = recordedRun(live.home);
  assert.is(run.exitCode, 0);
  assert.is(run.signal, null, 'the stragglers\' SIGTERM is not the child\'s end');
});

test('a straggler that ignores SIGTERM and holds none of prog\'s pipes is SIGKILLed; prog exits 0', async () => {
  const live = startProg(['run', '--format', 'plain', '--', ...fxCmd('straggler')]);
  const straggler = Number((await live.waitOut(/^STRAGGLER (\d+)$/m, 10_000, 'the straggler'))[1]);
  trackPid(straggler);
  const group = procStat(straggler)?.pgid;
  assert.ok(group, 'the straggler is running');
  trackGroup(group!);
  const end = await live.waitExit(8000);
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  await waitUntil(() => !isLive(straggler), 3000, `straggler ${straggler} to be dead`);
  await groupGone(group!, 1000);
});

test('a setsid daemon holding stdout escapes the group (documented) but cannot keep prog waiting', async () => {
  const live = startProg(['run', '--format', 'plain', '--', ...fxCmd('daemon')]);
  const daemon = Number((await live.waitOut(/^DAEMON (\d+)$/m, 10_000, 'the daemon'))[1]);
  trackPid(daemon);
  const end = await live.waitExit(8000, 'prog to stop waiting for a pipe held outside the group');
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  assert.ok(end.ms < scaled(6000), `prog took ${end.ms} ms`);
  // The limitation: a process that made its own session is out of prog's reach.
  assert.ok(isLive(daemon), 'the daemon escaped (if this fails, prog now reaches setsid descendants: update the docs)');
  process.kill(daemon, 'SIGKILL');
  await waitUntil(() => !isLive(daemon), 3000, 'the daemon to die');
});

test('grace expiry kills the whole group, grandchildren included', async () => {
  const live = startProg(['run', '--format', 'plain', '--grace', '1', '--', 'sh', '-c', 'trap "" TERM; sleep 1000 & sleep 1000 & echo "READY $$"; wait']);
  const pid = Number((await live.waitOut(/^READY (\d+)$/m, 10_000, 'READY'))[1]);
  trackGroup(pid);
  live.kill('SIGTERM');
  const end = await live.waitExit(8000);
  // sh ignores TERM but its sleeps (whose TERM is ignored too, inherited) die only by the SIGKILL.
  assert.equal([end.code, end.signal], [null, 'SIGKILL'], live.transcript());
  await groupGone(pid, 5000);
});

uvuTest.run();
