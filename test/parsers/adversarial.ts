// Every parser, and the detector that runs on every line until one switches on, takes time linear in
// a line's length: hostile 1 MiB lines (long runs of spaces, digits, `[`, `%`, `:`…, after the head
// of each format) are timed against plain passes over the same line, measured just before. A
// quadratic expression fails by orders of magnitude; sizes grow (32 KiB, 64 KiB, then 1 MiB) so
// that one fails in a second rather than hanging for minutes.
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { StreamName } from '../../src/events.js';
import type { FormatParser, ParserSpec } from '../../src/parsers/format-parser.js';
import { loadParserSpecs, ParserHub } from '../../src/parsers/parser-hub.js';
import { stripAnsi } from '../../src/lines/ansi.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/**
 * Parse time allowed, in multiples of the plain passes: linear code stays far below (the worst is
 * about 25×), even on a loaded machine. BUDGET=… in the environment shows how close each comes.
 */
const BUDGET = Number(process.env.BUDGET ?? 200);

/** Long runs, alone: each the stuff of some quantifier. */
const RUNS = [
  ' ', '\t', '0', '9', '[', ']', '%', ':', '=', '.', '|', '/', '#', ',', '-', '>', "'", '`', '(', ')', '*', ';', 'a', 'A', 'x', 'é',
  ' :', ': ', '[ ', '] ', '1/', '1.', '1,', '1 ', '. ', 'a ', ' a', '::', '##', '%0', '=>', ' #', ' -', ' ]', '\x1b', '\x1b[', '\x1b]', '\x1b[1;', '\x9b0',
];

