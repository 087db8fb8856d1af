// Reduces the event stream into the state of the run. It never prints; views read snapshots of it.
// Memory is bounded by what is active (running items, agents, phases), and by the ids of finished
// items it remembers so that none is counted twice (item-outcomes.ts): at most MAX_REMEMBERED.
//
// Phases nest: a phase with a `parent` (a tool's phase inside a CI group) is that phase's child.
// A parent whose child failed is failed; the run's percentage and ETA are over the leaves (phases
// that are nobody's parent), so a group and the work inside it are not counted twice.
import {
  MAX_RESUMED_IDS, willRetry, type AgentStatus, type ExitEvent, type ItemErrorEvent, type ItemFailEvent, type LogEvent, type LogLevel, type ProgEvent, type ResourcesEvent,
  type StepEvent, type TreeUsage,
} from '../events.js';
import {
  emptyCounts, type AgentSnapshot, type Counts, type FailureRecord, type LogRecord, type ResourcePeaks, type PhaseSnapshot, type RetrySnapshot,
  type RunStatus, type Snapshot, type StepSnapshot, type Summary,
} from './snapshot.js';
import { EtaEngine, type EtaEstimate, type ModelPrior } from './eta.js';
import { Throughput } from './throughput.js';
import { ItemOutcomes, type Outcome } from './item-outcomes.js';

/** Failures kept with their errors for the summary; the rest are counted. */
const MAX_FAILURES = 100;
/** Ids of finished items remembered per run (about 10 MB at most); past it, a repeat counts again. */
export const MAX_REMEMBERED = MAX_RESUMED_IDS;
/** Deepest nesting of phases followed (a parent's parent…): hostile parents cannot loop. */
const MAX_DEPTH = 32;
/** Warn and error log lines kept for the views (the latest), and the most of a message kept. */
export const MAX_RECENT_LOGS = 5;
const LOG_MESSAGE_MAX = 1000;
/** Items waiting for a retry whose attempt number is remembered (for `retry 1/3` on their next start). */
const MAX_RETRIES_KEPT = 10_000;

interface PhaseState {
  id: string;
  name: string;
  status: PhaseSnapshot['status'];
  /** The phase it started in (a CI group), set once. */
  parent?: string;
  /** A child of it ended failed: it ends failed too. */
  childFailed: boolean;
  total?: number;
  /** Set by `progress` markers; when absent, progress is the count of processed items. */
  reported?: number;
  counts: Counts;
  startedMs: number;
  endedMs?: number;
  step?: StepEvent;
  throughput: Throughput;
  eta: EtaEngine;
  /** Items in flight, by id: start time. */
  running: Map<string, number>;
}

interface AgentState {
  id: string;
  status: AgentStatus;
  pid?: number;
  phase?: string;
  item?: string;
  itemSinceMs?: number;
  /** The step of the current item, cleared when the item ends. */
  step?: StepSnapshot;
  /** The current item is this retry of it. */
  retry?: RetrySnapshot;
  last?: AgentSnapshot['last'];
  lastRetry?: RetrySnapshot;
  /** Items done; those of them with a known start, and the time they took in all. */
  done: number;
  timed: number;
  itemMs: number;
}

export class ProgressModel {
  workflow?: string;
  readonly counts: Counts = emptyCounts();
  readonly phases = new Map<string, PhaseState>();
  readonly agents = new Map<string, AgentState>();
  readonly failures: FailureRecord[] = [];
  failuresOmitted = 0;
  /** Log lines so far, by level (markers and tools' diagnostics alike). */
  readonly logs: Partial<Record<LogLevel, number>> = {};
  /** The latest warn and error lines, oldest first: state the views show while the run goes on. */
  readonly recentLogs: LogRecord[] = [];
  /** Items whose last attempt failed and will be retried: which retry comes next. */
  readonly #retries = new Map<string, RetrySnapshot>();
  invalidMarkers = 0;
  nowMs = 0;
  exit?: ExitEvent;
  readonly #overall = new Throughput(0);
  #prior: ModelPrior | undefined;
  /** The run's own ETA engine: only used while a run prior is in play (else the slowest phase's ETA). */
  #runEta: EtaEngine | undefined;
  /** Items an earlier run completed (prog resume): done, but not this run's pace. */
  #resumed = 0;

