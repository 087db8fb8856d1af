// The GitHub Actions workflow-command parser: escapes, the runner's grammar, groups and
// annotations, stop-commands, commands with side effects never acted on; a recording of
// @actions/core replayed through the real binary, a live run, and fuzzing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MarkerEvent, Unstamped } from '../../../src/events.js';
import { parser, parseWorkflowCommand, unescapeData, unescapeProperty } from '../../../src/parsers/formats/github-actions.js';
import { fixtures, ndjson, runProg } from '../../helpers/prog.js';
import { progJson, removeBuild } from '../../fixtures/cmake-project/harness.js';
import { configure, job, jobTools } from '../../fixtures/github-actions/ci-script.js';
import { notLinear } from '../../helpers/time.js';
import { liveTest } from '../../helpers/tools.js';
import { checkNestedFailing, checkNestedOk } from '../../fixtures/github-actions/nesting-checks.js';

type Ev = Unstamped<MarkerEvent>;
const dir = join(fixtures, 'github-actions');
const SAFE_TYPES = new Set(['phase', 'phase.end', 'step', 'progress', 'log']);
/** No GITHUB_* file commands: @actions/core then prints the deprecated stdout commands too. */
const NO_GH_FILES = { GITHUB_OUTPUT: undefined, GITHUB_ENV: undefined, GITHUB_PATH: undefined, GITHUB_STATE: undefined, PROG_PROGRESS_FD: undefined };

function feed(lines: string[]): Ev[] {
  const events: Ev[] = [];
  const p = parser.create();
  for (const line of lines) p.line({ stream: 'stdout', raw: line, text: line, eol: '\n' }, (e) => events.push(e));
  p.end?.((e) => events.push(e));
  return events;
}
const logs = (events: Ev[]) => events.filter((e) => e.type === 'log').map((e) => (e.type === 'log' ? [e.level, e.message] : []));

function recordedStdout(rec: string): Buffer {
  const records = readFileSync(rec, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { fd?: number; b64?: string });
  return Buffer.concat(records.filter((r) => r.fd === 1).map((r) => Buffer.from(r.b64!, 'base64')));
}
const replay = (name: string, format: string) =>
  runProg(['run', '--format', format, '--', process.execPath, join(fixtures, 'replay.js'), join(dir, name), '--speed', '0'], { env: NO_GH_FILES });

test('escapes: %25 %0D %0A in messages; also %3A %2C in properties; one pass; others left alone', () => {
  assert.is(unescapeData('100%25 a%0Db%0Ac'), '100% a\rb\nc');
  assert.is(unescapeData('%250A'), '%0A', '%250A is a literal %0A');
  assert.is(unescapeData('%3A%2C%41'), '%3A%2C%41', 'messages keep %3A %2C');
  assert.is(unescapeProperty('a%3Ab%2Cc%25d%0Ae%0Df'), 'a:b,c%d\ne\rf');
  assert.is(unescapeProperty('%0a%3a'), '\n:', 'lower-case hex too');
});

test('grammar: leading spaces, case-insensitive names, properties split on , then the first =', () => {
  const cmd = parseWorkflowCommand('  ::Error File=a.ts, line=3,bad,=x,k=,title=a=b::msg::with colons');
  assert.equal(JSON.parse(JSON.stringify(cmd)), { command: 'error', properties: { file: 'a.ts', line: '3', title: 'a=b' }, message: 'msg::with colons' });
  assert.is(parseWorkflowCommand('::unknown::x'), undefined);
  assert.is(parseWorkflowCommand('x ::error::x'), undefined, 'must start the line');
  assert.is(parseWorkflowCommand('::error'), undefined);
  assert.ok(parser.detect.test('::group::x') && parser.detect.test('  ::ERROR file=a::x') && parser.detect.test('::endgroup::'));
  assert.not.ok(parser.detect.test('::set-env name=x::y') || parser.detect.test('a ::error::x') || parser.detect.test('::prog::{}'));
});

test('groups are phases (a new group ends the open one; repeated titles get #2); annotations are log lines', () => {
  const events = feed([
    '::group::Build', '::error file=src/a.ts,line=3,col=7,endLine=4,endColumn=2,title=TS%3A 1::bad%0Athing', '::endgroup::',
    '::group::Build', '::group::Test', '::warning::w', '::notice title=N::n', '::debug::d', '::endgroup::', '::endgroup::',
  ]);
  assert.equal(events.filter((e) => e.type === 'phase' || e.type === 'phase.end').map((e) => [e.type, e.id]), [
    ['phase', 'Build'], ['phase.end', 'Build'], ['phase', 'Build #2'], ['phase.end', 'Build #2'], ['phase', 'Test'], ['phase.end', 'Test'],
  ]);
  assert.equal(logs(events), [['error', 'src/a.ts:3:7: TS: 1: bad\nthing'], ['warn', 'w'], ['notice', 'N: n'], ['debug', 'd']]);
  const error = events.find((e) => e.type === 'log')!;
  assert.equal(error.type === 'log' && error.extra, { file: 'src/a.ts', line: 3, col: 7, endLine: 4, endColumn: 2, title: 'TS: 1', group: 'Build' });
});

