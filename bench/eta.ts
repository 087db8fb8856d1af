// ETA accuracy, end to end: `npm run bench:eta`.
// Each recording of a real tool (bench/eta/recordings/<tool>/*.rec, made by record.sh) is replayed
// with its original timing THROUGH prog (`prog run --format json --update-interval 0.2 -- node
// test/fixtures/replay.js REC`), and prog's own snapshots are scored: cold (an empty PROG_HOME),
// then with three earlier runs of the same work in history (made from the cold run's record, at 0.9,
// 1.1 and 1.2 times its durations: history that is 10 % off, as re-runs are). The peers (tqdm, indicatif, pv's 30 s
// window, GNU parallel, a 20-sample window; bench/eta/peers.ts) are fed the progress points the
// parsers read from the same recording, at their recorded times: the best they could do.
// Metric (bench/eta/score.ts): on a 100 ms grid over 10–90 % of the run, |ETA − true time left| ÷
// duration, capped at 1 per sample, 1 where no ETA is shown; the mean. Lower is better.
// Flags: --only a,b (recordings whose name contains one of these), --jobs N (recordings replayed
// at once, default 2: replays mostly sleep), --no-history, --json, --offline (the estimator alone,
// in-process, on recordings and synthetic workloads: bench/eta/offline.ts).
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadParserSpecs } from '../src/parsers/parser-hub.js';
import { offline } from './eta/offline.js';
import { Indicatif, Parallel, Pv, Seed, Tqdm, type Estimator } from './eta/peers.js';
import { scorePeer, scoreProg, type Score } from './eta/score.js';
import { replay } from './eta/traces.js';
import { HISTORY_SCALES, runThroughProg, threeRunsOfHistory } from './eta/through-prog.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const recordings = join(root, 'bench', 'eta', 'recordings');

const PEERS: [string, () => Estimator][] = [
  ['tqdm', () => new Tqdm()],
  ['indicatif', () => new Indicatif()],
  ['pv', () => new Pv()],
  ['parallel', () => new Parallel()],
  ['window20', () => new Seed()],
];

interface Row { name: string; durationMs: number; cold: Score; history?: Score; peers: Record<string, Score> }

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function listRecordings(only: string[] | undefined): { name: string; path: string }[] {
  const found: { name: string; path: string }[] = [];
  for (const tool of readdirSync(recordings, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const file of readdirSync(join(recordings, tool)).filter((f) => f.endsWith('.rec')).sort()) {
      const name = `${tool}/${basename(file, '.rec')}`;
      if (!only || only.some((o) => name.includes(o))) found.push({ name, path: join(recordings, tool, file) });
    }
  }
  return found;
}

async function measure(rec: { name: string; path: string }, specs: Awaited<ReturnType<typeof loadParserSpecs>>, withHistory: boolean): Promise<Row> {
  const home = mkdtempSync(join(tmpdir(), 'prog-bench-eta-'));
  try {
    const cold = await runThroughProg(root, rec.path, home);
    const trace = replay(specs, rec.path, rec.name);
    const durationMs = trace?.endMs ?? cold.endMs;
    const row: Row = { name: rec.name, durationMs, cold: scoreProg(cold.shown, durationMs, cold.endMs), peers: {} };
    for (const [name, make] of PEERS) row.peers[name] = scorePeer(make, trace?.points ?? [], durationMs);
    if (withHistory && threeRunsOfHistory(home)) {
      const warm = await runThroughProg(root, rec.path, home);
      row.history = scoreProg(warm.shown, durationMs, warm.endMs);
    }
    process.stderr.write(`  ${rec.name}: prog ${row.cold.error.toFixed(3)}${row.history ? ` (history ${row.history.error.toFixed(3)})` : ''}\n`);
    return row;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function pool<T, R>(items: T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  }));
  return results;
}

