// The full-screen terminal UI (`--format tui`): the run's header, its phase tree, its agents and
// its log on the alternate screen, with keys to select, filter, scroll and copy. A consumer like
// every view: it counts nothing; it shows the model's snapshots and keeps the lines the events
// bring (log-buffer.ts). Events and keys only schedule a frame; one frame then shows all that came
// (the run's news at most 4 a second, keys within 10 a second), rows diffed by screen.ts.
import { Chalk, type ColorSupportLevel } from 'chalk';
import type { ProgEvent, SignalEvent } from '../../events.js';
import { emptyCounts, type Snapshot, type Summary } from '../../model/snapshot.js';
import { colorLevel } from '../color.js';
import type { Field } from '../rich/rows.js';
import { summaryLines } from '../summary-lines.js';
import { terminalStderr } from '../terminal-output.js';
import type { ProgressReader, View, ViewOptions } from '../view.js';
import { handleKey, type Action, type ControlContext } from './controls.js';
import { drawFrame, type Frame } from './frame.js';
import { KeyDecoder } from './keys.js';
import { LogBuffer, type SourceFilter } from './log-buffer.js';
import { agentItems } from './panes/agents.js';
import { ResourceHistory } from './panes/header.js';
import { entryText } from './panes/log.js';
import { itemText } from './panes/list.js';
import { phaseItems, phaseTree } from './panes/phases.js';
import { Screen } from './screen.js';
import { TerminalMode } from './terminal-mode.js';
import { theme, type Theme } from './theme.js';
import { initialState, logFilter, type UiState } from './ui-state.js';

export interface TuiOptions extends ViewOptions {
  runId: string;
  /** A TTY: the view puts it in raw mode and reads keys; restores it on leave/finish/detach. */
  input: NodeJS.ReadStream;
  /** A TTY: the alternate screen is drawn here. */
  output: NodeJS.WriteStream;
  /** `q`: leave the TUI (screen restored) — the caller exits 0 and the run goes on. */
  onLeave(): void;
  /** Ctrl-C, confirmed in the TUI: the caller stops the run and keeps following until it ends. */
  onStop(): void;
  /** The terminal's colours, when `output` is not the terminal itself (remote-tui.ts). */
  colorLevel?: ColorSupportLevel;
  /**
   * A throw in what the view does on its own (frames on timers, keys, resizes): given here instead
   * of ending the process, where the view lives beside the run it shows (remote-tui.ts).
   */
  onError?(error: unknown): void;
}

/** A key is answered at once, unless a frame went out less than this ago (at most 10 frames a second). */
const FRAME_MS = 100;
/**
 * What the run sends is drawn at most this often, and `prog attach` reads the run's files as often:
 * a frame costs more (drawing, and the terminal's write) than the eye gains above 4 a second.
 */
const DATA_FRAME_MS = 250;
/** With nothing new only the clocks (whole seconds) and the spinner move: two frames a second keep them going. */
const IDLE_FRAME_MS = 500;
/** An escape sequence not finished within this is what it is (a lone ESC is the Escape key). */
const ESCAPE_WAIT_MS = 40;
/** Widths for copy mode, where nothing is cut. */
const UNCUT = 10_000;

export class TuiView implements View {
  readonly wantsLines = true;
  readonly followMs = DATA_FRAME_MS;
  readonly #options: TuiOptions;
  readonly #theme: Theme;
  readonly #chalk: InstanceType<typeof Chalk>;
  readonly #screen: Screen;
  readonly #mode: TerminalMode;
  readonly #keys = new KeyDecoder();
  readonly #log = new LogBuffer();
  readonly #history = new ResourceHistory();
  readonly #state: UiState = initialState();
  /** The next frame: one timer, set for the soonest thing due (news, a key, or the clocks). */
  #timer?: NodeJS.Timeout;
  #timerAt = Infinity;
  /** A frame asked for as soon as the events being handled now are all in (setImmediate). */
  #immediate?: NodeJS.Immediate;
  #escapeTimer?: NodeJS.Timeout;
  #model?: ProgressReader;
  #signal?: SignalEvent;
  #frame?: Frame;
  #snapshot?: Snapshot;
  #frameNo = 0;
  #drawnAt = 0;
  #closed = false;

