// ninja (and samu, and CMake's Ninja generator): every edge prints `[finished/total] description`.
// prog gives ninja NINJA_STATUS='[%f/%t %r] ' so the line also carries the running count; the
// default `[%f/%t] ` is read the same way. A failed edge prints its status line, then
// `FAILED: <outputs>` (ninja ≥ 1.12: `FAILED: [code=N] <outputs>`), its command line and its output.
//
// Events: phase `ninja` (total = the edge count, which dyndep may raise), progress = finished edges
// (running count in `extra.running`), item.done per edge (id = its description) once the next line
// shows it did not fail, item.fail per failed edge (id = its outputs, error = the command line and
// up to ERROR_LINES lines of its output). When ninja draws on a terminal (`\r[1/9] …ESC[K`, redrawn
// at the start and the end of each edge) only progress and failures are reported, not item.done.
import type { Emit, FormatLine, FormatParser, ParserSpec } from '../format-parser.js';

const PHASE = 'ninja';
/** `[3/9] …`, `[3/9 2] …` (prog's NINJA_STATUS). Bounded digits: no number overflows. */
const STATUS = /^\[(\d{1,12})\/(\d{1,12})(?: (\d{1,12}))?\] (.*)$/;
const DEFAULT_DETECT = /^(?:\[\d{1,12}\/\d{1,12}(?: \d{1,12})?\] |ninja: (?:no work to do|build stopped|error: |Entering directory))/;
const NINJA_SAYS_START = 'ninja: (?:no work to do|build stopped|error: |Entering directory)';

/** A status line read: finished and total edges, running ones if the format shows them, the description. */
interface Status { finished: number; total: number; running?: number; description: string }
type ReadStatus = (text: string) => Status | undefined;

const readDefault: ReadStatus = (text) => {
  const m = STATUS.exec(text);
  return m ? { finished: Number(m[1]), total: Number(m[2]), ...(m[3] === undefined ? {} : { running: Number(m[3]) }), description: m[4]! } : undefined;
};

const NUMBER = '\\d{1,12}';
/** What each NINJA_STATUS placeholder prints, as a bounded pattern (ninja's manual, "Environment variables"). */
const PLACEHOLDERS: Record<string, string> = {
  s: NUMBER, t: NUMBER, r: NUMBER, u: NUMBER, f: NUMBER,
  p: ' {0,3}\\d{1,3}%',
  o: '(?:\\d{1,12}(?:\\.\\d{1,6})?|\\?)', c: '(?:\\d{1,12}(?:\\.\\d{1,6})?|\\?)',
  e: '(?:\\d{1,12}(?:\\.\\d{1,6})?|\\?)', E: '(?:\\d{1,12}(?:\\.\\d{1,6})?|\\?)',
  w: '[\\d:?]{1,20}', W: '[\\d:?]{1,20}',
};

/**
 * A user's NINJA_STATUS (`[%p %f/%t %es] `…) as a reader of the status lines it makes, or why it
 * cannot be read: prog needs %f (finished) and %t (total). Every placeholder becomes a bounded
 * pattern, so the expression stays linear.
 */
export function statusFormat(format: string): { read: ReadStatus; detect: string } | { problem: string } {
  if (format.length > 200) return { problem: 'it is longer than 200 characters' };
  let source = '';
  let detect = '';
  const groups: string[] = [];
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      const literal = ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
      source += literal;
      detect += literal;
      continue;
    }
    const code = format[++i];
    if (code === '%') {
      source += '%';
      detect += '%';
      continue;
    }
    const pattern = code === undefined ? undefined : PLACEHOLDERS[code];
    if (pattern === undefined) return { problem: `its %${code ?? ''} is not a placeholder prog knows` };
    if ((code === 'f' || code === 't' || code === 'r') && !groups.includes(code)) {
      groups.push(code);
      source += `(${pattern})`;
    } else {
      source += pattern;
    }
    detect += pattern;
  }
  if (!groups.includes('f') || !groups.includes('t')) return { problem: 'it shows no %f (finished edges) or no %t (total edges)' };
  const re = new RegExp(`^${source}(.*)$`);
  const at = (code: string) => 1 + groups.indexOf(code);
  const read: ReadStatus = (text) => {
    const m = re.exec(text);
    if (!m) return undefined;
    const running = groups.includes('r') ? Number(m[at('r')]) : undefined;
    return { finished: Number(m[at('f')]), total: Number(m[at('t')]), ...(running === undefined ? {} : { running }), description: m[groups.length + 1]! };
  };
  // `detect` has no capturing groups: it joins the other parsers' detectors.
  return { read, detect };
}

