// An agent's warn and error log lines show in the rich view while the run goes on, with their
// source and phase, kept by the model (the view only words them).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logText } from '../../../src/display/rich/rows.js';
import { progBin, tempDir } from '../../helpers/prog.js';
import { child, marker, type Step } from '../../helpers/runs.js';
import { letGo } from '../../helpers/go-file.js';
import { shellQuote, Tmux } from '../../helpers/tmux.js';
import { liveTest, tools } from '../../helpers/tools.js';

test('a log line reads source · phase: message, its location first when it has one, escaped', () => {
  assert.is(logText({ level: 'warn', source: 'agent-03', phase: 'map', message: 'slow item', tMs: 0 }, 'Map phase'), 'agent-03 · Map phase: slow item');
  assert.is(logText({ level: 'error', message: 'disk full\nsecond line', tMs: 0 }, undefined), 'disk full');
  assert.is(logText({ level: 'error', source: 'compiler', message: 'bad', location: { file: 'a.c', line: 3, col: 5 }, tMs: 0 }, undefined), 'compiler: a.c:3:5: bad');
  assert.is(logText({ level: 'warn', source: '\x1b[2J', message: '\x07', tMs: 0 }, undefined), '\\x1b[2J: \\x07');
});

function workflow(go: string): Step[] {
  return [
    { o: marker({ type: 'workflow', name: 'logs' }) },
    { o: marker({ type: 'phase', id: 'map', name: 'Map phase', total: 10 }) },
    { o: marker({ type: 'item.start', phase: 'map', id: 'f1', agent: 'agent-03' }) },
    { o: marker({ type: 'log', level: 'info', message: 'an info line stays out' }) },
    { o: marker({ type: 'log', level: 'warn', source: 'agent-03', message: 'slow item' }) },
    { o: marker({ type: 'log', level: 'error', message: 'disk nearly full' }) },
    { until: go },
    { o: marker({ type: 'phase.end', id: 'map', status: 'ok' }) },
  ];
}

liveTest([tools.tmux()], 'warn and error lines appear over the phases, with their source and phase', async () => {
  const go = `${tempDir()}/go`;
  const command = [process.execPath, progBin, 'run', '--format', 'rich', '--', ...child(workflow(go))].map(shellQuote).join(' ');
  const t = new Tmux(`env -u CI -u NO_COLOR -u FORCE_COLOR ${command}`, 100, 20, { PROG_HOME: tempDir(), TERM: 'xterm-256color' });
  try {
    const screen = await t.waitFor((s) => s.some((l) => l.includes('disk nearly full')) && s.some((l) => l.includes('Map phase [')), 20_000, 'the log lines in the frame');
    const warn = screen.findIndex((l) => l === '⚠ agent-03 · Map phase: slow item');
    const error = screen.findIndex((l) => l === '✖ Map phase: disk nearly full');
    const phase = screen.findIndex((l) => /^❯ Map phase \[/.test(l));
    assert.ok(warn >= 0 && error === warn + 1, `the warning, then the error:\n${screen.join('\n')}`);
    assert.ok(phase > error, 'over the phases');
    assert.not.ok(screen.some((l) => l.includes('info line')), 'info lines are not shown');
  } finally {
    await letGo(t, go);
  }
});

test.run();
