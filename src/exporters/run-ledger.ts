// What the exporters (JUnit, OpenTelemetry, GitHub Actions, notifications) need that the model's
// summary does not keep: every item with its times and outcome, each phase's start and end, and
// the diagnostics with a location. Built from the same event stream as every view, so a recorded
// run's events.ndjson would build the same record. Bounded: past MAX_ITEMS items only counts grow.
import type { Extra, LogLevel, PhaseStatus, ProgEvent, TailSource } from '../events.js';
import { stripAnsi } from '../lines/ansi.js';
import { willRetry } from '../events.js';

/** Most items (and diagnostics) kept one by one; the rest are counted in `omittedItems`. */
export const MAX_ITEMS = 100_000;
export const MAX_DIAGNOSTICS = 1_000;
/** A failure's output context: at most so many lines and characters (the rest is cut). */
export const CONTEXT_LINES = 40;
export const CONTEXT_CHARS = 4096;
/** Failure sections (pytest's, cargo test's) kept by name until their items are looked up. */
const MAX_SECTIONS = 1_000;

export type ItemOutcome = 'running' | 'done' | 'failed' | 'skipped';

/** A failed attempt that was retried (its error), before the item's final outcome. */
export interface AttemptRecord {
  tMs: number;
  error?: string;
  retry: number;
}

export interface ItemRecord {
  phase?: string;
  id: string;
  agent?: string;
  /** From its `item.start`, when it had one (pytest and TAP report only results). */
  startMs?: number;
  endMs?: number;
  outcome: ItemOutcome;
  /** The last failure's error, or a later `item.error`'s (pytest's short summary). */
  error?: string;
  /** A later `item.error` renamed it (a placeholder such as `tests/a.py #3`). */
  name?: string;
  tail?: string[];
  tailFrom?: TailSource;
  /** Why it was skipped. */
  reason?: string;
  /** Failed attempts that were retried, oldest first. */
  retries?: AttemptRecord[];
  /** What came before this item in its phase ended (or the phase started): a start for items that had none. */
  afterMs: number;
  /** The error its failure itself carried, before a later `item.error` replaced it (pytest: `failed` or `error`). */
  failError?: string;
  /** How long the tool said it took (TeamCity's `duration`: `extra.durationMs`). */
  reportedMs?: number;
  /** What the tool said besides the message (TeamCity's `details`: a stack). */
  details?: string;
  /** Its phase's step when it began (cargo test: the test binary, `unittests src/lib.rs (5 tests)`). */
  step?: string;
}

export interface PhaseRecord {
  id: string;
  name: string;
  parent?: string;
  group?: true;
  startMs: number;
  endMs?: number;
  status?: PhaseStatus;
  /** Its latest own step (a `step` without an agent). */
  step?: string;
}

export interface DiagnosticRecord {
  level: LogLevel;
  message: string;
  source?: string;
  location?: { file: string; line: number; col?: number };
  tMs: number;
}

export class RunLedger {
  readonly phases = new Map<string, PhaseRecord>();
  /** In the order they started (or, without a start, finished). */
  readonly items: ItemRecord[] = [];
  omittedItems = 0;
  /** Log lines with a location (a compiler's file:line), warn and error only. */
  readonly diagnostics: DiagnosticRecord[] = [];
  omittedDiagnostics = 0;
  /** Whether the command printed CI groups of its own (GitHub Actions ::group::, Azure, TeamCity blocks). */
  ownGroups = false;
  workflow?: string;
  startedAt?: string;
  endMs?: number;

  /** Items not yet finished, by phase and id. */
  readonly #open = new Map<string, ItemRecord>();
  /** Every item kept, by phase and id: what a later event about it (a rerun, pytest's summary) finds. */
  readonly #byKey = new Map<string, ItemRecord>();
  /** Per phase (or '' for the run), when its latest item ended. */
  readonly #lastEnd = new Map<string, number>();
  /** The failure section output lines are going to. */
  #capture?: { lines: string[]; chars: number };
  /** Failure sections printed at the end (pytest `___ name ___`, cargo `---- name stdout ----`), by name. */
  readonly #sections = new Map<string, string[]>();
  /** Whether output lines came as events (only when a view asks for them, as the JSON view does). */
  #sawOutput = false;

