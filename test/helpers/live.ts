// A process a test drives while it runs: read its output as it arrives (readiness handshakes such as
// `READY <pid>`), signal it, wait for its end with a bound. Every process started here, every group
// and pid a test registers, and every process carrying the test's env tag is SIGKILLed by cleanup().
// Every bound given here in ms is scaled by PROG_TEST_TIMEOUT_SCALE (test/helpers/time.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, progBin, projectRoot, tempDir, testEnv } from './prog.js';
import { describe, killGroup, killPid, liveWithEnv } from './procfs.js';
import { scaled } from './time.js';

export const fx = join(fixtures, 'fx.js');
/** `node fx.js …` as a command line for prog. */
export function fxCmd(...args: string[]): string[] {
  return [process.execPath, fx, ...args];
}

/** The environment variable every process a test starts carries, so strays can be found. */
export const TAG_NAME = 'PROG_TEST_TAG';

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from start to exit. */
  ms: number;
}

export interface Live {
  proc: ChildProcess;
  pid: number;
  home: string;
  tag: string;
  startedAt: number;
  stdout(): string;
  stderr(): string;
  /** The tail of both outputs, for failure messages. */
  transcript(): string;
  /** Waits until stdout (or stderr) matches, for at most scaled(ms); the error shows what arrived so far. */
  waitOut(pattern: RegExp, ms: number, what?: string): Promise<RegExpMatchArray>;
  waitErr(pattern: RegExp, ms: number, what?: string): Promise<RegExpMatchArray>;
  /** Waits for the process to end, for at most scaled(ms); on timeout SIGKILLs it and throws. */
  waitExit(ms: number, what?: string): Promise<Ended>;
  write(data: string): void;
  kill(signal: NodeJS.Signals): void;
}

const started: Live[] = [];
const groups = new Set<number>();
const pids = new Set<number>();

/** Registers a process group (a child of prog's) that cleanup() must not leave behind. */
export function trackGroup(pgid: number): void {
  groups.add(pgid);
}

export function trackPid(pid: number): void {
  pids.add(pid);
}

export interface StartOptions {
  home?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** 'pipe' keeps stdin open for write() until the test ends it. */
  stdin?: 'pipe' | 'ignore';
}

/** Starts any command with prog's test environment (PROG_HOME, the tag). */
export function start(file: string, args: string[], options: StartOptions = {}): Live {
  const home = options.home ?? tempDir();
  const tag = randomBytes(6).toString('hex');
  const proc = spawn(file, args, {
    cwd: options.cwd ?? projectRoot,
    env: testEnv(home, { [TAG_NAME]: tag, ...options.env }),
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    wake();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString('utf8');
    wake();
  });
  const startedAt = Date.now();
  let ended: Ended | undefined;
  const exited = new Promise<Ended>((resolve) => {
    proc.on('close', (code, signal) => {
      ended = { code, signal, ms: Date.now() - startedAt };
      wake();
      resolve(ended);
    });
  });
  proc.on('error', () => undefined);

  const transcript = () => `\n--- stdout ---\n${out.slice(-3000)}\n--- stderr ---\n${err.slice(-3000)}`;
  const waitText = (text: () => string, pattern: RegExp, unscaled: number, what: string): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const ms = scaled(unscaled);
      const timer = setTimeout(() => {
        reject(new Error(`timed out after ${ms} ms waiting for ${what} (${pattern})${transcript()}`));
      }, ms);
      const check = () => {
        const match = pattern.exec(text());
        if (match) {
          clearTimeout(timer);
          resolve(match);
        } else if (ended) {
          clearTimeout(timer);
          reject(new Error(`process ended (code ${ended.code}, signal ${ended.signal}) before ${what} (${pattern})${transcript()}`));
        } else {
          waiters.push(check);
        }
      };
      check();
    });

  const live: Live = {
    proc,
    pid: proc.pid!,
    home,
    tag,
    startedAt,
    stdout: () => out,
    stderr: () => err,
    transcript,
    waitOut: (pattern, ms, what = 'output') => waitText(() => out, pattern, ms, what),
    waitErr: (pattern, ms, what = 'error output') => waitText(() => err, pattern, ms, what),
    async waitExit(unscaled, what = 'the process to exit') {
      const ms = scaled(unscaled);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          killPid(proc.pid!);
          reject(new Error(`timed out after ${ms} ms waiting for ${what}${transcript()}`));
        }, ms);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    write(data) {
      proc.stdin!.write(data);
    },
    kill(signal) {
      process.kill(proc.pid!, signal);
    },
  };
  started.push(live);
  return live;
}

/** Starts `node bin/prog.cjs <args>`. */
export function startProg(args: string[], options: StartOptions = {}): Live {
  return start(process.execPath, [progBin, ...args], options);
}

/** Starts `bash -c <script>` (for `$?` and `kill -l` as a shell sees them). */
export function startBash(script: string, options: StartOptions = {}): Live {
  return start('bash', ['-c', script], options);
}

/** Quotes words for a shell command line. */
export function sh(words: string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** `node bin/prog.cjs` as shell words. */
export function progSh(args: string[]): string {
  return sh([process.execPath, progBin, ...args]);
}

/** Live processes carrying this test's tag (prog, its child and anything they started). */
export function strays(live: Live): string {
  return describe(liveWithEnv(TAG_NAME, live.tag));
}

/**
 * Kills whatever is left: tagged processes, registered groups and pids, started processes. Processes
 * get scaled(graceMs) to finish dying first (a SIGKILLed process is briefly still there). Returns
 * what had to be killed: '' when the test left nothing behind.
 */
export async function cleanup(graceMs = 2000): Promise<string> {
  const lives = started.splice(0);
  const deadline = Date.now() + scaled(graceMs);
  let left: string[] = [];
  for (;;) {
    left = lives.flatMap((live) => liveWithEnv(TAG_NAME, live.tag)).map((p) => describe([p]));
    if (left.length === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  for (const live of lives) {
    for (const p of liveWithEnv(TAG_NAME, live.tag)) killPid(p.pid);
    killPid(live.pid);
  }
  for (const pgid of groups) killGroup(pgid);
  for (const pid of pids) killPid(pid);
  groups.clear();
  pids.clear();
  return left.join('; ');
}

/**
 * Wraps a test body: whatever it started is killed afterwards, pass or fail, and a test that passed
 * fails if it left a process behind. (uvu's after.each must not throw: after a failed test that
 * would hide the failure.)
 */
export function clean(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    let failed = false;
    try {
      await fn();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      const left = await cleanup(failed ? 0 : 2000);
      if (!failed && left !== '') throw new Error(`processes were left behind: ${left}`);
    }
  };
}

/** The single run recorded under a test's PROG_HOME. */
export function recordedRun(home: string): { dir: string; run: Record<string, any>; events: Record<string, any>[]; stdoutLog: string } {
  const runs = join(home, 'runs');
  const ids = existsSync(runs) ? readdirSync(runs) : [];
  if (ids.length !== 1) throw new Error(`expected one run under ${runs}, found ${ids.length}`);
  const dir = join(runs, ids[0]!);
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, any>;
  const eventsPath = join(dir, 'events.ndjson');
  const events = existsSync(eventsPath)
    ? readFileSync(eventsPath, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>).filter((e) => e.type !== 'chunk')
    : [];
  const stdoutPath = join(dir, 'stdout.log');
  const stdoutLog = existsSync(stdoutPath) ? readFileSync(stdoutPath, 'utf8') : '';
  return { dir, run, events, stdoutLog };
}
