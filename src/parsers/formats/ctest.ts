// ctest (CMake's test driver). What it prints, and what prog makes of it:
//   Test project /path/build                                      → phase `ctest`
//       Start 3: mul_small                                        → item.start mul_small
//   3/7 Test #3: mul_small ........................   Passed    0.00 sec   → item.done, progress 3/7
//   4/7 Test #4: mul_wrong ........................***Failed    0.00 sec   → item.fail (error "Failed")
//       … ***Timeout / ***Exception: SegFault / ***Not Run          → item.fail (ctest counts them failed)
//       … ***Not Run (Disabled) / ***Skipped                        → item.skip
//   67% tests passed, 2 tests failed out of 6                      → phase.end; a log warning when
//                                                                     ctest's count differs from prog's
// A failure's error is ctest's word for it (Failed, Timeout, Exception: SegFault, Not Run) and, with
// --output-on-failure, up to ERROR_LINES lines of the test's output, which ctest prints right after
// the result line (the failure is emitted at the next Start/result/summary line, or the end).
// The total M counts disabled tests; ctest's own "out of N" does not. Counts are by completion
// order (ctest -j prints results as they finish). Names are taken from the `Start k:` line when
// there was one: the result line cuts names longer than ctest's name column.
import type { Emit, FormatLine, FormatParser, ParserSpec } from '../format-parser.js';

const PHASE = 'ctest';
const PROJECT = /^Test project /;
const START = /^\s{0,12}Start\s{1,12}(\d{1,12}): (.*)$/;
/** `3/7 Test #3: ` (numbers right-aligned to the widest); the rest is read by hand, see #result. */
const RESULT_HEAD = /^\s{0,12}(\d{1,12})\/(\d{1,12}) Test\s{1,12}#(\d{1,12}): /;
const AFTER_PASSED = /^(?: {1,40}\d{1,12}\.\d{1,12} sec)? *$/;
/** Lines that are not a failed test's output: ctest -V's numbered lines and `test 3` headers. */
const NOT_OUTPUT = /^(?:\d{1,12}: |test \d{1,12}$|The following tests |Total Test time )/;
const ERROR_LINES = 20;
const ERROR_LINE_CHARS = 500;
const SUMMARY = /^(\d{1,3})% tests passed, (\d{1,12}) tests? failed out of (\d{1,12})/;

type Outcome = { kind: 'done' } | { kind: 'skip'; reason: string } | { kind: 'fail'; error: string };

class CtestParser implements FormatParser {
  #open = false;
  #names = new Map<string, string>();
  #failed = 0;
  /** Tests ctest counts in "out of N": all but the disabled ones. */
  #counted = 0;
  /** A failed test, held while ctest prints its output (--output-on-failure). */
  #failure?: { id: string; error: string; lines: string[]; more: number };

  line({ text }: FormatLine, emit: Emit): void {
    const failure = this.#failure;
    if (failure && !START.test(text) && !RESULT_HEAD.test(text) && !SUMMARY.test(text) && !NOT_OUTPUT.test(text) && !PROJECT.test(text)) {
      if (failure.lines.length < ERROR_LINES) failure.lines.push(text.length > ERROR_LINE_CHARS ? `${text.slice(0, ERROR_LINE_CHARS)}…` : text);
      else failure.more++;
      return;
    }
    this.#flushFailure(emit);
    if (PROJECT.test(text)) {
      this.#close('ok', emit);
      this.#begin(emit);
      return;
    }
    const start = START.exec(text);
    if (start) {
      this.#begin(emit);
      const name = start[2]!.trim() || `test #${start[1]!}`;
      this.#names.set(start[1]!, name);
      emit({ type: 'item.start', phase: PHASE, id: name });
      return;
    }
    const head = RESULT_HEAD.exec(text);
    if (head) {
      this.#result(head, text.slice(head[0].length), emit);
      return;
    }
    const summary = SUMMARY.exec(text);
    if (summary && this.#open) {
      const failed = Number(summary[2]);
      const outOf = Number(summary[3]);
      if (failed !== this.#failed || outOf !== this.#counted) {
        emit({
          type: 'log', level: 'warn', source: PHASE,
          message: `ctest reports ${failed} failed out of ${outOf}; prog read ${this.#failed} failed out of ${this.#counted}`,
        });
      }
      this.#close(failed > 0 ? 'failed' : 'ok', emit);
      return;
    }
    if (text.startsWith('No tests were found!!!') && this.#open) {
      emit({ type: 'progress', phase: PHASE, current: 0, total: 0 });
      this.#close('ok', emit);
    }
  }

