// The ninja parser: unit tests over lines, over recordings of real ninja builds of
// test/fixtures/cmake-project (CMake's Ninja generator), the recordings replayed through the real
// binary, and ninja run live under prog. Expected totals come from `ninja -t commands` and the
// project (one source does not compile), not from the parser: see record-fixtures.sh.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parser as ninja } from '../../../src/parsers/formats/ninja.js';
import { loadParserSpecs, parserEnv } from '../../../src/parsers/parser-hub.js';
import { fixtures } from '../../helpers/prog.js';
import {
  buildTools, configure, counts, failureIds, feed, ids, ofType, phaseOf, PIECES, progJson, progReplay, readExpect, recordedLines, removeBuild,
  type Line,
} from '../../fixtures/cmake-project/harness.js';
import { notLinear } from '../../helpers/time.js';
import { liveTest } from '../../helpers/tools.js';

const dir = join(fixtures, 'ninja');
const RECORDINGS = ['build-ok', 'build-fail', 'no-work', 'build-pty'];
const cr = (raw: string): Line => ({ stream: 'stdout', raw, eol: '\r' });

// ---------------------------------------------------------------- unit: lines

test('default status lines: phase with the edge count, progress per edge, item.done per edge, ok at the end', () => {
  const events = feed(ninja, ['[1/3] Building C object a.o', 'a.c:1: warning: unused', '[2/3] Building C object b.o', '[3/3] Linking C executable app']);
  assert.equal(ofType(events, 'phase'), [{ type: 'phase', id: 'ninja', name: 'ninja', total: 3 }]);
  assert.equal(ofType(events, 'progress').map((e) => [e.current, e.total, e.extra]), [[1, 3, undefined], [2, 3, undefined], [3, 3, undefined]]);
  assert.equal(ids(events, 'item.done'), ['Building C object a.o', 'Building C object b.o', 'Linking C executable app']);
  assert.equal(ofType(events, 'phase.end'), [{ type: 'phase.end', id: 'ninja', status: 'ok' }]);
  assert.is(events.at(-1)!.type, 'phase.end', 'the phase ends after the last edge is done');
});

test("prog's NINJA_STATUS '[%f/%t %r] ': the running count goes in the progress event's extra", () => {
  assert.equal(ninja.env, { NINJA_STATUS: '[%f/%t %r] ' });
  const events = feed(ninja, ['[1/9 3] Building C object a.o', '[2/9 2] Building C object b.o']);
  assert.equal(ofType(events, 'progress').map((e) => [e.current, e.total, e.extra]), [[1, 9, { running: 3 }], [2, 9, { running: 2 }]]);
});

test('NINJA_STATUS is given to ninja, samu and ninja-build, and when the parser is forced; not to other commands', async () => {
  const specs = await loadParserSpecs();
  for (const command of ['ninja', '/usr/bin/ninja', 'samu', 'ninja-build']) assert.equal(parserEnv(specs, 'auto', command).NINJA_STATUS, '[%f/%t %r] ', command);
  assert.is(parserEnv(specs, 'auto', 'make').NINJA_STATUS, undefined);
  assert.is(parserEnv(specs, ['ninja'], 'build.sh').NINJA_STATUS, '[%f/%t %r] ');
  assert.equal(parserEnv(specs, 'none', 'ninja'), {});
});

