// The run's tests as JUnit XML, in the dialect of Jenkins' junit-4.xsd, which GitLab, Jenkins,
// Azure DevOps and CircleCI all read: one <testsuite> per test-like phase, one <testcase> per item.
// Child order in a testcase is the XSD's: skipped?, error*, failure*, system-out*. <skipped> takes
// no attributes, times are seconds with a `.`, and whatever the command printed is made legal XML
// 1.0 (ANSI sequences stripped, other control characters and lone surrogates replaced).
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { stripAnsi } from '../lines/ansi.js';
import type { RunInfo } from '../store/run-store.js';
import { itemDurationMs, type ItemRecord, type PhaseRecord, type RunLedger } from './run-ledger.js';

/** Phases of tools that build or move things, not tests: their items are not testcases. */
const NOT_TESTS = new Set(['cargo', 'make', 'ninja', 'git', 'pv', 'rsync', 'osc-progress', 'azure:task']);
/** Phases named after the tool, not a suite: a testcase's classname comes from its id instead. */
const TOOL_PHASES = new Set(['pytest', 'tap', 'node', 'ctest', 'cargo-test', 'teamcity-tests']);
/** A failure's message attribute: its first line, at most this long. */
const MESSAGE_CHARS = 500;
/** A failure's text and a testcase's output, each at most this long. */
const TEXT_CHARS = 16 * 1024;

export interface JunitCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** Whether a phase's items are tests (everything but the build and transfer tools' phases). */
export function isTestPhase(phase: string | undefined): boolean {
  return phase === undefined || !NOT_TESTS.has(phase);
}

/** The JUnit XML document of a run, and its counts. */
export function junitXml(ledger: RunLedger, info: Pick<RunInfo, 'command' | 'startedAt'>): { xml: string; counts: JunitCounts } {
  const suites = new Map<string | undefined, ItemRecord[]>();
  for (const item of ledger.items) {
    if (!isTestPhase(item.phase)) continue;
    const items = suites.get(item.phase);
    if (items === undefined) suites.set(item.phase, [item]);
    else items.push(item);
  }
  const total: JunitCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const startedMs = Date.parse(ledger.startedAt ?? info.startedAt);
  const host = hostname();
  const runName = ledger.workflow ?? basename(info.command[0] ?? 'run');
  let totalMs = 0;
  const body: string[] = [];
  let index = 0;
  for (const [phaseId, items] of suites) {
    const phase = phaseId === undefined ? undefined : ledger.phases.get(phaseId);
    const suiteName = phase?.name ?? runName;
    const counts: JunitCounts = { tests: items.length, failures: 0, errors: 0, skipped: 0 };
    const cases: string[] = [];
    for (const item of items) {
      const kind = caseKind(item);
      if (kind === 'failure') counts.failures++;
      else if (kind === 'error') counts.errors++;
      else if (kind === 'skipped') counts.skipped++;
      cases.push(testcase(item, kind, suiteName, phaseId, ledger));
    }
    const ms = suiteMs(phase, items, ledger.endMs);
    totalMs += ms;
    total.tests += counts.tests;
    total.failures += counts.failures;
    total.errors += counts.errors;
    total.skipped += counts.skipped;
    const at = Number.isFinite(startedMs) ? new Date(startedMs + (phase?.startMs ?? 0)).toISOString() : undefined;
    body.push(`  <testsuite name="${attr(suiteName)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="${seconds(ms)}"${at === undefined ? '' : ` timestamp="${at}"`} hostname="${attr(host)}" id="${index++}">\n${cases.join('')}  </testsuite>\n`);
  }
  const head = `<testsuites name="${attr(`prog run: ${info.command.join(' ')}`)}" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" time="${seconds(totalMs)}">`;
  return { xml: `<?xml version="1.0" encoding="UTF-8"?>\n${head}\n${body.join('')}</testsuites>\n`, counts: total };
}

type CaseKind = 'passed' | 'failure' | 'error' | 'skipped';

/** pytest's `error` outcome (a fixture or collection error) and items that never finished are errors; other failures are failures. */
function caseKind(item: ItemRecord): CaseKind {
  if (item.outcome === 'done') return 'passed';
  if (item.outcome === 'skipped') return 'skipped';
  if (item.outcome === 'running') return 'error';
  return item.phase === 'pytest' && item.failError === 'error' ? 'error' : 'failure';
}

