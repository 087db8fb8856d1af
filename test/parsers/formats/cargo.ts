// cargo's status lines and bar → events: unit tests over recorded lines, the recordings replayed
// through the real binary (counts checked against the project), one live build, and robustness.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import { liveTest, tools } from '../../helpers/tools.js';
import * as assert from 'uvu/assert';
import type { LineEnd, MarkerEvent, StreamName, Unstamped } from '../../../src/events.js';
import { parser } from '../../../src/parsers/formats/cargo.js';
import { ParserHub } from '../../../src/parsers/parser-hub.js';
import { fixtures, ndjson, runProg, tempDir } from '../../helpers/prog.js';
import { notLinear } from '../../helpers/time.js';
import { feedParser, recordingLines } from '../../helpers/recordings.js';

type Ev = Unstamped<MarkerEvent>;
const dir = join(fixtures, 'cargo');

const feed = (lines: (string | [string, LineEnd])[]): Ev[] => feedParser(parser, 'stderr', lines);
const recLines = (name: string): [string, LineEnd][] => recordingLines(join(dir, `${name}.rec`));

interface Expect { crates: number; succeeded: number; failed: number; failures: Record<string, string>; exitCode: number; barTotal?: number }
const expectOf = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.expect.json`), 'utf8')) as Expect;
const recordings = readdirSync(dir).filter((f) => f.endsWith('.rec')).map((f) => f.slice(0, -4)).sort();
/** Recordings of the project's build (with an .expect.json); the others are diagnostics and cargo test. */
const builds = recordings.filter((name) => existsSync(join(dir, `${name}.expect.json`)));
const ofType = <T extends Ev['type']>(events: Ev[], type: T) => events.filter((e) => e.type === type) as Extract<Ev, { type: T }>[];

test('the recordings exist: a build and a broken build, rustc diagnostics, cargo test; piped and under a pty', () => {
  assert.equal(recordings, ['broken', 'broken-pty', 'build', 'build-pty', 'diagnostics', 'diagnostics-pty', 'test', 'test-pty']);
  assert.equal(builds, ['broken', 'broken-pty', 'build', 'build-pty']);
});

test('detect: Compiling/Checking lines, the bar, Finished; not other tools\' lines', () => {
  for (const l of ['   Compiling serde v1.0.200', '    Checking foo v0.1.0 (/p)', '    Building [=====>     ] 45/120: a, b', '    Finished `dev` profile [unoptimized + debuginfo] target(s) in 1.2s', '    Finished dev [unoptimized + debuginfo] target(s) in 0.5s']) {
    assert.ok(parser.detect.test(l), l);
  }
  for (const l of ['Compiling things', '[ 45%] Building CXX object a.o', 'Finished.', 'error: x']) assert.not.ok(parser.detect.test(l), l);
});

for (const name of builds) {
  test(`${name}: one item per crate, the failed crate with its error, the bar's total, the phase end`, () => {
    const x = expectOf(name);
    const events = feed(recLines(name));
    assert.is(ofType(events, 'item.start').length, x.crates);
    assert.is(ofType(events, 'item.done').length, x.succeeded);
    assert.equal(Object.fromEntries(ofType(events, 'item.fail').map((f) => [f.id, f.error])), x.failures);
    const progress = ofType(events, 'progress');
    if (x.barTotal === undefined) assert.is(progress.length, 0);
    else assert.equal([...new Set(progress.map((p) => p.total))], [x.barTotal]);
    assert.equal(ofType(events, 'log').map((l) => [l.level, l.message, l.location]), [
      ['warn', 'crates/beta/src/lib.rs:2:9: warning: unused variable: `unused`', { file: 'crates/beta/src/lib.rs', line: 2, col: 9 }],
      ...(x.failed > 0 ? [['error', 'src/main.rs:7:5: error[E0308]: mismatched types', { file: 'src/main.rs', line: 7, col: 5 }]] : []),
    ]);
    assert.equal(events.at(-1), { type: 'phase.end', id: 'cargo', status: x.failed > 0 ? 'failed' : 'ok' });
  });
}

