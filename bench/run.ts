// The benchmark suite: `npm run bench` (or `npm run bench -- --quick` for a smoke run).
// Every figure is a ratio against a baseline measured in the same run, next to the absolute numbers.
// Timings are wall-clock medians (process.hrtime around spawnSync, runs of a group interleaved so
// drift hits every case alike); peak RSS comes from `/usr/bin/time -v`. Each prog run gets a
// fresh PROG_HOME, checked (exit status, counts, raw log size) and deleted afterwards.
//
// Environment:
//   BENCH_BYTES         output volume for passthrough and RSS rows (default 1 GiB; --quick 64 MiB); 512M, 1G… accepted
//   BENCH_MARKERS       item markers for the marker and RSS rows (default 1,000,000; --quick 100,000)
//   BENCH_REPS          repetitions of each throughput case, median reported (default 5)
//   BENCH_STARTUP_REPS  repetitions of each startup case (default 15)
//   BENCH_RSS_REPS      repetitions of each peak-RSS case, median reported (default 3, --quick 1; GC timing moves it ±20 MiB)
//   BENCH_TMPDIR        where the temporary PROG_HOMEs go (default the OS temp dir; needs room for BYTES)
// Row groups: 1 startup, 2 passthrough, 3 markers, 4 peak RSS, 5 the rich view in a pty (bench/rich.ts),
// 6 lines per second per tool-output parser (bench/parsers.ts), 7 the CPU cost of resource sampling
// (bench/resources.ts).
// Flags: --quick, --rows 1,3 (run only some row groups), --help.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineCount, LINE_BYTES, markerBytes, shellLines, shellMarkers } from './gen.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const NODE = process.execPath;
const PROG = join(root, 'bin', 'prog.js');
const GEN = join(here, 'gen.js');
const TIME = '/usr/bin/time';
/** The least a Node filter can do: read stdin, write each chunk to stdout. */
const NODE_PASSTHROUGH = "const fs = require('fs'); process.stdin.on('data', (d) => fs.writeSync(1, d));";
/** The same, also recording every chunk to a file synced at the end, as prog's raw log does. */
const nodeRecorder = (path: string) =>
  `const fs = require('fs'); const f = fs.openSync(${JSON.stringify(path)}, 'w'); ` +
  "process.stdin.on('data', (d) => { fs.writeSync(f, d); fs.writeSync(1, d); }); process.stdin.on('end', () => { fs.fsyncSync(f); fs.closeSync(f); });";
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

// ---------------------------------------------------------------------------------------------
// Configuration

interface Config {
  quick: boolean;
  bytes: number;
  markers: number;
  reps: number;
  startupReps: number;
  rssReps: number;
  tmp: string;
  rows: Set<number> | null;
  /** A tmpfs with room for the raw log, for the "no disk" diagnostic rows; null when there is none. */
  shm: string | null;
  pv: string | null;
}

function parseSize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?)?\s*$/i.exec(text.replace(/[_,]/g, ''));
  if (!m) throw new Error(`${what}: cannot read "${text}" as a size (try 1073741824, 512M or 1G)`);
  const unit = (m[2] ?? '').charAt(0).toLowerCase();
  const scale = unit === 'k' ? 1024 : unit === 'm' ? MiB : unit === 'g' ? GiB : 1;
  return Math.round(Number(m[1]) * scale);
}

