// pytest's report → events: unit tests over recorded lines, the recordings replayed as prog reads
// them (chunk by chunk, unfinished lines included) and through the real binary (counts checked
// against pytest's own summary), live runs, and robustness.
import { cpSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import { liveTest, tools } from '../../helpers/tools.js';
import * as assert from 'uvu/assert';
import type { LineEnd, MarkerEvent, Unstamped } from '../../../src/events.js';
import { parser } from '../../../src/parsers/formats/pytest.js';
import { stripAnsi } from '../../../src/lines/ansi.js';
import { MAX_LINE_EVENTS } from '../../../src/parsers/format-parser.js';
import { ParserHub } from '../../../src/parsers/parser-hub.js';
import { fixtures, ndjson, runProg, tempDir } from '../../helpers/prog.js';
import { notLinear } from '../../helpers/time.js';
import { feedParser, recordingLines } from '../../helpers/recordings.js';

type Ev = Unstamped<MarkerEvent>;
const dir = join(fixtures, 'pytest');
const PYTHON = '/usr/bin/python3';

const feed = (lines: (string | [string, LineEnd])[]): Ev[] => feedParser(parser, 'stdout', lines);
const recLines = (name: string): [string, LineEnd][] => recordingLines(join(dir, `${name}.rec`));

interface Expect {
  collected: number; passed: number; failed: number; error: number; skipped: number; xfailed: number; xpassed: number; exitCode: number;
  /** Each failure pytest's short summary names, with the start of its message. */
  failures: Record<string, string>;
  /** Errors in the teardown of tests that have a result of their own (and so the same id), with their messages. */
  teardownErrors?: Record<string, string>;
  /** Failures and errors pytest counted that its results lines did not show (a collection error). */
  notInResults?: number;
  /** Where prog cannot count as pytest did (output a test printed among the results). */
  progCounted?: { passed?: number };
  /** The warning prog must give when its counts and pytest's summary differ. */
  warning?: string;
}
const expectOf = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.expect.json`), 'utf8')) as Expect;
const recordings = readdirSync(dir).filter((f) => f.endsWith('.rec')).map((f) => f.slice(0, -4)).sort();
const count = (events: Ev[], type: string) => events.filter((e) => e.type === type).length;

test('the recordings exist: default, verbose, -q, count style, under a pty, pytest 7 and 9, a slow teardown, teardown errors, -rN, -s', () => {
  assert.equal(recordings, [
    'collect-error-rN', 'noisy-s', 'pytest9-count', 'pytest9-verbose', 'q', 'quiet', 'quiet-pty', 'quiet-slow-teardown', 'quiet-teardown-error',
    'verbose', 'verbose-pty', 'verbose-slow-teardown', 'verbose-teardown-error',
  ]);
});

test('detect: the session header, the collected line, a -q result line; not make\'s [ 45%] lines', () => {
  for (const l of ['============================= test session starts ==============================', 'collected 83 items', 'collecting ... collected 1 item', '..F.sx                       [100%]']) {
    assert.ok(parser.detect.test(l), l);
  }
  for (const l of ['[ 45%] Building CXX object a.o', 'collected stamps', 'test_a.py::test_x PASSED', '...']) assert.not.ok(parser.detect.test(l), l);
});

type Fail = Extract<Ev, { type: 'item.fail' }>;
type Log = Extract<Ev, { type: 'log' }>;
const logs = (events: Ev[], level: string) => events.filter((e) => e.type === 'log' && e.level === level) as Log[];
type Described = Extract<Ev, { type: 'item.error' }>;
/** What item.error events said: `name: error`, as the error logs read. */
const described = (events: Ev[]) => (events.filter((e) => e.type === 'item.error') as Described[]).map((e) => `${e.name ?? e.id}: ${e.error}`);
/** Items counted so far, by kind, as the model counts them. */
const kinds = (events: Ev[]) => ({ done: count(events, 'item.done'), fail: count(events, 'item.fail'), skip: count(events, 'item.skip') });
const expectedKinds = (x: Expect) => ({ done: (x.progCounted?.passed ?? x.passed) + x.xpassed, fail: x.failed + x.error, skip: x.skipped + x.xfailed });

interface Step { kind: 'line' | 'chunk'; text: string; t: number; events: number }
/**
 * A recording read as prog reads it: its chunks in order through a ParserHub (which detects the
 * format), each line when it ends, the unfinished line through partial() after each chunk. Steps
 * say how many events there were before each line and after each chunk.
 */
function replay(name: string): { events: Ev[]; steps: Step[]; gaps: number[] } {
  const records = readFileSync(join(dir, `${name}.rec`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { t: number; fd?: number; b64?: string });
  const events: Ev[] = [];
  const steps: Step[] = [];
  const hub = new ParserHub([parser], 'auto', (e) => events.push(e));
  const pending = { stdout: '', stderr: '' };
  const ends = /\r\n|\n|\r/g;
  for (const r of records) {
    if (r.b64 === undefined) continue;
    const stream = r.fd === 2 ? 'stderr' : 'stdout';
    let text = pending[stream] + Buffer.from(r.b64, 'base64').toString();
    let from = 0;
    ends.lastIndex = 0;
    for (let m = ends.exec(text); m; m = ends.exec(text)) {
      // A `\r` at the very end may be half a `\r\n`: the next chunk tells.
      if (m[0] === '\r' && m.index === text.length - 1) break;
      const line = text.slice(from, m.index);
      steps.push({ kind: 'line', text: stripAnsi(line), t: r.t, events: events.length });
      hub.line(stream, line, m[0] as LineEnd);
      from = m.index + m[0].length;
    }
    text = text.slice(from);
    pending[stream] = text;
    if (text !== '' && !text.endsWith('\r')) hub.partial(stream, text);
    steps.push({ kind: 'chunk', text, t: r.t, events: events.length });
  }
  for (const stream of ['stdout', 'stderr'] as const) if (pending[stream] !== '') hub.line(stream, pending[stream], '');
  hub.end();
  const times = steps.filter((s) => s.kind === 'chunk').map((s) => s.t);
  return { events, steps, gaps: times.slice(1).map((t, i) => t - times[i]!) };
}

for (const name of recordings) {
  test(`${name}: one item per result, failures named with their messages, counts as pytest's summary`, () => {
    const x = expectOf(name);
    const events = feed(recLines(name));
    assert.equal(kinds(events), expectedKinds(x));
    // Each failure is named with its message: by an item.error (or an error log when it cannot be
    // matched) when it was counted already, else in its item.fail.
    const fails = events.filter((e) => e.type === 'item.fail') as Fail[];
    const named = [...described(events), ...logs(events, 'error').map((l) => l.message)];
    const expected = [...Object.entries(x.failures), ...Object.entries(x.teardownErrors ?? {})];
    for (const [id, message] of expected) {
      const found = named.some((m) => m.startsWith(`${id}: ${message}`)) || fails.some((f) => f.id === id && f.error!.startsWith(message));
      assert.ok(found, `${id}: ${message} in ${JSON.stringify([named, fails])}`);
    }
    // (A failure counted as written has pytest's word for an error until the summary names it.)
    const namedInFail = fails.filter((f) => f.error !== 'failed' && f.error !== 'error' && !f.id.startsWith('unreported '));
    assert.is(named.length + namedInFail.length, expected.length, 'each named once');
    assert.is(new Set(events.filter((e) => e.type.startsWith('item.')).map((e) => (e as Fail).id)).size, kinds(events).done + kinds(events).fail + kinds(events).skip, 'an item id is never repeated');
    const phase = events.find((e) => e.type === 'phase') as Extract<Ev, { type: 'phase' }>;
    if (name !== 'q') assert.is(phase.total, x.collected);
    const progress = events.filter((e) => e.type === 'progress') as Extract<Ev, { type: 'progress' }>[];
    assert.ok(progress.length >= 1);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.current >= progress[i - 1]!.current, 'never backwards');
    assert.equal([progress.at(-1)!.current, progress.at(-1)!.total], [x.collected, x.collected]);
    assert.equal(events.at(-1), { type: 'phase.end', id: 'pytest', status: 'failed' });
    // prog says so when its counts and pytest's differ, and only then.
    const warnings = logs(events, 'warn');
    if (x.warning === undefined) assert.equal(warnings, [], 'no difference to report');
    else assert.equal(warnings.map((w) => [w.source, w.message.includes(x.warning!)]), [['prog', true]], JSON.stringify(warnings));
  });

  test(`${name}: read as prog reads it (chunks, unfinished lines), failures count when written, not at the report`, () => {
    const x = expectOf(name);
    const { events, steps } = replay(name);
    assert.equal(kinds(events), expectedKinds(x), 'the same counts as reading whole lines');
    // pytest's report (FAILURES, ERRORS, the short summary) comes after every result.
    const report = steps.find((s) => s.kind === 'line' && /^=+ (FAILURES|ERRORS|short test summary info) =+$/.test(s.text));
    assert.ok(report, 'the recording has a report');
    assert.is(count(events.slice(0, report!.events), 'item.fail'), x.failed + x.error - (x.notInResults ?? 0), 'failures counted before the report');
  });
}

