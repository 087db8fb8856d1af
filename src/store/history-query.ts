// Questions asked of history.ndjson, as pure functions over its records: which runs are well-formed,
// how they group into workflows, their statistics (median, p90, success rate), filters, which
// workflow a `prog history <target>` names, and what a prune keeps.
import type { RunRecord } from './run-store.js';
import { workflowKey } from './workflow-key.js';
import { parseRecord } from './ndjson.js';

export { parseAge } from '../config/age.js';

/** How a finished run ended (`running` is only ever in a run.json, never in history). */
type Status = Exclude<RunRecord['status'], 'running'>;

/** One history line, checked: the fields history needs are there and of the right type. */
export interface HistoryRun {
  id: string;
  key: string;
  command: string[];
  cwd: string;
  startedAt: string;
  /** startedAt as epoch milliseconds. */
  startMs: number;
  endedAt?: string;
  /** Absent when the record does not say (then the run counts in no duration statistic). */
  durationMs?: number;
  status: Status;
  exitCode: number | null;
  signal: string | null;
  spawnError?: string;
  counts?: RunRecord['counts'];
  phases: { id: string; name: string; status: string; durationMs?: number; total?: number }[];
  /** Peak resident memory of the command's process tree, when it was sampled. */
  peakRssBytes?: number;
  /** The record as it was read, for JSON output. */
  record: Record<string, unknown>;
}

const STATUSES: readonly string[] = ['ok', 'failed', 'interrupted', 'spawn-failed'];

/**
 * Keeps the records that describe a finished run; the others (no id, no start time, an unknown
 * status…) are counted as unreadable, like lines that do not parse. A record written before runs
 * carried a key gets the key its command and directory would have had.
 */
export function toHistoryRuns(records: unknown[]): { runs: HistoryRun[]; invalid: number } {
  const runs: HistoryRun[] = [];
  let invalid = 0;
  for (const value of records) {
    const run = toHistoryRun(value);
    if (run) runs.push(run);
    else invalid++;
  }
  return { runs, invalid };
}

/** One record as a HistoryRun, or undefined when it does not describe a finished run (see toHistoryRuns). */
export function toHistoryRun(value: unknown): HistoryRun | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.id !== 'string' || typeof r.startedAt !== 'string' || typeof r.status !== 'string') return undefined;
  if (!STATUSES.includes(r.status)) return undefined;
  const startMs = Date.parse(r.startedAt);
  if (!Number.isFinite(startMs)) return undefined;
  const command = Array.isArray(r.command) && r.command.every((w) => typeof w === 'string') ? (r.command as string[]) : [];
  const cwd = typeof r.cwd === 'string' ? r.cwd : '';
  let key: string;
  if (typeof r.key === 'string' && r.key !== '') key = r.key;
  else if (command.length > 0) key = workflowKey(command, cwd, typeof r.workflow === 'string' ? r.workflow : undefined);
  else return undefined;
  const run: HistoryRun = {
    id: r.id, key, command, cwd, startedAt: r.startedAt, startMs,
    status: r.status as Status,
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : null,
    signal: typeof r.signal === 'string' ? r.signal : null,
    phases: [],
    record: r,
  };
  if (typeof r.endedAt === 'string') run.endedAt = r.endedAt;
  if (typeof r.durationMs === 'number' && Number.isFinite(r.durationMs) && r.durationMs >= 0) run.durationMs = r.durationMs;
  if (typeof r.spawnError === 'string') run.spawnError = r.spawnError;
  if (r.counts !== null && typeof r.counts === 'object' && !Array.isArray(r.counts)) run.counts = r.counts as HistoryRun['counts'];
  const resources = r.resources as Record<string, unknown> | null | undefined;
  if (resources !== null && typeof resources === 'object' && typeof resources.peakRssBytes === 'number' && Number.isFinite(resources.peakRssBytes)) {
    run.peakRssBytes = resources.peakRssBytes;
  }
  if (Array.isArray(r.phases)) {
    for (const p of r.phases as unknown[]) {
      if (p === null || typeof p !== 'object') continue;
      const phase = p as Record<string, unknown>;
      if (typeof phase.id !== 'string') continue;
      run.phases.push({
        id: phase.id,
        name: typeof phase.name === 'string' && phase.name !== '' ? phase.name : phase.id,
        status: typeof phase.status === 'string' ? phase.status : 'unknown',
        ...(typeof phase.durationMs === 'number' && Number.isFinite(phase.durationMs) ? { durationMs: phase.durationMs } : {}),
        ...(typeof phase.total === 'number' ? { total: phase.total } : {}),
      });
    }
  }
  return run;
}

/** Oldest first; runs that started at the same moment keep their order in the file. */
export function byStart(runs: readonly HistoryRun[]): HistoryRun[] {
  return runs.map((run, i) => ({ run, i })).sort((a, b) => a.run.startMs - b.run.startMs || a.i - b.i).map((x) => x.run);
}

