// The node --test spec reporter parser: unit tests over lines recorded from real node 20 runs (piped
// with --test-reporter=spec, and on a terminal where spec is the default, coloured), the recordings
// replayed through the real binary, and node run live. Each recording's expected counts
// (<name>.expect.json) come from node's own summary (ℹ tests …), not from this parser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stripAnsi } from '../../../src/lines/ansi.js';
import { MAX_LINE_EVENTS, type Emit } from '../../../src/parsers/format-parser.js';
import { parser as spec, parseReport } from '../../../src/parsers/formats/node-spec.js';
import { loadParserSpecs } from '../../../src/parsers/parser-hub.js';
import { fixtures, ndjson, runProg } from '../../helpers/prog.js';
import { notLinear } from '../../helpers/time.js';
import { itemCounts } from '../../helpers/recordings.js';

type Event = Record<string, unknown>;
const dir = join(fixtures, 'node-spec');
const NAMES = ['suite', 'suite-pty', 'skipped'];

interface Expect {
  command: string;
  counts: { processed: number; succeeded: number; failed: number; skipped: number };
  phaseStatus: string;
  exitCode: number;
  failures: string[];
  warning: boolean;
}
const expectOf = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.expect.json`), 'utf8')) as Expect;

/** The lines a recording printed on stdout (a terminal's `\r\n` ends included). */
function recordedLines(name: string): string[] {
  const records = readFileSync(join(dir, `${name}.rec`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { fd?: number; b64?: string });
  const text = Buffer.concat(records.filter((r) => r.fd === 1).map((r) => Buffer.from(r.b64!, 'base64'))).toString();
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Feeds lines as the hub would: escapes stripped, the parser on from the first line it detects. */
function feed(lines: string[], options: { fromStart?: boolean } = {}): Event[] {
  const events: Event[] = [];
  const emit: Emit = (e) => events.push(e as Event);
  const p = spec.create();
  let on = options.fromStart === true;
  for (const raw of lines) {
    const text = stripAnsi(raw);
    on ||= spec.detect.test(text);
    if (on) p.line({ stream: 'stdout', raw, text, eol: '\n' }, emit);
  }
  p.end?.(emit);
  return events;
}

const ofType = (events: Event[], type: string) => events.filter((e) => e.type === type);
const items = (events: Event[]) => events.filter((e) => String(e.type).startsWith('item.'));

const counts = (events: Event[]) => itemCounts(events);

const SUMMARY = (tests: number, suites: number, pass: number, fail: number, skipped = 0, todo = 0, cancelled = 0) => [
  `ℹ tests ${tests}`, `ℹ suites ${suites}`, `ℹ pass ${pass}`, `ℹ fail ${fail}`, `ℹ cancelled ${cancelled}`, `ℹ skipped ${skipped}`, `ℹ todo ${todo}`,
  'ℹ duration_ms 52.1',
];

// ---------------------------------------------------------------- unit: lines

test('report lines: outcome, name, skip reason and todo text after the duration', () => {
  assert.equal(parseReport('✔ opens (1.094305ms)'), { outcome: 'pass', name: 'opens' });
  assert.equal(parseReport('✖ reads (2.2ms)'), { outcome: 'fail', name: 'reads' });
  assert.equal(parseReport('✖ connects'), { outcome: 'fail', name: 'connects' }, 'cancelled: no duration');
  assert.equal(parseReport('﹣ compacts (0.25ms) # slow disk'), { outcome: 'skip', name: 'compacts', reason: 'slow disk' });
  assert.equal(parseReport('﹣ offline (0.19ms) # SKIP'), { outcome: 'skip', name: 'offline' });
  assert.equal(parseReport('✔ drops (0.1ms) # TODO'), { outcome: 'todo', name: 'drops', reason: 'TODO' });
  assert.equal(parseReport('✖ rebuilds (0.14ms) # not yet'), { outcome: 'todo', name: 'rebuilds', reason: 'TODO not yet' });
  assert.equal(parseReport('✔ with # hash (1ms) # x (0.14ms)'), { outcome: 'pass', name: 'with # hash (1ms) # x' }, 'a name with ` # ` and a duration of its own');
  for (const other of ['✔done', '✓ a (1.2ms)', '▶ store', 'ℹ tests 3', '✔  ', 'ok 1 - x']) assert.is(parseReport(other), undefined, other);
});

