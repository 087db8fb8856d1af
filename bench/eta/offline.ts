// The estimator alone, fed progress points in-process: `npm run bench:eta -- --offline`. For
// tuning the engine on synthetic workloads as well as recordings; the figures that count are
// bench/eta.ts's, taken through prog itself.
// For each trace (recordings of real tools replayed in-process, and synthetic workloads) and each
// estimator, the mean of |ETA − true remaining| ÷ run duration, sampled every 1 % of the run from
// 10 % to 90 %. A sample where an estimator shows no ETA scores 1 (as bad as being off by the whole
// run, and no sample scores more: a wild ETA is no better than none); `answered` says how often each one had an ETA. For prog, `in range` is the share of samples
// where the true remaining time lay inside [lowMs, highMs]. "prog+prior" is prog given the trace's
// own duration +10 % as history (on traces where a past run of the same work makes sense).
// Flags: --verbose (per-trace answered shares), --json (the rows as JSON).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtaEngine, type EtaEstimate } from '../../src/model/eta.js';
import { Indicatif, Parallel, Pv, Seed, Tqdm, type Estimator } from './peers.js';
import { fixtureTraces, syntheticTraces, type Trace } from './traces.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');

type Answer = { eta: number | undefined; range?: EtaEstimate | undefined };
type Runner = { record(t: number, c: number, total: number): void; at(now: number): Answer };

const wrap = (e: Estimator): Runner => ({ record: (t, c, total) => e.record(t, c, total), at: (now) => ({ eta: e.eta(now) }) });
const prog = (prior?: number): Runner => {
  const engine = new EtaEngine(prior === undefined ? {} : { prior: { durationsMs: [prior] } });
  return {
    record: (t, c, total) => engine.record(t, c, total),
    at: (now) => {
      const e = engine.estimate(now);
      return { eta: e?.etaMs, range: e };
    },
  };
};

const ESTIMATORS: { name: string; make: (trace: Trace) => Runner | undefined }[] = [
  { name: 'prog', make: () => prog() },
  { name: 'prog+prior', make: (t) => (t.prior ? prog(t.endMs * 1.1) : undefined) },
  { name: 'tqdm', make: () => wrap(new Tqdm()) },
  { name: 'indicatif', make: () => wrap(new Indicatif()) },
  { name: 'pv', make: () => wrap(new Pv()) },
  { name: 'parallel', make: () => wrap(new Parallel()) },
  { name: 'seed', make: () => wrap(new Seed()) },
];

interface Score { error: number; answered: number; inRange?: number; inRangeShown?: number; /** Median of (high − low) ÷ true remaining over samples with a range. */ width?: number }

function score(trace: Trace, runner: Runner): Score {
  const { points, endMs } = trace;
  let i = 0;
  let err = 0;
  let answered = 0;
  let inside = 0;
  let n = 0;
  let ranged = false;
  const widths: number[] = [];
  for (let pct = 10; pct <= 90; pct++) {
    const now = (endMs * pct) / 100;
    while (i < points.length && points[i]!.t <= now) {
      const p = points[i++]!;
      runner.record(p.t, p.current, p.total);
    }
    const truth = endMs - now;
    const a = runner.at(now);
    n++;
    if (a.eta === undefined || !Number.isFinite(a.eta)) {
      err += 1;
      continue;
    }
    answered++;
    err += Math.min(1, Math.abs(a.eta - truth) / endMs);
    if (a.range) ranged = true;
    if (a.range && a.range.lowMs <= truth && truth <= a.range.highMs) inside++;
    if (a.range && truth > 0) widths.push((a.range.highMs - a.range.lowMs) / truth);
  }
  widths.sort((x, y) => x - y);
  const width = widths.length > 0 ? widths[Math.floor(widths.length / 2)] : undefined;
  return { error: err / n, answered: answered / n, ...(ranged ? { inRange: inside / n, inRangeShown: inside / answered } : {}), ...(width === undefined ? {} : { width }) };
}

const median = (xs: number[]) => (xs.length === 0 ? undefined : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
const fmt = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(3));
const pctf = (x: number | undefined) => (x === undefined ? '—' : `${Math.round(x * 100)} %`);