  /** How far back ETAs judge the pace (eta-window), when the user limited it. */
  readonly #etaWindow: { windowMs: number } | Record<string, never>;

  constructor(options: { prior?: ModelPrior; etaWindowMs?: number } = {}) {
    this.#prior = options.prior;
    this.#etaWindow = options.etaWindowMs === undefined ? {} : { windowMs: options.etaWindowMs };
    this.#runEta = options.prior?.run ? new EtaEngine({ startMs: 0, prior: options.prior.run, ...this.#etaWindow }) : undefined;
  }

  /**
   * Another history to go on, found once the run started (a workflow marker named it: run.ts looks
   * that workflow's history up; the model reads no files). The run's ETA starts over from it with
   * the progress so far; phases seen from now on get theirs, those already running keep what they had.
   */
  usePrior(prior: ModelPrior | undefined): void {
    this.#prior = prior;
    this.#runEta = prior?.run ? new EtaEngine({ startMs: 0, prior: prior.run, ...this.#etaWindow }) : undefined;
    this.#runEta?.rebase(this.#resumed);
    if (this.phases.size > 0 || this.counts.processed > this.#resumed) this.#recordRun(this.nowMs);
  }
  /** Items without a phase are counted on the run only; their in-flight set lives here. */
  readonly #loose = new Map<string, number>();
  /** Finished items, so that none is counted twice. */
  readonly #outcomes = new ItemOutcomes(MAX_REMEMBERED);
  /** Ids of phases that are another's parent: not leaves. */
  readonly #parents = new Set<string>();
  /** The latest resource sample, and the peaks over all of them. */
  #resources: ResourcesEvent | undefined;
  #peaks: ResourcePeaks | undefined;

  apply(event: ProgEvent): void {
    this.nowMs = event.t;
    switch (event.type) {
      case 'workflow':
        this.workflow = event.name;
        break;
      case 'resume': {
        // Items an earlier run completed count as done from the start, but not as this run's pace.
        this.counts.succeeded += event.items;
        this.counts.processed += event.items;
        this.#overall.rebase(event.t, this.counts.processed);
        for (const [id, n] of Object.entries(event.phases)) {
          const phase = this.#phase(id, event.t);
          phase.counts.succeeded += n;
          phase.counts.processed += n;
          phase.throughput.rebase(event.t, phase.counts.processed);
          phase.eta.rebase(phase.counts.processed);
        }
        this.#runEta?.rebase(this.counts.processed);
        this.#resumed = this.counts.processed;
        // The items themselves, when named: done already, so doing one again counts nothing.
        for (const item of event.done ?? []) this.#outcomes.done(item.phase, item.id);
        break;
      }
      case 'resources':
        this.#resources = event;
        this.#peaks = peaksWith(this.#peaks, event);
        break;
      case 'phase': {
        const phase = this.#phase(event.id, event.t);
        if (event.name !== undefined) phase.name = event.name;
        if (event.parent !== undefined && phase.parent === undefined && !this.#isAncestor(event.id, event.parent)) {
          phase.parent = event.parent;
          this.#parents.add(event.parent);
        }
        if (event.total !== undefined) {
          phase.total = event.total;
          phase.eta.record(event.t, phase.reported ?? phase.counts.processed, phase.total);
          this.#recordRun(event.t);
        }
        // A phase started again (a retry of the whole phase) runs again.
        if (phase.status !== 'running') {
          phase.status = 'running';
          phase.endedMs = undefined;
        }
        break;
      }
      case 'phase.end': {
        const phase = this.#phase(event.id, event.t);
        // A group whose child failed is failed, whatever its own end said.
        phase.status = phase.childFailed ? 'failed' : event.status;
        phase.endedMs = event.t;
        this.#failParents(phase);
        // A phase that ended ok is done, whatever its count reached (a total that was an estimate).
        if (event.status === 'ok' && phase.total !== undefined) this.#recordRun(event.t);
        break;
      }
      case 'step': {
        if (event.agent !== undefined) {
          const { name, index, total } = event;
          this.#agent(event.agent).step = { name, ...(index === undefined ? {} : { index }), ...(total === undefined ? {} : { total }) };
        } else if (event.phase !== undefined) {
          this.#phase(event.phase, event.t).step = event;
        }
        break;
      }
      case 'progress': {
        if (event.phase === undefined) break;
        const phase = this.#phase(event.phase, event.t);
        if (event.total !== undefined) phase.total = event.total;
        phase.reported = phase.total === undefined ? event.current : Math.min(event.current, phase.total);
        phase.throughput.record(event.t, phase.reported);
        phase.eta.record(event.t, phase.reported, phase.total);
        this.#recordRun(event.t);
        break;
      }
      case 'item.start': {
        const phase = event.phase === undefined ? undefined : this.#phase(event.phase, event.t);
        const running = phase?.running ?? this.#loose;
        if (!running.has(event.id)) {
          running.set(event.id, event.t);
          this.counts.running++;
          if (phase) phase.counts.running++;
        }
        if (event.agent !== undefined) {
          const agent = this.#agent(event.agent);
          agent.status = 'busy';
          agent.phase = event.phase;
          agent.item = event.id;
          agent.itemSinceMs = event.t;
          agent.step = undefined;
          agent.retry = this.#retries.get(itemKey(event.phase, event.id));
        }
        break;
      }
      case 'item.done':
        this.#finishItem(event.phase, event.id, event.t, 'succeeded');
        this.#agentFinished(event.agent, event.id, 'done');
        this.#retries.delete(itemKey(event.phase, event.id));
        break;
      case 'item.skip':
        this.#finishItem(event.phase, event.id, event.t, 'skipped');
        this.#agentFinished(event.agent, event.id, 'skipped');
        this.#retries.delete(itemKey(event.phase, event.id));
        break;
      case 'item.fail': {
        const retrying = willRetry(event);
        // A final failure is always recorded: new, or replacing the item's earlier outcome.
        this.#finishItem(event.phase, event.id, event.t, retrying ? 'retried' : 'failed');
        const next = retrying ? { retry: event.retry!, maxRetries: event.maxRetries! } : undefined;
        this.#agentFinished(event.agent, event.id, retrying ? 'retrying' : 'failed', event.error, next);
        if (next) this.#expectRetry(itemKey(event.phase, event.id), next);
        else this.#retries.delete(itemKey(event.phase, event.id));
        if (!retrying) this.#recordFailure(event);
        break;
      }
      case 'item.error':
        this.#describeFailure(event);
        break;
      case 'agent': {
        const agent = this.#agent(event.id);
        agent.status = event.status;
        if (event.pid !== undefined) agent.pid = event.pid;
        if (event.status !== 'busy') {
          agent.item = undefined;
          agent.itemSinceMs = undefined;
          agent.step = undefined;
          agent.retry = undefined;
        }
        break;
      }
      case 'log':
        this.logs[event.level] = (this.logs[event.level] ?? 0) + 1;
        if (event.level === 'warn' || event.level === 'error') this.#recordLog(event);
        break;
      case 'marker.invalid':
        this.invalidMarkers++;
        break;
      case 'exit':
        this.exit = event;
        this.#closePhases(event);
        break;
      default:
        break;
    }
  }

  /** Finished item ids remembered (at most MAX_REMEMBERED). */
  get rememberedItems(): number {
    return this.#outcomes.size;
  }

  get status(): RunStatus {
    const exit = this.exit;
    if (!exit) return 'running';
    if (exit.signal !== null) return 'interrupted';
    return exit.exitCode === 0 ? 'ok' : 'failed';
  }

  phase(id: string): PhaseSnapshot | undefined {
    const phase = this.phases.get(id);
    return phase && this.phaseSnapshot(phase);
  }

  phaseSnapshot(phase: PhaseState, nowMs = this.nowMs): PhaseSnapshot {
    // Never past the total: a total lowered after progress, or more items than announced.
    const reached = phase.reported ?? phase.counts.processed;
    const current = phase.total === undefined ? reached : Math.min(reached, phase.total);
    const end = phase.endedMs ?? nowMs;
    const rate = phase.status === 'running' ? phase.throughput.rate(nowMs) : undefined;
    const snap: PhaseSnapshot = {
      id: phase.id,
      name: phase.name,
      status: phase.status,
      current,
      counts: { ...phase.counts },
      startedMs: phase.startedMs,
      durationMs: Math.max(0, end - phase.startedMs),
    };
    if (phase.parent !== undefined) snap.parent = phase.parent;
    if (phase.total !== undefined) {
      snap.total = phase.total;
      // Ended ok is all done, even short of an announced total (dots not drawn, items deselected).
      snap.percent = phase.total === 0 || phase.status === 'ok' ? 100 : Math.min(100, (current / phase.total) * 100);
    }
    else if (phase.reported === undefined && phase.counts.processed === 0 && phase.step?.index !== undefined && (phase.step.total ?? 0) > 0) {
      // Moved by its steps alone: at step 2 of 3, one is done; ended ok, all are.
      const total = phase.step.total!;
      const done = phase.status === 'ok' ? total : Math.min(total, Math.max(0, phase.step.index - 1));
      snap.steps = { done, total };
      snap.percent = (done / total) * 100;
    }
    if (rate !== undefined) snap.rate = rate;
    const eta = phase.status === 'running' ? phase.eta.estimate(nowMs) : undefined;
    if (eta !== undefined) setEta(snap, eta);
    if (phase.endedMs !== undefined) snap.endedMs = phase.endedMs;
    if (phase.step) {
      const { name, index, total } = phase.step;
      snap.step = { name, ...(index === undefined ? {} : { index }), ...(total === undefined ? {} : { total }) };
    }
    return snap;
  }

  snapshot(nowMs = this.nowMs): Snapshot {
    const phases = [...this.phases.values()].map((p) => this.phaseSnapshot(p, nowMs));
    const snap: Snapshot = {
      type: 'snapshot',
      tMs: nowMs,
      status: this.status,
      elapsedMs: this.exit?.durationMs ?? nowMs,
      counts: { ...this.counts },
      phases,
      agents: [...this.agents.values()].map((a) => agentSnapshot(a, this.#resources?.agents?.[a.id])),
      invalidMarkers: this.invalidMarkers,
    };
    if (this.recentLogs.length > 0) snap.recentLogs = this.recentLogs.map((log) => ({ ...log }));
    if (this.#resources) {
      const { type: _type, seq: _seq, t: _t, agents: _agents, ...usage } = this.#resources;
      snap.resources = usage;
    }
    if (this.workflow !== undefined) snap.workflow = this.workflow;
    // The run's percentage is only honest when every phase seen so far has a total. (A phase moved
    // by its steps counts its steps.) A parent is measured by its children: only leaves count.
    const leaves = this.#parents.size === 0 ? phases : phases.filter((p) => !this.#parents.has(p.id));
    if (leaves.length > 0 && leaves.every((p) => p.total !== undefined || p.steps !== undefined)) {
      const units = leaves.map((p) => p.total === undefined
        ? { total: p.steps!.total, done: p.steps!.done }
        : { total: p.total, done: p.status === 'ok' ? p.total : Math.min(p.current, p.total) });
      const total = units.reduce((sum, u) => sum + u.total, 0);
      const current = units.reduce((sum, u) => sum + u.done, 0);
      snap.percent = total === 0 ? 100 : (current / total) * 100;
    }
    const rate = this.exit ? undefined : this.#overall.rate(nowMs);
    if (rate !== undefined) snap.rate = rate;
    // Phases run side by side: the run ends when the slowest running one does.
    const running = leaves.filter((p) => p.status === 'running');
    const prior = this.exit || this.#runEta?.priorDropped !== false ? undefined : this.#runEta.estimate(nowMs);
    if (prior) {
      // History of the whole run (blended with its live progress): it knows about phases still to come.
      setEta(snap, prior);
      if (snap.percent === undefined) {
        // No progress of its own to measure: time elapsed against the time past runs took, never
        // 100 % before the end (a run that outlasts its history loses its ETA, and then this).
        snap.percent = Math.min(99, (nowMs / (nowMs + prior.etaMs)) * 100);
        snap.estimated = true;
      }
    } else if (running.length > 0 && running.every((p) => p.etaMs !== undefined)) {
      snap.etaMs = Math.max(...running.map((p) => p.etaMs!));
      snap.etaLowMs = Math.max(...running.map((p) => p.etaLowMs ?? p.etaMs!));
      snap.etaHighMs = Math.max(...running.map((p) => p.etaHighMs ?? p.etaMs!));
    }
    return snap;
  }

  summary(run: { id: string; command: string[] }): Summary {
    const exit = this.exit;
    const summary: Summary = {
      type: 'summary',
      id: run.id,
      command: run.command,
      status: this.status,
      exitCode: exit?.exitCode ?? null,
      signal: exit?.signal ?? null,
      durationMs: exit?.durationMs ?? this.nowMs,
      counts: { ...this.counts },
      phases: [...this.phases.values()].map((p) => {
        const s = this.phaseSnapshot(p);
        return {
          id: s.id, name: s.name, status: s.status, durationMs: s.durationMs, current: s.current, counts: s.counts,
          ...(s.parent === undefined ? {} : { parent: s.parent }),
          ...(s.total === undefined ? {} : { total: s.total }),
          ...(s.steps === undefined ? {} : { steps: s.steps }),
        };
      }),
      failures: [...this.failures],
      failuresOmitted: this.failuresOmitted,
      invalidMarkers: this.invalidMarkers,
    };
    if (Object.keys(this.logs).length > 0) summary.logs = { ...this.logs };
    if (this.workflow !== undefined) summary.workflow = this.workflow;
    if (exit?.signalledBy !== undefined) summary.signalledBy = exit.signalledBy;
    if (this.#peaks) summary.resources = { ...this.#peaks };
    return summary;
  }

  #phase(id: string, t: number): PhaseState {
    let phase = this.phases.get(id);
    if (!phase) {
      phase = {
        id, name: id, status: 'running', childFailed: false, counts: emptyCounts(), startedMs: t,
        throughput: new Throughput(t), running: new Map(),
        eta: new EtaEngine({ startMs: t, ...this.#etaWindow, ...(this.#prior?.phases?.[id] ? { prior: this.#prior.phases[id] } : {}) }),
      };
      this.phases.set(id, phase);
    }
    return phase;
  }

  #agent(id: string): AgentState {
    let agent = this.agents.get(id);
    if (!agent) {
      agent = { id, status: 'idle', done: 0, timed: 0, itemMs: 0 };
      this.agents.set(id, agent);
    }
    return agent;
  }

  #finishItem(phaseId: string | undefined, id: string, t: number, outcome: Outcome | 'retried'): void {
    const phase = phaseId === undefined ? undefined : this.#phase(phaseId, t);
    const running = phase?.running ?? this.#loose;
    if (running.delete(id)) {
      this.counts.running--;
      if (phase) phase.counts.running--;
    }
    const all = phase ? [this.counts, phase.counts] : [this.counts];
    if (outcome === 'retried') {
      for (const counts of all) counts.retried++;
      return;
    }
    // Finished already: counted once, by its latest outcome (item-outcomes.ts).
    const change = this.#outcomes.finish(phaseId, id, outcome);
    if (change.kind === 'same') return;
    if (change.kind === 'replace') {
      for (const counts of all) {
        counts[change.before]--;
        counts[outcome]++;
        if (change.retry) counts.retried++;
      }
      if (change.retry) this.#forgetFailure(phaseId, id);
      return;
    }
    for (const counts of all) {
      counts[outcome]++;
      counts.processed++;
    }
    this.#overall.record(t, this.counts.processed);
    if (phase && phase.reported === undefined) {
      phase.throughput.record(t, phase.counts.processed);
      phase.eta.record(t, phase.counts.processed, phase.total);
    }
    this.#recordRun(t);
  }

  /** The run's progress for its engine: over phases, when every one has a total (as the run's percent). */
  #recordRun(t: number): void {
    const engine = this.#runEta;
    if (!engine) return;
    const all = [...this.phases.values()];
    const phases = this.#parents.size === 0 ? all : all.filter((p) => !this.#parents.has(p.id));
    if (phases.length > 0 && phases.every((p) => p.total !== undefined)) {
      const total = phases.reduce((sum, p) => sum + p.total!, 0);
      const current = phases.reduce((sum, p) => sum + (p.status === 'ok' ? p.total! : Math.min(p.reported ?? p.counts.processed, p.total!)), 0);
      engine.record(t, current, Math.max(total, this.#prior?.run?.total ?? 0));
    } else {
      engine.record(t, this.counts.processed);
    }
  }

  #agentFinished(
    agentId: string | undefined, item: string, outcome: NonNullable<AgentSnapshot['last']>['outcome'], error?: string, next?: RetrySnapshot,
  ): void {
    if (agentId === undefined) return;
    const agent = this.#agent(agentId);
    const current = agent.item === item;
    agent.last = error === undefined ? { item, outcome } : { item, outcome, error };
    agent.lastRetry = next ?? (current ? agent.retry : undefined);
    if (outcome === 'done') agent.done++;
    if (current) {
      if (outcome === 'done' && agent.itemSinceMs !== undefined) {
        agent.timed++;
        agent.itemMs += Math.max(0, this.nowMs - agent.itemSinceMs);
      }
      agent.item = undefined;
      agent.itemSinceMs = undefined;
      agent.step = undefined;
      agent.retry = undefined;
      if (agent.status === 'busy') agent.status = 'idle';
    }
  }

  /** The item's next attempt is this retry (remembered for a bounded number of items). */
  #expectRetry(key: string, retry: RetrySnapshot): void {
    if (this.#retries.size < MAX_RETRIES_KEPT || this.#retries.has(key)) this.#retries.set(key, retry);
  }

  /**
   * A warn or error line, with the phase it belongs to: its source agent's, the phase its source
   * names, else the only leaf phase running (a line said while one phase runs is that phase's).
   */
  #recordLog(event: LogEvent): void {
    const record: LogRecord = { level: event.level, message: event.message.slice(0, LOG_MESSAGE_MAX), tMs: event.t };
    if (event.source !== undefined) record.source = event.source.slice(0, LOG_MESSAGE_MAX);
    if (event.location !== undefined) record.location = { ...event.location };
    const phase = event.source === undefined ? undefined : this.agents.get(event.source)?.phase ?? (this.phases.has(event.source) ? event.source : undefined);
    if (phase !== undefined) {
      record.phase = phase;
    } else {
      let only: string | undefined;
      let running = 0;
      for (const p of this.phases.values()) {
        if (p.status !== 'running' || this.#parents.has(p.id)) continue;
        running++;
        only = p.id;
      }
      if (running === 1) record.phase = only;
    }
    this.recentLogs.push(record);
    if (this.recentLogs.length > MAX_RECENT_LOGS) this.recentLogs.shift();
  }

  /** The error (and name) a tool gives later for a failure already counted: the newest record of that item. */
  #describeFailure(event: ItemErrorEvent): void {
    for (let i = this.failures.length - 1; i >= 0; i--) {
      const failure = this.failures[i]!;
      if (failure.id !== event.id || failure.phase !== event.phase) continue;
      failure.error = event.error;
      if (event.name !== undefined) failure.id = event.name;
      return;
    }
  }

  #recordFailure(event: ItemFailEvent): void {
    const record: FailureRecord = { id: event.id, tMs: event.t };
    if (event.phase !== undefined) record.phase = event.phase;
    if (event.agent !== undefined) record.agent = event.agent;
    if (event.error !== undefined) record.error = event.error;
    if (event.tail !== undefined) record.tail = event.tail;
    if (event.tailFrom !== undefined) record.tailFrom = event.tailFrom;
    this.failures.push(record);
    if (this.failures.length > MAX_FAILURES) {
      this.failures.shift();
      this.failuresOmitted++;
    }
  }

  /**
   * Phases the workflow never closed end with the run: ok if it succeeded, interrupted if a signal
   * ended it, failed otherwise (and failed, as ever, when a child of theirs failed).
   */
  #closePhases(exit: ExitEvent): void {
    const status = exit.signal !== null ? 'interrupted' : exit.exitCode === 0 ? 'ok' : 'failed';
    const closed: PhaseState[] = [];
    for (const phase of this.phases.values()) {
      if (phase.status !== 'running') continue;
      phase.status = phase.childFailed ? 'failed' : status;
      phase.endedMs = exit.t;
      closed.push(phase);
    }
    for (const phase of closed) this.#failParents(phase);
  }

