import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LineEnd } from '../../src/events.js';
import fc from 'fast-check';
import { LineSplitter, MAX_LINE_BYTES, type HoldCheck, type LineSplitterOptions, type SplitLine } from '../../src/lines/line-splitter.js';
import { MARKER_NEEDLE, markerVerdict } from '../../src/parsers/marker.js';

interface Seen {
  text: string;
  eol: LineEnd;
  length: number;
  truncated: boolean;
  held: boolean;
  candidate: boolean;
  bytes: Buffer;
}

interface Options {
  hold?: HoldCheck;
  allLines?: LineSplitterOptions['allLines'];
  /** Default: the marker needle, as prog runs it (so chunks with no marker pass in one piece). */
  holdNeedle?: Buffer | null;
  /** Which held lines the handler consumes; default: every held line starting `::prog::{"ok"`. */
  consume?: (line: SplitLine) => boolean;
  maxLineBytes?: number;
}

/** Feeds chunks through a splitter and records what was shown and which lines were reported. */
function feed(chunks: (string | Buffer)[], options: Options = {}) {
  const shown: Buffer[] = [];
  const lines: Seen[] = [];
  /** What had been shown when each chunk was pushed (before end()). */
  const shownAfterPush: string[] = [];
  const consume = options.consume ?? ((line: SplitLine) => line.held && line.bytes.toString().includes('::prog::{"ok"'));
  const splitter = new LineSplitter({
    hold: options.hold ?? markerVerdict,
    ...(options.holdNeedle === null || options.hold !== undefined ? {} : { holdNeedle: options.holdNeedle ?? MARKER_NEEDLE }),
    allLines: options.allLines ?? true,
    // Copies: the splitter may hand out views of the caller's chunk.
    pass: (bytes) => shown.push(Buffer.from(bytes)),
    line: (line) => {
      const bytes = Buffer.from(line.bytes);
      lines.push({ text: bytes.toString('utf8'), eol: line.eol, length: line.length, truncated: line.truncated, held: line.held, candidate: line.candidate, bytes });
      return consume(line);
    },
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
  });
  for (const chunk of chunks) {
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    shownAfterPush.push(Buffer.concat(shown).toString('latin1'));
  }
  splitter.end();
  return { shown: Buffer.concat(shown), lines, shownAfterPush, ends: lines.map((l) => [l.text, l.eol]) };
}

const bytewise = (s: string | Buffer) => [...(typeof s === 'string' ? Buffer.from(s) : s)].map((b) => Buffer.from([b]));

test('lines ending in \\n are reported one by one and shown unchanged', () => {
  const r = feed(['one\ntwo\nthree\n']);
  assert.equal(r.ends, [['one', '\n'], ['two', '\n'], ['three', '\n']]);
  assert.is(r.shown.toString(), 'one\ntwo\nthree\n');
});

test('\\r\\n line ends are one end, not a redraw followed by an empty line', () => {
  const r = feed(['a\r\nb\r\n']);
  assert.equal(r.ends, [['a', '\r\n'], ['b', '\r\n']]);
  assert.is(r.shown.toString(), 'a\r\nb\r\n');
});

test('a lone \\r ends a line as a redraw (progress bars that rewrite their line)', () => {
  const r = feed(['10%\r20%\r100%\n']);
  assert.equal(r.ends, [['10%', '\r'], ['20%', '\r'], ['100%', '\n']]);
  assert.is(r.shown.toString(), '10%\r20%\r100%\n');
});

test('a \\r\\n split across two chunks is still one \\r\\n line end', () => {
  const r = feed(['a\r', '\nb\n']);
  assert.equal(r.ends, [['a', '\r\n'], ['b', '\n']]);
  assert.is(r.shown.toString(), 'a\r\nb\n');
});

test('a \\r at a chunk end followed by text is a redraw, however the chunks fall', () => {
  assert.equal(feed(['a\r', 'b\n']).ends, [['a', '\r'], ['b', '\n']]);
  assert.equal(feed(['a\r', '', '\n']).ends, [['a', '\r\n']], 'an empty chunk does not decide the \\r');
  assert.equal(feed(['a\r']).ends, [['a', '\r']], 'a \\r at the very end of the stream');
  assert.is(feed(['a\r', '', '\n']).shown.toString(), 'a\r\n');
});

test('a \\r\\n split across chunks after a held marker is consumed with the marker', () => {
  const r = feed(['::prog::{"ok":1}\r', '\nafter\n']);
  assert.is(r.shown.toString(), 'after\n');
  assert.equal(r.ends, [['::prog::{"ok":1}', '\r\n'], ['after', '\n']]);
});

test('a partial last line without a line end is reported at end of stream with eol ""', () => {
  const r = feed(['first\npart', 'ial']);
  assert.equal(r.ends, [['first', '\n'], ['partial', '']]);
  assert.is(r.shown.toString(), 'first\npartial');
});

test('a stream ending exactly after a line end reports no extra empty line', () => {
  assert.equal(feed(['x\n']).ends, [['x', '\n']]);
  assert.equal(feed([]).ends, []);
});

