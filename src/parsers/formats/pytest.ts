// pytest's terminal report: `collected N items` → phase `pytest` with N items; each result → one
// item event, as soon as pytest writes it; ` [ 45%]` / ` [ 12/83]` at line ends → progress; the
// short test summary's `FAILED id - message` → the failure's message and name (item.error); the final
// `=== 2 failed, 9 passed in 0.1s ===` → phase end, with a warning if prog's counts differ.
//
// Counting rule (exact in every mode): one item per result pytest reports, which is what its final
// summary counts. Verbose (`-v`): one per `id PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR` line, the
// test id as item id. Default and `-q`: one per character of a result line (`file.py ..F.sx`,
// or the characters alone on a continuation line / in -q), id `file.py #k` (k-th result of the file).
// `.` PASSED and `X` XPASS → item.done; `s` SKIPPED and `x` XFAIL → item.skip; `F` FAILED and
// `E` ERROR → item.fail. A test whose teardown errors after it passed is reported twice by pytest
// (`.E`, "1 passed, 1 error"), so it is two items here too: under -v the second line has the same
// test id, so its item is `id (teardown)`. Ids are unique within a run (a second session in the
// same output, as tox gives, has ` (session 2)` added), so no result is taken for another's repeat.
//
// Nothing waits for a line's end, which may come minutes later (pytest ends a results line when
// the next file starts, and its last one after the session's teardown): the line being written is
// read as it grows (partial()). Result characters count one by one; a verbose line counts once its
// ` [ 45%]` tag is written (a reason may still follow the status word before it); a line of result
// characters alone counts as it grows only once the session has shown such tags (-s output would
// otherwise pass for results). The finished line counts only what its partial reads did not.
//
// Failures count when their `F`, `E` or FAILED/ERROR is written, under the id known then (in
// non-verbose mode `file.py #k`: pytest names tests only in its short summary). The short summary's
// `FAILED id - message` then gives that failure its message, and its name (an item.error: matched
// by id, else the first failure of that file not named yet, as pytest lists them in the order they
// ran; -q shows no files: in order), without counting it again; one it cannot match (past the first 1000 failures, a teardown
// error) gives an error log `id: message` instead. Only a failure or error the results did not show
// (a collection error; more named than counted) is counted there, as an item.fail with its message.
//
// Counts never run past what pytest can print: with a known total (collected minus deselected),
// each test has one outcome (`.FsxX`, or `E` for a setup error) and may add an `E` (a teardown
// error), so at most `total` outcomes and `total` errors are counted; further result characters
// (a line of 800,000 dots after `collected 5 items`) are ignored. pytest wraps result lines at the
// terminal's width: a line's results past MAX_LINE_EVENTS are ignored too, total or not.
// pytest's final summary is the truth: results it reports that the output did not show are counted
// there (within the same bounds), and whenever its counts and prog's differ, one warn log from
// prog says which (`pytest reported 9 passed, prog counted 8`).
import type { StreamName } from '../../events.js';
import { MAX_LINE_EVENTS, shorten, type Emit, type FormatLine, type FormatParser, type ParserSpec } from '../format-parser.js';

const PHASE = 'pytest';
const COLLECTED = /^(?:collecting \.\.\. )?collected (\d{1,15}) items?((?: \/ \d{1,15} [a-z]+)*)/;
const COUNT_WORDS = /(\d+) (errors?|deselected|selected|skipped)/g;
const PERCENT = /^\[ *(\d{1,3})%\]$/;
const COUNT = /^\[ *(\d{1,9})\/(\d{1,9})\]$/;
const CHARS = /^[.FEsxX]+$/;
const NO_SPACE = /^\S+$/;
// Counts, then the duration; -q prints it bare, otherwise it is framed by `=`.
const SUMMARY = /^(\d+ [a-z]+(?:, \d+ [a-z]+)*|no tests ran) in \d+(?:\.\d+)?s(?: \([^()]*\))?$/;
const SUMMARY_WORD = /(\d+) ([a-z]+)/g;
const XDIST = /^\[gw\d+\] \[ *\d{1,3}%\] (PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR) (\S.*)$/;
/** A failure's message kept in its log line. */
const MESSAGE_CHARS = 1000;
/** Verbose test ids remembered to tell a teardown's ERROR line (the test's id again) from a test's result. */
const RECENT_IDS = 64;
/** Failures remembered until the short summary names them (beyond: the summary's message goes to a log line). */
const UNNAMED_FAILURES = 1000;

