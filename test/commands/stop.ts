// `prog stop`: real detached runs of shell commands that trap, ignore or die by signals; the
// command's files show which signal reached it, run.json how the run ended.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { readJson } from '../helpers/runs.js';
import { clean, startProg, trackGroup, trackPid } from '../helpers/live.js';
import { ndjson, runProg, tempDir, type ProgResult } from '../helpers/prog.js';
import { groupGone, isLive, liveInGroup, waitUntil } from '../helpers/procfs.js';
import { pause } from '../helpers/time.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));

interface Detached {
  id: string;
  dir: string;
  run: Record<string, any>;
  home: string;
  /** Where the command writes what it saw ($OUT). */
  out: string;
}

/**
 * `prog run --detach -- sh -c <script>` with $OUT a fresh directory for the command's files; waits
 * for it to return and, when `ready` is given, for the command to create $OUT/<ready> (its traps are
 * set). The background prog and the command carry the test's tag (clean() finds strays).
 */
async function detach(script: string, options: { flags?: string[]; ready?: string } = {}): Promise<Detached> {
  const home = tempDir();
  const out = tempDir('prog-stop-out-');
  const live = startProg(['run', '--detach', ...(options.flags ?? []), '--', 'sh', '-c', script], { home, env: { OUT: out } });
  const end = await live.waitExit(15_000, 'prog run --detach to return');
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  const id = live.stdout().trim();
  const dir = join(home, 'runs', id);
  const run = readJson(join(dir, 'run.json'))!;
  trackGroup(run.pid);
  trackPid(run.supervisor.pid);
  if (options.ready !== undefined) await waitUntil(() => existsSync(join(out, options.ready!)), 10_000, `the command to create ${options.ready}`);
  return { id, dir, run, home, out };
}

async function stop(home: string, args: string[]): Promise<ProgResult & { ms: number }> {
  const started = Date.now();
  const r = await runProg(['stop', ...args], { home });
  return { ...r, ms: Date.now() - started };
}

function state(home: string, id: string): Promise<string | undefined> {
  return runProg(['ls', '--format', 'json'], { home }).then((r) => ndjson(r.stdout).find((row) => row.id === id)?.state as string | undefined);
}

function events(dir: string): Record<string, any>[] {
  return ndjson(readFileSync(join(dir, 'events.ndjson'))).filter((e) => e.type !== 'chunk');
}

/**
 * stop's default --grace. A shorter grace, or no wait at all, is told from it by stop returning
 * before it would have run out: an upper bound that holds however busy the machine.
 */
const DEFAULT_GRACE_MS = 10_000;

// Each loop sleeps in short steps: sh runs a trap once its foreground sleep is over.
const LOOP = 'while :; do sleep 0.05; done';

test('TERM: to a command that traps it, cleans up for 0.4 s and exits 0; stop returns once the run has ended, recorded as succeeded', async () => {
  const r = await detach(`trap 'sleep 0.4; echo term > "$OUT/term"; exit 0' TERM; touch "$OUT/ready"; ${LOOP}`, { ready: 'ready' });
  const s = await stop(r.home, [r.id]);
  assert.is(s.code, 0, s.stderr.toString());
  assert.is(s.stdout.toString(), '');
  assert.is(s.stderr.toString(), `prog: run ${r.id} stopped: succeeded, exit 0\n`);
  assert.ok(s.ms >= 400, `stop returned after ${s.ms} ms, before the command's 0.4 s of cleanup`);
  // Ended already when stop returned: the record says so without waiting.
  const run = readJson(join(r.dir, 'run.json'))!;
  assert.is(run.status, 'ok');
  assert.is(run.exitCode, 0);
  assert.is(run.signal, null);
  assert.type(run.endedAt, 'string');
  assert.is(readFileSync(join(r.out, 'term'), 'utf8'), 'term\n');
  // TERM went through the recording prog, which logged it and passed it on.
  assert.equal(events(r.dir).filter((e) => e.type === 'signal').map((e) => [e.signal, e.action]), [['SIGTERM', 'forwarded']]);
  await groupGone(r.run.pid, 5000);
  assert.is(await state(r.home, r.id), 'succeeded');
});