  /** A failed phase fails the groups it is in, ended or not. */
  #failParents(phase: PhaseState): void {
    if (phase.status !== 'failed') return;
    let child = phase;
    for (let depth = 0; depth < MAX_DEPTH && child.parent !== undefined; depth++) {
      const parent = this.phases.get(child.parent);
      if (!parent) return;
      parent.childFailed = true;
      if (parent.status !== 'running') parent.status = 'failed';
      child = parent;
    }
  }

  /** Whether `id` is `of` or one of its parents (a parent that would make a loop). */
  #isAncestor(id: string, of: string): boolean {
    let at: string | undefined = of;
    for (let depth = 0; depth < MAX_DEPTH && at !== undefined; depth++) {
      if (at === id) return true;
      at = this.phases.get(at)?.parent;
    }
    return at !== undefined;
  }

  /** An item's failure turned out not to be its last word: it leaves the failures listed. */
  #forgetFailure(phase: string | undefined, id: string): void {
    for (let i = this.failures.length - 1; i >= 0; i--) {
      const failure = this.failures[i]!;
      if (failure.id === id && failure.phase === phase) {
        this.failures.splice(i, 1);
        return;
      }
    }
  }
}


function setEta(snap: { etaMs?: number; etaLowMs?: number; etaHighMs?: number }, eta: EtaEstimate): void {
  snap.etaMs = eta.etaMs;
  snap.etaLowMs = eta.lowMs;
  snap.etaHighMs = eta.highMs;
}

