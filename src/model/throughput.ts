// Rate over a sliding window (pv's approach): recent speed, not the whole-run average that an
// early burst would skew. Samples are kept at most one per second, so memory is bounded.

const WINDOW_MS = 30_000;
const MIN_SPACING_MS = 1_000;

export class Throughput {
  readonly #t: number[] = [];
  readonly #v: number[] = [];

  constructor(startMs: number, startValue = 0) {
    this.#t.push(startMs);
    this.#v.push(startValue);
  }

  /** Starts over from `value` at tMs: what was already done (a resumed run's items) is no pace. */
  rebase(tMs: number, value: number): void {
    this.#t.length = 0;
    this.#v.length = 0;
    this.#t.push(tMs);
    this.#v.push(value);
  }

  record(tMs: number, value: number): void {
    const last = this.#t.length - 1;
    // The newest sample moves with each update until it is a second past the one before it; then a
    // new sample starts. (Measured from the newest sample itself, updates under a second apart
    // would move it forever, and the window would never slide: the whole-run average.)
    if (last > 0 && tMs - this.#t[last - 1]! < MIN_SPACING_MS) {
      this.#v[last] = value;
      this.#t[last] = tMs;
    } else {
      this.#t.push(tMs);
      this.#v.push(value);
    }
    while (this.#t.length > 2 && tMs - this.#t[1]! > WINDOW_MS) {
      this.#t.shift();
      this.#v.shift();
    }
  }

  /** Units per second at nowMs; undefined until there is a second of history and some progress. */
  rate(nowMs: number): number | undefined {
    const span = nowMs - this.#t[0]!;
    const done = this.#v[this.#v.length - 1]! - this.#v[0]!;
    if (span < MIN_SPACING_MS || done <= 0) return undefined;
    return (done * 1000) / span;
  }
}

/** Time left at a rate, or undefined when it cannot be known. */
export function etaMs(current: number, total: number | undefined, rate: number | undefined): number | undefined {
  if (total === undefined || rate === undefined || rate <= 0) return undefined;
  return Math.max(0, Math.round(((total - current) / rate) * 1000));
}
