// `prog run -- <cmd>`: wires child -> lines -> parsers -> events -> model -> view and store,
// then ends the way the child ended.
import { randomBytes } from 'node:crypto';
import { fstatSync, readSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isatty } from 'node:tty';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { resolveFormat, richTerminal, type RequestedFormat } from '../display/format.js';
import { loadView } from '../display/load-view.js';
import { terminalStderr, terminalStdout } from '../display/terminal-output.js';
import { printError, warnOnce } from '../diagnostics.js';
import { exitCodeFor, ProgError } from '../errors.js';
import { EventBus } from '../event-bus.js';
import { MAX_RESUMED_IDS, type ExitEvent, type ProgEvent, type ResumeEvent, type StreamName, type Unstamped } from '../events.js';
import { ProgressModel } from '../model/progress-model.js';
import type { LineSplitter } from '../lines/line-splitter.js';
import { routeOutput, routeProgressFd } from '../parsers/line-router.js';
import { OutputTail } from '../parsers/output-tail.js';
import { loadParserSpecs, parseParserChoice, parserEnv, parserProblems, ParserHub } from '../parsers/parser-hub.js';
import { exitLike } from '../process/exit-like.js';
import { groupAlive } from '../process/group.js';
import { SignalForwarder } from '../process/signals.js';
import { spawnChild, type Child } from '../process/spawn-child.js';
import { openChildPipes, refillPipePool } from '../process/child-pipes.js';
import { Backlog } from '../process/backlog.js';
import { newRunId, RunStore } from '../store/run-store.js';
import { stateDir } from '../store/state-dir.js';
import { historyPrior } from '../store/history-prior.js';
import { pruneStore } from '../store/prune.js';
import { loadPrunePolicy } from '../config/load.js';
import { workflowKey } from '../store/workflow-key.js';
import { selfIdentity, startTicks } from '../store/liveness.js';
import { Exports, loadExporters, type ExportOptions } from '../exporters/exporter.js';

/** An item an earlier run completed (prog resume). */
export interface ResumedItem {
  phase?: string;
  id: string;
}

export interface RunOptions {
  command: string[];
  format: RequestedFormat;
  progressFd: number | null;
  graceMs: number;
  /** Show only prog's view, not the command's output (which is still recorded). */
  hideOutput?: boolean;
  /** `--parser` values: auto (the default), none, or parser names to force. */
  parsers?: string[];
  /** How often the views get a snapshot (ms); 1 s by default. */
  updateIntervalMs?: number;
  /** How far back the ETA judges the pace (ms); the whole run when absent. */
  etaWindowMs?: number;
  /** How often CPU, memory and disk are sampled (ms); not at all when absent. */
  sampleIntervalMs?: number;
  /**
   * --foreground: the command keeps the terminal (its session and process group) for prompts;
   * the run then does not outlive the terminal.
   */
  foreground?: boolean;
  /** The run's id, when chosen before prog started (prog run --detach). */
  runId?: string;
  /** prog resume: the run resumed, and the items it (and the runs before it) completed. */
  resume?: { from: string; items: ResumedItem[] };
  /** `--name`: the workflow this run belongs to, for history and ETA (default: command line and directory). */
  name?: string;
  /**
   * --marker-nonce: markers on stdout and stderr count only with the run's secret, given to the
   * command in PROG_MARKER_NONCE (so text it echoes cannot inject progress).
   */
  markerNonce?: boolean;
  /** This prog draws the TUI for `prog run --format tui`'s terminal over this descriptor (remote-tui.ts). */
  tuiChannel?: number;
  /** --junit, --otlp, --notify…: what the exporters send or write once the run ends. */
  exports?: ExportOptions;
}

