// --format plain: prog's lines always start a line, and add nothing to the command's output while
// the command ends its lines. A line the command left open (a `\r` redraw, text without its `\n`)
// holds them until its `\n`, for at most HOLD_MS (1 s); past that, or at the end of the run, prog
// ends the open line with one `\n` of its own. Real processes; bytes compared exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOLD_MS } from '../../src/display/plain.js';
import { clean, start, startProg } from '../helpers/live.js';
import { progBin, tempDir } from '../helpers/prog.js';
import { child, marker, onlyRun, type Step } from '../helpers/runs.js';

/** prog's stderr without prog's own lines (`[prog] …\n`, no colour in a pipe): what the command wrote. */
function withoutProg(text: string): string {
  return text.replace(/\[prog\] [^\n]*\n/g, '');
}

/** The bytes the steps write to stderr (or stdout), in order. */
function written(steps: Step[], key: 'e' | 'o' = 'e'): string {
  return steps.map((s) => (key in s ? (s as Record<string, string>)[key] : '')).join('');
}

const log = (message: string): Step => ({ fd: 3, w: `${JSON.stringify({ type: 'log', level: 'info', message })}\n` });

test('prog\'s line waits for the command\'s open \\r line to end, then follows its \\n; the bytes stay exact', clean(async () => {
  const dir = tempDir();
  const opened = join(dir, 'opened');
  const steps: Step[] = [
    { e: 'fetch 10%\r' },
    // On only once prog has passed the open line on: the marker meets it open.
    { until: opened },
    log('m1'),
    { sleep: 100 },
    { e: 'fetch 60%\r' },
    { e: 'fetch 100%\n' },
    { e: 'next\n' },
  ];
  const live = startProg(['run', '--format', 'plain', '--', ...child(steps)]);
  await live.waitErr(/fetch 10%\r/, 10_000, 'the open line');
  writeFileSync(opened, '');
  const ended = await live.waitExit(20_000);
  assert.is(ended.code, 0);
  const stderr = live.stderr();
  assert.ok(stderr.includes('fetch 100%\n[prog] info: m1\n'), `prog's line right after the command's \\n:\n${JSON.stringify(stderr)}`);
  assert.not.ok(stderr.includes('\r\n'), 'no line end added after the \\r');
  assert.is(withoutProg(stderr), written(steps), 'the command\'s stderr, exactly, once prog\'s lines are taken out');
  assert.is(onlyRun(live.home).stderr.toString(), written(steps), 'stderr.log holds the command\'s bytes');
}));

test('a line left open past the bound: after HOLD_MS prog ends it with one \\n and its line follows', clean(async () => {
  const dir = tempDir();
  const opened = join(dir, 'opened');
  const shown = join(dir, 'shown');
  const steps: Step[] = [
    { e: 'fetch 10%\r' },
    { until: opened },
    log('m1'),
    // Held open until the test has seen prog's line.
    { until: shown },
    { e: 'fetch 60%\r' },
    { e: 'fetch 100%\n' },
    log('m2'),
    { e: 'done\n' },
  ];
  const live = startProg(['run', '--format', 'plain', '--', ...child(steps)]);
  await live.waitErr(/fetch 10%\r/, 10_000, 'the open line');
  const from = Date.now();
  writeFileSync(opened, '');
  await live.waitErr(/\[prog\] info: m1\n/, 10_000, 'prog\'s line, once the bound has passed');
  const waited = Date.now() - from;
  writeFileSync(shown, '');
  const ended = await live.waitExit(20_000);
  assert.is(ended.code, 0);
  assert.ok(waited >= HOLD_MS * 0.9, `prog's line waited for the bound (${waited} ms)`);
  const stderr = live.stderr();
  assert.ok(stderr.includes('fetch 10%\r\n[prog] info: m1\nfetch 60%\r'), `one \\n added after the \\r:\n${JSON.stringify(stderr)}`);
  assert.is(withoutProg(stderr.replace('%\r\n[prog]', '%\r[prog]')), written(steps), 'that \\n is the only byte added');
  assert.is(onlyRun(live.home).stderr.toString(), written(steps));
}));

test('the run ends on an open line: prog ends it with one \\n, then its summary', clean(async () => {
  for (const last of ['no end', 'bar 100%\r']) {
    const steps: Step[] = [{ e: 'first\n' }, { e: last }];
    const live = startProg(['run', '--format', 'plain', '--', ...child(steps)]);
    const ended = await live.waitExit(20_000);
    assert.is(ended.code, 0);
    const stderr = live.stderr();
    assert.ok(stderr.includes(`first\n${last}\n[prog] finished ok · exit 0`), JSON.stringify(stderr));
    assert.is(withoutProg(stderr.replace(`${last}\n[prog]`, `${last}[prog]`)), written(steps), 'that \\n is the only byte added');
    assert.is(onlyRun(live.home).stderr.toString(), written(steps));
  }
}));

test('2>&1: a stdout line left open holds prog\'s line too, and the combined bytes stay exact', clean(async () => {
  const dir = tempDir();
  const opened = join(dir, 'opened');
  const steps: Step[] = [
    { o: 'working...' },
    { until: opened },
    log('m1'),
    { sleep: 100 },
    { o: ' ok\n' },
    { o: 'more\n' },
  ];
  const live = start('sh', ['-c', 'exec "$0" "$1" run --format plain -- "$2" "$3" "$4" 2>&1', process.execPath, progBin, ...child(steps)]);
  await live.waitOut(/working\.\.\./, 10_000, 'the open line');
  writeFileSync(opened, '');
  const ended = await live.waitExit(20_000);
  assert.is(ended.code, 0);
  const out = live.stdout();
  assert.ok(out.includes('working... ok\n[prog] info: m1\n'), JSON.stringify(out));
  assert.is(withoutProg(out), written(steps, 'o'));
}));

test.run();
