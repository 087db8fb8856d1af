// Append-only NDJSON: one write() per record so concurrent writers never interleave inside a line,
// and readers that survive a torn last line (a writer killed mid-write).
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

/** Appends one record in a single write; repairs a torn tail first so the record starts its own line. */
export function appendRecord(path: string, record: unknown): void {
  const fd = openSync(path, 'a+', 0o600);
  try {
    let line = JSON.stringify(record) + '\n';
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