/** How long stragglers in the child's group get to close its pipes after it exits. */
const STRAGGLER_MS = 1000;
const TICK_MS = 1000;
/** How long after the command starts resources are first looked at. */
const SAMPLER_DELAY_MS = 200;
/** After Ctrl-C or SIGTERM, how long prog still tries to hand queued output to a stalled reader. */
const STOP_FLUSH_MS = 1000;
/** How long a line that stops at a `\r` waits for a `\n` (half a `\r\n`) before the parsers read it as a redraw. */
const CR_WAIT_MS = 15;
/** How often prog looks whether stragglers have gone after their SIGTERM. */
const POLL_MS = 20;
/** Workflow names a run may take that rewrite run.json and look history up (followWorkflowName). */
const MAX_RENAMES = 16;

export async function runCommand(options: RunOptions): Promise<void> {
  const [file, ...args] = options.command;
  if (file === undefined) throw new ProgError('USAGE', 'no command given: prog run [options] -- <command> [args…]');

  // A format or parser that cannot work here is a usage error, found before anything is recorded.
  const terminals = { stdoutIsTTY: process.stdout.isTTY === true, stderrIsTTY: process.stderr.isTTY === true, env: process.env };
  const format = options.tuiChannel === undefined ? resolveFormat(options.format, terminals) : 'tui';
  const requested = options.parsers ?? [];
  // --parser none skips even loading them: markers only, and no line is decoded unless a view asks.
  const specs = requested.length === 1 && requested[0] === 'none' ? [] : await loadParserSpecs();
  const parserChoice = parseParserChoice(requested, specs);
  for (const problem of parserProblems(specs, parserChoice, file)) warnOnce(`parser:${problem}`, problem);
  // Made while the rest starts up (mkfifo is a process of its own), once the flags are known good.
  const childPipes = openChildPipes(options.progressFd === null ? 2 : 3).catch((error: Error) => error);
  const started = new Date();
  const bus = new EventBus();
  const cwd = process.cwd();
  const info = { id: options.runId ?? newRunId(started), key: workflowKey(options.command, cwd, options.name), command: options.command, cwd, startedAt: started.toISOString() };
  // Past runs of the same workflow give the ETA something to go on from the first second.
  const prior = historyPrior(stateDir(), info.key);
  const model = new ProgressModel({ ...(prior ? { prior } : {}), ...(options.etaWindowMs === undefined ? {} : { etaWindowMs: options.etaWindowMs }) });
  const tickMs = options.updateIntervalMs ?? TICK_MS;
  const store = new RunStore(stateDir(), info, (message) => warnOnce('store', message));
  const view = await loadView(format, {
    // Read when shown: once the store has failed (a full disk), the run is no longer said to be recorded.
    get recordDir() {
      return store.failed ? undefined : store.dir;
    },
    clock: () => bus.now(),
    title: options.command.join(' '),
    updateIntervalMs: tickMs,
    terminal: richTerminal(terminals),
    // In GitHub Actions the plain log folds each top-level phase's output in a ::group::.
    // Only while the github-actions parser reads the output: it is what sees the command's own groups.
    ...(format === 'plain' && process.env.GITHUB_ACTIONS === 'true' && readsGroups(parserChoice) ? { ciGroups: true } : {}),
    ...(options.tuiChannel === undefined ? {} : { tuiChannel: { fd: options.tuiChannel, runId: info.id } }),
  });
  // JUnit, OpenTelemetry, GitHub Actions, notifications: loaded only when asked for (or in GitHub Actions).
  const exportOptions = options.exports?.junit === undefined ? options.exports ?? {} : { ...options.exports, junit: resolve(cwd, options.exports.junit) };
  const exporters = await loadExporters(exportOptions, process.env);
  const outbound = exporters.length === 0 ? undefined : new Exports(exporters);

  bus.subscribe((event) => model.apply(event));
  // Named by a workflow marker (no --name): recorded, listed and found under that name, and its ETA
  // goes by that workflow's history from the moment the name arrives.
  if (options.name === undefined || options.name.trim() === '') bus.subscribe(followWorkflowName(info, store, model));
  bus.subscribe((event) => store.event(event));
  bus.subscribe((event) => view.event(event, model));
  if (outbound) bus.subscribe((event) => outbound.event(event));
  bus.subscribe((event) => {
    if (event.type === 'marker.invalid') {
      warnOnce('marker', `a line started like a ::prog:: marker but ${event.reason}; it was passed through as output (more are counted in the summary)`);
    }
  });

  // Listening starts before the child does: a signal that arrives while it starts is held and passed
  // on once its group exists, rather than killing prog and leaving the child running unwatched.
  let childExited = false;
  // The terminal went away (SIGHUP, or EIO writing to it): the run goes on, recorded, with nothing
  // shown; the command is not signalled. Outputs that are not the terminal (a pipe) keep theirs.
  let hungUp = false;
  const hangup = () => {
    if (hungUp) return;
    hungUp = true;
    if (process.stdout.isTTY) terminalStdout().close();
    if (process.stderr.isTTY) terminalStderr().close();
    bus.emit({ type: 'signal', signal: 'SIGHUP', action: 'detached' });
  };
  const foreground = options.foreground === true;
  const signals = new SignalForwarder({
    graceMs: options.graceMs,
    notify: (notice) => bus.emit({ type: 'signal', ...notice }),
    hangup,
    // In the foreground the terminal's Ctrl-C and Ctrl-\ reach the command itself.
    ...(foreground ? { delivered: new Set<NodeJS.Signals>(['SIGINT', 'SIGQUIT']), wholeGroup: false } : {}),
  });
  signals.install();

  const nonce = options.markerNonce === true ? randomBytes(16).toString('hex') : undefined;

  // prog resume: the command gets the list of completed item ids in $PROG_RESUME_FILE.
  const resumeFile = options.resume ? writeResumeFile(store, options.resume.items) : undefined;

  let child: Child;
  const made = await childPipes;
  if (made instanceof Error) warnOnce('pipes', `the command's output goes through sockets, not pipes (${made.message}): writing to /dev/stdout or /dev/stderr will fail in it`);
  try {
    child = await spawnChild({
      command: file,
      args,
      progressFd: options.progressFd,
      foreground,
      ...(made instanceof Error ? {} : { pipes: made }),
      env: {
        ...parserEnv(specs, parserChoice, file),
        PROG_RUN_ID: info.id,
        PROG_RESUME_FILE: resumeFile,
        // For this prog only: a prog run inside the command must choose its own id.
        PROG_DETACHED_RUN_ID: undefined,
        PROG_TUI_CHANNEL: undefined,
        PROG_TUI_SIZE: undefined,
        PROG_TUI_COLOR: undefined,
        // Unset without --marker-nonce: an outer prog's secret is not this run's.
        PROG_MARKER_NONCE: nonce,
        // `none` also hides a PROG_PROGRESS_FD inherited from an outer prog: that descriptor is not open here.
        PROG_PROGRESS_FD: options.progressFd === null ? undefined : String(options.progressFd),
      },
    });
  } catch (error) {
    signals.uninstall();
    if (!(error instanceof ProgError)) throw error;
    store.spawnFailed(error.code, new Date().toISOString());
    printError(error.message);
    process.exit(exitCodeFor(error.code));
  }

  const pidStartTicks = startTicks(child.pid);
  store.start(child.pid, selfIdentity(), {
    graceMs: options.graceMs,
    ...(pidStartTicks === undefined ? {} : { pidStartTicks }),
    ...(foreground ? { foreground: true as const } : {}),
    ...(nonce === undefined ? {} : { markerNonce: true as const }),
  });
  bus.emit({ type: 'run.start', ...info, pid: child.pid });
  // Now that the command runs, not before: pipes for the runs after this one.
  if (!(made instanceof Error)) refillPipePool();
  if (options.resume) bus.emit(resumeEvent(options.resume.from, options.resume.items));
  signals.attach(child.pid);
  // Should prog itself fail while the child runs, the child's group goes with it (no orphans).
  const orphanGuard = () => {
    if (!childExited) signals.killGroup('SIGTERM');
  };
  process.once('exit', orphanGuard);

  // --hide-output: only prog's view is shown; the bytes are still recorded (store.output, below).
  const pass = (stream: StreamName) => options.hideOutput ? () => undefined : (bytes: Buffer) => view.output(stream, bytes);
  const tail = new OutputTail();
  const hub = parserChoice === 'none' || specs.length === 0 ? undefined : new ParserHub(specs, parserChoice, (event) => bus.emit(event));
  let sentSigpipe = false;
  const sink = (stream: StreamName, from: Readable, fd: number) => {
    const splitter = routeOutput(stream, { bus, outputEvents: view.wantsLines && !options.hideOutput, pass: pass(stream), tail, hub, ...(nonce === undefined ? {} : { nonce }) });
    const push = redrawsOnTime(splitter);
    const take = (chunk: Buffer, readAt: number) => {
      store.output(stream, chunk, readAt);
      push(chunk);
    };
    let hungUp = false;
    return {
      take,
      end: () => {
        push.cancel();
        splitter.end();
      },
      // prog's reader went away while passing on what the child wrote: that write is the one that
      // would have met the broken pipe. (Deferred: this is noticed in the middle of passing a chunk.)
      hangUp: () => {
        if (hungUp) return;
        hungUp = true;
        // A terminal that hung up (EIO, perhaps before its SIGHUP arrived): the run goes on without
        // it, still draining the command into the logs.
        if ((stream === 'stdout' ? terminalStdout() : terminalStderr()).hungUp) {
          hangup();
          return;
        }
        // Only a pipe's reader going away means SIGPIPE; a full disk (ENOSPC) just stops the view.
        if (!isPipe(fd)) return;
        setImmediate(() => {
          if (brokenPipe(from, childExited ? undefined : child.pid, (chunk) => backlog.push(sinks[stream], chunk))) sentSigpipe = true;
        });
      },
    };
  };
  // The child's pipes are read ahead of processing (backlog.ts): it never waits for prog's parsing.
  // Processing pauses while prog's own reader is slower than the child; past the backlog's bound
  // the pipes pause too, and the child waits for that reader just as it would without prog.
  const backlog = new Backlog({
    clock: () => bus.now(),
    blocked: () => {
      // Once the user asked the run to stop, a reader that stopped reading is not waited for.
      if (signals.stopping !== undefined) return undefined;
      const outputs = [terminalStdout(), terminalStderr()].filter((out) => out.congested);
      return outputs.length === 0 ? undefined : Promise.all(outputs.map((out) => out.drained())).then(() => undefined);
    },
  });
  const stdout = sink('stdout', child.stdout, 1);
  const stderr = sink('stderr', child.stderr, 2);
  const sinks = { stdout, stderr };
  bus.subscribe((event) => {
    if (event.type === 'signal') backlog.unblock();
  });
  // When prog's own reader goes away (`prog run -- yes | head -1`), the child ends as it would have
  // without prog in between.
  terminalStdout().onClose(stdout.hangUp);
  terminalStderr().onClose(stderr.hangUp);

  const pipes: Promise<void>[] = [backlog.read(child.stdout, stdout), backlog.read(child.stderr, stderr)];
  if (child.progress) {
    const splitter = routeProgressFd(bus, undefined, tail);
    pipes.push(backlog.read(child.progress, { take: (chunk) => splitter.push(chunk), end: () => splitter.end() }));
  }

  // Sampling starts a little after the command: a command that is over by then (`prog run -- true`)
  // never pays for loading the sampler.
  let sampler: Awaited<ReturnType<typeof startSampler>> | undefined;
  const interval = options.sampleIntervalMs;
  const agentPids = interval === undefined ? undefined : new AgentPids(bus);
  const samplerTimer = interval === undefined ? undefined : setTimeout(() => {
    startSampler(bus, child.pid, cwd, interval, agentPids!).then((started) => {
      if (childExited) void started.stop();
      else sampler = started;
    }, (error: Error) => warnOnce('resources', `resource sampling is off: ${error.message}`));
  }, Math.min(SAMPLER_DELAY_MS, interval));
  const ticker = setInterval(() => {
    const snapshot = model.snapshot(bus.now());
    view.tick(snapshot);
    store.snapshot(snapshot);
    outbound?.tick(snapshot);
  }, tickMs);
  const exit = await child.exited;
  childExited = true;
  // Read before reaping: the stragglers' SIGTERM is not what ended the child.
  const sentToChild = signals.lastSent;
  await reapGroup(signals, child.pid, pipes, [child.stdout, child.stderr, child.progress]);
  hub?.end();
  clearInterval(ticker);
  clearTimeout(samplerTimer);
  await sampler?.stop();

  bus.emit(exitEvent(exit, exit.signal === 'SIGPIPE' && sentSigpipe ? 'SIGPIPE' : sentToChild, bus.now()));
  const summary = model.summary(info);
  const final = model.snapshot();
  await view.finish(summary, final);
  store.snapshot(final);
  store.finish(summary, { pid: child.pid, endedAt: new Date().toISOString() });
  if (outbound) {
    // Bounded by a deadline, and never the run's exit status. The command is over: Ctrl-C now cuts
    // the exporters short, rather than being passed to a command that is no longer there.
    const cut = new Promise<NodeJS.Signals>((resolve) => signals.ended(resolve));
    const exported = outbound.finish({ info, summary, snapshot: final, format, ...(store.failed ? {} : { recordDir: store.dir }) });
    const signal = await Promise.race([exported.then(() => undefined), cut]);
    if (signal !== undefined) warnOnce('export-cut', `${signal}: stopped exporting the run (a JUnit report, trace or notification may be missing); the run's exit status is unchanged`);
  }
  // After the history line, so this run counts; cheap unless a limit is passed (then at most ~50 ms).
  if (!store.failed) pruneStore(stateDir(), loadPrunePolicy(), { current: info.id });
  // Everything the child wrote reaches prog's reader before prog ends (process.exit drops queues),
  // unless the user asked prog to stop: then a reader that has stopped reading is not waited for.
  const drained = Promise.all([terminalStdout().drained(), terminalStderr().drained()]);
  await (signals.stopping === undefined ? drained : Promise.race([drained, delay(STOP_FLUSH_MS)]));
  signals.uninstall();
  // Without its terminal, prog ends by the hangup it got: Node 20 aborts in process.exit() after a
  // terminal hangs up (it cannot reset the terminal's modes), and nobody is waiting for a status.
  // (Only when a terminal was involved: a SIGHUP to a prog writing to files or pipes changes nothing.)
  if ((hungUp && [0, 1, 2].some((fd) => isatty(fd))) || terminalStdout().hungUp || terminalStderr().hungUp) exitLike(null, 'SIGHUP');
  else exitLike(exit.exitCode, exit.signal);
}

