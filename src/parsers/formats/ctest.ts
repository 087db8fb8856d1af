// ctest (CMake's test driver). What it prints, and what prog makes of it:
//   Test project /path/build                                      → phase `ctest`
//       Start 3: mul_small                                        → item.start mul_small
//   3/7 Test #3: mul_small ........................   Passed    0.00 sec   → item.done, progress 3/7
//   4/7 Test #4: mul_wrong ........................***Failed    0.00 sec   → item.fail (error "Failed")
//       … ***Timeout / ***Exception: SegFault / ***Not Run          → item.fail (ctest counts them failed)
//       … ***Not Run (Disabled) / ***Skipped                        → item.skip
//   67% tests passed, 2 tests failed out of 6                      → phase.end
//   The following tests FAILED:                                    → checked, with the count above,
//         4 - mul_wrong (Failed)                                      against what prog read: one
//         7 - too_slow (Timeout)                                      warning when they differ
// A failure is counted when its result line is printed, its error ctest's word for it (Failed,
// Timeout, Exception: SegFault, Not Run). The test's output that --output-on-failure prints after it
// ends at ctest's next line of its own (which may come a long test later under -j): then it is
// added to the failure (item.error, its first OUTPUT_LINES lines), which stays counted from its line.
// The total M counts disabled tests; ctest's own "out of N" does not. Counts are by completion
// order (ctest -j prints results as they finish). Names are taken from the `Start k:` line when
// there was one: the result line cuts names longer than ctest's name column.
import { shorten, type Emit, type FormatLine, type FormatParser, type ParserSpec } from '../format-parser.js';

const PHASE = 'ctest';
const PROJECT = /^Test project /;
const START = /^\s{0,12}Start\s{1,12}(\d{1,12}): (.*)$/;
/** `3/7 Test #3: ` (numbers right-aligned to the widest); the rest is read by hand, see #result. */
const RESULT_HEAD = /^\s{0,12}(\d{1,12})\/(\d{1,12}) Test\s{1,12}#(\d{1,12}): /;
const AFTER_PASSED = /^(?: {1,40}\d{1,12}\.\d{1,12} sec)? *$/;
const SUMMARY = /^(\d{1,3})% tests passed, (\d{1,12}) tests? failed out of (\d{1,12})/;
const FAILED_LIST = /^The following tests FAILED:$/;
/** `\t  4 - mul_wrong (Failed)`: the number; the name runs to the last ` (`. */
const LISTED = /^\s{0,24}(\d{1,12}) - /;
/** Failed tests remembered for the check against ctest's list (beyond it, counts only). */
const MAX_FAILED = 10_000;
/** Names a warning spells out. */
const NAMES_SHOWN = 5;
/** A failed test's output kept with its error: its first lines, and at most so many characters. */
const OUTPUT_LINES = 20;
const OUTPUT_CHARS = 2000;

/** A line of ctest's own (not a test's output): a test starting or ending, the summary, a new project. */
function ownLine(text: string): boolean {
  return START.test(text) || RESULT_HEAD.test(text) || SUMMARY.test(text) || PROJECT.test(text) || FAILED_LIST.test(text) || text.startsWith('No tests were found!!!');
}

type Outcome = { kind: 'done' } | { kind: 'skip'; reason: string } | { kind: 'fail'; error: string };

/** ctest's summary, waiting for its list of failed tests before it is checked. */
interface Reported { failed: number; outOf: number; listed?: Map<string, string> }

class CtestParser implements FormatParser {
  #open = false;
  #names = new Map<string, string>();
  #failed = 0;
  /** Tests ctest counts in "out of N": all but the disabled ones. */
  #counted = 0;
  /** Failed tests by number (up to MAX_FAILED), for the check against ctest's list. */
  #failedTests = new Map<string, string>();
  #reported?: Reported;
  /** The failed test whose output (--output-on-failure) is being printed, until ctest's next line. */
  #output?: { id: string; error: string; lines: string[]; chars: number };

