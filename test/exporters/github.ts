// GitHub Actions, simulated as the runner sets it up: GITHUB_ACTIONS=true, a step summary file
// ($GITHUB_STEP_SUMMARY) and a checkout ($GITHUB_WORKSPACE), with real commands run by the real
// binary. What the runner would read: the Markdown appended to the summary file, and the workflow
// commands (annotations) prog prints.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeData, escapeProperty, workflowCommand } from '../../src/exporters/github-commands.js';
import { EtaRecorder } from '../../src/exporters/github-eta-accuracy.js';
import { cell, fitBlocks } from '../../src/exporters/github-markdown.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { runProg, tempDir, type ProgResult } from '../helpers/prog.js';
import { child, marker, strictNdjson, type Step } from '../helpers/runs.js';
import { liveTest, tools } from '../helpers/tools.js';

interface Job {
  ws: string;
  summaryFile: string;
  env: Record<string, string | undefined>;
}

/** A fresh checkout and step: the workspace, and the step's summary file (not yet there, as on a runner before anything wrote it). */
function job(): Job {
  const root = tempDir('prog-gha-');
  const ws = join(root, 'work', 'repo');
  mkdirSync(join(ws, 'src'), { recursive: true });
  const summaryFile = join(root, 'step_summary_1');
  return { ws, summaryFile, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile, GITHUB_WORKSPACE: ws, CI: 'true' } };
}

const errorLines = (r: ProgResult, kind = 'error') => String(r.stderr).split('\n').filter((l) => l.startsWith(`::${kind} `) || l.startsWith(`::${kind}::`));
const e = (text: string): Step => ({ e: text });
const mark = (fields: Record<string, unknown>): Step => ({ e: marker(fields) });

test('escaping: messages escape % \\r \\n (% first), properties also : and , — in the toolkit\'s order, colour codes dropped', () => {
  assert.is(escapeData('100%\r\nnext %0A'), '100%25%0D%0Anext %250A');
  assert.is(escapeProperty('a:b,c%'), 'a%3Ab%2Cc%25');
  assert.is(
    workflowCommand('error', { col: 5, line: 3, file: 'src/a,b.c', title: 'x: y' }, '\x1b[31mred\x1b[0m\nline'),
    '::error title=x%3A y,file=src/a%2Cb.c,line=3,col=5::red%0Aline\n',
  );
  assert.is(workflowCommand('endgroup', {}, ''), '::endgroup::\n');
});

test('markdown cells: | < > & and line breaks cannot break a table or become HTML; emphasis and code stay text; controls cannot hide', () => {
  assert.is(cell('a | b <script>&\nc'), 'a \\| b &lt;script&gt;&amp;<br>c');
  assert.is(cell('*x* _y_ `z` [l](u) ~s~ \\'), '\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\~s\\~ \\\\');
  // Colour codes go; a bidi override (which would reorder the page's text) and a bell show as escapes.
  assert.is(cell('\x1b[31mred\x1b[0m a\u202eb\x07c\td'), 'red a\\\\u202eb\\\\u0007c  d');
});

test('fitBlocks: keeps whole blocks under the budget and says what was cut', () => {
  const out = fitBlocks(['aaaa\n', 'bbbb\n', 'cccc\n'], 90, (kept, all) => `cut ${kept}/${all}\n`);
  assert.is(out, 'aaaa\nbbbb\ncccc\n');
  const cut = fitBlocks(['a'.repeat(50) + '\n', 'b'.repeat(50) + '\n', 'c'.repeat(50) + '\n'], 140, (kept, all) => `cut ${kept}/${all}\n`);
  assert.is(cut, `${'a'.repeat(50)}\ncut 51/153\n`);
});

