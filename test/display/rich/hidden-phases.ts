// Many phases in a small terminal: finished phases fold first, and a `… N more phases (R running,
// F failed)` line always counts what the frame leaves out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { foldPhases, morePhasesText, type PhaseRow } from '../../../src/display/rich/rows.js';
import type { PhaseSnapshot } from '../../../src/model/snapshot.js';
import { progBin, tempDir } from '../../helpers/prog.js';
import { child, marker, type Step } from '../../helpers/runs.js';
import { letGo } from '../../helpers/go-file.js';
import { shellQuote, Tmux } from '../../helpers/tmux.js';
import { liveTest, tools } from '../../helpers/tools.js';

const counts = { processed: 0, succeeded: 0, failed: 0, retried: 0, skipped: 0, running: 0 };

function row(id: string, status: PhaseSnapshot['status'], over: Partial<PhaseSnapshot> = {}, depth = 0): PhaseRow {
  const phase: PhaseSnapshot = { id, name: id, status, current: 0, counts, startedMs: 0, durationMs: 0, ...over };
  return { phase, depth, state: status === 'running' ? 'running' : status };
}

test('everything fits: every row, no fold line', () => {
  const rows = [row('a', 'ok'), row('b', 'running')];
  assert.equal(foldPhases(rows, 2), { shown: rows, hidden: [] });
});

test('finished phases fold first (ok before failed, the longest finished first); running ones stay, in order', () => {
  const rows = [
    row('ok-old', 'ok', { endedMs: 1 }), row('failed', 'failed', { endedMs: 2 }), row('run-1', 'running'),
    row('ok-new', 'ok', { endedMs: 9 }), row('run-2', 'running'), row('skipped', 'skipped', { endedMs: 3 }),
  ];
  const ids = (room: number) => foldPhases(rows, room).shown.map((r) => r.phase.id);
  assert.equal(ids(6), ['ok-old', 'failed', 'run-1', 'ok-new', 'run-2', 'skipped']);
  assert.equal(ids(5), ['failed', 'run-1', 'ok-new', 'run-2'], 'one line for the fold: the oldest ok and the skipped go');
  assert.equal(ids(4), ['failed', 'run-1', 'run-2']);
  assert.equal(ids(3), ['run-1', 'run-2']);
  assert.equal(ids(2), ['run-1']);
  assert.equal(ids(1), [], 'room for the fold line alone');
  const { hidden } = foldPhases(rows, 3);
  assert.is(morePhasesText(hidden), '4 more phases (0 running, 1 failed)');
  assert.is(morePhasesText(foldPhases(rows, 1).hidden), '6 more phases (2 running, 1 failed)');
});

test('a phase shown brings the group it is in; a group that cannot come with it leaves it folded', () => {
  const rows = [row('ci', 'running'), row('done', 'ok', { endedMs: 1 }), row('make', 'running', { parent: 'ci' }, 1), row('x', 'running')];
  assert.equal(foldPhases(rows, 3).shown.map((r) => r.phase.id), ['ci', 'make']);
  const nested = [row('done', 'ok'), row('ci', 'ok', { endedMs: 1 }), row('make', 'running', { parent: 'ci' }, 1), row('x', 'running')];
  assert.equal(foldPhases(nested, 3).shown.map((r) => r.phase.id), ['ci', 'make'], 'the finished group comes with its running child');
  assert.equal(foldPhases(nested, 2).shown.map((r) => r.phase.id), ['x'], 'no room for both: another running phase');
});

test('the fold line counts one phase in the singular', () => {
  assert.is(morePhasesText([row('a', 'running').phase]), '1 more phase (1 running, 0 failed)');
});

// 30 phases: 7 ended ok, 3 failed, 20 still running, in a 12-row terminal.
function thirty(go: string): Step[] {
  const steps: Step[] = [{ o: marker({ type: 'workflow', name: 'many' }) }];
  for (let i = 0; i < 30; i++) steps.push({ o: marker({ type: 'phase', id: `p${i}`, name: `phase-${String(i).padStart(2, '0')}`, total: 10 }) });
  for (let i = 0; i < 10; i++) steps.push({ o: marker({ type: 'phase.end', id: `p${i * 3}`, status: i < 3 ? 'failed' : 'ok' }) });
  steps.push({ until: go });
  return steps;
}

liveTest([tools.tmux()], '30 phases in a 12-row terminal: running ones shown, the rest counted, none vanishes', async () => {
  const go = `${tempDir()}/go`;
  const command = [process.execPath, progBin, 'run', '--format', 'rich', '--', ...child(thirty(go))].map(shellQuote).join(' ');
  const t = new Tmux(`env -u CI -u NO_COLOR -u FORCE_COLOR ${command}`, 100, 12, { PROG_HOME: tempDir(), TERM: 'xterm-256color' });
  try {
    const more = (s: string[]) => s.map((l) => /^… (\d+) more phases \((\d+) running, (\d+) failed\)$/.exec(l)).find((m) => m !== null);
    const screen = await t.waitFor((s) => more(s) !== undefined && s.filter((l) => /phase-\d\d/.test(l)).length > 0, 20_000, 'a fold line');
    const [, n, running, failed] = more(screen)!.map(Number);
    const rows = screen.filter((l) => /^\S phase-\d\d /.test(l));
    assert.ok(screen.filter((l) => l !== '').length <= 11, `the frame fits the terminal:\n${screen.join('\n')}`);
    assert.ok(rows.length >= 5, `most of the frame is phase rows:\n${screen.join('\n')}`);
    assert.ok(rows.every((l) => l.startsWith('❯ ')), `20 phases run: the rows shown are running ones:\n${screen.join('\n')}`);
    assert.is(rows.length + n!, 30, 'every phase is shown or counted');
    assert.is(running, 20 - rows.length, 'the running ones not shown are counted');
    assert.is(failed, 3, 'the failed ones are counted');
  } finally {
    await letGo(t, go);
  }
});

test.run();
