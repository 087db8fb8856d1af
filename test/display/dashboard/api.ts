// The dashboard's JSON API (docs/dashboard.md, API) over real runs recorded by `prog run`: the runs
// list and its filters, /api/progress (the same Snapshot as --format json), /api/logs and each of
// its filters, /api/timeline (retries as a new bar), /api/series, /api/history, and the raw logs
// byte for byte. One dashboard serves the file's state dir, with one run still going (detached).
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killHome, startDashboard, until, type Dashboard } from '../../helpers/dashboard.js';
import { ndjson, runProg, tempDir } from '../../helpers/prog.js';
import { child, marker, type Step } from '../../helpers/runs.js';

let d: Dashboard;
let home = '';
let goFile = '';
/** The runs in the order they were made. */
const ids: Record<'alpha1' | 'beta' | 'alpha2' | 'bytes' | 'json' | 'live', string> = { alpha1: '', beta: '', alpha2: '', bytes: '', json: '', live: '' };
/** The final `snapshot` and the `summary` of the --format json run. */
let jsonSnapshot: Record<string, any> = {};
let jsonSummary: Record<string, any> = {};

/** What the bytes run writes: invalid UTF-8, colour and other escapes, NUL, CR redraws, CRLF, no last newline. */
const STDOUT_BYTES = Buffer.concat([
  Buffer.from('ascii line\n\x1b[31mred\x1b[0m and \x1b]8;;http://x\x07link\x1b]8;;\x07\n'),
  Buffer.from([0xff, 0xfe, 0x41, 0xc3, 0x28, 0x0a, 0x00, 0x01, 0x0a]),
  Buffer.from('50%\r75%\r100%\nwindows\r\nhalf a char: '),
  Buffer.from([0xe2, 0x82]),
  Buffer.from('\nno newline at the end'),
]);
const STDERR_BYTES = Buffer.concat([Buffer.from('err \x1b[2J\u009b31m\u202e\n'), Buffer.from([0x80, 0x81, 0x0a])]);

const m = (fields: Record<string, unknown>): Step => ({ o: marker(fields) });

/** Runs `prog run --format none` on scripted steps; returns the new run's id. */
async function recorded(steps: Step[], expectCode = 0, extra: string[] = []): Promise<string> {
  const before = new Set(existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : []);
  const r = await runProg(['run', '--format', 'none', ...extra, '--', ...child(steps)], { home });
  assert.is(r.code, expectCode, r.stderr.toString());
  const made = readdirSync(join(home, 'runs')).filter((id) => !before.has(id));
  assert.is(made.length, 1);
  return made[0]!;
}

test.before(async () => {
  home = tempDir('prog-dash-api-');
  goFile = join(tempDir(), 'go');
  try {
    await makeRuns();
  } catch (error) {
    // uvu skips test.after when test.before fails: end the background run and the dashboard here.
    writeFileSync(goFile, '');
    await killHome(home);
    throw error;
  }
});

