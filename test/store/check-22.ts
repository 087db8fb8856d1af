// Check 22 of ../shared/research/reliability.md, as written there: with a read-only state dir
// (`chmod 500`) and, separately, a 1 MiB tmpfs, `prog run -- sh -c 'yes | head -c 200000000
// >/dev/stderr; exit 3'` passes all the output through, exits 3, warns exactly once, keeps its
// memory bounded and does not crash. Also: prog does not claim a record it could not make.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progBin, tempDir, testEnv } from '../helpers/prog.js';
import { liveTest, tools } from '../helpers/tools.js';

const BYTES = 200_000_000;
const COMMAND = ['sh', '-c', `yes | head -c ${BYTES} >/dev/stderr; exit 3`];
/** prog's whole resident set may not pass this (Node alone is ~50 MB). */
const RSS_LIMIT = 150 * 1024 * 1024;
const NOBODY = 65534;

interface Flooded {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** Bytes of `y` lines that reached stderr. */
  yBytes: number;
  /** Every other stderr line: prog's own. */
  others: string[];
  /** prog's peak resident set (VmHWM), as last seen. */
  peakRss: number;
}

/**
 * Runs `file args` (which ends up exec'ing prog, same pid) and reads its stderr as a stream of
 * `y\n` lines with prog's lines among them: runs of whole `y\n` are compared natively, only chunks
 * with something else are split into lines.
 */
function flood(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Flooded> {
  return new Promise((resolve, reject) => {
    const proc = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const pattern = Buffer.from('y\n'.repeat(64 * 1024));
    let total = 0;
    let phase = 0; // 0: at a line start; 1: the line so far is `y`
    let current: number[] | undefined; // the line so far, when it is not `y` lines' stuff
    const others: Buffer[] = [];
    let stdout = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d));
    proc.stderr.on('data', (chunk: Buffer) => {
      total += chunk.length;
      let at = 0;
      while (at < chunk.length) {
        if (current === undefined) {
          const n = Math.min(chunk.length - at, pattern.length - 1);
          if (chunk.subarray(at, at + n).equals(pattern.subarray(phase, phase + n))) {
            phase = (phase + n) % 2;
            at += n;
            continue;
          }
        }
        // Slow path, a byte at a time, for chunks with one of prog's lines.
        const b = chunk[at++]!;
        if (current !== undefined) {
          if (b === 0x0a) {
            others.push(Buffer.from(current));
            current = undefined;
            phase = 0;
          } else current.push(b);
        } else if (phase === 0) {
          if (b === 0x79) phase = 1;
          else if (b === 0x0a) others.push(Buffer.alloc(0));
          else current = [b];
        } else if (b === 0x0a) phase = 0;
        else current = [0x79, b];
      }
    });
    let peakRss = 0;
    const poll = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
        if (hwm) peakRss = Math.max(peakRss, Number(hwm[1]) * 1024);
      } catch {
        // gone
      }
    }, 20);
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearInterval(poll);
      const otherBytes = others.reduce((n, line) => n + line.length + 1, 0) + (current?.length ?? 0);
      if (current !== undefined) others.push(Buffer.from(current));
      resolve({ code, signal, stdout, yBytes: total - otherBytes, others: others.map(String), peakRss });
    });
  });
}

/** `recordedAtStart`: the run's directory could be made (the disk filled later), so attaching was offered. */
function assertCheck22(r: Flooded, reason: RegExp, recordedAtStart: boolean): void {
  const detail = `stdout: ${r.stdout.slice(0, 2000)}\nprog's lines:\n${r.others.join('\n')}`;
  assert.equal([r.code, r.signal], [3, null], detail);
  assert.is(r.yBytes, BYTES, 'every byte of the output passed through');
  const warnings = r.others.filter((l) => l.startsWith('prog: warning:'));
  assert.is(warnings.length, 1, detail);
  assert.match(warnings[0]!, reason);
  for (const line of r.others) assert.ok(line.startsWith('prog: warning:') || line.startsWith('[prog]'), `only prog's own lines besides the output: ${line}`);
  assert.not.match(detail, /\n\s+at |node:internal|Unhandled|Assertion failed/, 'no crash');
  assert.ok(r.peakRss > 0 && r.peakRss < RSS_LIMIT, `peak RSS ${(r.peakRss / 2 ** 20).toFixed(0)} MiB`);
  // The record is incomplete or missing: prog does not name it at the end.
  assert.not.match(detail, /recorded in/, 'no claim of a record');
  if (!recordedAtStart) assert.not.match(detail, /prog attach/, 'no offer to attach to a run that is not recorded');
  assert.ok(r.others.some((l) => /\[prog\] finished failed · exit 3/.test(l)), detail);
}

// As root the check runs as nobody, through util-linux setpriv.
liveTest(process.getuid?.() === 0 ? [tools.setpriv()] : [], 'check 22, state dir chmod 500: all output through, exit 3, one warning, bounded memory, no record claimed', async () => {
  const home = tempDir();
  const env = testEnv(home, { HOME: home });
  let r: Flooded;
  if (process.getuid?.() === 0) {
    // root writes through chmod 500: the check runs as nobody, owner of a chmod 500 state dir.
    chownSync(home, NOBODY, NOBODY);
    chmodSync(home, 0o500);
    r = await flood('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, progBin, 'run', '--', ...COMMAND], env);
  } else {
    chmodSync(home, 0o500);
    r = await flood(process.execPath, [progBin, 'run', '--', ...COMMAND], env);
  }
  assertCheck22(r, /EACCES/, false);
});

liveTest([tools.unshare()], 'check 22, a 1 MiB tmpfs for a state dir: all output through, exit 3, one warning, bounded memory', async () => {
  const home = tempDir();
  const env = { ...testEnv(home), PROG: progBin, NODE: process.execPath };
  const r = await flood('unshare', ['-rm', 'sh', '-c', `set -e; mount -t tmpfs -o size=1m tmpfs "${home}"; exec "$NODE" "$PROG" run -- "$@"`, 'sh', ...COMMAND], env);
  assertCheck22(r, /ENOSPC/, true);
});

test.run();