test('a group left open is left to the run\'s end (the exit decides its status)', () => {
  assert.equal(feed(['::group::open']).map((e) => e.type), ['phase']);
});

test('set-env, add-path, set-output, save-state, add-mask, echo, matchers: never acted on', () => {
  const events = feed(['::set-env name=PATH::/evil', '::add-path::/evil', '::set-output name=x::y', '::save-state name=s::v',
    '::add-mask::secret', '::echo::on', '::add-matcher::m.json', '::remove-matcher owner=x::']);
  assert.equal(events, []);
});

test('stop-commands: nothing parsed until ::TOKEN:: (case-insensitive, any data), then parsing resumes', () => {
  const events = feed(['::stop-commands::Tok', '::error::no', '::group::no', '::tok2::', '  ::TOK::anything', '::error::yes']);
  assert.equal(logs(events), [['error', 'yes']]);
  assert.equal(events.filter((e) => e.type === 'phase'), []);
  assert.equal(logs(feed(['::stop-commands::', '::error::never', '::::'])), [], 'an empty token never resumes, as in the runner');
});

interface Expect {
  exitCode: number;
  phases: { name: string; status: string }[];
  levels: Record<string, number>;
  logs: { level: string; message: string; extra?: Record<string, unknown> }[];
}

function check(events: Record<string, unknown>[], expect: Expect): void {
  const summary = events.find((e) => e.type === 'summary') as { exitCode: number; phases: { name: string; status: string }[] };
  assert.is(summary.exitCode, expect.exitCode);
  assert.equal(summary.phases.map((p) => ({ name: p.name, status: p.status })), expect.phases);
  const logEvents = events.filter((e) => e.type === 'log');
  const levels: Record<string, number> = { debug: 0, info: 0, notice: 0, warn: 0, error: 0 };
  for (const e of logEvents) levels[e.level as string]!++;
  assert.equal(levels, expect.levels);
  assert.equal(logEvents.map((e) => [e.level, e.message]), expect.logs.map((l) => [l.level, l.message]));
  for (const [i, l] of expect.logs.entries()) if (l.extra) assert.equal(logEvents[i]!.extra, l.extra);
}

test('recording core.rec (@actions/core): phases, log levels and messages match the script\'s hand count', async () => {
  const expect = JSON.parse(readFileSync(join(dir, 'core.expect.json'), 'utf8')) as Expect;
  const r = await replay('core.rec', 'json');
  check(ndjson(r.stdout), expect);
});

test('--format plain passes the recording through byte for byte', async () => {
  const r = await replay('core.rec', 'plain');
  assert.ok(r.stdout.equals(recordedStdout(join(dir, 'core.rec'))), `${r.stdout.length} bytes`);
});

test('LIVE: the @actions/core script under prog gives the same events', async () => {
  const expect = JSON.parse(readFileSync(join(dir, 'core.expect.json'), 'utf8')) as Expect;
  const r = await runProg(['run', '--format', 'json', '--', process.execPath, join(dir, 'commands.cjs')], { env: NO_GH_FILES });
  check(ndjson(r.stdout), expect);
});

const FRAGMENTS = ['::', ' ', ',', '=', '%', '%25', '%0A', '%3A', 'group', 'endgroup', 'error', 'warning', 'notice', 'debug', 'stop-commands',
  'file=', 'line=', 'title=', 'tok', 'ERROR', '\t', 'é'];

test('property: never throws and only emits display events, on arbitrary lines and command soup', () => {
  const soup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 30 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), soup), { maxLength: 30 }), (lines) => {
    for (const e of feed(lines)) assert.ok(SAFE_TYPES.has(e.type), e.type);
  }), { numRuns: 400 });
});

test('a 1 MiB pathological line is read in linear time', () => {
  const MiB = 1024 * 1024;
  const slow: string[] = [];
  for (const line of [' '.repeat(MiB) + '::error::x', '::error ' + ',='.repeat(MiB / 2) + '::m', '::error::' + '%25'.repeat(MiB / 3), '::'.repeat(MiB / 2), '::group::' + 'x'.repeat(MiB)]) {
    let events: ReturnType<typeof feed> = [];
    const over = notLinear(`${line.slice(0, 20)}…`, line, () => (events = feed([line])));
    if (over !== undefined) slow.push(over);
    for (const e of events) if (e.type === 'log') assert.ok(e.message.length <= 64 * 1024 + 1);
  }
  assert.equal(slow, [], slow.join('\n'));
});


liveTest(jobTools(), 'LIVE nesting: make and ctest run inside ::group:: are the groups\' children, end with them, and a failed child fails its group', async () => {
  const [build, broken] = await Promise.all([configure(), configure(true)]);
  try {
    const [ok, failing] = await Promise.all([progJson(['sh', job('github-actions', build)]), progJson(['sh', job('github-actions', broken, true)])]);
    checkNestedOk(ok, { build: 'Build', test: 'Test' });
    checkNestedFailing(failing, { build: 'Build', test: 'Test' });
  } finally {
    removeBuild(build);
    removeBuild(broken);
  }
});

test.run();
