// Markdown for a GitHub step summary, from text the command printed: nothing it prints can become
// markup (a table's `|`, a `<script>`, an emphasis), and the whole stays under GitHub's size limit,
// cut between blocks (never inside a table row or an HTML element) with a note saying so.
import { stripAnsi } from '../lines/ansi.js';

/** GitHub refuses a step summary over 1 MiB (the upload fails); prog keeps below this, with a margin. */
export const SUMMARY_LIMIT_BYTES = 1_000_000;

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Text inside HTML: `<pre>` blocks, attribute-free elements. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => HTML[ch]!);
}

/**
 * Text in a table cell (or any inline Markdown): HTML escaped, Markdown punctuation that could
 * format or end the cell backslash-escaped, line breaks as `<br>`.
 */
export function cell(text: string): string {
  return escapeHtml(printable(text))
    .replace(/[\\`*_[\]~|#!]/g, '\\$&')
    .replace(/\r?\n|\r/g, '<br>');
}

// Controls other than line breaks, and bidi overrides/isolates (which would reorder the page's text).
const UNPRINTABLE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** Colour codes dropped, tabs as spaces, other controls and bidi overrides shown as `\u…` escapes. */
export function printable(text: string): string {
  return stripAnsi(text).replace(/\t/g, '  ').replace(UNPRINTABLE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Inline code that any text fits in: `<code>` with the text escaped as a cell. */
export function code(text: string): string {
  return `<code>${cell(text)}</code>`;
}

/** A table: a header row, alignments (`l`, `r`), and rows of cells already escaped. */
export function table(header: string[], align: ('l' | 'r')[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |\n`;
  return [
    `\n${line(header)}${line(align.map((a) => (a === 'r' ? '--:' : ':--')))}`,
    ...rows.map(line),
  ];
}

/**
 * The blocks that fit in `budget` bytes, in order, and a note when some did not: each block is
 * whole (a heading, a table row, an HTML element with its end), so a cut leaves valid Markdown.
 */
export function fitBlocks(blocks: string[], budget: number, note: (keptBytes: number, allBytes: number) => string): string {
  const sizes = blocks.map((b) => Buffer.byteLength(b, 'utf8'));
  const all = sizes.reduce((a, b) => a + b, 0);
  if (all <= budget) return blocks.join('');
  const reserve = Buffer.byteLength(note(all, all), 'utf8') + 64;
  let used = 0;
  let kept = 0;
  while (kept < blocks.length && used + sizes[kept]! <= budget - reserve) used += sizes[kept++]!;
  return blocks.slice(0, kept).join('') + note(used, all);
}