/**
 * A `workflow` marker names the run's workflow: its key (run.json, history) becomes that name, and
 * that workflow's history (looked up here: the model reads no files) becomes the ETA's prior when it
 * has one (else the command line's stays). The last name given wins, as in the summary. Past
 * MAX_RENAMES names only the key follows: endless names cannot stall the run on writes and lookups.
 */
function followWorkflowName(info: { key: string; command: string[]; cwd: string }, store: RunStore, model: ProgressModel): (event: ProgEvent) => void {
  let renames = 0;
  return (event) => {
    if (event.type !== 'workflow' || event.name.trim() === '') return;
    const key = workflowKey(info.command, info.cwd, event.name);
    if (key === info.key) return;
    if (++renames > MAX_RENAMES) {
      info.key = key;
      return;
    }
    store.rename(key, event.name);
    const prior = historyPrior(stateDir(), key);
    if (prior) model.usePrior(prior);
  };
}

/**
 * Samples the child's process tree, the machine and the disk into `resources` events; an agent
 * that names its pid gets its own tree measured. Loaded only when sampling is on.
 */
async function startSampler(bus: EventBus, rootPid: number, cwd: string, intervalMs: number, agents: AgentPids) {
  const { ResourceSampler } = await import('../resources/sampler.js');
  const sampler = new ResourceSampler({
    rootPid,
    cwd,
    intervalMs,
    onSample: ({ at: _at, ...sample }) => bus.emit({ type: 'resources', ...sample }),
    onError: (error) => warnOnce('resources', `resource sampling: ${error.message}`),
  });
  agents.follow(sampler);
  sampler.start();
  return sampler;
}

