// Acceptance checks 2, 6, 7 and 9 (../shared/research/reliability.md §6) where the existing tests
// (exit-status.ts, signals.ts, groups.ts) check a weaker variant: check 2 on a real terminal, the
// default grace as the calling shell sees it and a --detach run, the group found from /proc rather
// than assumed, and a child with TERM and HUP traps watched for the whole 3 s after prog's SIGHUP.
// Real processes, READY handshakes, bounded waits.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, fxCmd, progSh, recordedRun, startBash, startProg, trackGroup, trackPid } from '../helpers/live.js';
import { ndjson, runProg, tempDir } from '../helpers/prog.js';
import { describe, groupGone, isLive, liveInGroup, procStat, waitUntil } from '../helpers/procfs.js';
import { ptyLines, startInPty } from '../helpers/pty.js';
import { scaled } from '../helpers/time.js';
import { liveTest, tools } from '../helpers/tools.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));
const node = process.execPath;

liveTest([tools.script()], 'check 2 on a terminal: the child SIGKILLs itself after 3 lines; all 3 lines on the pty and in stdout.log, the status is 137, the record says SIGKILL', clean(async () => {
  const live = startInPty(progSh(['run', '--', ...fxCmd('self-kill', 'SIGKILL', '3')]));
  const end = await live.waitExit(10_000);
  assert.is(end.code, 137, live.stdout());
  const lines = ptyLines(live.stdout());
  for (const line of ['line 0', 'line 1', 'line 2']) assert.ok(lines.some((l) => l.endsWith(line)), `${line} on the terminal:\n${live.stdout()}`);
  const { run, stdoutLog } = recordedRun(live.home);
  assert.is(stdoutLog, 'line 0\nline 1\nline 2\n');
  assert.equal([run.exitCode, run.signal], [null, 'SIGKILL']);
}));

test('check 6 variant: a child that ignores SIGTERM, no --grace: the group is SIGKILLed after the default 10 s, and the calling shell sees 137', async () => {
  // bash runs prog in the background so the test can signal prog's pid alone, then reports $?.
  const live = startBash(`${progSh(['run', '--format', 'plain', '--', ...fxCmd('ignore', 'SIGTERM')])} & p=$!; echo "PROG $p"; wait $p; echo "rc=$?"`);
  const prog = Number((await live.waitOut(/^PROG (\d+)$/m, 10_000, 'prog\'s pid'))[1]);
  const child = Number((await live.waitOut(/^READY (\d+)$/m, 10_000, 'the child\'s READY'))[1]);
  trackGroup(child);
  trackPid(prog);
  const sentAt = Date.now();
  process.kill(prog, 'SIGTERM');
  await live.waitOut(/^SIGTERM count=1$/m, 5000, 'the child to log the forwarded SIGTERM');
  // Within the grace the child must still be there.
  await waitUntil(() => Date.now() - sentAt >= 8000 || (isLive(child) ? false : 'the child died before the grace ended'), 9000, 'most of the grace to pass with the child alive');
  await live.waitOut(/^rc=\d+$/m, 15_000, 'prog to end after the grace');
  const after = Date.now() - sentAt;
  assert.match(live.stdout(), /^rc=137$/m, live.transcript());
  assert.ok(after >= 9900, `SIGKILL came ${after} ms after SIGTERM, before the default 10 s grace`);
  // The grace's own timer did it (not a second signal); how late it fired is the machine's business.
  assert.ok(after < 10_000 + scaled(4000), `SIGKILL came ${after} ms after SIGTERM`);
  assert.ok(recordedRun(live.home).events.some((e) => e.type === 'signal' && e.action === 'grace-expired'), 'the grace ran out');
  assert.is(live.stdout().match(/^SIGTERM count=\d+$/gm)?.length, 1, 'the child got exactly one SIGTERM');
  await groupGone(child, 5000);
  const { run } = recordedRun(live.home);
  assert.equal([run.exitCode, run.signal, run.signalledBy], [null, 'SIGKILL', 'prog']);
  const end = await live.waitExit(5000);
  assert.is(end.code, 0);
});

test('check 6, with prog run --detach: SIGTERM to the background prog reaches the trapping child once; the run ends with the child\'s 0', async () => {
  const home = tempDir();
  const start = startProg(['run', '--detach', '--', ...fxCmd('trap', 'SIGTERM', '0', '200')], { home });
  const returned = await start.waitExit(15_000, 'prog run --detach to return');
  assert.equal([returned.code, returned.signal], [0, null], start.transcript());
  const id = start.stdout().trim();
  const dir = join(home, 'runs', id);
  const log = () => (existsSync(join(dir, 'stdout.log')) ? readFileSync(join(dir, 'stdout.log'), 'utf8') : '');
  await waitUntil(() => /^READY \d+$/m.test(log()) || 'no READY in stdout.log yet', 10_000, 'the detached child to be ready');
  const started = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, any>;
  trackGroup(started.pid);
  trackPid(started.supervisor.pid);
  const sentAt = Date.now();
  process.kill(started.supervisor.pid, 'SIGTERM');
  let run: Record<string, any> = started;
  await waitUntil(() => {
    run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, any>;
    return run.endedAt !== undefined || `status ${run.status}`;
  }, 10_000, 'the run to record its end');
  assert.ok(Date.now() - sentAt >= 190, 'the background prog waited for the child\'s 200 ms cleanup');
  assert.equal([run.status, run.exitCode, run.signal], ['ok', 0, null], JSON.stringify(run));
  assert.is(log().match(/^SIGTERM count=\d+$/gm)?.length, 1, log());
  await waitUntil(() => !isLive(started.supervisor.pid), 5000, 'the background prog to exit');
  await groupGone(started.pid, 5000);
});