test('FAILED: the edge is a failure (not also done), with its command and output as the error', () => {
  const events = feed(ninja, [
    '[1/3] Building C object a.o',
    '[2/3] Building C object bad.o',
    'FAILED: CMakeFiles/x.dir/bad.c.o ',
    '/usr/bin/cc -c bad.c -o CMakeFiles/x.dir/bad.c.o',
    'bad.c:2:25: error: ‘y’ undeclared',
    '[3/3] Linking C executable app',
    'ninja: build stopped: subcommand failed.',
  ]);
  assert.equal(ids(events, 'item.done'), ['Building C object a.o', 'Linking C executable app']);
  assert.equal(ofType(events, 'item.fail'), [{
    type: 'item.fail', phase: 'ninja', id: 'CMakeFiles/x.dir/bad.c.o',
    error: '/usr/bin/cc -c bad.c -o CMakeFiles/x.dir/bad.c.o\nbad.c:2:25: error: ‘y’ undeclared',
  }]);
  assert.equal(ofType(events, 'phase.end').map((e) => e.status), ['failed']);
  // The failure is reported before the next edge's line is.
  assert.ok(events.findIndex((e) => e.type === 'item.fail') < events.findIndex((e) => e.type === 'progress' && e.current === 3));
});

test('FAILED on the last edge, at the end of the output, and ninja 1.12\'s [code=N]', () => {
  const events = feed(ninja, ['[1/1] CC a.o', 'FAILED: [code=1] a.o a.d', 'cc -c a.c', 'a.c: error']);
  assert.equal(ids(events, 'item.done'), []);
  assert.equal(ofType(events, 'item.fail').map((e) => [e.id, e.error, e.extra]), [['a.o a.d', 'cc -c a.c\na.c: error', { code: 1 }]]);
  assert.equal(ofType(events, 'phase.end').map((e) => e.status), ['failed']);
});

test('FAILED: outside a build (before its first status line, after it ended) is not ninja\'s', () => {
  const events = feed(ninja, ['FAILED: before', '[1/1] CC a.o', 'pytest -q', 'FAILED: tests/test_x.py::t', 'ninja: no work to do.', 'FAILED: x']);
  assert.equal(ofType(events, 'item.fail'), []);
});

test('a failure keeps 20 lines of output and says how many more there were', () => {
  const output = Array.from({ length: 30 }, (_, i) => `line ${i} ${'x'.repeat(i === 3 ? 2000 : 0)}`);
  const [fail] = ofType(feed(ninja, ['[1/2] CC a.o', 'FAILED: a.o', ...output, 'ninja: build stopped: subcommand failed.']), 'item.fail');
  const lines = String(fail!.error).split('\n');
  assert.is(lines.length, 21);
  assert.is(lines.at(-1), '… 10 more lines');
  assert.ok(lines[3]!.length < 600, 'a long line is cut');
});

test('on a terminal (\\r redraws at the start and end of each edge): progress and failures, no item.done', () => {
  const events = feed(ninja, [cr(''), cr('[0/3 1] CC a.o\x1b[K'), cr('[1/3 1] CC a.o\x1b[K'), cr('[1/3 1] CC b.o\x1b[K'), cr('[2/3 0] CC b.o\x1b[K'), 'FAILED: b.o', 'cc -c b.c', cr('[3/3 0] LINK app\x1b[K'), '']);
  assert.equal(ofType(events, 'progress').map((e) => e.current), [0, 1, 2, 3]);
  assert.equal(ids(events, 'item.done'), []);
  assert.equal(ids(events, 'item.fail'), ['b.o']);
});

test('on a terminal the phase ends at the line after the last edge, unless that line is FAILED:', () => {
  const ok = feed(ninja, [cr('[0/1 1] CC a.o\x1b[K'), '[1/1 0] CC a.o\x1b[K', 'next tool output']);
  assert.equal(ok.map((e) => e.type), ['phase', 'progress', 'progress', 'phase.end']);
  const failed = feed(ninja, [cr('[0/1 1] CC a.o\x1b[K'), '[1/1 0] CC a.o\x1b[K', 'FAILED: a.o', 'cc -c a.c']);
  assert.equal(ofType(failed, 'phase.end').map((e) => e.status), ['failed']);
  assert.equal(ids(failed, 'item.done'), []);
});

