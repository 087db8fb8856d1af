// The benchmark suite: `npm run bench` (or `npm run bench -- --quick` for a smoke run).
// Every figure is a ratio against a baseline measured in the same run, next to the absolute numbers;
// rows that issue 13 set a goal for print the goal and whether this run met it.
// Timings are wall-clock medians (process.hrtime around spawnSync, runs of a group interleaved so
// drift hits every case alike); peak RSS comes from `/usr/bin/time -v`. Each prog run gets a
// fresh PROG_HOME, checked (exit status, counts, raw log size), measured where a row reports what
// was stored, and deleted afterwards.
//
// Environment:
//   BENCH_BYTES         output volume for passthrough and RSS rows (default 1 GiB; --quick 64 MiB); 512M, 1G… accepted
//   BENCH_MARKERS       item markers for the marker and RSS rows (default 1,000,000; --quick 100,000)
//   BENCH_REPS          repetitions of each throughput case, median reported (default 5)
//   BENCH_STARTUP_REPS  repetitions of each startup case (default 15)
//   BENCH_RSS_REPS      repetitions of each peak-RSS case, median reported (default 3, --quick 1; GC timing moves it ±20 MiB)
//   BENCH_TMPDIR        where the temporary PROG_HOMEs go (default the OS temp dir; needs room for BYTES)
//   BENCH_RICH_SECONDS, BENCH_RICH_REPS    row group 5 (bench/rich.ts)
//   BENCH_STORE_RUNS, BENCH_STORE_REPS     row group 8 (bench/store.ts)
//   BENCH_DASHBOARD_SECONDS, _RATE, _CLIENTS, _EVENTS, _PROFILE   row group 10 (bench/dashboard.ts)
//   BENCH_TUI_SECONDS, BENCH_TUI_REPS      row group 11 (bench/tui.ts)
// Row groups: 1 startup, 2 passthrough of uniform lines, 3 markers (rate, the child's own time, what
// is stored), 4 peak RSS, 5 the rich view in a pty (bench/rich.ts), 6 lines per second per
// tool-output parser (bench/parsers.ts), 7 the CPU cost of resource sampling (bench/resources.ts),
// 8 `prog ls` / `prog history` / the history prior with many stored runs (bench/store.ts),
// 9 ordinary text and tiny lines (passthrough, --parser none, --format json, what is stored),
// 10 `prog dashboard` under load: its CPU with 1 and 50 WebSocket clients on a run emitting 1,000
// events/s, and its memory over a 100,000-event run (bench/dashboard.ts), 11 the full-screen TUI in
// a pty: prog's CPU (recorder + TUI process) against --format none, and its frames a second (bench/tui.ts).
// Flags: --quick, --rows 1,3 (run only some row groups), --help.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineCount, LINE_BYTES, markerBytes, shellLines, shellMarkers } from './gen.js';
import { type BenchRow, verdict } from './row.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const NODE = process.execPath;
const PROG = join(root, 'bin', 'prog.cjs');
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
  /** A file for the generator's own elapsed time (GEN_TIME_FILE, see gen.ts), read after each run. */
  timeFile?: string;
  /** A prog run: a fresh PROG_HOME under this directory, checked and removed afterwards; with
   * `stored`, what the run left in runs/<id> is measured before the PROG_HOME goes. */
  prog?: { home: string; expect: Expect; stored?: boolean };
  /** Extra environment for this command. */
  env?: Record<string, string>;
}

/** What one run left in runs/<id>: sizes in bytes, and the number of records in events.ndjson. */
interface Stored {
  dirBytes: number;
  stdoutLog: number;
  eventsBytes: number;
  events: number;
}

interface Result {
  ms: number;
  stderr: string;
  /** The generator's own time, start to last write returning, when the command had a timeFile. */
  childMs?: number;
  stored?: Stored;
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

let scratchSeq = 0;
/** A path for a small result file (a generator's own time, a byte count), in the bench tmp dir. */
function scratchFile(cfg: Config, what: string): string {
  return join(cfg.tmp, `prog-bench-${what}-${process.pid}-${++scratchSeq}.txt`);
}

/** Apparent size of a file or of a directory tree, as `du -sb` counts it. */
function treeBytes(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + treeBytes(join(path, name)), st.size);
}

