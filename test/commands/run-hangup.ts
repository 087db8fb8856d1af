// A run outlives its terminal (reliability checks 9-11): the terminal is a real tmux pane, closed
// for real (kill-server closes the pty: prog gets SIGHUP and EIO). Process state comes from /proc.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progBin, tempDir } from '../helpers/prog.js';
import { procStat, waitUntil } from '../helpers/procfs.js';
import { runDirs } from '../helpers/runs.js';
import { shellQuote, Tmux } from '../helpers/tmux.js';
import { liveTest, tools } from '../helpers/tools.js';

const node = process.execPath;

function runRecord(home: string): Record<string, any> | undefined {
  const [dir] = runDirs(home);
  if (!dir || !existsSync(join(dir, 'run.json'))) return undefined;
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
}

/** Starts `prog run` with `node -e code args…` as the child in a terminal; returns the terminal and the run's home. */
function inTerminal(code: string, format = 'rich', ...args: string[]): { t: Tmux; home: string } {
  const home = tempDir();
  const command = `${shellQuote(node)} ${shellQuote(progBin)} run --format ${format} -- ${shellQuote(node)} -e ${[code, ...args].map(shellQuote).join(' ')}`;
  const t = new Tmux(command, 100, 30, { PROG_HOME: home, TERM: 'xterm-256color' });
  return { t, home };
}

liveTest([tools.tmux()], 'closing the terminal mid-run: the child runs on, every numbered line reaches the log, the record ends right', async () => {
  // 40 numbered lines, 50 ms apart, then exit 5: half of them come after the hangup (after seq 20
  // the child waits for the go file, written once the terminal is gone).
  const code = "const go = process.argv[1]; let i = 0; const t = setInterval(() => { if (i === 20 && !require('fs').existsSync(go)) return; console.log('seq ' + ++i); if (i === 40) { clearInterval(t); process.exitCode = 5; } }, 50);";
  const go = join(tempDir(), 'go');
  const { t, home } = inTerminal(code, 'rich', go);
  try {
    await t.waitFor((s) => s.some((l) => /^seq (1\d|[2-9]\d)$/.test(l)), 10_000, 'some lines on screen');
    const before = runRecord(home)!;
    t.kill();
    writeFileSync(go, '');
    await waitUntil(() => runRecord(home)?.endedAt !== undefined || 'no end yet', 15_000, 'the run to end without its terminal');
    const record = runRecord(home)!;
    assert.equal([record.status, record.exitCode, record.signal], ['failed', 5, null], JSON.stringify(record));
    const log = readFileSync(join(runDirs(home)[0]!, 'stdout.log'), 'utf8');
    assert.equal(log.split('\n').filter(Boolean), Array.from({ length: 40 }, (_, i) => `seq ${i + 1}`), 'no gap, no repeat');
    const events = readFileSync(join(runDirs(home)[0]!, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.ok(events.some((e) => e.type === 'signal' && e.signal === 'SIGHUP' && e.action === 'detached'), 'the hangup is in the events log');
    // prog itself is gone once the run is recorded (it ends by the hangup).
    await waitUntil(() => procStat(before.supervisor.pid) === undefined || `prog ${before.supervisor.pid} still there`, 5_000, 'prog to end');
  } finally {
    t.kill();
  }
});

liveTest([tools.tmux()], 'a child that floods 50 MB after the hangup is never blocked: it finishes at once, all bytes logged, prog memory bounded', async () => {
  // READY, then wait for the go file, then 50 MB in 64 KiB writes, then exit 0.
  const go = join(tempDir(), 'go');
  const code = `console.log('READY'); const fs = require('fs'); const t = setInterval(() => { if (!fs.existsSync(${JSON.stringify(go)})) return; clearInterval(t); const chunk = Buffer.alloc(65536, 120); let n = 0; const write = () => { while (n < 800) { n++; if (!process.stdout.write(chunk)) { process.stdout.once('drain', write); return; } } }; write(); }, 20);`;
  const { t, home } = inTerminal(code, 'plain');
  try {
    await t.waitFor((s) => s.includes('READY'), 10_000, 'READY');
    const prog = runRecord(home)!.supervisor.pid as number;
    t.kill();
    await waitUntil(() => procStat(prog)?.state !== undefined || 'prog gone', 2_000, 'prog to stay after the hangup');
    writeFileSync(go, '');
    let peakKb = 0;
    await waitUntil(() => {
      const status = (() => { try { return readFileSync(`/proc/${prog}/status`, 'utf8'); } catch { return ''; } })();
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peakKb = Math.max(peakKb, rss);
      return runRecord(home)?.endedAt !== undefined || 'flooding';
    }, 30_000, 'the flood to finish');
    const record = runRecord(home)!;
    assert.equal([record.exitCode, record.signal], [0, null]);
    const size = readFileSync(join(runDirs(home)[0]!, 'stdout.log')).length;
    assert.is(size, 'READY\n'.length + 800 * 65536, 'every byte in the log');
    // Not blocked: a blocked child would never finish, and the wait above would have failed.
    assert.ok(peakKb < 250 * 1024, `prog's memory stayed bounded: peak ${Math.round(peakKb / 1024)} MiB`);
  } finally {
    t.kill();
  }
});

test.run();
