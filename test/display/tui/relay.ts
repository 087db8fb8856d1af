// `prog run --format tui`'s two processes, in a real terminal (tmux): the prog recording the run
// draws the TUI and the terminal's prog relays it (src/display/tui/relay.ts). What only this split
// can get wrong: the end comes after the run is wholly recorded (its JUnit report written), a
// recorder that dies leaves the terminal usable and says so, and the command never holds the channel.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { letGo } from '../../helpers/go-file.js';
import { isLive, liveWithEnv, procStat, waitUntil } from '../../helpers/procfs.js';
import { fixtures, runProg, tempDir } from '../../helpers/prog.js';
import { readJson } from '../../helpers/runs.js';
import { shellQuote } from '../../helpers/tmux.js';
import { liveTest, tools } from '../../helpers/tools.js';
import { childCommand, demo, exited, logLines, onlyRunDir, paneFlag, prog, terminal, tuiUp } from '../../fixtures/tui-session.js';

liveTest([tools.tmux()], 'prog run --format tui returns once the run is wholly recorded: its JUnit report is there, and its status is the command\'s', async () => {
  const home = tempDir();
  const junit = join(home, 'report.xml');
  const tap = `printf 'TAP version 13\\n1..2\\nok 1 - first\\nnot ok 2 - second\\n'; exit 3`;
  // The shell looks for the report the moment prog has returned.
  const line = `${prog(`run --no-resources --format tui --junit ${shellQuote(junit)} -- sh -c ${shellQuote(tap)}`)}; s=$?; test -s ${shellQuote(junit)} && echo REPORT-THERE || echo REPORT-MISSING; (exit $s)`;
  const t = terminal(line, 100, 30, home);
  try {
    const end = await t.waitFor(exited, 30_000, 'the run to end');
    assert.ok(end.includes('REPORT-THERE'), `the report exists when prog returns:\n${end.join('\n')}`);
    assert.ok(end.includes('[exit 3]'), `prog ends with the command's status:\n${end.join('\n')}`);
    assert.ok(end.some((l) => /^finished failed · exit 3/.test(l)), `the summary is printed:\n${end.join('\n')}`);
    assert.match(readFileSync(junit, 'utf8'), /tests="2" failures="1"/);
    assert.is(paneFlag(t, '#{alternate_on}'), '0');
    assert.is(paneFlag(t, '#{cursor_flag}'), '1');
  } finally {
    t.kill();
  }
});

liveTest([tools.tmux()], 'a recorder that dies (SIGKILL) leaves the screen, cursor and keyboard restored, and prog says the run is lost', async () => {
  const home = tempDir();
  const go = join(home, 'go');
  const t = terminal(prog(`run --no-resources --format tui -- ${childCommand(demo([go]))}`), 120, 40, home);
  try {
    await t.waitFor((s) => tuiUp(s) && logLines(s).at(-1) === 'out 080', 20_000, 'the TUI');
    const record = readJson(join(onlyRunDir(home), 'run.json')) as { supervisor?: { pid: number } };
    assert.ok(record.supervisor, 'run.json names the recorder');
    process.kill(record.supervisor.pid, 'SIGKILL');
    const end = await t.waitFor(exited, 15_000, 'the terminal\'s prog to end');
    assert.ok(end.some((l) => /run \d{8}-\d{6}-[0-9a-f]+ is lost/.test(l)), `it says what happened:\n${end.join('\n')}`);
    assert.ok(end.includes('[exit 1]'), end.join('\n'));
    assert.is(paneFlag(t, '#{alternate_on}'), '0', 'the normal screen is back');
    assert.is(paneFlag(t, '#{cursor_flag}'), '1', 'and the cursor shows');
    // The keyboard is cooked again: the terminal echoes what is typed.
    t.keys('typed-back');
    await t.waitFor((s) => s.some((l) => l.includes('typed-back')), 5_000, 'the terminal to echo a key');
  } finally {
    await letGo(t, go);
  }
});

