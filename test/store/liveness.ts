// store/liveness.ts: whether the prog that recorded a run is still that process, by pid and start
// time (/proc/PID/stat field 22), with real processes: this one, a child with a hostile name, a
// zombie, one that has ended.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { isAlive, selfIdentity, startTicks } from '../../src/store/liveness.js';
import { clean, trackPid } from '../helpers/live.js';
import { tempDir } from '../helpers/prog.js';
import { procStat, waitUntil } from '../helpers/procfs.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));

/** Starts a process and waits for its first line of output (its readiness). */
async function started(file: string, args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  trackPid(child.pid!);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before its first line`)));
  });
  return { child, line };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Field 22 of /proc/PID/stat, counted from the end of the line (independent of the name's contents). */
function ticksFromEnd(pid: number): string {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').trim().split(' ');
  // Fields 3.. follow the name; Linux has 52 fields: field 22 is the 31st from the end.
  return fields[fields.length - 31]!;
}

test('startTicks: this process\'s start time in clock ticks, a decimal string', async () => {
  const ticks = startTicks(process.pid);
  assert.type(ticks, 'string');
  assert.match(ticks!, /^\d+$/);
  assert.is(ticks, ticksFromEnd(process.pid));
  assert.equal(selfIdentity(), { pid: process.pid, startTicks: ticks });
});

test('startTicks: a process whose name holds spaces and parentheses is read right', async () => {
  const dir = tempDir('prog-liveness-');
  const odd = join(dir, 'x) 1 2 (y');
  copyFileSync('/bin/sleep', odd);
  chmodSync(odd, 0o755);
  const child = spawn(odd, ['30'], { stdio: 'ignore' });
  trackPid(child.pid!);
  try {
    await waitUntil(() => procStat(child.pid!)?.comm === 'x) 1 2 (y', 5000, 'the child to exec');
    const naive = readFileSync(`/proc/${child.pid}/stat`, 'latin1').split(' ')[21];
    const ticks = startTicks(child.pid!);
    assert.is(ticks, ticksFromEnd(child.pid!));
    assert.is.not(ticks, naive, 'the name shifts a naive split: this test would catch one');
    assert.ok(Number(ticks) >= Number(startTicks(process.pid)), 'started after this process');
    assert.ok(isAlive({ pid: child.pid!, startTicks: ticks! }));
  } finally {
    await stop(child);
  }
});

test('isAlive: the same pid and start time; not a pid reused by another process; not a process that has ended', async () => {
  const ticks = startTicks(process.pid)!;
  assert.ok(isAlive({ pid: process.pid, startTicks: ticks }));
  assert.not.ok(isAlive({ pid: process.pid, startTicks: String(Number(ticks) + 1) }), 'pid alive but started at another time: reused');
  assert.ok(isAlive({ pid: process.pid }), 'no start time recorded: the pid alone');

  const { child, line } = await started('sh', ['-c', 'echo ready; exec sleep 30']);
  assert.is(line, 'ready');
  const childTicks = startTicks(child.pid!)!;
  assert.ok(isAlive({ pid: child.pid!, startTicks: childTicks }));
  await stop(child);
  assert.is(startTicks(child.pid!), undefined);
  assert.not.ok(isAlive({ pid: child.pid!, startTicks: childTicks }));
  assert.not.ok(isAlive({ pid: child.pid! }));

  const gone = spawnSync('true').pid!;
  assert.is(startTicks(gone), undefined);
  const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  assert.is(startTicks(pidMax + 1), undefined, 'a pid no process can have');
  assert.not.ok(isAlive({ pid: pidMax + 1, startTicks: '1' }));
  assert.not.ok(isAlive({ pid: pidMax + 1 }));
});

test('a zombie (ended, never reaped) is dead: no start time, not alive', async () => {
  // sh starts a short sleep in the background, then becomes a long sleep that never reaps it.
  const { child, line } = await started('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30']);
  const zombie = Number(line);
  trackPid(zombie);
  try {
    const ticks = startTicks(zombie);
    await waitUntil(() => procStat(zombie)?.state === 'Z' || `state ${procStat(zombie)?.state}`, 5000, 'the background sleep to become a zombie');
    assert.is(startTicks(zombie), undefined);
    if (ticks !== undefined) assert.not.ok(isAlive({ pid: zombie, startTicks: ticks }));
  } finally {
    await stop(child);
  }
});

uvuTest.run();
