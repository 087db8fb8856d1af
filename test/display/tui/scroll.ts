// The TUI's log pane in a real terminal (tmux): scrolling stops following and holds the view while
// lines arrive, F follows again; a `\r` progress bar is one line that updates; wide characters and
// emoji keep every row within the terminal and the panes' columns in line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { textWidth } from '../../../src/display/rich/text-width.js';
import { letGo } from '../../helpers/go-file.js';
import { tempDir } from '../../helpers/prog.js';
import { marker, type Step } from '../../helpers/runs.js';
import { liveTest, tools } from '../../helpers/tools.js';
import { childCommand, demo, logLines, logTitle, prog, terminal, tuiUp } from '../../fixtures/tui-session.js';

liveTest([tools.tmux()], 'PgUp stops following: new lines do not move the view; F follows again; Home and End', async () => {
  const home = tempDir();
  const [more, go] = [join(home, 'more'), join(home, 'go')];
  const t = terminal(prog(`run --no-resources --format tui -- ${childCommand(demo([more, go]))}`), 120, 40, home);
  try {
    await t.waitFor((s) => tuiUp(s) && logLines(s).at(-1) === 'out 080', 20_000, 'the TUI following the newest line');
    t.keys('PPage');
    const scrolled = await t.waitFor((s) => logTitle(s).includes('scrolled (F follows)'), 5_000, 'the pane scrolled');
    const view = logLines(scrolled);
    assert.not.ok(view.includes('out 080'), 'the newest line is out of view');
    writeFileSync(more, '');
    // Twenty more lines arrive: the count in the title grows, the lines shown stay.
    const held = await t.waitFor((s) => / of \d+ · scrolled/.test(logTitle(s)) && Number(/ of (\d+)/.exec(logTitle(s))![1]) >= 106, 10_000, 'the new lines counted');
    assert.equal(logLines(held), view, 'the view held still');
    t.keys('F');
    const following = await t.waitFor((s) => logLines(s).at(-1) === 'out 100', 5_000, 'F to follow again');
    assert.match(logTitle(following), /lines · following/);
    t.keys('Home');
    const top = await t.waitFor((s) => logLines(s)[0] === '[agent-01] compiling alpha', 5_000, 'Home to show the first line');
    assert.match(logTitle(top), /scrolled/);
    t.keys('End');
    await t.waitFor((s) => logLines(s).at(-1) === 'out 100' && /following/.test(logTitle(s)), 5_000, 'End to follow again');
  } finally {
    await letGo(t, go);
  }
});

liveTest([tools.tmux()], 'a child\'s \\r progress bar is one line that updates in place, not one line per redraw', async () => {
  const home = tempDir();
  const [half, go] = [join(home, 'half'), join(home, 'go')];
  const steps: Step[] = [{ o: 'before\n' }];
  for (let p = 0; p <= 40; p += 4) steps.push({ o: `progress ${p}%\r` }, { sleep: 10 });
  steps.push({ until: half });
  for (let p = 44; p <= 100; p += 4) steps.push({ o: `progress ${p}%${p === 100 ? '\n' : '\r'}` }, { sleep: 10 });
  steps.push({ o: 'after\n' }, { until: go });
  const t = terminal(prog(`run --no-resources --format tui -- ${childCommand(steps)}`), 100, 20, home);
  try {
    const first = await t.waitFor((s) => logLines(s).some((l) => /^progress \d+%$/.test(l)), 20_000, 'the bar');
    assert.is(logLines(first).filter((l) => l.startsWith('progress')).length, 1, first.join('\n'));
    const row = first.findIndex((l) => l.startsWith('progress'));
    writeFileSync(half, '');
    const done = await t.waitFor((s) => logLines(s).includes('after'), 10_000, 'the bar to finish');
    assert.equal(logLines(done), ['before', 'progress 100%', 'after']);
    assert.is(done.findIndex((l) => l.startsWith('progress')), row, 'in the same row');
  } finally {
    await letGo(t, go);
  }
});

liveTest([tools.tmux()], 'wide characters and emoji: every row within the terminal, the divider in one column, the text whole', async () => {
  const home = tempDir();
  const go = join(home, 'go');
  const steps: Step[] = [
    { o: marker({ type: 'workflow', name: '数据处理流水线 ✅⚡' }) },
    { o: marker({ type: 'phase', id: 'build', name: '⚡ 构建 ❌ テスト', total: 40 }) },
    { o: marker({ type: 'item.start', phase: 'build', id: '文件_✅✅✅_1.py', agent: '代理-1' }) },
    { o: marker({ type: 'item.start', phase: 'build', id: 'plain.py', agent: 'agent-2' }) },
    { logged: true },
    { o: '[代理-1] 宽字符 ✅ emoji 🚀 done\n' },
    { o: marker({ type: 'log', level: 'warn', source: '代理-1', message: '⚠ 慢 ✅' }) },
    { until: go },
  ];
  const t = terminal(prog(`run --no-resources --format tui -- ${childCommand(steps)}`), 120, 40, home);
  try {
    const screen = await t.waitFor((s) => logLines(s).includes('[代理-1] 宽字符 ✅ emoji 🚀 done') && s.some((l) => l.includes('plain.py')), 20_000, 'the wide lines');
    for (const line of screen) assert.ok(textWidth(line) <= 120, `wider than the terminal: ${line}`);
    const divided = screen.filter((l) => l.includes('│'));
    assert.ok(divided.length >= 3, screen.join('\n'));
    const columns = divided.map((l) => textWidth(l.slice(0, l.indexOf('│'))));
    assert.ok(columns.every((c) => c === columns[0]), `the divider moves: ${columns.join(', ')}\n${screen.join('\n')}`);
    // The agents' item column starts in the same cell whatever their ids are made of.
    const starts = [/文件_✅✅✅_1\.py/, /plain\.py/].map((item) => {
      const line = screen.find((l) => item.test(l))!;
      return textWidth(line.slice(0, line.search(item)));
    });
    assert.is(starts[0], starts[1], screen.join('\n'));
  } finally {
    await letGo(t, go);
  }
});

test.run();
