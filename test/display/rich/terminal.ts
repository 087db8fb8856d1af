// The rich view in a real terminal (tmux): what a user sees, read back from the screen.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtures, progBin, runProg, tempDir } from '../../helpers/prog.js';
import { waitUntil } from '../../helpers/procfs.js';
import { shellQuote, Tmux } from '../../helpers/tmux.js';
import { liveTest, tools } from '../../helpers/tools.js';

const agents = join(fixtures, 'agents.js');
const node = process.execPath;

function prog(args: string): string {
  return `${shellQuote(node)} ${shellQuote(progBin)} ${args}`;
}

function withTerminal(command: string, columns: number, rows: number, home = tempDir()): Tmux {
  // A line first, as in a real shell session: tmux moves a screen cleared from its top-left corner
  // into the scrollback, which would fill the history with frames no user ever sees there.
  return new Tmux(`echo '$ prog run'; env -u CI -u NO_COLOR -u FORCE_COLOR ${command}`, columns, rows, { PROG_HOME: home, TERM: 'xterm-256color' });
}

const exited = (screen: string[]) => screen.some((l) => /^\[exit \d+\]$/.test(l));

liveTest([tools.tmux()], 'a command with no progress of its own gets a header bar from its history, marked estimated', async () => {
  const home = tempDir();
  for (let i = 0; i < 2; i++) assert.is((await runProg(['run', '--name', 'nap', '--format', 'none', '--', 'sleep', '2'], { home })).code, 0);
  const t = withTerminal(prog('run --name nap -- sleep 2'), 160, 20, home);
  try {
    const screen = await t.waitFor((s) => s.some((l) => /^\S sleep 2 · \[█*░*\] ~\d+% estimated · ETA /.test(l)), 20_000, 'an estimated header');
    assert.ok(screen.some((l) => / · \d\.\ds elapsed/.test(l)));
    // Sampled once a second: the header says what the command uses.
    await t.waitFor((s) => s.some((l) => /elapsed · CPU \d+% · Mem \d+(\.\d)? [kMG]?B · Disk [-+±]/.test(l)), 20_000, 'CPU and memory in the header');
    await t.waitFor(exited, 20_000, 'the run to end');
  } finally {
    t.kill();
  }
});

liveTest([tools.tmux()], 'auto picks the rich view on a terminal: rows appear, then update as items finish', async () => {
  const t = withTerminal(prog(`run -- ${node} ${agents} 4 20 3`), 120, 40);
  try {
    const first = await t.waitFor((s) => s.some((l) => /❯ Map phase .*\d+\/240/.test(l)), 20_000, 'a running Map phase row');
    const at = (s: string[]) => Number(/(\d+)\/240/.exec(s.find((l) => l.includes('Map phase'))!)![1]);
    const later = await t.waitFor((s) => s.some((l) => l.includes('Map phase')) && at(s) > at(first), 20_000, 'the row to move on');
    assert.ok(at(later) > at(first));
    assert.ok(later.some((l) => /^ {2}\S agent-0\d/.test(l)), `agent rows under the phase:\n${later.join('\n')}`);
    assert.ok(later.some((l) => /load · \d+% · /.test(l)), 'a workflow header with its percentage');
    await t.waitFor(exited, 20_000, 'the run to end');
  } finally {
    t.kill();
  }
});

liveTest([tools.tmux()], '20 agents at 100 updates a second each: no count is lost and the final frame is exact', async () => {
  const t = withTerminal(prog(`run --format rich -- ${node} ${agents} 20 100 3 0`), 140, 50);
  try {
    const screen = await t.waitFor(exited, 40_000, 'the run to end');
    const row = screen.find((l) => l.includes('Map phase') && l.includes('6000/6000'));
    assert.ok(row, `the final Map phase row says 6000/6000:\n${screen.join('\n')}`);
    assert.match(row!, /✔ Map phase .*100% 6000\/6000 .*✔ 6000/);
    assert.ok(screen.some((l) => /^items: 6000 ok, 0 failed/.test(l)), 'the summary counts every item');
    assert.ok(screen.some((l) => l === '[exit 0]'));
  } finally {
    t.kill();
  }
});

