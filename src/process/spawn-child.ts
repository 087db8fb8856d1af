// Starts the child in its own process group (setsid), so prog alone decides which signals reach it
// and can take the whole group down: no grandchild outlives prog. Piped stdin is shared as it is;
// a terminal is the command's only with --foreground. Its stdout, stderr and progress descriptor
// are real pipes (child-pipes.ts) when they could be made, else Node's socket pairs.
import { statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { ProgError } from '../errors.js';
import { closeWriteEnds, type ChildPipe } from './child-pipes.js';

export interface SpawnOptions {
  command: string;
  args: string[];
  /** Descriptor number of the marker-only pipe in the child, or null for none. */
  progressFd: number | null;
  env: Record<string, string | undefined>;
  /**
   * --foreground: the child stays in prog's session and process group, with the terminal as its
   * controlling terminal (password prompts via /dev/tty work; the terminal's signals reach it).
   */
  foreground?: boolean;
  /**
   * Pipes for stdout, stderr and (third) the progress descriptor, from openChildPipes; absent when
   * they could not be made: the command then gets socket pairs.
   */
  pipes?: ChildPipe[];
}

export interface ChildExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  pid: number;
  stdout: Readable;
  stderr: Readable;
  progress?: Readable;
  /** The child process itself ended (its pipes may stay open in grandchildren). */
  exited: Promise<ChildExit>;
}

export async function spawnChild(options: SpawnOptions): Promise<Child> {
  const { progressFd, pipes } = options;
  const extra: ('pipe' | 'ignore' | number)[] = [];
  if (progressFd !== null) {
    while (extra.length < progressFd - 3) extra.push('ignore');
    extra.push(pipes?.[2]?.writeFd ?? 'pipe');
  }
  // A terminal on stdin is not handed down (outside --foreground): the run may outlive that
  // terminal, and a process holding a hung-up terminal fails (Node aborts at exit). Piped stdin is.
  const stdin = options.foreground !== true && isatty(0) ? 'ignore' : 'inherit';
  const stdio: Stdio = [stdin, pipes?.[0]?.writeFd ?? 'pipe', pipes?.[1]?.writeFd ?? 'pipe', ...extra];
  let subprocess: ReturnType<typeof execa>;
  try {
    subprocess = startProcess(options, stdio);
  } finally {
    // The command has its own copies now (or never will): prog's would keep the pipes from ending.
    if (pipes) closeWriteEnds(pipes);
  }
  // Everything execa would report is observed on the process itself; its result is not needed.
  void subprocess.catch(() => undefined);

  const exited = new Promise<ChildExit>((resolve) => {
    subprocess.once('exit', (exitCode, signal) => resolve({ exitCode, signal }));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      subprocess.once('spawn', () => resolve());
      subprocess.once('error', (error: NodeJS.ErrnoException) => reject(spawnError(options.command, error)));
    });
  } catch (error) {
    for (const pipe of pipes ?? []) pipe.reader.destroy();
    throw error;
  }
  const progress = progressFd === null ? undefined : pipes?.[2]?.reader ?? subprocess.stdio[progressFd] as Readable;
  return {
    pid: subprocess.pid!,
    stdout: pipes?.[0]?.reader ?? subprocess.stdout!,
    stderr: pipes?.[1]?.reader ?? subprocess.stderr!,
    ...(progress === undefined ? {} : { progress }),
    exited,
  };
}

type Target = 'pipe' | 'ignore' | 'inherit' | number;
type Stdio = [Target, Target, Target, ...Target[]];

function startProcess(options: SpawnOptions, stdio: Stdio) {
  return execa(options.command, options.args, {
    // execa's types know descriptors 0–9 only; it hands any number to the child as it is.
    stdio: stdio as unknown as ['inherit', 'pipe', 'pipe'],
    detached: options.foreground !== true,
    // execa's cleanup would SIGTERM the child when prog gets SIGHUP; prog owns signal policy.
    cleanup: false,
    reject: false,
    buffer: false,
    encoding: 'buffer',
    stripFinalNewline: false,
    env: options.env,
    extendEnv: true,
    windowsHide: true,
  });
}

function spawnError(command: string, error: NodeJS.ErrnoException): ProgError {
  switch (error.code) {
    case 'ENOENT': {
      // ENOENT for a file that exists: the kernel could not find its #! interpreter (127, as bash).
      const found = locate(command);
      if (found !== undefined) {
        return new ProgError('SPAWN_ENOENT', `cannot execute ${command}: its interpreter (the #! line of ${found}) was not found`, { cause: error });
      }
      return new ProgError('SPAWN_ENOENT', `command not found: ${command}`, { cause: error });
    }
    case 'EACCES':
    case 'EISDIR':
    case 'ENOEXEC':
      return new ProgError('SPAWN_EACCES', `cannot execute ${command}: permission denied or not a program`, { cause: error });
    default:
      return new ProgError('SPAWN_FAILED', `cannot start ${command}: ${error.message}`, { cause: error });
  }
}

/** The file a command names, as the spawn searched for it (a path, else each $PATH entry). */
function locate(command: string): string | undefined {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, command));
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}
