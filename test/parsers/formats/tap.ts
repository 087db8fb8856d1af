// The TAP parser: unit tests over lines recorded from real tools (node --test, tape, Perl's
// Test::More), the recordings replayed through the real binary, and the real tools run live.
// Each recording's expected counts (<name>.expect.json) come from the test file that produced it
// and the tool's own footer, not from this parser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import { liveTest, tools } from '../../helpers/tools.js';
import * as assert from 'uvu/assert';
import type { StreamName } from '../../../src/events.js';
import type { Emit } from '../../../src/parsers/format-parser.js';
import { parser as tap, parseTestPoint, yamlFields, failureText } from '../../../src/parsers/formats/tap.js';
import { loadParserSpecs } from '../../../src/parsers/parser-hub.js';
import { fixtures, ndjson, runProg } from '../../helpers/prog.js';
import { itemCounts } from '../../helpers/recordings.js';

type Event = Record<string, unknown>;
const dir = join(fixtures, 'tap');
const NAMES = ['node-suite', 'node-nested', 'node-depth', 'tape-suite', 'perl-suite', 'perl-bail'];

interface Expect {
  command: string;
  total: number;
  counts: { processed: number; succeeded: number; failed: number; skipped: number };
  phaseStatus: string;
  exitCode: number;
  failures: string[];
  bailOut: boolean;
}
const expectOf = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.expect.json`), 'utf8')) as Expect;

/** The lines a recording printed on one stream. */
function recordedLines(name: string, fd = 1): string[] {
  const records = readFileSync(join(dir, `${name}.rec`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { fd?: number; b64?: string });
  const text = Buffer.concat(records.filter((r) => r.fd === fd).map((r) => Buffer.from(r.b64!, 'base64'))).toString();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Feeds lines to a fresh parser (as the hub would after detection) and returns what it emitted. */
function feed(lines: string[], stream: StreamName = 'stdout'): Event[] {
  const events: Event[] = [];
  const emit: Emit = (e) => events.push(e as Event);
  const p = tap.create();
  for (const line of lines) p.line({ stream, raw: line, text: line, eol: '\n' }, emit);
  p.end?.(emit);
  return events;
}

const ofType = (events: Event[], type: string) => events.filter((e) => e.type === type);
const items = (events: Event[]) => events.filter((e) => String(e.type).startsWith('item.'));

const counts = (events: Event[]) => itemCounts(events);

// ---------------------------------------------------------------- unit: lines

test('test points: number, dash, description, directives, escapes', () => {
  assert.equal(parseTestPoint('ok 1 - adds'), { ok: true, number: 1, description: 'adds', reason: '' });
  assert.equal(parseTestPoint('not ok 2 two times two'), { ok: false, number: 2, description: 'two times two', reason: '' });
  assert.equal(parseTestPoint('ok 4 # skip no network'), { ok: true, number: 4, description: '', directive: 'skip', reason: 'no network' });
  assert.equal(parseTestPoint('ok 4 not on this platform # SKIP'), { ok: true, number: 4, description: 'not on this platform', directive: 'skip', reason: '' });
  assert.equal(parseTestPoint('not ok 5 - exports csv # TODO not implemented'), { ok: false, number: 5, description: 'exports csv', directive: 'todo', reason: 'not implemented' });
  assert.equal(parseTestPoint('ok 3 - a \\# b # Skipped: later'), { ok: true, number: 3, description: 'a # b', directive: 'skip', reason: 'later' });
  assert.equal(parseTestPoint('ok 7 - issue#12 is fixed'), { ok: true, number: 7, description: 'issue#12 is fixed', reason: '' });
  assert.equal(parseTestPoint('ok 8 - see # notes'), { ok: true, number: 8, description: 'see # notes', reason: '' });
  assert.equal(parseTestPoint('ok'), { ok: true, description: '', reason: '' });
  assert.equal(parseTestPoint('ok - no number'), { ok: true, description: 'no number', reason: '' });
  for (const prose of ['okay then', 'ok, fine', 'not okay', 'Ok 1 - x', ' not ok', 'nok 1']) assert.is(parseTestPoint(prose), undefined, prose);
});

test('detect: the version line, a plan, a numbered test point with a dash; not prose', () => {
  for (const line of ['TAP version 13', 'TAP version 14', '1..6', '1..0 # no tests', 'ok 1 - adds', 'not ok 12 - fails']) assert.ok(tap.detect.test(line), line);
  for (const line of ['TAP version 12', 'ok then', 'ok 1 thing', 'we are ok 1 - x', '1..2 items left', '  ok 1 - nested', 'Bail out!', '# Subtest: x', 'okay 1 - x']) {
    assert.not.ok(tap.detect.test(line), line);
  }
});

test('the hub loads the parser: it is listed with its name', async () => {
  const specs = await loadParserSpecs();
  assert.ok(specs.some((s) => s.name === 'tap' && s.detect === tap.detect));
});

test('YAML diagnostics become one short error line (tape, node, TAP 14 message/at)', () => {
  const tape = ['  operator: equal', '  expected: 5', '  actual:   4', '  at: Test.<anonymous> (file:///x/t.mjs:6:5)', '  stack: |-', '    Error: two times two', '        at Test.assert'];
  assert.is(failureText(yamlFields(tape)), 'equal: expected 5, actual 4 at /x/t.mjs:6:5');
  const node = ["location: '/x/n.mjs:14:1'", 'error: |-', '  Expected values to be strictly equal:', '  ', "  + 'hello'", "expected: 'world'", "actual: 'hello'", "operator: 'strictEqual'"];
  assert.is(failureText(yamlFields(node)), "Expected values to be strictly equal (strictEqual: expected world, actual hello) at /x/n.mjs:14:1");
  assert.is(failureText(yamlFields(['message: "it broke"', 'severity: fail', 'at:', '  file: t.js'])), 'it broke');
  assert.is(failureText(yamlFields(['duration_ms: 3'])), undefined);
});

// ---------------------------------------------------------------- unit: recordings

for (const name of NAMES) {
  test(`${name}: items, total and phase end from the recorded lines match the expect file`, () => {
    const want = expectOf(name);
    const lines = recordedLines(name);
    assert.ok(tap.detect.test(lines[0]!), 'the first line switches the parser on');
    const events = feed(lines);
    assert.equal(counts(events), want.counts);
    assert.is(ofType(events, 'phase').at(-1)!.total, want.total);
    assert.equal(ofType(events, 'phase.end').map((e) => e.status), [want.phaseStatus]);
    assert.equal(ofType(events, 'item.fail').map((e) => e.id), want.failures);
    assert.is(ofType(events, 'log').length, want.bailOut ? 1 : 0);
    assert.ok(events.every((e) => e.type !== 'item.start' && (!('phase' in e) || e.phase === 'tap')));
  });
}

test('node --test: tests at any depth are items named by their path; a nested skip counts; failure carries the YAML', () => {
  const events = feed(recordedLines('node-suite'));
  assert.equal(items(events).map((e) => e.id), [
    'adds', 'math › multiplies', 'math › deeper › divides', 'math › deeper › skipped inner', 'math › deeper', 'math',
    'compares strings', 'slow feature', 'future feature', 'waits a little',
  ]);
  const [fail] = ofType(events, 'item.fail');
  assert.match(String(fail!.error), /^Expected values to be strictly equal \(strictEqual: expected world, actual hello\) at \S*node-suite\.mjs:14:1$/);
  assert.equal(ofType(events, 'item.skip').map((e) => [e.id, e.reason]), [
    ['math › deeper › skipped inner', 'not today'], ['slow feature', 'needs network'], ['future feature', 'TODO not written yet'],
  ]);
});

test('node --test: describe() suites are not items, tests with subtests are; todo at any depth, passing or not, is a skip', () => {
  const events = feed(recordedLines('node-depth'));
  const ids = items(events).map((e) => e.id);
  for (const suite of ['store', 'store › index', 'network', 'legacy', 'plugins']) assert.not.ok(ids.includes(suite), suite);
  assert.ok(ids.includes('sync') && ids.includes('sync › merges') && ids.includes('export'), ids.join(' | '));
  assert.equal(ofType(events, 'item.skip').map((e) => [e.id, e.reason]), [
    ['store › compacts', 'slow disk'], ['store › index › rebuilds', 'TODO not yet'], ['store › index › drops', 'TODO'], ['sync › offline', undefined],
    ['export', 'TODO formats'],
  ]);
  // Cancelled by a failing hook: failures, as node's `# cancelled` (prog has no such count).
  const cancelled = ofType(events, 'item.fail').filter((e) => String(e.id).startsWith('network'));
  assert.equal(cancelled.map((e) => e.id), ['network › connects', 'network › retries']);
  for (const e of cancelled) assert.match(String(e.error), /^test did not finish before its parent and was cancelled at \S*node-depth\.mjs:3[12]:3$/);
});

