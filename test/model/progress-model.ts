// The progress model: counts, retries, clamping, bounded memory, throughput and ETA.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Unstamped } from '../../src/events.js';
import { willRetry } from '../../src/events.js';
import { MAX_REMEMBERED } from '../../src/model/progress-model.js';
import { etaMs, Throughput } from '../../src/model/throughput.js';
import { counts, ModelRun as Run } from '../helpers/model-run.js';



// ------------------------------------------------------------------------------------ counts

test('item.error: a message (and name) given later for a failure already counted counts nothing', () => {
  const r = new Run().at(0, { type: 'phase', id: 'pytest', total: 2 })
    .at(10, { type: 'item.fail', phase: 'pytest', id: 'a.py #1', error: 'failed' })
    .at(20, { type: 'item.done', phase: 'pytest', id: 'a.py #2' })
    .at(30, { type: 'item.error', phase: 'pytest', id: 'a.py #1', error: 'AssertionError: boom', name: 'a.py::test_x' })
    .at(40, { type: 'item.error', phase: 'pytest', id: 'never failed', error: 'x' });
  assert.equal(r.counts, counts({ processed: 2, succeeded: 1, failed: 1 }));
  assert.equal(r.model.failures.map((f) => [f.id, f.error]), [['a.py::test_x', 'AssertionError: boom']]);
});

test('counts: done, failed, skipped are processed; running is started and not finished', () => {
  const r = new Run()
    .at(0, { type: 'phase', id: 'map', total: 10 })
    .at(1, { type: 'item.start', phase: 'map', id: 'a' })
    .at(2, { type: 'item.start', phase: 'map', id: 'b' })
    .at(3, { type: 'item.start', phase: 'map', id: 'c' })
    .at(4, { type: 'item.start', phase: 'map', id: 'd' })
    .at(5, { type: 'item.done', phase: 'map', id: 'a' })
    .at(6, { type: 'item.fail', phase: 'map', id: 'b', error: 'boom' })
    .at(7, { type: 'item.skip', phase: 'map', id: 'c', reason: 'cached' });
  assert.equal(r.counts, counts({ processed: 3, succeeded: 1, failed: 1, skipped: 1, running: 1 }));
  assert.equal(r.phase('map').counts, r.counts);
  assert.is(r.phase('map').current, 3, 'without progress markers, progress is the processed items');
});

test('counts: an item started twice runs once; finishing one never started does not go negative', () => {
  const r = new Run()
    .at(0, { type: 'item.start', phase: 'p', id: 'a' })
    .at(1, { type: 'item.start', phase: 'p', id: 'a' })
    .at(2, { type: 'item.done', phase: 'p', id: 'z' });
  assert.equal(r.counts, counts({ processed: 1, succeeded: 1, running: 1 }));
  r.at(3, { type: 'item.done', phase: 'p', id: 'a' }).at(4, { type: 'item.done', phase: 'p', id: 'a' });
  assert.is(r.counts.running, 0);
});

test('counts: items without a phase count on the run only', () => {
  const r = new Run()
    .at(0, { type: 'item.start', id: 'a' })
    .at(1, { type: 'item.done', id: 'a' })
    .at(2, { type: 'item.start', id: 'b' });
  assert.equal(r.counts, counts({ processed: 1, succeeded: 1, running: 1 }));
  assert.is(r.model.phases.size, 0);
});

test('counts: the same item id in two phases is two items', () => {
  const r = new Run()
    .at(0, { type: 'item.start', phase: 'p', id: 'x' })
    .at(1, { type: 'item.start', phase: 'q', id: 'x' })
    .at(2, { type: 'item.done', phase: 'p', id: 'x' });
  assert.equal(r.counts, counts({ processed: 1, succeeded: 1, running: 1 }));
  assert.is(r.phase('q').counts.running, 1);
});

// ------------------------------------------------------------------------------------ retries

