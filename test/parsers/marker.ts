import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { markerVerdict, parseMarker, type MarkerResult } from '../../src/parsers/marker.js';

const mark = (fields: object) => '::prog::' + JSON.stringify(fields);

function fail(message: string): never {
  assert.unreachable(message);
  throw new Error(message);
}

/** The event a marker becomes, as plain JSON (extra objects have no prototype). */
function parsed(line: string, bare = false): Record<string, unknown> {
  const result = parseMarker(line, bare);
  if (!result.ok) return fail(`expected ${JSON.stringify(line.slice(0, 200))} to parse, got: ${result.reason}`);
  return JSON.parse(JSON.stringify(result.event)) as Record<string, unknown>;
}

function rejected(line: string, bare = false): string {
  const result: MarkerResult = parseMarker(line, bare);
  if (result.ok) return fail(`expected ${JSON.stringify(line.slice(0, 200))} to be rejected, got ${JSON.stringify(result.event)}`);
  assert.type(result.reason, 'string');
  assert.ok(result.reason.length > 0);
  return result.reason;
}

// Every type in events.ts, with every field it carries.
const EVERY_TYPE: [string, object, object][] = [
  ['workflow', { type: 'workflow', name: 'nightly' }, { type: 'workflow', name: 'nightly' }],
  ['phase', { type: 'phase', id: 'map', name: 'Map phase', total: 500 }, { type: 'phase', id: 'map', name: 'Map phase', total: 500 }],
  ['phase.end', { type: 'phase.end', id: 'map', status: 'failed' }, { type: 'phase.end', id: 'map', status: 'failed' }],
  ['step', { type: 'step', phase: 'build', name: 'compile', index: 1, total: 3 }, { type: 'step', phase: 'build', name: 'compile', index: 1, total: 3 }],
  ['item.start', { type: 'item.start', phase: 'map', id: 'f1.py', agent: 'a1' }, { type: 'item.start', phase: 'map', id: 'f1.py', agent: 'a1' }],
  ['item.done', { type: 'item.done', phase: 'map', id: 'f1.py', agent: 'a1' }, { type: 'item.done', phase: 'map', id: 'f1.py', agent: 'a1' }],
  ['item.skip', { type: 'item.skip', phase: 'map', id: 'f2.py', agent: 'a2', reason: 'cached' }, { type: 'item.skip', phase: 'map', id: 'f2.py', agent: 'a2', reason: 'cached' }],
  [
    'item.fail',
    { type: 'item.fail', phase: 'map', id: 'f3.py', agent: 'a3', error: 'timeout', retry: 1, maxRetries: 3 },
    { type: 'item.fail', phase: 'map', id: 'f3.py', agent: 'a3', error: 'timeout', retry: 1, maxRetries: 3 },
  ],
  ['progress', { type: 'progress', phase: 'upload', current: 40, total: 100 }, { type: 'progress', phase: 'upload', current: 40, total: 100 }],
  ['log', { type: 'log', level: 'warn', source: 'agent-03', message: 'slow item' }, { type: 'log', level: 'warn', source: 'agent-03', message: 'slow item' }],
  ['agent', { type: 'agent', id: 'agent-01', status: 'idle', pid: 4242 }, { type: 'agent', id: 'agent-01', status: 'idle', pid: 4242 }],
];

for (const [name, fields, event] of EVERY_TYPE) {
  test(`a ${name} marker becomes a ${name} event with all its fields`, () => {
    assert.equal(parsed(mark(fields)), event);
  });
}

test('optional fields left out stay out of the event (no undefined, no defaults invented)', () => {
  assert.equal(parsed(mark({ type: 'phase', id: 'p' })), { type: 'phase', id: 'p' });
  assert.equal(parsed(mark({ type: 'item.done', id: 'x' })), { type: 'item.done', id: 'x' });
  assert.equal(parsed(mark({ type: 'progress', phase: 'p', current: 0 })), { type: 'progress', phase: 'p', current: 0 });
  assert.equal(parsed(mark({ type: 'step', name: 's' })), { type: 'step', name: 's' });
});