type Outcome = 'passed' | 'failed' | 'skipped' | 'xfailed' | 'xpassed' | 'error';
const OUTCOMES: readonly Outcome[] = ['passed', 'failed', 'error', 'skipped', 'xfailed', 'xpassed'];
const BY_CHAR: Record<string, Outcome> = { '.': 'passed', F: 'failed', s: 'skipped', x: 'xfailed', X: 'xpassed', E: 'error' };
const BY_WORD: Record<string, Outcome> = {
  PASSED: 'passed', FAILED: 'failed', SKIPPED: 'skipped', XFAIL: 'xfailed', XPASS: 'xpassed', ERROR: 'error',
};
type Kind = 'done' | 'fail' | 'skip';
const KIND: Record<Outcome, Kind> = { passed: 'done', xpassed: 'done', failed: 'fail', error: 'fail', skipped: 'skip', xfailed: 'skip' };

const zero = (): Record<Outcome, number> => ({ passed: 0, failed: 0, error: 0, skipped: 0, xfailed: 0, xpassed: 0 });
/** `3 passed`, `1 error`, `2 errors`: as pytest words its summary. */
const countText = (n: number, outcome: Outcome) => `${n} ${outcome === 'error' && n !== 1 ? 'errors' : outcome}`;

/** The file of results counted where pytest shows none (-q). */
const NO_FILE = 'test';
/** A result counted by position (default mode: `tests/a.py #3`), named only in the short summary. */
const NUMBERED = / #\d+(?: \(session \d+\))?$/;

/** The file a test id or a positional id belongs to: `tests/a.py::test_x[1]`, `tests/a.py #3` → `tests/a.py`. */
function fileOf(id: string): string {
  const colons = id.indexOf('::');
  if (colons >= 0) return id.slice(0, colons);
  const hash = id.lastIndexOf(' #');
  return hash >= 0 ? id.slice(0, hash) : id;
}

/** Splits ` [ 45%]` or ` [12/83]` off the end of a line (no regular expression scans the line). */
function splitProgress(line: string): { head: string; percent?: number; done?: number; of?: number } | undefined {
  if (!line.endsWith(']')) return undefined;
  const open = line.lastIndexOf('[');
  if (open < 1 || line[open - 1] !== ' ' || line.length - open > 24) return undefined;
  const tag = line.slice(open);
  const head = line.slice(0, open).trimEnd();
  const p = PERCENT.exec(tag);
  if (p) return { head, percent: Number(p[1]) };
  const c = COUNT.exec(tag);
  if (c) return { head, done: Number(c[1]), of: Number(c[2]) };
  return undefined;
}

