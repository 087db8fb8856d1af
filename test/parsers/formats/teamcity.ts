// The TeamCity service-message parser: escapes and the message grammar, the suite/test/flow
// rules, recordings of mocha-teamcity-reporter replayed through the real binary, a live mocha
// run under prog, and fuzzing (never throws, only progress/log events, a 1 MiB line is quick).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MarkerEvent, Unstamped } from '../../../src/events.js';
import { parser, parseServiceMessages, unescapeTeamcity } from '../../../src/parsers/formats/teamcity.js';
import { fixtures, ndjson, projectRoot, runProg } from '../../helpers/prog.js';
import { progJson, removeBuild } from '../../fixtures/cmake-project/harness.js';
import { configure, job, jobTools } from '../../fixtures/github-actions/ci-script.js';
import { notLinear } from '../../helpers/time.js';
import { liveTest } from '../../helpers/tools.js';
import { checkNestedFailing, checkNestedOk } from '../../fixtures/github-actions/nesting-checks.js';

type Ev = Unstamped<MarkerEvent>;
const dir = join(fixtures, 'teamcity');
const SAFE_TYPES = new Set(['phase', 'phase.end', 'step', 'item.start', 'item.done', 'item.fail', 'item.skip', 'progress', 'log', 'agent']);

function feed(lines: string[], end = true): Ev[] {
  const events: Ev[] = [];
  const p = parser.create();
  for (const line of lines) p.line({ stream: 'stdout', raw: line, text: line, eol: '\n' }, (e) => events.push(e));
  if (end) p.end?.((e) => events.push(e));
  return events;
}
const of = (events: Ev[], type: string) => events.filter((e) => e.type === type) as (Ev & Record<string, unknown>)[];

/** The child's stdout bytes in a recording. */
function recordedStdout(rec: string): Buffer {
  const records = readFileSync(rec, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { fd?: number; b64?: string });
  return Buffer.concat(records.filter((r) => r.fd === 1).map((r) => Buffer.from(r.b64!, 'base64')));
}
const replay = (name: string, format: string) =>
  runProg(['run', '--format', format, '--', process.execPath, join(fixtures, 'replay.js'), join(dir, name), '--speed', '0'], { env: { PROG_PROGRESS_FD: undefined } });

// --- escapes and grammar -------------------------------------------------------------------

test('every escape: |\' |n |r || |[ |] |x |l |p |0xNNNN, and an unknown one keeps its character', () => {
  assert.is(unescapeTeamcity("a|'b|nc|rd||e|[f|]g"), "a'b\nc\rd|e[f]g");
  assert.is(unescapeTeamcity('|x|l|p'), '\u0085\u2028\u2029');
  assert.is(unescapeTeamcity('|0x00e9t|0x263A'), 'ét☺');
  assert.is(unescapeTeamcity('|0xZZ|q'), '0xZZq');
  assert.is(unescapeTeamcity('trailing|'), 'trailing|');
  assert.is(unescapeTeamcity('no escapes'), 'no escapes');
});

test('messages: single value, attributes (tabs, spaces around =), anywhere in a line, several per line', () => {
  const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
  assert.equal(plain(parseServiceMessages("##teamcity[progressMessage 'it|'s |[1/2|]']")), [{ name: 'progressMessage', value: "it's [1/2]", attrs: {} }]);
  const [m] = parseServiceMessages("prefix ##teamcity[testStarted\tname = 'a b'  flowId='f|n1' ] suffix");
  assert.equal([m!.name, { ...m!.attrs }], ['testStarted', { name: 'a b', flowId: 'f\n1' }]);
  assert.is(parseServiceMessages("##teamcity[a x='1']##teamcity[b '2']").map((x) => x.name).join(), 'a,b');
});

test('malformed messages are not messages: unclosed quote, missing ], unquoted value, no separator', () => {
  for (const bad of ["##teamcity[a 'x", "##teamcity[a x='1'", '##teamcity[a x=1]', "##teamcity[a x='1'y='2']", '##teamcity[]', "##teamcity[ a 'x']", "teamcity[a 'x']"]) {
    assert.equal(parseServiceMessages(bad), [], bad);
  }
  // The first value ends at the second's quote and is then malformed; the second still parses.
  assert.equal(parseServiceMessages("##teamcity[a 'x ##teamcity[b 'y']").map((m) => [m.name, m.value]), [['b', 'y']]);
});

test('detect: only a service message switches the parser on', () => {
  assert.ok(parser.detect.test("##teamcity[testSuiteStarted name='x']"));
  assert.ok(parser.detect.test("  [INFO] ##teamcity[message text='x']"));
  assert.not.ok(parser.detect.test('##teamcity'));
  assert.not.ok(parser.detect.test('teamcity[x]'));
});

// --- events --------------------------------------------------------------------------------