test('defaults: phase.end is ok, log level is info, an agent is busy', () => {
  assert.is(parsed(mark({ type: 'phase.end', id: 'p' })).status, 'ok');
  assert.is(parsed(mark({ type: 'log', message: 'm' })).level, 'info');
  assert.is(parsed(mark({ type: 'agent', id: 'a' })).status, 'busy');
});

test('common spellings are accepted: success/fail, warning/err, running/stopped', () => {
  assert.is(parsed(mark({ type: 'phase.end', id: 'p', status: 'success' })).status, 'ok');
  assert.is(parsed(mark({ type: 'phase.end', id: 'p', status: 'fail' })).status, 'failed');
  assert.is(parsed(mark({ type: 'log', level: 'warning', message: 'm' })).level, 'warn');
  assert.is(parsed(mark({ type: 'log', level: 'err', message: 'm' })).level, 'error');
  assert.is(parsed(mark({ type: 'agent', id: 'a', status: 'running' })).status, 'busy');
  assert.is(parsed(mark({ type: 'agent', id: 'a', status: 'stopped' })).status, 'offline');
});

test('a value outside an enum is rejected, naming the allowed values', () => {
  assert.match(rejected(mark({ type: 'phase.end', id: 'p', status: 'maybe' })), /phase\.end: "status" must be one of ok, failed, skipped/);
  assert.match(rejected(mark({ type: 'log', level: 'loud', message: 'm' })), /"level" must be one of/);
  assert.match(rejected(mark({ type: 'agent', id: 'a', status: 'toString' })), /"status" must be one of/);
  assert.match(rejected(mark({ type: 'agent', id: 'a', status: '__proto__' })), /"status" must be one of/);
});

test('numeric ids are read as strings; empty or non-scalar ids are rejected', () => {
  assert.is(parsed(mark({ type: 'item.done', phase: 7, id: 0 })).id, '0');
  assert.is(parsed(mark({ type: 'item.done', phase: 7, id: 0 })).phase, '7');
  assert.match(rejected(mark({ type: 'item.done', id: '' })), /"id" must be a non-empty string/);
  assert.match(rejected(mark({ type: 'item.done', id: ['x'] })), /"id" must be a non-empty string/);
  assert.match(rejected(mark({ type: 'item.done', id: true })), /"id" must be a non-empty string/);
});

test('colour codes, leading spaces and tabs around a marker are ignored', () => {
  const want = { type: 'workflow', name: 'w' };
  assert.equal(parsed('\x1b[32m::prog::{"type":"workflow","name":"w"}\x1b[0m'), want);
  assert.equal(parsed('  \t\x1b[1;32m\x1b[K::prog::{"type":"workflow","name":"w"}  '), want);
});

test('without the ::prog:: prefix a line is not a marker, except on the progress fd (bare JSON)', () => {
  assert.match(rejected('{"type":"workflow","name":"w"}'), /does not start with ::prog::/);
  assert.equal(parsed('{"type":"workflow","name":"w"}', true), { type: 'workflow', name: 'w' });
  assert.equal(parsed('::prog::{"type":"workflow","name":"w"}', true), { type: 'workflow', name: 'w' });
  assert.match(rejected('hello', true), /does not start with ::prog::/);
});

test('not JSON, not an object, or no type: rejected with the reason', () => {
  assert.match(rejected('::prog::{bad'), /not valid JSON/);
  assert.match(rejected('::prog::'), /not valid JSON/);
  assert.match(rejected('::prog::{"type":"log","message":"m"} trailing'), /not valid JSON/);
  for (const json of ['[]', '"phase"', 'null', '42', 'true']) assert.match(rejected('::prog::' + json), /not a JSON object/);
  assert.match(rejected('::prog::{}'), /no "type"/);
  assert.match(rejected('::prog::{"type":""}'), /no "type"/);
  assert.match(rejected('::prog::{"type":5}'), /no "type"/);
});