test('"ninja: no work to do." is a finished phase of 0 edges; errors and warnings are logs', () => {
  assert.equal(feed(ninja, ['ninja: no work to do.']).map((e) => [e.type, e.total ?? e.status]), [['phase', 0], ['phase.end', 'ok']]);
  const logs = ofType(feed(ninja, ["ninja: error: unknown target 'nope'", 'ninja: warning: multiple rules generate x']), 'log');
  assert.equal(logs.map((e) => [e.level, e.message]), [['error', "error: unknown target 'nope'"], ['warn', 'multiple rules generate x']]);
});

test('a second ninja run after the first ended is a new phase; a count going back mid-build (a nested ninja) is ignored', () => {
  const twice = feed(ninja, ['[1/2] a', '[2/2] b', '[1/1] c']);
  assert.equal(twice.filter((e) => e.type === 'phase' || e.type === 'phase.end').map((e) => [e.type, e.total ?? e.status]), [
    ['phase', 2], ['phase.end', 'ok'], ['phase', 1], ['phase.end', 'ok'],
  ]);
  const nested = feed(ninja, ['[1/3] a', '[2/3] ExternalProject step', '[1/40] inner thing', '[2/40] inner other', '[3/3] c']);
  assert.equal(ofType(nested, 'progress').map((e) => [e.current, e.total]), [[1, 3], [2, 3], [3, 3]]);
  // dyndep: the total grows as one more edge finishes.
  const dyndep = feed(ninja, ['[1/3] a', '[2/5] scan', '[3/5] b']);
  assert.equal(ofType(dyndep, 'progress').map((e) => [e.current, e.total]), [[1, 3], [2, 5], [3, 5]]);
  assert.equal(ofType(nested, 'phase').length, 1);
});

test('detect: the status line of every recording, and not look-alikes', () => {
  for (const name of RECORDINGS) {
    const first = recordedLines(join(dir, `${name}.rec`)).find((l) => l.raw !== '')!;
    assert.ok(ninja.detect.test(first.raw), `${name}: ${first.raw}`);
  }
  for (const line of ['[1/2] x', '[10/11 3] Linking', 'ninja: Entering directory `build\'', 'ninja: build stopped: subcommand failed.']) assert.ok(ninja.detect.test(line), line);
  for (const line of ['[1/2]x', '[ 45%] Building', 'FAILED: tests/a.py::t', '  [1/2] indented', '[INFO] 1/2', 'ninja: running', '1/7 Test #1: a']) {
    assert.not.ok(ninja.detect.test(line), line);
  }
});

// ---------------------------------------------------------------- recordings of real ninja builds

for (const name of RECORDINGS) {
  test(`recording ${name}: the parser's counts match the build's own (ninja -t commands, the project)`, () => {
    const expect = readExpect(join(dir, `${name}.expect.json`));
    const events = feed(ninja, recordedLines(join(dir, `${name}.rec`)));
    assert.equal(counts(events), { succeeded: expect.succeeded, failed: expect.failed, skipped: 0 });
    assert.equal(ids(events, 'item.fail'), expect.failedIds ?? []);
    assert.equal(ofType(events, 'phase').map((e) => e.total), [expect.total]);
    assert.equal(ofType(events, 'phase.end').map((e) => e.status), [expect.status]);
    if (expect.current !== undefined) assert.is(ofType(events, 'progress').at(-1)!.current, expect.current);
  });

  test(`prog run --format json replaying ${name}: summary and last snapshot agree with the expect file`, async () => {
    const expect = readExpect(join(dir, `${name}.expect.json`));
    const { result, summary, snapshot } = await progReplay(join(dir, `${name}.rec`));
    assert.is(result.code, expect.exitCode, result.stderr.toString());
    assert.equal([summary.status, summary.exitCode], [expect.status, expect.exitCode]);
    for (const record of [summary, snapshot]) {
      const phase = phaseOf(record, 'ninja');
      assert.is(phase.total, expect.total);
      assert.is(phase.status, expect.status);
      assert.equal([phase.counts.succeeded, phase.counts.failed], [expect.succeeded, expect.failed]);
      if (expect.current !== undefined) assert.is(phase.current, expect.current);
    }
    assert.equal(failureIds(summary, 'ninja'), expect.failedIds ?? []);
    if (name === 'build-fail') {
      assert.is(phaseOf(summary, 'ninja').current, expect.succeeded + expect.failed, 'finished edges: the broken link never ran');
      const failure = (summary.failures as { error?: string }[])[0]!;
      assert.match(failure.error ?? '', /^\/usr\/bin\/cc .*broken\.c\n.*undeclared_value/s);
    }
  });
}

