// Which output lines a failure is shown with: its agent's, else its phase's, else the run's last.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ItemFailEvent, MarkerEvent, Unstamped } from '../../src/events.js';
import { OutputTail } from '../../src/parsers/output-tail.js';

type Fail = Unstamped<ItemFailEvent>;

function feed(tail: OutputTail, steps: (string | Unstamped<MarkerEvent>)[]): Fail[] {
  const failures: Fail[] = [];
  for (const step of steps) {
    if (typeof step === 'string') tail.push(Buffer.from(step));
    else {
      const event = tail.attach(step);
      if (event.type === 'item.fail') failures.push(event);
    }
  }
  return failures;
}

const start = (id: string, agent: string, phase = 'map') => ({ type: 'item.start', phase, id, agent }) as const;
const fail = (id: string, agent?: string, phase: string | undefined = 'map') => ({ type: 'item.fail', id, error: 'boom', ...(phase === undefined ? {} : { phase }), ...(agent === undefined ? {} : { agent }) }) as Fail;

test('lines tagged with an agent\'s id are its own, however the agents interleave', () => {
  const [a1, a2] = feed(new OutputTail(), [
    { type: 'phase', id: 'map' },
    start('x', 'agent-01'), start('y', 'agent-02'),
    '[agent-01] fetching x\n[agent-02] fetching y\n', 'agent-02: parse error at 3\n',
    'agent-01 | retrying x\nuntagged noise\n',
    fail('y', 'agent-02'),
    '[agent-01] timeout on x\n',
    fail('x', 'agent-01'),
  ]);
  assert.equal([a1!.tail, a1!.tailFrom], [['[agent-02] fetching y', 'agent-02: parse error at 3'], 'agent']);
  assert.equal([a2!.tail, a2!.tailFrom], [['[agent-01] fetching x', 'agent-01 | retrying x', '[agent-01] timeout on x'], 'agent']);
});

test('with one agent busy, its untagged lines are its own; only those since its item started', () => {
  const [f] = feed(new OutputTail(), [
    start('a', 'w'), 'line of a\n', { type: 'item.done', phase: 'map', id: 'a', agent: 'w' },
    'between items\n',
    start('b', 'w'), 'compiling b\n', 'b: \x1b[31merror\x1b[0m\n',
    fail('b', 'w'),
  ]);
  assert.equal([f!.tail, f!.tailFrom], [['compiling b', 'b: error'], 'agent']);
});

test('an agent that printed nothing: its phase\'s lines, without other agents\' tagged ones', () => {
  const [f] = feed(new OutputTail(), [
    { type: 'phase', id: 'build' }, 'configuring\n',
    start('y', 'agent-02', 'build'), start('x', 'agent-01', 'build'),
    '[agent-02] not mine\n', 'shared warning\n',
    fail('x', 'agent-01', 'build'),
  ]);
  assert.equal([f!.tail, f!.tailFrom], [['configuring', 'shared warning'], 'phase']);
});

test('nothing attributable: the run\'s last lines, said to be the run\'s', () => {
  const [f] = feed(new OutputTail(), ['a\n', 'b\n', fail('x', undefined, undefined)]);
  assert.equal([f!.tail, f!.tailFrom], [['a', 'b'], 'run']);
  const [none] = feed(new OutputTail(), [fail('x')]);
  assert.equal([none!.tail, none!.tailFrom], [undefined, undefined], 'no output at all: no tail');
});

test('two phases running side by side: an untagged line is neither\'s; a group\'s child is the one running', () => {
  const [f] = feed(new OutputTail(), [
    { type: 'phase', id: 'a' }, { type: 'phase', id: 'b' }, 'whose?\n', fail('x', undefined, 'a'),
  ]);
  assert.is(f!.tailFrom, 'run');
  const [g] = feed(new OutputTail(), [
    { type: 'phase', id: 'ci', group: true }, { type: 'phase', id: 'make', parent: 'ci' }, 'cc a.c\n', fail('a.o', undefined, 'make'),
  ]);
  assert.equal([g!.tail, g!.tailFrom], [['cc a.c'], 'phase']);
});

test('lines split across pieces of output are whole; redraws count as their final state; at most 5 lines', () => {
  const [f] = feed(new OutputTail(), [
    start('x', 'w'), '[w] 10%\r[w] 50%', '\r[w] 100%\n', '[w', '] half a line\n',
    ...Array.from({ length: 8 }, (_, i) => `[w] line ${i}\n`), fail('x', 'w'),
  ]);
  assert.equal(f!.tail, ['[w] line 3', '[w] line 4', '[w] line 5', '[w] line 6', '[w] line 7']);
  const [g] = feed(new OutputTail(), [start('x', 'w'), '[w] 10%\r[w] 50%', '\r[w] 100%\n', '[w', '] half a line\n', fail('x', 'w')]);
  assert.equal(g!.tail, ['[w] 100%', '[w] half a line']);
});

test('bounded: a flood of output and thousands of agents keep the work and memory per line small', () => {
  const tail = new OutputTail();
  for (let i = 0; i < 5000; i++) tail.attach(start(`i${i}`, `agent-${i}`));
  // A 10 MB piece: only its end is attributed, and a long line is kept cut.
  tail.push(Buffer.from(`${'[agent-1] x\n'.repeat(800_000)}[agent-1] ${'y'.repeat(5000)}\n`));
  const event = tail.attach(fail('i1', 'agent-1'));
  assert.is(event.tailFrom, 'agent');
  assert.ok(event.tail!.every((l) => l.length <= 1000), 'lines kept are cut');
  // Agents past the first thousand are not followed: their failures fall back to their phase's
  // lines, where agent-1's are not theirs.
  tail.push(Buffer.from('after the flood\n'));
  const untracked = tail.attach(fail('i4000', 'agent-4000'));
  assert.equal([untracked.tail, untracked.tailFrom], [['after the flood'], 'phase']);
});

test.run();