test('outer suites are phases, nested suites steps, tests items named by their path inside the phase', () => {
  const events = feed([
    "##teamcity[testSuiteStarted name='outer']",
    "##teamcity[testStarted name='t1']", "##teamcity[testFinished name='t1' duration='5']",
    "##teamcity[testSuiteStarted name='inner']",
    "##teamcity[testStarted name='t2']", "##teamcity[testFailed name='t2' message='bad' details='stack|nline']", "##teamcity[testFinished name='t2']",
    "##teamcity[testIgnored name='t3' message='later']",
    "##teamcity[testSuiteFinished name='inner']",
    "##teamcity[testSuiteFinished name='outer']",
  ]);
  assert.equal(of(events, 'phase'), [{ type: 'phase', id: 'outer', name: 'outer' }]);
  assert.equal(of(events, 'step').map((e) => e.name), ['inner']);
  assert.equal(of(events, 'item.done'), [{ type: 'item.done', phase: 'outer', id: 't1', extra: { durationMs: 5 } }]);
  assert.equal(of(events, 'item.fail'), [{ type: 'item.fail', phase: 'outer', id: 'inner › t2', error: 'bad', extra: { details: 'stack\nline' } }]);
  assert.equal(of(events, 'item.skip'), [{ type: 'item.skip', phase: 'outer', id: 'inner › t3', reason: 'later' }]);
  assert.equal(of(events, 'phase.end'), [{ type: 'phase.end', id: 'outer', status: 'failed' }]);
  assert.equal(of(events, 'agent'), [], 'no flowId, no agent');
});

test('a suite whose tests were all ignored ends skipped; one without failures ok; a repeated name gets #2', () => {
  const events = feed([
    "##teamcity[testSuiteStarted name='s']", "##teamcity[testIgnored name='a']", "##teamcity[testSuiteFinished name='s']",
    "##teamcity[testSuiteStarted name='s']", "##teamcity[testStarted name='a']", "##teamcity[testFinished name='a']", "##teamcity[testSuiteFinished name='s']",
  ]);
  assert.equal(of(events, 'phase').map((e) => [e.id, e.name]), [['s', 's'], ['s #2', 's']]);
  assert.equal(of(events, 'phase.end').map((e) => [e.id, e.status]), [['s', 'skipped'], ['s #2', 'ok']]);
});

test('flowId: agents, items carry them, flows keep separate suite stacks; flowFinished and the end mark agents done', () => {
  const events = feed([
    "##teamcity[flowStarted flowId='w1']",
    "##teamcity[testSuiteStarted name='s' flowId='w1']",
    "##teamcity[testSuiteStarted name='s' flowId='w2']",
    "##teamcity[testStarted name='a' flowId='w1']",
    "##teamcity[testStarted name='a' flowId='w2']",
    "##teamcity[testFinished name='a' flowId='w2']",
    "##teamcity[testFailed name='a' flowId='w1' message='x']",
    "##teamcity[testSuiteFinished name='s' flowId='w2']",
    "##teamcity[flowFinished flowId='w2']",
  ]);
  assert.equal(of(events, 'item.start').map((e) => [e.phase, e.id, e.agent]), [['s', 'a', 'w1'], ['s #2', 'a', 'w2']]);
  assert.equal(of(events, 'item.done').map((e) => [e.phase, e.agent]), [['s #2', 'w2']]);
  assert.equal(of(events, 'item.fail').map((e) => [e.phase, e.agent, e.error]), [['s', 'w1', 'x']]);
  assert.equal(of(events, 'agent').map((e) => [e.id, e.status]), [['w1', 'idle'], ['w2', 'idle'], ['w2', 'done'], ['w1', 'done']]);
});

test('a new test in the same flow finishes the previous one; a test still running at the end fails', () => {
  const events = feed(["##teamcity[testStarted name='a']", "##teamcity[testStarted name='b']"]);
  assert.equal(of(events, 'item.done').map((e) => e.id), ['a']);
  assert.equal(of(events, 'item.fail').map((e) => [e.id, e.error]), [['b', 'no result: the output ended during this test']]);
});

test('testFinished after testFailed or testIgnored adds nothing; a failure without testStarted is still an item', () => {
  const events = feed([
    "##teamcity[testStarted name='a']", "##teamcity[testFailed name='a' message='m']", "##teamcity[testFinished name='a']",
    "##teamcity[testIgnored name='b' message='b']", "##teamcity[testFinished name='b']",
    "##teamcity[testFailed name='hook' details='Error: x|n  at y' type='comparisonFailure' expected='1' actual='2']",
  ]);
  assert.equal(of(events, 'item.done'), []);
  assert.equal(of(events, 'item.skip'), [{ type: 'item.skip', id: 'b' }], 'a reason equal to the name is dropped');
  assert.equal(of(events, 'item.fail').map((e) => [e.id, e.error, e.extra]), [
    ['a', 'm', undefined],
    ['hook', 'Error: x', { details: 'Error: x\n  at y', type: 'comparisonFailure', expected: '1', actual: '2' }],
  ]);
});

