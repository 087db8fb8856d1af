// `--format json`: stdout carries NDJSON only, for CI and other programs. Every event, a snapshot
// at most once per update interval (1 s by default) while something changed, and a final summary; each object has `version`.
// Records are encoded straight into one buffer, written once per turn of the event loop or when full (pino's way).
import type { OutputEvent, ProgEvent } from '../events.js';
import type { Snapshot, Summary } from '../model/snapshot.js';
import { terminalStdout } from './terminal-output.js';
import type { View, ViewOptions } from './view.js';

export const JSON_SCHEMA_VERSION = 1;
const HEAD = `{"version":${JSON_SCHEMA_VERSION},`;

/** Written out once this much is gathered; a record that would not fit the buffer flushes it first. */
const FLUSH_BYTES = 1 << 20;
const BUFFER_BYTES = 2 * FLUSH_BYTES;
/** A record's bytes besides its line, for the fast path (seq and t of up to 24 characters each included). */
const OUTPUT_FIXED_BYTES = 160;

/**
 * Text JSON.stringify writes as it is, between quotes: none of `"`, `\`, the control characters
 * it escapes, or a surrogate (a lone one is escaped; a pair just takes the slow way). Anchored and
 * whole, it runs about twice as fast as searching for one of them.
 */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const SEQ = bytes(`${HEAD}"seq":`);
const T = bytes(',"t":');
const LINE = { stdout: bytes(',"type":"output","stream":"stdout","line":"'), stderr: bytes(',"type":"output","stream":"stderr","line":"') };
const END: Record<OutputEvent['eol'], Uint8Array> = {
  '\n': bytes('","eol":"\\n"}\n'),
  '\r\n': bytes('","eol":"\\r\\n"}\n'),
  '\r': bytes('","eol":"\\r"}\n'),
  '': bytes('","eol":""}\n'),
};

/** The NDJSON line of any record, as JSON.stringify writes it, with `version` first. */
export function jsonRecord(record: object): string {
  return HEAD + JSON.stringify(record).slice(1) + '\n';
}

export class JsonView implements View {
  readonly wantsLines = true;
  readonly #out = terminalStdout();
  #buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  #used = 0;
  #scheduled = false;
  #changed = false;
  /** The whole percent of the last estimate from history, to notice it moving. */
  #estimated: number | undefined;
  #lastSnapshotMs?: number;
  readonly #everyMs: number;

  constructor(options: ViewOptions = {}) {
    this.#everyMs = options.updateIntervalMs ?? 1000;
  }

  output(): void {
    // The child's lines arrive as `output` events instead of raw bytes.
  }

  event(event: ProgEvent): void {
    this.#changed = true;
    // One per line of the child's output: encoded without building the record as a string.
    if (event.type === 'output' && event.truncated === undefined && event.base64 === undefined) this.#output(event);
    else this.#push(event);
  }

  tick(snapshot: Snapshot): void {
    // An estimate from history moves with time alone: a new whole percent is a change too.
    const estimated = snapshot.estimated ? Math.floor(snapshot.percent ?? 0) : undefined;
    if (estimated !== this.#estimated) {
      this.#estimated = estimated;
      this.#changed = true;
    }
    if (!this.#changed) return;
    // Ticks come about once a second, but a timer may fire a little early against the run's clock:
    // the promise of at most one snapshot per interval is kept here, not left to the timer.
    if (this.#lastSnapshotMs !== undefined && snapshot.tMs - this.#lastSnapshotMs < this.#everyMs) return;
    this.#changed = false;
    this.#lastSnapshotMs = snapshot.tMs;
    this.#push(snapshot);
  }

  finish(summary: Summary, snapshot: Snapshot): void {
    this.#push(snapshot);
    this.#push(summary);
    this.#flush();
  }

  /**
   * Exactly what jsonRecord() gives for an `output` event of the usual shape (no `truncated`, no
   * `base64`): the keys in the order the bus and line-router.ts's outputEvent() set them. A field
   * added to output events must be added here too (test/display/json-output.ts compares the two).
   */
  #output(event: OutputEvent): void {
    const line = event.line;
    const escaped = !PLAIN.test(line);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; an escape (`\u001b`) 6.
    if (!this.#room(OUTPUT_FIXED_BYTES + (escaped ? 6 : 3) * line.length)) {
      this.#push(event);
      return;
    }
    const buffer = this.#buffer;
    let at = put(buffer, this.#used, SEQ);
    at = putInteger(buffer, at, event.seq);
    at = put(buffer, at, T);
    at = putInteger(buffer, at, event.t);
    at = put(buffer, at, LINE[event.stream]);
    // The quotes are in SEQ…LINE and END already: the escaped text's own replace them.
    if (escaped) at += utf8Write(buffer, JSON.stringify(line), at - 1) - 2;
    else at += utf8Write(buffer, line, at);
    this.#used = put(buffer, at, END[event.eol]);
    this.#written();
  }

  #push(record: object): void {
    const text = jsonRecord(record);
    if (this.#room(3 * text.length)) this.#used += utf8Write(this.#buffer, text, this.#used);
    else this.#out.write(text);
    this.#written();
  }

  /** Makes room for `most` bytes, flushing what is gathered if needed; false if no buffer could hold them. */
  #room(most: number): boolean {
    if (this.#used + most <= BUFFER_BYTES) return true;
    this.#flush();
    return most <= BUFFER_BYTES;
  }

  #written(): void {
    if (this.#used >= FLUSH_BYTES) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#used === 0) return;
    this.#out.write(this.#buffer.subarray(0, this.#used));
    this.#used = 0;
    // A pipe the reader is slow on keeps the bytes queued: they are its own then, and a new buffer is
    // ours. Written through (a file, a reader keeping up), the buffer serves again, already paged in.
    if (process.stdout.writableLength > 0) this.#buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  }
}

/** Buffer's own encoder, without write()'s argument checks (the room is made sure of beforehand). */
const utf8Write = (buffer: Buffer, text: string, at: number): number => (buffer as Buffer & { utf8Write(text: string, at: number): number }).utf8Write(text, at);

function put(buffer: Buffer, at: number, bytes: Uint8Array): number {
  buffer.set(bytes, at);
  return at + bytes.length;
}

/** Writes a non-negative integer's decimal digits (as JSON.stringify does for seq and t). */
function putInteger(buffer: Buffer, at: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return at + buffer.write(JSON.stringify(n), at, 'latin1');
  let end = at + 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) end++;
  for (let i = end - 1, rest = n; i >= at; i--, rest = Math.floor(rest / 10)) buffer[i] = 48 + (rest % 10);
  return end;
}
