// The rich terminal view: a live tree (workflow, phases with bars and ETAs, one row per active
// agent; a tool's phase inside a CI group indented under it) kept at the bottom of the terminal
// while the child's output scrolls above it. At most
// ten frames a second whatever the event rate; each frame costs the same with 10 or 10 000
// finished items, because rows are made from the snapshot and cut to the terminal's height.
import { Chalk, type ChalkInstance } from 'chalk';
import type { ProgEvent, SignalEvent, StreamName } from '../../events.js';
import type { PhaseSnapshot, Snapshot, Summary } from '../../model/snapshot.js';
import { colorLevel } from '../color.js';
import { terminalStderr, terminalStdout, type TerminalOutput } from '../terminal-output.js';
import type { ProgressReader, View, ViewOptions } from '../view.js';
import { FrameWriter, type FrameLine, type TerminalSize } from './frame-writer.js';
import { ListrTree } from './listr-tree.js';
import {
  agentBlock, foldPhases, headerLines, ICONS, logText, morePhasesText, phaseState, phaseTitle, SPINNER, type Field, type PhaseRow, type RowState,
} from './rows.js';
import { summaryLines } from '../summary-lines.js';
import { textWidth } from './text-width.js';

const FRAME_MS = 100;
/** Most warn/error log lines shown over the phases. */
const LOG_ROWS = 3;
/** With nothing new, only the clocks and spinners move: a frame every 250 ms is enough for them. */
const IDLE_FRAME_MS = 250;

export class RichView implements View {
  readonly wantsLines = false;
  readonly #out: Record<StreamName, TerminalOutput> = { stdout: terminalStdout(), stderr: terminalStderr() };
  readonly #c: ChalkInstance;
  readonly #frame: FrameWriter;
  readonly #tree = new ListrTree();
  readonly #options: ViewOptions;
  readonly #timer: NodeJS.Timeout;
  #model?: ProgressReader;
  #signal?: SignalEvent;
  #frameNo = 0;
  #stale = true;
  #drawnAt = 0;

  constructor(options: ViewOptions) {
    this.#options = options;
    this.#c = new Chalk({ level: colorLevel(process.stdout) });
    this.#frame = new FrameWriter(this.#out.stdout, terminalSize);
    // One clock for every change: events only mark the frame stale, the timer draws it.
    this.#timer = setInterval(() => {
      if (this.#stale || this.#frame.hasQueued || performance.now() - this.#drawnAt >= IDLE_FRAME_MS) this.#draw();
    }, FRAME_MS);
    this.#timer.unref();
    process.stdout.on('resize', this.#onResize);
  }

