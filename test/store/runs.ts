// store/runs.ts: finding a run by id, prefix or `latest`, listing them, and the state of each —
// against run dirs written as prog writes them, with real processes as supervisors.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProgError } from '../../src/errors.js';
import { findRun, listRuns, loadRun, newestRuns, readSnapshot, runIds, runState } from '../../src/store/runs.js';
import type { RunRecord } from '../../src/store/run-store.js';
import { tempDir } from '../helpers/prog.js';

const A = '20240301-101500-0a1b2c';
const B = '20240301-101500-9f8e7d';
const C = '20240302-080000-123456';

function record(id: string, fields: Partial<RunRecord> = {}): RunRecord {
  const stamp = /^(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)-/.exec(id);
  const startedAt = stamp ? `${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}.000Z` : '2024-01-01T00:00:00.000Z';
  return {
    version: 1, id, key: 'work @ /tmp', command: ['work'], cwd: '/tmp', startedAt,
    endedAt: startedAt, durationMs: 10, status: 'ok', exitCode: 0, signal: null, pid: 4242,
    ...fields,
  };
}

function writeRun(root: string, id: string, fields: Partial<RunRecord> = {}): string {
  const dir = join(root, 'runs', id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify(record(id, fields), null, 2));
  return dir;
}

/** The error findRun throws, checked to be prog's NO_SUCH_RUN (or STATE_DAMAGED: both exit 125). */
function refusal(root: string, target: string, code: ProgError['code'] = 'NO_SUCH_RUN'): string {
  try {
    const run = findRun(root, target);
    throw new Error(`findRun(${target}) found ${run.id}`);
  } catch (error) {
    assert.instance(error, ProgError);
    assert.is((error as ProgError).code, code);
    return (error as ProgError).message;
  }
}

function threeRuns(): string {
  const root = tempDir();
  // Written newest first, so the order found is not the order created.
  writeRun(root, C, { status: 'failed', exitCode: 2 });
  writeRun(root, B);
  writeRun(root, A);
  return root;
}

/** Start ticks (field 22 of /proc/PID/stat). */
function ticksOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** A pid that was a real process and has now ended (and been reaped). */
function deadPid(): number {
  const r = spawnSync('true');
  assert.type(r.pid, 'number');
  return r.pid!;
}

test('runIds: run dirs only, oldest first; other names and plain files ignored; no runs dir: none', () => {
  const root = threeRuns();
  mkdirSync(join(root, 'runs', 'tmp'));
  mkdirSync(join(root, 'runs', '2024-03-01'));
  writeFileSync(join(root, 'runs', '20240303-000000-abcdef'), 'a file, not a run');
  assert.equal(runIds(root), [A, B, C]);
  assert.equal(runIds(join(root, 'nothing-here')), []);
});

test('findRun: an exact id', () => {
  const root = threeRuns();
  const run = findRun(root, B);
  assert.is(run.id, B);
  assert.is(run.dir, join(root, 'runs', B));
  assert.is(run.record.id, B);
  assert.is(run.state, 'succeeded');
});

test('findRun: a unique prefix of an id', () => {
  const root = threeRuns();
  assert.is(findRun(root, '20240302').id, C);
  assert.is(findRun(root, '20240301-101500-0').id, A);
  assert.is(findRun(root, '20240301-101500-9').id, B);
  assert.is(findRun(root, C.slice(0, -1)).id, C);
});

test('findRun: latest is the newest run', () => {
  const root = threeRuns();
  const run = findRun(root, 'latest');
  assert.is(run.id, C);
  assert.is(run.state, 'failed');
});

test('findRun: an ambiguous prefix is refused, saying how many runs it matches', () => {
  const root = threeRuns();
  assert.is(refusal(root, '20240301'), `"20240301" matches 2 runs (${A}, ${B}…): give more of the id`);
  assert.match(refusal(root, '2024'), /^"2024" matches 3 runs \(.*\): give more of the id$/);
});