/** The peaks so far, with one more sample. */
function peaksWith(peaks: ResourcePeaks | undefined, sample: ResourcesEvent): ResourcePeaks {
  const next: ResourcePeaks = {
    peakRssBytes: Math.max(peaks?.peakRssBytes ?? 0, sample.rssBytes),
    peakCpuPercent: Math.max(peaks?.peakCpuPercent ?? 0, sample.cpuPercent),
    cpuSeconds: Math.max(peaks?.cpuSeconds ?? 0, sample.cpuSeconds),
  };
  const disk = sample.diskDeltaBytes ?? peaks?.diskDeltaBytes;
  if (disk !== undefined) {
    next.diskDeltaBytes = disk;
    next.peakDiskDeltaBytes = Math.max(peaks?.peakDiskDeltaBytes ?? disk, disk);
  }
  return next;
}

function agentSnapshot(agent: AgentState, usage: TreeUsage | undefined): AgentSnapshot {
  const snap: AgentSnapshot = { id: agent.id, status: agent.status };
  if (agent.pid !== undefined) snap.pid = agent.pid;
  if (usage !== undefined) snap.usage = { ...usage };
  if (agent.phase !== undefined) snap.phase = agent.phase;
  if (agent.item !== undefined) snap.item = agent.item;
  if (agent.itemSinceMs !== undefined) snap.itemSinceMs = agent.itemSinceMs;
  if (agent.step !== undefined) snap.step = { ...agent.step };
  if (agent.retry !== undefined) snap.retry = { ...agent.retry };
  if (agent.last !== undefined) snap.last = agent.last;
  if (agent.lastRetry !== undefined) snap.lastRetry = { ...agent.lastRetry };
  if (agent.done > 0) snap.done = agent.done;
  if (agent.timed > 0) snap.avgItemMs = agent.itemMs / agent.timed;
  return snap;
}

/** An item's key across phases (length-prefixed, so no phase and id pair reads as another). */
function itemKey(phase: string | undefined, id: string): string {
  return phase === undefined ? `-${id}` : `${phase.length}:${phase}${id}`;
}
