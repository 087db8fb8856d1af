// The ETA engine: how long is left, as a central value and a range, from progress over time.
//
// Weighted by time, not by update count: progress between two updates is spread evenly over the
// time between them (into time buckets), so one update a second and a hundred a second describe
// the same run. The pace is the whole run's average, or an exponentially time-decayed average whose
// time constant is half the elapsed time when that recent pace has predicted this run clearly
// better (half the error or less) in a backtest (its pace as it stood a while ago against the progress since, over windows
// as long as the time still to go, and half and a quarter of it). A steady run, or one with slow
// patches that pass, keeps its long average; a run whose pace changed for good follows the new one.
// A stall (no update for much longer than usual) counts as time without progress, and between
// updates the clock runs on. The range comes from how far off the chosen pace has been in the
// backtest, from the spread of bucket paces and how many are still to come, and from how much time
// is still to go against the time seen; it narrows as evidence grows.
//
// A history prior (past durations of the same workflow or phase) gives an ETA from the first
// second, blended with the live estimate by their uncertainties (the prior's weight fades as live
// evidence grows); ninja's sanity gate drops it when the live pace disagrees by 10× or more.
// Memory is bounded: at most MAX_BUCKETS buckets, whose width doubles when they fill.
//
// Progress is whatever the caller counts as done (processed items, or a progress marker's
// current): retried attempts are not progress, so they only make the pace what it really is.

export interface EtaEstimate {
  /** Central estimate of the time left. */
  etaMs: number;
  /** The range the time left is likely in (about four times in five on real and synthetic traces). */
  lowMs: number;
  highMs: number;
}

/** What past runs say about this scope (a run or one phase). */
export interface EtaPrior {
  /** Durations of past runs of the same workflow (or phase), in ms; the median is used. */
  durationsMs: number[];
  /** The total those runs had, when known: scales the prior to this run's total. */
  total?: number;
}

/** History for a whole run: the run's own past durations, and each phase's by phase id. */
export interface ModelPrior {
  run?: EtaPrior;
  phases?: Record<string, EtaPrior>;
}

export interface EtaOptions {
  /** When the scope started (its progress is measured from here). */
  startMs?: number;
  prior?: EtaPrior;
  /** How far back the pace is judged (ms); the whole run when absent. */
  windowMs?: number;
}

const MAX_BUCKETS = 64;
const FIRST_BUCKET_MS = 100;
/** The time constant of the decay, as a share of the elapsed time, and its floor. */
const TAU_SHARE = 0.5;
const TAU_MIN_MS = 1_000;
/**
 * The recent pace replaces the whole run's only when its backtest error is below this share of the
 * other's. Real runs have slow patches that pass (pytest's slow module, git's large objects): at
 * 0.7 the recent pace took over on them and the end-to-end error on the recordings was 20 % worse
 * (`npm run bench:eta`).
 */
const CLEARLY_BETTER = 0.5;
/** Backtest windows, each a horizon long, ending this many horizons before now; the cap on one window's squared log error. */
const BACKTEST_PARTS = [1, 0.5, 0.25];
const BACKTEST_CAP = 4;
/** Progress that falls to this share of its last value or below is a meter that restarted, not a dip. */
const RESTART_SHARE = 0.5;
/** A gap between updates this many times the usual one is a stall: the time past it counts as no progress. */
const STALL_GAPS = 2;
/**
 * How many uncertainties wide each side of the range is: set so the range holds the true time left
 * in about 80 % of the samples where an ETA is shown, measured by `npm run bench:eta` (a normal
 * model would say 1.3; real runs are not normal). And the least relative half-width.
 */