/** Newlines in a file, read in 1 MiB pieces: events.ndjson of a million markers is tens of MiB. */
function lineTotal(path: string): number {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(MiB);
  let lines = 0;
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      for (let at = buf.indexOf(10, 0); at !== -1 && at < n; at = buf.indexOf(10, at + 1)) lines++;
    }
  } finally {
    closeSync(fd);
  }
  return lines;
}

function storedIn(home: string): Stored {
  const runs = readdirSync(join(home, 'runs'));
  if (runs.length !== 1) throw new Error(`expected one run in ${home}, found ${runs.length}`);
  const dir = join(home, 'runs', runs[0]!);
  const sizeOf = (name: string) => (existsSync(join(dir, name)) ? statSync(join(dir, name)).size : 0);
  const events = join(dir, 'events.ndjson');
  return {
    dirBytes: treeBytes(dir) - statSync(dir).size,
    stdoutLog: sizeOf('stdout.log'),
    eventsBytes: sizeOf('events.ndjson'),
    events: existsSync(events) ? lineTotal(events) : 0,
  };
}

/** Runs once; `wrap` goes before argv (`/usr/bin/time -v -o file`). Throws on any failure. */
function exec(cmd: Cmd, wrap: string[] = []): Result {
  const argv = [...wrap, ...cmd.argv];
  let home: string | undefined;
  const env = { ...childEnv, ...cmd.env };
  if (cmd.prog) {
    home = mkdtempSync(join(cmd.prog.home, 'prog-bench-'));
    env.PROG_HOME = home;
  }
  if (cmd.timeFile) {
    rmSync(cmd.timeFile, { force: true });
    env.GEN_TIME_FILE = cmd.timeFile; // prog passes its environment on to the command
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
    const result: Result = { ms, stderr };
    if (cmd.timeFile) {
      if (!existsSync(cmd.timeFile)) throw new Error(`${cmd.name}: the generator wrote no time file`);
      result.childMs = Number(readFileSync(cmd.timeFile, 'utf8'));
    }
    if (home && cmd.prog?.stored) result.stored = storedIn(home);
    return result;
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
    if (cmd.timeFile) rmSync(cmd.timeFile, { force: true });
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

interface Timing {
  /** Median wall time. */
  ms: number;
  /** Median of the generator's own time, for commands with a timeFile. */
  childMs?: number;
  /** What the last repetition stored, for prog runs with `stored`. */
  stored?: Stored;
}

/** Median wall time of each command; repetitions interleaved (A B C A B C …) after optional warm-ups. */
function timeAll(cmds: Cmd[], reps: number, warmup = false): Timing[] {
  if (warmup) for (const cmd of cmds) exec(cmd);
  const samples = cmds.map(() => ({ ms: [] as number[], child: [] as number[], stored: undefined as Stored | undefined }));
  for (let r = 0; r < reps; r++) {
    cmds.forEach((cmd, i) => {
      const result = exec(cmd);
      const s = samples[i]!;
      s.ms.push(result.ms);
      if (result.childMs !== undefined) s.child.push(result.childMs);
      if (result.stored) s.stored = result.stored;
      const child = result.childMs === undefined ? '' : ` (the generator's own ${result.childMs.toFixed(1)} ms)`;
      if (reps <= 5 || r === reps - 1) log(`${cmd.name} [${r + 1}/${reps}]: ${result.ms.toFixed(1)} ms${child}`);
    });
  }
  return samples.map((s) => ({ ms: median(s.ms), ...(s.child.length > 0 ? { childMs: median(s.child) } : {}), ...(s.stored ? { stored: s.stored } : {}) }));
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

interface Row extends BenchRow {
  id: string;
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
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function rate(bytes: number, wallMs: number): string {
  return `${(bytes / MiB / (wallMs / 1000)).toFixed(0)} MiB/s`;
}

/** Decimal megabytes per second (10⁶ B), the unit issue 13's JSON goal is stated in. */
function mbps(bytes: number, wallMs: number): string {
  return `${(bytes / 1e6 / (wallMs / 1000)).toFixed(0)} MB/s`;
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
  const head = ['#', 'Case', 'Value', 'Baseline', 'Baseline value', 'Ratio', 'Goal', 'Met', 'Note'];
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h) => (h === 'Ratio' || h.endsWith('alue') ? '---:' : '---')).join('|')}|`];
  for (const r of rows) {
    lines.push(`| ${[r.id, r.what, r.value, r.baseline, r.baseValue, r.ratio, r.goal ?? '—', verdict(r), r.note].map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The stored-bytes part of a note: each file, and the events log per record. */
function storedNote(s: Stored): string {
  const perEvent = s.events > 0 ? ` (${(s.eventsBytes / s.events).toFixed(0)} B/event)` : '';
  return `stdout.log ${size(s.stdoutLog)}, events.ndjson ${size(s.eventsBytes)} in ${count(s.events)} records${perEvent}, the whole run dir ${size(s.dirBytes)}`;
}

// ---------------------------------------------------------------------------------------------
// The rows

function startup(cfg: Config): void {
  log(`1. startup: ${cfg.startupReps} runs each, after a warm-up`);
  const run = (name: string, extra: Partial<Cmd> = {}): Cmd => ({
    name, argv: [NODE, PROG, 'run', '--format', 'none', '--', 'true'], prog: { home: cfg.tmp, expect: { stdoutBytes: 0 } }, ...extra,
  });
  const cmds: Cmd[] = [
    { name: 'node -e 0', argv: [NODE, '-e', '0'] },
    run('prog run --format none -- true'),
    // No code cache: XDG_CACHE_HOME where no directory can be made (bin/prog.cjs).
    run('same, without the code cache', { env: { XDG_CACHE_HOME: '/dev/null/none' } }),
    { name: 'prog --version', argv: [NODE, PROG, '--version'] },
    { name: 'prog emit item.done', argv: [NODE, PROG, 'emit', 'item.done', '--id', 'x'] },
  ];
  if (cfg.shm) cmds.push(run('same, PROG_HOME on tmpfs', { prog: { home: cfg.shm, expect: {} } }));
  const [base, progMs, coldMs, versionMs, emitMs, shmMs] = timeAll(cmds, cfg.startupReps, true).map((t) => t.ms);
  const vs = { baseline: '`node -e 0`', baseValue: ms(base!) };
  add({
    id: '1a', what: '`prog run --format none -- true` (parsers armed)', value: ms(progMs!), ...vs, ratio: ratio(progMs!, base!),
    goal: '≤ 2 × `node -e 0`', met: progMs! <= 2 * base!, note: `+${ms(progMs! - base!)} over bare node`,
  });
  add({ id: '1b', what: 'same, without the V8 code cache (a first run)', value: ms(coldMs!), ...vs, ratio: ratio(coldMs!, base!), note: `the cache saves ${ms(coldMs! - progMs!)}` });
  add({ id: '1c', what: '`prog --version`', value: ms(versionMs!), ...vs, ratio: ratio(versionMs!, base!), goal: 'well under 2 ×', met: versionMs! <= 1.5 * base! });
  add({ id: '1d', what: '`prog emit item.done --id x` (to stdout)', value: ms(emitMs!), ...vs, ratio: ratio(emitMs!, base!), goal: 'well under 2 ×', met: emitMs! <= 1.5 * base! });
  if (shmMs !== undefined) {
    add({ id: '1e', what: '1a with PROG_HOME on tmpfs (diagnostic: fsync cost)', value: ms(shmMs), ...vs, ratio: ratio(shmMs, base!), note: `1a − 1e = ${ms(progMs! - shmMs)}: the share of disk syncs (≈ 0 means noise)` });
  }
  moduleCount(cfg);
  installSize(cfg);
}

/** Node built-ins and files prog loads for `prog run -- true`, from a preload that reports them at exit. */
function moduleCount(cfg: Config): void {
  const report = scratchFile(cfg, 'modules');
  const preload = scratchFile(cfg, 'preload').replace(/\.txt$/, '.cjs');
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({
    builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).length,
    files: Object.keys(require.cache).length - 1,
  })));`);
  const loads = (argv: string[], prog?: Cmd['prog']) => {
    exec({ name: 'module count', argv: [NODE, '--require', preload, ...argv], ...(prog ? { prog } : {}) });
    return JSON.parse(readFileSync(report, 'utf8')) as { builtins: number; files: number };
  };
  try {
    const node = loads(['-e', '0']);
    const p = loads([PROG, 'run', '--format', 'none', '--', 'true'], { home: cfg.tmp, expect: {} });
    add({
      id: '1f', what: 'modules loaded by `prog run -- true`', value: `${p.files + 1} files, ${p.builtins} Node built-ins`,
      baseline: '`node -e 0`', baseValue: `${node.builtins} built-ins`, ratio: ratio(p.builtins, node.builtins),
      note: 'files: bin/prog.cjs and dist/bundle/prog.cjs (plus a vendor bundle only for commands that need it)',
    });
  } finally {
    rmSync(report, { force: true });
    rmSync(preload, { force: true });
  }
}

/** What `npm install -g` of the packed package puts on disk: the tarball installed offline, production only. */
function installSize(cfg: Config): void {
  const npm = which('npm');
  if (npm === null) {
    log('npm not found: no install size row');
    return;
  }
  const dir = mkdtempSync(join(cfg.tmp, 'prog-bench-install-'));
  try {
    const packed = spawnSync(npm, ['pack', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8', env: childEnv });
    if (packed.status !== 0) throw new Error(`npm pack: ${packed.stderr}`);
    const tarball = join(dir, packed.stdout.trim().split('\n').pop()!);
    const prefix = join(dir, 'prefix');
    const installed = spawnSync(npm, ['install', '--prefix', prefix, '--omit=dev', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { encoding: 'utf8', env: childEnv });
    if (installed.status !== 0) throw new Error(`npm install of the tarball: ${installed.stderr}`);
    const modules = join(prefix, 'node_modules');
    const packages = readdirSync(modules).filter((n) => !n.startsWith('.')).length;
    add({
      id: '1g', what: 'production install of the packed package (`npm install --omit=dev` of `npm pack`)', value: size(treeBytes(modules)),
      note: `${packages} package(s) in node_modules; tarball ${size(statSync(tarball).size)}`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
    t = timeAll(cmds, cfg.reps).map((r) => r.ms);
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
  const stdoutExpect = { stdoutBytes: bytes, succeeded: n };
  const cmds: Cmd[] = [
    { name: 'gen markers > /dev/null', argv: gen('markers', n), timeFile: scratchFile(cfg, 'time') },
    { name: 'prog none -- gen plain lines', argv: prog('none', gen('plain', n)), prog: { home: cfg.tmp, expect: { stdoutBytes: bytes } } },
    { name: 'prog none -- gen markers', argv: prog('none', gen('markers', n)), timeFile: scratchFile(cfg, 'time'), prog: { home: cfg.tmp, expect: stdoutExpect, stored: true } },
    { name: 'prog plain -- gen markers', argv: prog('plain', gen('markers', n)), prog: { home: cfg.tmp, expect: stdoutExpect } },
    { name: 'gen markers 3>/dev/null', argv: gen('markers', n, 3), fd3: true, timeFile: scratchFile(cfg, 'time') },
    {
      name: 'prog none --progress-fd 3 -- gen markers to fd 3', argv: prog('none', gen('markers', n, 3), ['--progress-fd', '3']), timeFile: scratchFile(cfg, 'time'),
      prog: { home: cfg.tmp, expect: { stdoutBytes: 0, succeeded: n } },
    },
  ];
  const timings = timeAll(cmds, cfg.reps);
  const [base, plainLines, none, plain, base3, fd3] = timings.map((t) => t.ms) as [number, number, number, number, number, number];
  const [childBase, , childNone, , childBase3, childFd3] = timings.map((t) => t.childMs ?? NaN);
  const stored = timings[2]!.stored!;
  const v = (wall: number, markers = true) => {
    return `${ms(wall)} · ${perSec(n, wall, markers ? 'markers' : 'lines')}`;
  };
  const over = (wall: number, b: number) => `${(((wall - b) * 1000) / n).toFixed(2)} µs/marker over baseline (prog startup included)`;
  const bl = '`gen markers > /dev/null`';
  add({ id: '3a', what: `generator alone: phase + ${count(n)} \`item.done\` markers (${size(bytes)}) > /dev/null`, value: v(base), note: 'baseline' });
  add({ id: '3b', what: `\`prog --format none\`: ${count(n)} plain lines of the same length`, value: v(plainLines, false), baseline: bl, baseValue: v(base), ratio: ratio(plainLines, base) });
  add({
    id: '3c', what: `\`prog --format none\`: the ${count(n)} markers on stdout`, value: v(none), baseline: bl, baseValue: v(base), ratio: ratio(none, base),
    goal: '≥ 1 M markers/s', met: n / (none / 1000) >= 1e6, note: `${over(none, base)}${n < 1e6 ? `; with fewer than 1 M markers prog's start-up weighs on the rate` : ''}`,
  });
  add({ id: '3d', what: 'same as 3c, against the plain lines of 3b', value: v(none), baseline: '3b: same bytes, no markers', baseValue: v(plainLines, false), ratio: ratio(none, plainLines), note: `${(((none - plainLines) * 1000) / n).toFixed(2)} µs/marker for parsing + model + record` });
  add({ id: '3e', what: '`prog --format plain`: the markers on stdout', value: v(plain), baseline: bl, baseValue: v(base), ratio: ratio(plain, base), note: `plain / none = ${ratio(plain, none)}` });
  add({ id: '3f', what: 'generator alone, markers to fd 3 (fd 3 = /dev/null)', value: v(base3), baseline: bl, baseValue: v(base), ratio: ratio(base3, base) });
  add({ id: '3g', what: '`prog --format none --progress-fd 3`: markers on fd 3', value: v(fd3), baseline: '3f: gen to fd 3 alone', baseValue: v(base3), ratio: ratio(fd3, base3), note: `${over(fd3, base3)}; fd 3 / stdout (3c) = ${ratio(fd3, none)}` });
  add({
    id: '3h', what: "the child's own time (gen, from its start to its last write returning), markers on stdout under `prog --format none` (3c)",
    value: ms(childNone!), baseline: '3a: the same writes to /dev/null', baseValue: ms(childBase!), ratio: ratio(childNone!, childBase!),
    goal: '≤ 1.1 × alone', met: childNone! <= 1.1 * childBase!,
    note: `prog held the child back ${ms(Math.max(0, childNone! - childBase!))}; markers to fd 3 (3g vs 3f): ${ms(childFd3!)} vs ${ms(childBase3!)}, ${ratio(childFd3!, childBase3!)}`,
  });
  const kept = stored.stdoutLog + stored.eventsBytes;
  add({
    id: '3i', what: `stored for 3c's run: stdout.log + events.ndjson, against the ${size(bytes)} the child wrote`,
    value: size(kept), baseline: "the child's output", baseValue: size(bytes), ratio: ratio(kept, bytes),
    goal: '≤ 1.1 × (each byte and event stored once)', met: kept <= 1.1 * bytes, note: storedNote(stored),
  });
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
  const flat = '≤ 1.2 × N/2 (memory flat)';
  add({ id: '4e', what: `\`prog --format plain\`, ${count(n)} markers (N)`, value: mib(mFull), baseline: bl, baseValue: b, ratio: ratio(mFull, base), goal: flat, met: mFull <= 1.2 * mHalf, note: `N vs N/2 (4d): ${ratio(mFull, mHalf)}` });
  add({ id: '4f', what: `\`prog --format plain\`, ${size(halfLines * LINE_BYTES)} of lines > /dev/null (N/2)`, value: mib(lHalf), baseline: bl, baseValue: b, ratio: ratio(lHalf, base) });
  add({ id: '4g', what: `\`prog --format plain\`, ${size(lines * LINE_BYTES)} of lines > /dev/null (N)`, value: mib(lFull), baseline: bl, baseValue: b, ratio: ratio(lFull, base), goal: flat, met: lFull <= 1.2 * lHalf, note: `N vs N/2 (4f): ${ratio(lFull, lHalf)}` });
  add({ id: '4h', what: `\`prog --format none\`, ${size(halfLines * LINE_BYTES)} of lines | cat (stdout a pipe, N/2)`, value: mib(pHalf), baseline: bl, baseValue: b, ratio: ratio(pHalf, base) });
  add({ id: '4i', what: `\`prog --format none\`, ${size(lines * LINE_BYTES)} of lines | cat (stdout a pipe, N)`, value: mib(pFull), baseline: bl, baseValue: b, ratio: ratio(pFull, base), goal: flat, met: pFull <= 1.2 * pHalf, note: `N vs N/2 (4h): ${ratio(pFull, pHalf)}` });
}

