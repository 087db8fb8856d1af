// rsync's progress lines, redrawn with `\r` (each line also starts with `\r`, so an empty redraw
// comes first): `      3,800,000 100%    1.98MB/s    0:00:01 (xfr#100, to-chk=0/102)`.
//
// They mean one of two things, and the numbers alone do not say which:
// - --info=progress2: the whole transfer. The percentage is the run's progress (phase `rsync`, total
//   100), with the bytes, rate, files transferred and files left to check in `extra`. It may step
//   back while rsync's incremental recursion still finds files (`ir-chk=`): reported as printed.
// - --progress (per file): one file's bar, ended by its `(xfr#…)` line at 100%. A file's percentage
//   is never the run's progress: the run's is the files checked, n of to-chk's total
//   (`to-chk=12/40` → 28 of 40), from the `(xfr#…)` lines. While the file list is still being
//   sent (`ir-chk=12/40`) its total is not final: the progress is then the count alone, with no
//   total (no percentage, no ETA that the next directory would prove wrong), the list so far in
//   `extra.files`.
// The first `(xfr#…)` line tells them apart: per file it is at 100% with files left to check (or
// rsync printed file names, see below); the whole transfer's is below 100% until the end. Before
// it, a bar is held back (not progress) when rsync printed its file list header or file names —
// --progress does, progress2 without -v does not — and otherwise read as the whole transfer's.
// So a per-file bar is only taken for the run's when nothing before it says so (rsync --progress
// of several files named one by one, not recursive): until the first file is done.
import type { Emit, FormatLine, FormatParser, ParserSpec } from '../format-parser.js';

const PHASE = 'rsync';
const LINE = /^ *(\d{1,3}(?:,\d{3}){0,8}|\d{1,24}) +(\d{1,3})% +(\d{1,9}(?:\.\d{1,3})?[kKMGTP]?B\/s) +(\d{1,5}:\d{2}:\d{2})(?: \(xfr#(\d{1,12}), (ir|to)-chk=(\d{1,12})\/(\d{1,12})\))? *$/;
/** What rsync prints before its file names (--progress implies them; so does -v). */
const LIST_HEADER = /^(?:(?:sending|receiving) incremental file list|(?:building|receiving) file list \.\.\.)/;

type Mode = 'unknown' | 'transfer' | 'files';

class RsyncParser implements FormatParser {
  #open = false;
  #mode: Mode = 'unknown';
  /** rsync printed its file list header or file names: bars may be per file. */
  #names = false;
  #last = '';
  #complete = false;

  line({ text, stream }: FormatLine, emit: Emit): void {
    const m = text.length > 200 ? null : LINE.exec(text);
    if (!m) {
      // A file name (or the list's header) on rsync's output, not its error stream.
      if (stream === 'stdout' && this.#mode === 'unknown' && text.trim() !== '') this.#names = true;
      return;
    }
    const [, size, pct, rate, elapsed, xfr, chk, leftText, filesText] = m;
    const percent = Math.min(100, Number(pct));
    const hasXfr = xfr !== undefined;
    const left = Number(leftText);
    const files = Number(filesText);
    if (!this.#open) {
      this.#open = true;
      emit({ type: 'phase', id: PHASE, name: 'rsync' });
    }
    if (this.#mode === 'unknown' && hasXfr) {
      this.#mode = percent === 100 && (left > 0 || this.#names) ? 'files' : 'transfer';
    }
    const extra: Record<string, unknown> = {};
    if (this.#mode === 'files') {
      if (!hasXfr) return;
      // Per file, the size is the file's, not the transfer's.
      Object.assign(extra, { fileBytes: bytes(size!), rate, elapsed, transferred: Number(xfr), [chk === 'ir' ? 'irCheck' : 'toCheck']: left, files });
      const current = Math.max(0, files - left);
      this.#complete = chk === 'to' && left === 0;
      emit({ type: 'progress', phase: PHASE, current, ...(chk === 'to' ? { total: files } : {}), extra });
      return;
    }
    // Not known yet, after file names: maybe one file's bar.
    if (this.#mode === 'unknown' && this.#names) return;
    Object.assign(extra, { bytes: bytes(size!), rate, elapsed });
    if (hasXfr) Object.assign(extra, { transferred: Number(xfr), [chk === 'ir' ? 'irCheck' : 'toCheck']: left, files });
    this.#complete = percent === 100 && (!hasXfr || (chk === 'to' && left === 0));
    // Until an `(xfr#…)` line says it is the whole transfer's, a bar's 100% ends nothing.
    const current = this.#mode === 'unknown' ? Math.min(percent, 99) : percent;
    const key = `${current} ${xfr ?? ''}`;
    if (key === this.#last) return;
    this.#last = key;
    emit({ type: 'progress', phase: PHASE, current, total: 100, extra });
  }

  end(emit: Emit): void {
    if (this.#open && this.#complete && this.#mode !== 'unknown') emit({ type: 'phase.end', id: PHASE, status: 'ok' });
  }
}

const bytes = (size: string) => Number(size.replace(/,/g, ''));

/** `  12,345  45%`: the size (digits and commas), spaces, then the percentage. */
function progressStart(bytes: Buffer, at: number, end: number): boolean {
  let p = at;
  while (p < end && ((bytes[p]! >= 0x30 && bytes[p]! <= 0x39) || bytes[p] === 0x2c)) p++;
  if (p === at || p >= end || bytes[p] !== 0x20) return false;
  while (p < end && bytes[p] === 0x20) p++;
  const digits = p;
  while (p < end && bytes[p]! >= 0x30 && bytes[p]! <= 0x39) p++;
  return p > digits && bytes[p] === 0x25;
}

export const parser: ParserSpec = {
  firstChars: '0123456789sbr',
  name: 'rsync',
  description: 'rsync --info=progress2: "  1,234,567  45%   12.34MB/s    0:00:05 (xfr#12, to-chk=34/100)" → progress of phase rsync; --progress (per file): files checked of to-chk\'s total',
  leads: [progressStart, 'sending incremental file list', 'receiving incremental file list', 'building file list', 'receiving file list'],
  detect: /^(?: *(?:\d{1,3}(?:,\d{3}){0,8}|\d{1,24}) +\d{1,3}% +\d{1,9}(?:\.\d{1,3})?[kKMGTP]?B\/s +\d{1,5}:\d{2}:\d{2}|(?:sending|receiving) incremental file list$|(?:building|receiving) file list \.\.\.)/,
  create: () => new RsyncParser(),
};
