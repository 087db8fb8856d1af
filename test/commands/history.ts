import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDuration } from '../../src/display/duration.js';
import { ASCII_LEVELS, bar, BLOCKS, sparkline } from '../../src/display/sparkline.js';
import { ndjson, runProg, tempDir, type ProgResult } from '../helpers/prog.js';
import { selfIdentity } from '../../src/store/liveness.js';
import { Chalk } from 'chalk';

const UTC = { TZ: 'UTC' };

/** A history line as prog writes it, for dates and durations a test chooses. */
function line(key: string, id: string, startedAt: string, durationMs: number, status = 'ok', extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: 1, id, key, command: ['sh', '-c', 'work'], cwd: '/tmp', startedAt,
    endedAt: new Date(Date.parse(startedAt) + durationMs).toISOString(), durationMs, status,
    exitCode: status === 'ok' ? 0 : status === 'failed' ? 2 : null, signal: status === 'interrupted' ? 'SIGINT' : null,
    counts: { processed: 3, succeeded: 2, failed: 1, retried: 0, skipped: 0, running: 0 },
    phases: [{ id: 'build', name: 'Build', status: 'ok', durationMs: Math.round(durationMs / 2) }, { id: 'test', name: 'Test', status: 'failed', durationMs: 1500 }],
    ...extra,
  }) + '\n';
}

function out(r: ProgResult): string {
  return r.stdout.toString();
}

async function prog(home: string, args: string[], env: Record<string, string | undefined> = {}): Promise<ProgResult> {
  return runProg(['history', ...args], { home, env: { ...UTC, ...env } });
}

/** Real runs: build ok, ok, failed; then deploy exiting 3 (the most recent). */
async function realRuns(): Promise<string> {
  const home = tempDir();
  for (const cmd of [['true'], ['true'], ['false']]) await runProg(['run', '--format', 'none', '--name', 'build', '--', ...cmd], { home });
  await runProg(['run', '--format', 'none', '--name', 'deploy', '--', 'sh', '-c', 'exit 3'], { home });
  return home;
}

// Durations chosen so that median and p90 are unambiguous, in no particular order.
const WRITTEN = [4200, 900, 15_000, 2500, 600, 73_000, 3100, 1200, 8800, 2000, 5100];

function writtenHome(): string {
  const home = tempDir();
  const text = WRITTEN.map((d, i) => line('stats', `2020010${i < 9 ? i + 1 : 9}-0000${String(i).padStart(2, '0')}-${String(i).padStart(6, '0')}`,
    new Date(Date.UTC(2020, 0, 1, 0, 0, i)).toISOString(), d, i === 3 ? 'failed' : i === 7 ? 'interrupted' : 'ok')).join('');
  writeFileSync(join(home, 'history.ndjson'), text);
  return home;
}

test('the summary: one row per workflow, the most recent first, with runs, last result and success rate', async () => {
  const home = await realRuns();
  const r = await prog(home, []);
  assert.is(r.code, 0);
  assert.is(r.stderr.toString(), '');
  const lines = out(r).trimEnd().split('\n');
  assert.match(lines[0]!, /^workflow\s+runs\s+last\s+took\s+median\s+p90\s+ok\s+recent$/);
  assert.is(lines.length, 3);
  assert.match(lines[1]!, /^deploy\s+1\s+✖ exit 3\s.*\s0%\s+x$/);
  assert.match(lines[2]!, /^build\s+3\s+✖ exit 1\s.*\s67%\s+[▁▂▃▄▅▆▇█]{2}x$/);
});

test('--format json: one workflow object per line, with the statistics as numbers', async () => {
  const home = await realRuns();
  const history = ndjson(readFileSync(join(home, 'history.ndjson')));
  const rows = ndjson(out(await prog(home, ['--format', 'json'])));
  assert.equal(rows.map((w) => w.key), ['deploy', 'build']);
  const build = rows[1] as Record<string, any>;
  const buildTimes = history.filter((h) => h.key === 'build').map((h) => h.durationMs as number);
  assert.equal(Object.keys(build), ['type', 'key', 'runs', 'last', 'medianMs', 'p90Ms', 'successRate', 'recent']);
  assert.is(build.type, 'workflow');
  assert.is(build.runs, 3);
  assert.is(build.successRate, 2 / 3);
  assert.is(build.medianMs, [...buildTimes].sort((a, b) => a - b)[1]);
  assert.is(build.p90Ms, Math.max(...buildTimes));
  assert.equal(build.last, { id: history[2]!.id, startedAt: history[2]!.startedAt, status: 'failed', exitCode: 1, signal: null, durationMs: history[2]!.durationMs });
  assert.equal(build.recent.map((x: any) => x.status), ['ok', 'ok', 'failed']);
});

