// TeamCity service messages: `##teamcity[name 'value']` or `##teamcity[name key='value' …]`,
// printed by test reporters (mocha-teamcity-reporter, jest-teamcity, pytest teamcity-messages, …).
// The rule for suites and blocks, per flow: the outermost suite (or block) is a phase; the ones
// inside it are steps of that phase, named by their path ("inner › deeper"); a test is an item
// of the outermost suite, its id the path from inside that suite ("inner › it works").
// An outermost block (not a suite) is a CI group: the phases of tools run inside it are its children.
// `flowId` names an agent. `testCount` opens a "tests" phase whose progress counts every test
// that finished. Messages are untrusted output: they only ever move progress and add log lines;
// setParameter, publishArtifacts, buildNumber and the like are ignored.
import type { Extra } from '../../events.js';
import type { Emit, FormatLine, FormatParser, ParserSpec } from '../format-parser.js';

/** Longest message, error or detail kept in an event; the line itself passes through whole. */
const MAX_TEXT = 64 * 1024;
/** Deepest nesting tracked per flow, and most flows tracked: bounded memory on hostile input. */
const MAX_DEPTH = 256;
const MAX_FLOWS = 4096;
const PREFIX = '##teamcity[';
const SEP = ' › ';
const COUNT_PHASE = 'teamcity-tests';

export interface ServiceMessage {
  name: string;
  /** The single unnamed value of `##teamcity[name 'value']`. */
  value?: string;
  attrs: Record<string, string>;
}

/** Decodes a value's `|` escapes: |' |n |r || |[ |] |x |l |p |0xNNNN. */
export function unescapeTeamcity(value: string): string {
  if (!value.includes('|')) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '|' || i + 1 >= value.length) {
      out += c;
      continue;
    }
    const next = value[++i]!;
    switch (next) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'x': out += '\u0085'; break;
      case 'l': out += '\u2028'; break;
      case 'p': out += '\u2029'; break;
      case '0': {
        const hex = /^x([0-9a-fA-F]{4})/.exec(value.slice(i + 1, i + 6));
        if (hex) {
          out += String.fromCharCode(parseInt(hex[1]!, 16));
          i += 5;
        } else {
          out += '0';
        }
        break;
      }
      // |' || |[ |] and anything unknown: the character itself.
      default: out += next;
    }
  }
  return out;
}

const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
const isIdent = (c: string) => /[\w.\-]/.test(c);
const isSpace = (c: string | undefined) => c === ' ' || c === '\t';

/** Thrown (as a value) when a quote never closes: no later message on the line can close either. */
const UNCLOSED = Symbol('unclosed');

/** Reads a quoted value starting at the opening quote; returns its raw text and the index after the closing quote. */
function readQuoted(s: string, at: number): [string, number] | undefined {
  if (s[at] !== "'") return undefined;
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i];
    if (c === '|') i++;
    else if (c === "'") return [s.slice(at + 1, i), i + 1];
  }
  // Scanning on from a later `##teamcity[` would read the same unclosed tail again: quadratic on
  // a hostile line. Any later opening quote was passed over as escaped, so nothing there parses.
  throw UNCLOSED;
}

/** Parses the message starting at `at` (just after `##teamcity[`); returns it and where it ended. */
function parseAt(s: string, at: number): [ServiceMessage, number] | undefined {
  let i = at;
  if (i >= s.length || !isIdentStart(s[i]!)) return undefined;
  while (i < s.length && isIdent(s[i]!)) i++;
  const msg: ServiceMessage = { name: s.slice(at, i), attrs: Object.create(null) as Record<string, string> };
  while (isSpace(s[i])) i++;
  if (s[i] === "'") {
    const quoted = readQuoted(s, i);
    if (!quoted) return undefined;
    msg.value = unescapeTeamcity(quoted[0]);
    i = quoted[1];
    while (isSpace(s[i])) i++;
    return s[i] === ']' ? [msg, i + 1] : undefined;
  }
  for (;;) {
    if (s[i] === ']') return [msg, i + 1];
    if (i >= s.length || !isIdentStart(s[i]!)) return undefined;
    const keyStart = i;
    while (i < s.length && isIdent(s[i]!)) i++;
    const key = s.slice(keyStart, i);
    while (isSpace(s[i])) i++;
    if (s[i] !== '=') return undefined;
    i++;
    while (isSpace(s[i])) i++;
    const quoted = readQuoted(s, i);
    if (!quoted) return undefined;
    msg.attrs[key] = unescapeTeamcity(quoted[0]);
    i = quoted[1];
    const spaced = isSpace(s[i]);
    while (isSpace(s[i])) i++;
    if (s[i] !== ']' && !spaced) return undefined;
  }
}