export async function offline(): Promise<void> {
  const traces = [...(await fixtureTraces(root)), ...syntheticTraces()];
  const names = ESTIMATORS.map((e) => e.name);
  const rows: { trace: Trace; scores: (Score | undefined)[] }[] = traces.map((trace) => ({
    trace,
    scores: ESTIMATORS.map((e) => {
      const r = e.make(trace);
      return r && score(trace, r);
    }),
  }));
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(rows.map((r) => ({ trace: r.trace.name, durationMs: r.trace.endMs, updates: r.trace.points.length, ...Object.fromEntries(r.scores.map((s, i) => [names[i], s])) }))));
    return;
  }
  const live = names.filter((n) => n !== 'prog+prior');
  console.log('## ETA accuracy: mean |ETA − true remaining| ÷ duration over 10–90 % of the run (lower is better)\n');
  console.log(`| trace | duration | updates | ${names.join(' | ')} | best live | prog in range |`);
  console.log(`|---|---:|---:|${names.map(() => '---:').join('|')}|---|---:|`);
  const wins = new Map<string, number>();
  for (const { trace, scores } of rows) {
    const liveScores = live.map((n) => scores[names.indexOf(n)]!.error);
    const best = Math.min(...liveScores);
    const winners = live.filter((_, i) => liveScores[i] === best);
    for (const w of winners) wins.set(w, (wins.get(w) ?? 0) + 1);
    const cells = scores.map((s) => (s ? (s.error === best ? `**${fmt(s.error)}**` : fmt(s.error)) : '—'));
    console.log(`| ${trace.name} | ${(trace.endMs / 1000).toFixed(1)} s | ${trace.points.length} | ${cells.join(' | ')} | ${winners.join(', ')} | ${pctf(scores[0]!.inRange)} |`);
  }
  const mean = (i: number, pick: (s: Score) => number, subset = rows) => {
    const xs = subset.map((r) => r.scores[i]).filter((s): s is Score => s !== undefined).map(pick);
    return xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const groups: [string, typeof rows][] = [
    ['**aggregate (all traces)**', rows],
    ['aggregate (recordings)', rows.filter((r) => r.trace.name.includes('/'))],
    ['aggregate (synthetic)', rows.filter((r) => !r.trace.name.includes('/'))],
  ];
  for (const [label, subset] of groups) {
    const agg = names.map((_, i) => mean(i, (s) => s.error, subset));
    const best = Math.min(...live.map((n) => agg[names.indexOf(n)]!));
    console.log(`| ${label} | | ${subset.length} traces | ${agg.map((a, i) => (a === best && live.includes(names[i]!) ? `**${fmt(a)}**` : fmt(a))).join(' | ')} | ${live.filter((n) => agg[names.indexOf(n)] === best).join(', ')} | ${pctf(mean(0, (s) => s.inRange ?? 0, subset))} |`);
  }
  console.log(`| answered (share of samples with an ETA) | | | ${names.map((_, i) => pctf(mean(i, (s) => s.answered))).join(' | ')} | | |`);
  console.log(`\nprog's range held the truth in ${pctf(mean(0, (s) => s.inRange ?? 0))} of all samples, and in ${pctf(mean(0, (s) => s.inRangeShown ?? 0, rows.filter((r) => r.scores[0]!.inRangeShown !== undefined)))} of the samples where it showed an ETA; its width (high − low) was ${fmt(median(rows.map((r) => r.scores[0]!.width).filter((w): w is number => w !== undefined)))}× the true time left (median over traces of each trace's median).`);
  const h2h = live.slice(1).map((n) => {
    const i = names.indexOf(n);
    return `${n} ${rows.filter((r) => r.scores[0]!.error < r.scores[i]!.error).length}–${rows.filter((r) => r.scores[0]!.error > r.scores[i]!.error).length}`;
  });
  console.log(`Head to head, traces where prog's error is lower–higher: ${h2h.join(', ')}.`);
  console.log(`prog+prior: the prior is the trace's own duration +10 %; its in-range share: ${pctf(mean(1, (s) => s.inRange ?? 0))}.`);
  console.log(`Traces won (live estimators, ties count for each): ${[...wins].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c}`).join(', ')} of ${rows.length}.`);
  const agg = live.map((n) => mean(names.indexOf(n), (s) => s.error)!);
  const order = live.map((n, i) => [n, agg[i]!] as const).sort((a, b) => a[1] - b[1]);
  console.log(`Winner on the aggregate: ${order[0]![0]} (${fmt(order[0]![1])}), then ${order.slice(1).map(([n, a]) => `${n} ${fmt(a)}`).join(', ')}.`);
  if (process.argv.includes('--verbose')) {
    for (const { trace, scores } of rows) console.log(`${trace.name}: answered ${scores.map((s, i) => `${names[i]} ${pctf(s?.answered)}`).join(', ')}`);
  }
}

