// The CPU cost of resource sampling (src/resources/) for a tree of 50 sleeping processes, as a
// share of one core at one sample a second, against systeminformation doing the same job in the
// same run (the baseline that justifies reading /proc). Samples are taken back to back and the
// CPU per sample is scaled to 1 Hz, except the last row, which runs the sampler at 1 Hz on its timer.
// CPU is this process's (process.cpuUsage) plus that of the children it reaped (cutime + cstime
// from /proc/self/stat): systeminformation spawns `ps`, whose work must count too.
// Standalone: `node dist/bench/resources.js [--quick]` prints a table. Linux only.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freeBytes } from '../src/resources/disk.js';
import { machineMeter } from '../src/resources/machine.js';
import { ProcfsProcesses } from '../src/resources/procfs-processes.js';
import type { ProcessSource } from '../src/resources/process-source.js';
import { ProcessIndex, TreeMeter } from '../src/resources/process-tree.js';
import { ResourceSampler } from '../src/resources/sampler.js';
import { SiProcesses } from '../src/resources/si-processes.js';
import type { BenchRow } from './row.js';

const TREE = 50;
/** The budget the issue sets: half a percent of one core at 1 Hz. */
const BUDGET_PERCENT = 0.5;
const quick = process.argv.includes('--quick');

/** A row without a goal (bench/row.ts). */
export type ResourceRow = BenchRow;

/** CPU seconds used so far by this process and the children it has waited for. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (user + system) / 1e6 + (Number(f[13]) + Number(f[14])) / 100; // cutime, cstime (fields 16, 17)
}

interface Cost {
  /** CPU seconds per sample. */
  cpu: number;
  /** Wall milliseconds per sample. */
  wallMs: number;
  samples: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `once` after two warm-ups until minMs of wall time and at least minSamples have passed.
 * gapMs sleeps between calls (not timed): si.processes() answers from a cache for 500 ms.
 */
async function cost(once: () => Promise<unknown>, minMs: number, minSamples: number, gapMs = 0): Promise<Cost> {
  await once();
  await once();
  let cpu = 0;
  let wall = 0;
  let samples = 0;
  while (samples < minSamples || wall < minMs) {
    if (gapMs > 0) await sleep(gapMs);
    const cpu0 = cpuSeconds();
    const t0 = performance.now();
    await once();
    wall += performance.now() - t0;
    cpu += cpuSeconds() - cpu0;
    samples++;
  }
  return { cpu: cpu / samples, wallMs: wall / samples, samples };
}

function log(message: string): void {
  process.stderr.write(`[bench] resources: ${message}\n`);
}

/** Share of one core at one sample a second. */
const atOneHz = (c: Cost) => c.cpu * 100;
const pct = (c: Cost) => `${atOneHz(c).toFixed(3)} % of a core`;
const per = (c: Cost) => `${(c.cpu * 1e6).toFixed(0)} µs CPU, ${c.wallMs.toFixed(2)} ms wall a sample (${c.samples} samples)`;
const ratio = (a: Cost, b: Cost) => `${(a.cpu / b.cpu).toFixed(3)}×`;