async function makeRuns(): Promise<void> {
  ids.alpha1 = await recorded([
    m({ type: 'workflow', name: 'alpha' }),
    m({ type: 'phase', id: 'build', name: 'Build it', total: 3 }),
    m({ type: 'item.start', phase: 'build', id: 'a', agent: 'w1' }),
    { o: 'compiling a\n' },
    m({ type: 'log', level: 'debug', source: 's1', message: 'debug msg one' }),
    m({ type: 'item.done', phase: 'build', id: 'a', agent: 'w1' }),
    m({ type: 'item.start', phase: 'build', id: 'b', agent: 'w2' }),
    { e: 'warning: b is slow\n' },
    m({ type: 'log', level: 'info', source: 's1', message: 'info MSG two' }),
    m({ type: 'item.fail', phase: 'build', id: 'b', agent: 'w2', error: 'flaky', retry: 1, maxRetries: 2 }),
    { logged: true },
    m({ type: 'item.start', phase: 'build', id: 'b', agent: 'w2' }),
    m({ type: 'log', level: 'notice', source: 's2', message: 'notice three' }),
    m({ type: 'item.done', phase: 'build', id: 'b', agent: 'w2' }),
    { o: 'compiling c\n' },
    m({ type: 'item.start', phase: 'build', id: 'c', agent: 'w1' }),
    m({ type: 'log', level: 'warn', source: 's2', message: 'warn msg four' }),
    { e: 'stderr two\n' },
    m({ type: 'item.done', phase: 'build', id: 'c', agent: 'w1' }),
    m({ type: 'log', level: 'error', source: 's1', message: 'error five' }),
    m({ type: 'phase.end', id: 'build', status: 'ok' }),
    { o: 'all done\n' },
  ]);
  ids.beta = await recorded([
    m({ type: 'workflow', name: 'beta' }),
    m({ type: 'phase', id: 'test', total: 3 }),
    m({ type: 'item.start', phase: 'test', id: 'x', agent: 'w1' }),
    m({ type: 'item.done', phase: 'test', id: 'x', agent: 'w1' }),
    m({ type: 'item.start', phase: 'test', id: 'y', agent: 'w1' }),
    { o: 'y went wrong\n' },
    m({ type: 'item.fail', phase: 'test', id: 'y', agent: 'w1', error: 'boom' }),
    m({ type: 'item.skip', phase: 'test', id: 'z' }),
    // No phase.end: the phase ends with the run.
    { exit: 1 },
  ], 1);
  ids.alpha2 = await recorded([
    m({ type: 'workflow', name: 'alpha' }),
    m({ type: 'phase', id: 'build', name: 'Build it', total: 1 }),
    m({ type: 'item.start', phase: 'build', id: 'a' }),
    m({ type: 'item.done', phase: 'build', id: 'a' }),
    m({ type: 'phase.end', id: 'build', status: 'ok' }),
  ]);
  ids.bytes = await recorded([{ ob: STDOUT_BYTES.toString('base64') }, { eb: STDERR_BYTES.toString('base64') }]);
  // The same kind of run with --format json: its last snapshot is what /api/progress must give.
  const before = new Set(readdirSync(join(home, 'runs')));
  const json = await runProg(['run', '--format', 'json', '--', ...child([
    m({ type: 'workflow', name: 'jsonflow' }),
    m({ type: 'phase', id: 'p1', total: 4 }),
    m({ type: 'phase', id: 'p2' }),
    m({ type: 'item.start', phase: 'p1', id: 'i1', agent: 'ag' }),
    m({ type: 'item.done', phase: 'p1', id: 'i1', agent: 'ag' }),
    m({ type: 'item.start', phase: 'p1', id: 'i2', agent: 'ag' }),
    m({ type: 'item.fail', phase: 'p1', id: 'i2', agent: 'ag', error: 'nope' }),
    m({ type: 'log', level: 'warn', source: 'ag', message: 'careful' }),
    m({ type: 'progress', phase: 'p2', current: 2, total: 5 }),
    m({ type: 'step', phase: 'p2', name: 'lint', index: 1, total: 2 }),
    m({ type: 'item.start', phase: 'p2', id: 'open', agent: 'ag2' }),
  ])], { home });
  assert.is(json.code, 0, json.stderr.toString());
  ids.json = readdirSync(join(home, 'runs')).find((id) => !before.has(id))!;
  const snapshots = ndjson(json.stdout).filter((e) => e.type === 'snapshot');
  jsonSnapshot = snapshots.at(-1)!;
  jsonSummary = ndjson(json.stdout).at(-1)!;
  assert.is(jsonSummary.type, 'summary');
  // Still running while the tests look: it waits for the go-ahead.
  const live = await runProg(['run', '--detach', '--', ...child([
    m({ type: 'workflow', name: 'gamma' }),
    m({ type: 'phase', id: 'wait', total: 2 }),
    m({ type: 'item.start', phase: 'wait', id: 'w', agent: 'a' }),
    { until: goFile },
    m({ type: 'item.done', phase: 'wait', id: 'w', agent: 'a' }),
  ])], { home });
  assert.is(live.code, 0, live.stderr.toString());
  ids.live = live.stdout.toString().trim();
  d = await startDashboard({ home });
  await until(async () => {
    const runs = (await d.api('/api/runs')).runs as any[];
    const run = runs.find((r) => r.id === ids.live);
    return (run?.state === 'running' && run.workflow === 'gamma' && run.counts?.running === 1) || JSON.stringify(run);
  }, 20_000, 'the detached run to be listed as running, with its workflow and its item under way');
}

