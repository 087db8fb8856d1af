// The alternate screen, drawn a whole frame at a time and written a row at a time: only the rows
// that differ from what is on screen go out, each at its place (one cursor move and the row), all
// inside synchronized-output markers so the terminal shows the frame at once. Every row comes
// exactly as wide as the screen (cells.ts pads it), so nothing is erased by sequences and nothing is
// left over; a resize clears the screen and draws every row again.
import type { Writable } from 'node:stream';

export const SYNC_START = '\x1b[?2026h';
export const SYNC_END = '\x1b[?2026l';
const ENTER = '\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J';
/** Leaves no colour, no hidden cursor and no synchronized update behind. */
export const RESTORE = `${SYNC_END}\x1b[0m\x1b[?25h\x1b[?1049l`;

/** A part of a row that starts at a cell column (0-based): panes side by side change apart. */
export interface Segment {
  col: number;
  text: string;
}

/** A row: one string as wide as the screen, or segments that together are. */
export type Row = string | readonly Segment[];

export class Screen {
  readonly #out: Writable;
  /** The rows on screen now, as written; empty after a clear. */
  #rows: Row[] = [];
  #active = false;
  /** Frames that changed something, and bytes written for them: what the bench and tests read. */
  frames = 0;
  bytes = 0;

  constructor(out: Writable) {
    this.#out = out;
  }

  get active(): boolean {
    return this.#active;
  }

  enter(): void {
    if (this.#active) return;
    this.#active = true;
    this.#rows = [];
    this.#write(ENTER);
  }

  /** Back to the normal screen, the cursor shown; the next enter() draws everything again. */
  leave(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#rows = [];
    this.#write(RESTORE);
  }

  /** The next frame is drawn whole on a cleared screen (the size changed). */
  invalidate(): void {
    this.#rows = [];
    if (this.#active) this.#write('\x1b[H\x1b[2J');
  }

  /**
   * Draws `rows` (styled, each exactly the screen's width): only the rows, or the segments of rows,
   * that changed are written.
   */
  draw(rows: readonly Row[]): void {
    if (!this.#active) return;
    let text = '';
    for (let i = 0; i < rows.length; i++) text += changes(i, this.#rows[i], rows[i]!);
    // Rows the frame no longer has (it got shorter) are blanked.
    for (let i = rows.length; i < this.#rows.length; i++) text += `\x1b[${i + 1};1H\x1b[2K`;
    this.#rows = rows.slice();
    if (text === '') return;
    this.frames++;
    this.#write(SYNC_START + text + SYNC_END);
  }

  #write(text: string): void {
    this.bytes += Buffer.byteLength(text);
    try {
      this.#out.write(text);
    } catch {
      // The terminal went away: nothing left to draw on.
    }
  }
}

/** What to write to turn row `i` from `before` into `after`; each piece ends with the style reset. */
function changes(i: number, before: Row | undefined, after: Row): string {
  if (typeof after === 'string') return before === after ? '' : `\x1b[${i + 1};1H${after}\x1b[0m`;
  const same = Array.isArray(before) && before.length === after.length && before.every((s: Segment, k) => s.col === after[k]!.col);
  let text = '';
  for (let k = 0; k < after.length; k++) {
    const segment = after[k]!;
    if (same && (before as readonly Segment[])[k]!.text === segment.text) continue;
    text += `\x1b[${i + 1};${segment.col + 1}H${segment.text}\x1b[0m`;
  }
  return text;
}

/** A row as one string (its segments joined: together they span the row). */
export function rowText(row: Row): string {
  return typeof row === 'string' ? row : row.map((s) => s.text).join('');
}
