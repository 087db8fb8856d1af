// `prog logs`: real runs recorded by `prog run`, read back through the CLI as a user would.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ndjson, progBin, runProg, tempDir, testEnv, type ProgResult } from '../helpers/prog.js';
import { waitUntil } from '../helpers/procfs.js';
import { child, marker, type Step } from '../helpers/runs.js';
import { scaled } from '../helpers/time.js';

const UTC = { TZ: 'UTC' };

function logs(home: string, args: string[], env: Record<string, string | undefined> = {}): Promise<ProgResult> {
  return runProg(['logs', ...args], { home, env: { ...UTC, ...env } });
}

async function record(steps: Step[], home = tempDir()): Promise<string> {
  const r = await runProg(['run', '--format', 'none', '--', ...child(steps)], { home });
  assert.is(r.code, 0, r.stderr.toString());
  return home;
}

/** The text lines without their `HH:MM:SS ` time, which the json test checks. */
function bodies(r: ProgResult): string[] {
  const lines = r.stdout.toString().split('\n');
  assert.is(lines.pop(), '');
  return lines.map((line) => {
    assert.match(line, /^\d\d:\d\d:\d\d /);
    return line.slice(9);
  });
}

// Each write to another stream waits until prog has taken in the ones before (however slow the
// machine), so the order prog recorded is the order written.
const WORK: Step[] = [
  { o: 'compiling\n' },
  { o: marker({ type: 'log', level: 'debug', message: 'cache hit' }) },
  { o: marker({ type: 'log', level: 'warn', source: 'agent-03', message: 'disk almost full' }) },
  { logged: true },
  { e: 'warning: unused variable\n' },
  { logged: true },
  { o: '\rfetch 10%\r\rfetch 60%\rfetch 100%\n' },
  { o: 'one\n\ntwo\n' },
  { o: marker({ type: 'log', level: 'error', source: 'agent-01', message: 'upload failed: FAIL' }) },
  { logged: true },
  { recorded: 'upload failed: FAIL' },
  { fd: 3, w: marker({ type: 'log', level: 'notice', message: 'sent on the progress fd' }) },
  { recorded: 'sent on the progress fd' },
  { o: 'done' },
];

const ALL = [
  'stdout │ compiling',
  'debug │ cache hit',
  'warn agent-03 │ disk almost full',
  'stderr │ warning: unused variable',
  'stdout │ fetch 10%',
  'stdout │ fetch 60%',
  'stdout │ fetch 100%',
  'stdout │ one',
  'stdout │ ',
  'stdout │ two',
  'error agent-01 │ upload failed: FAIL',
  'notice │ sent on the progress fd',
  'stdout │ done',
];

let work: Promise<string> | undefined;
/** One recorded run shared by the filter tests (they only read it). */
const workHome = () => (work ??= record(WORK));

test('output lines of both streams and log markers, in the order recorded, markers not repeated as output', async () => {
  const r = await logs(await workHome(), ['latest']);
  assert.is(r.code, 0, r.stderr.toString());
  assert.is(r.stderr.toString(), '');
  assert.equal(bodies(r), ALL);
});

test('a run id or a unique prefix of one names the run as latest does', async () => {
  const home = await workHome();
  const id = ndjson(readFileSync(join(home, 'history.ndjson')))[0]!.id as string;
  assert.equal(bodies(await logs(home, [id])), ALL);
  assert.equal(bodies(await logs(home, [id.slice(0, 12)])), ALL);
});

