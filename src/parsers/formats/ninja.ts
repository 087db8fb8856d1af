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

    const status = STATUS.exec(text);
    if (status) {
      this.#closeFailure(emit);
      this.#status(Number(status[1]), Number(status[2]), status[3] === undefined ? undefined : Number(status[3]), status[4]!, raw, eol, emit);
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

export const parser: ParserSpec = {
  name: 'ninja',
  description: 'ninja, samu, CMake+Ninja: "[3/9] Building …" → finished/total edges (and the running count, via NINJA_STATUS); "FAILED: out.o" → the failed edge with its command and output',
  // Not `FAILED: ` alone: other tools print it, and a ninja build shows a status line first.
  firstChars: '[n',
  detect: /^(?:\[\d{1,12}\/\d{1,12}(?: \d{1,12})?\] |ninja: (?:no work to do|build stopped|error: |Entering directory))/,
  // `%r`: edges running now. Replaces the user's own NINJA_STATUS for `prog run -- ninja …`.
  env: { NINJA_STATUS: '[%f/%t %r] ' },
  commands: ['ninja', 'samu', 'ninja-build'],
  create: () => new NinjaParser(),
};