test('UTF-8 characters (2, 3 and 4 bytes) split across chunks are decoded whole', () => {
  const text = 'é€😀𝄞 naïve — 你好 🎉\n';
  const r = feed(bytewise(text));
  assert.equal(r.ends, [[text.slice(0, -1), '\n']]);
  assert.ok(!r.lines[0]!.text.includes('\uFFFD'));
  assert.is(r.shown.toString(), text);
  // Cut inside the 4-byte emoji at every position.
  const emoji = Buffer.from('x😀y\n');
  for (let cut = 1; cut < emoji.length; cut++) {
    const s = feed([emoji.subarray(0, cut), emoji.subarray(cut)]);
    assert.equal(s.ends, [['x😀y', '\n']], `cut at ${cut}`);
  }
});

test('invalid UTF-8 bytes pass through byte for byte and reach the handler unchanged', () => {
  const bad = Buffer.from([0xff, 0xfe, 0x41, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x0a]);
  const r = feed(bytewise(bad));
  assert.ok(r.shown.equals(bad));
  assert.is(r.lines.length, 1);
  assert.ok(r.lines[0]!.bytes.equals(bad.subarray(0, -1)));
});

test('NUL bytes are ordinary bytes: they neither end a line nor get dropped', () => {
  const r = feed(['a\0b\0\n\0\n']);
  assert.equal(r.ends, [['a\0b\0', '\n'], ['\0', '\n']]);
  assert.is(r.shown.toString(), 'a\0b\0\n\0\n');
});

test('empty lines of every ending are reported, in order', () => {
  const r = feed(['\n\r\n\r', '\n', '\r\rx']);
  assert.equal(r.ends, [['', '\n'], ['', '\r\n'], ['', '\r\n'], ['', '\r'], ['', '\r'], ['x', '']]);
  assert.is(r.shown.toString(), '\n\r\n\r\n\r\rx');
});

test('a line over the cap is truncated for the handler but shown whole, byte for byte', () => {
  const line = 'x'.repeat(40) + 'END';
  for (const chunks of [[line + '\n'], bytewise(line + '\n'), [line.slice(0, 10), line.slice(10) + '\n']]) {
    const r = feed(chunks, { maxLineBytes: 16 });
    assert.is(r.shown.toString(), line + '\n');
    assert.is(r.lines.length, 1);
    const seen = r.lines[0]!;
    assert.is(seen.text, 'x'.repeat(16));
    assert.is(seen.length, 43);
    assert.is(seen.truncated, true);
    assert.is(seen.eol, '\n');
  }
});

test('a line of exactly the cap is not truncated', () => {
  const r = feed(['y'.repeat(16) + '\n'], { maxLineBytes: 16 });
  assert.is(r.lines[0]!.truncated, false);
  assert.is(r.lines[0]!.text, 'y'.repeat(16));
});

test('a marker-looking line over the cap is released and shown whole; the handler hears it is too long', () => {
  const line = '::prog::{"ok":' + '1'.repeat(50) + '}';
  for (const chunks of [[line + '\nnext\n'], bytewise(line + '\nnext\n'), [line.slice(0, 5), line.slice(5, 30), line.slice(30) + '\nnext\n']]) {
    const r = feed(chunks, { maxLineBytes: 24, consume: () => true });
    assert.is(r.shown.toString(), line + '\nnext\n');
    const seen = r.lines[0]!;
    assert.equal([seen.held, seen.candidate, seen.truncated, seen.length], [false, true, true, line.length]);
    assert.is(seen.text, line.slice(0, 24));
  }
});

test('a marker line over the cap after a long coloured lead is shown whole and in order', () => {
  // The undecided lead (spaces, colour) is longer than the cap itself.
  const line = ' '.repeat(30) + '\x1b[1;32m' + '::prog::{"ok":1}';
  for (const chunks of [[line + '\n'], bytewise(line + '\n')]) {
    const r = feed(['before\n', ...chunks, 'after\n'], { maxLineBytes: 8, consume: () => true });
    assert.is(r.shown.toString(), 'before\n' + line + '\nafter\n');
    assert.equal(r.lines.map((l) => [l.candidate, l.truncated, l.bytes.length]), [[false, false, 6], [true, true, 8], [false, false, 5]]);
  }
});

test('a line over 1 MiB by default is shown whole and the handler gets its first MiB', () => {
  const big = Buffer.alloc(MAX_LINE_BYTES + 300_000, 0x61);
  const chunks: Buffer[] = [];
  for (let i = 0; i < big.length; i += 65536) chunks.push(big.subarray(i, i + 65536));
  const r = feed([...chunks, '\n']);
  assert.is(r.shown.length, big.length + 1);
  assert.ok(r.shown.subarray(0, big.length).equals(big));
  assert.equal([r.lines[0]!.bytes.length, r.lines[0]!.length, r.lines[0]!.truncated], [MAX_LINE_BYTES, big.length, true]);
});

