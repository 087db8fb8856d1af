// pytest under `prog run`: a result counts when pytest writes it, not when its line ends (which may
// be minutes later: the next file's start, or the session's teardown for the last line), and a
// failure counts at once, its message following from pytest's short summary. Each test pauses the
// command until it has seen prog's JSON snapshots show the counts, so a late count cannot pass.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, startProg, type Live } from '../helpers/live.js';
import { ndjson, tempDir } from '../helpers/prog.js';
import { scaled } from '../helpers/time.js';
import { liveTest as liveUvuTest, tools } from '../helpers/tools.js';

/** A live test with the file's clean-up of prog processes. */
const liveTest = (needs: Parameters<typeof liveUvuTest>[0], name: string, fn: () => void | Promise<void>) => liveUvuTest(needs, name, clean(async () => fn()));

const test = (name: string, fn: () => void | Promise<void>) => uvuTest(name, clean(async () => fn()));
const pytest = tools.pytest();
const PYTHON = '/usr/bin/python3';
/** Snapshots every 100 ms (the least allowed), so a count reaches the JSON stream soon after it is made. */
const JSON_ARGS = ['run', '--format', 'json', '--update-interval', '0.1', '--'];

/** Waits for a snapshot whose run counts are these: what a user of the JSON stream sees. */
function waitCounts(live: Live, counts: { succeeded: number; failed: number }, what: string) {
  const processed = counts.succeeded + counts.failed;
  const pattern = new RegExp(`"type":"snapshot",[^\\n]*?"counts":\\{"processed":${processed},"succeeded":${counts.succeeded},"failed":${counts.failed},`);
  return live.waitOut(pattern, 10_000, what);
}

interface Summary { counts: Record<string, number>; failures: { id: string; error?: string }[]; logs?: Record<string, number> }
function ended(live: Live) {
  const events = ndjson(live.stdout());
  const logs = events.filter((e) => e.type === 'log').map((e) => [e.level, e.source, e.message]);
  return { summary: events.find((e) => e.type === 'summary') as unknown as Summary, logs };
}

test('prog run: pytest writes `test_a.py ..`, pauses, then `.F [100%]` and pauses before the line end: each pause shows every result', async () => {
  const dir = tempDir('prog-pytest-live-');
  const flag = (name: string) => JSON.stringify(join(dir, name));
  // A pytest-like command: each pause lasts until the test has seen the counts (or 20 s, scaled).
  const child = `const fs = require('fs');
const waitFor = (name) => new Promise((done) => { const start = Date.now(); const t = setInterval(() => { if (fs.existsSync(name) || Date.now() - start > ${scaled(20_000)}) { clearInterval(t); done(); } }, 20); });
(async () => {
  process.stdout.write('collected 4 items\\n\\ntest_a.py ..');
  await waitFor(${flag('two')});
  process.stdout.write('.F                                                 [100%]');
  await waitFor(${flag('four')});
  process.stdout.write('\\n\\n=========================== short test summary info ============================\\n');
  process.stdout.write('FAILED test_a.py::test_d - AssertionError: boom\\n========================= 1 failed, 3 passed in 0.10s ==========================\\n');
  process.exitCode = 1;
})();`;
  const live = startProg([...JSON_ARGS, process.execPath, '-e', child]);
  await waitCounts(live, { succeeded: 2, failed: 0 }, 'the first two results while the line is unfinished');
  writeFileSync(join(dir, 'two'), '');
  await waitCounts(live, { succeeded: 3, failed: 1 }, 'all four results, the failure included, before the line ends');
  assert.not.ok(existsSync(join(dir, 'four')));
  writeFileSync(join(dir, 'four'), '');
  const end = await live.waitExit(10_000);
  assert.equal([end.code, end.signal], [1, null], live.transcript());
  const { summary, logs } = ended(live);
  assert.equal(summary.counts, { processed: 4, succeeded: 3, failed: 1, retried: 0, skipped: 0, running: 0 });
  assert.equal(logs, [], 'no disagreement to report');
  // Counted as `test_a.py #4` when its F was written; the short summary gave its name and message.
  assert.equal(summary.failures.map((f) => [f.id, f.error]), [['test_a.py::test_d', 'AssertionError: boom']]);
});

/** A real pytest suite whose second test waits for `seen-failure` and whose session teardown waits for `seen-all`. */
function pausingSuite(): string {
  const dir = tempDir('prog-pytest-live-');
  const waitFor = `def wait_for(name):\n    end = time.time() + ${scaled(20_000) / 1000}\n    while not os.path.exists(name) and time.time() < end:\n        time.sleep(0.02)\n`;
  writeFileSync(join(dir, 'pytest.ini'), '[pytest]\naddopts = -p no:cacheprovider\n');
  writeFileSync(join(dir, 'conftest.py'), `import os, time\nimport pytest\n\n${waitFor}\n\n@pytest.fixture(scope="session", autouse=True)\ndef held_teardown():\n    yield\n    wait_for("seen-all")\n`);
  writeFileSync(join(dir, 'test_live.py'), `import os, time\n\n${waitFor}\n
def test_fails():
    assert 1 + 1 == 3, "arithmetic is off"


def test_waits():
    wait_for("seen-failure")


def test_passes():
    pass
`);
  return dir;
}

for (const [mode, args] of [['default', []], ['-v', ['-v']]] as const) {
  liveTest([pytest], `LIVE pytest ${mode}: the failure counts while the next test runs; the last result counts while the session's teardown runs`, async () => {
    const dir = pausingSuite();
    const live = startProg([...JSON_ARGS, PYTHON, '-m', 'pytest', ...args], { cwd: dir, env: { PYTHONDONTWRITEBYTECODE: '1' } });
    await waitCounts(live, { succeeded: 0, failed: 1 }, 'the failure, while test_waits runs');
    writeFileSync(join(dir, 'seen-failure'), '');
    await waitCounts(live, { succeeded: 2, failed: 1 }, 'every result, while the session teardown runs');
    assert.not.match(live.stdout(), /short test summary info/, 'pytest is still in its teardown');
    writeFileSync(join(dir, 'seen-all'), '');
    const end = await live.waitExit(10_000);
    assert.equal([end.code, end.signal], [1, null], live.transcript());
    const { summary, logs } = ended(live);
    assert.equal(summary.counts, { processed: 3, succeeded: 2, failed: 1, retried: 0, skipped: 0, running: 0 });
    // Named by the short summary, with its message, in both modes (by position until then in the default one).
    assert.equal(summary.failures.map((f) => [f.id, f.error]), [['test_live.py::test_fails', 'AssertionError: arithmetic is off']]);
    assert.equal(logs, []);
  });
}

uvuTest.run();
