// The ctest parser: unit tests over lines (every outcome ctest 3.25 prints), over recordings of
// ctest on test/fixtures/cmake-project, the recordings replayed through the real binary, and ctest
// run live under prog. Expected counts come from `ctest -N` and the project's CMakeLists.txt (which
// tests fail, which is disabled), not from the parser: see record-fixtures.sh.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parser as ctest } from '../../../src/parsers/formats/ctest.js';
import { fixtures } from '../../helpers/prog.js';
import {
  buildTools, configure, counts, failureIds, feed, ids, ofType, phaseOf, PIECES, progJson, progReplay, readExpect, recordedLines, removeBuild,
  type Line,
} from '../../fixtures/cmake-project/harness.js';
import { notLinear } from '../../helpers/time.js';
import { liveTest, tools } from '../../helpers/tools.js';

const dir = join(fixtures, 'ctest');
const RECORDINGS = ['all-outcomes', 'parallel', 'passing'];

// ---------------------------------------------------------------- unit: lines

/** Every outcome, as ctest 3.25 prints them (from a scratch project with SKIP_RETURN_CODE, a missing command, a crash…). */
const EVERY_OUTCOME = [
  'Test project /tmp/x/b',
  '    Start 1: skipme',
  '1/8 Test #1: skipme ...........................................................***Skipped   0.00 sec',
  '    Start 2: missing',
  'Could not find executable /nonexistent/tool',
  '2/8 Test #2: missing ..........................................................***Not Run   0.00 sec',
  '    Start 3: segv',
  '3/8 Test #3: segv .............................................................***Exception: SegFault  0.00 sec',
  '    Start 4: regex',
  '4/8 Test #4: regex ............................................................***Failed  Required regular expression not found. Regex=[bye',
  ']  0.00 sec',
  '    Start 5: a_very_long_test_name_that_goes_on_and_on_past_the_dots_column',
  '5/8 Test #5: a_very_long_test_name_that_goes_on_and_on_past_the_dots_column ...   Passed    0.00 sec',
  '    Start 6: not_ready',
  '6/8 Test #6: not_ready ........................................................***Not Run (Disabled)   0.00 sec',
  '    Start 7: too_slow',
  '7/8 Test #7: too_slow .........................................................***Timeout   1.00 sec',
  '8/8 Test #8: it Passed once ...................................................   Passed    0.00 sec',
  '',
  '50% tests passed, 4 tests failed out of 7',
  '',
  'Total Test time (real) =   1.01 sec',
];

test('every outcome: Passed → done, Failed/Timeout/Exception/Not Run → fail, Skipped/Disabled → skip', () => {
  const events = feed(ctest, EVERY_OUTCOME);
  assert.equal(ofType(events, 'phase'), [{ type: 'phase', id: 'ctest', name: 'ctest' }]);
  assert.equal(ids(events, 'item.start'), ['skipme', 'missing', 'segv', 'regex', 'a_very_long_test_name_that_goes_on_and_on_past_the_dots_column', 'not_ready', 'too_slow']);
  assert.equal(ids(events, 'item.done'), ['a_very_long_test_name_that_goes_on_and_on_past_the_dots_column', 'it Passed once']);
  assert.equal(ofType(events, 'item.skip').map((e) => [e.id, e.reason]), [['skipme', 'Skipped'], ['not_ready', 'Disabled']]);
  assert.equal(ofType(events, 'item.fail').map((e) => [e.id, e.error]), [
    ['missing', 'Not Run'],
    ['segv', 'Exception: SegFault'],
    ['regex', 'Failed  Required regular expression not found. Regex=[bye'],
    ['too_slow', 'Timeout'],
  ]);
  assert.equal(ofType(events, 'progress').map((e) => [e.current, e.total]), [1, 2, 3, 4, 5, 6, 7, 8].map((n) => [n, 8]));
  assert.equal(ofType(events, 'log'), [], 'ctest\'s own count (4 failed out of 7, the disabled one left out) agrees');
  assert.equal(ofType(events, 'phase.end').map((e) => e.status), ['failed']);
});

