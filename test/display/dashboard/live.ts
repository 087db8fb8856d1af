// Live updates over the dashboard's WebSocket (docs/dashboard.md, /ws and "The feed"): a page
// watching a running run gets its snapshot, then updates whose `from` is the previous `at`, at most
// ten a second and only when something changed, and `end` last; a page that lost its connection
// resumes with `after=` and gets every line once, none missing; fifty pages on a run of a thousand
// events a second all end on the run's final counts. Runs are real `prog run`s of a node child that
// waits for the test's go-ahead (a file), so the pages are connected before anything happens.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startDashboard, until, watch, type Dashboard, type Watch, type WsMessage } from '../../helpers/dashboard.js';
import { clean, startProg, type Live } from '../../helpers/live.js';
import { tempDir } from '../../helpers/prog.js';
import { pause } from '../../helpers/time.js';

let d: Dashboard;
let home = '';

test.before(async () => {
  home = tempDir('prog-dash-live-');
  d = await startDashboard({ home });
});

test.after(async () => {
  if (d) {
    const end = await d.stop();
    assert.is(end.code, 0, d.stderr());
  }
});

/**
 * The child: prints its workflow marker, waits for the file argv[1], then for each i in 1..N an
 * item (start, done) and, every `every` items, an output line `line K`; PAUSE_AT (when not 0) waits
 * for the file argv[1] + '.2' after that many items. `perMs` items are due per millisecond: the
 * child writes what is due every 5 ms, so the pace holds however slow the machine.
 */
const CHILD = `
const fs = require('fs');
const [go, name, n, every, perMs, pauseAt] = process.argv.slice(1);
const N = Number(n), EVERY = Number(every), PER_MS = Number(perMs), PAUSE = Number(pauseAt);
const m = (o) => '::prog::' + JSON.stringify(o) + '\\n';
process.stdout.write(m({ type: 'workflow', name }) + m({ type: 'phase', id: 'load', total: N }));
let i = 0, lines = 0, t0 = 0, paused = 0;
function step() {
  if (PAUSE && i >= PAUSE && !fs.existsSync(go + '.2')) { paused = paused || Date.now(); return setTimeout(step, 10); }
  if (paused) { t0 += Date.now() - paused; paused = 0; }
  const due = Math.min(N, PAUSE && i < PAUSE ? PAUSE : N, Math.floor((Date.now() - t0) * PER_MS) + 1);
  let s = '';
  while (i < due) {
    i++;
    s += m({ type: 'item.start', phase: 'load', id: 'i' + i, agent: 'a' + (i % 4) });
    s += m({ type: 'item.done', phase: 'load', id: 'i' + i, agent: 'a' + (i % 4) });
    if (i % EVERY === 0) s += 'line ' + (++lines) + '\\n';
  }
  if (s) process.stdout.write(s);
  if (i < N) setTimeout(step, 5);
}
(function wait() { if (!fs.existsSync(go)) return setTimeout(wait, 10); t0 = Date.now(); step(); })();
`;

interface Run {
  prog: Live;
  id: string;
  go: string;
  name: string;
}

/** Starts a run of CHILD and waits until the dashboard lists it as running (its workflow known). */
async function liveRun(n: number, every: number, perMs: number, pauseAt = 0): Promise<Run> {
  const go = join(tempDir(), 'go');
  const name = `live-${Math.random().toString(36).slice(2, 10)}`;
  const prog = startProg(['run', '--format', 'none', '--', process.execPath, '-e', CHILD, go, name, String(n), String(every), String(perMs), String(pauseAt)], { home });
  let id = '';
  await until(async () => {
    const runs = (await d.api(`/api/runs?workflow=${name}&state=running`)).runs as any[];
    if (runs.length === 1) id = runs[0].id;
    return runs.length === 1 || `listed: ${JSON.stringify(runs)}`;
  }, 30_000, `the run ${name} to be listed as running`);
  return { prog, id, go, name };
}

