// prog under hostile output, end to end: lines of a MiB that once kept a parser busy for minutes
// (and prog deaf to Ctrl-C and SIGTERM meanwhile), and result characters that once became an event
// each. Every bound is relative to the same run with --parser none.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_LINE_EVENTS } from '../../src/parsers/format-parser.js';
import { clean, startProg, type Live } from '../helpers/live.js';
import { waitUntil } from '../helpers/procfs.js';
import { ndjson, runProg } from '../helpers/prog.js';
import { onlyRun, runDirs } from '../helpers/runs.js';
import { scaled } from '../helpers/time.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));
const MiB = 1024 * 1024;

/** A child printing 1 MiB lines aimed at the parsers' expressions: 'Error: ' and spaces, `[`, digits… */
const HOSTILE = `const M = ${MiB};
const lines = ['Error: ' + ' '.repeat(M) + 'x', '1.00MiB 0:00:05 [' + ' '.repeat(M), '['.repeat(M), '##teamcity[' + 'a '.repeat(M / 2),
  'ok ' + '1'.repeat(M), '[' + '1/'.repeat(M / 2), 'collected ' + '9'.repeat(M), 'a: ' + ' '.repeat(M) + '1', '= '.repeat(M / 2) + 'x'];`;

/** `node -e` printing `count` hostile lines, then exiting. */
const printLines = (count: number) => [process.execPath, '-e', `${HOSTILE}
for (let i = 0; i < ${count}; i++) process.stdout.write(lines[i % lines.length] + '\\n');`];

/** `node -e` printing hostile lines until killed. */
const printForever = [process.execPath, '-e', `${HOSTILE}
let i = 0;
const next = () => process.stdout.write(lines[i++ % lines.length] + '\\n', () => setTimeout(next, 5));
next();`];

const recorded = (live: Live) => {
  const dir = runDirs(live.home)[0];
  if (dir === undefined) return 0;
  try {
    return statSync(join(dir, 'stdout.log')).size;
  } catch {
    return 0;
  }
};

/** Milliseconds from start to exit of `prog run --format plain --hide-output <args>`, which must exit 0. */
async function finish(args: string[], within: number): Promise<number> {
  const live = startProg(['run', '--format', 'plain', '--hide-output', ...args, '--', ...printLines(20)]);
  const end = await live.waitExit(within, `prog to finish 20 lines of a MiB (${args.join(' ') || 'parsers on'})`);
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  return end.ms;
}

test('20 hostile lines of a MiB: prog finishes about as fast as with --parser none', async () => {
  const none = await finish(['--parser', 'none'], 60_000);
  // The slack is for start-up, which a busy machine stretches more than the reading.
  const limit = 4 * none + scaled(3000);
  const parsed = await finish([], limit);
  assert.ok(parsed <= limit, `${parsed} ms with the parsers, ${none} ms without`);
});

/** Milliseconds from SIGTERM to prog's exit while it reads hostile lines as fast as they come. */
async function stopWhileBusy(args: string[], within: number): Promise<number> {
  const live = startProg(['run', '--format', 'plain', '--hide-output', ...args, '--', ...printForever]);
  // prog has the first line whole (its parsers are at it, or past it) and more keep coming.
  const first = 'Error: '.length + MiB + 'x\n'.length;
  await waitUntil(() => recorded(live) >= first || `${recorded(live)} bytes recorded`, 20_000, 'prog to record the first hostile line');
  const sentAt = Date.now();
  live.kill('SIGTERM');
  const end = await live.waitExit(within, `prog to act on SIGTERM (${args.join(' ') || 'parsers on'})`);
  assert.equal([end.code, end.signal], [null, 'SIGTERM'], live.transcript());
  return Date.now() - sentAt;
}

test('SIGTERM while prog reads hostile lines is acted on as promptly as with --parser none', async () => {
  const none = await stopWhileBusy(['--parser', 'none'], 30_000);
  const limit = 5 * none + scaled(2000);
  const parsed = await stopWhileBusy([], limit);
  assert.ok(parsed <= limit, `${parsed} ms after SIGTERM with the parsers, ${none} ms without`);
});

/** `node -e` printing a pytest session whose result line is `dots` long, written in pieces as pytest does. */
const pytestSession = (collected: string, dots: number) => [process.execPath, '-e', `
const w = (s) => new Promise((done) => process.stdout.write(s, done));
(async () => {
  await w('collected ${collected} items\\n');
  await w('test_a.py ');
  for (let i = 0; i < 16; i++) {
    await w('.'.repeat(${dots / 16}));
    await new Promise((done) => setTimeout(done, 5));
  }
  await w(' [100%]\\n=== 5 passed in 0.1s ===\\n');
})();`];

async function runPytest(collected: string, dots: number) {
  const r = await runProg(['run', '--format', 'json', '--', ...pytestSession(collected, dots)]);
  assert.is(r.code, 0, r.stderr.toString());
  const run = onlyRun(r.home);
  const summary = ndjson(r.stdout).find((e) => e.type === 'summary') as { counts: Record<string, number> };
  const items = run.events.filter((e) => String(e.type).startsWith('item.'));
  return { summary, items, eventsBytes: statSync(join(run.dir, 'events.ndjson')).size, outputBytes: run.stdout.length };
}

test('after collected 5 items, a line of 800,000 dots: at most 5 items, and an events log far smaller than the output', async () => {
  const { summary, items, eventsBytes, outputBytes } = await runPytest('5', 800_000);
  assert.ok(outputBytes > 800_000);
  assert.ok(items.length <= 5, `${items.length} item events`);
  assert.ok(summary.counts.processed! <= 5, JSON.stringify(summary.counts));
  assert.ok(eventsBytes <= 2 * outputBytes, `events log ${eventsBytes} bytes for ${outputBytes} bytes of output`);
});

test('a huge collected count and 800,000 dots: one line gives at most MAX_LINE_EVENTS events', async () => {
  const { summary, items, eventsBytes, outputBytes } = await runPytest('999999999', 800_000);
  assert.ok(items.length <= MAX_LINE_EVENTS, `${items.length} item events`);
  assert.ok(summary.counts.processed! <= MAX_LINE_EVENTS, JSON.stringify(summary.counts));
  assert.ok(eventsBytes <= 2 * outputBytes, `events log ${eventsBytes} bytes for ${outputBytes} bytes of output`);
});

uvuTest.run();