for (const name of recordings.filter((n) => n.includes('slow-teardown'))) {
  test(`${name}: pytest's last result is written, then 1.5 s of teardown before its line ends: the counts are final before the pause`, () => {
    const x = expectOf(name);
    const { events, steps, gaps } = replay(name);
    const chunks = steps.filter((s) => s.kind === 'chunk');
    const pause = gaps.findIndex((g) => g >= 1000);
    assert.ok(pause >= 0, `a pause of a second in the recording: ${gaps}`);
    assert.not.match(chunks.slice(0, pause + 1).map((c) => c.text).join(''), /\d+ (passed|failed)/, 'the pause is before pytest\'s summary');
    assert.equal(kinds(events.slice(0, chunks[pause]!.events)), expectedKinds(x), `after "${chunks[pause]!.text}"`);
  });
}

test('verbose lines: the test id, the skip reason, XFAIL a skip and XPASS a pass', () => {
  const events = feed([
    'collected 4 items',
    'tests/test_a.py::test_x[a b] PASSED                        [ 25%]',
    'tests/test_a.py::test_s SKIPPED (no db)                    [ 50%]',
    'tests/test_a.py::test_f XFAIL (bug 1)                      [ 75%]',
    'tests/test_a.py::test_p XPASS                              [100%]',
  ]);
  assert.equal(events.filter((e) => e.type.startsWith('item.')), [
    { type: 'item.done', phase: 'pytest', id: 'tests/test_a.py::test_x[a b]' },
    { type: 'item.skip', phase: 'pytest', id: 'tests/test_a.py::test_s', reason: 'no db' },
    { type: 'item.skip', phase: 'pytest', id: 'tests/test_a.py::test_f', reason: 'bug 1' },
    { type: 'item.done', phase: 'pytest', id: 'tests/test_a.py::test_p' },
  ]);
});