/** [head, piece repeated, tail], by the parser whose expressions they aim at ('' for the escape stripper). */
const CRAFTED: Record<string, [string, string, string][]> = {
  pv: [
    ['Error: ', ' ', 'x'], ['a: ', ' ', ''], ['a:', ' ', '1'], ['1.00MiB 0:00:05 [', ' ', ''], ['1.00MiB 0:00:05 [ 1.0MiB/s] [', '=', ''],
    ['1.00MiB 0:00:05 [ 1.0MiB/s]', '] 1', ''], ['', ' ', '1.00MiB 0:00:01 [1MiB/s]'], ['', 'a', ': 1.00MiB 0:00:01 [1MiB/s]'],
    ['Error: ', ' 1', 'x'], ['Error:', ' ', '1.0MiB 0:00:01 [x'],
  ],
  teamcity: [
    ['##teamcity[', 'a ', ''], ["##teamcity[a k='v'", " k='v'", ''], ["##teamcity[a '", '|', ''], ['', "##teamcity[a '", ''],
    ['', "##teamcity[a k='v' ", ''], ['', '##teamcity[', ''], ["##teamcity[testStarted name='", "|'", "']"], ['##teamcity[a', " k='##teamcity[a'", ''],
  ],
  tap: [
    ['ok ', '1', ''], ['not ok 1 ', '#', ''], ['ok 1 - ', ' # ', ''], ['1..', '9', 'x'], ['1..1', ' ', 'x'], ['TAP version ', '1', ' x'],
    ['    ', '    ', '---'], ['ok', ' ', '1 - x'], ['ok ', ' \t', 'x'], ['# Subtest: ', ' ', ''], ['Bail out!', ' ', ''],
  ],
  ninja: [['[', '1/', ''], ['[1/2', ' ', ''], ['[1/2] ', ' ', ''], ['FAILED: ', 'a ', ''], ['ninja: ', 'error: ', ''], ['[1/2 ', '9', '']],
  make: [
    ['[', ' ', '45%] Building'], ['[ 45%] ', ' ', ''], ['make[2]: *** [', ':1: ', '] Error 1'], ['', '/-', 'make: *** ['], ['*** [', 'x', ''],
    ['make: *** [', ':1', ''], ['make: *** [a', ':', ''],
  ],
  pytest: [
    ['collected ', '9', ' items'], ['collected ', '9', ''], ['collected 1 items', ' / 1 x', ''], ['', '.', ' [ 50%]'], ['a::b', ' PASSED', 'x'],
    ['', '1 passed, ', 'in 1s x'], ['= ', '= ', 'x'], ['', '=', ' test session starts x'], ['[gw0] [ 1%] PASSED ', ' ', ''], ['x ', ' ', '[ 1%]'],
    ['test_a.py ', '.F', ' [ 50%]'], ['FAILED ', ' - ', ''], ['1 passed in 1', '.1', 's'], ['', '.', ' '], ['test_a.py ', '.', ''],
  ],
  cargo: [
    ['   Compiling ', 'x', ''], ['    Building [', '= ', '] 1/'], ['error[E', '1', ''], ['warning: ', '`', ''], [' --> ', ' ', ''],
    ['error: failed to run custom build command for `', 'a v', ''], ['    Finished ', '`', ''], ['   Compiling a v', '1', ' x'],
  ],
  ctest: [
    ['1/2 Test #1: ', ' ', ''], ['1/2 Test #1: ', '.', ''], ['1/2 Test #1: ', ' Passed', ''], ['1/2 Test #1: x', '***', ''],
    ['1/2 Test #1: x ***Failed', ' ', '1.0 sec'], ['1/2 Test #1: x ***Failed', ' 1.0', ''], ['', ' ', '1/2 Test #1: x'], ['    Start ', '1', ''],
    ['', '9', '% tests passed'], ['1/2 Test #1: x Passed', ' ', '1.0 secx'], ['1/2 Test', ' ', '#1: x'],
  ],
  git: [['remote: Counting objects: ', ' ', ''], ['Receiving objects: ', '1', '% (1/2)'], ['Aaaa', ' a', ': 5'], ['Receiving objects: 100% (1/2)', ', ', '']],
  'github-actions': [['', ' ', '::error::x'], ['::error ', ',=', '::m'], ['::error::', '%25', ''], ['::group::', 'x', ''], ['::error file=', ',', '::m']],
  'azure-pipelines': [['', ' ', '##[group]'], ['##vso[a.b ', ';=', ']m'], ['##[group]', '%AZP25', ''], ['##vso[task.debug]', '%', ''], ['x', '##vso', '']],
  rsync: [['', ' ', '1 1% 1kB/s 0:00:00'], ['', '1,000', ''], ['1 ', ' ', '1%'], ['1 1% 1kB/s 0:00:00', ' ', 'x'], ['1', ',000', ' 1% x']],
  compiler: [
    ['a', ':', '1: error: x'], ['', 'a:1:', ''], ['a:1:', '1', ''], ['a(', '1,', ''], ['a(1,1): error TS', '1', ''], ['', ' ', 'a.c:1:1: error: x'],
    ['a.c:1:1: warning: ', ' ', ''], ['', 'a', ':1:1: error: x'], ['', 'a', '(1,1): error TS1: x'],
  ],
  'osc-progress': [['', '\x1b]9;4;1;', ''], ['', '\x1b]9;4;1;45\x07', ''], ['\x1b]9;4;1;4', '5', '']],
  'node-spec': [
    ['✔ ', ' (', ''], ['✔ a', ' (1', ''], ['✔ a (', '9', 'x'], ['✔ a (1.', '9', 'ms) x'], ['✖ a (1.5ms)', ' # ', ''], ['', ' ', '✔ a (1.5ms)'],
    ['✔ a', ' (1ms) # ', ''], ['✔ a', ' (1.5ms)', 'x'], ['ℹ tests ', '9', 'x'], ['▶ ', ' ', ''], ['', '  ', '▶ g'],
  ],
  '': [['\x1b[', '1;', ''], ['\x1b]', 'x', ''], ['', '\x1b]0;', ''], ['\x9b', '0', ''], ['', '\x1b[1;', 'm x'], ['', '\x1b[31m \x1b[0m', 'x']],
};

interface Input {
  label: string;
  /** The parser it aims at: '' the escape stripper, undefined every parser. */
  aim?: string;
  make(size: number): string;
}

const fill = (piece: string, size: number) => piece.repeat(Math.max(1, Math.floor(size / piece.length)));
const show = (s: string) => JSON.stringify(s.length > 24 ? `${s.slice(0, 24)}…` : s);
const INPUTS: Input[] = [
  ...RUNS.map((piece) => ({ label: `${show(piece)}×N`, make: (size: number) => fill(piece, size) })),
  ...Object.entries(CRAFTED).flatMap(([aim, list]) => list.map(([head, piece, tail]) => ({
    label: `${show(head)} + ${show(piece)}×N + ${show(tail)}`, aim, make: (size: number) => head + fill(piece, size) + tail,
  }))),
];

