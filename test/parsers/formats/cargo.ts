// cargo's status lines and bar → events: unit tests over recorded lines, the recordings replayed
// through the real binary (counts checked against the project), one live build, and robustness.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LineEnd, MarkerEvent, Unstamped } from '../../../src/events.js';
import { parser } from '../../../src/parsers/formats/cargo.js';
import { fixtures, ndjson, runProg, tempDir } from '../../helpers/prog.js';
import { feedParser, recordingLines } from '../../helpers/recordings.js';

type Ev = Unstamped<MarkerEvent>;
const dir = join(fixtures, 'cargo');

const feed = (lines: (string | [string, LineEnd])[]): Ev[] => feedParser(parser, 'stderr', lines);
const recLines = (name: string): [string, LineEnd][] => recordingLines(join(dir, `${name}.rec`));

interface Expect { crates: number; succeeded: number; failed: number; failures: Record<string, string>; exitCode: number; barTotal?: number }
const expectOf = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.expect.json`), 'utf8')) as Expect;
const recordings = readdirSync(dir).filter((f) => f.endsWith('.rec')).map((f) => f.slice(0, -4)).sort();
const ofType = <T extends Ev['type']>(events: Ev[], type: T) => events.filter((e) => e.type === type) as Extract<Ev, { type: T }>[];

test('the recordings exist: a build and a broken build, piped and under a pty', () => {
  assert.equal(recordings, ['broken', 'broken-pty', 'build', 'build-pty']);
});

test('detect: Compiling/Checking lines, the bar, Finished; not other tools\' lines', () => {
  for (const l of ['   Compiling serde v1.0.200', '    Checking foo v0.1.0 (/p)', '    Building [=====>     ] 45/120: a, b', '    Finished `dev` profile [unoptimized + debuginfo] target(s) in 1.2s', '    Finished dev [unoptimized + debuginfo] target(s) in 0.5s']) {
    assert.ok(parser.detect.test(l), l);
  }
  for (const l of ['Compiling things', '[ 45%] Building CXX object a.o', 'Finished.', 'error: x']) assert.not.ok(parser.detect.test(l), l);
});

for (const name of recordings) {
  test(`${name}: one item per crate, the failed crate with its error, the bar's total, the phase end`, () => {
    const x = expectOf(name);
    const events = feed(recLines(name));
    assert.is(ofType(events, 'item.start').length, x.crates);
    assert.is(ofType(events, 'item.done').length, x.succeeded);
    assert.equal(Object.fromEntries(ofType(events, 'item.fail').map((f) => [f.id, f.error])), x.failures);
    const progress = ofType(events, 'progress');
    if (x.barTotal === undefined) assert.is(progress.length, 0);
    else assert.equal([...new Set(progress.map((p) => p.total))], [x.barTotal]);
    assert.equal(ofType(events, 'log').map((l) => [l.level, l.message]), [['warn', 'warning: unused variable: `unused` at crates/beta/src/lib.rs:2:9']]);
    assert.equal(events.at(-1), { type: 'phase.end', id: 'cargo', status: x.failed > 0 ? 'failed' : 'ok' });
  });
}

test('warnings are rate-limited: three logged, then one count', () => {
  const lines = ['   Compiling a v0.1.0'];
  for (let i = 0; i < 50; i++) lines.push(`warning: unused thing ${i}`, ' --> src/lib.rs:1:1', '');
  lines.push('warning: `a` (lib) generated 50 warnings', '    Finished `dev` profile [unoptimized] target(s) in 1s');
  const logs = ofType(feed(lines), 'log').map((l) => l.message);
  assert.equal(logs, ['warning: unused thing 0 at src/lib.rs:1:1', 'warning: unused thing 1 at src/lib.rs:1:1', 'warning: unused thing 2 at src/lib.rs:1:1', '47 more warnings (50 in all)']);
});

test('errors: could not compile takes the first error (+N more); a build script failure names its crate; others are logged', () => {
  const events = feed([
    '   Compiling a v0.1.0 (/p/a)', '   Compiling b v0.2.0 (/p/b)', 'error[E0425]: cannot find value `x`', ' --> a/src/lib.rs:1:1', 'error: aborting due to 2 previous errors',
    'error[E0308]: mismatched types', 'error: could not compile `a` (lib) due to 2 previous errors',
    'error: failed to run custom build command for `b v0.2.0 (/p/b)`', 'error: linker `cc` not found',
  ]);
  assert.equal(ofType(events, 'item.fail').map((f) => [f.id, f.error]), [
    ['a v0.1.0', 'error[E0425]: cannot find value `x` at a/src/lib.rs:1:1 (+1 more)'], ['b v0.2.0', 'failed to run custom build command'],
  ]);
  assert.equal(ofType(events, 'log').map((l) => [l.level, l.message]), [['error', 'error: linker `cc` not found']]);
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

test('never throws on arbitrary lines, cargo-like fragments included', () => {
  const piece = fc.oneof(fc.string(), fc.constantFrom('   Compiling ', 'a v1.0', '    Building [', '==>', '] ', '3/5', ': a, b', '    Finished ', 'error', '[E0308]', ': ', 'could not compile `a`', 'warning: ', ' --> ', '`', '\x1b[K', '       Fresh '));
  fc.assert(fc.property(fc.array(fc.array(piece, { maxLength: 8 }).map((a) => a.join('')), { maxLength: 30 }), (lines) => {
    feed(lines);
  }), { numRuns: 300 });
});

test('1 MiB pathological lines take linear time', () => {
  const MiB = 1024 * 1024;
  const lines = [
    ' '.repeat(MiB), `   Compiling ${'x'.repeat(MiB)}`, `    Building [${'='.repeat(MiB)}`, `    Building [${'= '.repeat(MiB / 2)}] 1/`, `error[E${'1'.repeat(MiB)}`,
    `error: could not compile \`${'a'.repeat(MiB)}`, `warning: ${'`'.repeat(MiB)}`, ` --> ${' '.repeat(MiB)}`, `    Finished ${' '.repeat(MiB)}`, `error: failed to run custom build command for \`${'a v'.repeat(MiB / 3)}`,
  ];
  const started = Date.now();
  feed([...lines, ...lines]);
  assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
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

test('LIVE: the real cargo builds the project under prog, then fails with --features broken', async () => {
  const cargo = findCargo();
  if (!cargo) assert.unreachable('cargo is not installed: this test needs `cargo` on PATH or in ~/.cargo/bin (Debian package cargo)');
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

test.run();
