// store/prune.ts: automatic pruning against thousands of real run directories and history lines:
// it keeps the newest N and what is young enough, never a running run (its prog alive) or one whose
// command still runs, nor one being created, and rewrites history.ndjson only well over its limit.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selfIdentity, startTicks } from '../../src/store/liveness.js';
import { pruneStore, type PrunePolicy } from '../../src/store/prune.js';
import { tempDir } from '../helpers/prog.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 1);
const stampOf = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** A run directory as RunStore leaves it: run.json (ended unless `fields` say otherwise) and logs. */
function writeRun(root: string, startMs: number, n: number, fields: Record<string, unknown> = {}): string {
  const id = `${stampOf(startMs)}-${(0x100000 + n).toString(16)}`;
  const dir = join(root, 'runs', id);
  mkdirSync(dir, { recursive: true });
  const startedAt = new Date(startMs).toISOString();
  writeFileSync(join(dir, 'run.json'), JSON.stringify({
    version: 1, id, key: 'make @ /src', command: ['make'], cwd: '/src', startedAt, pid: 999_999,
    endedAt: new Date(startMs + 1000).toISOString(), durationMs: 1000, status: 'ok', exitCode: 0, signal: null, ...fields,
  }, null, 2) + '\n');
  writeFileSync(join(dir, 'stdout.log'), 'output\n');
  writeFileSync(join(dir, 'events.ndjson'), '');
  return id;
}

const running = (fields: Record<string, unknown>) => ({ endedAt: undefined, durationMs: undefined, status: 'running', exitCode: null, ...fields });
const ids = (root: string) => readdirSync(join(root, 'runs')).sort();
const all: Partial<PrunePolicy> = {};
const prune = (root: string, policy: PrunePolicy, current?: string) =>
  pruneStore(root, { ...all, ...policy }, { now: NOW, budgetMs: Infinity, ...(current === undefined ? {} : { current }) });

test('run directories: the newest keep-runs stay, the oldest go, whole', () => {
  const root = tempDir();
  const made = Array.from({ length: 3000 }, (_, i) => writeRun(root, NOW - DAY + i * 1000, i));
  const result = prune(root, { keepRuns: 1000 });
  assert.equal(result, { runsRemoved: 2000, runsSpared: 0, historyRemoved: 0 });
  assert.equal(ids(root), made.slice(-1000));
  // At the limit: nothing to do.
  assert.equal(prune(root, { keepRuns: 1000 }).runsRemoved, 0);
});

test('run directories: older than keep-runs-for go, whatever their number', () => {
  const root = tempDir();
  const made = Array.from({ length: 50 }, (_, i) => writeRun(root, NOW - (50 - i) * DAY, i));
  assert.is(prune(root, { keepRunsForMs: 30 * DAY }).runsRemoved, 20);
  assert.equal(ids(root), made.slice(20));
  assert.is(prune(root, { keepRuns: 5, keepRunsForMs: 30 * DAY }).runsRemoved, 25, 'both limits: the stricter wins');
});

test('never removed: a running run, a lost run whose command still runs, one being created, the current run (which counts towards keep-runs)', async () => {
  const root = tempDir();
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const old = NOW - 100 * DAY;
    const live = writeRun(root, old, 1, running({ supervisor: selfIdentity() }));
    const command = writeRun(root, old, 2, running({ supervisor: { pid: 999_999, startTicks: '1' }, pid: sleeper.pid, pidStartTicks: startTicks(sleeper.pid!) }));
    const lost = writeRun(root, old, 3, running({ supervisor: { pid: 999_999, startTicks: '1' } }));
    const current = writeRun(root, old, 4);
    const ended = writeRun(root, old, 5);
    // Made a moment ago, run.json not written yet; and one left like that long ago.
    const creating = `${stampOf(old)}-0000aa`;
    mkdirSync(join(root, 'runs', creating));
    const abandoned = `${stampOf(old)}-0000bb`;
    mkdirSync(join(root, 'runs', abandoned));
    utimesSync(join(root, 'runs', abandoned), new Date(Date.now() - 2 * DAY), new Date(Date.now() - 2 * DAY));
    const fresh = writeRun(root, NOW, 6);
    const result = pruneStore(root, { keepRuns: 1 }, { current, budgetMs: Infinity });
    // The current run is the one run keep-runs 1 allows (it counts, wherever its id sorts): even
    // the newest other run goes, and only what must not be removed is spared.
    assert.equal(ids(root), [creating, live, command, current].sort());
    assert.equal([result.runsRemoved, result.runsSpared], [4, 3]);
    assert.not.ok([lost, ended, abandoned, fresh].some((id) => existsSync(join(root, 'runs', id))));
  } finally {
    sleeper.kill();
  }
});

