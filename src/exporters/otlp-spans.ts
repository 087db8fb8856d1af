// The run as a trace, before any SDK sees it: the run is the root span, each phase a child (a
// phase started in a CI group nests under that group's span), each item a span under its phase.
// Pure: a FinishedRun in, plain span descriptions out, parents before their children, every time
// in ms since the epoch (the ledger's ms since the run's start, plus the start).
import { givenWorkflowName, workflowKey } from '../store/workflow-key.js';
import type { FinishedRun } from './exporter.js';
import type { ItemRecord, PhaseRecord } from './run-ledger.js';

/** Most item spans in one trace (failed items first, then in order); the rest are counted on the root. */
export const MAX_ITEM_SPANS = 10_000;
/** Most phase spans; items of a phase left out go under the root. */
export const MAX_PHASE_SPANS = 1_000;
/** Most diagnostics (compiler errors with a file and line) as events on the root span. */
export const MAX_DIAGNOSTIC_EVENTS = 100;
/** Longest text attribute (an error, an output tail): backends cut or refuse longer ones anyway. */
export const MAX_TEXT = 4_096;

export type AttributeValue = string | number | boolean | string[];
export type Attributes = Record<string, AttributeValue>;

export interface SpanEventPlan {
  name: string;
  timeMs: number;
  attributes: Attributes;
}

export interface SpanPlan {
  /** `run`, `phase:<id>` or `item:<n>`: how children name their parent. */
  key: string;
  /** The parent's key; absent for the root. */
  parent?: string;
  name: string;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  /** Status ERROR with this message; absent: status unset. */
  error?: string;
  events: SpanEventPlan[];
}

export interface TracePlan {
  /** The root first, then phases (parents first), then items. */
  spans: SpanPlan[];
  /** Items the ledger kept but the trace left out, plus those the ledger itself only counted. */
  droppedItems: number;
  droppedPhases: number;
}

export interface TraceLimits {
  items: number;
  phases: number;
}

const ROOT = 'run';

export function planTrace(run: FinishedRun, limits: TraceLimits = { items: MAX_ITEM_SPANS, phases: MAX_PHASE_SPANS }): TracePlan {
  const { info, summary, ledger } = run;
  const base = Date.parse(info.startedAt);
  const at = (tMs: number) => base + tMs;
  const runEndMs = ledger.endMs ?? summary.durationMs;

  const phases = [...ledger.phases.values()];
  const keptPhases = phases.slice(0, limits.phases);
  const items = pickItems(ledger.items, limits.items);
  const droppedItems = ledger.items.length - items.length + ledger.omittedItems;

  const root: SpanPlan = {
    key: ROOT,
    name: summary.workflow ?? ledger.workflow ?? givenName(run) ?? clip(commandLine(run), 200),
    startMs: base,
    endMs: at(runEndMs),
    attributes: runAttributes(run, droppedItems, phases.length - keptPhases.length, limits.items),
    events: ledger.diagnostics.slice(0, MAX_DIAGNOSTIC_EVENTS).map((d) => ({
      name: 'log',
      timeMs: at(d.tMs),
      attributes: defined({
        'log.severity': d.level,
        'log.message': clip(d.message),
        'prog.log.source': d.source,
        'code.filepath': d.location?.file,
        'code.lineno': d.location?.line,
        'code.column': d.location?.col,
      }),
    })),
    ...runError(run),
  };

  const spans = [root, ...phaseSpans(run, keptPhases, at, runEndMs)];
  const phaseKeys = new Set(keptPhases.map((p) => p.id));
  items.forEach((item, n) => spans.push(itemSpan(item, n, phaseKeys, at, runEndMs)));
  return { spans, droppedItems, droppedPhases: phases.length - keptPhases.length };
}

/** Every failed item first (up to the cap), then the others in order; the result keeps the ledger's order. */
function pickItems(items: ItemRecord[], cap: number): ItemRecord[] {
  if (items.length <= cap) return items;
  const keep = new Set<ItemRecord>();
  for (const item of items) if (keep.size < cap && item.outcome === 'failed') keep.add(item);
  for (const item of items) if (keep.size < cap) keep.add(item);
  return items.filter((item) => keep.has(item));
}

function runAttributes(run: FinishedRun, droppedItems: number, droppedPhases: number, itemLimit: number): Attributes {
  const { info, summary, ledger } = run;
  const peaks = summary.resources;
  return defined({
    'prog.run.id': info.id,
    'prog.command': clip(commandLine(run)),
    'process.command_args': info.command.map((arg) => clip(arg)),
    'prog.cwd': info.cwd,
    'prog.workflow': summary.workflow ?? ledger.workflow ?? givenName(run),
    // What prog's history and ETA group runs by: the name, else the command line and directory.
    'prog.workflow.key': info.key,
    'prog.status': summary.status,
    'prog.exit_code': summary.exitCode ?? undefined,
    'process.exit.code': summary.exitCode ?? undefined,
    'prog.signal': summary.signal ?? undefined,
    'prog.items.processed': summary.counts.processed,
    'prog.items.succeeded': summary.counts.succeeded,
    'prog.items.failed': summary.counts.failed,
    'prog.items.retried': summary.counts.retried,
    'prog.items.skipped': summary.counts.skipped,
    'prog.phases': ledger.phases.size,
    'prog.invalid_markers': summary.invalidMarkers || undefined,
    'prog.peak_rss_bytes': peaks?.peakRssBytes,
    'prog.peak_cpu_percent': peaks?.peakCpuPercent,
    'prog.cpu_seconds': peaks?.cpuSeconds,
    'prog.disk_delta_bytes': peaks?.diskDeltaBytes,
    'prog.peak_disk_delta_bytes': peaks?.peakDiskDeltaBytes,
    'prog.trace.item_span_limit': itemLimit,
    'prog.trace.items_dropped': droppedItems,
    'prog.trace.phases_dropped': droppedPhases || undefined,
  });
}

