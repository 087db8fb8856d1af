// One process tree measured over time: which rows belong to it (descendants by parent pid, plus
// whoever stayed in the root's process group or session after being re-parented) and how much
// CPU, memory and storage I/O they add up to between two samples.
import type { ProcessRow, ProcessSource } from './process-source.js';

/** Every row of one scan, by pid and by parent. */
export class ProcessIndex {
  readonly byPid = new Map<number, ProcessRow>();
  readonly children = new Map<number, ProcessRow[]>();

  constructor(readonly rows: readonly ProcessRow[]) {
    for (const row of rows) {
      this.byPid.set(row.pid, row);
      const siblings = this.children.get(row.ppid);
      if (siblings) siblings.push(row);
      else this.children.set(row.ppid, [row]);
    }
  }

  /** The root, its descendants, and the members of the group or session it leads, with theirs. */
  treeOf(rootPid: number, into: Set<number>): Set<number> {
    into.clear();
    const stack: ProcessRow[] = [];
    const root = this.byPid.get(rootPid);
    if (root) stack.push(root);
    for (const row of this.rows) if (row.pgrp === rootPid || row.session === rootPid) stack.push(row);
    while (stack.length > 0) {
      const row = stack.pop()!;
      if (into.has(row.pid)) continue;
      into.add(row.pid);
      const kids = this.children.get(row.pid);
      if (kids) for (const kid of kids) stack.push(kid);
    }
    return into;
  }
}

export interface TreeReading {
  cpuPercent: number;
  cpuSeconds: number;
  rssBytes: number;
  processes: number;
  /** Absent when no member's I/O could be read (or I/O was not asked for). */
  readBytesPerSec?: number;
  writeBytesPerSec?: number;
}

interface Seen {
  startTime: number;
  ppid: number;
  cpuSeconds: number;
  readBytes: number;
  writeBytes: number;
}

export class TreeMeter {
  /** CPU seconds the tree has used, summed over the deltas of every sample. */
  private cpuSeconds = 0;
  private primed = false;
  private seen = new Map<number, Seen>();
  private nextSeen = new Map<number, Seen>();
  readonly members = new Set<number>();
  /** What each member's CPU grew by this sample: the most a vanished child can have been reaped into. */
  private readonly growth = new Map<number, number>();

  constructor(
    readonly rootPid: number,
    private readonly withIo: boolean,
  ) {}

  /**
   * Measures the tree in this scan. The first call only sets the starting point (CPU used before
   * it counts towards cpuSeconds, not towards cpuPercent). dtSec is the time since the last call.
   */
  measure(index: ProcessIndex, source: ProcessSource, dtSec: number): TreeReading {
    const members = index.treeOf(this.rootPid, this.members);
    const first = !this.primed;
    this.primed = true;
    const next = this.nextSeen;
    next.clear();
    this.growth.clear();
    let cpuDelta = 0;
    let rssBytes = 0;
    let processes = 0;
    let ioKnown = false;
    let readDelta = 0;
    let writeDelta = 0;
    for (const pid of members) {
      const row = index.byPid.get(pid)!;
      if (!row.zombie) {
        processes++;
        rssBytes += row.rssBytes;
      }
      const before = this.seen.get(pid);
      const same = before !== undefined && before.startTime === row.startTime;
      const grew = same ? Math.max(0, row.cpuSeconds - before.cpuSeconds) : row.cpuSeconds;
      cpuDelta += grew;
      this.growth.set(pid, grew);
      if (this.withIo && !row.zombie && source.readIo(row)) {
        ioKnown = true;
        readDelta += same && before.readBytes >= 0 ? Math.max(0, row.readBytes - before.readBytes) : row.readBytes;
        writeDelta += same && before.writeBytes >= 0 ? Math.max(0, row.writeBytes - before.writeBytes) : row.writeBytes;
      }
      next.set(pid, { startTime: row.startTime, ppid: row.ppid, cpuSeconds: row.cpuSeconds, readBytes: row.readBytes, writeBytes: row.writeBytes });
    }
    if (source.inheritsReaped) cpuDelta -= this.reapedIntoParents(members);
    [this.seen, this.nextSeen] = [this.nextSeen, this.seen];
    this.cpuSeconds += cpuDelta;
    const reading: TreeReading = {
      cpuPercent: first || dtSec <= 0 ? 0 : (cpuDelta / dtSec) * 100,
      cpuSeconds: this.cpuSeconds,
      rssBytes,
      processes,
    };
    if (ioKnown && !first && dtSec > 0) {
      reading.readBytesPerSec = readDelta / dtSec;
      reading.writeBytesPerSec = writeDelta / dtSec;
    }
    return reading;
  }

  /**
   * A member that vanished since the last sample and whose parent is still a member was most likely
   * reaped by it: the parent's cutime/cstime now holds all the child used, which was partly counted
   * already. That part comes off, up to what the parent grew by (a parent that ignores SIGCHLD
   * inherits nothing).
   */
  private reapedIntoParents(members: Set<number>): number {
    let counted = 0;
    for (const [pid, before] of this.seen) {
      if (members.has(pid) || !members.has(before.ppid)) continue;
      const budget = this.growth.get(before.ppid) ?? 0;
      const take = Math.min(before.cpuSeconds, budget);
      this.growth.set(before.ppid, budget - take);
      counted += take;
    }
    return counted;
  }
}