test('findRun: no runs at all, or no such run, is refused', () => {
  const empty = tempDir();
  assert.is(refusal(empty, 'latest'), `no runs recorded in ${empty} yet`);
  assert.is(refusal(empty, A), `no runs recorded in ${empty} yet`);
  mkdirSync(join(empty, 'runs'));
  assert.is(refusal(empty, 'latest'), `no runs recorded in ${empty} yet`);
  const root = threeRuns();
  assert.is(refusal(root, '2025'), 'no run "2025" (prog ls lists them)');
  assert.is(refusal(root, 'latests'), 'no run "latests" (prog ls lists them)');
  assert.is(refusal(root, ''), `"" matches 3 runs (${A}, ${B}, ${C}…): give more of the id`);
});

test('findRun: a run dir without a readable run.json is named, not taken for another run', () => {
  const root = threeRuns();
  const id = '20240303-000000-abcdef';
  mkdirSync(join(root, 'runs', id));
  assert.is(refusal(root, id), `run ${id} has no run.json yet (it is being created, or its prog died before writing it)`);
  const path = join(root, 'runs', id, 'run.json');
  writeFileSync(path, '{"torn": ');
  assert.is(refusal(root, '20240303', 'STATE_DAMAGED'), `${path}: not a run record (not valid JSON)`);
  assert.is(refusal(root, 'latest', 'STATE_DAMAGED'), `${path}: not a run record (not valid JSON)`, 'latest names the newest run when it is damaged');
  writeFileSync(path, '[1, 2]');
  assert.is(refusal(root, id, 'STATE_DAMAGED'), `${path}: not a run record (not a JSON object)`);
  writeFileSync(path, '{"status":"ok"}');
  assert.is(refusal(root, id, 'STATE_DAMAGED'), `${path}: not a run record (no command, cwd, startedAt or status)`);
});

test('findRun latest, two runs started in the same second: the one started last, whatever the random suffix', () => {
  // Ids are <second>-<random hex>: a run and its quick `prog resume`, or runs in a script's loop,
  // share the second. Here the later run drew the smaller suffix.
  const root = tempDir();
  writeRun(root, '20240301-101500-ffffff', { startedAt: '2024-03-01T10:15:00.050Z', command: ['first'] });
  writeRun(root, '20240301-101500-000001', { startedAt: '2024-03-01T10:15:00.950Z', command: ['second'] });
  const latest = findRun(root, 'latest');
  assert.equal(latest.record.command, ['second'], `latest is ${latest.id}, started ${latest.record.startedAt}`);
  assert.equal(listRuns(root).map((r) => r.record.command[0]), ['second', 'first'], 'listRuns: newest first');
});

test('listRuns: newest first; a run without run.json yet left out, a damaged one left out and named', () => {
  const root = threeRuns();
  mkdirSync(join(root, 'runs', '20240305-000000-aaaaaa'));
  const torn = join(root, 'runs', '20240304-000000-bbbbbb');
  mkdirSync(torn);
  writeFileSync(join(torn, 'run.json'), '{');
  const damaged: string[] = [];
  assert.equal(listRuns(root, (error) => damaged.push(error.message)).map((r) => r.id), [C, B, A]);
  assert.equal(damaged, [`${join(torn, 'run.json')}: not a run record (not valid JSON)`]);
  assert.throws(() => listRuns(root), (error: unknown) => error instanceof ProgError && error.code === 'STATE_DAMAGED');
  assert.equal(listRuns(tempDir()), []);
  assert.is(loadRun(root, '20240305-000000-aaaaaa'), undefined);
  // latest passes over the run still being created, but not the damaged one under it.
  assert.is(refusal(root, 'latest', 'STATE_DAMAGED'), damaged[0]);
});

