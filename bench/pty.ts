// What the benches that drive prog in a pseudo-terminal (rich.ts, tui.ts) share: where prog and the
// agents fixture are, shell quoting, a process's own CPU from /proc, and the median of repeats.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PROG = join(root, 'bin', 'prog.cjs');
export const AGENTS = join(root, 'test', 'fixtures', 'agents.js');
export const NODE = process.execPath;
/** Clock ticks per second for /proc/<pid>/stat on Linux. */
export const TICKS = 100;

/** `word` quoted for sh. */
export function q(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** CPU ticks (user + system) process `pid` has used itself, not its children; undefined when gone. */
export function cpuTicks(pid: number | string | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