test('willRetry: retry ≤ maxRetries is a retry; otherwise, or without both, the failure is final', () => {
  assert.ok(willRetry({ retry: 1, maxRetries: 3 }));
  assert.ok(willRetry({ retry: 3, maxRetries: 3 }));
  assert.not.ok(willRetry({ retry: 4, maxRetries: 3 }));
  assert.not.ok(willRetry({ retry: 1 }));
  assert.not.ok(willRetry({ maxRetries: 3 }));
  assert.not.ok(willRetry({}));
});

test('retries: a failed attempt that will be retried is counted as retried, not failed, not processed', () => {
  const r = new Run()
    .at(0, { type: 'item.start', phase: 'p', id: 'a', agent: 'w1' })
    .at(1, { type: 'item.fail', phase: 'p', id: 'a', agent: 'w1', error: 'flaky', retry: 1, maxRetries: 2 });
  assert.equal(r.counts, counts({ retried: 1 }));
  assert.is(r.model.failures.length, 0, 'a retried attempt is not a failure');
  assert.equal(r.model.snapshot().agents[0]!.last, { item: 'a', outcome: 'retrying', error: 'flaky' });
  r.at(2, { type: 'item.start', phase: 'p', id: 'a' })
    .at(3, { type: 'item.fail', phase: 'p', id: 'a', error: 'flaky', retry: 2, maxRetries: 2 })
    .at(4, { type: 'item.start', phase: 'p', id: 'a' })
    .at(5, { type: 'item.fail', phase: 'p', id: 'a', error: 'gave up', retry: 3, maxRetries: 2 });
  assert.equal(r.counts, counts({ processed: 1, failed: 1, retried: 2 }));
  assert.equal(r.model.failures, [{ id: 'a', phase: 'p', error: 'gave up', tMs: 5 }]);
});

test('retries: a retry that then succeeds is one success and one retry', () => {
  const r = new Run()
    .at(0, { type: 'item.start', id: 'a' })
    .at(1, { type: 'item.fail', id: 'a', retry: 1, maxRetries: 1 })
    .at(2, { type: 'item.start', id: 'a' })
    .at(3, { type: 'item.done', id: 'a' });
  assert.equal(r.counts, counts({ processed: 1, succeeded: 1, retried: 1 }));
});

// ------------------------------------------------------------------------------------ clamping

test('clamping: progress past the total shows the total; percent never passes 100', () => {
  const r = new Run().at(0, { type: 'phase', id: 'p', total: 100 }).at(10, { type: 'progress', phase: 'p', current: 150 });
  assert.is(r.phase('p').current, 100);
  assert.is(r.phase('p').percent, 100);
  r.at(20, { type: 'progress', phase: 'p', current: 250, total: 200 });
  assert.is(r.phase('p').current, 200, 'a new total in the progress marker applies first');
});

test('clamping: a total lowered after progress, or more items than announced, stays within the total', () => {
  const r = new Run().at(0, { type: 'phase', id: 'p', total: 100 }).at(1, { type: 'progress', phase: 'p', current: 80 });
  r.at(2, { type: 'phase', id: 'p', total: 50 });
  assert.is(r.phase('p').current, 50);
  assert.is(r.phase('p').percent, 100);
  const items = new Run().at(0, { type: 'phase', id: 'q', total: 2 });
  for (let i = 0; i < 5; i++) items.at(1 + i, { type: 'item.done', phase: 'q', id: `i${i}` });
  assert.is(items.phase('q').current, 2);
  assert.is(items.phase('q').counts.succeeded, 5, 'the counts still say what happened');
  assert.is(items.model.snapshot().percent, 100);
  assert.is(items.phase('q').etaMs ?? 0, 0);
});

test('clamping: a total of 0 is complete; no total means no percent', () => {
  const r = new Run().at(0, { type: 'phase', id: 'zero', total: 0 }).at(0, { type: 'phase', id: 'open' });
  assert.is(r.phase('zero').percent, 100);
  assert.is(r.phase('open').percent, undefined);
  assert.is(r.model.snapshot().percent, undefined, 'the run has a percentage only when every phase has a total');
  const both = new Run().at(0, { type: 'phase', id: 'a', total: 10 }).at(0, { type: 'phase', id: 'b', total: 30 })
    .at(1, { type: 'progress', phase: 'a', current: 10 }).at(1, { type: 'progress', phase: 'b', current: 10 });
  assert.is(both.model.snapshot().percent, 50);
});

