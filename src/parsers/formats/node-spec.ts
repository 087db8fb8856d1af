// node --test's spec reporter (node's default on a terminal; --test-reporter=spec), read from stdout:
//   ▶ store                             a group opens: a describe() suite, or a test with subtests
//     ✔ opens (1.09ms)                  a test passed                     → item.done
//     ✖ reads (2.23ms)                  a test failed or was cancelled    → item.fail, with the first
//       AssertionError [ERR_ASSERTION]: …    line of the error node prints under it
//     ﹣ compacts (0.25ms) # slow disk   a test skipped                    → item.skip
//     ✔ drops (0.10ms) # TODO           a todo, passing or failing (` # ` and its text after the
//                                       duration): node counts it as a todo → item.skip "TODO …"
//   ✖ store (42.8ms)                    a group ends: the report line before it was deeper
//   ℹ tests 19 … ℹ duration_ms 293.8    node's summary: groups reconciled, the phase `node` gets
//                                       its total (the items) and ends
//   ✖ failing tests:                    the failures again, with their errors: not counted twice
// Items are named by their path, `store › index › builds`. No steps: node prints a test as it ends.
//
// Counting rule, node's own (`ℹ tests`): every test at any depth is one, a test with subtests
// included; describe() suites are not. The spec output prints both kinds of group alike (`▶ name`
// … `✔ name`), so a group is not an item when it ends: at the summary, node's count of each outcome
// (pass, fail + cancelled, skipped, todo) less the leaves' is how many groups of that outcome were
// tests, and that many become items there, the deepest first, then the first printed (a describe()
// holds tests with subtests more often than a test holds a describe(); which of two groups at one
// depth was the test, nothing printed tells). Where the counts still differ (node prints a
// describe.skip or an empty describe() like a test), one warning says what differs. A `▶` line
// switches the parser on (a run's first line), but nothing counts before a test's line with node's
// duration: another tool's `▶ Deploying` / `✔ Done` is no test.
//
// This file also holds what the TAP parser shares to check node's summary (`# tests 9` there).
// Every line is read in time linear in its length; a line gives one or two events, the summary's
// last line at most MAX_LINE_EVENTS.
import { MAX_LINE_EVENTS, shorten, type Emit, type FormatLine, type FormatParser, type ParserSpec } from '../format-parser.js';

const PHASE = 'node';
const NAME = 'node --test';
const PATH_SEPARATOR = ' › ';
/** Longest item id or reason kept; the rest becomes `…`. */
const MAX_NAME = 200;
const MAX_ERROR = 500;
/** Groups remembered for the summary; past them a run's counts are left to the warning. */
const MAX_GROUPS = 10_000;
/** Groups the summary may turn into items on its one line: the hub's cap per line, less a few. */
const MAX_LATE_ITEMS = MAX_LINE_EVENTS - 8;

const PASS = '✔';
const FAIL = '✖';
const SKIP = '﹣';
const GROUP = '▶';
const FAILING_TESTS = '✖ failing tests:';
/** The duration after a test's name, followed by ` # ` and a skip or todo text, or by the end. */
const DURATION = / \(\d+(?:\.\d+)?ms\)(?= # |$)/g;
/** A test's line with node's fractional duration (mocha and ava print whole milliseconds). */
const TEST_LINE = /^[✔✖﹣] \S.* \(\d+\.\d+ms\)(?: # .*)?$/;
const SUMMARY = /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(?:\.\d+)?)$/;

// ---------------------------------------------------------------- node's summary (spec and TAP)

export type NodeSummaryKey = 'tests' | 'suites' | 'pass' | 'fail' | 'cancelled' | 'skipped' | 'todo' | 'duration_ms';
export type NodeSummary = Partial<Record<NodeSummaryKey, number>>;

/** Items by outcome, as the model counts them. */
export interface Tally {
  processed: number;
  succeeded: number;
  failed: number;
  skipped: number;
}

export const emptyTally = (): Tally => ({ processed: 0, succeeded: 0, failed: 0, skipped: 0 });

/** node's summary, not another tool's `# tests 7` / `# pass 6`: it has counts only node prints. */
export function isNodeSummary(summary: NodeSummary): boolean {
  return summary.tests !== undefined && (summary.suites !== undefined || summary.cancelled !== undefined || summary.todo !== undefined);
}

const plus = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));

