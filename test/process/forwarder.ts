// The process modules on their own, against real processes: SignalForwarder holds a signal that
// arrives before the child exists, groupAlive ignores zombies, killGroup tolerates a gone group.
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { groupAlive } from '../../src/process/group.js';
import { SignalForwarder, type SignalNotice } from '../../src/process/signals.js';
import { fx } from '../helpers/live.js';
import { isLive, killGroup, liveInGroup, procStat, waitUntil } from '../helpers/procfs.js';

const started: ChildProcess[] = [];

test.after.each(() => {
  for (const child of started.splice(0)) killGroup(child.pid!);
});

/** A detached child (its own group, as prog starts it) and its READY line. */
async function detached(file: string, args: string[]): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  await waitUntil(() => /READY/.test(out) || (child.exitCode !== null ? `exited ${child.exitCode}` : false), 10_000, 'READY from the child');
  return { child, out: () => out };
}

test('a signal that arrives before the child exists is held, then forwarded to its group on attach', async () => {
  const notices: SignalNotice[] = [];
  const forwarder = new SignalForwarder({ graceMs: 10_000, notify: (n) => notices.push(n) });
  forwarder.install();
  try {
    process.kill(process.pid, 'SIGUSR2');
    await waitUntil(() => forwarder.held.length === 1, 3000, 'the SIGUSR2 to be held');
    assert.equal(notices, [], 'nothing is forwarded before attach');
    const { child, out } = await detached(process.execPath, [fx, 'ignore', 'SIGUSR2']);
    forwarder.attach(child.pid!);
    await waitUntil(() => /SIGUSR2 count=1/.test(out()), 3000, 'the child to get the held SIGUSR2');
    assert.equal(notices, [{ signal: 'SIGUSR2', action: 'forwarded', sent: 'SIGUSR2' }]);
    assert.equal(forwarder.held, []);
  } finally {
    forwarder.uninstall();
  }
  assert.is(process.listenerCount('SIGUSR2'), 0, 'uninstall removed the handlers');
});

test('a held stop signal starts the grace period once attached; escalation still works', async () => {
  const notices: SignalNotice[] = [];
  const forwarder = new SignalForwarder({ graceMs: 60_000, notify: (n) => notices.push(n) });
  forwarder.install();
  try {
    process.kill(process.pid, 'SIGTERM');
    await waitUntil(() => forwarder.held.length === 1, 3000, 'the SIGTERM to be held');
    const { child, out } = await detached(process.execPath, [fx, 'ignore', 'SIGTERM']);
    forwarder.attach(child.pid!);
    await waitUntil(() => /SIGTERM count=1/.test(out()), 3000, 'the child to get SIGTERM');
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_, signal) => resolve(signal)));
    process.kill(process.pid, 'SIGTERM');
    assert.is(await exited, 'SIGKILL');
    assert.equal(notices.map((n) => n.action), ['forwarded', 'escalated']);
    assert.is(forwarder.lastSent, 'SIGKILL');
  } finally {
    forwarder.uninstall();
  }
});

test('killGroup on a group that is gone returns false and leaves lastSent alone', async () => {
  const { child } = await detached(process.execPath, [fx, 'wait']);
  const forwarder = new SignalForwarder({ pgid: child.pid!, graceMs: 1000, notify: () => undefined });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  assert.ok(forwarder.killGroup('SIGUSR2'));
  await exited; // fx has no SIGUSR2 handler: the default action ends it
  assert.is(forwarder.lastSent, 'SIGUSR2');
  await waitUntil(() => liveInGroup(child.pid!).length === 0, 3000, 'the group to be gone');
  if (!procStat(child.pid!)) assert.is(forwarder.killGroup('SIGTERM'), false);
  assert.is(forwarder.lastSent, 'SIGUSR2');
});

test('groupAlive: true while a member runs, false once only zombies (or nothing) remain', async () => {
  // The exec'd sleep never reaps its background `true`: a zombie in the group for as long as it lives,
  // and afterwards, under an init that does not reap either.
  const { child } = await detached('sh', ['-c', 'true & echo READY; exec sleep 1000']);
  const pgid = child.pid!;
  await waitUntil(() => {
    const members = [...new Set(liveInGroup(pgid).map((p) => p.pid))];
    return members.length === 1 ? true : `members ${members.join(',')}`;
  }, 3000, 'the background true to finish');
  assert.ok(groupAlive(pgid));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  assert.not.ok(isLive(pgid));
  await waitUntil(() => !groupAlive(pgid), 3000, 'groupAlive to say the group is gone');
});

test('groupAlive is false for a group that never existed', () => {
  // pid_max is at most 4194304; 4194303 as a pgid is vanishingly unlikely to be in use.
  assert.not.ok(groupAlive(4_194_303));
});

test.run();
