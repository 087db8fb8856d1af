// A row of the screen from pieces of plain text, each with its style: cut to a number of cells
// (wide characters counted as two, never split) and padded to exactly that many, then styled. Text
// is measured before it is styled, so escapes never count as cells.
import { padEnd, textWidth, truncate } from '../rich/text-width.js';

export type Style = (text: string) => string;

export interface Span {
  /** Plain text, no escapes (child text goes through safeText first). */
  text: string;
  style?: Style;
}

/** The spans within `width` cells, padded with spaces to exactly `width`. */
export function fit(spans: readonly Span[], width: number): string {
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (let i = 0; i < spans.length && used < width; i++) {
    const span = spans[i]!;
    if (span.text === '') continue;
    const room = width - used;
    const w = textWidth(span.text);
    // A cut shows as `…`, also when this span just fills the row and more would follow.
    const cut = w > room || (w === room && spans.slice(i + 1).some((s) => s.text !== ''));
    const text = cut ? truncate(w > room ? span.text : `${span.text}…`, room) : span.text;
    out += span.style ? span.style(text) : text;
    used += textWidth(text);
    if (cut) break;
  }
  return used < width ? out + ' '.repeat(width - used) : out;
}

/** Plain text cut and padded to `width` cells. */
export function cell(text: string, width: number): string {
  return padEnd(truncate(text, width), width);
}

export { textWidth, truncate, padEnd };
