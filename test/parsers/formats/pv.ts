// The pv parser: its default display and -n numbers on single lines, recordings of real pv runs
// through the real binary, live pv runs under prog, and arbitrary input.
import { writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { LineEnd, StreamName } from '../../../src/events.js';
import type { Emit } from '../../../src/parsers/format-parser.js';
import { parser } from '../../../src/parsers/formats/pv.js';
import { stripAnsi } from '../../../src/lines/ansi.js';
import { fixtures, ndjson, runProg, tempDir } from '../../helpers/prog.js';
import { notLinear } from '../../helpers/time.js';
import { liveTest, tools } from '../../helpers/tools.js';

type Ev = Record<string, unknown>;

function feed(lines: (string | [string, LineEnd, StreamName?])[]): Ev[] {
  const out: Ev[] = [];
  const emit: Emit = (e) => void out.push(e as Ev);
  const p = parser.create();
  for (const l of lines) {
    const [raw, eol, stream] = typeof l === 'string' ? [l, '\r' as LineEnd, 'stderr' as StreamName] : l;
    p.line({ raw, text: stripAnsi(raw), eol, stream: stream ?? 'stderr' }, emit);
  }
  p.end?.(emit);
  return out;
}
const progress = (evs: Ev[]) => evs.filter((e) => e.type === 'progress').map((e) => e.current);
const kinds = (evs: Ev[]) => evs.map((e) => e.type === 'progress' ? `${e.current}` : `${e.type}`);

const BAR = (size: string, pct: number) => `${size} 0:00:01 [2.21MiB/s] [====>      ] ${String(pct).padStart(2)}% ETA 0:00:01`;

test('detect: the default display (bytes, timer, rate) with a bar or the unknown-size indicator; not bare numbers', () => {
  for (const line of [' 409KiB 0:00:00 [1.48MiB/s] [=====>     ]  9% ETA 0:00:00', '4.00MiB 0:00:01 [2.01MiB/s] [=========>] 100%            ', '1.00MiB 0:00:00 [2.21MiB/s] [   <=>    ]', 'backup: 1.00GiB 0:00:05 [ 200MiB/s] [==>  ] 45% ETA 0:00:06', '   0 B 0:00:00 [   0 B/s] [<=>   ]']) {
    assert.ok(parser.detect.test(line), line);
  }
  for (const line of ['45', '100', '0:00:05', '[=====>   ] 45%', '1.00 MiB downloaded']) assert.not.ok(parser.detect.test(line), line);
});

test('the bar\'s percentage is progress of phase pv (total 100) with the bytes; 100% ends the phase', () => {
  const evs = feed([BAR(' 409KiB', 9), BAR('2.00MiB', 50), BAR('2.00MiB', 50), '4.00MiB 0:00:01 [2.01MiB/s] [==========>] 100%            ', '4.00MiB 0:00:01 [2.01MiB/s] [==========>] 100%            ']);
  assert.equal(kinds(evs), ['phase', '9', '50', '100', 'phase.end']);
  assert.equal(evs[0], { type: 'phase', id: 'pv', name: 'pv', total: 100 });
  assert.equal(evs[2], { type: 'progress', phase: 'pv', current: 50, total: 100, extra: { bytes: 2097152, size: '2.00MiB' } });
  assert.equal(evs.at(-1), { type: 'phase.end', id: 'pv', status: 'ok' });
});

test('a second transfer after 100% starts the phase again', () => {
  assert.equal(kinds(feed([BAR('1.0MiB', 100), BAR('100KiB', 10), BAR('1.0MiB', 100)])), ['phase', '100', 'phase.end', 'phase', '10', '100', 'phase.end']);
});

test('unknown size: the bytes so far are the progress, without a total', () => {
  const evs = feed(['1.00MiB 0:00:00 [2.21MiB/s] [   <=>    ]', '2.00MiB 0:00:00 [2.17MiB/s] [      <=> ]', '1.5GB 0:00:09 [ 170MB/s] [ <=> ]']);
  assert.equal(evs[0], { type: 'phase', id: 'pv', name: 'pv' });
  assert.equal(progress(evs), [1048576, 2097152, 1.5e9]);
});

test('pv -n numbers (once the parser is on): stderr only, 0–100 only', () => {
  const evs = feed(['9', '25', ['26', '\n', 'stdout'], '150', '-3', '007', ' 50', '100']);
  assert.equal(kinds(evs), ['phase', '9', '25', '100', 'phase.end']);
});

interface PvExpect { final?: number; bytes?: number; values?: number[]; phaseStatus?: string }

async function replay(name: string, flags: string[] = []): Promise<Ev[]> {
  const r = await runProg(['run', '--format', 'json', ...flags, '--', process.execPath, join(fixtures, 'replay.js'), join(fixtures, 'pv', `${name}.rec`), '--speed', '0']);
  assert.is(r.code, 0, r.stderr.toString());
  return ndjson(r.stdout);
}
const expectOf = (name: string) => JSON.parse(readFileSync(join(fixtures, 'pv', `${name}.expect.json`), 'utf8')) as PvExpect;
const pvProgress = (events: Ev[]) => events.filter((e) => e.type === 'progress' && e.phase === 'pv');
const finalPhase = (events: Ev[]) => (events.filter((e) => e.type === 'snapshot').at(-1) as { phases: { id: string; status: string; current: number; total?: number }[] }).phases;

for (const name of ['bar-pty', 'bar-forced']) {
  test(`recording ${name}.rec: progress up to 100% of phase pv, the file's size in bytes`, async () => {
    const expect = expectOf(name);
    const events = await replay(name);
    const p = pvProgress(events);
    const values = p.map((e) => e.current as number);
    assert.equal([...values].sort((a, b) => a - b), values, 'never backwards');
    assert.is(values.at(-1), expect.final);
    assert.is((p.at(-1)!.extra as Ev).bytes, expect.bytes);
    assert.equal(finalPhase(events).map((ph) => [ph.id, ph.status, ph.current, ph.total]), [['pv', expect.phaseStatus, 100, 100]]);
  });
}

test('recording stream-pty.rec (size unknown): the bytes are the progress', async () => {
  const events = await replay('stream-pty');
  assert.is(pvProgress(events).at(-1)!.current, expectOf('stream-pty').bytes);
  assert.is(finalPhase(events)[0]!.total, undefined);
});

test('recording numeric.rec (pv -n): nothing without --parser pv; every value with it', async () => {
  const expect = expectOf('numeric');
  assert.equal(pvProgress(await replay('numeric')), [], 'bare numbers do not switch pv on');
  const events = await replay('numeric', ['--parser', 'pv']);
  assert.equal(pvProgress(events).map((e) => e.current), expect.values);
  assert.equal(finalPhase(events).map((ph) => [ph.id, ph.status]), [['pv', expect.phaseStatus]]);
});

liveTest([tools.pv()], 'LIVE: pv -f (bar) and pv -n with --parser pv on a temp file under prog', async () => {
  const dir = tempDir('prog-pv-');
  const file = join(dir, 'data.bin');
  writeFileSync(file, Buffer.alloc(1024 * 1024, 7));
  const bar = await runProg(['run', '--format', 'json', '--', 'sh', '-c', 'pv -f -i 0.1 -L 4m "$1" > /dev/null', 'sh', file]);
  assert.is(bar.code, 0, bar.stderr.toString());
  const barEvents = ndjson(bar.stdout);
  const last = pvProgress(barEvents).at(-1)!;
  assert.equal([last.current, (last.extra as Ev).bytes], [100, 1024 * 1024]);
  assert.ok(pvProgress(barEvents).length >= 2, 'several updates at -L 4m -i 0.1');
  const numeric = await runProg(['run', '--format', 'json', '--parser', 'pv', '--', 'sh', '-c', 'pv -n -i 0.1 -L 4m "$1" > /dev/null', 'sh', file]);
  assert.is(numeric.code, 0, numeric.stderr.toString());
  const numEvents = ndjson(numeric.stdout);
  assert.is(pvProgress(numEvents).at(-1)!.current, 100);
  assert.equal(finalPhase(numEvents).map((ph) => [ph.id, ph.status]), [['pv', 'ok']]);
});

test('property: never throws on arbitrary lines, pv-like or not', () => {
  const piece = fc.oneof(fc.string(), fc.constantFrom('1.00MiB', ' 0:00:01 ', '[2.2MiB/s]', ' [=====>   ] ', '45%', '100', '\n', ' ETA 0:00:01', 'name: ', '999999999'));
  fc.assert(fc.property(fc.array(fc.array(piece, { maxLength: 8 }).map((a) => a.join('')), { maxLength: 20 }), fc.boolean(), (lines, err) => {
    const p = parser.create();
    for (const raw of lines) p.line({ raw, text: stripAnsi(raw), eol: '\r', stream: err ? 'stderr' : 'stdout' }, () => undefined);
    p.end?.(() => undefined);
  }), { numRuns: 500 });
});

test('a 1 MiB pathological line is read in linear time (detect and parse)', () => {
  const lines = [
    'a'.repeat(1 << 20) + ': 1.00MiB 0:00:01 [1MiB/s]',
    ' '.repeat(1 << 20) + '1.00MiB 0:00:01 [1MiB/s]',
    '1.00MiB 0:00:01 [2.21MiB/s] [' + '='.repeat(1 << 20),
    '1'.repeat(1 << 20),
  ];
  const slow = lines.map((raw) => notLinear(`${JSON.stringify(raw.slice(0, 20))}…`, raw, () => {
    parser.detect.test(raw);
    parser.create().line({ raw, text: raw, eol: '\n', stream: 'stderr' }, () => undefined);
  })).filter((s) => s !== undefined);
  assert.equal(slow, [], slow.join('\n'));
});

test.run();