  #result(head: RegExpExecArray, rest: string, emit: Emit): void {
    this.#begin(emit);
    const read = split(rest);
    if (!read) return;
    const { outcome } = read;
    const id = this.#names.get(head[3]!) ?? testName(rest, read.nameEnd);
    this.#names.delete(head[3]!);
    if (outcome.kind === 'done') {
      this.#counted++;
      emit({ type: 'item.done', phase: PHASE, id });
    } else if (outcome.kind === 'skip') {
      if (outcome.reason !== 'Disabled') this.#counted++;
      emit({ type: 'item.skip', phase: PHASE, id, reason: outcome.reason });
    } else {
      this.#counted++;
      this.#failed++;
      this.#failure = { id, error: outcome.error, lines: [], more: 0 };
    }
    emit({ type: 'progress', phase: PHASE, current: Number(head[1]), total: Number(head[2]) });
  }

  end(emit: Emit): void {
    this.#flushFailure(emit);
  }

  #flushFailure(emit: Emit): void {
    const failure = this.#failure;
    if (!failure) return;
    this.#failure = undefined;
    const lines = failure.lines;
    while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
    if (failure.more > 0) lines.push(`… ${failure.more} more lines`);
    emit({ type: 'item.fail', phase: PHASE, id: failure.id, error: [failure.error, ...lines].join('\n') });
  }

  #begin(emit: Emit): void {
    if (this.#open) return;
    this.#open = true;
    this.#names.clear();
    this.#failed = 0;
    this.#counted = 0;
    emit({ type: 'phase', id: PHASE, name: PHASE });
  }

  #close(status: 'ok' | 'failed', emit: Emit): void {
    if (!this.#open) return;
    this.#open = false;
    emit({ type: 'phase.end', id: PHASE, status });
  }
}

/** Where the name (with its dots) ends on a result line, and what follows it. */
function split(rest: string): { nameEnd: number; outcome: Outcome } | undefined {
  // `   Passed    0.00 sec` ends the line: searched from the end, so a name may say "Passed".
  const passed = rest.lastIndexOf(' Passed');
  if (passed >= 0 && AFTER_PASSED.test(rest.slice(passed + ' Passed'.length))) return { nameEnd: passed, outcome: { kind: 'done' } };
  const stars = rest.indexOf('***');
  if (stars < 0) return undefined;
  // `Failed  Required regular expression not found. Regex=[…` may go on over lines: keep the first.
  const status = withoutTime(rest.slice(stars + 3));
  if (status.startsWith('Not Run (Disabled)')) return { nameEnd: stars, outcome: { kind: 'skip', reason: 'Disabled' } };
  if (status.startsWith('Skipped')) return { nameEnd: stars, outcome: { kind: 'skip', reason: 'Skipped' } };
  return { nameEnd: stars, outcome: { kind: 'fail', error: status.slice(0, 1000) || 'Failed' } };
}

/** `Failed    0.00 sec` → `Failed`; `Exception: SegFault  0.00 sec` → `Exception: SegFault`. */
function withoutTime(status: string): string {
  const tail = status.length > 200 ? status.slice(-200) : status;
  const sec = / +\d{1,12}\.\d{1,12} sec$/.exec(tail);
  return status.slice(0, status.length - (sec ? sec[0].length : 0)).trim();
}

/** The name before the ` ....` run of dots (ctest cuts a name longer than its column). */
function testName(rest: string, end: number): string {
  let i = end;
  while (i > 0 && (rest[i - 1] === ' ' || rest[i - 1] === '.')) i--;
  return (i > 0 ? rest.slice(0, i) : rest.slice(0, end)).trim() || '(unnamed test)';
}

export const parser: ParserSpec = {
  name: 'ctest',
  description: 'ctest: "3/7 Test #3: name ...   Passed" → done/failed/skipped tests of the total; "NN% tests passed, N tests failed out of M" checked against them',
  firstChars: 'T0123456789',
  detect: /^(?:Test project (?:\/|[A-Za-z]:[\\/])|\s{0,12}\d{1,12}\/\d{1,12} Test\s{1,12}#\d{1,12}: )/,
  create: () => new CtestParser(),
};
