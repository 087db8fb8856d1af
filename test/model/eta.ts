// The ETA engine: the first ETA, starting points and restarts, time (not update) weighting, a range that holds the truth and narrows,
// retries, and the history prior with its sanity gate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EtaEngine } from '../../src/model/eta.js';
import type { ProgEvent, Unstamped } from '../../src/events.js';
import { ProgressModel } from '../../src/model/progress-model.js';

/** A steady 10 units/s towards `total`, recorded every `every` ms up to `untilMs`. */
function steady(engine: EtaEngine, every: number, untilMs: number, perSec = 10, total = 10_000): void {
  for (let t = every; t <= untilMs; t += every) engine.record(t, Math.floor((t / 1000) * perSec), total);
}

test('an ETA from the second update, with a range as wide as the evidence is thin', () => {
  const e = new EtaEngine();
  assert.equal(e.estimate(0), undefined, 'nothing recorded');
  e.record(500, 5, 1000);
  const first = e.estimate(500)!;
  assert.ok(first !== undefined, 'one update after the start is a pace (5 in 0.5 s)');
  assert.ok(Math.abs(first.etaMs - 99_500) < 2000, `eta ${first.etaMs} at 10/s`);
  assert.ok(first.highMs / first.lowMs >= 10, `a wide range at first: [${first.lowMs}, ${first.highMs}]`);
  for (let t = 1000; t <= 30_000; t += 500) e.record(t, t / 100, 1000);
  const later = e.estimate(30_000)!;
  assert.ok(later.highMs / later.lowMs < first.highMs / first.lowMs / 3, `narrower with evidence: [${later.lowMs}, ${later.highMs}]`);
  const still = new EtaEngine();
  still.record(3000, 0, 1000);
  assert.is(still.estimate(3000), undefined, 'no progress yet: no pace');
  assert.equal(new EtaEngine().estimate(10_000), undefined);
});

test('a value shown when the scope appears is its starting point, not progress done in no time', () => {
  // cmake's first `[ 40%]` line, or pv's first redraw, arrives as the phase is created.
  const e = new EtaEngine({ startMs: 5000 });
  e.record(5000, 40, 100);
  assert.is(e.estimate(5000), undefined, 'no pace from one value');
  e.record(7000, 42, 100);
  const est = e.estimate(7000)!;
  // 2 % in 2 s: 58 % left is 58 s; the 40 % shown at the start would have made it about 5 s.
  assert.ok(Math.abs(est.etaMs - 58_000) < 3000, `eta ${est.etaMs}`);
});

test("a meter that restarts does not lend its pace to the next one (git's steps, rsync's files)", () => {
  // Receiving objects: 1000 in 2 s; then Resolving deltas restarts at 0 and goes 5/s.
  const e = new EtaEngine();
  for (let t = 100; t <= 2000; t += 100) e.record(t, t / 2, 1000);
  e.record(2100, 0, 200);
  for (let t = 2600; t <= 6100; t += 500) e.record(t, ((t - 2100) / 1000) * 5, 200);
  const est = e.estimate(6100)!;
  // 20 of 200 done at 5/s: 36 s left (the first meter's 500/s would say well under 1 s).
  assert.ok(Math.abs(est.etaMs - 36_000) < 4000, `eta ${est.etaMs}`);
});

test('a dip is not a restart: rsync\'s percentage falls as its file list grows, and its pace holds', () => {
  const e = new EtaEngine();
  for (let t = 1000; t <= 60_000; t += 1000) e.record(t, t / 1000, 100);
  // The total grew by a tenth: 60 % becomes 54 %.
  e.record(61_000, 54, 100);
  const est = e.estimate(61_000);
  assert.ok(est !== undefined && Math.abs(est.etaMs - 46_000) < 5000, `eta ${est?.etaMs}: 46 % left at 1 %/s`);
});

