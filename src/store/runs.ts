// The recorded runs under <state dir>/runs: finding one by id, prefix or `latest`, and telling
// what state it is in now — including `lost`, for a run whose prog died without writing its end.
// A state dir that cannot be read (`runs` a file, no permission…) is a ProgError naming the path.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProgError } from '../errors.js';
import type { Snapshot } from '../model/snapshot.js';
import { isAlive } from './liveness.js';
import type { RunRecord } from './run-store.js';
import { readStateDir, readStateFile, stateDamage } from './state-files.js';

/** What `prog ls` calls a run's state. */
export type RunState = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'lost';

export interface StoredRun {
  id: string;
  dir: string;
  record: RunRecord;
  state: RunState;
}

/** A run directory's name (newRunId). */
export const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]+$/;

/** Run ids sort by start time (the id starts with it): newest last. */
export function runIds(root: string): string[] {
  return readStateDir(join(root, 'runs'))
    .filter((d) => d.isDirectory() && RUN_ID.test(d.name))
    .map((d) => d.name)
    .sort();
}

/**
 * The names under runs/ that look like run ids, sorted, without their types: half the cost of
 * runIds on a large directory. Whether each is a directory is for the reader of the few it reads.
 */
function runIdNames(root: string): string[] {
  const path = join(root, 'runs');
  try {
    return readdirSync(path).filter((name) => RUN_ID.test(name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw stateDamage(path, error);
  }
}

/** runs/<id> is a directory (not a file or symlink that happens to have a run id's name). */
function isRunDir(root: string, id: string): boolean {
  try {
    return lstatSync(join(root, 'runs', id)).isDirectory();
  } catch {
    return false; // gone since the listing (pruned)
  }
}

/** The run's run.json, or undefined while there is none (or it is not a run record, see below). */
export function readRunRecord(dir: string): RunRecord | undefined {
  const read = runRecordOrWhyNot(dir);
  return typeof read === 'string' ? undefined : read;
}

/** run.json, or why it is not a run record ('' when there is no run.json). Unreadable: a ProgError. */
function runRecordOrWhyNot(dir: string): RunRecord | string {
  const text = readStateFile(join(dir, 'run.json'));
  if (text === undefined) return '';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const record = value as Partial<RunRecord>;
  // What every reader relies on; a record without it is damage, not a run.
  const ok = Array.isArray(record.command) && record.command.every((w) => typeof w === 'string')
    && typeof record.startedAt === 'string' && typeof record.status === 'string' && typeof record.cwd === 'string';
  return ok ? (record as RunRecord) : 'no command, cwd, startedAt or status';
}

/** The latest snapshot a running prog left (snapshot.json), if any. */
export function readSnapshot(dir: string): Snapshot | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'snapshot.json'), 'utf8')) as Snapshot;
  } catch {
    return undefined;
  }
}

/**
 * How the run stands: its recorded end when it has one; else running while the prog that records
 * it is alive (same pid and start time), and lost once that prog is gone without an end.
 */
export function runState(record: RunRecord): RunState {
  if (record.endedAt !== undefined || record.status !== 'running') {
    switch (record.status) {
      case 'ok': return 'succeeded';
      case 'interrupted': return 'interrupted';
      default: return 'failed';
    }
  }
  if (record.supervisor === undefined) return 'lost';
  return isAlive(record.supervisor) ? 'running' : 'lost';
}

export function loadRun(root: string, id: string): StoredRun | undefined {
  const dir = join(root, 'runs', id);
  const record = readRunRecord(dir);
  return record && { id, dir, record, state: runState(record) };
}

/**
 * The run, or undefined while it has no run.json (it is being created). A run.json that is not a
 * run record, or cannot be read, is damage: a ProgError naming it.
 */
function loadOrDamage(root: string, id: string): StoredRun | undefined {
  const dir = join(root, 'runs', id);
  const record = runRecordOrWhyNot(dir);
  if (record === '') return undefined;
  if (typeof record === 'string') throw new ProgError('STATE_DAMAGED', `${join(dir, 'run.json')}: not a run record (${record})`);
  return { id, dir, record, state: runState(record) };
}