test('every warning is a log with its location: none is left uncounted', () => {
  const lines = ['   Compiling a v0.1.0'];
  for (let i = 0; i < 50; i++) lines.push(`warning: unused thing ${i}`, `   --> src/lib.rs:${i + 1}:5`, '');
  lines.push('warning: `a` (lib) generated 50 warnings', '    Finished `dev` profile [unoptimized] target(s) in 1s');
  const logs = ofType(feed(lines), 'log');
  assert.is(logs.length, 50);
  assert.equal(logs[0], { type: 'log', level: 'warn', source: 'cargo', message: 'src/lib.rs:1:5: warning: unused thing 0', location: { file: 'src/lib.rs', line: 1, col: 5 } });
  assert.equal(logs[49]!.location, { file: 'src/lib.rs', line: 50, col: 5 });
});

for (const name of ['diagnostics', 'diagnostics-pty']) {
  test(`${name}: rustc's 1 error and 2 warnings are 3 logs with file, line and column; cargo's tallies are not`, () => {
    const events = feed(recLines(name));
    assert.equal(ofType(events, 'log').map((l) => [l.level, l.location, l.message]), [
      ['error', { file: 'src/main.rs', line: 7, col: 23 }, 'src/main.rs:7:23: error[E0382]: borrow of moved value: `s`'],
      ['warn', { file: 'src/main.rs', line: 3, col: 9 }, 'src/main.rs:3:9: warning: unused variable: `unused_a`'],
      ['warn', { file: 'src/main.rs', line: 4, col: 9 }, 'src/main.rs:4:9: warning: unused variable: `unused_b`'],
    ]);
    assert.equal(ofType(events, 'item.fail').map((f) => [f.id, f.error]), [['diagnostics v0.1.0', 'error[E0382]: borrow of moved value: `s` at src/main.rs:7:23']]);
  });
}

test('not diagnostics: cargo\'s and rustc\'s tallies, could not compile, cargo test\'s failures; cargo\'s own problems are logged without a location', () => {
  const events = feed([
    '   Compiling a v0.1.0 (/p/a)',
    'warning: unused import: `std::fs`', '  --> C:\\p\\a\\src\\lib.rs:1:5', '',
    'error: linker `cc` not found', '  |', '  = note: No such file or directory (os error 2)', '',
    'warning: 2 warnings emitted', 'error: aborting due to 1 previous error; 1 warning emitted',
    'warning: `a` (lib) generated 1 warning (run `cargo fix --lib -p a` to apply 1 suggestion)',
    'warning: build failed, waiting for other jobs to finish...',
    'error: could not compile `a` (lib) due to 1 previous error; 1 warning emitted',
    'warning: unused manifest key: package.foo',
    'error: test failed, to rerun pass `--lib`', 'error: 2 targets failed:', 'error: doctest failed, to rerun pass `--doc`',
    'note: not a diagnostic of its own', 'help: neither',
  ]);
  assert.equal(ofType(events, 'log').map((l) => [l.level, l.message, l.location]), [
    ['warn', 'C:\\p\\a\\src\\lib.rs:1:5: warning: unused import: `std::fs`', { file: 'C:\\p\\a\\src\\lib.rs', line: 1, col: 5 }],
    ['error', 'error: linker `cc` not found', undefined],
    ['warn', 'warning: unused manifest key: package.foo', undefined],
  ]);
  assert.equal(ofType(events, 'item.fail').map((f) => [f.id, f.error]), [['a v0.1.0', 'error: linker `cc` not found']]);
});

test('cargo run: the program\'s own error: and warning: lines are not rustc\'s', () => {
  const events = feed(['   Compiling a v0.1.0', '    Finished `dev` profile [unoptimized] target(s) in 1s', '     Running `target/debug/a`', 'error: the program says so', ' --> x:1:1', 'warning: so does this']);
  assert.equal(ofType(events, 'log'), []);
});

