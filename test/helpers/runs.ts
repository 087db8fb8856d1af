// Helpers for store, display and model tests: a scripted child, the recorded run on disk, and
// running prog inside a private mount namespace (a read-only or full state dir without root).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, progBin, projectRoot, testEnv, type ProgResult } from './prog.js';

export const script = join(fixtures, 'script.js');

/** A JSON file of a run (run.json, snapshot.json), or undefined while it is missing or half-written. */
export function readJson(path: string): Record<string, any> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
  } catch {
    return undefined;
  }
}

export type Step =
  | { o: string } | { e: string } | { ob: string } | { eb: string } | { fd: number; w: string }
  | { sleep: number } | { until: string } | { exit: number } | { logged: true } | { recorded: string };

/** The command line of a scripted child. */
export function child(steps: Step[]): string[] {
  return [process.execPath, script, JSON.stringify(steps)];
}

/**
 * One marker line, as a careful workflow prints it: C1 controls and bidi overrides inside strings
 * are JSON escapes (`\u009b`), so the text reaches prog's fields intact rather than as raw bytes
 * that the marker parser strips as terminal codes.
 */
export function marker(fields: Record<string, unknown>): string {
  const json = JSON.stringify(fields).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `::prog::${json}\n`;
}

/** Parses NDJSON strictly: every line but an empty last one must be a JSON object. */
export function strictNdjson(text: string): Record<string, unknown>[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1} is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`line ${i + 1} is not an object`);
    return value as Record<string, unknown>;
  });
}

export function runDirs(home: string): string[] {
  const runs = join(home, 'runs');
  return existsSync(runs) ? readdirSync(runs).sort().map((id) => join(runs, id)) : [];
}

export interface RecordedRun {
  dir: string;
  run: Record<string, any>;
  /** events.ndjson in file order: events (with seq) and chunk records. */
  lines: Record<string, any>[];
  events: Record<string, any>[];
  chunks: Record<string, any>[];
  stdout: Buffer;
  stderr: Buffer;
}

function readOrEmpty(path: string): Buffer {
  return existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
}

export function loadRun(dir: string): RecordedRun {
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, any>;
  const lines = strictNdjson(readFileSync(join(dir, 'events.ndjson'), 'utf8'));
  return {
    dir,
    run,
    lines,
    events: lines.filter((l) => l.type !== 'chunk'),
    chunks: lines.filter((l) => l.type === 'chunk'),
    stdout: readOrEmpty(join(dir, 'stdout.log')),
    stderr: readOrEmpty(join(dir, 'stderr.log')),
  };
}

/** The one run recorded in a fresh state dir. */
export function onlyRun(home: string): RecordedRun {
  const dirs = runDirs(home);
  if (dirs.length !== 1) throw new Error(`expected one run in ${home}, found ${dirs.length}`);
  return loadRun(dirs[0]!);
}

export function history(home: string): Record<string, any>[] {
  const path = join(home, 'history.ndjson');
  return existsSync(path) ? strictNdjson(readFileSync(path, 'utf8')) : [];
}

/** Runs any command to completion and collects its output. */
export function collect(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Omit<ProgResult, 'home'>> {
  return new Promise((resolve, reject) => {
    const p = spawn(command, args, { cwd: projectRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
    p.stdin.end(input);
  });
}

/**
 * Runs `prog <args>` in a private user and mount namespace after a shell setup step (mounts), so a
 * test can give prog a read-only or full state dir without privileges. `$PROG` is prog's binary.
 * Tests that use it need tools.unshare() (test/helpers/tools.ts): not every machine allows that.
 */
export function progInNamespace(
  setup: string, args: string[], env: Record<string, string | undefined>, after = '',
): Promise<Omit<ProgResult, 'home'>> {
  const full = testEnv(env.PROG_HOME ?? '', env);
  full.PROG = progBin;
  full.NODE = process.execPath;
  // `after` runs once prog has ended (to copy a tmpfs out before the namespace goes); prog's status is kept.
  const body = after === ''
    ? `set -e; ${setup}; exec "$NODE" "$PROG" "$@"`
    : `set -e; ${setup}; set +e; "$NODE" "$PROG" "$@"; rc=$?; ${after}; exit $rc`;
  return collect('unshare', ['-rm', 'sh', '-c', body, 'sh', ...args], full);
}

/** prog's own lines on stderr in the plain view (`[prog] …`, colour codes removed). */
export function statusLines(stderr: Buffer | string): string[] {
  return String(stderr).split('\n').map(stripColour).filter((l) => l.startsWith('[prog]'));
}

export function stripColour(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