/** The chain of messages a page gets: snapshot, updates each from the previous at, end last. */
function checkChain(messages: WsMessage[], what: string, resumedFrom?: number): void {
  const types = messages.map((m) => m.data.type);
  assert.is(types[0], 'snapshot', `${what}: the first message (${types.join(',')})`);
  assert.is(types.at(-1), 'end', `${what}: the last message`);
  assert.ok(types.slice(1, -1).every((t) => t === 'update'), `${what}: updates between (${types.join(',')})`);
  let at = resumedFrom ?? messages[0]!.data.at;
  for (const m of messages.slice(1, -1)) {
    assert.is(m.data.from, at, `${what}: from is the previous at`);
    assert.ok(m.data.at > m.data.from, `${what}: an update only when something changed (${m.data.from} → ${m.data.at})`);
    for (const line of m.data.lines) assert.ok(line.n > m.data.from && line.n <= m.data.at, `${what}: line ${line.n} outside (${m.data.from}, ${m.data.at}]`);
    at = m.data.at;
  }
  assert.is(messages.at(-1)!.data.at, at, `${what}: end is at the last update's at`);
}

/**
 * At most 10 updates a second, by the server's clock: each update's snapshot is taken at its tick
 * (`tMs`, while the run is running; the last one, after the end, is frozen at the run's end). The
 * page's own clock would see bunches whenever this busy test process fell behind. A tick may start
 * late (a slow read of the files, a busy machine), hence 700 ms for ten intervals of 100.
 */
function checkPace(updates: WsMessage[], least: number): void {
  const times = updates.filter((m) => m.data.snapshot.status === 'running').map((m) => m.data.snapshot.tMs as number);
  assert.ok(times.length >= least, `${times.length} updates while the run ran: too few to tell the pace`);
  for (let i = 0; i + 10 < times.length; i++) {
    assert.ok(times[i + 10]! - times[i]! >= 700, `11 updates within ${times[i + 10]! - times[i]!} ms: ${times.slice(i, i + 11).join(', ')}`);
  }
  const span = (times.at(-1)! - times[0]!) / 1000;
  assert.ok(times.length <= 10 * span + 2, `${times.length} updates in ${span.toFixed(2)} s`);
}

function outputLines(messages: WsMessage[]): { n: number; text: string }[] {
  return messages.flatMap((m) => (m.data.type === 'update' ? m.data.lines : [])).filter((l: any) => l.kind === 'output');
}

function lastSnapshot(messages: WsMessage[]): any {
  return messages.filter((m) => m.data.snapshot !== undefined).at(-1)!.data.snapshot;
}

const ended = (w: Watch) => (ms: WsMessage[]) => ms.some((m) => m.data.type === 'end') || w.closed;

test('a page watching a run: snapshot first, then updates from the previous at (at most 10 a second, only on change), end last; the counts end as /api/progress\'s', clean(async () => {
  // 240 items, a line every 2, at 0.06 items/ms: about four seconds of steady output.
  const run = await liveRun(240, 2, 0.06);
  const w = await watch(d, `run=${run.id}`);
  try {
    await w.waitFor((ms) => ms.length >= 1, 10_000, 'the snapshot');
    writeFileSync(run.go, '');
    await w.waitFor(ended(w), 60_000, 'the end of the run');
    const r = await run.prog.waitExit(30_000, 'the run to end');
    assert.is(r.code, 0, run.prog.transcript());
    checkChain(w.messages, 'the page');
    const updates = w.messages.filter((m) => m.data.type === 'update');
    checkPace(updates, 3);
    // Every line the run printed, once, in order.
    assert.equal(outputLines(w.messages).map((l) => l.text), Array.from({ length: 120 }, (_, i) => `line ${i + 1}`));
    const progress = await d.api(`/api/progress?run=${run.id}`);
    const last = lastSnapshot(w.messages);
    assert.equal(last.counts, progress.snapshot.counts);
    assert.equal(last.counts, { processed: 240, succeeded: 240, failed: 0, retried: 0, skipped: 0, running: 0 });
    assert.is(last.status, 'ok');
    assert.is(w.messages.at(-1)!.data.at, progress.at);
    assert.equal([w.messages.at(-1)!.data.run.state, w.messages.at(-1)!.data.run.exitCode], ['succeeded', 0], 'end names the run as ended');
    // The timeline came along too: every item, done.
    const items = w.messages.flatMap((m) => m.data.items ?? []);
    assert.is(new Set(items.filter((i: any[]) => i[5] === 'done').map((i: any[]) => i[1])).size, 240);
  } finally {
    await w.close();
  }
}));