test('a command that ignores TERM: --grace 1 SIGKILLs its group about 1 s later; recorded as interrupted by SIGKILL', async () => {
  const r = await detach(`trap '' TERM; touch "$OUT/ready"; ${LOOP}`, { ready: 'ready' });
  const s = await stop(r.home, ['--grace', '1', r.id]);
  assert.is(s.code, 0, s.stderr.toString());
  assert.ok(s.ms >= 1000, `stopped after ${s.ms} ms: before the 1 s grace`);
  assert.ok(s.ms < DEFAULT_GRACE_MS, `stopped after ${s.ms} ms: not by the 1 s grace`);
  assert.is(s.stderr.toString(), `prog: run ${r.id} stopped: interrupted, killed by SIGKILL\n`);
  const run = readJson(join(r.dir, 'run.json'))!;
  assert.is(run.status, 'interrupted');
  assert.is(run.signal, 'SIGKILL');
  assert.is(run.exitCode, null);
  await groupGone(r.run.pid, 5000);
});

test('--signal USR1 reaches the command, which carries on: stop returns without ending the run', async () => {
  const r = await detach(`trap 'echo usr1 >> "$OUT/usr1"' USR1; trap 'exit 0' TERM; touch "$OUT/ready"; ${LOOP}`, { ready: 'ready' });
  const live = startProg(['stop', '--signal', 'USR1', r.id], { home: r.home });
  await waitUntil(() => existsSync(join(r.out, 'usr1')), 5000, 'the command to write $OUT/usr1');
  try {
    const end = await live.waitExit(2000, 'prog stop --signal USR1 to return');
    assert.is(end.code, 0, live.transcript());
  } catch (error) {
    throw new Error(`prog stop --signal USR1 did not return within 2 s: it waits for the run to end, and SIGKILLs it when its grace is over\n${(error as Error).message}`);
  }
  assert.is(readFileSync(join(r.out, 'usr1'), 'utf8'), 'usr1\n');
  assert.ok(isLive(r.run.pid), 'the command is still running');
  assert.is(await state(r.home, r.id), 'running');
  const s = await stop(r.home, [r.id]);
  assert.is(s.code, 0);
  assert.is(readJson(join(r.dir, 'run.json'))!.status, 'ok');
  await groupGone(r.run.pid, 5000);
});

test('--signal HUP goes to the command (not taken as prog\'s own terminal closing); its trap exits 0', async () => {
  const r = await detach(`trap 'echo hup > "$OUT/hup"; exit 0' HUP; touch "$OUT/ready"; ${LOOP}`, { ready: 'ready' });
  const s = await stop(r.home, ['--signal', 'HUP', r.id]);
  assert.is(s.code, 0, s.stderr.toString());
  assert.match(s.stderr.toString(), /^prog: /);
  assert.ok(s.stderr.toString().includes(r.id), s.stderr.toString());
  assert.ok(s.ms < DEFAULT_GRACE_MS, `stop returned after ${s.ms} ms: it waited for a grace`);
  // Whether stop waits for the end after a HUP or not, the run ends by the command's trap.
  await waitUntil(() => readJson(join(r.dir, 'run.json'))?.endedAt !== undefined, 5000, 'the run to end');
  assert.is(readFileSync(join(r.out, 'hup'), 'utf8'), 'hup\n');
  const run = readJson(join(r.dir, 'run.json'))!;
  assert.is(run.status, 'ok');
  assert.is(run.exitCode, 0);
  assert.equal(events(r.dir).filter((e) => e.type === 'signal'), [], 'the recording prog got no signal itself');
  await groupGone(r.run.pid, 5000);
});

test('a finished run: a message, exit 0; an unknown id or an unknown signal: exit 125', async () => {
  const home = tempDir();
  const done = await runProg(['run', '--format', 'none', '--', 'true'], { home });
  assert.is(done.code, 0);
  const id = (ndjson((await runProg(['ls', '--format', 'json'], { home })).stdout)[0]!.id) as string;
  const s = await stop(home, [id]);
  assert.is(s.code, 0);
  assert.is(s.stdout.toString(), '');
  assert.is(s.stderr.toString(), `prog: run ${id} is not running (succeeded); nothing to stop\n`);
  const latest = await stop(home, ['latest']);
  assert.is(latest.code, 0);
  assert.match(latest.stderr.toString(), /is not running \(succeeded\)/);
  const unknown = await stop(home, ['19990101-000000-abcdef']);
  assert.is(unknown.code, 125);
  assert.is(unknown.stderr.toString(), 'prog: no run "19990101-000000-abcdef" (prog ls lists them)\n');
  const badSignal = await stop(home, ['--signal', 'NOPE', id]);
  assert.is(badSignal.code, 125);
  assert.match(badSignal.stderr.toString(), /unknown signal "NOPE"/);
  const empty = await stop(tempDir(), ['latest']);
  assert.is(empty.code, 125);
  assert.match(empty.stderr.toString(), /no runs recorded/);
});

