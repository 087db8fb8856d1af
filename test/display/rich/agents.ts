// Agents in the rich view: `(retry 1/3)` on an item being retried, `N of M agents busy` over a
// phase's agents, and what each agent got done with its mean time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agentBlock, agentLines } from '../../../src/display/rich/rows.js';
import type { AgentSnapshot } from '../../../src/model/snapshot.js';
import { progBin, tempDir } from '../../helpers/prog.js';
import { child, marker, type Step } from '../../helpers/runs.js';
import { letGo } from '../../helpers/go-file.js';
import { shellQuote, Tmux } from '../../helpers/tmux.js';
import { liveTest, tools } from '../../helpers/tools.js';

const agent = (id: string, over: Partial<AgentSnapshot> = {}): AgentSnapshot => ({ id, status: 'busy', ...over });

test('agent rows: the retry an item is on, the retry that follows a failure, items done and their mean time', () => {
  const lines = agentLines([
    agent('a1', { item: 'f.py', itemSinceMs: 0, retry: { retry: 1, maxRetries: 3 }, done: 12, avgItemMs: 4100 }),
    agent('a2', { status: 'idle', last: { item: 'g.py', outcome: 'retrying', error: 'timeout' }, lastRetry: { retry: 2, maxRetries: 3 } }),
    agent('a3', { status: 'idle', last: { item: 'h.py', outcome: 'failed', error: 'gave up' }, lastRetry: { retry: 3, maxRetries: 3 }, done: 1, avgItemMs: 900 }),
  ], 5, 8000);
  assert.equal(lines.map((l) => l.text), [
    'a1  f.py (retry 1/3) · 8.0s · 12 done · avg 4.1s',
    'a2  g.py failed, retrying (2/3): timeout',
    'a3  h.py (retry 3/3) failed: gave up · 1 done · avg 0.9s',
  ]);
});

test('a phase\'s block of agents starts with how many are busy; one agent needs no such row', () => {
  const agents = [agent('a1', { item: 'x' }), agent('a2', { status: 'idle' }), agent('a3', { item: 'y' })];
  const block = agentBlock(agents, 3, 0);
  assert.is(block[0]!.text, '2 of 3 agents busy');
  assert.is(block.length, 3, 'within the budget');
  assert.is(block.at(-1)!.text, '2 more agents (1 busy, 1 idle or done)');
  assert.equal(agentBlock(agents, 1, 0).map((l) => l.text), ['2 of 3 agents busy'], 'one line: the count says the most');
  assert.equal(agentBlock([agents[0]!], 3, 0).length, 1);
});

function workflow(go: string): Step[] {
  const m = (o: Record<string, unknown>) => ({ o: marker(o) });
  return [
    m({ type: 'workflow', name: 'agents' }),
    m({ type: 'phase', id: 'map', name: 'Map phase', total: 10 }),
    m({ type: 'item.start', phase: 'map', id: 'a.py', agent: 'agent-03' }), { sleep: 200 },
    m({ type: 'item.done', phase: 'map', id: 'a.py', agent: 'agent-03' }),
    m({ type: 'item.start', phase: 'map', id: 'b.py', agent: 'agent-03' }), { sleep: 400 },
    m({ type: 'item.done', phase: 'map', id: 'b.py', agent: 'agent-03' }),
    m({ type: 'item.start', phase: 'map', id: 'flaky.py', agent: 'agent-01' }),
    m({ type: 'item.fail', phase: 'map', id: 'flaky.py', agent: 'agent-01', error: 'timeout', retry: 1, maxRetries: 3 }),
    m({ type: 'item.start', phase: 'map', id: 'flaky.py', agent: 'agent-02' }),
    m({ type: 'agent', id: 'agent-04', status: 'idle' }),
    { until: go },
    m({ type: 'item.done', phase: 'map', id: 'flaky.py', agent: 'agent-02' }),
    m({ type: 'phase.end', id: 'map', status: 'ok' }),
  ];
}

liveTest([tools.tmux()], 'in a terminal: retry 1/3 on the item, 1 of 4 agents busy, done counts and mean times', async () => {
  const go = `${tempDir()}/go`;
  const command = [process.execPath, progBin, 'run', '--format', 'rich', '--', ...child(workflow(go))].map(shellQuote).join(' ');
  const t = new Tmux(`env -u CI -u NO_COLOR -u FORCE_COLOR ${command}`, 120, 20, { PROG_HOME: tempDir(), TERM: 'xterm-256color' });
  try {
    const screen = await t.waitFor((s) => s.some((l) => /flaky\.py \(retry 1\/3\)/.test(l)), 20_000, 'the retried item');
    const text = screen.join('\n');
    assert.match(text, /^ {2}\S agent-02 +flaky\.py \(retry 1\/3\) · \d+(\.\d)?s$/m, text);
    assert.match(text, /^ {2}\S 1 of 4 agents busy$/m, text);
    assert.match(text, /^ {2}↻ agent-01 +flaky\.py failed, retrying \(1\/3\): timeout$/m, text);
    assert.match(text, /^ {2}✔ agent-03 +completed b\.py · 2 done · avg \d+(\.\d)?s$/m, text);
    const rows = screen.filter((l) => /^ {2}\S /.test(l));
    assert.match(rows[0]!, /agents busy/, 'the count comes first');
  } finally {
    await letGo(t, go);
  }
});

test.run();
