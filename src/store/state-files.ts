// Reading the state dir back (ls, logs, attach, stop, resume): an fs error there — `runs` is a
// file, a symlink loop, no permission, a log that is a directory — becomes one ProgError that names
// the path at fault and what is wrong with it, so the user reads one `prog:` line, not a trace.
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { dirname } from 'node:path';
import { ProgError } from '../errors.js';

/** The error for a state path that could not be read: the culprit may be a directory above it. */
export function stateDamage(path: string, error: unknown): ProgError {
  const { at, problem } = culprit(path, (error as NodeJS.ErrnoException)?.code);
  return new ProgError('STATE_DAMAGED', `${at}: ${problem}`, { cause: error });
}

/** A file of the state dir, or undefined when it does not exist (not written yet, or removed). */
export function readStateFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw stateDamage(path, error);
  }
}

/** A directory of the state dir; one that does not exist (yet) is empty. */
export function readStateDir(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw stateDamage(path, error);
  }
}

/** A directory that may not exist yet but, if it does, must be one prog can use. */
export function checkStateDir(path: string): void {
  try {
    if (!statSync(path).isDirectory()) throw stateDamage(path, { code: 'ENOTDIR' });
  } catch (error) {
    if (error instanceof ProgError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw stateDamage(path, error);
  }
}

/**
 * Opens a log of a run for reading, or undefined when it does not exist. Only a regular file is
 * taken: a directory opens on Linux and fails at the first read, a FIFO would block the open.
 */
export function openStateFile(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw stateDamage(path, error);
  }
  const stat = fstatSync(fd);
  if (stat.isFile()) return fd;
  closeSync(fd);
  throw stateDamage(path, { code: stat.isDirectory() ? 'EISDIR' : 'ENOTFILE' });
}

/**
 * The path to blame and why. An error on runs/<id>/run.json may come from `runs` being a file, a
 * symlink loop or a directory that cannot be entered: the first such ancestor is named instead.
 */
function culprit(path: string, code: string | undefined): { at: string; problem: string } {
  const chain: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const [i, p] of chain.entries()) {
    try {
      const stat = statSync(p);
      if (p !== path && !stat.isDirectory()) return { at: p, problem: describe('ENOTDIR') };
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code;
      // No way into the directory above: that directory is the one to fix.
      if ((why === 'EACCES' || why === 'EPERM') && i > 0) return { at: chain[i - 1]!, problem: describe(why) };
      if (why === 'ELOOP') return { at: p, problem: describe(why) };
      break;
    }
  }
  return { at: path, problem: describe(code) };
}

function describe(code: string | undefined): string {
  switch (code) {
    case 'ENOTDIR': return 'not a directory';
    case 'EISDIR': return 'a directory, where prog keeps a file';
    case 'ENOTFILE': return 'not a regular file';
    case 'ELOOP': return 'a symbolic link loop (too many levels of symbolic links)';
    case 'EACCES':
    case 'EPERM': return 'not readable (permission denied)';
    case 'ENOENT': return 'does not exist';
    case 'EIO': return 'cannot be read (input/output error)';
    default: return `cannot be read (${code ?? 'unknown error'})`;
  }
}