test('--format json: one object per line with t, time, kind and the line or the log fields', async () => {
  const home = await workHome();
  const r = await logs(home, ['latest', '--format', 'json']);
  assert.is(r.code, 0);
  const rows = ndjson(r.stdout);
  const run = JSON.parse(readFileSync(join(home, 'runs', readdirSync(join(home, 'runs'))[0]!, 'run.json'), 'utf8'));
  for (const row of rows) {
    assert.type(row.t, 'number');
    assert.is(row.time, new Date(Date.parse(run.startedAt) + (row.t as number)).toISOString());
  }
  const shape = rows.map(({ t: _t, time: _time, ...rest }) => rest);
  assert.equal(shape.slice(0, 4), [
    { kind: 'output', stream: 'stdout', line: 'compiling' },
    { kind: 'log', level: 'debug', message: 'cache hit' },
    { kind: 'log', level: 'warn', source: 'agent-03', message: 'disk almost full' },
    { kind: 'output', stream: 'stderr', line: 'warning: unused variable' },
  ]);
  assert.equal(Object.keys(rows[2]!), ['t', 'time', 'kind', 'level', 'source', 'message']);
  assert.equal(Object.keys(rows[0]!), ['t', 'time', 'kind', 'stream', 'line']);
  assert.is(rows.length, ALL.length);
  // The text time is the run's start plus t, on the local clock (UTC here).
  assert.equal(bodies(await logs(home, ['latest'])).length, rows.length);
  assert.is(String((await logs(home, ['latest'])).stdout).slice(0, 8), (rows[0]!.time as string).slice(11, 19));
});

test('--level warn: only warn and error log markers; output counts as info', async () => {
  const home = await workHome();
  assert.equal(bodies(await logs(home, ['latest', '--level', 'warn'])), ['warn agent-03 │ disk almost full', 'error agent-01 │ upload failed: FAIL']);
  assert.equal(bodies(await logs(home, ['latest', '--level', 'info'])), ALL.filter((l) => !l.startsWith('debug')));
  assert.equal(bodies(await logs(home, ['latest', '--level', 'notice'])), ALL.filter((l) => /^(warn|error|notice) /.test(l)));
});

test('--source: log markers of that source, or output of that stream', async () => {
  const home = await workHome();
  assert.equal(bodies(await logs(home, ['latest', '--source', 'agent-03'])), ['warn agent-03 │ disk almost full']);
  assert.equal(bodies(await logs(home, ['latest', '--source', 'stderr'])), ['stderr │ warning: unused variable']);
  assert.equal(bodies(await logs(home, ['latest', '--source', 'nobody'])), []);
});

test('--stream: only output lines of that stream, no log markers', async () => {
  const home = await workHome();
  assert.equal(bodies(await logs(home, ['latest', '--stream', 'stderr'])), ['stderr │ warning: unused variable']);
  assert.equal(bodies(await logs(home, ['latest', '--stream', 'stdout'])), ALL.filter((l) => l.startsWith('stdout')));
});

test('--grep: a regular expression on the line or the message', async () => {
  const home = await workHome();
  assert.equal(bodies(await logs(home, ['latest', '--grep', '^fetch [0-9]0%$'])), ['stdout │ fetch 10%', 'stdout │ fetch 60%']);
  assert.equal(bodies(await logs(home, ['latest', '--grep', 'FAIL|unused'])), ['stderr │ warning: unused variable', 'error agent-01 │ upload failed: FAIL']);
  // Filters combine: all must hold.
  assert.equal(bodies(await logs(home, ['latest', '--grep', 'a', '--level', 'warn', '--source', 'agent-01'])), ['error agent-01 │ upload failed: FAIL']);
});