// ------------------------------------------------------------------------------------ phases and status

test('phases: referring to an unknown phase starts it, named by its id', () => {
  const r = new Run().at(5, { type: 'item.done', phase: 'build', id: 'x' });
  const p = r.phase('build');
  assert.equal([p.name, p.status, p.startedMs], ['build', 'running', 5]);
});

test('phases: phase.end sets the status and the duration; a phase started again runs again', () => {
  const r = new Run().at(100, { type: 'phase', id: 'p', name: 'P', total: 3 }).at(600, { type: 'phase.end', id: 'p', status: 'skipped' });
  assert.equal([r.phase('p').status, r.phase('p').durationMs, r.phase('p').endedMs], ['skipped', 500, 600]);
  r.at(900, { type: 'phase', id: 'p' });
  assert.is(r.phase('p').status, 'running');
  assert.is(r.phase('p').endedMs, undefined);
  assert.is(r.phase('p').name, 'P', 'a phase marker without a name keeps the name');
});

test('status: running until exit; ok, failed or interrupted after; open phases end with the run', () => {
  const ok = new Run().at(0, { type: 'phase', id: 'p' }).at(0, { type: 'phase', id: 'q' }).at(5, { type: 'phase.end', id: 'q', status: 'failed' });
  assert.is(ok.model.status, 'running');
  ok.exit(10, 0);
  assert.is(ok.model.status, 'ok');
  assert.equal([ok.phase('p').status, ok.phase('p').endedMs, ok.phase('q').status], ['ok', 10, 'failed']);
  const failed = new Run().at(0, { type: 'phase', id: 'p' }).exit(10, 1);
  assert.equal([failed.model.status, failed.phase('p').status], ['failed', 'failed']);
  const killed = new Run().at(0, { type: 'phase', id: 'p' }).exit(10, null, 'SIGKILL');
  assert.equal([killed.model.status, killed.phase('p').status], ['interrupted', 'interrupted'], 'a phase a signal cut short is interrupted, not failed');
  assert.is(killed.model.summary({ id: 'x', command: ['c'] }).signal, 'SIGKILL');
});

test('agents: busy with an item, idle after it, the last outcome kept', () => {
  const r = new Run()
    .at(0, { type: 'agent', id: 'w', status: 'idle', pid: 42 })
    .at(1, { type: 'item.start', phase: 'p', id: 'a', agent: 'w' });
  assert.equal(r.model.snapshot().agents, [{ id: 'w', status: 'busy', pid: 42, phase: 'p', item: 'a', itemSinceMs: 1 }]);
  r.at(2, { type: 'item.skip', phase: 'p', id: 'a', agent: 'w' });
  assert.equal(r.model.snapshot().agents, [{ id: 'w', status: 'idle', pid: 42, phase: 'p', last: { item: 'a', outcome: 'skipped' } }]);
  r.at(3, { type: 'agent', id: 'w', status: 'offline' });
  assert.is(r.model.snapshot().agents[0]!.status, 'offline');
});

test('summary: what views and the store need, phases with where they got to', () => {
  const r = new Run()
    .at(0, { type: 'workflow', name: 'wf' })
    .at(0, { type: 'phase', id: 'p', name: 'P', total: 10 })
    .at(5, { type: 'progress', phase: 'p', current: 7 })
    .at(6, { type: 'marker.invalid', channel: 'stdout', reason: 'x' })
    .at(7, { type: 'item.fail', phase: 'p', id: 'i', error: 'e' })
    .exit(20, 3);
  const s = r.model.summary({ id: 'run', command: ['a', 'b'] });
  assert.equal(s, {
    type: 'summary', id: 'run', command: ['a', 'b'], status: 'failed', exitCode: 3, signal: null, durationMs: 20,
    counts: counts({ processed: 1, failed: 1 }),
    phases: [{ id: 'p', name: 'P', status: 'failed', durationMs: 20, current: 7, counts: counts({ processed: 1, failed: 1 }), total: 10 }],
    failures: [{ id: 'i', phase: 'p', error: 'e', tMs: 7 }], failuresOmitted: 0, invalidMarkers: 1, workflow: 'wf',
  });
});