test.after(async () => {
  try {
    if (goFile) writeFileSync(goFile, '');
    if (d) {
      await until(async () => (await d.api(`/api/progress?run=${ids.live}`)).run.state === 'succeeded', 20_000, 'the detached run to end');
      const end = await d.stop();
      assert.is(end.code, 0, d.stderr());
    }
  } finally {
    if (home) await killHome(home);
  }
});

async function refused(path: string, status: number, mention: RegExp): Promise<void> {
  const r = await d.get(path, { bearer: true });
  assert.is(r.status, status, `${path}: ${r.status} ${r.text}`);
  assert.is(r.headers['content-type'], 'application/json; charset=utf-8');
  const body = JSON.parse(r.text);
  assert.is(body.version, 1);
  assert.type(body.error, 'string');
  assert.match(body.error, mention, path);
}

// --- /api/runs -------------------------------------------------------------------------

test('/api/runs: every run, newest first, with its state, counts and success rate', async () => {
  const { version, runs } = await d.api('/api/runs');
  assert.is(version, 1);
  assert.equal(runs.map((r: any) => r.id), [ids.live, ids.json, ids.bytes, ids.alpha2, ids.beta, ids.alpha1]);
  const by = Object.fromEntries(runs.map((r: any) => [r.id, r]));
  const a1 = by[ids.alpha1];
  assert.equal([a1.state, a1.workflow, a1.key, a1.exitCode, a1.signal], ['succeeded', 'alpha', 'alpha', 0, null]);
  assert.equal(a1.counts, { processed: 3, succeeded: 3, failed: 0, retried: 1, skipped: 0, running: 0 });
  assert.is(a1.successRate, 1);
  assert.type(a1.durationMs, 'number');
  assert.is(a1.etaMs, undefined, 'a finished run has a duration, no ETA');
  assert.equal(a1.command.slice(0, 2), [process.execPath, child([])[1]]);
  assert.type(a1.startedAt, 'string');
  assert.ok(Date.parse(a1.startedAt) > 0);
  const b = by[ids.beta];
  assert.equal([b.state, b.workflow, b.exitCode], ['failed', 'beta', 1]);
  assert.is(b.counts.succeeded, 1);
  assert.is(b.counts.failed, 1);
  assert.is(b.counts.skipped, 1);
  assert.is(b.successRate, 0.5);
  assert.is(by[ids.bytes].successRate, undefined, 'no success rate before any item ended');
  const live = by[ids.live];
  assert.equal([live.state, live.workflow, live.exitCode, live.durationMs], ['running', 'gamma', null, undefined]);
  assert.is(live.counts.running, 1);
  assert.type(live.elapsedMs, 'number');
  // Times of the list agree with the starts.
  for (let i = 1; i < runs.length; i++) assert.ok(Date.parse(runs[i - 1].startedAt) >= Date.parse(runs[i].startedAt), 'newest first');
});

