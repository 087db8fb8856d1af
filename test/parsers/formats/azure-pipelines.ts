// The Azure Pipelines logging-command parser: escapes, ##[…] formatting lines, ##vso[…]
// commands (setprogress, logissue/issue, debug, complete), side-effect commands never acted
// on; a recording made with the real azure-pipelines-task-lib replayed through the binary, a
// live run of the same script (printing by hand: task-lib is not a dependency), and fuzzing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MarkerEvent, Unstamped } from '../../../src/events.js';
import { parser, parseLoggingCommand, unescapeAzure } from '../../../src/parsers/formats/azure-pipelines.js';
import { fixtures, ndjson, runProg } from '../../helpers/prog.js';
import { progJson, removeBuild } from '../../fixtures/cmake-project/harness.js';
import { configure, job, jobTools } from '../../fixtures/github-actions/ci-script.js';
import { notLinear } from '../../helpers/time.js';
import { liveTest } from '../../helpers/tools.js';
import { checkNestedFailing, checkNestedOk } from '../../fixtures/github-actions/nesting-checks.js';

type Ev = Unstamped<MarkerEvent>;
const dir = join(fixtures, 'azure-pipelines');
const SAFE_TYPES = new Set(['phase', 'phase.end', 'step', 'progress', 'log']);

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
  runProg(['run', '--format', format, '--', process.execPath, join(fixtures, 'replay.js'), join(dir, name), '--speed', '0'], { env: { PROG_PROGRESS_FD: undefined } });

test('escapes: %AZP25 and %25, %0D %0A %3B %5D, in one pass; unknown ones left alone', () => {
  assert.is(unescapeAzure('50%AZP25 and 50%25'), '50% and 50%');
  assert.is(unescapeAzure('a%0Db%0Ac%3Bd%5De'), 'a\rb\nc;d]e');
  assert.is(unescapeAzure('%AZP250A'), '%0A', 'an escaped % then 0A is a literal %0A');
  assert.is(unescapeAzure('%41%zz%'), '%41%zz%');
});

test('##vso grammar: anywhere in the line, properties split on ; then the first =, names case-insensitive', () => {
  const cmd = parseLoggingCommand('prefix ##vso[Task.LogIssue Type=error;sourcepath=a%3Bb%5D.ts;x;=y;code=a=b;]msg ] with %AZP25');
  assert.equal(JSON.parse(JSON.stringify(cmd)), { command: 'task.logissue', properties: { type: 'error', sourcepath: 'a;b].ts', code: 'a=b' }, message: 'msg ] with %' });
  assert.is(parseLoggingCommand('##vso[task.setprogress value=1'), undefined, 'no ]');
  assert.is(parseLoggingCommand('##vso[nodot]x'), undefined);
  assert.ok(parser.detect.test('##[group]x') && parser.detect.test('  ##[section]x') && parser.detect.test('x ##vso[task.debug]y'));
  assert.not.ok(parser.detect.test('x ##[group]y') || parser.detect.test('##[unknown]') || parser.detect.test('##vso['));
});

test('##[group] → phases, ##[section]/##[command] → steps inside one, ##[warning|error|debug] → log lines', () => {
  const events = feed(['##[section]outside', '##[command]ignored outside', '##[group]G', '##[command]npm ci', '##[section]S',
    '##[warning]w', '##[error]e', '##[debug]d', '##[endgroup]', '##[group]G', '##[group]H', '##[endgroup]', '##[unknown]x']);
  assert.equal(events.filter((e) => e.type === 'phase' || e.type === 'phase.end').map((e) => [e.type, e.id]), [
    ['phase', 'G'], ['phase.end', 'G'], ['phase', 'G #2'], ['phase.end', 'G #2'], ['phase', 'H'], ['phase.end', 'H'],
  ]);
  assert.equal(events.filter((e) => e.type === 'step').map((e) => e.type === 'step' && [e.phase, e.name]), [['G', 'npm ci'], ['G', 'S']]);
  assert.equal(logs(events), [['info', 'outside'], ['warn', 'w'], ['error', 'e'], ['debug', 'd']]);
});

