// Benchmarks of `prog dashboard` under load (issue: "50 WebSocket clients on a run emitting 1,000
// events/s: every client's last state equals the final state; the dashboard's CPU and memory … with
// a target of ≤ 5 % of one core for one client at that rate and memory flat over a 100,000-event
// run"):
//   a. the dashboard's CPU, as a share of one core, while 1 WebSocket client watches a run emitting
//      1,000 item.done markers a second for 10 s, against the same run's own prog process over the
//      same window (both read from /proc/PID/stat, utime + stime); goal ≤ 5 % of one core;
//   b. the same with 50 clients; goal: every client's last state is the run's final state (its last
//      snapshot equals /api/progress after the end, and its `end` message carries the final `at`);
//   c. the dashboard's resident memory (VmRSS from /proc/PID/status) across a 100,000-event run with
//      1 client, at the start, when the client has seen half the items, and at the end; goal: flat,
//      end ≤ 1.2 × middle (as row group 4). Paced at 10,000 events/s so the group stays short.
// The window of a and b runs from the go-ahead (the clients connected, the source starts emitting)
// to the moment every client has seen the last item; the source then waits for a second go-ahead
// before it exits, so the prog process is still there to be read.
// The source is a small node script (below) printing `::prog::` markers on stdout, paced on the
// clock in batches every 10 ms. Clients are `ws` clients with the dashboard's Origin and the token
// as `Authorization: Bearer`.
//
// Environment:
//   BENCH_DASHBOARD_SECONDS   length of the runs of a and b (default 10; --quick 4)
//   BENCH_DASHBOARD_RATE      item.done markers a second in a and b (default 1,000)
//   BENCH_DASHBOARD_CLIENTS   clients in b (default 50)
//   BENCH_DASHBOARD_EVENTS    events of the run of c (default 100,000; --quick 20,000)
//   BENCH_DASHBOARD_PROFILE   a directory: the dashboard runs with `node --cpu-prof` and leaves its
//                             profiles there (one per case), for finding its hot spots
//   BENCH_TMPDIR              where the temporary PROG_HOMEs go
// Standalone: `node dist/bench/dashboard.js [--quick]` prints a table. Linux only.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { BenchRow } from './row.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const PROG = join(root, 'bin', 'prog.cjs');
const NODE = process.execPath;
/** Issue's goals: ≤ 5 % of one core with one client; memory flat (as row group 4: N ≤ 1.2 × N/2). */
const GOAL_PERCENT = 5;
const GOAL_FLAT = 1.2;
/** The memory run is paced faster than a and b: 100,000 events at 1,000/s would take 100 s. */
const RSS_RATE = 10_000;

function log(message: string): void {
  process.stderr.write(`[bench] dashboard: ${message}\n`);
}

function number(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: "${text}" is not a positive number`);
  return n;
}

/**
 * The event source: a phase of N items, then (once argv[1] exists) item.done markers at `rate` a
 * second, written in one batch every 10 ms as many as the clock says are due; once all are out it
 * waits for argv[2] before it exits.
 */
const SOURCE = `
const fs = require('fs');
const [go, end, total, rate] = process.argv.slice(1);
const n = Number(total), r = Number(rate);
fs.writeSync(1, '::prog::' + JSON.stringify({ type: 'phase', id: 'load', name: 'load', total: n }) + '\\n');
const when = (file, then) => { const t = setInterval(() => { if (fs.existsSync(file)) { clearInterval(t); then(); } }, 10); };
when(go, () => {
  const t0 = Date.now();
  let i = 0;
  const t = setInterval(() => {
    const due = Math.min(n, Math.floor(((Date.now() - t0) * r) / 1000));
    let batch = '';
    while (i < due) { i++; batch += '::prog::{"type":"item.done","phase":"load","id":"item-' + i + '"}\\n'; }
    if (batch !== '') fs.writeSync(1, batch);
    if (i >= n) { clearInterval(t); when(end, () => {}); }
  }, 10);
});
`;

interface Cpu {
  /** utime + stime, in seconds. */
  seconds: number;
  /** stime alone. */
  system: number;
}

let clockTicks = 0;
/** The process's own CPU so far (utime + stime), undefined once it is gone. */
function cpuOf(pid: number): Cpu | undefined {
  if (clockTicks === 0) clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { seconds: (Number(f[11]) + Number(f[12])) / clockTicks, system: Number(f[12]) / clockTicks }; // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

/** VmRSS in bytes, undefined once the process is gone. */
function rssOf(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${(ms / 1000).toFixed(0)} s waiting for ${what}`);
    await sleep(20);
  }
}

function childEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  // The bench may itself run under prog: its children must not write to our progress pipe.
  for (const key of Object.keys(env)) if (key.startsWith('PROG_')) delete env[key];
  env.PROG_HOME = home;
  env.PROG_CONFIG_DIR = join(home, 'config');
  return env;
}

interface Dashboard {
  proc: ChildProcess;
  pid: number;
  port: number;
  token: string;
}

async function startDashboard(home: string, profile: string | undefined): Promise<Dashboard> {
  const flags = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
  const proc = spawn(NODE, [...flags, PROG, 'dashboard', '--port', '0'], { env: childEnv(home), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d));
  let exited = false;
  proc.on('exit', () => (exited = true));
  await until(() => exited || /\?token=[\w-]+\n/.test(err), 30_000, 'prog dashboard to print its address');
  const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)/.exec(err);
  if (!m) throw new Error(`prog dashboard did not start:\n${err}`);
  return { proc, pid: proc.pid!, port: Number(m[1]), token: m[2]! };
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([gone, sleep(5000)]);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}

/** One page watching the run: what it has been sent, and the state it would show. */
interface Client {
  socket: WebSocket;
  snapshot: { counts: { processed: number; succeeded: number } } | undefined;
  snapshotText: string;
  at: number;
  messages: number;
  bytes: number;
  /** The `end` message's `at`, once it came. */
  endAt: number | undefined;
  error: string | undefined;
}

function connect(d: Dashboard, run: string): Promise<Client> {
  return new Promise((resolvePromise, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${d.port}/ws?run=${run}`, {
      origin: `http://127.0.0.1:${d.port}`,
      headers: { Authorization: `Bearer ${d.token}` },
      perMessageDeflate: false,
    });
    const client: Client = { socket, snapshot: undefined, snapshotText: '', at: 0, messages: 0, bytes: 0, endAt: undefined, error: undefined };
    socket.on('message', (data: Buffer) => {
      client.messages++;
      client.bytes += data.length;
      const message = JSON.parse(data.toString('utf8')) as { type: string; at: number; from?: number; snapshot?: unknown };
      if (message.type === 'update' && message.from !== client.at) client.error ??= `an update from ${message.from} after at ${client.at}`;
      if (message.snapshot !== undefined) {
        client.snapshot = message.snapshot as Client['snapshot'];
        client.snapshotText = JSON.stringify(message.snapshot);
      }
      if (message.type === 'end') client.endAt = message.at;
      client.at = message.at;
      if (message.type === 'snapshot') resolvePromise(client);
    });
    socket.on('unexpected-response', (_req, res) => reject(new Error(`/ws answered ${res.statusCode}`)));
    socket.on('error', (error) => {
      client.error ??= error.message;
      reject(error);
    });
    socket.on('close', () => {
      if (client.endAt === undefined) client.error ??= 'closed before the end';
    });
  });
}

interface Measured {
  events: number;
  clients: number;
  /** Wall seconds from the go-ahead until every client had seen the last item. */
  wallS: number;
  dashboardPercent: number;
  /** The part of dashboardPercent spent in the kernel (stime). */
  dashboardSystemPercent: number;
  progPercent: number;
  /** Clients whose last snapshot and `end` equal the run's final state. */
  onFinal: number;
  problems: string[];
  messagesPerClient: number;
  bytesPerClient: number;
  /** VmRSS of the dashboard: before the go-ahead, when the first client had seen half, at the end, and the peak. */
  rss: { start: number; middle: number; end: number; peak: number };
}

