// The recorded runs under <state dir>/runs: finding one by id, prefix or `latest`, and telling
// what state it is in now — including `lost`, for a run whose prog died without writing its end.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProgError } from '../errors.js';
import type { Snapshot } from '../model/snapshot.js';
import { isAlive } from './liveness.js';
import type { RunRecord } from './run-store.js';

/** What `prog ls` calls a run's state. */
export type RunState = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'lost';

export interface StoredRun {
  id: string;
  dir: string;
  record: RunRecord;
  state: RunState;
}

/** Run ids sort by start time (the id starts with it): newest last. */
export function runIds(root: string): string[] {
  try {
    return readdirSync(join(root, 'runs'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && /^\d{8}-\d{6}-[0-9a-f]+$/.test(d.name))
      .map((d) => d.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export function readRunRecord(dir: string): RunRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const record = value as Partial<RunRecord>;
    // What every reader relies on; a record without it is damage, not a run.
    const ok = Array.isArray(record.command) && record.command.every((w) => typeof w === 'string')
      && typeof record.startedAt === 'string' && typeof record.status === 'string' && typeof record.cwd === 'string';
    return ok ? (record as RunRecord) : undefined;
  } catch {
    return undefined;
  }
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
 * Every run with a readable run.json, newest first. Ids order runs to the second; within a second
 * (a quick `prog resume latest`), the start time in run.json, which has milliseconds, decides.
 */
export function listRuns(root: string): StoredRun[] {
  return newestFirst(runIds(root).map((id) => loadRun(root, id)).filter((r): r is StoredRun => r !== undefined));
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
    // The newest second's runs, in the order they started.
    const second = ids[ids.length - 1]!.slice(0, 15);
    const candidates = ids.filter((i) => i.startsWith(second)).map((i) => loadRun(root, i)).filter((r): r is StoredRun => r !== undefined);
    // A run still being created (no run.json yet) is not the latest one can follow.
    id = newestFirst(candidates)[0]?.id ?? listRuns(root)[0]?.id;
  }
  else if (ids.includes(target)) id = target;
  else {
    const matches = ids.filter((i) => i.startsWith(target));
    if (matches.length > 1) throw new ProgError('NO_SUCH_RUN', `"${target}" matches ${matches.length} runs (${matches.slice(-3).join(', ')}…): give more of the id`);
    id = matches[0];
  }
  if (id === undefined) throw new ProgError('NO_SUCH_RUN', `no run "${target}" (prog ls lists them)`);
  const run = loadRun(root, id);
  if (!run) throw new ProgError('NO_SUCH_RUN', `run ${id} has no readable run.json`);
  return run;
}