function parseCount(text: string, what: string): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${what}: "${text}" is not a positive integer`);
  return n;
}

function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      if (statSync(path).isFile()) return path;
    } catch {
      // not here
    }
  }
  return null;
}

function freeBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return 0;
  }
}

function readConfig(argv: string[]): Config {
  if (argv.includes('--help') || argv.includes('-h')) {
    const head = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//'));
    process.stdout.write(head.map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
    process.exit(0);
  }
  const quick = argv.includes('--quick');
  const env = process.env;
  const rowsAt = argv.indexOf('--rows');
  const rows = rowsAt === -1 ? null : new Set((argv[rowsAt + 1] ?? '').split(',').map((r) => parseCount(r, '--rows')));
  const bytes = env.BENCH_BYTES ? parseSize(env.BENCH_BYTES, 'BENCH_BYTES') : quick ? 64 * MiB : GiB;
  const tmp = resolve(env.BENCH_TMPDIR || tmpdir());
  const shm = existsSync('/dev/shm') && freeBytes('/dev/shm') > bytes * 1.5 + 64 * MiB ? '/dev/shm' : null;
  return {
    quick,
    bytes,
    markers: env.BENCH_MARKERS ? parseCount(env.BENCH_MARKERS, 'BENCH_MARKERS') : quick ? 100_000 : 1_000_000,
    reps: env.BENCH_REPS ? parseCount(env.BENCH_REPS, 'BENCH_REPS') : 5,
    startupReps: env.BENCH_STARTUP_REPS ? parseCount(env.BENCH_STARTUP_REPS, 'BENCH_STARTUP_REPS') : 15,
    rssReps: env.BENCH_RSS_REPS ? parseCount(env.BENCH_RSS_REPS, 'BENCH_RSS_REPS') : quick ? 1 : 3,
    tmp,
    rows,
    shm,
    pv: which('pv'),
  };
}

// ---------------------------------------------------------------------------------------------
// Running commands

interface Expect {
  /** Size of the recorded stdout.log. */
  stdoutBytes?: number;
  /** counts.succeeded in the run's history line. */
  succeeded?: number;
}

interface Cmd {
  /** Short name for progress lines and errors. */
  name: string;
  argv: string[];
  /** Shell text after the command (`| cat > /dev/null`): the whole runs through sh -c. Else stdout is /dev/null. */
  tail?: string;
  /** Open /dev/null as fd 3 (the generator alone, writing markers to fd 3). */
  fd3?: boolean;
  /** A prog run: a fresh PROG_HOME under this directory, checked and removed afterwards. */
  prog?: { home: string; expect: Expect };
}

interface Result {
  ms: number;
  stderr: string;
}

let devnull = -1;
const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
// The bench may itself run under prog: its children must not write to our progress pipe.
delete childEnv.PROG_PROGRESS_FD;
delete childEnv.PROG_RUN_ID;
delete childEnv.PROG_HOME;

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function prog(format: string, command: string[], extra: string[] = []): string[] {
  return [NODE, PROG, 'run', '--format', format, ...extra, '--', ...command];
}

function gen(...args: (string | number)[]): string[] {
  return [NODE, GEN, ...args.map(String)];
}

/** Runs once; `wrap` goes before argv (`/usr/bin/time -v -o file`). Throws on any failure. */
function exec(cmd: Cmd, wrap: string[] = []): Result {
  const argv = [...wrap, ...cmd.argv];
  let home: string | undefined;
  const env = { ...childEnv };
  if (cmd.prog) {
    home = mkdtempSync(join(cmd.prog.home, 'prog-bench-'));
    env.PROG_HOME = home;
  }
  try {
    const [file, args] = cmd.tail === undefined ? [argv[0]!, argv.slice(1)] : ['/bin/sh', ['-c', `${argv.map(shellQuote).join(' ')} ${cmd.tail}`]];
    const stdio = ['ignore', cmd.tail === undefined ? devnull : 'inherit', 'pipe', ...(cmd.fd3 ? [devnull] : [])];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(file, args, { stdio: stdio as never, env, maxBuffer: 256 * MiB });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const stderr = r.stderr?.toString() ?? '';
    if (r.error) throw new Error(`${cmd.name}: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${cmd.name}: exit ${r.status ?? r.signal}\n${stderr.slice(-2000)}`);
    if (home && cmd.prog) verify(cmd, home, cmd.prog.expect);
    return { ms, stderr };
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
}

/** The run was recorded as it should be: status ok, every item counted, every byte logged. */
function verify(cmd: Cmd, home: string, expect: Expect): void {
  const fail = (why: string) => {
    throw new Error(`${cmd.name}: ${why} (PROG_HOME ${home})`);
  };
  const historyPath = join(home, 'history.ndjson');
  if (!existsSync(historyPath)) fail('no history.ndjson was written');
  const lines = readFileSync(historyPath, 'utf8').trim().split('\n');
  const record = JSON.parse(lines[lines.length - 1]!) as {
    status: string; exitCode: number | null; logIncomplete?: boolean; counts?: { succeeded: number };
  };
  if (record.status !== 'ok' || record.exitCode !== 0) fail(`recorded status ${record.status}, exit ${record.exitCode}`);
  if (record.logIncomplete) fail('the record says logIncomplete');
  if (expect.succeeded !== undefined && record.counts?.succeeded !== expect.succeeded) {
    fail(`counted ${record.counts?.succeeded} items done, expected ${expect.succeeded}`);
  }
  if (expect.stdoutBytes !== undefined) {
    const runs = readdirSync(join(home, 'runs'));
    const log = join(home, 'runs', runs[0]!, 'stdout.log');
    const size = existsSync(log) ? statSync(log).size : 0;
    if (size !== expect.stdoutBytes) fail(`stdout.log holds ${size} bytes, expected ${expect.stdoutBytes}`);
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Median wall time of each command; repetitions interleaved (A B C A B C …) after optional warm-ups. */
function timeAll(cmds: Cmd[], reps: number, warmup = false): number[] {
  if (warmup) for (const cmd of cmds) exec(cmd);
  const samples: number[][] = cmds.map(() => []);
  for (let r = 0; r < reps; r++) {
    cmds.forEach((cmd, i) => {
      const { ms } = exec(cmd);
      samples[i]!.push(ms);
      if (reps <= 5 || r === reps - 1) log(`${cmd.name} [${r + 1}/${reps}]: ${ms.toFixed(1)} ms`);
    });
  }
  return samples.map(median);
}

let rssSeq = 0;
/** Peak RSS in bytes, as `/usr/bin/time -v` reports it for the command and the children it waited for. */
function peakRss(cmd: Cmd, tmp: string): { bytes: number; ms: number } {
  const file = join(tmp, `prog-bench-rss-${process.pid}-${++rssSeq}.txt`);
  try {
    const { ms } = exec(cmd, [TIME, '-v', '-o', file]);
    const text = readFileSync(file, 'utf8');
    const m = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(text);
    if (!m) throw new Error(`${cmd.name}: no "Maximum resident set size" in /usr/bin/time -v output`);
    const bytes = Number(m[1]) * 1024;
    log(`${cmd.name}: peak RSS ${mib(bytes)}`);
    return { bytes, ms };
  } finally {
    rmSync(file, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

interface Row {
  id: string;
  what: string;
  value: string;
  baseline: string;
  baseValue: string;
  ratio: string;
  note: string;
}

const rows: Row[] = [];

function ms(v: number): string {
  return v >= 10_000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 100 ? 1 : 0)} ms`;
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

