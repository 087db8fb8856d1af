// The plain view, for CI logs, pipes and dumb terminals: the child's bytes pass through untouched
// and prog's own lines go to stderr, each starting with `[prog]`. No `\r`, no cursor movement:
// every line is final, so a log reads the same as the terminal did.
//
// prog's lines always start a line (grep '^\[prog\]' finds them all) and, as far as it can, add
// nothing to the command's output: where the command leaves a line open (a `\r` redraw, a prompt,
// dots), prog's lines wait for it to end and go out right after its `\n`. They wait at most HOLD_MS,
// and not past the end of the output: then, and only then, prog ends the open line with one `\n` of
// its own before them. The run's stderr.log is always exactly the command's.
//
// In GitHub Actions (options.ciGroups) each top-level phase's output is folded in a `::group::`,
// written where prog's lines go (stderr: the runner reads workflow commands on both streams): it
// opens when the phase starts, before the phase's first line, and closes when the phase ends (its
// end line shows under the folded group), when the next top-level phase starts (GitHub cannot nest
// groups) or when the run ends. Events come before the bytes that follow them: a marker's line is
// read after the bytes before it passed; a tool's lines are read before the bytes of their chunk
// pass (line-router.ts), so a tool's line that starts a phase, and lines of its chunk before it,
// fall inside the new group. A phase's end waits for the rest of the chunk it ended in to pass (a
// microtask), or a tool whose whole phase came in one read (pytest on a pipe) would have its lines
// after its group. Once the command prints groups of its own (a `phase` event with `group`), prog
// stops folding.
import { fstatSync } from 'node:fs';
import { Chalk, type ChalkInstance } from 'chalk';
import { willRetry, type ProgEvent, type StreamName } from '../events.js';
import { clip as safe, TEXT_MAX } from './clip.js';
import type { Counts, PhaseSnapshot, Snapshot, Summary } from '../model/snapshot.js';
import { colorLevel } from './color.js';
import { formatDuration, formatEta, formatRate } from './duration.js';
import { countsText, itemName, statusMark, summaryLines } from './summary-lines.js';
import { byId, phasePath } from './phase-name.js';
import { terminalStderr, terminalStdout, type TerminalOutput } from './terminal-output.js';
import { stripAnsi } from '../lines/ansi.js';
import { workflowCommand } from '../exporters/github-commands.js';
import { resourcesText } from './resources-text.js';
import type { ProgressReader, View, ViewOptions } from './view.js';

/** A phase's progress line comes at each 10 % crossed, or after this many update intervals (10 s by default). */
const PROGRESS_TICKS = 10;
/** With nothing else printed for this many update intervals (30 s by default), a resources line. */
const STATUS_TICKS = 30;

/** ` · CPU 65% · Mem 1.2 GB · Disk +450 MB` when the run is sampled. */
function usage(snapshot: Snapshot): string {
  return snapshot.resources ? ` · ${resourcesText(snapshot.resources)}` : '';
}
/** Failures printed as they happen; the rest wait for the summary. */
const LIVE_FAILURES = 10;
/** How long prog's lines wait for the command to end a line it left open (see above). */
export const HOLD_MS = 1000;

interface PhaseLine {
  printedMs: number;
  bucket: number;
  current: number;
}

