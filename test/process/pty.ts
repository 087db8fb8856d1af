// Ctrl-C in a real terminal. The child runs in its own session, so the terminal's SIGINT reaches prog
// alone, and prog passes it on exactly once; a second Ctrl-C kills the child's group.
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, fxCmd, progSh, recordedRun, trackGroup } from '../helpers/live.js';
import { groupGone, procStat } from '../helpers/procfs.js';
import { CTRL_C, CTRL_D, ptyLines, startInPty } from '../helpers/pty.js';
import { liveTest, tools } from '../helpers/tools.js';

// Every test here drives a pty through util-linux `script`.
const test = (name: string, fn: () => Promise<void>) => liveTest([tools.script()], name, clean(fn));

const READY = /READY (\d+)\r?$/m;

/** Occurrences of a line's text anywhere (the terminal's `^C` echo may share its line). */
function count(text: string, line: string): number {
  return ptyLines(text).join('\n').split(line).length - 1;
}

function signalActions(home: string): string[] {
  return recordedRun(home).events.filter((e) => e.type === 'signal').map((e) => `${e.signal}:${e.action}:${e.sent}`);
}

test('Ctrl-C once: the child gets SIGINT exactly once, prog waits for its 1 s cleanup and exits 0', async () => {
  const live = startInPty(progSh(['run', '--', ...fxCmd('trap', 'SIGINT', '0', '1000')]));
  const pid = Number((await live.waitOut(READY, 10_000, 'the child to print READY'))[1]);
  trackGroup(pid);
  // The setup under test: the child is not in the terminal's foreground group.
  const child = procStat(pid)!;
  assert.is(child.sid, pid, 'the child leads its own session');
  const pressedAt = Date.now();
  live.write(CTRL_C);
  const end = await live.waitExit(10_000, 'prog to end after Ctrl-C');
  assert.equal([end.code, end.signal], [0, null], live.stdout());
  assert.ok(Date.now() - pressedAt >= 900, `prog ended ${Date.now() - pressedAt} ms after Ctrl-C: it did not wait for the child`);
  assert.is(count(live.stdout(), 'SIGINT count=1'), 1, live.stdout());
  assert.is(count(live.stdout(), 'SIGINT count=2'), 0, 'the child got SIGINT twice');
  await groupGone(pid, 5000);
  const { run } = recordedRun(live.home);
  assert.is(run.exitCode, 0);
  assert.equal(signalActions(live.home), ['SIGINT:forwarded:SIGINT']);
});

test('Ctrl-C twice, the child ignores SIGINT: the second escalates, prog dies by SIGKILL (137), signalledBy prog', async () => {
  const live = startInPty(progSh(['run', '--', ...fxCmd('ignore', 'SIGINT')]));
  const pid = Number((await live.waitOut(READY, 10_000, 'the child to print READY'))[1]);
  trackGroup(pid);
  live.write(CTRL_C);
  await live.waitOut(/SIGINT count=1\r?$/m, 5000, 'the child to log the first SIGINT');
  live.write(CTRL_C);
  const end = await live.waitExit(5000, 'prog to die after the second Ctrl-C');
  assert.is(end.code, 137, live.stdout());
  assert.is(count(live.stdout(), 'SIGINT count=2'), 0, 'the second Ctrl-C is not forwarded as SIGINT');
  await groupGone(pid, 5000);
  const { run } = recordedRun(live.home);
  assert.is(run.signal, 'SIGKILL');
  assert.is(run.signalledBy, 'prog');
  assert.equal(signalActions(live.home), ['SIGINT:forwarded:SIGINT', 'SIGINT:escalated:SIGKILL']);
});

test('Ctrl-C, the child dies by SIGINT: prog dies by SIGINT too (130 in the shell)', async () => {
  const live = startInPty(progSh(['run', '--', ...fxCmd('wait')]));
  const pid = Number((await live.waitOut(READY, 10_000, 'the child to print READY'))[1]);
  trackGroup(pid);
  live.write(CTRL_C);
  const end = await live.waitExit(5000);
  assert.is(end.code, 130, live.stdout());
  await groupGone(pid, 5000);
  const { run } = recordedRun(live.home);
  assert.is(run.signal, 'SIGINT');
  assert.is(run.signalledBy, 'forwarded');
});

test('without --foreground the terminal is not the child\'s stdin (the run may outlive it): cat reads nothing and ends', async () => {
  const live = startInPty(progSh(['run', '--format', 'plain', '--', 'sh', '-c', 'echo READY $$; exec cat']));
  await live.waitOut(READY, 10_000, 'the child to print READY');
  const end = await live.waitExit(5000, 'cat to end at once on an empty stdin');
  assert.is(end.code, 0, live.stdout());
});

test('--foreground: the terminal is the child\'s stdin (typed lines reach it, Ctrl-D ends it)', async () => {
  const live = startInPty(progSh(['run', '--foreground', '--', 'sh', '-c', 'echo READY $$; exec cat']));
  await live.waitOut(READY, 10_000, 'the child to print READY');
  live.write('hello from the terminal\r');
  await live.waitOut(/(hello from the terminal\r?\n[^]*){2}/, 5000, 'the line echoed by the terminal and by cat');
  live.write(CTRL_D);
  const end = await live.waitExit(5000, 'cat to end at Ctrl-D');
  assert.is(end.code, 0, live.stdout());
  const { stdoutLog } = recordedRun(live.home);
  assert.match(stdoutLog, /^hello from the terminal$/m);
});

test('--foreground Ctrl-C: the terminal gives the child its SIGINT, prog does not pass on a second one', async () => {
  const live = startInPty(progSh(['run', '--foreground', '--', ...fxCmd('trap', 'SIGINT', '0', '300')]));
  const pid = Number((await live.waitOut(READY, 10_000, 'the child to print READY'))[1]);
  trackGroup(pid);
  const child = procStat(pid)!;
  assert.is.not(child.sid, pid, 'in the foreground the child shares prog\'s session');
  live.write(CTRL_C);
  const end = await live.waitExit(10_000, 'prog to end after Ctrl-C');
  assert.equal([end.code, end.signal], [0, null], live.stdout());
  assert.is(count(live.stdout(), 'SIGINT count=1'), 1, live.stdout());
  assert.is(count(live.stdout(), 'SIGINT count=2'), 0, 'the child got SIGINT twice');
  assert.equal(signalActions(live.home), ['SIGINT:delivered:undefined']);
});

uvuTest.run();
