// pytest's report → events: unit tests over recorded lines, the recordings replayed through the
// real binary (counts checked against pytest's own summary), one live run, and robustness.
import { execFileSync } from 'node:child_process';
import { cpSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LineEnd, MarkerEvent, Unstamped } from '../../../src/events.js';
import { parser } from '../../../src/parsers/formats/pytest.js';
import { MAX_LINE_EVENTS } from '../../../src/parsers/format-parser.js';
import { ParserHub } from '../../../src/parsers/parser-hub.js';
import { fixtures, ndjson, runProg, tempDir } from '../../helpers/prog.js';
import { feedParser, recordingLines } from '../../helpers/recordings.js';

type Ev = Unstamped<MarkerEvent>;
const dir = join(fixtures, 'pytest');
const PYTHON = '/usr/bin/python3';

const feed = (lines: (string | [string, LineEnd])[]): Ev[] => feedParser(parser, 'stdout', lines);
const recLines = (name: string): [string, LineEnd][] => recordingLines(join(dir, `${name}.rec`));

interface Expect { collected: number; passed: number; failed: number; error: number; skipped: number; xfailed: number; xpassed: number; exitCode: number; failures: Record<string, string> }
const expectOf = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.expect.json`), 'utf8')) as Expect;
const recordings = readdirSync(dir).filter((f) => f.endsWith('.rec')).map((f) => f.slice(0, -4)).sort();
const count = (events: Ev[], type: string) => events.filter((e) => e.type === type).length;

test('the recordings exist: default, verbose, -q, count style, under a pty, pytest 7 and 9', () => {
  assert.equal(recordings, ['pytest9-count', 'pytest9-verbose', 'q', 'quiet', 'quiet-pty', 'verbose', 'verbose-pty']);
});

test('detect: the session header, the collected line, a -q result line; not make\'s [ 45%] lines', () => {
  for (const l of ['============================= test session starts ==============================', 'collected 83 items', 'collecting ... collected 1 item', '..F.sx                       [100%]']) {
    assert.ok(parser.detect.test(l), l);
  }
  for (const l of ['[ 45%] Building CXX object a.o', 'collected stamps', 'test_a.py::test_x PASSED', '...']) assert.not.ok(parser.detect.test(l), l);
});

for (const name of recordings) {
  test(`${name}: one item per result, failures named with their messages, counts as pytest's summary`, () => {
    const x = expectOf(name);
    const events = feed(recLines(name));
    assert.is(count(events, 'item.done'), x.passed + x.xpassed);
    assert.is(count(events, 'item.skip'), x.skipped + x.xfailed);
    const fails = events.filter((e) => e.type === 'item.fail') as Extract<Ev, { type: 'item.fail' }>[];
    assert.equal(fails.map((f) => f.id).sort(), Object.keys(x.failures).sort());
    for (const f of fails) assert.ok(f.error!.startsWith(x.failures[f.id]!), `${f.id}: ${f.error}`);
    const phase = events.find((e) => e.type === 'phase') as Extract<Ev, { type: 'phase' }>;
    if (name !== 'q') assert.is(phase.total, x.collected);
    const progress = events.filter((e) => e.type === 'progress') as Extract<Ev, { type: 'progress' }>[];
    assert.ok(progress.length >= 2);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.current >= progress[i - 1]!.current, 'never backwards');
    assert.equal([progress.at(-1)!.current, progress.at(-1)!.total], [x.collected, x.collected]);
    assert.equal(events.at(-1), { type: 'phase.end', id: 'pytest', status: 'failed' });
    assert.is(count(events, 'log'), 0, 'no reconciliation was needed');
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

