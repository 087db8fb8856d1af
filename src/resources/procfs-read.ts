// Reading /proc files into a reused buffer and parsing their numbers in place: a sample reads a
// few files per process, so no strings, no splits, no per-file promises.
import { closeSync, openSync, readSync } from 'node:fs';

/** The process exited (ENOENT, ESRCH) or its file is not ours to read (EACCES, EPERM). */
function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM';
}

/** Bytes read into buf from the start of path, or -1 when the process is gone or the file unreadable. */
export function readInto(path: string, buf: Buffer): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (isGone(error)) return -1;
    throw error;
  }
  try {
    return readSync(fd, buf, 0, buf.length, 0);
  } catch (error) {
    if (isGone(error)) return -1;
    throw error;
  } finally {
    closeSync(fd);
  }
}

/**
 * /proc/PID/<name> files kept open between samples, for up to `max` processes: a read then skips
 * the open and close (half its cost), and fails with ESRCH once that process is gone, even if a
 * new process took its pid. Past `max` (a huge tree), files are opened for each read.
 */
export class HeldProcFiles {
  private readonly fds = new Map<number, number>();

  constructor(
    private readonly name: string,
    private readonly max: number,
  ) {}

  /** Like readInto, for this pid's file. */
  read(pid: number, buf: Buffer): number {
    const held = this.fds.get(pid);
    if (held !== undefined) {
      try {
        return readSync(held, buf, 0, buf.length, 0);
      } catch (error) {
        this.drop(pid);
        if (!isGone(error)) throw error;
        // The process it was opened for is gone; the pid may already be another one's: open it anew.
      }
    }
    const path = `/proc/${pid}/${this.name}`;
    if (this.fds.size >= this.max) return readInto(path, buf);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      if (isGone(error)) return -1;
      throw error;
    }
    try {
      const n = readSync(fd, buf, 0, buf.length, 0);
      this.fds.set(pid, fd);
      return n;
    } catch (error) {
      closeSync(fd);
      if (isGone(error)) return -1;
      throw error;
    }
  }

  drop(pid: number): void {
    const fd = this.fds.get(pid);
    if (fd === undefined) return;
    this.fds.delete(pid);
    closeSync(fd);
  }

  /** Closes the files of every pid that `keep` refuses. */
  keepOnly(keep: (pid: number) => boolean): void {
    for (const pid of this.fds.keys()) if (!keep(pid)) this.drop(pid);
  }

  closeAll(): void {
    this.keepOnly(() => false);
  }
}

/** A cursor over ASCII numbers in a buffer. */
export class NumberCursor {
  buf: Buffer = Buffer.alloc(0);
  at = 0;
  end = 0;

  reset(buf: Buffer, at: number, end: number): this {
    this.buf = buf;
    this.at = at;
    this.end = end;
    return this;
  }

  /** The next integer (a leading '-' allowed), skipping whatever comes before it; NaN at the end. */
  next(): number {
    const { buf, end } = this;
    let i = this.at;
    while (i < end && !(buf[i]! >= 0x30 && buf[i]! <= 0x39) && buf[i] !== 0x2d) i++;
    if (i >= end) {
      this.at = end;
      return NaN;
    }
    const negative = buf[i] === 0x2d;
    if (negative) i++;
    let n = 0;
    while (i < end && buf[i]! >= 0x30 && buf[i]! <= 0x39) n = n * 10 + (buf[i++]! - 0x30);
    this.at = i;
    return negative ? -n : n;
  }

  /** Skips n whitespace-separated fields. */
  skipFields(n: number): void {
    const { buf, end } = this;
    let i = this.at;
    for (let k = 0; k < n; k++) {
      while (i < end && buf[i] === 0x20) i++;
      while (i < end && buf[i] !== 0x20) i++;
    }
    this.at = i;
  }
}

/** The page size of this kernel: the first mapping's KernelPageSize in /proc/self/smaps, else 4096. */
export function kernelPageSize(): number {
  const buf = Buffer.alloc(4096);
  const n = readInto('/proc/self/smaps', buf);
  if (n <= 0) return 4096;
  const at = buf.indexOf('KernelPageSize:');
  if (at === -1 || at >= n) return 4096;
  const kb = new NumberCursor().reset(buf, at, n).next();
  return kb > 0 ? kb * 1024 : 4096;
}
