// The resource sampler against real processes (Linux /proc): memory, CPU and disk of a child's
// whole tree, grandchildren and orphans included, and processes that come and go between samples.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ResourceSampler } from '../../src/resources/sampler.js';
import type { ResourceError } from '../../src/resources/resource-error.js';
import type { ResourceSample, ResourceSamplerOptions } from '../../src/resources/types.js';
import { killGroup, waitUntil } from '../helpers/procfs.js';
import { tempDir } from '../helpers/prog.js';

const MiB = 2 ** 20;
const TMPFS_MAGIC = 0x01021994;
const started: ChildProcess[] = [];

test.after.each(() => {
  for (const child of started.splice(0)) killGroup(child.pid!);
});

/** `node -e script` in its own session, as prog starts its child; `lines` holds what it printed. */
function child(script: string, cwd = tmpdir()): { proc: ChildProcess; lines: () => string } {
  const proc = spawn(process.execPath, ['-e', script], { cwd, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  return { proc, lines: () => out };
}

/** A sampler on pid at intervalMs, collecting its samples and errors. */
function sampler(pid: number, intervalMs: number, extra: Partial<ResourceSamplerOptions> = {}) {
  const samples: ResourceSample[] = [];
  const errors: ResourceError[] = [];
  const s = new ResourceSampler({ rootPid: pid, cwd: tmpdir(), intervalMs, onSample: (x) => samples.push(x), onError: (e) => errors.push(e), ...extra });
  return { s, samples, errors };
}

const printed = (c: { proc: ChildProcess; lines: () => string }, what: RegExp) =>
  waitUntil(() => what.test(c.lines()) || (c.proc.exitCode !== null ? `exited ${c.proc.exitCode}` : false), 10_000, `${what} from the child`);

test('a child that allocates 200 MB shows a peak RSS of at least 200 MB', async () => {
  const c = child("const b = Buffer.alloc(200 * 2 ** 20, 1); console.log('READY'); setInterval(() => b[0]++, 1000);");
  const { s, samples, errors } = sampler(c.proc.pid!, 100);
  s.start();
  await printed(c, /READY/);
  const seen = samples.length;
  await waitUntil(() => samples.length >= seen + 2, 5000, 'two samples after READY');
  const peaks = await s.stop();
  assert.ok(peaks.peakRssBytes >= 200 * MiB, `peak ${(peaks.peakRssBytes / MiB).toFixed(1)} MiB`);
  assert.ok(peaks.peakRssBytes < 400 * MiB, `peak ${(peaks.peakRssBytes / MiB).toFixed(1)} MiB is one process, not more`);
  assert.is(samples.at(-1)!.processes, 1);
  assert.equal(errors, []);
});

test('a busy loop shows about 100 % of one core (what it really got), and its CPU seconds add up', async () => {
  // The loop prints its own CPU time (getrusage) every 20 ms: on a loaded machine it gets less than a
  // core, and the sampler must show what it got.
  const c = child(
    "let next = 0; for (;;) { const now = Date.now(); if (now >= next) { const u = process.cpuUsage(); console.log('CPU ' + now + ' ' + (u.user + u.system)); next = now + 20; } }",
  );
  await printed(c, /CPU/);
  const { s, samples } = sampler(c.proc.pid!, 250);
  s.start();
  // Enough samples that their median says more than one interval's scheduling luck on a loaded machine.
  await waitUntil(() => samples.length >= 14, 20_000, 'fourteen samples');
  const peaks = await s.stop();
  const own = [...c.lines().matchAll(/^CPU (\d+) (\d+)$/gm)].map((m) => ({ at: Number(m[1]), cpu: Number(m[2]) / 1e6 }));
  const ownAt = (t: number) => own.reduce((best, x) => (Math.abs(x.at - t) < Math.abs(best.at - t) ? x : best)).cpu;
  const [a, b] = [samples[1]!, samples.at(-1)!];
  const seconds = (b.at - a.at) / 1000;
  const measured = ((b.cpuSeconds - a.cpuSeconds) / seconds) * 100;
  const truth = ((ownAt(b.at) - ownAt(a.at)) / seconds) * 100;
  // Each sample's percentage against the loop's own count over the same interval: on a loaded
  // machine the share a loop gets swings from one interval to the next, and both must swing together.
  const gaps = samples.slice(2).map((x, i) => {
    const prev = samples[i + 1]!;
    const own = ((ownAt(x.at) - ownAt(prev.at)) / ((x.at - prev.at) / 1000)) * 100;
    return { sampled: x.cpuPercent, own, gap: Math.abs(x.cpuPercent - own) };
  });
  const medianGap = gaps.map((g) => g.gap).sort((x, y) => x - y)[gaps.length >> 1]!;
  const detail =
    `sampler ${measured.toFixed(0)} %, the loop's own count ${truth.toFixed(0)} %, per sample (sampler/own) ` +
    gaps.map((g) => `${g.sampled.toFixed(0)}/${g.own.toFixed(0)}`).join(', ');
  assert.ok(Math.abs(measured - truth) <= 15, detail);
  assert.ok(medianGap <= 20, detail);
  assert.ok(gaps.every((g) => g.sampled <= 130), detail);
  assert.ok(peaks.cpuSeconds >= ownAt(b.at) - 0.2, `${peaks.cpuSeconds} CPU seconds, the loop counted ${ownAt(b.at)}`);
  assert.ok(b.machine.cpuPercent > 0 && b.machine.memTotalBytes > b.machine.memUsedBytes);
});

test("a grandchild's memory is counted, and still is after its parent exits (same session)", async () => {
  const grandchild = "const b = Buffer.alloc(150 * 2 ** 20, 1); setInterval(() => b[0]++, 1000);";
  // The child exits once the test has seen both (a fixed lifetime is too short on a loaded machine).
  const go = join(tempDir('prog-resources-'), 'go');
  const c = child(
    `const { spawn } = require('child_process'); const { existsSync } = require('fs');` +
      `const g = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' });` +
      `console.log('PID ' + g.pid); setInterval(() => { if (existsSync(${JSON.stringify(go)})) process.exit(0); }, 20);`,
  );
  const { s, samples } = sampler(c.proc.pid!, 100);
  s.start();
  const grandPid = Number((await printed(c, /PID \d+/), /PID (\d+)/.exec(c.lines())![1]));
  await waitUntil(() => samples.some((x) => x.processes === 2 && x.rssBytes >= 150 * MiB), 5000, 'child + grandchild with 150 MB');
  writeFileSync(go, '');
  await waitUntil(() => c.proc.exitCode !== null, 5000, 'the child to exit');
  const n = samples.length;
  await waitUntil(() => samples.length >= n + 2, 5000, 'two samples after the child exited');
  const last = samples.at(-1)!;
  // What the kernel says the grandchild holds now (on a loaded machine a little of its 150 MB may
  // not be resident: CI once saw 146.5 MiB): the sampler must agree with it, not with a constant.
  const own = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${grandPid}/status`, 'utf8'))![1]) * 1024;
  await s.stop();
  assert.is(last.processes, 1, `the orphaned grandchild ${grandPid} is still measured`);
  const detail = `sampled ${(last.rssBytes / MiB).toFixed(1)} MiB, the grandchild's VmRSS ${(own / MiB).toFixed(1)} MiB`;
  assert.ok(own >= 120 * MiB && Math.abs(last.rssBytes - own) <= 16 * MiB, detail);
});

test('writing a 100 MB file in the working directory shows a disk delta of about 100 MB, and write bytes', async () => {
  const dir = tempDir('prog-resources-');
  // The child writes once the sampler has its first sample, the disk's starting point.
  const c = child(
    "const fs = require('fs'); const t = setInterval(() => { if (!fs.existsSync('go')) return; clearInterval(t); const f = fs.openSync('big', 'w'); const mb = Buffer.alloc(2 ** 20, 7);" +
      " for (let i = 0; i < 100; i++) fs.writeSync(f, mb); fs.fsyncSync(f); fs.closeSync(f); console.log('WROTE'); }, 20); setInterval(() => {}, 1000);",
    dir,
  );
  const { s, samples } = sampler(c.proc.pid!, 100, { cwd: dir });
  s.start();
  await waitUntil(() => samples.length >= 1, 5000, 'a first sample');
  writeFileSync(join(dir, 'go'), '');
  await printed(c, /WROTE/);
  const n = samples.length;
  await waitUntil(() => samples.length >= n + 2, 5000, 'two samples after the write');
  const peaks = await s.stop();
  assert.ok(peaks.peakDiskDeltaBytes! >= 90 * MiB, `disk delta ${(peaks.peakDiskDeltaBytes! / MiB).toFixed(1)} MiB`);
  if (statfsSync(dir).type !== TMPFS_MAGIC) {
    // tmpfs writes never reach a block device, so they count no write_bytes.
    let written = 0;
    for (let i = 1; i < samples.length; i++) written += (samples[i]!.writeBytesPerSec ?? 0) * ((samples[i]!.at - samples[i - 1]!.at) / 1000);
    assert.ok(written >= 70 * MiB, `write rate adds up to ${(written / MiB).toFixed(1)} MiB`);
  }
});

test('CPU of short-lived children reaped between samples is counted once, without spikes', async () => {
  // Five children of at least 0.25 s of CPU each (CPU time, not wall: the machine may be busy), one after another.
  const c = child(
    "const { execFileSync } = require('child_process');" +
      " for (let i = 0; i < 5; i++) execFileSync(process.execPath, ['-e', 'for (let u = process.cpuUsage(); u.user + u.system < 250000; u = process.cpuUsage()) {}']);" +
      " console.log('DONE'); setInterval(() => {}, 1000);",
  );
  const { s, samples } = sampler(c.proc.pid!, 1500);
  s.start();
  await printed(c, /DONE/);
  await waitUntil(() => samples.length >= 1, 5000, 'a sample');
  const peaks = await s.stop();
  assert.ok(peaks.cpuSeconds >= 1.2 && peaks.cpuSeconds <= 3.5, `${peaks.cpuSeconds} CPU seconds for 5 children of 0.25 s each`);
  assert.ok(peaks.peakCpuPercent <= 210, `peak ${peaks.peakCpuPercent.toFixed(0)} % on 2 cores, children one at a time`);
});

test('processes that exit between samples cause no error, nor does the root exiting', async () => {
  const c = child(
    "const { spawn } = require('child_process'); let n = 0;" +
      " const t = setInterval(() => { spawn('true'); spawn(process.execPath, ['-e', '0']); if (++n === 40) { clearInterval(t); setTimeout(() => process.exit(0), 100); } }, 15);",
  );
  const { s, samples, errors } = sampler(c.proc.pid!, 20);
  s.start();
  // 80 process starts: slow on a loaded machine, so the wait is generous (it ends as soon as the child does).
  await waitUntil(() => c.proc.exitCode !== null, 60_000, 'the child to exit');
  // Its last children finish on their own, re-parented but still in its session.
  await waitUntil(() => samples.at(-1)!.processes === 0, 5000, 'samples of an empty tree');
  const empty = samples.length;
  await waitUntil(() => samples.length > empty, 5000, 'one more sample of the gone tree');
  const peaks = await s.stop();
  assert.equal(errors, []);
  assert.ok(samples.length >= 10, `${samples.length} samples`);
  assert.ok(samples.some((x) => x.processes > 1), 'some samples caught children');
  assert.is(samples.at(-1)!.processes, 0);
  assert.ok(peaks.cpuSeconds > 0);
});

test('a watched agent pid gets its own tree: the busy agent shows the CPU, the idle one not', async () => {
  const c = child(
    "const { spawn } = require('child_process');" +
      " const busy = spawn(process.execPath, ['-e', 'for (;;) {}']); const idle = spawn(process.execPath, ['-e', 'console.log(1); setInterval(() => {}, 1000)']);" +
      // Only once the idle agent has started up (Node's start-up is CPU too, long on a loaded machine).
      " idle.stdout.once('data', () => console.log('PIDS ' + busy.pid + ' ' + idle.pid)); setInterval(() => {}, 1000);",
  );
  await printed(c, /PIDS \d+ \d+/);
  const [busy, idle] = /PIDS (\d+) (\d+)/.exec(c.lines())!.slice(1).map(Number) as [number, number];
  const { s, samples } = sampler(c.proc.pid!, 250);
  s.watch('a1', busy);
  s.watch('a2', idle);
  s.start();
  await waitUntil(() => samples.length >= 3, 5000, 'three samples');
  s.unwatch('a2');
  await waitUntil(() => samples.length >= 4, 5000, 'a fourth sample');
  await s.stop();
  const last = samples[2]!;
  const [busyCpu, idleCpu] = [last.agents!.a1!.cpuPercent, last.agents!.a2!.cpuPercent];
  // ~100 % on an idle machine; a loaded one gives the loop less (no floor holds), the idle agent no more.
  assert.ok(busyCpu >= 5 * Math.max(idleCpu, 1) && idleCpu < 10, `busy agent ${busyCpu.toFixed(0)} %, idle agent ${idleCpu.toFixed(0)} %`);
  assert.is(last.agents!.a1!.processes, 1);
  assert.ok(last.cpuPercent >= last.agents!.a1!.cpuPercent - 1, 'the whole tree holds the agent');
  assert.is(samples[3]!.agents?.a2, undefined, 'unwatched');
});

test('a bad root pid or interval is refused with a code', () => {
  const refused = (options: ResourceSamplerOptions) => {
    try {
      new ResourceSampler(options);
    } catch (error) {
      return (error as ResourceError).code;
    }
    return 'accepted';
  };
  assert.is(refused({ rootPid: 0, cwd: '.' }), 'RESOURCE_OPTIONS');
  assert.is(refused({ rootPid: 1, cwd: '.', intervalMs: 0 }), 'RESOURCE_OPTIONS');
});

test.run();
