import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../src/event-bus.js';
import type { LineEnd, ProgEvent, StreamName } from '../../src/events.js';
import { MAX_LINE_BYTES } from '../../src/lines/line-splitter.js';
import { routeOutput, routeProgressFd } from '../../src/parsers/line-router.js';
import { parseMarker } from '../../src/parsers/marker.js';

type Event = Record<string, unknown>;

/** Runs bytes, cut into the given chunks, through routeOutput; events without `t`, as plain JSON. */
function route(chunks: Buffer[], options: { outputEvents: boolean; maxLineBytes?: number; stream?: StreamName }) {
  const bus = new EventBus();
  const events: Event[] = [];
  bus.subscribe((event: ProgEvent) => {
    const { t: _t, ...rest } = event;
    events.push(JSON.parse(JSON.stringify(rest)) as Event);
  });
  const shown: Buffer[] = [];
  const splitter = routeOutput(options.stream ?? 'stdout', {
    bus,
    outputEvents: options.outputEvents,
    pass: (bytes) => shown.push(Buffer.from(bytes)),
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
  });
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { events, shown: Buffer.concat(shown) };
}

function routeFd(chunks: Buffer[], maxLineBytes?: number) {
  const bus = new EventBus();
  const events: Event[] = [];
  bus.subscribe((event: ProgEvent) => {
    const { t: _t, ...rest } = event;
    events.push(JSON.parse(JSON.stringify(rest)) as Event);
  });
  const splitter = routeProgressFd(bus, maxLineBytes);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return events;
}

const one = (s: string | Buffer) => [typeof s === 'string' ? Buffer.from(s) : s];
const bytewise = (s: string | Buffer) => [...(typeof s === 'string' ? Buffer.from(s) : s)].map((b) => Buffer.from([b]));
const noSeq = (events: Event[]) => events.map(({ seq: _seq, ...rest }) => rest);

test('a marker on stdout becomes its event and is not shown; the lines around it are', () => {
  const r = route(one('a\n::prog::{"type":"phase","id":"p","total":2}\nb\n'), { outputEvents: false });
  assert.is(r.shown.toString(), 'a\nb\n');
  assert.equal(r.events, [{ seq: 1, type: 'phase', id: 'p', total: 2 }]);
});

test('with output events on, each shown line is an output event with its line end; markers are not', () => {
  const r = route(one('a\r\n::prog::{"type":"workflow","name":"w"}\n50%\rdone'), { outputEvents: true, stream: 'stderr' });
  assert.equal(noSeq(r.events), [
    { type: 'output', stream: 'stderr', line: 'a', eol: '\r\n' },
    { type: 'workflow', name: 'w' },
    { type: 'output', stream: 'stderr', line: '50%', eol: '\r' },
    { type: 'output', stream: 'stderr', line: 'done', eol: '' },
  ]);
});

test('an invalid marker is shown unchanged, reported as marker.invalid with a reason, then as output', () => {
  const r = route(one('::prog::{bad\n'), { outputEvents: true });
  assert.is(r.shown.toString(), '::prog::{bad\n');
  assert.equal(noSeq(r.events), [
    { type: 'marker.invalid', channel: 'stdout', reason: 'is not valid JSON after ::prog::' },
    { type: 'output', stream: 'stdout', line: '::prog::{bad', eol: '\n' },
  ]);
});

test('an output line of invalid UTF-8 carries base64 of its exact bytes', () => {
  const bad = Buffer.from([0x61, 0xff, 0xc3, 0x28, 0x00, 0xed, 0xa0, 0x80]);
  const r = route([bad, Buffer.from('\nok \uFFFD real replacement char\n')], { outputEvents: true });
  assert.is(r.events.length, 2);
  assert.ok(Buffer.from(r.events[0]!.base64 as string, 'base64').equals(bad));
  assert.is(r.events[1]!.base64, undefined, 'a real U+FFFD in valid UTF-8 needs no base64');
  assert.is(r.events[1]!.line, 'ok \uFFFD real replacement char');
});

test('a line over the cap is an output event marked truncated with its full length, shown whole', () => {
  const line = 'é'.repeat(20); // 40 bytes; a cap of 15 falls inside a character
  const r = route(one(line + '\n'), { outputEvents: true, maxLineBytes: 15 });
  assert.is(r.shown.toString(), line + '\n');
  assert.equal(noSeq(r.events), [{ type: 'output', stream: 'stdout', line: 'é'.repeat(7), eol: '\n', truncated: true, bytes: 40 }]);
});

test('a marker over 1 MiB is not parsed: it is shown whole and reported as too long', () => {
  const line = '::prog::{"type":"log","message":"' + 'x'.repeat(MAX_LINE_BYTES) + '"}';
  const chunks: Buffer[] = [];
  const bytes = Buffer.from(line + '\nafter\n');
  for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
  const r = route(chunks, { outputEvents: false });
  assert.ok(r.shown.equals(bytes));
  assert.equal(noSeq(r.events), [{ type: 'marker.invalid', channel: 'stdout', reason: 'is longer than 1 MiB' }]);
});

