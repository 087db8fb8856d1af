// `prog run --detach`: the same run, recorded by a prog process of its own with no terminal, so
// this one can return at once. It prints the run's id on stdout (for scripts) once the command has
// started, or the reason it could not start (with the status prog run would have had).
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { printError, writeStderr } from '../diagnostics.js';
import { ProgError } from '../errors.js';
import { spawnFailedStatus } from '../process/exit-like.js';
import { newRunId } from '../store/run-store.js';
import { readRunRecord } from '../store/runs.js';
import { stateDir } from '../store/state-dir.js';
import { checkStateDir } from '../store/state-files.js';

/** How long the background prog gets to start the command before this one gives up waiting. */
const START_TIMEOUT_MS = 10_000;
const POLL_MS = 25;

export async function detachRun(own: string[], command: string[]): Promise<void> {
  const { id } = await startDetached(own, command);
  process.stdout.write(`${id}\n`);
  writeStderr(`prog: run ${id} started in the background · prog attach ${id} follows it · prog logs ${id} · prog stop ${id}\n`);
}

/**
 * The run started by a prog of its own, without a terminal; its id once the command is running.
 * With `tui` (the terminal's size and colour, relay.ts), that prog draws the TUI over a socket
 * pair on its fd 3, the `channel` returned.
 */
export async function startDetached(own: string[], command: string[], tui?: Record<string, string>): Promise<{ id: string; pid: number; channel?: Socket }> {
  // A run nobody can find again is not started: `runs` that is a file, a loop, or out of reach.
  checkStateDir(join(stateDir(), 'runs'));
  const id = newRunId();
  // prog's own flags minus --detach and any --format: no view (nobody is watching); the bytes are
  // still recorded.
  const flags: string[] = [];
  const rest = own.slice(1);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--detach' || arg === '--dashboard' || arg.startsWith('--format=') || arg.startsWith('-f=')) continue;
    if (arg === '--format' || arg === '-f') {
      i++;
      continue;
    }
    flags.push(arg);
  }
  const dir = join(stateDir(), 'runs', id);
  // Anything the background prog itself has to say (a warning, a crash) goes to a file in the state dir.
  const log = openLog(join(stateDir(), 'detached.log'));
  const child = spawn(process.execPath, [process.argv[1]!, 'run', ...flags, '--format', tui ? 'tui' : 'none', '--', ...command], {
    detached: true,
    stdio: ['ignore', 'ignore', log ?? 'ignore', ...(tui ? ['pipe' as const] : [])],
    env: { ...process.env, PROG_DETACHED_RUN_ID: id, ...(tui ? { ...tui, PROG_TUI_CHANNEL: '3' } : {}) },
  });
  if (log !== undefined) closeSync(log);
  let gone: number | null | undefined;
  child.once('exit', (code, signal) => (gone = code ?? (signal ? 128 : 1)));
  child.unref();

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const record = readRunRecord(dir);
    if (record?.status === 'spawn-failed') {
      printError(`the command did not start (${record.spawnError ?? 'error'}): ${command[0]}`);
      process.exit(spawnFailedStatus(record.spawnError));
    }
    if (record?.pid !== undefined) break;
    if (gone !== undefined && record === undefined) {
      throw new ProgError('DETACH_FAILED', `the background prog ended (status ${gone}) before starting the command; see ${join(stateDir(), 'detached.log')}`);
    }
    if (Date.now() > deadline) throw new ProgError('DETACH_FAILED', `the background prog did not start the command within ${START_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const channel = tui ? (child.stdio[3] as Socket) : undefined;
  return { id, pid: child.pid!, ...(channel ? { channel } : {}) };
}

function openLog(path: string): number | undefined {
  try {
    return openSync(path, 'a', 0o600);
  } catch {
    return undefined;
  }
}
