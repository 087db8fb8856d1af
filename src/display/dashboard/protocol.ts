// What the dashboard sends, as types only: the server (api.ts, live.ts, feed.ts, run-index.ts) and
// the page (page/) both compile against this file, so the two cannot drift apart. No imports but
// types (the page is built for the browser). The JSON Schemas in docs/schema/ say the same.
import type { LogLevel, StreamName } from '../../events.js';
import type { Counts, FailureRecord, Snapshot } from '../../model/snapshot.js';

export type RunState = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'lost';

/** One run, as /api/runs lists it (docs/dashboard.md). */
export interface RunSummary {
  id: string;
  command: string[];
  cwd: string;
  key?: string;
  workflow?: string;
  state: RunState;
  startedAt: string;
  endedAt?: string;
  elapsedMs: number;
  durationMs?: number;
  percent?: number;
  estimated?: boolean;
  etaMs?: number;
  etaLowMs?: number;
  etaHighMs?: number;
  counts?: Counts;
  successRate?: number;
  peakRssBytes?: number;
  exitCode: number | null;
  signal: string | null;
}

/** A line of the log stream: the command's output or a log line, numbered in the run's feed. */
export interface FeedLine {
  n: number;
  t: number;
  kind: 'output' | 'log';
  stream?: StreamName;
  level?: LogLevel;
  source?: string;
  phase?: string;
  text: string;
}

export type ItemOutcome = 'running' | 'done' | 'failed' | 'retrying' | 'skipped';
/** [phase, id, agent, startMs, endMs, outcome]: arrays keep 100,000 of them small. */
export type TimelineItem = [string | null, string, string | null, number, number | null, ItemOutcome];

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

/** Lines after `from` the feed no longer holds. */
export interface Gap {
  from: number;
  to: number;
}

/** What changed since `from`: the part of an update message that is not the snapshot. */
export interface FeedDelta {
  lines: FeedLine[];
  items: TimelineItem[];
  phases: TimelinePhase[];
  points: Series;
  /** The latest failures (as in the run's summary), when one came after `from`, and how many earlier ones are not listed. */
  failures?: FailureRecord[];
  failuresOmitted?: number;
  gap?: Gap;
}

/** The messages of /ws?run=. */
export type RunMessage =
  | { type: 'snapshot'; at: number; run: RunSummary; snapshot: Snapshot; gap?: Gap }
  | ({ type: 'update'; from: number; at: number; run: RunSummary; snapshot: Snapshot } & Omit<FeedDelta, 'gap'>)
  | { type: 'end'; at: number; run: RunSummary };

/** The messages of /ws without a run. */
export interface RunsMessage {
  type: 'runs';
  runs: RunSummary[];
}