test('the progress fd takes bare JSON and prefixed markers, ignores blank lines, reports the rest', () => {
  const events = routeFd(bytewise('{"type":"workflow","name":"w"}\n\n  \r\n::prog::{"type":"phase","id":"p"}\r{bad\nplain text'));
  assert.equal(noSeq(events), [
    { type: 'workflow', name: 'w' },
    { type: 'phase', id: 'p' },
    { type: 'marker.invalid', channel: 'progress-fd', reason: 'is not valid JSON after ::prog::' },
    { type: 'marker.invalid', channel: 'progress-fd', reason: 'does not start with ::prog::' },
  ]);
});

test('a progress-fd line over the cap is reported as too long, not parsed', () => {
  assert.equal(noSeq(routeFd(one('{"type":"log","message":"' + 'x'.repeat(100) + '"}\n'), 32)), [
    { type: 'marker.invalid', channel: 'progress-fd', reason: 'is longer than 32 bytes' },
  ]);
});

// ---------------------------------------------------------------------------------------------
// Chunk-split invariance (reliability.md check 23), against an independent reference.

const LF = 0x0a;
const CR = 0x0d;

interface RefLine {
  bytes: Buffer;
  eol: LineEnd;
}

/** Splits bytes at \n, \r\n and lone \r, the obvious way: whole input in hand, one pass. */
function refLines(input: Buffer): RefLine[] {
  const lines: RefLine[] = [];
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] === LF) {
      lines.push({ bytes: input.subarray(start, i), eol: '\n' });
      start = i + 1;
    } else if (input[i] === CR) {
      const crlf = input[i + 1] === LF;
      lines.push({ bytes: input.subarray(start, i), eol: crlf ? '\r\n' : '\r' });
      if (crlf) i++;
      start = i + 1;
    }
  }
  if (start < input.length) lines.push({ bytes: input.subarray(start), eol: '' });
  return lines;
}

/** docs/markers.md: spaces, tabs and CSI colour codes (fewer than 256 bytes of them), then ::prog::. */
const MARKER_START = /^((?:[ \t]|\x1b\[[\x20-\x3f]*[\x40-\x7e])*)::prog::/;
/** An incomplete UTF-8 sequence at the end of a cut line (latin1 view of the bytes). */
const CUT_CHARACTER = /(?:[\xc0-\xdf]|[\xe0-\xef][\x80-\xbf]?|[\xf0-\xf7][\x80-\xbf]{0,2})$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** What prog should show and report for this input: computed line by line from the whole input. */
function reference(input: Buffer, outputEvents: boolean, max: number, stream: StreamName) {
  const events: Event[] = [];
  const shown: Buffer[] = [];
  const tooLong = max === MAX_LINE_BYTES ? 'is longer than 1 MiB' : `is longer than ${max} bytes`;
  for (const { bytes, eol } of refLines(input)) {
    const lead = MARKER_START.exec(bytes.toString('latin1'));
    if (lead && lead[1]!.length < 256) {
      const result = bytes.length > max ? { ok: false as const, reason: tooLong } : parseMarker(bytes.toString('utf8'));
      if (result.ok) {
        events.push(JSON.parse(JSON.stringify(result.event)) as Event);
        continue;
      }
      events.push({ type: 'marker.invalid', channel: stream, reason: result.reason });
    }
    shown.push(bytes, Buffer.from(eol));
    if (outputEvents) {
      let kept = bytes;
      if (bytes.length > max) {
        const start = bytes.subarray(0, max);
        kept = start.subarray(0, max - (CUT_CHARACTER.exec(start.toString('latin1'))?.[0].length ?? 0));
      }
      const event: Event = { type: 'output', stream, line: kept.toString('utf8'), eol };
      if (bytes.length > max) Object.assign(event, { truncated: true, bytes: bytes.length });
      if (!isUtf8(kept)) event.base64 = kept.toString('base64');
      events.push(event);
    }
  }
  return { events: events.map((e, i): Event => ({ seq: i + 1, ...e })), shown: Buffer.concat(shown) };
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const text = fc.string({ unit: 'binary', maxLength: 12 });
const id = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.nat(1000));
const count = fc.oneof(fc.nat(1000), fc.double({ min: 0, max: 1e6, noNaN: true }));

const validMarkerJson = fc.oneof(
  fc.record({ type: fc.constant('workflow'), name: id }),
  fc.record({ type: fc.constant('phase'), id, name: text, total: count }, { requiredKeys: ['type', 'id'] }),
  fc.record({ type: fc.constant('phase.end'), id, status: fc.constantFrom('ok', 'failed', 'skipped', 'success') }, { requiredKeys: ['type', 'id'] }),
  fc.record({ type: fc.constantFrom('item.start', 'item.done', 'item.skip'), phase: id, id, agent: id }, { requiredKeys: ['type', 'id'] }),
  fc.record({ type: fc.constant('item.fail'), id, error: text, retry: fc.nat(5), maxRetries: fc.nat(5) }, { requiredKeys: ['type', 'id'] }),
  fc.record({ type: fc.constant('progress'), phase: id, current: count, total: count }, { requiredKeys: ['type', 'phase', 'current'] }),
  fc.record({ type: fc.constant('log'), level: fc.constantFrom('info', 'warn', 'warning'), message: text, extraField: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: ['type', 'message'] }),
  fc.record({ type: fc.constantFrom('custom', 'x.y'), payload: fc.jsonValue({ maxDepth: 2 }) }),
).map((fields) => JSON.stringify(fields));

const invalidMarkerJson = fc.constantFrom(
  '{bad',
  '',
  '[]',
  '{}',
  '{"type":"progress","phase":"p","current":-1}',
  '{"type":"progress","phase":"p","current":1e309}',
  '{"type":"item.done"}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"p":1}}}',
  '{"type":"log","message":"m"} tail',
);

const colour = fc.constantFrom('', '\x1b[32m', '\x1b[1;31m', '\x1b[0m\x1b[K', ' ', '\t', '   ', '\x1b[38;5;208m ');
const lineEnd = fc.constantFrom('\n', '\r\n', '\r', '');

const fragment: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(colour, validMarkerJson, fc.constantFrom('', '\x1b[0m', ' ', '\t')).map(([lead, json, tail]) => utf8(`${lead}::prog::${json}${tail}`)) },
  { weight: 2, arbitrary: fc.tuple(colour, invalidMarkerJson).map(([lead, json]) => utf8(`${lead}::prog::${json}`)) },
  { weight: 3, arbitrary: lineEnd.map(utf8) },
  { weight: 3, arbitrary: text.map(utf8) },
  { weight: 1, arbitrary: fc.constantFrom('😀', '𝄞', '你', 'é', '\uFFFD', '\u009b31m').map(utf8) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4, min: 0x80, max: 0xff }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.constantFrom('\0', '\0\0\n', '::pr', '::prog:', '::prog::', '\x1b', '\x1b[', '\x1b[3', ':', 'p').map(utf8) },
  { weight: 1, arbitrary: fc.constantFrom(' '.repeat(254), ' '.repeat(256), ' '.repeat(300), ' '.repeat(248) + '\x1b[1;32m').map(utf8) },
);

