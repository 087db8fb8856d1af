// `prog logs <run>`: a recorded run's output lines and log markers, filtered, as text or NDJSON.
// With -f/--follow it reads on while the run is written, until the run ends (or is lost); with
// -n/--tail N it shows only the last N lines of what is there (then, with -f, every new one).
import { Chalk, type ChalkInstance } from 'chalk';
import { setTimeout as delay } from 'node:timers/promises';
import { colorLevel } from '../display/color.js';
import { terminalStdout } from '../display/terminal-output.js';
import type { LogLevel } from '../events.js';
import { escapeForTerminal, stripAnsi } from '../lines/ansi.js';
import { parseAge } from '../store/history-query.js';
import { LogLines, type LogLine } from '../store/log-lines.js';
import { RunReader } from '../store/run-reader.js';
import { findRun, readRunRecord, runState } from '../store/runs.js';
import { stateDir } from '../store/state-dir.js';
import { usageError } from './usage.js';

export interface LogsOptions {
  target: string;
  follow: boolean;
  level?: LogLevel;
  source?: string;
  grep?: string;
  since?: string;
  stream?: 'stdout' | 'stderr';
  format: 'text' | 'json';
  /** Only the last this many lines (after the filters) of what was written before prog logs started. */
  tail?: number;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'notice', 'warn', 'error'];
const POLL_MS = 100;

export async function logsCommand(options: LogsOptions): Promise<void> {
  // Usage is checked before the run is looked for: a typo in a flag is the first thing to fix.
  const keep = lineFilter(options, Date.now());
  const run = findRun(stateDir(), options.target);
  const startMs = Date.parse(run.record.startedAt);
  const format = options.format === 'json' ? jsonLine : textLine(new Chalk({ level: colorLevel(process.stdout) }));
  const out = terminalStdout();
  const reader = new RunReader(run.dir);
  const lines = new LogLines();
  // Until the backlog has been read, --tail keeps only its last lines; later lines are live.
  let backlog = options.tail === undefined ? undefined : new LastLines(options.tail);
  const print = (batch: LogLine[]) => {
    for (const line of batch) {
      if (!keep(startMs, line)) continue;
      if (backlog === undefined) out.write(format(startMs, line));
      else backlog.push(format(startMs, line));
    }
  };
  const endBacklog = () => {
    for (const text of backlog?.lines() ?? []) out.write(text);
    backlog = undefined;
  };
  try {
    for (;;) {
      // Asked before reading: whatever was written before the end is then in this read.
      const over = !options.follow || runOver(run.dir);
      // One read takes everything written so far, so after the first the backlog is complete.
      print(lines.take(reader.read()));
      if (over || reader.ended) break;
      endBacklog();
      if (out.closed) return; // `prog logs x | head` has read enough
      // A slow reader holds the follow back rather than piling lines up in memory.
      await (out.congested ? out.drained() : delay(POLL_MS));
    }
    // The run is over: a last line without its newline is complete now. While following it waited.
    print(lines.end());
    endBacklog();
  } finally {
    reader.close();
  }
  await out.drained();
}

/** The last `limit` lines pushed, in a ring: memory for `limit` lines however long the log. */
class LastLines {
  readonly #limit: number;
  readonly #ring: string[] = [];
  #next = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(text: string): void {
    if (this.#limit === 0) return;
    if (this.#ring.length < this.#limit) this.#ring.push(text);
    else this.#ring[this.#next] = text;
    this.#next = (this.#next + 1) % this.#limit;
  }

  lines(): string[] {
    return this.#ring.length < this.#limit ? this.#ring : [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
  }
}

/** Nothing more will be written: the run has ended, or its prog died (lost), or it is gone. */
function runOver(dir: string): boolean {
  const record = readRunRecord(dir);
  return record === undefined || runState(record) !== 'running';
}

function lineFilter(options: LogsOptions, now: number): (startMs: number, line: LogLine) => boolean {
  const { source, stream } = options;
  if (options.level !== undefined && !LEVELS.includes(options.level)) {
    throw usageError(`--level takes one of ${LEVELS.join(', ')}; got "${options.level}"`, ['logs']);
  }
  if (options.tail !== undefined && !(Number.isSafeInteger(options.tail) && options.tail >= 0)) {
    throw usageError(`--tail must be a whole number of lines ≥ 0; got "${options.tail}"`, ['logs']);
  }
  if (stream !== undefined && stream !== 'stdout' && stream !== 'stderr') {
    throw usageError(`--stream takes stdout or stderr; got "${String(stream)}"`, ['logs']);
  }
  const minLevel = LEVELS.indexOf(options.level ?? 'debug');
  const cutoff = options.since === undefined ? undefined : now - sinceAge(options.since);
  const pattern = options.grep === undefined ? undefined : regex(options.grep);
  return (startMs, line) => {
    const isOutput = line.kind === 'output';
    if (stream !== undefined && !(isOutput && line.stream === stream)) return false;
    // --source stderr picks a stream, just as --source agent-03 picks a marker's source.
    if (source !== undefined && (isOutput ? line.stream : line.source) !== source) return false;
    // Output has no level of its own: it counts as info, stderr too.
    if (LEVELS.indexOf(isOutput ? 'info' : line.level) < minLevel) return false;
    if (cutoff !== undefined && startMs + line.t < cutoff) return false;
    // Colour codes are not part of what a user sees, so they are not matched.
    return pattern === undefined || pattern.test(stripAnsi(isOutput ? line.line : line.message));
  };
}

function sinceAge(text: string): number {
  const ms = parseAge(text);
  if (ms === undefined) throw usageError(`--since takes an age: a number and s, m, h, d or w (30s, 15m, 12h, 7d, 2w); got "${text}"`, ['logs']);
  return ms;
}

function regex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw usageError(`--grep takes a JavaScript regular expression: ${(error as Error).message}`, ['logs']);
  }
}

function jsonLine(startMs: number, line: LogLine): string {
  const time = new Date(startMs + line.t).toISOString();
  const { t, kind, ...rest } = line;
  return `${JSON.stringify({ t, time, kind, ...rest })}\n`;
}

/** `12:03:07 stdout │ line`, `12:03:08 warn agent-03 │ message`: local time, the command's text made inert. */
function textLine(c: ChalkInstance): (startMs: number, line: LogLine) => string {
  const levelColour: Record<LogLevel, (text: string) => string> = {
    debug: c.dim, info: (text) => text, notice: c.cyan, warn: c.yellow, error: c.red,
  };
  return (startMs, line) => {
    const label = line.kind === 'output'
      ? (line.stream === 'stderr' ? c.magenta('stderr') : c.dim('stdout'))
      : (levelColour[line.level] ?? String)(safe(line.level)) + (line.source === undefined ? '' : ` ${c.bold(safe(line.source))}`);
    const text = line.kind === 'output' ? safe(line.line) + (line.truncated ? c.dim(' …') : '') : safe(line.message);
    return `${c.dim(clock(startMs + line.t))} ${label} ${c.dim('│')} ${text}\n`;
  };
}

/** Colour codes go, any other control character shows as an escape; tabs stay, they move nothing. */
function safe(text: string): string {
  return stripAnsi(text).split('\t').map(escapeForTerminal).join('\t');
}

function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