test("with history, a meter that restarts goes by the past duration: git's fast counting does not void it", () => {
  // Past clones took 26 s. Counting objects: 1000 in 1 s (26× the past pace: the sanity gate fires);
  // then Receiving objects restarts at 0 and goes 10 %/s for now.
  const e = new EtaEngine({ prior: { durationsMs: [26_000] } });
  for (let t = 100; t <= 1000; t += 100) e.record(t, t, 1000);
  e.estimate(1000);
  e.record(1100, 0, 100);
  for (let t = 1500; t <= 3000; t += 500) e.record(t, (t - 1000) / 100, 100);
  const est = e.estimate(3000)!;
  // The current meter alone says 8 s; the clone as a whole has 23 s to go by its history.
  assert.ok(!e.priorDropped, 'the prior is back once the meter restarted');
  assert.ok(Math.abs(est.etaMs - 23_000) < 1000, `eta ${est.etaMs}`);
  assert.ok(est.lowMs <= 23_000 && 23_000 <= est.highMs);
});

test("an uneven start does not void history of the same work (rsync's small files first, large ones last)", () => {
  // Past runs: 26 s for 562 files (21.6 files/s). This one: 300 files in the first 1.2 s (250/s,
  // over 10× the past pace), then the large files crawl.
  const e = new EtaEngine({ prior: { durationsMs: [26_000], total: 562 } });
  // Asked at every update, as prog's snapshots do.
  for (let t = 100; t <= 1200; t += 100) (e.record(t, t / 4, 562), e.estimate(t));
  for (let t = 1500; t <= 4000; t += 500) (e.record(t, 300 + Math.floor((t - 1200) / 500), 562), e.estimate(t));
  const est = e.estimate(4000)!;
  assert.ok(!e.priorDropped, 'history still counts');
  // Past runs say 26 s × (1 − 305/562) ≈ 11.9 s; the live pace alone about 3.4 s.
  assert.ok(est.etaMs > 7000, `eta ${est.etaMs}`);
});

test('a range that leans on history is never narrower than ±0.3 (before Z): uneven pace within a run', () => {
  // Past runs agree closely (10 s, 10 s, 10.2 s), yet where this run stands against them (a share
  // of the work) is rougher than that: pv's bytes through xz, a slow test module.
  const e = new EtaEngine({ prior: { durationsMs: [10_000, 10_000, 10_200], total: 100 } });
  e.record(1000, 10, 100);
  const early = e.estimate(1000)!;
  for (let t = 2000; t <= 5000; t += 1000) e.record(t, t / 100, 100);
  const later = e.estimate(5000)!;
  for (const est of [early, later]) {
    assert.ok(est.lowMs <= est.etaMs && est.etaMs <= est.highMs);
    assert.ok(est.highMs / est.lowMs >= Math.exp(2 * 1.8 * 0.3) * 0.99, `[${est.lowMs}, ${est.highMs}] around ${est.etaMs}`);
  }
});

test('time-weighted, not update-weighted: updates every 10 ms or every 1 s give about the same ETA', () => {
  // 20/s for 60 s, then 5/s for 180 s: the same progress over time, reported at two cadences.
  const pace = (t: number) => (t <= 60_000 ? t * 0.02 : 1200 + (t - 60_000) * 0.005);
  const fine = new EtaEngine();
  const coarse = new EtaEngine();
  for (let t = 10; t <= 240_000; t += 10) fine.record(t, Math.floor(pace(t)), 5000);
  for (let t = 1000; t <= 240_000; t += 1000) coarse.record(t, Math.floor(pace(t)), 5000);
  const a = fine.estimate(240_000)!.etaMs;
  const b = coarse.estimate(240_000)!.etaMs;
  assert.ok(Math.abs(a - b) / b < 0.05, `${a} vs ${b}`);
  // A pace that changed for good, and has lasted three times as long as the old one, is followed:
  // nearer the 5/s answer than the whole-run average.
  const left = 5000 - pace(240_000);
  assert.ok(a > (left / (pace(240_000) / 240)) * 1000 * 1.2, `eta ${a} leans to the recent pace`);
});

test('a slow patch does not take over at once: the whole run\'s pace holds (pytest\'s slow module)', () => {
  // 10/s for 15 s, then a slow patch at 1/s for 10 s, of 1000 in all.
  const pace = (t: number) => (t <= 15_000 ? t / 100 : 150 + (t - 15_000) / 1000);
  const e = new EtaEngine();
  for (let t = 200; t <= 25_000; t += 200) e.record(t, Math.floor(pace(t)), 1000);
  const eta = e.estimate(25_000)!.etaMs;
  // The whole run's pace says 840 ÷ 6.4/s ≈ 131 s; the patch's own pace 840 s, and leaning to it
  // (as the engine did before) about 265 s.
  assert.ok(eta < 160_000, `eta ${eta} in the slow patch`);
});