test('/api/runs: state=, workflow= and limit= filter; bad values are a 400 that says which', async () => {
  const all = (await d.api('/api/runs')).runs as any[];
  const list = async (query: string) => ((await d.api(`/api/runs?${query}`)).runs as any[]).map((r) => r.id);
  assert.equal(await list('state=running'), [ids.live]);
  assert.equal(await list('state=failed'), [ids.beta]);
  assert.equal(await list('state=running,failed'), [ids.live, ids.beta]);
  assert.equal(await list('state=succeeded'), all.filter((r) => r.state === 'succeeded').map((r) => r.id));
  assert.is((await list('state=succeeded')).length, 4);
  assert.equal(await list('state=interrupted,lost'), []);
  assert.equal(await list('workflow=alpha'), [ids.alpha2, ids.alpha1]);
  assert.equal(await list('workflow=gamma'), [ids.live]);
  const bytesKey = all.find((r) => r.id === ids.bytes).key as string;
  assert.equal(await list(`workflow=${encodeURIComponent(bytesKey)}`), [ids.bytes], 'by key');
  assert.equal(await list('workflow=nothing-like-it'), []);
  assert.equal(await list('workflow=alpha&state=failed'), []);
  assert.equal(await list('limit=2'), all.slice(0, 2).map((r) => r.id));
  assert.equal(await list('limit=0'), []);
  assert.equal(await list('limit=1000'), all.map((r) => r.id));
  await refused('/api/runs?state=done', 400, /state/);
  await refused('/api/runs?state=running,bogus', 400, /state/);
  for (const limit of ['abc', '-1', '1001', '1.5', '1e3', '']) await refused(`/api/runs?limit=${limit}`, 400, /limit/);
});

// --- /api/progress ----------------------------------------------------------------------

test('/api/progress: the run as listed, its Snapshot as --format json gives it, and the feed position', async () => {
  const p = await d.api(`/api/progress?run=${ids.json}`);
  assert.equal(Object.keys(p).sort(), ['at', 'failures', 'failuresOmitted', 'run', 'snapshot', 'version']);
  // The failures as the summary of --format json gives them: error and output context.
  assert.equal(p.failures, jsonSummary.failures);
  assert.equal([p.failuresOmitted, jsonSummary.failuresOmitted], [0, 0]);
  assert.equal(p.failures.map((f: any) => [f.phase, f.id, f.agent, f.error]), [['p1', 'i2', 'ag', 'nope']]);
  assert.type(p.at, 'number');
  assert.ok(p.at > 0);
  const listed = (await d.api('/api/runs')).runs.find((r: any) => r.id === ids.json);
  assert.equal(p.run, listed);
  const { version: _v, ...fromJson } = jsonSnapshot;
  const snap = p.snapshot;
  // The same object: the same keys, at the top and in each phase and agent, and the same values.
  assert.equal(Object.keys(snap).sort(), Object.keys(fromJson).sort());
  assert.equal(snap.phases.map((ph: any) => Object.keys(ph).sort()), fromJson.phases.map((ph: any) => Object.keys(ph).sort()));
  assert.equal(snap.agents.map((a: any) => Object.keys(a).sort()), fromJson.agents.map((a: any) => Object.keys(a).sort()));
  for (const key of ['type', 'status', 'workflow', 'counts', 'percent', 'phases', 'agents', 'invalidMarkers', 'recentLogs']) {
    assert.equal(snap[key], fromJson[key], key);
  }
  assert.is(snap.type, 'snapshot');
  assert.is(snap.counts.failed, 1);
  // The position is the one /api/logs and /api/timeline give for a finished run.
  assert.is((await d.api(`/api/logs?run=${ids.json}`)).at, p.at);
  assert.is((await d.api(`/api/timeline?run=${ids.json}`)).at, p.at);
  // A running run's too.
  const live = await d.api(`/api/progress?run=${ids.live}`);
  assert.equal([live.snapshot.status, live.snapshot.workflow, live.snapshot.counts.running], ['running', 'gamma', 1]);
  assert.is(live.run.state, 'running');
  await refused('/api/progress', 400, /run/);
  await refused('/api/progress?run=../../etc', 400, /run/);
  await refused(`/api/progress?run=${'x'.repeat(65)}`, 400, /run/);
  await refused('/api/progress?run=20200101-000000-abcdef', 404, /20200101-000000-abcdef/);
});

// --- /api/logs --------------------------------------------------------------------------

const LEVELS = ['debug', 'info', 'notice', 'warn', 'error'];

