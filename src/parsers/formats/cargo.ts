// cargo build/check/doc/test. Status lines on stderr: `   Compiling foo v1.0 (…)` → item.start,
// and the crate is counted done when the next one starts (cargo prints no "done" line) or at
// `Finished`; `error: could not compile `foo`` → item.fail with the first error before it (and its
// `--> file:line:col`); the terminal-only bar `Building [====>   ] 45/120: a, b` (redrawn with `\r`)
// → progress with its total; `Finished` → phase end.
//
// rustc's diagnostics: every `error[E0308]: …`, `error: …` and `warning: …` header is one `log`
// (level error / warn), with the `--> file:line:col` line that follows it as its location (as the
// compiler parser does for gcc), so the summary counts the errors and warnings rustc printed. Not
// diagnostics, so not logged: tallies that repeat a count (cargo's `warning: `x` (lib) generated 2
// warnings`, rustc's `error: aborting due to …` and `warning: 2 warnings emitted`), `error: could
// not compile` and `error: failed to run custom build command` (the crate's failure), cargo test's
// `error: test failed, to rerun pass …` and `error: 2 targets failed:` (its failed tests are the
// items), `warning: build failed, waiting for other jobs…`; nor anything printed by a test binary
// or by the program `cargo run` started (after its `Running `target/…``, until cargo's next status
// line). cargo's own warnings and errors (a manifest key, a linker not found) are logged, without a
// location. Warnings cargo replays from its cache before any status line (a second build of an
// unchanged crate) are not seen: the parser switches on at Compiling/Finished.
//
// cargo test (libtest's default output, on stdout): each test binary (`Running unittests src/lib.rs
// (…)`, `Running tests/it.rs (…)`, `Doc-tests foo`) with `running 5 tests` → a step of phase
// `cargo-test`; `test a::b ... ok` → item.done, `... FAILED` → item.fail as it is printed,
// `... ignored[, reason]` → item.skip, `... bench: …` → item.done. The phase has no total: cargo
// does not say how many test binaries follow. Each binary's `test result: FAILED. 3 passed; 1
// failed; 1 ignored; 0 measured; …` is checked against what prog read of it: a difference is one
// warning (source prog). `cargo test -q` prints a character per test (`...i 4/5`): counted at the
// line's end, ids `<binary> #k`, and a failure by name on its own line (`a::b --- FAILED`).
//
// Piped, cargo's `Running …` and `error: test failed …` come on stderr and libtest's lines on stdout,
// and prog reads the two pipes apart: a line of stderr may be read before or after the stdout lines
// printed around it. So only libtest's own stream says where a binary begins and ends (`running N
// tests`, `test result:`); cargo's lines on the other stream name the binaries in turn (the k-th
// `Running` names the k-th `running N tests`) and fail the phase, and never end a binary. On one
// stream (a pty) the order is exact, and cargo's lines end the binary before them as well.
//
// Under `-j` a crate counted done when the next one started may still fail later (cargo compiles
// several at once): it is then also counted failed, so its failure is never lost.
import type { StreamName } from '../../events.js';
import { shorten, type Emit, type FormatLine, type FormatParser, type ParserSpec } from '../format-parser.js';
import { located, type Location } from './compiler.js';