/** Lines that put each parser in the state where it reads the most (a phase open, a failure collecting output…). */
const WARM: Record<string, string[][]> = {
  'azure-pipelines': [['##[group]g', '##vso[task.setprogress value=5;]op']],
  cargo: [['   Compiling a v1.0.0', 'error[E0001]: x']],
  ctest: [['Test project /tmp/b', '    Start 1: a', '1/2 Test #1: a ....***Failed  0.01 sec']],
  git: [['Receiving objects:  45% (450/1000)']],
  'github-actions': [['::group::g']],
  make: [['[ 10%] Building C object a.o']],
  ninja: [['[1/9] cc a.o', 'FAILED: a.o']],
  compiler: [
    ['a', ':', '1: error: x'], ['', 'a:1:', ''], ['a:1:', '1', ''], ['a(', '1,', ''], ['a(1,1): error TS', '1', ''], ['', ' ', 'a.c:1:1: error: x'],
    ['a.c:1:1: warning: ', ' ', ''], ['', 'a', ':1:1: error: x'], ['', 'a', '(1,1): error TS1: x'],
  ],
  'osc-progress': [['\x1b]9;4;1;50\x07']],
  'node-spec': [['▶ g', '  ✔ a (1.5ms)'], ['✔ a (1.5ms)', '✖ b (1.5ms)'], ['✔ a (1.5ms)', 'ℹ tests 3']],
  pv: [['1.00MiB 0:00:01 [2.21MiB/s] [====>      ] 45% ETA 0:00:01']],
  pytest: [['collected 5 items'], ['collected 5 items', 'test_a.py .F', '=== short test summary info ===']],
  rsync: [['      1,000  10%    1.00MB/s    0:00:01']],
  tap: [['TAP version 14', 'not ok 1 - x'], ['TAP version 14', 'not ok 1 - x', '  ---']],
  teamcity: [["##teamcity[testSuiteStarted name='s']", "##teamcity[testStarted name='t']"]],
};
/** The stream each tool prints its progress on (TAP is read from stdout only, pv -n from stderr only). */
const STREAM: Record<string, StreamName> = { pv: 'stderr', git: 'stderr', cargo: 'stderr' };

const ignore = () => undefined;

/**
 * The yardstick: a few plain passes over the line, whatever it holds (splitting on spaces would
 * cost most on the runs of spaces that backtracking expressions choke on, and hide them).
 */
function plainPasses(line: string): number {
  let n = line.indexOf('\0');
  for (let pass = 1; pass <= 4; pass++) {
    for (let i = 0; i < line.length; i++) n += line.charCodeAt(i) & pass;
  }
  return n;
}

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function baseline(line: string): number {
  return Math.max(1e-3, Math.min(time(() => plainPasses(line)), time(() => plainPasses(line)), time(() => plainPasses(line))));
}

/**
 * Runs `prepare()` (untimed) then the work it returns (timed), against the plain passes measured
 * just before on the same line. A measurement over budget (a GC pause, a busy machine) is taken
 * again with a fresh yardstick, twice: only the third is final.
 */
function withinBudget(what: string, line: string, base: number, prepare: () => () => void, budget = BUDGET): string | undefined {
  let report = '';
  for (let attempt = 0; ; attempt++) {
    // The least of three timings, as for the yardstick: load (another test suite, a GC pause) only
    // ever adds time, so one descheduled pass cannot fail a linear parser.
    const ms = Math.min(time(prepare()), time(prepare()), time(prepare()));
    if (ms <= budget * base) return undefined;
    report = `${what}: ${ms.toFixed(1)} ms, ${Math.round(ms / base)}× the plain passes (${base.toFixed(2)} ms; budget ${budget}×)`;
    if (attempt === 2) return report;
    base = baseline(line);
  }
}

/** Feeds one line to a parser as the hub would: the growing unfinished line first, if it reads those. */
function feedOne(parser: FormatParser, stream: StreamName, line: string): void {
  const text = stripAnsi(line);
  if (parser.partial) {
    const half = line.slice(0, line.length >> 1);
    parser.partial({ stream, raw: half, text: stripAnsi(half) }, ignore);
    parser.partial({ stream, raw: line, text }, ignore);
  }
  parser.line({ stream, raw: line, text, eol: '\n' }, ignore);
  parser.end?.(ignore);
}

interface Target {
  name: string;
  /** The parser it runs, if one. */
  parser?: string;
  prepare(line: string): () => void;
}

