// The one interface every view implements. Views draw; they never parse output and never count:
// everything they show comes from events and from the model's snapshots.
import type { ProgEvent, StreamName } from '../events.js';
import type { PhaseSnapshot, Snapshot, Summary } from '../model/snapshot.js';

/** What a view may read of the model. */
export interface ProgressReader {
  phase(id: string): PhaseSnapshot | undefined;
  /** The state now; `nowMs` (ms since the run started) lets live timers move between events. */
  snapshot(nowMs?: number): Snapshot;
}

export interface View {
  /** Needs an `output` event per line (a decode per line, so only views that use them ask). */
  readonly wantsLines: boolean;
  /**
   * How often `prog attach` reads the run's files for what is new, for a view that shows less often
   * than the default (100 ms): reading more often than a view draws only wakes the process.
   */
  readonly followMs?: number;
  /** The child's bytes for the user, markers removed. Views that replace output ignore them. */
  output(stream: StreamName, bytes: Buffer): void;
  event(event: ProgEvent, model: ProgressReader): void;
  /** Every update interval (1 s by default) while the child runs. */
  tick(snapshot: Snapshot): void;
  /** The child has exited and all its output has been read. */
  finish(summary: Summary, snapshot: Snapshot): void | Promise<void>;
  /**
   * `prog attach` stops following a run that goes on: leave the terminal clean (no frame, the
   * cursor back) and say so. Views with nothing to tidy need not implement it.
   */
  detach?(message: string): void;
}

export interface ViewOptions {
  /** Where the run is recorded, for the last line of the summary; undefined when not recorded. */
  recordDir?: string;
  /** Whether prog's stdout and stderr reach the same place; found out from the descriptors when absent. */
  sharedOutput?: boolean;
  /** Milliseconds since the run started, for views that keep timers moving between events. */
  clock?: () => number;
  /** What the run is called until a workflow marker names it: the command line. */
  title?: string;
  /** How often `tick` comes (update-interval), 1 s by default: JSON snapshots and plain's timed lines follow it. */
  updateIntervalMs?: number;
  /** Where the live (rich) view draws: stdout, or stderr when only stderr is a terminal (format.ts). */
  terminal?: 'stdout' | 'stderr';
  /**
   * GitHub Actions: plain folds each top-level phase's output in a `::group::` (unless the command
   * prints groups of its own).
   */
  ciGroups?: boolean;
  /** The full-screen TUI's run and what its keys ask of the follower (prog attach): `q`, and Ctrl-C confirmed. */
  tui?: { runId: string; onLeave(): void; onStop(): void };
  /** The TUI drawn by the prog recording the run, for the terminal at the other end of `fd` (remote-tui.ts). */
  tuiChannel?: { fd: number; runId: string };
}
