// `prog run -- <cmd>`: wires child -> lines -> parsers -> events -> model -> view and store,
// then ends the way the child ended.
import type { Readable } from 'node:stream';
import { resolveFormat, type RequestedFormat } from '../display/format.js';
import { loadView } from '../display/load-view.js';
import { terminalStderr, terminalStdout } from '../display/terminal-output.js';
import { printError, warnOnce } from '../diagnostics.js';
import { exitCodeFor, ProgError } from '../errors.js';
import { EventBus } from '../event-bus.js';
import type { ExitEvent, StreamName } from '../events.js';
import type { LineSplitter } from '../lines/line-splitter.js';
import { ProgressModel } from '../model/progress-model.js';
import { routeOutput, routeProgressFd } from '../parsers/line-router.js';
import { exitLike } from '../process/exit-like.js';
import { SignalForwarder } from '../process/signals.js';
import { spawnChild, type Child } from '../process/spawn-child.js';
import { newRunId, RunStore } from '../store/run-store.js';
import { stateDir } from '../store/state-dir.js';

export interface RunOptions {
  command: string[];
  format: RequestedFormat;
  progressFd: number | null;
  graceMs: number;
}

/** How long stragglers in the child's group get to close its pipes after it exits. */
const STRAGGLER_MS = 1000;
const TICK_MS = 1000;

export async function runCommand(options: RunOptions): Promise<void> {
  const [file, ...args] = options.command;
  if (file === undefined) throw new ProgError('USAGE', 'no command given: prog run [options] -- <command> [args…]');

  const started = new Date();
  const bus = new EventBus();
  const model = new ProgressModel();
  const info = { id: newRunId(started), command: options.command, cwd: process.cwd(), startedAt: started.toISOString() };
  const store = new RunStore(stateDir(), info, (message) => warnOnce('store', message));
  const format = resolveFormat(options.format, { stdoutIsTTY: process.stdout.isTTY === true, env: process.env });
  const view = await loadView(format, store.failed ? {} : { recordDir: store.dir });

  bus.subscribe((event) => model.apply(event));
  bus.subscribe((event) => store.event(event));
  bus.subscribe((event) => view.event(event, model));
  bus.subscribe((event) => {
    if (event.type === 'marker.invalid') {
      warnOnce('marker', `a line started like a ::prog:: marker but ${event.reason}; it was passed through as output (more are counted in the summary)`);
    }
  });

  let child: Child;
  try {
    child = await spawnChild({
      command: file,
      args,
      progressFd: options.progressFd,
      env: {
        PROG_RUN_ID: info.id,
        ...(options.progressFd === null ? {} : { PROG_PROGRESS_FD: String(options.progressFd) }),
      },
    });
  } catch (error) {
    if (!(error instanceof ProgError)) throw error;
    store.spawnFailed(error.code, new Date().toISOString());
    printError(error.message);
    process.exit(exitCodeFor(error.code));
  }

  store.start(child.pid);
  bus.emit({ type: 'run.start', ...info, pid: child.pid });
  const signals = new SignalForwarder({
    pgid: child.pid,
    graceMs: options.graceMs,
    notify: (notice) => bus.emit({ type: 'signal', ...notice }),
  });
  signals.install();

  // When prog's own reader goes away (`| head`), close the child's matching pipe: it then gets
  // SIGPIPE on its next write, exactly as it would without prog in between.
  terminalStdout().onClose(() => child.stdout.destroy());
  terminalStderr().onClose(() => child.stderr.destroy());

  const pass = (stream: StreamName) => (bytes: Buffer) => view.output(stream, bytes);
  const pipes: Promise<void>[] = [
    drain(child.stdout, routeOutput('stdout', { bus, outputEvents: view.wantsLines, pass: pass('stdout') }), (chunk) => store.output('stdout', chunk, bus.now())),
    drain(child.stderr, routeOutput('stderr', { bus, outputEvents: view.wantsLines, pass: pass('stderr') }), (chunk) => store.output('stderr', chunk, bus.now())),
  ];
  if (child.progress) pipes.push(drain(child.progress, routeProgressFd(bus)));

  const ticker = setInterval(() => view.tick(model.snapshot(bus.now())), TICK_MS);
  const exit = await child.exited;
  // Read before reaping: the stragglers' SIGTERM is not what ended the child.
  const sentToChild = signals.lastSent;
  await reapGroup(signals, pipes, [child.stdout, child.stderr, child.progress]);
  clearInterval(ticker);

  bus.emit(exitEvent(exit, sentToChild, bus.now()));
  const summary = model.summary(info);
  view.finish(summary, model.snapshot());
  store.finish(summary, { pid: child.pid, endedAt: new Date().toISOString() });
  signals.uninstall();
  exitLike(exit.exitCode, exit.signal);
}

/** Reads a child stream to its end: each chunk is recorded, then split into lines and events. */
function drain(stream: Readable, splitter: LineSplitter, record?: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      record?.(chunk);
      splitter.push(chunk);
    });
    let ended = false;
    const done = () => {
      if (ended) return;
      ended = true;
      splitter.end();
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', () => undefined);
  });
}

/**
 * The child has exited; anything it left running in its group is ended so that no grandchild
 * outlives prog, and so that pipes those processes hold open finally close.
 */
async function reapGroup(signals: SignalForwarder, pipes: Promise<void>[], streams: (Readable | undefined)[]): Promise<void> {
  const all = Promise.all(pipes);
  if (!signals.killGroup('SIGTERM')) return void (await all);
  const timedOut = await Promise.race([all.then(() => false), delay(STRAGGLER_MS).then(() => true)]);
  if (!timedOut) return;
  signals.killGroup('SIGKILL');
  const stuck = await Promise.race([all.then(() => false), delay(STRAGGLER_MS).then(() => true)]);
  // Something outside the group (a setsid daemon) still holds a pipe: stop waiting for it.
  if (stuck) for (const stream of streams) stream?.destroy();
  await all;
}

function exitEvent(exit: { exitCode: number | null; signal: NodeJS.Signals | null }, lastSent: NodeJS.Signals | undefined, now: number): Omit<ExitEvent, 'seq' | 't'> {
  const event: Omit<ExitEvent, 'seq' | 't'> = { type: 'exit', exitCode: exit.exitCode, signal: exit.signal, durationMs: now };
  if (exit.signal !== null) {
    event.signalledBy = lastSent !== exit.signal ? 'external' : lastSent === 'SIGKILL' ? 'prog' : 'forwarded';
  }
  return event;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
