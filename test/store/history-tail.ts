// store/history-tail.ts: prog history's reads from the end of history.ndjson, against thousands
// of history lines written as prog writes them (one JSON object per line, workflows interleaved).
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findWorkflow, newestRuns, STATS_RUNS, workflowRuns, type WorkflowQuery } from '../../src/store/history-tail.js';
import { tempDir } from '../helpers/prog.js';

const T0 = Date.UTC(2025, 0, 1);

/** One history line: run i of a workflow, a minute after run i - 1 of the whole history. */
function line(i: number, key: string | undefined, extra: Record<string, unknown> = {}): string {
  const start = new Date(T0 + i * 60_000);
  const id = `${start.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${(0x100000 + i).toString(16)}`;
  return JSON.stringify({
    version: 1, id, ...(key === undefined ? {} : { key }), command: ['make', key ?? 'legacy'], cwd: '/src', startedAt: start.toISOString(),
    endedAt: new Date(start.getTime() + 30_000).toISOString(), durationMs: 30_000, status: i % 7 === 0 ? 'failed' : 'ok',
    exitCode: i % 7 === 0 ? 2 : 0, signal: null, phases: [{ id: 'build', name: 'Build', status: 'ok', durationMs: 20_000, current: 1, total: 1 }],
    ...extra,
  }) + '\n';
}

const idOf = (i: number) => JSON.parse(line(i, 'x')).id as string;
const all: WorkflowQuery = { selects: () => true, limit: 20 };

/** 6,000 runs: a, b, c in turn, except runs 0-2 of `old` at the very start. */
function history(): string {
  const path = join(tempDir(), 'history.ndjson');
  const keys = ['a', 'b', 'c'];
  let text = [0, 1, 2].map((i) => line(i, 'old')).join('');
  for (let i = 3; i < 6000; i++) text += line(i, keys[i % 3]);
  writeFileSync(path, text);
  return path;
}

test('workflowRuns: the newest runs of one workflow among others, newest first, stopping once enough are read', () => {
  const path = history();
  const b = workflowRuns(path, 'b', all);
  assert.is(b.complete, false);
  assert.is(b.runs.length, STATS_RUNS);
  assert.equal(b.runs.slice(0, 3).map((r) => r.id), [idOf(5998), idOf(5995), idOf(5992)]);
  assert.ok(b.runs.every((r) => r.key === 'b'));
  assert.is(b.unreadable, 0);
  // More than STATS_RUNS asked for: read on.
  assert.is(workflowRuns(path, 'b', { ...all, limit: 250 }).runs.length, 250);
});

test('workflowRuns: a workflow whose runs are all old is read to the start of the file', () => {
  const path = history();
  const old = workflowRuns(path, 'old', all);
  assert.is(old.complete, true);
  assert.equal(old.runs.map((r) => r.id), [idOf(2), idOf(1), idOf(0)]);
  assert.equal(workflowRuns(path, 'never', all).runs, []);
});

test('workflowRuns: a torn last line and damaged lines of the workflow are counted unreadable, the runs before them read', () => {
  const path = history();
  appendFileSync(path, 'garbage\n' + line(6000, 'b').slice(0, 60));
  const b = workflowRuns(path, 'b', all);
  assert.is(b.unreadable, 2);
  assert.is(b.runs[0]!.id, idOf(5998));
});

test('workflowRuns: --failed reads back until enough failed runs; --since stops past the cutoff', () => {
  const path = history();
  const failed = workflowRuns(path, 'a', { selects: (r) => r.status !== 'ok', limit: 30 });
  assert.is(failed.runs.filter((r) => r.status !== 'ok').length, 30);
  assert.ok(failed.runs.length > STATS_RUNS, 'read past the statistics window for the failures asked for');
  const sinceMs = T0 + 5500 * 60_000;
  const since = workflowRuns(path, 'a', { selects: (r) => r.startMs >= sinceMs, limit: 1000, sinceMs });
  assert.is(since.complete, false);
  assert.is(since.sinceCovered, true);
  // Runs 5502, 5505 … 5997 are a's since the cutoff; reading stops one run past it (and its slack).
  assert.is(since.runs.filter((r) => r.startMs >= sinceMs).length, 166);
  assert.is(since.runs.length, 168);
});

test('workflowRuns: lines written before runs had a key count for the workflow their command and directory make', () => {
  const path = history();
  appendFileSync(path, line(6000, undefined));
  const legacy = workflowRuns(path, 'make legacy @ /src', all);
  assert.equal(legacy.runs.map((r) => r.id), [idOf(6000)]);
});

test('newestRuns: a window of the newest runs of every workflow; with --since, as far back as it asks', () => {
  const path = history();
  const window = newestRuns(path, 1000);
  assert.equal([window.runs.length, window.complete, window.runs[0]!.id], [1000, false, idOf(5999)]);
  const wide = newestRuns(path, 1000, T0 + 3000 * 60_000);
  assert.ok(wide.runs.length >= 3000 && wide.runs.length < 3010, String(wide.runs.length));
  assert.is(newestRuns(path, 100_000).complete, true);
  assert.equal(newestRuns(join(tempDir(), 'none'), 10), { runs: [], unreadable: 0, complete: true });
});

test('findWorkflow: a key from the end; a run id, or a prefix, from the whole file; ambiguity and misses as resolveTarget says', () => {
  const path = history();
  assert.equal(findWorkflow(path, 'c', all).target, { kind: 'found', key: 'c' });
  const byId = findWorkflow(path, idOf(1), all);
  assert.equal(byId.target, { kind: 'found', key: 'old', runId: idOf(1) });
  assert.is(byId.read.runs.length, 3);
  assert.equal(findWorkflow(path, 'ol', all).target, { kind: 'found', key: 'old' });
  const ambiguous = findWorkflow(path, '2025', all).target;
  assert.equal(ambiguous, { kind: 'ambiguous', keys: ['c', 'b', 'a', 'old'] });
  assert.equal(findWorkflow(path, 'nothing', all).target, { kind: 'none' });
});

test.run();