test('__proto__ in a marker does not pollute Object.prototype and is not kept', () => {
  for (const line of [
    '::prog::{"__proto__":{"polluted":1}}',
    '::prog::{"type":"log","message":"m","__proto__":{"polluted":1}}',
    '::prog::{"type":"custom","a":{"__proto__":{"polluted":1}}}',
    '::prog::{"type":"phase","id":"p","__proto__":{"polluted":1},"x":[{"__proto__":{"polluted":1}}]}',
  ]) {
    const result = parseMarker(line);
    assert.is(({} as Record<string, unknown>).polluted, undefined);
    assert.is((Object.prototype as Record<string, unknown>).polluted, undefined);
    if (result.ok) assert.not.match(JSON.stringify(result.event), /polluted|__proto__/);
  }
  const event = parseMarker('::prog::{"type":"custom","a":{"__proto__":{"polluted":1}}}');
  assert.ok(event.ok && event.event.type === 'marker.unknown');
  const a = (event.event as { marker: Record<string, Record<string, unknown>> }).marker.a!;
  assert.is(Object.hasOwn(a, '__proto__'), false);
  assert.is(Object.getPrototypeOf(a), Object.prototype);
});

test('constructor and prototype keys are dropped wherever they appear', () => {
  const line = '::prog::{"type":"log","message":"m","constructor":{"prototype":{"p":1}},"x":{"prototype":1,"keep":2}}';
  const result = parseMarker(line);
  assert.is(({} as Record<string, unknown>).p, undefined);
  assert.is((Object.prototype as Record<string, unknown>).p, undefined);
  assert.ok(result.ok);
  assert.equal(parsed(line), { type: 'log', level: 'info', message: 'm', extra: { x: { keep: 2 } } });
  const lone = parseMarker('::prog::{"constructor":{"prototype":{"p":1}}}');
  assert.is(lone.ok, false, 'with its only keys dropped the marker has no type');
  assert.is(({} as Record<string, unknown>).p, undefined);
});

test('a marker keyed "type" under __proto__ cannot smuggle a type in', () => {
  assert.match(rejected('::prog::{"__proto__":{"type":"workflow","name":"w"}}'), /no "type"/);
});

const COUNT_FIELDS: [string, object][] = [
  ['total', { type: 'phase', id: 'p' }],
  ['index', { type: 'step', name: 's' }],
  ['total', { type: 'step', name: 's' }],
  ['retry', { type: 'item.fail', id: 'i' }],
  ['maxRetries', { type: 'item.fail', id: 'i' }],
  ['current', { type: 'progress', phase: 'p' }],
  ['total', { type: 'progress', phase: 'p', current: 1 }],
  ['pid', { type: 'agent', id: 'a' }],
];

for (const [field, base] of COUNT_FIELDS) {
  const type = (base as { type: string }).type;
  test(`${type} with ${field} 1e309 (Infinity), -1 or a non-number is rejected, naming ${field}`, () => {
    const json = JSON.stringify(base).slice(0, -1);
    assert.match(rejected(`::prog::${json},"${field}":1e309}`), new RegExp(`"${field}" must be a finite number`));
    assert.match(rejected(`::prog::${json},"${field}":-1e309}`), new RegExp(`"${field}" must be a finite number`));
    assert.match(rejected(`::prog::${json},"${field}":-1}`), new RegExp(`"${field}" must not be negative`));
    for (const bad of ['"5"', 'true', '[1]', '{}']) {
      assert.match(rejected(`::prog::${json},"${field}":${bad}}`), new RegExp(`^${type.replace('.', '\\.')}: "${field}" must be a finite number`));
    }
    assert.is(parsed(`::prog::${json},"${field}":0}`)[field], 0, 'zero is a count');
  });
}

