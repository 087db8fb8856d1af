// The last few lines the user saw, so a failure can be shown with the output that led to it.
// Kept per chunk from the bytes passed through (markers already removed), never per line:
// the cost is a copy of at most a few KiB per chunk whatever the volume.
import { stripAnsi } from '../lines/ansi.js';

const KEEP_BYTES = 4096;

export class OutputTail {
  #bytes = Buffer.alloc(0);
  readonly #lines: number;

  constructor(lines = 5) {
    this.#lines = lines;
  }

  push(bytes: Buffer): void {
    if (bytes.length >= KEEP_BYTES) {
      this.#bytes = Buffer.from(bytes.subarray(bytes.length - KEEP_BYTES));
    } else {
      const kept = this.#bytes.subarray(Math.max(0, this.#bytes.length + bytes.length - KEEP_BYTES));
      this.#bytes = Buffer.concat([kept, bytes]);
    }
  }

  /** The last non-empty lines, colour codes removed; a `\r` redraw counts as its final state. */
  lines(): string[] {
    const text = this.#bytes.toString('utf8');
    const lines = text.split('\n').map((line) => stripAnsi(line.slice(line.lastIndexOf('\r', line.length - 2) + 1)).replace(/\r$/, ''));
    // The first line may be cut mid-way by the window: drop it unless it is all there is.
    if (this.#bytes.length >= KEEP_BYTES && lines.length > 1) lines.shift();
    return lines.filter((line) => line.trim() !== '').slice(-this.#lines);
  }
}
