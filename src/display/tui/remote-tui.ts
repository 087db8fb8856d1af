// The TUI drawn by the prog that records the run (`prog run --format tui`): the same TuiView, fed by
// the run's own model and event stream like any view, with the terminal at the other end of the
// channel (channel.ts) — keys and sizes come in, frames go out. When the terminal goes (`q`, or the
// foreground prog ended), the view stops drawing and the run goes on, recorded as ever.
import { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import type { ColorSupportLevel } from 'chalk';
import type { ProgEvent } from '../../events.js';
import type { Summary } from '../../model/snapshot.js';
import type { ProgressReader, View, ViewOptions } from '../view.js';
import { ChannelDecoder, encode } from './channel.js';
import { TuiView } from './tui-view.js';

/** The terminal's size and colour when the recorder starts, before the first message (env, from relay.ts). */
export interface RemoteScreen {
  columns: number;
  rows: number;
  colorLevel: ColorSupportLevel;
}

/** How long the run's end waits for the summary to reach the terminal. */
const FLUSH_MS = 2000;

/** A write stream that looks like the terminal to the TUI: its size, its resizes, its bytes. */
class RemoteOutput extends Writable {
  readonly isTTY = true;
  columns: number;
  rows: number;
  readonly #socket: Socket;

  constructor(socket: Socket, columns: number, rows: number) {
    super({ decodeStrings: true });
    this.#socket = socket;
    this.columns = columns;
    this.rows = rows;
  }

  resize(columns: number, rows: number): void {
    if (columns === this.columns && rows === this.rows) return;
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.#socket.destroyed) return done();
    this.#socket.write(encode({ kind: 'out', bytes: chunk }), () => done());
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
      let messages;
      try {
        messages = decoder.push(chunk);
      } catch {
        this.#gone();
        return;
      }
      for (const message of messages) {
        if (message.kind === 'keys') input.write(message.bytes);
        else if (message.kind === 'size') this.#output.resize(message.columns, message.rows);
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
        // The TUI has given the screen back (its bytes are ahead of this on the socket).
        this.#tui = undefined;
        this.#socket.end(encode({ kind: 'leave' }));
      },
      // As Ctrl-C in the run's own terminal: the run's signal handling passes it on and escalates.
      onStop: () => process.kill(process.pid, 'SIGINT'),
    });
  }

  output(): void {}

  event(event: ProgEvent, model: ProgressReader): void {
    this.#tui?.event(event, model);
  }

  tick(): void {}

  async finish(summary: Summary): Promise<void> {
    const tui = this.#tui;
    if (!tui) return;
    this.#tui = undefined;
    tui.finish(summary);
    // The summary reaches the terminal before the run's end lets this prog exit; the socket closes
    // with the process, and the terminal's prog then reads the end from run.json.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FLUSH_MS);
      this.#output.write(Buffer.alloc(0), () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The terminal's prog ended or the channel broke: stop drawing, let the run go on. */
  #gone(): void {
    const tui = this.#tui;
    this.#tui = undefined;
    tui?.close();
    this.#socket.destroy();
  }
}

/** The screen relay.ts described in the recorder's environment, if this prog draws a TUI for one. */
export function remoteScreen(env: NodeJS.ProcessEnv): RemoteScreen | undefined {
  const [columns, rows] = (env.PROG_TUI_SIZE ?? '').split('x').map(Number);
  const level = Number(env.PROG_TUI_COLOR);
  if (!Number.isInteger(columns) || !Number.isInteger(rows) || columns! <= 0 || rows! <= 0) return undefined;
  return { columns: columns!, rows: rows!, colorLevel: ([0, 1, 2, 3].includes(level) ? level : 0) as ColorSupportLevel };
}