export class PlainView implements View {
  readonly wantsLines = false;
  readonly #out: Record<StreamName, TerminalOutput> = { stdout: terminalStdout(), stderr: terminalStderr() };
  readonly #c: ChalkInstance;
  readonly #options: ViewOptions;
  readonly #lines = new Map<string, PhaseLine>();
  /** The last tenth of an estimate from history that was printed. */
  #estimateBucket = -1;
  /** When the last timed status line (progress, estimate or resources) was printed. */
  #statusMs = 0;
  /** Phases whose start has been shown and that have not ended since. */
  readonly #announced = new Set<string>();
  /**
   * Whether the line prog's stderr is on was left open by the child, so prog's lines wait. Only the
   * child's stderr counts, unless prog's stdout and stderr are the same file, pipe or terminal
   * (`2>&1`, a terminal): then the child's stdout leaves lines open there too.
   */
  #open = false;
  /** prog's lines waiting for the child's open line to end, and the bound on their wait. */
  #held: string[] = [];
  #holdTimer: NodeJS.Timeout | undefined;
  /** The child's output is all in (finish, detach): nothing more will end its line. */
  #ended = false;
  readonly #sharedOutput: boolean;
  #liveFailures = 0;
  /** GitHub Actions: fold top-level phases in groups, until the command prints groups itself. */
  #folding: boolean;
  /** The top-level phase whose ::group:: is open. */
  #group: string | undefined;
  /** That phase has ended: its end line, said once its group is closed. */
  #closing: string | undefined;

  constructor(options: ViewOptions = {}) {
    this.#options = options;
    this.#sharedOutput = options.sharedOutput ?? sameDestination(1, 2);
    this.#c = new Chalk({ level: colorLevel(process.stderr) });
    this.#folding = options.ciGroups === true;
  }

