// The one contract between parsers, the model, the views and the store.
// Every event carries a run-wide sequence number and a time offset from the run's start;
// the rest is a discriminated union on `type`.

export type StreamName = 'stdout' | 'stderr';
/** How a line ended: `\r` is a redraw of the current line (git, pv, cargo); '' is a partial last line. */
export type LineEnd = '\n' | '\r\n' | '\r' | '';
/**
 * How a phase ended. `interrupted` is never reported by a marker or a parser: the model gives it
 * to phases still running when a signal ends the run.
 */
export type PhaseStatus = 'ok' | 'failed' | 'skipped' | 'interrupted';
export type LogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error';
export type AgentStatus = 'idle' | 'busy' | 'done' | 'failed' | 'offline';

/** Fields a marker carried that prog does not know; kept for the log and JSON, ignored by views. */
export type Extra = Record<string, unknown>;

interface Base {
  seq: number;
  /** Milliseconds since the run started. */
  t: number;
}

export interface RunStartEvent extends Base {
  type: 'run.start';
  id: string;
  command: string[];
  cwd: string;
  pid: number;
  startedAt: string;
}
export interface OutputEvent extends Base {
  type: 'output';
  stream: StreamName;
  line: string;
  eol: LineEnd;
  /** The line was longer than the parse cap; `line` holds its start, `bytes` its full length. */
  truncated?: true;
  bytes?: number;
  /** The raw bytes, base64, when they are not valid UTF-8 (so JSON loses nothing). */
  base64?: string;
}
export interface WorkflowEvent extends Base { type: 'workflow'; name: string; extra?: Extra }
export interface PhaseEvent extends Base {
  type: 'phase'; id: string; name?: string; total?: number;
  /**
   * A CI group (GitHub Actions `::group::`, Azure `##[group]`, a TeamCity block): phases other
   * tools start while it is open are its children. Set by the parsers that read such groups.
   */
  group?: true;
  /**
   * The group this phase started in (ParserHub sets it, at the phase's first event): it ends when
   * that group ends, and its failure fails the group.
   */
  parent?: string;
  extra?: Extra;
}
export interface PhaseEndEvent extends Base { type: 'phase.end'; id: string; status: PhaseStatus; extra?: Extra }
export interface StepEvent extends Base {
  /** With `agent`, the step of that agent's current item (lint 2/4); without, the phase's own step. */
  type: 'step'; phase?: string; agent?: string; name: string; index?: number; total?: number; extra?: Extra;
}
export interface ItemStartEvent extends Base { type: 'item.start'; phase?: string; id: string; agent?: string; extra?: Extra }
export interface ItemDoneEvent extends Base { type: 'item.done'; phase?: string; id: string; agent?: string; extra?: Extra }
export interface ItemSkipEvent extends Base {
  type: 'item.skip'; phase?: string; id: string; agent?: string; reason?: string; extra?: Extra;
}
export interface ItemFailEvent extends Base {
  type: 'item.fail';
  phase?: string;
  id: string;
  agent?: string;
  error?: string;
  /** Retry number about to be attempted; with maxRetries, retry <= maxRetries means "will retry". */
  retry?: number;
  maxRetries?: number;
  /** The last lines of output shown before the failure (added by prog, not by the marker). */
  tail?: string[];
  /**
   * Whose output `tail` is (parsers/output-tail.ts): the failing item's agent, its phase, or (when
   * neither printed anything prog could attribute) the whole run's latest lines.
   */
  tailFrom?: TailSource;
  extra?: Extra;
}
/** Where a failure's output lines come from: its own agent, its phase, or the run as a whole. */
export type TailSource = 'agent' | 'phase' | 'run';
/**
 * What a tool says later about an item that failed already (pytest's short summary): its error,
 * and its name where the failure was counted under a placeholder (`tests/a.py #3`). Counts nothing.
 */
export interface ItemErrorEvent extends Base {
  type: 'item.error'; phase?: string; id: string; error: string; name?: string;
}
/** An attempt failed and another follows: `retry` (the next attempt's number) within `maxRetries`. */
export function willRetry(event: Pick<ItemFailEvent, 'retry' | 'maxRetries'>): boolean {
  return event.retry !== undefined && event.maxRetries !== undefined && event.retry <= event.maxRetries;
}

