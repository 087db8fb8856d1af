// pytest's terminal report: `collected N items` → phase `pytest` with N items; each result → one
// item event; ` [ 45%]` / ` [ 12/83]` at line ends → progress; the short test summary's
// `FAILED id - message` → the failed item's error; the final `=== 2 failed, 9 passed in 0.1s ===`
// → phase end, with prog's counts reconciled to pytest's own.
//
// Counting rule (exact in every mode): one item per result pytest reports, which is what its final
// summary counts. Verbose (`-v`): one per `id PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR` line, the
// test id as item id. Default and `-q`: one per character of a result line (`file.py ..F.sx`,
// or the characters alone on a continuation line / in -q), id `file.py #k` (k-th result of the file).
// `.` PASSED and `X` XPASS → item.done; `s` SKIPPED and `x` XFAIL → item.skip; `F` FAILED and
// `E` ERROR → item.fail. A test whose teardown errors after it passed is reported twice by pytest
// (`.E`, "1 passed, 1 error"), so it is two items here too.
// Failures wait for the short test summary, where pytest names them with their message (in
// non-verbose mode it is the only place their names appear): they are emitted there (matched by
// id, or by file and order), or at the final summary / end of output without a message. Progress
// moves on as each failure is seen, so only the failed count lags.
//
// Counts never run past what pytest can print: with a known total (collected minus deselected),
// each test has one outcome (`.FsxX`, or `E` for a setup error) and may add an `E` (a teardown
// error), so at most `total` outcomes and `total` errors are counted; further result characters
// (a line of 800,000 dots after `collected 5 items`) are ignored, and the summary warns of them.
// pytest wraps result lines at the terminal's width: a line's results past MAX_LINE_EVENTS are
// ignored too, total or not.
import { MAX_LINE_EVENTS, type Emit, type FormatLine, type FormatParser, type ParserSpec } from '../format-parser.js';

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

type Outcome = 'passed' | 'failed' | 'skipped' | 'xfailed' | 'xpassed' | 'error';
const BY_CHAR: Record<string, Outcome> = { '.': 'passed', F: 'failed', s: 'skipped', x: 'xfailed', X: 'xpassed', E: 'error' };
const BY_WORD: Record<string, Outcome> = {
  PASSED: 'passed', FAILED: 'failed', SKIPPED: 'skipped', XFAIL: 'xfailed', XPASS: 'xpassed', ERROR: 'error',
};
type Kind = 'done' | 'fail' | 'skip';
const KIND: Record<Outcome, Kind> = { passed: 'done', xpassed: 'done', failed: 'fail', error: 'fail', skipped: 'skip', xfailed: 'skip' };

