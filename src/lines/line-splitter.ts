import type { LineEnd } from '../events.js';

/** Lines longer than this are parsed by their first MiB only; their bytes still pass through whole. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Pieces of one line kept before they are copied together. */
const MAX_PARTS = 256;
const LF = 0x0a;
const CR = 0x0d;
const EOL_BYTES: Record<LineEnd, Buffer> = {
  '\n': Buffer.from('\n'),
  '\r\n': Buffer.from('\r\n'),
  '\r': Buffer.from('\r'),
  '': Buffer.alloc(0),
};

/**
 * Which lines of a chunk the handler wants whole, besides held ones: all, none, or those a test
 * picks by their bytes (given the chunk and the line's start and end within it; called once per
 * line that starts and ends in the chunk, without decoding it).
 */
export type LinePick = boolean | ((chunk: Buffer, start: number, end: number) => boolean);

/** Whether a line starting with these bytes may be consumed (a marker): 'maybe' asks for more bytes. */
export type Verdict = 'yes' | 'no' | 'maybe';
/** Must answer 'yes' or 'no' within a short prefix: bytes are kept, uncapped, while it says 'maybe'. */
export type HoldCheck = (buf: Buffer, start: number, end: number) => Verdict;

export interface SplitLine {
  /** The line without its end, at most maxLineBytes of it. */
  bytes: Buffer;
  eol: LineEnd;
  /** Full length in bytes without the end; larger than bytes.length when truncated. */
  length: number;
  truncated: boolean;
  /** The line was held back from passthrough, so the handler decides whether it is shown. */
  held: boolean;
  /** allLines wanted it (all lines, or picked); false for a line handed over only for everyLine. */
  picked: boolean;
  /** The line started like a consumable one (held now, or released for being over the cap). */
  candidate: boolean;
}

export interface LineSplitterOptions {
  hold: HoldCheck;
  /**
   * Materialise every line (JSON view), or decide per chunk (format parsers that only need lines
   * when something in the chunk may concern them: given the chunk and the start of the line it
   * continues, if any), all of its lines, none, or some picked line by line. Otherwise only held
   * lines are built. A line that spans chunks is always kept whole, so a per-chunk decision never
   * sees half a line; under a pick it is always handed over.
   */
  allLines: boolean | ((chunk: Buffer, continued: Buffer | undefined) => LinePick);
  /**
   * Hand every line over whatever allLines says (the JSON view shows each line as an event), each
   * marked with whether allLines picked it.
   */
  everyLine?: boolean;
  /**
   * Bytes every line `hold` may answer 'yes' for contains: a chunk without them, and wanting no
   * line, is passed on with one native search for them and one for its last line end.
   */
  holdNeedle?: Buffer;
  /** Bytes to show as they are, in order. */
  pass(bytes: Buffer): void;
  /**
   * A chunk ended inside a line that is being read (see allLines): the line so far (up to the
   * cap). Not called for held lines (markers), which are only whole or nothing.
   */
  partial?(bytes: Buffer): void;
  /**
   * A passing line ended at a `\r` and nothing followed for a while (see redrawNow): the line so far,
   * once. Its `line()` call still follows when the next byte comes.
   */
  redraw?(bytes: Buffer): void;
  /** Returns true when a held line was consumed and must not be shown. */
  line(line: SplitLine): boolean;
  maxLineBytes?: number;
}

type Mode = 'start' | 'undecided' | 'hold' | 'pass';

/**
 * Splits a byte stream into lines ending in `\n`, `\r\n` or a lone `\r`, and passes bytes through
 * with no delay except for lines that may be markers, which are held until they end.
 * Works on bytes so that UTF-8 split across chunks is decoded whole, and a `\r\n` split across
 * chunks is still one line end: the result never depends on where the chunks were cut.
 */
export class LineSplitter {
  readonly #o: LineSplitterOptions;
  readonly #max: number;
  #mode: Mode = 'start';
  #parts: Buffer[] = [];
  #collected = 0;
  #length = 0;
  #crPending = false;
  /** The pending line was handed to `redraw` already. */
  #redrawn = false;
  /** The line being read is handed to line() when it ends (all lines, or picked). */
  #wanted = false;
  /** A held line outgrew the cap and was released; the handler still hears of it. */
  #overlong = false;
  /** #parts joined, and how many parts that was (parts are only ever appended, or reset). */
  #join?: { parts: number; bytes: Buffer };