test('progress with current > total is clamped to total, not dropped', () => {
  assert.equal(parsed(mark({ type: 'progress', phase: 'p', current: 150, total: 100 })), { type: 'progress', phase: 'p', current: 100, total: 100 });
  assert.equal(parsed(mark({ type: 'progress', phase: 'p', current: 3, total: 0 })), { type: 'progress', phase: 'p', current: 0, total: 0 });
  assert.equal(parsed(mark({ type: 'progress', phase: 'p', current: 150 })), { type: 'progress', phase: 'p', current: 150 });
});

test('a marker of an unknown type becomes marker.unknown keeping every field', () => {
  const fields = { type: 'deploy.start', target: 'prod', n: 3, nested: { a: [1, 2] } };
  assert.equal(parsed(mark(fields)), { type: 'marker.unknown', marker: fields });
});

test('fields prog does not know are kept under extra', () => {
  assert.equal(parsed(mark({ type: 'item.done', id: 'x', durationMs: 12, tags: ['a'] })), { type: 'item.done', id: 'x', extra: { durationMs: 12, tags: ['a'] } });
  assert.equal(parsed(mark({ type: 'workflow', name: 'w', version: '2.0' })), { type: 'workflow', name: 'w', extra: { version: '2.0' } });
});

const REQUIRED: [string, object, string][] = [
  ['workflow', { type: 'workflow' }, 'name'],
  ['phase', { type: 'phase', name: 'n' }, 'id'],
  ['phase.end', { type: 'phase.end', status: 'ok' }, 'id'],
  ['step', { type: 'step', phase: 'p' }, 'name'],
  ['item.start', { type: 'item.start', phase: 'p' }, 'id'],
  ['item.done', { type: 'item.done', phase: 'p' }, 'id'],
  ['item.skip', { type: 'item.skip', phase: 'p' }, 'id'],
  ['item.fail', { type: 'item.fail', phase: 'p' }, 'id'],
  ['progress', { type: 'progress', phase: 'p', total: 3 }, 'current'],
  ['progress', { type: 'progress', current: 1 }, 'phase'],
  ['log', { type: 'log', level: 'info' }, 'message'],
  ['agent', { type: 'agent', status: 'busy' }, 'id'],
];

for (const [type, fields, missing] of REQUIRED) {
  test(`a ${type} marker without "${missing}" is rejected, saying "${missing}" is required`, () => {
    assert.is(rejected(mark(fields)), `${type}: "${missing}" is required`);
    assert.is(rejected(mark({ ...fields, [missing]: null })), `${type}: "${missing}" is required`);
  });
}

test('a 1 MB line of "a":[ after ::prog::{ is rejected, not parsed into a stack overflow', () => {
  const line = '::prog::{' + '"a":['.repeat(200_000);
  assert.ok(line.length >= 1_000_000);
  assert.is(rejected(line), 'nests objects or arrays more than 64 deep');
});

test('deeply nested but well-formed JSON is rejected the same way at any stack depth', () => {
  // Deep enough that whether a recursive reviver overflows depends on how deep the caller's stack is.
  const deep = '::prog::{"type":"log","message":"m","x":' + '['.repeat(1500) + ']'.repeat(1500) + '}';
  const atTop = parseMarker(deep);
  const nested = (n: number): MarkerResult => (n === 0 ? parseMarker(deep) : nested(n - 1));
  assert.equal(atTop, { ok: false, reason: 'nests objects or arrays more than 64 deep' });
  assert.equal(nested(6000), atTop);
  assert.ok(parseMarker('::prog::{"type":"log","message":"m","x":' + '['.repeat(63) + ']'.repeat(63) + '}').ok, '64 levels in all are fine');
  assert.is(parseMarker('::prog::{"type":"log","message":"m","x":' + '['.repeat(64) + ']'.repeat(64) + '}').ok, false);
  // Ordinary nesting is fine.
  assert.ok(parseMarker('::prog::{"type":"log","message":"m","x":' + '['.repeat(20) + ']'.repeat(20) + '}').ok);
});

test('brackets inside strings do not count as nesting', () => {
  const message = '['.repeat(1000) + '{'.repeat(1000) + '\\"[[[';
  assert.is(parsed(`::prog::{"type":"log","message":"${message}"}`).message, '['.repeat(1000) + '{'.repeat(1000) + '"[[[');
});

