// `prog ls`: real runs in every state (succeeded, failed, interrupted, running with its progress and
// ETA, lost when the prog recording it was SIGKILLed), plus hand-written run.json files for what a
// real run cannot show on demand (pid reuse, ordering within one second, many runs for --limit).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, startProg, trackGroup, trackPid } from '../helpers/live.js';
import { ndjson, projectRoot, runProg, tempDir, type ProgResult } from '../helpers/prog.js';
import { groupGone, isLive, killGroup, waitUntil } from '../helpers/procfs.js';
import { marker, readJson, runDirs } from '../helpers/runs.js';
import { scaled } from '../helpers/time.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));

type Row = Record<string, any>;

async function ls(home: string, args: string[] = []): Promise<ProgResult> {
  return runProg(['ls', ...args], { home });
}

async function lsJson(home: string, args: string[] = []): Promise<Row[]> {
  const r = await ls(home, ['--format', 'json', ...args]);
  assert.is(r.code, 0, r.stderr.toString());
  assert.is(r.stderr.toString(), '');
  return ndjson(r.stdout);
}

/** The table's lines (header first), without the final newline. */
async function lsText(home: string, args: string[] = []): Promise<string[]> {
  const r = await ls(home, args);
  assert.is(r.code, 0, r.stderr.toString());
  assert.is(r.stderr.toString(), '');
  const text = r.stdout.toString();
  assert.ok(text.endsWith('\n'), JSON.stringify(text));
  return text.slice(0, -1).split('\n');
}

function rowOf(lines: string[], id: string): string {
  const line = lines.find((l) => l.startsWith(`${id} `));
  if (line === undefined) throw new Error(`no row for ${id} in:\n${lines.join('\n')}`);
  return line.trimEnd();
}

/** Runs `prog run` to its end and returns the id of the run it recorded. */
async function recorded(home: string, command: string[]): Promise<{ id: string; r: ProgResult; run: Record<string, any> }> {
  const before = new Set(runDirs(home));
  const r = await runProg(['run', '--format', 'none', '--', ...command], { home });
  const dirs = runDirs(home).filter((d) => !before.has(d));
  assert.is(dirs.length, 1, `one new run dir: ${r.stderr.toString()}`);
  const run = readJson(join(dirs[0]!, 'run.json'))!;
  return { id: run.id as string, r, run };
}

/** A shell line printing one marker (the JSON holds no single quote). */
function echoMarker(fields: Record<string, unknown>): string {
  return `echo '${marker(fields).trimEnd()}'`;
}

/**
 * `prog run --detach` (through startProg, so the background prog and the command carry the test's
 * tag and clean() finds any stray); waits for it to return and for run.json to name the command.
 */
async function detach(home: string, flags: string[], command: string[]): Promise<{ id: string; dir: string; run: Record<string, any> }> {
  const live = startProg(['run', '--detach', ...flags, '--', ...command], { home });
  const end = await live.waitExit(15_000, 'prog run --detach to return');
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  const id = live.stdout().trim();
  const dir = join(home, 'runs', id);
  const run = readJson(join(dir, 'run.json'))!;
  assert.type(run.pid, 'number');
  trackGroup(run.pid);
  trackPid(run.supervisor.pid);
  return { id, dir, run };
}

/** Waits until the run has its end in run.json. */
async function ended(dir: string, ms = 10_000): Promise<Record<string, any>> {
  let run: Record<string, any> | undefined;
  await waitUntil(() => {
    run = readJson(join(dir, 'run.json'));
    return run?.endedAt !== undefined ? true : `status ${run?.status}`;
  }, ms, `the run in ${dir} to record its end`);
  return run!;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks), read here independently of prog. */
function startTicksOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** A run.json as prog writes it, in a run dir of its own under home. */
function writeRun(home: string, id: string, fields: Record<string, unknown> = {}): void {
  const dir = join(home, 'runs', id);
  mkdirSync(dir, { recursive: true });
  const stamp = /^(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)-/.exec(id)!;
  const startedAt = `${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}.000Z`;
  writeFileSync(join(dir, 'run.json'), JSON.stringify({
    version: 1, id, key: `work @ /tmp`, command: ['sh', '-c', 'work'], cwd: '/tmp', startedAt,
    endedAt: startedAt, durationMs: 1500, status: 'ok', exitCode: 0, signal: null, pid: 999_999,
    ...fields,
  }, null, 2));
}

