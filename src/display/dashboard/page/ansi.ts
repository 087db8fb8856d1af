// The command's text as DOM. SGR colours become spans with classes (256-colour and truecolour set
// `style.color` through CSSOM, from numbers checked to be 0–255); every other escape is dropped:
// OSC (links, clipboard, titles), DCS/SOS/PM/APC strings, other CSI sequences, lone ESC, C0 and C1
// controls, bidi overrides. One pass over the text, a fixed amount of work per character: no
// regular expression, so a megabyte of ESC bytes costs what a megabyte of letters does.

/** Characters shown of one line; the rest is counted in a note. */
export const MAX_LINE_CHARS = 10_000;

interface Style {
  fg?: number | string; // 0–15 (class) or 'rgb(…)'
  bg?: number | string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

export interface Segment {
  text: string;
  style: Style;
}

export interface Parsed {
  segments: Segment[];
  /** Characters of the input not looked at past the cap. */
  more: number;
}

const ESC = 0x1b;
const BEL = 0x07;

/** Characters that are shown as nothing (bidi embeddings, overrides and isolates). */
function isBidiControl(c: number): boolean {
  return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

export function parseAnsi(input: string, max = MAX_LINE_CHARS): Parsed {
  const segments: Segment[] = [];
  let style: Style = {};
  let text = '';
  let shown = 0;
  const flush = () => {
    if (text !== '') segments.push({ text, style });
    text = '';
  };
  const len = input.length;
  let i = 0;
  while (i < len) {
    const c = input.charCodeAt(i);
    if (c === ESC || (c >= 0x80 && c <= 0x9f)) {
      // A C1 control is the 8-bit form of ESC + (c - 0x40): its sequence or string is removed too.
      const kind = c === ESC ? (i + 1 < len ? input.charCodeAt(i + 1) : -1) : c - 0x40;
      const start = c === ESC ? i + 2 : i + 1;
      if (kind === 0x5b /* [ */) {
        const end = skipCsi(input, start);
        // Colour only from `ESC [`: the 8-bit CSI is dropped whole, as UTF-8 terminals treat it.
        if (end.sgr && c === ESC) {
          const next = applySgr(style, input.slice(start, end.finalAt));
          if (next !== style) {
            flush();
            style = next;
          }
        }
        i = end.next;
      } else if (kind === 0x5d /* ] OSC */ || kind === 0x50 /* P DCS */ || kind === 0x58 /* X SOS */ || kind === 0x5e /* ^ PM */ || kind === 0x5f /* _ APC */) {
        i = skipString(input, start);
      } else if (c === ESC && kind >= 0x20 && kind <= 0x2f) {
        // nF escapes (charset designation `ESC ( B`): intermediates, then one final byte.
        let j = start;
        while (j < len && input.charCodeAt(j) >= 0x20 && input.charCodeAt(j) <= 0x2f) j++;
        i = j < len && input.charCodeAt(j) >= 0x30 && input.charCodeAt(j) <= 0x7e ? j + 1 : j;
      } else if (c === ESC && kind >= 0x30 && kind <= 0x7e) {
        i = start; // A two-character escape (ESC 7, ESC M, ESC c…).
      } else {
        i = c === ESC ? i + 1 : start; // A lone ESC, or another C1 control: dropped.
      }
      continue;
    }
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || isBidiControl(c)) {
      i++;
      continue;
    }
    if (shown >= max) break;
    // A surrogate pair is one character and is never cut in half.
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < len && input.charCodeAt(i + 1) >= 0xdc00 && input.charCodeAt(i + 1) <= 0xdfff;
    text += pair ? input.slice(i, i + 2) : input[i];
    i += pair ? 2 : 1;
    shown++;
  }
  flush();
  return { segments, more: len - i };
}

/** Where a CSI sequence starting at `i` (after `ESC [`) ends, and whether it is an SGR. */
function skipCsi(input: string, i: number): { next: number; finalAt: number; sgr: boolean } {
  const len = input.length;
  let j = i;
  let plain = true; // parameters only digits, `;` and `:`
  while (j < len) {
    const c = input.charCodeAt(j);
    if (c >= 0x40 && c <= 0x7e) return { next: j + 1, finalAt: j, sgr: plain && c === 0x6d /* m */ };
    if (c >= 0x30 && c <= 0x3f) {
      if (!((c >= 0x30 && c <= 0x39) || c === 0x3b || c === 0x3a)) plain = false;
    } else if (c >= 0x20 && c <= 0x2f) {
      plain = false;
    } else {
      // Not part of a CSI (a control, a letter outside the range): the sequence is broken; drop
      // what was read and go on from here.
      return { next: j, finalAt: j, sgr: false };
    }
    j++;
  }
  return { next: len, finalAt: len, sgr: false };
}

/** The end of a control string (OSC, DCS…): after BEL, `ESC \` or ST (U+009C); else the end of the line. */
function skipString(input: string, i: number): number {
  const len = input.length;
  for (let j = i; j < len; j++) {
    const c = input.charCodeAt(j);
    if (c === BEL || c === 0x9c) return j + 1;
    if (c === ESC) return j + 1 < len && input.charCodeAt(j + 1) === 0x5c ? j + 2 : j + 1;
  }
  return len;
}

/** The style after an SGR with these parameters; the same object when nothing changed. */
function applySgr(current: Style, params: string): Style {
  // A real SGR is short; a huge one is ignored rather than split into a huge array.
  if (params.length > 256) return current;
  const parts = params.split(';');
  const s: Style = { ...current };
  let changed = false;
  const set = <K extends keyof Style>(key: K, value: Style[K]) => {
    if (s[key] !== value) {
      changed = true;
      if (value === undefined || value === false) delete s[key];
      else s[key] = value;
    }
  };
  for (let k = 0; k < parts.length && k < 32; k++) {
    const part = parts[k]!;
    // Colon sub-parameters (`38:2::r:g:b`, `4:3`) belong to their parameter.
    const sub = part.includes(':') ? part.split(':') : undefined;
    const code = num(sub ? sub[0]! : part);
    if (code === undefined) continue;
    if (code === 0) {
      if (Object.keys(s).length > 0) {
        for (const key of Object.keys(s) as (keyof Style)[]) delete s[key];
        changed = true;
      }
    } else if (code === 1) set('bold', true);
    else if (code === 2) set('dim', true);
    else if (code === 3) set('italic', true);
    else if (code === 4) set('underline', !(sub && num(sub[1] ?? '') === 0));
    else if (code === 7) set('inverse', true);
    else if (code === 9) set('strike', true);
    else if (code === 21 || code === 22) {
      set('bold', false);
      set('dim', false);
    } else if (code === 23) set('italic', false);
    else if (code === 24) set('underline', false);
    else if (code === 27) set('inverse', false);
    else if (code === 29) set('strike', false);
    else if (code >= 30 && code <= 37) set('fg', code - 30);
    else if (code >= 90 && code <= 97) set('fg', code - 90 + 8);
    else if (code === 39) set('fg', undefined);
    else if (code >= 40 && code <= 47) set('bg', code - 40);
    else if (code >= 100 && code <= 107) set('bg', code - 100 + 8);
    else if (code === 49) set('bg', undefined);
    else if (code === 38 || code === 48) {
      const key = code === 38 ? 'fg' : 'bg';
      let colour: number | string | undefined;
      if (sub) {
        // 38:5:n, 38:2:r:g:b or 38:2:colourspace:r:g:b
        const mode = num(sub[1] ?? '');
        if (mode === 5) colour = palette(num(sub[2] ?? ''));
        else if (mode === 2) colour = sub.length >= 6 ? rgb(sub[3], sub[4], sub[5]) : rgb(sub[2], sub[3], sub[4]);
      } else {
        const mode = num(parts[k + 1] ?? '');
        if (mode === 5) {
          colour = palette(num(parts[k + 2] ?? ''));
          k += 2;
        } else if (mode === 2) {
          colour = rgb(parts[k + 2], parts[k + 3], parts[k + 4]);
          k += 4;
        } else k += 1;
      }
      if (colour !== undefined) set(key, colour);
    }
  }
  return changed ? s : current;
}

/** A decimal parameter of at most 3 digits (empty is 0, as terminals read it). */
function num(s: string): number | undefined {
  if (s === '') return 0;
  if (s.length > 3) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

function byte(s: string | undefined): number | undefined {
  const n = s === undefined || s === '' ? undefined : num(s);
  return n !== undefined && n <= 255 ? n : undefined;
}

function rgb(r: string | undefined, g: string | undefined, b: string | undefined): string | undefined {
  const [R, G, B] = [byte(r), byte(g), byte(b)];
  return R === undefined || G === undefined || B === undefined ? undefined : `rgb(${R}, ${G}, ${B})`;
}

/** Colour n of the 256-colour palette: 0–15 the themed ones (a class), else its RGB value. */
function palette(n: number | undefined): number | string | undefined {
  if (n === undefined || n > 255) return undefined;
  if (n < 16) return n;
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const i = n - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
}

/** Appends the line to `parent`: text nodes and spans, nothing else. */
export function renderAnsi(input: string, parent: HTMLElement, max = MAX_LINE_CHARS): void {
  const { segments, more } = parseAnsi(input, max);
  for (const seg of segments) parent.append(styled(seg));
  if (more > 0) {
    const note = document.createElement('span');
    note.className = 'ansi-more';
    note.textContent = ` … (${more} more characters)`;
    parent.append(note);
  }
}

function styled(seg: Segment): Node {
  const st = seg.style;
  const classes: string[] = [];
  let fg = st.fg;
  let bg = st.bg;
  // Inverse swaps the colours; a default one becomes the log's background (or text) colour.
  if (st.inverse) [fg, bg] = [bg ?? 'inverse', fg ?? 'inverse'];
  if (typeof fg === 'number') classes.push(`ansi-fg-${fg}`);
  else if (fg === 'inverse') classes.push('ansi-fg-inverse');
  if (typeof bg === 'number') classes.push(`ansi-bg-${bg}`);
  else if (bg === 'inverse') classes.push('ansi-bg-inverse');
  if (st.bold) classes.push('ansi-bold');
  if (st.dim) classes.push('ansi-dim');
  if (st.italic) classes.push('ansi-italic');
  if (st.underline) classes.push('ansi-underline');
  if (st.strike) classes.push('ansi-strike');
  const rgbFg = typeof fg === 'string' && fg.startsWith('rgb(') ? fg : undefined;
  const rgbBg = typeof bg === 'string' && bg.startsWith('rgb(') ? bg : undefined;
  if (classes.length === 0 && !rgbFg && !rgbBg) return document.createTextNode(seg.text);
  const span = document.createElement('span');
  span.className = classes.join(' ');
  // Built above from validated numbers only.
  if (rgbFg) span.style.color = rgbFg;
  if (rgbBg) span.style.backgroundColor = rgbBg;
  span.textContent = seg.text;
  return span;
}

/** The text without any escape or control: for titles, filters, tooltips. */
export function plainText(input: string, max = MAX_LINE_CHARS): string {
  return parseAnsi(input, max).segments.map((s) => s.text).join('');
}
