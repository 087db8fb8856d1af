// Leaving and stopping, in a real terminal (tmux): `q` gives the screen and the cursor back while
// the run goes on, and `prog attach --format tui` returns to it; Ctrl-C asks first, and `y` stops
// the run, prog ending with the run's status.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { letGo } from '../../helpers/go-file.js';
import { waitUntil } from '../../helpers/procfs.js';
import { tempDir } from '../../helpers/prog.js';
import { readJson } from '../../helpers/runs.js';
import { liveTest, tools } from '../../helpers/tools.js';
import { childCommand, demo, exited, footer, logLines, onlyRunDir, paneFlag, prog, terminal, tuiUp } from '../../fixtures/tui-session.js';

liveTest([tools.tmux()], 'q leaves the TUI with the screen and cursor restored, the run goes on, and attach --format tui returns to it', async () => {
  const home = tempDir();
  const go = join(home, 'go');
  const t = terminal(prog(`run --no-resources --format tui -- ${childCommand(demo([go]))}`), 120, 40, home);
  let back: ReturnType<typeof terminal> | undefined;
  try {
    await t.waitFor((s) => tuiUp(s) && logLines(s).at(-1) === 'out 080', 20_000, 'the TUI');
    assert.is(paneFlag(t, '#{alternate_on}'), '1', 'the TUI draws on the alternate screen');
    assert.is(paneFlag(t, '#{cursor_flag}'), '0', 'with the cursor hidden');
    t.keys('q');
    const left = await t.waitFor(exited, 10_000, 'prog to leave');
    assert.is(paneFlag(t, '#{alternate_on}'), '0', `the normal screen is back:\n${left.join('\n')}`);
    assert.is(paneFlag(t, '#{cursor_flag}'), '1', 'and the cursor shows');
    assert.is(left[0], '$ prog run', 'what the terminal showed before the TUI is there again');
    assert.ok(left.includes('[exit 0]'), left.join('\n'));
    const id = /run (\d{8}-\d{6}-[0-9a-f]+) goes on/.exec(left.join('\n'))?.[1];
    assert.ok(id, `the run's id is given to come back to it:\n${left.join('\n')}`);
    assert.not.ok(left.some((l) => /\x1b|out 0\d\d|Log · /.test(l)), `nothing of the TUI is left on the screen:\n${left.join('\n')}`);
    // The run goes on without the TUI.
    const dir = onlyRunDir(home);
    assert.is(readJson(join(dir, 'run.json'))?.endedAt, undefined, 'the run has not ended');
    back = terminal(prog(`attach --format tui ${id}`), 120, 40, home);
    await back.waitFor((s) => tuiUp(s) && logLines(s).at(-1) === 'out 080', 20_000, 'attach to show the same run in the TUI');
    writeFileSync(go, '');
    const end = await back.waitFor(exited, 20_000, 'the run to end under attach');
    assert.ok(end.some((l) => /^finished ok · exit 0/.test(l)), `attach prints the summary:\n${end.join('\n')}`);
    assert.ok(end.includes('[exit 0]'));
    assert.is(paneFlag(back, '#{alternate_on}'), '0');
    assert.is(paneFlag(back, '#{cursor_flag}'), '1');
  } finally {
    back?.kill();
    await letGo(t, go);
  }
});

liveTest([tools.tmux()], 'Ctrl-C asks first: n keeps the run; y stops it and prog ends with its status (SIGINT: 130)', async () => {
  const home = tempDir();
  const go = join(home, 'go');
  const t = terminal(prog(`run --no-resources --format tui -- ${childCommand(demo([go]))}`), 120, 40, home);
  try {
    await t.waitFor((s) => tuiUp(s) && logLines(s).at(-1) === 'out 080', 20_000, 'the TUI');
    t.keys('C-c');
    await t.waitFor((s) => /Stop the run\? y\/n/.test(footer(s)), 5_000, 'the question');
    t.keys('n');
    await t.waitFor((s) => /q quit/.test(footer(s)), 5_000, 'n to keep the run');
    assert.is(readJson(join(onlyRunDir(home), 'run.json'))?.endedAt, undefined, 'n did not stop the run');
    t.keys('C-c');
    await t.waitFor((s) => /Stop the run\? y\/n/.test(footer(s)), 5_000, 'the question again');
    t.keys('y');
    const end = await t.waitFor(exited, 20_000, 'the run to stop');
    assert.ok(end.some((l) => /^finished interrupted · killed by SIGINT/.test(l)), `the summary says how it ended:\n${end.join('\n')}`);
    assert.ok(end.includes('[exit 130]'), `prog ends as the run did:\n${end.join('\n')}`);
    assert.is(paneFlag(t, '#{alternate_on}'), '0');
    assert.is(paneFlag(t, '#{cursor_flag}'), '1');
    await waitUntil(() => readJson(join(onlyRunDir(home), 'run.json'))?.status === 'interrupted' || JSON.stringify(readJson(join(onlyRunDir(home), 'run.json'))), 10_000, 'the run recorded as interrupted');
    const record = JSON.parse(readFileSync(join(onlyRunDir(home), 'run.json'), 'utf8'));
    assert.is(record.signal, 'SIGINT');
  } finally {
    await letGo(t, go);
  }
});

liveTest([tools.tmux()], 'c prints the focused pane plainly on the normal screen for the terminal to select; any key returns; ? shows the keys', async () => {
  const home = tempDir();
  const go = join(home, 'go');
  const t = terminal(prog(`run --no-resources --format tui -- ${childCommand(demo([go]))}`), 120, 40, home);
  try {
    await t.waitFor((s) => tuiUp(s) && logLines(s).at(-1) === 'out 080', 20_000, 'the TUI');
    t.keys('?');
    const help = await t.waitFor((s) => s.some((l) => /^ Keys$/.test(l)), 5_000, 'the help');
    assert.ok(help.some((l) => /^ Ctrl-C +stop the run \(asks first\)/.test(l)), help.join('\n'));
    t.keys('x');
    await t.waitFor((s) => tuiUp(s), 5_000, 'any key to close the help');
    t.keys('Tab', 'Tab', 'c');
    const copy = await t.waitFor((s) => s.some((l) => /any key returns to the TUI/.test(l)), 5_000, 'copy mode');
    assert.is(paneFlag(t, '#{alternate_on}'), '0', 'copy mode is on the normal screen');
    assert.is(paneFlag(t, '#{cursor_flag}'), '1');
    const text = t.history();
    const from = text.findIndex((l) => /prog: the log pane, as text/.test(l));
    assert.ok(from >= 0, copy.join('\n'));
    const lines = text.slice(from + 1, text.findIndex((l) => /any key returns to the TUI/.test(l)));
    assert.is(lines[0], '[agent-01] compiling alpha', 'from the first line, in the scrollback');
    assert.ok(lines.includes('progress 100%') && lines.includes('宽字符 ✅ emoji 🚀 done') && lines.at(-1) === 'out 080', lines.join('\n'));
    assert.not.ok(lines.some((l) => /\x1b/.test(l)));
    t.keys('x');
    await t.waitFor((s) => tuiUp(s), 5_000, 'any key to return to the TUI');
    assert.is(paneFlag(t, '#{alternate_on}'), '1');
  } finally {
    await letGo(t, go);
  }
});

test.run();
