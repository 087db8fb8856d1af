// store/resume-list.ts: which completed ids may be lines of $PROG_RESUME_FILE. Whatever the ids, a
// list of the listable ones, one per line, reads back as exactly those ids — by grep's rule (\n),
// and by readers that also break lines at \r, \r\n, U+2028/2029, NEL or form feed, or drop a BOM.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listableId } from '../../src/store/resume-list.js';

test('ordinary ids are listable as they are: backslashes, quotes, spaces, dashes, any script', () => {
  for (const id of ['a.txt', 'back\\slash', '"x\\nb"', ' spaced ', '-e', '--', 'ü/日本/😀', 'L'.repeat(100_000)]) {
    assert.ok(listableId(id), JSON.stringify(id.slice(0, 20)));
  }
});

test('ids that could break or change a line are not', () => {
  for (const id of ['', 'x\nb', 'b\r', 'a\tb', '\u0000', '\u001b[31m', 'del\u007f', 'nel\u0085', 'c1\u009b', 'd\u2028e', '\u2029', '\ufeffbom', '\ud800', 'x\udc00', '\udc00\ud800']) {
    assert.not.ok(listableId(id), JSON.stringify(id));
  }
  assert.ok(listableId('\ud83d\ude00'), 'a whole surrogate pair (😀) is an ordinary character');
});

/** The lines a lenient reader sees: every common line break, and a leading BOM dropped. */
function lenientLines(text: string): string[] {
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|[\n\r\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/);
  lines.pop();
  return lines;
}

test('property: the list of listable ids reads back as exactly those ids, by grep and by lenient readers', () => {
  const char = fc.oneof(
    fc.constantFrom('\n', '\r', '\t', '\u0085', '\u2028', '\u2029', '\ufeff', '\\', 'n', '\ud800', '\udc00', '\u0000', 'x'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  );
  const id = fc.array(char, { maxLength: 8 }).map((chars) => chars.join(''));
  fc.assert(fc.property(fc.array(id, { maxLength: 20 }), (ids) => {
    const listed = ids.filter(listableId);
    const text = listed.map((i) => `${i}\n`).join('');
    const bytes = Buffer.from(text, 'utf8').toString('utf8');
    assert.equal(bytes.split('\n').slice(0, -1), listed, 'grep: one id per line');
    assert.equal(lenientLines(bytes), listed, 'lenient readers: the same lines');
  }), { numRuns: 2000 });
});

test.run();