/** A fresh parser driven step by step: `line` ends a line, `partial` shows the line being written; each returns what that step emitted. */
function driver() {
  const p = parser.create();
  const at = (stream: 'stdout' | 'stderr', text: string) => ({ stream, raw: text, text });
  const run = (fn: (emit: (e: Ev) => void) => void) => {
    const out: Ev[] = [];
    fn((e) => out.push(e));
    return out;
  };
  return {
    line: (text: string, stream: 'stdout' | 'stderr' = 'stdout') => run((emit) => p.line({ ...at(stream, text), eol: '\n' }, emit)),
    partial: (text: string, stream: 'stdout' | 'stderr' = 'stdout') => run((emit) => p.partial!(at(stream, text), emit)),
  };
}
const fail = (id: string, error = 'failed'): Ev => ({ type: 'item.fail', phase: 'pytest', id, error });
const itemsOf = (events: Ev[]) => events.filter((e) => e.type.startsWith('item.'));

test('an F counts as failed the moment pytest writes it; the short summary names it (item.error), not counting it again', () => {
  const d = driver();
  d.line('collected 3 items');
  assert.equal(itemsOf(d.partial('test_a.py .')), [{ type: 'item.done', phase: 'pytest', id: 'test_a.py #1' }]);
  assert.equal(itemsOf(d.partial('test_a.py .F')), [fail('test_a.py #2')], 'failed while its line is still being written');
  assert.equal(itemsOf(d.line('test_a.py .F.                    [100%]')), [{ type: 'item.done', phase: 'pytest', id: 'test_a.py #3' }]);
  d.line('');
  d.line('=================================== FAILURES ===================================');
  d.line('E       AssertionError: boom');
  d.line('=========================== short test summary info ============================');
  assert.equal(d.line('FAILED test_a.py::test_b - AssertionError: boom'), [
    { type: 'item.error', phase: 'pytest', id: 'test_a.py #2', error: 'AssertionError: boom', name: 'test_a.py::test_b' },
  ], 'the failure counted as test_a.py #2 gets its name and message');
  assert.equal(d.line('========================= 1 failed, 2 passed in 0.02s =========================='), [
    { type: 'phase.end', id: 'pytest', status: 'failed' },
  ], 'the counts agree: no warning, nothing added');
});