// ------------------------------------------------------------------------------------ bounded memory

function gc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

test('memory: a million items done leave counts and the first 100 000 ids (so none counts twice), then nothing more', () => {
  const collect = gc();
  const r = new Run().at(0, { type: 'phase', id: 'map', total: 1_000_000 });
  collect();
  const before = process.memoryUsage().heapUsed;
  const agents = ['a0', 'a1', 'a2', 'a3'];
  let atCap = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const id = `file_${i}.py`;
    const t = Math.floor(i / 100);
    r.at(t, { type: 'item.start', phase: 'map', id, agent: agents[i % 4]! });
    r.at(t, { type: 'item.done', phase: 'map', id, agent: agents[i % 4]! });
    if (i === 200_000) {
      collect();
      atCap = process.memoryUsage().heapUsed;
    }
  }
  collect();
  const after = process.memoryUsage().heapUsed;
  assert.equal(r.counts, counts({ processed: 1_000_000, succeeded: 1_000_000 }));
  assert.is(r.model.phases.get('map')!.running.size, 0, 'no item is left running');
  assert.is(r.model.rememberedItems, MAX_REMEMBERED);
  assert.is(r.model.agents.size, 4);
  assert.is(r.phase('map').percent, 100);
  assert.ok(atCap - before < 16 * 1024 * 1024, `heap grew by ${((atCap - before) / 1048576).toFixed(1)} MiB for the remembered ids`);
  assert.ok(after - atCap < 2 * 1024 * 1024, `heap grew by ${((after - atCap) / 1048576).toFixed(1)} MiB for the 800 000 items past the cap`);
  // Remembered: done again, not counted again.
  r.at(10_001, { type: 'item.done', phase: 'map', id: 'file_5.py' });
  assert.is(r.counts.succeeded, 1_000_000);
});

test('memory: a million final failures keep the last 100, oldest first, and count the rest', () => {
  const r = new Run();
  for (let i = 0; i < 1_000_000; i++) r.at(i, { type: 'item.fail', phase: 'p', id: `i${i}`, error: `error ${i}` });
  assert.is(r.model.failures.length, 100);
  assert.is(r.model.failuresOmitted, 999_900);
  assert.is(r.model.failures[0]!.id, 'i999900');
  assert.is(r.model.failures[99]!.id, 'i999999');
  const s = r.exit(1_000_000, 1).model.summary({ id: 'x', command: ['c'] });
  assert.equal([s.failures.length, s.failuresOmitted, s.counts.failed], [100, 999_900, 1_000_000]);
});

// ------------------------------------------------------------------------------------ throughput and ETA

test('throughput: no rate before a second of history or before any progress', () => {
  const t = new Throughput(0);
  assert.is(t.rate(5000), undefined, 'nothing done');
  t.record(500, 10);
  assert.is(t.rate(900), undefined, 'under a second');
  assert.is(t.rate(1000), 10);
});

test('throughput: a steady 10/s reads 10/s, and the ETA is what is left at that rate', () => {
  const r = new Run().at(0, { type: 'phase', id: 'p', total: 1000 });
  for (let i = 1; i <= 600; i++) r.at(i * 100, { type: 'item.done', phase: 'p', id: `i${i}` });
  const p = r.model.snapshot(60_000).phases[0]!;
  assert.ok(Math.abs(p.rate! - 10) < 0.01, `rate ${p.rate}`);
  assert.ok(Math.abs(p.etaMs! - 40_000) < 100, `eta ${p.etaMs}`);
  assert.is(r.model.snapshot(60_000).etaMs, p.etaMs, 'one running phase: the run\'s ETA is its ETA');
  assert.ok(Math.abs(r.model.snapshot(60_000).rate! - 10) < 0.01, 'the run\'s rate too');
});