/** One run of `events` item.done at `rate`/s with `clients` pages watching it. */
async function measure(tmp: string, events: number, rate: number, clients: number, profile: string | undefined): Promise<Measured> {
  const home = mkdtempSync(join(tmp, 'prog-bench-dashboard-'));
  const go = join(home, 'go');
  const end = join(home, 'end');
  let d: Dashboard | undefined;
  let run: ChildProcess | undefined;
  const sockets: WebSocket[] = [];
  try {
    d = await startDashboard(home, profile);
    run = spawn(NODE, [PROG, 'run', '--format', 'none', '--', NODE, '-e', SOURCE, go, end, String(events), String(rate)], { env: childEnv(home), stdio: ['ignore', 'ignore', 'pipe'] });
    let runErr = '';
    run.stderr!.on('data', (b: Buffer) => (runErr += b));
    let runCode: number | null | undefined;
    run.on('exit', (code) => (runCode = code));
    const runs = join(home, 'runs');
    await until(() => existsSync(runs) && readdirSync(runs).length === 1, 30_000, 'the run to start');
    const id = readdirSync(runs)[0]!;
    // The dashboard lists a run once its run.json is there: retry the first connection until then.
    let first: Client | undefined;
    for (const deadline = Date.now() + 30_000; !first; ) {
      try {
        first = await connect(d, id);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
    const pages = [first, ...(await Promise.all(Array.from({ length: clients - 1 }, () => connect(d!, id))))];
    sockets.push(...pages.map((p) => p.socket));
    const seen = (p: Client) => p.snapshot?.counts.succeeded ?? 0;
    const rss = { start: 0, middle: 0, end: 0, peak: 0 };
    rss.start = rssOf(d.pid) ?? 0;
    const sampler = setInterval(() => {
      const now = rssOf(d!.pid) ?? 0;
      rss.peak = Math.max(rss.peak, now);
      if (rss.middle === 0 && seen(pages[0]!) >= events / 2) rss.middle = now;
    }, 100);
    const dash0 = cpuOf(d.pid)!;
    const prog0 = cpuOf(run.pid!)!;
    const t0 = performance.now();
    writeFileSync(go, '');
    try {
      await until(() => pages.every((p) => seen(p) >= events), (events / rate) * 1000 * 3 + 60_000, `every client to see ${events} items`);
    } finally {
      clearInterval(sampler);
    }
    const wallS = (performance.now() - t0) / 1000;
    const dash1 = cpuOf(d.pid)!;
    const prog1 = cpuOf(run.pid!);
    if (!prog1) throw new Error(`the run ended before it was read:\n${runErr}`);
    rss.end = rssOf(d.pid) ?? 0;
    rss.peak = Math.max(rss.peak, rss.end);
    if (rss.middle === 0) rss.middle = rss.end;
    // The end: the run exits, every page gets its `end`; then the state they hold is compared with the run's.
    writeFileSync(end, '');
    await until(() => runCode !== undefined, 30_000, 'the run to exit');
    if (runCode !== 0) throw new Error(`the run exited ${runCode}:\n${runErr}`);
    await until(() => pages.every((p) => p.endAt !== undefined || p.error !== undefined), 30_000, 'every client to get the end');
    const r = await fetch(`http://127.0.0.1:${d.port}/api/progress?run=${id}`, { headers: { Authorization: `Bearer ${d.token}` } });
    const final = (await r.json()) as { at: number; snapshot: unknown };
    const finalText = JSON.stringify(final.snapshot);
    const problems: string[] = [];
    let onFinal = 0;
    for (const [i, p] of pages.entries()) {
      if (p.error !== undefined) problems.push(`client ${i}: ${p.error}`);
      else if (p.endAt !== final.at) problems.push(`client ${i}: end at ${p.endAt}, the feed at ${final.at}`);
      else if (p.snapshotText !== finalText) problems.push(`client ${i}: its last snapshot differs from /api/progress's`);
      else onFinal++;
    }
    const messages = pages.reduce((n, p) => n + p.messages, 0) / pages.length;
    const bytes = pages.reduce((n, p) => n + p.bytes, 0) / pages.length;
    return {
      events, clients, wallS,
      dashboardPercent: ((dash1.seconds - dash0.seconds) / wallS) * 100,
      dashboardSystemPercent: ((dash1.system - dash0.system) / wallS) * 100,
      progPercent: ((prog1.seconds - prog0.seconds) / wallS) * 100,
      onFinal, problems, messagesPerClient: messages, bytesPerClient: bytes, rss,
    };
  } finally {
    for (const socket of sockets) socket.terminate();
    // Both go-aheads, so a source still waiting ends by itself.
    for (const file of [go, end]) if (existsSync(home)) writeFileSync(file, '');
    if (run) await stopProcess(run);
    if (d) await stopProcess(d.proc);
    rmSync(home, { recursive: true, force: true });
  }
}

const pct = (v: number) => `${v.toFixed(2)} % of a core`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const count = (n: number) => n.toLocaleString('en-US');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function traffic(m: Measured): string {
  return `dashboard ${m.dashboardSystemPercent.toFixed(2)} % of it in the kernel; ${count(m.events)} events in ${m.wallS.toFixed(1)} s (${count(Math.round(m.events / m.wallS))}/s seen by the clients); ` +
    `each client got ${m.messagesPerClient.toFixed(0)} messages, ${kib(m.bytesPerClient)} (${kib(m.bytesPerClient / m.wallS)}/s)`;
}

function final(m: Measured): string {
  return `${m.onFinal}/${m.clients} clients ended on the final state${m.problems.length > 0 ? ` (${m.problems.slice(0, 3).join('; ')})` : ''}`;
}

export async function dashboardRows(quick: boolean, tmp = tmpdir()): Promise<BenchRow[]> {
  if (process.platform !== 'linux') throw new Error('bench/dashboard.ts reads /proc: Linux only');
  if (!existsSync(join(root, 'dist', 'bundle', 'prog.cjs'))) throw new Error('dist/bundle/prog.cjs is missing (npm run build)');
  const seconds = number('BENCH_DASHBOARD_SECONDS', quick ? 4 : 10);
  const rate = number('BENCH_DASHBOARD_RATE', 1000);
  const many = number('BENCH_DASHBOARD_CLIENTS', 50);
  const rssEvents = number('BENCH_DASHBOARD_EVENTS', quick ? 20_000 : 100_000);
  const profileRoot = process.env.BENCH_DASHBOARD_PROFILE;
  const profile = (name: string) => {
    if (!profileRoot) return undefined;
    const dir = resolve(profileRoot, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const events = Math.round(seconds * rate);
  const rows: BenchRow[] = [];

  log(`1 client, ${count(events)} item.done at ${count(rate)}/s`);
  const one = await measure(tmp, events, rate, 1, profile('one-client'));
  rows.push({
    what: `dashboard CPU, 1 WebSocket client on a run emitting ${count(rate)} item.done/s for ${seconds} s`,
    value: pct(one.dashboardPercent), baseline: "the run's own prog process, same window", baseValue: pct(one.progPercent),
    ratio: `${(one.dashboardPercent / one.progPercent).toFixed(2)}×`, goal: `≤ ${GOAL_PERCENT} % of one core`, met: one.dashboardPercent <= GOAL_PERCENT,
    note: `${traffic(one)}; ${final(one)}`,
  });

  log(`${many} clients, ${count(events)} item.done at ${count(rate)}/s`);
  const lots = await measure(tmp, events, rate, many, profile(`${many}-clients`));
  rows.push({
    what: `same, ${many} clients: the dashboard's CPU, and every client's last state`,
    value: `${pct(lots.dashboardPercent)}; ${lots.onFinal}/${lots.clients} on the final state`, baseline: "the run's own prog process, same window", baseValue: pct(lots.progPercent),
    ratio: `${(lots.dashboardPercent / lots.progPercent).toFixed(2)}×`, goal: "every client's last state = the final state", met: lots.onFinal === lots.clients,
    note: `${(lots.dashboardPercent / one.dashboardPercent).toFixed(2)}× row a's dashboard CPU for ${many}× the clients; ${traffic(lots)}; ${final(lots)}`,
  });

  log(`memory: 1 client, ${count(rssEvents)} item.done at ${count(RSS_RATE)}/s`);
  const mem = await measure(tmp, rssEvents, RSS_RATE, 1, profile('memory'));
  rows.push({
    what: `dashboard RSS over a ${count(rssEvents)}-event run (1 client, ${count(RSS_RATE)} events/s): at the end`,
    value: mib(mem.rss.end), baseline: 'its RSS when the client had seen half the events', baseValue: mib(mem.rss.middle),
    ratio: `${(mem.rss.end / mem.rss.middle).toFixed(2)}×`, goal: `≤ ${GOAL_FLAT} × (memory flat)`, met: mem.rss.end <= GOAL_FLAT * mem.rss.middle,
    note: `VmRSS ${mib(mem.rss.start)} before the first event, ${mib(mem.rss.middle)} at half, ${mib(mem.rss.end)} at the end, peak ${mib(mem.rss.peak)}; ` +
      `dashboard CPU ${pct(mem.dashboardPercent)}, prog ${pct(mem.progPercent)}; ${traffic(mem)}; ${final(mem)}`,
  });
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await dashboardRows(process.argv.includes('--quick'), resolve(process.env.BENCH_TMPDIR || tmpdir()));
  const head = ['#', 'Case', 'Value', 'Baseline', 'Baseline value', 'Ratio', 'Goal', 'Met', 'Note'];
  console.log(`| ${head.join(' | ')} |\n|---|---|---:|---|---:|---:|---|---|---|`);
  for (const [i, r] of rows.entries()) {
    console.log(`| ${String.fromCharCode(97 + i)} | ${[r.what, r.value, r.baseline, r.baseValue, r.ratio, r.goal ?? '—', r.met === undefined ? '—' : r.met ? 'met' : '**not met**', r.note].join(' | ')} |`);
  }
}