test('median and p90 of written durations, in JSON and in the table', async () => {
  const home = writtenHome();
  const sorted = [...WRITTEN].sort((a, b) => a - b);
  const expectedMedian = sorted[(sorted.length - 1) / 2]!; // 11 values: the 6th
  const expectedP90 = sorted[Math.ceil(0.9 * sorted.length) - 1]!; // nearest rank: the 10th
  assert.is(expectedMedian, 3100);
  assert.is(expectedP90, 15_000);
  const [row] = ndjson(out(await prog(home, ['-f', 'json']))) as Record<string, any>[];
  assert.is(row!.medianMs, expectedMedian);
  assert.is(row!.p90Ms, expectedP90);
  assert.is(row!.successRate, 9 / 11);
  const text = out(await prog(home, []));
  assert.match(text, new RegExp(`stats\\s+11\\s+✔ exit 0\\s+${formatDuration(5100)}\\s+${formatDuration(expectedMedian)}\\s+${formatDuration(expectedP90)}\\s+82%`));
});

test('one workflow: its runs newest first, with start, duration bar, exit, counts and phases', async () => {
  const home = writtenHome();
  const r = await prog(home, ['stats']);
  assert.is(r.code, 0);
  const lines = out(r).trimEnd().split('\n');
  assert.match(lines[0]!, /^stats  11 runs · median 3\.1s · p90 15s · 82% ok$/);
  assert.match(lines[1]!, /started\s+took\s+result\s+counts\s+peak mem\s+run\s+phases/);
  assert.is(lines.length, 2 + WRITTEN.length);
  const rows = lines.slice(2);
  assert.match(rows[0]!, /2020-01-01 00:00:10\s+5\.1s\s+█+\S*\s+✔ exit 0\s+✔2 ✖1\s+20200109-000010-000010\s+Build 2\.5s, Test ✖ 1\.5s$/);
  assert.match(rows[10]!, /2020-01-01 00:00:00\s+4\.2s/);
  // The longest run has the whole bar; the others are scaled to it.
  const longest = rows.find((l) => l.includes('00:00:05'))!;
  assert.ok(longest.includes('█'.repeat(20)), longest);
  assert.match(rows.find((l) => l.includes('00:00:02'))!, /15s  ████▏ /, '15 s of 73 s: 33 eighths of 160');
  assert.match(rows.find((l) => l.includes('00:00:04'))!, /0\.6s  ▏ /, 'the shortest still shows');
  assert.match(rows.find((l) => l.includes('00:00:03'))!, /✖ exit 2/);
  assert.match(rows.find((l) => l.includes('00:00:07'))!, /⚠ interrupted \(SIGINT\)/);
});

