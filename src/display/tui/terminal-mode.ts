// The terminal's modes while the TUI owns it: keys read raw (Ctrl-C arrives as a byte, not as
// SIGINT) and the alternate screen drawn. Whatever way prog ends, the terminal is given back: by
// restore() on every orderly path, and by a synchronous write on process 'exit' as the last resort
// (a crash, a process.exit elsewhere), so no shell is ever left without echo or cursor.
import { writeSync } from 'node:fs';
import { RESTORE } from './screen.js';

export class TerminalMode {
  readonly #input: NodeJS.ReadStream;
  readonly #output: NodeJS.WriteStream;
  readonly #onData: (bytes: Buffer) => void;
  #raw = false;
  #screen = false;

  constructor(input: NodeJS.ReadStream, output: NodeJS.WriteStream, onData: (bytes: Buffer) => void) {
    this.#input = input;
    this.#output = output;
    this.#onData = onData;
    process.on('exit', this.#onExit);
  }

  /** Reads keys raw. */
  start(): void {
    if (this.#raw) return;
    this.#raw = true;
    if (this.#input.isTTY) this.#input.setRawMode(true);
    this.#input.on('data', this.#onData);
    this.#input.resume();
  }

  /** The screen is the alternate one: restore must leave it. */
  set alternate(on: boolean) {
    this.#screen = on;
  }

  /** Keys cooked again and no longer read (so the process may end); the screen is the caller's. */
  stop(): void {
    if (!this.#raw) return;
    this.#raw = false;
    this.#input.off('data', this.#onData);
    if (this.#input.isTTY) {
      try {
        this.#input.setRawMode(false);
      } catch {
        // The terminal is gone.
      }
    }
    this.#input.pause();
  }

  /** Everything back as it was, for good. */
  dispose(): void {
    this.stop();
    process.off('exit', this.#onExit);
  }

  readonly #onExit = (): void => {
    if (this.#screen) {
      try {
        writeSync((this.#output as { fd?: number }).fd ?? 1, RESTORE);
      } catch {
        // Nothing to restore on.
      }
    }
    if (this.#raw && this.#input.isTTY) {
      try {
        this.#input.setRawMode(false);
      } catch {
        // Nothing to restore.
      }
    }
  };
}
