// A phase that ended ok is 100 % done, even short of the total it announced (an estimate, items
// deselected, a tool that does not draw every item): a clean run ends at 100 %, never 95–99 %.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ProgEvent, Unstamped } from '../../src/events.js';
import { ProgressModel } from '../../src/model/progress-model.js';
import { marker } from '../helpers/runs.js';
import { ndjson, runProg } from '../helpers/prog.js';

function model(events: [number, Unstamped][]): ProgressModel {
  const m = new ProgressModel();
  events.forEach(([t, event], i) => m.apply({ seq: i + 1, t, ...event } as ProgEvent));
  return m;
}

test('ended ok short of its total: the phase and the run are at 100 %, the count stays what it was', () => {
  const m = model([
    [0, { type: 'phase', id: 'a', total: 10 }],
    [0, { type: 'phase', id: 'b', total: 10 }],
    ...Array.from({ length: 8 }, (_, i): [number, Unstamped] => [i + 1, { type: 'item.done', phase: 'a', id: `a${i}` }]),
    [10, { type: 'phase.end', id: 'a', status: 'ok' }],
    [11, { type: 'progress', phase: 'b', current: 5 }],
  ]);
  const snap = m.snapshot(12);
  const a = snap.phases.find((p) => p.id === 'a')!;
  assert.equal([a.current, a.total, a.percent], [8, 10, 100]);
  assert.is(snap.percent, 75, 'a counts as 10 of 10, b as 5 of 10');
});

test('ended failed short of its total: the percentage is what was reached', () => {
  const m = model([
    [0, { type: 'phase', id: 'a', total: 10 }],
    [1, { type: 'progress', phase: 'a', current: 4 }],
    [2, { type: 'phase.end', id: 'a', status: 'failed' }],
  ]);
  assert.is(m.snapshot(3).percent, 40);
  assert.is(m.snapshot(3).phases[0]!.percent, 40);
});

test('prog run: phases that all end ok finish at 100 % in the JSON snapshot', async () => {
  const lines = [
    marker({ type: 'phase', id: 'test', total: 10 }),
    ...Array.from({ length: 9 }, (_, i) => marker({ type: 'item.done', phase: 'test', id: `t${i}` })),
    marker({ type: 'phase.end', id: 'test', status: 'ok' }),
  ];
  const r = await runProg(['run', '--format', 'json', '--', 'sh', '-c', `printf '%s\\n' ${lines.map((l) => `'${l.trimEnd()}'`).join(' ')}`]);
  assert.is(r.code, 0, String(r.stderr));
  const snapshot = ndjson(r.stdout).filter((e) => e.type === 'snapshot').at(-1)!;
  assert.is(snapshot.percent, 100);
  assert.equal((snapshot.phases as { current: number; percent: number }[]).map((p) => [p.current, p.percent]), [[9, 100]]);
});

test('a phase moved by steps alone: at step 2 of 3 one is done (33 %); ended ok, 3 of 3', () => {
  const events: [number, Unstamped][] = [
    [0, { type: 'phase', id: 'deploy' }],
    [1, { type: 'step', phase: 'deploy', name: 'build', index: 1, total: 3 }],
    [2, { type: 'step', phase: 'deploy', name: 'push', index: 2, total: 3 }],
  ];
  const m = model(events);
  const running = m.snapshot(3);
  assert.equal(running.phases[0]!.steps, { done: 1, total: 3 });
  assert.is(Math.round(running.phases[0]!.percent!), 33);
  assert.is(Math.round(running.percent!), 33, 'the run follows its only phase');
  m.apply({ seq: 9, t: 4, type: 'phase.end', id: 'deploy', status: 'ok' } as ProgEvent);
  assert.equal([m.snapshot(5).phases[0]!.steps, m.snapshot(5).phases[0]!.percent, m.snapshot(5).percent], [{ done: 3, total: 3 }, 100, 100]);
});

test('steps do not override items: a phase with items counts its items', () => {
  const m = model([
    [0, { type: 'phase', id: 'p', total: 4 }],
    [1, { type: 'step', phase: 'p', name: 's', index: 3, total: 3 }],
    [2, { type: 'item.done', phase: 'p', id: 'a' }],
  ]);
  const p = m.snapshot(3).phases[0]!;
  assert.equal([p.steps, p.percent], [undefined, 25]);
});

test('prog run, plain: a step-driven phase ends saying 3/3 steps', async () => {
  const lines = [
    marker({ type: 'phase', id: 'deploy', name: 'Deploy' }),
    marker({ type: 'step', phase: 'deploy', name: 'build', index: 1, total: 3 }),
    marker({ type: 'step', phase: 'deploy', name: 'push', index: 2, total: 3 }),
    marker({ type: 'phase.end', id: 'deploy', status: 'ok' }),
  ];
  const r = await runProg(['run', '--format', 'plain', '--', 'sh', '-c', `printf '%s\\n' ${lines.map((l) => `'${l.trimEnd()}'`).join(' ')}`]);
  assert.is(r.code, 0, String(r.stderr));
  assert.match(String(r.stderr), /✔ Deploy ok in [^·]+ · 3\/3 steps/);
});

test.run();
