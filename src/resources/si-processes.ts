// Process rows from systeminformation, where there is no /proc (macOS, Windows, BSD). It runs
// `ps` (or PowerShell) per call, so it costs far more than procfs-processes.ts; it is imported
// only on those platforms. ps gives a CPU percentage, not a running total: CPU seconds are that
// percentage integrated over time, and a parent does not inherit what its reaped children used.
import type { ProcessRow, ProcessSource } from './process-source.js';

type Si = typeof import('systeminformation');

export class SiProcesses implements ProcessSource {
  readonly inheritsReaped = false;
  private readonly si: Si;
  private cpuSeconds = new Map<number, number>();
  private lastAt = 0;

  private constructor(si: Si) {
    this.si = si;
  }

  static async load(): Promise<SiProcesses> {
    return new SiProcesses((await import('systeminformation')).default);
  }

  async scan(): Promise<ProcessRow[]> {
    const { list } = await this.si.processes();
    const now = performance.now();
    const dt = this.lastAt === 0 ? 0 : (now - this.lastAt) / 1000;
    this.lastAt = now;
    const next = new Map<number, number>();
    const rows: ProcessRow[] = [];
    for (const p of list) {
      const cpuSeconds = (this.cpuSeconds.get(p.pid) ?? 0) + ((p.cpu || 0) / 100) * dt;
      next.set(p.pid, cpuSeconds);
      rows.push({
        pid: p.pid,
        ppid: p.parentPid,
        startTime: 0,
        pgrp: -1,
        session: -1,
        zombie: p.state === 'zombie',
        cpuSeconds,
        rssBytes: (p.memRss || 0) * 1024,
        readBytes: -1,
        writeBytes: -1,
      });
    }
    this.cpuSeconds = next;
    return rows;
  }

  ignore(): void {
    // ps lists every process anyway.
  }

  forgetIgnored(): void {}

  readIo(): boolean {
    return false;
  }

  close(): void {}
}