test('/api/logs: the command\'s lines and the log lines, in order, with n, kind, stream, level, source, phase', async () => {
  const { version, at, first, dropped, lines } = await d.api(`/api/logs?run=${ids.alpha1}`);
  assert.is(version, 1);
  assert.is(dropped, 0, 'a short run: every line held');
  const ns = lines.map((l: any) => l.n);
  assert.equal(ns, [...ns].sort((a: number, b: number) => a - b), 'in feed order');
  assert.is(new Set(ns).size, ns.length, 'each n once');
  assert.ok(ns.at(-1) <= at);
  assert.is(first, ns[0]);
  const stdout = lines.filter((l: any) => l.kind === 'output' && l.stream === 'stdout').map((l: any) => l.text);
  assert.equal(stdout, ['compiling a', 'compiling c', 'all done'], 'markers are not output lines');
  assert.equal(lines.filter((l: any) => l.stream === 'stderr').map((l: any) => l.text), ['warning: b is slow', 'stderr two']);
  const logs = lines.filter((l: any) => l.kind === 'log');
  assert.equal(logs.map((l: any) => [l.level, l.source, l.text]), [
    ['debug', 's1', 'debug msg one'], ['info', 's1', 'info MSG two'], ['notice', 's2', 'notice three'], ['warn', 's2', 'warn msg four'], ['error', 's1', 'error five'],
  ]);
  for (const l of lines) {
    assert.type(l.t, 'number');
    if (l.kind === 'output') assert.is(l.level, undefined);
    else assert.is(l.stream, undefined);
  }
});

test('/api/logs: level, source, stream, text, since and limit each narrow as documented, and combine', async () => {
  const all = (await d.api(`/api/logs?run=${ids.alpha1}`)).lines as any[];
  const ask = async (query: string) => (await d.api(`/api/logs?run=${ids.alpha1}&${query}`)).lines as any[];
  const check = async (query: string, keep: (l: any) => boolean) => {
    const want = all.filter(keep);
    assert.ok(want.length > 0 && want.length < all.length, `${query}: a filter that narrows (${want.length} of ${all.length})`);
    assert.equal(await ask(query), want, query);
  };
  for (const level of LEVELS.slice(1)) await check(`level=${level}`, (l) => l.kind === 'log' && LEVELS.indexOf(l.level) >= LEVELS.indexOf(level));
  assert.equal(await ask('level=debug'), all.filter((l) => l.kind === 'log'), 'output lines have no level');
  await check('source=s2', (l) => l.source === 's2');
  await check('stream=stdout', (l) => l.stream === 'stdout');
  await check('stream=stderr', (l) => l.stream === 'stderr');
  await check('stream=log', (l) => l.kind === 'log');
  await check('text=msg', (l) => l.text.toLowerCase().includes('msg'));
  await check('text=COMPILING', (l) => l.text.toLowerCase().includes('compiling'));
  const mid = all[4].n;
  await check(`since=${mid}`, (l) => l.n > mid);
  await check('limit=3', (l) => all.indexOf(l) >= all.length - 3);
  await check('level=warn&source=s2', (l) => l.level === 'warn' && l.source === 's2');
  await check(`stream=log&since=${mid}&limit=1`, (l) => l === all.filter((x) => x.kind === 'log').at(-1));
  assert.equal(await ask('limit=0'), []);
  assert.equal(await ask('source=nobody'), []);
  assert.equal(await ask('text='), all, 'an empty text keeps everything');
  assert.equal(await ask(`since=${all.at(-1).n}`), []);
  await refused(`/api/logs?run=${ids.alpha1}&level=loud`, 400, /level/);
  await refused(`/api/logs?run=${ids.alpha1}&stream=stdin`, 400, /stream/);
  await refused(`/api/logs?run=${ids.alpha1}&limit=5001`, 400, /limit/);
  await refused(`/api/logs?run=${ids.alpha1}&limit=-1`, 400, /limit/);
  await refused(`/api/logs?run=${ids.alpha1}&since=x`, 400, /since/);
  await refused('/api/logs', 400, /run/);
  await refused('/api/logs?run=20200101-000000-abcdef', 404, /no run/);
});