  constructor(options: LineSplitterOptions) {
    this.#o = options;
    this.#max = options.maxLineBytes ?? MAX_LINE_BYTES;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    const { allLines } = this.#o;
    const pick = typeof allLines === 'function'
      ? allLines(chunk, this.#parts.length === 0 ? undefined : this.#joined())
      : allLines;
    // The line this chunk continues: wanted whole under any pick (its start is in an earlier chunk).
    if (this.#mode !== 'start' || this.#crPending) this.#wanted = pick !== false;
    let i = 0;
    // A line already passing through (or its `\n` after a `\r`) flows on from the first byte.
    let passFrom = this.#mode === 'pass' ? 0 : -1;
    if (this.#crPending && n > 0) {
      this.#crPending = false;
      const crlf = chunk[0] === LF;
      if (crlf) i = 1;
      this.#finishLine(crlf ? '\r\n' : '\r');
    }
    if (pick !== true && this.#o.everyLine !== true) {
      const to = this.#passable(chunk, i, pick);
      if (to > i) {
        // Whole lines no one reads: out in one piece, as `cat` would pass them.
        this.#o.pass(chunk.subarray(passFrom === -1 ? i : passFrom, to));
        passFrom = -1;
        this.#reset();
        i = to;
      }
    }
    let nl = -2;
    let cr = -2;
    while (i < n) {
      if (nl !== -1 && nl < i) nl = chunk.indexOf(LF, i);
      if (cr !== -1 && cr < i) cr = chunk.indexOf(CR, i);
      const end = nl === -1 ? cr : cr === -1 ? nl : Math.min(nl, cr);
      const segEnd = end === -1 ? n : end;

      if (this.#mode === 'start') this.#wanted = typeof pick === 'function' ? end === -1 || pick(chunk, i, segEnd) : pick;
      if (this.#mode === 'start' || this.#mode === 'undecided') {
        const verdict = segEnd === i && this.#mode === 'start' ? 'no' : this.#verdict(chunk, i, segEnd);
        if (verdict === 'yes' || (verdict === 'maybe' && end === -1)) {
          if (passFrom !== -1) this.#o.pass(chunk.subarray(passFrom, i));
          passFrom = -1;
          this.#mode = verdict === 'yes' ? 'hold' : 'undecided';
        } else {
          // Not a marker after all: whatever was held goes out first, in order.
          if (this.#mode === 'undecided' && this.#parts.length > 0) this.#o.pass(Buffer.concat(this.#parts));
          this.#mode = 'pass';
          if (passFrom === -1) passFrom = i;
        }
      }

      // A line that may go on in the next chunk (no end yet, or a `\r` that may be half a `\r\n`)
      // is kept whichever way that chunk's decision goes.
      const spans = end === -1 || (end === n - 1 && chunk[end] === CR);
      if (this.#mode !== 'pass' || this.#wanted || this.#o.everyLine === true || spans) this.#collect(chunk, i, segEnd);
      else this.#length += segEnd - i;

      if (this.#mode === 'hold' && this.#length > this.#max) {
        // Too long to be a marker: release what was held and let the rest flow.
        this.#o.pass(Buffer.concat(this.#parts));
        this.#mode = 'pass';
        this.#overlong = true;
        passFrom = segEnd - Math.min(segEnd - i, this.#length - this.#collected);
      }

      if (end === -1) break;
      let eol: LineEnd;
      let next: number;
      if (chunk[end] === LF) {
        eol = '\n';
        next = end + 1;
      } else if (end + 1 < n) {
        eol = chunk[end + 1] === LF ? '\r\n' : '\r';
        next = end + eol.length;
      } else {
        // A `\r` at the very end: only the next byte tells a `\r\n` from a redraw.
        this.#crPending = true;
        i = n;
        break;
      }
      // A held line's end is its own (shown or dropped with it); a passed line's end is in the range.
      if (this.#mode !== 'pass') passFrom = -1;
      this.#finishLine(eol);
      i = next;
    }
    if (passFrom !== -1 && passFrom < n) this.#o.pass(chunk.subarray(passFrom, n));
    if (this.#o.partial && this.#wanted && this.#mode === 'pass' && !this.#crPending && this.#parts.length > 0) this.#o.partial(this.#joined());
  }

  /**
   * Where the run of whole lines from `from` that no one needs to look at ends: lines with no
   * `holdNeedle` (so never held) that the pick passes over, when the line being read (if any) is
   * passing and not owed to the handler. The last line, unfinished or ending in a `\r` that may be
   * half a `\r\n`, is left to the line-by-line reading; so, under a pick, is everything from the
   * first `\r` on. Returns `from` when there is no such run.
   */
  #passable(chunk: Buffer, from: number, pick: LinePick): number {
    const { holdNeedle } = this.#o;
    if (holdNeedle === undefined || this.#overlong || (this.#mode !== 'start' && (this.#mode !== 'pass' || pick !== false))) return from;
    let limit = chunk.length;
    if (limit > from && chunk[limit - 1] === CR) limit--;
    const found = chunk.indexOf(holdNeedle, from);
    // Only lines before the one holding the needle: that one may be a marker.
    if (found !== -1 && found < limit) limit = found;
    if (typeof pick !== 'function') {
      const end = limit > from ? Math.max(chunk.lastIndexOf(LF, limit - 1), chunk.lastIndexOf(CR, limit - 1)) : -1;
      return end >= from ? end + 1 : from;
    }
    const cr = chunk.indexOf(CR, from);
    if (cr !== -1 && cr < limit) limit = cr;
    let at = from;
    while (at < limit) {
      // Short lines are walked byte by byte (a call per line would cost more than the line); past
      // 16 bytes the native search takes over.
      let end = at;
      const quick = Math.min(limit, at + 16);
      while (end < quick && chunk[end] !== LF) end++;
      if (end === quick) {
        if (end >= limit) break;
        end = chunk.indexOf(LF, end);
        if (end === -1 || end >= limit) break;
      }
      if (pick(chunk, at, end)) break;
      at = end + 1;
    }
    return at;
  }

  /** What has arrived ends in a `\r`: only the next byte can tell a redraw from half a `\r\n`. */
  get crPending(): boolean {
    return this.#crPending;
  }

  /**
   * No byte has followed a `\r` for a while (the caller's timer): a passing line is handed to
   * `redraw` as it stands, so a tool that stalls after redrawing (pv, git, rsync) is read when it
   * wrote. The line itself still ends with the next byte (`\r\n` or a redraw), as always.
   */
  redrawNow(): void {
    if (!this.#crPending || this.#redrawn || this.#mode !== 'pass' || !this.#o.redraw || this.#parts.length === 0) return;
    this.#redrawn = true;
    this.#o.redraw(this.#joined());
  }

  /** The stream ended: a pending `\r` or unterminated last line becomes a line of its own. */
  end(): void {
    if (this.#crPending) {
      this.#crPending = false;
      this.#finishLine('\r');
      return;
    }
    if (this.#mode === 'start') return;
    if (this.#mode === 'undecided') {
      this.#o.pass(Buffer.concat(this.#parts));
      this.#mode = 'pass';
    }
    this.#finishLine('');
  }

  /**
   * The unfinished line so far in one buffer, made again only when it grew: a line longer than the
   * cap (binary output with no newline for megabytes) stops growing there, so its later chunks do
   * not each copy a MiB.
   */
  #joined(): Buffer {
    if (this.#join === undefined || this.#join.parts !== this.#parts.length) {
      this.#join = { parts: this.#parts.length, bytes: this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts) };
    }
    return this.#join.bytes;
  }

  #verdict(chunk: Buffer, start: number, end: number): Verdict {
    if (this.#parts.length === 0) return this.#o.hold(chunk, start, end);
    const prefix = Buffer.concat([...this.#parts, chunk.subarray(start, end)]);
    return this.#o.hold(prefix, 0, prefix.length);
  }

  #collect(chunk: Buffer, start: number, end: number): void {
    const len = end - start;
    this.#length += len;
    // An undecided start is kept whole, even past the cap: the hold check must see every byte of it,
    // and it is short (hold answers within a bounded prefix).
    const room = this.#mode === 'undecided' ? len : this.#max - this.#collected;
    if (room <= 0 || len === 0) return;
    const take = Math.min(room, len);
    // Each piece costs an object: a slow writer's many tiny reads are folded into one buffer now and then.
    if (this.#parts.length >= MAX_PARTS) {
      this.#parts = [Buffer.concat(this.#parts)];
      this.#join = undefined;
    }
    this.#parts.push(chunk.subarray(start, start + take));
    this.#collected += take;
  }

  #finishLine(eol: LineEnd): void {
    const held = this.#mode === 'hold';
    if (held || this.#overlong || this.#wanted || this.#o.everyLine === true) {
      const parts = this.#parts;
      const whole = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      const bytes = whole.length > this.#max ? whole.subarray(0, this.#max) : whole;
      const line: SplitLine = {
        bytes, eol, length: this.#length, truncated: this.#length > this.#max, held,
        candidate: held || this.#overlong, picked: this.#wanted,
      };
      const consumed = this.#o.line(line);
      if (held && !consumed) this.#o.pass(Buffer.concat([bytes, EOL_BYTES[eol]]));
    }
    this.#reset();
  }

  /** Ready for the next line. */
  #reset(): void {
    this.#mode = 'start';
    this.#wanted = false;
    this.#redrawn = false;
    this.#overlong = false;
    // (Not a new array per line: millions of short lines would be as many for the GC.)
    if (this.#parts.length > 0) this.#parts = [];
    this.#join = undefined;
    this.#collected = 0;
    this.#length = 0;
  }
}