/** The agents that named their pid, from the first event on (the sampler may start later). */
class AgentPids {
  readonly #pids = new Map<string, number>();
  #sampler?: { watch(id: string, pid: number): void; unwatch(id: string): void };

  constructor(bus: EventBus) {
    bus.subscribe((event) => {
      if (event.type !== 'agent') return;
      // A marker's pid is the command's word: only a plausible one is looked at.
      const pid = event.pid;
      if (pid !== undefined && Number.isSafeInteger(pid) && pid > 0 && (event.status === 'busy' || event.status === 'idle')) {
        this.#pids.set(event.id, pid);
        this.#safely(() => this.#sampler?.watch(event.id, pid));
      } else if (event.status === 'done' || event.status === 'failed' || event.status === 'offline') {
        this.#pids.delete(event.id);
        this.#safely(() => this.#sampler?.unwatch(event.id));
      }
    });
  }

  follow(sampler: { watch(id: string, pid: number): void; unwatch(id: string): void }): void {
    this.#sampler = sampler;
    for (const [id, pid] of this.#pids) this.#safely(() => sampler.watch(id, pid));
  }

  /** Sampling is a convenience: its failure is a warning, never the run's end. */
  #safely(action: () => void): void {
    try {
      action();
    } catch (error) {
      warnOnce('resources', `resource sampling: ${(error as Error).message}`);
    }
  }
}

