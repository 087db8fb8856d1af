// Reference ETA estimators of prog's peers, written from their documented algorithms
// (shared/research/peers.md), for the accuracy benchmark. Each takes (t, current, total) updates
// and answers an ETA in ms at any later time, or undefined when it would show none.

export interface Estimator {
  record(tMs: number, current: number, total: number): void;
  eta(nowMs: number): number | undefined;
}

const remainingAt = (total: number, current: number, perMs: number): number | undefined =>
  perMs > 0 && Number.isFinite(perMs) ? Math.max(0, (total - current) / perMs) : undefined;

/** tqdm: bias-corrected EMAs (smoothing 0.3) of Δn and Δt between prints; prints at most every 100 ms (mininterval). */
export class Tqdm implements Estimator {
  #n = 0; #t = 0; #printN = 0; #printT = 0; #total = 0;
  #emaDn = 0; #emaDt = 0; #calls = 0;
  constructor(startMs = 0) { this.#t = this.#printT = startMs; }
  record(tMs: number, current: number, total: number): void {
    this.#n = current; this.#t = tMs; this.#total = total;
    if (tMs - this.#printT < 100) return;
    const dn = current - this.#printN;
    const dt = tMs - this.#printT;
    const a = 0.3;
    this.#emaDn = a * dn + (1 - a) * this.#emaDn;
    this.#emaDt = a * dt + (1 - a) * this.#emaDt;
    this.#calls++;
    this.#printN = current; this.#printT = tMs;
  }
  eta(): number | undefined {
    if (this.#calls === 0) return undefined;
    const corr = 1 - Math.pow(0.7, this.#calls);
    const rate = (this.#emaDn / corr) / (this.#emaDt / corr);
    return remainingAt(this.#total, this.#printN, rate);
  }
}

/** indicatif: double time-weighted EWA (weight of age t is 0.1^(t/15 s)), debiased, decayed by the time since the last update. */
export class Indicatif implements Estimator {
  #start: number; #prevT: number; #prevSteps = 0; #total = 0; #pos = 0;
  #smoothed = 0; #double = 0;
  constructor(startMs = 0) { this.#start = this.#prevT = startMs; }
  static weight(dtSec: number): number { return Math.pow(0.1, dtSec / 15); }
  record(tMs: number, current: number, total: number): void {
    this.#total = total; this.#pos = current;
    if (current < this.#prevSteps) { this.#prevSteps = current; this.#prevT = tMs; this.#smoothed = this.#double = 0; this.#start = tMs; return; }
    const dt = (tMs - this.#prevT) / 1000;
    if (dt <= 0.001) return; // indicatif ignores updates too close together (the steps accumulate)
    const rate = (current - this.#prevSteps) / dt;
    const w = Indicatif.weight(dt);
    this.#smoothed = this.#smoothed * w + rate * (1 - w);
    const sinceStart = (tMs - this.#start) / 1000;
    const norm = this.#smoothed / (1 - Indicatif.weight(sinceStart));
    this.#double = this.#double * w + norm * (1 - w);
    this.#prevSteps = current; this.#prevT = tMs;
  }
  eta(nowMs: number): number | undefined {
    if (this.#pos <= 0) return undefined;
    const reweight = Indicatif.weight((nowMs - this.#prevT) / 1000);
    const totalWeight = 1 - Indicatif.weight((nowMs - this.#start) / 1000);
    if (totalWeight <= 0) return undefined;
    const perSec = (this.#double * reweight) / totalWeight;
    return remainingAt(this.#total, this.#pos, perSec / 1000);
  }
}

/** pv: (elapsed, transferred) samples every second in a 30 s ring buffer; rate = newest − oldest over their time. */
export class Pv implements Estimator {
  #samples: { t: number; v: number }[] = [];
  #cur = 0; #total = 0;
  constructor(startMs = 0) { this.#samples.push({ t: startMs, v: 0 }); }
  record(tMs: number, current: number, total: number): void {
    this.#cur = current; this.#total = total;
    this.#tick(tMs);
  }
  #tick(tMs: number): void {
    const last = this.#samples[this.#samples.length - 1]!;
    // One sample per display interval (1 s), taken with the value at that moment.
    for (let t = last.t + 1000; t <= tMs; t += 1000) this.#samples.push({ t, v: this.#cur });
    while (this.#samples.length > 31) this.#samples.shift();
  }
  eta(nowMs: number): number | undefined {
    this.#tick(nowMs);
    const first = this.#samples[0]!;
    const span = nowMs - first.t;
    if (span <= 0) return undefined;
    return remainingAt(this.#total, this.#cur, (this.#cur - first.v) / span);
  }
}

/**
 * GNU parallel: average time per job since the start; the ETA is smoothed towards the last one as
 * the run goes on (weight = share done) and sticky: it only moves when it changes by more than 10 %.
 */
export class Parallel implements Estimator {
  #start: number; #cur = 0; #total = 0;
  #shown: { eta: number; at: number } | undefined;
  constructor(startMs = 0) { this.#start = startMs; }
  record(_tMs: number, current: number, total: number): void { this.#cur = current; this.#total = total; }
  eta(nowMs: number): number | undefined {
    if (this.#cur <= 0 || this.#total <= 0) return undefined;
    const perJob = (nowMs - this.#start) / this.#cur;
    const raw = (this.#total - this.#cur) * perJob;
    const pct = this.#cur / this.#total;
    const last = this.#shown ? Math.max(0, this.#shown.eta - (nowMs - this.#shown.at)) : raw;
    const smooth = (1 - pct) * last + pct * raw;
    if (!this.#shown || Math.abs(smooth - last) > 0.1 * Math.max(last, 1)) this.#shown = { eta: smooth, at: nowMs };
    return Math.max(0, this.#shown.eta - (nowMs - this.#shown.at));
  }
}

/** prog's first ETA: the mean rate over the last 20 updates. */
export class Seed implements Estimator {
  #pts: { t: number; v: number }[] = [];
  #total = 0;
  constructor(startMs = 0) { this.#pts.push({ t: startMs, v: 0 }); }
  record(tMs: number, current: number, total: number): void {
    this.#total = total;
    this.#pts.push({ t: tMs, v: current });
    if (this.#pts.length > 21) this.#pts.shift();
  }
  eta(): number | undefined {
    const a = this.#pts[0]!;
    const b = this.#pts[this.#pts.length - 1]!;
    if (b.t <= a.t) return undefined;
    return remainingAt(this.#total, b.v, (b.v - a.v) / (b.t - a.t));
  }
}