test('throughput: recent speed, not the whole-run average, even with frequent updates', () => {
  const r = new Run().at(0, { type: 'phase', id: 'p', total: 100_000 });
  let done = 0;
  // 20/s for a minute (an update every 50 ms), then 2/s for three minutes (every 500 ms).
  for (let t = 50; t <= 60_000; t += 50) r.at(t, { type: 'progress', phase: 'p', current: ++done });
  for (let t = 60_500; t <= 240_000; t += 500) r.at(t, { type: 'progress', phase: 'p', current: ++done });
  const rate = r.phase('p').rate!;
  assert.ok(rate > 1.8 && rate < 2.3, `rate over the last 30 s is about 2/s, got ${rate}`);
  // The ETA (src/model/eta.ts, time-decayed) leans to a pace that changed for good and has lasted:
  // well past what the whole-run average would say, at most what the recent pace alone would say.
  const eta = r.phase('p').etaMs!;
  const average = ((100_000 - done) / (done / 240)) * 1000;
  assert.ok(eta > 1.5 * average && eta <= ((100_000 - done) / 2) * 1000 * 1.05, `eta ${eta}`);
  const p = r.phase('p');
  assert.ok(p.etaLowMs! <= eta && eta <= p.etaHighMs!, 'the range holds the central value');
});

test('throughput: a stall shows as a falling rate and a growing ETA; an ended phase has neither', () => {
  const r = new Run().at(0, { type: 'phase', id: 'p', total: 100 });
  for (let i = 1; i <= 20; i++) r.at(i * 500, { type: 'progress', phase: 'p', current: i });
  const moving = r.model.snapshot(10_000).phases[0]!;
  const stalled = r.model.snapshot(25_000).phases[0]!;
  assert.ok(stalled.rate! < moving.rate!, 'the rate falls while nothing moves');
  assert.ok(stalled.etaMs! > moving.etaMs!, 'the ETA grows');
  r.at(26_000, { type: 'phase.end', id: 'p', status: 'ok' });
  const ended = r.model.snapshot(27_000).phases[0]!;
  assert.equal([ended.rate, ended.etaMs], [undefined, undefined]);
});

test('ETA: unknown without a total or a rate, zero when done, the slowest phase for the run', () => {
  assert.is(etaMs(5, undefined, 1), undefined);
  assert.is(etaMs(5, 10, undefined), undefined);
  assert.is(etaMs(5, 10, 0), undefined);
  assert.is(etaMs(10, 10, 3), 0);
  assert.is(etaMs(5, 10, 2), 2500);
  const r = new Run().at(0, { type: 'phase', id: 'fast', total: 100 }).at(0, { type: 'phase', id: 'slow', total: 100 });
  r.at(10_000, { type: 'progress', phase: 'fast', current: 50 }).at(10_000, { type: 'progress', phase: 'slow', current: 10 });
  const s = r.model.snapshot(10_000);
  assert.is(s.etaMs, Math.max(...s.phases.map((p) => p.etaMs!)));
  assert.is(s.etaMs, 90_000);
  r.at(10_000, { type: 'phase', id: 'open' });
  assert.is(r.model.snapshot(10_000).etaMs, undefined, 'a running phase without an ETA makes the run\'s unknown');
});

test('throughput keeps a bounded number of samples however many updates arrive', () => {
  const collect = gc();
  const t = new Throughput(0);
  collect();
  const before = process.memoryUsage().heapUsed;
  // 1000/s for 1000 s, then 10 updates a second for 1000 s: kept samples would be megabytes.
  for (let i = 1; i <= 1_000_000; i++) t.record(i, i);
  for (let i = 1; i <= 10_000; i++) t.record(1_000_000 + i * 100, 1_000_000 + i);
  collect();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 1024 * 1024, `heap grew by ${grown} bytes`);
  assert.ok(Math.abs(t.rate(2_000_000)! - 10) < 0.5, 'and the rate is the recent one');
});

// ------------------------------------------------------------------------------------ invariants