/**
 * The completed items, for the command (resume.txt: one id per line) and for a later resume of
 * this run (resume.json: with their phases). In the run's directory; in the temp dir should that
 * not be writable.
 */
function writeResumeFile(store: RunStore, items: ResumedItem[]): string {
  const text = items.map((item) => `${item.id}\n`).join('');
  for (const dir of store.failed ? [tmpdir()] : [store.dir, tmpdir()]) {
    const path = join(dir, dir === store.dir ? 'resume.txt' : `prog-resume-${store.info.id}.txt`);
    try {
      writeFileSync(path, text, { mode: 0o600 });
      if (dir === store.dir) writeFileSync(join(dir, 'resume.json'), JSON.stringify(items) + '\n', { mode: 0o600 });
      return path;
    } catch {
      // try the next place
    }
  }
  throw new ProgError('USAGE', 'cannot write the list of completed items for the resumed run');
}

function resumeEvent(from: string, items: ResumedItem[]): Unstamped<ResumeEvent> {
  const phases: Record<string, number> = {};
  for (const item of items) if (item.phase !== undefined) phases[item.phase] = (phases[item.phase] ?? 0) + 1;
  // Named too (up to a bound): a command that does them again (it does not skip) does not count them twice.
  const done = items.slice(0, MAX_RESUMED_IDS).map((item) => (item.phase === undefined ? { id: item.id } : { phase: item.phase, id: item.id }));
  return { type: 'resume', from, items: items.length, phases, done };
}