/** The command line as a shell would need it quoted (as in the workflow key). */
function commandLine({ info }: FinishedRun): string {
  return workflowKey(info.command, info.cwd).slice(0, -` @ ${info.cwd}`.length);
}

/** --name's, which the key is when it is not the command's. */
function givenName({ info }: FinishedRun): string | undefined {
  return givenWorkflowName(info);
}

function runError(run: FinishedRun): Pick<SpanPlan, 'error'> {
  const { summary } = run;
  if (summary.status === 'ok' || summary.status === 'running') return {};
  if (summary.signal !== null) return { error: `killed by ${summary.signal}${summary.signalledBy ? ` (${summary.signalledBy})` : ''}` };
  if (summary.status === 'interrupted') return { error: 'interrupted' };
  return { error: summary.exitCode === null ? 'failed' : `exit status ${summary.exitCode}` };
}

/** Parents before children; a parent that is unknown, left out or part of a cycle means the root. */
function phaseSpans(run: FinishedRun, phases: PhaseRecord[], at: (tMs: number) => number, runEndMs: number): SpanPlan[] {
  const byId = new Map(phases.map((p) => [p.id, p]));
  const counts = new Map(run.summary.phases.map((p) => [p.id, p]));
  const out: SpanPlan[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (phase: PhaseRecord): void => {
    if (placed.has(phase.id)) return;
    visiting.add(phase.id);
    const parent = phase.parent === undefined ? undefined : byId.get(phase.parent);
    const parentOk = parent !== undefined && !visiting.has(parent.id);
    if (parentOk) place(parent);
    visiting.delete(phase.id);
    placed.add(phase.id);
    const summary = counts.get(phase.id);
    const status = phase.status ?? (summary?.status === 'running' ? undefined : summary?.status);
    out.push({
      key: `phase:${phase.id}`,
      parent: parentOk ? `phase:${parent.id}` : ROOT,
      name: phase.name,
      startMs: at(phase.startMs),
      endMs: at(Math.max(phase.startMs, phase.endMs ?? runEndMs)),
      attributes: defined({
        'prog.phase.id': phase.id,
        'prog.phase.status': status,
        'prog.phase.group': phase.group,
        'prog.phase.total': summary?.total,
        'prog.phase.current': summary?.current,
        'prog.items.succeeded': summary?.counts.succeeded,
        'prog.items.failed': summary?.counts.failed,
        'prog.items.retried': summary?.counts.retried,
        'prog.items.skipped': summary?.counts.skipped,
      }),
      ...(status === 'failed' || status === 'interrupted' ? { error: status } : {}),
      events: [],
    });
  };
  for (const phase of phases) place(phase);
  return out;
}

function itemSpan(item: ItemRecord, n: number, phases: Set<string>, at: (tMs: number) => number, runEndMs: number): SpanPlan {
  const startMs = item.startMs ?? item.afterMs;
  const endMs = Math.max(startMs, item.endMs ?? runEndMs);
  const events: SpanEventPlan[] = (item.retries ?? []).map((attempt) => ({
    name: 'retry',
    timeMs: at(attempt.tMs),
    attributes: defined({ 'prog.retry': attempt.retry, 'exception.message': attempt.error === undefined ? undefined : clip(attempt.error) }),
  }));
  if (item.outcome === 'failed') {
    events.push({
      name: 'exception',
      timeMs: at(endMs),
      attributes: defined({
        'exception.type': 'prog.item.failed',
        'exception.message': clip(item.error ?? 'failed'),
        'prog.output_tail': item.tail === undefined ? undefined : clip(item.tail.join('\n')),
        'prog.output_tail.from': item.tailFrom,
      }),
    });
  }
  return {
    key: `item:${n}`,
    parent: item.phase !== undefined && phases.has(item.phase) ? `phase:${item.phase}` : ROOT,
    name: item.name ?? item.id,
    startMs: at(startMs),
    endMs: at(endMs),
    attributes: defined({
      'prog.item.id': item.id,
      'prog.item.phase': item.phase,
      'prog.item.agent': item.agent,
      // Still running when the run ended (interrupted, or the command exited first).
      'prog.item.outcome': item.outcome === 'running' ? 'unfinished' : item.outcome,
      'prog.item.retries': item.retries?.length,
      'prog.item.skip_reason': item.reason === undefined ? undefined : clip(item.reason),
      // No item.start: it is taken to have started when what came before it in its phase ended.
      'prog.item.start_inferred': item.startMs === undefined ? true : undefined,
    }),
    ...(item.outcome === 'failed' ? { error: clip(item.error ?? 'failed') } : {}),
    events,
  };
}

function clip(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Leaves out absent attributes (OTel has no null). */
function defined(attributes: Record<string, AttributeValue | undefined>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}