test('range: holds the truth on a steady trace, and narrows as evidence grows', () => {
  const e = new EtaEngine();
  let done = 0;
  let t = 0;
  const widths: number[] = [];
  // 1000 items, about 1 s each with jitter (deterministic); checked at 10 %, 30 %, 60 %.
  const durations = Array.from({ length: 1000 }, (_, i) => 1000 * (0.5 + ((i * 7919) % 1000) / 1000));
  const end = durations.reduce((a, b) => a + b, 0);
  for (const d of durations) {
    t += d;
    e.record(t, ++done, 1000);
    if (done === 100 || done === 300 || done === 600) {
      const est = e.estimate(t)!;
      const truth = end - t;
      assert.ok(est.lowMs <= truth && truth <= est.highMs, `at ${done}: ${truth} in [${est.lowMs}, ${est.highMs}]`);
      assert.ok(Math.abs(est.etaMs - truth) / truth < 0.15, `at ${done}: eta ${est.etaMs} vs ${truth}`);
      widths.push((est.highMs - est.lowMs) / est.etaMs);
    }
  }
  assert.ok(widths[0]! > widths[1]! && widths[1]! > widths[2]!, `relative widths narrow: ${widths.join(', ')}`);
});

test('eta-window: a window limits how far back the pace is judged', () => {
  // 20/s for 5 minutes, then 5/s for a minute: with a 30 s window only the new pace counts.
  const pace = (t: number) => (t <= 300_000 ? t * 0.02 : 6000 + (t - 300_000) * 0.005);
  const windowed = new EtaEngine({ windowMs: 30_000 });
  for (let t = 500; t <= 360_000; t += 500) windowed.record(t, Math.floor(pace(t)), 20_000);
  const left = 20_000 - pace(360_000);
  const eta = windowed.estimate(360_000)!.etaMs;
  assert.ok(Math.abs(eta - left / 0.005) / (left / 0.005) < 0.1, `eta ${eta} vs ${left / 0.005} at the recent pace`);
  // And the model hands the window to every phase's engine.
  const model = new ProgressModel({ etaWindowMs: 30_000 });
  let seq = 0;
  const apply = (e: Unstamped<ProgEvent>, t: number) => model.apply({ ...e, seq: ++seq, t } as ProgEvent);
  for (let t = 500; t <= 360_000; t += 500) apply({ type: 'progress', phase: 'p', current: Math.floor(pace(t)), total: 20_000 } as Unstamped<ProgEvent>, t);
  const phase = model.snapshot(360_000).phases[0]!;
  assert.ok(Math.abs(phase.etaMs! - eta) / eta < 0.05, `phase eta ${phase.etaMs} vs ${eta}`);
});

test('retries are not progress: a run with retried attempts has the ETA of its processed pace', () => {
  // Through the model: every item fails once (retried) then succeeds; an item takes 1 s in all.
  const model = new ProgressModel();
  let seq = 0;
  const at = (t: number, e: Unstamped) => model.apply({ seq: ++seq, t, ...e } as ProgEvent);
  at(0, { type: 'phase', id: 'p', total: 100 });
  for (let i = 1; i <= 40; i++) {
    at(i * 1000 - 500, { type: 'item.fail', phase: 'p', id: `i${i}`, retry: 1, maxRetries: 2 });
    at(i * 1000, { type: 'item.done', phase: 'p', id: `i${i}` });
  }
  const p = model.snapshot(40_000).phases[0]!;
  assert.is(p.current, 40);
  assert.ok(Math.abs(p.etaMs! - 60_000) < 3000, `60 items left at 1/s: ${p.etaMs}`);
  assert.ok(p.etaLowMs! <= 60_000 && 60_000 <= p.etaHighMs!);
});

