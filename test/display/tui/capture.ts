// A capture of the TUI for the README (test-artifacts/tui.txt): a workflow that looks like real
// work (test/fixtures/tui-demo.js) at 120×40, with its resources' sparklines, read back from tmux.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtures, projectRoot } from '../../helpers/prog.js';
import { shellQuote } from '../../helpers/tmux.js';
import { liveTest, tools } from '../../helpers/tools.js';
import { exited, logLines, prog, terminal, tuiUp } from '../../fixtures/tui-session.js';

liveTest([tools.tmux()], 'the TUI of a workflow with a CI group and four agents: header with sparklines, the tree, the agents, their lines', async () => {
  const t = terminal(prog(`run --format tui -- ${shellQuote(process.execPath)} ${shellQuote(join(fixtures, 'tui-demo.js'))} 4 14`), 120, 40);
  try {
    const screen = await t.waitFor((s) => tuiUp(s) && s.some((l) => /Test .*\d+\/40/.test(l)) && s.some((l) => /CPU \d+% [▁▂▃▄▅▆▇█]{4,}/.test(l)), 30_000, 'the test phase running, with sparklines');
    mkdirSync(join(projectRoot, 'test-artifacts'), { recursive: true });
    writeFileSync(join(projectRoot, 'test-artifacts', 'tui.txt'), `${screen.join('\n').trimEnd()}\n`);
    assert.ok(screen.some((l) => /^. ❯ CI /.test(l) || /❯ CI /.test(l)), `the group:\n${screen.join('\n')}`);
    // Phases a workflow's markers start are not nested under a CI group (only tools' phases are).
    assert.ok(screen.some((l) => /✔ Build \[█+\] 100%/.test(l)), `the build phase, done:\n${screen.join('\n')}`);
    assert.is(screen.filter((l) => /agent-0\d {2}test_\d\d/.test(l)).length >= 1, true, 'agents on their items');
    assert.ok(logLines(screen).some((l) => /^\[agent-0\d\] \w+ test_\d\d$/.test(l)), 'their lines in the log');
    await t.waitFor(exited, 30_000, 'the run to end');
  } finally {
    t.kill();
  }
});

test.run();