function size(bytes: number): string {
  if (bytes >= GiB && bytes % (GiB / 4) === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  return `${bytes} B`;
}

function rate(bytes: number, wallMs: number): string {
  return `${(bytes / MiB / (wallMs / 1000)).toFixed(0)} MiB/s`;
}

function perSec(n: number, wallMs: number, what: string): string {
  const v = n / (wallMs / 1000);
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M ${what}/s` : `${(v / 1e3).toFixed(0)} k ${what}/s`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function ratio(value: number, base: number): string {
  return `${(value / base).toFixed(2)}×`;
}

function add(row: Partial<Row> & Pick<Row, 'id' | 'what' | 'value'>): void {
  rows.push({ baseline: '—', baseValue: '—', ratio: '—', note: '', ...row });
}

function table(): string {
  const head = ['#', 'Case', 'Value', 'Baseline', 'Baseline value', 'Ratio', 'Note'];
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h) => (h === 'Ratio' || h.endsWith('alue') ? '---:' : '---')).join('|')}|`];
  for (const r of rows) lines.push(`| ${[r.id, r.what, r.value, r.baseline, r.baseValue, r.ratio, r.note].map(cell).join(' | ')} |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The rows

function startup(cfg: Config): void {
  log(`1. startup: ${cfg.startupReps} runs each, after a warm-up`);
  const cmds: Cmd[] = [
    { name: 'node -e 0', argv: [NODE, '-e', '0'] },
    { name: 'prog run -- true', argv: [NODE, PROG, 'run', '--', 'true'], prog: { home: cfg.tmp, expect: { stdoutBytes: 0 } } },
  ];
  if (cfg.shm) cmds.push({ ...cmds[1]!, name: 'prog run -- true (PROG_HOME on tmpfs)', prog: { home: cfg.shm, expect: {} } });
  const [base, progMs, shmMs] = timeAll(cmds, cfg.startupReps, true);
  add({ id: '1a', what: '`prog run -- true` (stdout /dev/null, so plain)', value: ms(progMs!), baseline: '`node -e 0`', baseValue: ms(base!), ratio: ratio(progMs!, base!), note: `+${ms(progMs! - base!)} over bare node` });
  if (shmMs !== undefined) {
    add({ id: '1b', what: 'same, PROG_HOME on tmpfs (diagnostic: fsync cost)', value: ms(shmMs), baseline: '`node -e 0`', baseValue: ms(base!), ratio: ratio(shmMs, base!), note: `1a − 1b = ${ms(progMs! - shmMs)}: the share of disk syncs (≈ 0 means noise)` });
  }
}

function passthrough(cfg: Config): void {
  const lines = lineCount(cfg.bytes);
  const bytes = lines * LINE_BYTES;
  log(`2. passthrough: ${count(lines)} lines of ${LINE_BYTES} bytes (${size(bytes)}), ${cfg.reps} runs each`);
  const g = gen('lines', cfg.bytes);
  const expect = { stdoutBytes: bytes };
  const cmds: Cmd[] = [
    { name: 'gen > /dev/null', argv: g },
    { name: 'prog plain > /dev/null', argv: prog('plain', g), prog: { home: cfg.tmp, expect } },
    { name: 'prog none > /dev/null', argv: prog('none', g), prog: { home: cfg.tmp, expect } },
    { name: 'gen | cat > /dev/null', argv: g, tail: '| cat > /dev/null' },
    { name: 'prog none | cat > /dev/null', argv: prog('none', g), tail: '| cat > /dev/null', prog: { home: cfg.tmp, expect } },
  ];
  const shmAt = cfg.shm ? cmds.push({ name: 'prog none > /dev/null (PROG_HOME on tmpfs)', argv: prog('none', g), prog: { home: cfg.shm, expect } }) - 1 : -1;
  const floorAt = cmds.push({ name: 'gen | node passthrough > /dev/null', argv: g, tail: `| ${shellQuote(NODE)} -e ${shellQuote(NODE_PASSTHROUGH)} > /dev/null` }) - 1;
  const rawLog = join(cfg.tmp, `prog-bench-rawlog-${process.pid}.bin`);
  const recorderAt = cmds.push({ name: 'gen | node recorder > /dev/null', argv: g, tail: `| ${shellQuote(NODE)} -e ${shellQuote(nodeRecorder(rawLog))} > /dev/null` }) - 1;
  const pvAt = cfg.pv ? cmds.push({ name: 'gen | pv > /dev/null', argv: g, tail: `| ${shellQuote(cfg.pv)} -f 2> /dev/null > /dev/null` }) - 1 : -1;
  let t: number[];
  try {
    t = timeAll(cmds, cfg.reps);
  } finally {
    rmSync(rawLog, { force: true });
  }
  const [base, plain, none, cat, noneCat] = t as [number, number, number, number, number];
  const v = (wall: number) => `${ms(wall)} · ${rate(bytes, wall)}`;
  const bl = '`gen > /dev/null`';
  add({ id: '2a', what: `generator alone: ${size(bytes)} of ${LINE_BYTES}-byte lines > /dev/null`, value: v(base), note: 'baseline; writes to /dev/null cost nothing, so this is node startup + the loop (2e, 2g are the fairer floors)' });
  add({ id: '2b', what: '`prog run --format plain -- gen > /dev/null`', value: v(plain), baseline: bl, baseValue: v(base), ratio: ratio(plain, base) });
  add({ id: '2c', what: '`prog run --format none -- gen > /dev/null`', value: v(none), baseline: bl, baseValue: v(base), ratio: ratio(none, base) });
  if (shmAt !== -1) {
    const shm = t[shmAt]!;
    add({ id: '2d', what: 'same as 2c, PROG_HOME on tmpfs (diagnostic: raw-log disk cost)', value: v(shm), baseline: bl, baseValue: v(base), ratio: ratio(shm, base), note: `2c − 2d = ${ms(none - shm)}` });
  }
  add({ id: '2e', what: '`gen | cat > /dev/null` (one pipe hop, any filter pays it)', value: v(cat), baseline: bl, baseValue: v(base), ratio: ratio(cat, base) });
  add({ id: '2f', what: '`prog run --format none -- gen | cat > /dev/null` (stdout a pipe)', value: v(noneCat), baseline: '`gen | cat > /dev/null`', baseValue: v(cat), ratio: ratio(noneCat, cat) });
  const floor = t[floorAt]!;
  add({ id: '2g', what: '`gen | node -e <stdin → writeSync(1)> > /dev/null` (floor for any Node filter)', value: v(floor), baseline: bl, baseValue: v(base), ratio: ratio(floor, base), note: `2c / 2g = ${ratio(none, floor)} (prog's own cost over a bare Node pipe)` });
  const recorder = t[recorderAt]!;
  add({ id: '2h', what: 'same as 2g, also writing each chunk to a log file, fsync at the end (floor for a recording Node filter)', value: v(recorder), baseline: '2g: bare Node pipe', baseValue: v(floor), ratio: ratio(recorder, floor), note: `2c / 2h = ${ratio(none, recorder)} (prog beyond recording: line splitting, chunk index, events)` });
  if (pvAt !== -1) {
    const pv = t[pvAt]!;
    add({ id: '2i', what: '`gen | pv > /dev/null`', value: v(pv), baseline: bl, baseValue: v(base), ratio: ratio(pv, base), note: `prog none / pv = ${ratio(none, pv)}` });
  } else {
    add({ id: '2i', what: '`gen | pv > /dev/null`', value: 'skipped', note: 'pv is not installed' });
  }
}

function markerRate(cfg: Config): void {
  const n = cfg.markers;
  const bytes = markerBytes(n);
  log(`3. markers: ${count(n)} item.done markers (${size(bytes)}), ${cfg.reps} runs each`);
  const stdoutExpect = { home: cfg.tmp, expect: { stdoutBytes: bytes, succeeded: n } };
  const cmds: Cmd[] = [
    { name: 'gen markers > /dev/null', argv: gen('markers', n) },
    { name: 'prog none -- gen plain lines', argv: prog('none', gen('plain', n)), prog: { home: cfg.tmp, expect: { stdoutBytes: bytes } } },
    { name: 'prog none -- gen markers', argv: prog('none', gen('markers', n)), prog: stdoutExpect },
    { name: 'prog plain -- gen markers', argv: prog('plain', gen('markers', n)), prog: stdoutExpect },
    { name: 'gen markers 3>/dev/null', argv: gen('markers', n, 3), fd3: true },
    { name: 'prog none --progress-fd 3 -- gen markers to fd 3', argv: prog('none', gen('markers', n, 3), ['--progress-fd', '3']), prog: { home: cfg.tmp, expect: { stdoutBytes: 0, succeeded: n } } },
  ];
  const [base, plainLines, none, plain, base3, fd3] = timeAll(cmds, cfg.reps) as [number, number, number, number, number, number];
  const v = (wall: number, markers = true) => {
    return `${ms(wall)} · ${perSec(n, wall, markers ? 'markers' : 'lines')}`;
  };
  const over = (wall: number, b: number) => `${(((wall - b) * 1000) / n).toFixed(2)} µs/marker over baseline (prog startup included)`;
  const bl = '`gen markers > /dev/null`';
  add({ id: '3a', what: `generator alone: phase + ${count(n)} \`item.done\` markers (${size(bytes)}) > /dev/null`, value: v(base), note: 'baseline' });
  add({ id: '3b', what: `\`prog --format none\`: ${count(n)} plain lines of the same length`, value: v(plainLines, false), baseline: bl, baseValue: v(base), ratio: ratio(plainLines, base) });
  add({ id: '3c', what: `\`prog --format none\`: the ${count(n)} markers on stdout`, value: v(none), baseline: bl, baseValue: v(base), ratio: ratio(none, base), note: over(none, base) });
  add({ id: '3d', what: 'same as 3c, against the plain lines of 3b', value: v(none), baseline: '3b: same bytes, no markers', baseValue: v(plainLines, false), ratio: ratio(none, plainLines), note: `${(((none - plainLines) * 1000) / n).toFixed(2)} µs/marker for parsing + model + record` });
  add({ id: '3e', what: '`prog --format plain`: the markers on stdout', value: v(plain), baseline: bl, baseValue: v(base), ratio: ratio(plain, base), note: `plain / none = ${ratio(plain, none)}` });
  add({ id: '3f', what: 'generator alone, markers to fd 3 (fd 3 = /dev/null)', value: v(base3), baseline: bl, baseValue: v(base), ratio: ratio(base3, base) });
  add({ id: '3g', what: '`prog --format none --progress-fd 3`: markers on fd 3', value: v(fd3), baseline: '3f: gen to fd 3 alone', baseValue: v(base3), ratio: ratio(fd3, base3), note: `${over(fd3, base3)}; fd 3 / stdout (3c) = ${ratio(fd3, none)}` });
}

function memory(cfg: Config): void {
  const n = cfg.markers;
  const half = Math.floor(n / 2);
  const lines = lineCount(cfg.bytes);
  const halfLines = Math.floor(lines / 2);
  log(`4. peak RSS with ${TIME} -v, ${cfg.rssReps} runs each`);
  const home = cfg.tmp;
  const rss = (cmd: Cmd) => median(Array.from({ length: cfg.rssReps }, () => peakRss(cmd, cfg.tmp).bytes));
  const base = rss({ name: 'prog run -- true', argv: prog('plain', ['true']), prog: { home, expect: {} } });
  const node0 = rss({ name: 'node -e 0', argv: [NODE, '-e', '0'] });
  const genM = rss({ name: 'awk markers', argv: shellMarkers(n) });
  const genL = rss({ name: 'yes | head lines', argv: shellLines(cfg.bytes) });
  const mk = (k: number) => rss({ name: `prog plain -- awk markers ${k}`, argv: prog('plain', shellMarkers(k)), prog: { home, expect: { succeeded: k, stdoutBytes: markerBytes(k) } } });
  const mHalf = mk(half);
  const mFull = mk(n);
  const ln = (k: number) => rss({ name: `prog plain -- yes|head ${size(k * LINE_BYTES)}`, argv: prog('plain', shellLines(k * LINE_BYTES)), prog: { home, expect: { stdoutBytes: k * LINE_BYTES } } });
  const lHalf = ln(halfLines);
  const lFull = ln(lines);
  const lp = (k: number) => rss({ name: `prog none -- yes|head ${size(k * LINE_BYTES)} | cat`, argv: prog('none', shellLines(k * LINE_BYTES)), tail: '| cat > /dev/null', prog: { home, expect: { stdoutBytes: k * LINE_BYTES } } });
  const pHalf = lp(halfLines);
  const pFull = lp(lines);
  const bl = '4a: `prog run -- true`';
  const b = mib(base);
  add({ id: '4a', what: '`prog run --format plain -- true`', value: mib(base), baseline: '`node -e 0`', baseValue: mib(node0), ratio: ratio(base, node0), note: 'baseline of the RSS rows' });
  add({ id: '4b', what: `generator alone: awk printing ${count(n)} markers (reference)`, value: mib(genM), baseline: bl, baseValue: b, ratio: ratio(genM, base), note: "/usr/bin/time counts prog's children too, so rows 4 use tiny generators" });
  add({ id: '4c', what: `generator alone: yes | head, ${size(lines * LINE_BYTES)} of lines (reference)`, value: mib(genL), baseline: bl, baseValue: b, ratio: ratio(genL, base) });
  add({ id: '4d', what: `\`prog --format plain\`, ${count(half)} markers (N/2)`, value: mib(mHalf), baseline: bl, baseValue: b, ratio: ratio(mHalf, base) });
  add({ id: '4e', what: `\`prog --format plain\`, ${count(n)} markers (N)`, value: mib(mFull), baseline: bl, baseValue: b, ratio: ratio(mFull, base), note: `N vs N/2: ${ratio(mFull, mHalf)}` });
  add({ id: '4f', what: `\`prog --format plain\`, ${size(halfLines * LINE_BYTES)} of lines > /dev/null (N/2)`, value: mib(lHalf), baseline: bl, baseValue: b, ratio: ratio(lHalf, base) });
  add({ id: '4g', what: `\`prog --format plain\`, ${size(lines * LINE_BYTES)} of lines > /dev/null (N)`, value: mib(lFull), baseline: bl, baseValue: b, ratio: ratio(lFull, base), note: `N vs N/2: ${ratio(lFull, lHalf)}` });
  add({ id: '4h', what: `\`prog --format none\`, ${size(halfLines * LINE_BYTES)} of lines | cat (stdout a pipe, N/2)`, value: mib(pHalf), baseline: bl, baseValue: b, ratio: ratio(pHalf, base) });
  add({ id: '4i', what: `\`prog --format none\`, ${size(lines * LINE_BYTES)} of lines | cat (stdout a pipe, N)`, value: mib(pFull), baseline: bl, baseValue: b, ratio: ratio(pFull, base), note: `N vs N/2: ${ratio(pFull, pHalf)}` });
}

// ---------------------------------------------------------------------------------------------

/** Row group 5, the rich view in a pty (bench/rich.ts). */
async function richView(): Promise<void> {
  const { richRows } = await import('./rich.js');
  const ids = ['5a', '5b', '5c'];
  for (const [i, row] of (await richRows()).entries()) add({ id: ids[i] ?? `5${i}`, ...row });
}

/** Row group 6, lines per second per tool-output parser (bench/parsers.ts). */
async function parserSpeed(): Promise<void> {
  const { parserRows } = await import('./parsers.js');
  for (const [i, row] of (await parserRows()).entries()) add({ id: `6${String.fromCharCode(97 + i)}`, ...row });
}

/** Row group 7, the CPU cost of resource sampling (bench/resources.ts). */
async function resourceCost(): Promise<void> {
  const { resourceRows } = await import('./resources.js');
  for (const [i, row] of (await resourceRows()).entries()) add({ id: `7${String.fromCharCode(97 + i)}`, ...row });
}

async function main(): Promise<void> {
  const cfg = readConfig(process.argv.slice(2));
  for (const path of [PROG, GEN, TIME]) {
    if (!existsSync(path)) throw new Error(`${path} is missing${path === TIME ? ' (install GNU time)' : ' (build with npx tsc -p .)'}`);
  }
  const need = cfg.bytes * 1.2 + 256 * MiB;
  if (freeBytes(cfg.tmp) < need) throw new Error(`${cfg.tmp} has ${size(freeBytes(cfg.tmp))} free; the raw logs need about ${size(need)} (set BENCH_TMPDIR)`);
  devnull = openSync('/dev/null', 'w');
  const want = (k: number) => cfg.rows === null || cfg.rows.has(k);
  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  log(`${cfg.quick ? 'quick run' : 'full run'}: ${size(cfg.bytes)}, ${count(cfg.markers)} markers, ${cfg.reps} reps (startup ${cfg.startupReps}); PROG_HOMEs in ${cfg.tmp}`);
  try {
    if (want(1)) startup(cfg);
    if (want(2)) passthrough(cfg);
    if (want(3)) markerRate(cfg);
    if (want(4)) memory(cfg);
    if (want(5)) await richView();
    if (want(6)) await parserSpeed();
    if (want(7)) await resourceCost();
  } finally {
    closeSync(devnull);
  }
  const cpu = cpus();
  const out = [
    `## prog benchmark${cfg.quick ? ' (--quick)' : ''}`,
    '',
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · Node ${process.version} · ${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'} · ` +
      `BENCH_BYTES ${size(cfg.bytes)} · BENCH_MARKERS ${count(cfg.markers)} · median of ${cfg.reps} runs (startup: ${cfg.startupReps}, RSS: ${cfg.rssReps}) · ` +
      `PROG_HOME in ${cfg.tmp} · took ${((Date.now() - started) / 1000).toFixed(0)} s · load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end` +
      (Math.max(loadBefore, loadavg()[0]!) > cpu.length / 2 ? ' (other work was running: expect noise)' : ''),
    '',
    'Ratio = case / baseline (wall time, peak RSS in rows 4, CPU cores in 5a-b); lower is better, 1.00× is free. ' +
      '"gen" is `node dist/bench/gen.js`, which writes with blocking writeSync in ~1 MiB batches. ' +
      'Peak RSS is `/usr/bin/time -v` "Maximum resident set size", which also covers the children prog waits for: rows 4 therefore feed prog from awk and `yes | head` (4b, 4c), the same bytes as gen.',
    '',
    table(),
    '',
  ];
  process.stdout.write(out.join('\n'));
}

try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