test('errors: could not compile takes the first error (+N more); a build script failure names its crate; every error is also a log', () => {
  const events = feed([
    '   Compiling a v0.1.0 (/p/a)', '   Compiling b v0.2.0 (/p/b)', 'error[E0425]: cannot find value `x`', ' --> a/src/lib.rs:1:1', 'error: aborting due to 2 previous errors',
    'error[E0308]: mismatched types', 'error: could not compile `a` (lib) due to 2 previous errors',
    'error: failed to run custom build command for `b v0.2.0 (/p/b)`', 'error: linker `cc` not found',
  ]);
  assert.equal(ofType(events, 'item.fail').map((f) => [f.id, f.error]), [
    ['a v0.1.0', 'error[E0425]: cannot find value `x` at a/src/lib.rs:1:1 (+1 more)'], ['b v0.2.0', 'failed to run custom build command'],
  ]);
  assert.equal(ofType(events, 'log').map((l) => [l.level, l.message]), [
    ['error', 'a/src/lib.rs:1:1: error[E0425]: cannot find value `x`'], ['error', 'error[E0308]: mismatched types'], ['error', 'error: linker `cc` not found'],
  ]);
  assert.equal(events.at(-1), { type: 'phase.end', id: 'cargo', status: 'failed' });
});

test('a build cut short leaves its open crate skipped; a second cargo command starts the phase again', () => {
  const cut = feed(['   Compiling a v0.1.0']);
  assert.equal(cut.at(-1), { type: 'item.skip', phase: 'cargo', id: 'a v0.1.0', reason: 'the build did not finish' });
  const two = feed(['   Compiling a v0.1.0', '    Finished `dev` profile in 1s', '    Checking b v0.1.0', '    Finished `dev` profile in 1s']);
  assert.equal(two.filter((e) => e.type.startsWith('phase')).map((e) => e.type), ['phase', 'phase.end', 'phase', 'phase.end']);
});

test('the bar never goes backwards and ends at its total at Finished; Fresh crates (-v) are skipped', () => {
  const events = feed([['    Building [==>   ] 3/10: a', '\r'], ['    Building [=>    ] 2/10: a', '\r'], '       Fresh c v1.0.0', '    Finished `release` profile [optimized] target(s) in 2s']);
  assert.equal(ofType(events, 'progress').map((p) => p.current), [3, 10]);
  assert.equal(ofType(events, 'item.skip').map((s) => s.reason), ['up to date']);
});

// ---------------------------------------------------------------- cargo test (libtest's output)

/** test/fixtures/cargo/testing: unit tests 3 pass, `wrong` fails, `slow` is ignored; 2 integration tests and 1 doc test pass. */
const TESTING = {
  lib: { done: 3, failed: ['tests::wrong'], skipped: ['tests::slow'] },
  all: { done: 6, failed: ['tests::wrong'], skipped: ['tests::slow'] },
};

for (const [name, x, steps] of [
  ['test', TESTING.all, ['unittests src/lib.rs (5 tests)', 'tests/it.rs (2 tests)', 'Doc-tests testing (1 test)']],
  ['test-pty', TESTING.lib, ['unittests src/lib.rs (5 tests)']],
] as const) {
  test(`${name}: cargo test's tests are items of phase cargo-test, a step per test binary, no warning: prog's counts are libtest's`, () => {
    const events = feed(recLines(name)).filter((e) => !('phase' in e && e.phase === 'cargo') && !('id' in e && e.id === 'cargo'));
    assert.is(ofType(events, 'item.done').length, x.done);
    assert.equal(ofType(events, 'item.fail').map((e) => [e.phase, e.id, e.error]), x.failed.map((id) => ['cargo-test', id, 'failed in unittests src/lib.rs']));
    assert.equal(ofType(events, 'item.skip').map((e) => [e.id, e.reason]), x.skipped.map((id) => [id, 'ignored']));
    assert.equal(ofType(events, 'step').map((e) => e.name), [...steps]);
    assert.equal(ofType(events, 'log'), [], 'no diagnostics, no difference with test result:');
    assert.equal(events[0], { type: 'phase', id: 'cargo-test', name: 'cargo test' });
    assert.equal(events.at(-1), { type: 'phase.end', id: 'cargo-test', status: 'failed' });
  });
}

