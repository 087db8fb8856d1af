// One run as the dashboard sees it: its recorded events and output read back in order (as
// `prog attach` does) into a progress model, plus what the page shows besides the state now — the
// last lines, the timeline of phases and items, the series for the charts. Everything read takes the
// next feed number `n`; numbers depend only on the run's files, so a page that lost its connection
// asks for what came after the last one it saw and gets exactly that (docs/dashboard.md, "The feed").
import { EventBus } from '../../event-bus.js';
import type { ProgEvent, StreamName } from '../../events.js';
import { ProgressModel } from '../../model/progress-model.js';
import type { FailureRecord, Snapshot } from '../../model/snapshot.js';
import { routeOutput } from '../../parsers/line-router.js';
import { historyPrior } from '../../store/history-prior.js';
import { RunReader } from '../../store/run-reader.js';
import { SERIES_COLUMNS, type FeedDelta, type FeedLine, type Series, type TimelineItem, type TimelinePhase } from './protocol.js';
import type { StoredRun } from '../../store/runs.js';
import { willRetry } from '../../events.js';

/** Lines kept in memory per run; older ones are in the raw logs. */
export const MAX_LINES = 20_000;
/** Timeline items kept per run, the latest; `omitted` counts the earlier ones. */
export const MAX_ITEMS = 20_000;
/** Series points kept: past that, every other one is dropped, so the whole run keeps its shape. */
export const MAX_POINTS = 3_600;
/** A run that samples no resources still gets a progress point this often. */
const POINT_EVERY_MS = 1_000;

/** Failures a page is sent, the latest. */
const MAX_FAILURES = 50;

export class RunFeed {
  readonly id: string;
  readonly dir: string;
  readonly startedMs: number;
  /** The last feed number taken. */
  at = 0;
  readonly model: ProgressModel;
  #ended = false;
  readonly #reader: RunReader;
  readonly #routers: Record<StreamName, ReturnType<typeof routeOutput>>;
  /** The time of the chunk being split, for its lines. */
  #chunkT = 0;
  /** A `\r` redraw waiting to see whether another replaces it (only the last one is a line). */
  readonly #redraw: Partial<Record<StreamName, { t: number; text: string }>> = {};

  readonly #lines: FeedLine[] = [];
  #dropped = 0;
  #linesStart = 0;
  readonly #items: TimelineItem[] = [];
  /** Each item's number of its last change, for catching up from any point. */
  readonly #itemN: number[] = [];
  /** Items by phase, then id: no key string of their own per item. */
  readonly #itemIndex = new Map<string | null, Map<string, number>>();
  #omittedItems = 0;
  /** The index (from the run's first item) of #items[0]. */
  #itemsStart = 0;
  readonly #phases = new Map<string, TimelinePhase & { n: number }>();
  readonly #series: Series = emptySeries();
  readonly #pointN: number[] = [];
  #lastPointT = -Infinity;
  /** The feed number of the last failure. */
  #failureN = 0;
  /** The most resident memory any sample showed. */
  peakRssBytes: number | undefined;

  constructor(run: StoredRun, stateRoot: string) {
    this.id = run.id;
    this.dir = run.dir;
    this.startedMs = Date.parse(run.record.startedAt);
    // The ETA the run's own terminal shows: the same history prior run.ts gives its model.
    const prior = run.record.key ? historyPrior(stateRoot, run.record.key) : undefined;
    this.model = new ProgressModel(prior ? { prior } : {});
    this.#reader = new RunReader(run.dir);
    const bus = new EventBus();
    bus.subscribe((event) => {
      if (event.type === 'output') this.#output(event.stream, event.line, event.eol);
    });
    const router = (stream: StreamName) => routeOutput(stream, { bus, outputEvents: true, pass: () => {} });
    this.#routers = { stdout: router('stdout'), stderr: router('stderr') };
  }

  /** The `exit` event has been read: the run is over and the feed complete. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Milliseconds since the run started, for live timers; frozen at the end. */
  now(): number {
    return this.#ended ? this.model.nowMs : Math.max(this.model.nowMs, Date.now() - this.startedMs);
  }

  snapshot(): Snapshot {
    return this.model.snapshot(this.now());
  }