// --- /api/timeline ----------------------------------------------------------------------

test('/api/timeline: phases with start and end; items as [phase, id, agent, startMs, endMs, outcome], a retry a new bar', async () => {
  const t = await d.api(`/api/timeline?run=${ids.alpha1}`);
  assert.equal(Object.keys(t).sort(), ['at', 'items', 'omitted', 'phases', 'version']);
  assert.is(t.omitted, 0);
  assert.is(t.phases.length, 1);
  const phase = t.phases[0];
  assert.equal([phase.id, phase.name, phase.parent, phase.status], ['build', 'Build it', null, 'ok']);
  assert.type(phase.startMs, 'number');
  assert.type(phase.endMs, 'number');
  assert.ok(phase.endMs >= phase.startMs);
  assert.equal(t.items.map((i: any[]) => [i[0], i[1], i[2], i[5]]), [
    ['build', 'a', 'w1', 'done'], ['build', 'b', 'w2', 'retrying'], ['build', 'b', 'w2', 'done'], ['build', 'c', 'w1', 'done'],
  ]);
  for (const item of t.items) {
    assert.is(item.length, 6);
    assert.type(item[3], 'number');
    assert.type(item[4], 'number');
    assert.ok(item[4] >= item[3], JSON.stringify(item));
  }
  // The second attempt starts when the first has ended.
  assert.ok(t.items[2][3] >= t.items[1][4]);
  const beta = await d.api(`/api/timeline?run=${ids.beta}`);
  assert.equal(beta.items.map((i: any[]) => [i[0], i[1], i[2], i[5]]), [['test', 'x', 'w1', 'done'], ['test', 'y', 'w1', 'failed'], ['test', 'z', null, 'skipped']]);
  const live = await d.api(`/api/timeline?run=${ids.live}`);
  assert.equal(live.items.map((i: any[]) => [i[1], i[4], i[5]]), [['w', null, 'running']]);
  assert.equal(live.phases.map((p: any) => [p.id, p.endMs, p.status]), [['wait', null, 'running']]);
  await refused('/api/timeline?run=20200101-000000-abcdef', 404, /no run/);
});

test('/api/timeline: a finished run\'s phases have ended, with the status its snapshot gives, also without a phase.end marker', async () => {
  for (const id of [ids.beta, ids.json]) {
    const t = await d.api(`/api/timeline?run=${id}`);
    const { snapshot } = await d.api(`/api/progress?run=${id}`);
    assert.equal(
      t.phases.map((p: any) => [p.id, p.status, p.endMs === null ? 'no end' : 'ended']),
      snapshot.phases.map((p: any) => [p.id, p.status, 'ended']),
      `run ${id}: the timeline's phases against the snapshot's`,
    );
  }
});

// --- /api/series ------------------------------------------------------------------------

test('/api/series: columns of equal length, t in order, processed up to the final count', async () => {
  for (const id of [ids.alpha1, ids.beta, ids.json, ids.live]) {
    const s = await d.api(`/api/series?run=${id}`);
    const columns = ['t', 'percent', 'processed', 'rate', 'cpuPercent', 'rssBytes', 'diskDeltaBytes'];
    assert.equal(Object.keys(s).sort(), ['at', 'version', ...columns].sort());
    const lengths = columns.map((c) => s[c].length);
    assert.ok(lengths.every((n) => n === lengths[0]), `${id}: lengths ${lengths}`);
    for (let i = 1; i < s.t.length; i++) assert.ok(s.t[i] > s.t[i - 1], `${id}: t in order`);
    for (const c of columns) for (const v of s[c]) assert.ok(v === null || typeof v === 'number', `${id}: ${c} holds ${v}`);
    if (id === ids.live) continue;
    assert.ok(s.t.length >= 1, `${id}: a point at least at the end`);
    const { snapshot } = await d.api(`/api/progress?run=${id}`);
    assert.is(s.processed.at(-1), snapshot.counts.processed, `${id}: the last point is the end`);
  }
});

