// How right the ETA was on this run: what it said at a quarter, half and three quarters of the run
// against the time that was really left, and how often the real end fell within its range. Kept
// from the snapshots the run shows every update interval; bounded however long the run.
import type { Snapshot } from '../model/snapshot.js';

/** Samples kept; past this every other one is dropped, so a day-long run costs the same. */
const MAX_SAMPLES = 4096;
const CHECKPOINTS = [0.25, 0.5, 0.75] as const;

interface Sample {
  tMs: number;
  etaMs: number;
  lowMs?: number;
  highMs?: number;
}

export interface Checkpoint {
  /** The share of the run's duration (0.25: a quarter in). */
  at: number;
  /** What the ETA said was left then, and what was. */
  saidMs: number;
  actualMs: number;
}

export interface EtaAccuracy {
  checkpoints: Checkpoint[];
  /** Updates with a range, and those whose range held the time really left. */
  ranged: number;
  inRange: number;
}

export class EtaRecorder {
  #samples: Sample[] = [];
  /** Every `#stride`-th snapshot is kept (doubles each time the samples are thinned). */
  #stride = 1;
  #seen = 0;

  add(snapshot: Snapshot): void {
    if (snapshot.status !== 'running' || snapshot.etaMs === undefined) return;
    if (this.#seen++ % this.#stride !== 0) return;
    this.#samples.push({
      tMs: snapshot.tMs, etaMs: snapshot.etaMs,
      ...(snapshot.etaLowMs === undefined ? {} : { lowMs: snapshot.etaLowMs }),
      ...(snapshot.etaHighMs === undefined ? {} : { highMs: snapshot.etaHighMs }),
    });
    if (this.#samples.length >= MAX_SAMPLES) {
      this.#samples = this.#samples.filter((_, i) => i % 2 === 0);
      this.#stride *= 2;
    }
  }

  /** Against the run's real duration; undefined when no ETA was ever shown. */
  accuracy(durationMs: number): EtaAccuracy | undefined {
    const samples = this.#samples.filter((s) => s.tMs < durationMs);
    if (samples.length === 0) return undefined;
    const checkpoints: Checkpoint[] = [];
    for (const at of CHECKPOINTS) {
      const target = at * durationMs;
      // The last estimate shown by then, if it was shown close enough to it to speak for it.
      let found: Sample | undefined;
      for (const s of samples) if (s.tMs <= target) found = s;
      if (found === undefined || found.tMs < target / 2) continue;
      checkpoints.push({ at, saidMs: found.etaMs, actualMs: durationMs - found.tMs });
    }
    let ranged = 0;
    let inRange = 0;
    for (const s of samples) {
      if (s.lowMs === undefined || s.highMs === undefined) continue;
      ranged++;
      const left = durationMs - s.tMs;
      if (left >= s.lowMs && left <= s.highMs) inRange++;
    }
    return { checkpoints, ranged, inRange };
  }
}
