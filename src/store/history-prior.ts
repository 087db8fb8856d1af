// What past runs of the same workflow say about this one: the durations of its last successful
// runs, and of each of their phases, for the ETA engine's prior (model/eta.ts).
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
    .filter((r) => r.key === key && r.status === 'ok' && typeof r.durationMs === 'number')
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .slice(-RUNS);
  if (runs.length === 0) return undefined;
  const phases: NonNullable<ModelPrior['phases']> = {};
  for (const run of runs) {
    for (const phase of run.phases ?? []) {
      if (phase.status !== 'ok') continue;
      const prior = (phases[phase.id] ??= { durationsMs: [] });
      prior.durationsMs.push(phase.durationMs);
      if (phase.total !== undefined) prior.total = phase.total;
    }
  }
  return { run: { durationsMs: runs.map((r) => r.durationMs!) }, phases };
}
