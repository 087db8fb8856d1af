// Append-only NDJSON: readers survive a torn last line, appends after a torn tail start on their
// own line, and writers in parallel processes never lose or interleave records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { appendRecord, linesBackward, readRecords } from '../../src/store/ndjson.js';
import { fixtures, projectRoot, runProg, tempDir } from '../helpers/prog.js';
import { collect, onlyRun, strictNdjson } from '../helpers/runs.js';

const fx = join(fixtures, 'fx.js');

const backward = (path: string, block?: number, needle?: string) =>
  [...linesBackward(path, block, needle === undefined ? undefined : Buffer.from(needle))].map((b) => b.toString());

test('linesBackward: last line first, across block boundaries of any size; empty lines left out; a missing file has none', () => {
  const path = join(tempDir(), 'h.ndjson');
  const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ i, pad: 'é'.repeat(i % 13) }));
  writeFileSync(path, lines.join('\n') + '\n\n');
  const reversed = [...lines].reverse();
  for (const block of [1, 2, 7, 64, 1000, 65_536]) assert.equal(backward(path, block), reversed, `block ${block}`);
  assert.equal(backward(join(tempDir(), 'missing')), []);
  writeFileSync(path, 'only');
  assert.equal(backward(path, 3), ['only']);
});

test('linesBackward with a needle: only the lines that contain it, last first, whatever the block size', () => {
  const path = join(tempDir(), 'h.ndjson');
  const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ i, key: i % 7 === 0 ? 'seven' : 'other' }));
  writeFileSync(path, lines.join('\n') + '\n' + '{"key":"seven","torn');
  const expected = ['{"key":"seven","torn', ...lines.filter((l) => l.includes('"seven"')).reverse()];
  for (const block of [1, 5, 16, 100, 65_536]) assert.equal(backward(path, block, '"key":"seven"'), expected, `block ${block}`);
  assert.equal(backward(path, 64, '"key":"none"'), []);
});

test('linesBackward: a torn last line comes first, as it is, and the lines before it are whole', () => {
  const path = join(tempDir(), 'h.ndjson');
  writeFileSync(path, '{"a":1}\n{"b":2}\n{"c":');
  assert.equal(backward(path, 4), ['{"c":', '{"b":2}', '{"a":1}']);
  // Stopping early is fine: the rest is never read.
  for (const line of linesBackward(path)) {
    assert.is(line.toString(), '{"c":');
    break;
  }
});

test('readRecords: a missing file is no records', () => {
  assert.equal(readRecords(join(tempDir(), 'nope.ndjson')), { records: [], skipped: 0 });
});

test('readRecords: a torn last line is skipped, everything before it is read', () => {
  const path = join(tempDir(), 'h.ndjson');
  writeFileSync(path, '{"id":"a"}\n{"id":"b"}\n{"id":"x","dur');
  assert.equal(readRecords(path), { records: [{ id: 'a' }, { id: 'b' }], skipped: 1 });
});

test('readRecords: damage in the middle is skipped, not fatal; blank lines are nothing', () => {
  const path = join(tempDir(), 'h.ndjson');
  writeFileSync(path, '{"id":"a"}\n\n{"id":"x","dur\n{"id":"b"}\n\n');
  assert.equal(readRecords(path), { records: [{ id: 'a' }, { id: 'b' }], skipped: 1 });
});

test('readRecords: a fragment that happens to be valid JSON but not an object is not a record', () => {
  const path = join(tempDir(), 'h.ndjson');
  writeFileSync(path, '{"id":"a"}\n12\n"ab"\nnull\n[1]\n');
  assert.equal(readRecords(path), { records: [{ id: 'a' }], skipped: 4 });
});

test('appendRecord: creates the file, one line per record', () => {
  const path = join(tempDir(), 'h.ndjson');
  appendRecord(path, { id: 'a' });
  appendRecord(path, { id: 'b', text: 'line\nbreak' });
  assert.is(readFileSync(path, 'utf8'), '{"id":"a"}\n{"id":"b","text":"line\\nbreak"}\n');
});

