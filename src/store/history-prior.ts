// What past runs of the same workflow say about this one: the durations of its last complete runs,
// and of each of their phases, for the ETA engine's prior (model/eta.ts). Complete: ended ok, or
// failed only in their results (a test suite with failing tests ran to its end: every phase with a
// total reached it). A run stopped early (a compile error at 10 %, a signal) says nothing of how
// long the whole takes.
// history.ndjson is read from its end, and only lines naming the key are parsed: a workflow that ran
// recently costs the same however long the history; one that never ran costs a byte scan of it.
import { join } from 'node:path';
import type { ModelPrior } from '../model/eta.js';
import { linesBackward, parseRecord } from './ndjson.js';
import type { RunRecord } from './run-store.js';

/** Successful runs looked at: recent enough to reflect today's pace, enough for a median. */
const RUNS = 10;

export function historyPrior(stateRoot: string, key: string): ModelPrior | undefined {
  let runs: RunRecord[];
  try {
    runs = lastCompleteRuns(join(stateRoot, 'history.ndjson'), key);
  } catch {
    return undefined; // an unreadable history only costs the prior
  }
  if (runs.length === 0) return undefined;
  const phases: NonNullable<ModelPrior['phases']> = {};
  for (const run of runs) {
    for (const phase of run.phases ?? []) {
      if (phase.status !== 'ok' && !reachedTotal(phase)) continue;
      const prior = (phases[phase.id] ??= { durationsMs: [] });
      prior.durationsMs.push(phase.durationMs);
      if (phase.total !== undefined) prior.total = phase.total;
    }
  }
  return { run: { durationsMs: runs.map((r) => r.durationMs!) }, phases };
}

/**
 * The last RUNS complete runs of the workflow, oldest first. Lines are in the order runs ended; a
 * record carries its key as `"key":<JSON string>`, so a byte search of each block skips other
 * workflows' lines without splitting them out.
 */
function lastCompleteRuns(path: string, key: string): RunRecord[] {
  const needle = Buffer.from(`"key":${JSON.stringify(key)}`);
  const runs: RunRecord[] = [];
  for (const line of linesBackward(path, undefined, needle)) {
    const run = parseRecord(line.toString('utf8')) as RunRecord | undefined;
    if (run === undefined || run.key !== key || !ranToTheEnd(run) || typeof run.durationMs !== 'number') continue;
    runs.push(run);
    if (runs.length === RUNS) break;
  }
  // ISO times sort as strings (and localeCompare would load ICU's collator: ~9 ms at start-up).
  return runs.sort((a, b) => (String(a.startedAt) < String(b.startedAt) ? -1 : String(a.startedAt) > String(b.startedAt) ? 1 : 0));
}

type PhaseRecord = NonNullable<RunRecord['phases']>[number];

const reachedTotal = (phase: PhaseRecord) => phase.total !== undefined && phase.current >= phase.total;

function ranToTheEnd(run: RunRecord): boolean {
  if (run.status === 'ok') return true;
  if (run.status !== 'failed' || run.signal !== null) return false;
  const counted = (run.phases ?? []).filter((p) => p.total !== undefined);
  return counted.length > 0 && counted.every(reachedTotal);
}