test('a lost run whose command runs on (its prog SIGKILLed): stop signals the command\'s group itself, and it ends', async () => {
  // A lost command's stdout and stderr died with its prog: were it to write there (dash reports its
  // child's death by TERM on stderr) it would get SIGPIPE rather than run its trap.
  const r = await detach(`exec >/dev/null 2>&1; trap 'echo term > "$OUT/term"; exit 0' TERM; touch "$OUT/ready"; ${LOOP}`, { ready: 'ready' });
  process.kill(r.run.supervisor.pid, 'SIGKILL');
  assert.is(await state(r.home, r.id), 'lost');
  assert.ok(liveInGroup(r.run.pid).length > 0, 'the command runs on in its own group');
  const s = await stop(r.home, [r.id]);
  assert.is(s.code, 0, s.stderr.toString());
  assert.is(s.stderr.toString(), `prog: run ${r.id}: its command is gone; the run stays lost (its prog died before recording the end)\n`);
  assert.ok(s.ms < DEFAULT_GRACE_MS, `stop returned after ${s.ms} ms: it waited for a grace`);
  assert.is(readFileSync(join(r.out, 'term'), 'utf8'), 'term\n', 'TERM reached the command (it was not killed)');
  await groupGone(r.run.pid, 5000);
  assert.is(await state(r.home, r.id), 'lost');
  // Nothing left to stop now.
  const again = await stop(r.home, [r.id]);
  assert.is(again.code, 0);
  assert.match(again.stderr.toString(), /is lost \(its prog died\) and its command is gone too; nothing to stop/);
});

test('a lost run whose command ignores TERM: stop escalates to SIGKILL itself after --grace 1', async () => {
  const r = await detach(`exec >/dev/null 2>&1; trap '' TERM; touch "$OUT/ready"; ${LOOP}`, { ready: 'ready' });
  process.kill(r.run.supervisor.pid, 'SIGKILL');
  const s = await stop(r.home, ['--grace', '1', r.id]);
  assert.is(s.code, 0, s.stderr.toString());
  assert.ok(s.ms >= 1000 && s.ms < DEFAULT_GRACE_MS, `stopped after ${s.ms} ms: not by the 1 s grace`);
  assert.match(s.stderr.toString(), /its command is gone; the run stays lost/);
  await groupGone(r.run.pid, 5000);
});

test('no --grace: the run\'s own --grace (30 s here) is kept, not replaced by 10 s', async () => {
  // prog stop --help: "seconds before SIGKILL (default: the run's own --grace)".
  const r = await detach(`trap 'echo term >> "$OUT/term"' TERM; touch "$OUT/ready"; ${LOOP}`, { flags: ['--grace', '30'], ready: 'ready' });
  const live = startProg(['stop', r.id], { home: r.home });
  await waitUntil(() => existsSync(join(r.out, 'term')), 5000, 'the command to get TERM');
  const sentAt = Date.now();
  // Past 10 s (stop's fixed default) and well inside the run's 30 s.
  await pause(10_500 - (Date.now() - sentAt));
  const alive = isLive(r.run.pid);
  const run = readJson(join(r.dir, 'run.json'))!;
  // Ends the run for good either way (a second stop signal escalates at once).
  const kill = await stop(r.home, ['--signal', 'KILL', r.id]);
  assert.is(kill.code, 0, kill.stderr.toString());
  await live.waitExit(10_000);
  await groupGone(r.run.pid, 5000);
  assert.ok(alive, `the command was killed within 10.5 s of TERM although the run has --grace 30 (run.json: ${run.status}, ${run.signal})`);
});

uvuTest.run();
