// Is anything still running in a process group? kill(-pgid, 0) alone says yes for a group of
// zombies (an orphan whose new parent never reaps it, as under some container inits), so on Linux
// the answer comes from /proc, ignoring processes that are already dead.
import { readdirSync, readFileSync } from 'node:fs';

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
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue;
    }
    sawAny = true;
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  // A /proc that lists no processes is not procfs: trust kill().
  return !sawAny;
}
