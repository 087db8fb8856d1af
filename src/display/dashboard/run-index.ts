// Every run in the state dir, for the dashboard: the list (newest first, as `prog ls`), and a feed
// per run someone looks at or that is running. Running runs are followed as their files grow; a
// finished run's feed is read once, and only the last few opened are kept.
import type { Snapshot } from '../../model/snapshot.js';
import { loadRun, newestRuns, runState, readRunRecord, type StoredRun } from '../../store/runs.js';
import { RunFeed } from './feed.js';
import type { RunSummary } from './protocol.js';

export type { RunSummary };

/** Finished runs' feeds kept for the pages that opened them. */
const FINISHED_FEEDS = 8;
/** How stale the list may be when asked for again. */
const LIST_TTL_MS = 500;
/** How often a followed run's record is read to see whether it ended without an exit event. */
const RECORD_CHECK_MS = 1000;
/** Runs listed at most. */
export const MAX_RUNS = 1000;

export class RunIndex {
  readonly root: string;
  readonly #feeds = new Map<string, RunFeed>();
  /** Finished feeds, least recently used first. */
  readonly #finished: string[] = [];
  #list: { at: number; runs: StoredRun[] } | undefined;
  /** When each followed run's record was last read. */
  readonly #checked = new Map<string, number>();

  constructor(root: string) {
    this.root = root;
  }

  /** The newest runs, with running ones' progress from their feeds (started here if need be). */
  list(limit = MAX_RUNS): RunSummary[] {
    return this.#stored().slice(0, limit).map((run) => this.summary(run));
  }

  /** Runs running now, each with its feed. */
  running(): RunFeed[] {
    return this.#stored().filter((run) => run.state === 'running').map((run) => this.feed(run.id)!).filter((feed) => feed !== undefined);
  }

  /** The run's feed, read up to now; undefined when there is no such run. */
  feed(id: string): RunFeed | undefined {
    const known = this.#feeds.get(id);
    if (known) {
      this.#touch(id, known);
      return known;
    }
    const run = loadRun(this.root, id);
    if (!run) return undefined;
    const feed = new RunFeed(run, this.root);
    feed.poll();
    this.#feeds.set(id, feed);
    if (run.state !== 'running') feed.close();
    this.#touch(id, feed);
    return feed;
  }

  summary(run: StoredRun): RunSummary {
    const { record } = run;
    const base: RunSummary = {
      id: run.id, command: record.command, cwd: record.cwd, state: run.state, startedAt: record.startedAt,
      elapsedMs: record.durationMs ?? Math.max(0, Date.now() - Date.parse(record.startedAt)),
      exitCode: record.exitCode, signal: record.signal,
      ...(record.key === undefined ? {} : { key: record.key }),
      ...(record.workflow === undefined ? {} : { workflow: record.workflow }),
      ...(record.endedAt === undefined ? {} : { endedAt: record.endedAt }),
      ...(record.durationMs === undefined ? {} : { durationMs: record.durationMs }),
      ...(record.resources?.peakRssBytes === undefined ? {} : { peakRssBytes: record.resources.peakRssBytes }),
    };
    const feed = run.state === 'running' ? this.feed(run.id) : this.#feeds.get(run.id);
    if (feed) {
      const snapshot = feed.snapshot();
      base.elapsedMs = run.state === 'running' ? snapshot.elapsedMs : base.elapsedMs;
      if (snapshot.workflow !== undefined) base.workflow = snapshot.workflow;
      copy(base, snapshot, run.state === 'running');
      const peak = feed.peakRssBytes;
      if (peak !== undefined && base.peakRssBytes === undefined) base.peakRssBytes = peak;
    } else if (record.counts) base.counts = record.counts;
    const counts = base.counts;
    if (counts && counts.succeeded + counts.failed > 0) base.successRate = counts.succeeded / (counts.succeeded + counts.failed);
    return base;
  }

  /** The summary of one run by id (its record read now). */
  summaryOf(id: string): RunSummary | undefined {
    const run = loadRun(this.root, id);
    return run && this.summary(run);
  }

  /**
   * Reads what every followed running run wrote since the last call; a feed whose run ended
   * without an exit event (its prog died, or the command never started) is closed. Returns the
   * feeds that changed.
   */
  poll(): RunFeed[] {
    const changed: RunFeed[] = [];
    for (const [id, feed] of this.#feeds) {
      if (feed.ended) continue;
      if (feed.poll()) changed.push(feed);
      if (feed.ended) {
        this.#touch(id, feed);
        continue;
      }
      // The record says whether the run ended without an exit event: once a second is soon enough.
      const now = Date.now();
      if (now - (this.#checked.get(id) ?? 0) < RECORD_CHECK_MS) continue;
      this.#checked.set(id, now);
      const record = readRunRecord(feed.dir);
      if (record && (record.endedAt !== undefined || runState(record) === 'lost')) {
        feed.poll();
        feed.close();
        this.#touch(id, feed);
        changed.push(feed);
      }
    }
    return changed;
  }

  #stored(): StoredRun[] {
    const now = Date.now();
    if (!this.#list || now - this.#list.at > LIST_TTL_MS) {
      // A damaged run is left out of the list; `prog ls` names it.
      this.#list = { at: now, runs: newestRuns(this.root, MAX_RUNS, () => {}).runs };
    }
    return this.#list.runs;
  }

  /** A finished feed moves to the end of the kept ones; the least recently used beyond the cap go. */
  #touch(id: string, feed: RunFeed): void {
    if (!feed.ended) return;
    const at = this.#finished.indexOf(id);
    if (at >= 0) this.#finished.splice(at, 1);
    this.#finished.push(id);
    while (this.#finished.length > FINISHED_FEEDS) this.#feeds.delete(this.#finished.shift()!);
  }
}

function copy(into: RunSummary, snapshot: Snapshot, live: boolean): void {
  into.counts = snapshot.counts;
  if (snapshot.percent !== undefined) into.percent = snapshot.percent;
  if (snapshot.estimated) into.estimated = true;
  if (!live) return;
  if (snapshot.etaMs !== undefined) into.etaMs = snapshot.etaMs;
  if (snapshot.etaLowMs !== undefined) into.etaLowMs = snapshot.etaLowMs;
  if (snapshot.etaHighMs !== undefined) into.etaHighMs = snapshot.etaHighMs;
}