const ids = ['a', 'b', 'c', 'd'];
const phases = [undefined, 'p', 'q'];
const eventArb = fc.oneof(
  fc.record({ type: fc.constant('item.start' as const), phase: fc.constantFrom(...phases), id: fc.constantFrom(...ids) }),
  fc.record({ type: fc.constant('item.done' as const), phase: fc.constantFrom(...phases), id: fc.constantFrom(...ids) }),
  fc.record({ type: fc.constant('item.skip' as const), phase: fc.constantFrom(...phases), id: fc.constantFrom(...ids) }),
  fc.record({
    type: fc.constant('item.fail' as const), phase: fc.constantFrom(...phases), id: fc.constantFrom(...ids),
    retry: fc.option(fc.nat(4), { nil: undefined }), maxRetries: fc.option(fc.nat(3), { nil: undefined }),
  }),
  fc.record({ type: fc.constant('progress' as const), phase: fc.constantFrom('p', 'q'), current: fc.nat(300), total: fc.option(fc.nat(200), { nil: undefined }) }),
  fc.record({ type: fc.constant('phase' as const), id: fc.constantFrom('p', 'q'), total: fc.option(fc.nat(200), { nil: undefined }) }),
  fc.record({ type: fc.constant('phase.end' as const), id: fc.constantFrom('p', 'q'), status: fc.constantFrom('ok' as const, 'failed' as const, 'skipped' as const) }),
);

test('invariants (property): counts add up, nothing negative, percent within 0–100, current within total', () => {
  fc.assert(fc.property(fc.array(fc.tuple(eventArb, fc.nat(2000)), { maxLength: 80 }), (events) => {
    const r = new Run();
    let t = 0;
    for (const [event, dt] of events) {
      t += dt;
      const clean = Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined)) as Unstamped;
      r.at(t, clean);
      const s = r.model.snapshot(t);
      const all = [s.counts, ...s.phases.map((p) => p.counts)];
      for (const c of all) {
        assert.is(c.processed, c.succeeded + c.failed + c.skipped);
        for (const v of Object.values(c)) assert.ok(v >= 0);
      }
      const inPhases = s.phases.reduce((n, p) => n + p.counts.processed, 0);
      assert.ok(inPhases <= s.counts.processed, 'the run counts every phase\'s items');
      const retries = s.phases.reduce((n, p) => n + p.counts.retried, 0);
      assert.ok(retries <= s.counts.retried);
      for (const p of s.phases) {
        if (p.total !== undefined) {
          assert.ok(p.current <= p.total, `current ${p.current} within total ${p.total}`);
          assert.ok(p.percent! >= 0 && p.percent! <= 100);
        }
        if (p.rate !== undefined) assert.ok(p.rate > 0 && Number.isFinite(p.rate));
        if (p.etaMs !== undefined) assert.ok(p.etaMs >= 0 && Number.isFinite(p.etaMs));
      }
      if (s.percent !== undefined) assert.ok(s.percent >= 0 && s.percent <= 100);
      assert.ok(r.model.failures.length <= 100);
    }
    r.exit(t + 1, 0);
    assert.ok(r.model.snapshot().phases.every((p) => p.status !== 'running'), 'no phase runs after the exit');
  }), { numRuns: 300 });
});

test('an agent\'s step belongs to its current item: shown while it runs, gone when it ends', () => {
  const r = new Run()
    .at(0, { type: 'phase', id: 'map', total: 2 })
    .at(1, { type: 'item.start', phase: 'map', id: 'a', agent: 'w1' })
    .at(2, { type: 'step', phase: 'map', agent: 'w1', name: 'lint', index: 2, total: 4 });
  assert.equal(r.model.snapshot().agents[0]!.step, { name: 'lint', index: 2, total: 4 });
  assert.is(r.phase('map').step, undefined, 'an agent\'s step is not the phase\'s step');
  r.at(3, { type: 'item.done', phase: 'map', id: 'a', agent: 'w1' });
  assert.is(r.model.snapshot().agents[0]!.step, undefined);
  r.at(4, { type: 'item.start', phase: 'map', id: 'b', agent: 'w1' });
  assert.is(r.model.snapshot().agents[0]!.step, undefined, 'a new item starts with no step');
});

test.run();
