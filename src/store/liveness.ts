// Whether the prog process that recorded a run is still alive: by pid and the process's start
// time, so a pid the system has since given to another process does not pass for it (Linux; other
// systems check the pid alone).
import { isDeadState, procStatFields } from '../process/proc-stat.js';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22), where the system tells it. */
  startTicks?: string;
}

/** The start time of a process, or undefined where /proc does not say (or the process is gone). */
export function startTicks(pid: number): string | undefined {
  const fields = procStatFields(pid);
  // Field 22 (index 19); a zombie has ended already.
  return fields === undefined || isDeadState(fields[0]) ? undefined : fields[19];
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