const PHASE = 'cargo';
const TEST_PHASE = 'cargo-test';
const START = /^ {0,12}(Compiling|Checking|Documenting|Fresh) (\S+) v(\S+)/;
const BAR = /^ {0,12}Building \[[=> ]*\] (\d{1,9})\/(\d{1,9})/;
const FINISHED = /^ {0,12}Finished /;
const COULD_NOT = /^error: could not (?:compile|document) `([^`]+)`/;
const BUILD_SCRIPT = /^error: failed to run custom build command for `(\S+) v([^\s`]+)/;
const ERROR = /^error(\[E\d{1,6}\])?: (.*)$/;
const WARNING = /^warning: (.*)$/;
/** Lines cargo and rustc print after `error: ` / `warning: ` that are not diagnostics (see above). */
const NOT_ERROR = /^(?:aborting due to |(?:doc)?test failed, to rerun pass |\d{1,9} targets? failed:)/;
/** cargo test's word that a test binary failed (or died). */
const TESTS_FAILED = /^error: (?:(?:doc)?test failed, to rerun pass |\d{1,9} targets? failed:)/;
const NOT_WARNING = /^(?:`[^`]+` \([^)]*\) generated \d+ warnings?|\d+ warnings? emitted|build failed, waiting for other jobs)/;
/** `cargo run`: what follows is the program's output. */
const RUN = /^ {0,12}Running `/;
const TARGET = /^ {0,12}(?:Running (\S.*)|Doc-tests (\S+))$/;
const RUNNING = /^running (\d{1,9}) tests?$/;
const RESULT = /^test result: (?:ok|FAILED)\. (\d{1,9}) passed; (\d{1,9}) failed; (\d{1,9}) ignored; (\d{1,9}) measured;/;
const TERSE = /^([.Fi]{1,200})(?: {1,12}\d{1,9}\/\d{1,9})?$/;
/** Longest diagnostic and test name kept. */
const MAX_MESSAGE = 1000;
/** Test binaries cargo announced ahead of libtest's output, kept to name them (bounds memory). */
const MAX_ANNOUNCED = 100;

const clip = (s: string) => shorten(s, MAX_MESSAGE);

type Diagnostic = { level: 'error' | 'warn'; header: string };
type Counts = { passed: number; failed: number; ignored: number; measured: number };

class CargoParser implements FormatParser {
  #open = false;
  #failed = false;
  /** Crates started and not yet counted, by name: `name vX.Y.Z` ids. */
  #running = new Map<string, string>();
  #last: string | undefined;
  #ids = new Map<string, string>();
  /** A diagnostic header waiting for the `-->` line that may follow it. */
  #diagnostic: Diagnostic | undefined;
  /** Errors since the last crate failure: the first (with its location) names the next failure. */
  #firstError: string | undefined;
  #errors = 0;
  #best = 0;
  #total: number | undefined;
  readonly #tests = new TestRun();
  /** `cargo run` started the program: its output is not cargo's. */
  #program = false;

  line({ text, stream }: FormatLine, emit: Emit): void {
    const line = text.trimEnd();
    const diagnostic = this.#diagnostic;
    if (diagnostic) {
      this.#diagnostic = undefined;
      const at = location(line);
      this.#diagnose(diagnostic, at, emit);
      if (at) return;
    }
    if (RUN.test(line)) {
      this.#program = true;
      return;
    }
    if (this.#program) {
      if (!START.test(line) && !FINISHED.test(line)) return;
      this.#program = false;
    }
    // A test binary's output is the tests', whatever it looks like.
    if (this.#tests.line(line, stream, emit)) return;
    if (line.startsWith('error')) return this.#error(line, emit);
    if (line.startsWith('warning: ')) return this.#warning(line);
    if (!line.startsWith(' ') && !/^[A-Z]/.test(line)) return;
    const bar = BAR.exec(line);
    if (bar) return this.#bar(Number(bar[1]), Number(bar[2]), emit);
    const start = START.exec(line);
    if (start) return this.#start(start[1]!, start[2]!, start[3]!, emit);
    if (FINISHED.test(line)) this.#finish(emit);
  }

  end(emit: Emit): void {
    if (this.#diagnostic) this.#diagnose(this.#diagnostic, undefined, emit);
    this.#diagnostic = undefined;
    this.#tests.end(emit);
    if (!this.#open) return;
    // After a failure cargo waits for the crates still compiling and reports each that fails, so
    // the ones left open finished; without a failure the build was cut short.
    const failed = this.#failed || this.#errors > 0;
    for (const id of this.#running.values()) {
      if (failed) emit({ type: 'item.done', phase: PHASE, id });
      else emit({ type: 'item.skip', phase: PHASE, id, reason: 'the build did not finish' });
    }
    this.#running.clear();
    if (failed) emit({ type: 'phase.end', id: PHASE, status: 'failed' });
    this.#open = false;
  }

  #phase(emit: Emit): void {
    if (this.#open) return;
    this.#open = true;
    this.#failed = false;
    this.#best = 0;
    this.#total = undefined;
    emit({ type: 'phase', id: PHASE, name: 'cargo' });
  }

  #start(verb: string, name: string, version: string, emit: Emit): void {
    this.#phase(emit);
    const id = `${name} v${version}`;
    this.#ids.set(name, id);
    if (verb === 'Fresh') {
      emit({ type: 'item.skip', phase: PHASE, id, reason: 'up to date' });
      return;
    }
    // The crate before is done: cargo prints nothing when a crate finishes.
    if (this.#last !== undefined && this.#running.has(this.#last)) {
      const previous = this.#running.get(this.#last)!;
      this.#running.delete(this.#last);
      emit({ type: 'item.done', phase: PHASE, id: previous });
    }
    this.#last = name;
    this.#running.set(name, id);
    emit({ type: 'item.start', phase: PHASE, id });
  }

  #bar(current: number, total: number, emit: Emit): void {
    this.#phase(emit);
    if (total <= 0) return;
    if (current <= this.#best && total === this.#total) return;
    this.#best = Math.max(this.#best, Math.min(current, total));
    this.#total = total;
    emit({ type: 'progress', phase: PHASE, current: this.#best, total });
  }

  #finish(emit: Emit): void {
    this.#phase(emit);
    for (const id of this.#running.values()) emit({ type: 'item.done', phase: PHASE, id });
    this.#running.clear();
    if (this.#total !== undefined && this.#best < this.#total) emit({ type: 'progress', phase: PHASE, current: this.#total, total: this.#total });
    // Errors no crate failure took (a linker missing) fail the build.
    const failed = this.#failed || this.#errors > 0;
    this.#firstError = undefined;
    this.#errors = 0;
    emit({ type: 'phase.end', id: PHASE, status: failed ? 'failed' : 'ok' });
    this.#open = false;
  }

  #error(line: string, emit: Emit): void {
    const failed = COULD_NOT.exec(line) ?? BUILD_SCRIPT.exec(line);
    if (failed) {
      this.#phase(emit);
      const name = failed[1]!;
      const id = failed[2] !== undefined ? `${name} v${failed[2]}` : (this.#ids.get(name) ?? name);
      const first = failed[2] !== undefined ? 'failed to run custom build command' : this.#firstError;
      const more = failed[2] === undefined && this.#errors > 1 ? ` (+${this.#errors - 1} more)` : '';
      if (failed[2] === undefined) {
        this.#firstError = undefined;
        this.#errors = 0;
      }
      this.#running.delete(name);
      this.#failed = true;
      emit({ type: 'item.fail', phase: PHASE, id, error: first === undefined ? clip(line.slice('error: '.length)) : first + more });
      return;
    }
    const m = ERROR.exec(line);
    if (!m || NOT_ERROR.test(m[2]!)) return;
    this.#diagnostic = { level: 'error', header: clip(`error${m[1] ?? ''}: ${m[2]}`) };
  }

  #warning(line: string): void {
    const message = WARNING.exec(line)?.[1] ?? '';
    if (NOT_WARNING.test(message)) return;
    this.#diagnostic = { level: 'warn', header: clip(`warning: ${message}`) };
  }

  #diagnose(d: Diagnostic, at: Location | undefined, emit: Emit): void {
    emit(located(d.level, PHASE, d.header, at));
    if (d.level !== 'error') return;
    // Kept for the crate whose `could not compile` follows.
    this.#errors++;
    if (this.#firstError === undefined) this.#firstError = at ? clip(`${d.header} at ${at.file}:${at.line}${at.col === undefined ? '' : `:${at.col}`}`) : d.header;
  }
}

