// What past runs of the same workflow say about this one: the durations of its last complete runs,
// and of each of their phases, for the ETA engine's prior (model/eta.ts). Complete: ended ok, or
// failed only in their results (a test suite with failing tests ran to its end: every phase with a
// total reached it). A run stopped early (a compile error at 10 %, a signal) says nothing of how
// long the whole takes.
import { join } from 'node:path';
import type { ModelPrior } from '../model/eta.js';
import { readRecords } from './ndjson.js';
import type { RunRecord } from './run-store.js';

/** Successful runs looked at: recent enough to reflect today's pace, enough for a median. */
const RUNS = 10;

export function historyPrior(stateRoot: string, key: string): ModelPrior | undefined {
  let records: RunRecord[];
  try {
    records = readRecords<RunRecord>(join(stateRoot, 'history.ndjson')).records;
  } catch {
    return undefined; // an unreadable history only costs the prior
  }
  const runs = records
    .filter((r) => r.key === key && ranToTheEnd(r) && typeof r.durationMs === 'number')
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .slice(-RUNS);
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

type PhaseRecord = NonNullable<RunRecord['phases']>[number];

const reachedTotal = (phase: PhaseRecord) => phase.total !== undefined && phase.current >= phase.total;

function ranToTheEnd(run: RunRecord): boolean {
  if (run.status === 'ok') return true;
  if (run.status !== 'failed' || run.signal !== null) return false;
  const counted = (run.phases ?? []).filter((p) => p.total !== undefined);
  return counted.length > 0 && counted.every(reachedTotal);
}
