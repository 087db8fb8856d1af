// Reads a recorded run back in order — events from events.ndjson, and the command's bytes from
// stdout.log/stderr.log at the places the chunk records give — while it is still being written.
// Reading resumes from the byte where it stopped, so following a live run never repeats or skips
// a record at the seam between what was there and what came later.
import { closeSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { join } from 'node:path';
import type { ProgEvent, StreamName } from '../events.js';
import { parseRecord } from './ndjson.js';
import { openStateFile, stateDamage } from './state-files.js';

/** Where a piece of the command's output sits among the events (see RunStore.output). */
interface ChunkRecord {
  type: 'chunk';
  t: number;
  after: number;
  stream: StreamName;
  offset: number;
  length: number;
}

export type RunEntry =
  | { kind: 'event'; event: ProgEvent }
  | { kind: 'output'; stream: StreamName; bytes: Buffer; t: number };

const READ_SIZE = 256 * 1024;
/** No chunk the store writes is larger (a read is at most this); a bigger one is damage. */
const MAX_CHUNK = 64 * 1024 * 1024;

export class RunReader {
  readonly dir: string;
  #offset = 0;
  #partial = '';
  /** Keeps a character split across two reads whole. */
  readonly #decoder = new StringDecoder('utf8');
  #ended = false;
  readonly #fds: Partial<Record<StreamName | 'events', number>> = {};
  /** One read buffer for the reader's life: a follower reads ten times a second, mostly nothing. */
  #buffer?: Buffer;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The `exit` event has been read: nothing more will come. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Every whole record written since the last call (an unfinished last line waits for the next). */
  read(): RunEntry[] {
    const fd = this.#fd('events', 'events.ndjson');
    if (fd === undefined) return [];
    const entries: RunEntry[] = [];
    const buffer = (this.#buffer ??= Buffer.allocUnsafe(READ_SIZE));
    for (;;) {
      const n = this.#read('events', fd, buffer, 0, buffer.length, this.#offset);
      if (n <= 0) break;
      this.#offset += n;
      const text = this.#partial + this.#decoder.write(buffer.subarray(0, n));
      const lines = text.split('\n');
      this.#partial = lines.pop()!;
      for (const line of lines) this.#entry(line, entries);
      if (n < buffer.length) break;
    }
    return entries;
  }

  close(): void {
    for (const fd of Object.values(this.#fds)) if (fd !== undefined) closeSync(fd);
  }

  #entry(line: string, into: RunEntry[]): void {
    if (line.trim() === '') return;
    // Only what the store writes is read back: a damaged line is skipped, the rest still reads.
    const parsed = parseRecord(line);
    if (parsed === undefined || typeof parsed.type !== 'string') return;
    const record = parsed as unknown as ProgEvent | ChunkRecord;
    if (record.type === 'chunk') {
      const { stream, offset, length } = record;
      if ((stream !== 'stdout' && stream !== 'stderr') || !Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || length > MAX_CHUNK) return;
      const bytes = this.#bytes(record);
      if (bytes) into.push({ kind: 'output', stream: record.stream, bytes, t: record.t });
      return;
    }
    if (record.type === 'exit') this.#ended = true;
    into.push({ kind: 'event', event: record });
  }

  #bytes(chunk: ChunkRecord): Buffer | undefined {
    const fd = this.#fd(chunk.stream, `${chunk.stream}.log`);
    if (fd === undefined || chunk.length <= 0) return undefined;
    const bytes = Buffer.allocUnsafe(chunk.length);
    let got = 0;
    while (got < chunk.length) {
      const n = this.#read(chunk.stream, fd, bytes, got, chunk.length - got, chunk.offset + got);
      if (n <= 0) break;
      got += n;
    }
    return bytes.subarray(0, got);
  }

  /** A file not there (yet) reads as empty; one that cannot be read is a ProgError naming it. */
  #fd(key: StreamName | 'events', file: string): number | undefined {
    if (this.#fds[key] !== undefined) return this.#fds[key];
    const fd = openStateFile(join(this.dir, file));
    if (fd !== undefined) this.#fds[key] = fd;
    return fd;
  }

  #read(key: StreamName | 'events', fd: number, into: Buffer, at: number, length: number, position: number): number {
    try {
      return readSync(fd, into, at, length, position);
    } catch (error) {
      throw stateDamage(join(this.dir, key === 'events' ? 'events.ndjson' : `${key}.log`), error);
    }
  }
}