  /** Reads what was written since the last call; true when anything new came. */
  poll(): boolean {
    if (this.#ended) return false;
    const before = this.at;
    for (const entry of this.#reader.read()) {
      if (entry.kind === 'event') this.#event(entry.event);
      else {
        this.#chunkT = entry.t;
        this.#routers[entry.stream].push(entry.bytes);
      }
    }
    if (this.#reader.ended && !this.#ended) this.#end();
    return this.at !== before;
  }

  /** The run ended without an exit event (it never started, or its prog died): no more will come. */
  close(): void {
    if (!this.#ended) this.#end();
  }

  #end(): void {
    this.#ended = true;
    this.#reader.close();
    this.#routers.stdout.end();
    this.#routers.stderr.end();
    for (const stream of ['stdout', 'stderr'] as const) this.#flushRedraw(stream);
  }

  #event(event: ProgEvent): void {
    this.model.apply(event);
    const n = ++this.at;
    switch (event.type) {
      case 'log':
        this.#push({ n, t: event.t, kind: 'log', level: event.level, text: event.message, ...(event.source === undefined ? {} : { source: event.source }), ...logPhase(this.model, event.source) });
        break;
      case 'phase':
      case 'phase.end':
        this.#phase(event, n);
        break;
      case 'item.start':
      case 'item.done':
      case 'item.fail':
      case 'item.skip':
        if (event.type === 'item.fail') this.#failureN = n;
        this.#item(event, n);
        break;
      case 'resources':
        this.peakRssBytes = Math.max(this.peakRssBytes ?? 0, event.rssBytes);
        this.#point(event.t, n, event);
        break;
      case 'progress':
        if (event.t - this.#lastPointT >= POINT_EVERY_MS) this.#point(event.t, n);
        break;
      case 'exit':
        // The model ended the phases still running with the run's outcome: so does the timeline.
        for (const phase of this.#phases.values()) {
          const state = phase.endMs === null ? this.model.phase(phase.id) : undefined;
          if (state && state.status !== 'running') Object.assign(phase, { endMs: state.endedMs ?? event.t, status: state.status, n });
        }
        this.#point(event.t, n);
        break;
    }
    // The run's own marker of progress moved items too: a point now and then keeps the chart moving.
    if ((event.type === 'item.done' || event.type === 'item.fail') && event.t - this.#lastPointT >= POINT_EVERY_MS * 5) this.#point(event.t, n);
  }

  #output(stream: StreamName, text: string, eol: string): void {
    // A redraw (`\r`) is one line that changes: only the last before a real line end is kept.
    if (eol === '\r') {
      this.#redraw[stream] = { t: this.#chunkT, text };
      return;
    }
    delete this.#redraw[stream];
    if (text === '' && eol === '') return;
    this.#push({ n: ++this.at, t: this.#chunkT, kind: 'output', stream, text });
  }

  #flushRedraw(stream: StreamName): void {
    const pending = this.#redraw[stream];
    if (!pending) return;
    delete this.#redraw[stream];
    this.#push({ n: ++this.at, t: pending.t, kind: 'output', stream, text: pending.text });
  }

  #push(line: FeedLine): void {
    this.#lines.push(line);
    if (this.#lines.length > MAX_LINES * 1.25) {
      // Dropped in blocks: a shift per line would copy the whole array each time.
      const drop = this.#lines.length - MAX_LINES;
      this.#lines.splice(0, drop);
      this.#dropped += drop;
    }
    this.#linesStart = this.#lines[0]!.n;
  }

