// The TUI's frame as rows: every row exactly the screen's width at every size (wide characters and
// emoji counted as two cells), the screen writer sending only rows that changed, and the controls.
import { PassThrough } from 'node:stream';
import { Chalk } from 'chalk';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stripAnsi } from '../../../src/lines/ansi.js';
import { textWidth } from '../../../src/display/rich/text-width.js';
import { handleKey, type ControlContext } from '../../../src/display/tui/controls.js';
import { drawFrame } from '../../../src/display/tui/frame.js';
import { LogBuffer } from '../../../src/display/tui/log-buffer.js';
import { ResourceHistory } from '../../../src/display/tui/panes/header.js';
import { rowText, Screen, SYNC_END, SYNC_START } from '../../../src/display/tui/screen.js';
import { theme } from '../../../src/display/tui/theme.js';
import { initialState, logFilter, type UiState } from '../../../src/display/tui/ui-state.js';
import type { ProgEvent } from '../../../src/events.js';
import { emptyCounts, type Snapshot } from '../../../src/model/snapshot.js';

const colour = theme(new Chalk({ level: 3 }));
const plain = theme(new Chalk({ level: 0 }));

function snapshot(): Snapshot {
  const counts = { ...emptyCounts(), processed: 3, succeeded: 2, failed: 1, running: 2 };
  return {
    type: 'snapshot', tMs: 5000, workflow: '数据处理 ✅', status: 'running', elapsedMs: 5000, counts, percent: 40, etaMs: 7000, etaLowMs: 5000, etaHighMs: 9000,
    phases: [
      { id: 'ci', name: 'CI group', status: 'running', current: 0, counts: emptyCounts(), startedMs: 0, durationMs: 5000 },
      { id: 'build', name: '⚡ 构建 ❌ テスト', parent: 'ci', status: 'running', current: 3, total: 10, percent: 30, counts, rate: 0.6, etaMs: 12000, startedMs: 0, durationMs: 5000 },
    ],
    agents: [
      { id: '代理-1', status: 'busy', phase: 'build', item: '文件_✅✅✅.py', itemSinceMs: 4000, done: 2, avgItemMs: 1500 },
      { id: 'agent-02', status: 'idle', last: { item: 'x', outcome: 'failed', error: 'boom' } },
    ],
    invalidMarkers: 0,
    resources: { cpuPercent: 65, rssBytes: 12e6, processes: 3, cpuSeconds: 1, machine: { cpuPercent: 10, memUsedBytes: 1e9, memTotalBytes: 4e9 }, diskDeltaBytes: 4e6 },
  };
}

function log(): LogBuffer {
  const b = new LogBuffer();
  let seq = 0;
  const events: Record<string, unknown>[] = [
    { type: 'item.start', phase: 'build', id: 'a', agent: '代理-1' },
    { type: 'output', stream: 'stdout', line: '[代理-1] 🚀 wide ✅ output', eol: '\n' },
    { type: 'log', level: 'warn', message: '慢 ✅' },
  ];
  for (let i = 0; i < 100; i++) events.push({ type: 'output', stream: 'stdout', line: `line ${i}`, eol: '\n' });
  for (const e of events) b.event({ seq: ++seq, t: 0, ...e } as ProgEvent);
  return b;
}

function frame(columns: number, rows: number, state: UiState = initialState(), th = colour) {
  const buffer = log();
  const f = drawFrame({
    columns, rows, state, theme: th,
    header: { snapshot: snapshot(), title: 'cmd', runId: '20261204-120000-abcd', frame: 1, history: new ResourceHistory() },
    log: buffer.view(logFilter(state)),
  });
  return { ...f, rows: f.rows.map(rowText) };
}

for (const [columns, rows] of [[40, 10], [60, 15], [99, 30], [120, 40], [200, 60]] as const) {
  test(`at ${columns}×${rows} every row is exactly ${columns} cells, wide characters counted as two`, () => {
    for (const th of [colour, plain]) {
      const f = frame(columns, rows, initialState(), th);
      assert.is(f.rows.length, rows);
      f.rows.forEach((row, i) => assert.is(textWidth(stripAnsi(row)), columns, `row ${i}: ${JSON.stringify(stripAnsi(row))}`));
    }
  });
}

test('side by side, the divider between phases and agents stands in the same column on every row', () => {
  const f = frame(120, 40, initialState(), plain);
  const rows = f.rows.filter((r) => r.includes('│')).map((r) => textWidth(r.slice(0, r.indexOf('│'))));
  assert.ok(rows.length >= 3);
  assert.ok(rows.every((w) => w === rows[0]), `divider columns: ${rows.join(', ')}`);
});

