// TAP 13/14 (node --test --test-reporter=tap, tape, Perl's Test::More, bats, node-tap…), read from
// stdout only, as a TAP harness does.
//   - Items, as the tool counts its tests:
//     · node --test (known by its `# Subtest: name` right before every test point, leaves too):
//       every test at any depth is an item, a describe() suite (`type: 'suite'` in its YAML block)
//       is not. A test with subtests is one too: node's `# tests` counts it.
//     · any other producer: the top-level test points; the test points of subtests (indented 4
//       spaces a level) decide their parent's result, which is the item (Test::More's plan counts
//       a subtest as one test).
//   - `ok` → item.done, `not ok` → item.fail, `# SKIP` → item.skip; `not ok … # TODO` is not a
//     failure: item.skip with reason "TODO …"; a passing `ok … # TODO` is done, except from node,
//     which counts it as a todo (item.skip), not a pass.
//   - The plan `1..N` (before or after the tests) is the total of the phase `tap`; from node, whose
//     trailing plan counts top-level tests only, the total is the items read when it comes.
//   - A top-level `# Subtest: name` → a `step` naming the test being run (not one per subtest:
//     plain mode prints a line per step); none from node, which prints it as the test ends. In
//     documents with neither `# Subtest:` nor a leading plan (tape), a top-level `# name` comment
//     before the trailing plan is the name of the test being run and is the step.
//   - The YAML block `  ---` … `  ...` after a failing test point goes into item.fail's `error`,
//     shortened to message/operator/expected/actual/at; a test failing because of its subtests names
//     the first failing one by its path below it: with that one's error (`tokens › numbers: 16 ==
//     17…`), or from node, where it is an item of its own, as node says it (`1 subtest failed:
//     tokens › numbers`). So a failure (and any of node's items) is emitted when its YAML block
//     ends, or at the next line when none follows.
//   - node's summary after the trailing plan (`# tests 9`, `# pass 8`, `# fail 1`, `# cancelled`,
//     `# skipped`, `# todo`) is checked against the document's items: a difference is a warning.
//   - `Bail out!` (at any level) → a log event of level error and the phase ends failed; lines are
//     then ignored until a new `TAP version` line.
//   - Several documents in one run (a `TAP version` line, or a test point or plan after a trailing
//     plan) share the phase; their plans add up to its total.
//   - Anything else (prose, pragmas, other tools' footer comments) emits nothing.
// Every test is linear in the line length: each regular expression is anchored and backtracks at
// most once over the line.
import { shorten, type Emit, type FormatLine, type FormatParser, type ParserSpec } from '../format-parser.js';
import { emptyTally, isNodeSummary, summaryDifference, type NodeSummary, type NodeSummaryKey, type Tally } from './node-spec.js';

const PHASE = 'tap';
const PATH_SEPARATOR = ' › ';
/** Longest item id, step name or reason kept; the rest becomes `…`. */
const MAX_NAME = 200;
/** Longest error text. */
const MAX_ERROR = 500;
/** YAML lines kept per block (the block is still read to its end, just not stored). */
const MAX_YAML_LINES = 200;

const VERSION = /^TAP version (\d+)\s*$/i;
const PLAN = /^1\.\.(\d+)\s*(?:#\s*(.*))?$/;
const BAIL = /^bail out!/i;
const SUBTEST = /^# Subtest: (.*)$/;
/** node --test's summary line, after the trailing plan. */
const FOOTER = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(?:\.\d+)?)$/;
/** The YAML line by which node marks a describe() suite. */
const SUITE = "type: 'suite'";
/** The head of a test point: `ok` or `not ok`, then a space or the end of the line. */
const TEST_POINT = /^(not )?ok(?= |\t|$)/;
/** After `ok`: the optional number and the optional ` - ` before the description. */
const TEST_NUMBER = /^[ \t]*(\d*)[ \t]*(?:-[ \t]*)?/;