/** The prog in the terminal (the relay) and the one recording the run, by their sessions. */
function processes(home: string): { relay: number; recorder: number } {
  const record = readJson(join(onlyRunDir(home), 'run.json')) as { supervisor: { pid: number } };
  const recorder = record.supervisor.pid;
  const session = procStat(recorder)!.sid;
  const relay = liveWithEnv('PROG_HOME', home).find((p) => p.sid !== session && p.comm === 'node');
  assert.ok(relay, 'the terminal\'s prog is found');
  return { relay: relay.pid, recorder };
}

liveTest([tools.tmux()], 'a terminal\'s prog stalled while frames pile up, then q: the screen and cursor come back (the leave comes after the last frame)', async () => {
  const home = tempDir();
  const t = terminal(prog(`run --no-resources --format tui -- ${shellQuote(process.execPath)} ${shellQuote(join(fixtures, 'agents.js'))} 20 100 60 0 20`), 200, 60, home);
  let stopped: number | undefined;
  try {
    await t.waitFor((s) => tuiUp(s) && s.some((l) => /agent-20/.test(l)), 20_000, 'the TUI with its agents');
    const { relay } = processes(home);
    process.kill(relay, 'SIGSTOP');
    stopped = relay;
    // Frames go on being drawn for a terminal that reads nothing: past the socket's buffer.
    const start = Date.now();
    await waitUntil(() => Date.now() - start > 4000 || 'stalling', 10_000, 'a stall');
    process.kill(relay, 'SIGCONT');
    stopped = undefined;
    t.keys('q');
    const left = await t.waitFor(exited, 20_000, 'prog to leave');
    assert.ok(left.some((l) => /left the TUI; run \S+ goes on/.test(l)), left.join('\n'));
    assert.ok(left.includes('[exit 0]'), left.join('\n'));
    assert.is(paneFlag(t, '#{alternate_on}'), '0', `the normal screen is back:\n${left.join('\n')}`);
    assert.is(paneFlag(t, '#{cursor_flag}'), '1');
  } finally {
    if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
    t.kill();
    await runProg(['stop', 'latest'], { home }).catch(() => undefined);
  }
});

liveTest([tools.tmux()], 'a terminal\'s prog stopped until the run has ended still ends with the run\'s status and the screen given back', async () => {
  const home = tempDir();
  const go = join(home, 'go');
  const t = terminal(prog(`run --no-resources --format tui -- ${childCommand(demo([go]))}`), 120, 40, home);
  let stopped: number | undefined;
  try {
    await t.waitFor((s) => tuiUp(s) && logLines(s).at(-1) === 'out 080', 20_000, 'the TUI');
    const { relay, recorder } = processes(home);
    process.kill(relay, 'SIGSTOP');
    stopped = relay;
    writeFileSync(go, '');
    await waitUntil(() => !isLive(recorder) || 'recording', 20_000, 'the recorder to end the run and exit');
    process.kill(relay, 'SIGCONT');
    stopped = undefined;
    const end = await t.waitFor(exited, 20_000, 'prog to end');
    assert.ok(end.includes('[exit 0]'), end.join('\n'));
    assert.ok(end.some((l) => /^finished ok · exit 0/.test(l) || /run \S+ ended: exit 0/.test(l)), `the end is said:\n${end.join('\n')}`);
    assert.is(paneFlag(t, '#{alternate_on}'), '0');
    assert.is(paneFlag(t, '#{cursor_flag}'), '1');
  } finally {
    if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
    await letGo(t, go);
  }
});

