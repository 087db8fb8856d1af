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
import { notLinear } from '../../helpers/time.js';
import { liveTest, tools } from '../../helpers/tools.js';

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
  for (const line of ['45%', 'sending file list', '  1,234 files', 'total size is 3,800,000  speedup is 1.00', 'building file list']) assert.not.ok(parser.detect.test(line), line);
  // rsync's file list header, which --progress (and -v) print before the file names: the parser must see those.
  for (const line of ['sending incremental file list', 'receiving incremental file list', 'building file list ... ', 'receiving file list ... done']) assert.ok(parser.detect.test(line), line);
});

test('progress2: the percentage is progress of phase rsync with bytes, rate and file counts; complete at 100% and to-chk=0', () => {
  const evs = feed(['', '         32,768   0%    0.00kB/s    0:00:00  ', '      1,234,567  45%   12.34MB/s    0:00:05 (xfr#12, to-chk=34/100)', '      1,234,567  45%   12.34MB/s    0:00:05 (xfr#12, to-chk=34/100)', '      3,800,000 100%    1.98MB/s    0:00:07 (xfr#100, to-chk=0/100)']);
  assert.equal(evs[0], { type: 'phase', id: 'rsync', name: 'rsync' });
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

const RATE = '   16.43MB/s    0:00:00';

test('--progress (per file): a file\'s percentage, and its 100%, are never the run\'s progress: files checked of to-chk\'s total are', () => {
  const evs = feed([
    'sending incremental file list', 'a/', 'a/big.bin', '', `         32,768  65%${RATE}`, `         50,000 100%${RATE}`, `         50,000 100%${RATE} (xfr#1, to-chk=3/5)`,
    'a/small.txt', `          2,328 100%${RATE}`, `          2,328 100%${RATE} (xfr#2, to-chk=2/5)`, 'b/', 'b/c.txt', `             12 100%${RATE} (xfr#3, to-chk=0/5)`,
  ]);
  assert.equal(progress(evs), ['2/5', '3/5', '5/5']);
  assert.equal(evs[0], { type: 'phase', id: 'rsync', name: 'rsync' }, 'no total of 100 for the phase');
  assert.equal((evs[1]!.extra as Ev), { fileBytes: 50000, rate: '16.43MB/s', elapsed: '0:00:00', transferred: 1, toCheck: 3, files: 5 });
  assert.equal(evs.at(-1), { type: 'phase.end', id: 'rsync', status: 'ok' });
});

test('--progress without a file list header: a file done at 100% with files still to check gives it away at once', () => {
  const evs = feed([`          2,328 100%${RATE} (xfr#1, to-chk=3/4)`, `          1,324 100%${RATE} (xfr#2, to-chk=2/4)`, `            244 100%${RATE} (xfr#3, to-chk=0/4)`]);
  assert.equal(progress(evs), ['1/4', '2/4', '4/4']);
});

test('--progress of files named one by one (no file list header, so nothing says the bar is per file): until the first file is done its bar reads as the transfer\'s, never to 100%', () => {
  const evs = feed([`         32,768  65%${RATE}`, `         50,000 100%${RATE}`, `         50,000 100%${RATE} (xfr#1, to-chk=1/2)`, `             12 100%${RATE} (xfr#2, to-chk=0/2)`]);
  assert.equal(progress(evs), ['65/100', '99/100', '1/2', '2/2']);
});

test('--progress while the file list is still incremental (ir-chk): the count without a total, the list so far in extra; the total once final', () => {
  const evs = feed([
    'receiving incremental file list', 'x/1', `            100 100%${RATE} (xfr#1, ir-chk=1005/1007)`, 'x/2', `            100 100%${RATE} (xfr#2, ir-chk=1100/1200)`,
    'y/3', `            100 100%${RATE} (xfr#3, to-chk=1000/2000)`,
  ]);
  assert.equal(evs.filter((e) => e.type === 'progress').map((e) => [e.current, e.total, (e.extra as Ev).files]), [[2, undefined, 1007], [100, undefined, 1200], [1000, 2000, 2000]]);
  assert.not.ok(evs.some((e) => e.type === 'progress' && 'total' in e && e.total === undefined), 'no total key at all rather than an undefined one');
  assert.not.ok(evs.some((e) => e.type === 'phase.end'), 'not complete');
});

test('-v --info=progress2 (file names printed too): bars before the first (xfr#…) line are held back, then the whole transfer\'s percentage', () => {
  const evs = feed(['sending incremental file list', 'a/f1', `         32,768   3%${RATE}`, `        300,000  33%${RATE} (xfr#1, to-chk=5/9)`, 'a/f2', `        562,144  62%${RATE}`, `        903,000 100%${RATE} (xfr#6, to-chk=0/9)`]);
  assert.equal(progress(evs), ['33/100', '62/100', '100/100']);
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

test('recording progress-files.rec (rsync -a --progress) through prog: files checked of the list\'s total, never a file\'s percentage', async () => {
  const expect = JSON.parse(readFileSync(join(fixtures, 'rsync', 'progress-files.expect.json'), 'utf8')) as { entries: number; transferred: number; phaseStatus: string };
  const r = await runProg(['run', '--format', 'json', '--', process.execPath, join(fixtures, 'replay.js'), join(fixtures, 'rsync', 'progress-files.rec'), '--speed', '0']);
  assert.is(r.code, 0, r.stderr.toString());
  const events = ndjson(r.stdout);
  const p = events.filter((e) => e.type === 'progress' && e.phase === 'rsync');
  assert.equal([...new Set(p.map((e) => e.total))], [expect.entries], 'every progress is of the file list, none of 100');
  const values = p.map((e) => e.current as number);
  assert.equal([...values].sort((a, b) => a - b), values, 'never backwards');
  assert.equal([values.at(-1), (p.at(-1)!.extra as Ev).transferred, p.length], [expect.entries, expect.transferred, expect.transferred]);
  const snapshots = events.filter((e) => e.type === 'snapshot') as { phases: { id: string; status: string; percent?: number }[] }[];
  assert.ok(snapshots.slice(0, -1).every((s) => s.phases.every((ph) => ph.status !== 'running' || (ph.percent ?? 0) < 100)), 'no 100% before the end');
  assert.equal(snapshots.at(-1)!.phases.map((ph) => [ph.id, ph.status, ph.percent]), [['rsync', expect.phaseStatus, 100]]);
});

liveTest([tools.rsync()], 'LIVE: rsync -a --progress between temp directories under prog: the files checked, of all of them', async () => {
  const dir = tempDir('prog-rsync-files-');
  mkdirSync(join(dir, 'from', 'sub'), { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'from', i % 2 ? 'sub' : '', `f${i}.bin`), Buffer.alloc(i === 3 ? 3_000_000 : 5_000 + i, i));
  const r = await runProg(['run', '--format', 'json', '--', 'rsync', '-a', '--progress', `${join(dir, 'from')}/`, `${join(dir, 'to')}/`]);
  assert.is(r.code, 0, r.stderr.toString());
  const p = ndjson(r.stdout).filter((e) => e.type === 'progress' && e.phase === 'rsync');
  // 20 files, `sub` and the top directory itself.
  assert.equal([...new Set(p.map((e) => e.total))], [22]);
  assert.equal([p.at(-1)!.current, (p.at(-1)!.extra as Ev).transferred, p.length], [22, 20, 20]);
});

liveTest([tools.rsync()], 'LIVE: rsync -a --info=progress2 between temp directories under prog', async () => {
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

test('a 1 MiB pathological line is read in linear time (detect and parse)', () => {
  const lines = [' '.repeat(1 << 20) + '1 1% 1kB/s 0:00:00', '1,000'.repeat(1 << 18), '1 ' + ' '.repeat(1 << 20) + '1%', '1 1% 1kB/s 0:00:00' + ' '.repeat(1 << 20) + 'x'];
  const slow = lines.map((raw) => notLinear(`${JSON.stringify(raw.slice(0, 20))}…`, raw, () => {
    parser.detect.test(raw);
    parser.create().line({ raw, text: raw, eol: '\r', stream: 'stdout' }, () => undefined);
  })).filter((s) => s !== undefined);
  assert.equal(slow, [], slow.join('\n'));
});

test.run();