  apply(event: ProgEvent): void {
    switch (event.type) {
      case 'output':
        this.#sawOutput = true;
        this.#output(event.line);
        return;
      case 'run.start':
        this.startedAt = event.startedAt;
        return;
      case 'workflow':
        this.workflow = event.name;
        return;
      case 'phase':
        this.#phase(event.id, event.t, event.name, event.parent, event.group);
        return;
      case 'step': {
        const phase = event.phase === undefined || event.agent !== undefined ? undefined : this.phases.get(event.phase);
        if (phase !== undefined) phase.step = event.name;
        return;
      }
      case 'phase.end': {
        const phase = this.#phase(event.id, event.t);
        phase.endMs = event.t;
        phase.status = event.status;
        return;
      }
      case 'item.start': {
        const item = this.#item(event.phase, event.id, event.t, event.agent);
        if (item === undefined) return;
        item.startMs = event.t;
        return;
      }
      case 'item.done': {
        const item = this.#end(event.phase, event.id, event.t, event.agent, 'done');
        if (item) reported(item, event.extra);
        return;
      }
      case 'item.skip': {
        // A skip never replaces an outcome the item has (a resumed run skipping it), as in the model.
        const k = key(event.phase, event.id);
        if (this.#byKey.has(k) && !this.#open.has(k)) return;
        const item = this.#end(event.phase, event.id, event.t, event.agent, 'skipped');
        if (item && event.reason !== undefined) item.reason = event.reason;
        if (item) reported(item, event.extra);
        return;
      }
      case 'item.fail': {
        const retried = willRetry(event);
        if (retried) {
          const item = this.#item(event.phase, event.id, event.t, event.agent);
          if (item === undefined) return;
          (item.retries ??= []).push({ tMs: event.t, retry: event.retry!, ...(event.error === undefined ? {} : { error: event.error }) });
          return;
        }
        const item = this.#end(event.phase, event.id, event.t, event.agent, 'failed');
        if (item === undefined) return;
        if (event.error !== undefined) item.error = item.failError = event.error;
        if (event.tail !== undefined) item.tail = event.tail;
        if (event.tailFrom !== undefined) item.tailFrom = event.tailFrom;
        reported(item, event.extra);
        const details = event.extra?.details;
        if (typeof details === 'string') item.details = details.slice(0, CONTEXT_CHARS);
        return;
      }
      case 'item.error': {
        const item = this.#find(event.phase, event.id);
        if (item === undefined) return;
        item.error = event.error;
        if (event.name !== undefined) item.name = event.name;
        return;
      }
      case 'log':
        if (event.location !== undefined && (event.level === 'warn' || event.level === 'error')) {
          if (this.diagnostics.length >= MAX_DIAGNOSTICS) this.omittedDiagnostics++;
          else {
            this.diagnostics.push({
              level: event.level,
              message: event.message,
              location: event.location,
              tMs: event.t,
              ...(event.source === undefined ? {} : { source: event.source }),
            });
          }
        }
        return;
      case 'exit':
        this.#capture = undefined;
        this.endMs = event.t;
        for (const item of this.#open.values()) item.endMs ??= event.t;
        for (const phase of this.phases.values()) phase.endMs ??= event.t;
        return;
      default:
        return;
    }
  }

  /**
   * The output that goes with a failed item: the lines before it (a marker's tail), else its
   * section in the tool's failure report (pytest's FAILURES and ERRORS, cargo test's `failures:`).
   */
  contextOf(item: ItemRecord): string[] | undefined {
    if (item.tail !== undefined && item.tail.length > 0) return item.tail;
    const section = this.#sections.get(item.name ?? item.id) ?? this.#sections.get(pytestSectionName(item.name ?? item.id));
    return section !== undefined && section.length > 0 ? section : undefined;
  }

  /**
   * The failure sections read from the recorded output afterwards (the end of stdout.log), when the
   * view took no output events; the lines are the command's, in order.
   */
  readRecordedOutput(lines: Iterable<string>): void {
    if (this.#sawOutput) return;
    for (const line of lines) this.#output(line);
    this.#capture = undefined;
  }

  /** Output lines: a failure section's, from its header to the next header or the report's end. */
  #output(raw: string): void {
    const first = raw.charCodeAt(0);
    // `_` and `-` (pytest's and cargo's section headers), `=` and `f` (what ends them): a cheap test first.
    if (first === 0x5f || first === 0x2d || first === 0x3d || first === 0x66 || first === 0x1b) {
      const line = stripAnsi(raw);
      const name = sectionName(line);
      if (name !== undefined) {
        if (this.#sections.size >= MAX_SECTIONS && !this.#sections.has(name)) {
          this.#capture = undefined;
          return;
        }
        const lines: string[] = [];
        this.#sections.set(name, lines);
        this.#capture = { lines, chars: 0 };
        return;
      }
      if (/^(?:={3,}|failures:$|test result: )/.test(line)) {
        this.#capture = undefined;
        return;
      }
    }
    const capture = this.#capture;
    if (capture === undefined) return;
    if (capture.lines.length >= CONTEXT_LINES || capture.chars >= CONTEXT_CHARS) return;
    const line = stripAnsi(raw).slice(0, CONTEXT_CHARS - capture.chars);
    if (line.trim() === '' && capture.lines.length === 0) return;
    capture.lines.push(line);
    capture.chars += line.length + 1;
  }


  #phase(id: string, t: number, name?: string, parent?: string, group?: true): PhaseRecord {
    let phase = this.phases.get(id);
    if (phase === undefined) {
      phase = { id, name: name ?? id, startMs: t };
      this.phases.set(id, phase);
    }
    if (name !== undefined) phase.name = name;
    if (parent !== undefined) phase.parent = parent;
    if (group) {
      phase.group = true;
      this.ownGroups = true;
    }
    return phase;
  }

  /** Said of an item that may have finished already (pytest's short summary). */
  #find(phase: string | undefined, id: string): ItemRecord | undefined {
    return this.#byKey.get(key(phase, id));
  }

