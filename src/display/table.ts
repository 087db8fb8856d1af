// Aligned text tables for listings (prog history, prog ls): columns as wide as their widest cell
// (in terminal cells, so wide characters line up), two spaces apart, a dim header.
import type { ChalkInstance } from 'chalk';
import { padEnd, textWidth } from './rich/text-width.js';

export type Align = 'left' | 'right';

export function table(header: string[], rows: { cells: string[]; style?: (i: number, cell: string) => string }[], align: Align[], c: ChalkInstance): string {
  const widths = header.map((h, i) => Math.max(textWidth(h), ...rows.map((r) => textWidth(r.cells[i] ?? ''))));
  const pad = (cell: string, i: number) => {
    const w = widths[i]!;
    return align[i] === 'right' ? ' '.repeat(Math.max(0, w - textWidth(cell))) + cell : padEnd(cell, w);
  };
  const last = header.length - 1;
  const line = (cells: string[], style: (i: number, text: string) => string) =>
    cells.map((cell, i) => (i === last && align[i] === 'left' ? style(i, cell) : style(i, pad(cell, i)))).join('  ').trimEnd() + '\n';
  return line(header, (_, t) => c.dim(t)) + rows.map((r) => line(r.cells, (i, t) => (r.style ? r.style(i, t) : t))).join('');
}
