// prog run --junit FILE with the real tools: every file validates against the Jenkins JUnit XSD
// (xmllint), and its counts are the tool's own (its summary line, or its own JUnit report).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { configure, removeBuild, buildTools } from '../fixtures/cmake-project/harness.js';
import { fixtures, projectRoot, runProg, tempDir, type ProgResult } from '../helpers/prog.js';
import { liveTest, tools } from '../helpers/tools.js';

const XSD = join(fixtures, 'junit', 'jenkins-junit.xsd');
const PYTHON = '/usr/bin/python3';
const xmllint = tools.xmllint();

/** xmllint's verdict on the file against the XSD: the test fails with what it said. */
function validate(file: string): void {
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  assert.is(r.status, 0, `xmllint: ${r.stderr}\n${existsSync(file) ? readFileSync(file, 'utf8').slice(0, 4000) : '(no file)'}`);
}

/** A value read with XPath by xmllint (entities decoded, as a JUnit reader sees it). */
function xpath(file: string, expression: string): string {
  // xmllint ends what it prints with a newline of its own.
  return execFileSync('xmllint', ['--xpath', expression, file], { encoding: 'utf8' }).replace(/\n$/, '');
}

interface Counts { tests: number; failures: number; errors: number; skipped: number }

/** The counts of the testcases themselves, and the ones the root and the suites state (which must agree). */
function counts(file: string): Counts {
  const xml = readFileSync(file, 'utf8');
  const own = {
    tests: Number(xpath(file, 'count(//testcase)')),
    failures: Number(xpath(file, 'count(//testcase/failure)')),
    errors: Number(xpath(file, 'count(//testcase/error)')),
    skipped: Number(xpath(file, 'count(//testcase/skipped)')),
  };
  const root = /<testsuites [^>]*tests="(\d+)" failures="(\d+)" errors="(\d+)"/.exec(xml)!;
  assert.equal([Number(root[1]), Number(root[2]), Number(root[3])], [own.tests, own.failures, own.errors], 'the root states what its testcases are');
  const sum = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const m of xml.matchAll(/<testsuite name="[^"]*" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/g)) {
    sum.tests += Number(m[1]);
    sum.failures += Number(m[2]);
    sum.errors += Number(m[3]);
    sum.skipped += Number(m[4]);
  }
  assert.equal(sum, own, 'the suites state what their testcases are');
  return own;
}

/** A tool's own JUnit report's counts (pytest --junitxml, ctest --output-junit). */
function ownReport(file: string): Counts {
  const n = (expression: string) => Number(xpath(file, expression));
  return { tests: n('count(//testcase)'), failures: n('count(//testcase/failure)'), errors: n('count(//testcase/error)'), skipped: n('count(//testcase/skipped)') };
}

const stderrOf = (r: ProgResult) => r.stderr.toString();

// ---------------------------------------------------------------- pytest

/** A pytest suite with every outcome, and a failure message the XML must escape. */
function pytestSuite(): string {
  const dir = tempDir('prog-junit-pytest-');
  mkdirSync(join(dir, 'tests'));
  writeFileSync(join(dir, 'pytest.ini'), '[pytest]\naddopts = -p no:cacheprovider\n');
  writeFileSync(join(dir, 'tests', 'test_outcomes.py'), `import pytest


@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")


def test_adds():
    assert 1 + 1 == 2


@pytest.mark.parametrize("n", [1, 2, 3])
def test_square(n):
    assert n * n >= n


def test_hostile():
    print("printed before the failure")
    assert False, "bad <script>alert(1)</script> & ]]> \\x1b[31mred\\x1b[0m"


def test_uses_broken(broken):
    assert broken


@pytest.mark.skip(reason="not ready")
def test_later():
    pass


@pytest.mark.xfail(reason="known bug")
def test_known_bug():
    assert False


class TestGroup:
    def test_inside(self):
        assert "a".upper() == "A"

    def test_wrong(self):
        assert [1, 2] == [1, 2, 3]
`);
  return dir;
}

/** pytest's own final line: `== 2 failed, 5 passed, 1 skipped, 1 xfailed, 1 error in 0.05s ==`. */
function pytestSummary(output: string): Record<string, number> {
  const line = output.split('\n').filter((l) => /^=+ .* in [\d.]+s/.test(l)).at(-1)!;
  const said: Record<string, number> = {};
  for (const m of line.matchAll(/(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)\b/g)) said[m[2] === 'errors' ? 'error' : m[2]!] = Number(m[1]);
  return said;
}

