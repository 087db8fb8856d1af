// make with CMake's Makefile generator: `[ 45%] Building CXX object …` lines carry the build's
// percentage. The percentage is per directory and may step back under `make -j` across
// directories, so progress only ever moves forward.
import type { FormatParser, ParserSpec } from '../format-parser.js';

const STATUS = /^\[\s*(\d{1,3})%\] (.*)$/;

class MakeParser implements FormatParser {
  #started = false;
  #best = -1;

  line({ text }: Parameters<FormatParser['line']>[0], emit: Parameters<FormatParser['line']>[1]): void {
    const match = STATUS.exec(text);
    if (!match) return;
    if (!this.#started) {
      this.#started = true;
      emit({ type: 'phase', id: 'make', name: 'make', total: 100 });
    }
    const percent = Math.min(100, Number(match[1]));
    const what = match[2]!;
    if (/^Built target /.test(what)) emit({ type: 'item.done', phase: 'make', id: what.slice('Built target '.length) });
    if (percent > this.#best) {
      this.#best = percent;
      emit({ type: 'progress', phase: 'make', current: percent, total: 100 });
    }
  }

  end(emit: Parameters<NonNullable<FormatParser['end']>>[0]): void {
    if (this.#started && this.#best >= 100) emit({ type: 'phase.end', id: 'make', status: 'ok' });
  }
}

export const parser: ParserSpec = {
  name: 'make',
  description: 'make with CMake Makefiles: "[ 45%] Building …" → the build\'s percentage; "Built target x" → done targets',
  detect: /^\[\s*\d{1,3}%\] (?:Building|Linking|Built target|Generating|Scanning) /,
  create: () => new MakeParser(),
};