  output(stream: StreamName, bytes: Buffer): void {
    this.#frame.output((b) => this.#out[stream].write(b), bytes);
    // An unfinished line is shown in the frame: the next frame carries its new state.
    if (this.#frame.pendingLine !== undefined) this.#stale = true;
  }

  event(event: ProgEvent, model: ProgressReader): void {
    this.#model = model;
    this.#stale = true;
    switch (event.type) {
      case 'run.start':
        // Above the frame, once: where the run can be followed from if this terminal goes away.
        this.#frame.output((b) => this.#out.stderr.write(b), Buffer.from(this.#c.dim(this.#options.recordDir === undefined ? `prog: run ${event.id} · not recorded` : `prog: run ${event.id} · prog attach ${event.id} follows it from another terminal`) + '\n'));
        break;
      case 'phase':
        this.#tree.add(event.id, event.parent ?? model.phase(event.id)?.parent);
        break;
      case 'phase.end':
        this.#tree.end(event.id, event.status);
        break;
      case 'item.start':
      case 'item.done':
      case 'item.fail':
      case 'item.skip':
      case 'progress':
      case 'step':
        if (event.phase !== undefined) this.#tree.add(event.phase, model.phase(event.phase)?.parent);
        break;
      case 'signal':
        this.#signal = event;
        break;
      default:
        break;
    }
  }

  tick(): void {}

  async finish(summary: Summary, snapshot: Snapshot): Promise<void> {
    clearInterval(this.#timer);
    process.stdout.off('resize', this.#onResize);
    for (const phase of snapshot.phases) {
      if (phase.status !== 'running') this.#tree.end(phase.id, phase.status);
    }
    // listr2 settles its tasks' states asynchronously: the final frame waits for the truth.
    await this.#tree.close(summary.status === 'ok' ? 'ok' : summary.status === 'interrupted' ? 'interrupted' : 'failed');
    const lines = this.#lines(snapshot, Number.MAX_SAFE_INTEGER, terminalSize().columns);
    this.#frame.end((b) => this.#out.stdout.write(b), lines);
    const text = summaryLines(summary, this.#c, this.#options.recordDir).map((line) => `${line}\n`).join('');
    this.#out.stdout.write(text);
  }

  detach(message: string): void {
    clearInterval(this.#timer);
    process.stdout.off('resize', this.#onResize);
    this.#frame.end((b) => this.#out.stdout.write(b));
    this.#out.stderr.write(`${this.#c.dim(`prog: ${message}`)}\n`);
  }

  readonly #onResize = (): void => this.#draw();

  #draw(): void {
    if (!this.#model) return;
    this.#stale = false;
    this.#drawnAt = performance.now();
    this.#frameNo++;
    const { columns, rows } = terminalSize();
    this.#frame.draw(this.#lines(this.#model.snapshot(this.#options.clock?.()), rows - 1, columns));
  }

  /**
   * The frame within `height` lines of `columns` cells: the header (two lines when one cannot hold
   * it), the latest warn/error log lines, then the phases (listr2 tasks) with their agents. When the
   * phases do not fit, finished ones fold first into a `… N more phases` line that counts them.
   */
  #lines(snapshot: Snapshot, height: number, columns: number): FrameLine[] {
    const c = this.#c;
    const lines: FrameLine[] = [];
    const pending = this.#frame.pendingLine;
    if (pending !== undefined) lines.push({ text: pending });
    const running = snapshot.status === 'running';
    const headState: RowState = running ? 'running' : snapshot.status === 'ok' ? 'ok' : snapshot.status === 'interrupted' ? 'interrupted' : 'failed';
    const headIcon = running ? SPINNER[this.#frameNo % SPINNER.length]! : ICONS[headState];
    const head = headerLines(snapshot, this.#options.title ?? 'run', columns - 1, headIcon, running ? this.#signalText() : undefined);
    this.#tree.set(undefined, head.join('\n'));
    lines.push({ text: head[0]!, style: (t) => c.bold(this.#paintIcon(t, headState)) });
    for (const line of head.slice(1)) lines.push({ text: line, style: c.dim });

    const phases = new Map(snapshot.phases.map((p) => [p.id, p]));
    const rows = this.#rows(snapshot, phases);
    let room = height - lines.length;
    // Warnings and errors over the tree, while a few phase rows keep their place under them.
    const logs = snapshot.recentLogs ?? [];
    const logRows = Math.max(0, Math.min(LOG_ROWS, logs.length, room - Math.min(rows.length, 3) - 1));
    for (const log of logs.slice(logs.length - logRows)) {
      const state: RowState = log.level === 'error' ? 'failed' : 'warn';
      const phase = log.phase === undefined ? undefined : phases.get(log.phase)?.name;
      lines.push({ text: `${ICONS[state]} ${logText(log, phase)}`, style: (t) => this.#paintIcon(t, state) });
    }
    room -= logRows;

    const { shown, hidden } = foldPhases(rows, room);
    // Names line up across depths: a row indented by two has two cells less for its name.
    const nameWidth = Math.min(24, Math.max(0, ...shown.map(({ phase, depth }) => textWidth(phase.name) + 2 * depth)));
    const runningPhases = shown.filter((r) => r.phase.status === 'running').map((r) => r.phase);
    let budget = room - shown.length - (hidden.length > 0 ? 1 : 0);
    const agentsPerPhase = runningPhases.length === 0 ? 0 : Math.max(0, Math.floor(budget / runningPhases.length));
    // Agents of no phase go under the first running phase shown (those of a folded phase fold with it).
    const loose = snapshot.agents.filter((a) => a.phase === undefined || !phases.has(a.phase));

    for (const { phase, depth, state } of shown) {
      const agents = phase.status === 'running'
        ? agentBlock([...snapshot.agents.filter((a) => a.phase === phase.id), ...(runningPhases[0] === phase ? loose : [])], Math.min(agentsPerPhase, budget), snapshot.tMs)
        : [];
      budget -= agents.length;
      const title = phaseTitle(phase, Math.max(0, nameWidth - 2 * depth), this.#frameNo);
      const output = agents.map((a) => `${a.state === 'running' ? SPINNER[this.#frameNo % SPINNER.length] : ICONS[a.state]} ${a.text}`);
      this.#tree.set(phase.id, title, output.join('\n'));
      const indent = '  '.repeat(depth);
      lines.push({ text: `${indent}${ICONS[state]} ${title}`, style: (t) => this.#paintIcon(t, state, indent.length) });
      for (const [i, text] of output.entries()) {
        const agentState = agents[i]!.state;
        lines.push({ text: `${indent}  ${text}`, style: (t) => this.#paintIcon(t, agentState, indent.length + 2) });
      }
    }
    if (hidden.length > 0) lines.push({ text: `${ICONS.more} ${morePhasesText(hidden)}`, style: c.dim });
    // No phase at all: the agents stand under the header.
    if (rows.length === 0 && snapshot.agents.length > 0) {
      for (const agent of agentBlock(snapshot.agents, Math.max(0, height - lines.length), snapshot.tMs)) {
        lines.push({ text: `${agent.state === 'running' ? SPINNER[this.#frameNo % SPINNER.length] : ICONS[agent.state]} ${agent.text}`, style: (t) => this.#paintIcon(t, agent.state) });
      }
    }
    return lines.slice(0, Math.max(1, height));
  }

  /** What the header says of a signal being acted on, in a long and a short wording. */
  #signalText(): Field | undefined {
    const signal = this.#signal;
    if (!signal) return undefined;
    const waiting = signal.action === 'forwarded' || signal.action === 'delivered';
    return {
      full: `${signal.signal}: ${waiting ? 'waiting for the command to stop (again to kill)' : 'killing'}`,
      short: `${signal.signal}: ${waiting ? 'stopping (again to kill)' : 'killing'}`,
    };
  }

  /**
   * The phase rows in listr2's order (each group followed by its children, indented by depth), with
   * the state listr2 gives them. A phase listr2 has not started yet (for a moment) comes last.
   */
  #rows(snapshot: Snapshot, phases: Map<string, PhaseSnapshot>): PhaseRow[] {
    // Phases the view heard of only through the model (a resumed run's) get their task too.
    for (const phase of snapshot.phases) this.#tree.add(phase.id, phase.parent);
    const rows: PhaseRow[] = [];
    const shown = new Set<string>();
    for (const row of this.#tree.renderer?.rows() ?? []) {
      const phase = phases.get(row.id);
      if (!phase || shown.has(row.id)) continue;
      shown.add(row.id);
      // listr2 settles a task a moment after its phase ends (a group after its children): the model is the truth.
      const settling = phase.status !== 'running' && (row.state === 'running' || row.state === 'waiting');
      rows.push({ phase, depth: row.depth, state: settling ? phaseState(phase) : row.state });
    }
    for (const phase of snapshot.phases) {
      if (shown.has(phase.id)) continue;
      let depth = 0;
      for (let at = phase.parent; at !== undefined && depth < 8; at = phases.get(at)?.parent) depth++;
      rows.push({ phase, depth, state: phaseState(phase) });
    }
    return rows;
  }

  /** Colours the state icon at `at`; the icon's shape carries the meaning, colour only helps. */
  #paintIcon(text: string, state: RowState, at = 0): string {
    const c = this.#c;
    const paint = state === 'ok' ? c.green : state === 'failed' ? c.red : state === 'retrying' || state === 'interrupted' || state === 'warn' ? c.yellow
      : state === 'running' ? c.cyan : c.dim;
    const end = at + 1;
    return text.slice(0, at) + paint(text.slice(at, end)) + text.slice(end);
  }
}

function terminalSize(): TerminalSize {
  return { columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 };
}