function targets(specs: ParserSpec[]): Target[] {
  const list: Target[] = [
    {
      // The combined detector (and the chunk prefilter) of every waiting parser.
      name: 'detector (auto)',
      prepare: (line) => {
        const bytes = Buffer.from(line);
        return () => {
          const hub = new ParserHub(specs, 'auto', ignore);
          hub.wantsChunk(bytes, undefined);
          hub.line('stdout', line, '\n');
          hub.line('stderr', line, '\n');
        };
      },
    },
    {
      // Every parser on at once, through the hub, which bounds what they see.
      name: 'hub (all forced)',
      prepare: (line) => () => {
        const hub = new ParserHub(specs, specs.map((s) => s.name), ignore);
        hub.partial('stdout', line.slice(0, line.length >> 1));
        hub.partial('stdout', line);
        hub.line('stdout', line, '\n');
        hub.end();
      },
    },
  ];
  for (const spec of specs) {
    list.push({ name: `${spec.name}.detect`, parser: spec.name, prepare: (line) => () => spec.detect.test(spec.detectRaw ? line : stripAnsi(line)) });
    for (const prelude of [[], ...(WARM[spec.name] ?? [])]) {
      const stream = STREAM[spec.name] ?? 'stdout';
      list.push({
        name: `${spec.name}${prelude.length === 0 ? '' : ` after ${JSON.stringify(prelude.at(-1))}`}`,
        parser: spec.name,
        prepare: (line) => {
          const parser = spec.create();
          for (const l of prelude) parser.line({ stream, raw: l, text: stripAnsi(l), eol: '\n' }, ignore);
          return () => feedOne(parser, stream, line);
        },
      });
    }
  }
  return list;
}

const specs = await loadParserSpecs();
const all = targets(specs);
// Warm the yardstick and every code path on short lines first, so the JIT is not what is measured.
for (const input of INPUTS) {
  const line = input.make(256);
  plainPasses(line);
  for (const t of all) t.prepare(line)();
}

/**
 * `wide`: every target on every input; otherwise the runs everywhere and each crafted line where it
 * aims. A target that failed once is not tried again (a quadratic one would take minutes).
 */
function check(size: number, wide: boolean, budget: number): string[] {
  const failures: string[] = [];
  const failed = new Set<Target>();
  for (const input of INPUTS) {
    const line = input.make(size);
    const base = baseline(line);
    for (const t of all) {
      if (failed.has(t) || (!wide && input.aim !== undefined && t.parser !== undefined && t.parser !== input.aim)) continue;
      const failure = withinBudget(`${t.name} on ${input.label}`, line, base, () => t.prepare(line), budget);
      if (!failure) continue;
      failures.push(failure);
      failed.add(t);
    }
  }
  return failures;
}

// Sizes grow only while all is linear: a quadratic expression fails at 32 KiB in about a
// second (where fixed costs, a parser switching on, weigh too much for the budget itself: 5× it).
let linearSoFar = true;
for (const [size, wide, budget] of [[32 * KiB, true, 5 * BUDGET], [64 * KiB, true, BUDGET], [MiB, false, BUDGET]] as const) {
  test(`every parser and the detector read a ${size / KiB} KiB hostile line in linear time (≤ ${budget}× plain passes)`, () => {
    assert.ok(linearSoFar, 'not tried: a smaller line already took more than linear time');
    const failures = check(size, wide, budget);
    linearSoFar = failures.length === 0;
    assert.equal(failures, [], failures.join('\n'));
  });
}

test('random heads, runs and tails of format fragments: linear for every parser (property)', () => {
  const crafted = Object.values(CRAFTED).flat();
  const heads = [...new Set(['', ...crafted.map(([head]) => head)])];
  const pieces = [...new Set([...RUNS, ...crafted.map(([, piece]) => piece)])];
  const tails = [...new Set(['', ...crafted.map(([, , tail]) => tail), ' [ 50%]', ' 1%', '%] x', "']", ']', '::m'])];
  fc.assert(fc.property(
    fc.constantFrom(...heads), fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 3 }), fc.constantFrom(...tails),
    (head, mix, tail) => {
      const line = head + fill(mix.join(''), 64 * KiB) + tail;
      const base = baseline(line);
      const failures: string[] = [];
      for (const t of all) {
        const failure = withinBudget(`${t.name} on ${show(head)} + (${mix.map(show).join(' ')})×N + ${show(tail)}`, line, base, () => t.prepare(line));
        if (failure) failures.push(failure);
      }
      assert.equal(failures, [], failures.join('\n'));
    },
  ), { numRuns: 40, seed: 20240611, endOnFailure: true });
});

test.run();
