// Whether the prog process that recorded a run is still alive: by pid and the process's start
// time, so a pid the system has since given to another process does not pass for it (Linux; other
// systems check the pid alone).
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22), where the system tells it. */
  startTicks?: string;
}

/** The start time of a process, or undefined where /proc does not say (or the process is gone). */
export function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so field 22 is fields[19]; a zombie has ended already.
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

export function selfIdentity(): ProcessIdentity {
  const ticks = startTicks(process.pid);
  return ticks === undefined ? { pid: process.pid } : { pid: process.pid, startTicks: ticks };
}

/** The process is still the one recorded: same pid, and the same start time when it was recorded. */
export function isAlive(who: ProcessIdentity): boolean {
  if (who.startTicks !== undefined && process.platform === 'linux') return startTicks(who.pid) === who.startTicks;
  try {
    process.kill(who.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