test('no runs: a hint on stdout, exit 0; JSON prints nothing; a state dir that does not exist is not created', async () => {
  const home = tempDir();
  const r = await ls(home);
  assert.is(r.code, 0);
  assert.is(r.stdout.toString(), 'no runs recorded yet: prog run -- <command> records one\n');
  assert.is(r.stderr.toString(), '');
  const json = await ls(home, ['--format', 'json']);
  assert.is(json.code, 0);
  assert.is(json.stdout.toString(), '');
  const missing = join(home, 'not-yet');
  const none = await ls(missing);
  assert.is(none.code, 0);
  assert.match(none.stdout.toString(), /^no runs recorded yet/);
  assert.not.ok(existsSync(missing), 'prog ls made the state dir');
});

test('ended runs: succeeded (100%), failed (exit 3), interrupted (SIGTERM), named by their workflow marker; JSON fields', async () => {
  const home = tempDir();
  const ok = await recorded(home, ['true']);
  assert.is(ok.r.code, 0);
  const failed = await recorded(home, ['sh', '-c', 'exit 3']);
  assert.is(failed.r.code, 3);
  const interrupted = await recorded(home, ['sh', '-c', 'kill -TERM $$']);
  assert.is(interrupted.r.signal, 'SIGTERM');
  const named = await recorded(home, ['sh', '-c', echoMarker({ type: 'workflow', name: 'nightly build' })]);
  assert.is(named.r.code, 0);

  const rows = await lsJson(home);
  assert.is(rows.length, 4);
  const byId = new Map(rows.map((row) => [row.id as string, row]));
  const okRow = byId.get(ok.id)!;
  assert.equal(Object.keys(okRow), ['id', 'name', 'state', 'command', 'cwd', 'startedAt', 'exitCode', 'signal', 'elapsedMs', 'percent']);
  assert.equal(okRow, {
    id: ok.id, name: 'true', state: 'succeeded', command: ['true'], cwd: projectRoot, startedAt: ok.run.startedAt,
    exitCode: 0, signal: null, elapsedMs: ok.run.durationMs, percent: 100,
  });
  assert.equal(byId.get(failed.id), {
    id: failed.id, name: 'sh -c exit 3', state: 'failed', command: ['sh', '-c', 'exit 3'], cwd: projectRoot,
    startedAt: failed.run.startedAt, exitCode: 3, signal: null, elapsedMs: failed.run.durationMs,
  });
  const intRow = byId.get(interrupted.id)!;
  assert.is(intRow.state, 'interrupted');
  assert.is(intRow.exitCode, null);
  assert.is(intRow.signal, 'SIGTERM');
  assert.is(intRow.percent, undefined);
  assert.is(intRow.etaMs, undefined);
  assert.is(byId.get(named.id)!.name, 'nightly build');
  assert.is(byId.get(named.id)!.state, 'succeeded');

  const lines = await lsText(home);
  assert.match(lines[0]!, /^id\s+name\s+state\s+progress\s+time\s+ETA$/);
  assert.is(lines.length, 5, lines.join('\n'));
  assert.match(rowOf(lines, ok.id), /^\S+\s+true\s+succeeded\s+100%\s+\d+(\.\d)?s$/);
  assert.match(rowOf(lines, failed.id), /^\S+\s+sh -c exit 3\s+failed \(exit 3\)\s+\d+(\.\d)?s$/);
  assert.match(rowOf(lines, interrupted.id), /^\S+\s+sh -c kill -TERM \$\$\s+interrupted \(SIGTERM\)\s+\d+(\.\d)?s$/);
  assert.match(rowOf(lines, named.id), /^\S+\s+nightly build\s+succeeded\s+100%/);
});

