// The interface every tool-output parser implements (TAP, ninja, pytest, git, TeamCity…).
// A parser reads lines the child printed and emits the same events as prog's own markers; it
// never prints and never decides what the user sees: its lines pass through untouched.
import type { LineEnd, MarkerEvent, StreamName, Unstamped } from '../events.js';

export interface FormatLine {
  stream: StreamName;
  /** The line as printed, escapes included, without its line end. */
  raw: string;
  /** The line with terminal escapes removed: what patterns are matched against. */
  text: string;
  /** `\r` marks a redraw of the current line (git, pv, cargo's bar). */
  eol: LineEnd;
}

export type Emit = (event: Unstamped<MarkerEvent>) => void;

/** One parser's state for one run. */
export interface FormatParser {
  line(line: FormatLine, emit: Emit): void;
  /**
   * The line being written, before its end (pytest prints `tests/a.py ..F.` one result at a time
   * and ends the line only at ` [ 12%]`): called with the whole line so far each time it grows;
   * `line()` follows with the finished line.
   */
  partial?(line: Omit<FormatLine, 'eol'>, emit: Emit): void;
  /** The child's output ended: close what is still open (a phase, a test without its result). */
  end?(emit: Emit): void;
}

export interface ParserSpec {
  /** Short name for `--parser NAME` and `prog parsers`. */
  name: string;
  /** One line for `prog parsers`: the tools and what is understood. */
  description: string;
  /**
   * Matches a line that only this format prints: the parser switches on at the first such line
   * and from then on reads every line. Anchored and linear (it runs on every line until then).
   */
  detect: RegExp;
  /** Match `detect` against the raw line (escapes kept), for formats made of escapes (OSC 9;4). */
  detectRaw?: boolean;
  /**
   * The characters a line `detect` matches can begin with, after spaces and tabs: lines that begin
   * otherwise are not even decoded while this parser waits. Leave out when it can begin anywhere.
   */
  firstChars?: string;
  /** A literal every line `detect` matches contains, for formats that may start mid-line. */
  contains?: string;
  /** Environment given to the child when this parser is forced, or the command is one of `commands`. */
  env?: Record<string, string>;
  /** Command basenames that make `env` apply (e.g. ninja). */
  commands?: string[];
  create(): FormatParser;
}
