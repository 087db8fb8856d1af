// prog ends the way its child did, so the calling shell sees the same status: the same exit code,
// or death by the same signal (which bash needs to stop a loop on Ctrl-C).
import { constants } from 'node:os';
import type { RunRecord } from '../store/run-store.js';

// Re-raising these would make prog itself dump core; 128+N is what a shell would report anyway.
// SIGPIPE and SIGXFSZ start out ignored in Node: 128+N says the same without relying on resetting them.
const EXIT_INSTEAD = new Set(['SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGQUIT', 'SIGSYS', 'SIGTRAP', 'SIGXCPU', 'SIGXFSZ', 'SIGPIPE']);

export function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[signal] ?? 0;
}

export function exitLike(exitCode: number | null, signal: NodeJS.Signals | null): void {
  if (signal === null) {
    process.exit(exitCode ?? 1);
  }
  const status = 128 + signalNumber(signal);
  if (EXIT_INSTEAD.has(signal)) process.exit(status);
  process.removeAllListeners(signal);
  // Removing the last listener puts the default action back. SIGUSR1 has no listener of prog's when
  // it was not forwarded, and Node's own handler would start the inspector instead of dying.
  if (signal !== 'SIGKILL' && signal !== 'SIGSTOP') {
    try {
      process.on(signal, noop);
      process.removeListener(signal, noop);
    } catch {
      // A signal Node cannot watch: its default action is already in place.
    }
  }
  // Should the signal be ignored by inheritance, still end with the status a shell would show.
  setTimeout(() => process.exit(status), 1000);
  process.kill(process.pid, signal);
}

function noop(): void {}

/** prog run's status for a command that did not start: 127 when it was not found, else 126 (as a shell). */
export function spawnFailedStatus(spawnError: string | undefined): number {
  return spawnError === 'ENOENT' ? 127 : 126;
}

/** Ends as the recorded run did, for a prog that followed it (attach, the TUI's terminal). */
export function exitLikeRecord(record: RunRecord): void {
  if (record.status === 'spawn-failed') process.exit(spawnFailedStatus(record.spawnError));
  exitLike(record.exitCode, record.signal as NodeJS.Signals | null);
}