const Z = 1.8;
const MIN_REL = 0.03;
/** Relative uncertainty of the pace to come per unit of (time to go ÷ time seen), squared in the sum. */
const FUTURE_REL = 0.3;
/** Ninja's sanity gate: drop the prior when live and past pace differ by this factor or more, once warmed up. */
const GATE = 10;
const GATE_WARMUP_MS = 2_000;
const GATE_WARMUP_SHARE = 0.2;
/** The least relative uncertainty of a prior (runs vary even when nothing changed). */
const PRIOR_MIN_REL = 0.15;
/**
 * The least relative half-width (before Z) of a range that leans on history: past runs give the
 * central value well (their weight stays), but where this run is against them, progress read as
 * a share of the past duration, is rougher than their spread says (pace is uneven within a run:
 * pv through xz, a slow module). At the spread alone the range held the truth 63 % of the time.
 */
const HISTORY_RANGE_REL = 0.3;

export class EtaEngine {
  #start: number;
  readonly #window: number;
  #width = FIRST_BUCKET_MS;
  /** Progress per bucket: bucket k covers [start + k·width, start + (k+1)·width). */
  #buckets: number[] = [];
  #lastT: number;
  #last = 0;
  /** Progress when the pace started being measured: done before (resumed items, a value shown at the start) is not pace. */
  #base = 0;
  #records = 0;
  #total: number | undefined;
  /** Exponentially smoothed gap between updates that made progress, ms. */
  #gap: number | undefined;
  #lastProgressT: number;
  #prior: { durationMs: number; total?: number; rel: number } | undefined;
  #priorDropped = false;
  /** When the scope started, restarts or not: the prior's clock. */
  readonly #origin: number;
  /**
   * The meter restarted at least once (git's steps): its progress is then the current meter's, not
   * the scope's, so a prior goes by time alone, and the live estimate only knows the current meter.
   */
  #restarted = false;
  /** The sanity gate dropped the prior on the pace of a meter (void if that meter turns out to restart). */
  #gated = false;

  constructor(options: EtaOptions = {}) {
    this.#start = options.startMs ?? 0;
    this.#origin = this.#start;
    this.#window = options.windowMs !== undefined && options.windowMs > 0 ? options.windowMs : Infinity;
    this.#lastT = this.#start;
    this.#lastProgressT = this.#start;
    const durations = (options.prior?.durationsMs ?? []).filter((d) => Number.isFinite(d) && d > 0).sort((a, b) => a - b);
    if (durations.length > 0) {
      const median = durations[Math.floor(durations.length / 2)]!;
      // The spread of past runs (median absolute deviation, relative), never below the floor.
      const mad = durations.map((d) => Math.abs(d - median)).sort((a, b) => a - b)[Math.floor(durations.length / 2)]!;
      const priorTotal = options.prior?.total;
      this.#prior = { durationMs: median, rel: Math.max(PRIOR_MIN_REL, (1.4826 * mad) / median), ...(priorTotal !== undefined && priorTotal > 0 ? { total: priorTotal } : {}) };
    }
  }

  /** Whether the sanity gate dropped the prior (or there never was one). */
  get priorDropped(): boolean {
    return this.#prior === undefined || this.#priorDropped;
  }

  /** Progress already done before this run (a resumed run's items): counted, but not as pace. */
  rebase(current: number): void {
    this.#last = current;
    this.#base = current;
  }

  record(tMs: number, current: number, total?: number): void {
    if (total !== undefined) this.#total = total;
    const t = Math.max(tMs, this.#lastT);
    this.#records++;
    if (current < this.#last) {
      if (current <= RESTART_SHARE * this.#last) {
        // A meter that restarted (git's next step, a new file's bar): the old meter's pace says
        // nothing of the new one's. Start over from here.
        this.#restart(t, current);
      } else {
        // A dip (a percentage of a total that grew, as rsync's while its file list is still being
        // built; a lowered count): the pace so far still holds, from the new value.
        this.#last = current;
        this.#lastT = t;
      }
      return;
    }
    if (t <= this.#start && this.#buckets.length === 0) {
      // A value already shown when the scope appeared (cmake's first `[ 10%]`, pv's first redraw)
      // is where it starts, not progress done in no time.
      this.#last = current;
      this.#base = current;
      return;
    }
    const delta = current - this.#last;
    if (delta > 0) {
      this.#spread(this.#lastT, t, delta);
      const gap = t - this.#lastProgressT;
      this.#gap = this.#gap === undefined ? gap : 0.7 * this.#gap + 0.3 * gap;
      this.#lastProgressT = t;
    }
    this.#last = current;
    this.#lastT = t;
  }