test('task.setprogress drives the "task" phase out of 100 with the operation as its step; bad values are ignored', () => {
  const events = feed(['##vso[task.setprogress value=10;]Download', '##vso[task.setprogress value=10;]', '##vso[task.setprogress value=75.4;]Current operation',
    '##vso[task.setprogress value=abc;]x', '##vso[task.setprogress]x', '##vso[task.setprogress value=250;]over']);
  assert.equal(events.filter((e) => e.type === 'phase').map((e) => e.type === 'phase' && [e.id, e.name, e.total]), [['azure:task', 'task', 100]]);
  assert.equal(events.filter((e) => e.type === 'progress').map((e) => e.type === 'progress' && e.current), [10, 75, 100]);
  assert.equal(events.filter((e) => e.type === 'step').map((e) => e.type === 'step' && e.name), ['Download', 'Current operation', 'over']);
});

test('task.logissue / task.issue → warn or error with the location; task.debug → debug', () => {
  const events = feed([
    '##vso[task.logissue type=error;sourcepath=src/a.ts;linenumber=3;columnnumber=9;code=E1;]bad%0Athing',
    '##vso[task.logissue type=warning;sourcepath=b.ts;linenumber=x;]w',
    '##vso[task.issue type=error;source=TaskInternal;]internal',
    '##vso[task.debug]dbg 50%AZP25',
  ]);
  assert.equal(logs(events), [['error', 'src/a.ts:3:9: E1: bad\nthing'], ['warn', 'b.ts: w'], ['error', 'internal'], ['debug', 'dbg 50%']]);
  const first = events[0]!;
  assert.equal(first.type === 'log' && first.extra, { file: 'src/a.ts', line: 3, col: 9, code: 'E1' });
});

test('task.complete logs the result and ends the task phase: Failed failed, Succeeded ok, SucceededWithIssues ok + warn', () => {
  const failed = feed(['##vso[task.setprogress value=50;]x', '##vso[task.complete result=Failed;]it broke']);
  assert.equal(logs(failed), [['error', 'task complete: Failed · it broke']]);
  assert.equal(failed.filter((e) => e.type === 'phase.end'), [{ type: 'phase.end', id: 'azure:task', status: 'failed' }]);
  const issues = feed(['##vso[task.setprogress value=50;]x', '##vso[task.complete result=SucceededWithIssues;]']);
  assert.equal(logs(issues), [['warn', 'task complete: SucceededWithIssues']]);
  assert.equal(issues.filter((e) => e.type === 'phase.end').map((e) => e.type === 'phase.end' && e.status), ['ok']);
  assert.equal(feed(['##vso[task.complete result=Succeeded;]done']).map((e) => e.type), ['log'], 'no task phase, nothing to end');
});

test('setvariable, setsecret, prependpath, uploadfile, build.*, artifact.*: never acted on', () => {
  assert.equal(feed(['##vso[task.setvariable variable=PATH;]/evil', '##vso[task.setsecret]s', '##vso[task.prependpath]/evil',
    '##vso[task.uploadfile]/etc/passwd', '##vso[build.updatebuildnumber]1', '##vso[artifact.upload artifactname=x]/etc', '##vso[task.setendpoint id=x]y']), []);
});

interface Expect {
  exitCode: number;
  phases: { id: string; name: string; status: string; total?: number; current?: number }[];
  progress: number[];
  steps: { phase: string; name: string }[];
  levels: Record<string, number>;
  logs: { level: string; message: string; extra?: Record<string, unknown> }[];
}