test('appendRecord: after a torn tail the new record starts on its own line', () => {
  const path = join(tempDir(), 'h.ndjson');
  writeFileSync(path, '{"id":"a"}\n{"id":"x","dur');
  appendRecord(path, { id: 'b' });
  assert.is(readFileSync(path, 'utf8'), '{"id":"a"}\n{"id":"x","dur\n{"id":"b"}\n');
  assert.equal(readRecords(path), { records: [{ id: 'a' }, { id: 'b' }], skipped: 1 });
  appendRecord(path, { id: 'c' });
  assert.is(readFileSync(path, 'utf8').split('\n').length, 5, 'a healthy tail gets no extra blank line');
});

test('prog run after a torn history tail: succeeds, and its record is a whole line of its own', async () => {
  const home = tempDir();
  const path = join(home, 'history.ndjson');
  writeFileSync(path, '{"id":"old","status":"ok"}\n{"id":"x","dur');
  const r = await runProg(['run', '--', process.execPath, fx, 'exit', '4'], { home });
  assert.is(r.code, 4);
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.is(lines[0], '{"id":"old","status":"ok"}');
  assert.is(lines[1], '{"id":"x","dur', 'the fragment is left in place, on its own line');
  assert.is(lines.at(-1), '', 'the file ends with a newline');
  const fresh = JSON.parse(lines[2]!) as Record<string, unknown>;
  assert.is(fresh.exitCode, 4);
  assert.is(fresh.id, onlyRun(home).run.id);
  assert.is(lines.length, 4);
  const read = readRecords<Record<string, unknown>>(path);
  assert.equal(read.records.map((h) => h.id), ['old', fresh.id]);
  assert.is(read.skipped, 1);
});

test('a torn events log (a run killed mid-write) still reads up to the tear', async () => {
  const r = await runProg(['run', '--', process.execPath, fx, 'exit', '0']);
  const run = onlyRun(r.home);
  const path = join(run.dir, 'events.ndjson');
  appendFileSync(path, '{"seq":99,"t":5,"ty');
  const read = readRecords<Record<string, unknown>>(path);
  assert.is(read.skipped, 1);
  assert.equal(read.records.map((e) => e.type), run.lines.map((e) => e.type));
});

test('8 processes × 100 appends to one file: 800 whole records, none lost', async () => {
  const path = join(tempDir(), 'h.ndjson');
  const mod = pathToFileURL(join(projectRoot, 'dist', 'src', 'store', 'ndjson.js')).href;
  // Records of a few KiB, so a split write would show as damage.
  const code = `const { appendRecord } = await import(${JSON.stringify(mod)});
    const pad = 'x'.repeat(3000);
    for (let i = 0; i < 100; i++) appendRecord(process.argv[1], { w: Number(process.argv[2]), i, pad });`;
  const writers = Array.from({ length: 8 }, (_, w) =>
    collect(process.execPath, ['--input-type=module', '-e', code, path, String(w)], process.env));
  for (const r of await Promise.all(writers)) assert.is(r.code, 0, String(r.stderr));
  // A writer that looks at the tail while another is mid-record may add a blank line: harmless,
  // readers skip it. Every other line must be a whole record.
  const text = readFileSync(path, 'utf8');
  const records = strictNdjson(text.replace(/\n\n+/g, '\n'));
  assert.is(records.length, 800);
  assert.equal(readRecords(path).skipped, 0);
  const seen = new Set(records.map((r) => `${r.w}/${r.i}`));
  assert.is(seen.size, 800, 'every record once');
  for (let w = 0; w < 8; w++) {
    const mine = records.filter((r) => r.w === w).map((r) => r.i);
    assert.equal(mine, Array.from({ length: 100 }, (_, i) => i), `writer ${w}'s records in its order`);
  }
});

test.run();