export interface ProgressEvent extends Base {
  type: 'progress'; phase?: string; current: number; total?: number; extra?: Extra;
}
export interface LogEvent extends Base {
  type: 'log'; level: LogLevel; source?: string; message: string;
  /** Where it points, for diagnostics read from a tool's output (a compiler's file:line:col). */
  location?: { file: string; line: number; col?: number };
  extra?: Extra;
}
export interface AgentEvent extends Base {
  type: 'agent'; id: string; status: AgentStatus; pid?: number; extra?: Extra;
}
/** A well-formed marker of a type prog does not know: logged, shown in JSON, ignored by views. */
export interface UnknownMarkerEvent extends Base { type: 'marker.unknown'; marker: Extra }
/** A line that started like a marker but was not one; it was passed through as plain output. */
export interface InvalidMarkerEvent extends Base {
  type: 'marker.invalid'; channel: StreamName | 'progress-fd'; reason: string;
}
/** A signal prog received and what it did with it. */
export interface SignalEvent extends Base {
  type: 'signal';
  signal: NodeJS.Signals;
  /**
   * delivered: the terminal gave it to the command as well (--foreground), so prog sent nothing;
   * detached: prog's terminal hung up (SIGHUP), and the run goes on without it.
   */
  action: 'forwarded' | 'escalated' | 'grace-expired' | 'delivered' | 'detached';
  /** What the child's process group was sent, if anything. */
  sent?: NodeJS.Signals;
}
export interface ExitEvent extends Base {
  type: 'exit';
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Who sent the fatal signal: prog forwarding the user's, prog's own escalation, or someone else. */
  signalledBy?: 'forwarded' | 'prog' | 'external';
  durationMs: number;
}

/** What one process tree used: CPU in percent of one core (200: two busy cores), resident memory. */
export interface TreeUsage {
  cpuPercent: number;
  rssBytes: number;
  processes: number;
}

/**
 * A resource sample (every --sample-interval, 1 s by default): the child's whole process tree,
 * the machine, the working directory's filesystem, and the trees of agents that named their pid.
 */
export interface ResourcesEvent extends Base, TreeUsage {
  type: 'resources';
  /** CPU time the tree has used so far, reaped descendants included. */
  cpuSeconds: number;
  /** Storage reads and writes of the tree; absent where they cannot be read. */
  readBytesPerSec?: number;
  writeBytesPerSec?: number;
  /** Free space used on the working directory's filesystem since the start (negative: freed). */
  diskDeltaBytes?: number;
  /** The machine: CPU over all cores (0–100), memory in use and in all. */
  machine: { cpuPercent: number; memUsedBytes: number; memTotalBytes: number };
  agents?: Record<string, TreeUsage>;
}

/**
 * `prog resume`: the items an earlier run completed, counted from the start (the command was told
 * which they are in $PROG_RESUME_FILE and skips them).
 */
export interface ResumeEvent extends Base {
  type: 'resume';
  /** The run resumed. */
  from: string;
  /** Items it (and the runs it resumed) completed, in all. */
  items: number;
  /** How many of them belong to each phase. */
  phases: Record<string, number>;
  /**
   * Which they are (the first MAX_RESUMED_IDS of them), so that the command doing one again (it
   * does not skip what is done) does not count it twice. Absent: counts only, as before.
   */
  done?: ItemRef[];
}

/** An item by its phase (none: an item of the run only) and id. */
export interface ItemRef {
  phase?: string;
  id: string;
}

/** Most resumed ids a `resume` event names (and the model remembers): the memory stays bounded. */
export const MAX_RESUMED_IDS = 100_000;

export type MarkerEvent =
  | WorkflowEvent | PhaseEvent | PhaseEndEvent | StepEvent
  | ItemStartEvent | ItemDoneEvent | ItemSkipEvent | ItemFailEvent | ItemErrorEvent
  | ProgressEvent | LogEvent | AgentEvent | UnknownMarkerEvent;

export type ProgEvent =
  | RunStartEvent | OutputEvent | MarkerEvent | InvalidMarkerEvent | SignalEvent | ResourcesEvent | ResumeEvent | ExitEvent;

export type EventType = ProgEvent['type'];

/** An event before the bus stamps it. */
export type Unstamped<E extends ProgEvent = ProgEvent> = E extends ProgEvent ? Omit<E, 'seq' | 't'> : never;