test('a failure is counted when its result line is printed, not at ctest\'s next line; --output-on-failure\'s output is not read as tests', () => {
  const p = ctest.create();
  const events: Record<string, unknown>[] = [];
  const emit = (e: unknown) => void events.push(e as Record<string, unknown>);
  p.line({ stream: 'stdout', raw: '1/3 Test #4: mul_wrong ........................***Failed    0.00 sec', text: '1/3 Test #4: mul_wrong ........................***Failed    0.00 sec', eol: '\n' }, emit);
  assert.equal(events.filter((e) => e.type === 'item.fail'), [{ type: 'item.fail', phase: 'ctest', id: 'mul_wrong', error: 'Failed' }]);
  const after = feed(ctest, [
    '1/3 Test #4: mul_wrong ........................***Failed    0.00 sec',
    'mul(4, 5) = 20, expected 21',
    '2/3 Test #5: app_runs .........................   Passed    0.00 sec',
    '3/3 Test #6: crashes ..........................***Exception: SegFault  0.01 sec',
    ...Array.from({ length: 25 }, (_, i) => `out ${i}`),
  ]);
  assert.equal(ofType(after, 'item.fail').map((e) => [e.id, e.error]), [['mul_wrong', 'Failed'], ['crashes', 'Exception: SegFault']]);
  assert.equal(ids(after, 'item.done'), ['app_runs']);
  // The output each failure printed is added to it when ctest's next line (or the end) shows it is
  // over, without counting it again: the first 20 lines.
  assert.equal(ofType(after, 'item.error').map((e) => [e.id, e.error]), [
    ['mul_wrong', 'Failed\nmul(4, 5) = 20, expected 21'],
    ['crashes', `Exception: SegFault\n${Array.from({ length: 20 }, (_, i) => `out ${i}`).join('\n')}`],
  ]);
});

test('the summary line is checked: a count that differs from ctest\'s own is a warning', () => {
  const events = feed(ctest, ['1/2 Test #1: a ...   Passed    0.00 sec', '100% tests passed, 0 tests failed out of 2']);
  assert.equal(ofType(events, 'log').map((e) => [e.level, e.message]), [['warn', 'ctest reports 0 failed out of 2; prog read 0 failed out of 1']]);
  assert.equal(ofType(events, 'phase.end').map((e) => e.status), ['ok']);
  const one = feed(ctest, ['1/1 Test #1: a ...***Failed    0.00 sec', '0% tests passed, 1 test failed out of 1']);
  assert.equal([ofType(one, 'log').length, ofType(one, 'phase.end')[0]!.status], [0, 'failed']);
});

test('ctest\'s list of failed tests is checked too: one warning names the failures prog did not count', () => {
  // The result line of test #2 was lost in the output (a test's own output printed over it).
  const events = feed(ctest, [
    'Test project /a', '    Start 1: a', '1/3 Test #1: a ....................***Failed    0.00 sec', '    Start 2: b (with parens)', 'garbled 2/3 Test #2: b (with parens) ...***Timeout 1.00 sec',
    '    Start 3: c', '3/3 Test #3: c ....................   Passed    0.00 sec', '',
    '33% tests passed, 2 tests failed out of 3', '', 'Total Test time (real) =   1.01 sec', '',
    'The following tests FAILED:', '\t  1 - a (Failed)', '\t  2 - b (with parens) (Timeout)', 'Errors while running CTest',
  ]);
  assert.equal(ofType(events, 'log').map((e) => [e.level, e.source, e.message]), [
    ['warn', 'ctest', 'ctest reports 2 failed out of 3; prog read 1 failed out of 2; failed by ctest\'s list, not counted failed by prog: b (with parens)'],
  ]);
  assert.equal(ofType(events, 'phase.end').map((e) => e.status), ['failed']);
  // The same counts but another test: only the names differ.
  const swapped = feed(ctest, ['1/2 Test #1: a ...***Failed    0.00 sec', '2/2 Test #2: b ...   Passed    0.00 sec', '50% tests passed, 1 tests failed out of 2', 'The following tests FAILED:', '\t  2 - b (Failed)']);
  assert.equal(ofType(swapped, 'log').map((e) => e.message), ['failed by ctest\'s list, not counted failed by prog: b; counted failed by prog, not in ctest\'s list: a']);
});