/** Row group 9: ordinary text and tiny lines through prog, against one pipe hop (`gen | cat`). */
function ordinaryText(cfg: Config): void {
  const bytes = lineCount(cfg.bytes) * LINE_BYTES;
  const tinyBytes = Math.floor(cfg.bytes / 2) * 2;
  log(`9. ordinary text: ${size(bytes)} of log and prose lines, and ${count(tinyBytes / 2)} tiny lines; ${cfg.reps} runs each`);
  const g = gen('text', cfg.bytes);
  const tiny = gen('tiny', cfg.bytes);
  const home = cfg.tmp;
  const expect = { stdoutBytes: bytes };
  const jsonCount = scratchFile(cfg, 'json-bytes');
  const catTail = '| cat > /dev/null';
  const cmds: Cmd[] = [
    { name: 'gen text | cat > /dev/null', argv: g, tail: catTail, timeFile: scratchFile(cfg, 'time') },
    { name: 'prog none -- gen text > /dev/null', argv: prog('none', g), timeFile: scratchFile(cfg, 'time'), prog: { home, expect, stored: true } },
    { name: 'prog none --parser none -- gen text > /dev/null', argv: prog('none', g, ['--parser', 'none']), prog: { home, expect } },
    { name: 'prog json -- gen text | wc -c', argv: prog('json', g), tail: `| wc -c > ${shellQuote(jsonCount)}`, prog: { home, expect } },
    { name: 'gen tiny | cat > /dev/null', argv: tiny, tail: catTail },
    { name: 'prog none -- gen tiny > /dev/null', argv: prog('none', tiny), prog: { home, expect: { stdoutBytes: tinyBytes } } },
  ];
  let timings: Timing[];
  let jsonBytes: number;
  try {
    timings = timeAll(cmds, cfg.reps);
    jsonBytes = Number(readFileSync(jsonCount, 'utf8').trim()); // the last repetition's; they differ by a few records at most
  } finally {
    rmSync(jsonCount, { force: true });
  }
  const [cat, none, bare, json, tinyCat, tinyNone] = timings.map((t) => t.ms) as [number, number, number, number, number, number];
  const stored = timings[1]!.stored!;
  const [childCat, childNone] = [timings[0]!.childMs!, timings[1]!.childMs!];
  const v = (wall: number, n = bytes) => `${ms(wall)} · ${rate(n, wall)}`;
  const bl = '`gen text | cat > /dev/null`';
  add({ id: '9a', what: `\`gen text | cat > /dev/null\`: ${size(bytes)} of ${LINE_BYTES}-byte log and prose lines, one pipe hop`, value: v(cat), note: 'baseline of 9b-9d: what any filter pays' });
  add({
    id: '9b', what: '`prog run --format none -- gen text > /dev/null` (default parsers)', value: v(none), baseline: bl, baseValue: v(cat), ratio: ratio(none, cat),
    goal: '≤ 2 × cat', met: none <= 2 * cat, note: `the child's own time ${ms(childNone)} under prog, ${ms(childCat)} into cat (${ratio(childNone, childCat)})`,
  });
  add({ id: '9c', what: 'same with `--parser none` (diagnostic: the splitter and the record alone)', value: v(bare), baseline: bl, baseValue: v(cat), ratio: ratio(bare, cat), note: `9b − 9c = ${ms(none - bare)}: the parsers' share` });
  add({
    id: '9d', what: '`prog run --format json -- gen text | wc -c`: NDJSON out', value: `${ms(json)} · ${mbps(jsonBytes, json)} of JSON (${size(jsonBytes)})`,
    baseline: bl, baseValue: v(cat), ratio: ratio(json, cat), goal: '≥ 250 MB/s of JSON (MB = 10⁶ B)', met: jsonBytes / 1e6 / (json / 1000) >= 250,
    note: `${(jsonBytes / bytes).toFixed(2)} B of JSON per byte of output`,
  });
  add({
    id: '9e', what: `stored for 9b's run: the run directory, against the ${size(bytes)} the child wrote`, value: size(stored.dirBytes), baseline: "the child's output",
    baseValue: size(bytes), ratio: ratio(stored.dirBytes, bytes), goal: '≤ 1.1 × (each byte stored once)', met: stored.dirBytes <= 1.1 * bytes, note: storedNote(stored),
  });
  add({ id: '9f', what: `\`gen tiny | cat > /dev/null\`: ${count(tinyBytes / 2)} lines \`a\\n\` (${size(tinyBytes)})`, value: v(tinyCat, tinyBytes), note: 'baseline of 9g' });
  add({
    id: '9g', what: '`prog run --format none -- gen tiny > /dev/null`: the most lines per byte', value: v(tinyNone, tinyBytes), baseline: '`gen tiny | cat > /dev/null`',
    baseValue: v(tinyCat, tinyBytes), ratio: ratio(tinyNone, tinyCat), goal: '≤ 3 × cat', met: tinyNone <= 3 * tinyCat,
  });
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

/** Row group 8, `prog ls`, `prog history` and the history prior with many stored runs (bench/store.ts). */
async function storeCost(cfg: Config): Promise<void> {
  const { storeRows } = await import('./store.js');
  for (const [i, row] of (await storeRows(cfg.quick)).entries()) add({ id: `8${String.fromCharCode(97 + i)}`, ...row });
}

/** Row group 10, `prog dashboard` under load (bench/dashboard.ts). */
async function dashboardLoad(cfg: Config): Promise<void> {
  const { dashboardRows } = await import('./dashboard.js');
  for (const [i, row] of (await dashboardRows(cfg.quick, cfg.tmp)).entries()) add({ id: `10${String.fromCharCode(97 + i)}`, ...row });
}

/** Row group 11, the full-screen TUI in a pty (bench/tui.ts). */
async function tuiView(): Promise<void> {
  const { tuiRows } = await import('./tui.js');
  for (const [i, row] of (await tuiRows()).entries()) add({ id: `11${String.fromCharCode(97 + i)}`, ...row });
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
    if (want(8)) await storeCost(cfg);
    if (want(9)) ordinaryText(cfg);
    if (want(10)) await dashboardLoad(cfg);
    if (want(11)) await tuiView();
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
    'Ratio = case / baseline (wall time, peak RSS in rows 4, CPU cores in 5a-b, 10a-b and 11a, bytes in 3i and 9e, RSS in 10c); lower is better, 1.00× is free. ' +
      'Goal: the target issue 13 set for the row, and Met whether this run reached it (— where there is none). ' +
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