test('ETA accuracy: what it said at a quarter, half and three quarters against the time left, and how often its range held it', () => {
  const eta = new EtaRecorder();
  // A 100 s run whose ETA said 10 % too much all along, its range from +5 % to +15 %: never holding the truth.
  for (let t = 0; t < 100_000; t += 1000) {
    const left = 100_000 - t;
    eta.add({ type: 'snapshot', tMs: t, status: 'running', etaMs: left * 1.1, etaLowMs: left * 1.05, etaHighMs: left * 1.15 } as Snapshot);
  }
  // Not running (the final snapshot) or without an ETA: not a sample.
  eta.add({ type: 'snapshot', tMs: 100_000, status: 'ok', etaMs: 0 } as Snapshot);
  const accuracy = eta.accuracy(100_000)!;
  assert.equal(accuracy.checkpoints.map((c) => [c.at, Math.round(c.saidMs), c.actualMs]), [[0.25, 82_500, 75_000], [0.5, 55_000, 50_000], [0.75, 27_500, 25_000]]);
  assert.equal([accuracy.inRange, accuracy.ranged], [0, 100]);
  assert.is(new EtaRecorder().accuracy(1000), undefined);
});

test('summary: appended after what the step wrote before, with the result, each phase with its duration and counts, and the failed items with their errors\' first lines; the exit status is the command\'s', async () => {
  const j = job();
  writeFileSync(j.summaryFile, '# Earlier in this step\n');
  const r = await runProg(['run', '--format', 'plain', '--', ...child([
    mark({ type: 'phase', id: 'build', name: 'Build', total: 3 }),
    mark({ type: 'item.done', phase: 'build', id: 'a.c' }),
    mark({ type: 'item.done', phase: 'build', id: 'b.c' }),
    mark({ type: 'item.fail', phase: 'build', id: 'c.c', error: 'cc exited 1\nc.c: In function main | <b>&\nthird\nfourth\nfifth\nsixth\nseventh' }),
    mark({ type: 'phase.end', id: 'build', status: 'failed' }),
    mark({ type: 'phase', id: 'test', name: 'Test', total: 1 }),
    mark({ type: 'item.skip', phase: 'test', id: 't1', reason: 'no build' }),
    mark({ type: 'phase.end', id: 'test', status: 'ok' }),
    e('src/c.c:3:5: error: expected \';\' before \'}\' token\n'),
    e('src/c.c:9: warning: unused variable \'x\'\n'),
    { exit: 3 },
  ])], { env: j.env, cwd: j.ws });
  assert.is(r.code, 3, String(r.stderr));
  const md = readFileSync(j.summaryFile, 'utf8');
  assert.ok(md.startsWith('# Earlier in this step\n\n## ❌ '), md);
  assert.match(md, /^\| \*\*Result\*\* \| ❌ failed · exit code 3 \|$/m);
  assert.match(md, /^\| \*\*Duration\*\* \| [\d.]+s \|$/m);
  assert.match(md, /^\| \*\*Items\*\* \| 2 ok · 1 failed · 1 skipped \(67% succeeded\) \|$/m);
  assert.match(md, /^\| \*\*Errors and warnings\*\* \| 1 error · 1 warning \(2 at a file and line\) \|$/m);
  assert.match(md, /^\| \*\*Annotations\*\* \| 2 errors and 1 warning annotated \|$/m);
  assert.match(md, /^### Phases$/m);
  assert.match(md, /^\| ❌ \| Build \| failed \| [\d.]+s \| 3\/3 \| 2 \| 1 \| 0 \|$/m);
  assert.match(md, /^\| ✅ \| Test \| ok \| [\d.]+s \| 1\/1 \| 0 \| 0 \| 1 \|$/m);
  assert.match(md, /^### Failed items \(1\)$/m);
  // The first five lines, escaped, and how many more there were.
  assert.match(md, /^\| <code>c\.c<\/code> \| Build \| cc exited 1<br>c\.c: In function main \\\| &lt;b&gt;&amp;<br>third<br>fourth<br>fifth<br><i>… 2 more lines<\/i> \|$/m);
  // No history yet for this workflow: no ETA row.
  assert.not.match(md, /\*\*ETA\*\*/);
});

test('annotations: a compiler error (relative to a subdirectory, or absolute) and a failed item become escaped ::error/::warning lines on stderr with repository-relative files', async () => {
  const j = job();
  const sub = join(j.ws, 'build');
  mkdirSync(sub);
  const r = await runProg(['run', '--format', 'plain', '--', ...child([
    e('../src/a.c:3:5: error: expected \';\', got 100%\n'),
    e(`${join(j.ws, 'src', 'b.c')}:7: warning: x, y: z\n`),
    e('/usr/include/stdio.h:1:1: error: outside the checkout\n'),
    mark({ type: 'item.fail', id: 'deploy: eu,west', error: 'timed out at 100%\nretry later' }),
    { exit: 1 },
  ])], { env: j.env, cwd: sub });
  assert.is(r.code, 1);
  const errors = errorLines(r);
  assert.equal(errors, [
    '::error title=compiler,file=src/a.c,line=3,col=5::error: expected \';\', got 100%25',
    '::error title=compiler,file=/usr/include/stdio.h,line=1,col=1::error: outside the checkout',
    '::error title=deploy%3A eu%2Cwest failed::timed out at 100%25%0Aretry later',
  ], String(r.stderr));
  assert.equal(errorLines(r, 'warning'), ['::warning title=compiler,file=src/b.c,line=7::warning: x, y: z']);
  // On stderr only: stdout is the command's own.
  assert.not.match(String(r.stdout), /::(error|warning)/);
});

test('annotations are capped at 10 per kind, the first in the order they happened; the rest are counted and listed in the summary', async () => {
  const j = job();
  const steps: Step[] = [];
  for (let i = 1; i <= 13; i++) steps.push(e(`src/e.c:${i}: error: error number ${i}\n`));
  for (let i = 1; i <= 12; i++) steps.push(e(`src/w.c:${i}: warning: warning number ${i}\n`));
  // The same warning again (a header included twice): one annotation.
  steps.push(e('src/w.c:1: warning: warning number 1\n'), { exit: 2 });
  const r = await runProg(['run', '--format', 'plain', '--', ...child(steps)], { env: j.env, cwd: j.ws });
  assert.is(r.code, 2);
  const errors = errorLines(r);
  assert.is(errors.length, 10, String(r.stderr));
  assert.is(errors[0], '::error title=compiler,file=src/e.c,line=1::error: error number 1');
  assert.is(errors[9], '::error title=compiler,file=src/e.c,line=10::error: error number 10');
  assert.is(errorLines(r, 'warning').length, 10);
  const md = readFileSync(j.summaryFile, 'utf8');
  assert.match(md, /\| \*\*Annotations\*\* \| 10 of 13 errors and 10 of 12 warnings annotated; the other 5 are listed below \(GitHub shows 10 of each kind per step\) \|/);
  assert.match(md, /^### Errors and warnings not shown as annotations \(5\)$/m);
  for (const n of [11, 12, 13]) assert.match(md, new RegExp(`^\\| error \\| <code>src/e\\.c:${n}</code> \\| compiler: error: error number ${n} \\|$`, 'm'));
  assert.match(md, /^\| warning \| <code>src\/w\.c:12<\/code> \| compiler: warning: warning number 12 \|$/m);
  assert.not.match(md, /warning number 10 \|/);
});

test('--format json: annotations go to stderr, and stdout stays valid NDJSON; no groups', async () => {
  const j = job();
  const r = await runProg(['run', '--format', 'json', '--', ...child([
    { o: marker({ type: 'phase', id: 'build', total: 1 }) },
    { o: 'src/a.c:1:2: error: bad\n' },
    { o: marker({ type: 'item.fail', phase: 'build', id: 'a', error: 'boom' }) },
    { exit: 1 },
  ])], { env: j.env, cwd: j.ws });
  assert.is(r.code, 1);
  const events = strictNdjson(String(r.stdout));
  assert.ok(events.some((ev) => ev.type === 'summary'));
  assert.not.match(String(r.stdout), /^::/m);
  assert.equal(errorLines(r), [
    '::error title=compiler,file=src/a.c,line=1,col=2::error: bad',
    '::error title=build%3A a failed::boom',
  ]);
  assert.not.match(String(r.stderr), /::group::/);
  assert.match(readFileSync(j.summaryFile, 'utf8'), /^\| \*\*Result\*\* \| ❌ failed · exit code 1 \|$/m);
});

test('--format none: a command\'s stderr left mid-line does not swallow the first annotation', async () => {
  const j = job();
  const r = await runProg(['run', '--format', 'none', '--', ...child([mark({ type: 'item.fail', id: 'x', error: 'boom' }), e('no line end'), { exit: 1 }])], { env: j.env, cwd: j.ws });
  assert.is(r.code, 1);
  assert.equal(errorLines(r), ['::error title=x failed::boom'], String(r.stderr));
  assert.match(String(r.stderr), /^no line end\n::error /m);
});

test('a summary over GitHub\'s 1 MiB limit is cut below 1,000,000 bytes, between table rows, and says so; what the step wrote before counts', async () => {
  const j = job();
  const before = `# Earlier\n${'x'.repeat(200_000)}\n`;
  writeFileSync(j.summaryFile, before);
  // A node child: 1,000 failures with five 290-character lines each are ~1.5 MB of table.
  const program = `
    const line = (i, n) => String(n).repeat(290);
    for (let i = 0; i < 1000; i++) {
      const error = [1, 2, 3, 4, 5].map((n) => line(i, n)).join('\\n');
      require('node:fs').writeSync(2, '::prog::' + JSON.stringify({ type: 'item.fail', id: 'item-' + i, error }) + '\\n');
    }
    process.exit(1);`;
  const r = await runProg(['run', '--format', 'plain', '--', process.execPath, '-e', program], { env: j.env, cwd: j.ws });
  assert.is(r.code, 1);
  const size = statSync(j.summaryFile).size;
  assert.ok(size < 1_000_000, `${size} bytes`);
  assert.ok(size > 900_000, `${size} bytes: the room is used`);
  const md = readFileSync(j.summaryFile, 'utf8');
  assert.ok(md.startsWith(before), 'what was there stays');
  assert.match(md, /\n\n> ⚠️ \*\*Cut short:\*\* this summary was cut at [\d,]+ of [\d,]+ bytes: GitHub takes at most 1 MiB per step\./);
  // Every table row is whole.
  const rows = md.split('\n').filter((l) => l.startsWith('| <code>item-'));
  assert.ok(rows.length > 100 && rows.length < 1000, `${rows.length} rows`);
  for (const row of rows) assert.match(row, /^\| <code>item-\d+<\/code> \|  \| (\d{290}<br>){4}\d{290} \|$/);
});

test('a step summary already at GitHub\'s limit is left alone, with one warning; the exit status is the command\'s', async () => {
  const j = job();
  writeFileSync(j.summaryFile, 'y'.repeat(999_000));
  const r = await runProg(['run', '--format', 'plain', '--', ...child([{ exit: 4 }])], { env: j.env, cwd: j.ws });
  assert.is(r.code, 4);
  assert.is(statSync(j.summaryFile).size, 999_000);
  assert.match(String(r.stderr), /prog: warning: github: the step summary is 999000 bytes already, near GitHub's 1 MiB limit: this run's summary was not added; the run's exit status is unchanged/);
});

test('the ETA\'s accuracy is reported when past runs of the workflow existed, not before', async () => {
  const j = job();
  const home = tempDir();
  // A second of work, updated every 0.1 s: the second run's ETA comes from the first's duration.
  const cmd = ['run', '--format', 'plain', '--update-interval', '0.1', '--name', 'eta-check', '--', 'sleep', '1'];
  const first = await runProg(cmd, { env: j.env, cwd: j.ws, home });
  assert.is(first.code, 0, String(first.stderr));
  assert.not.match(readFileSync(j.summaryFile, 'utf8'), /\*\*ETA\*\*/);
  const second = await runProg(cmd, { env: j.env, cwd: j.ws, home });
  assert.is(second.code, 0, String(second.stderr));
  const md = readFileSync(j.summaryFile, 'utf8').split('\n## ')[1]!;
  // What it said at each checkpoint depends on the machine's pace; that it is said, and how, does not.
  assert.match(md, /^\| \*\*ETA\*\* \| from 1 past run(: (at \d+% it said [\d.]+s left, it was [\d.]+s \([+-]\d+%\)( · )?)*(its range held the time left in \d+ of \d+ updates \(\d+%\))?|; .*) \|$/m);
});

test('a run with no failures: no annotations, a short summary with ✅, exit 0', async () => {
  const j = job();
  const r = await runProg(['run', '--format', 'plain', '--', ...child([mark({ type: 'phase', id: 'p', total: 1 }), mark({ type: 'item.done', phase: 'p', id: 'x' })])], { env: j.env, cwd: j.ws });
  assert.is(r.code, 0);
  assert.not.match(String(r.stderr), /^::(error|warning)/m);
  const md = readFileSync(j.summaryFile, 'utf8');
  assert.match(md, /^## ✅ <code>.*<\/code> ok in [\d.]+s$/m);
  assert.not.match(md, /Failed items|Annotations/);
});

test('outside GitHub Actions nothing changes: no summary file, no annotations, no groups (even with GITHUB_STEP_SUMMARY set)', async () => {
  const j = job();
  const r = await runProg(['run', '--format', 'plain', '--', ...child([
    mark({ type: 'phase', id: 'p', total: 1 }),
    e('src/a.c:1:2: error: bad\n'),
    mark({ type: 'item.fail', phase: 'p', id: 'x', error: 'boom' }),
    { exit: 1 },
  ])], { env: { ...j.env, GITHUB_ACTIONS: undefined }, cwd: j.ws });
  assert.is(r.code, 1);
  assert.not.ok(existsSync(j.summaryFile));
  assert.not.match(String(r.stderr), /^::/m);
});

liveTest([tools.cc()], 'a real compiler\'s error on a real file: annotated on that file and line, relative to the checkout', async () => {
  const j = job();
  writeFileSync(join(j.ws, 'src', 'bad.c'), 'int main(void) {\n  int x = 1\n  return x;\n}\n');
  const r = await runProg(['run', '--format', 'plain', '--', 'cc', '-c', '-fno-diagnostics-color', join(j.ws, 'src', 'bad.c'), '-o', join(j.ws, 'bad.o')], { env: j.env, cwd: j.ws });
  assert.is.not(r.code, 0);
  const errors = errorLines(r);
  assert.ok(errors.length >= 1, String(r.stderr));
  assert.match(errors[0]!, /^::error title=compiler,file=src\/bad\.c,line=[23],col=\d+::error: expected /);
  assert.match(readFileSync(j.summaryFile, 'utf8'), /^\| \*\*Errors and warnings\*\* \| \d+ errors? \(\d+ at a file and line\) \|$/m);
});

liveTest([tools.pytest()], 'a real pytest failure: annotated on its test file (the item id names it), listed in the summary with its error', async () => {
  const j = job();
  mkdirSync(join(j.ws, 'tests'));
  writeFileSync(join(j.ws, 'tests', 'test_a.py'), 'def test_ok():\n    assert 1\n\ndef test_bad():\n    x = 1\n    assert x == 2, "x is not 2"\n');
  const r = await runProg(['run', '--format', 'plain', '--', '/usr/bin/python3', '-m', 'pytest', '-p', 'no:cacheprovider', 'tests'], { env: j.env, cwd: j.ws });
  assert.is(r.code, 1, String(r.stderr));
  assert.equal(errorLines(r), ['::error title=pytest%3A tests/test_a.py%3A%3Atest_bad failed,file=tests/test_a.py::AssertionError: x is not 2']);
  const md = readFileSync(j.summaryFile, 'utf8');
  assert.match(md, /^\| <code>tests\/test\\_a\.py::test\\_bad<\/code> \| pytest \| AssertionError: x is not 2 \|$/m);
  assert.match(md, /^\| ❌ \| pytest \| failed \| [\d.]+s \| 2\/2 \| 1 \| 1 \| 0 \|$/m);
});

test.run();