test('node --test: a test failing because of its subtests names the first failing one (an item of its own)', () => {
  const fails = ofType(feed(recordedLines('node-nested')), 'item.fail');
  assert.equal(fails.map((e) => e.id), ['parser › tokens › numbers', 'parser › tokens', 'parser']);
  assert.match(String(fails[0]!.error), /^16 == 17 \(==: expected 17, actual 16\) at \S*node-nested\.mjs:9:13$/);
  assert.equal(fails.slice(1).map((e) => e.error), ['1 subtest failed: numbers', '1 subtest failed: tokens › numbers']);
});

test('node --test: no step events, so plain mode prints no line per test or subtest', () => {
  for (const name of ['node-suite', 'node-nested', 'node-depth']) assert.equal(ofType(feed(recordedLines(name)), 'step'), [], name);
});

test('node --test: the trailing plan counts top-level tests only; the total is the items read', () => {
  const events = feed(recordedLines('node-depth'));
  assert.equal(ofType(events, 'phase').map((e) => e.total), [undefined, 18]);
});

test('node\'s summary (# tests …) that differs from the items read is one warning saying what differs', () => {
  const doc = ['TAP version 13', '# Subtest: a', 'ok 1 - a', '  ---', '  duration_ms: 1', '  ...', '# Subtest: b', 'not ok 2 - b', '  ---', '  duration_ms: 1', '  ...', '1..2'];
  const footer = (tests: number, pass: number, fail: number) =>
    [`# tests ${tests}`, '# suites 0', `# pass ${pass}`, `# fail ${fail}`, '# cancelled 0', '# skipped 0', '# todo 0', '# duration_ms 12.5'];
  assert.equal(ofType(feed([...doc, ...footer(2, 1, 1)]), 'log'), [], 'agreeing: nothing said');
  const logs = ofType(feed([...doc, ...footer(5, 3, 2)]), 'log');
  assert.equal(logs.map((e) => [e.level, e.source, e.message]), [
    ['warn', 'prog', "node --test's summary differs from the tests prog counted: tests 5 (prog 2), pass 3 (prog 1), fail + cancelled 2 (prog 1)"],
  ]);
  // Without its last line (output cut), what was read is checked at the end.
  assert.is(ofType(feed([...doc, ...footer(5, 3, 2).slice(0, -1)]), 'log').length, 1);
  // tape's footer (# tests 7 / # pass 6, counting assertions and skips as passes) is not node's: not checked.
  assert.equal(ofType(feed(recordedLines('tape-suite')), 'log'), []);
});