export interface Workflow {
  key: string;
  /** Oldest first. */
  runs: HistoryRun[];
  last: HistoryRun;
}

/** One entry per key, the workflow with the most recent run first. */
export function groupByKey(runs: readonly HistoryRun[]): Workflow[] {
  const groups = new Map<string, HistoryRun[]>();
  for (const run of byStart(runs)) {
    let group = groups.get(run.key);
    if (!group) groups.set(run.key, (group = []));
    group.push(run);
  }
  const workflows = [...groups].map(([key, list]) => ({ key, runs: list, last: list[list.length - 1]! }));
  return workflows.sort((a, b) => b.last.startMs - a.last.startMs);
}

/** The middle value; the mean of the two middle values when there is an even number. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest rank: the smallest value with at least p% of the values at or below it (p90: 9th of 10). */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** The share of runs that ended ok (spawn failures and interruptions count against it). */
export function successRate(runs: readonly HistoryRun[]): number | undefined {
  if (runs.length === 0) return undefined;
  return runs.filter((r) => r.status === 'ok').length / runs.length;
}

/** Durations that say how long the workflow takes: a command that never started took no time to fail. */
export function durations(runs: readonly HistoryRun[]): number[] {
  return runs.filter((r) => r.status !== 'spawn-failed' && r.durationMs !== undefined).map((r) => r.durationMs!);
}

export interface WorkflowStats {
  key: string;
  runs: number;
  last: HistoryRun;
  medianMs?: number;
  p90Ms?: number;
  successRate?: number;
  /** The last `recent` runs, oldest first, for a sparkline. */
  recent: HistoryRun[];
}

export function workflowStats(workflow: Workflow, recent = 20): WorkflowStats {
  const times = durations(workflow.runs);
  const stats: WorkflowStats = { key: workflow.key, runs: workflow.runs.length, last: workflow.last, recent: workflow.runs.slice(-recent) };
  const med = median(times);
  const p90 = percentile(times, 90);
  const rate = successRate(workflow.runs);
  if (med !== undefined) stats.medianMs = med;
  if (p90 !== undefined) stats.p90Ms = p90;
  if (rate !== undefined) stats.successRate = rate;
  return stats;
}

export interface RunFilter {
  /** Only runs that started at or after this epoch time. */
  sinceMs?: number;
  /** Only runs that did not end ok: failed, interrupted, or never started. */
  failedOnly?: boolean;
}

export function filterRuns(runs: readonly HistoryRun[], filter: RunFilter): HistoryRun[] {
  return runs.filter((r) =>
    (filter.sinceMs === undefined || r.startMs >= filter.sinceMs) &&
    (!filter.failedOnly || r.status !== 'ok'));
}

export type Target =
  | { kind: 'found'; key: string; runId?: string }
  | { kind: 'none' }
  | { kind: 'ambiguous'; keys: string[] };

/**
 * Which workflow `query` names: a key exactly, else a run id exactly, else a prefix of keys or run
 * ids that leads to one workflow only (a prefix of several runs of one workflow is fine).
 */
export function resolveTarget(runs: readonly HistoryRun[], query: string): Target {
  if (runs.some((r) => r.key === query)) return { kind: 'found', key: query };
  const byId = runs.find((r) => r.id === query);
  if (byId) return { kind: 'found', key: byId.key, runId: byId.id };
  if (query === '') return { kind: 'none' };
  const keys = new Set<string>();
  const ids = new Set<string>();
  for (const run of runs) {
    if (run.key.startsWith(query)) keys.add(run.key);
    if (run.id.startsWith(query)) {
      keys.add(run.key);
      ids.add(run.id);
    }
  }
  if (keys.size === 0) return { kind: 'none' };
  if (keys.size > 1) return { kind: 'ambiguous', keys: groupByKey(runs).map((w) => w.key).filter((k) => keys.has(k)) };
  const key = [...keys][0]!;
  // One run named by its id's prefix (and no key starting so): that run is the one asked about.
  if (ids.size === 1 && !key.startsWith(query)) return { kind: 'found', key, runId: [...ids][0]! };
  return { kind: 'found', key };
}

/**
 * What a prune keeps, line by line and byte for byte: records that started at or after the cutoff,
 * and those whose age cannot be told (they parse, but without a valid start time): a prune removes
 * only what it knows to be old. Lines that do not parse as a record (torn, damaged) are dropped and
 * counted, as readRecords would skip them.
 */
export function pruneLines(text: string, cutoffMs: number): { kept: string[]; removed: number; unreadable: number } {
  const kept: string[] = [];
  let removed = 0;
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const value = parseRecord(line);
    if (value === undefined) {
      unreadable++;
      continue;
    }
    const started = value.startedAt;
    const ms = typeof started === 'string' ? Date.parse(started) : NaN;
    if (Number.isFinite(ms) && ms < cutoffMs) removed++;
    else kept.push(line);
  }
  return { kept, removed, unreadable };
}