test('running: a detached run shows running, with the percent and ETA of its snapshot.json once it has progress against a total', async () => {
  const home = tempDir();
  const work = [
    echoMarker({ type: 'phase', id: 'work', name: 'Work', total: 400 }),
    'i=0',
    'while [ $i -lt 400 ]; do i=$((i+1)); echo "::prog::{\\"type\\":\\"progress\\",\\"phase\\":\\"work\\",\\"current\\":$i}"; sleep 0.02; done',
  ].join('\n');
  const { id, dir, run } = await detach(home, ['--update-interval', '0.2'], ['sh', '-c', work]);
  let snapshot: Record<string, any> | undefined;
  await waitUntil(() => {
    snapshot = readJson(join(dir, 'snapshot.json'));
    return snapshot?.etaMs !== undefined && snapshot.percent > 0 ? true : JSON.stringify(snapshot)?.slice(0, 200) ?? 'no snapshot';
  }, 8000, 'snapshot.json with a percent and an ETA');

  // The ETA in snapshot.json goes up as well as down (a busy machine slows the loop, and the pace
  // with it), so snapshots read before and after ls do not bracket the one ls read. Its prog is
  // stopped instead while ls reads: snapshot.json (replaced whole, by rename) holds still, and ls
  // must show exactly its percent, and its ETA less the time since it was taken.
  process.kill(run.supervisor.pid, 'SIGSTOP');
  let rows: Row[];
  let lines: string[];
  let stored: Record<string, any>;
  try {
    const before = readFileSync(join(dir, 'snapshot.json'), 'utf8');
    rows = await lsJson(home);
    lines = await lsText(home);
    const after = readFileSync(join(dir, 'snapshot.json'), 'utf8');
    assert.is(after, before, 'snapshot.json changed while its prog was stopped');
    stored = JSON.parse(before) as Record<string, any>;
  } finally {
    process.kill(run.supervisor.pid, 'SIGCONT');
  }
  assert.is(rows.length, 1);
  const row = rows[0]!;
  assert.is(row.id, id);
  assert.is(row.state, 'running');
  assert.is(row.exitCode, null);
  assert.is(row.signal, null);
  assert.equal(row.command, ['sh', '-c', work]);
  assert.is(row.percent, Math.floor(stored.percent), `percent ${row.percent}, snapshot.json ${stored.percent}`);
  assert.ok(row.percent > 0 && row.percent < 100, String(row.percent));
  const sinceStart = Date.now() - Date.parse(run.startedAt);
  assert.ok(row.elapsedMs > 0 && row.elapsedMs <= sinceStart, `elapsedMs ${row.elapsedMs}, ${sinceStart} ms since the start`);
  // Taken at tMs into the run (the run's clock starts with startedAt), and read when elapsedMs had passed.
  assert.ok(row.elapsedMs > stored.tMs, `elapsedMs ${row.elapsedMs}, snapshot taken at ${stored.tMs}`);
  assert.type(row.etaMs, 'number');
  assert.is(row.etaMs, Math.max(0, stored.etaMs - (row.elapsedMs - stored.tMs)), `etaMs ${row.etaMs}: snapshot.json ${stored.etaMs} at ${stored.tMs} ms, read at ${row.elapsedMs} ms`);
  assert.ok(row.etaMs > 0, `etaMs ${row.etaMs}`);
  assert.match(rowOf(lines, id), /\srunning\s+\d{1,2}%\s+\d+(\.\d)?s\s+\d+(\.\d)?s$/);

  // Ended here by a TERM to its prog (not prog stop: that has its own tests).
  process.kill(run.supervisor.pid, 'SIGTERM');
  const end = await ended(dir);
  assert.is(end.status, 'interrupted');
  await groupGone(run.pid, 5000);
});

/**
 * Polls `prog ls` after its prog was SIGKILLed: never running, and lost at once. Not after a
 * staleness timeout: the first ls asked once /proc shows that prog dead must say lost.
 */
async function lostAtOnce(home: string, id: string, prog: number): Promise<Row> {
  const seen: string[] = [];
  const killedAt = Date.now();
  for (;;) {
    const dead = !isLive(prog);
    const row = (await lsJson(home)).find((r) => r.id === id);
    seen.push(`${Date.now() - killedAt} ms${dead ? ', prog dead' : ''}: ${row?.state}`);
    assert.ok(row !== undefined, `ls lists the run (${seen.join('; ')})`);
    assert.is.not(row!.state, 'running', `ls said running after its prog was SIGKILLed (${seen.join('; ')})`);
    if (row!.state === 'lost') return row!;
    if (dead) assert.unreachable(`ls asked after prog had died did not say lost (${seen.join('; ')})`);
    if (Date.now() - killedAt > scaled(10_000)) assert.unreachable(`prog ${prog} still not dead (${seen.join('; ')})`);
  }
}