  /** The item being reported, opened when this is its first event; undefined past MAX_ITEMS. */
  #item(phase: string | undefined, id: string, t: number, agent: string | undefined): ItemRecord | undefined {
    const k = key(phase, id);
    let item = this.#open.get(k);
    const finished = item === undefined ? this.#byKey.get(k) : undefined;
    if (finished !== undefined) {
      // Reported again after it finished: counted once, by its latest outcome, as the model does.
      reopen(finished);
      this.#open.set(k, finished);
      item = finished;
    }
    if (item === undefined) {
      if (phase !== undefined && !this.phases.has(phase)) this.#phase(phase, t);
      if (this.items.length >= MAX_ITEMS) {
        this.omittedItems++;
        return undefined;
      }
      const after = this.#lastEnd.get(phase ?? '') ?? (phase === undefined ? 0 : this.phases.get(phase)!.startMs);
      const step = phase === undefined ? undefined : this.phases.get(phase)!.step;
      item = { id, outcome: 'running', afterMs: after, ...(phase === undefined ? {} : { phase }), ...(step === undefined ? {} : { step }) };
      this.items.push(item);
      this.#open.set(k, item);
      this.#byKey.set(k, item);
    }
    if (agent !== undefined) item.agent = agent;
    return item;
  }

  #end(phase: string | undefined, id: string, t: number, agent: string | undefined, outcome: ItemOutcome): ItemRecord | undefined {
    const item = this.#item(phase, id, t, agent);
    if (item === undefined) return undefined;
    item.outcome = outcome;
    item.endMs = t;
    this.#open.delete(key(phase, id));
    this.#lastEnd.set(phase ?? '', t);
    return item;
  }
}

/**
 * An item reported again after it finished: it runs again. An earlier failure becomes a retried
 * attempt (fail, then done: one success after a retry); an earlier success is replaced by what
 * this attempt says.
 */
function reopen(item: ItemRecord): void {
  if (item.outcome === 'failed') {
    const retries = (item.retries ??= []);
    retries.push({ tMs: item.endMs ?? 0, retry: retries.length + 1, ...(item.error === undefined ? {} : { error: item.error }) });
    delete item.error;
    delete item.failError;
    delete item.tail;
    delete item.tailFrom;
  }
  item.outcome = 'running';
  delete item.endMs;
}

/** How long an item took: from its start, else from what came before it in its phase. */
export function itemDurationMs(item: ItemRecord): number {
  if (item.endMs === undefined) return 0;
  return Math.max(0, item.endMs - (item.startMs ?? item.afterMs));
}

/** A tool's own duration (TeamCity's), in ms. */
function reported(item: ItemRecord, extra: Extra | undefined): void {
  const ms = extra?.durationMs;
  if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) item.reportedMs = ms;
}

/**
 * The test a failure section is about: pytest's `____ TestX.test_y[1] ____` (and `ERROR at setup
 * of test_y`), cargo's `---- tests::wrong stdout ----`.
 */
function sectionName(line: string): string | undefined {
  const pytest = /^_{3,} (.+?) _{3,}$/.exec(line);
  if (pytest) return pytest[1]!.replace(/^ERROR at (?:setup|teardown|call) of /, '');
  const cargo = /^---- (\S+) std(?:out|err) ----$/.exec(line);
  return cargo ? cargo[1] : undefined;
}

/** How pytest heads an id's section: `test_a.py::TestX::test_y` → `TestX.test_y`. */
function pytestSectionName(id: string): string {
  const at = id.indexOf('::');
  return at < 0 ? id : id.slice(at + 2).replaceAll('::', '.');
}

function key(phase: string | undefined, id: string): string {
  return `${phase ?? ''}\u0000${id}`;
}
