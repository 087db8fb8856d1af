// The ETA score: on a 100 ms grid over 10–90 % of a run, |ETA − true time left| ÷ the run's
// duration, each sample capped at 1, and 1 where no ETA is shown (no answer is as bad as the worst
// one); the mean over the grid. For prog, also how often its range held the truth and how wide it was.
import type { Estimator } from './peers.js';
import type { Point } from './traces.js';
import type { Shown } from './through-prog.js';

export const GRID_MS = 100;

export interface Score {
  error: number;
  /** Share of grid samples with an ETA. */
  answered: number;
  /** When the first ETA appeared (ms from the start), if ever. */
  firstMs?: number;
  /** Share of grid samples whose range held the true time left (prog only). */
  inRange?: number;
  /** Median over samples of (high − low) ÷ true time left (prog only). */
  width?: number;
}

interface Answer { eta?: number; low?: number; high?: number }

/** Scores answers on the grid of a run of `durationMs` that ended at `endMs` (truth = endMs − t). */
function scoreGrid(durationMs: number, endMs: number, answerAt: (t: number) => Answer, firstMs: number | undefined): Score {
  let err = 0;
  let answered = 0;
  let inside = 0;
  let ranged = 0;
  let n = 0;
  const widths: number[] = [];
  for (let t = Math.ceil((0.1 * durationMs) / GRID_MS) * GRID_MS; t <= 0.9 * durationMs; t += GRID_MS) {
    n++;
    const truth = Math.max(0, endMs - t);
    const a = answerAt(t);
    if (a.eta === undefined || !Number.isFinite(a.eta)) {
      err += 1;
      continue;
    }
    answered++;
    err += Math.min(1, Math.abs(a.eta - truth) / durationMs);
    if (a.low !== undefined && a.high !== undefined) {
      ranged++;
      if (a.low <= truth && truth <= a.high) inside++;
      if (truth > 0) widths.push((a.high - a.low) / truth);
    }
  }
  widths.sort((x, y) => x - y);
  return {
    error: n === 0 ? 1 : err / n,
    answered: n === 0 ? 0 : answered / n,
    ...(firstMs === undefined ? {} : { firstMs }),
    ...(ranged === 0 ? {} : { inRange: inside / n }),
    ...(widths.length === 0 ? {} : { width: widths[widths.length >> 1]! }),
  };
}

/**
 * prog, from its snapshots: at each moment, the last snapshot shown, counted down by the time
 * since (the rich view redraws every tick; a JSON reader has the snapshot's time to do the same).
 */
export function scoreProg(shown: Shown[], durationMs: number, endMs: number): Score {
  let i = -1;
  const answerAt = (t: number): Answer => {
    while (i + 1 < shown.length && shown[i + 1]!.t <= t) i++;
    const s = i >= 0 ? shown[i]! : undefined;
    if (s?.etaMs === undefined) return {};
    const since = t - s.t;
    return { eta: Math.max(0, s.etaMs - since), low: Math.max(0, s.lowMs! - since), high: Math.max(0, s.highMs! - since) };
  };
  return scoreGrid(durationMs, endMs, answerAt, shown.find((s) => s.etaMs !== undefined)?.t);
}

/** A peer estimator fed the progress points at their times. */
export function scorePeer(make: () => Estimator, points: Point[], durationMs: number): Score {
  // The first ETA: fed point by point, asked right after each.
  const probe = make();
  let firstMs: number | undefined;
  for (const p of points) {
    probe.record(p.t, p.current, p.total);
    if (probe.eta(p.t) !== undefined) {
      firstMs = p.t;
      break;
    }
  }
  const e = make();
  let i = 0;
  const answerAt = (t: number): Answer => {
    while (i < points.length && points[i]!.t <= t) {
      const p = points[i++]!;
      e.record(p.t, p.current, p.total);
    }
    const eta = i === 0 ? undefined : e.eta(t);
    return eta === undefined ? {} : { eta };
  };
  return scoreGrid(durationMs, durationMs, answerAt, firstMs);
}
