// Real pipes for the command's output. Node gives a child `stdio: 'pipe'` as Unix socket pairs, and
// on Linux open() of a socket through /dev/stdout, /dev/stderr or /proc/self/fd/N fails (ENXIO):
// `echo x >/dev/stderr`, `tee /dev/stderr`, `dd of=/dev/stdout` break under a wrapper that does
// that. Node cannot call pipe(2), so prog makes named pipes in a private temp directory, opens both
// ends and unlinks them at once: what the command gets is then an anonymous pipe, as in a shell
// pipeline (and SIGPIPE when prog's reader goes away is the kernel's, as there).
import { execFile } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface ChildPipe {
  /** The end the command writes to: handed to it as a descriptor, closed in prog once it started. */
  writeFd: number;
  /** prog's end. */
  reader: Readable;
}

/** Why real pipes could not be made (the command then gets socket pairs). */
export class PipeSetupError extends Error {
  override name = 'PipeSetupError';
}

/**
 * Opens `count` pipes. Rejects with a PipeSetupError when the temp directory is unusable or
 * `mkfifo` is missing; nothing is left behind either way.
 */
export async function openChildPipes(count: number): Promise<ChildPipe[]> {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'prog-pipes-'));
  } catch (error) {
    throw new PipeSetupError(`cannot create a directory in ${tmpdir()}: ${(error as Error).message}`);
  }
  const opened: number[] = [];
  // prog may end while mkfifo runs (a usage error, a signal): the directory goes with it.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  try {
    const paths = Array.from({ length: count }, (_, i) => join(dir, `p${i}`));
    await mkfifo(paths);
    return paths.map((path) => {
      // The read end first and non-blocking (no writer yet); then the write end, which a reader
      // lets open at once and which stays blocking, as the command's output normally is.
      const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      opened.push(readFd);
      const writeFd = openSync(path, constants.O_WRONLY);
      opened.push(writeFd);
      return { writeFd, reader: new Socket({ fd: readFd, readable: true, writable: false }) };
    });
  } catch (error) {
    for (const fd of opened) closeQuietly(fd);
    throw error instanceof PipeSetupError ? error : new PipeSetupError((error as Error).message);
  } finally {
    // Open ends keep the pipes; their names are not needed (nobody else can open them now).
    process.removeListener('exit', removeDir);
    removeDir();
  }
}

/** Closes prog's copies of the write ends once the command holds its own. */
export function closeWriteEnds(pipes: ChildPipe[]): void {
  for (const pipe of pipes) closeQuietly(pipe.writeFd);
}

function mkfifo(paths: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mkfifo', ['-m', '600', '--', ...paths], { env: { ...process.env, LC_ALL: 'C' } }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(new PipeSetupError(`mkfifo failed: ${String(stderr).trim() || error.message}`));
    });
  });
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
