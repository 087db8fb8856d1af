// Items are counted once: a done id done again, a failure followed by a success (an undeclared
// retry), a resumed run doing the earlier run's items again. The latest outcome decides; a skip
// never replaces one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { counts, ModelRun as Run } from '../helpers/model-run.js';



test('an item done twice is counted once, in its phase and on the run; without a phase too', () => {
  const r = new Run()
    .at(0, { type: 'phase', id: 'p', total: 2 })
    .at(1, { type: 'item.start', phase: 'p', id: 'a' })
    .at(2, { type: 'item.done', phase: 'p', id: 'a' })
    .at(3, { type: 'item.start', phase: 'p', id: 'a' })
    .at(4, { type: 'item.done', phase: 'p', id: 'a' })
    .at(5, { type: 'item.done', id: 'loose' })
    .at(6, { type: 'item.done', id: 'loose' });
  assert.equal(r.phase('p').counts, counts({ processed: 1, succeeded: 1 }));
  assert.equal(r.counts, counts({ processed: 2, succeeded: 2 }));
  assert.is(r.phase('p').current, 1);
  r.at(7, { type: 'item.done', phase: 'q', id: 'a' });
  assert.is(r.counts.succeeded, 3, 'the same id in another phase is another item');
});

test('failed, then done (a retry that did not say so): one success and one retry, and it leaves the failures listed', () => {
  const r = new Run()
    .at(0, { type: 'item.fail', phase: 'p', id: 'a', error: 'flaky' })
    .at(1, { type: 'item.fail', phase: 'p', id: 'b', error: 'broken' })
    .at(2, { type: 'item.done', phase: 'p', id: 'a' });
  assert.equal(r.phase('p').counts, counts({ processed: 2, succeeded: 1, failed: 1, retried: 1 }));
  assert.equal(r.counts, counts({ processed: 2, succeeded: 1, failed: 1, retried: 1 }));
  assert.equal(r.model.failures.map((f) => f.id), ['b']);
  // As if the first attempt had said it would be retried.
  const declared = new Run()
    .at(0, { type: 'item.fail', phase: 'p', id: 'a', error: 'flaky', retry: 1, maxRetries: 2 })
    .at(2, { type: 'item.done', phase: 'p', id: 'a' });
  assert.equal(declared.phase('p').counts, counts({ processed: 1, succeeded: 1, retried: 1 }));
});

test('failed twice: one failure (the latest, listed once) and one retry; done, then failed: failed', () => {
  const r = new Run()
    .at(0, { type: 'item.fail', phase: 'p', id: 'a', error: 'first' })
    .at(1, { type: 'item.fail', phase: 'p', id: 'a', error: 'second' });
  assert.equal(r.counts, counts({ processed: 1, failed: 1, retried: 1 }));
  assert.equal(r.model.failures.map((f) => f.error), ['second']);
  r.at(2, { type: 'item.done', phase: 'p', id: 'b' }).at(3, { type: 'item.fail', phase: 'p', id: 'b', error: 'regressed' });
  assert.equal(r.counts, counts({ processed: 2, failed: 2, retried: 1 }));
});

test('a skip never replaces an outcome (a resumed run skipping a done item); skipped, then done, is done', () => {
  const r = new Run()
    .at(0, { type: 'item.done', phase: 'p', id: 'a' })
    .at(1, { type: 'item.skip', phase: 'p', id: 'a', reason: 'done already' })
    .at(2, { type: 'item.skip', phase: 'p', id: 'b' })
    .at(3, { type: 'item.done', phase: 'p', id: 'b' });
  assert.equal(r.counts, counts({ processed: 2, succeeded: 2 }));
});

test('resume with the items named: the earlier run\'s items done again count nothing, new ones count; never past the total', () => {
  const done = Array.from({ length: 105 }, (_, i) => ({ phase: 'map', id: `item-${i}` }));
  const r = new Run()
    .at(0, { type: 'resume', from: 'earlier', items: 106, phases: { map: 105 }, done: [...done, { id: 'loose' }] })
    .at(1, { type: 'phase', id: 'map', total: 200 });
  assert.equal(r.phase('map').counts, counts({ processed: 105, succeeded: 105 }));
  // The command does not skip: it does all 200 again.
  for (let i = 0; i < 200; i++) {
    r.at(2 + i, { type: 'item.start', phase: 'map', id: `item-${i}` }).at(2 + i, { type: 'item.done', phase: 'map', id: `item-${i}` });
    assert.ok(r.phase('map').counts.processed <= 200, `${r.phase('map').counts.processed}/200 after item ${i}`);
  }
  r.at(300, { type: 'item.done', id: 'loose' });
  assert.equal(r.phase('map').counts, counts({ processed: 200, succeeded: 200 }));
  assert.equal(r.counts, counts({ processed: 201, succeeded: 201 }));
  assert.is(r.phase('map').percent, 100);
});

test('resume with counts only (no ids): counted as before', () => {
  const r = new Run()
    .at(0, { type: 'resume', from: 'earlier', items: 3, phases: { map: 3 } })
    .at(1, { type: 'item.done', phase: 'map', id: 'x' });
  assert.equal(r.phase('map').counts, counts({ processed: 4, succeeded: 4 }));
});

test.run();