test('testCount opens a "tests" phase with the total (summed); each finished test moves its progress', () => {
  const events = feed([
    "##teamcity[testCount count='2']", "##teamcity[testCount count='1']", "##teamcity[testCount count='-1']",
    "##teamcity[testStarted name='a']", "##teamcity[testFinished name='a']",
    "##teamcity[testIgnored name='b']",
  ]);
  assert.equal(of(events, 'phase').map((e) => [e.id, e.name, e.total]), [['teamcity-tests', 'tests', 2], ['teamcity-tests', 'tests', 3]]);
  assert.equal(of(events, 'progress').map((e) => [e.phase, e.current, e.total]), [['teamcity-tests', 1, 3], ['teamcity-tests', 2, 3]]);
});

test('progress messages and blocks: steps inside a phase, a phase or log line outside one', () => {
  const events = feed([
    "##teamcity[progressMessage 'warming up']",
    "##teamcity[blockOpened name='compile' description='d']",
    "##teamcity[progressStart 'javac']",
    "##teamcity[blockOpened name='module a']",
    "##teamcity[progressMessage 'a.java']",
    "##teamcity[blockClosed name='module a']",
    "##teamcity[progressFinish 'javac']",
    "##teamcity[blockClosed name='compile']",
  ]);
  assert.equal(of(events, 'log'), [{ type: 'log', level: 'info', source: 'teamcity', message: 'warming up' }]);
  assert.equal(of(events, 'phase').map((e) => e.id), ['compile']);
  assert.equal(of(events, 'step').map((e) => e.name), ['javac', 'module a', 'a.java']);
  assert.equal(of(events, 'phase.end').map((e) => [e.id, e.status]), [['compile', 'ok']]);
});

test('message text= status= is a log line with its level; buildProblem an error; nothing else is acted on', () => {
  const events = feed([
    "##teamcity[message text='plain']",
    "##teamcity[message text='careful' status='WARNING']",
    "##teamcity[message text='broke' status='ERROR' errorDetails='trace']",
    "##teamcity[message text='bad' status='FAILURE']",
    "##teamcity[buildProblem description='compile failed' identity='x']",
    "##teamcity[setParameter name='env.PATH' value='/evil']",
    "##teamcity[publishArtifacts '/etc/passwd']",
    "##teamcity[buildNumber '666']",
    "##teamcity[buildStop comment='x']",
  ]);
  assert.equal(events.map((e) => (e.type === 'log' ? [e.level, e.message, e.extra] : e.type)), [
    ['info', 'plain', undefined], ['warn', 'careful', undefined], ['error', 'broke', { errorDetails: 'trace' }],
    ['error', 'bad', undefined], ['error', 'compile failed', undefined],
  ]);
});

test('disableServiceMessages … enableServiceMessages: nothing in between is read', () => {
  const events = feed([
    '##teamcity[disableServiceMessages]', "##teamcity[message text='hidden']", '##teamcity[enableServiceMessages]',
    "##teamcity[message text='shown']",
  ]);
  assert.equal(of(events, 'log').map((e) => e.message), ['shown']);
});

// --- recordings through the real binary ----------------------------------------------------

interface Expect {
  exitCode: number;
  counts: Record<string, number>;
  phases: { name: string; status: string; succeeded: number; failed: number; skipped: number }[];
}

function checkSummary(events: Record<string, unknown>[], expect: Expect): void {
  const summary = events.find((e) => e.type === 'summary') as { exitCode: number; counts: unknown; phases: { name: string; status: string; counts: Record<string, number> }[] };
  assert.is(summary.exitCode, expect.exitCode);
  assert.equal(summary.counts, expect.counts);
  assert.equal(
    summary.phases.map((p) => ({ name: p.name, status: p.status, succeeded: p.counts.succeeded, failed: p.counts.failed, skipped: p.counts.skipped })),
    expect.phases,
  );
}

