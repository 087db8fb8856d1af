// Keeps a live frame at the bottom of the terminal while the child's output scrolls above it.
// Every frame is cut to the terminal's current width and height (so it never wraps or scrolls),
// drawn inside synchronized-output markers (no flicker on terminals that support them), and
// erased by counting the rows it really occupies at the current width (no fragments on resize).
import type { TerminalOutput } from '../terminal-output.js';
import { textWidth, truncate } from './text-width.js';

const SYNC_START = '\x1b[?2026h';
const SYNC_END = '\x1b[?2026l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
/** A line the child has not finished yet is held (and shown in the frame) up to this size. */
const MAX_HELD = 64 * 1024;
/** After output pushed the frame away, it comes back at once, or this soon when output is heavy. */
const REDRAW_MS = 50;

export interface FrameLine {
  /** Plain text, no escapes: cut to width before it is styled. */
  text: string;
  style?: (text: string) => string;
}

export interface TerminalSize {
  columns: number;
  rows: number;
}

export class FrameWriter {
  readonly #out: TerminalOutput;
  readonly #size: () => TerminalSize;
  /** Cell widths of the lines on screen now; empty when no frame is drawn. */
  #drawn: number[] = [];
  /** The last frame as written, to put back after output without recomputing it. */
  #lastText = '';
  #lastWidths: number[] = [];
  #lastDrawAt = 0;
  #redraw?: NodeJS.Timeout;
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
    const afterRedraw = text.slice(text.lastIndexOf('\r') + 1);
    return afterRedraw;
  }

  /** Writes the child's bytes above the frame, exactly; an unfinished line waits for its end. */
  output(write: (bytes: Buffer) => void, bytes: Buffer): void {
    const lastNewline = bytes.lastIndexOf(0x0a);
    if (lastNewline === -1 && this.#heldBytes + bytes.length <= MAX_HELD) {
      this.#held.push(bytes);
      this.#heldBytes += bytes.length;
      return;
    }
    // Erase, output, frame back: one synchronized update, so the frame never visibly blinks.
    const framed = this.#drawn.length > 0;
    if (framed) {
      this.#out.write(SYNC_START + this.#eraseSequence(this.#size().columns));
      this.#drawn = [];
    }
    if (this.#heldBytes > 0) {
      write(Buffer.concat(this.#held));
      this.#held = [];
      this.#heldBytes = 0;
    }
    const cut = lastNewline === -1 ? bytes.length : lastNewline + 1;
    write(bytes.subarray(0, cut));
    if (cut < bytes.length) {
      this.#held.push(bytes.subarray(cut));
      this.#heldBytes = bytes.length - cut;
    }
    this.#restore(framed);
  }

  /** Puts the last frame back under new output: now, or within REDRAW_MS when output streams fast. */
  #restore(syncOpen: boolean): void {
    const wait = this.#lastDrawAt + REDRAW_MS - performance.now();
    if (this.#lastText !== '' && !this.#redraw && wait <= 0) {
      this.#out.write(this.#lastText + (syncOpen ? SYNC_END : ''));
      this.#drawn = this.#lastWidths;
      this.#lastDrawAt = performance.now();
      return;
    }
    if (syncOpen) this.#out.write(SYNC_END);
    if (this.#lastText === '' || this.#redraw) return;
    this.#redraw = setTimeout(() => {
      this.#redraw = undefined;
      if (this.#drawn.length === 0) this.#emit(this.#lastText, this.#lastWidths);
    }, wait);
    this.#redraw.unref();
  }

  #emit(text: string, widths: number[]): void {
    this.#out.write(SYNC_START + (this.#started ? '' : HIDE_CURSOR) + this.#eraseSequence(this.#size().columns) + text + SYNC_END);
    this.#started = true;
    this.#drawn = widths;
    this.#lastDrawAt = performance.now();
  }

  /** Replaces the frame. Lines beyond the terminal's height are dropped by the caller's budget; this is the last guard. */
  draw(lines: FrameLine[]): void {
    const { columns, rows } = this.#size();
    const maxLines = Math.max(1, rows - 1);
    const visible = lines.length > maxLines ? lines.slice(0, maxLines) : lines;
    const widths: number[] = [];
    let text = '';
    for (const line of visible) {
      const cut = truncate(line.text, columns - 1);
      widths.push(textWidth(cut));
      text += (line.style ? line.style(cut) : cut) + '\n';
    }
    this.#lastText = text;
    this.#lastWidths = widths;
    this.#emit(text, widths);
  }

  /** Leaves the last frame on screen, flushes a held line, and gives the cursor back. */
  end(write: (bytes: Buffer) => void, finalLines?: FrameLine[]): void {
    if (this.#redraw) clearTimeout(this.#redraw);
    this.#lastText = '';
    if (finalLines) {
      this.draw(finalLines);
      this.#drawn = [];
    } else {
      this.#erase();
    }
    if (this.#heldBytes > 0) {
      write(Buffer.concat([...this.#held, Buffer.from('\n')]));
      this.#held = [];
      this.#heldBytes = 0;
    }
    if (this.#started) this.#out.write(SHOW_CURSOR);
  }

  #erase(): void {
    if (this.#drawn.length === 0) return;
    this.#out.write(SYNC_START + this.#eraseSequence(this.#size().columns) + SYNC_END);
    this.#drawn = [];
  }

  /** Up over every row the frame occupies at today's width (a narrower terminal wraps old lines). */
  #eraseSequence(columns: number): string {
    if (this.#drawn.length === 0) return '';
    let rows = 0;
    for (const width of this.#drawn) rows += Math.max(1, Math.ceil(width / Math.max(1, columns)));
    return `\x1b[${rows}F\x1b[J`;
  }
}
