// The OSC 9;4 parser: sequences in raw lines, a recording of emit.sh (printf standing in for cargo
// and systemd) through the real binary, the script live under prog, and arbitrary input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Emit } from '../../../src/parsers/format-parser.js';
import { parser } from '../../../src/parsers/formats/osc-progress.js';
import { stripAnsi } from '../../../src/lines/ansi.js';
import { fixtures, ndjson, runProg } from '../../helpers/prog.js';
import { notLinear } from '../../helpers/time.js';

type Ev = Record<string, unknown>;
const OSC = (st: number | string, pr?: number | string, st8 = '\x07') => `\x1b]9;4;${st}${pr === undefined ? '' : `;${pr}`}${st8}`;

function feed(lines: string[]): Ev[] {
  const out: Ev[] = [];
  const emit: Emit = (e) => void out.push(e as Ev);
  const p = parser.create();
  for (const raw of lines) p.line({ raw, text: stripAnsi(raw), eol: '\n', stream: 'stderr' }, emit);
  p.end?.(emit);
  return out;
}
const short = (evs: Ev[]) => evs.map((e) => e.type === 'progress' ? `${e.current}/${e.total ?? '-'}` : e.type === 'log' ? `log:${e.level}` : e.type === 'phase.end' ? `end:${e.status}` : `${e.type}`);

test('detect: on the raw line, either terminator, anywhere in the line; not iTerm2\'s OSC 9 notification', () => {
  assert.is(parser.detectRaw, true);
  for (const raw of [OSC(1, 45), OSC(1, 45, '\x1b\\'), `text ${OSC(3)} more`, OSC(0), OSC(2, '')]) assert.ok(parser.detect.test(raw), JSON.stringify(raw));
  for (const raw of ['\x1b]9;hello\x07', '\x1b]9;4;7;10\x07', '\x1b]9;4;1;45', '9;4;1;45', stripAnsi(OSC(1, 45))]) assert.not.ok(parser.detect.test(raw), JSON.stringify(raw));
});

test('st 1: pr% is progress of phase osc-progress (total 100), repeats ignored, pr over 100 clamped; st 0 ends it ok', () => {
  const evs = feed([OSC(1, 10), OSC(1, 10), `Building ${OSC(1, 45, '\x1b\\')} [45%]`, OSC(1, 250), OSC(0)]);
  assert.equal(evs[0], { type: 'phase', id: 'osc-progress', name: 'progress', total: 100 });
  assert.equal(short(evs), ['phase', '10/100', '45/100', '100/100', 'end:ok']);
});

test('several sequences in one line are taken in order', () => {
  assert.equal(short(feed([`${OSC(1, 20)}${OSC(1, 30)}x${OSC(0)}`])), ['phase', '20/100', '30/100', 'end:ok']);
});

test('st 2: a warning once, the percentage kept (or updated), and removal after it ends the phase failed', () => {
  const evs = feed([OSC(1, 30), OSC(2), OSC(2), OSC(2, 40), OSC(0)]);
  assert.equal(short(evs), ['phase', '30/100', 'log:warn', '30/100', '40/100', 'end:failed']);
  assert.equal((evs[3] as { extra: Ev }).extra, { state: 'error' });
});

test('st 3: indeterminate, progress without a total; st 4: paused, a notice once', () => {
  const evs = feed([OSC(3), OSC(3), OSC(1, 50), OSC(4), OSC(4, 60), OSC(1, 70)]);
  assert.equal(short(evs), ['phase', '0/-', '50/100', 'log:notice', '50/100', '60/100', '70/100']);
  assert.equal(evs[0], { type: 'phase', id: 'osc-progress', name: 'progress' });
  assert.not.ok(evs.some((e) => e.type === 'phase.end'), 'no removal: the exit closes it');
});

test('st 0 with nothing open does nothing; progress after removal starts the phase again', () => {
  assert.equal(short(feed([OSC(0, 0), OSC(1, 5), OSC(0), OSC(1, 7)])), ['phase', '5/100', 'end:ok', 'phase', '7/100']);
});

interface OscExpect { progress: number[]; phaseEnds: string[]; logs: string[]; exit: number }

test('recording emit.rec through prog run --format json: the values of emit.expect.json', async () => {
  const expect = JSON.parse(readFileSync(join(fixtures, 'osc-progress', 'emit.expect.json'), 'utf8')) as OscExpect;
  const r = await runProg(['run', '--format', 'json', '--', process.execPath, join(fixtures, 'replay.js'), join(fixtures, 'osc-progress', 'emit.rec'), '--speed', '0']);
  assert.is(r.code, expect.exit);
  check(ndjson(r.stdout), expect);
});

function check(events: Ev[], expect: OscExpect): void {
  assert.equal(events.filter((e) => e.type === 'progress').map((e) => e.current), expect.progress);
  assert.equal(events.filter((e) => e.type === 'phase.end').map((e) => e.status), expect.phaseEnds);
  assert.equal(events.filter((e) => e.type === 'log' && e.source === 'osc-progress').map((e) => e.level), expect.logs);
  // The sequences stay in the output that passes through: prog does not eat them.
  assert.ok(events.some((e) => e.type === 'output' && String(e.line).includes('\x1b]9;4;1;85\x07')));
}

test('LIVE: emit.sh run under prog (no real tool emits OSC 9;4 without a terminal that supports it)', async () => {
  const expect = JSON.parse(readFileSync(join(fixtures, 'osc-progress', 'emit.expect.json'), 'utf8')) as OscExpect;
  const r = await runProg(['run', '--format', 'json', '--', 'sh', join(fixtures, 'osc-progress', 'emit.sh')]);
  assert.is(r.code, expect.exit);
  check(ndjson(r.stdout), expect);
});

test('property: never throws on arbitrary lines, OSC-like or not', () => {
  const piece = fc.oneof(fc.string(), fc.constantFrom('\x1b]9;4;', '1', '2', '3', '4', '0', ';', '45', '999', '\x07', '\x1b\\', '\x1b', ']9;'));
  fc.assert(fc.property(fc.array(fc.array(piece, { maxLength: 10 }).map((a) => a.join('')), { maxLength: 20 }), (lines) => {
    const p = parser.create();
    for (const raw of lines) p.line({ raw, text: stripAnsi(raw), eol: '\n', stream: 'stdout' }, () => undefined);
    p.end?.(() => undefined);
  }), { numRuns: 500 });
});

test('a 1 MiB pathological line is read in linear time (detect and parse)', () => {
  const lines = ['\x1b]9;4;1;'.repeat(1 << 17), '\x1b]9;4;1;45\x07'.repeat(1 << 16), '\x1b'.repeat(1 << 20), '\x1b]9;4;1;4' + '5'.repeat(1 << 20)];
  const slow = lines.map((raw) => notLinear(JSON.stringify(raw.slice(0, 12)), raw, () => {
    parser.detect.test(raw);
    parser.create().line({ raw, text: raw, eol: '\n', stream: 'stdout' }, () => undefined);
  })).filter((s) => s !== undefined);
  assert.equal(slow, [], slow.join('\n'));
});

test.run();