test('-v: FAILED and ERROR count when their line is written with its tag, before the line ends; the line end does not count them again', () => {
  const d = driver();
  d.line('collected 3 items');
  assert.equal(itemsOf(d.partial('test_a.py::test_x ')), []);
  assert.equal(itemsOf(d.partial('test_a.py::test_x F')), [], 'the start of FAILED is no result character');
  assert.equal(itemsOf(d.partial('test_a.py::test_x FAILED')), [], 'a status word alone may still get its reason');
  assert.equal(itemsOf(d.partial('test_a.py::test_x FAILED                    [ 33%]')), [fail('test_a.py::test_x')]);
  assert.equal(itemsOf(d.line('test_a.py::test_x FAILED                    [ 33%]')), []);
  assert.equal(itemsOf(d.partial('test_a.py::test_y ERROR                     [ 66%]')), [fail('test_a.py::test_y', 'error')]);
  assert.equal(itemsOf(d.line('test_a.py::test_y ERROR                     [ 66%]')), []);
  assert.equal(itemsOf(d.partial('test_a.py::test_z SKIPPED (no db)           [100%]')), [{ type: 'item.skip', phase: 'pytest', id: 'test_a.py::test_z', reason: 'no db' }]);
  d.line('test_a.py::test_z SKIPPED (no db)           [100%]');
  d.line('=== short test summary info ===');
  d.line('FAILED test_a.py::test_x - assert 0');
  d.line('ERROR test_a.py::test_y - RuntimeError: fixture');
  const end = d.line('=== 1 failed, 1 skipped, 1 error in 0.1s ===');
  assert.equal(end.filter((e) => e.type === 'log' || e.type.startsWith('item.')), [], 'counted once, nothing to reconcile');
});

test('the last results and their tag in one write, the line end long after: counted from the unfinished line', () => {
  const d = driver();
  d.line('collected 4 items');
  d.partial('test_a.py ..');
  const events = d.partial('test_a.py ...F                               [100%]');
  assert.equal(itemsOf(events), [{ type: 'item.done', phase: 'pytest', id: 'test_a.py #3' }, fail('test_a.py #4')]);
  assert.equal(events.filter((e) => e.type === 'progress').at(-1), { type: 'progress', phase: 'pytest', current: 4, total: 4 });
  assert.equal(itemsOf(d.line('test_a.py ...F                               [100%]')), []);
});

test('-q and wrapped lines: a line of result characters alone counts as it grows once pytest has shown its tags', () => {
  const d = driver();
  assert.equal(itemsOf(d.partial('..F')), [], 'not started: nothing to go by');
  assert.is(itemsOf(d.line('...                                         [ 50%]')).length, 3);
  assert.equal(itemsOf(d.partial('.F')), [{ type: 'item.done', phase: 'pytest', id: 'test #4' }, fail('test #5')]);
  assert.equal(itemsOf(d.line('.F.                                         [100%]')), [{ type: 'item.done', phase: 'pytest', id: 'test #6' }]);
});

test('without tags (-s, classic style) a bare line of dots is not a result, whole or unfinished', () => {
  const d = driver();
  d.line('collected 2 items');
  assert.is(itemsOf(d.line('test_a.py .')).length, 1);
  assert.equal(itemsOf(d.partial('...')), []);
  assert.equal(itemsOf(d.line('...')), []);
});