test('--since: only lines within that age from now', async () => {
  const home = await record([{ o: 'early\n' }, { sleep: 300 }, { o: 'late\n' }]);
  // The record is moved back in time so that 'early' is 2 h old and 'late' 1 min: how long prog
  // logs takes to start (seconds on a loaded machine) then changes nothing.
  const [dir] = readdirSync(join(home, 'runs'));
  const runJson = join(home, 'runs', dir!, 'run.json');
  const eventsLog = join(home, 'runs', dir!, 'events.ndjson');
  const events = readFileSync(eventsLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const chunks = events.filter((e) => e.type === 'chunk');
  assert.is(chunks.length, 2, 'one chunk a line');
  const startedAt = Date.now() - 2 * 3_600_000;
  chunks[1]!.t = 2 * 3_600_000 - 60_000;
  writeFileSync(eventsLog, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  writeFileSync(runJson, JSON.stringify({ ...JSON.parse(readFileSync(runJson, 'utf8')), startedAt: new Date(startedAt).toISOString() }));
  assert.equal(bodies(await logs(home, ['latest', '--since', '30m'])), ['stdout │ late']);
  assert.equal(bodies(await logs(home, ['latest', '--since', '3h'])), ['stdout │ early', 'stdout │ late']);
  assert.equal(bodies(await logs(home, ['latest', '--since', '90s'])), ['stdout │ late']);
  assert.equal(bodies(await logs(home, ['latest', '--since', '30s'])), []);
});

test('the command\'s escape sequences and control characters are made inert in text, kept in JSON', async () => {
  const hostile = '\x1b]0;pwned\x07\x1b[2Jclear\x1b[31mred\x1b[0m\tafter tab\x07bell\x9b31m\n';
  const home = await record([{ o: hostile }, { o: marker({ type: 'log', source: 'x\x1b[2Jy', message: 'evil \x1b[2J\x08 msg' }) }]);
  const r = await logs(home, ['latest']);
  assert.not.match(r.stdout.toString(), /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  assert.equal(bodies(r), ['stdout │ clearred\tafter tab\\x07bell', 'info xy │ evil \\x08 msg']);
  const json = ndjson((await logs(home, ['latest', '--format', 'json'])).stdout);
  assert.is(json[0]!.line, hostile.slice(0, -1));
});

test('colour only when asked for (FORCE_COLOR, which beats NO_COLOR as in Node); never in a pipe without it', async () => {
  const home = await workHome();
  assert.match((await logs(home, ['latest', '--level', 'warn'], { FORCE_COLOR: '1' })).stdout.toString(), /\x1b\[33mwarn\x1b\[39m/);
  assert.match((await logs(home, ['latest', '--level', 'warn'], { FORCE_COLOR: '1', NO_COLOR: '1' })).stdout.toString(), /\x1b\[33mwarn/);
  assert.not.match((await logs(home, ['latest'], { NO_COLOR: '1' })).stdout.toString(), /\x1b/);
  assert.not.match((await logs(home, ['latest'])).stdout.toString(), /\x1b/);
});

test('bad --grep, bad --since and an unknown run: exit 125 with a clear message', async () => {
  const home = await workHome();
  const grep = await logs(home, ['latest', '--grep', 'a(b']);
  assert.is(grep.code, 125);
  assert.match(grep.stderr.toString(), /^prog: --grep takes a JavaScript regular expression: .*a\(b/);
  assert.is(grep.stdout.toString(), '');
  const since = await logs(home, ['latest', '--since', '5 minutes']);
  assert.is(since.code, 125);
  assert.match(since.stderr.toString(), /^prog: --since takes an age: .*got "5 minutes"/);
  const none = await logs(home, ['20990101-nope']);
  assert.is(none.code, 125);
  assert.match(none.stderr.toString(), /^prog: no run "20990101-nope"/);
  const empty = await logs(tempDir(), ['latest']);
  assert.is(empty.code, 125);
  assert.match(empty.stderr.toString(), /^prog: no runs recorded/);
});

// ---- following a running run -------------------------------------------------------------------

interface Detached { home: string; id: string; run: { pid: number; supervisor: { pid: number } } }

async function detach(steps: Step[]): Promise<Detached> {
  const home = tempDir();
  const r = await runProg(['run', '--detach', '--', ...child(steps)], { home });
  assert.is(r.code, 0, r.stderr.toString());
  const id = r.stdout.toString().trim();
  return { home, id, run: JSON.parse(readFileSync(join(home, 'runs', id, 'run.json'), 'utf8')) };
}

/** `prog logs` as a process to watch: each piece of its output as it came, and how it ended. */
function watch(home: string, args: string[]) {
  const p = spawn(process.execPath, [progBin, 'logs', ...args], { env: testEnv(home, UTC), stdio: ['ignore', 'pipe', 'pipe'] });
  const arrivals: { text: string }[] = [];
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => arrivals.push({ text: d.toString() }));
  p.stderr.on('data', (d: Buffer) => (stderr += d));
  const bound = setTimeout(() => p.kill('SIGKILL'), scaled(15_000));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    p.on('close', (code, signal) => {
      clearTimeout(bound);
      resolve({ code, signal });
    }));
  const text = () => arrivals.map((a) => a.text).join('');
  const until = (pattern: RegExp) => waitUntil(() => pattern.test(text()) || `printed so far: ${JSON.stringify(text().slice(-200))}`, 15_000, `prog logs to print ${pattern}`);
  return { p, arrivals, text, until, ended, stderr: () => stderr };
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

test('--follow prints lines as the run writes them and exits 0 when the run ends', async () => {
  // After line 3 the run waits for the go file, which the test writes once prog logs has shown it.
  const go = join(tempDir(), 'go');
  const steps: Step[] = [];
  for (let i = 1; i <= 7; i++) steps.push({ o: `line ${i}\n` }, i === 3 ? { until: go } : { sleep: 200 });
  steps.push({ o: 'no newline yet' });
  const { home, id } = await detach(steps);
  const w = watch(home, [id, '--follow']);
  // Live, not all at the end: the first lines come while the run is still going.
  await w.until(/line 3\n/);
  assert.is(JSON.parse(readFileSync(join(home, 'runs', id, 'run.json'), 'utf8')).endedAt, undefined, 'the run is still going');
  writeFileSync(go, '');
  const end = await w.ended;
  assert.is(end.code, 0, w.stderr());
  const lines = w.text().split('\n').slice(0, -1).map((l) => l.slice(9));
  assert.equal(lines, [1, 2, 3, 4, 5, 6, 7].map((i) => `stdout │ line ${i}`).concat('stdout │ no newline yet'));
  // The partial last line waited for the end of the run rather than coming out half-written.
  assert.match(w.arrivals.at(-1)!.text, /no newline yet\n$/);
  assert.is(w.arrivals.filter((a) => a.text.includes('no newline')).length, 1);
  // The run had ended by then: its run.json says so.
  assert.type(JSON.parse(readFileSync(join(home, 'runs', id, 'run.json'), 'utf8')).endedAt, 'string');
});

test('--follow --format json with a filter: only matching lines, as they come', async () => {
  const { home, id } = await detach([
    { o: 'keep 1\n' }, { sleep: 200 }, { o: 'drop\n' }, { o: marker({ type: 'log', level: 'warn', message: 'keep 2' }) }, { sleep: 200 }, { o: 'keep 3\n' },
  ]);
  const w = watch(home, [id, '--follow', '--format', 'json', '--grep', '^keep']);
  assert.is((await w.ended).code, 0, w.stderr());
  assert.equal(ndjson(w.text()).map((row) => row.line ?? row.message), ['keep 1', 'keep 2', 'keep 3']);
});

test('--follow stops when the run is lost (its prog died without recording the end)', async () => {
  const { home, id, run } = await detach([{ o: 'before\n' }, { sleep: 30_000 }]);
  const w = watch(home, [id, '--follow']);
  try {
    await w.until(/before/);
    kill(run.supervisor.pid);
    const end = await w.ended;
    assert.is(end.code, 0, w.stderr());
    assert.equal(w.text().split('\n').slice(0, -1).map((l) => l.slice(9)), ['stdout │ before']);
  } finally {
    kill(-run.pid);
    kill(run.supervisor.pid);
  }
});

test('Ctrl-C while following just ends prog logs; the run goes on', async () => {
  const { home, id, run } = await detach([{ o: 'before\n' }, { sleep: 30_000 }]);
  const w = watch(home, [id, '--follow']);
  try {
    await w.until(/before/);
    w.p.kill('SIGINT');
    const end = await w.ended;
    assert.ok(end.signal === 'SIGINT' || end.code === 130, JSON.stringify(end));
    assert.is(w.stderr(), '');
    process.kill(run.supervisor.pid, 0); // still running: throws if it were gone
  } finally {
    kill(-run.pid);
    kill(run.supervisor.pid);
  }
});

test('a reader that stops early (prog logs | head) is not an error', async () => {
  const home = tempDir();
  await runProg(['run', '--format', 'none', '--', 'seq', '1', '50000'], { home });
  const w = watch(home, ['latest']);
  w.p.stdout.once('data', () => w.p.stdout.destroy());
  const end = await w.ended;
  assert.is(end.code, 0);
  assert.is(w.stderr(), '');
});

test.run();
