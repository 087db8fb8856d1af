// The plain view from real runs: the child's bytes pass through, prog's lines go to stderr, start
// with [prog], never redraw, take colour only when asked, and show marker text escaped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { fixtures, progBin, runProg, tempDir, testEnv, type ProgResult } from '../helpers/prog.js';
import { child, collect, marker, onlyRun, statusLines, stripColour, type Step } from '../helpers/runs.js';

const fx = join(fixtures, 'fx.js');
const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e';
const HOSTILE_SHOWN = '\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e';
/** Any escape sequence that is not a colour (SGR), or a raw C1 CSI: cursor movement, clearing, titles. */
const NOT_COLOUR = /\x1b(?!\[[0-9;]*m)|\x9b/;

/** prog's part of stderr: every line but those the child wrote (here the child writes `child:` lines). */
function progLines(stderr: Buffer): string[] {
  return String(stderr).split('\n').filter((l) => l !== '' && !l.startsWith('child:') && !l.startsWith('prog: warning: '));
}

function checkStatusShape(r: ProgResult, { colour }: { colour: boolean }): void {
  const lines = progLines(r.stderr);
  assert.ok(lines.length > 0);
  for (const line of lines) {
    assert.ok(stripColour(line).startsWith('[prog] '), `status line starts with [prog]: ${JSON.stringify(line)}`);
    assert.not.ok(line.includes('\r'), `no carriage return: ${JSON.stringify(line)}`);
    assert.not.match(line, NOT_COLOUR, `no cursor movement or other escapes: ${JSON.stringify(line)}`);
    if (!colour) assert.not.ok(line.includes('\x1b'), `no colour: ${JSON.stringify(line)}`);
  }
  if (colour) assert.ok(lines.every((l) => l.startsWith('\x1b[2m[prog]\x1b[22m ')), 'every [prog] is coloured');
}

// A workflow that exercises every kind of status line, with a hostile name in every marker field.
const workflow: Step[] = [
  { o: marker({ type: 'workflow', name: `wf ${HOSTILE}` }) },
  { o: marker({ type: 'phase', id: 'map', name: `Map ${HOSTILE}`, total: 4 }) },
  { o: `raw child line ${HOSTILE}\n` },
  { e: 'child: to stderr\n' },
  { o: marker({ type: 'step', phase: 'map', name: `step ${HOSTILE}`, index: 1, total: 2 }) },
  { o: marker({ type: 'item.done', phase: 'map', id: 'f1', agent: 'a1' }) },
  { o: marker({ type: 'item.fail', phase: 'map', id: `f2 ${HOSTILE}`, agent: 'a2', error: `timeout ${HOSTILE}` }) },
  { o: marker({ type: 'item.fail', phase: 'map', id: 'f3', error: 'will retry', retry: 1, maxRetries: 3 }) },
  { o: marker({ type: 'item.fail', phase: 'map', id: 'f3', error: 'gave up\r\nfor good' }) },
  { o: marker({ type: 'log', level: 'warn', source: `src ${HOSTILE}`, message: `careful ${HOSTILE}` }) },
  { o: marker({ type: 'phase.end', id: 'map', status: 'failed' }) },
  { o: '::prog::not json\n' },
  { exit: 3 },
];
const expectedStdout = `raw child line ${HOSTILE}\n::prog::not json\n`;

let plain: ProgResult;
let coloured: ProgResult;

test.before(async () => {
  [plain, coloured] = await Promise.all([
    runProg(['run', '--format', 'plain', '--', ...child(workflow)]),
    runProg(['run', '--format', 'plain', '--', ...child(workflow)], { env: { FORCE_COLOR: '1' } }),
  ]);
});

test('the child\'s output passes through byte for byte (escapes included), markers removed', () => {
  assert.is(plain.code, 3);
  assert.is(plain.stdout.toString(), expectedStdout);
  assert.match(String(plain.stderr), /^child: to stderr$/m);
});

test('status lines: on stderr, each starting with [prog], no \\r, no cursor movement, no colour by default', () => {
  checkStatusShape(plain, { colour: false });
  assert.is(plain.stdout.toString().includes('[prog]'), false, 'nothing of prog\'s on stdout');
});

test('marker fields are shown escaped, never raw', () => {
  const err = String(plain.stderr);
  assert.is((err.match(/^prog: warning: /gm) ?? []).length, 1, 'one warning, for the invalid marker');
  assert.not.ok(err.includes('\x07') || err.includes('\u009b') || err.includes('\u202e') || err.includes('\x1b]'), 'no raw hostile character');
  const lines = statusLines(plain.stderr);
  for (const what of ['wf', 'Map', 'step', 'f2', 'timeout', 'src', 'careful']) {
    assert.ok(lines.some((l) => l.includes(`${what} ${HOSTILE_SHOWN}`)), `${what} is shown escaped`);
  }
  // A multi-line error is shown line by line, each under prog's own prefix: never a bare line.
  const at = lines.findIndex((l) => l === '[prog]   map/f3: gave up');
  assert.ok(at > 0 && lines[at + 1] === '[prog]     │ for good', 'the error\'s second line is prog\'s line, under the failure');
});

/** Output tails under failures mix stdout and stderr in arrival order, which races: compared apart. */
const TAIL = /^\[prog\] {5}│ /;

test('the summary: outcome, duration, counts, phases, failed items with errors, where it is recorded', () => {
  const all = statusLines(plain.stderr);
  const tailOfF2 = all.slice(all.findIndex((l) => l.startsWith('[prog]   map/f2')) + 1).filter((l, i, rest) => rest.slice(0, i + 1).every((x) => TAIL.test(x)));
  assert.ok(tailOfF2.some((l) => l.includes('raw child line')), `the failure shows the output before it:\n${all.join('\n')}`);
  const lines = all.filter((l) => !TAIL.test(l));
  const at = lines.findIndex((l) => l.startsWith('[prog] finished'));
  assert.ok(at > 0, 'there is a summary');
  assert.match(lines[at]!, /^\[prog\] finished failed · exit 3 · \d+\.\ds$/);
  assert.is(lines[at + 1], '[prog] items: 1 ok, 2 failed, 1 retried · 33% succeeded');
  assert.match(lines[at + 2]!, new RegExp(`^\\[prog\\] {3}✖ Map \\\\x1b.* failed in \\d+\\.\\ds · 3/4$`));
  assert.is(lines[at + 3], '[prog] failed items:');
  assert.is(lines[at + 4], `[prog]   map/f2 ${HOSTILE_SHOWN} [a2]: timeout ${HOSTILE_SHOWN}`);
  assert.is(lines[at + 5], '[prog]   map/f3: gave up');
  assert.is(lines[at + 6], '[prog] logs: 1 warning');
  assert.match(lines[at + 7]!, /^\[prog\] 1 line\(s\) started like ::prog:: markers but were not valid/);
  assert.is(lines[at + 8], `[prog] recorded in ${onlyRun(plain.home).dir}`);
  assert.is(lines.length, at + 9, 'the summary is last');
});

test('FORCE_COLOR colours the status lines, and still never moves the cursor', () => {
  assert.is(coloured.code, 3);
  assert.is(coloured.stdout.toString(), expectedStdout, 'colour never touches the child\'s bytes');
  checkStatusShape(coloured, { colour: true });
  const same = (lines: string[]) => lines.filter((l) => !TAIL.test(l)).map((l) => l.replace(/recorded in .*/, 'recorded in DIR').replace(/\d+\.\ds/g, 'Ns').replace(/\d{8}-\d{6}-[0-9a-f]+/g, 'ID'));
  assert.equal(same(statusLines(coloured.stderr)), same(statusLines(plain.stderr)), 'the same lines, coloured');
});

test('FORCE_COLOR beats NO_COLOR, as in Node; an empty NO_COLOR does not count; a non-empty one turns colour off', async () => {
  for (const [env, colour] of [
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    [{ FORCE_COLOR: '1', NO_COLOR: '' }, true],
    [{ NO_COLOR: '1' }, false],
  ] as const) {
    const r = await runProg(['run', '--format', 'plain', '--', 'sh', '-c', 'exit 1'], { env });
    assert.is(r.code, 1);
    checkStatusShape(r, { colour });
  }
});

test('NO_COLOR with FORCE_COLOR: nothing but [prog] lines on stderr (no Node runtime warning either)', async () => {
  const r = await runProg(['run', '--format', 'plain', '--', 'sh', '-c', 'exit 1'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
  assert.is(r.code, 1);
  checkStatusShape(r, { colour: true });
  assert.not.match(r.stderr.toString(), /Warning/);
});

test('the command\'s own --color flags do not decide prog\'s colour', async () => {
  const [forced, plainRun] = await Promise.all([
    // Without `--`, the command's words follow prog's: prog must not read them as its own.
    runProg(['run', process.execPath, fx, 'exit', '0', '--color=always', '--color']),
    runProg(['run', process.execPath, fx, 'exit', '0', '--no-color'], { env: { FORCE_COLOR: '1' } }),
  ]);
  assert.is(forced.code, 0);
  checkStatusShape(forced, { colour: false });
  assert.is(plainRun.code, 0);
  checkStatusShape(plainRun, { colour: true });
});

test('[prog] lines only ever start a line, however the child leaves its stderr lines', async () => {
  const steps: Step[] = [];
  for (let i = 0; i < 30; i++) {
    steps.push({ e: `child: partial ${i}` }, { o: marker({ type: 'log', message: `m${i}` }) }, { e: ' rest\n' });
  }
  steps.push({ e: 'child: no end' });
  const r = await runProg(['run', '--format', 'plain', '--', ...child(steps)]);
  assert.is(r.code, 0);
  const lines = String(r.stderr).split('\n');
  assert.ok(lines.filter((l) => l.startsWith('[prog] info: m')).length === 30, 'every log line is shown');
  for (const line of lines) {
    assert.ok(!line.includes('[prog]') || line.startsWith('[prog]'), `[prog] in the middle of a line: ${JSON.stringify(line)}`);
  }
  // The child's bytes are all there, in order, once prog's lines are taken out.
  assert.is(lines.pop(), '', 'stderr ends with a whole line');
  const childText = lines.filter((l) => !l.startsWith('[prog]')).join('\n');
  const expected = Array.from({ length: 30 }, (_, i) => `child: partial ${i}\\n? rest`).join('\\n') + '\\nchild: no end';
  assert.match(childText, new RegExp(`^${expected}$`));
});

test('2>&1: [prog] lines still start a line when the child leaves stdout lines unfinished', async () => {
  const steps: Step[] = [];
  // Markers on the progress channel (fd 3, as `prog emit` does) while a stdout line is unfinished.
  for (let i = 0; i < 20; i++) steps.push({ o: `working ${i}...` }, { sleep: 5 }, { fd: 3, w: marker({ type: 'log', message: `m${i}` }) }, { sleep: 5 }, { o: ' ok\n' });
  steps.push({ o: 'no end' });
  const env = testEnv(tempDir(), { PROG: progBin });
  const r = await collect('sh', ['-c', 'exec "$0" "$PROG" run --format plain -- "$@" 2>&1', process.execPath, ...child(steps)], env);
  assert.is(r.code, 0);
  const lines = String(r.stdout).split('\n');
  assert.is(lines.filter((l) => l.startsWith('[prog] info: m')).length, 20);
  for (const line of lines) assert.ok(!line.includes('[prog]') || line.startsWith('[prog]'), `[prog] mid-line: ${JSON.stringify(line)}`);
  assert.ok(lines.includes('no end'), 'the unfinished last line is ended before the summary');
});

test('progress lines while a phase moves: each crosses a 10 % boundary (a run under 10 s)', async () => {
  // ~3.5 s: a tick each second sees the phase a good way further on.
  const steps: Step[] = [{ o: marker({ type: 'phase', id: 'p', name: 'Upload', total: 70 }) }];
  for (let i = 1; i <= 70; i++) steps.push({ sleep: 50 }, { o: marker({ type: 'progress', phase: 'p', current: i }) });
  steps.push({ o: marker({ type: 'phase.end', id: 'p' }) });
  const r = await runProg(['run', '--format', 'plain', '--', ...child(steps)]);
  assert.is(r.code, 0);
  checkStatusShape(r, { colour: false });
  const progress = statusLines(r.stderr).map((l) => /^\[prog\] Upload (\d+)\/70 (\d+)%/.exec(l)).filter((m) => m !== null);
  assert.ok(progress.length >= 1, `at least one progress line in a ${onlyRun(r.home).run.durationMs} ms run`);
  const { durationMs } = onlyRun(r.home).run;
  if (durationMs < 10_000) {
    const buckets = progress.map((m) => Math.floor(Number(m[2]) / 10));
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]! > buckets[i - 1]!, `each line crossed a boundary: ${buckets}`);
  }
  const status = statusLines(r.stderr);
  assert.ok(status.some((l) => /^\[prog\] ✔ Upload ok in .* · 70\/70 · 0 ok, 0 failed$/.test(l)), status.join('\n'));
  assert.ok(status.some((l) => /^\[prog\] {3}✔ Upload ok in .* · 70\/70$/.test(l)), 'the summary shows where the phase got to');
  // Sampled once a second: the progress lines and the summary say what the command used.
  assert.ok(status.some((l) => /^\[prog\] resources: peak memory \d+(\.\d)? [kMG]?B · CPU time [\d.]+s · peak CPU \d+% · disk [-+±]/.test(l)), status.join('\n'));
  assert.ok(progress.length === 0 || status.some((l) => /^\[prog\] Upload \d+\/70 .* · CPU \d+% · Mem \d/.test(l)), 'progress lines carry CPU and memory once sampled');
});

test.run();
