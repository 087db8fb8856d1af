// cargo build/check/doc status lines on stderr: `   Compiling foo v1.0 (…)` → item.start, and the
// crate is counted done when the next one starts (cargo prints no "done" line) or at `Finished`;
// `error: could not compile `foo`` → item.fail with the first `error[E…]: …` before it (and its
// `--> file:line:col`); other errors → log error; `warning:` → log warn, the first few only, then a
// count; the terminal-only bar `Building [====>   ] 45/120: a, b` (redrawn with `\r`) → progress
// with its total; `Finished` → phase end ok.
//
// Under `-j` a crate counted done when the next one started may still fail later (cargo compiles
// several at once): it is then also counted failed, so its failure is never lost.
import { shorten, type Emit, type FormatLine, type FormatParser, type ParserSpec } from '../format-parser.js';

const PHASE = 'cargo';
const START = /^ {0,12}(Compiling|Checking|Documenting|Fresh) (\S+) v(\S+)/;
const BAR = /^ {0,12}Building \[[=> ]*\] (\d{1,9})\/(\d{1,9})/;
const FINISHED = /^ {0,12}Finished /;
const COULD_NOT = /^error: could not (?:compile|document) `([^`]+)`/;
const BUILD_SCRIPT = /^error: failed to run custom build command for `(\S+) v([^\s`]+)/;
const ERROR = /^error(\[E\d+\])?: (.*)$/;
const WARNING = /^warning: (.*)$/;
const WARNING_TALLY = /^`[^`]+` \([^)]*\) generated \d+ warnings?/;
const LOCATION = /^ *--> (\S+)/;
/** Individual warnings logged before they are only counted. */
const WARNINGS_SHOWN = 3;
/** Errors no crate failure takes, logged at most this many times. */
const ERRORS_SHOWN = 10;
/** Longest diagnostic kept (up to 1000 errors wait for their crate's failure: bounded memory). */
const MAX_MESSAGE = 1000;

const clip = (s: string) => shorten(s, MAX_MESSAGE);

type Diagnostic = { level: 'error' | 'warn'; message: string };

class CargoParser implements FormatParser {
  #open = false;
  #failed = false;
  /** Crates started and not yet counted, by name: `name vX.Y.Z` ids. */
  #running = new Map<string, string>();
  #last: string | undefined;
  #ids = new Map<string, string>();
  /** A diagnostic header waiting for the `-->` line that may follow it. */
  #diagnostic: Diagnostic | undefined;
  #errors: string[] = [];
  #warnings = 0;
  #errorsLogged = 0;
  #errorsUnshown = 0;
  #best = 0;
  #total: number | undefined;

  line({ text }: FormatLine, emit: Emit): void {
    const line = text.trimEnd();
    const diagnostic = this.#diagnostic;
    if (diagnostic) {
      this.#diagnostic = undefined;
      const at = LOCATION.exec(line);
      this.#diagnose(at ? { ...diagnostic, message: clip(`${diagnostic.message} at ${at[1]}`) } : diagnostic, emit);
      if (at) return;
    }
    if (line.startsWith('error')) return this.#error(line, emit);
    if (line.startsWith('warning: ')) return this.#warning(line, emit);
    if (!line.startsWith(' ') && !/^[A-Z]/.test(line)) return;
    const bar = BAR.exec(line);
    if (bar) return this.#bar(Number(bar[1]), Number(bar[2]), emit);
    const start = START.exec(line);
    if (start) return this.#start(start[1]!, start[2]!, start[3]!, emit);
    if (FINISHED.test(line)) this.#finish(emit);
  }

  end(emit: Emit): void {
    if (this.#diagnostic) this.#diagnose(this.#diagnostic, emit);
    this.#diagnostic = undefined;
    if (!this.#open) return;
    // After a failure cargo waits for the crates still compiling and reports each that fails, so
    // the ones left open finished; without a failure the build was cut short.
    for (const id of this.#running.values()) {
      if (this.#failed) emit({ type: 'item.done', phase: PHASE, id });
      else emit({ type: 'item.skip', phase: PHASE, id, reason: 'the build did not finish' });
    }
    this.#running.clear();
    this.#flushErrors(emit);
    this.#flushWarnings(emit);
    if (this.#failed) emit({ type: 'phase.end', id: PHASE, status: 'failed' });
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
    this.#flushErrors(emit);
    this.#flushWarnings(emit);
    emit({ type: 'phase.end', id: PHASE, status: this.#failed ? 'failed' : 'ok' });
    this.#open = false;
  }

  #error(line: string, emit: Emit): void {
    const failed = COULD_NOT.exec(line) ?? BUILD_SCRIPT.exec(line);
    if (failed) {
      this.#phase(emit);
      const name = failed[1]!;
      const id = failed[2] !== undefined ? `${name} v${failed[2]}` : (this.#ids.get(name) ?? name);
      const first = failed[2] !== undefined ? 'failed to run custom build command' : this.#errors[0];
      const more = this.#errors.length > 1 ? ` (+${this.#errors.length - 1} more)` : '';
      this.#errors = [];
      this.#running.delete(name);
      this.#failed = true;
      emit({ type: 'item.fail', phase: PHASE, id, error: first === undefined ? clip(line.slice('error: '.length)) : first + more });
      return;
    }
    const m = ERROR.exec(line);
    if (!m) return;
    // rustc's own tally, not another error.
    if (/^aborting due to /.test(m[2]!)) return;
    this.#diagnostic = { level: 'error', message: clip(`error${m[1] ?? ''}: ${m[2]}`) };
  }

  #warning(line: string, emit: Emit): void {
    const message = WARNING.exec(line)?.[1] ?? '';
    if (WARNING_TALLY.test(message)) return;
    this.#phase(emit);
    this.#diagnostic = { level: 'warn', message: clip(`warning: ${message}`) };
  }

  #diagnose(d: Diagnostic, emit: Emit): void {
    if (d.level === 'error') {
      // Kept for the crate whose `could not compile` follows; logged if none does.
      this.#errors.push(d.message);
      if (this.#errors.length > 1000) this.#errors.splice(1, 1);
      return;
    }
    this.#warnings++;
    if (this.#warnings <= WARNINGS_SHOWN) emit({ type: 'log', level: 'warn', source: PHASE, message: d.message });
  }

  #flushErrors(emit: Emit): void {
    for (const message of this.#errors) {
      if (this.#errorsLogged < ERRORS_SHOWN) {
        this.#errorsLogged++;
        emit({ type: 'log', level: 'error', source: PHASE, message });
      } else {
        this.#errorsUnshown++;
      }
    }
    if (this.#errors.length > 0) this.#failed = true;
    this.#errors = [];
    if (this.#errorsUnshown > 0) {
      emit({ type: 'log', level: 'error', source: PHASE, message: `${this.#errorsUnshown} more errors (not shown)` });
      this.#errorsUnshown = 0;
    }
  }

  #flushWarnings(emit: Emit): void {
    if (this.#warnings > WARNINGS_SHOWN) {
      const n = this.#warnings - WARNINGS_SHOWN;
      emit({ type: 'log', level: 'warn', source: PHASE, message: `${n} more warning${n === 1 ? '' : 's'} (${this.#warnings} in all)` });
    }
    this.#warnings = 0;
  }
}

export const parser: ParserSpec = {
  name: 'cargo',
  description: 'cargo build/check/doc: "Compiling x v1.0" → items; "Building [==> ] 45/120" bar → progress; could not compile → failed crate with its error; warnings → a few logs and a count; Finished → phase end',
  firstChars: 'CBDF',
  detect: /^ {0,12}(?:(?:Compiling|Checking|Documenting) \S+ v\d|Building \[[=> ]*\] \d+\/\d+|Finished `?\w+`? (?:profile )?\[)/,
  create: () => new CargoParser(),
};