liveTest([tools.tmux()], 'resizing 120 → 60 → 120 columns leaves no fragments of old frames', async () => {
  const t = withTerminal(prog(`run --format rich -- ${node} ${agents} 6 5 8 0 200`), 120, 30);
  try {
    await t.waitFor((s) => s.some((l) => l.includes('Map phase')), 20_000, 'the frame');
    // Output pushes the frame away for at most 50 ms: read the screen when a frame is on it, and one
    // drawn for the new width (a frame drawn before prog saw the resize is wrapped by the terminal):
    // at 60 columns the header is cut short with …, at 120 it is longer than 60.
    const framed = (s: string[]) => s.some((l) => /load · /.test(l)) && s.some((l) => l.includes('Map phase'));
    const header = (s: string[]) => s.find((l) => /load · /.test(l)) ?? '';
    t.resize(60, 30);
    // At 60 columns the header takes two lines (the second with elapsed time and resources).
    const narrow = await t.waitFor((s) => framed(s) && header(s).length < 60 && s.some((l) => /^ {2}\d+(\.\d)?s elapsed · /.test(l)), 5_000, 'a frame drawn for 60 columns');
    t.resize(120, 30);
    const wide = await t.waitFor((s) => framed(s) && header(s).length > 60, 5_000, 'a frame drawn for 120 columns');
    for (const [name, screen, width] of [['narrow', narrow, 60], ['wide', wide, 120]] as const) {
      const frameLines = screen.filter((l) => /Map phase|load ·|agent-0\d|^ {2}\d+(\.\d)?s elapsed · |agents busy$/.test(l) && !/^log line/.test(l));
      const headers = screen.filter((l) => /load · /.test(l));
      assert.is(headers.length, 1, `${name}: exactly one header on screen:\n${screen.join('\n')}`);
      assert.is(screen.filter((l) => l.includes('Map phase')).length, 1, `${name}: exactly one phase row:\n${screen.join('\n')}`);
      for (const line of screen.filter((l) => l !== '$ prog run')) {
        assert.ok(line.length <= width, `${name}: a line wider than the terminal: ${line}`);
        // Every line is the child's (`log line N`), the frame's, or empty: no half-erased leftovers.
        // The run's id line above the frame is output like any other: at 60 columns it wraps.
        const idLine = /^prog: run \d{8}-/.test(line) || /follows it from another terminal$/.test(line);
        assert.ok(line === '' || idLine || /^log line \d+$/.test(line) || frameLines.includes(line), `${name}: a stray fragment on screen: ${JSON.stringify(line)}\n${screen.join('\n')}`);
      }
    }
    await t.waitFor(exited, 30_000, 'the run to end');
  } finally {
    t.kill();
  }
});

liveTest([tools.tmux()], 'the child\'s output lines all appear above the frame, in order, none lost or doubled', async () => {
  const t = withTerminal(prog(`run --format rich -- ${node} ${agents} 8 50 3 0 20`), 100, 20);
  try {
    await t.waitFor(exited, 30_000, 'the run to end');
    const logs = t.history().filter((l) => l.startsWith('log line'));
    assert.ok(logs.length >= 100, `expected at least 100 log lines, got ${logs.length}`);
    logs.forEach((line, i) => assert.is(line, `log line ${i}`));
  } finally {
    t.kill();
  }
});

liveTest([tools.tmux()], 'a failing agent shows ✖ and its phase row counts the failure; the summary lists it', async () => {
  const t = withTerminal(prog(`run --format rich -- ${node} ${agents} 3 2 4 5`), 120, 30);
  try {
    const live = await t.waitFor((s) => s.some((l) => /^ {2}✖ agent-0\d +item-\d+ failed: boom/.test(l)), 20_000, 'a failed agent row');
    assert.ok(live.some((l) => /Map phase .*✖ \d+/.test(l)), `the phase row counts failures:\n${live.join('\n')}`);
    const end = await t.waitFor(exited, 20_000, 'the run to end');
    assert.ok(end.some((l) => /^failed items/.test(l)));
    assert.ok(end.some((l) => /map\/item-4 \[agent-0\d\]: boom/.test(l)), end.join('\n'));
  } finally {
    t.kill();
  }
});

liveTest([tools.tmux()], 'Ctrl-C: the command stops, and the final frame says so truthfully', async () => {
  const home = tempDir();
  const t = new Tmux(`echo '$ prog run'; env -u CI -u NO_COLOR -u FORCE_COLOR ${prog(`run --format rich -- ${node} ${agents} 4 5 60`)}`, 120, 30, { PROG_HOME: home, TERM: 'xterm-256color' });
  try {
    await t.waitFor((s) => s.some((l) => /❯ Map phase/.test(l)), 20_000, 'a running phase');
    t.keys('C-c');
    // prog dies of SIGINT like its command, and so does the shell around it: the pane ends.
    await waitUntil(() => t.dead() || `the pane's shell runs on:\n${t.screen().join('\n')}`, 20_000, 'the pane\'s shell to end with prog');
    const end = t.screen();
    assert.ok(end.some((l) => /^■ load · .* · interrupted$/.test(l)), `the header says interrupted:\n${end.join('\n')}`);
    assert.ok(end.some((l) => /^■ Map phase /.test(l)), 'the running phase ends interrupted (■), neither running nor failed');
    assert.ok(end.some((l) => /^ {2}■ Map phase interrupted in /.test(l)), `the summary says the phase was interrupted:\n${end.join('\n')}`);
    assert.not.ok(end.some((l) => /^❯ /.test(l)), 'nothing is left looking alive');
    assert.ok(end.some((l) => /^finished interrupted · killed by SIGINT \(passed on by prog\)/.test(l)));
    const [run] = readdirSync(join(home, 'runs'));
    const record = JSON.parse(readFileSync(join(home, 'runs', run!, 'run.json'), 'utf8'));
    assert.equal([record.status, record.signal, record.signalledBy], ['interrupted', 'SIGINT', 'forwarded']);
  } finally {
    t.kill();
  }
});

liveTest([tools.tmux()], '--format rich with neither stdout nor stderr a terminal is refused with a message, exit 125', async () => {
  const t = withTerminal(`${prog('run --format rich -- true')} 2>&1 | cat`, 100, 10);
  try {
    const screen = await t.waitFor(exited, 10_000, 'prog to stop');
    assert.ok(screen.some((l) => l.includes('--format rich needs a terminal')), screen.join('\n'));
  } finally {
    t.kill();
  }
});

test.run();
