// Acceptance checks 10 and 11 (../shared/research/reliability.md §6) as written: `prog run` on a
// real pty whose master is closed (helpers/hangup-pty.ts: the driver stays prog's parent, so how
// prog ends after the hang-up is seen, a SIGABRT included). run-hangup.ts checks a lighter variant
// (40 lines, no child-alive probe, a 250 MiB limit and no baseline for the flood).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, progSh, startBash, TAG_NAME, trackGroup, type Live } from '../helpers/live.js';
import { progBin, tempDir } from '../helpers/prog.js';
import { isLive, liveWithEnv, procStat, waitUntil } from '../helpers/procfs.js';
import { startOnHangupPty } from '../helpers/hangup-pty.js';
import { scaled } from '../helpers/time.js';
import { liveTest, tools } from '../helpers/tools.js';

// The terminals here are the Python pty driver's (helpers/hangup-pty.ts).
const test = (name: string, fn: () => Promise<void>) => liveTest([tools.python3()], name, clean(fn));
const node = process.execPath;
const MiB = 1024 * 1024;

function runDir(home: string): string | undefined {
  const runs = join(home, 'runs');
  const ids = existsSync(runs) ? readdirSync(runs) : [];
  return ids.length === 1 ? join(runs, ids[0]!) : undefined;
}

function record(home: string): Record<string, any> | undefined {
  const dir = runDir(home);
  try {
    return dir ? (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}

function logText(home: string): string {
  const dir = runDir(home);
  return dir && existsSync(join(dir, 'stdout.log')) ? readFileSync(join(dir, 'stdout.log'), 'utf8') : '';
}

// seq 0..99, one every 100 ms (10 s), then exit 7. After seq 49 it waits for the go file (argv[1]),
// so that however late the test looks, the child is still there to be seen alive.
const SEQ = "const go = process.argv[1]; let i = 0; const t = setInterval(() => { if (i === 50 && !require('fs').existsSync(go)) return; console.log('seq ' + i); if (++i === 100) { clearInterval(t); process.exitCode = 7; } }, 100);";

async function check10(stderrToFile: boolean): Promise<void> {
  const home = tempDir();
  const stderrFile = stderrToFile ? join(tempDir('prog-stderr-'), 'prog.stderr') : undefined;
  const go = join(tempDir('prog-go-'), 'go');
  const startedAt = Date.now();
  const pty = await startOnHangupPty(node, [progBin, 'run', '--', node, '-e', SEQ, go], { home, stderrFile });
  const what = stderrToFile ? 'stderr to a file' : 'stderr on the pty';
  // t = 2 s: seq 19 is on the terminal.
  await pty.live.waitOut(/seq 19\b/, 10_000, `seq 19 on the terminal (${what})`);
  const started = record(home)!;
  const child = started.pid as number;
  trackGroup(child);
  assert.is(started.supervisor.pid, pty.pid, 'the prog on the pty records the run');
  await pty.hangUp();
  const hungUpAt = Date.now() - startedAt;
  // t = 5 s: the child is alive (not a zombie) and prog is still there.
  await waitUntil(() => /^seq 49$/m.test(logText(home)) || `log ends ${JSON.stringify(logText(home).slice(-12))}`, 10_000, `seq 49 in the log (${what})`);
  assert.ok(isLive(child), `the child is alive at t=${Date.now() - startedAt} ms (state ${procStat(child)?.state}); hung up at ${hungUpAt} ms`);
  assert.ok(isLive(pty.pid), 'prog survived the hang-up');
  await writeFile(go, '');
  const status = await pty.status(20_000);
  // README: after a hang-up prog ends by SIGHUP once the run is recorded; never by SIGABRT.
  assert.equal(status, { code: null, signal: constants.signals.SIGHUP }, `prog's end as its parent saw it (${what}); SIGABRT is ${constants.signals.SIGABRT}`);
  const final = record(home)!;
  assert.equal([final.status, final.exitCode, final.signal], ['failed', 7, null], JSON.stringify(final));
  assert.ok(final.endedAt, 'the end is recorded');
  assert.equal(logText(home).split('\n').filter(Boolean), Array.from({ length: 100 }, (_, i) => `seq ${i}`), `seq 0..99, no gap, no repeat (${what})`);
  const terminal = pty.live.stdout();
  assert.not.match(terminal, /Assertion failed|ResetStdio|SIGABRT/, 'nothing of the kind reached the terminal before the hang-up');
  if (stderrFile) {
    const text = readFileSync(stderrFile, 'utf8');
    assert.not.match(text, /Assertion failed|ResetStdio|SIGABRT|Error/, `prog's stderr log: ${text}`);
  }
}

test('check 10: prog on a pty, seq every 100 ms for 10 s, master closed at 2 s: child alive at 5 s, seq 0..99 logged, exit 7 recorded, prog ends by SIGHUP (no SIGABRT) — stderr on the pty and in a file', async () => {
  await Promise.all([check10(false), check10(true)]);
});

// ------------------------------------------------------------------ check 11

/**
 * The child prints READY, waits for the go file, then writes 50 MiB (800 × 64 KiB) to stdout and
 * writes how long the writes took (from the first to the last one's callback) to the done file.
 */
const FLOOD = [
  "const fs = require('fs'); const [go, done] = process.argv.slice(1);",
  "console.log('READY ' + process.pid);",
  'const t = setInterval(() => { if (!fs.existsSync(go)) return; clearInterval(t);',
  'const chunk = Buffer.alloc(65536, 120); const begun = Date.now(); let n = 0;',
  "const finish = () => fs.writeFileSync(done, JSON.stringify({ ms: Date.now() - begun }));",
  "const write = () => { while (n < 800) { n++; const ok = process.stdout.write(chunk, n === 800 ? finish : undefined); if (!ok && n < 800) { process.stdout.once('drain', write); return; } } };",
  'write(); }, 20);',
].join(' ');
const FLOOD_BYTES = 800 * 65536;

/** Peak RSS of every prog process of this test (found by the test's tag and prog's path). */
function progPeaks(tag: string, peaks: Map<number, number>): void {
  for (const p of liveWithEnv(TAG_NAME, tag)) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'latin1');
    } catch {
      continue;
    }
    if (cmdline.split('\0')[1] !== progBin) continue;
    try {
      const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
      const rss = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? /VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      peaks.set(p.pid, Math.max(peaks.get(p.pid) ?? 0, rss));
    } catch {
      // ended
    }
  }
}

