// The rsync parser: --info=progress2 (and --progress) lines, recordings of real transfers through
// the real binary, a live rsync between temp directories under prog, and arbitrary input.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { LineEnd } from '../../../src/events.js';
import type { Emit } from '../../../src/parsers/format-parser.js';
import { parser } from '../../../src/parsers/formats/rsync.js';
import { stripAnsi } from '../../../src/lines/ansi.js';
import { fixtures, ndjson, runProg, tempDir } from '../../helpers/prog.js';

type Ev = Record<string, unknown>;

function feed(lines: string[], eol: LineEnd = '\r'): Ev[] {
  const out: Ev[] = [];
  const emit: Emit = (e) => void out.push(e as Ev);
  const p = parser.create();
  for (const raw of lines) p.line({ raw, text: stripAnsi(raw), eol, stream: 'stdout' }, emit);
  p.end?.(emit);
  return out;
}
const progress = (evs: Ev[]) => evs.filter((e) => e.type === 'progress').map((e) => `${e.current}/${e.total}`);

test('detect: progress2 lines with or without the (xfr#…) part; not other numbers', () => {
  for (const line of ['         32,768   0%    0.00kB/s    0:00:00  ', '      1,234,567  45%   12.34MB/s    0:00:05 (xfr#12, to-chk=34/100)', '  3,800,000 100%    1.98MB/s    0:00:01 (xfr#100, ir-chk=1000/2034)', '  123 1% 1.00GB/s 10:00:00']) {
    assert.ok(parser.detect.test(line), line);
  }
  for (const line of ['45%', 'sending incremental file list', '  1,234 files', 'total size is 3,800,000  speedup is 1.00']) assert.not.ok(parser.detect.test(line), line);
});

test('progress2: the percentage is progress of phase rsync with bytes, rate and file counts; complete at 100% and to-chk=0', () => {
  const evs = feed(['', '         32,768   0%    0.00kB/s    0:00:00  ', '      1,234,567  45%   12.34MB/s    0:00:05 (xfr#12, to-chk=34/100)', '      1,234,567  45%   12.34MB/s    0:00:05 (xfr#12, to-chk=34/100)', '      3,800,000 100%    1.98MB/s    0:00:07 (xfr#100, to-chk=0/100)']);
  assert.equal(evs[0], { type: 'phase', id: 'rsync', name: 'rsync', total: 100 });
  assert.equal(progress(evs), ['0/100', '45/100', '100/100']);
  assert.equal(evs[2], { type: 'progress', phase: 'rsync', current: 45, total: 100, extra: { bytes: 1234567, rate: '12.34MB/s', elapsed: '0:00:05', transferred: 12, toCheck: 34, files: 100 } });
  assert.equal(evs.at(-1), { type: 'phase.end', id: 'rsync', status: 'ok' });
});

test('a transfer that stops short is not ended by the parser; incremental recursion may step back', () => {
  const evs = feed(['  500 50%  1.00MB/s  0:00:01 (xfr#1, ir-chk=10/20)', '  600 30%  1.00MB/s  0:00:01 (xfr#2, ir-chk=20/40)']);
  assert.equal(progress(evs), ['50/100', '30/100']);
  assert.equal((evs[2]!.extra as Ev).irCheck, 20);
  assert.not.ok(evs.some((e) => e.type === 'phase.end'));
});

test('--progress (per file): once a file\'s 100% is followed by a lower one, checked files are the progress', () => {
  const evs = feed(['         32,768  65%   31.25MB/s    0:00:00', '         50,000 100%   16.43MB/s    0:00:00 (xfr#1, to-chk=3/4)', '         32,768  65%   31.25MB/s    0:00:00', '         50,000 100%   16.43MB/s    0:00:00 (xfr#2, to-chk=2/4)', '         50,000 100%   16.43MB/s    0:00:00 (xfr#4, to-chk=0/4)']);
  assert.equal(progress(evs), ['65/100', '100/100', '2/4', '4/4']);
  assert.equal(evs.at(-1), { type: 'phase.end', id: 'rsync', status: 'ok' });
});

interface RsyncExpect { final: number; bytes: number; transferred: number; files: number; phaseStatus: string }

