// `prog attach <run>`: follows a run from another terminal, in any view. The recorded events and
// output are replayed into a fresh model and view, then read as they are written; the reader goes on
// from the byte where it stopped, so nothing is shown twice or missed at the seam. Ctrl-C detaches
// (the run goes on); when the run ends, attach ends the way its command did.
import { EventBus } from '../event-bus.js';
import type { ProgEvent, StreamName } from '../events.js';
import { writeStderr } from '../diagnostics.js';
import { resolveFormat, richTerminal, tuiFallbackNote, type RequestedFormat } from '../display/format.js';
import { loadView } from '../display/load-view.js';
import { terminalStderr, terminalStdout } from '../display/terminal-output.js';
import { ProgressModel } from '../model/progress-model.js';
import { routeOutput } from '../parsers/line-router.js';
import { exitLike, exitLikeRecord } from '../process/exit-like.js';
import { RunReader } from '../store/run-reader.js';
import { isAlive } from '../store/liveness.js';
import type { RunRecord } from '../store/run-store.js';
import { findRun, readRunRecord, runState } from '../store/runs.js';
import { detachedNote, endedNote, leftNote, lostNote } from '../store/run-notes.js';
import { stateDir } from '../store/state-dir.js';

export interface AttachOptions {
  target: string;
  format: RequestedFormat;
}

/** What the TUI's `q` and confirmed Ctrl-C ask of the follower. */
type TuiRequest = 'leave' | 'stop';

/** How often the files are read for what is new while following (unless the view asks for less). */
const POLL_MS = 100;
const TICK_MS = 1000;
/**
 * How often run.json is read for an end the events log does not tell (a command that never
 * started, a recorder that died): a parse and a /proc look, not worth doing every poll.
 */
const RECORD_MS = 1000;

export async function attachCommand(options: AttachOptions): Promise<void> {
  const run = findRun(stateDir(), options.target);
  const terminals = { stdoutIsTTY: process.stdout.isTTY === true, stderrIsTTY: process.stderr.isTTY === true, stdinIsTTY: process.stdin.isTTY === true, env: process.env };
  const format = resolveFormat(options.format, terminals);
  if (options.format === 'tui' && format !== 'tui') writeStderr(tuiFallbackNote(terminals)!);
  const startedMs = Date.parse(run.record.startedAt);
  const model = new ProgressModel();
  // The run's own clock (ms since it started), so elapsed times and ETAs read as they do there.
  let ended = false;
  const clock = () => (ended ? model.nowMs : Math.max(model.nowMs, Date.now() - startedMs));
  let request: TuiRequest | undefined;
  const tui = { runId: run.id, onLeave: () => (request = 'leave'), onStop: () => (request = 'stop') };
  const view = await loadView(format, { clock, title: run.record.command.join(' '), recordDir: run.dir, terminal: richTerminal(terminals), tui });

  // The command's bytes go through the same router as in the run, so marker lines are taken out
  // again and JSON gets its output events; the markers themselves come from the events log.
  let seq = 0;
  let chunkT = 0;
  const lines = new EventBus();
  lines.subscribe((event) => {
    if (event.type === 'output') view.event({ ...event, seq: ++seq, t: chunkT }, model);
  });
  const router = (stream: StreamName) => routeOutput(stream, { bus: lines, outputEvents: view.wantsLines, pass: (bytes) => view.output(stream, bytes) });
  const routers = { stdout: router('stdout'), stderr: router('stderr') };

  const reader = new RunReader(run.dir);
  const apply = (event: ProgEvent) => {
    seq = Math.max(seq, event.seq);
    model.apply(event);
    view.event(event, model);
  };

  let detached = false;
  const detach = () => {
    detached = true;
  };
  process.on('SIGINT', detach);
  process.on('SIGTERM', detach);
  process.on('SIGHUP', detach);

  /** Everything written since the last read, into the model and the view. */
  const catchUp = () => {
    for (const entry of reader.read()) {
      if (entry.kind === 'event') apply(entry.event);
      else {
        chunkT = entry.t;
        routers[entry.stream].push(entry.bytes);
      }
    }
  };
  const stopReading = () => {
    reader.close();
    routers.stdout.end();
    routers.stderr.end();
  };

  let lastTick = 0;
  let lastRecord = 0;
  for (;;) {
    catchUp();
    if (reader.ended) break;
    if (request === 'leave') {
      // The TUI has restored the screen: the run goes on, and attach can come back to it.
      reader.close();
      writeStderr(`prog: ${leftNote(run.id)}\n`);
      await flushed();
      process.exit(0);
    }
    if (request === 'stop') {
      // As Ctrl-C in the run's own terminal: its prog passes it on, and escalates after its grace.
      request = undefined;
      stopRun(run.record);
    }
    if (detached) {
      reader.close();
      view.detach?.(detachedNote(run.id));
      await flushed();
      process.exit(130);
    }
    const now = Date.now();
    const record = now - lastRecord >= RECORD_MS ? readRunRecord(run.dir) : undefined;
    if (record !== undefined) lastRecord = now;
    // Ended without an exit event (the command never started, or the events log could not be
    // written): what the record says is all there is.
    if (record && record.endedAt !== undefined) {
      catchUp();
      if (!reader.ended) {
        stopReading();
        view.detach?.(endedNote(run.id, record));
        await flushed();
        exitLikeRecord(record);
        return;
      }
      break;
    }
    // The prog recording the run died without its end: nothing more will come.
    if (record && runState(record) === 'lost') {
      stopReading();
      view.detach?.(lostNote(run.id));
      await flushed();
      process.exit(1);
    }
    if (Date.now() - lastTick >= TICK_MS) {
      lastTick = Date.now();
      view.tick(model.snapshot(clock()));
    }
    await new Promise((resolve) => setTimeout(resolve, view.followMs ?? POLL_MS));
  }
  ended = true;
  stopReading();
  process.off('SIGINT', detach);
  process.off('SIGTERM', detach);
  process.off('SIGHUP', detach);
  const summary = model.summary({ id: run.id, command: run.record.command });
  await view.finish(summary, model.snapshot());
  await flushed();
  const exit = model.exit;
  exitLike(exit?.exitCode ?? null, exit?.signal ?? (exit ? null : 'SIGHUP'));
}

function stopRun(record: RunRecord): void {
  const supervisor = record.supervisor;
  try {
    if (supervisor && isAlive(supervisor)) process.kill(supervisor.pid, 'SIGINT');
  } catch {
    // Gone meanwhile: the run is ending anyway.
  }
}

function flushed(): Promise<unknown> {
  return Promise.all([terminalStdout().drained(), terminalStderr().drained()]);
}