test('detect: a test line with node\'s fractional duration, or a group; not mocha, ava, listr or vitest', () => {
  for (const line of ['✔ opens (1.094305ms)', '  ✖ reads (2.233788ms)', '    ﹣ compacts (0.253941ms) # slow disk', '✔ export (0.317081ms) # formats', '▶ store', '  ▶ index']) {
    assert.ok(spec.detect.test(line), line);
  }
  for (const line of ['✔ works (120ms)', '  ✔ adds (3ms)', '✔ Build complete', '✔ Task done', '✓ adds (1.2ms)', 'ℹ tests 3', '✔ (1.2ms)', 'x ✔ a (1.2ms)', '▶', '▶  x']) {
    assert.not.ok(spec.detect.test(line), line);
  }
});

test('the hub loads the parser: it is listed with its name and a prefilter for its symbols', async () => {
  const specs = await loadParserSpecs();
  assert.ok(specs.some((s) => s.name === 'node-spec' && s.detect === spec.detect));
  assert.ok([spec.contains].flat().includes('✔ '));
});

// ---------------------------------------------------------------- unit: recordings

for (const name of NAMES) {
  test(`${name}: items, failures, phase end and warning from the recorded lines match the expect file`, () => {
    const want = expectOf(name);
    const events = feed(recordedLines(name));
    assert.equal(counts(events), want.counts);
    assert.equal(ofType(events, 'phase.end').map((e) => e.status), [want.phaseStatus]);
    // The items counted are the run's total: a failing run reached its end (what history keeps).
    assert.is(ofType(events, 'phase').at(-1)!.total, want.counts.processed);
    assert.equal(ofType(events, 'item.fail').map((e) => e.id), want.failures);
    assert.is(ofType(events, 'log').filter((e) => e.level === 'warn' && e.source === 'prog').length, want.warning ? 1 : 0);
    assert.equal(ofType(events, 'step'), [], 'no steps: plain mode prints no line per test');
    assert.ok(events.every((e) => e.type !== 'item.start' && (!('phase' in e) || e.phase === 'node')));
  });
}

test('tests at any depth are items, named by their path; skip and todo at depth count; groups wait for the summary', () => {
  const lines = recordedLines('suite-pty');
  const events = feed(lines);
  const live = items(events.slice(0, events.findIndex((e) => e.id === 'cleanup') + 1));
  assert.equal(live.map((e) => e.id), [
    'store › opens', 'store › reads', 'store › compacts', 'store › index › builds', 'store › index › rebuilds', 'store › index › migrates › v1',
    'store › index › migrates › v2', 'sync › pulls', 'sync › merges › fast-forward', 'sync › merges › conflict', 'sync › offline', 'export › csv',
    'network › connects', 'network › retries', 'cleanup',
  ]);
  assert.equal(ofType(events, 'item.skip').map((e) => [e.id, e.reason]), [
    ['store › compacts', 'slow disk'], ['store › index › rebuilds', 'TODO not yet'], ['sync › offline', undefined], ['export', 'TODO formats'],
  ]);
  // At the summary: the groups node counted as tests, the deepest first.
  assert.equal(items(events).slice(live.length).map((e) => [e.type, e.id]), [
    ['item.done', 'store › index › migrates'], ['item.fail', 'sync › merges'], ['item.fail', 'store'], ['item.skip', 'export'],
  ]);
});

test('failures: counted as ✖ is printed, with the error\'s first line; the failing tests list is not counted again', () => {
  const lines = recordedLines('suite');
  const events = feed(lines);
  const fails = ofType(events, 'item.fail');
  assert.equal(fails.slice(0, 4).map((e) => [e.id, e.error]), [
    ['store › reads', 'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:'],
    ['sync › merges › conflict', 'Error: both modified'],
    ['network › connects', 'test did not finish before its parent and was cancelled'],
    ['network › retries', 'test did not finish before its parent and was cancelled'],
  ]);
  assert.equal(fails.slice(4).map((e) => e.error), ['a subtest failed: conflict', 'a subtest failed: reads']);
  const summaryAt = lines.indexOf('✖ failing tests:');
  assert.ok(summaryAt > 0 && lines.slice(summaryAt).some((l) => l.startsWith('✖ reads')), 'node lists the failures again');
  assert.equal(items(feed(lines.slice(0, summaryAt))), items(events));
  // Live: the failure is emitted by the line after it (its error), before any later test.
  const order = items(events).map((e) => e.id);
  assert.ok(order.indexOf('store › reads') < order.indexOf('store › compacts'));
});

test('the summary that still differs (a describe.skip, an empty describe) is one warning saying what differs', () => {
  const [warning] = ofType(feed(recordedLines('skipped')), 'log');
  assert.equal([warning!.level, warning!.source], ['warn', 'prog']);
  assert.is(
    warning!.message,
    "node --test's summary differs from the tests prog counted: tests 3 (prog 5), pass 3 (prog 4), skipped + todo 0 (prog 1) (a describe.skip() or an empty describe() prints like a test; --test-reporter=tap tells them apart)",
  );
});