for (const name of ['progress2', 'progress2-pty']) {
  test(`recording ${name}.rec through prog run --format json: 100% of ${name}.expect.json's bytes and files`, async () => {
    const expect = JSON.parse(readFileSync(join(fixtures, 'rsync', `${name}.expect.json`), 'utf8')) as RsyncExpect;
    const r = await runProg(['run', '--format', 'json', '--', process.execPath, join(fixtures, 'replay.js'), join(fixtures, 'rsync', `${name}.rec`), '--speed', '0']);
    assert.is(r.code, 0, r.stderr.toString());
    const events = ndjson(r.stdout);
    const p = events.filter((e) => e.type === 'progress' && e.phase === 'rsync');
    const values = p.map((e) => e.current as number);
    assert.equal([...values].sort((a, b) => a - b), values, 'never backwards without incremental recursion');
    const last = p.at(-1)!;
    assert.is(last.current, expect.final);
    assert.equal([(last.extra as Ev).bytes, (last.extra as Ev).transferred, (last.extra as Ev).files, (last.extra as Ev).toCheck], [expect.bytes, expect.transferred, expect.files, 0]);
    const snapshot = events.filter((e) => e.type === 'snapshot').at(-1) as { phases: { id: string; status: string; percent?: number }[] };
    assert.equal(snapshot.phases.map((ph) => [ph.id, ph.status, ph.percent]), [['rsync', expect.phaseStatus, 100]]);
  });
}

test('LIVE: rsync -a --info=progress2 between temp directories under prog', async () => {
  const dir = tempDir('prog-rsync-');
  mkdirSync(join(dir, 'from', 'sub'), { recursive: true });
  let bytes = 0;
  for (let i = 0; i < 30; i++) {
    const size = 10_000 + i * 1000;
    writeFileSync(join(dir, 'from', i % 2 ? 'sub' : '', `f${i}.bin`), Buffer.alloc(size, i));
    bytes += size;
  }
  const r = await runProg(['run', '--format', 'json', '--', 'rsync', '-a', '--info=progress2', `${join(dir, 'from')}/`, `${join(dir, 'to')}/`]);
  assert.is(r.code, 0, r.stderr.toString());
  const events = ndjson(r.stdout);
  const last = events.filter((e) => e.type === 'progress' && e.phase === 'rsync').at(-1)!;
  assert.is(last.current, 100);
  assert.equal([(last.extra as Ev).bytes, (last.extra as Ev).transferred, (last.extra as Ev).files], [bytes, 30, 32]);
  const snapshot = events.filter((e) => e.type === 'snapshot').at(-1) as { phases: { id: string; status: string }[] };
  assert.equal(snapshot.phases.map((ph) => [ph.id, ph.status]), [['rsync', 'ok']]);
});

test('property: never throws on arbitrary lines, rsync-like or not', () => {
  const piece = fc.oneof(fc.string(), fc.constantFrom('  1,234,567', ' 45% ', '  12.34MB/s', '    0:00:05', ' (xfr#12, to-chk=34/100)', ' (xfr#1, ir-chk=0/0)', ',000', ' ', '999999999999999999999999999'));
  fc.assert(fc.property(fc.array(fc.array(piece, { maxLength: 8 }).map((a) => a.join('')), { maxLength: 20 }), (lines) => {
    const p = parser.create();
    for (const raw of lines) p.line({ raw, text: stripAnsi(raw), eol: '\r', stream: 'stdout' }, () => undefined);
    p.end?.(() => undefined);
  }), { numRuns: 500 });
});

test('a 1 MiB pathological line completes quickly (detect and parse)', () => {
  const lines = [' '.repeat(1 << 20) + '1 1% 1kB/s 0:00:00', '1,000'.repeat(1 << 18), '1 ' + ' '.repeat(1 << 20) + '1%', '1 1% 1kB/s 0:00:00' + ' '.repeat(1 << 20) + 'x'];
  const started = Date.now();
  for (const raw of lines) {
    parser.detect.test(raw);
    parser.create().line({ raw, text: raw, eol: '\r', stream: 'stdout' }, () => undefined);
  }
  assert.ok(Date.now() - started < 500, `${Date.now() - started} ms`);
});

test.run();