/** Every well-formed service message in a line, in order (a line may hold several, anywhere). */
export function parseServiceMessages(line: string): ServiceMessage[] {
  const found: ServiceMessage[] = [];
  let from = 0;
  for (;;) {
    const at = line.indexOf(PREFIX, from);
    if (at < 0) return found;
    let parsed: ReturnType<typeof parseAt>;
    try {
      parsed = parseAt(line, at + PREFIX.length);
    } catch (e) {
      if (e === UNCLOSED) return found;
      throw e;
    }
    if (parsed) {
      found.push(parsed[0]);
      from = parsed[1];
    } else {
      from = at + PREFIX.length;
    }
  }
}

const cap = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

interface Frame {
  kind: 'suite' | 'block';
  name: string;
}

interface Flow {
  agent?: string;
  frames: Frame[];
  /** The outermost frame's phase. */
  phase?: string;
  phaseFailed: boolean;
  phaseTests: number;
  phaseSkipped: number;
  /** The last test started here, and whether it already has its result. */
  test?: { id: string; phase?: string; finished: boolean };
}

class TeamcityParser implements FormatParser {
  readonly #flows = new Map<string, Flow>();
  readonly #usedPhaseIds = new Map<string, number>([[COUNT_PHASE, 1]]);
  readonly #agents = new Set<string>();
  #disabled = false;
  #countTotal = 0;
  #countDone = 0;

  line({ text }: FormatLine, emit: Emit): void {
    if (!text.includes(PREFIX)) return;
    for (const msg of parseServiceMessages(text)) this.#message(msg, emit);
  }