/** `id STATUS` or `id STATUS (reason)` after the first `::` (linear: one sticky scan). */
function parseVerbose(head: string): { id: string; outcome: Outcome; reason?: string } | undefined {
  const sep = head.indexOf('::');
  if (sep < 1) return undefined;
  const status = / (PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR)(?= \(|$)/g;
  status.lastIndex = sep + 2;
  const m = status.exec(head);
  if (!m) return undefined;
  const id = head.slice(0, m.index);
  const rest = head.slice(m.index + m[0].length);
  const reason = rest.startsWith(' (') && rest.endsWith(')') ? rest.slice(2, -1) : undefined;
  return reason === undefined ? { id, outcome: BY_WORD[m[1]!]! } : { id, outcome: BY_WORD[m[1]!]!, reason };
}

class PytestParser implements FormatParser {
  #started = false;
  #finished = false;
  #section: 'results' | 'report' | 'short' = 'results';
  #total: number | undefined;
  #seen = 0;
  #progress = 0;
  #file = '';
  /** A progress tag was seen: pytest's progress style, where a line of result characters alone continues the results. */
  #tagged = false;
  /** Per stream, results already counted from the line being written (by partial()), not to be counted again. */
  #counted: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  #perFile = new Map<string, number>();
  /** The latest verbose results' test ids (xdist workers interleave theirs), oldest first. */
  #recent = new Set<string>();
  /** Sessions in this output (pytest run again by the same command): ids carry it from the second on. */
  #session = 1;
  /** Results counted, by outcome: what pytest's summary is compared with. */
  #counts = zero();
  /** Failures and errors the short summary named: past those counted, they are ones the results did not show. */
  #named = { failed: 0, error: 0 };
  /** Failures counted, in order, until the short summary gives their message (and, in default mode, their name). */
  #unnamed: { id: string; file: string; outcome: 'failed' | 'error' }[] = [];
  /** Results counted against the total: outcomes, and errors (see the counting rule above). */
  #outcomes = 0;
  #errors = 0;
  /** Results past what the total allows, not counted. */
  #ignored = 0;

  line({ stream, text }: FormatLine, emit: Emit): void {
    // The line is over: what partial() counted of it is its own, and the next line starts afresh.
    const before = this.#counted[stream];
    this.#counted[stream] = 0;
    const line = text.trimEnd();
    if (line === '') return;
    if (line.startsWith('=') && line.endsWith('=')) return this.#header(line, emit);
    const collected = COLLECTED.exec(line);
    if (collected) return this.#collected(Number(collected[1]), collected[2] ?? '', emit);
    if (this.#finished) return;
    if (this.#started && SUMMARY.test(line)) return this.#summary(line, emit);
    if (this.#section === 'short') return this.#shortSummary(line, emit);
    if (this.#section === 'results') this.#result(line, before, false, emit);
  }

  /**
   * `tests/test_a.py ..F.` while pytest is still writing it: each new result counts at once (the
   * line ends only when the next file starts, or after the session's teardown for the last one).
   */
  partial({ stream, text }: Omit<FormatLine, 'eol'>, emit: Emit): void {
    if (this.#finished || !this.#started || this.#section !== 'results') return;
    this.#counted[stream] = this.#result(text.trimEnd(), this.#counted[stream], true, emit);
  }

  #header(line: string, emit: Emit): void {
    let a = 0;
    let b = line.length;
    while (a < b && line[a] === '=') a++;
    while (b > a && line[b - 1] === '=') b--;
    const title = line.slice(a, b).trim();
    if (title === 'test session starts') {
      if (this.#finished) this.#reset();
      return;
    }
    if (!this.#started || this.#finished) return;
    if (SUMMARY.test(title)) return this.#summary(title, emit);
    this.#section = title === 'short test summary info' ? 'short' : 'report';
  }

  #reset(): void {
    this.#started = false;
    this.#finished = false;
    this.#section = 'results';
    this.#total = undefined;
    this.#seen = 0;
    this.#progress = 0;
    this.#file = '';
    this.#tagged = false;
    this.#perFile.clear();
    this.#recent.clear();
    this.#session++;
    this.#counts = zero();
    this.#named = { failed: 0, error: 0 };
    this.#unnamed = [];
    this.#outcomes = 0;
    this.#errors = 0;
    this.#ignored = 0;
  }

  #collected(collected: number, rest: string, emit: Emit): void {
    if (!Number.isSafeInteger(collected)) return;
    if (this.#finished) this.#reset();
    let total = collected;
    for (const m of rest.matchAll(COUNT_WORDS)) {
      if (m[2] === 'selected') total = Number(m[1]);
      else if (m[2] === 'deselected' && !rest.includes(' selected')) total -= Number(m[1]);
    }
    this.#total = Math.max(0, total);
    this.#started = true;
    emit({ type: 'phase', id: PHASE, name: 'pytest', total: this.#total });
  }

  #start(emit: Emit): void {
    if (this.#started) return;
    this.#started = true;
    emit({ type: 'phase', id: PHASE, name: 'pytest' });
  }

  /**
   * A results line, finished or (`partial`) still being written, of which `before` results were
   * counted already: counts the rest, and returns how many of its results are counted now.
   */
  #result(line: string, before: number, partial: boolean, emit: Emit): number {
    // An xdist line ends with the test id, which may still be growing: it is read when finished.
    const xdist = partial ? null : XDIST.exec(line);
    if (xdist) {
      this.#start(emit);
      this.#outcome(this.#testId(xdist[2]!, BY_WORD[xdist[1]!]!), BY_WORD[xdist[1]!]!, undefined, emit);
      this.#advance(undefined, emit);
      return 1;
    }
    const progress = splitProgress(line);
    const head = progress ? progress.head : line;
    const verbose = parseVerbose(head);
    if (verbose) {
      // Before its tag, a status word may still be followed by its reason.
      if ((partial || !this.#started) && !progress) return before;
      this.#start(emit);
      if (progress) this.#tagged = true;
      if (before === 0) this.#outcome(this.#testId(verbose.id, verbose.outcome), verbose.outcome, verbose.reason, emit);
      this.#advance(progress, emit);
      return 1;
    }
    let file = this.#file;
    let chars = head;
    const space = head.indexOf(' ');
    if (space > 0) {
      file = head.slice(0, space);
      chars = head.slice(space + 1);
      // Without a progress tag (console_output_style=classic) the line must at least name a file;
      // a test id is no file (`a.py::test_x F`, a verbose line cut before the end of FAILED).
      if (!NO_SPACE.test(file) || !CHARS.test(chars) || (!progress && !file.includes('.')) || file.includes('::')) return before;
    } else if (!CHARS.test(chars) || !(progress || (this.#started && this.#tagged))) {
      return before;
    }
    this.#file = file;
    this.#start(emit);
    if (progress) this.#tagged = true;
    if (chars.length > before) this.#results(chars.slice(before), before, emit);
    this.#advance(progress, emit);
    return Math.max(before, chars.length);
  }

  /** One item per result character of the current file (`before` of its line already read), while the line and the total have room. */
  #results(chars: string, before: number, emit: Emit): void {
    const room = Math.max(0, MAX_LINE_EVENTS - before);
    if (chars.length > room) {
      this.#ignored += chars.length - room;
      chars = chars.slice(0, room);
    }
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i]!;
      if (!this.#room(BY_CHAR[ch]!)) {
        this.#ignored++;
        if (this.#total !== undefined && this.#outcomes >= this.#total && this.#errors >= this.#total) {
          this.#ignored += chars.length - i - 1;
          return;
        }
        continue;
      }
      const k = (this.#perFile.get(this.#file) ?? 0) + 1;
      this.#perFile.set(this.#file, k);
      this.#outcome(`${this.#file === '' ? NO_FILE : this.#file} #${k}`, BY_CHAR[ch]!, undefined, emit);
    }
  }

  /** A verbose result's item id: the test id, or `id (teardown)` for an ERROR after the test's own result. */
  #testId(id: string, outcome: Outcome): string {
    if (outcome === 'error' && this.#recent.has(id)) return `${id} (teardown)`;
    this.#recent.delete(id);
    this.#recent.add(id);
    if (this.#recent.size > RECENT_IDS) this.#recent.delete(this.#recent.values().next().value!);
    return id;
  }

  /** An item id unique in the run: from the second session on, it says which. */
  #inSession(id: string): string {
    return this.#session === 1 ? id : `${id} (session ${this.#session})`;
  }

  /** Whether the total leaves room for one more result of this kind (always, while the total is unknown). */
  #room(outcome: Outcome): boolean {
    if (this.#total === undefined) return true;
    return outcome === 'error' ? this.#errors < this.#total : this.#outcomes < this.#total;
  }

  #outcome(name: string, outcome: Outcome, reason: string | undefined, emit: Emit): void {
    if (!this.#room(outcome)) {
      this.#ignored++;
      return;
    }
    const id = this.#inSession(name);
    if (outcome === 'error') this.#errors++;
    else this.#outcomes++;
    this.#seen++;
    this.#counts[outcome]++;
    const kind = KIND[outcome];
    if (kind === 'done') {
      emit({ type: 'item.done', phase: PHASE, id });
    } else if (kind === 'fail') {
      // Counted now; its message comes with the short summary (see #shortSummary).
      emit({ type: 'item.fail', phase: PHASE, id, error: outcome });
      if (this.#unnamed.length < UNNAMED_FAILURES) this.#unnamed.push({ id, file: fileOf(name), outcome: outcome as 'failed' | 'error' });
    } else {
      const why = reason ?? (outcome === 'xfailed' ? 'xfail' : undefined);
      emit(why === undefined ? { type: 'item.skip', phase: PHASE, id } : { type: 'item.skip', phase: PHASE, id, reason: why });
    }
  }

  /** Progress is the results seen, never less than what pytest's own tag implies, never backwards. */
  #advance(progress: ReturnType<typeof splitProgress>, emit: Emit): void {
    let current = this.#seen;
    let total = this.#total;
    if (progress?.of !== undefined) {
      total ??= progress.of;
      current = Math.max(current, progress.done!);
    } else if (progress?.percent !== undefined && total !== undefined) {
      current = Math.max(current, Math.ceil((progress.percent * total) / 100));
    }
    if (total !== undefined) current = Math.min(current, total);
    if (current <= this.#progress && total === this.#total) return;
    this.#progress = Math.max(current, this.#progress);
    if (total !== undefined && this.#total === undefined) this.#total = total;
    emit(total === undefined ? { type: 'progress', phase: PHASE, current: this.#progress } : { type: 'progress', phase: PHASE, current: this.#progress, total });
  }

  /**
   * `FAILED tests/a.py::test_x - AssertionError: …` / `ERROR tests/a.py::test_y - …` / `ERROR tests/b.py` (collection):
   * the message of a failure counted already, or a failure the results did not show.
   */
  #shortSummary(line: string, emit: Emit): void {
    const outcome = line.startsWith('FAILED ') ? 'failed' : line.startsWith('ERROR ') ? 'error' : undefined;
    if (!outcome) return;
    const body = line.slice(outcome === 'failed' ? 7 : 6);
    const dash = body.indexOf(' - ');
    const id = (dash < 0 ? body : body.slice(0, dash)).trim();
    if (id === '') return;
    const error = dash < 0 ? outcome : body.slice(dash + 3).trim();
    // pytest names each failure once here: the n-th of an outcome was counted among the results if
    // they showed n. (The order differs; only the count matters, and the log names the test.)
    if (++this.#named[outcome] <= this.#counts[outcome]) {
      // The failure it names: by its id (-v), else the first of its file not named yet (pytest
      // lists them in the order they ran).
      // (-q shows no file: its failures are named in order.)
      const at = this.#unnamed.findIndex((f) => f.outcome === outcome && (f.id === this.#inSession(id) || ((f.file === fileOf(id) || f.file === NO_FILE) && NUMBERED.test(f.id))));
      if (at >= 0) {
        const [failure] = this.#unnamed.splice(at, 1);
        const name = this.#inSession(id);
        emit({ type: 'item.error', phase: PHASE, id: failure!.id, error: shorten(error, MESSAGE_CHARS), ...(name === failure!.id ? {} : { name }) });
      } else {
        emit({ type: 'log', level: 'error', source: PHASE, message: shorten(`${id}: ${error}`, MESSAGE_CHARS) });
      }
      return;
    }
    this.#counts[outcome]++;
    emit({ type: 'item.fail', phase: PHASE, id: this.#inSession(id), error: shorten(error, MESSAGE_CHARS) });
  }

  /** pytest's own counts are the truth: what the output did not show is added, and any difference is said. */
  #summary(title: string, emit: Emit): void {
    const want = zero();
    for (const m of title.matchAll(SUMMARY_WORD)) {
      const word = m[2] === 'errors' ? 'error' : m[2]!;
      const outcome = OUTCOMES.find((o) => o === word);
      if (outcome) want[outcome] += Number(m[1]);
    }
    const differ = OUTCOMES.filter((o) => want[o] !== this.#counts[o])
      .map((o) => `pytest reported ${countText(want[o], o)}, prog counted ${this.#counts[o]}`);
    const byKind = (counts: Record<Outcome, number>) => {
      const sums: Record<Kind, number> = { done: 0, fail: 0, skip: 0 };
      for (const o of OUTCOMES) sums[KIND[o]] += counts[o];
      return sums;
    };
    const wanted = byKind(want);
    const got = byKind(this.#counts);
    // What the summary adds stays within what the total allows, like the results themselves.
    let room = this.#total === undefined ? 100_000 : Math.max(0, 2 * this.#total - (got.done + got.fail + got.skip));
    let added = 0;
    for (const kind of ['done', 'skip', 'fail'] as const) {
      const missing = Math.max(0, Math.min(wanted[kind] - got[kind], room));
      room -= missing;
      added += missing;
      for (let i = 1; i <= missing; i++) {
        const id = this.#inSession(`unreported ${kind === 'done' ? 'passed' : kind === 'skip' ? 'skipped' : 'failed'} #${i}`);
        if (kind === 'done') emit({ type: 'item.done', phase: PHASE, id });
        else if (kind === 'skip') emit({ type: 'item.skip', phase: PHASE, id });
        else emit({ type: 'item.fail', phase: PHASE, id, error: 'reported in pytest\'s summary only' });
      }
    }
    const notes: string[] = [];
    if (differ.length > 0) notes.push(`${differ.join('; ')}${added > 0 ? ` (${added} counted now from pytest's summary)` : ''}`);
    if (this.#ignored > 0) notes.push(`${this.#ignored} past what pytest can print, ignored`);
    if (notes.length > 0) {
      emit({ type: 'log', level: 'warn', source: 'prog', message: `pytest's summary and prog's counts differ: ${notes.join('; ')} (summary: ${shorten(title, MESSAGE_CHARS)})` });
    }
    const all = wanted.done + wanted.fail + wanted.skip;
    // Without `collected N` (-q) the summary gives the total; with it, a run stopped early (-x)
    // ends where it stopped rather than at 100%.
    if (this.#total === undefined && all > 0) emit({ type: 'progress', phase: PHASE, current: all, total: all });
    else if (this.#total !== undefined && Math.min(all, this.#total) > this.#progress) {
      this.#progress = Math.min(all, this.#total);
      emit({ type: 'progress', phase: PHASE, current: this.#progress, total: this.#total });
    }
    emit({ type: 'phase.end', id: PHASE, status: wanted.fail > 0 ? 'failed' : all === 0 ? 'skipped' : 'ok' });
    this.#finished = true;
  }
}

/** `===== test session starts =====`'s start. */
function sessionStart(bytes: Buffer, at: number, end: number): boolean {
  let p = at;
  while (p < end && bytes[p] === 0x3d) p++;
  return p > at && bytes.toString('latin1', p, Math.min(end, p + SESSION.length)) === SESSION;
}
const SESSION = ' test session starts';

/** `.F.s [ 40%]`'s start: result characters, then a space. */
function resultRun(bytes: Buffer, at: number, end: number): boolean {
  let p = at;
  while (p < end && RESULT_BYTES.has(bytes[p]!)) p++;
  return p > at && p < end && bytes[p] === 0x20;
}
const RESULT_BYTES = new Set([...'.FEsxX'].map((c) => c.charCodeAt(0)));

export const parser: ParserSpec = {
  name: 'pytest',
  description: 'pytest: "collected N items" → phase; each result (-v lines or the .FsxXE characters) → an item as pytest writes it; [ 45%] / [12/83] → progress; short summary → failure messages; a warning if the counts differ from pytest\'s',
  firstChars: 'c=.FEsxX',
  leads: ['collect', sessionStart, resultRun],
  detect: /^(?:(?:collecting \.\.\. )?collected \d+ items?\b|=+ test session starts =+$|[.FEsxX]+ +\[ *\d{1,3}%\]$)/,
  create: () => new PytestParser(),
};
