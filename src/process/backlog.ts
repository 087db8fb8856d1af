// Reads the child's pipes as fast as the kernel hands their bytes over and processes them behind,
// in arrival order across the pipes: the command waits for prog only when the backlog is full
// (a storm of markers faster than prog parses them) or prog's own reader is slow, never for each
// chunk's parsing. Bounded: past MAX_BACKLOG_BYTES the pipes are paused, so memory stays flat and
// the command then waits as it would for any slow reader.
import type { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';

/** Bytes read ahead of processing before the pipes are paused: a burst of 150,000 markers, and a flat RSS. */
export const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
/** Processing yields to the event loop (reads, signals, timers) at least this often. */
const SLICE_MS = 4;

export interface BacklogSink {
  /** One chunk of this pipe, in order; with the time it was read (the run's clock). */
  take(chunk: Buffer, readAt: number): void;
  /** The pipe ended and all it sent was taken. */
  end(): void;
}

interface Pending {
  sink: BacklogSink;
  chunk: Buffer;
  readAt: number;
}

export class Backlog {
  readonly #clock: () => number;
  /** Set when processing must wait (prog's own output is congested): resolves when it may go on. */
  readonly #blocked: () => Promise<void> | undefined;
  readonly #max: number;
  #queue: (Pending | undefined)[] = [];
  #head = 0;
  #bytes = 0;
  #scheduled = false;
  #waiting = false;
  readonly #streams = new Set<Readable>();
  /** Sinks whose pipe ended, finished once their last chunk is taken. */
  readonly #ending = new Map<BacklogSink, () => void>();

  constructor(options: { clock: () => number; blocked: () => Promise<void> | undefined; maxBytes?: number }) {
    this.#clock = options.clock;
    this.#blocked = options.blocked;
    this.#max = options.maxBytes ?? MAX_BACKLOG_BYTES;
  }

  /** Reads a pipe to its end into the backlog; resolves once all of it was taken and `end` called. */
  read(stream: Readable, sink: BacklogSink): Promise<void> {
    this.#streams.add(stream);
    return new Promise((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        this.push(sink, chunk);
        if (this.#bytes >= this.#max) for (const s of this.#streams) s.pause();
      });
      let ended = false;
      const done = () => {
        if (ended) return;
        ended = true;
        this.#streams.delete(stream);
        this.#ending.set(sink, () => {
          sink.end();
          resolve();
        });
        this.#schedule();
      };
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', () => undefined);
    });
  }

  /** A chunk read outside the stream (emptying a pipe before closing it): after what is queued. */
  push(sink: BacklogSink, chunk: Buffer): void {
    this.#queue.push({ sink, chunk, readAt: this.#clock() });
    this.#bytes += chunk.length;
    this.#schedule();
  }

  /** Stop waiting for prog's own reader (the user asked the run to stop): what is read is processed. */
  unblock(): void {
    if (!this.#waiting) return;
    this.#waiting = false;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#waiting) return;
    this.#scheduled = true;
    setImmediate(() => this.#work());
  }

  #work(): void {
    this.#scheduled = false;
    const until = performance.now() + SLICE_MS;
    while (this.#head < this.#queue.length) {
      const pending = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined;
      this.#bytes -= pending.chunk.length;
      pending.sink.take(pending.chunk, pending.readAt);
      const blocked = this.#blocked();
      if (blocked !== undefined) {
        this.#waiting = true;
        void blocked.then(() => this.unblock());
        break;
      }
      if (performance.now() >= until) break;
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 4096) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#bytes < this.#max / 2) for (const s of this.#streams) if (s.isPaused()) s.resume();
    if (this.#waiting) return;
    if (this.#head < this.#queue.length) {
      this.#schedule();
      return;
    }
    // Everything read is taken: pipes that ended are finished now, after their last bytes.
    for (const [sink, finish] of this.#ending) {
      this.#ending.delete(sink);
      finish();
    }
  }
}