function testcase(item: ItemRecord, kind: CaseKind, suiteName: string, phaseId: string | undefined, ledger: RunLedger): string {
  const { classname, name } = names(item.name ?? item.id, suiteName, phaseId, item.step);
  const ms = item.reportedMs ?? itemDurationMs(item);
  const open = `    <testcase name="${attr(name)}" classname="${attr(classname)}" time="${seconds(ms)}"`;
  const children: string[] = [];
  if (kind === 'skipped') children.push(`      <skipped>${text(item.reason ?? '')}</skipped>\n`);
  if (kind === 'error' && item.outcome === 'running') {
    children.push('      <error message="did not finish: the run ended first" type="unfinished"/>\n');
  } else if (kind === 'error' || kind === 'failure') {
    const error = item.error ?? 'failed';
    const message = firstLine(error);
    const detail = [error, item.details].filter((part) => part !== undefined && part !== '').join('\n\n');
    const type = errorType(error) ?? outcomeWord(item);
    children.push(`      <${kind} message="${attr(message)}"${type === undefined ? '' : ` type="${attr(type)}"`}>${text(cap(detail))}</${kind}>\n`);
  }
  const out: string[] = [];
  for (const attempt of item.retries ?? []) out.push(`attempt ${attempt.retry} of this item failed${attempt.error === undefined ? '' : `: ${attempt.error}`}; retried`);
  const context = kind === 'failure' || kind === 'error' ? ledger.contextOf(item) : undefined;
  if (context !== undefined) out.push(...trimEnd(context));
  if (item.agent !== undefined) out.unshift(`agent: ${item.agent}`);
  if (out.length > 0) children.push(`      <system-out>${text(cap(out.join('\n')))}</system-out>\n`);
  return children.length === 0 ? `${open}/>\n` : `${open}>\n${children.join('')}    </testcase>\n`;
}

/**
 * GitLab shows classname as the test's suite, Jenkins as package.class: the id's path (pytest's
 * file and class, TAP's and mocha's parent tests), else the suite's name. cargo test's tests are
 * named as cargo-nextest's JUnit names them: the test binary as classname, the whole path as name
 * (tests of the same name in two binaries stay apart).
 */
export function names(id: string, suiteName: string, phaseId: string | undefined, step?: string): { classname: string; name: string } {
  if (phaseId === 'cargo-test') return { classname: step?.replace(/ \(\d+ tests?\)$/, '') ?? suiteName, name: id };
  const tool = phaseId !== undefined && TOOL_PHASES.has(phaseId);
  let path: string | undefined;
  let name = id;
  // pytest's own junitxml: `tests/test_a.py::TestX::test_y[1]` → `tests.test_a.TestX`, `test_y[1]`
  // (a parameter may hold `::` itself).
  const bracket = id.indexOf('[');
  const parts = phaseId === 'pytest' ? (bracket < 0 ? id : id.slice(0, bracket)).split('::') : [];
  if (parts.length > 1) {
    name = parts.pop()! + (bracket < 0 ? '' : id.slice(bracket));
    path = [parts[0]!.replace(/\.py$/, '').replaceAll('/', '.'), ...parts.slice(1)].join('.');
  } else {
    const at = id.lastIndexOf(' › ');
    const colons = id.lastIndexOf('::');
    if (at > 0) {
      path = id.slice(0, at);
      name = id.slice(at + 3);
    } else if (colons > 0 && !id.includes(' ')) {
      path = id.slice(0, colons);
      name = id.slice(colons + 2);
    }
  }
  if (name === '') name = id;
  const classname = path === undefined ? suiteName : tool ? path : `${suiteName} › ${path}`;
  return { classname, name };
}

function suiteMs(phase: PhaseRecord | undefined, items: ItemRecord[], runEndMs: number | undefined): number {
  if (phase !== undefined) return Math.max(0, (phase.endMs ?? runEndMs ?? phase.startMs) - phase.startMs);
  let first = Infinity;
  let last = 0;
  for (const item of items) {
    first = Math.min(first, item.startMs ?? item.afterMs);
    last = Math.max(last, item.endMs ?? 0);
  }
  return Number.isFinite(first) ? Math.max(0, last - first) : 0;
}

/** An exception's class when the error starts with one (`AssertionError: …`, `RuntimeError: …`). */
function errorType(error: string): string | undefined {
  return /^([A-Za-z_][\w.]*(?:Error|Exception|Failure|Exit|Interrupt))\b/.exec(error)?.[1];
}

/** The tool's own word for the failure (ctest's `Timeout`, pytest's `error`), when a later message replaced it. */
function outcomeWord(item: ItemRecord): string | undefined {
  const word = item.failError;
  return word !== undefined && word !== item.error && word.length <= 40 && !word.includes('\n') ? word : undefined;
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0]!.trim();
  return line.length > MESSAGE_CHARS ? `${line.slice(0, MESSAGE_CHARS - 1)}…` : line;
}

function trimEnd(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === '') end--;
  return lines.slice(0, end);
}

function cap(s: string): string {
  return s.length > TEXT_CHARS ? `${s.slice(0, TEXT_CHARS)}\n… (cut at ${TEXT_CHARS} characters)` : s;
}

/** Seconds with a `.` and milliseconds, as every JUnit reader expects. */
export function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

// What XML 1.0 cannot hold at all, not even as a character reference: C0 controls but tab, LF and
// CR, lone surrogates, U+FFFE and U+FFFF.
const ILLEGAL = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Command output made legal XML 1.0 text. */
export function clean(s: string): string {
  return stripAnsi(s).replace(ILLEGAL, '\uFFFD');
}

/** Element text: `]]>` needs nothing more once `>` is escaped. */
export function text(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value: newlines and tabs as references, which attribute normalisation would turn into spaces. */
export function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}