const stream = fc.array(fragment, { maxLength: 40 }).map((parts) => Buffer.concat(parts));

function cut(input: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (input.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of at) {
    chunks.push(input.subarray(from, p));
    from = p;
  }
  chunks.push(input.subarray(from));
  return chunks;
}

test('chunk-split invariance: one chunk, 1-byte chunks and random cuts give the reference events and bytes', () => {
  fc.assert(
    fc.property(
      stream,
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.boolean(),
      fc.constantFrom(MAX_LINE_BYTES, MAX_LINE_BYTES, 12, 40),
      fc.constantFrom<StreamName>('stdout', 'stderr'),
      (input, points, outputEvents, max, name) => {
        const want = reference(input, outputEvents, max, name);
        const options = { outputEvents, maxLineBytes: max, stream: name };
        for (const chunks of [[input], bytewise(input), cut(input, points)]) {
          const got = route(chunks, options);
          assert.equal(got.events, want.events);
          assert.ok(got.shown.equals(want.shown), `shown ${JSON.stringify(got.shown.toString('latin1'))} != ${JSON.stringify(want.shown.toString('latin1'))}`);
        }
      },
    ),
    { numRuns: 1500 },
  );
});

test('chunk-split invariance holds for the progress fd too', () => {
  const fdLine = fc.oneof(validMarkerJson, invalidMarkerJson.map((j) => '::prog::' + j), text);
  const fdStream = fc.array(fc.tuple(fdLine, lineEnd), { maxLength: 12 }).map((parts) => utf8(parts.map(([l, e]) => l + e).join('')));
  fc.assert(
    fc.property(fdStream, fc.array(fc.nat(), { maxLength: 8 }), (input, points) => {
      const want = routeFd([input]);
      assert.equal(routeFd(bytewise(input)), want);
      assert.equal(routeFd(cut(input, points)), want);
    }),
    { numRuns: 1000 },
  );
});

test('the property generator really produces consumed markers, invalid ones and plain output', () => {
  // Guards the property above from passing vacuously.
  const samples = fc.sample(stream, { numRuns: 300, seed: 42 });
  const kinds = new Set<string>();
  for (const input of samples) for (const e of reference(input, true, MAX_LINE_BYTES, 'stdout').events) kinds.add(String(e.type));
  for (const kind of ['output', 'marker.invalid', 'marker.unknown', 'phase', 'progress', 'log', 'item.done']) assert.ok(kinds.has(kind), kind);
  assert.ok(samples.some((s) => s.includes(0xff) || s.includes(0x80)), 'invalid bytes');
  assert.ok(samples.some((s) => s.includes('\x1b[32m::prog::')), 'coloured markers');
});

test.run();
