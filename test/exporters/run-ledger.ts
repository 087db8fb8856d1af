// What the RunLedger keeps for the JUnit report, from events as the parsers emit them: a failure's
// own outcome word once pytest's summary replaced its message, a tool's own duration and details,
// and the failure sections printed at the end of pytest's and cargo test's output (bounded).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ProgEvent } from '../../src/events.js';
import { CONTEXT_CHARS, CONTEXT_LINES, RunLedger } from '../../src/exporters/run-ledger.js';
import { junitXml, names } from '../../src/exporters/junit-xml.js';

type Loose = { type: string; [key: string]: unknown };

function ledgerOf(events: Loose[]): RunLedger {
  const ledger = new RunLedger();
  let seq = 0;
  for (const e of events) ledger.apply({ seq: ++seq, t: seq * 10, ...e } as unknown as ProgEvent);
  return ledger;
}

const out = (line: string): Loose => ({ type: 'output', stream: 'stdout', line, eol: '\n' });

test('pytest -q: the placeholder renamed by the short summary keeps `error` as its outcome, and finds its FAILURES section by its new name', () => {
  const ledger = ledgerOf([
    { type: 'run.start', id: 'r', command: ['pytest'], cwd: '/', pid: 1, startedAt: '2026-12-04T10:00:00.000Z' },
    { type: 'phase', id: 'pytest', name: 'pytest' },
    { type: 'item.done', phase: 'pytest', id: 'test #1' },
    { type: 'item.fail', phase: 'pytest', id: 'test #2', error: 'error' },
    { type: 'item.fail', phase: 'pytest', id: 'test #3', error: 'failed' },
    out('==================================== ERRORS ===================================='),
    out('_________________________ ERROR at setup of test_b __________________________'),
    out('E   RuntimeError: fixture exploded'),
    out('=================================== FAILURES ==================================='),
    out('______________________________ TestC.test_c[1] ______________________________'),
    out('>       assert 1 == 2'),
    out('E       assert 1 == 2'),
    out(''),
    out('=========================== short test summary info ============================'),
    out('not part of any section'),
    { type: 'item.error', phase: 'pytest', id: 'test #2', error: 'RuntimeError: fixture exploded', name: 'tests/test_a.py::test_b' },
    { type: 'item.error', phase: 'pytest', id: 'test #3', error: 'assert 1 == 2', name: 'tests/test_a.py::TestC::test_c[1]' },
    { type: 'exit', exitCode: 1, signal: null, durationMs: 100 },
  ]);
  const [, b, c] = ledger.items;
  assert.equal([b!.failError, b!.error, b!.name], ['error', 'RuntimeError: fixture exploded', 'tests/test_a.py::test_b']);
  assert.equal(ledger.contextOf(b!), ['E   RuntimeError: fixture exploded']);
  assert.equal(ledger.contextOf(c!), ['>       assert 1 == 2', 'E       assert 1 == 2', '']);
  const { xml, counts } = junitXml(ledger, { command: ['pytest', '-q'], startedAt: '2026-12-04T10:00:00.000Z' });
  assert.equal(counts, { tests: 3, failures: 1, errors: 1, skipped: 0 });
  assert.match(xml, /<testcase name="test_b" classname="tests\.test_a" time="[\d.]+">\n {6}<error message="RuntimeError: fixture exploded" type="RuntimeError">/);
  assert.match(xml, /<testcase name="test_c\[1\]" classname="tests\.test_a\.TestC"/);
  assert.match(xml, /<system-out>&gt;       assert 1 == 2\nE       assert 1 == 2<\/system-out>/);
  assert.match(xml, /<testcase name="test #1" classname="pytest" time="[\d.]+"\/>/);
});