test('subtests without `# Subtest:` lines (older TAP 13): the first failing one is named in its parent\'s error', () => {
  const events = feed(['1..1', '    ok 1 - inner', '    not ok 2 - deep', '    1..2', 'not ok 1 - outer']);
  assert.equal(items(events).map((e) => [e.id, e.error]), [['outer', 'deep: failed']]);
});

test('Test::More: a top-level subtest is a step as it starts; subtests below it are not', () => {
  assert.equal(ofType(feed(recordedLines('perl-suite')), 'step').map((e) => e.name), ['parsing']);
  // A subtest first in the document: its step waits for its first test point (then it is known not to be node's).
  const first = feed(['1..1', '# Subtest: schema', '    ok 1 - users', '    # Subtest: inner', '        ok 1 - x', '        1..1', '    ok 2 - inner', '    1..2', 'ok 1 - schema']);
  assert.equal(first.map((e) => (e.type === 'step' ? `step ${e.name}` : e.type)), ['phase', 'step schema', 'item.done', 'phase.end']);
});

test('tape: test names (# comments) are steps; assertion failure has operator, values and place', () => {
  const events = feed(recordedLines('tape-suite'));
  assert.equal(ofType(events, 'step').map((e) => e.name), ['arithmetic', 'skipping', 'TODO todo', 'async']);
  const [fail] = ofType(events, 'item.fail');
  assert.match(String(fail!.error), /^equal: expected 5, actual 4 at \S*tape-suite\.mjs:6:5$/);
  assert.equal(ofType(events, 'item.skip').map((e) => [e.id, e.reason]), [['not on this platform', undefined], ['not implemented yet', 'TODO']]);
});