liveTest([tools.tmux()], 'once the summary is out the keyboard is the shell\'s: Ctrl-C cuts short an export still under way, and prog ends with the command\'s status', async () => {
  const home = tempDir();
  // A webhook that takes the request and never answers: the export would hold prog for seconds.
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const t = terminal(prog(`run --no-resources --format tui --notify-url http://127.0.0.1:${port}/hook --notify-after 0 -- sh -c 'echo done'`), 100, 30, home);
  try {
    await t.waitFor((s) => s.some((l) => /^finished ok · exit 0/.test(l)), 20_000, 'the summary');
    await waitUntil(() => sockets.length > 0 || 'no request yet', 10_000, 'the webhook to be called');
    t.keys('C-c');
    // The terminal, cooked again, echoes the key (`^C`); the recorder's word on it comes through.
    const end = await t.waitFor((s) => s.some((l) => /\[exit \d+\]$/.test(l)), 10_000, 'prog to end');
    assert.ok(end.some((l) => /^(\^C)?\[exit 0\]$/.test(l)), end.join('\n'));
    assert.ok(end.some((l) => /^(\^C)?prog: warning: SIGINT: stopped exporting the run/.test(l)), `the terminal is told:\n${end.join('\n')}`);
    const log = join(home, 'detached.log');
    await waitUntil(() => (existsSync(log) && /SIGINT: stopped exporting the run/.test(readFileSync(log, 'utf8'))) || `no word of it in detached.log: ${existsSync(log) ? readFileSync(log, 'utf8') : '(none)'}`, 5_000, 'the recorder to say it stopped exporting');
  } finally {
    t.kill();
    for (const socket of sockets) socket.destroy();
    server.close();
  }
});

liveTest([tools.tmux()], 'the recorder\'s warnings reach the terminal once the TUI is off the screen (a JUnit report that cannot be written)', async () => {
  const home = tempDir();
  // A report under a regular file: its directory cannot be made.
  const blocker = join(home, 'not-a-dir');
  writeFileSync(blocker, '');
  const t = terminal(prog(`run --no-resources --format tui --junit ${shellQuote(join(blocker, 'report.xml'))} -- sh -c 'echo done'`), 100, 30, home);
  try {
    const end = await t.waitFor(exited, 20_000, 'the run to end');
    const summary = end.findIndex((l) => /^finished ok · exit 0/.test(l));
    const warning = end.findIndex((l) => /^prog: warning: junit: /.test(l));
    assert.ok(summary >= 0 && warning > summary, `the warning follows the summary on the normal screen:\n${end.join('\n')}`);
    assert.ok(end.includes('[exit 0]'), 'the status is the command\'s');
    assert.match(readFileSync(join(home, 'detached.log'), 'utf8'), /prog: warning: junit: /, 'and detached.log keeps it');
  } finally {
    t.kill();
  }
});

test('PROG_TUI_CHANNEL set by hand is not taken for the TUI\'s channel: prog runs as asked', async () => {
  const result = await runProg(['run', '--format', 'tui', '--', 'sh', '-c', 'echo hello'], { env: { PROG_TUI_CHANNEL: '3', CI: 'true' } });
  assert.is(result.code, 0, result.stderr.toString());
  assert.match(result.stdout.toString(), /^hello$/m);
  assert.not.match(result.stderr.toString(), /TypeError|ERR_/);
});

for (const progressFd of ['3', 'none']) {
  liveTest([tools.tmux()], `the command does not inherit the TUI's channel (--progress-fd ${progressFd})`, async () => {
    const home = tempDir();
    const fds = join(home, 'fds.txt');
    const script = `ls -l /proc/$$/fd > ${shellQuote(fds)}`;
    const t = terminal(prog(`run --no-resources --format tui --progress-fd ${progressFd} -- sh -c ${shellQuote(script)}`), 100, 30, home);
    try {
      await t.waitFor(exited, 20_000, 'the run to end');
      await waitUntil(() => existsSync(fds), 5_000, 'the listing');
      const listing = readFileSync(fds, 'utf8');
      assert.not.match(listing, /socket:/, `no socket among the command's descriptors:\n${listing}`);
      const run = readJson(join(onlyRunDir(home), 'run.json')) as { exitCode?: number };
      assert.is(run.exitCode, 0);
    } finally {
      t.kill();
    }
  });
}

test.run();