/**
 * Pushes chunks into a splitter; a line that stops at a `\r` goes to the parsers once CR_WAIT_MS
 * pass with no more bytes: a redraw (pv's bar, git's meter) is read when it is written, not when
 * the tool next writes, which may be a minute later.
 */
function redrawsOnTime(splitter: LineSplitter): ((chunk: Buffer) => void) & { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const push = (chunk: Buffer) => {
    cancel();
    splitter.push(chunk);
    if (splitter.crPending) timer = setTimeout(() => splitter.redrawNow(), CR_WAIT_MS);
  };
  return Object.assign(push, { cancel });
}

/**
 * The child wrote to a stream whose reader (prog's own stdout or stderr) has gone. Without prog the
 * writer would get SIGPIPE: prog sends it to the child, then closes its end of the pipe, so that a
 * writer that ignores SIGPIPE gets EPIPE and grandchildren get SIGPIPE from the kernel. (On the
 * socket pairs used when pipes cannot be made, a closed end would say ECONNRESET instead.)
 * Returns whether the SIGPIPE was sent.
 */
function brokenPipe(stream: Readable, pid: number | undefined, take: (chunk: Buffer) => void): boolean {
  if (stream.destroyed) return false;
  let sent = false;
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGPIPE');
      sent = true;
    } catch {
      // Already gone.
    }
  }
  // Closed with bytes still queued, the socket fails the writer's blocked write with ECONNRESET;
  // emptied first, with EPIPE as a pipe would. What is queued was written: it is recorded.
  // (Best effort: the writer may add more in between.)
  const fd = (stream as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd === 'number' && fd >= 0) {
    for (let i = 0; i < 16; i++) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch {
        break; // EAGAIN: nothing queued
      }
      if (n <= 0) break;
      take(chunk.subarray(0, n));
    }
  }
  stream.destroy();
  return sent;
}

