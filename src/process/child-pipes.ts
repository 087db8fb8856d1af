// Real pipes for the command's output. Node gives a child `stdio: 'pipe'` as Unix socket pairs, and
// on Linux open() of a socket through /dev/stdout, /dev/stderr or /proc/self/fd/N fails (ENXIO):
// `echo x >/dev/stderr`, `tee /dev/stderr`, `dd of=/dev/stdout` break under a wrapper that does
// that. Node cannot call pipe(2), so prog makes named pipes, opens both ends and unlinks them at
// once: what the command gets is then an anonymous pipe, as in a shell pipeline (and SIGPIPE when
// prog's reader goes away is the kernel's, as there).
//
// Making them takes a process (mkfifo), ~10 ms of prog's start. So they are made ahead: a private
// pool directory holds sets of named pipes; a run claims a set by renaming it (only one run can),
// and when few are left it has a background process make more for the runs after it. Without a
// usable pool (someone else's directory, a read-only temp dir) a run makes its own, as before.
import { execFile, spawn } from 'node:child_process';
import { closeSync, constants, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** Pipes per set: stdout, stderr and the progress descriptor. */
const SET_SIZE = 3;
/** Sets one refill makes. */
const REFILL_SETS = 8;
/** Fewer sets than this left after a claim: make more. */
const LOW_WATER = 3;
/** Older than this, a set being made or a claimed one is a leftover. */
const LEFTOVER_MS = 60_000;

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
 * Opens `count` pipes (at most 3), from the pool when it has a set, else made here. Rejects with a
 * PipeSetupError when neither works; nothing is left behind either way.
 */
export async function openChildPipes(count: number): Promise<ChildPipe[]> {
  const pool = poolDir();
  const claimed = pool === undefined ? undefined : claimSet(pool);
  if (claimed !== undefined) {
    try {
      return openEnds(claimed, count);
    } catch {
      // A broken set (someone removed a pipe): made here instead.
    } finally {
      rmSync(claimed, { recursive: true, force: true });
    }
  }
  return makeOwnPipes(count);
}

/** After the command started: the pool is topped up in the background when it runs low. */
export function refillPipePool(): void {
  const pool = poolDir();
  if (pool === undefined || countSets(pool) >= LOW_WATER) return;
  removeLeftovers(pool);
  // Each set is made under a temporary name and renamed when complete: a run never claims half a set.
  const script = 'for i in $(seq $2); do d="$1/new-$$-$i" && mkdir -m 700 "$d" && mkfifo -m 600 "$d/p0" "$d/p1" "$d/p2" && mv "$d" "$1/set-$$-$i" || exit; done';
  try {
    const maker = spawn('/bin/sh', ['-c', script, 'sh', pool, String(REFILL_SETS)], { detached: true, stdio: 'ignore' });
    maker.on('error', () => {});
    maker.unref();
  } catch {
    // No pool this time: the next run makes its own pipes.
  }
}

/** `<tmp>/prog-pipes-<uid>`, made private; undefined when it is not a directory of this user's alone. */
function poolDir(): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = join(tmpdir(), `prog-pipes-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    // Already there (checked below), or the temp dir is not writable.
  }
  try {
    const stat = lstatSync(dir);
    // Not a symlink, ours, and nobody else may enter it: else another user could hand prog pipes.
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Takes a complete set out of the pool: the rename succeeds for one run only. */
function claimSet(pool: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(pool);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!name.startsWith('set-')) continue;
    const mine = join(pool, `claimed-${process.pid}-${name}`);
    try {
      renameSync(join(pool, name), mine);
      return mine;
    } catch {
      // Another run took it first.
    }
  }
  return undefined;
}

/** What a killed maker or a crashed run left behind (a set being made, a claimed set not removed). */
function removeLeftovers(pool: string): void {
  try {
    for (const name of readdirSync(pool)) {
      if (name.startsWith('set-')) continue;
      const path = join(pool, name);
      if (Date.now() - lstatSync(path).mtimeMs > LEFTOVER_MS) rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // Tidying is best effort.
  }
}

function countSets(pool: string): number {
  try {
    return readdirSync(pool).filter((name) => name.startsWith('set-')).length;
  } catch {
    return LOW_WATER;
  }
}

async function makeOwnPipes(count: number): Promise<ChildPipe[]> {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'prog-pipes-'));
  } catch (error) {
    throw new PipeSetupError(`cannot create a directory in ${tmpdir()}: ${(error as Error).message}`);
  }
  // prog may end while mkfifo runs (a usage error, a signal): the directory goes with it.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  try {
    await mkfifo(Array.from({ length: count }, (_, i) => join(dir, `p${i}`)));
    return openEnds(dir, count);
  } catch (error) {
    throw error instanceof PipeSetupError ? error : new PipeSetupError((error as Error).message);
  } finally {
    // Open ends keep the pipes; their names are not needed (nobody else can open them now).
    process.removeListener('exit', removeDir);
    removeDir();
  }
}

/** Opens both ends of `dir`/p0… (named pipes only: a planted file is refused). */
function openEnds(dir: string, count: number): ChildPipe[] {
  if (count > SET_SIZE) throw new PipeSetupError(`at most ${SET_SIZE} pipes, not ${count}`);
  const opened: number[] = [];
  try {
    return Array.from({ length: count }, (_, i) => {
      const path = join(dir, `p${i}`);
      if (!lstatSync(path).isFIFO()) throw new PipeSetupError(`${path} is not a named pipe`);
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
    throw error;
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
