// Benchmarks of the full-screen TUI (`--format tui`) in a real pseudo-terminal (`script`), against
// `--format none` measured in the same run:
//   1. prog's CPU per wall-second while 20 agents finish 100 updates a second each (50 items/s:
//      item.start and item.done). `prog run --format tui` is two processes — the prog recording the
//      run in the background, which also draws the TUI from its model, and the one in the terminal,
//      which relays keys and frames (src/display/tui/relay.ts) — so their CPU is summed, and the
//      split is printed. Goal (issue 17): at most 0.02 of a core above `--format none`, in a run's
//      steady state: 20 s by default, because in the first seconds both processes are still
//      compiling their hot code (an 8-second run, BENCH_TUI_SECONDS=8, shows that start-up too).
//   2. frames a second the TUI sent to the terminal (synchronized-output updates counted in the
//      pty's output) and the bytes they took: at most 10 a second whatever the event rate.
// CPU is read from /proc/<pid>/stat (utime + stime: each process's own, not its children's), after
// the first 1.5 s so start-up is not spread over the run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENTS, cpuTicks, median, NODE, PROG, q, TICKS } from './pty.js';
import type { BenchRow } from './row.js';

const GOAL_ABOVE_NONE = 0.02;
const GOAL_FPS = 10;
const SYNC_START = '\x1b[?2026h';

const quick = process.argv.includes('--quick');
const seconds = Number(process.env.BENCH_TUI_SECONDS ?? (quick ? 3 : 20));
const reps = Number(process.env.BENCH_TUI_REPS ?? (quick ? 1 : 3));



/** The prog recording the run in the background: run.json names it as the supervisor. */
function recorderPid(home: string): number | undefined {
  try {
    const [id] = readdirSync(join(home, 'runs'));
    if (id === undefined) return undefined;
    const record = JSON.parse(readFileSync(join(home, 'runs', id, 'run.json'), 'utf8')) as { supervisor?: { pid: number } };
    return record.supervisor?.pid;
  } catch {
    return undefined;
  }
}

interface PtyRun {
  /** prog's CPU in cores: the process in the pty plus, for the TUI, the recorder. */
  cores: number;
  /** Of those, the recorder's (the background prog; 0 for other formats). */
  recorderCores: number;
  /** Synchronized updates the terminal received per second of the run, and bytes per second. */
  framesPerSecond: number;
  bytesPerSecond: number;
}

/** Runs `prog run --format <format> -- <child>` in a 120×50 pty and measures it. */
async function inPty(format: string, child: string): Promise<PtyRun> {
  const dir = mkdtempSync(join(tmpdir(), 'prog-bench-'));
  const home = join(dir, 'home');
  const pidFile = join(dir, 'pid');
  const line = `stty cols 120 rows 50; echo $$ > ${q(pidFile)}; exec ${q(NODE)} ${q(PROG)} run --format ${format} -- ${child}`;
  const started = process.hrtime.bigint();
  const pty = spawn('script', ['-qfec', line, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, PROG_HOME: home, PROG_CONFIG_DIR: join(home, 'config'), CI: '', NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm-256color' },
  });
  let frames = 0;
  let bytes = 0;
  let tail = '';
  pty.stdout.on('data', (d: Buffer) => {
    bytes += d.length;
    // A marker may straddle two reads.
    const text = tail + d.toString('latin1');
    frames += text.split(SYNC_START).length - 1;
    tail = text.slice(-(SYNC_START.length - 1));
    if (tail.includes(SYNC_START)) tail = '';
  });
  const samples: { ms: number; own?: number; recorder?: number }[] = [];
  let recorder: number | undefined;
  const sampler = setInterval(() => {
    let own: number | undefined;
    try {
      own = cpuTicks(readFileSync(pidFile, 'utf8').trim());
    } catch {
      // Not started yet.
    }
    if (format === 'tui') recorder ??= recorderPid(home);
    samples.push({ ms: Number(process.hrtime.bigint() - started) / 1e6, own, recorder: cpuTicks(recorder) });
  }, 100);
  const code = await new Promise<number | null>((resolveExit) => pty.on('exit', resolveExit));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`bench run failed (exit ${code}): prog run --format ${format} -- ${child}`);
  const whole = (s: (typeof samples)[number]) => s.own !== undefined && (format !== 'tui' || s.recorder !== undefined);
  const from = samples.find((s) => s.ms >= 1500 && whole(s));
  const to = samples.filter(whole).at(-2);
  if (!from || !to || to.ms - from.ms < 500) throw new Error(`bench run too short to measure: prog run --format ${format}`);
  const span = (to.ms - from.ms) / 1000;
  const recorderTicks = format === 'tui' ? to.recorder! - from.recorder! : 0;
  const used = to.own! - from.own! + recorderTicks;
  return { cores: used / TICKS / span, recorderCores: recorderTicks / TICKS / span, framesPerSecond: frames / (wallMs / 1000), bytesPerSecond: bytes / (wallMs / 1000) };
}


export async function tuiRows(): Promise<BenchRow[]> {
  const load = `${q(NODE)} ${q(AGENTS)} 20 50 ${seconds}`;
  const none: number[] = [];
  const tui: PtyRun[] = [];
  // Interleaved and repeated, medians reported: the machine's other load varies.
  for (let i = 0; i < reps; i++) {
    none.push((await inPty('none', load)).cores);
    tui.push(await inPty('tui', load));
  }
  const base = median(none);
  const cores = median(tui.map((r) => r.cores));
  const recorderCores = median(tui.map((r) => r.recorderCores));
  const fps = median(tui.map((r) => r.framesPerSecond));
  const kbps = median(tui.map((r) => r.bytesPerSecond)) / 1000;
  return [
    {
      what: `prog's CPU, TUI in a pty, 20 agents × 100 updates/s (50 items/s each), ${seconds} s runs, median of ${reps}: the recorder (drawing the TUI) + the terminal's prog (relaying it), summed`,
      value: `${cores.toFixed(3)} core`,
      baseline: 'same run, --format none (one process, no view)',
      baseValue: `${base.toFixed(3)} core`,
      ratio: `${(cores / base).toFixed(2)}×`,
      note: `the TUI's share ${(cores - base).toFixed(3)} core; of the total, the recorder ${recorderCores.toFixed(3)} and the terminal's prog ${(cores - recorderCores).toFixed(3)} (medians)`,
      goal: `≤ --format none + ${GOAL_ABOVE_NONE} core`,
      met: cores <= base + GOAL_ABOVE_NONE,
    },
    {
      what: 'frames the TUI sent to the terminal in that run (synchronized updates in the pty\'s output)',
      value: `${fps.toFixed(1)} frames/s · ${kbps.toFixed(1)} kB/s`,
      baseline: '—',
      baseValue: '—',
      ratio: '—',
      note: 'only changed rows (and, side by side, changed panes) are written; the run\'s news is drawn at most 4 times a second and the clocks alone twice (keys are answered at once, within 10 a second)',
      goal: `≤ ${GOAL_FPS} frames/s`,
      met: fps <= GOAL_FPS,
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await tuiRows()) console.log(JSON.stringify(row));
}