/** 1 shell + 49 sleeps in their own session, as prog starts a child. */
async function sleepingTree(): Promise<{ pid: number; stop: () => void }> {
  const child = spawn('/bin/sh', ['-c', `for i in $(seq ${TREE - 1}); do sleep 600 & done; wait`], { detached: true, stdio: 'ignore' });
  const pid = child.pid!;
  const stop = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  const source = new ProcfsProcesses();
  for (let tries = 0; ; tries++) {
    const meter = new TreeMeter(pid, false);
    if (meter.measure(new ProcessIndex(await source.scan()), source, 0).processes >= TREE) break;
    if (tries > 200) {
      stop();
      throw new Error(`the tree never reached ${TREE} processes`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { pid, stop };
}

/** The tree part of a sample: scan, index, measure (with I/O for the main tree). */
function treeSample(source: ProcessSource, pid: number): () => Promise<unknown> {
  const meter = new TreeMeter(pid, true);
  return async () => {
    const index = new ProcessIndex(await source.scan());
    const reading = meter.measure(index, source, 1);
    for (const row of index.rows) if (!meter.members.has(row.pid)) source.ignore(row.pid);
    if (reading.processes < TREE) throw new Error(`saw ${reading.processes} of ${TREE} processes`);
  };
}

/** The straightforward way, for comparison: every /proc/PID/stat with fs.promises.readFile, split into fields. */
function asyncFullScan(pid: number): () => Promise<unknown> {
  return async () => {
    const pids = readdirSync('/proc').filter((n) => n.charCodeAt(0) <= 0x39);
    const stats = await Promise.all(pids.map((p) => readFile(`/proc/${p}/stat`, 'latin1').catch(() => '')));
    const parent = new Map<number, number>();
    for (const [i, text] of stats.entries()) {
      if (text === '') continue;
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(pids[i]), Number(f[1]));
    }
    let n = 0;
    for (const p of parent.keys()) {
      for (let q: number | undefined = p; q !== undefined && q > 1; q = parent.get(q)) if (q === pid) { n++; break; }
    }
    if (n < TREE) throw new Error(`saw ${n} of ${TREE} processes`);
  };
}

export async function resourceRows(): Promise<ResourceRow[]> {
  if (process.platform !== 'linux') throw new Error('bench/resources.ts measures /proc: Linux only');
  const ms = quick ? 500 : 2000;
  const few = quick ? 3 : 10;
  const machineProcs = readdirSync('/proc').filter((n) => n.charCodeAt(0) <= 0x39).length;
  const tree = await sleepingTree();
  const rows: ResourceRow[] = [];
  try {
    const procfs = new ProcfsProcesses();
    log('tree: /proc');
    const si = await SiProcesses.load();
    const proc = await cost(treeSample(procfs, tree.pid), ms, 50);
    log(`tree: si.processes(), ${few} calls 550 ms apart`);
    const siTree = await cost(treeSample(si, tree.pid), 0, few, 550);
    const siNote = 'systeminformation runs `ps`, then `cat` of every /proc/PID/stat (their CPU counted), calls 550 ms apart to miss its 500 ms cache';
    rows.push({
      what: `process tree of ${TREE} sleeping processes: CPU, RSS, I/O (/proc, outside processes skipped)`,
      value: pct(proc), baseline: 'si.processes() + the same tree logic', baseValue: pct(siTree), ratio: ratio(proc, siTree),
      note: `${per(proc)}; baseline ${per(siTree)}; ${siNote}`,
    });
    log('tree: /proc without skipping, then fs.promises');
    const full = await cost(async () => { procfs.forgetIgnored(); await treeSample(procfs, tree.pid)(); }, ms, 50);
    rows.push({
      what: `same, every /proc/PID/stat of the machine read each sample (${machineProcs} processes here)`,
      value: pct(full), baseline: 'row a (outside processes skipped)', baseValue: pct(proc), ratio: ratio(full, proc),
      note: `${((full.cpu / (machineProcs + TREE)) * 1e6).toFixed(1)} µs CPU per process on this machine; what skipping saves on a machine with thousands`,
    });
    const naive = await cost(asyncFullScan(tree.pid), ms, 50);
    rows.push({
      what: 'full scan with fs.promises.readFile and split (no I/O, no RSS)',
      value: pct(naive), baseline: 'row b (sync reads into one buffer)', baseValue: pct(full), ratio: ratio(naive, full),
      note: `${per(naive)}: a threadpool round trip and strings per file`,
    });
    const procMachine = await machineMeter();
    const siApi = (await import('systeminformation')).default;
    log('machine, disk');
    const machine = await cost(() => procMachine.read(), ms, 50);
    const siMachine = await cost(() => Promise.all([siApi.currentLoad(), siApi.mem()]), ms, few);
    rows.push({
      what: 'machine CPU and memory: /proc/stat + /proc/meminfo',
      value: pct(machine), baseline: 'si.currentLoad() + si.mem()', baseValue: pct(siMachine), ratio: ratio(machine, siMachine),
      note: `${per(machine)}; baseline ${per(siMachine)}`,
    });
    const cwd = tmpdir();
    const disk = await cost(() => freeBytes(cwd), ms, 50);
    const siDisk = await cost(() => siApi.fsSize(cwd), ms, few);
    rows.push({
      what: 'free space of the working directory\'s filesystem: fs.promises.statfs',
      value: pct(disk), baseline: 'si.fsSize() (runs df)', baseValue: pct(siDisk), ratio: ratio(disk, siDisk),
      note: `${per(disk)}; baseline ${per(siDisk)}`,
    });
    // The whole sampler at 1 Hz on its own timer, its start (a first scan of every process) included.
    const seconds = quick ? 4 : 10;
    log(`ResourceSampler at 1 Hz for ${seconds} s`);
    let emitted = 0;
    const sampler = new ResourceSampler({ rootPid: tree.pid, cwd, onSample: () => emitted++ });
    const cpu0 = cpuSeconds();
    sampler.start();
    await sleep(seconds * 1000 + 100);
    const whole: Cost = { cpu: (cpuSeconds() - cpu0) / seconds, wallMs: 0, samples: emitted };
    await sampler.stop();
    rows.push({
      what: `ResourceSampler at 1 Hz on its timer for ${seconds} s (tree of ${TREE} + machine + disk)`,
      value: pct(whole), baseline: 'the budget: 0.5 % of a core', baseValue: `${BUDGET_PERCENT} %`, ratio: `${(atOneHz(whole) / BUDGET_PERCENT).toFixed(3)}×`,
      note: `${(whole.cpu * 1e6).toFixed(0)} µs CPU a second over ${whole.samples} samples, the first full scan, timer and callbacks included`,
    });
  } finally {
    tree.stop();
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await resourceRows();
  const head = ['#', 'Case', 'Value', 'Baseline', 'Baseline value', 'Ratio', 'Note'];
  console.log(`| ${head.join(' | ')} |\n|---|---|---:|---|---:|---:|---|`);
  for (const [i, r] of rows.entries()) console.log(`| ${String.fromCharCode(97 + i)} | ${[r.what, r.value, r.baseline, r.baseValue, r.ratio, r.note].join(' | ')} |`);
}
