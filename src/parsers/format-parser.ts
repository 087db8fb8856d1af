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

/**
 * How much of a line the detectors and parsers read (ParserHub cuts the rest): its first 64 Ki
 * characters. Every format's lines are far shorter (a terminal's width; a TAP description, a CI
 * command), so this only cuts what no tool prints, and bounds what a line costs whatever it holds.
 * Formats whose lines may legitimately run longer, and whose reading is a linear scan, opt out
 * (ParserSpec.wholeLines: TeamCity's stack traces and diffs) and get the line splitter's 1 MiB.
 */
export const MAX_PARSED_CHARS = 64 * 1024;

/**
 * Events one line may produce, over all parsers (its partial() calls and its line() together). A
 * real line gives a few; pytest's result line at most one per column of the terminal. Beyond it,
 * ParserHub drops the line's events and counts them: output never grows the events log much
 * faster than itself.
 */
export const MAX_LINE_EVENTS = 1024;

/** One parser's state for one run. */
export interface FormatParser {
  /**
   * Linear in the line's length whatever it holds (hostile output included), and a bounded number
   * of events per line: counts never run past what the tool can print.
   */
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

/** A test of a line's bytes from `at` (its first that is not a space or tab) to `end`: no decoding. */
export type LeadTest = (bytes: Buffer, at: number, end: number) => boolean;

/** A lead such as `9/9 Test` (`9`: a run of digits) as a LeadTest. */
export function leadTest(lead: string): LeadTest {
  const pattern = Buffer.from(lead, 'latin1');
  return (bytes, at, end) => {
    let p = at;
    for (let k = 0; k < pattern.length; k++) {
      if (p >= end) return false;
      const want = pattern[k]!;
      if (want === 0x39) {
        if (bytes[p]! < 0x30 || bytes[p]! > 0x39) return false;
        while (p < end && bytes[p]! >= 0x30 && bytes[p]! <= 0x39) p++;
        continue;
      }
      if (bytes[p] !== want) return false;
      p++;
    }
    return true;
  };
}

export interface ParserSpec {
  /** Short name for `--parser NAME` and `prog parsers`. */
  name: string;
  /** One line for `prog parsers`: the tools and what is understood. */
  description: string;
  /**
   * Matches a line that only this format prints: the parser switches on at the first such line
   * and from then on reads every line. Anchored and linear (it runs on every line until then): no
   * two adjacent quantifiers that can share characters (`: +` then ` *`), no nested repeats.
   */
  detect: RegExp;
  /** Match `detect` against the raw line (escapes kept), for formats made of escapes (OSC 9;4). */
  detectRaw?: boolean;
  /**
   * The characters a line `detect` matches can begin with, after spaces and tabs: lines that begin
   * otherwise are not even decoded while this parser waits. Leave out when it can begin anywhere.
   */
  firstChars?: string;
  /**
   * What a line `detect` matches starts with (after spaces and tabs), to narrow firstChars: literal
   * prefixes in which `9` stands for a run of digits, or tests of the line's bytes (`at` is its
   * first byte that is not a space or tab). A line beginning with one of firstChars but matching
   * none of these is not decoded while this parser waits. Without firstChars, the string leads'
   * first characters are used (a spec with test leads gives firstChars, or every line is read).
   */
  leads?: (string | LeadTest)[];
  /** A literal every line `detect` matches contains (or one of several), for formats that may start mid-line. */
  contains?: string | string[];
  /**
   * Read lines whole (up to the line splitter's 1 MiB) rather than their first MAX_PARSED_CHARS:
   * for formats whose real lines may run that long, and whose reading is a linear scan that bounds
   * what it keeps.
   */
  wholeLines?: boolean;
  /** Environment given to the child when this parser is forced, or the command is one of `commands`. */
  env?: Record<string, string>;
  /** Command basenames that make `env` apply (e.g. ninja). */
  commands?: string[];
  /**
   * Why this parser cannot follow the command as it is set up (a NINJA_STATUS without %f/%t):
   * said once when the parser applies (forced, or the command is one of `commands`).
   */
  problem?: string;
  create(): FormatParser;
}

/** Text a parser keeps from a line (a name, an error), cut to at most `max` characters, `…` ending a cut. */
export function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