liveTest([xmllint, tools.pytest()], 'LIVE: pytest -v under prog --junit: the file validates and counts what pytest says, and what its own --junitxml says', async () => {
  const dir = pytestSuite();
  const file = join(dir, 'reports', 'nested', 'junit.xml');
  const own = join(dir, 'own.xml');
  const r = await runProg(['run', '--junit', file, '--', PYTHON, '-m', 'pytest', '-v', `--junitxml=${own}`], { cwd: dir });
  assert.is(r.code, 1, stderrOf(r));
  validate(file);
  const said = pytestSummary(r.stdout.toString());
  assert.equal(said, { failed: 2, passed: 5, skipped: 1, xfailed: 1, error: 1 });
  const mine = counts(file);
  // xfail is a skip in JUnit, as pytest's own report has it; an error (a fixture's) is an <error>.
  assert.equal(mine, { tests: 10, failures: said.failed!, errors: said.error!, skipped: said.skipped! + said.xfailed! });
  assert.equal(mine, ownReport(own), 'pytest --junitxml counts the same');
  // Names as pytest's own report gives them: the module (dotted, no .py) and class as classname.
  const names = (f: string) => xpath(f, '//testcase/@classname | //testcase/@name').trim().split('\n').map((l) => l.trim()).sort();
  assert.equal(names(file), names(own));
  // The failure's message, escaped and made legal XML: colour codes are gone, the rest is intact.
  const message = xpath(file, 'string(//testcase[@name="test_hostile"]/failure/@message)');
  assert.is(message, 'AssertionError: bad <script>alert(1)</script> & ]]> red');
  assert.is(xpath(file, 'string(//testcase[@name="test_uses_broken"]/error/@type)'), 'RuntimeError');
  assert.is(xpath(file, 'string(//testcase[@name="test_later"]/skipped)'), 'not ready');
});

for (const format of ['plain', 'json']) {
  liveTest([xmllint, tools.pytest()], `LIVE: pytest -q under prog --format ${format} --junit: each failure carries its section of pytest's FAILURES and ERRORS report as system-out`, async () => {
    const dir = pytestSuite();
    const file = join(dir, 'junit.xml');
    // -q: results are counted as `test #N` until the short summary names the failures.
    const r = await runProg(['run', '--format', format, '--junit', file, '--', PYTHON, '-m', 'pytest', '-q'], { cwd: dir });
    assert.is(r.code, 1, stderrOf(r));
    validate(file);
    assert.equal(counts(file), { tests: 10, failures: 2, errors: 1, skipped: 2 });
    const out = (name: string) => xpath(file, `string(//testcase[@name="${name}"]/system-out)`);
    assert.match(out('test_wrong'), /E\s+assert \[1, 2\] == \[1, 2, 3\]/);
    assert.match(out('test_hostile'), /printed before the failure/);
    assert.match(out('test_uses_broken'), /RuntimeError: fixture exploded/);
    assert.not.match(out('test_wrong'), /printed before the failure/);
  });
}

// ---------------------------------------------------------------- node --test