  estimate(nowMs: number): EtaEstimate | undefined {
    const total = this.#total;
    const now = Math.max(nowMs, this.#lastT);
    const elapsed = now - this.#origin;
    if (total !== undefined && this.#last >= total && !this.#restarted) return { etaMs: 0, lowMs: 0, highMs: 0 };
    const live = total === undefined ? undefined : this.#live(now, total);
    const prior = this.#priorEstimate(elapsed, this.#restarted ? undefined : total, live !== undefined);
    if (!prior) return live && round(live.eta, live.rel);
    if (!live) return prior.range ?? round(prior.eta, Math.max(prior.rel, HISTORY_RANGE_REL));
    if (this.#restarted) {
      // Past runs know the whole scope, the live pace only the current meter: the scope goes on at
      // least as long as that meter does.
      return live.eta > prior.eta ? round(live.eta, live.rel) : prior.range ?? round(prior.eta, prior.rel);
    }
    // Precision-weighted in log space: the prior fades as the live estimate firms up.
    const wp = 1 / (prior.rel * prior.rel);
    const wl = 1 / (live.rel * live.rel);
    const logEta = (wp * Math.log(Math.max(prior.eta, 1)) + wl * Math.log(Math.max(live.eta, 1))) / (wp + wl);
    return round(Math.exp(logEta), Math.max(1 / Math.sqrt(wp + wl), HISTORY_RANGE_REL));
  }

  /** The live estimate: eta and its relative uncertainty (log-scale half-width before z). */
  #live(now: number, total: number): { eta: number; rel: number } | undefined {
    const done = this.#last;
    const moved = done - this.#base;
    const seen = this.#lastT - this.#start;
    if (this.#records < 2 && seen <= 0) return undefined;
    // From the second update on: some progress over some time is a pace (as pv and the window
    // estimators have it); while that evidence is thin, the range says so (see rel below).
    if (moved <= 0 || seen <= 0 || this.#buckets.length === 0) return undefined;
    // Time past the last update beyond the usual gap is a stall: no progress in it.
    const gap = this.#gap ?? seen;
    const end = this.#lastT + Math.max(0, now - this.#lastT - STALL_GAPS * gap);
    const span = end - this.#start;
    if (span <= 0) return undefined;
    // "The whole run" is at most the window the user set (eta-window).
    const seenSpan = Math.min(span, this.#window);
    const whole = this.#rate(end, Infinity);
    if (!whole || whole.rate <= 0) return undefined;
    const remaining = total - done;
    // Which pace has been predicting this run better: each, as it stood a while ago, against the
    // pace over the time that followed (as long as the time still to go, and half and a quarter).
    const horizon = Math.min(seenSpan / 2, remaining / whole.rate);
    // The whole run's pace, unless the recent one has predicted clearly better (real runs have
    // slow patches that pass: a horizon that chases every one overreacts).
    let best = { ...whole, err: this.#backtest(this.#lastProgressT, horizon, Infinity, whole.rate) };
    const recent = this.#rate(end, Math.max(TAU_MIN_MS, TAU_SHARE * seenSpan));
    if (recent && recent.rate > 0) {
      const err = this.#backtest(this.#lastProgressT, horizon, TAU_SHARE, whole.rate);
      if (err < CLEARLY_BETTER * best.err) best = { ...recent, err };
    }
    // Between updates the clock runs on: the time since the last progress (up to the usual gap) is spent.
    const eta = Math.max(0, remaining / best.rate - Math.min(now - this.#lastProgressT, gap));
    const cv2 = best.variance / (best.rate * best.rate);
    const toCome = Math.max(1, eta / this.#width);
    // The range: how far off the chosen horizon has been, or while too young to tell, the spread of its buckets.
    const past = Number.isFinite(best.err) ? best.err : cv2 / best.neff + 1;
    // and the unknown ahead: the longer the time to go against the time seen, the less the past says.
    const ahead = (FUTURE_REL * FUTURE_REL * eta) / span;
    const rel = Math.sqrt(past + cv2 / toCome + ahead + MIN_REL * MIN_REL);
    this.#checkPrior(moved, seen, total);
    return { eta, rel };
  }

  /**
   * How far off a horizon's pace has been: the mean squared log error of the pace it gave at the
   * start of each backtest window (from the buckets before it) against the pace in the window.
   * Infinity when the run is too young to tell.
   */
  #backtest(end: number, horizon: number, share: number, scale: number): number {
    // A floor on both paces, so a window with no progress scores a large error, not an infinite one.
    const floor = 0.05 * scale;
    let sum = 0;
    let n = 0;
    for (const part of BACKTEST_PARTS) {
      const length = horizon * part;
      const t1 = end;
      const t0 = end - length;
      if (length <= 0 || t0 - this.#start < this.#width) continue;
      const pred = this.#rate(t0, share === Infinity ? Infinity : Math.max(TAU_MIN_MS, share * Math.min(this.#window, t0 - this.#start)));
      if (!pred) continue;
      const e = Math.log((pred.rate + floor) / (this.#progress(t0, t1) / length + floor));
      sum += Math.min(BACKTEST_CAP, e * e);
      n++;
    }
    return n === 0 ? Infinity : sum / n;
  }

  /** Progress recorded in [a, b], from the buckets. */
  #progress(a: number, b: number): number {
    let sum = 0;
    for (let k = Math.max(0, Math.floor((a - this.#start) / this.#width)); k < this.#buckets.length && this.#start + k * this.#width < b; k++) sum += this.#portion(k, a, b);
    return sum;
  }

  /**
   * Bucket k's progress inside [a, b]: pro rata to the time of the bucket that progress was
   * recorded over (the last bucket is only filled up to the last update).
   */
  #portion(k: number, a: number, b: number): number {
    const from = this.#start + k * this.#width;
    const filled = Math.min(from + this.#width, this.#lastT);
    const v = this.#buckets[k] ?? 0;
    if (v === 0 || filled <= from) return v;
    const lo = Math.max(a, from);
    const hi = Math.min(b, filled);
    return hi > lo ? (v * (hi - lo)) / (filled - from) : 0;
  }

  /** Time-decayed rate (units per ms) up to `end`, with the weighted variance of bucket rates. */
  #rate(end: number, tau: number): { rate: number; variance: number; neff: number } | undefined {
    let wv = 0;
    let wt = 0;
    let sw = 0;
    let sw2 = 0;
    let swr = 0;
    let swr2 = 0;
    const last = Math.ceil((end - this.#start) / this.#width);
    const from = end - this.#window;
    for (let k = Math.max(0, Math.floor((from - this.#start) / this.#width)); k < last; k++) {
      const a = Math.max(from, this.#start + k * this.#width);
      const b = Math.min(end, this.#start + (k + 1) * this.#width);
      const d = b - a;
      if (d <= 0) continue;
      const w = tau === Infinity ? 1 : Math.exp(-(end - (a + b) / 2) / tau);
      // A bucket cut by `end` (or by the window) counts the share of its progress inside.
      const v = this.#portion(k, a, b);
      wv += w * v;
      wt += w * d;
      // Bucket rates for the spread, weighted by time covered as well as by age.
      const r = v / d;
      const ww = w * (d / this.#width);
      sw += ww;
      sw2 += ww * ww;
      swr += ww * r;
      swr2 += ww * r * r;
    }
    if (wt <= 0 || sw <= 0) return undefined;
    const mean = swr / sw;
    return { rate: wv / wt, variance: Math.max(0, swr2 / sw - mean * mean), neff: (sw * sw) / sw2 };
  }

  #priorEstimate(elapsed: number, total: number | undefined, hasLive: boolean): { eta: number; rel: number; range?: EtaEstimate } | undefined {
    const prior = this.#prior;
    if (!prior || this.#priorDropped) return undefined;
    if (total !== undefined && total > 0) {
      // The past duration, scaled to this run's total, times the share still to do.
      const duration = prior.total !== undefined ? (prior.durationMs * total) / prior.total : prior.durationMs;
      const left = duration * (1 - Math.min(1, this.#last / total));
      return { eta: left, rel: prior.rel };
    }
    // No total: only time says where we are.
    if (!hasLive && elapsed > GATE * prior.durationMs) {
      this.#priorDropped = true;
      return undefined;
    }
    const left = prior.durationMs - elapsed;
    if (left <= 0) return undefined;
    // The range of the past durations, less the time already spent (not a relative range of what
    // is left, which would balloon near the end).
    const half = Z * prior.rel;
    const range = { etaMs: Math.round(left), lowMs: Math.max(0, Math.round(prior.durationMs * Math.exp(-half) - elapsed)), highMs: Math.round(prior.durationMs * Math.exp(half) - elapsed) };
    return { eta: left, rel: (prior.rel * prior.durationMs) / left, range };
  }

  /** Ninja's rule, once warmed up: a live pace 10× off the past one means the history is not this run. */
  #checkPrior(done: number, seen: number, total: number): void {
    const prior = this.#prior;
    // Warmed up: 2 s, and a fifth of the past duration. Real runs are uneven (rsync's small files
    // fly, then its large ones crawl): their first seconds' pace says little against history.
    if (!prior || this.#priorDropped || this.#restarted || seen < Math.max(GATE_WARMUP_MS, GATE_WARMUP_SHARE * prior.durationMs)) return;
    const pastTotal = prior.total ?? total;
    const livePace = done / seen;
    const pastPace = pastTotal / prior.durationMs;
    const ratio = livePace / pastPace;
    if (ratio >= GATE || ratio <= 1 / GATE) this.#priorDropped = this.#gated = true;
  }

  /** Forgets the pace so far: progress is measured again from `current` at `t`. */
  #restart(t: number, current: number): void {
    this.#restarted = true;
    // The gate judged the first meter's pace as the scope's: it was not.
    if (this.#gated) this.#priorDropped = this.#gated = false;
    this.#start = t;
    this.#buckets = [];
    this.#width = FIRST_BUCKET_MS;
    this.#gap = undefined;
    this.#last = current;
    this.#base = current;
    this.#lastT = t;
    this.#lastProgressT = t;
  }

  /** Adds `amount` spread evenly over [a, b] to the buckets. */
  #spread(a: number, b: number, amount: number): void {
    while (b - this.#start >= MAX_BUCKETS * this.#width) this.#coarsen();
    const from = a - this.#start;
    const to = b - this.#start;
    if (to <= from) {
      this.#add(Math.min(MAX_BUCKETS - 1, Math.floor(from / this.#width)), amount);
      return;
    }
    const per = amount / (to - from);
    for (let k = Math.floor(from / this.#width); k * this.#width < to; k++) {
      const lo = Math.max(from, k * this.#width);
      const hi = Math.min(to, (k + 1) * this.#width);
      if (hi > lo) this.#add(k, per * (hi - lo));
    }
  }

  #add(k: number, amount: number): void {
    while (this.#buckets.length <= k) this.#buckets.push(0);
    this.#buckets[k]! += amount;
  }

  /** Halves the resolution: pairs of buckets merge and the width doubles. */
  #coarsen(): void {
    const merged: number[] = [];
    for (let k = 0; k < this.#buckets.length; k += 2) merged.push((this.#buckets[k] ?? 0) + (this.#buckets[k + 1] ?? 0));
    this.#buckets = merged;
    this.#width *= 2;
  }
}

function round(eta: number, rel: number): EtaEstimate {
  const half = Z * rel;
  return {
    etaMs: Math.max(0, Math.round(eta)),
    lowMs: Math.max(0, Math.round(eta * Math.exp(-half))),
    highMs: Math.max(0, Math.round(eta * Math.exp(half))),
  };
}