test('--limit, --failed and --since choose the runs; JSON gives the records newest first', async () => {
  const home = writtenHome();
  appendFileSync(join(home, 'history.ndjson'), line('stats', 'recent-one', new Date().toISOString(), 1000));
  const limited = out(await prog(home, ['stats', '--limit', '3'])).trimEnd().split('\n');
  assert.is(limited.length, 2 + 3 + 1);
  assert.match(limited[5]!, /… 9 older runs not shown/);
  const failed = ndjson(out(await prog(home, ['stats', '--failed', '-f', 'json'])));
  assert.equal(failed.map((r) => r.id), ['20200108-000007-000007', '20200104-000003-000003']);
  assert.ok(failed.every((r) => r.type === 'run' && Array.isArray(r.phases) && typeof r.durationMs === 'number'));
  const since = ndjson(out(await prog(home, ['stats', '--since', '7d', '-f', 'json'])));
  assert.equal(since.map((r) => r.id), ['recent-one']);
  const summarySince = ndjson(out(await prog(home, ['--since', '2w', '--format', 'json'])));
  assert.equal(summarySince.map((w) => [w.key, w.runs]), [['stats', 1]]);
  const none = await prog(home, ['--since', '7d', '--failed']);
  assert.is(none.code, 0);
  assert.is(out(none), 'no runs match (since 7d, failed); 12 runs are recorded in all\n');
  assert.match(out(await prog(home, ['stats', '--since', '7d', '--failed'])), /^stats  12 runs · .*\nno runs match \(since 7d, failed\); 12 runs are recorded in all\n$/);
  for (const bad of [['--since', '7'], ['--since', '3y'], ['--limit', '0'], ['--limit', 'x']]) {
    const r = await prog(home, bad);
    assert.is(r.code, 125, bad.join(' '));
    assert.is(out(r), '');
  }
});

test('a run id or a unique prefix names the workflow; the run asked for is marked', async () => {
  const home = await realRuns();
  const history = ndjson(readFileSync(join(home, 'history.ndjson')));
  const firstBuild = history[0]!.id as string;
  const byId = out(await prog(home, [firstBuild]));
  assert.match(byId, /^build  3 runs/);
  assert.match(byId, new RegExp(`▶  \\S+ \\S+\\s+\\S+\\s+\\S*\\s+✔ exit 0\\s+${firstBuild}`));
  assert.match(out(await prog(home, ['dep'])), /^deploy  1 run · /);
  const ambiguous = await prog(home, [firstBuild.slice(0, 4)]);
  assert.is(ambiguous.code, 1);
  assert.match(ambiguous.stderr.toString(), /matches 2 workflows; give more of one:\n  deploy\n  build\n/);
  const missing = await prog(home, ['nothing-like-it']);
  assert.is(missing.code, 1);
  assert.is(out(missing), '');
  assert.match(missing.stderr.toString(), /^prog: no workflow or run matches "nothing-like-it"/);
});

test('torn and damaged lines are skipped and reported once on stderr', async () => {
  const home = writtenHome();
  const path = join(home, 'history.ndjson');
  appendFileSync(path, 'not json at all\n' + JSON.stringify({ id: 'no-start', key: 'stats' }) + '\n' + line('stats', 'torn', '2020-02-01T00:00:00Z', 1).slice(0, 60));
  for (const args of [[], ['stats'], ['-f', 'json']]) {
    const r = await prog(home, args);
    assert.is(r.code, 0);
    assert.is(r.stderr.toString(), `prog: warning: 3 unreadable lines in ${path} were skipped\n`, args.join(' '));
  }
  assert.is(ndjson(out(await prog(home, ['stats', '-f', 'json', '--limit', '100']))).length, WRITTEN.length);
});

test('5,000 runs: the summary covers the newest 1,000 and says so; one workflow shows its newest runs; an old run id is still found', async () => {
  const home = tempDir();
  const at = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
  const id = (i: number) => `${at(i).replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${(0x100000 + i).toString(16)}`;
  let text = line('retired', id(0), at(0), 4000);
  for (let i = 1; i < 5000; i++) text += line(i % 2 === 0 ? 'even' : 'odd', id(i), at(i), 1000 + (i % 10) * 100, i % 10 === 0 ? 'failed' : 'ok');
  writeFileSync(join(home, 'history.ndjson'), text + line('odd', 'torn', at(5000), 1).slice(0, 70));
  const summary = await prog(home, []);
  assert.is(summary.code, 0);
  assert.is(summary.stderr.toString(), `prog: warning: 1 unreadable line in ${join(home, 'history.ndjson')} was skipped\n`);
  const rows = out(summary).trimEnd().split('\n');
  assert.match(rows[1]!, /^odd\s+500\s/);
  assert.match(rows[2]!, /^even\s+500\s/);
  assert.is(rows[3], '(from the newest 1000 runs recorded; --since 52w looks further back, prog history <workflow> shows one workflow\'s runs)');
  const json = ndjson(out(await prog(home, ['--format', 'json'])));
  assert.equal(json.map((w) => [w.key, w.runs, w.window]), [['odd', 500, 1000], ['even', 500, 1000]]);

  const even = out(await prog(home, ['even', '--limit', '3'])).trimEnd().split('\n');
  assert.match(even[0]!, /^even  newest 100 runs · median 1\.4s · p90 1\.8s · 80% ok$/, even[0]);
  assert.is(even.length, 2 + 3 + 1);
  assert.ok(even[2]!.includes(id(4998)) && even[4]!.includes(id(4994)), even.join('\n'));
  assert.is(even[5], '… older runs not shown (--limit 15 shows more)');
  // A run id from the very start of the file: searched for in the whole file.
  const retired = out(await prog(home, [id(0)]));
  assert.match(retired, /^retired  1 run · median 4\.0s/);
  assert.ok(retired.includes('▶'), retired);
});