test('a consumed marker line is not shown, nor its line end; the lines around it are', () => {
  const input = 'before\n::prog::{"ok":1}\r\n  \x1b[32m::prog::{"ok":2}\x1b[0m\rafter\n';
  for (const chunks of [[input], bytewise(input)]) {
    const r = feed(chunks);
    assert.is(r.shown.toString(), 'before\nafter\n');
    assert.equal(r.lines.map((l) => l.held), [false, true, true, false]);
  }
});

test('a held marker line the handler does not consume is shown unchanged, with its line end', () => {
  const input = 'a\n::prog::{bad\r\n::prog::{"ok":1}\n::prog::{"no"}\rz';
  for (const chunks of [[input], bytewise(input)]) {
    const r = feed(chunks);
    assert.is(r.shown.toString(), 'a\n::prog::{bad\r\n::prog::{"no"}\rz');
  }
});

test('a marker line is held until its end arrives; ordinary text is shown at once', () => {
  const r = feed(['plain text with no end', ' more', '\n::prog::{"ok"', ':1}', '\n'], { allLines: false });
  assert.equal(r.shownAfterPush, [
    'plain text with no end',
    'plain text with no end more',
    'plain text with no end more\n',
    'plain text with no end more\n',
    'plain text with no end more\n',
  ]);
});

test('"::pr" at a chunk end followed by other text is shown unchanged, in order', () => {
  const r = feed(['x\n::pr', 'ogress: 50%\n', '::prog:', ':done\n', '  \x1b[3', '2mgreen\n'], { allLines: false });
  assert.is(r.shown.toString(), 'x\n::progress: 50%\n::prog::done\n  \x1b[32mgreen\n');
  // Only the line that really started with ::prog:: was ever held.
  assert.equal(r.lines.map((l) => [l.text, l.held]), [['::prog::done', true]]);
});

test('"::pr" then the rest of a real marker in the next chunk is consumed', () => {
  const r = feed(['::pr', 'og::{"ok"', ':1}\nvisible\n']);
  assert.is(r.shown.toString(), 'visible\n');
});

test('a marker prefix cut off by the end of the stream is shown', () => {
  assert.is(feed(['x\n', '::pro']).shown.toString(), 'x\n::pro');
  assert.is(feed(['x\n', '  \x1b']).shown.toString(), 'x\n  \x1b');
  assert.is(feed(['::prog::{"ok":1}']).shown.toString(), '', 'a complete marker without a line end is consumed');
});

test('with allLines off only held lines reach the handler', () => {
  const r = feed(['plain\n::prog::{"ok":1}\nmore\n'], { allLines: false });
  assert.equal(r.lines.map((l) => l.text), ['::prog::{"ok":1}']);
  assert.is(r.shown.toString(), 'plain\nmore\n');
});

test('a line that begins with 300 spaces before ::prog:: is not a marker and is shown at once', () => {
  const line = ' '.repeat(300) + '::prog::{"ok":1}';
  const r = feed([line.slice(0, 280), line.slice(280) + '\n']);
  assert.is(r.shown.toString(), line + '\n');
  assert.is(r.lines[0]!.held, false);
  assert.is(r.shownAfterPush[0], line.slice(0, 280), 'the lead is released once it is too long to be a marker lead');
});

test('a hold check that says "yes" to everything holds every non-empty line (the progress fd)', () => {
  const r = feed(['a\nb', '\r\n\n'], { hold: () => 'yes', allLines: false, consume: () => true });
  assert.is(r.shown.toString(), '\n', 'an empty line has no start to judge and is never held');
  assert.equal(r.ends, [['a', '\n'], ['b', '\r\n']]);
});

test('passing whole runs of lines in one piece changes nothing: same bytes shown, same lines handed over, wherever the chunks are cut', () => {
  const piece = fc.constantFrom('a', 'x', 'xy', ' ', '\n', '\r', '\r\n', '::prog::{"ok":1}', '::prog::{"ok"', '::pr', 'é', '\x1b[1m');
  // Lines starting with x are picked, as the parsers' prefilter picks lines by their first bytes.
  const pickX = () => (chunk: Buffer, start: number, end: number) => end > start && chunk[start] === 0x78;
  fc.assert(fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 6 }), fc.constantFrom('none', 'all', 'pick'), (pieces, cuts, mode) => {
    const bytes = Buffer.from(pieces.join(''));
    const at = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
    const chunks = [...at, bytes.length].map((end, k) => bytes.subarray(k === 0 ? 0 : at[k - 1]!, end));
    const allLines = mode === 'none' ? false : mode === 'all' ? true : pickX;
    const fast = feed(chunks, { allLines });
    // The reference: one chunk, and no needle (every line read one by one).
    const slow = feed([bytes], { allLines, holdNeedle: null });
    assert.is(fast.shown.toString('latin1'), slow.shown.toString('latin1'));
    const picked = (r: typeof fast) => r.lines.filter((l) => l.held || l.text.startsWith('x')).map((l) => [l.text, l.eol, l.held]);
    if (mode === 'pick') assert.equal(picked(fast), picked(slow));
    else assert.equal(fast.ends, slow.ends);
  }), { numRuns: 2000 });
});

test.run();
