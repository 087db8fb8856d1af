// Writes to prog's stdout/stderr that survive the reader going away: EPIPE (`prog run … | head`)
// and EIO (a hung-up terminal) close the sink instead of crashing prog. A slow reader is felt as
// backpressure (`congested`): the run stops reading the child until the queue drains, so memory
// stays bounded and the child waits for the reader just as it would without prog; prog's event
// loop stays free to handle signals meanwhile.
import type { Writable } from 'node:stream';

export class TerminalOutput {
  readonly #stream: Writable;
  #closed = false;
  #hungUp = false;
  #onClose?: () => void;

  constructor(stream: Writable) {
    this.#stream = stream;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EIO') this.#hungUp = true;
      this.#close();
    });
  }

  /** The terminal behind this output hung up (a write failed with EIO, or close() on SIGHUP). */
  get hungUp(): boolean {
    return this.#hungUp;
  }

  /** The terminal went away: writes are dropped from now on, and nothing waits for them. */
  close(): void {
    this.#hungUp = true;
    this.#closed = true;
  }

  /** More is queued than the reader has taken: stop producing until drained(). */
  get congested(): boolean {
    return !this.#closed && this.#stream.writableNeedDrain;
  }

  /** Resolves when everything written so far has been handed to the OS (or the reader is gone). */
  drained(): Promise<void> {
    if (this.#closed || this.#stream.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#stream.off('drain', done);
        this.#stream.off('error', done);
        resolve();
      };
      this.#stream.once('drain', done);
      this.#stream.once('error', done);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Called once when the reader goes away (prog then stops the child's matching stream). */
  onClose(callback: () => void): void {
    this.#onClose = callback;
  }

  write(data: string | Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#stream.write(data);
    } catch {
      this.#close();
    }
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose?.();
  }
}

let stdout: TerminalOutput | undefined;
let stderr: TerminalOutput | undefined;
/** While a view that draws on stderr is built: what it takes for stdout. */
let standIn: TerminalOutput | undefined;

export function terminalStdout(): TerminalOutput {
  return standIn ?? (stdout ??= new TerminalOutput(process.stdout));
}

export function terminalStderr(): TerminalOutput {
  return (stderr ??= new TerminalOutput(process.stderr));
}

/**
 * Builds the live view to draw on stderr, the terminal, while stdout goes to a pipe or a file
 * (`prog run -- make | tee log`, as pv and docker buildx do). The rich view draws on what it knows
 * as stdout (rich/rich-view.ts): while it is built, terminalStdout() is the terminal on stderr (the
 * view keeps that output; load-view.ts makes its colour stderr's), and from then on process.stdout,
 * which is no terminal, reports stderr's size and passes on its resizes: the only terminal facts
 * the view reads later. The command's stdout bytes never go through that view (load-view.ts sends
 * them on). (A `terminal` the rich view took from its options would make this unnecessary.)
 */
export function buildOnStderr<T>(build: () => T): T {
  const out = process.stdout;
  const err = process.stderr;
  if (!out.isTTY && !Object.prototype.hasOwnProperty.call(out, 'columns')) {
    Object.defineProperty(out, 'columns', { configurable: true, get: () => err.columns });
    Object.defineProperty(out, 'rows', { configurable: true, get: () => err.rows });
    err.on('resize', () => out.emit('resize'));
  }
  standIn = terminalStderr();
  try {
    return build();
  } finally {
    standIn = undefined;
  }
}