test('no history yet: a helpful line and exit 0; JSON output stays empty', async () => {
  const home = tempDir();
  const r = await prog(home, []);
  assert.is(r.code, 0);
  assert.is(out(r), `no runs recorded yet in ${home}; run prog run -- <command>\n`);
  writeFileSync(join(home, 'history.ndjson'), '');
  assert.is(out(await prog(home, [])), out(r));
  const json = await prog(home, ['--format', 'json']);
  assert.is(json.code, 0);
  assert.is(out(json), '');
  assert.match(json.stderr.toString(), /no runs recorded yet/);
});

test('--prune --older-than rewrites the file without old records and unreadable lines', async () => {
  const home = writtenHome();
  const path = join(home, 'history.ndjson');
  const recent = line('stats', 'recent-one', new Date().toISOString(), 1000);
  appendFileSync(path, recent + '{"torn":');
  const refused = await prog(home, ['--prune']);
  assert.is(refused.code, 125);
  assert.match(refused.stderr.toString(), /--prune needs --older-than/);
  assert.is((await prog(home, ['--older-than', '90d'])).code, 125);
  assert.is((await prog(home, ['stats', '--prune', '--older-than', '90d'])).code, 125);
  assert.is(readFileSync(path, 'utf8').split('\n').length, WRITTEN.length + 2, 'refusals leave the file alone');

  const r = await prog(home, ['--prune', '--older-than', '90d']);
  assert.is(r.code, 0);
  assert.is(out(r), `removed ${WRITTEN.length} runs older than 90d from ${path}; 1 kept; 1 unreadable line dropped\n`);
  assert.is(readFileSync(path, 'utf8'), recent);
  assert.equal(readdirSync(home).filter((f) => f.includes('tmp')), []);
  const again = ndjson(out(await prog(home, ['--prune', '--older-than', '90d', '--format', 'json'])));
  assert.equal(again.map(({ cutoff: _cutoff, ...rest }) => rest), [{ type: 'prune', path, olderThan: '90d', removed: 0, kept: 1, unreadable: 0 }]);
  assert.is(readFileSync(path, 'utf8'), recent);
  // New runs still append to the pruned file.
  await runProg(['run', '--format', 'none', '--name', 'after', '--', 'true'], { home });
  assert.equal(ndjson(readFileSync(path)).map((h) => h.key), ['stats', 'after']);
});

test('--prune while the automatic compaction holds history.ndjson.lock says so and changes nothing', async () => {
  const home = writtenHome();
  const path = join(home, 'history.ndjson');
  const before = readFileSync(path, 'utf8');
  // The holder is alive (this test's own process): the lock is not stale.
  writeFileSync(`${path}.lock`, JSON.stringify(selfIdentity()));
  const r = await prog(home, ['--prune', '--older-than', '90d']);
  assert.is(r.code, 1);
  assert.match(r.stderr.toString(), /another prog is rewriting .*history\.ndjson right now/);
  assert.is(readFileSync(path, 'utf8'), before);
  assert.ok(existsSync(`${path}.lock`), "another prog's lock is not taken away");
});

test('prune of a missing history removes nothing and creates nothing', async () => {
  const home = tempDir();
  const r = await prog(home, ['--prune', '--older-than', '1w']);
  assert.is(r.code, 0);
  assert.match(out(r), /^nothing older than 1w in /);
  assert.not.ok(existsSync(join(home, 'history.ndjson')));
});