test('lost: prog run SIGKILLed while its command runs on; ls says lost at once (never running), with the last percent and no ETA', async () => {
  const home = tempDir();
  const work = [
    echoMarker({ type: 'phase', id: 'p', total: 10 }),
    echoMarker({ type: 'progress', phase: 'p', current: 3 }),
    // No output after this: prog's end of the pipes dies with it.
    'while :; do sleep 0.05; done',
  ].join('\n');
  const live = startProg(['run', '--format', 'none', '--update-interval', '0.2', '--', 'sh', '-c', work], { home });
  let run: Record<string, any> | undefined;
  let dir = '';
  await waitUntil(() => {
    const dirs = runDirs(home);
    if (dirs.length !== 1) return 'no run dir yet';
    dir = dirs[0]!;
    run = readJson(join(dir, 'run.json'));
    return run?.pid !== undefined && readJson(join(dir, 'snapshot.json'))?.percent === 30 ? true : 'no snapshot at 30% yet';
  }, 10_000, 'the run to start and snapshot 30%');
  trackGroup(run!.pid);
  assert.is(run!.supervisor.pid, live.pid, 'run.json names the prog process as its supervisor');
  assert.equal((await lsJson(home)).map((r) => r.state), ['running']);

  live.kill('SIGKILL');
  const row = await lostAtOnce(home, run!.id, live.pid);
  assert.is(row.percent, 30);
  assert.is(row.etaMs, undefined);
  assert.is(row.exitCode, null);
  assert.ok(isLive(run!.pid), 'the command itself is still running');
  const lines = await lsText(home);
  assert.match(rowOf(lines, run!.id), /\slost\s+30%$/);

  killGroup(run!.pid);
  await groupGone(run!.pid, 5000);
  await live.waitExit(5000);
});

test('lost: a detached run whose background prog is SIGKILLed', async () => {
  const home = tempDir();
  const { id, run } = await detach(home, [], ['sh', '-c', 'while :; do sleep 0.05; done']);
  assert.equal((await lsJson(home)).map((r) => r.state), ['running']);
  process.kill(run.supervisor.pid, 'SIGKILL');
  const row = await lostAtOnce(home, id, run.supervisor.pid);
  assert.is(row.state, 'lost');
  assert.ok(isLive(run.pid), 'the command is still running');
  killGroup(run.pid);
  await groupGone(run.pid, 5000);
});

test('pid reuse: a live process with the recorded pid but another start time is not the run\'s prog (lost); the same start time is (running)', async () => {
  const home = tempDir();
  const ticks = startTicksOf(process.pid);
  const reused = '20240101-000001-aaaaaa';
  const same = '20240101-000002-bbbbbb';
  const running = { status: 'running', endedAt: undefined, durationMs: undefined, exitCode: null, signal: null };
  writeRun(home, reused, { ...running, supervisor: { pid: process.pid, startTicks: String(Number(ticks) + 1) } });
  writeRun(home, same, { ...running, supervisor: { pid: process.pid, startTicks: ticks } });
  const rows = await lsJson(home);
  assert.equal(rows.map((r) => [r.id, r.state]), [[same, 'running'], [reused, 'lost']]);
  const lines = await lsText(home);
  assert.match(rowOf(lines, reused), /\slost$/);
  assert.match(rowOf(lines, same), /\srunning\s/);
});

test('newest first; --limit N keeps the N newest and says how many are left; --limit 0 lists all; 20 by default', async () => {
  const home = tempDir();
  const ids = Array.from({ length: 22 }, (_, i) => `20240101-0000${String(i).padStart(2, '0')}-${(0xa00000 + i).toString(16)}`);
  // Written out of order: the listing sorts.
  for (const id of [...ids].reverse()) writeRun(home, id);
  const newestFirst = [...ids].reverse();
  assert.equal((await lsJson(home, ['--limit', '0'])).map((r) => r.id), newestFirst);
  assert.equal((await lsJson(home, ['--limit', '2'])).map((r) => r.id), newestFirst.slice(0, 2));
  const limited = await lsText(home, ['--limit', '2']);
  assert.is(limited.length, 1 + 2 + 1, limited.join('\n'));
  assert.ok(limited[1]!.startsWith(newestFirst[0]!) && limited[2]!.startsWith(newestFirst[1]!), limited.join('\n'));
  assert.is(limited[3], '… 20 older runs (--limit 0 lists them all)');
  const all = await lsText(home, ['--limit', '0']);
  assert.is(all.length, 1 + 22);
  const byDefault = await lsText(home);
  assert.is(byDefault.length, 1 + 20 + 1);
  assert.is(byDefault[21], '… 2 older runs (--limit 0 lists them all)');
  assert.equal((await lsJson(home)).length, 20);
});