test('a run whose events log grows every few milliseconds: at most 10 updates a second, and end names the run as ended', async () => {
  // prog run writes its events log every 200 ms (or 64 KiB): to feed the dashboard faster than its
  // ten ticks a second, this test writes a run's files itself, as docs/json.md ("The events log")
  // describes them, with this process as the run's live supervisor.
  const started = new Date();
  const stamp = started.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const id = `${stamp}-${randomBytes(3).toString('hex')}`;
  const dir = join(home, 'runs', id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const base = { version: 1, id, key: `fast-${id}`, command: ['fast'], cwd: home, startedAt: started.toISOString(), pid: process.pid, supervisor: { pid: process.pid } };
  // Written aside and renamed, as prog does: the dashboard never reads half a record.
  const record = (fields: Record<string, unknown>) => {
    writeFileSync(join(dir, 'run.json.tmp'), JSON.stringify({ ...base, ...fields }));
    renameSync(join(dir, 'run.json.tmp'), join(dir, 'run.json'));
  };
  record({ status: 'running', exitCode: null, signal: null });
  const events = join(dir, 'events.ndjson');
  let seq = 0;
  const t = () => Date.now() - started.getTime();
  const append = (event: Record<string, unknown>) => appendFileSync(events, JSON.stringify({ seq: ++seq, t: t(), ...event }) + '\n');
  append({ type: 'run.start', id, command: ['fast'], cwd: home, startedAt: base.startedAt, pid: process.pid });
  append({ type: 'phase', id: 'fast', total: 100_000 });
  const w = await watch(d, `run=${id}`);
  let items = 0;
  try {
    await w.waitFor((ms) => ms.length >= 1, 10_000, 'the snapshot');
    const writer = setInterval(() => {
      items++;
      append({ type: 'item.start', phase: 'fast', id: `i${items}` });
      append({ type: 'item.done', phase: 'fast', id: `i${items}` });
    }, 2);
    // Three seconds of a log that never stops growing (a duration the test means, not a wait).
    await pause(3000);
    clearInterval(writer);
    // prog writes the exit event, then the final run.json: a dashboard that reads the exit event in
    // between must not say `end` with a run that is still `running`.
    append({ type: 'exit', exitCode: 0, signal: null, durationMs: t() });
    await w.waitFor((ms) => ms.some((m) => m.data.type === 'end' || m.data.snapshot?.status === 'ok'), 30_000, 'the last update');
    record({ status: 'ok', exitCode: 0, signal: null, endedAt: new Date().toISOString(), durationMs: t() });
    await w.waitFor(ended(w), 30_000, 'the end of the run');
    const end = w.messages.at(-1)!.data;
    assert.equal([end.type, end.run?.state, end.run?.exitCode], ['end', 'succeeded', 0], `the end names the run as ended: ${JSON.stringify(end.run)}`);
    checkChain(w.messages, 'the page');
    checkPace(w.messages.filter((m) => m.data.type === 'update'), 5);
    assert.is(lastSnapshot(w.messages).counts.succeeded, items);
  } finally {
    await w.close();
  }
});

test('resume: a page that lost its connection reconnects with after=<last at> and gets every line once, none missing', clean(async () => {
  // 300 items, a line every 2 (150 lines); it pauses after item 200 until told, so the second page
  // connects while the run is still going.
  const run = await liveRun(300, 2, 0.05, 200);
  const a = await watch(d, `run=${run.id}`);
  let b: Watch | undefined;
  try {
    await a.waitFor((ms) => ms.length >= 1, 10_000, 'the snapshot');
    writeFileSync(run.go, '');
    await a.waitFor((ms) => outputLines(ms).length >= 30, 30_000, 'thirty lines on the first page');
    await a.close();
    const lastAt = a.messages.at(-1)!.data.at as number;
    const seenA = outputLines(a.messages);
    assert.ok(seenA.length < 150, 'the first page left mid-run');
    // The run goes on without a page: wait until it printed more.
    await until(async () => {
      const missed = (await d.api(`/api/logs?run=${run.id}&stream=stdout&since=${lastAt}`)).lines.length;
      return missed >= 20 || `${missed} lines since ${lastAt}`;
    }, 30_000, 'lines the first page missed');
    b = await watch(d, `run=${run.id}&after=${lastAt}`);
    await b.waitFor((ms) => ms.length >= 2, 10_000, 'the snapshot and the catch-up');
    assert.is(b.messages[0]!.data.type, 'snapshot');
    assert.is(b.messages[0]!.data.gap, undefined, 'nothing lost: the dashboard holds every line');
    assert.is(b.messages[1]!.data.from, lastAt, 'the catch-up starts where the first page stopped');
    writeFileSync(`${run.go}.2`, '');
    await b.waitFor(ended(b), 60_000, 'the end of the run');
    const r = await run.prog.waitExit(30_000, 'the run to end');
    assert.is(r.code, 0, run.prog.transcript());
    // The resumed page's chain starts at its after: the catch-up first, then the live updates.
    checkChain([b.messages[0]!, ...b.messages.slice(1)], 'the resumed page', lastAt);
    const seenB = outputLines(b.messages);
    assert.ok(seenA.every((l) => l.n <= lastAt) && seenB.every((l) => l.n > lastAt), 'no line on both sides of the seam');
    const union = [...seenA, ...seenB];
    assert.is(new Set(union.map((l) => l.n)).size, union.length, 'no n twice');
    assert.equal(union.map((l) => l.text), Array.from({ length: 150 }, (_, i) => `line ${i + 1}`), 'every line once, in order');
    // The same numbers as /api/logs gives: they come from the run's files.
    const logs = (await d.api(`/api/logs?run=${run.id}&stream=stdout&limit=5000`)).lines as any[];
    assert.equal(union.map((l) => [l.n, l.text]), logs.map((l) => [l.n, l.text]));
    assert.equal(lastSnapshot(b.messages).counts, (await d.api(`/api/progress?run=${run.id}`)).snapshot.counts);
    // Numbers depend only on the run's files: another dashboard, reading them whole after the end,
    // numbers every line as this one did while reading them piece by piece during the run.
    const other = await startDashboard({ home });
    try {
      const again = (await other.api(`/api/logs?run=${run.id}&limit=5000`)) as { at: number; lines: any[] };
      assert.equal(again.lines.map((l) => [l.n, l.kind, l.stream, l.text]), (await d.api(`/api/logs?run=${run.id}&limit=5000`)).lines.map((l: any) => [l.n, l.kind, l.stream, l.text]));
      assert.is(again.at, b.messages.at(-1)!.data.at);
    } finally {
      await other.stop();
    }
  } finally {
    writeFileSync(`${run.go}.2`, '');
    await a.close();
    await b?.close();
  }
}));

test('resume after more lines than the dashboard keeps: the snapshot names the gap, the update carries what it still holds', clean(async () => {
  const lines = 30_000;
  const prog = startProg(['run', '--format', 'none', '--', 'seq', '1', String(lines)], { home });
  const r = await prog.waitExit(60_000, 'seq to end');
  assert.is(r.code, 0, prog.transcript());
  const id = ((await d.api('/api/runs?limit=1')).runs as any[])[0].id as string;
  const logs = await d.api(`/api/logs?run=${id}&limit=1`);
  const first = logs.first as number;
  assert.ok(first > 2, `the oldest line held is ${first}: some were let go`);
  const w = await watch(d, `run=${id}&after=1`);
  try {
    await w.waitFor(ended(w), 30_000, 'snapshot, catch-up and end');
    const [snapshot, update, end] = w.messages.map((m) => m.data);
    assert.equal([snapshot.type, update?.type, end?.type, w.messages.length], ['snapshot', 'update', 'end', 3]);
    assert.equal(snapshot.gap, { from: 2, to: first - 1 });
    assert.is(update.from, 1);
    assert.is(update.lines[0].n, first, 'from the oldest line held');
    // What it holds is whole: the last lines of seq, in order, none missing, up to the end.
    const texts = update.lines.filter((l: any) => l.kind === 'output').map((l: any) => Number(l.text));
    assert.ok(texts.length >= 20_000, `${texts.length} lines held`);
    assert.equal(texts, Array.from({ length: texts.length }, (_, i) => lines - texts.length + 1 + i));
    // /api/logs counts the lines let go: those before the first held.
    assert.is(logs.dropped, texts[0]! - 1);
    // Without a gap to report (after= within what is held), no gap.
    const near = await watch(d, `run=${id}&after=${first}`);
    try {
      await near.waitFor(ended(near), 30_000, 'the end');
      assert.is(near.messages[0]!.data.gap, undefined);
      assert.is(near.messages[1]!.data.lines[0].n, first + 1);
    } finally {
      await near.close();
    }
  } finally {
    await w.close();
  }
}));

test('load: 50 pages on a run of about 1,000 events a second all end on the final counts of /api/progress', clean(async () => {
  const items = 1500;
  // 0.5 items/ms: two events a millisecond's item, a thousand events a second; a line every 50 items.
  const run = await liveRun(items, 50, 0.5);
  const pages: Watch[] = [];
  try {
    for (let i = 0; i < 50; i++) pages.push(await watch(d, `run=${run.id}`));
    await until(() => pages.every((p) => p.messages.length >= 1) || `${pages.filter((p) => p.messages.length >= 1).length} of 50 have their snapshot`, 20_000, 'every page\'s snapshot');
    const started = performance.now();
    writeFileSync(run.go, '');
    await until(() => pages.every((p) => ended(p)(p.messages)) || `${pages.filter((p) => ended(p)(p.messages)).length} of 50 ended`, 90_000, 'every page to see the end');
    const r = await run.prog.waitExit(30_000, 'the run to end');
    assert.is(r.code, 0, run.prog.transcript());
    const seconds = (performance.now() - started) / 1000;
    const progress = await d.api(`/api/progress?run=${run.id}`);
    assert.equal(progress.snapshot.counts, { processed: items, succeeded: items, failed: 0, retried: 0, skipped: 0, running: 0 });
    pages.forEach((p, i) => {
      assert.not.ok(p.messages.at(-1)!.data.type !== 'end' && p.closed, `page ${i} was dropped`);
      checkChain(p.messages, `page ${i}`);
      assert.equal(lastSnapshot(p.messages).counts, progress.snapshot.counts, `page ${i}: its last counts`);
      assert.equal(outputLines(p.messages).map((l) => l.text), Array.from({ length: items / 50 }, (_, k) => `line ${k + 1}`), `page ${i}: its lines`);
      const updates = p.messages.filter((m) => m.data.type === 'update').length;
      assert.ok(updates <= 10 * seconds + 3, `page ${i}: ${updates} updates in ${seconds.toFixed(1)} s`);
    });
    assert.ok(d.alive());
  } finally {
    await Promise.all(pages.map((p) => p.close()));
  }
}));

test.run();
