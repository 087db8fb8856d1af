// The make parser (CMake's Unix Makefiles generator): unit tests over lines, over recordings of
// real make builds of test/fixtures/cmake-project, the recordings replayed through the real binary,
// and make run live under prog. Expected counts come from the project (its targets, the one source
// that does not compile), not from the parser: see record-fixtures.sh.
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parser as make } from '../../../src/parsers/formats/make.js';
import { fixtures } from '../../helpers/prog.js';
import {
  buildTools, configure, counts, failureIds, feed, ids, ofType, phaseOf, PIECES, progJson, progReplay, readExpect, recordedLines, removeBuild,
  type Line,
} from '../../fixtures/cmake-project/harness.js';
import { notLinear } from '../../helpers/time.js';
import { liveTest } from '../../helpers/tools.js';

const dir = join(fixtures, 'make');
const RECORDINGS = ['build-ok', 'build-fail'];
const err = (raw: string): Line => ({ stream: 'stderr', raw, eol: '\n' });

// ---------------------------------------------------------------- unit: lines

test('[ NN%] lines: phase of 100, progress that only moves forward, item.done per built target, ok at 100%', () => {
  const events = feed(make, ['[ 11%] Building C object a.o', '[ 33%] Linking C static library libutil.a', '[ 33%] Built target util', '[ 22%] Building C object b.o', '[100%] Built target app']);
  assert.equal(ofType(events, 'phase'), [{ type: 'phase', id: 'make', name: 'make', total: 100 }]);
  assert.equal(ofType(events, 'progress').map((e) => e.current), [11, 33, 100]);
  assert.equal(ids(events, 'item.done'), ['util', 'app']);
  assert.equal(ofType(events, 'phase.end').map((e) => e.status), ['ok']);
});

test('make errors: the innermost failed target is the failure, its echoes one level up are not', () => {
  const events = feed(make, [
    '[ 50%] Building C object CMakeFiles/broken.dir/broken.c.o',
    err('broken.c:2:25: error: ‘x’ undeclared'),
    err('make[2]: *** [CMakeFiles/broken.dir/build.make:76: CMakeFiles/broken.dir/broken.c.o] Error 1'),
    err("make[2]: Target 'CMakeFiles/broken.dir/build' not remade because of errors."),
    '[ 60%] Built target util',
    err('make[1]: *** [CMakeFiles/Makefile2:195: CMakeFiles/broken.dir/all] Error 2'),
    err('make[2]: *** [other.o] Error 1'),
    err('make: *** [Makefile:101: all] Error 2'),
  ]);
  assert.equal(ofType(events, 'item.fail').map((e) => [e.id, e.error]), [
    ['CMakeFiles/broken.dir/broken.c.o', 'Error 1 (CMakeFiles/broken.dir/build.make:76)'],
    ['other.o', 'Error 1'],
  ]);
  assert.equal(ids(events, 'item.done'), ['util']);
  assert.equal(ofType(events, 'phase.end').map((e) => e.status), ['failed']);
});

test('make errors without recursion, from gmake or a path, all count; other *** lines do not', () => {
  const events = feed(make, [
    '[ 10%] Building C object a.o',
    err('make: *** [a.o] Error 1'),
    err('/usr/bin/gmake: *** [b.o] Error 2'),
    err('mingw32-make[1]: *** [c.o] Interrupt'),
    err("make: *** No rule to make target 'x'.  Stop."),
    err("make[2]: *** Deleting file 'a.o'"),
    'not make: *** [d.o] Error 1',
  ]);
  assert.equal(ids(events, 'item.fail'), ['a.o', 'b.o', 'c.o']);
});

test('detect: the first line of every recording, and not look-alikes', () => {
  for (const name of RECORDINGS) {
    const first = recordedLines(join(dir, `${name}.rec`))[0]!;
    assert.ok(make.detect.test(first.raw), `${name}: ${first.raw}`);
  }
  for (const line of ['[  5%] Built target x', '[ 45%] Linking CXX executable foo', '[100%] Generating docs']) assert.ok(make.detect.test(line), line);
  for (const line of ['[ 45%] done', 'tests/a.py .... [ 45%]', '[1/2] Building C object', 'make: *** [a] Error 1', '[1000%] Building x']) {
    assert.not.ok(make.detect.test(line), line);
  }
});

// ---------------------------------------------------------------- recordings of real make builds