test('a FAILED test is counted when its line is printed, not at the summary', () => {
  const lines = ['running 3 tests', 'test a ... ok', 'test b ... FAILED'];
  const p = parser.create();
  const events: Ev[] = [];
  for (const raw of lines) p.line({ stream: 'stdout', raw, text: raw, eol: '\n' }, (e) => events.push(e));
  assert.equal(ofType(events, 'item.fail').map((e) => e.id), ['b']);
  assert.equal(ofType(events, 'item.done').map((e) => e.id), ['a']);
});

test('test result: a count prog did not read is one warning from prog that says what differs', () => {
  const events = feed([
    '     Running unittests src/lib.rs (target/debug/deps/x-0a1b)', 'running 4 tests', 'test a ... ok', 'test b ... FAILED', 'test c ... ignored, needs a network',
    'some output', 'test result: FAILED. 3 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s',
    '   Doc-tests x', 'running 1 test', 'test src/lib.rs - f (line 3) ... ok', 'test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.2s',
  ]);
  assert.equal(ofType(events, 'log').map((e) => [e.level, e.source, e.message]), [
    ['warn', 'prog', 'cargo test reports 3 passed, 1 failed, 1 ignored for unittests src/lib.rs; prog read 1 passed, 1 failed, 1 ignored'],
  ]);
  assert.equal(ofType(events, 'item.done').map((e) => e.id), ['a', 'src/lib.rs - f (line 3)']);
});

test('one test thread: a name printed before its output and result; -q: a character per test and failures by name', () => {
  const serial = feed(['running 2 tests', 'test a ... hello from a', 'ok', 'test b ... ', 'FAILED', 'test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out']);
  assert.equal(serial.filter((e) => e.type.startsWith('item.')).map((e) => [e.type, 'id' in e ? e.id : '']), [
    ['item.start', 'a'], ['item.done', 'a'], ['item.start', 'b'], ['item.fail', 'b'],
  ]);
  assert.equal(ofType(serial, 'log'), []);
  const quiet = feed(['running 5 tests', '...i 4/5', 'tests::wrong --- FAILED', 'failures:', 'test result: FAILED. 3 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out']);
  assert.equal([ofType(quiet, 'item.done').length, ofType(quiet, 'item.skip').length, ofType(quiet, 'item.fail').map((e) => e.id), ofType(quiet, 'log')], [3, 1, ['tests::wrong'], []]);
  const tooMany = feed(['running 2 tests', '.'.repeat(150)]);
  assert.is(ofType(tooMany, 'item.done').length, 2, 'never more results than the binary runs');
});

test('a test binary that dies without its test result: the test left open is skipped, the phase failed', () => {
  const events = feed(['running 2 tests', 'test a ... ', 'error: test failed, to rerun pass `--lib`']);
  assert.equal(events.slice(-2), [
    { type: 'item.skip', phase: 'cargo-test', id: 'a', reason: 'no result was printed' },
    { type: 'phase.end', id: 'cargo-test', status: 'failed' },
  ]);
});

