// GET /metrics (docs/dashboard.md, Prometheus): the text exposition format 0.0.4 read strictly
// line by line — HELP and TYPE for every family, label values escaped, histogram buckets cumulative
// and closed by le="+Inf" = _count, no item id anywhere — and a real Prometheus (Debian's
// /usr/bin/prometheus) scraping a live run with the token file as its credentials_file, while a
// second job without the token is refused with 401.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, start, startProg, type Live } from '../../helpers/live.js';
import { runProg, tempDir } from '../../helpers/prog.js';
import { marker } from '../../helpers/runs.js';
import { scaled } from '../../helpers/time.js';
import { liveTest, onPath, type Tool } from '../../helpers/tools.js';

const node = process.execPath;
const prometheus: Tool = { name: 'prometheus', debian: 'prometheus', found: onPath('prometheus') !== undefined };

/** Item ids the runs report: none may show up in a label (labels stay bounded). */
const ITEM = 'itemzq7-';
/**
 * A phase of 100 items; one item done every 100 ms up to `pauseAt`, then it waits until the file
 * argv[1] exists (the test's go-ahead), and does the rest at once.
 */
const paced = (pauseAt: number) =>
  `const fs = require('fs'); const go = process.argv[1]; process.stdout.write(${JSON.stringify(marker({ type: 'phase', id: 'build', total: 100 }))}); ` +
  `let i = 0; const done = () => process.stdout.write('::prog::' + JSON.stringify({ type: 'item.done', phase: 'build', id: ${JSON.stringify(ITEM)} + (++i) }) + '\\n'); ` +
  `const t = setInterval(() => { if (i < ${pauseAt}) return done(); if (!fs.existsSync(go)) return; while (i < 100) done(); clearInterval(t); }, 100);`;

interface Dashboard {
  live: Live;
  port: number;
  token: string;
  home: string;
}

/** `prog dashboard --port 0`, its address and token read from what it printed. */
async function dashboard(home: string): Promise<Dashboard> {
  const live = startProg(['dashboard', '--port', '0'], { home });
  const m = await live.waitErr(/http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)/, 15_000, 'the dashboard address');
  return { live, port: Number(m[1]), token: m[2]!, home };
}

/** GET /metrics with the dashboard's token, another one, or none (null). */
function metrics(d: Dashboard, token: string | null = d.token): Promise<Response> {
  return fetch(`http://127.0.0.1:${d.port}/metrics`, { headers: token === null ? {} : { Authorization: `Bearer ${token}` } });
}

/** Polls an async check (true, or what is wrong so far) until it holds or scaled(ms) passed. */
async function eventually(check: () => Promise<true | string>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + scaled(ms);
  let last = '';
  for (;;) {
    try {
      const r = await check();
      if (r === true) return;
      last = r;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${scaled(ms)} ms waiting for ${what}: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Ends a process started here and waits for it (SIGKILL if it lingers). */
async function stop(live: Live | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!live) return;
  try {
    live.kill(signal);
  } catch {
    // already gone
  }
  await live.waitExit(10_000).catch(() => undefined);
}

/** Lets a run given its go-ahead end by itself (SIGKILLed by waitExit if it does not). */
async function finish(live: Live | undefined): Promise<void> {
  await live?.waitExit(15_000).catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// The exposition format, strictly (https://prometheus.io/docs/instrumenting/exposition_formats/)

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
/** Inside quotes: any character but `"`, `\` and newline, or one of the three escapes. */
const VALUE_TEXT = '(?:[^"\\\\\\n]|\\\\[\\\\"n])*';
const PAIR = `${LABEL}="${VALUE_TEXT}"`;
const FLOAT = '(?:[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|[-+]?Inf|NaN)';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(${PAIR}(?:,${PAIR})*)?\\})? (${FLOAT})(?: -?\\d+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  line: string;
}

interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

function unescapeLabel(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === undefined) return labels;
  for (const m of text.matchAll(new RegExp(`(${LABEL})="(${VALUE_TEXT})"`, 'g'))) {
    if (m[1]! in labels) throw new Error(`label ${m[1]} twice in {${text}}`);
    labels[m[1]!] = unescapeLabel(m[2]!);
  }
  return labels;
}