export interface TestPoint {
  ok: boolean;
  number?: number;
  description: string;
  directive?: 'skip' | 'todo';
  reason: string;
}

const clip = (text: string, max = MAX_NAME): string => shorten(text, max);

/** `\#` and `\\` are the only escapes TAP has. */
function unescape(text: string): string {
  return text.includes('\\') ? text.replace(/\\([\\#])/g, '$1') : text;
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** Parses a test point (its indentation already removed), or undefined when the line is not one. */
export function parseTestPoint(line: string): TestPoint | undefined {
  const head = TEST_POINT.exec(line);
  if (!head) return undefined;
  const ok = head[1] === undefined;
  let rest = line.slice(head[0].length);
  const num = TEST_NUMBER.exec(rest)!;
  const number = num[1] ? Number(num[1]) : undefined;
  rest = rest.slice(num[0].length);
  // The directive: an unescaped `#` after white space, then SKIP or TODO (any case, any suffix).
  let description = rest;
  let directive: TestPoint['directive'];
  let reason = '';
  for (let at = rest.indexOf('#'); at !== -1; at = rest.indexOf('#', at + 1)) {
    if (at > 0 && !isSpace(rest[at - 1])) continue;
    let i = at + 1;
    while (isSpace(rest[i])) i++;
    const word = rest.slice(i, i + 4).toLowerCase();
    if (word !== 'skip' && word !== 'todo') continue;
    i += 4;
    while (i < rest.length && !isSpace(rest[i])) i++;
    directive = word;
    description = rest.slice(0, at);
    reason = unescape(rest.slice(i).trim());
    break;
  }
  const point: TestPoint = { ok, description: unescape(description.trim()), reason };
  if (number !== undefined && Number.isSafeInteger(number)) point.number = number;
  if (directive) point.directive = directive;
  return point;
}

/** The few YAML keys worth a failure line: top-level scalars, and the first line of block scalars. */
export function yamlFields(lines: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  let keyIndent = -1;
  let block: string | undefined;
  for (const line of lines) {
    const indent = leadingSpaces(line);
    const content = line.slice(indent);
    if (content === '') continue;
    if (keyIndent === -1) keyIndent = indent;
    if (indent > keyIndent) {
      // A line of a block scalar: its first line is the value.
      if (block !== undefined && fields[block] === '') fields[block] = content.trim();
      continue;
    }
    block = undefined;
    if (indent < keyIndent) continue;
    const colon = content.indexOf(':');
    if (colon <= 0) continue;
    const key = content.slice(0, colon).trim();
    const value = content.slice(colon + 1).trim();
    if (!/^[A-Za-z_][\w-]*$/.test(key) || key in fields) continue;
    if (/^[|>][-+]?\d*$/.test(value)) {
      fields[key] = '';
      block = key;
    } else {
      fields[key] = unquote(value);
    }
  }
  return fields;
}

function unquote(value: string): string {
  if (value.length >= 2 && value[0] === "'" && value.at(-1) === "'") return value.slice(1, -1).replace(/''/g, "'");
  if (value.length >= 2 && value[0] === '"' && value.at(-1) === '"') return value.slice(1, -1).replace(/\\"/g, '"');
  return value;
}

/** One line from the YAML diagnostics: `message (operator: expected X, actual Y) at file:line`. */
export function failureText(fields: Record<string, string>): string | undefined {
  const message = fields.message || fields.error || fields.wanted || '';
  const operator = fields.operator ?? '';
  const values: string[] = [];
  if (fields.expected !== undefined && fields.expected !== '') values.push(`expected ${fields.expected}`);
  if (fields.actual !== undefined && fields.actual !== '') values.push(`actual ${fields.actual}`);
  else if (fields.found !== undefined && fields.found !== '') values.push(`found ${fields.found}`);
  let detail = values.join(', ');
  if (operator !== '') detail = detail === '' ? operator : `${operator}: ${detail}`;
  let text = message.replace(/:$/, '');
  if (detail !== '') text = text === '' ? detail : `${text} (${detail})`;
  let at = fields.at || fields.location || '';
  // tape's `at: Test.<anonymous> (file:///…/x.js:6:5)`: the place, not the frame.
  const paren = at.lastIndexOf(' (');
  if (paren !== -1 && at.endsWith(')')) at = at.slice(paren + 2, -1);
  at = at.replace(/^file:\/\//, '');
  if (at !== '') text = text === '' ? `at ${at}` : `${text} at ${at}`;
  return text === '' ? undefined : clip(text, MAX_ERROR);
}

function leadingSpaces(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i;
}

/** Names by level, '' where a level had no `# Subtest:`, as `parent › child`. */
const joinPath = (path: string[]): string => path.filter((n) => n !== '').join(PATH_SEPARATOR);

/** The test point just read: its YAML block (if one follows) is read before the next TAP line. */
interface After {
  level: number;
  point: TestPoint;
  /** Names from the top-level test down to this one, by level ('' for a level without `# Subtest:`). */
  path: string[];
  /** Indentation of the block's `---` and `...`. */
  indent: number;
  /** Whether the block has opened (only the line right after the test point may open it). */
  open: boolean;
  /** The block's lines, kept for a failure only. */
  lines: string[];
  /** The item is emitted when the block ends (a failure for its diagnostics, any of node's tests to learn it is no suite). */
  waits: boolean;
  /** node --test marks a describe() suite `type: 'suite'` in the block: a suite is not an item. */
  suite: boolean;
}

/** The first failure below a test: the failing test's path from the top level, and its own error. */
interface Failure {
  path: string[];
  message: string;
}

type Status = 'ok' | 'failed' | 'skipped';

/**
 * Who printed the document, known at its first test point: node --test announces each of its tests,
 * leaves too, with `# Subtest: name` right before its test point (Perl, tapjs only announce subtests).
 */
type Producer = 'unknown' | 'node' | 'other';

class TapParser implements FormatParser {
  /** The phase has been announced and not ended. */
  #open = false;
  /** A document is being read: false before the first, after its trailing plan, after a bail out. */
  #inDoc = false;
  /** Totals of the documents before this one (several TAP streams in one run share the phase). */
  #baseTotal = 0;
  /** Top-level test points of this document: what its plan counts. */
  #count = 0;
  /** Failing test points that decide the document's status (items, and node's failing suites). */
  #failed = 0;
  #plan?: number;
  #leadingPlan = false;
  #sawSubtest = false;
  #producer: Producer = 'unknown';
  /** The last `# Subtest:` line, until a test point or plan follows it. */
  #announced?: { level: number; name: string };
  /** A top-level subtest's step, held until the producer is known (node announces a test as it ends: no step). */
  #heldStep?: string;
  /** Names of the subtests being run, by level ('' for a level without `# Subtest:`). */
  #names: string[] = [];
  #after?: After;
  /** By level: the first failure below the test open at that level, for that test's own error. */
  #below: (Failure | undefined)[] = [];
  /** This document's items by outcome: what node's summary is checked against. */
  #tally: Tally = emptyTally();
  /** After a trailing plan: node's summary lines read so far, and the items of the document they sum up. */
  #footer?: { node: NodeSummary; tally: Tally };
  /** After `Bail out!` nothing is read until a new `TAP version` line. */
  #bailed = false;

  line({ stream, text }: FormatLine, emit: Emit): void {
    if (stream !== 'stdout') return;
    if (this.#after) {
      const read = this.#yamlLine(this.#after, text);
      if (read === 'more') return;
      this.#finishTestPoint(emit);
      if (read === 'closed') return;
    }
    const indent = leadingSpaces(text);
    const content = indent === 0 ? text : text.slice(indent);

    if (VERSION.test(content)) {
      if (indent === 0) this.#newDocument(emit, true);
      return;
    }
    if (!this.#inDoc) {
      // Between documents only a top-level test point or plan starts one.
      if (indent !== 0 || this.#bailed) return;
      if (this.#footer && this.#footerLine(content, emit)) return;
      const point = parseTestPoint(content);
      if (point) {
        this.#newDocument(emit, true);
        this.#testPoint(0, point, emit);
      } else {
        const plan = PLAN.exec(content);
        if (plan) this.#planLine(plan, emit);
      }
      return;
    }
    if (BAIL.test(content)) {
      this.#bail(content, emit);
      return;
    }
    if (indent % 4 !== 0) return;
    const level = indent / 4;
    const point = parseTestPoint(content);
    if (point) {
      this.#testPoint(level, point, emit);
      return;
    }
    const plan = PLAN.exec(content);
    if (plan) {
      this.#announced = undefined;
      if (level === 0) this.#planLine(plan, emit);
      return;
    }
    const subtest = SUBTEST.exec(content);
    if (subtest) {
      this.#subtest(level, clip(unescape(subtest[1]!.trim())), emit);
      return;
    }
    // tape: a `# test name` comment before that test's assertions.
    if (level === 0 && !this.#sawSubtest && !this.#leadingPlan && content.length > 2 && content.startsWith('# ') && !isSpace(content[2])) {
      this.#step(clip(content.slice(2).trim()), emit);
    }
  }

  end(emit: Emit): void {
    if (this.#after) this.#finishTestPoint(emit);
    this.#checkFooter(emit);
    this.#endPhase(this.#documentStatus(), emit);
    this.#closeDocument();
  }

  /** Whether a line is part of the YAML block after a test point ('more'), ends it ('closed'), or is not ('no'). */
  #yamlLine(after: After, text: string): 'more' | 'closed' | 'no' {
    const indent = leadingSpaces(text);
    if (!after.open) {
      if (indent === after.indent && text.slice(indent).trimEnd() === '---') {
        after.open = true;
        return 'more';
      }
      return 'no';
    }
    if (indent === text.length) return 'more'; // blank: part of a block scalar
    if (indent < after.indent) return 'no'; // the block ended without its `...`
    if (indent === after.indent) {
      const content = text.slice(indent).trimEnd();
      if (content === '...') return 'closed';
      if (content === SUITE && this.#producer === 'node') after.suite = true;
    }
    const failing = !after.point.ok && after.point.directive === undefined;
    if (failing && after.lines.length < MAX_YAML_LINES) after.lines.push(clip(text.slice(after.indent), 1000));
    return 'more';
  }

  #subtest(level: number, name: string, emit: Emit): void {
    this.#sawSubtest = true;
    this.#names.length = Math.min(this.#names.length, level);
    while (this.#names.length < level) this.#names.push('');
    this.#names.push(name);
    this.#announced = { level, name };
    // Only the top-level test being run is a step: plain mode prints a line per step, not one per subtest.
    if (level !== 0 || this.#producer === 'node') return;
    if (this.#producer === 'other') this.#step(name, emit);
    else this.#heldStep = name;
  }

  #testPoint(level: number, point: TestPoint, emit: Emit): void {
    const announced = this.#announced;
    this.#announced = undefined;
    if (this.#producer === 'unknown') {
      const node = announced !== undefined && announced.level === level && announced.name === point.description;
      this.#producer = node ? 'node' : 'other';
      const held = this.#heldStep;
      this.#heldStep = undefined;
      if (!node && held !== undefined) this.#step(held, emit);
    }
    if (level === 0) {
      this.#count++;
      if (!this.#open) this.#openPhase(emit);
    }
    const name = point.description || `test ${point.number ?? (level === 0 ? this.#count : '?')}`;
    while (this.#names.length < level) this.#names.push('');
    const path = [...this.#names.slice(0, level), name];
    this.#names.length = level;
    // node --test: every test at any depth is an item, as node counts them (`# tests`); elsewhere
    // the top-level test points are, as the plan counts them (Test::More counts a subtest as one).
    const item = level === 0 || this.#producer === 'node';
    const failing = !point.ok && point.directive === undefined;
    const after: After = { level, point, path, indent: level * 4 + 2, open: false, lines: [], waits: item, suite: false };
    this.#after = after;
    if (item && !failing && this.#producer !== 'node') {
      // Known at once; node's wait for their block (printed with the point), which may say `type: 'suite'`.
      after.waits = false;
      this.#below.length = 0;
      this.#emitItem(after, undefined, emit);
    }
  }

  /** The test point's YAML block is over: its item is emitted now, a failure with its diagnostics. */
  #finishTestPoint(emit: Emit): void {
    const after = this.#after;
    this.#after = undefined;
    if (!after) return;
    const { level, point } = after;
    const below = this.#below[level];
    this.#below.length = Math.min(this.#below.length, level);
    let error: string | undefined;
    if (!point.ok && point.directive === undefined) {
      const fields = yamlFields(after.lines);
      const own = failureText(fields);
      error = own;
      if (below !== undefined) {
        // The first failing subtest, by its path below this test: node's is an item of its own, with
        // its error (`1 subtest failed: tokens › numbers`); other producers' subtests are not.
        const where = joinPath(below.path.slice(level + 1));
        const nested = clip(`${where}: ${below.message}`, MAX_ERROR);
        if (this.#producer === 'node') {
          if (fields.failureType === 'subtestsFailed' || own === undefined) error = clip(`${fields.error || 'subtests failed'}: ${where}`, MAX_ERROR);
        } else {
          error = own === undefined || /\bsubtests? failed/.test(own) ? nested : clip(`${own}; ${nested}`, MAX_ERROR);
        }
      }
      while (this.#below.length < level) this.#below.push(undefined);
      for (let l = 0; l < level; l++) this.#below[l] ??= { path: after.path, message: own ?? 'failed' };
      if (after.waits) this.#failed++;
    }
    if (after.waits && !after.suite) this.#emitItem(after, error, emit);
  }

  #emitItem(after: After, error: string | undefined, emit: Emit): void {
    const { point } = after;
    const id = clip(joinPath(after.path));
    this.#tally.processed++;
    if (!point.ok && point.directive === undefined) {
      this.#tally.failed++;
      emit({ type: 'item.fail', phase: PHASE, id, ...(error === undefined ? {} : { error }) });
    } else if (point.directive === 'skip' || (point.directive === 'todo' && (!point.ok || this.#producer === 'node'))) {
      // A failing TODO is not a failure; node counts a passing one as a todo too, not a pass.
      this.#tally.skipped++;
      const reason = point.directive === 'todo' ? (point.reason === '' ? 'TODO' : `TODO ${point.reason}`) : point.reason;
      emit({ type: 'item.skip', phase: PHASE, id, ...(reason === '' ? {} : { reason: clip(reason) }) });
    } else {
      this.#tally.succeeded++;
      emit({ type: 'item.done', phase: PHASE, id });
    }
  }

  #planLine(plan: RegExpExecArray, emit: Emit): void {
    const n = Number(plan[1]);
    if (!Number.isSafeInteger(n)) return;
    if (!this.#inDoc) this.#newDocument(emit, false);
    else if (this.#plan !== undefined) return; // a second plan in one document is not TAP
    this.#plan = n;
    const trailing = this.#count > 0;
    if (!trailing) this.#leadingPlan = true;
    this.#openPhase(emit);
    if (trailing) {
      const tally = this.#tally;
      this.#endPhase(this.#documentStatus(), emit);
      this.#closeDocument();
      this.#footer = { node: {}, tally };
    }
  }

  /** A line after a trailing plan: node's summary (`# tests 9` … `# duration_ms 41.2`) is read to its end, then checked. */
  #footerLine(content: string, emit: Emit): boolean {
    const line = FOOTER.exec(content);
    if (!line) {
      this.#checkFooter(emit);
      return false;
    }
    this.#footer!.node[line[1] as NodeSummaryKey] = Number(line[2]);
    if (line[1] === 'duration_ms') this.#checkFooter(emit);
    return true;
  }

  /** node's summary disagrees with the items read: said once, as a warning. */
  #checkFooter(emit: Emit): void {
    const footer = this.#footer;
    this.#footer = undefined;
    if (!footer || !isNodeSummary(footer.node)) return;
    const message = summaryDifference(footer.node, footer.tally);
    if (message !== undefined) emit({ type: 'log', level: 'warn', source: 'prog', message });
  }

  #bail(content: string, emit: Emit): void {
    const reason = content.slice('bail out!'.length).trim();
    emit({ type: 'log', level: 'error', source: PHASE, message: clip(reason === '' ? 'Bail out!' : `Bail out! ${reason}`, MAX_ERROR) });
    this.#endPhase('failed', emit);
    this.#closeDocument();
    this.#bailed = true;
  }

  #documentStatus(): Status {
    if (this.#failed > 0 || this.#plan === undefined || this.#count < this.#plan) return 'failed';
    return this.#plan === 0 ? 'skipped' : 'ok';
  }

  /** The document's share of the phase's total: node's items (its plan counts top-level tests only), else the plan. */
  #size(): number | undefined {
    if (this.#plan === undefined) return undefined;
    return this.#producer === 'node' ? this.#tally.processed : this.#plan;
  }

  #newDocument(emit: Emit, announce: boolean): void {
    if (this.#after) this.#finishTestPoint(emit);
    this.#checkFooter(emit);
    if (this.#inDoc) {
      this.#endPhase(this.#documentStatus(), emit);
      this.#closeDocument();
    }
    this.#inDoc = true;
    this.#bailed = false;
    if (announce) this.#openPhase(emit);
  }

  #closeDocument(): void {
    this.#baseTotal += this.#producer === 'node' ? this.#tally.processed : Math.max(this.#plan ?? 0, this.#count);
    this.#inDoc = false;
    this.#count = 0;
    this.#failed = 0;
    this.#plan = undefined;
    this.#leadingPlan = false;
    this.#sawSubtest = false;
    this.#producer = 'unknown';
    this.#announced = undefined;
    this.#heldStep = undefined;
    this.#names = [];
    this.#below = [];
    this.#tally = emptyTally();
  }

  #openPhase(emit: Emit): void {
    const size = this.#size();
    const total = size === undefined ? undefined : this.#baseTotal + size;
    if (this.#open && total === undefined) return;
    this.#open = true;
    emit({ type: 'phase', id: PHASE, name: 'tap', ...(total === undefined ? {} : { total }) });
  }

  #endPhase(status: Status, emit: Emit): void {
    if (!this.#open) return;
    this.#open = false;
    emit({ type: 'phase.end', id: PHASE, status });
  }

  #step(name: string, emit: Emit): void {
    if (name === '') return;
    if (!this.#open) this.#openPhase(emit);
    emit({ type: 'step', phase: PHASE, name });
  }
}

export const parser: ParserSpec = {
  name: 'tap',
  description:
    "TAP 13/14 (node --test --test-reporter=tap, tape, Test::More, bats): ok / not ok / # SKIP / # TODO → items (from node --test its tests at any depth, suites not; else top-level ones, as the plan counts); plan → total; top-level # Subtest → step; YAML diagnostics → failure text; Bail out! → phase failed; a warning if node's # tests … summary differs",
  leads: ['TAP version 1', '1..9', 'ok 9 ', 'not ok 9 '],
  detect: /^(?:TAP version 1[34]\s*$|1\.\.\d+\s*(?:#|$)|(?:not )?ok \d+ - )/,
  create: () => new TapParser(),
};
