// The shapes the API sends: the server's own types (protocol.ts, model/snapshot.ts), under the
// names the page uses. Only types cross over (the page is built for the browser).
import type {
  AgentSnapshot, Counts, FailureRecord, LogRecord as ModelLogRecord, PhaseSnapshot, ResourceUsage, Snapshot as ModelSnapshot, StepSnapshot,
} from '../../../model/snapshot.js';
import type { LogLevel as EventLogLevel, TreeUsage } from '../../../events.js';
import type { FeedLine, Gap as FeedGap, RunMessage as ServerRunMessage, RunSummary, TimelineItem } from '../protocol.js';

export type { Counts };
export type { ItemOutcome as Outcome, RunState, Series, SeriesColumn, TimelinePhase } from '../protocol.js';
export { SERIES_COLUMNS } from '../protocol.js';

/** One entry of /api/runs. */
export type RunInfo = RunSummary;
export type Step = StepSnapshot;
export type Phase = PhaseSnapshot;
export type Usage = TreeUsage;
export type Agent = AgentSnapshot;
export type Failure = FailureRecord;
export type LogRecord = ModelLogRecord;
export type Resources = ResourceUsage;
/** A snapshot; `failures` only where an older server put them in it (the page takes them from /api/progress and updates). */
export type Snapshot = ModelSnapshot & { failures?: Failure[]; failuresOmitted?: number };
export type LogLevel = EventLogLevel;
export const LEVELS: LogLevel[] = ['debug', 'info', 'notice', 'warn', 'error'];
export type Line = FeedLine;
/** [phase, id, agent, startMs, endMs, outcome] */
export type Item = TimelineItem;
export type Gap = FeedGap;
export type RunMessage = ServerRunMessage;

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