test('Bail out!: the pending failure, then an error log, then the phase ends failed; nothing after', () => {
  const events = feed([...recordedLines('perl-bail'), 'ok 5 - never reached', '1..5']);
  const tail = events.slice(-3).map((e) => e.type);
  assert.equal(tail, ['item.fail', 'log', 'phase.end']);
  assert.equal(ofType(events, 'log').map((e) => [e.level, e.message]), [['error', 'Bail out! database is unreachable']]);
  assert.is(ofType(events, 'phase.end')[0]!.status, 'failed');
  // A bail out inside a subtest aborts everything too.
  const nested = feed(['TAP version 14', '1..2', '# Subtest: a', '    ok 1 - x', '    Bail out! disk full', 'ok 1 - a']);
  assert.equal(nested.map((e) => e.type), ['phase', 'phase', 'step', 'log', 'phase.end']);
});

test('junk lines, stderr lines and indented prose give no item events', () => {
  const junk = [
    'Compiling…', 'all ok 1 - now', 'ok, moving on', '  ok 1 - odd indent', '   not ok 2 - odd indent', '# a comment', 'okay 3',
    '  ---', '  message: not a diagnostic', '  ...', 'Bail out', '1..', '1..x',
  ];
  assert.equal(items(feed(['TAP version 14', ...junk])), []);
  assert.equal(feed(['TAP version 14', 'ok 1 - a', '1..1'], 'stderr'), []);
  assert.equal(feed(junk), [], 'nothing at all outside a document');
});

test('plans: leading plan gives the total at once; short run or no plan fails; 1..0 skips', () => {
  const leading = feed(['1..3', 'ok 1', 'ok 2', 'ok 3']);
  assert.equal(leading[0], { type: 'phase', id: 'tap', name: 'tap', total: 3 });
  assert.equal(leading.at(-1), { type: 'phase.end', id: 'tap', status: 'ok' });
  assert.equal(feed(['1..3', 'ok 1', 'ok 2']).at(-1), { type: 'phase.end', id: 'tap', status: 'failed' });
  assert.equal(feed(['TAP version 13', 'ok 1 - a', 'ok 2 - b']).at(-1), { type: 'phase.end', id: 'tap', status: 'failed' });
  assert.equal(feed(['TAP version 13', 'ok 1 - a', 'ok 2 - b', '1..3']).at(-1), { type: 'phase.end', id: 'tap', status: 'failed' });
  assert.equal(feed(['TAP version 14', '1..0 # skip: no database']).map((e) => e.type === 'phase.end' ? e.status : e.type), ['phase', 'phase', 'skipped']);
  assert.equal(feed(['TAP version 14', 'ok 1 - a # TODO later', '1..1']).map((e) => e.type), ['phase', 'item.done', 'phase', 'phase.end'], 'a passing TODO is done');
});

