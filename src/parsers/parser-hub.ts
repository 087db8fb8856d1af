// Runs the tool-output parsers over every line: each switches on when it recognises its format
// (several may, as when a CI script runs cmake, then ctest, inside GitHub Actions groups), or
// from the start when forced with --parser. Until a parser is on, a line is not even decoded
// unless its first bytes (ParserSpec.leads) or a literal in it (contains, escapes) say a waiting
// parser may switch on at it; only those lines meet the shared detection expression.
//
// Hostile output must cost no more than ordinary output: every parser and detector is linear in the
// line's length, the hub shows them a bounded head of each line (MAX_PARSED_CHARS), and one line
// can make them emit at most MAX_LINE_EVENTS events (both in format-parser.ts).
//
// Nesting follows the output (PhaseNesting): a phase one parser starts while another parser's CI
// group is open (make inside `::group::Build`) is that group's child.
import { basename } from 'node:path';
import type { LineEnd, MarkerEvent, StreamName, Unstamped } from '../events.js';
import { stripAnsi } from '../lines/ansi.js';
import { ProgError } from '../errors.js';
import { PhaseNesting } from './phase-nesting.js';
import type { LinePick } from '../lines/line-splitter.js';
import { leadTest, MAX_LINE_EVENTS, MAX_PARSED_CHARS, type Emit, type FormatLine, type FormatParser, type LeadTest, type ParserSpec } from './format-parser.js';

/** The head of a line the parsers read. */
const head = (line: string) => (line.length > MAX_PARSED_CHARS ? line.slice(0, MAX_PARSED_CHARS) : line);

/**
 * The waiting parsers' line tests by first byte (after spaces): undefined when no parser's lines
 * begin with it, null when some parser's may with any bytes after, else the leads to try.
 */
interface Prefilter {
  byFirst: (LeadTest[] | null | undefined)[];
  anyLead: boolean;
  /** Escapes, and what waiting parsers look for anywhere in a line (ParserSpec.contains). */
  literals: Buffer[];
  unfiltered: boolean;
}

/** Escapes (a coloured line, an OSC 9;4) are stripped or matched on the decoded line: such lines are read. */
const ESCAPES = [Buffer.from([0x1b]), Buffer.from([0xc2, 0x9b])];

const DIGITS = '0123456789';

/** The characters string leads begin with (`9`: any digit); function leads say nothing ('' then). */
function leadChars(leads: NonNullable<ParserSpec['leads']>): string {
  if (leads.some((lead) => typeof lead !== 'string')) return '';
  return [...new Set(leads.flatMap((lead) => [...((lead as string).startsWith('9') ? DIGITS : (lead as string).charAt(0))]))].join('');
}

function addLeads(prefilter: Prefilter, spec: ParserSpec): void {
  const { byFirst } = prefilter;
  prefilter.anyLead = true;
  const leads = (spec.leads ?? []).map((lead) => ({
    first: typeof lead === 'string' ? (lead.startsWith('9') ? DIGITS : lead.charAt(0)) : undefined,
    test: typeof lead === 'string' ? leadTest(lead) : lead,
  }));
  const chars = spec.firstChars ?? leadChars(spec.leads ?? []);
  // Tests for leads, and no firstChars to say where they begin: every line is the parser's to judge.
  if (chars === '') prefilter.unfiltered = true;
  for (const ch of chars) {
    const b = ch.charCodeAt(0) & 0xff;
    if (byFirst[b] === null) continue;
    if (spec.leads === undefined) {
      byFirst[b] = null;
      continue;
    }
    const tests = leads.filter((l) => l.first === undefined || l.first.includes(ch)).map((l) => l.test);
    if (tests.length > 0) byFirst[b] = [...(byFirst[b] ?? []), ...tests];
  }
}


/** Every parser prog knows (parsers/registry.ts), loaded only by the commands that read output. */
export async function loadParserSpecs(): Promise<ParserSpec[]> {
  return [...(await import('./registry.js')).PARSERS];
}

