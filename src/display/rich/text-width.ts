// Terminal cell width of plain text (no escapes: rows are styled after they are cut to width).
// A line counted narrower than it is wraps on screen, and the frame writer, erasing by count,
// leaves its top behind in the scrollback; so widths follow Unicode's East Asian Width data (wide
// and fullwidth: two cells, as terminals draw ✅ ❌ ⚡ and CJK; ambiguous: one, as terminals do
// outside CJK locales), and combining marks, joiners and variation selectors take none.
// ASCII, nearly all of what rows hold, is one comparison a character.
import { eastAsianWidth } from 'get-east-asian-width';

/** Combining marks and format characters (zero-width joiner and spaces, variation selectors, BOM). */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

/** Widths looked up so far: frames repeat the same few (bars, icons, spinners, separators). */
const known = new Map<number, number>();
const KNOWN_MAX = 4096;

function charWidth(code: number): number {
  if (code < 0x7f) return code < 0x20 ? 0 : 1;
  if (code < 0xa0) return 0;
  // Latin, Greek, Cyrillic… up to the combining marks are all narrow (U+00AD, the soft hyphen, shows as one).
  if (code < 0x300) return 1;
  let width = known.get(code);
  if (width === undefined) {
    // Hangul jamo vowels and finals join the syllable before them.
    width = (code >= 0x1160 && code <= 0x11ff) || ZERO_WIDTH.test(String.fromCodePoint(code)) ? 0 : eastAsianWidth(code);
    if (known.size < KNOWN_MAX) known.set(code, width);
  }
  return width;
}

export function textWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x7f && code >= 0x20) {
      width++;
      continue;
    }
    const point = text.codePointAt(i)!;
    if (point > 0xffff) i++;
    width += charWidth(point);
  }
  return width;
}

/** Cuts text to at most `max` cells, ending with `…` when something was cut. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max && textWidth(text) <= max) return text;
  let width = 0;
  let end = 0;
  for (let i = 0; i < text.length; ) {
    const point = text.codePointAt(i)!;
    const w = charWidth(point);
    if (width + w > max - 1) break;
    width += w;
    i += point > 0xffff ? 2 : 1;
    end = i;
  }
  return text.slice(0, end) + '…';
}

export function padEnd(text: string, width: number): string {
  const w = textWidth(text);
  return w >= width ? text : text + ' '.repeat(width - w);
}