/** Every line read strictly; throws on the first that is not the format. */
function parseExposition(text: string): Family[] {
  assert.ok(text.endsWith('\n'), 'the body ends with a line feed');
  const families: Family[] = [];
  const byName = new Map<string, Family>();
  let current: Family | undefined;
  const series = new Set<string>();
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    const help = HELP.exec(line);
    if (help) {
      assert.not.ok(byName.has(help[1]!), `${where}: a second HELP for ${help[1]}`);
      current = { name: help[1]!, type: '', help: help[2]!, samples: [] };
      assert.ok(!/\\[^\\n]/.test(current.help), `${where}: HELP escapes only \\ and newline`);
      families.push(current);
      byName.set(current.name, current);
      continue;
    }
    const type = TYPE.exec(line);
    if (type) {
      assert.ok(current !== undefined && current.name === type[1] && current.type === '' && current.samples.length === 0, `${where}: TYPE right after its HELP, before any sample`);
      current!.type = type[2]!;
      continue;
    }
    assert.not.ok(line.startsWith('#'), `${where}: a comment that is neither HELP nor TYPE`);
    const m = SAMPLE.exec(line);
    assert.ok(m, `${where}: not a sample line of the text format`);
    assert.ok(current !== undefined && current.type !== '', `${where}: a sample before its family's HELP and TYPE`);
    const name = m![1]!;
    const allowed = current!.type === 'histogram' ? [`${current!.name}_bucket`, `${current!.name}_sum`, `${current!.name}_count`] : [current!.name];
    assert.ok(allowed.includes(name), `${where}: ${name} inside family ${current!.name}`);
    const labels = parseLabels(m![2]);
    for (const label of Object.keys(labels)) assert.not.ok(label.startsWith('__'), `${where}: label ${label} is reserved`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    assert.not.ok(series.has(key), `${where}: the same series twice`);
    series.add(key);
    const value = m![3]!;
    current!.samples.push({ name, labels, value: value === '+Inf' || value === 'Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value), line });
  }
  return families;
}

function family(families: Family[], name: string): Family {
  const f = families.find((x) => x.name === name);
  assert.ok(f, `family ${name} is there (${families.map((x) => x.name).join(', ')})`);
  return f!;
}

/** Histogram groups (labels but le): buckets ascending and cumulative, +Inf last and equal to _count. */
function checkHistogram(f: Family): number {
  const groups = new Map<string, { buckets: { le: number; value: number }[]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { buckets: [] }));
    if (s.name.endsWith('_bucket')) {
      assert.ok(le !== undefined, `${s.line}: a bucket without le`);
      g.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), value: s.value });
    } else {
      assert.is(le, undefined, `${s.line}: le only on buckets`);
      if (s.name.endsWith('_sum')) g.sum = s.value;
      else g.count = s.value;
    }
  }
  for (const [key, g] of groups) {
    assert.ok(g.buckets.length > 0 && g.sum !== undefined && g.count !== undefined, `${f.name} ${key}: buckets, _sum and _count`);
    for (let i = 1; i < g.buckets.length; i++) {
      assert.ok(g.buckets[i]!.le > g.buckets[i - 1]!.le, `${f.name} ${key}: le ascending`);
      assert.ok(g.buckets[i]!.value >= g.buckets[i - 1]!.value, `${f.name} ${key}: buckets cumulative (le=${g.buckets[i]!.le} ${g.buckets[i]!.value} < le=${g.buckets[i - 1]!.le} ${g.buckets[i - 1]!.value})`);
    }
    const last = g.buckets.at(-1)!;
    assert.is(last.le, Infinity, `${f.name} ${key}: the last bucket is le="+Inf"`);
    assert.is(last.value, g.count, `${f.name} ${key}: le="+Inf" equals _count`);
    assert.ok(g.sum! >= 0, `${f.name} ${key}: _sum ≥ 0`);
  }
  return groups.size;
}

// ---------------------------------------------------------------------------------------------

