// make with CMake's Makefile generator: `[ 45%] Building C object …` lines carry the build's
// percentage, `[ 45%] Built target x` a finished target. The percentage may step back under
// `make -j` across targets, so progress only ever moves forward.
//
// Once on, make's own error lines are read too: `make[2]: *** [build.make:76: a.c.o] Error 1`
// (make < 4.3: `make[2]: *** [a.c.o] Error 1`) → item.fail for the target. Each recursive make
// above repeats the failure one level up (`make[1]: *** [… broken.dir/all] Error 2`, then
// `make: *** [all] Error 2`): an error at a level above one already reported is that echo.
//
// Events: phase `make` (total 100), progress = the percentage, item.done per built target,
// item.fail per failed make target (error: `Error 1` and the file:line of the rule).
import type { Emit, FormatLine, FormatParser, ParserSpec } from '../format-parser.js';

const PHASE = 'make';
const STATUS = /^\[\s{0,3}(\d{1,3})%\] (.*)$/;
/** `make[2]: *** [target] Error 1`; the program may be gmake, /usr/bin/make, mingw32-make. */
const MAKE_ERROR = /^(?:\S*[\/-])?g?make(?:\[(\d{1,6})\])?: \*\*\* \[([^\]]*)\] (.*)$/;
/** Inside the brackets, make ≥ 4.3 puts the rule's `Makefile:LINE: ` before the target. */
const RULE_PREFIX = /^(.*?):(\d+): (.*)$/;

class MakeParser implements FormatParser {
  #started = false;
  #best = -1;
  #failures = 0;
  /** The deepest make level that reported a failure: errors above it echo that failure. */
  #deepestFailure = -1;

  line({ text }: FormatLine, emit: Emit): void {
    const match = STATUS.exec(text);
    if (match) {
      this.#start(emit);
      const percent = Math.min(100, Number(match[1]));
      const what = match[2]!;
      const built = what.startsWith('Built target ') ? what.slice('Built target '.length).trim() : '';
      if (built !== '') emit({ type: 'item.done', phase: PHASE, id: built });
      if (percent > this.#best) {
        this.#best = percent;
        emit({ type: 'progress', phase: PHASE, current: percent, total: 100 });
      }
      return;
    }
    if (!text.includes('*** [')) return;
    const error = MAKE_ERROR.exec(text);
    if (!error) return;
    const level = error[1] === undefined ? 0 : Number(error[1]);
    if (level < this.#deepestFailure) return;
    this.#deepestFailure = level;
    let target = error[2]!;
    let rule: string | undefined;
    const prefixed = RULE_PREFIX.exec(target);
    if (prefixed) {
      rule = `${prefixed[1]}:${prefixed[2]}`;
      target = prefixed[3]!;
    }
    this.#start(emit);
    this.#failures++;
    emit({
      type: 'item.fail', phase: PHASE, id: target.trim() || '(unknown target)',
      error: rule === undefined ? error[3]! : `${error[3]!} (${rule})`,
    });
  }

  end(emit: Emit): void {
    if (!this.#started) return;
    if (this.#failures > 0) emit({ type: 'phase.end', id: PHASE, status: 'failed' });
    else if (this.#best >= 100) emit({ type: 'phase.end', id: PHASE, status: 'ok' });
  }

  #start(emit: Emit): void {
    if (this.#started) return;
    this.#started = true;
    emit({ type: 'phase', id: PHASE, name: PHASE, total: 100 });
  }
}

export const parser: ParserSpec = {
  name: 'make',
  description: 'make with CMake Makefiles: "[ 45%] Building …" → the build\'s percentage; "Built target x" → done targets; "make: *** [x] Error 1" → failed targets',
  // `[ 12%] `: up to three spaces, then the percentage.
  leads: ['[9%] ', '[ 9%] ', '[  9%] ', '[   9%] '],
  detect: /^\[\s{0,3}\d{1,3}%\] (?:Building|Linking|Built target|Generating|Scanning) /,
  create: () => new MakeParser(),
};
