// Acceptance check 23 (../shared/research/reliability.md §6) through real processes. The property
// itself (one buffer, 1-byte chunks and random cuts give the same events and bytes, 1,500 runs, plus
// 1,000 for the progress descriptor) is in line-router.ts, in-process against an independent
// reference. Here generated streams (fast-check, fixed seed) go through a real `prog run`, written
// by the child in random pieces with pauses so they reach prog as separate reads: what prog shows
// and what it records must be what the router makes of the whole stream in one piece.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../src/event-bus.js';
import type { ProgEvent } from '../../src/events.js';
import { routeOutput } from '../../src/parsers/line-router.js';
import { runProg } from '../helpers/prog.js';
import { child, onlyRun, type Step } from '../helpers/runs.js';

type Event = Record<string, unknown>;

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const text = fc.string({ unit: 'binary', maxLength: 12 });
const id = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.nat(1000));
const validMarker = fc.oneof(
  fc.record({ type: fc.constant('workflow'), name: id }),
  fc.record({ type: fc.constant('phase'), id, name: text, total: fc.nat(1000) }, { requiredKeys: ['type', 'id'] }),
  fc.record({ type: fc.constantFrom('item.start', 'item.done', 'item.skip'), phase: id, id }, { requiredKeys: ['type', 'id'] }),
  fc.record({ type: fc.constant('item.fail'), id, error: text }, { requiredKeys: ['type', 'id'] }),
  fc.record({ type: fc.constant('progress'), phase: id, current: fc.nat(1000), total: fc.nat(1000) }, { requiredKeys: ['type', 'phase', 'current'] }),
  fc.record({ type: fc.constant('log'), level: fc.constantFrom('info', 'warn'), message: text }, { requiredKeys: ['type', 'message'] }),
  fc.record({ type: fc.constant('x.custom'), payload: fc.jsonValue({ maxDepth: 2 }) }),
).map((fields) => JSON.stringify(fields));
const invalidMarker = fc.constantFrom('{bad', '', '[]', '{}', '{"type":"progress","phase":"p","current":-1}', '{"type":"progress","phase":"p","current":1e309}', '{"__proto__":{"polluted":1}}', '{"type":"log","message":"m"} tail');
const colour = fc.constantFrom('', '\x1b[32m', '\x1b[1;31m', '\x1b[0m\x1b[K', ' ', '\t');
const piece: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: text.map(utf8) },
  { weight: 1, arbitrary: fc.constantFrom('😀', '𝄞', '你', 'é', '\uFFFD', '\u009b31m', '\x1b[32m', '\x1b[0m').map(utf8) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4, min: 0x80, max: 0xff }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.constantFrom('\0', '::pr', '::prog:', '::prog::', '\x1b', '\x1b[', ':').map(utf8) },
);
/** One line: a valid marker, an invalid one, or a mix of text, multi-byte, invalid bytes and NUL. */
const body: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(colour, validMarker).map(([lead, json]) => utf8(`${lead}::prog::${json}`)) },
  { weight: 2, arbitrary: fc.tuple(colour, invalidMarker).map(([lead, json]) => utf8(`${lead}::prog::${json}`)) },
  { weight: 3, arbitrary: fc.array(piece, { maxLength: 6 }).map((parts) => Buffer.concat(parts)) },
);
const stream = fc.array(fc.tuple(body, fc.constantFrom('\n', '\n', '\r\n', '\r', '')), { minLength: 8, maxLength: 30 })
  .map((lines) => Buffer.concat(lines.flatMap(([line, end]) => [line, utf8(end)])));

/** What the router makes of the whole stream in one piece: the bytes shown and the events (no seq, no t). */
function reference(input: Buffer): { shown: Buffer; events: Event[] } {
  const bus = new EventBus();
  const events: Event[] = [];
  bus.subscribe((event: ProgEvent) => {
    const { t: _t, seq: _seq, ...rest } = event as unknown as Event;
    events.push(JSON.parse(JSON.stringify(rest)) as Event);
  });
  const shown: Buffer[] = [];
  const router = routeOutput('stdout', { bus, outputEvents: false, pass: (bytes) => shown.push(Buffer.from(bytes)) });
  router.push(input);
  router.end();
  return { shown: Buffer.concat(shown), events };
}

/** The steps of the scripted child: the stream cut at the given points, a short pause after each piece. */
function pieces(input: Buffer, points: number[]): Step[] {
  const at = [...new Set(points.map((p) => p % (input.length + 1)))].sort((a, b) => a - b);
  const steps: Step[] = [];
  let from = 0;
  for (const p of [...at, input.length]) {
    if (p > from) steps.push({ ob: input.subarray(from, p).toString('base64') }, { sleep: 3 });
    from = p;
  }
  return steps;
}

const MARKER_EVENTS = new Set(['workflow', 'phase', 'phase.end', 'step', 'item.start', 'item.done', 'item.skip', 'item.fail', 'progress', 'log', 'agent', 'marker.invalid', 'marker.unknown']);

test('check 23 through real prog runs: 12 generated streams written in random pieces (1-byte cuts included) show the same bytes and record the same events as the stream in one piece', async () => {
  const cases = fc.sample(fc.tuple(stream, fc.array(fc.nat(), { minLength: 5, maxLength: 25 }), fc.boolean()), { numRuns: 12, seed: 23 });
  // The generator must not pass vacuously: markers that count, invalid ones and plain output.
  const kinds = new Set(cases.flatMap(([input]) => reference(input).events.map((e) => String(e.type))));
  for (const kind of ['marker.invalid', 'progress', 'log']) assert.ok(kinds.has(kind), `the sample has ${kind} events`);
  const failures: string[] = [];
  for (let i = 0; i < cases.length; i += 4) {
    await Promise.all(cases.slice(i, i + 4).map(async ([input, points, bytewise], k) => {
      const n = i + k;
      // Some cases are written a byte at a time (for the first 100 bytes), the rest at random points.
      const cuts = bytewise ? [...Array.from({ length: Math.min(100, input.length) }, (_, b) => b), ...points] : points;
      const r = await runProg(['run', '--format', 'plain', '--parser', 'none', '--', ...child(pieces(input, cuts))]);
      const want = reference(input);
      if (r.code !== 0) failures.push(`case ${n}: exit ${r.code}: ${r.stderr}`);
      if (!r.stdout.equals(want.shown)) failures.push(`case ${n}: shown ${JSON.stringify(r.stdout.toString('latin1'))} != ${JSON.stringify(want.shown.toString('latin1'))}`);
      const run = onlyRun(r.home);
      if (!run.stdout.equals(input)) failures.push(`case ${n}: stdout.log is not the input`);
      const recorded = run.events.filter((e) => MARKER_EVENTS.has(String(e.type))).map(({ t: _t, seq: _seq, tail: _tail, tailFrom: _tailFrom, ...rest }) => rest);
      const expected = want.events.map(({ tail: _tail, tailFrom: _tailFrom, ...rest }) => rest);
      try {
        assert.equal(recorded, expected);
      } catch {
        failures.push(`case ${n}: events ${JSON.stringify(recorded)} != ${JSON.stringify(expected)}`);
      }
    }));
  }
  assert.equal(failures, [], failures.join('\n'));
});

test.run();
