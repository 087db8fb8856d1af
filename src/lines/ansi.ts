// Terminal escapes: stripped from child lines for matching only, and neutralised in text prog itself renders.

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), other two-byte ESC sequences, and 8-bit CSI.
// Linear: each alternative consumes characters from a bounded class with no nested quantifiers.
const ANSI = /\x1b\[[\x20-\x3f]*[\x40-\x7e]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[\x20-\x2f]*[\x30-\x7e]|\x9b[\x20-\x3f]*[\x40-\x7e]/g;

export function stripAnsi(text: string): string {
  return text.includes('\x1b') || text.includes('\x9b') ? text.replace(ANSI, '') : text;
}

// C0 controls, DEL, C1 controls, and bidi overrides/isolates: anything that could move the cursor,
// retitle the window or reorder text when prog prints a field that came from the child.
/** C0 and C1 controls, DEL and the bidi overrides: what no text from a command may carry as is. */
export const UNSAFE_CLASS = '[\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]';
const HAS_UNSAFE = new RegExp(UNSAFE_CLASS);
const UNSAFE = new RegExp(UNSAFE_CLASS, 'g');

/** Makes a child-supplied string safe to print inside prog's own status lines: `\x1b` shows as text. */
export function escapeForTerminal(text: string): string {
  return HAS_UNSAFE.test(text) ? text.replace(UNSAFE, escapeChar) : text;
}

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
}