test('stdout and stderr lines interleave: what the unfinished stdout line counted is not counted again', () => {
  const d = driver();
  d.line('collected 3 items');
  d.partial('test_a.py .F');
  d.line('some warning', 'stderr');
  assert.equal(itemsOf(d.line('test_a.py .F.  [100%]')), [{ type: 'item.done', phase: 'pytest', id: 'test_a.py #3' }]);
});

test('a failure without a short summary (-rN) is failed when written, without a message', () => {
  const events = feed(['collected 2 items', '', 'test_a.py .F                     [100%]', '=== 1 failed, 1 passed in 0.01s ===']);
  assert.equal(events.filter((e) => e.type === 'item.fail'), [fail('test_a.py #2')]);
  assert.equal(logs(events, 'warn'), []);
});

test('a collection error, only in the short summary, is one failed item and the phase fails', () => {
  const events = feed([
    'collected 1 item / 1 error', '', '==================================== ERRORS ====================================',
    '________________________ ERROR collecting test_bad.py _________________________', 'E   ZeroDivisionError: division by zero',
    '=========================== short test summary info ============================', 'ERROR test_bad.py - ZeroDivisionError: division by zero',
    '!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!', '=============================== 1 error in 0.05s ===============================',
  ]);
  assert.equal(events.filter((e) => e.type === 'item.fail'), [{ type: 'item.fail', phase: 'pytest', id: 'test_bad.py', error: 'ZeroDivisionError: division by zero' }]);
  assert.equal(events.at(-1), { type: 'phase.end', id: 'pytest', status: 'failed' });
});

test('deselected tests are not in the total; a teardown error after a pass counts twice, like pytest', () => {
  const events = feed(['collected 5 items / 3 deselected / 2 selected', 'test_a.py ..E                 [100%]', '=== 2 passed, 3 deselected, 1 error in 0.1s ===']);
  assert.is((events[0] as Extract<Ev, { type: 'phase' }>).total, 2);
  assert.equal([count(events, 'item.done'), count(events, 'item.fail')], [2, 1]);
  assert.is(count(events, 'log'), 0);
});

test('results the output did not show are taken from pytest\'s summary, and prog says what differed', () => {
  const missing = feed(['collected 4 items', 'test_a.py ..F                    [ 75%]', '=== 1 failed, 3 passed in 0.1s ===']);
  assert.is(count(missing, 'item.done'), 3);
  assert.equal(logs(missing, 'warn').map((l) => [l.source, l.message]), [[
    'prog', 'pytest\'s summary and prog\'s counts differ: pytest reported 3 passed, prog counted 2 (1 counted now from pytest\'s summary) (summary: 1 failed, 3 passed in 0.1s)',
  ]]);
});

