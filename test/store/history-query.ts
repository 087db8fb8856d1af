import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  durations, filterRuns, groupByKey, median, parseAge, percentile, pruneLines, resolveTarget, successRate, toHistoryRuns, workflowStats,
} from '../../src/store/history-query.js';

function rec(key: string, id: string, startedAt: string, durationMs: number, status = 'ok', extra: Record<string, unknown> = {}) {
  return { version: 1, id, key, command: ['x'], cwd: '/', startedAt, durationMs, status, exitCode: status === 'ok' ? 0 : 1, signal: null, ...extra };
}

test('median: the middle value, or the mean of the two middle ones', () => {
  assert.is(median([]), undefined);
  assert.is(median([7]), 7);
  assert.is(median([5, 1, 3]), 3);
  assert.is(median([4, 1, 3, 2]), 2.5);
});

test('p90 is the nearest rank: the smallest value with 90 % at or below it', () => {
  const oneToTen = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  assert.is(percentile(oneToTen, 90), 9);
  assert.is(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 90), 18);
  assert.is(percentile([42], 90), 42);
  assert.is(percentile([1, 100], 90), 100);
  assert.is(percentile([], 90), undefined);
});

test('records missing what history needs are counted, not kept; old records without a key get one', () => {
  const { runs, invalid } = toHistoryRuns([
    rec('a', '1', '2024-01-01T00:00:00Z', 10),
    { id: '2', startedAt: 'yesterday', status: 'ok', key: 'a' },
    { id: '3', startedAt: '2024-01-01T00:00:00Z', status: 'running', key: 'a' },
    { startedAt: '2024-01-01T00:00:00Z', status: 'ok', key: 'a' },
    { version: 1, id: '4', command: ['make', '-j8'], cwd: '/src', startedAt: '2024-01-02T00:00:00Z', status: 'ok', exitCode: 0, signal: null },
  ]);
  assert.is(invalid, 3);
  assert.equal(runs.map((r) => r.key), ['a', 'make -j8 @ /src']);
});

test('workflows group by key, the one with the most recent run first; runs inside oldest first', () => {
  const { runs } = toHistoryRuns([
    rec('a', 'a1', '2024-01-01T00:00:00Z', 10),
    rec('b', 'b1', '2024-01-02T00:00:00Z', 10),
    rec('a', 'a2', '2024-01-03T00:00:00Z', 10),
    rec('c', 'c1', '2023-12-01T00:00:00Z', 10),
    rec('a', 'a0', '2023-01-01T00:00:00Z', 10),
  ]);
  const groups = groupByKey(runs);
  assert.equal(groups.map((g) => g.key), ['a', 'b', 'c']);
  assert.equal(groups[0]!.runs.map((r) => r.id), ['a0', 'a1', 'a2']);
  assert.is(groups[0]!.last.id, 'a2');
});

test('statistics: success rate over all runs, durations without runs that never started', () => {
  const { runs } = toHistoryRuns([
    rec('w', '1', '2024-01-01T00:00:01Z', 100),
    rec('w', '2', '2024-01-01T00:00:02Z', 300, 'failed'),
    rec('w', '3', '2024-01-01T00:00:03Z', 200, 'interrupted'),
    rec('w', '4', '2024-01-01T00:00:04Z', 0, 'spawn-failed'),
  ]);
  assert.is(successRate(runs), 0.25);
  assert.equal(durations(runs), [100, 300, 200]);
  const stats = workflowStats(groupByKey(runs)[0]!, 2);
  assert.is(stats.runs, 4);
  assert.is(stats.medianMs, 200);
  assert.is(stats.p90Ms, 300);
  assert.equal(stats.recent.map((r) => r.id), ['3', '4']);
});

test('filters: since a time, and only runs that did not end ok', () => {
  const { runs } = toHistoryRuns([
    rec('w', 'old', '2024-01-01T00:00:00Z', 1, 'failed'),
    rec('w', 'new-ok', '2024-02-01T00:00:00Z', 1),
    rec('w', 'new-int', '2024-02-02T00:00:00Z', 1, 'interrupted'),
  ]);
  const since = Date.parse('2024-01-15T00:00:00Z');
  assert.equal(filterRuns(runs, { sinceMs: since }).map((r) => r.id), ['new-ok', 'new-int']);
  assert.equal(filterRuns(runs, { failedOnly: true }).map((r) => r.id), ['old', 'new-int']);
  assert.equal(filterRuns(runs, { sinceMs: since, failedOnly: true }).map((r) => r.id), ['new-int']);
});

test('ages: a number and s, m, h, d or w', () => {
  assert.is(parseAge('30s'), 30_000);
  assert.is(parseAge('5m'), 300_000);
  assert.is(parseAge('12h'), 43_200_000);
  assert.is(parseAge('7d'), 604_800_000);
  assert.is(parseAge('2w'), 1_209_600_000);
  assert.is(parseAge('1.5h'), 5_400_000);
  for (const bad of ['', '7', 'd', '7y', '-1d', '7 days', '1e3d']) assert.is(parseAge(bad), undefined, bad);
});

test('targets: a key exactly, a run id, or a prefix that leads to one workflow', () => {
  const { runs } = toHistoryRuns([
    rec('nightly', '20240101-000000-aaaaaa', '2024-01-01T00:00:00Z', 1),
    rec('nightly', '20240102-000000-bbbbbb', '2024-01-02T00:00:00Z', 1),
    rec('nightly-arm', '20240103-000000-cccccc', '2024-01-03T00:00:00Z', 1),
    rec('deploy', '20240104-000000-dddddd', '2024-01-04T00:00:00Z', 1),
  ]);
  assert.equal(resolveTarget(runs, 'nightly'), { kind: 'found', key: 'nightly' }, 'exact key wins over being a prefix');
  assert.equal(resolveTarget(runs, '20240103-000000-cccccc'), { kind: 'found', key: 'nightly-arm', runId: '20240103-000000-cccccc' });
  assert.equal(resolveTarget(runs, 'dep'), { kind: 'found', key: 'deploy' });
  assert.equal(resolveTarget(runs, '20240104'), { kind: 'found', key: 'deploy', runId: '20240104-000000-dddddd' });
  assert.equal(resolveTarget(runs, 'night'), { kind: 'ambiguous', keys: ['nightly-arm', 'nightly'] });
  assert.equal(resolveTarget(runs, '2024010'), { kind: 'ambiguous', keys: ['deploy', 'nightly-arm', 'nightly'] });
  assert.equal(resolveTarget(runs, 'zzz'), { kind: 'none' });
  assert.equal(resolveTarget(runs, ''), { kind: 'none' });
});

test('prune keeps recent lines byte for byte and lines of unknown age; drops old and unreadable ones', () => {
  const recent = JSON.stringify(rec('w', 'new', '2024-06-01T00:00:00Z', 5)).replace('{', '{ ');
  const noDate = JSON.stringify({ id: 'x', key: 'w' });
  const text = [
    JSON.stringify(rec('w', 'old1', '2023-01-01T00:00:00Z', 5)),
    recent,
    '',
    '{"id":"torn-in-the-mid',
    JSON.stringify(rec('w', 'old2', '2023-02-01T00:00:00Z', 5)),
    noDate,
    '12',
    '{"id":"torn-at-the-end","key":"w","start',
  ].join('\n');
  const result = pruneLines(text, Date.parse('2024-01-01T00:00:00Z'));
  assert.equal(result, { kept: [recent, noDate], removed: 2, unreadable: 3 });
});

test.run();