/** ` --> src/main.rs:3:9` (rustc's primary location): file, line and column, read from the end. */
function location(line: string): Location | undefined {
  const arrow = line.indexOf('--> ');
  if (arrow < 0 || line.slice(0, arrow).trim() !== '') return undefined;
  const at = line.slice(arrow + 4).trim();
  const colon = at.lastIndexOf(':');
  const before = colon > 0 ? at.lastIndexOf(':', colon - 1) : -1;
  const digits = /^\d{1,9}$/;
  if (before > 0 && digits.test(at.slice(before + 1, colon)) && digits.test(at.slice(colon + 1))) {
    return { file: at.slice(0, before), line: Number(at.slice(before + 1, colon)), col: Number(at.slice(colon + 1)) };
  }
  if (colon > 0 && digits.test(at.slice(colon + 1))) return { file: at.slice(0, colon), line: Number(at.slice(colon + 1)) };
  return undefined;
}

/** libtest's output of the test binaries cargo test runs, one after the other. */
class TestRun {
  #open = false;
  #failed = false;
  /** The stream libtest writes to: that of the first `running N tests`. */
  #stream: StreamName | undefined;
  /** Inside a test binary's run: between `running N tests` and its `test result:`. */
  #inside = false;
  #target: string | undefined;
  /** Binaries cargo announced (`Running …`) that libtest's output has not reached yet, oldest first. */
  #announced: { name: string; stream: StreamName }[] = [];
  /** Binaries begun before cargo's `Running` for them was read (the other stream lags). */
  #unnamed = 0;
  /** Streams a test binary was announced on since cargo last built: the binaries' own lines there are not cargo's. */
  readonly #binaries = new Set<StreamName>();
  #expected = 0;
  #read: Counts = { passed: 0, failed: 0, ignored: 0, measured: 0 };
  /** A test whose name was printed before its result (one test thread, output in between). */
  #pending: string | undefined;