test('a YAML block without its `...` ends at the next line of lesser indent', () => {
  const events = feed(['TAP version 14', 'not ok 1 - a', '  ---', '  message: boom', 'ok 2 - b', '1..2']);
  assert.equal(items(events).map((e) => [e.type, e.id, e.error]), [['item.fail', 'a', 'boom'], ['item.done', 'b', undefined]]);
  // TAP-looking text inside a YAML block scalar is not TAP.
  const quoted = feed(['TAP version 14', 'ok 1 - a', '  ---', '  output: |', '    ok 7 - quoted', '    # Subtest: quoted', '  ...', '1..1']);
  assert.equal(quoted.map((e) => e.type), ['phase', 'item.done', 'phase', 'phase.end']);
});

test('two TAP documents in one run: one phase whose total adds up', () => {
  const events = feed(['TAP version 13', 'ok 1 - a', '1..1', '# tests 1', 'TAP version 13', '1..2', 'ok 1 - b', 'not ok 2 - c']);
  assert.equal(ofType(events, 'phase').map((e) => e.total), [undefined, 1, undefined, 3]);
  assert.equal(counts(events), { processed: 3, succeeded: 2, failed: 1, skipped: 0 });
  assert.equal(ofType(events, 'phase.end').map((e) => e.status), ['ok', 'failed']);
});

// ---------------------------------------------------------------- unit: robustness

test('property: never throws, whatever the lines; never more items than test points', () => {
  const tokens = fc.constantFrom(
    'TAP version 14', '1..3', '1..0', 'ok 1 - a', 'not ok 2 - b', 'ok 3 # SKIP', 'not ok 4 # TODO x', 'ok', '  ---', '  ...', '    ---', '    ...',
    '  message: m', '  error: |-', '    boom', '# Subtest: s', '    # Subtest: t', '    ok 1 - n', '    not ok 1 - n', '        not ok 1 - m', 'Bail out!', '    Bail out! x', '# c', '',
    '# Subtest: a', 'ok 1 - a', '    # Subtest: n', "  type: 'suite'", '    ok 2 - n # TODO', '# tests 3', '# suites 1', '# duration_ms 1.5',
  );
  const line = fc.oneof(tokens, fc.string(), fc.string({ unit: 'binary' }), fc.tuple(tokens, fc.string()).map(([a, b]) => a + b));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 60 }), (lines) => {
      const events = feed(lines);
      const points = lines.filter((l) => parseTestPoint(l.trimStart()) !== undefined).length;
      return items(events).length <= points;
    }),
    { numRuns: 400 },
  );
});

test('1 MiB pathological lines complete and give no events', () => {
  const MiB = 1024 * 1024;
  const lines = [
    ' '.repeat(MiB) + 'x',
    '1..' + '9'.repeat(MiB) + 'x',
    '1..' + '9'.repeat(MiB),
    '# ' + ' '.repeat(MiB),
    'oko'.repeat(MiB / 3),
    ' #'.repeat(MiB / 2),
    '\t'.repeat(MiB) + 'ok 1 - x',
    'TAP version ' + '1'.repeat(MiB) + ' x',
    '    '.repeat(MiB / 4) + '---',
  ];
  // Outside a document, and inside one (after its version line: only that line's phase event).
  assert.equal(feed(lines), []);
  const inDoc = feed(['TAP version 14', ...lines]);
  assert.equal(inDoc.map((e) => e.type), ['phase', 'phase.end']);
  // A test point 1 MiB long is read, with its name cut short.
  const long = feed(['TAP version 14', 'not ok 1 - ' + 'a #'.repeat(MiB / 3)]);
  assert.is(String(items(long)[0]!.id).length, 200);
});

// ---------------------------------------------------------------- end to end: the real binary

type Summary = { counts: Record<string, number>; phases: { id: string; status: string; total?: number }[]; failures: { id: string }[] };

async function progJson(command: string[]): Promise<{ summary: Summary; events: Event[]; code: number | null }> {
  const r = await runProg(['run', '--format', 'json', '--', ...command], { env: { PROG_PROGRESS_FD: undefined } });
  const events = ndjson(r.stdout);
  const summary = events.find((e) => e.type === 'summary') as unknown as Summary;
  assert.ok(summary, `no summary; stderr: ${r.stderr.toString()}`);
  return { summary, events, code: r.code };
}

