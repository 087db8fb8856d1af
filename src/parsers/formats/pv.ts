// pv (pipe viewer). Two outputs:
// - the default display on stderr (a terminal, or -f), redrawn with `\r`:
//   `1.00MiB 0:00:05 [ 200MiB/s] [=====>    ] 45% ETA 0:00:06` → progress of phase `pv` (total 100);
//   with an unknown size (`[  <=>  ]`, no %) the bytes so far are the progress, without a total.
//   100% ends the phase; a lower percentage after that is the next transfer (the phase runs again).
// - `pv -n`: a bare integer percentage per line on stderr. A bare number is no evidence of pv (and a
//   fast pv -n prints just `100`), nor can a parser see the command, so numeric lines never switch
//   this parser on: they are read only once it is on, i.e. with `--parser pv` (or after a pv bar was
//   seen in the same run), and only on stderr, only 0–100 (pv -n with an unknown size counts 0–200:
//   not a percentage).
import type { Emit, FormatLine, FormatParser, ParserSpec } from '../format-parser.js';

const PHASE = 'pv';
const UNIT = '[KMGTPEZY]?i?B';
// Bytes, timer and rate fields, as pv prints them by default; an optional `-N name:` before them.
// Linear: the name cannot hold a colon, so it ends at the first one, and one space follows it
// before the padding (`: +` then ` *` could split a run of spaces n ways: quadratic on
// `Error: ` and a MiB of spaces, which every line is tested against until a parser is on).
const HEAD = new RegExp(`^(?:[^\\s:\\[][^:\\[]{0,63}: )? {0,32}(\\d{1,6}(?:\\.\\d{1,3})?) ?(${UNIT}) \\d{1,4}:\\d{2}:\\d{2} \\[ {0,32}\\d{1,6}(?:\\.\\d{1,3})? ?${UNIT}\\/s\\]`);
const PERCENT = /\] {1,4}(\d{1,3})%/;
const NUMERIC = /^(?:0|[1-9]\d{0,2})$/;

const SCALE: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Z: 1e21, Y: 1e24 };

function bytes(value: string, unit: string): number {
  const prefix = unit.replace(/i?B$/, '');
  const base = unit.includes('i') ? 1024 ** ('KMGTPEZY'.indexOf(prefix) + 1) : SCALE[prefix] ?? 1;
  return Math.round(Number(value) * (prefix === '' ? 1 : base));
}

class PvParser implements FormatParser {
  #open = false;
  #last = -1;
  #ended = false;

  line({ stream, text }: FormatLine, emit: Emit): void {
    if (text.length > 1000) return; // pv's line is as wide as the terminal
    if (stream === 'stderr' && NUMERIC.test(text)) {
      const n = Number(text);
      if (n <= 100) this.#percent(n, emit, undefined);
      return;
    }
    const head = HEAD.exec(text);
    if (!head) return;
    const size = `${head[1]}${head[2]}`;
    const percent = PERCENT.exec(text.slice(head[0].length));
    if (percent) {
      this.#percent(Math.min(100, Number(percent[1])), emit, { bytes: bytes(head[1]!, head[2]!), size });
    } else {
      this.#start(emit, undefined);
      emit({ type: 'progress', phase: PHASE, current: bytes(head[1]!, head[2]!), extra: { size } });
    }
  }

  #start(emit: Emit, total: number | undefined): void {
    if (this.#open) return;
    this.#open = true;
    this.#last = -1;
    emit({ type: 'phase', id: PHASE, name: 'pv', ...(total === undefined ? {} : { total }) });
  }

  #percent(n: number, emit: Emit, extra: Record<string, unknown> | undefined): void {
    if (this.#ended) {
      // pv redraws its last line (100% again): nothing new. A lower value is the next transfer.
      if (n >= this.#last) return;
      this.#ended = false;
    }
    this.#start(emit, 100);
    if (n === this.#last) return;
    this.#last = n;
    emit({ type: 'progress', phase: PHASE, current: n, total: 100, ...(extra ? { extra } : {}) });
    if (n === 100) {
      emit({ type: 'phase.end', id: PHASE, status: 'ok' });
      this.#open = false;
      this.#ended = true;
    }
  }
}

export const parser: ParserSpec = {
  name: 'pv',
  description: 'pv: the default bar "1.00GiB 0:00:05 [ 200MiB/s] [==>  ] 45% ETA 0:00:06" → progress of phase pv; pv -n numbers on stderr only with --parser pv',
  contains: 'B/s]',
  detect: new RegExp(HEAD.source),
  create: () => new PvParser(),
};