/** A recording's lines per stream, each in its own order: what prog's two pipes carry. */
function streamLines(name: string): Record<StreamName, string[]> {
  const records = readFileSync(join(dir, `${name}.rec`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { fd?: number; b64?: string });
  const text = (fd: number) => records.filter((r) => r.fd === fd && r.b64 !== undefined).map((r) => Buffer.from(r.b64!, 'base64').toString()).join('');
  const lines = (t: string) => t.split('\n').slice(0, -1);
  return { stdout: lines(text(1)), stderr: lines(text(2)) };
}

/** stdout with stderr's lines put in before stdout's lines at the given (sorted) indexes. */
function merge({ stdout, stderr }: Record<StreamName, string[]>, at: number[]): [StreamName, string][] {
  const out: [StreamName, string][] = [];
  let e = 0;
  for (let o = 0; o <= stdout.length; o++) {
    while (e < stderr.length && at[e]! <= o) out.push(['stderr', stderr[e++]!]);
    if (o < stdout.length) out.push(['stdout', stdout[o]!]);
  }
  return out;
}

test('cargo test read from two pipes: for any order of stderr\'s lines among stdout\'s, the counts are libtest\'s test result: lines\' and the failure is the same', () => {
  const streams = streamLines('test');
  const own = { passed: 0, failed: 0, ignored: 0 };
  for (const l of streams.stdout) {
    const m = /^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/.exec(l);
    if (m) for (const [i, k] of (['passed', 'failed', 'ignored'] as const).entries()) own[k] += Number(m[i + 1]);
  }
  assert.equal(own, { passed: 6, failed: 1, ignored: 1 });
  const steps = ['unittests src/lib.rs (5 tests)', 'tests/it.rs (2 tests)', 'Doc-tests testing (1 test)'];
  const read = (lines: [StreamName, string][]) => {
    const events: Ev[] = [];
    // Through the hub, as prog reads it: the parser switches on at whichever of its lines comes first.
    const hub = new ParserHub([parser], 'auto', (e) => events.push(e));
    for (const [stream, line] of lines) hub.line(stream, line, '\n');
    hub.end();
    const tests = events.filter((e) => ('phase' in e && e.phase === 'cargo-test') || ('id' in e && e.id === 'cargo-test'));
    return {
      counts: { passed: ofType(tests, 'item.done').length, failed: ofType(tests, 'item.fail').length, ignored: ofType(tests, 'item.skip').length },
      failures: ofType(tests, 'item.fail').map((e) => e.id),
      // A binary whose `Running` line is not read yet is `tests`, never another binary.
      steps: ofType(tests, 'step').map((e, i) => (e.name.startsWith('tests (') ? steps[i] : e.name)),
      logs: ofType(events, 'log').map((e) => e.message),
      end: tests.at(-1),
    };
  };
  const expected = { counts: own, failures: ['tests::wrong'], steps, logs: [], end: { type: 'phase.end', id: 'cargo-test', status: 'failed' } };
  const { stdout, stderr } = streams;
  const orders: [string, number[]][] = [
    ['all of stderr first', stderr.map(() => 0)],
    ['all of stdout first', stderr.map(() => stdout.length)],
    // What was seen to lose the integration tests' results: cargo's `error: test failed` for the
    // unit tests read after the integration tests' `running 2 tests`.
    ['the unit tests\' failure read after the next binary started', stderr.map((_, i) => (i < stderr.indexOf('error: test failed, to rerun pass `--lib`') ? 0 : stdout.indexOf('running 2 tests') + 1))],
  ];
  for (const [what, at] of orders) assert.equal(read(merge(streams, at)), expected, what);
  fc.assert(fc.property(fc.array(fc.nat({ max: stdout.length }), { minLength: stderr.length, maxLength: stderr.length }), (at) => {
    assert.equal(read(merge(streams, at.sort((a, b) => a - b))), expected);
  }), { seed: 5, numRuns: 500 });
});

test('two pipes: a binary that dies is over when the next one starts, whenever cargo\'s word comes; a test\'s own stderr is not cargo\'s', () => {
  const stdout = ['running 2 tests', 'test a ... ', 'running 1 test', 'test b ... ok', 'test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out'];
  const stderr = ['    Finished `test` profile [unoptimized] target(s) in 1s', '     Running unittests src/lib.rs (target/debug/deps/x-0a1b)', 'error: the test\'s own eprintln', 'error: test failed, to rerun pass `--lib`', '     Running tests/it.rs (target/debug/deps/it-0a1b)'];
  for (const at of [[0, 0, 0, 0, 0], [0, 0, 1, 2, 2], [0, 0, 2, 5, 5], [0, 5, 5, 5, 5]]) {
    const events: Ev[] = [];
    const hub = new ParserHub([parser], 'auto', (e) => events.push(e));
    for (const [stream, line] of merge({ stdout, stderr }, at)) hub.line(stream, line, '\n');
    hub.end();
    assert.equal(events.filter((e) => e.type.startsWith('item.') || e.type === 'log').map((e) => [e.type, 'id' in e ? e.id : '']), [
      ['item.start', 'a'], ['item.skip', 'a'], ['item.done', 'b'],
    ], String(at));
    assert.equal(events.at(-1), { type: 'phase.end', id: 'cargo-test', status: 'failed' });
  }
});

test('end to end: prog run --format json replaying test.rec: the summary counts are the tests\'', async () => {
  const r = await runProg(['run', '--format', 'json', '--', process.execPath, join(fixtures, 'replay.js'), join(dir, 'test.rec'), '--speed', '0']);
  assert.is(r.code, 101, r.stderr.toString());
  const summary = ndjson(r.stdout).find((e) => e.type === 'summary') as { counts: Record<string, number>; phases: { id: string; status: string; counts: Record<string, number> }[]; logs?: Record<string, number> };
  const phase = summary.phases.find((p) => p.id === 'cargo-test')!;
  assert.equal([phase.status, phase.counts.succeeded, phase.counts.failed, phase.counts.skipped], ['failed', TESTING.all.done, 1, 1]);
  assert.is(summary.logs, undefined);
});

test('never throws on arbitrary lines, cargo-like fragments included', () => {
  const piece = fc.oneof(fc.string(), fc.constantFrom('   Compiling ', 'a v1.0', '    Building [', '==>', '] ', '3/5', ': a, b', '    Finished ', 'error', '[E0308]', ': ', 'could not compile `a`', 'warning: ', ' --> ', '`', '\x1b[K', '       Fresh ', 'running 2 tests', 'test ', ' ... ', 'ok', 'FAILED', 'ignored, ', 'test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured;', ' --- FAILED', '     Running ', 'Doc-tests ', '.i.F', ' --> a:1:2'));
  fc.assert(fc.property(fc.array(fc.array(piece, { maxLength: 8 }).map((a) => a.join('')), { maxLength: 30 }), (lines) => {
    feed(lines);
  }), { numRuns: 300 });
});

test('1 MiB pathological lines take linear time', () => {
  const MiB = 1024 * 1024;
  const lines = [
    ' '.repeat(MiB), `   Compiling ${'x'.repeat(MiB)}`, `    Building [${'='.repeat(MiB)}`, `    Building [${'= '.repeat(MiB / 2)}] 1/`, `error[E${'1'.repeat(MiB)}`,
    `error: could not compile \`${'a'.repeat(MiB)}`, `warning: ${'`'.repeat(MiB)}`, ` --> ${' '.repeat(MiB)}`, `    Finished ${' '.repeat(MiB)}`, `error: failed to run custom build command for \`${'a v'.repeat(MiB / 3)}`,
    ` --> ${'a:1'.repeat(MiB / 3)}`, `     Running ${' ('.repeat(MiB / 2)}`, `test ${' ...'.repeat(MiB / 4)}`, `test ${'a'.repeat(MiB)} ... ok`, `${'.'.repeat(MiB)}`,
    `${'x --- FAILED'.repeat(MiB / 12)}`, `test result: ok. ${'1'.repeat(MiB)}`,
  ];
  const slow = notLinear('three feeds', lines.join(''), () => {
    feed([...lines, ...lines]);
    feed(lines.flatMap((l) => ['error: x', l]));
    feed(['running 5 tests', ...lines]);
  });
  assert.is(slow, undefined, slow);
});

for (const name of ['build-pty', 'broken']) {
  test(`end to end: prog run --format json replaying ${name}: the summary counts are the project's`, async () => {
    const x = expectOf(name);
    const r = await runProg(['run', '--format', 'json', '--', process.execPath, join(fixtures, 'replay.js'), join(dir, `${name}.rec`), '--speed', '0']);
    assert.is(r.code, x.exitCode, r.stderr.toString());
    const summary = ndjson(r.stdout).find((e) => e.type === 'summary') as { counts: Record<string, number>; failures: { id: string; error: string }[]; phases: { total?: number; current: number }[] };
    assert.equal(summary.counts, { processed: x.crates, succeeded: x.succeeded, failed: x.failed, retried: 0, skipped: 0, running: 0 });
    assert.equal(Object.fromEntries(summary.failures.map((f) => [f.id, f.error])), x.failures);
    if (x.barTotal !== undefined) assert.equal([summary.phases[0]!.current, summary.phases[0]!.total], [x.barTotal, x.barTotal]);
  });
}

/** cargo on PATH, or rustup's default place. */
function findCargo(): string | undefined {
  for (const d of [...(process.env.PATH ?? '').split(delimiter), join(homedir(), '.cargo', 'bin')]) {
    if (d && existsSync(join(d, 'cargo'))) return join(d, 'cargo');
  }
  return undefined;
}

// rustc links with cc.
const cargoTools = [tools.cargo(findCargo()), tools.cc()];

liveTest(cargoTools, 'LIVE: the real cargo builds the project under prog, then fails with --features broken', async () => {
  const cargo = findCargo();
  execFileSync(cargo!, ['--version'], { stdio: 'ignore' });
  const work = tempDir('prog-cargo-');
  cpSync(join(dir, 'project'), work, { recursive: true });
  // No Cargo.lock is kept (old Debian cargo cannot read a new one); path dependencies only, offline.
  const env = { CARGO_TARGET_DIR: join(work, 'target'), CARGO_TERM_COLOR: 'never', PATH: `${join(cargo!, '..')}${delimiter}${process.env.PATH ?? ''}` };
  const ok = await runProg(['run', '--format', 'json', '--', cargo!, 'build', '--offline'], { cwd: work, env });
  const okEvents = ndjson(ok.stdout);
  const okSummary = okEvents.find((e) => e.type === 'summary') as { counts: Record<string, number>; exitCode: number };
  assert.is(okSummary.exitCode, 0, ok.stderr.toString());
  assert.equal(okSummary.counts, { processed: 4, succeeded: 4, failed: 0, retried: 0, skipped: 0, running: 0 });
  assert.equal(okEvents.filter((e) => e.type === 'item.start').map((e) => e.id).sort(), ['alpha v0.1.0', 'app v0.1.0', 'beta v0.2.0', 'gamma v0.3.0']);
  // Only app is rebuilt, and fails.
  const bad = await runProg(['run', '--format', 'json', '--', cargo!, 'build', '--offline', '--features', 'broken'], { cwd: work, env });
  const badSummary = ndjson(bad.stdout).find((e) => e.type === 'summary') as { counts: Record<string, number>; exitCode: number; failures: { id: string; error: string }[] };
  assert.is(badSummary.exitCode, 101);
  assert.equal(badSummary.counts, { processed: 1, succeeded: 0, failed: 1, retried: 0, skipped: 0, running: 0 });
  assert.equal(badSummary.failures.map((f) => f.id), ['app v0.1.0']);
  assert.match(badSummary.failures[0]!.error, /^error\[E0308\]: mismatched types at src\/main\.rs:7:5/);
});

/** A copy of a fixture crate in a temp dir, and the environment to build it offline. */
function crate(name: string, cargo: string): { work: string; env: Record<string, string | undefined> } {
  const work = tempDir(`prog-cargo-${name}-`);
  cpSync(join(dir, name), work, { recursive: true });
  return { work, env: { CARGO_TARGET_DIR: join(work, 'target'), CARGO_TERM_COLOR: 'never', RUST_BACKTRACE: '0', PATH: `${join(cargo, '..')}${delimiter}${process.env.PATH ?? ''}` } };
}

liveTest(cargoTools, 'LIVE: the real cargo build of a crate with 2 warnings and 1 error: the summary counts what rustc reported, each with its location', async () => {
  const cargo = findCargo();
  const { work, env } = crate('diagnostics', cargo!);
  const own = crate('diagnostics', cargo!);
  // What rustc reported, from cargo's own JSON messages (not from prog's reading of the text), in
  // another copy at the same time.
  const [json, r] = await Promise.all([
    new Promise<string>((resolve) => {
      execFile(cargo!, ['build', '--offline', '--message-format=json'], { cwd: own.work, env: { ...process.env, ...own.env }, encoding: 'utf8' }, (_error, stdout) => resolve(stdout));
    }),
    runProg(['run', '--format', 'json', '--', cargo!, 'build', '--offline'], { cwd: work, env }),
  ]);
  const messages = json.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { reason: string; message?: { level: string } })
    .filter((m) => m.reason === 'compiler-message').map((m) => m.message!.level);
  const expected = { error: messages.filter((l) => l === 'error').length, warn: messages.filter((l) => l === 'warning').length };
  assert.equal(expected, { error: 1, warn: 2 });
  const events = ndjson(r.stdout);
  const summary = events.find((e) => e.type === 'summary') as { exitCode: number; logs: Record<string, number> };
  assert.is(summary.exitCode, 101, r.stderr.toString());
  assert.equal(summary.logs, expected);
  assert.equal(events.filter((e) => e.type === 'log').map((e) => (e.location as { file: string }).file), ['src/main.rs', 'src/main.rs', 'src/main.rs']);
});

