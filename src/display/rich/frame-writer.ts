// Keeps a live frame at the bottom of the terminal while the child's output scrolls above it.
// Every frame is cut to the terminal's current width and height (so it never wraps or scrolls),
// drawn inside synchronized-output markers (no flicker on terminals that support them), and
// erased by counting the rows it really occupies at the current width (no fragments on resize).
// While a frame is on screen the child's output waits for the next frame (at most 100 ms, or
// until 256 KiB are waiting) and goes out with it in one update: the frame never blinks, and
// there are never more frames than the view draws.
import type { TerminalOutput } from '../terminal-output.js';
import { textWidth, truncate } from './text-width.js';

const SYNC_START = '\x1b[?2026h';
const SYNC_END = '\x1b[?2026l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
/** A line the child has not finished yet is held (and shown in the frame) up to this size. */
const MAX_HELD = 64 * 1024;
/** Output waiting for the next frame beyond this goes out at once, frame or not. */
const MAX_QUEUED = 256 * 1024;

export interface FrameLine {
  /** Plain text, no escapes: cut to width before it is styled. */
  text: string;
  style?: (text: string) => string;
}

export interface TerminalSize {
  columns: number;
  rows: number;
}

type Write = (bytes: Buffer) => void;

export class FrameWriter {
  readonly #out: TerminalOutput;
  readonly #size: () => TerminalSize;
  /** Cell widths of the lines on screen now; empty when no frame is drawn. */
  #drawn: number[] = [];
  #queue: { write: Write; bytes: Buffer }[] = [];
  #queued = 0;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #started = false;

  constructor(out: TerminalOutput, size: () => TerminalSize) {
    this.#out = out;
    this.#size = size;
  }

  /** The unfinished last line of the child's output, as it would look on screen now. */
  get pendingLine(): string | undefined {
    if (this.#heldBytes === 0) return undefined;
    const text = Buffer.concat(this.#held).toString('utf8');
    return text.slice(text.lastIndexOf('\r') + 1);
  }

  /** Output is waiting for the next frame. */
  get hasQueued(): boolean {
    return this.#queued > 0;
  }

  /** Takes the child's bytes: complete lines go above the frame, exactly; an unfinished line waits for its end. */
  output(write: Write, bytes: Buffer): void {
    const lastNewline = bytes.lastIndexOf(0x0a);
    if (lastNewline === -1 && this.#heldBytes + bytes.length <= MAX_HELD) {
      this.#held.push(bytes);
      this.#heldBytes += bytes.length;
      return;
    }
    const cut = lastNewline === -1 ? bytes.length : lastNewline + 1;
    const ready = this.#heldBytes > 0 ? Buffer.concat([...this.#held, bytes.subarray(0, cut)]) : bytes.subarray(0, cut);
    this.#held = cut < bytes.length ? [bytes.subarray(cut)] : [];
    this.#heldBytes = bytes.length - cut;
    if (this.#drawn.length === 0) {
      write(ready);
      return;
    }
    this.#queue.push({ write, bytes: ready });
    this.#queued += ready.length;
    if (this.#queued > MAX_QUEUED) {
      // A flood: let it through now rather than hold it; the next frame comes back under it.
      this.#out.write(SYNC_START + this.#eraseSequence(this.#size().columns));
      this.#drawn = [];
      this.#flushQueue();
      this.#out.write(SYNC_END);
    }
  }

  /** Replaces the frame, writing waiting output above it first, all in one synchronized update. */
  draw(lines: FrameLine[]): void {
    const { columns, rows } = this.#size();
    const visible = lines.length > Math.max(1, rows - 1) ? lines.slice(0, Math.max(1, rows - 1)) : lines;
    const widths: number[] = [];
    let text = '';
    for (const line of visible) {
      const cut = truncate(line.text, columns - 1);
      widths.push(textWidth(cut));
      text += (line.style ? line.style(cut) : cut) + '\n';
    }
    this.#out.write(SYNC_START + (this.#started ? '' : HIDE_CURSOR) + this.#eraseSequence(columns));
    this.#flushQueue();
    this.#out.write(text + SYNC_END);
    this.#started = true;
    this.#drawn = widths;
  }

  /** Leaves the final frame on screen (or none), flushes all output, and gives the cursor back. */
  end(write: Write, finalLines?: FrameLine[]): void {
    if (this.#heldBytes > 0) {
      // The child's last line had no end: it goes out whole, then the frame starts on a line of its own.
      this.#queue.push({ write, bytes: Buffer.concat([...this.#held, Buffer.from('\n')]) });
      this.#held = [];
      this.#heldBytes = 0;
    }
    if (finalLines) {
      this.draw(finalLines);
    } else {
      this.#out.write(SYNC_START + this.#eraseSequence(this.#size().columns));
      this.#flushQueue();
      this.#out.write(SYNC_END);
    }
    this.#drawn = [];
    if (this.#started) this.#out.write(SHOW_CURSOR);
  }

  #flushQueue(): void {
    for (const { write, bytes } of this.#queue) write(bytes);
    this.#queue = [];
    this.#queued = 0;
  }

  /** Up over every row the frame occupies at today's width (a narrower terminal wraps old lines). */
  #eraseSequence(columns: number): string {
    if (this.#drawn.length === 0) return '';
    let rows = 0;
    for (const width of this.#drawn) rows += Math.max(1, Math.ceil(width / Math.max(1, columns)));
    this.#drawn = [];
    return `\x1b[${rows}F\x1b[J`;
  }
}
