// What views and the JSON stream read: a plain, serialisable picture of the run at one moment.
import type { AgentStatus, LogLevel, PhaseStatus, ResourcesEvent, TailSource, TreeUsage } from '../events.js';

export interface Counts {
  /** Items that reached a final state: succeeded + failed + skipped. */
  processed: number;
  succeeded: number;
  failed: number;
  /** Failed attempts that will be retried. */
  retried: number;
  skipped: number;
  /** Items started and not yet finished. */
  running: number;
}

export type RunStatus = 'running' | 'ok' | 'failed' | 'interrupted';

export interface StepSnapshot {
  name: string;
  index?: number;
  total?: number;
}

export interface PhaseSnapshot {
  id: string;
  name: string;
  /** `interrupted`: still running when a signal ended the run. */
  status: 'running' | PhaseStatus;
  /** The phase (a CI group) this one started in: it is shown under it, and its failure fails it. */
  parent?: string;
  current: number;
  total?: number;
  /** 0..100, only when a total is known (or the phase moves by its steps alone: see `steps`). */
  percent?: number;
  /**
   * A phase with no items, progress or total of its own that reports `step` markers with index and
   * total: the steps before the current one are done (`done` of `total`); `percent` follows them.
   */
  steps?: { done: number; total: number };
  counts: Counts;
  /** Items (or progress units) per second over the recent window. */
  rate?: number;
  /** Time left (central estimate), and the range it is likely in; absent while unknown. */
  etaMs?: number;
  etaLowMs?: number;
  etaHighMs?: number;
  startedMs: number;
  endedMs?: number;
  durationMs: number;
  step?: StepSnapshot;
}

/** The latest resource sample (see ResourcesEvent), without the per-agent part. */
export type ResourceUsage = Omit<ResourcesEvent, 'type' | 'seq' | 't' | 'agents'>;

/** What the run used at its most: for the summary and history. */
export interface ResourcePeaks {
  peakRssBytes: number;
  peakCpuPercent: number;
  cpuSeconds: number;
  /** At the last sample, and the most it reached; absent when the filesystem could not be measured. */
  diskDeltaBytes?: number;
  peakDiskDeltaBytes?: number;
}

export interface AgentSnapshot {
  id: string;
  status: AgentStatus;
  pid?: number;
  /** The agent's own process tree, when it named its pid and was sampled. */
  usage?: TreeUsage;
  phase?: string;
  item?: string;
  itemSinceMs?: number;
  /** The step of the current item (from a `step` marker with this agent). */
  step?: StepSnapshot;
  /** The current item is a retry: attempt `retry` of `maxRetries` (from the item's earlier failure). */
  retry?: RetrySnapshot;
  last?: { item: string; outcome: 'done' | 'failed' | 'retrying' | 'skipped'; error?: string };
  /** Of the last item: the retry that follows (`retrying`), else the retry that attempt was, if one. */
  lastRetry?: RetrySnapshot;
  /** Items this agent finished as done, and their mean time (from their start on this agent). */
  done?: number;
  avgItemMs?: number;
}

export interface RetrySnapshot {
  retry: number;
  maxRetries: number;
}

export interface FailureRecord {
  phase?: string;
  id: string;
  agent?: string;
  error?: string;
  /** The last lines of output before the failure: its agent's, its phase's or the run's (`tailFrom`). */
  tail?: string[];
  tailFrom?: TailSource;
  tMs: number;
}

/** A warn or error log line, kept for the views to show while the run goes on. */
export interface LogRecord {
  level: LogLevel;
  source?: string;
  /** The phase it was said in: the source agent's, the phase the source names, or the only one running. */
  phase?: string;
  message: string;
  location?: { file: string; line: number; col?: number };
  tMs: number;
}

export interface Snapshot {
  type: 'snapshot';
  tMs: number;
  workflow?: string;
  status: RunStatus;
  elapsedMs: number;
  counts: Counts;
  percent?: number;
  /**
   * True when `percent` is not the command's own progress but time elapsed against the durations
   * of past runs of the same workflow (the command prints no progress prog can read).
   */
  estimated?: boolean;
  rate?: number;
  etaMs?: number;
  etaLowMs?: number;
  etaHighMs?: number;
  phases: PhaseSnapshot[];
  agents: AgentSnapshot[];
  invalidMarkers: number;
  /** The latest resource sample, once there is one. */
  resources?: ResourceUsage;
  /** The latest warn and error log lines (at most MAX_RECENT_LOGS), oldest first; absent when none. */
  recentLogs?: LogRecord[];
}

export interface Summary {
  type: 'summary';
  id: string;
  command: string[];
  workflow?: string;
  status: RunStatus;
  exitCode: number | null;
  signal: string | null;
  signalledBy?: string;
  durationMs: number;
  counts: Counts;
  phases: {
    id: string; name: string; status: PhaseSnapshot['status']; durationMs: number;
    /** As in snapshots: the group it started in. */
    parent?: string;
    /** Where the phase got to: its last `progress`, else its processed items (as in snapshots). */
    current: number;
    counts: Counts; total?: number;
    /** A phase moved by its steps alone (see PhaseSnapshot.steps). */
    steps?: { done: number; total: number };
  }[];
  /** The last failures, oldest first; failuresOmitted says how many earlier ones are not listed. */
  failures: FailureRecord[];
  failuresOmitted: number;
  invalidMarkers: number;
  /** Log lines by level (`{"error":2,"warn":2}`), when there were any: markers and tools' diagnostics. */
  logs?: Partial<Record<LogLevel, number>>;
  /** Peaks of the resource samples, when there were any. */
  resources?: ResourcePeaks;
}

export function emptyCounts(): Counts {
  return { processed: 0, succeeded: 0, failed: 0, retried: 0, skipped: 0, running: 0 };
}
