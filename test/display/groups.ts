// A CI job's groups in the views, with real make and ctest inside GitHub Actions groups: the plain
// view names a tool's phase by its group (`Build › make`), the rich view (in a real terminal)
// shows it as a listr2 subtask indented under its group, live and in the final frame.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeBuild } from '../fixtures/cmake-project/harness.js';
import { ciScript, configure, ctest, job, jobTools, make, PASSING } from '../fixtures/github-actions/ci-script.js';
import { progBin, runProg, tempDir } from '../helpers/prog.js';
import { statusLines } from '../helpers/runs.js';
import { shellQuote, Tmux } from '../helpers/tmux.js';
import { haveAll, liveTest, tools } from '../helpers/tools.js';

let builds: string[] = [];
test.before(async () => {
  // Without cmake and the rest the tests below are skipped by name: nothing to configure.
  if (haveAll(jobTools())) builds = await Promise.all([configure(), configure()]);
});
test.after(() => builds.forEach(removeBuild));

liveTest(jobTools(), 'plain: a tool\'s phase inside a group is named by its path, Build › make, when it starts and ends and in the summary', async () => {
  const build = builds[0]!;
  const r = await runProg(['run', '--format', 'plain', '--', 'sh', job('github-actions', build)], { env: { MAKEFLAGS: undefined } });
  assert.is(r.code, 0, r.stderr.toString());
  const lines = statusLines(r.stderr);
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const text = lines.join('\n');
  assert.ok(at(/^\[prog\] ▶ Build started$/) >= 0, text);
  assert.ok(at(/^\[prog\] ▶ Build › make started · 100 to do$/) >= 0, text);
  // make ends with its group, just before it (not at the end of the output).
  const makeEnd = at(/^\[prog\] ✔ Build › make ok in \S+ · 100\/100 · /);
  assert.ok(makeEnd >= 0, text);
  assert.match(lines[makeEnd + 1]!, /^\[prog\] ✔ Build ok in /);
  assert.ok(at(/^\[prog\] ✔ Test › ctest ok in \S+ · 3\/3 · 3 ok, 0 failed$/) >= 0, text);
  // The summary: each group, then its child by its path.
  const summary = lines.slice(at(/^\[prog\] finished ok/));
  assert.equal(summary.filter((l) => /^\[prog\] {3}✔ /.test(l)).map((l) => /^\[prog\] {3}✔ (.*?) ok in/.exec(l)![1]), ['Build', 'Build › make', 'Test', 'Test › ctest']);
});

liveTest([...jobTools(), tools.tmux()], 'rich, in a real terminal: make is a subtask indented under Build, running as long as Build runs, and in the final frame', async () => {
  const build = builds[1]!;
  const go = join(tempDir(), 'go');
  // After make, Build waits for the test to have seen the frame (no fixed sleep on either side).
  const script = ciScript('github-actions', [
    { name: 'Build', run: [...make(build), `while [ ! -e ${shellQuote(go)} ]; do sleep 0.05; done`] },
    { name: 'Test', run: ctest(build, PASSING) },
  ]);
  const command = `${shellQuote(process.execPath)} ${shellQuote(progBin)} run --format rich -- sh ${shellQuote(script)}`;
  const t = new Tmux(`echo '$ prog run'; env -u CI -u NO_COLOR -u FORCE_COLOR -u MAKEFLAGS ${command}`, 120, 40, { PROG_HOME: tempDir(), TERM: 'xterm-256color' });
  try {
    const nested = (s: string[], group: RegExp, child: RegExp) => s.some((l, i) => group.test(l) && child.test(s[i + 1] ?? ''));
    // make has printed its last line, but its phase ends with its group.
    const live = await t.waitFor((s) => nested(s, /^❯ Build\b/, /^ {2}❯ make\b.* 100% 100\/100/), 30_000, 'Build running with make at 100% under it');
    assert.not.ok(live.some((l) => /^\S make\b/.test(l)), `make is not a row of its own at the top level:\n${live.join('\n')}`);
    writeFileSync(go, '');
    const end = await t.waitFor((s) => s.some((l) => /^\[exit \d+\]$/.test(l)), 30_000, 'the run to end');
    assert.ok(end.includes('[exit 0]'), end.join('\n'));
    assert.ok(nested(end, /^✔ Build\b/, /^ {2}✔ make\b/), `final frame: make under Build:\n${end.join('\n')}`);
    assert.ok(nested(end, /^✔ Test\b/, /^ {2}✔ ctest\b.* 3\/3/), `final frame: ctest under Test:\n${end.join('\n')}`);
    // Names line up: the bars of the indented rows start in the same column.
    const bars = end.filter((l) => /^ {2}✔ (make|ctest)\b/.test(l)).map((l) => l.indexOf('['));
    assert.is(new Set(bars).size, 1, `bars aligned:\n${end.join('\n')}`);
    assert.ok(existsSync(go));
  } finally {
    // prog outlives its terminal (the run goes on, recorded): let the job finish whatever happened.
    writeFileSync(go, '');
    t.kill();
  }
});

test.run();
