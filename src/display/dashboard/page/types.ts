// The shapes the API sends (docs/dashboard.md, docs/json.md), copied here rather than imported: the
// page is type-checked with the DOM library only, and the server's types pull in Node's.

export interface Counts {
  processed: number;
  succeeded: number;
  failed: number;
  retried: number;
  skipped: number;
  running: number;
}

export type RunState = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'lost';

/** One entry of /api/runs. */
export interface RunInfo {
  id: string;
  command: string[];
  cwd?: string;
  key?: string;
  workflow?: string;
  state: RunState;
  startedAt: string;
  elapsedMs?: number;
  durationMs?: number;
  percent?: number;
  estimated?: boolean;
  etaMs?: number;
  etaLowMs?: number;
  etaHighMs?: number;
  counts?: Counts;
  successRate?: number;
  peakRssBytes?: number;
  exitCode?: number | null;
  signal?: string | null;
}

export interface Step {
  name: string;
  index?: number;
  total?: number;
}

export interface Phase {
  id: string;
  name: string;
  status: 'running' | 'ok' | 'failed' | 'skipped' | 'interrupted';
  parent?: string;
  current: number;
  total?: number;
  percent?: number;
  steps?: { done: number; total: number };
  counts: Counts;
  rate?: number;
  etaMs?: number;
  etaLowMs?: number;
  etaHighMs?: number;
  startedMs: number;
  endedMs?: number;
  durationMs: number;
  step?: Step;
}

export interface Usage {
  cpuPercent: number;
  rssBytes: number;
  processes: number;
}

export interface Agent {
  id: string;
  status: 'idle' | 'busy' | 'done' | 'failed' | 'offline';
  pid?: number;
  usage?: Usage;
  phase?: string;
  item?: string;
  itemSinceMs?: number;
  step?: Step;
  retry?: { retry: number; maxRetries: number };
  last?: { item: string; outcome: 'done' | 'failed' | 'retrying' | 'skipped'; error?: string };
  done?: number;
  avgItemMs?: number;
}

export interface Failure {
  phase?: string;
  id: string;
  agent?: string;
  error?: string;
  tail?: string[];
  tailFrom?: 'agent' | 'phase' | 'run';
  tMs: number;
}

export interface LogRecord {
  level: LogLevel;
  source?: string;
  phase?: string;
  message: string;
  tMs: number;
}

export interface Resources extends Usage {
  cpuSeconds: number;
  diskDeltaBytes?: number;
  machine?: { cpuPercent: number; memUsedBytes: number; memTotalBytes: number };
}

export interface Snapshot {
  tMs: number;
  workflow?: string;
  status: 'running' | 'ok' | 'failed' | 'interrupted';
  elapsedMs: number;
  counts: Counts;
  percent?: number;
  estimated?: boolean;
  rate?: number;
  etaMs?: number;
  etaLowMs?: number;
  etaHighMs?: number;
  phases: Phase[];
  agents: Agent[];
  resources?: Resources;
  recentLogs?: LogRecord[];
  /** Not in docs/json.md's snapshot yet: used when the server adds it (the summary's list). */
  failures?: Failure[];
  failuresOmitted?: number;
}

export type LogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error';
export const LEVELS: LogLevel[] = ['debug', 'info', 'notice', 'warn', 'error'];

export interface Line {
  n: number;
  t: number;
  kind: 'output' | 'log';
  stream?: 'stdout' | 'stderr';
  level?: LogLevel;
  source?: string;
  phase?: string;
  text: string;
}

export type Outcome = 'running' | 'done' | 'failed' | 'retrying' | 'skipped';
/** [phase, id, agent, startMs, endMs, outcome] */
export type Item = [string | null, string, string | null, number, number | null, Outcome];

export interface TimelinePhase {
  id: string;
  name: string;
  parent: string | null;
  startMs: number;
  endMs: number | null;
  status: string;
}

export const SERIES_COLUMNS = ['t', 'percent', 'processed', 'rate', 'cpuPercent', 'rssBytes', 'diskDeltaBytes'] as const;
export type SeriesColumn = (typeof SERIES_COLUMNS)[number];
export type Series = Record<SeriesColumn, (number | null)[]>;

export interface Gap {
  from: number;
  to: number;
}

export type RunMessage =
  | { type: 'snapshot'; at: number; run: RunInfo; snapshot: Snapshot; gap?: Gap }
  | { type: 'update'; from: number; at: number; run: RunInfo; snapshot: Snapshot; lines?: Line[]; items?: Item[]; phases?: TimelinePhase[]; points?: Partial<Series>; failures?: Failure[]; failuresOmitted?: number; gap?: Gap }
  | { type: 'end'; at: number; run: RunInfo };

export interface WorkflowSummary {
  key: string;
  name: string;
  runs: number;
  lastStartedAt?: string;
  p50Ms?: number;
  p90Ms?: number;
  successRate?: number;
}

export interface HistoryRun {
  id: string;
  startedAt: string;
  durationMs?: number;
  status: string;
  exitCode: number | null;
  counts?: Counts;
  phases?: { id: string; name: string; status: string; durationMs?: number }[];
  peakRssBytes?: number;
}