test('check 7 as written: sh -c "sleep & sleep & wait", the pgid read from /proc holds the shell and both sleeps; after SIGTERM to prog none is left within 5 s', async () => {
  const live = startProg(['run', '--format', 'plain', '--', 'sh', '-c', 'sleep 1000 & a=$!; sleep 1000 & b=$!; echo "READY $$ $a $b"; wait']);
  const m = await live.waitOut(/^READY (\d+) (\d+) (\d+)$/m, 10_000, 'READY with the pids');
  const [shell, a, b] = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (const p of [shell, a, b]) trackPid(p);
  const pgid = procStat(shell)?.pgid;
  assert.ok(pgid !== undefined, 'the shell runs');
  trackGroup(pgid!);
  assert.is.not(pgid, procStat(live.pid)!.pgid, 'the child\'s group is not prog\'s');
  // Both sleeps must really be in that group: otherwise an empty group would prove nothing.
  await waitUntil(() => {
    const members = liveInGroup(pgid!).map((p) => p.pid).sort((x, y) => x - y);
    return members.join(' ') === [shell, a, b].sort((x, y) => x - y).join(' ') || describe(liveInGroup(pgid!));
  }, 3000, 'the group to hold exactly the shell and its two sleeps');
  live.kill('SIGTERM');
  await live.waitExit(10_000);
  await groupGone(pgid!, 5000);
  for (const p of [shell, a, b]) assert.not.ok(isLive(p), `${p} is dead`);
});

test('check 9 as written: SIGHUP to prog; the child (TERM and HUP trapped, logging) gets nothing, stays alive 3 s, and the run goes on recording', async () => {
  const stop = join(tempDir('prog-hup-'), 'stop');
  const code = [
    "for (const s of ['SIGTERM', 'SIGHUP']) process.on(s, () => console.log('GOT ' + s));",
    "console.log('READY ' + process.pid);",
    "let i = 0; const t = setInterval(() => { console.log('tick ' + ++i);",
    "if (require('fs').existsSync(process.argv[1])) { clearInterval(t); console.log('bye'); process.exitCode = 5; } }, 50);",
  ].join(' ');
  const home = tempDir();
  const live = startProg(['run', '--format', 'plain', '--', node, '-e', code, stop], { home });
  const child = Number((await live.waitOut(/^READY (\d+)$/m, 10_000, 'READY'))[1]);
  trackGroup(child);
  live.kill('SIGHUP');
  const hupAt = Date.now();
  // Watched the whole time, not only at the end: alive (not a zombie) and silent about signals.
  let lastTicks = 0;
  await waitUntil(() => {
    const state = procStat(child)?.state;
    if (state === undefined || state === 'Z' || state === 'X') throw new Error(`the child is gone (state ${state}) ${Date.now() - hupAt} ms after prog's SIGHUP`);
    if (/^GOT /m.test(live.stdout())) throw new Error(`the child got a signal: ${live.stdout().match(/^GOT .*$/m)![0]}`);
    if (!isLive(live.pid)) throw new Error('prog itself ended');
    return Date.now() - hupAt >= 3000;
  }, 5000, '3 s to pass after the SIGHUP');
  const run = recordedRun(home);
  lastTicks = run.stdoutLog.match(/^tick \d+$/gm)?.length ?? 0;
  assert.is(run.run.status, 'running');
  const ls = ndjson((await runProg(['ls', '--format', 'json'], { home })).stdout);
  assert.equal(ls.map((r) => r.state), ['running']);
  // Still recording: lines written after the 3 s reach the log.
  await waitUntil(() => (recordedRun(home).stdoutLog.match(/^tick \d+$/gm)?.length ?? 0) >= lastTicks + 5 || 'no new lines', 5000, 'new lines in stdout.log');
  writeFileSync(stop, '');
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [5, null], live.transcript());
  const final = recordedRun(home);
  assert.equal([final.run.exitCode, final.run.signal], [5, null]);
  assert.not.match(final.stdoutLog, /^GOT /m, 'the child logged no signal');
  const ticks = final.stdoutLog.match(/^tick \d+$/gm)!.map((l) => Number(l.slice(5)));
  assert.equal(ticks, Array.from({ length: ticks.length }, (_, i) => i + 1), 'every line, in order');
  assert.match(final.stdoutLog, /^bye$/m);
  assert.equal(final.events.filter((e) => e.type === 'signal').map((e) => `${e.signal}:${e.action}`), ['SIGHUP:detached']);
});

uvuTest.run();