test('recording mocha.rec (mocha-teamcity-reporter): events and summary match the spec\'s hand count', async () => {
  const expect = JSON.parse(readFileSync(join(dir, 'mocha.expect.json'), 'utf8')) as Expect & {
    steps: string[]; failed: { phase: string; id: string; error?: string; errorStartsWith?: string }[];
    skipped: { phase: string; id: string }[]; escapedTitle: string; agents: number;
  };
  const r = await replay('mocha.rec', 'json');
  const events = ndjson(r.stdout);
  checkSummary(events, expect);
  assert.equal(events.filter((e) => e.type === 'step').map((e) => e.name), expect.steps);
  const fails = events.filter((e) => e.type === 'item.fail');
  assert.equal(fails.map((e) => [e.phase, e.id]), expect.failed.map((f) => [f.phase, f.id]));
  for (const [i, f] of expect.failed.entries()) {
    if (f.error !== undefined) assert.is(fails[i]!.error, f.error);
    if (f.errorStartsWith !== undefined) assert.ok(String(fails[i]!.error).startsWith(f.errorStartsWith), String(fails[i]!.error));
  }
  assert.equal(events.filter((e) => e.type === 'item.skip').map((e) => [e.phase, e.id]), expect.skipped.map((s) => [s.phase, s.id]));
  assert.ok(events.some((e) => e.type === 'item.done' && e.id === expect.escapedTitle), 'the escaped title decoded');
  assert.is(new Set(events.filter((e) => e.type === 'agent').map((e) => e.id)).size, expect.agents);
  assert.is(events.filter((e) => e.type === 'output').length, recordedStdout(join(dir, 'mocha.rec')).toString().split('\n').length - 1, 'every line still output');
});

test('recording mocha-two-flows.rec: two interleaved flows are two agents and two phases', async () => {
  const expect = JSON.parse(readFileSync(join(dir, 'mocha-two-flows.expect.json'), 'utf8')) as Expect & { agents: string[]; failedIds: string[] };
  const events = ndjson((await replay('mocha-two-flows.rec', 'json')).stdout);
  checkSummary(events, expect);
  assert.equal([...new Set(events.filter((e) => e.type === 'agent').map((e) => e.id as string))].sort(), expect.agents);
  assert.equal(events.filter((e) => e.type === 'item.fail').map((e) => e.id), expect.failedIds);
  const starts = events.filter((e) => e.type === 'item.start');
  assert.ok(starts.every((e) => (e.phase === 'slow') === (e.agent === starts[0]!.agent)), 'each flow in its own phase');
});

test('--format plain passes the recordings through byte for byte', async () => {
  for (const name of ['mocha.rec', 'mocha-two-flows.rec']) {
    const r = await replay(name, 'plain');
    assert.ok(r.stdout.equals(recordedStdout(join(dir, name))), `${name}: ${r.stdout.length} bytes`);
  }
});

test('LIVE: mocha with mocha-teamcity-reporter under prog gives the spec\'s counts', async () => {
  const expect = JSON.parse(readFileSync(join(dir, 'mocha.expect.json'), 'utf8')) as Expect;
  const mocha = join(projectRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const r = await runProg(['run', '--format', 'json', '--', process.execPath, mocha, '--reporter', 'mocha-teamcity-reporter', join(dir, 'spec.cjs')], { env: { PROG_PROGRESS_FD: undefined } });
  checkSummary(ndjson(r.stdout), expect);
});

// --- hostile input -------------------------------------------------------------------------

const FRAGMENTS = ['##teamcity[', "'", '|', "|'", '|0x', ']', ' ', '\t', 'name=', 'flowId=', 'testStarted', 'testSuiteStarted', 'testFailed',
  'testFinished', 'testSuiteFinished', 'blockOpened', 'testCount count=', 'message text=', 'status=', "'x'", 'é', '\u0000', 'disableServiceMessages'];

test('property: never throws, and only ever emits display events, on arbitrary lines and on message-like soup', () => {
  const soup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), soup), { maxLength: 30 }), (lines) => {
    for (const e of feed(lines)) assert.ok(SAFE_TYPES.has(e.type), e.type);
  }), { numRuns: 400 });
});

test('a 1 MiB pathological line is read in linear time', () => {
  const MiB = 1024 * 1024;
  const lines = [
    "##teamcity[a '" + '|'.repeat(MiB),
    "##teamcity[a '##teamcity[".repeat(MiB / 25),
    "##teamcity[a k='v' ".repeat(MiB / 19),
    "##teamcity[testStarted name='" + "|'".repeat(MiB / 2) + "']",
    '##teamcity['.repeat(MiB / 11),
  ];
  const slow = lines.map((line) => notLinear(`${line.slice(0, 30)}…`, line, () => feed([line]))).filter((s) => s !== undefined);
  assert.equal(slow, [], slow.join('\n'));
});


liveTest(jobTools(), 'LIVE nesting: make and ctest run inside TeamCity blocks (blockOpened) are the groups\' children, end with them, and a failed child fails its group', async () => {
  const [build, broken] = await Promise.all([configure(), configure(true)]);
  try {
    const [ok, failing] = await Promise.all([progJson(['sh', job('teamcity', build)]), progJson(['sh', job('teamcity', broken, true)])]);
    checkNestedOk(ok, { build: 'Build', test: 'Test' });
    checkNestedFailing(failing, { build: 'Build', test: 'Test' });
  } finally {
    removeBuild(build);
    removeBuild(broken);
  }
});

test.run();
