// Resizing the terminal under the TUI (tmux): 120×40 → 60×15 → 120×40, and each screen is what a
// fresh TUI draws at that size, character for character (clocks aside): no stray characters from
// the frame before. Below the minimum size one notice stands, until the terminal grows again.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { textWidth } from '../../../src/display/rich/text-width.js';
import { letGo } from '../../helpers/go-file.js';
import { tempDir } from '../../helpers/prog.js';
import type { Tmux } from '../../helpers/tmux.js';
import { liveTest, tools } from '../../helpers/tools.js';
import { childCommand, demo, logLines, normalized, prog, terminal, tuiUp } from '../../fixtures/tui-session.js';

const ready = (s: string[]) => tuiUp(s) && logLines(s).some((l) => /^out 0\d\d$/.test(l));

/** The screen of a TUI on the same run, started afresh at this size. */
async function freshDraw(home: string, id: string, columns: number, rows: number): Promise<string[]> {
  const fresh = terminal(prog(`attach --format tui ${id}`), columns, rows, home);
  try {
    return await fresh.waitFor(ready, 20_000, `a fresh TUI at ${columns}×${rows}`);
  } finally {
    fresh.kill();
  }
}

/** Waits until the resized screen reads as the fresh one (clocks aside), and says where it does not. */
async function sameAs(t: Tmux, expected: string[], columns: number, what: string): Promise<void> {
  const want = normalized(expected);
  let last: string[] = [];
  try {
    await t.waitFor((s) => {
      last = normalized(s);
      return last.join('\n') === want.join('\n');
    }, 5_000, what);
  } catch {
    const diff = want.map((line, i) => (line === last[i] ? undefined : `row ${i}:\n  fresh:   ${JSON.stringify(line)}\n  resized: ${JSON.stringify(last[i])}`)).filter(Boolean);
    assert.unreachable(`${what}: the resized screen differs from a fresh draw\n${diff.join('\n')}`);
  }
  for (const line of t.screen()) assert.ok(textWidth(line) <= columns, `a row wider than ${columns}: ${line}`);
}

liveTest([tools.tmux()], 'resizing 120×40 → 60×15 → 120×40 leaves each screen as a fresh draw at that size', async () => {
  const home = tempDir();
  const go = join(home, 'go');
  const t = terminal(prog(`run --no-resources --format tui -- ${childCommand(demo([go]))}`), 120, 40, home);
  try {
    const first = await t.waitFor(ready, 20_000, 'the TUI at 120×40');
    const id = /run (\d{8}-\d{6}-[0-9a-f]+)/.exec(first.join('\n'))?.[1];
    assert.ok(id, `the header names the run:\n${first.join('\n')}`);
    t.resize(60, 15);
    await sameAs(t, await freshDraw(home, id!, 60, 15), 60, '60×15');
    t.resize(120, 40);
    await sameAs(t, await freshDraw(home, id!, 120, 40), 120, '120×40 again');
    // Too small: one notice, and the layout comes back when the terminal grows.
    t.resize(30, 8);
    const small = await t.waitFor((s) => s.some((l) => /^too small: 30×8, needs 40×10/.test(l)), 5_000, 'the notice');
    assert.is(small.filter((l) => l.trim() !== '').length, 1, small.join('\n'));
    t.resize(120, 40);
    await sameAs(t, await freshDraw(home, id!, 120, 40), 120, '120×40 after the notice');
  } finally {
    await letGo(t, go);
  }
});

test.run();
