// Compiler diagnostics, whichever build tool runs the compiler (make, ninja, cmake, a script):
// gcc and clang print `file:line:col: warning|error|fatal error: message` (col optional), tsc
// prints `file(line,col): error TS2322: message`. Each becomes a `log` event with its location, so
// the summary and JSON can count errors and warnings. gcc's `note:` lines belong to the diagnostic
// before them and are not counted. (rustc's `error[E…]`/`warning:` are the cargo parser's: it makes
// its logs with `located` below, so both read the same.)
import { shorten, type Emit, type FormatLine, type FormatParser, type ParserSpec } from '../format-parser.js';
import type { LogLevel } from '../../events.js';

const SOURCE = 'compiler';
/** A path has no spaces at its start, no `:` (gcc) or `(` (tsc) in it, and a sane length: linear. */
const GCC = /^([^\s:][^:]{0,1023}):(\d{1,9}):(?:(\d{1,9}):)? (warning|error|fatal error): (.*)$/;
const TSC = /^([^\s(][^(]{0,1023})\((\d{1,9}),(\d{1,9})\): (error|warning) (TS\d{1,6}): (.*)$/;
const LEVEL: Record<string, LogLevel> = { warning: 'warn', error: 'error', 'fatal error': 'error' };
/** What a diagnostic keeps of its message. */
const MESSAGE_CHARS = 1000;

class CompilerParser implements FormatParser {
  line({ text }: FormatLine, emit: Emit): void {
    const gcc = GCC.exec(text);
    if (gcc) {
      const [, file, line, col, kind, message] = gcc;
      emit(diagnostic(LEVEL[kind!]!, file!, Number(line), col === undefined ? undefined : Number(col), message!, kind!));
      return;
    }
    const tsc = TSC.exec(text);
    if (tsc) {
      const [, file, line, col, kind, code, message] = tsc;
      emit(diagnostic(LEVEL[kind!]!, file!, Number(line), Number(col), `${code}: ${message!}`, kind!));
    }
  }
}

function diagnostic(level: LogLevel, file: string, line: number, col: number | undefined, message: string, kind: string) {
  return located(level, SOURCE, `${kind}: ${shorten(message, MESSAGE_CHARS)}`, { file, line, ...(col === undefined ? {} : { col }) });
}

export type Location = { file: string; line: number; col?: number };

/** A diagnostic read from a tool's output as a log: `file:line:col: error: text`, with its location when it has one. */
export function located(level: LogLevel, source: string, text: string, at: Location | undefined) {
  if (at === undefined) return { type: 'log' as const, level, source, message: text };
  return {
    type: 'log' as const, level, source,
    message: `${at.file}:${at.line}${at.col === undefined ? '' : `:${at.col}`}: ${text}`,
    location: at,
  };
}

export const parser: ParserSpec = {
  name: 'compiler',
  description: 'gcc, clang and tsc diagnostics: "a.c:3:5: warning: …", "src/a.ts(3,5): error TS2322: …" → warn/error log lines with their location, counted in the summary',
  // Short on purpose: needles of up to 7 bytes are searched for natively at memchr speed, longer
  // ones several times slower. `): error TS` holds `: error` too.
  contains: [': error', ': warni', ': fatal'],
  detect: /^(?:[^\s:][^:]{0,1023}:\d{1,9}:(?:\d{1,9}:)? (?:warning|error|fatal error): |[^\s(][^(]{0,1023}\(\d{1,9},\d{1,9}\): (?:error|warning) TS\d)/,
  create: () => new CompilerParser(),
};
