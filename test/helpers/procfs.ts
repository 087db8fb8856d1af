// Process probes for real-process tests, read from /proc (Linux). A zombie is dead: under a PID 1
// that never reaps (some containers), orphans stay in /proc as `Z` with their old group, so every
// probe here ignores them.
import { readdirSync, readFileSync } from 'node:fs';
import { scaled } from './time.js';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
}

/** /proc/<pid>/stat, or undefined when the process is gone. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    sid: Number(fields[3]),
  };
}

/** Exists and has not died (a zombie counts as dead). */
export function isLive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Every live process whose process group is pgid. */
export function liveInGroup(pgid: number): ProcStat[] {
  const found: ProcStat[] = [];
  for (const pid of allPids()) {
    const stat = procStat(pid);
    if (stat && stat.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X') found.push(stat);
  }
  return found;
}

/**
 * Every live process whose environment holds `name=value`: a run's descendants inherit the tag
 * through prog, even those that left its process group (setsid daemons).
 */
export function liveWithEnv(name: string, value: string): ProcStat[] {
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const found: ProcStat[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    let env: Buffer;
    try {
      env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`), Buffer.from([0])]);
    } catch {
      continue;
    }
    if (!env.includes(needle)) continue;
    const stat = procStat(pid);
    if (stat && stat.state !== 'Z' && stat.state !== 'X') found.push(stat);
  }
  return found;
}

export function describe(procs: ProcStat[]): string {
  return procs.map((p) => `${p.pid} (${p.comm}, state ${p.state}, pgid ${p.pgid}, ppid ${p.ppid})`).join('; ');
}

/** Polls `check` until it returns true; throws `what` (plus the last detail) after scaled(ms). */
export async function waitUntil(check: () => boolean | string, unscaled: number, what: string): Promise<number> {
  const ms = scaled(unscaled);
  const started = Date.now();
  let last: boolean | string = false;
  for (;;) {
    last = check();
    if (last === true) return Date.now() - started;
    if (Date.now() - started > ms) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${typeof last === 'string' ? `: ${last}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits (up to scaled(ms)) until no live process is in the group; the error lists who is left. */
export function groupGone(pgid: number, ms: number): Promise<number> {
  return waitUntil(() => {
    const left = liveInGroup(pgid);
    return left.length === 0 ? true : describe(left);
  }, ms, `process group ${pgid} to be empty`);
}

/** SIGKILLs a group (cleanup after a failed test); a group already gone is fine. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone
  }
}

export function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}