  constructor(options: TuiOptions) {
    this.#options = options;
    this.#chalk = new Chalk({ level: options.colorLevel ?? colorLevel(options.output) });
    this.#theme = theme(this.#chalk);
    this.#screen = new Screen(options.output);
    this.#mode = new TerminalMode(options.input, options.output, (bytes) => this.#guard(() => this.#onKeys(bytes)));
    this.#mode.start();
    this.#screen.enter();
    this.#mode.alternate = true;
    this.#schedule(0);
    options.output.on('resize', this.#onResize);
  }

  /** Frames that changed the screen, and bytes written: for tests and the benchmark. */
  get stats(): { frames: number; bytes: number } {
    return { frames: this.#screen.frames, bytes: this.#screen.bytes };
  }

  /** The lines come as `output` events; the raw bytes are not shown. */
  output(): void {}

  event(event: ProgEvent, model: ProgressReader): void {
    this.#model = model;
    this.#schedule(DATA_FRAME_MS);
    this.#log.event(event);
    if (event.type === 'resources') this.#history.add(event);
    else if (event.type === 'signal') this.#signal = event;
  }

  tick(): void {}

  finish(summary: Summary): void {
    this.#close();
    this.#write(summaryLines(summary, this.#chalk, this.#options.recordDir).map((line) => `${line}\n`).join(''));
  }

  detach(message: string): void {
    this.#close();
    terminalStderr().write(`${this.#chalk.dim(`prog: ${message}`)}\n`);
  }

  /** Stops drawing and gives the terminal back, saying nothing (its prog has gone). */
  close(): void {
    this.#close();
  }

  readonly #onResize = (): void => {
    this.#guard(() => {
      this.#screen.invalidate();
      this.#draw();
    });
  };

  /** Runs what the view does on its own; a throw goes to onError when there is one. */
  #guard(work: () => void): void {
    if (!this.#options.onError) return work();
    try {
      work();
    } catch (error) {
      this.#options.onError(error);
    }
  }

  #onKeys(bytes: Buffer): void {
    if (this.#escapeTimer) clearTimeout(this.#escapeTimer);
    this.#escapeTimer = undefined;
    this.#act(this.#keys.push(bytes));
    if (this.#keys.pending && !this.#closed) {
      this.#escapeTimer = setTimeout(() => this.#guard(() => this.#act(this.#keys.flush())), ESCAPE_WAIT_MS);
    }
  }

  #act(keys: ReturnType<KeyDecoder['push']>): void {
    for (const key of keys) {
      if (this.#closed) return;
      const action = handleKey(this.#state, key, this.#context());
      if (action) this.#do(action);
    }
    this.#schedule(FRAME_MS);
  }

  /**
   * A frame once `gap` ms have passed since the last one: at once (after the events being handled
   * now) when they have, else by a timer — never sooner than one already set.
   */
  #schedule(gap: number): void {
    if (this.#closed || this.#immediate) return;
    const at = this.#drawnAt + gap;
    // A frame already set for sooner: the common case, one event of thousands, decided without a clock.
    if (at >= this.#timerAt) return;
    if (at <= performance.now()) {
      this.#immediate = setImmediate(() => {
        this.#immediate = undefined;
        this.#guard(() => this.#draw());
      });
      return;
    }
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#guard(() => this.#draw()), at - performance.now());
    this.#timer.unref();
  }

  #do(action: Action): void {
    switch (action) {
      case 'leave':
        this.#close();
        this.#options.onLeave();
        break;
      case 'stop':
        this.#options.onStop();
        break;
      case 'copy':
        this.#screen.leave();
        this.#mode.alternate = false;
        this.#write(this.#copyText());
        break;
      case 'return':
        this.#screen.enter();
        this.#mode.alternate = true;
        break;
    }
  }

  #context(): ControlContext {
    return {
      ids: (pane) => (this.#frame?.[pane] ?? []).map((item) => item.id),
      log: () => this.#log.view(logFilter(this.#state)),
      logRows: () => Math.max(1, (this.#frame?.layout?.log.height ?? 2) - 1),
      sources: () => {
        const agents = (this.#snapshot?.agents ?? []).map((a): SourceFilter => ({ kind: 'agent', id: a.id }));
        return [{ kind: 'all' }, ...agents, { kind: 'stream', stream: 'stdout' }, { kind: 'stream', stream: 'stderr' }];
      },
    };
  }

  #draw(): void {
    clearTimeout(this.#timer);
    this.#timerAt = Infinity;
    if (this.#closed || !this.#screen.active) return;
    this.#drawnAt = performance.now();
    // With nothing new, the clocks and the spinner still move.
    this.#schedule(IDLE_FRAME_MS);
    this.#frameNo++;
    const { columns, rows } = this.#size();
    const snapshot = this.#model?.snapshot(this.#options.clock?.()) ?? emptySnapshot();
    this.#snapshot = snapshot;
    this.#frame = drawFrame({
      columns, rows, state: this.#state, theme: this.#theme,
      header: { snapshot, title: this.#options.title ?? 'run', runId: this.#options.runId, frame: this.#frameNo, history: this.#history, ...this.#signalField() },
      log: this.#log.view(logFilter(this.#state)),
    });
    this.#screen.draw(this.#frame.rows);
  }

  #size(): { columns: number; rows: number } {
    return { columns: this.#options.output.columns || 80, rows: this.#options.output.rows || 24 };
  }

  /** What the header says of a stop under way: the run's own signal handling, or the request from here. */
  #signalField(): { signal?: Field } {
    const signal = this.#signal;
    if (signal) {
      const waiting = signal.action === 'forwarded' || signal.action === 'delivered';
      return { signal: { full: `${signal.signal}: ${waiting ? 'stopping, waiting for the command to end' : 'killing'}`, short: `${signal.signal}: ${waiting ? 'stopping…' : 'killing'}` } };
    }
    return this.#state.stopping ? { signal: { full: 'stopping…', short: 'stopping…' } } : {};
  }

  /** The focused pane's whole text, plain: for the terminal's own selection and scrollback. */
  #copyText(): string {
    const snapshot = this.#snapshot ?? emptySnapshot();
    const { focus } = this.#state;
    let lines: string[];
    if (focus === 'phases') lines = phaseItems(phaseTree(snapshot.phases), UNCUT, 0, this.#theme).map(itemText);
    else if (focus === 'agents') lines = agentItems(snapshot.agents, UNCUT, snapshot.tMs, this.#theme).map(itemText);
    else lines = this.#log.view(logFilter(this.#state)).map(entryText);
    const rule = (text: string) => this.#chalk.dim(`── ${text} ──`);
    return [rule(`prog: the ${focus} pane, as text`), ...lines, rule('copy mode: select and scroll with your terminal; any key returns to the TUI'), ''].join('\n');
  }

  #write(text: string): void {
    try {
      this.#options.output.write(text);
    } catch {
      // The terminal is gone.
    }
  }

  /** Stops drawing and reading keys, and gives the terminal back as it was. */
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    if (this.#escapeTimer) clearTimeout(this.#escapeTimer);
    this.#options.output.off('resize', this.#onResize);
    this.#screen.leave();
    this.#mode.alternate = false;
    this.#mode.dispose();
  }
}

function emptySnapshot(): Snapshot {
  return { type: 'snapshot', tMs: 0, status: 'running', elapsedMs: 0, counts: emptyCounts(), phases: [], agents: [], invalidMarkers: 0 };
}