test('a 1 MB run of ESC [ without a final byte before a marker is handled', () => {
  const line = '\x1b['.repeat(500_000) + '::prog::{"type":"workflow","name":"w"}';
  // The last ESC [ takes "::p" as its parameters and final byte: no marker is left.
  assert.match(rejected(line), /does not start with ::prog::/);
  assert.is(markerVerdict(Buffer.from(line), 0, line.length), 'no');
  const closed = '\x1b['.repeat(500_000) + '\x1b[0m::prog::{"type":"workflow","name":"w"}';
  assert.equal(parsed(closed), { type: 'workflow', name: 'w' }, 'each lone ESC [ is stripped as a two-byte escape');
  assert.is(markerVerdict(Buffer.from(closed), 0, closed.length), 'no', 'but such a line is never held as a marker');
  const params = '\x1b[' + '1;'.repeat(500_000);
  assert.match(rejected(params + '::prog::{bad'), /not valid JSON|does not start/);
  assert.match(rejected(params), /does not start with ::prog::/);
});

test('a 1 MB marker with a long message parses whole', () => {
  const message = 'é😀x'.repeat(100_000);
  assert.is(parsed(mark({ type: 'log', message })).message, message);
});

test('a 1 MB near-marker of backslashes and quotes is rejected with a reason', () => {
  assert.match(rejected('::prog::{"type":"log","message":"' + '\\"'.repeat(500_000)), /not valid JSON/);
  assert.is(rejected('::prog::' + '{"a":1,'.repeat(150_000)), 'nests objects or arrays more than 64 deep');
  assert.is(rejected('::prog::' + '{"a":1}'.repeat(150_000)), 'is not valid JSON after ::prog::');
});

// markerVerdict: the byte-level look at a line's start that decides whether it is held.
const verdict = (s: string | Buffer) => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return markerVerdict(b, 0, b.length);
};

test('a line is held as a marker only when ::prog:: follows spaces, tabs and colour codes', () => {
  assert.is(verdict('::prog::'), 'yes');
  assert.is(verdict(' \t\x1b[32m\x1b[1;2m::prog::{'), 'yes');
  assert.is(verdict('x::prog::'), 'no');
  assert.is(verdict('::progress'), 'no');
  assert.is(verdict('\x1b]0;title\x07::prog::'), 'no');
  assert.is(verdict('\x1bM::prog::'), 'no');
  assert.is(verdict(' '.repeat(300) + '::prog::'), 'no');
  assert.is(verdict(' '.repeat(255) + '::prog::'), 'yes');
  assert.is(verdict(' '.repeat(256) + '::prog::'), 'no');
});

test('an incomplete start asks for more bytes, and every extension agrees with the final answer', () => {
  for (const line of ['  \x1b[1;32m::prog::{"a":1}', '::prog:x', '\x1b[', '\x1bX', ' '.repeat(260) + '::prog::', ' '.repeat(250) + '\x1b[' + '1'.repeat(10) + 'm::prog::']) {
    const b = Buffer.from(line);
    const final = markerVerdict(b, 0, b.length);
    let decided: string | undefined;
    for (let end = 0; end <= b.length; end++) {
      const v = markerVerdict(b, 0, end);
      if (decided !== undefined) assert.is(v, decided, `${JSON.stringify(line)} at ${end}`);
      else if (v !== 'maybe') decided = v;
    }
    if (decided !== undefined) assert.is(decided, final);
  }
  assert.is(verdict('::pr'), 'maybe');
  assert.is(verdict('  \x1b'), 'maybe');
  assert.is(verdict('\x1b[32'), 'maybe');
});

test('the verdict reads only the range it is given', () => {
  const b = Buffer.from('xx::prog::yy');
  assert.is(markerVerdict(b, 2, 10), 'yes');
  assert.is(markerVerdict(b, 2, 6), 'maybe');
  assert.is(markerVerdict(b, 1, 10), 'no');
});

test.run();
