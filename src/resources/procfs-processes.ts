// Process rows from /proc (Linux): one readdir of /proc and one read of /proc/PID/stat per process
// that may matter, synchronous, into one buffer (a few µs each; a threadpool round trip per file
// costs more than the read), with the files of tree members held open between samples. Processes
// found outside every watched tree are skipped until they exit: a process cannot join a tree it
// is not in (its parent only changes to a reaper, and it cannot join another session's group).
// The one blind spot: an outside process exits and a new process of the tree gets its pid within
// one interval.
import { readdirSync } from 'node:fs';
import { HeldProcFiles, kernelPageSize, NumberCursor } from './procfs-read.js';
import type { ProcessRow, ProcessSource } from './process-source.js';

/** USER_HZ, the unit of the times in /proc/PID/stat: 100 on every architecture Linux still ships for except alpha. */
const CLK_TCK = 100;
/** Reads between two yields to the event loop, so a machine with thousands of processes never stalls prog. */
const READS_PER_TURN = 256;
/** Processes whose stat and io files stay open: 512 descriptors at most, whatever the tree's size. */
const HELD_PROCESSES = 256;

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ProcfsProcesses implements ProcessSource {
  readonly inheritsReaped = true;
  private readonly pageSize = kernelPageSize();
  private readonly buf = Buffer.alloc(2048);
  private readonly cursor = new NumberCursor();
  private ignored = new Set<number>();
  private stillIgnored = new Set<number>();
  private readonly listed = new Set<number>();
  private readonly stat = new HeldProcFiles('stat', HELD_PROCESSES);
  private readonly io = new HeldProcFiles('io', HELD_PROCESSES);

  async scan(): Promise<ProcessRow[]> {
    const rows: ProcessRow[] = [];
    const names = readdirSync('/proc');
    this.stillIgnored.clear();
    this.listed.clear();
    let reads = 0;
    for (const name of names) {
      const first = name.charCodeAt(0);
      if (first < 0x30 || first > 0x39) continue;
      const pid = Number(name);
      if (this.ignored.has(pid)) {
        this.stillIgnored.add(pid);
        continue;
      }
      this.listed.add(pid);
      const row = this.readStat(pid);
      if (row) rows.push(row);
      if (++reads % READS_PER_TURN === 0) await yieldTurn();
    }
    [this.ignored, this.stillIgnored] = [this.stillIgnored, this.ignored];
    const listed = (pid: number) => this.listed.has(pid);
    this.stat.keepOnly(listed);
    this.io.keepOnly(listed);
    return rows;
  }

  ignore(pid: number): void {
    this.ignored.add(pid);
    this.stat.drop(pid);
    this.io.drop(pid);
  }

  forgetIgnored(): void {
    this.ignored.clear();
  }

  close(): void {
    this.stat.closeAll();
    this.io.closeAll();
  }

  readIo(row: ProcessRow): boolean {
    const n = this.io.read(row.pid, this.buf);
    if (n <= 0) return false;
    // Lines "name: value"; read_bytes and write_bytes are told apart from rchar/wchar by their first letters.
    const { buf } = this;
    const cursor = this.cursor.reset(buf, 0, n);
    let found = 0;
    for (let line = 0; line < n; ) {
      const isRead = buf[line] === 0x72 && buf[line + 1] === 0x65 && buf[line + 2] === 0x61; // "rea"
      const isWrite = buf[line] === 0x77 && buf[line + 1] === 0x72 && buf[line + 2] === 0x69; // "wri"
      if (isRead || isWrite) {
        cursor.at = line;
        const value = cursor.next();
        if (isRead) row.readBytes = value;
        else row.writeBytes = value;
        if (++found === 2) return true;
      }
      const eol = buf.indexOf(0x0a, line);
      if (eol === -1 || eol >= n) break;
      line = eol + 1;
    }
    return false;
  }

  /** /proc/PID/stat: pid (comm) state ppid pgrp session … utime(14) stime cutime cstime … starttime(22) vsize rss(24). */
  private readStat(pid: number): ProcessRow | undefined {
    const { buf } = this;
    const n = this.stat.read(pid, buf);
    if (n <= 0) return undefined;
    // comm may hold spaces and parentheses: the fields start after the last ')'.
    const close = buf.lastIndexOf(0x29, n - 1);
    if (close === -1) return undefined;
    const state = buf[close + 2];
    const c = this.cursor.reset(buf, close + 3, n);
    const ppid = c.next();
    const pgrp = c.next();
    const session = c.next();
    c.skipFields(7); // tty_nr tpgid flags minflt cminflt majflt cmajflt (7–13)
    const ticks = c.next() + c.next() + c.next() + c.next(); // utime stime cutime cstime (14–17)
    c.skipFields(4); // priority nice num_threads itrealvalue (18–21)
    const starttime = c.next(); // 22
    c.skipFields(1); // vsize (23)
    const rssPages = c.next(); // 24
    if (Number.isNaN(rssPages)) return undefined;
    return {
      pid,
      ppid,
      pgrp,
      session,
      zombie: state === 0x5a || state === 0x58, // Z, X
      cpuSeconds: ticks / CLK_TCK,
      rssBytes: rssPages * this.pageSize,
      readBytes: -1,
      writeBytes: -1,
      startTime: starttime,
    };
  }
}