  #phase(event: Extract<ProgEvent, { type: 'phase' | 'phase.end' }>, n: number): void {
    const known = this.#phases.get(event.id);
    const state = this.model.phase(event.id);
    if (event.type === 'phase') {
      const parent = state?.parent ?? event.parent ?? null;
      this.#phases.set(event.id, { id: event.id, name: state?.name ?? event.name ?? event.id, parent, startMs: known?.startMs ?? event.t, endMs: known?.endMs ?? null, status: known?.status ?? 'running', n });
    } else {
      this.#phases.set(event.id, { ...(known ?? { id: event.id, name: state?.name ?? event.id, parent: state?.parent ?? null, startMs: state?.startedMs ?? event.t }), endMs: event.t, status: event.status, n });
    }
  }

  #item(event: Extract<ProgEvent, { type: 'item.start' | 'item.done' | 'item.fail' | 'item.skip' }>, n: number): void {
    const phase = event.phase ?? null;
    let byId = this.#itemIndex.get(phase);
    if (!byId) this.#itemIndex.set(phase, (byId = new Map()));
    // Indices count from the run's first item; the array holds the latest from #itemsStart on.
    let index = byId.get(event.id);
    if (index === undefined || index < this.#itemsStart || event.type === 'item.start' && this.#items[index - this.#itemsStart]![5] !== 'running') {
      // A new attempt (after a retry) is a new bar of its own.
      index = this.#itemsStart + this.#items.length;
      this.#items.push([phase, event.id, event.agent ?? null, event.t, null, 'running']);
      this.#itemN.push(n);
      byId.set(event.id, index);
      if (this.#items.length > MAX_ITEMS * 1.25) this.#dropOldItems();
    }
    const at = index - this.#itemsStart;
    const item = this.#items[at]!;
    if (event.agent !== undefined) item[2] = event.agent;
    if (event.type !== 'item.start') {
      item[4] = event.t;
      item[5] = event.type === 'item.done' ? 'done' : event.type === 'item.skip' ? 'skipped' : this.#retrying(event) ? 'retrying' : 'failed';
    }
    this.#itemN[at] = n;
  }

  /** The oldest items go (in a block, not one by one): the timeline keeps the latest MAX_ITEMS. */
  #dropOldItems(): void {
    const drop = this.#items.length - MAX_ITEMS;
    for (const [phase, id] of this.#items.slice(0, drop)) {
      const byId = this.#itemIndex.get(phase);
      if (byId !== undefined && byId.get(id)! < this.#itemsStart + drop) byId.delete(id);
    }
    this.#items.splice(0, drop);
    this.#itemN.splice(0, drop);
    this.#itemsStart += drop;
    this.#omittedItems += drop;
  }

  #retrying(event: Extract<ProgEvent, { type: 'item.fail' }>): boolean {
    return willRetry(event);
  }

  #point(t: number, n: number, resources?: Extract<ProgEvent, { type: 'resources' }>): void {
    // A second point in the same millisecond replaces the first (the end often shares its time).
    const s = this.#series;
    let kept: { cpu: number | null; rss: number | null; disk: number | null } | undefined;
    if (t === this.#lastPointT) {
      kept = { cpu: s.cpuPercent.at(-1) ?? null, rss: s.rssBytes.at(-1) ?? null, disk: s.diskDeltaBytes.at(-1) ?? null };
      for (const column of SERIES_COLUMNS) s[column].pop();
      this.#pointN.pop();
    }
    this.#lastPointT = t;
    const snapshot = this.model.snapshot(t);
    s.t.push(t);
    s.percent.push(snapshot.percent ?? null);
    s.processed.push(snapshot.counts.processed);
    s.rate.push(snapshot.rate ?? null);
    s.cpuPercent.push(resources ? resources.cpuPercent : kept?.cpu ?? null);
    s.rssBytes.push(resources ? resources.rssBytes : kept?.rss ?? null);
    s.diskDeltaBytes.push(resources ? resources.diskDeltaBytes ?? null : kept?.disk ?? null);
    this.#pointN.push(n);
    if (s.t.length > MAX_POINTS) this.#halvePoints();
  }

  #halvePoints(): void {
    const keep = (_: unknown, i: number) => i % 2 === 1 || i === this.#pointN.length - 1;
    for (const column of SERIES_COLUMNS) this.#series[column] = this.#series[column].filter(keep);
    const kept = this.#pointN.filter(keep);
    this.#pointN.length = 0;
    this.#pointN.push(...kept);
  }

  /** The last `limit` lines that pass `keep`, oldest first, and the oldest line still held. */
  lines(keep: (line: FeedLine) => boolean, limit: number, since = 0): { lines: FeedLine[]; first: number } {
    const out: FeedLine[] = [];
    for (let i = this.#lines.length - 1; i >= 0 && out.length < limit; i--) {
      const line = this.#lines[i]!;
      if (line.n <= since) break;
      if (keep(line)) out.push(line);
    }
    return { lines: out.reverse(), first: this.#lines.length > 0 ? this.#linesStart : this.at + 1 };
  }

  timeline(): { phases: TimelinePhase[]; items: TimelineItem[]; omitted: number } {
    return { phases: [...this.#phases.values()].map(withoutN), items: this.#items, omitted: this.#omittedItems };
  }

  /** The latest failures, oldest first, with their error and output context; and how many earlier ones are left out. */
  failureList(): { failures: FailureRecord[]; failuresOmitted: number } {
    const all = this.model.failures;
    return { failures: all.slice(-MAX_FAILURES), failuresOmitted: this.model.failuresOmitted + Math.max(0, all.length - MAX_FAILURES) };
  }

  /** Lines no longer held (older than the last MAX_LINES). */
  get droppedLines(): number {
    return this.#dropped;
  }

  series(): Series {
    return this.#series;
  }

  /** Everything after feed number `from` (lines, changed items and phases, new points). */
  since(from: number): FeedDelta {
    const lines = this.lines(() => true, Number.MAX_SAFE_INTEGER, from).lines;
    const first = this.#lines.length > 0 ? this.#linesStart : this.at + 1;
    const items: TimelineItem[] = [];
    // Scanned from the newest change backwards would need an index; items are few enough to scan.
    for (let i = 0; i < this.#items.length; i++) if (this.#itemN[i]! > from) items.push(this.#items[i]!);
    const phases = [...this.#phases.values()].filter((p) => p.n > from).map(withoutN);
    const points = emptySeries();
    for (let i = 0; i < this.#pointN.length; i++) {
      if (this.#pointN[i]! <= from) continue;
      for (const column of SERIES_COLUMNS) points[column].push(this.#series[column][i]!);
    }
    const delta: FeedDelta = { lines, items, phases, points };
    if (this.#failureN > from) Object.assign(delta, this.failureList());
    // Lines between `from` and the oldest kept one are gone (a page that was away a long time).
    if (first > from + 1 && from < this.at) delta.gap = { from: from + 1, to: first - 1 };
    return delta;
  }
}

function emptySeries(): Series {
  return { t: [], percent: [], processed: [], rate: [], cpuPercent: [], rssBytes: [], diskDeltaBytes: [] };
}

function withoutN(phase: TimelinePhase & { n: number }): TimelinePhase {
  const { n: _n, ...rest } = phase;
  return rest;
}

/** The phase a log line belongs to: its source agent's. */
function logPhase(model: ProgressModel, source: string | undefined): { phase?: string } {
  const phase = source === undefined ? undefined : model.agents.get(source)?.phase;
  return phase === undefined ? {} : { phase };
}
