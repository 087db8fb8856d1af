// `--format json` writes `output` events without JSON.stringify on the common path: each must read
// exactly as JSON.stringify would have written it (keys, order, escapes), whatever the line holds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProg, tempDir } from '../helpers/prog.js';

/** What JSON.stringify writes for the record, `version` first: the one spelling the stream may use. */
function canonical(record: Record<string, unknown>): string {
  const { version, ...rest } = record;
  return `{"version":${JSON.stringify(version)},` + JSON.stringify(rest).slice(1);
}

/** Runs a child that writes these exact bytes to stdout (and `err` to stderr), with `--format json`. */
async function jsonOf(out: Buffer, err = Buffer.alloc(0)) {
  const dir = tempDir();
  writeFileSync(join(dir, 'out'), out);
  writeFileSync(join(dir, 'err'), err);
  const script = `const { readFileSync } = require('node:fs');` +
    `process.stdout.write(readFileSync(${JSON.stringify(join(dir, 'out'))}));` +
    `process.stderr.write(readFileSync(${JSON.stringify(join(dir, 'err'))}));`;
  const r = await runProg(['run', '--format', 'json', '--parser', 'none', '--', process.execPath, '-e', script]);
  assert.is(r.code, 0, String(r.stderr));
  const lines = r.stdout.toString('utf8').split('\n');
  assert.is(lines.pop(), '', 'the stream ends with a newline');
  const records = lines.map((line) => ({ line, record: JSON.parse(line) as Record<string, any> }));
  for (const { line, record } of records) {
    if (record.type === 'output') assert.is(line, canonical(record), 'an output record is spelled as JSON.stringify spells it');
  }
  return records.map(({ record }) => record).filter((o) => o.type === 'output');
}

const rebuilt = (events: Record<string, any>[], stream: string) =>
  Buffer.concat(events.filter((o) => o.stream === stream).map((o) =>
    Buffer.concat([o.base64 === undefined ? Buffer.from(o.line as string) : Buffer.from(o.base64 as string, 'base64'), Buffer.from(o.eol as string)])));

test('quotes, backslashes and every control character are escaped as JSON.stringify escapes them', async () => {
  let controls = '';
  for (let c = 0; c < 0x20; c++) if (c !== 0x0a && c !== 0x0d) controls += String.fromCharCode(c);
  const text = `plain\nsay "hi" \\ back\\slash\n${controls}\x7f\n\x1b[31mred\x1b[0m\tTab\n\n`;
  const events = await jsonOf(Buffer.from(text));
  assert.is(rebuilt(events, 'stdout').toString(), text);
  assert.is(events[2]!.line, controls + '\x7f');
  assert.is(events.at(-1)!.line, '', 'an empty line is an output event too');
});

test('U+2028, U+2029, accents, CJK and emoji arrive unescaped, as JSON.stringify leaves them', async () => {
  const text = 'a\u2028b\u2029c\ncafé naïve\n漢字テキスト\nemoji 😀 and \uFFFD written as such\n';
  const events = await jsonOf(Buffer.from(text));
  assert.is(rebuilt(events, 'stdout').toString(), text);
  assert.ok(events.every((o) => o.base64 === undefined), 'valid UTF-8 needs no base64, a real U+FFFD included');
});

test('every line end, both streams, and a last line without an end', async () => {
  const events = await jsonOf(Buffer.from('one\r\ntwo\rthree\nlast'), Buffer.from('err "1"\r\nerr 2'));
  assert.equal(events.filter((o) => o.stream === 'stdout').map((o) => [o.line, o.eol]),
    [['one', '\r\n'], ['two', '\r'], ['three', '\n'], ['last', '']]);
  assert.equal(events.filter((o) => o.stream === 'stderr').map((o) => [o.line, o.eol]), [['err "1"', '\r\n'], ['err 2', '']]);
  const seqs = events.map((o) => o.seq as number);
  assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'seq goes up');
});

test('invalid UTF-8 keeps its exact bytes in base64', async () => {
  const bytes = Buffer.concat([Buffer.from('bad '), Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from(' "end"\n')]);
  const events = await jsonOf(bytes);
  assert.is(events.length, 1);
  assert.ok(typeof events[0]!.base64 === 'string');
  assert.equal(rebuilt(events, 'stdout'), bytes);
});

test('long lines: escaped past the write buffer, and over the 1 MiB cap (truncated), in order', async () => {
  const escapedHeavy = '\x01'.repeat(700_000); // 4.2 MB once escaped
  const plainLong = 'y'.repeat(900_000);
  const overCap = 'z'.repeat(1_200_000);
  const text = `before\n${escapedHeavy}\n${plainLong}\n${overCap}\nafter\n`;
  const events = await jsonOf(Buffer.from(text));
  assert.equal(events.map((o) => o.line.length), [6, 700_000, 900_000, 1024 * 1024, 5]);
  assert.is(events[1]!.line, escapedHeavy);
  assert.is(events[3]!.truncated, true);
  assert.is(events[3]!.bytes, 1_200_000);
  assert.is(events.at(-1)!.line, 'after');
});

test('many lines over several writes: every one, in order, spelled alike', async () => {
  const text = Array.from({ length: 40_000 }, (_, i) => `line ${i} ${i % 7 === 0 ? '"quoted"' : 'plain'} ${'.'.repeat(i % 90)}\n`).join('');
  const events = await jsonOf(Buffer.from(text));
  assert.is(events.length, 40_000);
  assert.is(rebuilt(events, 'stdout').toString(), text);
});

test.run();