  line({ text }: FormatLine, emit: Emit): void {
    if (this.#output) {
      if (!ownLine(text)) return this.#keep(text);
      this.#describe(emit);
    }
    const reported = this.#reported;
    if (reported?.listed) {
      const listed = LISTED.exec(text);
      if (listed) {
        if (reported.listed.size < MAX_FAILED) reported.listed.set(listed[1]!, listedName(text.slice(listed[0].length)));
        return;
      }
      this.#check(emit);
    } else if (reported && FAILED_LIST.test(text)) {
      reported.listed = new Map();
      return;
    }
    if (PROJECT.test(text)) {
      this.#check(emit);
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
      this.#reported = { failed, outOf: Number(summary[3]) };
      // Its list of failed tests follows when there are any.
      if (failed === 0) this.#check(emit);
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
      if (this.#failedTests.size < MAX_FAILED) this.#failedTests.set(head[3]!, id);
      emit({ type: 'item.fail', phase: PHASE, id, error: outcome.error });
      this.#output = { id, error: outcome.error, lines: [], chars: 0 };
    }
    emit({ type: 'progress', phase: PHASE, current: Number(head[1]), total: Number(head[2]) });
  }

  end(emit: Emit): void {
    this.#describe(emit);
    this.#check(emit);
  }

  /** A line of the failed test's own output: kept, within bounds. */
  #keep(text: string): void {
    const out = this.#output!;
    if (out.lines.length >= OUTPUT_LINES || out.chars >= OUTPUT_CHARS) return;
    const line = text.slice(0, OUTPUT_CHARS - out.chars);
    out.lines.push(line);
    out.chars += line.length + 1;
  }

  /** The failed test's output is over: the failure gets it with its error. */
  #describe(emit: Emit): void {
    const out = this.#output;
    this.#output = undefined;
    const lines = out?.lines.join('\n').trim();
    if (out && lines) emit({ type: 'item.error', phase: PHASE, id: out.id, error: `${out.error}\n${lines}` });
  }

  /** ctest's count (and list) against prog's: one warning that says what differs. */
  #check(emit: Emit): void {
    const reported = this.#reported;
    if (!reported) return;
    this.#reported = undefined;
    const differences: string[] = [];
    if (reported.failed !== this.#failed || reported.outOf !== this.#counted) {
      differences.push(`ctest reports ${reported.failed} failed out of ${reported.outOf}; prog read ${this.#failed} failed out of ${this.#counted}`);
    }
    const listed = reported.listed;
    if (listed && listed.size < MAX_FAILED && this.#failedTests.size < MAX_FAILED) {
      const missed = [...listed].filter(([n]) => !this.#failedTests.has(n)).map(([, name]) => name);
      const extra = [...this.#failedTests].filter(([n]) => !listed.has(n)).map(([, name]) => name);
      if (missed.length > 0) differences.push(`failed by ctest's list, not counted failed by prog: ${names(missed)}`);
      if (extra.length > 0) differences.push(`counted failed by prog, not in ctest's list: ${names(extra)}`);
    }
    if (differences.length > 0) emit({ type: 'log', level: 'warn', source: PHASE, message: differences.join('; ') });
  }

  #begin(emit: Emit): void {
    if (this.#open) return;
    this.#open = true;
    this.#names.clear();
    this.#failedTests.clear();
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

/** `mul_wrong (Failed)` → `mul_wrong` (a name may hold parentheses: the status is the last). */
function listedName(rest: string): string {
  const open = rest.lastIndexOf(' (');
  return shorten((open > 0 ? rest.slice(0, open) : rest).trim(), 200);
}

function names(list: string[]): string {
  const more = list.length > NAMES_SHOWN ? ` and ${list.length - NAMES_SHOWN} more` : '';
  return list.slice(0, NAMES_SHOWN).map((n) => shorten(n, 200)).join(', ') + more;
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
  description: 'ctest: "3/7 Test #3: name ...   Passed" → done/failed/skipped tests of the total; "NN% tests passed, N tests failed out of M" and its list of failed tests checked against them',
  leads: ['Test project ', '9/9 Test'],
  detect: /^(?:Test project (?:\/|[A-Za-z]:[\\/])|\s{0,12}\d{1,12}\/\d{1,12} Test\s{1,12}#\d{1,12}: )/,
  create: () => new CtestParser(),
};