/** `--parser` values: 'auto' (detect), 'none', or names to force (comma-separated or repeated). */
export type ParserChoice = 'auto' | 'none' | string[];

export function parseParserChoice(values: string[], specs: ParserSpec[]): ParserChoice {
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (names.length === 0 || (names.length === 1 && names[0] === 'auto')) return 'auto';
  if (names.length === 1 && names[0] === 'none') return 'none';
  const known = new Set(specs.map((s) => s.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new ProgError('USAGE', `unknown parser ${unknown.join(', ')}; known: ${[...known].join(', ')} (or auto, none)`);
  }
  return names;
}

/** Environment the child gets for the parsers in play (e.g. NINJA_STATUS when running ninja). */
export function parserEnv(specs: ParserSpec[], choice: ParserChoice, command: string, userEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (choice === 'none') return {};
  const name = basename(command);
  const env: Record<string, string> = {};
  for (const spec of specs) {
    const forced = Array.isArray(choice) && choice.includes(spec.name);
    if (!spec.env || !(forced || spec.commands?.includes(name))) continue;
    // The user's own setting wins (a NINJA_STATUS they chose is theirs).
    for (const [key, value] of Object.entries(spec.env)) if (userEnv[key] === undefined) env[key] = value;
  }
  return env;
}

/** What the parsers that apply to this command say they cannot follow (see ParserSpec.problem). */
export function parserProblems(specs: ParserSpec[], choice: ParserChoice, command: string): string[] {
  if (choice === 'none') return [];
  const name = basename(command);
  return specs
    .filter((spec) => spec.problem !== undefined && ((Array.isArray(choice) && choice.includes(spec.name)) || spec.commands?.includes(name) === true))
    .map((spec) => spec.problem!);
}

/** A parser that has switched on, with the emits that stamp its events as its own. */
interface Active {
  spec: ParserSpec;
  parser: FormatParser;
  /** Per stream: within the line's allowance, then through the nesting. */
  emit: Record<StreamName, Emit>;
  /** For end(): no line, no allowance. */
  emitAtEnd: Emit;
}

export class ParserHub {
  readonly #active: Active[] = [];
  #waiting: ParserSpec[];
  #detectors: { spec: ParserSpec; chars?: Set<number>; literals?: string[] }[] = [];
  /** What the waiting parsers' lines can begin with or must contain: the cheap test before any line is decoded. */
  #prefilter: Prefilter = { byFirst: [], anyLead: false, literals: [], unfiltered: false };
  readonly #emit: Emit;
  /** Per stream, as lines of stdout and stderr interleave: events the line being read may still produce. */
  readonly #budget: Record<StreamName, number> = { stdout: MAX_LINE_EVENTS, stderr: MAX_LINE_EVENTS };
  readonly #nesting: PhaseNesting;
  #dropped = 0;

  constructor(specs: ParserSpec[], choice: Exclude<ParserChoice, 'none'>, emit: Emit) {
    this.#emit = emit;
    this.#nesting = new PhaseNesting(emit);
    if (Array.isArray(choice)) {
      for (const spec of specs.filter((s) => choice.includes(s.name))) this.#activate(spec);
      this.#waiting = [];
    } else {
      this.#waiting = [...specs];
    }
    this.#compile();
  }

  /**
   * Which of a chunk's lines need decoding for the parsers: all once one is on; while none is, the
   * lines that hold an escape (stripped before matching) or a literal a waiting parser looks for
   * anywhere in a line, and those whose first bytes a waiting parser may switch on at. The splitter
   * asks line by line as it finds the lines (`#pickLine`): the chunk's line ends are scanned once.
   */
  wantsChunk(chunk: Buffer, continued: Buffer | undefined): LinePick {
    if (this.#active.length > 0) return true;
    if (this.#waiting.length === 0) return false;
    const { literals, unfiltered, anyLead } = this.#prefilter;
    if (unfiltered) return true;
    // The line it continues is handed over whole under any pick; a literal cut in two by the chunk
    // boundary (or in the head of that line) makes the whole chunk read: rare, and simplest.
    if (continued !== undefined && this.#cutLiteral(chunk, continued.subarray(0, MAX_PARSED_CHARS), continued.length <= MAX_PARSED_CHARS)) return true;
    const hits = this.#hits;
    hits.chunk = chunk;
    hits.any = chunk.length;
    for (let k = 0; k < literals.length; k++) {
      const at = chunk.indexOf(literals[k]!);
      hits.next[k] = at === -1 ? chunk.length : at;
      if (hits.next[k]! < hits.any) hits.any = hits.next[k]!;
    }
    return anyLead || hits.any < chunk.length ? this.#pickLine : false;
  }

  /** A literal (or an escape) in the head of the line continued, or across the cut into this chunk. */
  #cutLiteral(chunk: Buffer, read: Buffer, open: boolean): boolean {
    for (const literal of this.#prefilter.literals) {
      if (read.includes(literal)) return true;
      // While the head goes on into this chunk: the line's last bytes, then the chunk's first (no
      // copy of the whole line).
      if (!open || literal.length === 1) continue;
      const tail = read.subarray(Math.max(0, read.length - literal.length + 1));
      if (Buffer.concat([tail, chunk.subarray(0, literal.length - 1)]).includes(literal)) return true;
    }
    return false;
  }

  /** Where each literal next occurs in the chunk being split (its length when it does not). */
  readonly #hits: { chunk?: Buffer; next: number[]; any: number } = { next: [], any: 0 };

  /** Whether a waiting parser may switch on at this line: a literal in it, or its first bytes. */
  readonly #pickLine = (bytes: Buffer, start: number, end: number): boolean => {
    // A parser switched on earlier in this chunk reads the rest of it.
    if (this.#active.length > 0) return true;
    const { literals } = this.#prefilter;
    const hits = this.#hits;
    if (hits.chunk === bytes && hits.any < start) {
      // Searches move forward only: each literal is looked for once per occurrence.
      hits.any = bytes.length;
      for (let k = 0; k < literals.length; k++) {
        if (hits.next[k]! < start) {
          const at = bytes.indexOf(literals[k]!, start);
          hits.next[k] = at === -1 ? bytes.length : at;
        }
        if (hits.next[k]! < hits.any) hits.any = hits.next[k]!;
      }
    }
    if (hits.chunk === bytes && hits.any < end) return true;
    const stop = Math.min(end, start + MAX_PARSED_CHARS);
    let at = start;
    while (at < stop && (bytes[at] === 0x20 || bytes[at] === 0x09)) at++;
    if (at >= stop) return false;
    const tests = this.#prefilter.byFirst[bytes[at]!];
    if (tests === undefined) return false;
    if (tests === null) return true;
    for (const lead of tests) if (lead(bytes, at, stop)) return true;
    return false;
  };

  /** Names of the parsers that have switched on. */
  get active(): string[] {
    return this.#active.map((a) => a.spec.name);
  }

  /** Events dropped over the run for going past MAX_LINE_EVENTS on one line. */
  get dropped(): number {
    return this.#dropped;
  }

  line(stream: StreamName, raw: string, eol: LineEnd): void {
    const cut = head(raw);
    const text = stripAnsi(cut);
    if (this.#waiting.length > 0) this.#detect(cut, text);
    const line: FormatLine = { stream, raw: cut, text, eol };
    let whole: FormatLine | undefined;
    for (const { spec, parser, emit } of this.#active) {
      parser.line(spec.wholeLines && cut !== raw ? (whole ??= { stream, raw, text: stripAnsi(raw), eol }) : line, emit[stream]);
    }
    // The line is over: the next one on this stream has its own allowance.
    this.#budget[stream] = MAX_LINE_EVENTS;
  }

  /**
   * Switches on the waiting parsers that recognise the line. Each one's pattern is tried only when
   * the line could be its (its first character, after spaces, is one the format begins with; or it
   * holds one of the format's literals): a picked line that begins `x = 1` meets pytest's anchored
   * pattern alone, not every detector (some of which scan the whole line).
   */
  #detect(cut: string, text: string): void {
    let at = 0;
    while (at < text.length && (text.charCodeAt(at) === 0x20 || text.charCodeAt(at) === 0x09)) at++;
    const first = at < text.length ? text.charCodeAt(at) : -1;
    let found = false;
    for (const { spec, chars, literals } of this.#detectors) {
      if (spec.detectRaw ? !(cut.includes('\x1b') || cut.includes('\x9b'))
        : chars !== undefined ? !chars.has(first)
        : literals !== undefined && !literals.some((l) => text.includes(l))) continue;
      if (spec.detect.test(spec.detectRaw ? cut : text)) {
        this.#activate(spec);
        found = true;
      }
    }
    if (!found) return;
    this.#waiting = this.#waiting.filter((s) => !this.#active.some((a) => a.spec === s));
    this.#compile();
  }

  /** Whether any active parser reads unfinished lines (so the splitter hands them over). */
  get wantsPartial(): boolean {
    return this.#active.some(({ parser }) => parser.partial !== undefined);
  }

  /** The unfinished line so far (see FormatParser.partial); only active parsers hear of it. */
  partial(stream: StreamName, raw: string): void {
    const cut = head(raw);
    const text = stripAnsi(cut);
    let whole: Omit<FormatLine, 'eol'> | undefined;
    for (const { spec, parser, emit } of this.#active) {
      if (!parser.partial) continue;
      parser.partial(spec.wholeLines && cut !== raw ? (whole ??= { stream, raw, text: stripAnsi(raw) }) : { stream, raw: cut, text }, emit[stream]);
    }
  }

  end(): void {
    for (const { parser, emitAtEnd } of this.#active) parser.end?.(emitAtEnd);
  }

  /** The emit a parser gets for a line of `stream`: it spends that line's allowance, then drops. */
  #capped(stream: StreamName, pass: (event: Unstamped<MarkerEvent>) => void): Emit {
    return (event) => {
      if (this.#budget[stream] > 0) {
        this.#budget[stream]--;
        pass(event);
        return;
      }
      if (this.#dropped++ === 0) {
        this.#emit({
          type: 'log', level: 'warn', source: 'prog',
          message: `one line of ${stream} gave the parsers more than ${MAX_LINE_EVENTS} events: the rest were dropped (as will be any beyond ${MAX_LINE_EVENTS} from a later line)`,
        });
      }
    };
  }

  #activate(spec: ParserSpec): void {
    // Events go through the nesting after the allowance: what it drops never opened a group.
    const pass = (event: Unstamped<MarkerEvent>) => this.#nesting.event(spec.name, event);
    this.#active.push({
      spec, parser: spec.create(),
      emit: { stdout: this.#capped('stdout', pass), stderr: this.#capped('stderr', pass) },
      emitAtEnd: pass,
    });
  }

  /** The waiting parsers' tests: which lines each could be switched on at, by bytes and by characters. */
  #compile(): void {
    this.#detectors = this.#waiting.map((spec) => {
      if (spec.detectRaw || spec.contains !== undefined) return { spec, ...(spec.contains === undefined ? {} : { literals: [spec.contains].flat() }) };
      const chars = spec.firstChars ?? leadChars(spec.leads ?? []);
      return { spec, ...(chars === '' ? {} : { chars: new Set([...chars].map((c) => c.charCodeAt(0))) }) };
    });
    const prefilter: Prefilter = { byFirst: new Array(256), anyLead: false, literals: [...ESCAPES], unfiltered: false };
    for (const spec of this.#waiting) {
      if (spec.detectRaw) continue; // made of escapes: lines with escapes are always read
      if (spec.contains !== undefined) prefilter.literals.push(...[spec.contains].flat().map((l) => Buffer.from(l)));
      else if (spec.firstChars !== undefined || spec.leads !== undefined) addLeads(prefilter, spec);
      else prefilter.unfiltered = true;
    }
    this.#prefilter = prefilter;
  }
}