test('groups: as many of an outcome become items as node counts beyond the leaves, the deepest first', () => {
  const lines = [
    '▶ api', '  ▶ get', '    ✔ json (1.5ms)', '    ✔ xml (1.5ms)', '  ✔ get (3.1ms)', '  ✔ put (0.5ms)', '✔ api (4.2ms)',
    '▶ db', '  ✔ opens (0.5ms)', '✔ db (0.9ms)',
  ];
  // node: 5 tests (json, xml, put, opens, and get: a test with subtests), 2 suites (api, db).
  const events = feed([...lines, ...SUMMARY(5, 2, 5, 0)]);
  assert.equal(items(events).map((e) => e.id), ['api › get › json', 'api › get › xml', 'api › put', 'db › opens', 'api › get']);
  assert.equal(ofType(events, 'log'), [], 'the counts agree');
  assert.equal(ofType(events, 'phase.end').map((e) => e.status), ['ok']);
});

test('lines of another tool that look alike are not tests: nothing before a test line with node\'s duration', () => {
  assert.equal(feed(['▶ Deploying', '✔ Built', '✔ Uploaded (12ms)', '  ✖ Failed to notify', 'ℹ tests 3', 'ℹ duration_ms 2']), []);
  assert.equal(feed(['✔ works (120ms)', '✖ fails (3ms)'], { fromStart: true }), [], 'mocha\'s whole milliseconds, even with the parser forced');
});

test('a second node run after the first summary starts afresh: its own items and summary check', () => {
  const run = ['✔ a (1.5ms)', '✖ b (1.5ms)', '  Error: x', ''];
  const events = feed([...run, ...SUMMARY(2, 0, 1, 1), ...run, ...SUMMARY(2, 0, 1, 1)]);
  assert.equal(events.map((e) => (e.type === 'phase' ? `phase ${e.total ?? ''}` : e.type)), [
    'phase ', 'item.done', 'item.fail', 'phase 2', 'phase.end', 'phase ', 'item.done', 'item.fail', 'phase 2', 'phase.end',
  ]);
});

test('output cut before the summary: a failure seen ends the phase failed; otherwise the exit decides', () => {
  assert.equal(ofType(feed(['✔ a (1.5ms)', '✖ b (1.5ms)']), 'phase.end').map((e) => e.status), ['failed']);
  assert.equal(ofType(feed(['✔ a (1.5ms)']), 'phase.end'), []);
  assert.equal(ofType(feed(['✖ b (1.5ms)']), 'item.fail').map((e) => e.id), ['b'], 'the held failure is emitted at the end');
});

// ---------------------------------------------------------------- unit: robustness

test('property: never throws; items never more than test lines and groups; bounded events per line', () => {
  const tokens = fc.constantFrom(
    '▶ g', '  ▶ h', '✔ a (1.5ms)', '  ✔ b (0.1ms)', '    ✖ c (2.0ms)', '  ﹣ d (0.1ms) # SKIP', '✔ e (1.2ms) # TODO', '✖ f', '  Error: boom', '',
    '✖ failing tests:', 'test at x.mjs:1:1', 'ℹ tests 3', 'ℹ suites 1', 'ℹ pass 9', 'ℹ fail 2', 'ℹ todo 1', 'ℹ duration_ms 5.5', '   ✔ odd (1.1ms)',
  );
  const line = fc.oneof(tokens, fc.string(), fc.tuple(tokens, fc.string()).map(([a, b]) => a + b));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 60 }), (lines) => {
      const events = feed(lines, { fromStart: true });
      const candidates = lines.filter((l) => /^ *[✔✖﹣▶] /.test(l)).length;
      return items(events).length <= candidates;
    }),
    { numRuns: 400 },
  );
  // 5000 groups that were all tests, by node's summary: their items are cut to what one line may give.
  const many = [...Array.from({ length: 5000 }, (_, i) => [`▶ g${i}`, `  ✔ t${i} (1.5ms)`, `✔ g${i} (1.5ms)`]).flat(), ...SUMMARY(10_000, 0, 10_000, 0)];
  const events: Event[] = [];
  const p = spec.create();
  let perLine = 0;
  for (const l of many) {
    let n = 0;
    p.line({ stream: 'stdout', raw: l, text: l, eol: '\n' }, (e) => { n++; events.push(e as Event); });
    perLine = Math.max(perLine, n);
  }
  assert.ok(perLine <= MAX_LINE_EVENTS, `${perLine} events on one line`);
  assert.is(ofType(events, 'log').length, 1, 'and the difference left is said');
});