test('below 40×10 one notice replaces the panes', () => {
  const f = frame(39, 20, initialState(), plain);
  assert.match(f.rows[0]!, /^too small: 39×20, needs 40×10/);
  assert.ok(f.rows.slice(1).every((r) => r.trim() === ''));
});

test('without colour the focused pane and the cursor still show: » on the title, › on the row', () => {
  const f = frame(120, 40, initialState(), plain);
  assert.ok(f.rows.some((r) => r.startsWith('» Phases 2')), f.rows.join('\n'));
  assert.ok(f.rows.some((r) => r.startsWith('› ❯ CI group')), f.rows.join('\n'));
});

test('the screen writes only the rows that changed, inside synchronized-output markers', () => {
  const out = new PassThrough();
  let written = '';
  out.on('data', (d: Buffer) => (written += d.toString()));
  const screen = new Screen(out);
  screen.enter();
  written = '';
  screen.draw(['aaaa', 'bbbb', 'cccc']);
  assert.ok(written.startsWith(SYNC_START) && written.endsWith(SYNC_END));
  assert.is(written.split('\x1b[').length - 1 >= 3, true);
  written = '';
  screen.draw(['aaaa', 'bbbb', 'cccc']);
  assert.is(written, '', 'nothing changed, nothing written');
  screen.draw(['aaaa', 'BBBB', 'cccc']);
  assert.is(written, `${SYNC_START}\x1b[2;1HBBBB\x1b[0m${SYNC_END}`);
  assert.is(screen.frames, 2);
  // Panes side by side change apart: only the segment that changed is written, at its column.
  screen.draw(['aaaa', [{ col: 0, text: 'bb' }, { col: 2, text: 'BB' }], 'cccc']);
  written = '';
  screen.draw(['aaaa', [{ col: 0, text: 'bb' }, { col: 2, text: 'XY' }], 'cccc']);
  assert.is(written, `${SYNC_START}\x1b[2;3HXY\x1b[0m${SYNC_END}`);
});

test('keys: Tab moves the focus, Enter selects an agent and again clears it, l cycles the level', () => {
  const state = initialState();
  const ctx: ControlContext = { ids: (pane) => (pane === 'agents' ? ['agent-01', 'agent-02'] : ['build']), log: () => [], logRows: () => 10, sources: () => [{ kind: 'all' }] };
  handleKey(state, { name: 'tab' }, ctx);
  assert.is(state.focus, 'agents');
  handleKey(state, { name: 'down' }, ctx);
  handleKey(state, { name: 'enter' }, ctx);
  assert.equal(state.selection, { kind: 'agent', id: 'agent-02' });
  handleKey(state, { name: 'enter' }, ctx);
  assert.is(state.selection, undefined);
  for (const level of ['info', 'warn', 'error', 'all']) {
    handleKey(state, { name: 'char', char: 'l' }, ctx);
    assert.is(state.level, level);
  }
});

test('keys: an invalid regular expression is an error in the prompt, Esc puts the old filter back', () => {
  const state = initialState();
  const ctx: ControlContext = { ids: () => [], log: () => [], logRows: () => 10, sources: () => [{ kind: 'all' }] };
  const type = (text: string) => [...text].forEach((char) => handleKey(state, { name: 'char', char }, ctx));
  type('/ok');
  handleKey(state, { name: 'enter' }, ctx);
  assert.is(state.text?.source, 'ok');
  type('/(');
  assert.ok(state.prompt?.error !== undefined, 'the error is shown');
  handleKey(state, { name: 'enter' }, ctx);
  assert.ok(state.prompt, 'Enter does not accept an invalid expression');
  handleKey(state, { name: 'escape' }, ctx);
  assert.is(state.prompt, undefined);
  assert.is(state.text?.source, 'ok');
});

test('keys: PgUp stops following and holds the view; PgDn to the bottom or F follows again', () => {
  const state = initialState();
  const lines = Array.from({ length: 100 }, (_, i) => ({ seq: i + 1, kind: 'out' as const, text: `line ${i}` }));
  const ctx: ControlContext = { ids: () => [], log: () => lines, logRows: () => 10, sources: () => [{ kind: 'all' }] };
  handleKey(state, { name: 'pageup' }, ctx);
  assert.is(state.follow, false);
  assert.is(state.anchor, 82, 'a page is the pane less one line: the top line is line 81');
  handleKey(state, { name: 'pagedown' }, ctx);
  assert.is(state.follow, true);
  handleKey(state, { name: 'home' }, ctx);
  assert.is(state.anchor, 1);
  handleKey(state, { name: 'char', char: 'F' }, ctx);
  assert.is(state.follow, true);
});

test.run();
