// The rich terminal view: a live tree (workflow, phases with bars and ETAs, one row per active
// agent) kept at the bottom of the terminal while the child's output scrolls above it. At most
// ten frames a second whatever the event rate; each frame costs the same with 10 or 10 000
// finished items, because rows are made from the snapshot and cut to the terminal's height.
import { Chalk, type ChalkInstance } from 'chalk';
import type { ProgEvent, SignalEvent, StreamName } from '../../events.js';
import type { Snapshot, Summary } from '../../model/snapshot.js';
import { colorLevel } from '../color.js';
import { terminalStderr, terminalStdout, type TerminalOutput } from '../terminal-output.js';
import type { ProgressReader, View, ViewOptions } from '../view.js';
import { FrameWriter, type FrameLine, type TerminalSize } from './frame-writer.js';
import { ListrTree } from './listr-tree.js';
import { agentLines, headerText, ICONS, phaseState, phaseTitle, SPINNER, type RowState } from './rows.js';
import { summaryLines } from '../summary-lines.js';
import { textWidth } from './text-width.js';

const FRAME_MS = 100;
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
        this.#tree.add(event.id);
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
        if (event.phase !== undefined) this.#tree.add(event.phase);
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
    await this.#tree.close(summary.status === 'ok' ? 'ok' : 'failed');
    const lines = this.#lines(snapshot, Number.MAX_SAFE_INTEGER);
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
    this.#frame.draw(this.#lines(this.#model.snapshot(this.#options.clock?.()), terminalSize().rows - 1));
  }

  /** The frame: header, then each phase (a listr2 task) with its agents, within `height` lines. */
  #lines(snapshot: Snapshot, height: number): FrameLine[] {
    const c = this.#c;
    const lines: FrameLine[] = [];
    const pending = this.#frame.pendingLine;
    if (pending !== undefined) lines.push({ text: pending });
    const running = snapshot.status === 'running';
    const headIcon = running ? SPINNER[this.#frameNo % SPINNER.length]! : snapshot.status === 'ok' ? ICONS.ok : ICONS.failed;
    let head = `${headIcon} ${headerText(snapshot, this.#options.title ?? 'run')}`;
    if (this.#signal && running) head += ` · ${this.#signal.signal}: ${this.#signal.action === 'forwarded' || this.#signal.action === 'delivered' ? 'waiting for the command to stop (again to kill)' : 'killing'}`;
    this.#tree.set(undefined, head);
    lines.push({ text: head, style: (t) => c.bold(this.#paintIcon(t, running ? 'running' : snapshot.status === 'ok' ? 'ok' : 'failed')) });

    const phases = new Map(snapshot.phases.map((p) => [p.id, p]));
    const nameWidth = Math.min(24, Math.max(0, ...snapshot.phases.map((p) => textWidth(p.name))));
    const runningPhases = snapshot.phases.filter((p) => p.status === 'running');
    const phaseRows = this.#tree.renderer?.rows().slice(1) ?? [];
    let budget = height - lines.length - phaseRows.length;
    const agentsPerPhase = runningPhases.length === 0 ? 0 : Math.max(0, Math.floor(budget / runningPhases.length));
    const loose = snapshot.agents.filter((a) => a.phase === undefined || !phases.has(a.phase));

    for (const [index, phase] of snapshot.phases.entries()) {
      const row = phaseRows[index];
      const state: RowState = row?.state ?? phaseState(phase);
      const agents = phase.status === 'running'
        ? agentLines([...snapshot.agents.filter((a) => a.phase === phase.id), ...(runningPhases[0] === phase ? loose : [])], Math.min(agentsPerPhase, budget), snapshot.tMs)
        : [];
      budget -= agents.length;
      const title = phaseTitle(phase, nameWidth, this.#frameNo);
      const output = agents.map((a) => `${a.state === 'running' ? SPINNER[this.#frameNo % SPINNER.length] : ICONS[a.state]} ${a.text}`);
      this.#tree.set(phase.id, title, output.join('\n'));
      lines.push({ text: `${ICONS[state]} ${title}`, style: (t) => this.#paintIcon(t, state) });
      for (const [i, text] of output.entries()) {
        const agentState = agents[i]!.state;
        lines.push({ text: `  ${text}`, style: (t) => this.#paintIcon(t, agentState, 2) });
      }
    }
    return lines.slice(0, Math.max(1, height));
  }

  /** Colours the state icon at `at`; the icon's shape carries the meaning, colour only helps. */
  #paintIcon(text: string, state: RowState, at = 0): string {
    const c = this.#c;
    const paint = state === 'ok' ? c.green : state === 'failed' ? c.red : state === 'retrying' ? c.yellow
      : state === 'running' ? c.cyan : c.dim;
    const end = at + 1;
    return text.slice(0, at) + paint(text.slice(at, end)) + text.slice(end);
  }
}

function terminalSize(): TerminalSize {
  return { columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 };
}