liveTest(cargoTools, 'LIVE: the real cargo test --no-fail-fast --lib --tests (doc tests take long to build): prog\'s counts are the sum of libtest\'s test result: lines, with no warning', async () => {
  const cargo = findCargo();
  const { work, env } = crate('testing', cargo!);
  const r = await runProg(['run', '--format', 'json', '--', cargo!, 'test', '--offline', '--no-fail-fast', '--lib', '--tests'], { cwd: work, env });
  const events = ndjson(r.stdout);
  const summary = events.find((e) => e.type === 'summary') as { exitCode: number; phases: { id: string; counts: Record<string, number> }[]; failures: { id: string }[] };
  assert.is(summary.exitCode, 101, r.stderr.toString());
  // libtest's own totals, from its lines as prog passed them through.
  const own = { passed: 0, failed: 0, ignored: 0 };
  for (const e of events) {
    const m = e.type === 'output' ? /^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/.exec(String(e.line)) : null;
    if (m) for (const [i, k] of (['passed', 'failed', 'ignored'] as const).entries()) own[k] += Number(m[i + 1]);
  }
  assert.equal(own, { passed: 5, failed: 1, ignored: 1 }, `libtest's own lines: ${events.filter((e) => e.type === 'output').map((e) => e.line).join('\n')}`);
  const phase = summary.phases.find((p) => p.id === 'cargo-test')!;
  assert.equal([phase.counts.succeeded, phase.counts.failed, phase.counts.skipped], [own.passed, own.failed, own.ignored]);
  assert.equal(summary.failures.map((f) => f.id), ['tests::wrong']);
  assert.equal(events.filter((e) => e.type === 'log'), []);
});

test.run();