const FAILED = /^FAILED: (?:\[code=(-?\d{1,12})\] )?(.*)$/;
const NINJA_SAYS = /^ninja: (.*)$/;
/** What a failure keeps of the edge's command line and output. */
const ERROR_LINES = 20;
const ERROR_LINE_CHARS = 500;

interface OpenFailure {
  id: string;
  code?: number;
  lines: string[];
  more: number;
}

class NinjaParser implements FormatParser {
  readonly #read: ReadStatus;

  constructor(read: ReadStatus) {
    this.#read = read;
  }

  /** The phase is open (started and not yet ended). */
  #open = false;
  #total = -1;
  #finished = -1;
  #failures = 0;
  /** ninja draws on a terminal: status lines are redraws, not one per finished edge. */
  #terminal = false;
  /** A finished edge whose success is known only when the next line is not `FAILED:`. */
  #pending?: string;
  #failure?: OpenFailure;

  line({ raw, text, eol }: FormatLine, emit: Emit): void {
    // Only during a build: ninja prints its edge's status line first, and other tools say FAILED: too.
    const failed = this.#open ? FAILED.exec(text) : null;
    if (failed) {
      // The status line just before belonged to the edge that failed.
      this.#pending = undefined;
      this.#closeFailure(emit);
      const id = failed[2]!.trim() || '(unknown outputs)';
      this.#failure = { id, lines: [], more: 0, ...(failed[1] === undefined ? {} : { code: Number(failed[1]) }) };
      return;
    }
    this.#settlePending(emit);

    const status = this.#read(text);
    if (status) {
      this.#closeFailure(emit);
      this.#status(status.finished, status.total, status.running, status.description, raw, eol, emit);
      return;
    }
    const says = NINJA_SAYS.exec(text);
    if (says) {
      this.#closeFailure(emit);
      this.#ninjaSays(says[1]!, emit);
      return;
    }
    const failure = this.#failure;
    if (failure) {
      if (failure.lines.length < ERROR_LINES) {
        failure.lines.push(text.length > ERROR_LINE_CHARS ? `${text.slice(0, ERROR_LINE_CHARS)}…` : text);
      } else {
        failure.more++;
      }
    }
  }