  output(stream: StreamName, bytes: Buffer): void {
    const out = this.#out[stream];
    if ((stream !== 'stderr' && !this.#sharedOutput) || bytes.length === 0) {
      out.write(bytes);
      return;
    }
    const end = this.#held.length === 0 ? -1 : bytes.indexOf(0x0a);
    if (end !== -1 && end + 1 < bytes.length) {
      // The open line ends inside this chunk: prog's waiting lines go out right after its `\n`.
      out.write(bytes.subarray(0, end + 1));
      this.#open = false;
      this.#release();
      bytes = bytes.subarray(end + 1);
    }
    out.write(bytes);
    this.#open = bytes[bytes.length - 1] !== 0x0a;
    if (!this.#open) this.#release();
  }

  event(event: ProgEvent, model: ProgressReader): void {
    const c = this.#c;
    switch (event.type) {
      case 'run.start':
        // Where the run can be followed from if this terminal goes away.
        this.#say(c.dim(this.#options.recordDir === undefined ? `run ${event.id} · not recorded` : `run ${event.id} · prog attach ${event.id} follows it from another terminal`));
        break;
      case 'workflow':
        this.#say(`workflow ${c.bold(safe(event.name))}`);
        break;
      case 'phase': {
        // The command's own CI group: GitHub cannot nest groups, so prog's go, for good.
        if (event.group && this.#folding) {
          this.#closeGroup();
          this.#folding = false;
        }
        const phase = model.phase(event.id);
        // A phase marker for a phase already running updates it (a new total, a name): no new start.
        if (!phase || this.#announced.has(event.id)) break;
        this.#announced.add(event.id);
        this.#lines.set(event.id, { printedMs: event.t, bucket: 0, current: phase.current });
        if (this.#folding && phase.parent === undefined) this.#openGroup(phase);
        // A resumed run's phase starts with what the earlier run completed already counted.
        const done = phase.counts.processed;
        const todo = phase.total === undefined ? '' : done > 0 ? ` · ${done} done, ${Math.max(0, phase.total - done)} to do` : ` · ${phase.total} to do`;
        this.#say(`${c.cyan('▶')} ${c.bold(phasePath(phase, (id) => model.phase(id)))} started${todo}`);
        break;
      }
      case 'phase.end': {
        const phase = model.phase(event.id);
        if (!phase) break;
        const line = this.#phaseEnded(phase, phasePath(phase, (id) => model.phase(id)));
        if (this.#group !== event.id) {
          this.#say(line);
          break;
        }
        // Its group closes before its end line, which stays in sight with the group folded: once
        // the rest of this chunk has passed (see the top).
        this.#closing = line;
        queueMicrotask(() => this.#closeGroup());
        break;
      }
      case 'step': {
        const phase = event.phase === undefined ? undefined : model.phase(event.phase);
        const where = event.phase === undefined ? '' : `${phase ? phasePath(phase, (id) => model.phase(id)) : safe(event.phase)}: `;
        const count = event.index === undefined ? '' : ` ${event.index}${event.total === undefined ? '' : `/${event.total}`}`;
        this.#say(`${where}step${count} ${safe(event.name)}`);
        break;
      }
      case 'item.fail':
        // Retries are summed on the progress line; final failures are worth a line of their own.
        if (willRetry(event)) break;
        if (++this.#liveFailures <= LIVE_FAILURES) {
          // The first line names the failure; the rest (a compiler's output) waits for the summary.
          this.#say(`${c.red('✖ failed')} ${itemName(event)}${event.error === undefined ? '' : `: ${safe(event.error.split(/\r?\n/)[0]!, TEXT_MAX)}`}`);
        } else if (this.#liveFailures === LIVE_FAILURES + 1) {
          this.#say(c.red(`further failures are listed in the summary`));
        }
        break;
      case 'log': {
        // A diagnostic read from the output is on screen already, as the tool printed it: counted in
        // the summary, not said twice.
        if (event.level === 'debug' || event.location !== undefined) break;
        const paint = event.level === 'error' ? c.red : event.level === 'warn' ? c.yellow : (s: string) => s;
        this.#say(`${paint(event.level)}${event.source === undefined ? '' : ` ${safe(event.source)}`}: ${safe(event.message, TEXT_MAX)}`);
        break;
      }
      case 'signal':
        this.#say(c.yellow(signalText(event)));
        break;
      default:
        break;
    }
  }

  tick(snapshot: Snapshot): void {
    if (snapshot.estimated && snapshot.percent !== undefined && snapshot.status === 'running') {
      // A command with no progress of its own: one line per tenth of the time past runs took.
      const bucket = Math.floor(snapshot.percent / 10);
      if (bucket > this.#estimateBucket) {
        this.#estimateBucket = bucket;
        const eta = formatEta(snapshot);
        this.#say(`~${Math.floor(snapshot.percent)}% estimated from past runs${eta === undefined ? '' : ` · ${eta}`} · ${formatDuration(snapshot.elapsedMs)} elapsed${usage(snapshot)}`);
        this.#statusMs = snapshot.tMs;
      }
    }
    const lookup = byId(snapshot.phases);
    for (const phase of snapshot.phases) {
      if (phase.status !== 'running') continue;
      const line = this.#lines.get(phase.id) ?? { printedMs: phase.startedMs, bucket: 0, current: 0 };
      const bucket = phase.percent === undefined ? 0 : Math.floor(phase.percent / 10);
      const moved = phase.current !== line.current;
      if (!moved) continue;
      if (bucket > line.bucket || snapshot.tMs - line.printedMs >= PROGRESS_TICKS * (this.#options.updateIntervalMs ?? 1000)) {
        this.#lines.set(phase.id, { printedMs: snapshot.tMs, bucket, current: phase.current });
        this.#say(this.#progressLine(phase, phasePath(phase, lookup)) + usage(snapshot));
        this.#statusMs = snapshot.tMs;
      }
    }
    // A long stretch with nothing else said: what the command is using, so a CI log shows it alive.
    if (snapshot.resources && snapshot.status === 'running' && snapshot.tMs - this.#statusMs >= STATUS_TICKS * (this.#options.updateIntervalMs ?? 1000)) {
      this.#say(`${resourcesText(snapshot.resources)} · ${formatDuration(snapshot.elapsedMs)} elapsed`);
      this.#statusMs = snapshot.tMs;
    }
  }

  detach(message: string): void {
    this.#end();
    this.#closeGroup();
    this.#say(this.#c.dim(message));
  }

  finish(summary: Summary): void {
    this.#end();
    this.#closeGroup();
    for (const line of summaryLines(summary, this.#c, this.#options.recordDir)) this.#say(line);
  }

  /** No more of the child's bytes will come: waiting lines, and those to come, go out now. */
  #end(): void {
    this.#ended = true;
    this.#release();
  }

  /** The phase's end line; it is no longer announced. */
  #phaseEnded(phase: PhaseSnapshot, name: string): string {
    const c = this.#c;
    this.#lines.delete(phase.id);
    this.#announced.delete(phase.id);
    const mark = statusMark(phase.status, c);
    const done = phase.steps ? `${phase.steps.done}/${phase.steps.total} steps` : phase.total === undefined ? `${phase.current} done` : `${phase.current}/${phase.total}`;
    return `${mark} ${c.bold(name)} ${phase.status} in ${formatDuration(phase.durationMs)} · ${done} · ${countsText(phase.counts, c)}`;
  }

  #progressLine(phase: PhaseSnapshot, name: string): string {
    const parts = [
      phase.steps ? `${phase.steps.done}/${phase.steps.total} steps` : phase.total === undefined ? `${phase.current}` : `${phase.current}/${phase.total}`,
    ];
    if (phase.percent !== undefined) parts[0] += ` ${Math.floor(phase.percent)}%`;
    if (phase.rate !== undefined) parts.push(formatRate(phase.rate));
    const eta = formatEta(phase);
    if (eta !== undefined) parts.push(eta);
    parts.push(countsText(phase.counts, this.#c));
    return `${name} ${parts.join(' · ')}`;
  }

  #say(text: string): void {
    this.#write(`${this.#c.dim('[prog]')} ${text}\n`);
  }

  /** A new top-level phase's group; the one open before it closes (groups do not nest). */
  #openGroup(phase: PhaseSnapshot): void {
    this.#closeGroup();
    this.#group = phase.id;
    this.#write(workflowCommand('group', {}, safe(stripAnsi(phase.name))));
  }

  #closeGroup(): void {
    if (this.#group === undefined) return;
    this.#group = undefined;
    this.#write(workflowCommand('endgroup', {}, ''));
    if (this.#closing !== undefined) this.#say(this.#closing);
    this.#closing = undefined;
  }

  /** One whole line on stderr, in order with prog's others: at the start of a line (see the top). */
  #write(line: string): void {
    if (this.#ended || (!this.#open && this.#held.length === 0)) {
      this.#out.stderr.write(`${this.#open ? '\n' : ''}${line}`);
      this.#open = false;
      return;
    }
    this.#held.push(line);
    if (this.#holdTimer === undefined) {
      this.#holdTimer = setTimeout(() => this.#release(), HOLD_MS);
      this.#holdTimer.unref();
    }
  }

  /** Writes prog's waiting lines, at once: after the child's `\n`, or, past HOLD_MS or the end, after one of prog's. */
  #release(): void {
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    if (this.#held.length === 0) return;
    this.#out.stderr.write(`${this.#open ? '\n' : ''}${this.#held.join('')}`);
    this.#held = [];
    this.#open = false;
  }
}


/** Whether two descriptors lead to the same file, pipe or terminal. */
function sameDestination(a: number, b: number): boolean {
  try {
    const x = fstatSync(a);
    const y = fstatSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}



function signalText(event: Extract<ProgEvent, { type: 'signal' }>): string {
  switch (event.action) {
    case 'forwarded':
      return `got ${event.signal}, passed it to the command; waiting for it to finish (again to kill it)`;
    case 'delivered':
      return `the command got ${event.signal} from the terminal; waiting for it to finish (again to kill it)`;
    case 'detached':
      return `the terminal hung up: the command goes on, recorded (prog attach follows it)`;
    case 'escalated':
      return `got ${event.signal} again: killing the command's process group (SIGKILL)`;
    case 'grace-expired':
      return `the command did not stop within the grace period after ${event.signal}: killing its process group (SIGKILL)`;
  }
}

