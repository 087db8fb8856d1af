// Keys from a terminal in raw mode: bytes in, named keys out. An escape sequence may arrive split
// over two reads (a slow link, a pty under load), so an unfinished one is held until the next read
// or until `flush()` (the caller's short timer): only then is a lone ESC the Escape key.

export type KeyName =
  | 'up' | 'down' | 'left' | 'right' | 'pageup' | 'pagedown' | 'home' | 'end'
  | 'enter' | 'tab' | 'backtab' | 'escape' | 'backspace' | 'delete' | 'ctrl-c' | 'ctrl-u' | 'ctrl-w'
  | 'char' | 'other';

export interface Key {
  name: KeyName;
  /** The character typed, for `char` (one code point; Alt+x gives x with `alt`). */
  char?: string;
  alt?: boolean;
}

/** CSI sequences by their parameter and final byte (`5~`, `A`…), xterm's and VT220's spellings. */
const CSI: Record<string, KeyName> = {
  A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', Z: 'backtab',
  '1~': 'home', '7~': 'home', '4~': 'end', '8~': 'end', '5~': 'pageup', '6~': 'pagedown', '3~': 'delete',
};
/** SS3 (`ESC O x`): cursor keys in application mode. */
const SS3: Record<string, KeyName> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' };
const CONTROL: Record<number, KeyName> = { 0x03: 'ctrl-c', 0x15: 'ctrl-u', 0x17: 'ctrl-w', 0x09: 'tab', 0x0d: 'enter', 0x0a: 'enter', 0x7f: 'backspace', 0x08: 'backspace' };
/** An unfinished sequence longer than this is garbage, not a key still arriving. */
const MAX_SEQUENCE = 16;

export class KeyDecoder {
  #held = '';

  /** An escape sequence is unfinished: call flush() if nothing more comes soon. */
  get pending(): boolean {
    return this.#held !== '';
  }

  push(bytes: Buffer | string): Key[] {
    const text = this.#held + (typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
    this.#held = '';
    return this.#decode(text, false);
  }

  /** Nothing more came: what is held is read as it stands (a lone ESC is Escape). */
  flush(): Key[] {
    const text = this.#held;
    this.#held = '';
    return this.#decode(text, true);
  }

  #decode(text: string, final: boolean): Key[] {
    const keys: Key[] = [];
    let i = 0;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code === 0x1b) {
        const read = escape(text, i, final);
        if (read === undefined) {
          this.#held = text.slice(i);
          break;
        }
        keys.push(read.key);
        i = read.end;
        continue;
      }
      const point = text.codePointAt(i)!;
      const width = point > 0xffff ? 2 : 1;
      const control = CONTROL[point];
      if (control !== undefined) keys.push({ name: control });
      else if (point < 0x20) keys.push({ name: 'other' });
      else keys.push({ name: 'char', char: text.slice(i, i + width) });
      // CR LF from a terminal that sends both for Enter is one key.
      i += point === 0x0d && text.charCodeAt(i + 1) === 0x0a ? 2 : width;
    }
    return keys;
  }
}

/** The key an escape sequence at `at` stands for, or undefined while it may still be arriving. */
function escape(text: string, at: number, final: boolean): { key: Key; end: number } | undefined {
  const next = text[at + 1];
  if (next === undefined) return final ? { key: { name: 'escape' }, end: at + 1 } : undefined;
  if (next === '[' || next === 'O') {
    // Parameters and intermediates, then one final byte in @..~.
    let j = at + 2;
    while (j < text.length && /[0-9;:<=>?]/.test(text[j]!)) j++;
    if (j >= text.length) {
      if (!final && j - at < MAX_SEQUENCE) return undefined;
      return { key: { name: 'other' }, end: text.length };
    }
    const body = text.slice(at + 2, j + 1);
    const name = next === '[' ? CSI[body] ?? CSI[body.replace(/^1;\d+/, '')] : SS3[body];
    return { key: { name: name ?? 'other' }, end: j + 1 };
  }
  if (next === '\x1b') return { key: { name: 'escape' }, end: at + 1 };
  // Alt+key: ESC then the key.
  const point = text.codePointAt(at + 1)!;
  const width = point > 0xffff ? 2 : 1;
  if (point < 0x20 || point === 0x7f) return { key: { name: CONTROL[point] ?? 'other', alt: true }, end: at + 1 + width };
  return { key: { name: 'char', char: text.slice(at + 1, at + 1 + width), alt: true }, end: at + 1 + width };
}