test('a surplus prog cannot take back is said, outcome by outcome, in one warning', () => {
  const surplus = feed(['collected 3 items', 'test_a.py .s.                   [100%]', '=== 2 passed, 1 xfailed in 0.1s ===']);
  assert.equal(kinds(surplus), { done: 2, fail: 0, skip: 1 });
  const warnings = logs(surplus, 'warn');
  assert.is(warnings.length, 1);
  assert.match(warnings[0]!.message, /: pytest reported 0 skipped, prog counted 1; pytest reported 1 xfailed, prog counted 0 \(summary/);
  const capped = feed(['collected 1 items', 'test_a.py ..                   [100%]', '=== 1 passed in 0.1s ===']);
  assert.match(logs(capped, 'warn')[0]!.message, /: 1 past what pytest can print, ignored/);
  const errors = feed(['collected 2 items', 'test_a.py .E.E                   [100%]', '=== 2 passed, 1 error in 0.1s ===']);
  assert.match(logs(errors, 'warn')[0]!.message, /: pytest reported 1 error, prog counted 2 \(summary/);
});

test('a summary word that is no outcome (warnings, deselected, an object key) is not counted', () => {
  const events = feed(['collected 1 items', 'test_a.py .                   [100%]', '=== 1 passed, 3 warnings, 1 constructor, 2 tostring in 0.1s ===']);
  assert.equal(logs(events, 'warn'), []);
  assert.equal(events.at(-1), { type: 'phase.end', id: 'pytest', status: 'ok' });
});

test('-x stops early: progress ends where pytest stopped, not at 100%', () => {
  const events = feed(['collected 10 items', 'test_a.py .F', '', '=== 1 failed, 1 passed in 0.1s ===']);
  const progress = events.filter((e) => e.type === 'progress') as Extract<Ev, { type: 'progress' }>[];
  assert.is(progress.at(-1)!.current, 2);
});

test('xdist lines and a second session in the same run', () => {
  const events = feed([
    'collected 2 items', '[gw0] [ 50%] PASSED test_a.py::test_x ', '[gw1] [100%] FAILED test_a.py::test_y ', '=== 1 failed, 1 passed in 0.1s ===',
    '=== test session starts ===', 'collected 1 item', 'test_b.py .     [100%]', '=== 1 passed in 0.1s ===',
  ]);
  assert.equal(events.filter((e) => e.type === 'phase' || e.type === 'phase.end').map((e) => (e as { status?: string }).status ?? 'start'), ['start', 'failed', 'start', 'ok']);
  assert.equal(count(events, 'item.done'), 2);
});

test('ids never repeat, so a model that counts an id once counts each result: a teardown ERROR under -v, tox running pytest twice', () => {
  const session = ['collected 2 items', 'test_a.py::test_x PASSED   [ 50%]', 'test_a.py::test_x ERROR   [ 50%]', 'test_a.py::test_y PASSED   [100%]', '=== 2 passed, 1 error in 0.1s ==='];
  const events = feed([...session, '=== test session starts ===', ...session]);
  assert.equal(itemsOf(events).map((e) => (e as Fail).id), [
    'test_a.py::test_x', 'test_a.py::test_x (teardown)', 'test_a.py::test_y',
    'test_a.py::test_x (session 2)', 'test_a.py::test_x (teardown) (session 2)', 'test_a.py::test_y (session 2)',
  ]);
  assert.equal(logs(events, 'warn'), []);
});

test('never throws on arbitrary lines, pytest-like fragments included', () => {
  const piece = fc.oneof(fc.string(), fc.constantFrom('collected 3 items', '::', ' PASSED', ' FAILED', ' (', ')', ' [ 50%]', ' [1/3]', '.F', 'E', '=== ', ' ===', 'short test summary info', 'FAILED ', ' - ', 'in 0.1s', '1 failed', '\x1b[31m'));
  fc.assert(fc.property(fc.array(fc.array(piece, { maxLength: 8 }).map((a) => a.join('')), { maxLength: 30 }), (lines) => {
    feed(lines);
    const d = driver();
    for (const l of lines) {
      for (let i = 1; i < l.length; i += 3) d.partial(l.slice(0, i));
      d.line(l);
    }
  }), { numRuns: 300 });
});

test('read as it grows or whole, any report gives the same items: nothing is counted twice or lost', () => {
  const chars = fc.stringMatching(/^[.FEsxX]{1,12}$/);
  const tag = fc.constantFrom('', ' [ 50%]', '          [100%]', ' [ 3/9]');
  const resultLine = fc.oneof(
    fc.tuple(fc.constantFrom('test_a.py', 'tests/test_b.py'), chars, tag).map(([f, c, t]) => `${f} ${c}${t}`),
    fc.tuple(chars, tag).map(([c, t]) => `${c}${t}`),
    fc.tuple(fc.constantFrom('t.py::a', 't.py::b[x y]'), fc.constantFrom('PASSED', 'FAILED', 'ERROR', 'SKIPPED (why)', 'XFAIL'), tag).map(([i, s, t]) => `${i} ${s}${t}`),
  );
  fc.assert(fc.property(fc.boolean(), fc.array(resultLine, { maxLength: 12 }), (collected, lines) => {
    const head = collected ? ['collected 40 items'] : ['.. [ 5%]'];
    const whole = feed([...head, ...lines]);
    const d = driver();
    const grown: Ev[] = [];
    for (const l of [...head, ...lines]) {
      for (let i = 1; i < l.length; i++) grown.push(...d.partial(l.slice(0, i)));
      grown.push(...d.line(l));
    }
    assert.equal(itemsOf(grown), itemsOf(whole));
  }), { numRuns: 300 });
});

test('1 MiB pathological lines take linear time', () => {
  const MiB = 1024 * 1024;
  const lines = [
    ' '.repeat(MiB), '='.repeat(MiB), '.'.repeat(MiB), `${'.'.repeat(MiB)} [ 50%]`, `a::b${' PASSED'.repeat(MiB / 7)}x`, `a::b PASSED (${'('.repeat(MiB)}`,
    `${'1 passed, '.repeat(MiB / 10)}in 1s x`, `FAILED ${' - '.repeat(MiB / 3)}`, `collected 1 items${' / 1 x'.repeat(MiB / 6)}`, `x ${' '.repeat(MiB)}[ 1%]`,
    `= ${'= '.repeat(MiB / 2)}x`, `[gw0] [ 1%] PASSED ${' '.repeat(MiB)}`,
  ];
  const slow = notLinear('feed and partial lines', lines.join(''), () => {
    feed(['collected 5 items', ...lines, '=== short test summary info ===', ...lines]);
    const d = driver();
    d.line('collected 5 items');
    for (const l of lines) d.partial(l);
  });
  assert.is(slow, undefined, slow);
});

const items = (events: Ev[]) => events.filter((e) => e.type.startsWith('item.'));
const lastProgress = (events: Ev[]) => (events.filter((e) => e.type === 'progress').at(-1) as Extract<Ev, { type: 'progress' }>).current;

test('after collected 5 items, a line of 800,000 dots is 5 results, not 800,000; the summary warns of the rest', () => {
  const events = feed(['collected 5 items', `test_a.py ${'.'.repeat(800_000)}`, '=== 5 passed in 0.1s ===']);
  assert.is(items(events).length, 5);
  assert.is(lastProgress(events), 5);
  assert.match(logs(events, 'warn')[0]!.message, /: 799995 past what pytest can print, ignored/);
  assert.equal(events.at(-1), { type: 'phase.end', id: 'pytest', status: 'ok' });
});

test('the cap holds while the line grows (partial) and when it ends, through the hub', () => {
  const events: Ev[] = [];
  const hub = new ParserHub([parser], ['pytest'], (e) => events.push(e));
  hub.line('stdout', 'collected 5 items', '\n');
  let line = 'test_a.py ';
  for (let i = 0; i < 40; i++) {
    line += '.'.repeat(20_000);
    hub.partial('stdout', line);
  }
  hub.line('stdout', `${line} [100%]`, '\n');
  assert.is(items(events).length, 5);
  assert.is(lastProgress(events), 5);
  assert.is(hub.dropped, 0, 'pytest stopped at the total itself');
});

test('each test has one outcome and may add an error: at most the total of each; verbose lines too', () => {
  const events = feed(['collected 2 items', 'test_a.py .E.E.E.EFFss', 'test_a.py::test_x PASSED', 'test_a.py::test_y ERROR', '=== 2 passed, 2 errors in 0.1s ===']);
  assert.equal([count(events, 'item.done'), count(events, 'item.fail')], [2, 2]);
});

test('a huge collected count and a huge dot line: at most MAX_LINE_EVENTS results from the line', () => {
  const events = feed(['collected 999999999 items', `test_a.py ${'.'.repeat(800_000)}`, 'test_b.py ..']);
  assert.is(count(events, 'item.done'), MAX_LINE_EVENTS + 2);
  const unsafe = feed([`collected ${'9'.repeat(20)} items`, 'test_a.py ...']);
  assert.equal(unsafe.find((e) => e.type === 'phase'), { type: 'phase', id: 'pytest', name: 'pytest' }, 'a count no number holds is not a total');
  assert.is(count(unsafe, 'item.done'), 3);
});

for (const name of ['quiet', 'verbose-pty', 'q']) {
  test(`end to end: prog run --format json replaying ${name}: the summary counts are pytest's`, async () => {
    const x = expectOf(name);
    const r = await runProg(['run', '--format', 'json', '--', process.execPath, join(fixtures, 'replay.js'), join(dir, `${name}.rec`), '--speed', '0']);
    assert.is(r.code, x.exitCode, r.stderr.toString());
    const events = ndjson(r.stdout);
    const summary = events.find((e) => e.type === 'summary') as { counts: Record<string, number>; failures: { id: string; error: string }[]; logs?: Record<string, number> };
    assert.equal(summary.counts, {
      processed: x.collected, succeeded: x.passed + x.xpassed, failed: x.failed + x.error, retried: 0, skipped: x.skipped + x.xfailed, running: 0,
    });
    assert.is(summary.failures.length, x.failed + x.error);
    // Each failure is listed under its test's name with its message, in every mode (default mode
    // counts them by position, and the short summary names them).
    assert.equal(summary.failures.map((f) => f.id).sort(), Object.keys(x.failures).sort());
    for (const f of summary.failures) assert.ok(f.error.startsWith(x.failures[f.id]!), `${f.id}: ${f.error}`);
    assert.is(summary.logs, undefined, 'no warning: the counts agree');
  });
}

liveTest([tools.pytest()], 'LIVE: the real pytest (/usr/bin/python3 -m pytest, Debian python3-pytest) under prog', async () => {
  const work = tempDir('prog-pytest-');
  cpSync(join(dir, 'suite'), work, { recursive: true });
  const r = await runProg(['run', '--format', 'json', '--', PYTHON, '-m', 'pytest', '-p', 'no:cacheprovider'], { cwd: work });
  const events = ndjson(r.stdout);
  const printed = events.filter((e) => e.type === 'output').map((e) => e.line as string);
  // pytest's own final line, read here without the parser: the counts prog must agree with.
  const last = printed.map((l) => /^=+ (.*) in [\d.]+s =+$/.exec(l)).filter(Boolean).at(-1);
  assert.ok(last, printed.join('\n'));
  const own = Object.fromEntries([...last![1]!.matchAll(/(\d+) (\w+)/g)].map((m) => [m[2]!.replace(/^errors$/, 'error'), Number(m[1])]));
  const n = (k: string) => own[k] ?? 0;
  const summary = events.find((e) => e.type === 'summary') as { counts: Record<string, number>; exitCode: number };
  assert.is(summary.exitCode, 1);
  assert.equal(summary.counts, {
    processed: n('passed') + n('xpassed') + n('failed') + n('error') + n('skipped') + n('xfailed'),
    succeeded: n('passed') + n('xpassed'), failed: n('failed') + n('error'), retried: 0, skipped: n('skipped') + n('xfailed'), running: 0,
  });
  assert.is(summary.counts.processed, 83);
});

liveTest([tools.pytest()], 'LIVE: results count as pytest writes them, before their line ends at [ NN%]', async () => {
  const work = tempDir('prog-pytest-');
  // One file of five tests of 300 ms each: its results line ends only after the fifth.
  writeFileSync(join(work, 'test_slow.py'), Array.from({ length: 5 }, (_, i) => `def test_${i}():\n    __import__('time').sleep(0.3)\n`).join('\n'));
  const r = await runProg(['run', '--format', 'json', '--', PYTHON, '-m', 'pytest', '-p', 'no:cacheprovider'], { cwd: work });
  assert.is(r.code, 0, r.stderr.toString());
  const events = ndjson(r.stdout);
  const progress = events.filter((e) => e.type === 'progress' && e.phase === 'pytest').map((e) => ({ current: e.current as number, t: e.t as number }));
  const lineEnd = events.find((e) => e.type === 'output' && /^test_slow\.py \.{5}/.test(e.line as string))!.t as number;
  const early = progress.filter((p) => p.t < lineEnd - 200);
  assert.ok(early.length >= 2, `progress before the line ended at ${lineEnd} ms: ${JSON.stringify(progress)}`);
  assert.equal(progress.map((p) => p.current), [...progress.map((p) => p.current)].sort((a, b) => a - b), 'never backwards');
  const summary = events.at(-1)!;
  assert.equal((summary.counts as Record<string, number>).succeeded, 5, 'no result counted twice');
});

test.run();