test('newest first within one second too: two runs started in the same second list by start time, not by their random id suffix', async () => {
  // Run ids are <second>-<random hex>: two runs started in one second (a run and its quick resume,
  // a script's loop) sort by the random part. Written by hand so the suffixes are in the wrong order.
  const home = tempDir();
  const earlier = '20240101-000000-ffffff';
  const later = '20240101-000000-000000';
  writeRun(home, earlier, { startedAt: '2024-01-01T00:00:00.100Z', command: ['first'] });
  writeRun(home, later, { startedAt: '2024-01-01T00:00:00.900Z', command: ['second'] });
  const rows = await lsJson(home);
  assert.equal(rows.map((r) => r.command[0]), ['second', 'first'], 'the run started last is listed first');
});

test('3,000 runs: ls reads only the runs it shows; a damaged run.json among older runs is not reported unless --limit 0 reads it', async () => {
  const home = tempDir();
  const stamp = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const ids = Array.from({ length: 3000 }, (_, i) => `${stamp(i)}-${(0x100000 + i).toString(16)}`);
  for (const id of ids) writeRun(home, id);
  const old = ids[5]!;
  writeFileSync(join(home, 'runs', old, 'run.json'), '{"torn":');
  // Not shown, so not read: no complaint, exit 0, and the count of older runs is right.
  const table = await lsText(home, ['--limit', '3']);
  assert.equal(table.slice(1, 4).map((l) => l.split(' ')[0]), ids.slice(-3).reverse());
  assert.is(table[4], '… 2997 older runs (--limit 0 lists them all)');
  assert.equal((await lsJson(home)).map((r) => r.id), ids.slice(-20).reverse());
  // --limit 0 reads everything, so it finds the damage: listed after the others, exit 125.
  const all = await ls(home, ['--limit', '0', '--format', 'json']);
  assert.is(all.code, 125);
  assert.is(ndjson(all.stdout).length, 2999);
  assert.match(all.stderr.toString(), new RegExp(`^prog: \\S+/runs/${old}/run\\.json: not a run record \\(not valid JSON\\)\\n$`));
  // Damage among the runs shown is reported as before; the rows that can be read are listed.
  writeFileSync(join(home, 'runs', ids.at(-2)!, 'run.json'), '[]');
  const shown = await ls(home, ['--limit', '3']);
  assert.is(shown.code, 125);
  assert.match(shown.stderr.toString(), new RegExp(`runs/${ids.at(-2)}/run\\.json: not a run record \\(not a JSON object\\)`));
  const lines = shown.stdout.toString().trimEnd().split('\n');
  assert.equal(lines.slice(1, 4).map((l) => l.split(' ')[0]), [ids.at(-1), ids.at(-3), ids.at(-4)]);
  assert.is(lines[4], '… 2996 older runs (--limit 0 lists them all)');
});

test('--limit within one second: the runs of the last second read are ordered by start time, the rest counted as older', async () => {
  const home = tempDir();
  writeRun(home, '20240101-000000-aaaaaa', { startedAt: '2024-01-01T00:00:00.000Z', command: ['oldest'] });
  writeRun(home, '20240101-000001-ffffff', { startedAt: '2024-01-01T00:00:01.100Z', command: ['a'] });
  writeRun(home, '20240101-000001-000000', { startedAt: '2024-01-01T00:00:01.900Z', command: ['b'] });
  writeRun(home, '20240101-000002-123456', { startedAt: '2024-01-01T00:00:02.000Z', command: ['newest'] });
  assert.equal((await lsJson(home, ['--limit', '2'])).map((r) => r.command[0]), ['newest', 'b']);
  assert.is((await lsText(home, ['--limit', '2']))[3], '… 2 older runs (--limit 0 lists them all)');
});

uvuTest.run();