const f3 = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(3));
const pct = (x: number | undefined) => (x === undefined ? '—' : `${Math.round(x * 100)} %`);
const secs = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function report(rows: Row[]): void {
  const peers = PEERS.map(([n]) => n);
  console.log('## ETA accuracy through prog: mean |ETA − true time left| ÷ duration, 10–90 % of each run (lower is better)\n');
  console.log(`| recording | duration | prog cold | prog, 3 runs in history | ${peers.join(' | ')} | first ETA: prog / best peer | prog range held truth: cold / history | range width |`);
  console.log(`|---|---:|---:|---:|${peers.map(() => '---:').join('|')}|---:|---:|---:|`);
  for (const r of rows) {
    const best = Math.min(r.cold.error, ...peers.map((p) => r.peers[p]!.error));
    const cell = (s: Score | undefined) => (s === undefined ? '—' : s.error === best ? `**${f3(s.error)}**` : f3(s.error));
    const firstPeer = Math.min(...peers.map((p) => r.peers[p]!.firstMs ?? Infinity));
    console.log(`| ${r.name} | ${secs(r.durationMs)} | ${cell(r.cold)} | ${f3(r.history?.error)} | ${peers.map((p) => cell(r.peers[p])).join(' | ')} | ${secs(r.cold.firstMs)} / ${secs(Number.isFinite(firstPeer) ? firstPeer : undefined)} | ${pct(r.cold.inRange)} / ${pct(r.history?.inRange)} | ${r.cold.width === undefined ? '—' : `${r.cold.width.toFixed(2)}×`} |`);
  }
  const cold = mean(rows.map((r) => r.cold.error));
  const warmRows = rows.filter((r) => r.history);
  const warm = warmRows.length > 0 ? mean(warmRows.map((r) => r.history!.error)) : undefined;
  const peerMeans = peers.map((p) => [p, mean(rows.map((r) => r.peers[p]!.error))] as const).sort((a, b) => a[1] - b[1]);
  console.log(`| **mean** (${rows.length}) | | **${f3(cold)}** | ${f3(warm)} | ${peers.map((p) => f3(peerMeans.find(([n]) => n === p)![1])).join(' | ')} | | ${pct(mean(rows.map((r) => r.cold.inRange ?? 0)))} / ${pct(warmRows.length ? mean(warmRows.map((r) => r.history!.inRange ?? 0)) : undefined)} | |`);
  const [bestPeer, bestMean] = peerMeans[0]!;
  console.log('');
  console.log(`Cold, prog's mean error is ${f3(cold)} against the best peer's ${f3(bestMean)} (${bestPeer}): ratio ${(cold / bestMean).toFixed(2)}.`);
  if (warm !== undefined) console.log(`With three runs in history (${HISTORY_SCALES.join(', ')} × this run's durations): ${f3(warm)}, ratio ${(warm / bestMean).toFixed(2)} to the best peer cold (goal: below 0.5).`);
  const widths = rows.map((r) => r.cold.width).filter((w): w is number => w !== undefined);
  const answered = rows.map((r) => r.cold.answered);
  console.log(`prog showed an ETA in ${pct(mean(answered))} of the samples; its range held the true time left in ${pct(mean(rows.map((r) => r.cold.inRange ?? 0)))} of them (cold), ${pct(warmRows.length ? mean(warmRows.map((r) => r.history!.inRange ?? 0)) : undefined)} with history; median width ${widths.length ? `${median(widths)!.toFixed(2)}×` : '—'} the true time left.`);
  const firsts = rows.map((r) => (r.cold.firstMs === undefined ? undefined : r.cold.firstMs / r.durationMs)).filter((x): x is number => x !== undefined);
  console.log(`First ETA (cold): median ${pct(median(firsts))} of the run in.`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--offline')) return offline();
  if (!existsSync(join(root, 'dist', 'src', 'cli.js'))) throw new Error('build first: npm run build');
  const only = flag('--only')?.split(',');
  const jobs = Math.max(1, Number(flag('--jobs') ?? 2));
  const list = listRecordings(only);
  const specs = await loadParserSpecs();
  process.stderr.write(`replaying ${list.length} recordings through prog, ${jobs} at a time (each twice, cold and with history)…\n`);
  const rows = await pool(list, jobs, (rec) => measure(rec, specs, !process.argv.includes('--no-history')));
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
  else report(rows);
}

await main();
