// Each failure comes with the output of its own agent (or phase) before it, the same in every view:
// in JSON events and summary, in plain's summary, in the rich view's final summary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progBin, runProg, tempDir } from '../helpers/prog.js';
import { child, marker, statusLines, strictNdjson, type Step } from '../helpers/runs.js';
import { shellQuote, Tmux } from '../helpers/tmux.js';
import { liveTest, tools } from '../helpers/tools.js';

// Two agents print interleaved tagged lines; a third works alone and prints untagged lines.
const workflow: Step[] = [
  { o: marker({ type: 'workflow', name: 'ctx' }) },
  { o: marker({ type: 'phase', id: 'map', name: 'Map' }) },
  { o: marker({ type: 'item.start', phase: 'map', id: 'x', agent: 'agent-01' }) },
  { o: marker({ type: 'item.start', phase: 'map', id: 'y', agent: 'agent-02' }) },
  { o: '[agent-01] fetching x\n[agent-02] fetching y\n' },
  { o: 'agent-02: parse error at line 3\n' },
  { o: marker({ type: 'item.fail', phase: 'map', id: 'y', agent: 'agent-02', error: 'bad parse' }) },
  { o: '[agent-01] timeout on x\n' },
  { o: marker({ type: 'item.fail', phase: 'map', id: 'x', agent: 'agent-01', error: 'timeout' }) },
  { o: marker({ type: 'item.start', phase: 'map', id: 'z', agent: 'agent-03' }) },
  { o: 'z: loading\nz: out of memory\n' },
  { o: marker({ type: 'item.fail', phase: 'map', id: 'z', agent: 'agent-03', error: 'crash' }) },
  { o: marker({ type: 'phase.end', id: 'map', status: 'failed' }) },
  { exit: 1 },
];

const expected: Record<string, string[]> = {
  y: ['[agent-02] fetching y', 'agent-02: parse error at line 3'],
  x: ['[agent-01] fetching x', '[agent-01] timeout on x'],
  z: ['z: loading', 'z: out of memory'],
};

test('JSON: every item.fail event and the summary\'s failures carry their own agent\'s lines', async () => {
  const r = await runProg(['run', '--format', 'json', '--', ...child(workflow)]);
  assert.is(r.code, 1);
  const objects = strictNdjson(String(r.stdout));
  const fails = objects.filter((o) => o.type === 'item.fail');
  assert.equal(fails.map((f) => [f.id, f.tail, f.tailFrom]), [['y', expected.y, 'agent'], ['x', expected.x, 'agent'], ['z', expected.z, 'agent']]);
  const summary = objects.find((o) => o.type === 'summary') as { failures: { id: string; tail: string[]; tailFrom: string }[] };
  assert.equal(summary.failures.map((f) => [f.id, f.tail, f.tailFrom]), fails.map((f) => [f.id, f.tail, f.tailFrom]));
});

/** The context lines under the failure named `name` in a summary's lines. */
function contextOf(lines: string[], name: RegExp, prefix: string): string[] {
  const at = lines.findIndex((l) => name.test(l));
  assert.ok(at >= 0, `a line for ${name} in:\n${lines.join('\n')}`);
  const context: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (!line.startsWith(`${prefix}    │ `)) break;
    context.push(line.slice(prefix.length + 6));
  }
  return context;
}

test('plain: the summary shows each failure with its own lines, not the run\'s last ones', async () => {
  const r = await runProg(['run', '--format', 'plain', '--', ...child(workflow)]);
  const lines = statusLines(r.stderr);
  assert.equal(contextOf(lines, /^\[prog\] {3}map\/y \[agent-02\]: bad parse$/, '[prog] '), expected.y);
  assert.equal(contextOf(lines, /^\[prog\] {3}map\/x \[agent-01\]: timeout$/, '[prog] '), expected.x);
  assert.equal(contextOf(lines, /^\[prog\] {3}map\/z \[agent-03\]: crash$/, '[prog] '), expected.z);
});

liveTest([tools.tmux()], 'rich: the final summary shows the same context under each failure', async () => {
  const command = [process.execPath, progBin, 'run', '--format', 'rich', '--', ...child(workflow)].map(shellQuote).join(' ');
  const t = new Tmux(`env -u CI -u NO_COLOR -u FORCE_COLOR ${command}`, 120, 40, { PROG_HOME: tempDir(), TERM: 'xterm-256color' });
  try {
    const screen = await t.waitFor((s) => s.some((l) => /^\[exit \d+\]$/.test(l)), 20_000, 'the run to end');
    assert.equal(contextOf(screen, /^ {2}map\/y \[agent-02\]: bad parse$/, ''), expected.y);
    assert.equal(contextOf(screen, /^ {2}map\/x \[agent-01\]: timeout$/, ''), expected.x);
    assert.equal(contextOf(screen, /^ {2}map\/z \[agent-03\]: crash$/, ''), expected.z);
  } finally {
    t.kill();
  }
});

test.run();