test('a failure without a short summary (-rN) is failed at the final line, without a message', () => {
  const events = feed(['collected 2 items', '', 'test_a.py .F                     [100%]', '=== 1 failed, 1 passed in 0.01s ===']);
  assert.equal(events.filter((e) => e.type === 'item.fail'), [{ type: 'item.fail', phase: 'pytest', id: 'test_a.py #2', error: 'failed' }]);
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

test('results the output did not show are taken from the summary; a surplus is a warning', () => {
  const missing = feed(['collected 3 items', 'test_a.py .                    [ 33%]', '=== 3 passed in 0.1s ===']);
  assert.is(count(missing, 'item.done'), 3);
  const surplus = feed(['collected 1 items', 'test_a.py ..                   [100%]', '=== 1 passed in 0.1s ===']);
  assert.match((surplus.find((e) => e.type === 'log') as Extract<Ev, { type: 'log' }>).message, /more results than pytest's summary/);
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

test('never throws on arbitrary lines, pytest-like fragments included', () => {
  const piece = fc.oneof(fc.string(), fc.constantFrom('collected 3 items', '::', ' PASSED', ' FAILED', ' (', ')', ' [ 50%]', ' [1/3]', '.F', 'E', '=== ', ' ===', 'short test summary info', 'FAILED ', ' - ', 'in 0.1s', '1 failed', '\x1b[31m'));
  fc.assert(fc.property(fc.array(fc.array(piece, { maxLength: 8 }).map((a) => a.join('')), { maxLength: 30 }), (lines) => {
    feed(lines);
  }), { numRuns: 300 });
});

test('1 MiB pathological lines take linear time', () => {
  const MiB = 1024 * 1024;
  const lines = [
    ' '.repeat(MiB), '='.repeat(MiB), '.'.repeat(MiB), `${'.'.repeat(MiB)} [ 50%]`, `a::b${' PASSED'.repeat(MiB / 7)}x`, `a::b PASSED (${'('.repeat(MiB)}`,
    `${'1 passed, '.repeat(MiB / 10)}in 1s x`, `FAILED ${' - '.repeat(MiB / 3)}`, `collected 1 items${' / 1 x'.repeat(MiB / 6)}`, `x ${' '.repeat(MiB)}[ 1%]`,
    `= ${'= '.repeat(MiB / 2)}x`, `[gw0] [ 1%] PASSED ${' '.repeat(MiB)}`,
  ];
  const started = Date.now();
  feed(['collected 5 items', ...lines, '=== short test summary info ===', ...lines]);
  assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
});

const items = (events: Ev[]) => events.filter((e) => e.type.startsWith('item.'));
const lastProgress = (events: Ev[]) => (events.filter((e) => e.type === 'progress').at(-1) as Extract<Ev, { type: 'progress' }>).current;

test('after collected 5 items, a line of 800,000 dots is 5 results, not 800,000; the summary warns of the rest', () => {
  const events = feed(['collected 5 items', `test_a.py ${'.'.repeat(800_000)}`, '=== 5 passed in 0.1s ===']);
  assert.is(items(events).length, 5);
  assert.is(lastProgress(events), 5);
  assert.match((events.find((e) => e.type === 'log') as Extract<Ev, { type: 'log' }>).message, /799995 past what pytest can print, ignored/);
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
    const summary = ndjson(r.stdout).find((e) => e.type === 'summary') as { counts: Record<string, number>; failures: { id: string; error: string }[] };
    assert.equal(summary.counts, {
      processed: x.collected, succeeded: x.passed + x.xpassed, failed: x.failed + x.error, retried: 0, skipped: x.skipped + x.xfailed, running: 0,
    });
    assert.equal(summary.failures.map((f) => f.id).sort(), Object.keys(x.failures).sort());
  });
}

test('LIVE: the real pytest (/usr/bin/python3 -m pytest, Debian python3-pytest) under prog', async () => {
  try {
    execFileSync(PYTHON, ['-c', 'import pytest'], { stdio: 'ignore' });
  } catch {
    assert.unreachable('pytest is not installed: this test needs `/usr/bin/python3 -m pytest` (Debian package python3-pytest)');
  }
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

test('LIVE: results count as pytest writes them, before their line ends at [ NN%]', async () => {
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