test('a name cut by ctest\'s column is taken whole from its Start line; names without one from the result line', () => {
  const events = feed(ctest, [
    '    Start 12: suite.a_name_longer_than_the_column',
    '10/12 Test #12: suite.a_name_longer_th...   Passed    0.00 sec',
    ' 9/12 Test  #9: has spaces. and dots.. .........***Failed    0.00 sec',
  ]);
  assert.equal(ids(events, 'item.done'), ['suite.a_name_longer_than_the_column']);
  assert.equal(ids(events, 'item.fail'), ['has spaces. and dots']);
});

test('two ctest runs are two phases; "No tests were found!!!" ends one with nothing in it', () => {
  const events = feed(ctest, ['Test project /a', '1/1 Test #1: a ...   Passed    0.00 sec', 'Test project /b', 'No tests were found!!!']);
  assert.equal(events.filter((e) => String(e.type).startsWith('phase')).map((e) => [e.type, e.status]), [
    ['phase', undefined], ['phase.end', 'ok'], ['phase', undefined], ['phase.end', 'ok'],
  ]);
  assert.equal(ofType(events, 'progress').at(-1), { type: 'progress', phase: 'ctest', current: 0, total: 0 });
});

test('detect: the first line of every recording, result lines, and not look-alikes', () => {
  for (const name of RECORDINGS) {
    const first = recordedLines(join(dir, `${name}.rec`))[0]!;
    assert.ok(ctest.detect.test(first.raw), `${name}: ${first.raw}`);
  }
  for (const line of ['Test project C:/src/build', '  1/120 Test   #1: a ...   Passed    0.00 sec']) assert.ok(ctest.detect.test(line), line);
  for (const line of ['Test project setup done', 'Test #1: a', '1/2 Tests #1: a', '[1/2] Test #1: a', '    Start 1: a']) assert.not.ok(ctest.detect.test(line), line);
});

// ---------------------------------------------------------------- recordings of real ctest runs

for (const name of RECORDINGS) {
  test(`recording ${name}: the parser's counts match ctest -N and the project`, () => {
    const expect = readExpect(join(dir, `${name}.expect.json`));
    const events = feed(ctest, recordedLines(join(dir, `${name}.rec`)));
    assert.equal(counts(events), { succeeded: expect.succeeded, failed: expect.failed, skipped: expect.skipped ?? 0 });
    assert.equal(ids(events, 'item.fail').sort(), expect.failedIds ?? []);
    assert.equal(ofType(events, 'progress').at(-1)!.total, expect.total);
    assert.equal(ofType(events, 'log'), [], 'ctest\'s own summary agrees');
    assert.equal(ofType(events, 'phase.end').map((e) => e.status), [expect.status]);
  });

  test(`prog run --format json replaying ${name}: summary and last snapshot agree with the expect file`, async () => {
    const expect = readExpect(join(dir, `${name}.expect.json`));
    const { result, summary, snapshot } = await progReplay(join(dir, `${name}.rec`));
    assert.is(result.code, expect.exitCode, result.stderr.toString());
    assert.equal([summary.status, summary.exitCode], [expect.status, expect.exitCode]);
    for (const record of [summary, snapshot]) {
      const phase = phaseOf(record, 'ctest');
      assert.equal([phase.total, phase.current, phase.status], [expect.total, expect.total, expect.status]);
      assert.equal([phase.counts.succeeded, phase.counts.failed, phase.counts.skipped], [expect.succeeded, expect.failed, expect.skipped ?? 0]);
    }
    assert.equal(failureIds(summary, 'ctest').sort(), expect.failedIds ?? []);
    if (name === 'parallel') {
      const failure = (summary.failures as { id: string; error?: string }[]).find((f) => f.id === 'mul_wrong')!;
      assert.match(failure.error!, /^Failed\n/, 'ctest\'s word, then the output --output-on-failure printed after it');
    }
  });
}

