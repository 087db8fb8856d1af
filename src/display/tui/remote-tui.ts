// The TUI drawn by the prog that records the run (`prog run --format tui`): the same TuiView, fed by
// the run's own model and event stream like any view, with the terminal at the other end of the
// channel (channel.ts) — keys and sizes come in, frames go out. When the terminal goes (`q`, or the
// foreground prog ended), the view stops drawing and the run goes on, recorded as ever.
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import type { ColorSupportLevel } from 'chalk';
import type { ProgEvent } from '../../events.js';
import type { Summary } from '../../model/snapshot.js';
import type { ProgressReader, View, ViewOptions } from '../view.js';
import { echoWarnings, warnOnce } from '../../diagnostics.js';
import { ChannelDecoder, encode, type ChannelMessage } from './channel.js';
import { SYNC_START } from './screen.js';
import { TuiView } from './tui-view.js';

/** The terminal's size and colour when the recorder starts, before the first message (env, from relay.ts). */
export interface RemoteScreen {
  columns: number;
  rows: number;
  colorLevel: ColorSupportLevel;
}

/** How long the run's end waits for the summary to reach the terminal's prog. */
const FLUSH_MS = 2000;
/**
 * Bytes the terminal's prog may be behind before frames are skipped (a stalled terminal, a stopped
 * prog): the recorder's memory stays bounded, and the whole screen is drawn again once it catches up.
 */
const MAX_BACKLOG = 256 * 1024;

/**
 * What the TUI takes for its terminal: the size and resizes the far end reports, and writes that go
 * straight onto the socket, so they and the control messages after them arrive in order.
 */
class RemoteOutput extends EventEmitter {
  readonly isTTY = true;
  columns: number;
  rows: number;
  readonly #socket: Socket;
  #skipped = false;

  constructor(socket: Socket, columns: number, rows: number) {
    super();
    this.#socket = socket;
    this.columns = columns;
    this.rows = rows;
    socket.on('drain', () => {
      if (!this.#skipped) return;
      this.#skipped = false;
      // The TUI draws every row again, as after a resize.
      this.emit('resize');
    });
  }

  resize(columns: number, rows: number): void {
    if (columns === this.columns && rows === this.rows) return;
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }

  write(data: string | Uint8Array): boolean {
    if (this.#socket.destroyed) return true;
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    // Only frames are skipped: entering and leaving the screen, the summary and copy mode's text always go.
    if (this.#socket.writableLength > MAX_BACKLOG && bytes.subarray(0, SYNC_START.length).toString('latin1') === SYNC_START) {
      this.#skipped = true;
      return false;
    }
    return this.#socket.write(encode({ kind: 'out', bytes }));
  }

  /** A control message, after every byte written before it. */
  send(message: ChannelMessage, sent?: () => void): void {
    if (this.#socket.destroyed) {
      sent?.();
      return;
    }
    this.#socket.write(encode(message), () => sent?.());
  }
}

export class RemoteTuiView implements View {
  readonly wantsLines = true;
  readonly #socket: Socket;
  readonly #output: RemoteOutput;
  /** Undefined once the terminal is gone: the run goes on without a view. */
  #tui?: TuiView;

  constructor(options: ViewOptions & { runId: string }, fd: number, screen: RemoteScreen) {
    this.#socket = new Socket({ fd, readable: true, writable: true });
    this.#output = new RemoteOutput(this.#socket, screen.columns, screen.rows);
    const input = new PassThrough();
    const decoder = new ChannelDecoder();
    this.#socket.on('data', (chunk: Buffer) => {
      try {
        for (const message of decoder.push(chunk)) {
          if (message.kind === 'keys') input.write(message.bytes);
          else if (message.kind === 'size') this.#output.resize(message.columns, message.rows);
        }
      } catch (error) {
        this.#failed(error);
      }
    });
    this.#socket.on('error', () => this.#gone());
    this.#socket.on('close', () => this.#gone());
    this.#tui = new TuiView({
      ...options,
      input: input as unknown as NodeJS.ReadStream,
      output: this.#output as unknown as NodeJS.WriteStream,
      colorLevel: screen.colorLevel,
      onLeave: () => {
        // The TUI has given the screen back: those bytes are on the socket ahead of this.
        this.#tui = undefined;
        echoWarnings(undefined);
        this.#output.send({ kind: 'leave' }, () => this.#socket.end());
      },
      // As Ctrl-C in the run's own terminal: the run's signal handling passes it on and escalates.
      onStop: () => process.kill(process.pid, 'SIGINT'),
      // The run must never end because its view failed: the TUI goes, the recording goes on.
      onError: (error) => this.#failed(error),
    });
    // Warnings go to detached.log, and to the terminal's prog, which prints them once the TUI is off the screen.
    echoWarnings((line) => this.#output.send({ kind: 'warn', text: line }));
  }

  output(): void {}

  event(event: ProgEvent, model: ProgressReader): void {
    try {
      this.#tui?.event(event, model);
    } catch (error) {
      this.#failed(error);
    }
  }

  tick(): void {}

  async finish(summary: Summary): Promise<void> {
    const tui = this.#tui;
    if (!tui) return;
    this.#tui = undefined;
    try {
      tui.finish(summary);
    } catch (error) {
      this.#failed(error);
      return;
    }
    // The summary and `done` reach the terminal's prog before the run's end lets this prog exit (it
    // may still export); should that prog be stalled, it tells the end from run.json instead.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FLUSH_MS);
      this.#output.send({ kind: 'done' }, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The TUI threw: said once in the recorder's log; the terminal's prog gives the screen back. */
  #failed(error: unknown): void {
    warnOnce('tui', `the TUI stopped (${error instanceof Error ? error.message : String(error)}); the run goes on, recorded`);
    this.#gone();
  }

  /** The terminal's prog ended or the channel broke: stop drawing, let the run go on. */
  #gone(): void {
    echoWarnings(undefined);
    const tui = this.#tui;
    this.#tui = undefined;
    try {
      tui?.close();
    } catch {
      // Closing writes to a socket that is going anyway.
    }
    this.#socket.destroy();
  }
}

/** The screen relay.ts described in the recorder's environment (80×24 without colour if it did not). */
export function remoteScreen(env: NodeJS.ProcessEnv): RemoteScreen {
  const [columns, rows] = (env.PROG_TUI_SIZE ?? '').split('x').map(Number);
  const level = Number(env.PROG_TUI_COLOR);
  const colorLevel = ([0, 1, 2, 3].includes(level) ? level : 0) as ColorSupportLevel;
  if (!Number.isInteger(columns) || !Number.isInteger(rows) || columns! <= 0 || rows! <= 0) return { columns: 80, rows: 24, colorLevel };
  return { columns: columns!, rows: rows!, colorLevel };
}
