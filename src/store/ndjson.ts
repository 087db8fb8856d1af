// Append-only NDJSON: one write() per record so concurrent writers never interleave inside a line,
// and readers that survive a torn last line (a writer killed mid-write), from the start or from the
// end (linesBackward: what is recent costs the same however long the file has grown).
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

/** Appends one record in a single write; repairs a torn tail first so the record starts its own line. */
export function appendRecord(path: string, record: unknown): void {
  appendLines(path, JSON.stringify(record) + '\n');
}

/** Appends whole lines (each ending in a newline) in a single write, repairing a torn tail first. */
export function appendLines(path: string, lines: string): void {
  const fd = openSync(path, 'a+', 0o600);
  try {
    let line = lines;
    const size = fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      // A tail without a newline is torn, unless the file grew meanwhile: then another writer was in
      // the middle of its record and will end it itself (a stray newline would only add a blank line).
      if (last[0] !== 0x0a && fstatSync(fd).size === size) line = '\n' + line;
    }
    writeAll(fd, Buffer.from(line));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a buffer whole or throws: a short write (a full disk) is an error, not a silent loss. */
export function writeAll(fd: number, data: Buffer): void {
  const written = writeSync(fd, data);
  if (written !== data.length) {
    const error = new Error(`short write: ${written} of ${data.length} bytes`) as NodeJS.ErrnoException;
    error.code = 'ENOSPC';
    throw error;
  }
}

export interface ReadResult<T> {
  records: T[];
  /** Lines that did not parse (a torn tail, or damage in the middle); they are skipped, not fatal. */
  skipped: number;
}

export function readRecords<T = unknown>(path: string): ReadResult<T> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skipped: 0 };
    throw error;
  }
  const records: T[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const record = parseRecord(line);
    if (record === undefined) skipped++;
    else records.push(record as T);
  }
  return { records, skipped };
}

/**
 * One NDJSON line as a record, or undefined when it is not one: unparsable (torn, damaged), or a
 * value that is not an object (a torn fragment that happens to parse, `12` or `"ab"`).
 */
export function parseRecord(line: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return value === null || typeof value !== 'object' || Array.isArray(value) ? undefined : (value as Record<string, unknown>);
}

const NEWLINE = 0x0a;
const BLOCK = 64 * 1024;

/**
 * The lines of a file from the last to the first, as bytes without their newline; empty lines are
 * left out. Read in blocks from the end, so a reader that stops early reads only the tail. A last
 * line without its newline (torn) comes first, as it is: parseRecord rejects it. A missing file has
 * no lines; stopping the loop early closes the file. With `needle`, only the lines that contain it,
 * found by a byte search of each block: lines without it are never split out.
 */
export function* linesBackward(path: string, blockSize = BLOCK, needle?: Buffer): Generator<Buffer, void, undefined> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    let end = fstatSync(fd).size;
    // The start of a line that began in a block not read yet.
    let carry = Buffer.alloc(0);
    while (end > 0) {
      const start = Math.max(0, end - blockSize);
      const block = Buffer.allocUnsafe(end - start);
      for (let got = 0; got < block.length;) {
        const n = readSync(fd, block, got, block.length - got, start + got);
        if (n === 0) throw new Error(`${path} shrank while it was read`);
        got += n;
      }
      const buf = carry.length > 0 ? Buffer.concat([block, carry]) : block;
      // Lines from here on are whole; before it, the end of a line that starts in an earlier block.
      let whole = 0;
      if (start > 0) {
        const nl = buf.indexOf(NEWLINE);
        whole = nl === -1 ? buf.length : nl + 1;
      }
      yield* needle === undefined ? linesOf(buf, whole) : linesWith(buf, whole, needle);
      carry = buf.subarray(0, whole);
      end = start;
    }
  } finally {
    closeSync(fd);
  }
}

/** The non-empty lines of buf[from…], last first. */
function* linesOf(buf: Buffer, from: number): Generator<Buffer, void, undefined> {
  let stop = buf.length;
  while (stop > from) {
    const nl = buf.lastIndexOf(NEWLINE, stop - 1);
    const lineStart = nl < from ? from : nl + 1;
    if (lineStart < stop) yield buf.subarray(lineStart, stop);
    stop = lineStart - 1;
  }
}

/** The lines of buf[from…] that contain needle, last first. */
function* linesWith(buf: Buffer, from: number, needle: Buffer): Generator<Buffer, void, undefined> {
  let before = buf.length - 1;
  while (before >= from) {
    const at = buf.lastIndexOf(needle, before);
    if (at < from) return;
    const lineStart = at === 0 ? 0 : buf.lastIndexOf(NEWLINE, at - 1) + 1;
    const nl = buf.indexOf(NEWLINE, at);
    yield buf.subarray(lineStart, nl === -1 ? buf.length : nl);
    before = lineStart - 2;
  }
}

/** A line that is only white space: nothing, as readRecords treats it (not an unreadable line). */
export function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}