test('recording task-lib.rec (azure-pipelines-task-lib): phases, progress, steps and log lines match the hand count', async () => {
  const expect = JSON.parse(readFileSync(join(dir, 'task-lib.expect.json'), 'utf8')) as Expect;
  const events = ndjson((await replay('task-lib.rec', 'json')).stdout);
  const summary = events.find((e) => e.type === 'summary') as { exitCode: number; phases: Record<string, unknown>[] };
  assert.is(summary.exitCode, expect.exitCode);
  assert.equal(summary.phases.map((p) => {
    const want = expect.phases.find((w) => w.id === p.id);
    return { id: p.id, name: p.name, status: p.status, ...(want?.total === undefined ? {} : { total: p.total, current: p.current }) };
  }), expect.phases);
  assert.equal(events.filter((e) => e.type === 'progress').map((e) => e.current), expect.progress);
  assert.equal(events.filter((e) => e.type === 'step').map((e) => ({ phase: e.phase, name: e.name })), expect.steps);
  const logEvents = events.filter((e) => e.type === 'log');
  const levels: Record<string, number> = { debug: 0, info: 0, notice: 0, warn: 0, error: 0 };
  for (const e of logEvents) levels[e.level as string]!++;
  assert.equal(levels, expect.levels);
  const notDebugPreamble = logEvents.filter((e) => !(e.level === 'debug' && !['cache: 50% hit; key=a]b', 'formatting debug line'].includes(e.message as string)));
  assert.equal(notDebugPreamble.map((e) => [e.level, e.message]), expect.logs.map((l) => [l.level, l.message]));
  for (const l of expect.logs) if (l.extra) assert.equal(logEvents.find((e) => e.message === l.message)!.extra, l.extra);
});

test('--format plain passes the recording through byte for byte', async () => {
  const r = await replay('task-lib.rec', 'plain');
  assert.ok(r.stdout.equals(recordedStdout(join(dir, 'task-lib.rec'))), `${r.stdout.length} bytes`);
});

test('LIVE: task.cjs under prog (lines printed by hand as task-lib would: it is not installed) gives the same progress and phases', async () => {
  const expect = JSON.parse(readFileSync(join(dir, 'task-lib.expect.json'), 'utf8')) as Expect;
  const r = await runProg(['run', '--format', 'json', '--', process.execPath, join(dir, 'task.cjs')], { env: { PROG_PROGRESS_FD: undefined, NODE_PATH: undefined } });
  const events = ndjson(r.stdout);
  assert.equal(events.filter((e) => e.type === 'progress').map((e) => e.current), expect.progress);
  const summary = events.find((e) => e.type === 'summary') as { phases: { id: string; status: string }[] };
  assert.equal(summary.phases.map((p) => [p.id, p.status]), expect.phases.map((p) => [p.id, p.status]));
  const nonDebug = events.filter((e) => e.type === 'log' && e.level !== 'debug').map((e) => [e.level, e.message]);
  assert.equal(nonDebug, expect.logs.filter((l) => l.level !== 'debug').map((l) => [l.level, l.message]));
});

const FRAGMENTS = ['##vso[', '##[', ']', ';', '=', ' ', '%AZP25', '%0A', '%3B', 'task.setprogress', 'task.logissue', 'task.complete', 'value=', 'type=error',
  'result=Failed', 'group', 'endgroup', 'section', '99', '-1', 'NaN', '1e309'];

test('property: never throws and only emits display events, on arbitrary lines and command soup', () => {
  const soup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 30 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), soup), { maxLength: 30 }), (lines) => {
    for (const e of feed(lines)) {
      assert.ok(SAFE_TYPES.has(e.type), e.type);
      if (e.type === 'progress') assert.ok(e.current >= 0 && e.current <= 100);
    }
  }), { numRuns: 400 });
});

test('a 1 MiB pathological line is read in linear time', () => {
  const MiB = 1024 * 1024;
  const lines = [' '.repeat(MiB) + 'x', '##vso['.repeat(MiB / 6), '##vso[a.b ' + ';='.repeat(MiB / 2) + ']m', '##[group]' + '%AZP25'.repeat(MiB / 6), '##vso[task.debug]' + '%'.repeat(MiB)];
  const slow = lines.map((line) => notLinear(`${line.slice(0, 20)}…`, line, () => feed([line]))).filter((s) => s !== undefined);
  assert.equal(slow, [], slow.join('\n'));
});


liveTest(jobTools(), 'LIVE nesting: make and ctest run inside ##[group] are the groups\' children, end with them, and a failed child fails its group', async () => {
  const [build, broken] = await Promise.all([configure(), configure(true)]);
  try {
    const [ok, failing] = await Promise.all([progJson(['sh', job('azure-pipelines', build)]), progJson(['sh', job('azure-pipelines', broken, true)])]);
    checkNestedOk(ok, { build: 'Build', test: 'Test' });
    checkNestedFailing(failing, { build: 'Build', test: 'Test' });
  } finally {
    removeBuild(build);
    removeBuild(broken);
  }
});

test.run();