test('a stall raises the ETA; progress going back is a new baseline, not negative pace', () => {
  const e = new EtaEngine();
  steady(e, 500, 30_000);
  const moving = e.estimate(30_000)!.etaMs;
  const stalled = e.estimate(60_000)!.etaMs;
  assert.ok(stalled > moving, `${stalled} > ${moving}`);
  e.record(61_000, 0, 10_000);
  e.record(62_000, 10, 10_000);
  const after = e.estimate(62_000);
  assert.ok(after === undefined || after.etaMs > 0);
});

test('prior: an ETA from the first second, blending towards the live pace', () => {
  const e = new EtaEngine({ prior: { durationsMs: [100_000, 110_000, 90_000], total: 1000 } });
  e.record(1000, 10, 1000);
  const early = e.estimate(1000)!;
  assert.ok(Math.abs(early.etaMs - 99_000) < 1000, `the prior alone: ${early.etaMs}`);
  assert.ok(early.lowMs < early.etaMs && early.etaMs < early.highMs);
  // This run goes twice as fast as history: the estimate moves towards the live 45 s.
  for (let t = 2000; t <= 55_000; t += 1000) e.record(t, Math.floor(t / 50), 1000);
  const later = e.estimate(55_000)!;
  assert.ok(!e.priorDropped);
  assert.ok(Math.abs(later.etaMs - 45_000) < Math.abs(later.etaMs - 49_500) + 5000 && later.etaMs < 48_000, `towards live: ${later.etaMs}`);
  assert.equal(new EtaEngine({ prior: { durationsMs: [60_000] } }).estimate(1000)?.etaMs, 59_000, 'without totals: time left of the past duration');
});

test('prior: dropped by the sanity gate when the live pace disagrees 10×', () => {
  const e = new EtaEngine({ prior: { durationsMs: [10_000], total: 1000 } });
  e.record(1000, 10, 1000);
  assert.ok(e.estimate(1000)!.etaMs < 10_000, 'the prior says 10 s in all');
  // 10× slower than history: 10 units/s.
  for (let t = 2000; t <= 20_000; t += 1000) e.record(t, t / 100, 1000);
  const est = e.estimate(20_000)!;
  assert.ok(e.priorDropped, 'the gate dropped the history');
  assert.ok(Math.abs(est.etaMs - 80_000) < 8000, `the live pace alone: ${est.etaMs}`);
  const agree = new EtaEngine({ prior: { durationsMs: [10_000], total: 1000 } });
  for (let t = 1000; t <= 5000; t += 1000) agree.record(t, t / 25, 1000);
  agree.estimate(5000);
  assert.ok(!agree.priorDropped, 'a 2.5× difference keeps it');
});

test('the model: phase and run carry etaLowMs ≤ etaMs ≤ etaHighMs; a run prior gives an ETA at t=1 s', () => {
  const model = new ProgressModel({ prior: { run: { durationsMs: [60_000] }, phases: { build: { durationsMs: [40_000], total: 100 } } } });
  let seq = 0;
  const at = (t: number, e: Unstamped) => model.apply({ seq: ++seq, t, ...e } as ProgEvent);
  at(0, { type: 'phase', id: 'build', total: 100 });
  at(1000, { type: 'progress', phase: 'build', current: 2 });
  const s = model.snapshot(1000);
  assert.ok(s.etaMs !== undefined && s.etaLowMs! <= s.etaMs && s.etaMs <= s.etaHighMs!, JSON.stringify(s));
  assert.ok(s.etaMs > 40_000, 'the run prior knows the run is longer than this phase');
  const p = s.phases[0]!;
  assert.ok(p.etaMs !== undefined && Math.abs(p.etaMs - 39_200) < 1000, `phase prior: ${p.etaMs}`);
  const plain = new ProgressModel();
  plain.apply({ seq: 1, t: 0, type: 'phase', id: 'build', total: 100 });
  plain.apply({ seq: 2, t: 1000, type: 'progress', phase: 'build', current: 2 });
  const live = plain.snapshot(1000);
  // Without history, the second update gives an ETA (2 of 100 in 1 s: 49 s), its range wide.
  assert.ok(live.etaMs !== undefined && Math.abs(live.etaMs - 49_000) < 2000, `without history: ${live.etaMs}`);
  assert.ok(live.etaLowMs! <= 49_000 && 49_000 <= live.etaHighMs! && live.etaHighMs! / live.etaLowMs! >= 10, JSON.stringify(live));
});

test.run();