/**
 * Every run with a run record, newest first. Ids order runs to the second; within a second
 * (a quick `prog resume latest`), the start time in run.json, which has milliseconds, decides.
 * A damaged run (see loadOrDamage) is left out and handed to `damaged`; without it, it throws.
 */
export function listRuns(root: string, damaged?: (error: ProgError) => void): StoredRun[] {
  const runs: StoredRun[] = [];
  for (const id of runIds(root)) {
    try {
      const run = loadOrDamage(root, id);
      if (run) runs.push(run);
    } catch (error) {
      if (!damaged || !(error instanceof ProgError)) throw error;
      damaged(error);
    }
  }
  return newestFirst(runs);
}

/**
 * The newest `limit` runs with a run record, newest first, reading only those: ids sort by start
 * time to the second, so runs are read a second at a time from the newest (within a second the
 * start time in run.json decides) until enough are found. `older` is how many run directories were
 * not read: what `… N older runs` counts (a leftover directory without a run.json among them
 * counts too). A damaged run among those read is handed to `damaged`, else it throws. `ids`: the
 * names under runs/, when the caller has listed them already.
 */
export function newestRuns(root: string, limit: number, damaged?: (error: ProgError) => void, ids = runIdNames(root)): { runs: StoredRun[]; older: number } {
  const runs: StoredRun[] = [];
  let end = ids.length;
  while (end > 0 && runs.length < limit) {
    const start = secondStart(ids, end);
    const second: StoredRun[] = [];
    for (const id of ids.slice(start, end)) {
      if (!isRunDir(root, id)) continue;
      try {
        const run = loadOrDamage(root, id);
        if (run) second.push(run);
      } catch (error) {
        if (!damaged || !(error instanceof ProgError)) throw error;
        damaged(error);
      }
    }
    runs.push(...newestFirst(second));
    end = start;
  }
  // The last second read may hold more runs than asked for: they are older, and were read.
  return { runs: runs.slice(0, limit), older: end + Math.max(0, runs.length - limit) };
}

/** Where the ids of the second of ids[end - 1] start (ids sorted). */
function secondStart(ids: string[], end: number): number {
  const second = ids[end - 1]!.slice(0, 15);
  let start = end - 1;
  while (start > 0 && ids[start - 1]!.startsWith(second)) start--;
  return start;
}

function newestFirst(runs: StoredRun[]): StoredRun[] {
  const started = (r: StoredRun) => Date.parse(r.record.startedAt) || 0;
  return runs.sort((a, b) => started(b) - started(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/**
 * The run a user named: an exact id, a unique prefix of one, or `latest` (the newest run). Refused
 * with a message that says what was found instead.
 */
export function findRun(root: string, target: string): StoredRun {
  const ids = runIds(root);
  if (ids.length === 0) throw new ProgError('NO_SUCH_RUN', `no runs recorded in ${root} yet`);
  let id: string | undefined;
  if (target === 'latest') {
    // Runs still being created are passed over; a damaged one is not (it is named).
    const run = newestRuns(root, 1, undefined, ids).runs[0];
    if (run) return run;
    throw new ProgError('NO_SUCH_RUN', `no run in ${root} has a run.json yet (they are being created, or their prog died before writing it)`);
  }
  else if (ids.includes(target)) id = target;
  else {
    const matches = ids.filter((i) => i.startsWith(target));
    if (matches.length > 1) throw new ProgError('NO_SUCH_RUN', `"${target}" matches ${matches.length} runs (${matches.slice(-3).join(', ')}…): give more of the id`);
    id = matches[0];
  }
  if (id === undefined) throw new ProgError('NO_SUCH_RUN', `no run "${target}" (prog ls lists them)`);
  const run = loadOrDamage(root, id);
  if (!run) throw new ProgError('NO_SUCH_RUN', `run ${id} has no run.json yet (it is being created, or its prog died before writing it)`);
  return run;
}
