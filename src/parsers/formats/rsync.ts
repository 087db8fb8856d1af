// rsync --info=progress2: one line for the whole transfer, redrawn with `\r` (each line also starts
// with `\r`, so an empty redraw comes first):
//   `      3,800,000 100%    1.98MB/s    0:00:01 (xfr#100, to-chk=0/102)`
// → progress of phase `rsync` (total 100) with the bytes, rate, files transferred and files left
// to check in `extra`. The percentage may step back while rsync's incremental recursion still finds
// files (`ir-chk=`): it is reported as rsync prints it.
// With --progress (per file) the same columns describe one file each: a line at 100% with files
// still to check followed by a lower percentage gives that away; from then on the phase counts
// checked files (n of to-chk's total) from the `(xfr#…)` lines instead.
import type { Emit, FormatLine, FormatParser, ParserSpec } from '../format-parser.js';

const PHASE = 'rsync';
const LINE = /^ *(\d{1,3}(?:,\d{3}){0,8}|\d{1,24}) +(\d{1,3})% +(\d{1,9}(?:\.\d{1,3})?[kKMGTP]?B\/s) +(\d{1,5}:\d{2}:\d{2})(?: \(xfr#(\d{1,12}), (ir|to)-chk=(\d{1,12})\/(\d{1,12})\))? *$/;

class RsyncParser implements FormatParser {
  #open = false;
  #perFile = false;
  /** The last line was a file's 100% with files still to check (per-file mode's signature). */
  #fileDone = false;
  #last = '';
  #complete = false;

  line({ text }: FormatLine, emit: Emit): void {
    if (text.length > 200) return;
    const m = LINE.exec(text);
    if (!m) return;
    const [, size, pct, rate, elapsed, xfr, chk, left, files] = m;
    const percent = Math.min(100, Number(pct));
    const hasXfr = xfr !== undefined;
    if (!this.#perFile && this.#fileDone && percent < 100) this.#perFile = true;
    this.#fileDone = hasXfr && percent === 100 && Number(left) > 0;
    if (!this.#open) {
      this.#open = true;
      emit({ type: 'phase', id: PHASE, name: 'rsync', total: 100 });
    }
    const extra: Record<string, unknown> = { bytes: Number(size!.replace(/,/g, '')), rate, elapsed };
    if (hasXfr) {
      extra.transferred = Number(xfr);
      extra[chk === 'ir' ? 'irCheck' : 'toCheck'] = Number(left);
      extra.files = Number(files);
    }
    if (this.#perFile) {
      if (!hasXfr) return;
      const total = Number(files);
      const current = Math.max(0, total - Number(left));
      this.#complete = chk === 'to' && Number(left) === 0;
      emit({ type: 'progress', phase: PHASE, current, total, extra });
      return;
    }
    this.#complete = percent === 100 && (!hasXfr || (chk === 'to' && Number(left) === 0));
    const key = `${percent} ${xfr ?? ''}`;
    if (key === this.#last) return;
    this.#last = key;
    emit({ type: 'progress', phase: PHASE, current: percent, total: 100, extra });
  }

  end(emit: Emit): void {
    if (this.#open && this.#complete) emit({ type: 'phase.end', id: PHASE, status: 'ok' });
  }
}

export const parser: ParserSpec = {
  name: 'rsync',
  description: 'rsync --info=progress2 (and --progress): "  1,234,567  45%   12.34MB/s    0:00:05 (xfr#12, to-chk=34/100)" → progress of phase rsync',
  firstChars: '0123456789',
  detect: /^ *(?:\d{1,3}(?:,\d{3}){0,8}|\d{1,24}) +\d{1,3}% +\d{1,9}(?:\.\d{1,3})?[kKMGTP]?B\/s +\d{1,5}:\d{2}:\d{2}/,
  create: () => new RsyncParser(),
};
