// Benchmarks of the state dir's reads as it grows (issue 13): `prog ls`, `prog history` (the
// summary and one workflow) and `prog run -- true` (whose ETA prior reads the history) with many
// stored runs, each against the same command with 10 runs, measured in the same run. Goal: cost
// independent of the number of stored runs (ratio ≤ 1.2).
//
// The state dirs are synthetic but shaped as RunStore leaves them: runs/<id>/run.json (pretty
// JSON, as #writeRecord writes it), a snapshot.json and logs for the runs that did not succeed, and
// one history.ndjson line per run as #appendHistory appends it (phases with current and total).
//
// Environment:
//   BENCH_STORE_REPS  repetitions of each case, interleaved, median reported (default 15; --quick 5)
//   BENCH_STORE_RUNS  stored runs in the large state dirs (default 10,000; --quick 2,000)
//   BENCH_TMPDIR      where the state dirs go (default the OS temp dir)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './row.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const PROG = join(root, 'bin', 'prog.cjs');
const NODE = process.execPath;
const GOAL = 1.2;
const FEW = 10;
const WORKFLOWS = 20;

interface Case {
  name: string;
  argv: string[];
  home: string;
  cwd: string;
}

/** Run i of the state dir: a minute apart, the newest now; workflows in turn. */
function runRecord(i: number, n: number, key: (i: number) => string, cwd: string): Record<string, unknown> {
  const start = new Date(Date.now() - (n - i) * 60_000);
  const id = `${start.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${(0x100000 + i).toString(16).slice(-6)}`;
  const failed = i % 10 === 3;
  const durationMs = 20_000 + (i % 17) * 1000;
  return {
    version: 1, id, key: key(i), command: ['make', '-j8'], cwd, startedAt: start.toISOString(),
    pid: 10_000 + (i % 20_000), supervisor: { pid: 9_000 + (i % 20_000), startTicks: String(100_000 + i) }, graceMs: 10_000,
    endedAt: new Date(start.getTime() + durationMs).toISOString(), durationMs,
    status: failed ? 'failed' : 'ok', exitCode: failed ? 2 : 0, signal: null,
    counts: { processed: 120, succeeded: failed ? 118 : 120, failed: failed ? 2 : 0, retried: 0, skipped: 0, running: 0 },
    phases: [
      { id: 'configure', name: 'Configure', status: 'ok', durationMs: 2000, current: 1, total: 1, counts: {} },
      { id: 'build', name: 'Build', status: failed ? 'failed' : 'ok', durationMs: durationMs - 2000, current: 120, total: 120, counts: {} },
    ],
    resources: { peakRssBytes: 512 * 1024 * 1024, cpuSeconds: 30.5 },
  };
}

/** A state dir with n runs: run directories and history.ndjson, both as prog writes them. */
function stateDir(parent: string, n: number, key: (i: number) => string, cwd: string): string {
  const home = mkdtempSync(join(parent, 'prog-bench-store-'));
  mkdirSync(join(home, 'runs'));
  let history = '';
  for (let i = 0; i < n; i++) {
    const record = runRecord(i, n, key, cwd);
    const dir = join(home, 'runs', record.id as string);
    mkdirSync(dir);
    writeFileSync(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
    writeFileSync(join(dir, 'events.ndjson'), '');
    writeFileSync(join(dir, 'stdout.log'), 'make: Nothing to be done.\n');
    if (record.status !== 'ok') writeFileSync(join(dir, 'snapshot.json'), JSON.stringify({ type: 'snapshot', tMs: 20_000, workflow: record.key, percent: 97.5 }));
    const { phases, ...line } = record as { phases: Record<string, unknown>[] };
    history += JSON.stringify({ ...line, phases: phases.map(({ counts: _counts, ...p }) => p) }) + '\n';
  }
  writeFileSync(join(home, 'history.ndjson'), history);
  return home;
}

function timeOnce(c: Case): number {
  const env: NodeJS.ProcessEnv = { ...process.env, PROG_HOME: c.home, PROG_CONFIG_DIR: join(c.home, 'config'), NO_COLOR: '1' };
  delete env.CI;
  const started = process.hrtime.bigint();
  const r = spawnSync(c.argv[0]!, c.argv.slice(1), { cwd: c.cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name}: exit ${r.status}: ${r.stderr?.toString().slice(0, 500)}`);
  return ms;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median of each case, repetitions interleaved (A B C … A B C …) after one warm-up each. */
function timeAll(cases: Case[], reps: number): number[] {
  for (const c of cases) timeOnce(c);
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) cases.forEach((c, i) => samples[i]!.push(timeOnce(c)));
  return samples.map(median);
}

const ms = (v: number) => `${v.toFixed(v < 100 ? 1 : 0)} ms`;

export async function storeRows(quick: boolean): Promise<BenchRow[]> {
  const reps = Number(process.env.BENCH_STORE_REPS ?? (quick ? 5 : 15));
  const many = Number((process.env.BENCH_STORE_RUNS ?? (quick ? '2000' : '10000')).replace(/[_,]/g, ''));
  const parent = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'prog-bench-store-'));
  try {
    const cwd = join(parent, 'work');
    mkdirSync(cwd);
    const workflow = (i: number) => `nightly-${i % WORKFLOWS}`;
    // `prog run -- true` in cwd belongs to the workflow "true @ <cwd>": all its history is that one's.
    const same = () => `true @ ${cwd}`;
    const homes = {
      many: stateDir(parent, many, workflow, cwd),
      few: stateDir(parent, FEW, workflow, cwd),
      manyRun: stateDir(parent, many, same, cwd),
      fewRun: stateDir(parent, FEW, same, cwd),
    };
    const prog = (args: string[]) => [NODE, PROG, ...args];
    const pairs: { what: string; argv: string[]; homes: [string, string] }[] = [
      { what: '`prog ls`', argv: prog(['ls']), homes: [homes.many, homes.few] },
      { what: '`prog history` (summary)', argv: prog(['history']), homes: [homes.many, homes.few] },
      { what: '`prog history nightly-7` (one workflow)', argv: prog(['history', 'nightly-7']), homes: [homes.many, homes.few] },
      { what: '`prog run --format none -- true` (the ETA prior reads history)', argv: prog(['run', '--format', 'none', '--', 'true']), homes: [homes.manyRun, homes.fewRun] },
    ];
    const cases = pairs.flatMap((p) => p.homes.map((home, i) => ({ name: `${p.what} ${i === 0 ? many : FEW}`, argv: p.argv, home, cwd })));
    const times = timeAll(cases, reps);
    return pairs.map((p, i) => {
      const value = times[2 * i]!;
      const base = times[2 * i + 1]!;
      const ratio = value / base;
      return {
        what: `${p.what} with ${many.toLocaleString('en')} stored runs, median of ${reps}`,
        value: ms(value),
        baseline: `same with ${FEW} runs`,
        baseValue: ms(base),
        ratio: `${ratio.toFixed(2)}×`,
        note: `${value >= base ? '+' : '−'}${ms(Math.abs(value - base))} for ${(many - FEW).toLocaleString('en')} more runs`,
        goal: `≤ ${GOAL} × (cost independent of stored runs)`,
        met: ratio <= GOAL,
      };
    });
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await storeRows(process.argv.includes('--quick'))) console.log(JSON.stringify(row));
}