test('GET /metrics: text format 0.0.4, HELP and TYPE for every family, escaped labels, cumulative buckets, no item id', clean(async () => {
  const home = tempDir();
  const go = join(tempDir(), 'go');
  // A quote, a backslash and a newline: the three characters a label value escapes.
  const name = 'a"b\\c\nd';
  // A run of the same workflow that ended before: the duration histogram's one sample.
  const goNow = join(tempDir(), 'go');
  writeFileSync(goNow, '');
  const finished = await runProg(['run', '--format', 'none', '--name', name, '--', node, '-e', paced(0), goNow], { home });
  assert.is(finished.code, 0, finished.stderr.toString());
  let d: Dashboard | undefined;
  let run: Live | undefined;
  try {
    d = await dashboard(home);
    const denied = await metrics(d, null);
    assert.is(denied.status, 401, 'no token, no metrics');
    assert.is((await metrics(d, 'x'.repeat(43))).status, 401, 'a wrong token, no metrics');
    run = startProg(['run', '--format', 'none', '--name', name, '--', node, '-e', paced(5), go], { home });
    let families: Family[] = [];
    let response: Response | undefined;
    await eventually(async () => {
      response = await metrics(d!);
      const text = await response.text();
      families = parseExposition(text);
      const items = family(families, 'prog_run_items_total').samples.find((s) => s.labels.outcome === 'succeeded');
      return items !== undefined && items.value >= 5 ? true : `items so far: ${items?.line ?? 'none'}`;
    }, 20_000, 'the live run in /metrics');
    assert.is(response!.status, 200);
    assert.ok(response!.headers.get('content-type')!.startsWith('text/plain; version=0.0.4'), `Content-Type ${response!.headers.get('content-type')}`);
    const want = ['prog_runs_running', 'prog_run_progress_ratio', 'prog_phase_progress_ratio', 'prog_run_items_total', 'prog_run_eta_seconds',
      'prog_run_elapsed_seconds', 'prog_run_cpu_ratio', 'prog_run_memory_bytes', 'prog_run_duration_seconds'];
    assert.equal(families.map((f) => f.name).sort(), [...want].sort(), 'the families docs/dashboard.md lists');
    for (const f of families) assert.ok(f.help.trim() !== '' && f.type !== '', `${f.name}: HELP text and TYPE`);
    assert.is(family(families, 'prog_run_items_total').type, 'counter');
    assert.is(family(families, 'prog_run_duration_seconds').type, 'histogram');
    assert.is(family(families, 'prog_runs_running').samples[0]!.value, 1);

    // Labels: only the bounded ones, the workflow name escaped and read back whole, no item id.
    const allowed = new Set(['run', 'workflow', 'phase', 'outcome', 'bound', 'status', 'le']);
    const all = families.flatMap((f) => f.samples);
    for (const s of all) {
      for (const [label, value] of Object.entries(s.labels)) {
        assert.ok(allowed.has(label), `${s.line}: label ${label} is not one of the bounded ones`);
        assert.not.ok(value.includes(ITEM), `${s.line}: an item id in a label`);
      }
    }
    const progress = family(families, 'prog_run_progress_ratio').samples;
    assert.is(progress.length, 1, 'one live run');
    assert.is(progress[0]!.labels.workflow, name, `the workflow label is the --name, escaped (${progress[0]!.line})`);
    assert.ok(progress[0]!.line.includes('workflow="a\\"b\\\\c\\nd"'), `escaped as the format says: ${progress[0]!.line}`);
    assert.ok(progress[0]!.value > 0 && progress[0]!.value < 1, `0 < progress < 1: ${progress[0]!.line}`);
    const phase = family(families, 'prog_phase_progress_ratio').samples;
    assert.equal(phase.map((s) => s.labels.phase), ['build']);

    // The finished run, in the duration histogram under the same workflow label.
    const histogram = family(families, 'prog_run_duration_seconds');
    assert.is(checkHistogram(histogram), 1, 'one workflow and status in history');
    const count = histogram.samples.find((s) => s.name.endsWith('_count'))!;
    assert.equal({ workflow: count.labels.workflow, status: count.labels.status, value: count.value }, { workflow: name, status: 'ok', value: 1 }, count.line);
    writeFileSync(go, '');
    assert.is((await run.waitExit(20_000, 'the live run to end')).code, 0, run.stderr());
    run = undefined;
    // Ended: no more live series, and two runs in the histogram.
    let ended: Family[] = [];
    await eventually(async () => {
      ended = parseExposition(await (await metrics(d!)).text());
      const f = family(ended, 'prog_run_duration_seconds');
      checkHistogram(f);
      const running = family(ended, 'prog_runs_running').samples[0]!.value;
      const n = f.samples.find((s) => s.name.endsWith('_count'))?.value;
      return running === 0 && family(ended, 'prog_run_progress_ratio').samples.length === 0 && n === 2 ? true : `running ${running}, count ${n}`;
    }, 15_000, 'the ended run to leave the live families for the histogram');
    // Each bucket counts the recorded durations at most its bound; _sum is their total.
    const seconds = readFileSync(join(home, 'history.ndjson'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { durationMs: number }).durationMs / 1000);
    assert.is(seconds.length, 2);
    for (const s of family(ended, 'prog_run_duration_seconds').samples) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      if (s.name.endsWith('_bucket')) assert.is(s.value, seconds.filter((x) => x <= le).length, `${s.line}: durations ${seconds.join(', ')} s`);
      if (s.name.endsWith('_sum')) assert.ok(Math.abs(s.value - (seconds[0]! + seconds[1]!)) < 1e-5, `${s.line}: durations ${seconds.join(', ')} s`);
    }
  } finally {
    writeFileSync(go, '');
    await finish(run);
    await stop(d?.live);
  }
}));