test('cargo test: a failure\'s `---- name stdout ----` section is its context, ended by `failures:`', () => {
  const ledger = ledgerOf([
    { type: 'phase', id: 'cargo-test', name: 'cargo test' },
    { type: 'item.fail', phase: 'cargo-test', id: 'tests::wrong', error: 'failed in unittests src/lib.rs' },
    out('failures:'),
    out(''),
    out('---- tests::wrong stdout ----'),
    out('\x1b[31mthread \'tests::wrong\' panicked at src/lib.rs:25:9:\x1b[0m'),
    out(''),
    out('failures:'),
    out('    tests::wrong'),
  ]);
  assert.equal(ledger.contextOf(ledger.items[0]!), ['thread \'tests::wrong\' panicked at src/lib.rs:25:9:', '']);
});

test('sections read from the recorded output afterwards, unless the output came as events already', () => {
  const recorded = ['running 1 test', 'test tests::wrong ... FAILED', '', 'failures:', '', '---- tests::wrong stdout ----', 'panicked', '', 'failures:'];
  const quiet = ledgerOf([{ type: 'item.fail', phase: 'cargo-test', id: 'tests::wrong' }]);
  quiet.readRecordedOutput(recorded);
  assert.equal(quiet.contextOf(quiet.items[0]!), ['panicked', '']);
  const seen = ledgerOf([{ type: 'item.fail', phase: 'cargo-test', id: 'tests::wrong' }, out('---- tests::wrong stdout ----'), out('once')]);
  seen.readRecordedOutput(recorded);
  assert.equal(seen.contextOf(seen.items[0]!), ['once']);
});

test('a section is bounded in lines and characters, and so is the number of sections', () => {
  const events: Loose[] = [{ type: 'item.fail', phase: 'cargo-test', id: 'big', error: 'x' }, out('---- big stdout ----')];
  for (let i = 0; i < 500; i++) events.push(out(`line ${i} ${'y'.repeat(50)}`));
  events.push(out('---- huge stdout ----'), out('z'.repeat(100_000)));
  for (let i = 0; i < 3_000; i++) events.push(out(`---- s${i} stdout ----`), out('a line'));
  const ledger = ledgerOf([...events, { type: 'item.fail', phase: 'cargo-test', id: 'huge' }, { type: 'item.fail', phase: 'cargo-test', id: 's2999' }]);
  const big = ledger.contextOf(ledger.items[0]!)!;
  assert.ok(big.length <= CONTEXT_LINES && big.join('\n').length <= CONTEXT_CHARS, `${big.length} lines`);
  assert.is(ledger.contextOf(ledger.items[1]!)![0]!.length, CONTEXT_CHARS);
  assert.is(ledger.contextOf(ledger.items[2]!), undefined, 'past the 1000th section, none is kept');
});

test('TeamCity: the reported duration is the testcase\'s time, and the details follow the message', () => {
  const ledger = ledgerOf([
    { type: 'phase', id: 'math', name: 'math' },
    { type: 'item.start', phase: 'math', id: 'division › fails', agent: '7' },
    { type: 'item.fail', phase: 'math', id: 'division › fails', agent: '7', error: 'Expected 1 to be 2', extra: { durationMs: 1234, details: 'AssertionError\n    at spec.cjs:11:49' } },
    { type: 'item.done', phase: 'math', id: 'adds', extra: { durationMs: 8 } },
  ]);
  const { xml } = junitXml(ledger, { command: ['mocha'], startedAt: '2026-12-04T10:00:00.000Z' });
  assert.match(xml, /<testcase name="fails" classname="math › division" time="1\.234">\n {6}<failure message="Expected 1 to be 2">Expected 1 to be 2\n\nAssertionError\n    at spec\.cjs:11:49<\/failure>\n {6}<system-out>agent: 7<\/system-out>/);
  assert.match(xml, /<testcase name="adds" classname="math" time="0\.008"\/>/);
});