function checkSummary(name: string, run: { summary: Summary; events: Event[]; code: number | null }, exitCode = true) {
  const want = expectOf(name);
  const { summary } = run;
  const { processed, succeeded, failed, skipped } = summary.counts;
  assert.equal({ processed, succeeded, failed, skipped }, want.counts, name);
  const phase = summary.phases.find((p) => p.id === 'tap');
  assert.equal([phase?.total, phase?.status], [want.total, want.phaseStatus], name);
  assert.equal(summary.failures.map((f) => f.id), want.failures, name);
  assert.is(run.events.filter((e) => e.type === 'log' && e.level === 'error' && e.source === 'tap').length, want.bailOut ? 1 : 0, name);
  if (exitCode) assert.is(run.code, want.exitCode, name);
}

test('end to end: each recording replayed under prog run --format json gives the expected summary', async () => {
  const runs = await Promise.all(NAMES.map((name) => progJson([process.execPath, join(fixtures, 'replay.js'), join(dir, `${name}.rec`), '--speed', '0'])));
  NAMES.forEach((name, i) => checkSummary(name, runs[i]!));
});



/** node's own summary lines (`# tests 18` …) among the lines the run printed, as prog's counts would be. */
function nodeSummary(events: Event[], prefix: string): Record<string, number> {
  const node: Record<string, number> = {};
  for (const e of events) {
    if (e.type !== 'output' || e.stream !== 'stdout') continue;
    const m = new RegExp(`^${prefix} (tests|pass|fail|cancelled|skipped|todo) (\\d+)$`).exec(String(e.line));
    if (m) node[m[1]!] = Number(m[2]);
  }
  return { processed: node.tests!, succeeded: node.pass!, failed: node.fail! + node.cancelled!, skipped: node.skipped! + node.todo! };
}

test('LIVE: node --test (TAP, nested describe/it and t.test): prog\'s final counts equal node\'s own summary; tape too', async () => {
  const names = ['node-depth', 'node-nested'];
  const [tape, ...runs] = await Promise.all([
    progJson([process.execPath, join(dir, 'tape-suite.mjs')]),
    ...names.map((name) => progJson([process.execPath, '--test', '--test-reporter=tap', join(dir, `${name}.mjs`)])),
  ]);
  checkSummary('tape-suite', tape!);
  runs.forEach((run, i) => {
    const { processed, succeeded, failed, skipped } = run.summary.counts;
    assert.equal({ processed, succeeded, failed, skipped }, nodeSummary(run.events, '#'), names[i]);
    assert.equal(run.events.filter((e) => e.type === 'log'), [], `${names[i]}: no warning`);
    checkSummary(names[i]!, run);
  });
});

test('end to end: plain mode prints no line per test or subtest of node --test', async () => {
  const r = await runProg(['run', '--format', 'plain', '--', process.execPath, join(fixtures, 'replay.js'), join(dir, 'node-depth.rec'), '--speed', '0']);
  const said = r.stderr.toString().split('\n').filter((l) => l.startsWith('[prog]'));
  assert.equal(said.filter((l) => /\bstep\b/.test(l)), [], said.join('\n'));
  // Failures are said as they happen (6 of the 18 tests); no test else gets a line of its own.
  for (const id of ['store › opens', 'store › index › builds', 'cleanup', 'sync › pulls']) assert.not.ok(said.some((l) => l.includes(id)), id);
});

liveTest([tools.perl()], 'LIVE: Perl Test::More with subtests, SKIP, TODO and BAIL_OUT', async () => {
  const runs = await Promise.all([progJson(['perl', join(dir, 'perl-suite.t')]), progJson(['perl', join(dir, 'perl-bail.t')])]);
  checkSummary('perl-suite', runs[0]!);
  checkSummary('perl-bail', runs[1]!);
});

test.run();