/**
 * The child has exited; anything it left running in its group is ended so that no grandchild
 * outlives prog, and so that pipes those processes hold open finally close. A straggler gets SIGTERM
 * and STRAGGLER_MS to go, then SIGKILL. Whatever holds a pipe from outside the group (a setsid daemon)
 * gets STRAGGLER_MS more, then prog stops reading.
 */
async function reapGroup(signals: SignalForwarder, pgid: number, pipes: Promise<void>[], streams: (Readable | undefined)[]): Promise<void> {
  const all = Promise.all(pipes);
  if (signals.killGroup('SIGTERM')) {
    const deadline = Date.now() + STRAGGLER_MS;
    let alive = groupAlive(pgid);
    while (alive && Date.now() < deadline) {
      await delay(POLL_MS);
      alive = groupAlive(pgid);
    }
    if (alive) signals.killGroup('SIGKILL');
  }
  const stuck = await Promise.race([all.then(() => false), delay(STRAGGLER_MS).then(() => true)]);
  if (stuck) for (const stream of streams) stream?.destroy();
  await all;
}

function exitEvent(exit: { exitCode: number | null; signal: NodeJS.Signals | null }, lastSent: NodeJS.Signals | undefined, now: number): Omit<ExitEvent, 'seq' | 't'> {
  const event: Omit<ExitEvent, 'seq' | 't'> = { type: 'exit', exitCode: exit.exitCode, signal: exit.signal, durationMs: now };
  if (exit.signal !== null) {
    // SIGKILL (escalation, grace) and SIGPIPE (prog's reader went away) are prog's own doing.
    event.signalledBy = lastSent !== exit.signal ? 'external' : lastSent === 'SIGKILL' || lastSent === 'SIGPIPE' ? 'prog' : 'forwarded';
  }
  return event;
}

/** Whether the parsers that see a command's own CI groups read this run's output. */
function readsGroups(choice: ReturnType<typeof parseParserChoice>): boolean {
  return choice === 'auto' || (Array.isArray(choice) && choice.includes('github-actions'));
}

function isPipe(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