test('an item still running when the run ended is an <error>; build phases (ninja, make, cargo) are not tests', () => {
  const ledger = ledgerOf([
    { type: 'phase', id: 'ninja', name: 'ninja' },
    { type: 'item.fail', phase: 'ninja', id: 'a.o', error: 'cc failed' },
    { type: 'item.start', phase: 'e2e', id: 'hangs' },
    { type: 'exit', exitCode: null, signal: 'SIGTERM', durationMs: 100 },
  ]);
  const { xml, counts } = junitXml(ledger, { command: ['x'], startedAt: '2026-12-04T10:00:00.000Z' });
  assert.equal(counts, { tests: 1, failures: 0, errors: 1, skipped: 0 });
  assert.match(xml, /<error message="did not finish: the run ended first" type="unfinished"\/>/);
  assert.not.match(xml, /a\.o/);
});

test('names: the id\'s path is the classname (pytest dotted as its own junitxml, › paths, cargo modules), else the suite', () => {
  assert.equal(names('tests/unit/test_a.py::TestX::test_y[a::b]', 'pytest', 'pytest'), { classname: 'tests.unit.test_a.TestX', name: 'test_y[a::b]' });
  assert.equal(names('test #1[a::b]', 'pytest', 'pytest'), { classname: 'pytest', name: 'test #1[a::b]' });
  assert.equal(names('parser › tokens › numbers', 'tap', 'tap'), { classname: 'parser › tokens', name: 'numbers' });
  assert.equal(names('cleanup', 'tap', 'tap'), { classname: 'tap', name: 'cleanup' });
  assert.equal(names('a::b::c', 'cargo test', 'cargo-test', 'unittests src/lib.rs (5 tests)'), { classname: 'unittests src/lib.rs', name: 'a::b::c' });
  assert.equal(names('works', 'cargo test', 'cargo-test', 'tests/api.rs (1 test)'), { classname: 'tests/api.rs', name: 'works' });
  assert.equal(names('a::b', 'markers', 'e2e'), { classname: 'markers › a', name: 'b' });
  assert.equal(names('division › by zero', 'math', 'math'), { classname: 'math › division', name: 'by zero' });
  assert.equal(names('shard 1', 'e2e', 'e2e'), { classname: 'e2e', name: 'shard 1' });
});


test('an item reported again after it finished counts once, by its latest outcome, as the model counts it', () => {
  const ledger = ledgerOf([
    { type: 'phase', id: 't', name: 'tests' },
    // Failed, started again, passed: one success after a retried attempt.
    { type: 'item.start', phase: 't', id: 'a' },
    { type: 'item.fail', phase: 't', id: 'a', error: 'first try' },
    { type: 'item.start', phase: 't', id: 'a' },
    { type: 'item.done', phase: 't', id: 'a' },
    // Done, then failed on a second run: failed.
    { type: 'item.done', phase: 't', id: 'b' },
    { type: 'item.fail', phase: 't', id: 'b', error: 'broke later' },
    // Done, then skipped (a resumed run skipping it): still done.
    { type: 'item.done', phase: 't', id: 'c' },
    { type: 'item.skip', phase: 't', id: 'c', reason: 'resumed' },
  ]);
  assert.equal(ledger.items.map((i) => [i.id, i.outcome, i.error ?? null, i.retries?.map((r) => r.error) ?? []]), [
    ['a', 'done', null, ['first try']],
    ['b', 'failed', 'broke later', []],
    ['c', 'done', null, []],
  ]);
});

test('pytest\'s short summary finds a failure however many tests finished after it', () => {
  const events: Loose[] = [{ type: 'phase', id: 'pytest', name: 'pytest' }, { type: 'item.fail', phase: 'pytest', id: 'test_0', error: 'failed' }];
  for (let i = 1; i < 15_000; i++) events.push({ type: 'item.done', phase: 'pytest', id: `test_${i}` });
  events.push({ type: 'item.error', phase: 'pytest', id: 'test_0', error: 'AssertionError: the first one' });
  assert.is(ledgerOf(events).items[0]!.error, 'AssertionError: the first one');
});
test.run();
