// The machine as a whole: CPU busy share over all cores since the last reading, and memory in use.
// Linux reads the first line of /proc/stat and the head of /proc/meminfo (two small reads);
// elsewhere systeminformation answers, imported only there.
import { NumberCursor, readInto } from './procfs-read.js';
import type { MachineUsage } from './types.js';

export interface MachineMeter {
  read(): Promise<MachineUsage>;
}

export async function machineMeter(): Promise<MachineMeter> {
  if (process.platform === 'linux' && readInto('/proc/stat', Buffer.alloc(64)) > 0) return new ProcfsMachine();
  return SiMachine.load();
}

export class ProcfsMachine implements MachineMeter {
  private readonly buf = Buffer.alloc(512);
  private readonly cursor = new NumberCursor();
  private lastBusy = 0;
  private lastTotal = 0;

  async read(): Promise<MachineUsage> {
    return { cpuPercent: this.cpuPercent(), ...this.memory() };
  }

  /** "cpu  user nice system idle iowait irq softirq steal guest guest_nice": guest time is already in user. */
  private cpuPercent(): number {
    const n = readInto('/proc/stat', this.buf);
    if (n <= 0) return 0;
    const c = this.cursor.reset(this.buf, 0, n);
    const user = c.next(), nice = c.next(), system = c.next(), idle = c.next(), iowait = c.next();
    const irq = c.next(), softirq = c.next(), steal = c.next();
    const busy = user + nice + system + irq + softirq + steal;
    const total = busy + idle + iowait;
    const dBusy = busy - this.lastBusy;
    const dTotal = total - this.lastTotal;
    const first = this.lastTotal === 0;
    this.lastBusy = busy;
    this.lastTotal = total;
    return first || dTotal <= 0 ? 0 : (dBusy / dTotal) * 100;
  }

  /** MemTotal, MemFree, MemAvailable are the first three lines, in kB; in use = total − available. */
  private memory(): { memUsedBytes: number; memTotalBytes: number } {
    const n = readInto('/proc/meminfo', this.buf);
    if (n <= 0) return { memUsedBytes: 0, memTotalBytes: 0 };
    const c = this.cursor.reset(this.buf, 0, n);
    const total = c.next() * 1024;
    const free = c.next() * 1024;
    const availableAt = this.buf.indexOf('MemAvailable:');
    const available = availableAt !== -1 && availableAt < n ? c.reset(this.buf, availableAt, n).next() * 1024 : free;
    return { memUsedBytes: total - available, memTotalBytes: total };
  }
}

type Si = typeof import('systeminformation');

export class SiMachine implements MachineMeter {
  private constructor(private readonly si: Si) {}

  static async load(): Promise<SiMachine> {
    return new SiMachine((await import('systeminformation')).default);
  }

  async read(): Promise<MachineUsage> {
    const [load, mem] = await Promise.all([this.si.currentLoad(), this.si.mem()]);
    return { cpuPercent: load.currentLoad, memUsedBytes: mem.total - mem.available, memTotalBytes: mem.total };
  }
}
