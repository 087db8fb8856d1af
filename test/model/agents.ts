// The model's picture of agents (retries, what each got done and how long it took) and of the
// warn/error lines the views show while the run goes on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_RECENT_LOGS } from '../../src/model/progress-model.js';
import { ModelRun } from '../helpers/model-run.js';

const agent = (r: ModelRun, id: string) => r.model.snapshot().agents.find((a) => a.id === id)!;

test('retries: the attempt after a retried failure carries its number, on whichever agent takes it', () => {
  const r = new ModelRun()
    .at(0, { type: 'item.start', phase: 'p', id: 'x', agent: 'w1' })
    .at(10, { type: 'item.fail', phase: 'p', id: 'x', agent: 'w1', error: 'timeout', retry: 1, maxRetries: 3 });
  assert.equal(agent(r, 'w1').last, { item: 'x', outcome: 'retrying', error: 'timeout' });
  assert.equal(agent(r, 'w1').lastRetry, { retry: 1, maxRetries: 3 }, 'the retry that follows');
  r.at(20, { type: 'item.start', phase: 'p', id: 'x', agent: 'w2' });
  assert.equal(agent(r, 'w2').retry, { retry: 1, maxRetries: 3 });
  // The same id in another phase is another item: no retry of its own.
  r.at(21, { type: 'item.start', phase: 'q', id: 'x', agent: 'w3' });
  assert.is(agent(r, 'w3').retry, undefined);
  r.at(30, { type: 'item.fail', phase: 'p', id: 'x', agent: 'w2', error: 'timeout', retry: 2, maxRetries: 3 })
    .at(40, { type: 'item.start', phase: 'p', id: 'x', agent: 'w1' });
  assert.equal(agent(r, 'w1').retry, { retry: 2, maxRetries: 3 });
  // The last attempt fails for good: the row can say which retry that was.
  r.at(50, { type: 'item.fail', phase: 'p', id: 'x', agent: 'w1', error: 'gave up' });
  assert.equal(agent(r, 'w1').last, { item: 'x', outcome: 'failed', error: 'gave up' });
  assert.equal(agent(r, 'w1').lastRetry, { retry: 2, maxRetries: 3 });
  assert.is(agent(r, 'w1').retry, undefined);
  // Finished for good: a new attempt of the same id (a resumed run) is not a retry.
  r.at(60, { type: 'item.start', phase: 'p', id: 'x', agent: 'w2' });
  assert.is(agent(r, 'w2').retry, undefined);
});

test('per agent: items done, and their mean time from start to done', () => {
  const r = new ModelRun()
    .at(0, { type: 'item.start', phase: 'p', id: 'a', agent: 'w' })
    .at(1000, { type: 'item.done', phase: 'p', id: 'a', agent: 'w' })
    .at(1000, { type: 'item.start', phase: 'p', id: 'b', agent: 'w' })
    .at(4000, { type: 'item.done', phase: 'p', id: 'b', agent: 'w' })
    // A failure and a skip are not items done, and do not weigh on the mean.
    .at(4000, { type: 'item.start', phase: 'p', id: 'c', agent: 'w' })
    .at(9000, { type: 'item.fail', phase: 'p', id: 'c', agent: 'w', error: 'e' })
    // Done without a start on this agent: counted, not timed.
    .at(9500, { type: 'item.done', phase: 'p', id: 'd', agent: 'w' });
  const w = agent(r, 'w');
  assert.is(w.done, 3);
  assert.is(w.avgItemMs, 2000);
  const fresh = new ModelRun().at(0, { type: 'agent', id: 'idle', status: 'idle' });
  assert.equal([agent(fresh, 'idle').done, agent(fresh, 'idle').avgItemMs], [undefined, undefined], 'nothing done yet: no figures');
});

test('logs: the latest warn and error lines are kept, with the phase they were said in', () => {
  const r = new ModelRun()
    .at(0, { type: 'phase', id: 'map', name: 'Map phase' })
    .at(1, { type: 'item.start', phase: 'map', id: 'f1', agent: 'agent-03' })
    .at(2, { type: 'log', level: 'info', message: 'not kept' })
    .at(3, { type: 'log', level: 'warn', source: 'agent-03', message: 'slow item' })
    .at(4, { type: 'log', level: 'error', message: 'disk full' })
    .at(5, { type: 'log', level: 'error', source: 'compiler', message: 'bad', location: { file: 'a.c', line: 3, col: 5 } });
  assert.equal(r.model.snapshot().recentLogs, [
    { level: 'warn', source: 'agent-03', phase: 'map', message: 'slow item', tMs: 3 },
    { level: 'error', phase: 'map', message: 'disk full', tMs: 4 },
    { level: 'error', source: 'compiler', phase: 'map', message: 'bad', location: { file: 'a.c', line: 3, col: 5 }, tMs: 5 },
  ]);
  // Two phases running: a line without a source belongs to neither; one naming a phase to that one.
  r.at(6, { type: 'phase', id: 'reduce' })
    .at(7, { type: 'log', level: 'warn', message: 'whose?' })
    .at(8, { type: 'log', level: 'warn', source: 'reduce', message: 'mine' });
  const logs = r.model.snapshot().recentLogs!;
  assert.equal(logs.at(-2), { level: 'warn', message: 'whose?', tMs: 7 });
  assert.equal(logs.at(-1), { level: 'warn', source: 'reduce', phase: 'reduce', message: 'mine', tMs: 8 });
  // Bounded: only the latest are kept, and a long message is cut.
  for (let i = 0; i < 20; i++) r.at(10 + i, { type: 'log', level: 'warn', message: `w${i} ${'x'.repeat(5000)}` });
  const kept = r.model.snapshot().recentLogs!;
  assert.is(kept.length, MAX_RECENT_LOGS);
  assert.ok(kept.at(-1)!.message.startsWith('w19 '));
  assert.ok(kept.every((l) => l.message.length <= 1000));
  assert.equal(r.model.logs, { info: 1, warn: 23, error: 2 }, 'the counts still count every line');
});

test('no warn or error yet: snapshots carry no recentLogs field', () => {
  const r = new ModelRun().at(0, { type: 'log', level: 'info', message: 'hello' });
  assert.not.ok('recentLogs' in r.model.snapshot());
});

test.run();