for (const name of RECORDINGS) {
  test(`recording ${name}: the parser's counts match the project's targets and failures`, () => {
    const expect = readExpect(join(dir, `${name}.expect.json`));
    const events = feed(make, recordedLines(join(dir, `${name}.rec`)));
    assert.equal(counts(events), { succeeded: expect.succeeded, failed: expect.failed, skipped: 0 });
    assert.equal(ids(events, 'item.fail'), expect.failedIds ?? []);
    assert.equal(ofType(events, 'phase.end').map((e) => e.status), [expect.status]);
    if (expect.current !== undefined) assert.is(ofType(events, 'progress').at(-1)!.current, expect.current);
  });

  test(`prog run --format json replaying ${name}: summary and last snapshot agree with the expect file`, async () => {
    const expect = readExpect(join(dir, `${name}.expect.json`));
    const { result, summary, snapshot } = await progReplay(join(dir, `${name}.rec`));
    assert.is(result.code, expect.exitCode, result.stderr.toString());
    assert.equal([summary.status, summary.exitCode], [expect.status, expect.exitCode]);
    for (const record of [summary, snapshot]) {
      const phase = phaseOf(record, 'make');
      assert.equal([phase.total, phase.status], [expect.total, expect.status]);
      assert.equal([phase.counts.succeeded, phase.counts.failed], [expect.succeeded, expect.failed]);
      if (expect.current !== undefined) assert.is(phase.current, expect.current);
    }
    assert.equal(failureIds(summary, 'make'), expect.failedIds ?? []);
  });
}

// ---------------------------------------------------------------- live: the real make under prog

liveTest(buildTools('Unix Makefiles'), 'live: prog run -- make -k -j2 on the project with its broken source: targets, percentage, the failure', async () => {
  const build = configure('Unix Makefiles', ['-DWITH_BROKEN=ON']);
  try {
    const { result, events, summary } = await progJson(['make', '-k', '-j2'], { cwd: build });
    assert.is(result.code, 2, result.stderr.toString());
    const phase = phaseOf(summary, 'make');
    // 4 targets build (util, app, check, sleeper); broken.c.o fails, so `broken` never links.
    assert.equal([phase.total, phase.status, phase.counts.succeeded, phase.counts.failed], [100, 'failed', 4, 1]);
    assert.equal(failureIds(summary, 'make'), ['CMakeFiles/broken.dir/broken.c.o']);
    const progress = ofType(events, 'progress').map((e) => e.current as number);
    assert.ok(progress.length >= 3 && progress.every((p, i) => i === 0 || p > progress[i - 1]!), JSON.stringify(progress));
    assert.ok(progress.at(-1)! < 100, 'a failed build does not reach 100%');
  } finally {
    removeBuild(build);
  }
});

// ---------------------------------------------------------------- robustness

test('property: the parser never throws, whatever the lines and line ends', () => {
  const line = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string()), { maxLength: 12 }).map((parts) => parts.join(''));
  const eol = fc.constantFrom<Line['eol']>('\n', '\r', '\r\n', '');
  fc.assert(fc.property(fc.array(fc.record({ stream: fc.constantFrom<Line['stream']>('stdout', 'stderr'), raw: line, eol }), { maxLength: 40 }), (lines) => {
    for (const e of feed(make, lines)) {
      if (String(e.type).startsWith('item.')) assert.ok(typeof e.id === 'string' && e.id !== '', JSON.stringify(e));
      if (e.type === 'progress') assert.ok((e.current as number) >= 0 && (e.current as number) <= 100);
    }
  }), { numRuns: 500 });
});

test('a 1 MiB pathological line is read (and detected or not) in linear time', () => {
  const MiB = 1024 * 1024;
  const lines = [
    '['.repeat(MiB), `[ 45%] ${' '.repeat(MiB)}`, `[${' '.repeat(MiB)}45%] Building`, `make[2]: *** [${':1: '.repeat(MiB / 4)}] Error 1`,
    `${'make'.repeat(MiB / 4)}: *** [a] Error 1`, `${'/-'.repeat(MiB / 2)}make: *** [`, `*** [${'x'.repeat(MiB)}`,
  ];
  const slow = lines.map((raw) => notLinear(`${JSON.stringify(raw.slice(0, 20))}…`, raw, () => {
    make.detect.test(raw);
    feed(make, ['[ 10%] Building C object a.o', raw, err(raw)]);
  })).filter((s) => s !== undefined);
  assert.equal(slow, [], slow.join('\n'));
});

test.run();