  /** Reads the line if it is libtest's or a test's (true), else leaves it to the build. */
  line(line: string, stream: StreamName, emit: Emit): boolean {
    const target = TARGET.exec(line);
    if (target) {
      this.#announce(clip(target[1] !== undefined ? cutBinary(target[1]) : `Doc-tests ${target[2]!}`), stream, emit);
      return true;
    }
    if (TESTS_FAILED.test(line)) {
      this.#failed = true;
      // Read in order with libtest's lines: a binary still open died without its `test result:`.
      if (stream === this.#stream) this.#stop(emit);
      return true;
    }
    const ours = this.#stream === undefined || stream === this.#stream;
    const running = ours ? RUNNING.exec(line) : null;
    if (running) {
      this.#begin(Number(running[1]), stream, emit);
      return true;
    }
    if (!this.#inside || !ours) {
      if (START.test(line) || FINISHED.test(line)) this.#binaries.delete(stream);
      return this.#binaries.has(stream);
    }
    if (line.startsWith('test ')) {
      const result = RESULT.exec(line);
      if (result) {
        this.#check(result.slice(1, 5).map(Number), emit);
        this.#inside = false;
      } else {
        this.#test(line.slice('test '.length), emit);
      }
      return true;
    }
    if (this.#pending !== undefined && outcome(line) !== undefined) {
      this.#outcome(this.#pending, outcome(line)!, emit);
      return true;
    }
    const terse = TERSE.exec(line);
    if (terse) this.#terse(terse[1]!, emit);
    else if (line.endsWith(' --- FAILED') && line.length > ' --- FAILED'.length) this.#outcome(clip(line.slice(0, -' --- FAILED'.length)), 'failed', emit);
    return true;
  }

  end(emit: Emit): void {
    this.#stop(emit);
    if (!this.#open) return;
    this.#open = false;
    emit({ type: 'phase.end', id: TEST_PHASE, status: this.#failed ? 'failed' : 'ok' });
  }

  /** cargo's `Running …` / `Doc-tests …`: the name of a binary whose output follows, or went before on the other stream. */
  #announce(name: string, stream: StreamName, emit: Emit): void {
    this.#binaries.add(stream);
    if (stream === this.#stream) this.#stop(emit);
    else if (this.#unnamed > 0) {
      // The oldest binary begun without its name has it; the latest is the one still printing.
      if (--this.#unnamed === 0) this.#target = name;
      return;
    }
    this.#announced.push({ name, stream });
    if (this.#announced.length > MAX_ANNOUNCED) this.#announced.shift();
  }

  #begin(tests: number, stream: StreamName, emit: Emit): void {
    if (!this.#open) {
      this.#open = true;
      // Not reset here: cargo's `test failed` on stderr may be read before any of libtest's lines.
      emit({ type: 'phase', id: TEST_PHASE, name: 'cargo test' });
    }
    // A binary still open died without its `test result:`: libtest starts each with this line.
    this.#stop(emit);
    this.#stream = stream;
    const last = this.#announced.at(-1);
    if (last?.stream === stream) {
      // Same stream, exact order: the latest `Running` is this binary's (those before printed no libtest lines).
      this.#target = last.name;
      this.#announced = [];
    } else if (this.#announced.length > 0) {
      this.#target = this.#announced.shift()!.name;
    } else {
      this.#target = undefined;
      this.#unnamed++;
    }
    this.#inside = true;
    this.#expected = tests;
    this.#read = { passed: 0, failed: 0, ignored: 0, measured: 0 };
    if (tests > 0) emit({ type: 'step', phase: TEST_PHASE, name: `${this.#target ?? 'tests'} (${tests} test${tests === 1 ? '' : 's'})` });
  }

  /** `name ... ok` (or only `name ... ` when its output follows before the result). */
  #test(rest: string, emit: Emit): void {
    const dots = rest.indexOf(' ...');
    if (dots <= 0) return;
    const name = clip(rest.slice(0, dots));
    const result = outcome(rest.slice(dots + ' ...'.length).trimStart());
    if (this.#pending !== undefined && this.#pending !== name) this.#outcome(this.#pending, undefined, emit);
    if (result === undefined) {
      this.#pending = name;
      emit({ type: 'item.start', phase: TEST_PHASE, id: name });
      return;
    }
    this.#outcome(name, result, emit);
  }

  #outcome(name: string, result: keyof Counts | undefined, emit: Emit): void {
    if (this.#pending === name) this.#pending = undefined;
    if (result === undefined) {
      emit({ type: 'item.skip', phase: TEST_PHASE, id: name, reason: 'no result was printed' });
      return;
    }
    this.#read[result]++;
    if (result === 'failed') {
      this.#failed = true;
      emit({ type: 'item.fail', phase: TEST_PHASE, id: name, ...(this.#target === undefined ? {} : { error: `failed in ${this.#target}` }) });
    } else if (result === 'ignored') {
      emit({ type: 'item.skip', phase: TEST_PHASE, id: name, reason: 'ignored' });
    } else {
      emit({ type: 'item.done', phase: TEST_PHASE, id: name });
    }
  }

  /** `-q`: one character per test, never more than the binary said it runs. */
  #terse(chars: string, emit: Emit): void {
    for (const c of chars) {
      const seen = this.#read.passed + this.#read.failed + this.#read.ignored + this.#read.measured;
      if (seen >= this.#expected) return;
      const id = `${this.#target ?? 'tests'} #${seen + 1}`;
      this.#outcome(id, c === '.' ? 'passed' : c === 'F' ? 'failed' : 'ignored', emit);
    }
  }

  #check([passed, failed, ignored, measured]: number[], emit: Emit): void {
    if (this.#pending !== undefined) this.#outcome(this.#pending, undefined, emit);
    const read = this.#read;
    if (read.passed === passed && read.failed === failed && read.ignored === ignored && read.measured === measured) return;
    const says = (c: number[]) => `${c[0]} passed, ${c[1]} failed, ${c[2]} ignored${c[3] ? `, ${c[3]} measured` : ''}`;
    emit({
      type: 'log', level: 'warn', source: 'prog',
      message: `cargo test reports ${says([passed!, failed!, ignored!, measured!])}${this.#target ? ` for ${this.#target}` : ''}; prog read ${says([read.passed, read.failed, read.ignored, read.measured])}`,
    });
  }

  /** The binary is over (the next one runs, or cargo speaks): a test left without a result is skipped. */
  #stop(emit: Emit): void {
    if (this.#pending !== undefined) this.#outcome(this.#pending, undefined, emit);
    this.#inside = false;
  }
}

/** libtest's word after `name ... `. */
function outcome(word: string): keyof Counts | undefined {
  if (word === 'ok') return 'passed';
  if (word === 'FAILED') return 'failed';
  if (word === 'ignored' || word.startsWith('ignored, ')) return 'ignored';
  if (word.startsWith('bench:')) return 'measured';
  return undefined;
}

/** `unittests src/lib.rs (target/debug/deps/x-1f2e)` → `unittests src/lib.rs`. */
function cutBinary(running: string): string {
  const open = running.lastIndexOf(' (');
  return open > 0 && running.endsWith(')') ? running.slice(0, open) : running;
}

export const parser: ParserSpec = {
  name: 'cargo',
  description: 'cargo build/check/doc/test: "Compiling x v1.0" → items; "Building [==> ] 45/120" bar → progress; could not compile → failed crate with its error; rustc errors and warnings → logs with their location; "test a ... ok/FAILED/ignored" → tests, checked against "test result:"',
  leads: ['Compiling ', 'Checking ', 'Documenting ', 'Building [', 'Finished ', 'running 9 test'],
  detect: /^(?: {0,12}(?:(?:Compiling|Checking|Documenting) \S+ v\d|Building \[[=> ]*\] \d+\/\d+|Finished `?\w+`? (?:profile )?\[)|running \d{1,9} tests?$)/,
  create: () => new CargoParser(),
};