// ---------------------------------------------------------------- live: the real ctest under prog

liveTest([...buildTools('Ninja'), tools.ctest()], 'live: prog run -- ctest -j2 on the built project: every test once, the failure, the disabled one', async () => {
  const build = configure('Ninja');
  try {
    execFileSync('ninja', ['-C', build], { stdio: 'ignore' });
    const listed = Number(/Total Tests: (\d+)/.exec(execFileSync('ctest', ['-N'], { cwd: build, encoding: 'utf8' }))![1]);
    const { result, events, summary } = await progJson(['ctest', '-j2', '--output-on-failure'], { cwd: build });
    assert.is(result.code, 8, result.stderr.toString());
    const phase = phaseOf(summary, 'ctest');
    // From CMakeLists.txt: mul_wrong fails, not_ready is disabled, the rest pass.
    assert.equal([phase.total, phase.current, phase.status], [listed, listed, 'failed']);
    assert.equal([phase.counts.succeeded, phase.counts.failed, phase.counts.skipped, phase.counts.running], [listed - 2, 1, 1, 0]);
    assert.equal(failureIds(summary, 'ctest'), ['mul_wrong']);
    // ctest's word, then what the test printed (--output-on-failure).
    assert.match((summary.failures as { error?: string }[])[0]!.error!, /^Failed\n\S/);
    assert.equal(ofType(events, 'log').filter((e) => e.source === 'ctest'), [], 'ctest\'s own summary agrees');
  } finally {
    removeBuild(build);
  }
});

// ---------------------------------------------------------------- robustness

test('property: the parser never throws, whatever the lines and line ends', () => {
  const line = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string()), { maxLength: 12 }).map((parts) => parts.join(''));
  const eol = fc.constantFrom<Line['eol']>('\n', '\r', '\r\n', '');
  fc.assert(fc.property(fc.array(fc.record({ stream: fc.constantFrom<Line['stream']>('stdout', 'stderr'), raw: line, eol }), { maxLength: 40 }), (lines) => {
    for (const e of feed(ctest, lines)) {
      if (String(e.type).startsWith('item.')) assert.ok(typeof e.id === 'string' && e.id !== '');
    }
  }), { numRuns: 500 });
});

test('a 1 MiB pathological line is read (and detected or not) in linear time', () => {
  const MiB = 1024 * 1024;
  const head = '1/2 Test #1: ';
  const lines = [
    `${head}${' '.repeat(MiB)}`, `${head}${'.'.repeat(MiB)}`, `${head}${' Passed'.repeat(MiB / 7)}`, `${head}x${'***'.repeat(MiB / 3)}`,
    `${head}x ***Failed${' '.repeat(MiB)}1.0 sec`, `${head}x ***Failed${' 1.0'.repeat(MiB / 4)}`, `${' '.repeat(MiB)}1/2 Test #1: x`,
    `    Start ${'1'.repeat(MiB)}`, `Test project /${'x'.repeat(MiB)}`, `${'9'.repeat(MiB)}% tests passed`,
    `\t  1 - ${' ('.repeat(MiB / 2)}`, `The following tests FAILED:${' '.repeat(MiB)}`,
  ];
  const slow = lines.map((raw) => notLinear(`${JSON.stringify(raw.slice(0, 20))}…`, raw, () => {
    ctest.detect.test(raw);
    feed(ctest, ['Test project /a', raw, '1/1 Test #1: f ...***Failed  0.00 sec', raw]);
    feed(ctest, ['1/1 Test #1: f ...***Failed  0.00 sec', '0% tests passed, 1 tests failed out of 1', 'The following tests FAILED:', raw, `\t  1 - ${raw} (${raw})`, raw]);
  })).filter((s) => s !== undefined);
  assert.equal(slow, [], slow.join('\n'));
});

test.run();