async function floodMs(done: string, live: Live, peaks: Map<number, number>, ms: number): Promise<number> {
  await waitUntil(() => {
    progPeaks(live.tag, peaks);
    return existsSync(done) && readFileSync(done, 'utf8') !== '';
  }, ms, 'the child to finish its 50 MiB');
  return (JSON.parse(readFileSync(done, 'utf8')) as { ms: number }).ms;
}

test('check 11: after a hang-up a child flooding 50 MiB is not blocked: done within 5× the time it takes under prog with no terminal, all logged, every prog process under 150 MiB RSS', async () => {
  // Baseline: the same child under prog, output to /dev/null (prog still logs every byte).
  const baseDir = tempDir('prog-flood-');
  const baseHome = tempDir();
  const base = startBash(`exec ${progSh(['run', '--format', 'plain', '--', node, '-e', FLOOD, join(baseDir, 'go'), join(baseDir, 'done')])} >/dev/null 2>&1`, { home: baseHome });
  await waitUntil(() => /^READY \d+$/m.test(logText(baseHome)) || 'no READY yet', 10_000, 'the baseline child to be ready');
  trackGroup(record(baseHome)!.pid);
  await writeFile(join(baseDir, 'go'), '');
  const basePeaks = new Map<number, number>();
  const baseline = await floodMs(join(baseDir, 'done'), base, basePeaks, 30_000);
  await base.waitExit(20_000);

  // On a pty, hung up before the flood starts.
  const dir = tempDir('prog-flood-');
  const home = tempDir();
  const pty = await startOnHangupPty(node, [progBin, 'run', '--', node, '-e', FLOOD, join(dir, 'go'), join(dir, 'done')], { home });
  await pty.live.waitOut(/READY \d+/, 10_000, 'READY on the terminal');
  trackGroup(record(home)!.pid);
  await pty.hangUp();
  const peaks = new Map<number, number>();
  progPeaks(pty.live.tag, peaks);
  assert.ok(isLive(pty.pid), 'prog survived the hang-up');
  await writeFile(join(dir, 'go'), '');
  // A floor for a baseline of a few hundred ms, where a busy moment weighs more than 5×.
  const budget = Math.max(5 * baseline, scaled(2000));
  const took = await floodMs(join(dir, 'done'), pty.live, peaks, Math.max(budget * 3, 30_000));
  const status = await pty.status(30_000);
  assert.is(status.signal, constants.signals.SIGHUP, `prog ended by SIGHUP after recording (got ${JSON.stringify(status)})`);
  const final = record(home)!;
  assert.equal([final.exitCode, final.signal], [0, null]);
  const size = statSync(join(runDir(home)!, 'stdout.log')).size;
  assert.ok(size >= FLOOD_BYTES, `log holds ${size} bytes`);
  assert.is(size, Buffer.byteLength(`READY ${final.pid}\n`) + FLOOD_BYTES, 'every byte, once');
  assert.ok(took <= budget, `the flood took ${took} ms after the hang-up; baseline ${baseline} ms, budget ${budget} ms`);
  assert.ok(peaks.size >= 1, 'prog\'s memory was sampled');
  for (const [pid, peak] of peaks) assert.ok(peak < 150 * MiB, `prog ${pid} peaked at ${(peak / MiB).toFixed(1)} MiB RSS`);
  for (const [pid, peak] of basePeaks) assert.ok(peak < 150 * MiB, `baseline prog ${pid} peaked at ${(peak / MiB).toFixed(1)} MiB RSS`);
  console.log(`    check 11: baseline ${baseline} ms, after hang-up ${took} ms; peak RSS ${[...peaks.values()].map((p) => (p / MiB).toFixed(1)).join(', ')} MiB`);
});

uvuTest.run();
