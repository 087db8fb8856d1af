// Writes to prog's stdout/stderr that survive the reader going away: EPIPE (`prog run … | head`)
// and EIO (a hung-up terminal) close the sink instead of crashing prog.
import type { Writable } from 'node:stream';

export class TerminalOutput {
  readonly #stream: Writable;
  #closed = false;
  #onClose?: () => void;

  constructor(stream: Writable) {
    this.#stream = stream;
    stream.on('error', () => this.#close());
    blockOnPipe(stream);
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

/**
 * Node writes to a pipe without blocking and queues what the pipe cannot take yet; `process.exit`
 * then drops that queue (the tail of a large output is lost), and a slow reader makes the queue grow
 * without bound. A blocking pipe writes every byte before `write` returns, as terminals and files
 * already do in Node: prog then waits for its reader exactly as the child would without prog.
 */
function blockOnPipe(stream: Writable): void {
  const handle = (stream as Writable & { _type?: string; _handle?: { setBlocking?: (on: boolean) => number } });
  if (handle._type !== 'pipe') return;
  handle._handle?.setBlocking?.(true);
}

let stdout: TerminalOutput | undefined;
let stderr: TerminalOutput | undefined;

export function terminalStdout(): TerminalOutput {
  return (stdout ??= new TerminalOutput(process.stdout));
}

export function terminalStderr(): TerminalOutput {
  return (stderr ??= new TerminalOutput(process.stderr));
}