interface Pending { id: string; file: string; named: boolean; outcome: 'failed' | 'error' }

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
  /** The unfinished results line seen so far: its file, and how many results were counted. */
  #partial: { file: string; counted: number } | undefined;
  #perFile = new Map<string, number>();
  #pending: Pending[] = [];
  #emitted: Record<Kind, number> = { done: 0, fail: 0, skip: 0 };
  /** Results counted against the total: outcomes, and errors (see the counting rule above). */
  #outcomes = 0;
  #errors = 0;
  /** Results past what the total allows, not counted. */
  #ignored = 0;

  line({ text }: FormatLine, emit: Emit): void {
    const line = text.trimEnd();
    if (line === '') return;
    if (line.startsWith('=') && line.endsWith('=')) return this.#header(line, emit);
    const collected = COLLECTED.exec(line);
    if (collected) return this.#collected(Number(collected[1]), collected[2] ?? '', emit);
    if (this.#finished) return;
    if (this.#started && SUMMARY.test(line)) return this.#summary(line, emit);
    if (this.#section === 'short') return this.#shortSummary(line, emit);
    if (this.#section === 'results') this.#result(line, emit);
  }

  /**
   * `tests/test_a.py ..F.` while pytest is still writing it: each new result character counts at
   * once (the line ends only at ` [ 12%]`, after the file's last test, which may take minutes).
   */
  partial({ text }: Omit<FormatLine, 'eol'>, emit: Emit): void {
    if (this.#finished || !this.#started || this.#section !== 'results') return;
    const head = text.trimEnd();
    const space = head.indexOf(' ');
    if (space <= 0) return;
    const file = head.slice(0, space);
    const chars = head.slice(space + 1);
    if (!NO_SPACE.test(file) || !file.includes('.') || !CHARS.test(chars)) return;
    const counted = this.#partial?.file === file ? this.#partial.counted : 0;
    if (chars.length <= counted) return;
    this.#file = file;
    this.#results(chars.slice(counted), counted, emit);
    this.#partial = { file, counted: chars.length };
    this.#advance(undefined, emit);
  }

  end(emit: Emit): void {
    if (!this.#started || this.#finished) return;
    this.#flushPending(emit);
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
    this.#perFile.clear();
    this.#pending = [];
    this.#emitted = { done: 0, fail: 0, skip: 0 };
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

  #result(line: string, emit: Emit): void {
    const xdist = XDIST.exec(line);
    if (xdist) {
      this.#start(emit);
      this.#outcome(xdist[2]!, xdist[2]!.split('::')[0]!, true, BY_WORD[xdist[1]!]!, undefined, emit);
      return this.#advance(undefined, emit);
    }
    const progress = splitProgress(line);
    const head = progress ? progress.head : line;
    const verbose = parseVerbose(head);
    if (verbose) {
      if (!progress && !this.#started) return;
      this.#start(emit);
      this.#outcome(verbose.id, verbose.id.split('::')[0]!, true, verbose.outcome, verbose.reason, emit);
      return this.#advance(progress, emit);
    }
    let chars = head;
    const space = head.indexOf(' ');
    if (space > 0) {
      const file = head.slice(0, space);
      chars = head.slice(space + 1);
      // Without a progress tag (console_output_style=classic) the line must at least name a file.
      if (!NO_SPACE.test(file) || !CHARS.test(chars) || (!progress && !file.includes('.'))) return;
      this.#file = file;
    } else if (!progress || !CHARS.test(chars)) {
      return;
    }
    this.#start(emit);
    // Results already counted while the line was being written are not counted twice.
    const counted = this.#partial?.file === this.#file ? this.#partial.counted : 0;
    this.#partial = undefined;
    this.#results(chars.slice(counted), counted, emit);
    this.#advance(progress, emit);
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
      const id = `${this.#file === '' ? 'test' : this.#file} #${k}`;
      this.#outcome(id, this.#file, false, BY_CHAR[ch]!, undefined, emit);
    }
  }

  /** Whether the total leaves room for one more result of this kind (always, while the total is unknown). */
  #room(outcome: Outcome): boolean {
    if (this.#total === undefined) return true;
    return outcome === 'error' ? this.#errors < this.#total : this.#outcomes < this.#total;
  }

  #outcome(id: string, file: string, named: boolean, outcome: Outcome, reason: string | undefined, emit: Emit): void {
    if (!this.#room(outcome)) {
      this.#ignored++;
      return;
    }
    if (outcome === 'error') this.#errors++;
    else this.#outcomes++;
    this.#seen++;
    if (outcome === 'failed' || outcome === 'error') {
      this.#pending.push({ id, file, named, outcome });
      return;
    }
    if (KIND[outcome] === 'done') {
      emit({ type: 'item.done', phase: PHASE, id });
    } else {
      const why = reason ?? (outcome === 'xfailed' ? 'xfail' : undefined);
      emit(why === undefined ? { type: 'item.skip', phase: PHASE, id } : { type: 'item.skip', phase: PHASE, id, reason: why });
    }
    this.#emitted[KIND[outcome]]++;
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

  /** `FAILED tests/a.py::test_x - AssertionError: …` / `ERROR tests/a.py::test_y - …` / `ERROR tests/b.py` (collection). */
  #shortSummary(line: string, emit: Emit): void {
    const outcome = line.startsWith('FAILED ') ? 'failed' : line.startsWith('ERROR ') ? 'error' : undefined;
    if (!outcome) return;
    const body = line.slice(outcome === 'failed' ? 7 : 6);
    const dash = body.indexOf(' - ');
    const id = (dash < 0 ? body : body.slice(0, dash)).trim();
    if (id === '') return;
    const error = dash < 0 ? undefined : body.slice(dash + 3).trim();
    const file = id.split('::')[0]!;
    let at = this.#pending.findIndex((p) => p.outcome === outcome && p.named && p.id === id);
    if (at < 0) at = this.#pending.findIndex((p) => p.outcome === outcome && !p.named && p.file === file);
    if (at < 0) at = this.#pending.findIndex((p) => p.outcome === outcome && !p.named && p.file === '');
    if (at >= 0) this.#pending.splice(at, 1);
    // Not seen among the results (a collection error): it is still one of pytest's counts.
    const message = error ?? (outcome === 'error' ? 'error' : 'failed');
    emit({ type: 'item.fail', phase: PHASE, id, error: message });
    this.#emitted.fail++;
  }

  #flushPending(emit: Emit): void {
    for (const p of this.#pending) {
      emit({ type: 'item.fail', phase: PHASE, id: p.id, error: p.outcome === 'error' ? 'error' : 'failed' });
      this.#emitted.fail++;
    }
    this.#pending = [];
  }

  /** pytest's own counts are the truth: what the output did not show is added, a surplus is reported. */
  #summary(title: string, emit: Emit): void {
    this.#flushPending(emit);
    const want: Record<Kind, number> = { done: 0, fail: 0, skip: 0 };
    for (const m of title.matchAll(SUMMARY_WORD)) {
      const word = m[2]!.replace(/s$/, '') === 'error' ? 'error' : m[2]!;
      const outcome = (['passed', 'failed', 'skipped', 'xfailed', 'xpassed', 'error'] as const).find((o) => o === word);
      if (outcome) want[KIND[outcome]] += Number(m[1]);
    }
    const surplus: string[] = [];
    // What the summary adds stays within what the total allows, like the results themselves.
    let room = this.#total === undefined ? 100_000 : Math.max(0, 2 * this.#total - (this.#emitted.done + this.#emitted.fail + this.#emitted.skip));
    for (const kind of ['done', 'skip', 'fail'] as const) {
      const missing = Math.min(want[kind] - this.#emitted[kind], room);
      room -= Math.max(0, missing);
      for (let i = 1; i <= missing; i++) {
        const id = `unreported ${kind === 'done' ? 'passed' : kind === 'skip' ? 'skipped' : 'failed'} #${i}`;
        if (kind === 'done') emit({ type: 'item.done', phase: PHASE, id });
        else if (kind === 'skip') emit({ type: 'item.skip', phase: PHASE, id });
        else emit({ type: 'item.fail', phase: PHASE, id, error: 'reported in pytest\'s summary only' });
      }
      if (missing < 0) surplus.push(`${-missing} ${kind} too many`);
    }
    if (this.#ignored > 0) surplus.push(`${this.#ignored} past what pytest can print, ignored`);
    if (surplus.length > 0) {
      emit({ type: 'log', level: 'warn', source: PHASE, message: `pytest parser counted more results than pytest's summary (${surplus.join(', ')}): ${title}` });
    }
    const all = want.done + want.fail + want.skip;
    // Without `collected N` (-q) the summary gives the total; with it, a run stopped early (-x)
    // ends where it stopped rather than at 100%.
    if (this.#total === undefined && all > 0) emit({ type: 'progress', phase: PHASE, current: all, total: all });
    else if (this.#total !== undefined && Math.min(all, this.#total) > this.#progress) {
      this.#progress = Math.min(all, this.#total);
      emit({ type: 'progress', phase: PHASE, current: this.#progress, total: this.#total });
    }
    emit({ type: 'phase.end', id: PHASE, status: want.fail > 0 ? 'failed' : all === 0 ? 'skipped' : 'ok' });
    this.#finished = true;
  }
}

export const parser: ParserSpec = {
  name: 'pytest',
  description: 'pytest: "collected N items" → phase; each result (-v lines or the .FsxXE characters) → an item; [ 45%] / [12/83] → progress; short summary → failure messages',
  firstChars: 'c=.FEsxX',
  detect: /^(?:(?:collecting \.\.\. )?collected \d+ items?\b|=+ test session starts =+$|[.FEsxX]+ +\[ *\d{1,3}%\]$)/,
  create: () => new PytestParser(),
};