// ---------------------------------------------------------------- live: the real ninja under prog

liveTest(buildTools('Ninja'), 'live: prog run -- ninja -k 0 on the project with its broken source: edges, running counts, the failure', async () => {
  const build = configure('Ninja', ['-DWITH_BROKEN=ON']);
  try {
    const edges = execFileSync('ninja', ['-C', build, '-t', 'commands', 'all'], { encoding: 'utf8' }).trim().split('\n').length;
    const { result, events, summary } = await progJson(['ninja', '-k', '0', '-j', '2'], { cwd: build });
    assert.is(result.code, 1, result.stderr.toString());
    const phase = phaseOf(summary, 'ninja');
    assert.equal([phase.total, phase.status, phase.counts.failed, phase.counts.succeeded], [edges, 'failed', 1, edges - 2]);
    assert.equal(failureIds(summary, 'ninja'), ['CMakeFiles/broken.dir/broken.c.o']);
    assert.match(String((summary.failures as { error?: string }[])[0]!.error), /undeclared_value/);
    // prog set NINJA_STATUS, so every progress event knows how many edges were running (at most -j 2).
    const running = ofType(events, 'progress').map((e) => (e.extra as { running?: number } | undefined)?.running);
    assert.ok(running.length >= edges - 1 && running.every((r) => r !== undefined && r >= 0 && r <= 2), JSON.stringify(running));
    // The child's lines pass through untouched, with prog's status format.
    assert.ok(ofType(events, 'output').some((e) => /^\[\d+\/\d+ \d+\] Building C object/.test(String(e.line))));
  } finally {
    removeBuild(build);
  }
});

// ---------------------------------------------------------------- robustness

test('property: the parser never throws, whatever the lines and line ends', () => {
  const line = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string()), { maxLength: 12 }).map((parts) => parts.join(''));
  const eol = fc.constantFrom<Line['eol']>('\n', '\r', '\r\n', '');
  fc.assert(fc.property(fc.array(fc.record({ stream: fc.constantFrom<Line['stream']>('stdout', 'stderr'), raw: line, eol }), { maxLength: 40 }), (lines) => {
    for (const e of feed(ninja, lines)) {
      if (String(e.type).startsWith('item.')) assert.ok(typeof e.id === 'string' && e.id !== '', JSON.stringify(e));
      if (e.type === 'progress') assert.ok(Number.isFinite(e.current) && (e.current as number) >= 0);
      assert.type(e.type, 'string');
    }
  }), { numRuns: 500 });
});

test('a 1 MiB pathological line is read (and detected or not) in linear time', () => {
  const MiB = 1024 * 1024;
  const lines = [
    '['.repeat(MiB), `[1/2] ${' '.repeat(MiB)}`, `[${'1'.repeat(MiB)}/2] x`, `[1/2 ${'9'.repeat(MiB)}`,
    `FAILED: ${'a '.repeat(MiB / 2)}`, `ninja: ${'error: '.repeat(MiB / 7)}`, 'x'.repeat(MiB),
  ];
  const slow = lines.map((raw) => notLinear(`${JSON.stringify(raw.slice(0, 20))}…`, raw, () => {
    ninja.detect.test(raw);
    feed(ninja, ['[1/3] a', raw, 'FAILED: a', raw, raw]);
  })).filter((s) => s !== undefined);
  assert.equal(slow, [], slow.join('\n'));
});

test.run();