/** What differs between node's summary and prog's items (cancelled count as failed, todo as skipped), or undefined. */
export function summaryDifference(node: NodeSummary, prog: Tally): string | undefined {
  const rows: [string, number | undefined, number][] = [
    ['tests', node.tests, prog.processed],
    ['pass', node.pass, prog.succeeded],
    ['fail + cancelled', plus(node.fail, node.cancelled), prog.failed],
    ['skipped + todo', plus(node.skipped, node.todo), prog.skipped],
  ];
  const differ = rows.filter(([, want, got]) => want !== undefined && want !== got).map(([what, want, got]) => `${what} ${want} (prog ${got})`);
  return differ.length === 0 ? undefined : `node --test's summary differs from the tests prog counted: ${differ.join(', ')}`;
}

// ---------------------------------------------------------------- the spec reporter's lines

type Outcome = 'pass' | 'fail' | 'skip' | 'todo';
const OUTCOMES: Outcome[] = ['pass', 'fail', 'skip', 'todo'];

export interface Report {
  outcome: Outcome;
  name: string;
  /** A skip's text (its reason), or a todo's `TODO …`. */
  reason?: string;
}

/** Reads `✔ name (1.2ms)`, `✖ name (3ms) # text`, `﹣ name (0.1ms) # SKIP` (indentation removed), or undefined. */
export function parseReport(content: string): Report | undefined {
  const symbol = content[0];
  if ((symbol !== PASS && symbol !== FAIL && symbol !== SKIP) || content[1] !== ' ') return undefined;
  const rest = content.slice(2);
  // The last duration that ends the line or precedes ` # ` (a name may hold `(1ms)` too).
  let at = -1;
  let after = -1;
  for (const m of rest.matchAll(DURATION)) {
    at = m.index;
    after = m.index + m[0].length;
  }
  const name = (at === -1 ? rest : rest.slice(0, at)).trim();
  if (name === '') return undefined;
  const text = at === -1 || after === rest.length ? undefined : rest.slice(after + 3).trim();
  if (symbol === SKIP) return text === undefined || text === 'SKIP' || text === '' ? { outcome: 'skip', name } : { outcome: 'skip', name, reason: clip(text) };
  // Only a skip or a todo has text after the duration; a skip has its own symbol.
  if (text !== undefined) return { outcome: 'todo', name, reason: clip(text === 'TODO' || text === '' ? 'TODO' : `TODO ${text}`) };
  return { outcome: symbol === PASS ? 'pass' : 'fail', name };
}

const clip = (text: string, max = MAX_NAME): string => shorten(text, max);

function leadingSpaces(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i;
}

const pathId = (path: string[]): string => clip(path.filter((n) => n !== '').join(PATH_SEPARATOR));

/** The first line of a printed error, as a failure's text: `'test timed out'` loses its quotes. */
function errorLine(content: string): string {
  const text = content.trim();
  const bare = text.length >= 2 && text[0] === "'" && text.at(-1) === "'" ? text.slice(1, -1) : text;
  return clip(bare, MAX_ERROR);
}

/** A group that ended: maybe a test, told at the summary. */
interface Group {
  id: string;
  nesting: number;
  outcome: Outcome;
  reason?: string;
  error?: string;
}

class NodeSpecParser implements FormatParser {
  #open = false;
  /** Nesting of the last report or group line: a report line less deep ends a group. */
  #last = -1;
  /** Names of the open groups, by nesting ('' where the group opened before the parser switched on). */
  #names: string[] = [];
  /** By nesting: the path of the first failed test below the group open there. */
  #below: (string[] | undefined)[] = [];
  /** A failed test, until the next line tells its error. */
  #held?: { id: string; indent: number };
  #tally = emptyTally();
  /** Tests that are no group, by outcome (todo apart from skip, as node counts them). */
  #leaves: Record<Outcome, number> = { pass: 0, fail: 0, skip: 0, todo: 0 };
  /** Groups that ended, for the summary (the first MAX_GROUPS of a run). */
  #groups: Group[] = [];
  /** node's summary lines so far. */
  #summary?: NodeSummary;
  /** After `✖ failing tests:` node repeats its failures: not counted again. */
  #repeating = false;
  /**
   * A line of a test with node's duration has been read. Switched on by a `▶ group` line (a run's
   * first), the parser only notes groups until then: another tool's `▶` or `✔ done` is not a test.
   */
  #confirmed = false;

