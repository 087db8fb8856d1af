// What a prog following a run (prog attach, the TUI's terminal in relay.ts) says as it stops
// following: one wording wherever it is said. Without the `prog: ` prefix, which the caller adds.
import type { RunRecord } from './run-store.js';

export function leftNote(id: string): string {
  return `left the TUI; run ${id} goes on · prog attach --format tui ${id} returns to it · prog stop ${id}`;
}

export function detachedNote(id: string): string {
  return `detached from run ${id}; it goes on (prog attach ${id} follows it again)`;
}

export function lostNote(id: string): string {
  return `run ${id} is lost: the prog recording it ended without recording the end (prog ls)`;
}

export function endedNote(id: string, record: RunRecord): string {
  const how = record.status === 'spawn-failed' ? `the command did not start (${record.spawnError ?? 'error'})` : record.signal ?? `exit ${record.exitCode}`;
  return `run ${id} ended: ${how}`;
}