  end(emit: Emit): void {
    this.#settlePending(emit);
    this.#closeFailure(emit);
    // A build that got to its last edge is over; anything else is left to the exit status.
    if (this.#open && this.#total >= 0 && this.#finished >= this.#total) this.#endPhase(emit);
  }

  #status(finished: number, total: number, running: number | undefined, description: string, raw: string, eol: FormatLine['eol'], emit: Emit): void {
    // While the build is open, a count that goes back, or a new total without exactly one more
    // edge finished (dyndep), is not this build's: a nested ninja's output (ExternalProject)
    // printed by one of its edges. After the build ended it is the next build.
    if (this.#open && this.#total >= 0) {
      if (finished < this.#finished) return;
      if (total !== this.#total && finished !== this.#finished + 1) return;
    }
    if (!this.#open) {
      this.#open = true;
      this.#total = total;
      this.#finished = -1;
      this.#failures = 0;
      emit({ type: 'phase', id: PHASE, name: PHASE, total });
    }
    if (finished !== this.#finished || total !== this.#total) {
      this.#finished = finished;
      this.#total = total;
      emit({
        type: 'progress', phase: PHASE, current: finished, total,
        ...(running === undefined ? {} : { extra: { running } }),
      });
    }
    // On a terminal ninja redraws one line (\r … ESC[K) at an edge's start and end: not one line
    // per edge, so no item.done from then on.
    if (eol === '\r' || raw.endsWith('\x1b[K')) this.#terminal = true;
    if (!this.#terminal) this.#pending = description.trim() || `edge ${finished}`;
  }

  #ninjaSays(message: string, emit: Emit): void {
    if (message === 'no work to do.') {
      if (this.#open) this.#endPhase(emit);
      emit({ type: 'phase', id: PHASE, name: PHASE, total: 0 });
      emit({ type: 'phase.end', id: PHASE, status: 'ok' });
      this.#open = false;
    } else if (message.startsWith('build stopped')) {
      if (this.#open) {
        this.#failures++;
        this.#endPhase(emit);
      }
    } else if (/^(?:error|fatal): /.test(message)) {
      emit({ type: 'log', level: 'error', source: PHASE, message });
    } else if (message.startsWith('warning: ')) {
      emit({ type: 'log', level: 'warn', source: PHASE, message: message.slice('warning: '.length) });
    }
    // `Entering directory`, `Leaving directory` and the rest: nothing to report.
  }

  /** The line after a status line is not `FAILED:`: its edge succeeded, and if it was the last, the build is over. */
  #settlePending(emit: Emit): void {
    if (this.#pending !== undefined) {
      emit({ type: 'item.done', phase: PHASE, id: this.#pending });
      this.#pending = undefined;
    }
    if (this.#open && this.#total >= 0 && this.#finished >= this.#total && !this.#failure) this.#endPhase(emit);
  }

  #closeFailure(emit: Emit): void {
    const failure = this.#failure;
    if (!failure) return;
    this.#failure = undefined;
    this.#failures++;
    const lines = failure.more > 0 ? [...failure.lines, `… ${failure.more} more lines`] : failure.lines;
    emit({
      type: 'item.fail', phase: PHASE, id: failure.id,
      ...(lines.length === 0 ? {} : { error: lines.join('\n') }),
      ...(failure.code === undefined ? {} : { extra: { code: failure.code } }),
    });
    if (this.#total >= 0 && this.#finished >= this.#total) this.#endPhase(emit);
  }

  #endPhase(emit: Emit): void {
    if (!this.#open) return;
    this.#open = false;
    emit({ type: 'phase.end', id: PHASE, status: this.#failures > 0 ? 'failed' : 'ok' });
  }
}

/**
 * The ninja parser for a NINJA_STATUS: prog's own when unset (ninja is given `[%f/%t %r] `), else
 * the user's, which ninja then uses. A format prog cannot read keeps the default reader and says why
 * (`problem`), once, when ninja is the command.
 */
export function ninjaSpec(userFormat: string | undefined): ParserSpec {
  const custom = userFormat === undefined ? undefined : statusFormat(userFormat);
  const usable = custom !== undefined && 'read' in custom ? custom : undefined;
  return {
    name: 'ninja',
    description: 'ninja, samu, CMake+Ninja: "[3/9] Building …" → finished/total edges (and the running count, via NINJA_STATUS; a NINJA_STATUS of your own with %f and %t is read too); "FAILED: out.o" → the failed edge with its command and output',
    // Not `FAILED: ` alone: other tools print it, and a ninja build shows a status line first.
    ...(usable ? {} : { leads: ['[9/9', 'ninja: '] }),
    detect: usable ? new RegExp(`^(?:${usable.detect}|${NINJA_SAYS_START})`) : DEFAULT_DETECT,
    // `%r`: edges running now. Given to `prog run -- ninja …` unless the user set their own.
    env: { NINJA_STATUS: '[%f/%t %r] ' },
    commands: ['ninja', 'samu', 'ninja-build'],
    ...(custom !== undefined && 'problem' in custom
      ? { problem: `NINJA_STATUS=${JSON.stringify(userFormat)} cannot be followed: ${custom.problem}; ninja's progress will not show (unset it, or use %f and %t)` }
      : {}),
    create: () => new NinjaParser(usable?.read ?? readDefault),
  };
}

export const parser: ParserSpec = ninjaSpec(process.env.NINJA_STATUS);