test('runs started in the same second as the current one: the limit holds wherever the current id sorts', () => {
  // The current run's random part sorts first (100000), then last (fffff0), among 100001-100003.
  for (const n of [0, 0xeffff0]) {
    const root = tempDir();
    for (const other of [1, 2, 3]) writeRun(root, NOW, other);
    const current = writeRun(root, NOW, n, running({ supervisor: selfIdentity() }));
    pruneStore(root, { keepRuns: 2 }, { current, budgetMs: Infinity });
    const left = ids(root);
    assert.is(left.length, 2, left.join(' '));
    assert.ok(left.includes(current), 'the current run stays');
  }
});

test('a prune interrupted mid-delete leaves runs/.pruned-<id>, never listed and removed by the next prune', () => {
  const root = tempDir();
  writeRun(root, NOW, 1);
  mkdirSync(join(root, 'runs', '.pruned-20200101-000000-abcdef', 'x'), { recursive: true });
  prune(root, { keepRuns: 10 });
  assert.equal(ids(root).length, 1);
  assert.ok(ids(root)[0]!.startsWith(stampOf(NOW)));
});

/** n history lines as RunStore appends them, a minute apart, ending `endMs`. */
function historyLines(n: number, endMs: number, from = 0): string {
  let text = '';
  for (let i = from; i < from + n; i++) {
    const start = new Date(endMs - (from + n - i) * 60_000);
    text += JSON.stringify({ version: 1, id: `${stampOf(start.getTime())}-${(0x100000 + i).toString(16)}`, key: `w${i % 5}`, command: ['w'], cwd: '/', startedAt: start.toISOString(), durationMs: 1000, status: 'ok', exitCode: 0, signal: null }) + '\n';
  }
  return text;
}

const lineIds = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);

test('history: rewritten with the newest keep-history lines once well over it (20 %), left alone below that', () => {
  const root = tempDir();
  const path = join(root, 'history.ndjson');
  writeFileSync(path, historyLines(11_500, NOW));
  assert.is(prune(root, { keepHistory: 10_000 }).historyRemoved, 0, 'under 12,000: not worth a rewrite');
  assert.is(lineIds(path).length, 11_500);
  writeFileSync(path, historyLines(12_500, NOW));
  const before = lineIds(path);
  // A torn last line (a writer that died) is dropped with the old lines.
  writeFileSync(path, readFileSync(path, 'utf8') + '{"id":"torn","st');
  assert.is(prune(root, { keepHistory: 10_000 }).historyRemoved, 2500);
  assert.equal(lineIds(path), before.slice(-10_000));
  assert.not.ok(existsSync(`${path}.lock`), 'the lock is released');
  assert.equal(readdirSync(root).sort(), ['history.ndjson'], 'no temporary file left');
});

test('history: lines of runs older than keep-history-for go once the oldest is well past it; undated lines stay', () => {
  const root = tempDir();
  const path = join(root, 'history.ndjson');
  // 100 days of runs, one every 6 minutes, the oldest 100 days old.
  let text = '';
  for (let i = 0; i < 100 * 240; i += 1) if (i % 10 === 0) text += historyLines(1, NOW - 100 * DAY + i * 360_000, i);
  writeFileSync(path, text + JSON.stringify({ id: 'undated', key: 'w' }) + '\n');
  const removed = prune(root, { keepHistoryForMs: 30 * DAY }).historyRemoved;
  const kept = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { startedAt?: string; id: string });
  assert.ok(removed > 1500 && kept.every((r) => r.startedAt === undefined || Date.parse(r.startedAt) >= NOW - 30 * DAY - 60_000), String(removed));
  assert.is(kept.at(-1)!.id, 'undated');
  assert.is(prune(root, { keepHistoryForMs: 30 * DAY }).historyRemoved, 0, 'the oldest is now within the age: nothing to do');
});

test('history: another prog holding the lock means no rewrite now; a lock left by a dead prog is taken over', () => {
  const root = tempDir();
  const path = join(root, 'history.ndjson');
  writeFileSync(path, historyLines(300, NOW));
  writeFileSync(`${path}.lock`, JSON.stringify(selfIdentity()));
  assert.is(prune(root, { keepHistory: 100 }).historyRemoved, 0);
  writeFileSync(`${path}.lock`, JSON.stringify({ pid: 999_999, startTicks: '1' }));
  assert.is(prune(root, { keepHistory: 100 }).historyRemoved, 200);
  assert.not.ok(existsSync(`${path}.lock`));
});

test('nothing to prune, no state dir, no policy: nothing happens and nothing is created', () => {
  const root = tempDir();
  assert.equal(pruneStore(join(root, 'none'), { keepRuns: 1, keepHistory: 1 }), { runsRemoved: 0, runsSpared: 0, historyRemoved: 0 });
  assert.not.ok(existsSync(join(root, 'none')));
  writeRun(root, NOW, 1);
  assert.equal(pruneStore(root, undefined), { runsRemoved: 0, runsSpared: 0, historyRemoved: 0 });
  assert.equal(pruneStore(root, {}).runsRemoved, 0);
});

test.run();