liveTest([prometheus], 'a real Prometheus scrapes a live run with the token file as credentials_file; without the token: down, 401', clean(async () => {
  const home = tempDir();
  const work = tempDir();
  const go = join(work, 'go');
  let d: Dashboard | undefined;
  let run: Live | undefined;
  let prom: Live | undefined;
  try {
    d = await dashboard(home);
    const tokenFile = join(home, 'dashboard.token');
    assert.is(statSync(tokenFile).mode & 0o777, 0o600, 'dashboard.token is readable by this user only');
    run = startProg(['run', '--format', 'none', '--', node, '-e', paced(30), go], { home });
    const promPort = await freePort();
    const config = join(work, 'prometheus.yml');
    writeFileSync(config, [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: prog',
      '    authorization:',
      `      credentials_file: ${JSON.stringify(tokenFile)}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${d.port}']`,
      '  - job_name: prog-no-token',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${d.port}']`,
      '',
    ].join('\n'));
    prom = start('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(work, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { cwd: work });
    const api = async (path: string): Promise<any> => {
      const r = await fetch(`http://127.0.0.1:${promPort}${path}`);
      const body = (await r.json()) as { status: string; data: unknown; error?: string };
      if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? body.status}`);
      return body.data;
    };
    // The run's id, from the dashboard's own list.
    let id = '';
    await eventually(async () => {
      const r = await fetch(`http://127.0.0.1:${d!.port}/api/runs?state=running`, { headers: { Authorization: `Bearer ${d!.token}` } });
      const runs = ((await r.json()) as { runs: { id: string }[] }).runs;
      id = runs[0]?.id ?? '';
      return id !== '' ? true : 'no running run yet';
    }, 15_000, 'the run in /api/runs');

    const query = async (promql: string) => (await api(`/api/v1/query?query=${encodeURIComponent(promql)}`)).result as { metric: Record<string, string>; value: [number, string] }[];
    let ratio = NaN;
    await eventually(async () => {
      const result = await query('prog_run_progress_ratio');
      const mine = result.find((r) => r.metric.run === id && r.metric.job === 'prog');
      ratio = Number(mine?.value[1]);
      return mine && ratio > 0 ? true : `prog_run_progress_ratio: ${JSON.stringify(result)}${prom!.transcript()}`;
    }, 45_000, `prog_run_progress_ratio{run="${id}"} in Prometheus`);
    assert.ok(ratio > 0 && ratio < 1, `0 < progress ratio < 1: ${ratio}`);
    await eventually(async () => {
      const result = await query('prog_run_items_total{outcome="succeeded",job="prog"}');
      const mine = result.find((r) => r.metric.run === id);
      return mine && Number(mine.value[1]) > 0 ? true : `prog_run_items_total: ${JSON.stringify(result)}`;
    }, 20_000, 'items succeeded > 0 in Prometheus');
    const series = await query(`{run="${id}"}`);
    for (const s of series) for (const value of Object.values(s.metric)) assert.not.ok(value.includes(ITEM), `an item id in ${JSON.stringify(s.metric)}`);

    // The targets: the job with the token up, the one without down with the dashboard's 401.
    await eventually(async () => {
      const targets = (await api('/api/v1/targets')).activeTargets as { labels: Record<string, string>; health: string; lastError: string }[];
      const job = (name: string) => targets.find((t) => t.labels.job === name);
      const up = job('prog');
      const down = job('prog-no-token');
      if (up?.health !== 'up') return `job prog: ${JSON.stringify(up)}`;
      if (down?.health !== 'down' || !/\b401\b/.test(down.lastError)) return `job prog-no-token: ${JSON.stringify(down)}`;
      return true;
    }, 20_000, 'job prog up, job prog-no-token down with 401');
    const up = await query('up');
    assert.equal(up.map((r) => [r.metric.job, r.value[1]]).sort(), [['prog', '1'], ['prog-no-token', '0']], 'up{job} as Prometheus recorded it');
  } finally {
    writeFileSync(go, '');
    await stop(prom);
    await finish(run);
    await stop(d?.live);
  }
}));

/** A TCP port free on 127.0.0.1 just now (Prometheus' --web.listen-address takes no 0 we could read back). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

test.run();
