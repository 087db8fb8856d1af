// /proc/PID/stat, read as its fields from field 3 (state) on: `pid (comm) state ppid pgrp …`,
// where comm may hold spaces and parentheses, so fields are counted after the last ')'.
import { readFileSync } from 'node:fs';

/** Fields 3.. of /proc/PID/stat (so field N is at index N − 3), or undefined when unreadable. */
export function procStatFields(pid: number | string): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** A state that has already ended: zombie or dead. */
export function isDeadState(state: string | undefined): boolean {
  return state === 'Z' || state === 'X';
}