  end(emit: Emit): void {
    // A test that started and never got its result: the output ended under it.
    for (const flow of this.#flows.values()) {
      const test = flow.test;
      if (test && !test.finished) {
        test.finished = true;
        emit({ type: 'item.fail', ...where(test.phase, flow.agent), id: test.id, error: 'no result: the output ended during this test' });
      }
    }
    for (const agent of this.#agents) emit({ type: 'agent', id: agent, status: 'done' });
    this.#agents.clear();
  }

  #message(msg: ServiceMessage, emit: Emit): void {
    const name = msg.name;
    if (this.#disabled) {
      if (name === 'enableServiceMessages') this.#disabled = false;
      return;
    }
    const a = msg.attrs;
    const flowId = a.flowId;
    switch (name) {
      case 'disableServiceMessages':
        this.#disabled = true;
        return;
      case 'testSuiteStarted':
      case 'blockOpened': {
        const label = a.name ?? msg.value;
        if (label === undefined) return;
        this.#open(this.#flow(flowId, emit), name === 'testSuiteStarted' ? 'suite' : 'block', label, emit);
        return;
      }
      case 'testSuiteFinished':
      case 'blockClosed': {
        const label = a.name ?? msg.value;
        if (label === undefined) return;
        this.#close(this.#flow(flowId, emit), name === 'testSuiteFinished' ? 'suite' : 'block', label, emit);
        return;
      }
      case 'testStarted': {
        if (a.name === undefined) return;
        const flow = this.#flow(flowId, emit);
        // A new test in the same flow finishes the previous one (TeamCity 9.1 and later).
        if (flow.test && !flow.test.finished) this.#finish(flow, flow.test, 'done', emit);
        const test = { id: this.#testId(flow, a.name), phase: flow.phase, finished: false };
        flow.test = test;
        emit({ type: 'item.start', ...where(test.phase, flow.agent), id: test.id });
        return;
      }
      case 'testFinished': {
        if (a.name === undefined) return;
        const flow = this.#flow(flowId, emit);
        const id = this.#testId(flow, a.name);
        if (flow.test && flow.test.id === id && !flow.test.finished) {
          const extra: Extra = {};
          if (a.duration !== undefined && Number.isFinite(Number(a.duration))) extra.durationMs = Number(a.duration);
          this.#finish(flow, flow.test, 'done', emit, extra);
        }
        return;
      }
      case 'testFailed':
      case 'testIgnored': {
        if (a.name === undefined) return;
        const flow = this.#flow(flowId, emit);
        const id = this.#testId(flow, a.name);
        let test = flow.test && flow.test.id === id ? flow.test : undefined;
        if (test?.finished) return;
        // A result without testStarted (mocha reports a failed hook this way): an item of its own.
        if (!test) test = { id, phase: flow.phase, finished: false };
        if (name === 'testFailed') {
          const extra: Extra = {};
          if (a.details) extra.details = cap(a.details);
          if (a.type !== undefined) extra.type = cap(a.type);
          if (a.expected !== undefined) extra.expected = cap(a.expected);
          if (a.actual !== undefined) extra.actual = cap(a.actual);
          const error = a.message || firstLine(a.details ?? '') || 'failed';
          this.#finish(flow, test, 'fail', emit, extra, cap(error));
        } else {
          // mocha-teamcity-reporter repeats the title as the message: no reason at all.
          const reason = a.message && a.message !== a.name ? cap(a.message) : undefined;
          this.#finish(flow, test, 'skip', emit, {}, reason);
        }
        return;
      }
      case 'testCount': {
        const count = Number(a.count);
        if (!Number.isSafeInteger(count) || count < 0) return;
        this.#countTotal += count;
        emit({ type: 'phase', id: COUNT_PHASE, name: 'tests', total: this.#countTotal });
        return;
      }
      case 'progressStart':
      case 'progressMessage': {
        const text = msg.value ?? a.text;
        if (text === undefined) return;
        const flow = this.#flow(flowId, emit);
        if (flow.phase !== undefined) emit({ type: 'step', phase: flow.phase, name: cap(text) });
        else emit({ type: 'log', level: 'info', source: 'teamcity', message: cap(text) });
        return;
      }
      case 'message': {
        if (a.text === undefined) return;
        const status = (a.status ?? 'NORMAL').toUpperCase();
        const level = status === 'WARNING' ? 'warn' : status === 'ERROR' || status === 'FAILURE' ? 'error' : 'info';
        const extra: Extra = {};
        if (a.errorDetails) extra.errorDetails = cap(a.errorDetails);
        emit({ type: 'log', level, source: 'teamcity', message: cap(a.text), ...(Object.keys(extra).length ? { extra } : {}) });
        return;
      }
      case 'buildProblem': {
        const text = a.description ?? msg.value;
        if (text !== undefined) emit({ type: 'log', level: 'error', source: 'teamcity', message: cap(text) });
        return;
      }
      case 'flowStarted':
        if (flowId !== undefined) this.#flow(flowId, emit);
        return;
      case 'flowFinished':
        if (flowId !== undefined && this.#agents.has(flowId)) {
          this.#agents.delete(flowId);
          emit({ type: 'agent', id: flowId, status: 'done' });
          const flow = this.#flows.get(flowId);
          if (flow && flow.frames.length === 0 && (!flow.test || flow.test.finished)) this.#flows.delete(flowId);
        }
        return;
      default:
        // setParameter, publishArtifacts, buildNumber, importData, …: never acted on.
        return;
    }
  }

  #flow(flowId: string | undefined, emit: Emit): Flow {
    const key = flowId ?? '';
    let flow = this.#flows.get(key);
    if (!flow) {
      // Hostile output naming endless flows: forget the oldest idle one.
      if (this.#flows.size >= MAX_FLOWS) {
        for (const [k, f] of this.#flows) {
          if (f.frames.length === 0) {
            this.#flows.delete(k);
            break;
          }
        }
      }
      flow = { frames: [], phaseFailed: false, phaseTests: 0, phaseSkipped: 0 };
      if (flowId !== undefined && flowId !== '') flow.agent = flowId;
      this.#flows.set(key, flow);
    }
    if (flow.agent !== undefined && !this.#agents.has(flow.agent) && this.#agents.size < MAX_FLOWS) {
      this.#agents.add(flow.agent);
      emit({ type: 'agent', id: flow.agent, status: 'idle' });
    }
    return flow;
  }

  #open(flow: Flow, kind: Frame['kind'], name: string, emit: Emit): void {
    if (flow.frames.length >= MAX_DEPTH) return;
    flow.frames.push({ kind, name });
    if (flow.frames.length === 1) {
      flow.phase = this.#phaseId(name);
      flow.phaseFailed = false;
      flow.phaseTests = 0;
      flow.phaseSkipped = 0;
      // A block (a build step's section, not a test suite) groups what runs in it: the phases of
      // tools it runs (make, ctest…) are its children.
      emit({ type: 'phase', id: flow.phase, name: cap(name), ...(kind === 'block' ? { group: true as const } : {}) });
    } else if (flow.phase !== undefined) {
      emit({ type: 'step', phase: flow.phase, name: cap(inner(flow.frames)) });
    }
  }

  #close(flow: Flow, kind: Frame['kind'], name: string, emit: Emit): void {
    let at = -1;
    for (let i = flow.frames.length - 1; i >= 0; i--) {
      const f = flow.frames[i]!;
      if (f.kind === kind && f.name === name) {
        at = i;
        break;
      }
    }
    if (at < 0) return;
    flow.frames.length = at;
    if (at === 0 && flow.phase !== undefined) {
      const status = flow.phaseFailed ? 'failed' : flow.phaseTests > 0 && flow.phaseSkipped === flow.phaseTests ? 'skipped' : 'ok';
      emit({ type: 'phase.end', id: flow.phase, status });
      flow.phase = undefined;
    } else if (at > 1 && flow.phase !== undefined) {
      emit({ type: 'step', phase: flow.phase, name: cap(inner(flow.frames)) });
    }
  }

