// The TUI in a real terminal (tmux): each key changes what the log shows — selecting an agent or a
// phase, the level filter, the text filter, the source filter.
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { tempDir } from '../../helpers/prog.js';
import { letGo } from '../../helpers/go-file.js';
import { liveTest, tools } from '../../helpers/tools.js';
import { childCommand, demo, footer, logLines, logTitle, prog, terminal, tuiUp } from '../../fixtures/tui-session.js';

/** The demo workflow in the TUI at 120×40, waiting for the test's go-ahead. */
async function demoTui() {
  const home = tempDir();
  const go = join(home, 'go');
  const t = terminal(prog(`run --no-resources --format tui -- ${childCommand(demo([go]))}`), 120, 40, home);
  await t.waitFor((s) => tuiUp(s) && logLines(s).some((l) => l === 'out 080'), 20_000, 'the TUI with the demo\'s lines');
  return { t, go };
}

liveTest([tools.tmux()], 'Enter on an agent shows its own lines only; Enter again shows all lines', async () => {
  const { t, go } = await demoTui();
  try {
    t.keys('Tab');
    await t.waitFor((s) => s.some((l) => /» Agents 2/.test(l)), 5_000, 'the agents pane in focus');
    t.keys('Enter');
    const own = await t.waitFor((s) => /Log · agent agent-01/.test(logTitle(s)), 5_000, 'the log of agent-01');
    const lines = logLines(own);
    assert.equal(lines, ['[agent-01] compiling alpha', '✖ error agent-01: alpha broke', '✖ failed build/alpha [agent-01]: boom'], own.join('\n'));
    assert.ok(own.some((l) => /(^|│)[•›] ✖ agent-01 /.test(l)), `the agent row is marked:\n${own.join('\n')}`);
    t.keys('Enter');
    const back = await t.waitFor((s) => /^[» ] Log · \d+ lines · following/.test(logTitle(s)), 5_000, 'all lines again');
    assert.is(logLines(back).at(-1), 'out 080');
    // A phase: its lines, failures included.
    t.keys('BTab', 'Enter');
    const phase = await t.waitFor((s) => /Log · phase build/.test(logTitle(s)), 5_000, 'the log of the Build phase');
    assert.ok(logLines(phase).includes('out 080'));
    t.keys('Escape');
    await t.waitFor((s) => /^[» ] Log · \d+ lines/.test(logTitle(s)), 5_000, 'Esc to clear the selection');
  } finally {
    await letGo(t, go);
  }
});

liveTest([tools.tmux()], 'l cycles the level: info, warn, error show log lines and failures at or above; all brings output back', async () => {
  const { t, go } = await demoTui();
  try {
    const level = async (name: string) => {
      t.keys('l');
      return logLines(await t.waitFor((s) => logTitle(s).includes(`level ≥ ${name}`), 5_000, `level ${name}`));
    };
    assert.equal(await level('info'), ['· info cache hit 42', '⚠ warn agent-02: slow disk', '✖ error agent-01: alpha broke', '✖ failed build/alpha [agent-01]: boom']);
    assert.equal(await level('warn'), ['⚠ warn agent-02: slow disk', '✖ error agent-01: alpha broke', '✖ failed build/alpha [agent-01]: boom']);
    assert.equal(await level('error'), ['✖ error agent-01: alpha broke', '✖ failed build/alpha [agent-01]: boom']);
    t.keys('l');
    const all = await t.waitFor((s) => !logTitle(s).includes('level') && logLines(s).at(-1) === 'out 080', 5_000, 'all lines again');
    assert.match(footer(all), /l level all/);
  } finally {
    await letGo(t, go);
  }
});

liveTest([tools.tmux()], '/ filters by a regular expression as it is typed; an invalid one is an error, not a crash; Esc cancels', async () => {
  const { t, go } = await demoTui();
  try {
    t.keys('/');
    await t.waitFor((s) => /^ \/▏/.test(footer(s)), 5_000, 'the prompt line');
    t.keys('-l', 'compiling (al|be)');
    const typed = await t.waitFor((s) => logLines(s).length === 2, 5_000, 'the lines that match');
    assert.equal(logLines(typed), ['[agent-01] compiling alpha', '[agent-02] compiling beta']);
    assert.match(footer(typed), /^ \/compiling \(al\|be\)▏/);
    t.keys('Enter');
    await t.waitFor((s) => logTitle(s).includes('/compiling (al|be)/') && /q quit/.test(footer(s)), 5_000, 'the filter in the title');
    // Reopened, the expression is there to edit; an unbalanced one says why, and the filter stays.
    t.keys('/');
    t.keys('-l', '(');
    const invalid = await t.waitFor((s) => /✖ /.test(footer(s)), 5_000, 'the error');
    assert.match(footer(invalid), /✖ .*(Unterminated group|unterminated)/i);
    assert.is(logLines(invalid).length, 2);
    t.keys('Enter');
    await t.waitFor((s) => /✖ /.test(footer(s)), 5_000, 'Enter to leave the invalid expression in the prompt');
    t.keys('Escape');
    const cancelled = await t.waitFor((s) => /q quit/.test(footer(s)), 5_000, 'Esc to close the prompt');
    assert.ok(logTitle(cancelled).includes('/compiling (al|be)/'), 'the filter before the prompt is back');
    t.keys('Escape');
    await t.waitFor((s) => !logTitle(s).includes('/compiling') && logLines(s).at(-1) === 'out 080', 5_000, 'Esc to clear the filter');
  } finally {
    await letGo(t, go);
  }
});

liveTest([tools.tmux()], 's cycles the source: each agent, stdout, stderr, all', async () => {
  const { t, go } = await demoTui();
  try {
    const source = async (name: string) => {
      t.keys('s');
      return logLines(await t.waitFor((s) => logTitle(s).includes(`source ${name}`), 5_000, `source ${name}`));
    };
    assert.equal(await source('agent-01'), ['[agent-01] compiling alpha', '✖ error agent-01: alpha broke', '✖ failed build/alpha [agent-01]: boom']);
    const second = await source('agent-02');
    // Its lines fill more than the pane: the newest show, and none is agent-01's.
    assert.not.ok(second.some((l) => l.includes('agent-01')), second.join('\n'));
    assert.is(second.at(-1), 'out 080', 'the only busy agent owns the untagged lines');
    assert.not.ok((await source('stdout')).includes('stderr says hi'));
    assert.equal(await source('stderr'), ['stderr says hi']);
    t.keys('s');
    await t.waitFor((s) => !logTitle(s).includes('source'), 5_000, 'all sources again');
  } finally {
    await letGo(t, go);
  }
});

test.run();
