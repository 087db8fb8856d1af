// Phases inside phases (a tool's phase in a CI group), in the model: where a child says it ran, a
// failed child failing its group, the run's percentage over the leaves, and phases a signal cut
// short ending interrupted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelRun as Run } from '../helpers/model-run.js';


test('a child says which group it ran in, in snapshots and the summary; its parent is set once', () => {
  const r = new Run()
    .at(0, { type: 'phase', id: 'Build', group: true })
    .at(1, { type: 'phase', id: 'make', total: 100, parent: 'Build' })
    .at(2, { type: 'phase', id: 'make', total: 100, parent: 'Elsewhere' });
  assert.is(r.phase('make').parent, 'Build');
  assert.is(r.phase('Build').parent, undefined);
  const summary = r.exit(10, 0).model.summary({ id: 'x', command: ['c'] });
  assert.equal(summary.phases.map((p) => [p.id, p.parent]), [['Build', undefined], ['make', 'Build']]);
  assert.not.ok('parent' in summary.phases[0]!, 'no parent field on a phase without one');
});

test('a group whose child failed ends failed, though its own end said ok; a child failing after its group ended fails it too', () => {
  const r = new Run()
    .at(0, { type: 'phase', id: 'Test', group: true })
    .at(1, { type: 'phase', id: 'ctest', parent: 'Test' })
    .at(2, { type: 'phase.end', id: 'ctest', status: 'failed' })
    .at(3, { type: 'phase.end', id: 'Test', status: 'ok' });
  assert.equal([r.phase('ctest').status, r.phase('Test').status], ['failed', 'failed']);
  const late = new Run()
    .at(0, { type: 'phase', id: 'CI', group: true })
    .at(0, { type: 'phase', id: 'Build', group: true, parent: 'CI' })
    .at(1, { type: 'phase', id: 'make', parent: 'Build' })
    .at(2, { type: 'phase.end', id: 'Build', status: 'ok' })
    .at(3, { type: 'phase.end', id: 'make', status: 'failed' });
  assert.equal([late.phase('make').status, late.phase('Build').status, late.phase('CI').status], ['failed', 'failed', 'running'],
    'up the nesting, ended or not');
  late.at(4, { type: 'phase.end', id: 'CI', status: 'ok' });
  assert.is(late.phase('CI').status, 'failed');
});

test('a group with a failed child ends failed at the run\'s end too, even after exit 0', () => {
  const r = new Run()
    .at(0, { type: 'phase', id: 'Build', group: true })
    .at(1, { type: 'phase', id: 'make', parent: 'Build' })
    .at(2, { type: 'phase.end', id: 'make', status: 'failed' })
    .exit(5, 0);
  assert.equal([r.model.status, r.phase('Build').status], ['ok', 'failed']);
});

test('the run\'s percentage and ETA are over the leaves: a group without a total does not hide them, and is not counted twice', () => {
  const r = new Run()
    .at(0, { type: 'phase', id: 'Build', group: true })
    .at(0, { type: 'phase', id: 'make', total: 100, parent: 'Build' })
    .at(1000, { type: 'progress', phase: 'make', current: 40 });
  assert.is(r.model.snapshot().percent, 40, 'make alone decides while Build holds only it');
  r.at(2000, { type: 'phase.end', id: 'make', status: 'ok' }).at(2000, { type: 'phase.end', id: 'Build', status: 'ok' })
    .at(2000, { type: 'phase', id: 'Test', group: true })
    .at(2000, { type: 'phase', id: 'ctest', total: 100, parent: 'Test' })
    .at(3000, { type: 'progress', phase: 'ctest', current: 50 });
  assert.is(r.model.snapshot().percent, 75, '(100 + 50) / (100 + 100): the groups add nothing');
  for (let t = 3000; t <= 6000; t += 250) r.at(t, { type: 'progress', phase: 'ctest', current: 50 + (t - 3000) / 100 });
  const snap = r.model.snapshot(6000);
  assert.ok(snap.etaMs !== undefined, 'the run has the running leaf\'s ETA; the running group without one does not hide it');
  // A group still alone (no child yet) is a leaf like any phase: without a total, no percentage.
  r.at(7000, { type: 'phase', id: 'Deploy', group: true });
  assert.is(r.model.snapshot().percent, undefined);
});

test('a parent that would make a loop (or names the phase itself) is ignored', () => {
  const r = new Run()
    .at(0, { type: 'phase', id: 'a' })
    .at(0, { type: 'phase', id: 'b', parent: 'a' })
    .at(0, { type: 'phase', id: 'a', parent: 'b' })
    .at(0, { type: 'phase', id: 'c', parent: 'c' });
  assert.equal([r.phase('a').parent, r.phase('b').parent, r.phase('c').parent], [undefined, 'a', undefined]);
  r.at(1, { type: 'phase.end', id: 'b', status: 'failed' });
  assert.is(r.phase('a').status, 'running');
});

test('a signal ends the run: its running phases end interrupted (not failed); ended ones keep their status', () => {
  const r = new Run()
    .at(0, { type: 'phase', id: 'done', total: 2 })
    .at(1, { type: 'phase.end', id: 'done', status: 'ok' })
    .at(1, { type: 'phase', id: 'map', total: 200 })
    .at(2, { type: 'progress', phase: 'map', current: 104 })
    .exit(3, null, 'SIGINT');
  assert.equal([r.model.status, r.phase('map').status, r.phase('done').status], ['interrupted', 'interrupted', 'ok']);
  assert.is(r.phase('map').current, 104, 'where it got to');
  assert.is(r.model.summary({ id: 'x', command: ['c'] }).phases[1]!.status, 'interrupted');
  const failed = new Run().at(0, { type: 'phase', id: 'p' }).exit(3, 2);
  assert.is(failed.phase('p').status, 'failed', 'without a signal, a failing run fails its open phases as before');
});

test.run();