  /** Phase ids are unique in the run: a second top-level suite "utils" is "utils #2". */
  #phaseId(name: string): string {
    const seen = this.#usedPhaseIds.get(name) ?? 0;
    this.#usedPhaseIds.set(name, seen + 1);
    return seen === 0 ? cap(name) : `${cap(name)} #${seen + 1}`;
  }

  #testId(flow: Flow, name: string): string {
    const path = inner(flow.frames);
    return cap(path === '' ? name : `${path}${SEP}${name}`);
  }

  #finish(flow: Flow, test: NonNullable<Flow['test']>, outcome: 'done' | 'fail' | 'skip', emit: Emit, extra: Extra = {}, text?: string): void {
    test.finished = true;
    const base = { ...where(test.phase, flow.agent), id: test.id, ...(Object.keys(extra).length ? { extra } : {}) };
    if (outcome === 'done') emit({ type: 'item.done', ...base });
    else if (outcome === 'fail') emit({ type: 'item.fail', ...base, ...(text === undefined ? {} : { error: text }) });
    else emit({ type: 'item.skip', ...base, ...(text === undefined ? {} : { reason: text }) });
    if (test.phase !== undefined && test.phase === flow.phase) {
      flow.phaseTests++;
      if (outcome === 'fail') flow.phaseFailed = true;
      if (outcome === 'skip') flow.phaseSkipped++;
    }
    if (this.#countTotal > 0) {
      this.#countDone++;
      emit({ type: 'progress', phase: COUNT_PHASE, current: Math.min(this.#countDone, this.#countTotal), total: this.#countTotal });
    }
  }
}

/** The path of the frames inside the outermost one. */
function inner(frames: Frame[]): string {
  return frames.slice(1).map((f) => f.name).join(SEP);
}

function where(phase: string | undefined, agent: string | undefined): { phase?: string; agent?: string } {
  return { ...(phase === undefined ? {} : { phase }), ...(agent === undefined ? {} : { agent }) };
}

function firstLine(s: string): string {
  const nl = s.indexOf('\n');
  return nl < 0 ? s : s.slice(0, nl);
}

export const parser: ParserSpec = {
  name: 'teamcity',
  description: 'TeamCity service messages (##teamcity[…]: mocha-teamcity-reporter, jest, pytest…): outer suites → phases, nested suites/blocks → steps, tests → items, flowId → agents, testCount → total, message → log',
  // Anywhere in the line (messages may follow a prefix): anchored, and linear (no nested repeats).
  contains: '##teamcity[',
  // Messages carry stack traces and expected/actual diffs: a line may run past the hub's usual
  // head, and parseServiceMessages is a linear scan that caps what it keeps (MAX_TEXT).
  wholeLines: true,
  detect: /^.*?##teamcity\[[A-Za-z_]/,
  create: () => new TeamcityParser(),
};