// --- /api/history -----------------------------------------------------------------------

test('/api/history: each workflow with its runs, p50/p90 and success rate; ?workflow= gives its runs, oldest first', async () => {
  const { version, workflows } = await d.api('/api/history');
  assert.is(version, 1);
  const alpha = workflows.find((w: any) => w.name === 'alpha');
  assert.ok(alpha, JSON.stringify(workflows));
  assert.equal([alpha.key, alpha.runs, alpha.successRate], ['alpha', 2, 1]);
  assert.type(alpha.p50Ms, 'number');
  assert.type(alpha.p90Ms, 'number');
  assert.ok(alpha.p90Ms >= alpha.p50Ms);
  assert.type(alpha.lastStartedAt, 'string');
  const beta = workflows.find((w: any) => w.name === 'beta');
  assert.equal([beta.runs, beta.successRate], [1, 0]);
  assert.not.ok(workflows.some((w: any) => w.name === 'gamma'), 'a running run is not in history yet');
  const one = await d.api('/api/history?workflow=alpha');
  assert.equal(one.workflow, alpha);
  assert.equal(one.runs.map((r: any) => r.id), [ids.alpha1, ids.alpha2]);
  const first = one.runs[0];
  assert.equal([first.status, first.exitCode], ['ok', 0]);
  assert.type(first.durationMs, 'number');
  assert.equal(first.counts, { processed: 3, succeeded: 3, failed: 0, retried: 1, skipped: 0, running: 0 });
  assert.equal(first.phases.map((p: any) => [p.id, p.name, p.status]), [['build', 'Build it', 'ok']]);
  assert.is((await d.api(`/api/history?workflow=${encodeURIComponent(alpha.key)}`)).runs.length, 2, 'by key');
  const failed = await d.api('/api/history?workflow=beta');
  assert.equal(failed.runs.map((r: any) => [r.id, r.status, r.exitCode]), [[ids.beta, 'failed', 1]]);
  await refused('/api/history?workflow=no-such-flow', 404, /no-such-flow/);
});

// --- the raw logs -----------------------------------------------------------------------

test('/raw/ID/stdout.log and stderr.log: the bytes the command wrote, exactly, as text/plain', async () => {
  const out = await d.get(`/raw/${ids.bytes}/stdout.log`, { bearer: true });
  assert.is(out.status, 200);
  assert.is(out.headers['content-type'], 'text/plain; charset=utf-8');
  assert.is(out.headers['x-content-type-options'], 'nosniff');
  assert.ok(out.body.equals(STDOUT_BYTES), `stdout.log: ${out.body.toString('hex')}\nwanted ${STDOUT_BYTES.toString('hex')}`);
  const err = await d.get(`/raw/${ids.bytes}/stderr.log`, { bearer: true });
  assert.is(err.status, 200);
  assert.ok(err.body.equals(STDERR_BYTES), `stderr.log: ${err.body.toString('hex')}`);
  // The API shows the same lines as text (the page makes them safe), one per line end.
  const lines = (await d.api(`/api/logs?run=${ids.bytes}&stream=stdout`)).lines.map((l: any) => l.text);
  assert.is(lines[0], 'ascii line');
  assert.is(lines[1], '\x1b[31mred\x1b[0m and \x1b]8;;http://x\x07link\x1b]8;;\x07');
  assert.ok(lines.includes('100%'), 'a redraw is one line, its last state');
  assert.not.ok(lines.includes('50%'));
  assert.is(lines.at(-1), 'no newline at the end');
  const missing = await d.get('/raw/20200101-000000-abcdef/stdout.log', { bearer: true });
  assert.is(missing.status, 404);
  const weird = await d.get(`/raw/${ids.bytes}/events.ndjson`, { bearer: true });
  assert.is(weird.status, 404, 'only the two logs are served');
  const escape = await d.get(`/raw/..%2F..%2Fdashboard.json/stdout.log`, { bearer: true });
  assert.is(escape.status, 404);
});

test.run();
