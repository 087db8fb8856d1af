import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agentLines, bar, headerText, phaseTitle } from '../../../src/display/rich/rows.js';
import { textWidth, truncate } from '../../../src/display/rich/text-width.js';
import type { AgentSnapshot, PhaseSnapshot, Snapshot } from '../../../src/model/snapshot.js';

const counts = (succeeded: number, failed = 0, retried = 0) => ({ processed: succeeded + failed, succeeded, failed, retried, skipped: 0, running: 0 });

function phase(over: Partial<PhaseSnapshot>): PhaseSnapshot {
  return { id: 'map', name: 'Map phase', status: 'running', current: 0, counts: counts(0), startedMs: 0, durationMs: 0, ...over };
}

test('a running phase row: bar, percent, done/total, ETA, rate and ✔/✖ counts, as in the picture', () => {
  const title = phaseTitle(phase({ current: 175, total: 500, percent: 35, etaMs: 323_000, rate: 2.3, counts: counts(156, 19) }), 9, 0);
  assert.is(title, 'Map phase [███████░░░░░░░░░░░░░]  35% 175/500 · ETA 5m 23s · 2.3/s · ✔ 156 ✖ 19');
});

test('an ETA with a range reads as a central value and its bounds', () => {
  const title = phaseTitle(phase({ current: 175, total: 500, percent: 35, etaMs: 320_000, etaLowMs: 290_000, etaHighMs: 370_000, counts: counts(175) }), 9, 0);
  assert.match(title, / · ETA 5m 20s \(4m 50s – 6m 10s\) · /);
});

test('no total yet: ? instead of a percentage, and a bar that moves instead of filling', () => {
  const a = phaseTitle(phase({ current: 12 }), 9, 0);
  const b = phaseTitle(phase({ current: 12 }), 9, 5);
  assert.match(a, /\[.*\]    \? 12/);
  assert.is.not(a, b, 'the indeterminate bar moves between frames');
  assert.is(bar(undefined, 0).length, 22);
});

test('a step-based phase shows its step counter', () => {
  const title = phaseTitle(phase({ current: 1, total: 3, percent: 33, step: { name: 'install', index: 2, total: 3 } }), 9, 0);
  assert.match(title, /step 2\/3 install/);
});

test('a finished phase shows its duration instead of ETA and rate', () => {
  const title = phaseTitle(phase({ status: 'ok', current: 3, total: 3, percent: 100, durationMs: 12_000, counts: counts(3) }), 11, 0);
  assert.is(title, 'Map phase   [████████████████████] 100% 3/3 · 12s · ✔ 3');
});

test('the header names the workflow and carries %, ETA, elapsed, success rate and failures', () => {
  const snapshot = {
    type: 'snapshot', tMs: 62_000, status: 'running', elapsedMs: 62_000, workflow: 'modernize-codebase', percent: 35.2, etaMs: 323_000,
    counts: counts(156, 19, 4), phases: [], agents: [], invalidMarkers: 0,
  } as Snapshot;
  assert.is(headerText(snapshot, 'cmd'), 'modernize-codebase · 35% · ETA 5m 23s · 1m 02s elapsed · 89% ok · ✖ 19 failed · ↻ 4 retried');
  assert.match(headerText({ ...snapshot, workflow: undefined }, './build.sh'), /^\.\/build\.sh · /);
  // No progress of its own, an estimate from history: a bar, and the word that says so.
  const estimated = { ...snapshot, phases: [], percent: 40.4, estimated: true };
  assert.match(headerText(estimated, 'cmd'), /^modernize-codebase · \[█{8}░{12}\] ~40% estimated · ETA 5m 23s/);
});

function agent(id: string, over: Partial<AgentSnapshot> = {}): AgentSnapshot {
  return { id, status: 'busy', ...over };
}

test('agent rows: busy first with item and time on it, then failures; the rest fold into one line', () => {
  const agents = [
    agent('agent-02', { status: 'idle', last: { item: 'file_124.py', outcome: 'done' } }),
    agent('agent-01', { phase: 'map', item: 'file_123.py', itemSinceMs: 2_000 }),
    agent('agent-03', { status: 'idle', last: { item: 'file_125.py', outcome: 'retrying', error: 'timeout' } }),
    ...Array.from({ length: 7 }, (_, i) => agent(`agent-1${i}`, { status: i < 5 ? 'busy' : 'idle', ...(i < 5 ? { item: `f${i}` } : {}) })),
  ];
  const lines = agentLines(agents, 4, 10_000);
  assert.is(lines.length, 4, 'never more lines than the budget');
  assert.equal(lines.map((l) => l.state), ['running', 'running', 'running', 'more']);
  assert.match(lines[0]!.text, /^agent-01 +file_123\.py · 8\.0s$/);
  assert.match(lines[3]!.text, /^7 more agents \(3 busy, 4 idle or done\)$/);

  const roomy = agentLines(agents, 20, 10_000);
  assert.is(roomy.length, 10);
  const retrying = roomy.find((l) => l.text.startsWith('agent-03'))!;
  assert.is(retrying.state, 'retrying');
  assert.match(retrying.text, /file_125\.py failed, retrying: timeout/);
  assert.is(roomy.find((l) => l.text.startsWith('agent-02'))!.text.replace(/ +/, ' '), 'agent-02 completed file_124.py');
});

test('an agent row shows the step of its current item when the workflow reports one', () => {
  const [line] = agentLines([agent('agent-01', { item: 'file_123.py', itemSinceMs: 0, step: { name: 'lint', index: 2, total: 4 } })], 5, 8_000);
  assert.match(line!.text, /^agent-01 +file_123\.py · step 2\/4 lint · 8\.0s$/);
});

test('finished agents collapse; with 200 agents the rows still fit the budget', () => {
  const agents = Array.from({ length: 200 }, (_, i) => agent(`a${i}`, i % 2 ? { status: 'done' } : { item: `x${i}` }));
  const lines = agentLines(agents, 10, 0);
  assert.is(lines.length, 10);
  assert.match(lines.at(-1)!.text, /^191 more agents/);
  assert.equal(agentLines(agents, 0, 0), []);
});

test('width: wide characters count twice, and cutting never splits one', () => {
  assert.is(textWidth('abc'), 3);
  assert.is(textWidth('日本語'), 6);
  assert.is(textWidth('e\u0301'), 1);
  assert.is(truncate('日本語テキスト', 7), '日本語…');
  assert.is(textWidth(truncate('日本語テキスト', 7)), 7);
  assert.is(truncate('short', 10), 'short');
  assert.is(truncate('exactly10!', 10), 'exactly10!');
  assert.is(truncate('eleven char', 10), 'eleven ch…');
});

test('names from markers are escaped in rows: no raw escape reaches the terminal', () => {
  const title = phaseTitle(phase({ name: '\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e' }), 10, 0);
  assert.not.match(title, /[\x1b\x07\u009b\u202e]/);
  assert.match(title, /\\x1b\]0;pwned\\x07/);
});

test.run();