  line({ stream, text }: FormatLine, emit: Emit): void {
    if (stream !== 'stdout') return;
    const indent = leadingSpaces(text);
    const content = indent === 0 ? text : text.slice(indent);
    if (this.#held) {
      const held = this.#held;
      this.#held = undefined;
      const error = indent > held.indent && content !== '' ? errorLine(content) : undefined;
      emit({ type: 'item.fail', phase: PHASE, id: held.id, ...(error === undefined ? {} : { error }) });
      if (error !== undefined) return;
    }
    if (content === '') return;
    if (indent === 0) {
      const summary = SUMMARY.exec(content);
      if (summary) {
        this.#summaryLine(summary[1] as NodeSummaryKey, Number(summary[2]), emit);
        return;
      }
      if (content === FAILING_TESTS) {
        this.#finishRun(emit);
        this.#repeating = true;
        return;
      }
    }
    if (this.#summary) this.#finishRun(emit);
    if (indent % 2 !== 0) return;
    const nesting = indent / 2;
    if (content[0] === GROUP && content[1] === ' ') {
      this.#repeating = false;
      this.#group(nesting, clip(content.slice(2).trim()), emit);
      return;
    }
    const report = parseReport(content);
    if (!report) return;
    if (!this.#confirmed) {
      if (!TEST_LINE.test(content)) return;
      this.#confirmed = true;
    }
    if (this.#repeating) {
      // The failures' list has only failures: anything else is the next run.
      if (report.outcome === 'fail' || (report.outcome === 'todo' && content[0] === FAIL)) return;
      this.#repeating = false;
    }
    this.#report(nesting, report, emit);
  }

  end(emit: Emit): void {
    if (this.#held) {
      emit({ type: 'item.fail', phase: PHASE, id: this.#held.id });
      this.#held = undefined;
    }
    if (this.#summary) this.#finishRun(emit);
    // No summary (the run was stopped): failures make the phase failed; else the exit decides.
    else if (this.#open && this.#tally.failed > 0) this.#endPhase('failed', emit);
  }

  #group(nesting: number, name: string, emit: Emit): void {
    if (!this.#open && this.#confirmed) this.#openPhase(emit);
    this.#names.length = Math.min(this.#names.length, nesting);
    while (this.#names.length < nesting) this.#names.push('');
    this.#names.push(name);
    this.#last = nesting;
  }

  #report(nesting: number, report: Report, emit: Emit): void {
    if (!this.#open) this.#openPhase(emit);
    const ends = this.#last > nesting;
    this.#last = nesting;
    // By nesting, '' for a group that opened before the parser switched on.
    while (this.#names.length < nesting) this.#names.push('');
    const path = [...this.#names.slice(0, nesting), clip(report.name)];
    this.#names.length = nesting;
    const id = pathId(path);
    const below = this.#below[nesting];
    this.#below.length = Math.min(this.#below.length, nesting);
    if (report.outcome === 'fail') {
      // Its groups name their first failed test in their own error.
      while (this.#below.length < nesting) this.#below.push(undefined);
      for (let n = 0; n < nesting; n++) this.#below[n] ??= below ?? path;
    }
    if (ends) {
      const group: Group = { id, nesting, outcome: report.outcome };
      if (report.reason !== undefined) group.reason = report.reason;
      // A group failing because of a test below it names the first (an item of its own, with its error).
      if (below !== undefined) group.error = clip(`a subtest failed: ${pathId(below.slice(nesting + 1))}`, MAX_ERROR);
      if (this.#groups.length < MAX_GROUPS) this.#groups.push(group);
      return;
    }
    this.#leaves[report.outcome]++;
    if (report.outcome === 'fail') {
      this.#tally.processed++;
      this.#tally.failed++;
      this.#held = { id, indent: nesting * 2 };
      return;
    }
    this.#emitItem(id, report.outcome, report.reason, undefined, emit);
  }

  #emitItem(id: string, outcome: Outcome, reason: string | undefined, error: string | undefined, emit: Emit): void {
    this.#tally.processed++;
    if (outcome === 'pass') {
      this.#tally.succeeded++;
      emit({ type: 'item.done', phase: PHASE, id });
    } else if (outcome === 'fail') {
      this.#tally.failed++;
      emit({ type: 'item.fail', phase: PHASE, id, ...(error === undefined ? {} : { error }) });
    } else {
      this.#tally.skipped++;
      emit({ type: 'item.skip', phase: PHASE, id, ...(reason === undefined ? {} : { reason }) });
    }
  }

  #summaryLine(key: NodeSummaryKey, value: number, emit: Emit): void {
    (this.#summary ??= {})[key] = value;
    if (key === 'duration_ms') this.#finishRun(emit);
  }

  /** node's summary is read: the groups that were tests become items, a difference left is said, the phase ends. */
  #finishRun(emit: Emit): void {
    const node = this.#summary;
    this.#summary = undefined;
    if (node?.tests === undefined || !this.#confirmed) return;
    if (!this.#open) this.#openPhase(emit);
    const want: Record<Outcome, number> = {
      pass: node.pass ?? 0, fail: (node.fail ?? 0) + (node.cancelled ?? 0), skip: node.skipped ?? 0, todo: node.todo ?? 0,
    };
    let room = MAX_LATE_ITEMS;
    for (const outcome of OUTCOMES) {
      const missing = Math.min(want[outcome] - this.#leaves[outcome], room);
      if (missing <= 0) continue;
      const groups = this.#groups.filter((g) => g.outcome === outcome).sort((a, b) => b.nesting - a.nesting).slice(0, missing);
      for (const g of groups) this.#emitItem(g.id, outcome, g.reason, g.error, emit);
      room -= groups.length;
    }
    let message = summaryDifference(node, this.#tally);
    if (message !== undefined && this.#tally.processed > node.tests) {
      message += ` (a describe.skip() or an empty describe() prints like a test; --test-reporter=tap tells them apart)`;
    }
    if (message !== undefined) emit({ type: 'log', level: 'warn', source: 'prog', message });
    // The run is over: what was counted is its total (so history knows a failing run ran to its end).
    emit({ type: 'phase', id: PHASE, name: NAME, total: this.#tally.processed });
    this.#endPhase(want.fail > 0 ? 'failed' : node.tests === 0 ? 'skipped' : 'ok', emit);
    // A later run (another node --test in the same command) starts afresh.
    this.#last = -1;
    this.#names = [];
    this.#below = [];
    this.#tally = emptyTally();
    this.#leaves = { pass: 0, fail: 0, skip: 0, todo: 0 };
    this.#groups = [];
  }

  #openPhase(emit: Emit): void {
    this.#open = true;
    emit({ type: 'phase', id: PHASE, name: NAME });
  }

  #endPhase(status: 'ok' | 'failed' | 'skipped', emit: Emit): void {
    if (!this.#open) return;
    this.#open = false;
    emit({ type: 'phase.end', id: PHASE, status });
  }
}

export const parser: ParserSpec = {
  name: 'node-spec',
  description:
    "node --test's spec reporter (its default on a terminal): ✔ / ✖ / ﹣ / # TODO → items, its tests at any depth (describe suites not, told apart at node's ℹ tests … summary); the error's first line → failure text; a warning if the counts differ from node's",
  // A group's start (a run's first line), or a test's line with node's fractional duration (mocha
  // and ava print whole milliseconds): the parser counts nothing before such a test line.
  contains: [`${GROUP} `, `${PASS} `, `${FAIL} `, `${SKIP} `],
  detect: /^ *(?:▶ \S|[✔✖﹣] \S.* \(\d+\.\d+ms\)(?: # .*)?$)/,
  create: () => new NodeSpecParser(),
};
