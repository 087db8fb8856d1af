// TAP 13/14 (node --test --test-reporter=tap, tape, Perl's Test::More, bats, node-tap…), read from
// stdout only, as a TAP harness does.
//   - The plan `1..N` (before or after the tests) is the total of the phase `tap`.
//   - Top-level test points are the items: `ok` → item.done, `not ok` → item.fail, `# SKIP` →
//     item.skip; `not ok … # TODO` is not a failure: item.skip with reason "TODO …"; a passing
//     `ok … # TODO` is done. Test points of subtests (indented 4 spaces a level) are not items:
//     they decide their parent's result, which is the item.
//   - `# Subtest: name` (at any level) → a `step` naming the subtest being run, as a path
//     `parent › child`. In documents with neither `# Subtest:` nor a leading plan (tape), a top-level
//     `# name` comment before the trailing plan is the name of the test being run and is the step.
//   - The YAML block `  ---` … `  ...` after a failing test point goes into item.fail's `error`,
//     shortened to message/operator/expected/actual/at; the first failing subtest is named in its
//     top-level test's error by its path below it (`tokens › numbers: …`). So a failure is emitted
//     when its YAML block ends, or at the next line when none follows.
//   - `Bail out!` (at any level) → a log event of level error and the phase ends failed; lines are
//     then ignored until a new `TAP version` line.
//   - Several documents in one run (a `TAP version` line, or a test point or plan after a trailing
//     plan) share the phase; their plans add up to its total.
//   - Anything else (prose, pragmas, the tool's own footer comments) emits nothing.
// Every test is linear in the line length: each regular expression is anchored and backtracks at
// most once over the line.
import { shorten, type Emit, type FormatLine, type FormatParser, type ParserSpec } from '../format-parser.js';

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

/** The test point just read: its YAML block (if one follows) is read before the next TAP line. */
interface After {
  level: number;
  /** Indentation of the block's `---` and `...`. */
  indent: number;
  /** Whether the block has opened (only the line right after the test point may open it). */
  open: boolean;
  lines: string[];
  /** A failure waiting for its diagnostics; `path` names a subtest's parents and itself. */
  failure?: { point: TestPoint; path: string[] };
}

type Status = 'ok' | 'failed' | 'skipped';

class TapParser implements FormatParser {
  /** The phase has been announced and not ended. */
  #open = false;
  /** A document is being read: false before the first, after its trailing plan, after a bail out. */
  #inDoc = false;
  /** Totals of the documents before this one (several TAP streams in one run share the phase). */
  #baseTotal = 0;
  #count = 0;
  #failed = 0;
  #plan?: number;
  #leadingPlan = false;
  #sawSubtest = false;
  /** Names of the subtests being run, by level ('' for a level without `# Subtest:`). */
  #names: string[] = [];
  #after?: After;
  /** The first failing subtest under the current top-level test: its path and error. */
  #nestedFailure?: string;
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
      if (level === 0) this.#planLine(plan, emit);
      return;
    }
    const subtest = SUBTEST.exec(content);
    if (subtest) {
      this.#sawSubtest = true;
      this.#names.length = Math.min(this.#names.length, level);
      while (this.#names.length < level) this.#names.push('');
      this.#names.push(clip(unescape(subtest[1]!.trim())));
      this.#step(this.#names.filter((n) => n !== '').join(PATH_SEPARATOR), emit);
      return;
    }
    // tape: a `# test name` comment before that test's assertions.
    if (level === 0 && !this.#sawSubtest && !this.#leadingPlan && content.length > 2 && content.startsWith('# ') && !isSpace(content[2])) {
      this.#step(clip(content.slice(2).trim()), emit);
    }
  }

  end(emit: Emit): void {
    if (this.#after) this.#finishTestPoint(emit);
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
    if (indent === after.indent && text.slice(indent).trimEnd() === '...') return 'closed';
    if (after.failure && after.lines.length < MAX_YAML_LINES) after.lines.push(clip(text.slice(after.indent), 1000));
    return 'more';
  }

  #testPoint(level: number, point: TestPoint, emit: Emit): void {
    const failing = !point.ok && point.directive === undefined;
    const after: After = { level, indent: level * 4 + 2, open: false, lines: [] };
    this.#after = after;
    if (level > 0) {
      const path = [...this.#names.slice(1, level).filter((n) => n !== ''), point.description || `test ${point.number ?? '?'}`];
      this.#names.length = Math.min(this.#names.length, level);
      if (failing) after.failure = { point, path };
      return;
    }
    this.#names.length = 0;
    this.#count++;
    if (!this.#open) this.#openPhase(emit);
    if (failing) {
      after.failure = { point, path: [] };
      return;
    }
    this.#nestedFailure = undefined;
    const id = this.#id(point);
    if (point.directive === 'skip' || (point.directive === 'todo' && !point.ok)) {
      const reason = point.directive === 'todo' ? (point.reason === '' ? 'TODO' : `TODO ${point.reason}`) : point.reason;
      emit({ type: 'item.skip', phase: PHASE, id, ...(reason === '' ? {} : { reason: clip(reason) }) });
    } else {
      emit({ type: 'item.done', phase: PHASE, id });
    }
  }

  /** The test point's YAML block is over: a failure is emitted now, with its diagnostics. */
  #finishTestPoint(emit: Emit): void {
    const after = this.#after;
    this.#after = undefined;
    if (!after?.failure) return;
    const own = failureText(yamlFields(after.lines));
    if (after.level > 0) {
      this.#nestedFailure ??= clip(`${after.failure.path.join(PATH_SEPARATOR)}: ${own ?? 'failed'}`, MAX_ERROR);
      return;
    }
    const nested = this.#nestedFailure;
    this.#nestedFailure = undefined;
    let error = own;
    if (nested !== undefined) error = own === undefined || /\bsubtests? failed/.test(own) ? nested : clip(`${own}; ${nested}`, MAX_ERROR);
    this.#failed++;
    emit({ type: 'item.fail', phase: PHASE, id: this.#id(after.failure.point), ...(error === undefined ? {} : { error }) });
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
      this.#endPhase(this.#documentStatus(), emit);
      this.#closeDocument();
    }
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

  #newDocument(emit: Emit, announce: boolean): void {
    if (this.#after) this.#finishTestPoint(emit);
    if (this.#inDoc) {
      this.#endPhase(this.#documentStatus(), emit);
      this.#closeDocument();
    }
    this.#inDoc = true;
    this.#bailed = false;
    if (announce) this.#openPhase(emit);
  }

  #closeDocument(): void {
    this.#baseTotal += Math.max(this.#plan ?? 0, this.#count);
    this.#inDoc = false;
    this.#count = 0;
    this.#plan = undefined;
    this.#leadingPlan = false;
    this.#sawSubtest = false;
    this.#names = [];
    this.#nestedFailure = undefined;
  }

  #openPhase(emit: Emit): void {
    const total = this.#plan === undefined ? undefined : this.#baseTotal + this.#plan;
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

  #id(point: TestPoint): string {
    return clip(point.description || `test ${point.number ?? this.#count}`);
  }
}

export const parser: ParserSpec = {
  name: 'tap',
  description: 'TAP 13/14 (node --test --test-reporter=tap, tape, Test::More, bats): plan → total; ok / not ok / # SKIP / # TODO → items; # Subtest → steps; YAML diagnostics → failure text; Bail out! → phase failed',
  firstChars: 'T1no',
  detect: /^(?:TAP version 1[34]\s*$|1\.\.\d+\s*(?:#|$)|(?:not )?ok \d+ - )/,
  create: () => new TapParser(),
};