for (const reporter of ['tap', 'spec']) {
  liveTest([xmllint], `LIVE: node --test --test-reporter=${reporter} under prog --junit: the counts are node's own footer's`, async () => {
    const dir = tempDir('prog-junit-node-');
    const file = join(dir, 'junit.xml');
    const r = await runProg(['run', '--junit', file, '--', process.execPath, '--test', `--test-reporter=${reporter}`, join(fixtures, 'node-spec', 'suite.mjs')], { cwd: dir });
    assert.is(r.code, 1, stderrOf(r));
    validate(file);
    // `# tests 19` (tap) or `ℹ tests 19` (spec).
    const footer: Record<string, number> = {};
    for (const m of r.stdout.toString().matchAll(/^(?:#|ℹ) (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) footer[m[1]!] = Number(m[2]);
    assert.equal(Object.keys(footer).sort(), ['cancelled', 'fail', 'pass', 'skipped', 'tests', 'todo']);
    // A cancelled test failed to finish: a failure; a todo test is not run: skipped.
    assert.equal(counts(file), { tests: footer.tests!, failures: footer.fail! + footer.cancelled!, errors: 0, skipped: footer.skipped! + footer.todo! });
    assert.is(xpath(file, 'string(//testcase[@name="conflict"]/@classname)'), 'sync › merges');
  });
}

// ---------------------------------------------------------------- ctest

liveTest([xmllint, ...buildTools('Ninja'), tools.ctest()], 'LIVE: ctest under prog --junit: the counts are ctest\'s own --output-junit\'s', async () => {
  const build = configure('Ninja');
  try {
    execFileSync('ninja', ['-C', build], { stdio: 'ignore' });
    const file = join(build, 'prog-junit.xml');
    const own = join(build, 'ctest-junit.xml');
    const r = await runProg(['run', '--junit', file, '--', 'ctest', '-j2', '--output-on-failure', '--output-junit', own], {
      cwd: build, env: { CTEST_PARALLEL_LEVEL: undefined, MAKEFLAGS: undefined },
    });
    assert.is(r.code, 8, stderrOf(r));
    validate(file);
    // ctest's own report: a testsuite whose attributes count its tests (a disabled one has no
    // <skipped>, only status="disabled"; prog's report has it as skipped).
    const stated = (name: string) => Number(xpath(own, `string(/testsuite/@${name})`) || '0');
    const theirs = { tests: stated('tests'), failures: stated('failures'), errors: 0, skipped: stated('skipped') + stated('disabled') };
    assert.equal(counts(file), theirs);
    assert.equal([theirs.failures, theirs.skipped], [1, 1]);
    // ctest's word is the type; the test's output (--output-on-failure) is in the failure's text.
    assert.is(xpath(file, 'string(//testcase[@name="mul_wrong"]/failure/@message)'), 'Failed');
    assert.ok(xpath(file, 'string(//testcase[@name="mul_wrong"]/failure)').split('\n').length > 1);
  } finally {
    removeBuild(build);
  }
});

// ---------------------------------------------------------------- cargo test

function findCargo(): string | undefined {
  for (const d of [...(process.env.PATH ?? '').split(delimiter), join(homedir(), '.cargo', 'bin')]) {
    if (d && existsSync(join(d, 'cargo'))) return join(d, 'cargo');
  }
  return undefined;
}

liveTest([xmllint, tools.cargo(findCargo()), tools.cc()], 'LIVE: cargo test under prog --junit: the counts are cargo\'s own `test result:` line, the build\'s crates are not tests', async () => {
  const cargo = findCargo()!;
  const work = tempDir('prog-junit-cargo-');
  cpSync(join(fixtures, 'cargo', 'testing'), work, { recursive: true });
  const file = join(work, 'junit.xml');
  const env = { CARGO_TARGET_DIR: join(work, 'target'), CARGO_TERM_COLOR: 'never', RUST_BACKTRACE: '0', PATH: `${join(cargo, '..')}${delimiter}${process.env.PATH ?? ''}` };
  const r = await runProg(['run', '--junit', file, '--', cargo, 'test', '--offline', '--lib'], { cwd: work, env });
  assert.is(r.code, 101, stderrOf(r));
  validate(file);
  const result = /test result: FAILED\. (\d+) passed; (\d+) failed; (\d+) ignored/.exec(r.stdout.toString())!;
  const [passed, failed, ignored] = [Number(result[1]), Number(result[2]), Number(result[3])];
  assert.equal(counts(file), { tests: passed + failed + ignored, failures: failed, errors: 0, skipped: ignored });
  assert.is(xpath(file, 'count(//testcase[@name="testing v0.1.0"])').trim(), '0');
  assert.is(xpath(file, 'string(//testsuite/@name)'), 'cargo test');
  assert.match(xpath(file, 'string(//testcase[@name="tests::wrong"]/system-out)'), /panicked at src\/lib\.rs/);
  // As cargo-nextest's JUnit: the test binary is the classname, the test's path its name.
  assert.is(xpath(file, 'string(//testcase[@name="tests::wrong"]/@classname)'), 'unittests src/lib.rs');
});

// ---------------------------------------------------------------- TeamCity (mocha)

liveTest([xmllint], 'LIVE: mocha with mocha-teamcity-reporter under prog --junit: a suite per describe, counts as mocha\'s own JSON reporter\'s', async () => {
  const dir = tempDir('prog-junit-teamcity-');
  const file = join(dir, 'junit.xml');
  const spec = join(fixtures, 'teamcity', 'spec.cjs');
  const mocha = join(projectRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const r = await runProg(['run', '--junit', file, '--', process.execPath, mocha, '--reporter', 'mocha-teamcity-reporter', spec], { cwd: projectRoot });
  assert.is(r.code, 2, stderrOf(r));
  validate(file);
  const own = spawnSync(process.execPath, [mocha, '--reporter', 'json', spec], { cwd: projectRoot, encoding: 'utf8' });
  const stats = (JSON.parse(own.stdout) as { stats: { tests: number; failures: number; pending: number } }).stats;
  assert.equal(counts(file), { tests: stats.tests, failures: stats.failures, errors: 0, skipped: stats.pending });
  assert.equal(xpath(file, '//testsuite/@name').trim().split('\n').map((l) => l.trim()), ['name="math"', 'name="strings"']);
  // TeamCity's details (the stack) follow the message.
  const failure = xpath(file, 'string(//testcase[@name="fails on purpose"]/failure)');
  assert.match(failure, /1 !== 2[\s\S]*at Context\.<anonymous>/);
  assert.is(xpath(file, 'string(//testcase[@name="fails on purpose"]/@classname)'), 'math › division');
});

// ---------------------------------------------------------------- markers, hostile output

const MARKERS = `
const mark = (o) => process.stdout.write('::prog::' + JSON.stringify(o) + '\\n');
mark({ type: 'phase', id: 'e2e', name: 'end to end' });
mark({ type: 'item.start', phase: 'e2e', id: 'login' });
mark({ type: 'item.done', phase: 'e2e', id: 'login' });
mark({ type: 'item.start', phase: 'e2e', id: 'checkout' });
process.stdout.write(Buffer.from([0x62, 0x61, 0x64, 0x20, 0xff, 0xfe, 0x20, 0x62, 0x79, 0x74, 0x65, 0x73, 0x0a]));
process.stdout.write('\\x1b[31mred\\x1b[0m and a NUL \\x00 and ]]> and <script>x</script>\\n');
mark({ type: 'item.fail', phase: 'e2e', id: 'checkout', error: 'boom \\x1b[1mbold\\x1b[0m \\x00 \\x07 ]]> <script>"&"</script>\\nsecond line' });
mark({ type: 'item.skip', phase: 'e2e', id: 'refund', reason: 'no <money> & \\x1b]0;title\\x07' });
mark({ type: 'item.start', phase: 'e2e', id: 'flaky' });
mark({ type: 'item.fail', phase: 'e2e', id: 'flaky', error: 'timeout', retry: 1, maxRetries: 2 });
mark({ type: 'item.done', phase: 'e2e', id: 'flaky' });
mark({ type: 'phase.end', id: 'e2e', status: 'failed' });
mark({ type: 'item.fail', id: 'loose \\ud800 end', error: 'a lone surrogate' });
process.exitCode = 3;
`;

liveTest([xmllint], 'LIVE: markers with hostile text (ESC, NUL, BEL, ]]>, <script>, invalid UTF-8, a lone surrogate): the file stays valid XML and keeps the words', async () => {
  const dir = tempDir('prog-junit-markers-');
  const file = join(dir, 'junit.xml');
  const r = await runProg(['run', '--junit', file, '--', process.execPath, '-e', MARKERS], { cwd: dir });
  assert.is(r.code, 3, stderrOf(r));
  validate(file);
  assert.equal(counts(file), { tests: 5, failures: 2, errors: 0, skipped: 1 });
  assert.is(xpath(file, 'string(//testcase[@name="checkout"]/failure/@message)'), 'boom bold \ufffd \ufffd ]]> <script>"&"</script>');
  assert.match(xpath(file, 'string(//testcase[@name="checkout"]/failure)'), /\nsecond line$/);
  const context = xpath(file, 'string(//testcase[@name="checkout"]/system-out)');
  assert.match(context, /bad \ufffd\ufffd bytes/);
  assert.match(context, /red and a NUL \ufffd and \]\]> and <script>x<\/script>/);
  assert.is(xpath(file, 'string(//testcase[@name="refund"]/skipped)'), 'no <money> & ');
  // Retried, then passed: a pass, whose attempts are told in its output.
  assert.is(xpath(file, 'count(//testcase[@name="flaky"]/failure)').trim(), '0');
  assert.match(xpath(file, 'string(//testcase[@name="flaky"]/system-out)'), /attempt 1 of this item failed: timeout; retried/);
  assert.is(xpath(file, 'string(//testsuite[1]/@name)'), 'end to end');
  assert.is(xpath(file, 'string(//testcase[@name="checkout"]/@classname)'), 'end to end');
});

// ---------------------------------------------------------------- no tests, no file

liveTest([xmllint], 'a run with no test-like items (a build, an echo) writes a valid, empty <testsuites>', async () => {
  const dir = tempDir('prog-junit-empty-');
  const file = join(dir, 'junit.xml');
  const r = await runProg(['run', '--junit', file, '--', 'sh', '-c', 'echo hi; echo "[1/2] cc -c a.c"; echo "[2/2] cc -o app a.o"'], { cwd: dir });
  assert.is(r.code, 0, stderrOf(r));
  const xml = readFileSync(file, 'utf8');
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="prog run: sh -c [^"]*" tests="0" failures="0" errors="0" time="0\.000">\n<\/testsuites>\n$/);
  validate(file);
});

test('a file that cannot be written (its directory is a file): one warning, the command\'s exit status, no temp file left', async () => {
  const dir = tempDir('prog-junit-unwritable-');
  writeFileSync(join(dir, 'reports'), 'a file, not a directory');
  const file = join(dir, 'reports', 'junit.xml');
  const r = await runProg(['run', '--junit', file, '--', 'sh', '-c', 'echo "::prog::{\\"type\\":\\"item.fail\\",\\"id\\":\\"t\\"}"; exit 4'], { cwd: dir });
  assert.is(r.code, 4, stderrOf(r));
  const warnings = stderrOf(r).split('\n').filter((l) => l.includes('junit'));
  assert.is(warnings.length, 1, stderrOf(r));
  assert.match(warnings[0]!, /junit: could not write .*reports\/junit\.xml: .*; the run's exit status is unchanged/);
  assert.not.ok(existsSync(file));
});

liveTest([xmllint], '--junit over an existing report replaces it whole; a relative path is the working directory\'s', async () => {
  const dir = tempDir('prog-junit-replace-');
  writeFileSync(join(dir, 'junit.xml'), 'old');
  const r = await runProg(['run', '--junit', 'junit.xml', '--', 'sh', '-c', 'echo "::prog::{\\"type\\":\\"item.done\\",\\"id\\":\\"t1\\"}"'], { cwd: dir });
  assert.is(r.code, 0, stderrOf(r));
  assert.match(readFileSync(join(dir, 'junit.xml'), 'utf8'), /<testcase name="t1" classname="sh" time="[\d.]+"\/>/);
  validate(join(dir, 'junit.xml'));
});

test('PROG_JUNIT and `prog config set junit FILE` ask for the report as --junit does; the flag wins', async () => {
  const dir = tempDir('prog-junit-settings-');
  const home = tempDir('prog-junit-home-');
  const marker = ['sh', '-c', 'echo "::prog::{\\"type\\":\\"item.done\\",\\"id\\":\\"t1\\"}"'];
  const byEnv = await runProg(['run', '--', ...marker], { cwd: dir, home, env: { PROG_JUNIT: 'from-env.xml' } });
  assert.is(byEnv.code, 0, stderrOf(byEnv));
  assert.ok(existsSync(join(dir, 'from-env.xml')));
  const set = await runProg(['config', 'set', 'junit', join(dir, 'from-config.xml')], { home });
  assert.is(set.code, 0, stderrOf(set));
  const byConfig = await runProg(['run', '--', ...marker], { cwd: dir, home });
  assert.is(byConfig.code, 0, stderrOf(byConfig));
  assert.match(readFileSync(join(dir, 'from-config.xml'), 'utf8'), /<testcase name="t1"/);
  const configured = statSync(join(dir, 'from-config.xml')).mtimeMs;
  const byFlag = await runProg(['run', '--junit', 'from-flag.xml', '--', ...marker], { cwd: dir, home });
  assert.is(byFlag.code, 0, stderrOf(byFlag));
  assert.ok(existsSync(join(dir, 'from-flag.xml')));
  assert.is(statSync(join(dir, 'from-config.xml')).mtimeMs, configured, 'the configured file was left alone');
});

test.run();