test('a hostile key, id or phase name is printed escaped, never as terminal escapes', async () => {
  const home = tempDir();
  const hostile = 'evil\x1b]0;pwned\x07\x1b[2J\u202e';
  await runProg(['run', '--format', 'none', '--name', hostile, '--', 'true'], { home });
  appendFileSync(join(home, 'history.ndjson'), line(hostile, 'id\x1b[31m', '2020-01-01T00:00:00Z', 5, 'failed', {
    phases: [{ id: 'p', name: 'ph\x1b[1mase', status: 'ok', durationMs: 1 }], signal: null,
  }));
  for (const args of [[], [hostile], ['evil']]) {
    const r = await prog(home, args, { FORCE_COLOR: '0' });
    assert.is(r.code, 0, args.join(' '));
    const text = out(r);
    assert.not.ok(/[\x1b\x07\u202e]/.test(text), JSON.stringify(text));
    assert.ok(text.includes('evil\\x1b]0;pwned\\x07\\x1b[2J\\u202e'), text);
  }
  const detail = out(await prog(home, [hostile]));
  assert.ok(detail.includes('id\\x1b[31m') && detail.includes('ph\\x1b[1mase'), detail);
  const json = ndjson(out(await prog(home, ['-f', 'json'])));
  assert.is(json[0]!.key, hostile, 'JSON carries the key exactly (JSON escapes it)');
});

test('colour by outcome only when stdout takes colour; ASCII under a non-empty NO_COLOR and TERM=dumb', async () => {
  const home = writtenHome();
  const coloured = out(await prog(home, [], { FORCE_COLOR: '1' }));
  assert.match(coloured, /\x1b\[32m[▁▂▃▄▅▆▇█]\x1b\[39m/);
  assert.match(coloured, /\x1b\[31m[▁▂▃▄▅▆▇█]\x1b\[39m/);
  assert.match(coloured, /\x1b\[33m[▁▂▃▄▅▆▇█]\x1b\[39m/);
  const plain = out(await prog(home, []));
  assert.not.ok(plain.includes('\x1b'));
  assert.match(plain, /stats .* [▁▂▃▄▅▆▇█]{3}x[▁▂▃▄▅▆▇█]{3}![▁▂▃▄▅▆▇█]{3}\n$/);
  for (const env of [{ NO_COLOR: '1' }, { TERM: 'dumb' }]) {
    const ascii = out(await prog(home, [], env));
    assert.not.ok(/[\x1b▁▂▃▄▅▆▇█✔✖]/.test(ascii), ascii);
    assert.match(ascii, /stats\s+11\s+exit 0 .* [_.=#-]{3}x[_.=#-]{3}![_.=#-]{3}\n$/);
    assert.match(out(await prog(home, ['stats'], env)), /#{20}/);
  }
});

test('sparkline and bar: heights against the longest, glyphs for outcomes without colour', () => {
  const points = [{ durationMs: 0, status: 'ok' as const }, { durationMs: 50, status: 'ok' as const }, { durationMs: 100, status: 'ok' as const }, { durationMs: 100, status: 'failed' as const }];
  assert.is(sparkline(points, { ascii: false }), `${BLOCKS[0]}${BLOCKS[3]}${BLOCKS[7]}x`);
  assert.is(sparkline(points, { ascii: true }), `${ASCII_LEVELS[0]}${ASCII_LEVELS[2]}${ASCII_LEVELS[4]}x`);
  const c = new Chalk({ level: 1 });
  assert.is(sparkline(points.slice(2), { ascii: false, chalk: c }), `${c.green('█')}${c.red('█')}`);
  assert.is(sparkline([{ status: 'interrupted' }], { ascii: false }), '!');
  assert.is(sparkline([], { ascii: false }), '');
  assert.is(bar(10, 10, 20, false), '█'.repeat(20));
  assert.is(bar(5, 10, 4, false), '██');
  assert.is(bar(1, 1000, 20, false), '▏', 'a run never vanishes from the scale');
  assert.is(bar(5, 10, 20, true), '#'.repeat(10));
  assert.is(bar(0, 10, 20, false), '');
});

test.run();
