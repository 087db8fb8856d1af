// Is anything still running in a process group? kill(-pgid, 0) alone says yes for a group of
// zombies (an orphan whose new parent never reaps it, as under some container inits), so on Linux
// the answer comes from /proc, ignoring processes that are already dead.
import { readdirSync } from 'node:fs';
import { isDeadState, procStatFields } from './proc-stat.js';

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    // ESRCH: nobody is left. EPERM: someone else's process took the group over; it is not prog's to wait for.
    return false;
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  let sawAny = false;
  for (const name of entries) {
    const code = name.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const fields = procStatFields(name);
    if (fields === undefined) continue;
    sawAny = true;
    // fields[0] is the state, fields[2] the process group.
    if (Number(fields[2]) === pgid && !isDeadState(fields[0])) return true;
  }
  // A /proc that lists no processes is not procfs: trust kill().
  return !sawAny;
}