test('1 MiB pathological lines complete and give no events', () => {
  const MiB = 1024 * 1024;
  const lines = [
    '✔ ' + ' ('.repeat(MiB / 2),
    '✔ a' + ' (1'.repeat(MiB / 3),
    '✔ a (' + '9'.repeat(MiB) + 'x',
    '✔ a (1.' + '9'.repeat(MiB) + 'ms) x',
    '✖ ' + ' # '.repeat(MiB / 3),
    ' '.repeat(MiB) + 'x',
    'ℹ tests ' + '9'.repeat(MiB) + 'x',
    '▶' + ' '.repeat(MiB),
  ];
  let found: ReturnType<typeof items> = [];
  const slow = notLinear('detect and feed', lines.join(''), () => {
    for (const l of lines) spec.detect.test(l);
    found = items(feed(lines, { fromStart: true }));
  });
  assert.is(slow, undefined, slow);
  assert.equal(found, []);
  // A test line 1 MiB long is read, its name cut short.
  const long = feed(['✔ ' + 'a # '.repeat(MiB / 4) + ' (1.5ms)']);
  assert.is(String(items(long)[0]!.id).length, 200);
});

// ---------------------------------------------------------------- end to end: the real binary

type Summary = { counts: Record<string, number>; phases: { id: string; status: string }[]; failures: { id: string }[] };

async function progRun(command: string[], format = 'json') {
  const r = await runProg(['run', '--format', format, '--', ...command], { env: { PROG_PROGRESS_FD: undefined } });
  return { r, events: format === 'json' ? ndjson(r.stdout) : [] };
}

function checkSummary(name: string, events: Event[], code: number | null) {
  const want = expectOf(name);
  const summary = events.find((e) => e.type === 'summary') as unknown as Summary;
  assert.ok(summary, `${name}: no summary`);
  const { processed, succeeded, failed, skipped } = summary.counts;
  assert.equal({ processed, succeeded, failed, skipped }, want.counts, name);
  assert.is(summary.phases.find((p) => p.id === 'node')?.status, want.phaseStatus, name);
  assert.equal(summary.failures.map((f) => f.id), want.failures, name);
  assert.is(events.filter((e) => e.type === 'log' && e.level === 'warn' && e.source === 'prog').length, want.warning ? 1 : 0, name);
  assert.is(code, want.exitCode, name);
}

test('end to end: each recording replayed under prog run --format json gives the expected summary', async () => {
  const runs = await Promise.all(NAMES.map((name) => progRun([process.execPath, join(fixtures, 'replay.js'), join(dir, `${name}.rec`), '--speed', '0'])));
  NAMES.forEach((name, i) => checkSummary(name, runs[i]!.events, runs[i]!.r.code));
});

/** node's own summary (`ℹ tests 19` …) among the lines the run printed, as prog's counts would be. */
function nodeSummary(events: Event[]): Record<string, number> {
  const node: Record<string, number> = {};
  for (const e of events) {
    const m = e.type === 'output' ? /^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(String(e.line)) : null;
    if (m) node[m[1]!] = Number(m[2]);
  }
  return { processed: node.tests!, succeeded: node.pass!, failed: node.fail! + node.cancelled!, skipped: node.skipped! + node.todo! };
}

test('LIVE: node --test --test-reporter=spec under prog: the final counts equal node\'s own summary, or prog warns', async () => {
  const [suite, skipped] = await Promise.all(['suite', 'skipped'].map((name) => progRun([process.execPath, '--test', '--test-reporter=spec', join(dir, `${name}.mjs`)])));
  const counts = (events: Event[]) => {
    const { processed, succeeded, failed, skipped: s } = (events.find((e) => e.type === 'summary') as unknown as Summary).counts;
    return { processed, succeeded, failed, skipped: s };
  };
  assert.equal(counts(suite!.events), nodeSummary(suite!.events));
  checkSummary('suite', suite!.events, suite!.r.code);
  assert.not.equal(counts(skipped!.events), nodeSummary(skipped!.events));
  checkSummary('skipped', skipped!.events, skipped!.r.code);
});

test('end to end: plain mode prints no line per test (failures only, as they happen)', async () => {
  const { r } = await progRun([process.execPath, join(fixtures, 'replay.js'), join(dir, 'suite-pty.rec'), '--speed', '0'], 'plain');
  const said = r.stderr.toString().split('\n').filter((l) => l.startsWith('[prog]'));
  assert.equal(said.filter((l) => /\bstep\b/.test(l)), [], said.join('\n'));
  for (const id of ['store › opens', 'sync › pulls', 'cleanup']) assert.not.ok(said.some((l) => l.includes(id)), id);
  assert.ok(said.some((l) => l.includes('✖ failed node/store › reads')), said.join('\n'));
});

test.run();