test('newestRuns: the newest N with a run record, reading down from the newest; what was not read counts as older', () => {
  const root = threeRuns();
  // Newest of all, but still being created: passed over, and the next one taken.
  mkdirSync(join(root, 'runs', '20240305-000000-aaaaaa'));
  const damaged: string[] = [];
  const two = newestRuns(root, 2, (error) => damaged.push(error.message));
  assert.equal([two.runs.map((r) => r.id), two.older, damaged], [[C, B], 1, []]);
  // A and B started in the same second: asking for one of them reads both (ordered by start time) and counts the other as older.
  const one = newestRuns(root, 1);
  assert.equal([one.runs.map((r) => r.id), one.older], [[C], 2]);
  assert.equal(newestRuns(root, 10).runs.map((r) => r.id), [C, B, A]);
  assert.equal(newestRuns(tempDir(), 5), { runs: [], older: 0 });
  // Damage among the runs read is named; below them it is never read.
  const torn = join(root, 'runs', '20240101-000000-bbbbbb');
  mkdirSync(torn);
  writeFileSync(join(torn, 'run.json'), '{');
  assert.equal(newestRuns(root, 3).older, 1);
  assert.throws(() => newestRuns(root, 4), (error: unknown) => error instanceof ProgError && error.code === 'STATE_DAMAGED');
});

test('runState: a recorded end is the state, whatever the supervisor', () => {
  const alive = { pid: process.pid, startTicks: ticksOf(process.pid) };
  assert.is(runState(record(A, { status: 'ok' })), 'succeeded');
  assert.is(runState(record(A, { status: 'failed', exitCode: 1 })), 'failed');
  assert.is(runState(record(A, { status: 'interrupted', exitCode: null, signal: 'SIGINT' })), 'interrupted');
  assert.is(runState(record(A, { status: 'spawn-failed', exitCode: null, spawnError: 'ENOENT' })), 'failed');
  assert.is(runState(record(A, { status: 'ok', supervisor: alive })), 'succeeded', 'ended, though its supervisor pid is alive');
});

test('runState: running while the supervisor is alive (same pid and start time); lost when it is dead, reused or unknown', () => {
  const running = { status: 'running' as const, endedAt: undefined, durationMs: undefined, exitCode: null };
  const ticks = ticksOf(process.pid);
  assert.is(runState(record(A, { ...running, supervisor: { pid: process.pid, startTicks: ticks } })), 'running');
  assert.is(runState(record(A, { ...running, supervisor: { pid: process.pid, startTicks: String(Number(ticks) + 7) } })), 'lost', 'pid reused by another process');
  const dead = deadPid();
  assert.is(runState(record(A, { ...running, supervisor: { pid: dead, startTicks: ticks } })), 'lost');
  assert.is(runState(record(A, { ...running, supervisor: { pid: dead } })), 'lost', 'dead, no start time recorded');
  assert.is(runState(record(A, { ...running, supervisor: undefined })), 'lost', 'no supervisor recorded');
  // loadRun gives the same state for what is on disk.
  const root = tempDir();
  writeRun(root, A, { ...running, supervisor: { pid: process.pid, startTicks: ticks } });
  writeRun(root, B, { ...running, supervisor: { pid: process.pid, startTicks: '1' } });
  assert.equal(listRuns(root).map((r) => [r.id, r.state]), [[B, 'lost'], [A, 'running']]);
});

test('readSnapshot: the snapshot.json a running prog left, or undefined', () => {
  const root = tempDir();
  const dir = writeRun(root, A);
  assert.is(readSnapshot(dir), undefined);
  writeFileSync(join(dir, 'snapshot.json'), JSON.stringify({ type: 'snapshot', tMs: 1200, percent: 42.5, etaMs: 3000 }));
  assert.equal(readSnapshot(dir), { type: 'snapshot', tMs: 1200, percent: 42.5, etaMs: 3000 } as any);
  writeFileSync(join(dir, 'snapshot.json'), '{"type":');
  assert.is(readSnapshot(dir), undefined);
});

test.run();
