import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MarkerEvent, Unstamped } from '../../src/events.js';
import { MAX_LINE_EVENTS, MAX_PARSED_CHARS, type FormatLine, type ParserSpec } from '../../src/parsers/format-parser.js';
import { loadParserSpecs, parseParserChoice, parserEnv, ParserHub } from '../../src/parsers/parser-hub.js';
import { ProgError } from '../../src/errors.js';
import { stripAnsi } from '../../src/lines/ansi.js';
import fc from 'fast-check';
import { LineSplitter } from '../../src/lines/line-splitter.js';
import { MARKER_NEEDLE, markerVerdict } from '../../src/parsers/marker.js';
import { ndjson, runProg } from '../helpers/prog.js';

/** A format for these tests: `@@ n` lines are progress, anything else is ignored. */
function spec(name: string, env?: Record<string, string>, commands?: string[]): ParserSpec {
  return {
    name,
    description: `test format ${name}`,
    detect: new RegExp(`^@@${name} \\d+$`),
    ...(env ? { env } : {}),
    ...(commands ? { commands } : {}),
    create: () => ({
      line({ text }, emit) {
        const m = new RegExp(`^@@${name} (\\d+)$`).exec(text);
        if (m) emit({ type: 'progress', phase: name, current: Number(m[1]) });
      },
      end(emit) {
        emit({ type: 'phase.end', id: name, status: 'ok' });
      },
    }),
  };
}

function collect(choice: 'auto' | string[], lines: string[]) {
  const events: Unstamped<MarkerEvent>[] = [];
  const hub = new ParserHub([spec('a'), spec('b')], choice, (e) => events.push(e));
  for (const line of lines) hub.line('stdout', line, '\n');
  hub.end();
  return { events, active: hub.active };
}

test('a parser switches on at the first line of its format and reads every line after', () => {
  const { events, active } = collect('auto', ['hello', '@@a 1', 'noise', '@@a 2']);
  assert.equal(active, ['a']);
  assert.equal(events, [
    { type: 'progress', phase: 'a', current: 1 },
    { type: 'progress', phase: 'a', current: 2 },
    { type: 'phase.end', id: 'a', status: 'ok' },
  ]);
});

test('several formats in one run each switch on (cmake, then ctest, inside CI groups)', () => {
  const { events, active } = collect('auto', ['@@b 5', '@@a 1', '@@b 6']);
  assert.equal(active, ['b', 'a']);
  assert.is(events.filter((e) => e.type === 'progress').length, 3);
});

test('colour codes do not hide a format', () => {
  const { active } = collect('auto', ['\x1b[1m@@a 3\x1b[0m']);
  assert.equal(active, ['a']);
});

test('a forced parser reads from the first line; the others stay off', () => {
  const { active } = collect(['b'], ['@@a 1', '@@b 1']);
  assert.equal(active, ['b']);
});

test('--parser values: auto, none, names, and an unknown name is a usage error naming the known ones', () => {
  const specs = [spec('a'), spec('b')];
  assert.is(parseParserChoice([], specs), 'auto');
  assert.is(parseParserChoice(['none'], specs), 'none');
  assert.equal(parseParserChoice(['a,b'], specs), ['a', 'b']);
  assert.equal(parseParserChoice(['a', 'b'], specs), ['a', 'b']);
  try {
    parseParserChoice(['zzz'], specs);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, ProgError);
    assert.match((error as Error).message, /unknown parser zzz; known: a, b/);
  }
});

test('a parser\'s environment reaches the child for its own commands or when forced, never otherwise', () => {
  const specs = [spec('n', { N_STATUS: 'x' }, ['ninja'])];
  assert.equal(parserEnv(specs, 'auto', '/usr/bin/ninja', {}), { N_STATUS: 'x' });
  assert.equal(parserEnv(specs, 'auto', 'make', {}), {});
  assert.equal(parserEnv(specs, ['n'], 'make', {}), { N_STATUS: 'x' });
  assert.equal(parserEnv(specs, 'none', 'ninja'), {});
  assert.equal(parserEnv(specs, 'auto', 'ninja', { N_STATUS: 'mine' }), {}, 'the user\'s own setting wins');
});

test('every shipped parser has a name, a description and an anchored detect pattern', async () => {
  const specs = await loadParserSpecs();
  assert.ok(specs.length >= 1);
  for (const s of specs) {
    assert.match(s.name, /^[a-z][a-z0-9-]*$/);
    assert.ok(s.description.length > 10, `${s.name} describes itself`);
    assert.ok(s.detect.source.startsWith('^') || s.detectRaw, `${s.name}: detect is anchored (it runs on every line)`);
  }
  assert.equal(specs.map((s) => s.name), [...specs.map((s) => s.name)].sort(), 'listed by name');
});

test('prog parsers lists every parser; --parser none and an unknown parser behave as documented', async () => {
  const specs = await loadParserSpecs();
  const list = await runProg(['parsers']);
  assert.is(list.code, 0);
  for (const s of specs) assert.match(list.stdout.toString(), new RegExp(`^${s.name} +\\S`, 'm'));
  const line = '[ 50%] Built target x';
  const off = await runProg(['run', '--parser', 'none', '--format', 'json', '--', 'echo', line]);
  assert.not.ok(ndjson(off.stdout).some((e) => e.type === 'progress'), 'no parser ran');
  const on = await runProg(['run', '--format', 'json', '--', 'echo', line]);
  assert.ok(ndjson(on.stdout).some((e) => e.type === 'progress' && e.phase === 'make'), 'make was recognised');
  const bad = await runProg(['run', '--parser', 'nope', '--', 'true']);
  assert.is(bad.code, 125);
  assert.match(bad.stderr.toString(), /^prog: unknown parser nope; known: /);
});

/**
 * The lines a splitter hands to the hub while its parsers wait, with the hub's prefilter deciding
 * (as line-router.ts wires it), for the bytes cut into chunks at the given points.
 */
function linesRead(hub: ParserHub, bytes: Buffer, cuts: number[]): string[] {
  const read: string[] = [];
  const splitter = new LineSplitter({
    hold: markerVerdict,
    holdNeedle: MARKER_NEEDLE,
    allLines: (chunk, continued) => hub.wantsChunk(chunk, continued),
    pass: () => undefined,
    line: (line) => {
      const text = line.bytes.toString('utf8');
      read.push(text);
      hub.line('stdout', text, line.eol);
      return false;
    },
  });
  let from = 0;
  for (const at of [...cuts, bytes.length].filter((c) => c >= 0 && c <= bytes.length).sort((a, b) => a - b)) {
    splitter.push(bytes.subarray(from, at));
    from = at;
  }
  splitter.end();
  return read;
}

test('the prefilter never keeps from the parsers a line one would switch on at, wherever the chunks are cut', async () => {
  const specs = await loadParserSpecs();
  const known = [
    '[ 10%] Building C object a.o', '[3/9] Linking x', 'ninja: no work to do.', 'TAP version 14', '1..4', 'ok 1 - adds',
    'not ok 2 - fails', '   Compiling foo v1.0.0', '    Building [=====>  ] 4/9: foo', '::error file=a.c::boom',
    "##teamcity[testStarted name='a']", 'x ##vso[task.setprogress value=5;]op', '##[group]Build', 'collected 3 items',
    '.F.s [ 40%]', '      12,345  45%    1.23MB/s    0:00:01 (xfr#1, to-chk=1/2)', '1.00MiB 0:00:01 [1.00MiB/s] [=>  ] 45%',
    'Receiving objects:  45% (450/1000)', 'remote: Counting objects: 100% (3/3), done.', 'Test project /tmp/b',
    '    1/3 Test #1: a ..........   Passed    0.01 sec', '\x1b]9;4;1;50\x07', 'src/a.c:3:5: error: boom', '▶ suite',
    '✔ adds (1.2ms)', 'sending incremental file list', '============ test session starts ============', '    Finished `dev` profile [unoptimized] target(s) in 1.0s',
  ];
  const detects = (l: string) => specs.some((s) => s.detect.test(s.detectRaw ? l : stripAnsi(l)));
  const line = fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 40 }).map((t) => t.replace(/[\r\n]/g, '')));
  fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 4 }), (lines, cuts) => {
    const read = linesRead(new ParserHub(specs, 'auto', () => undefined), Buffer.from(lines.join('\n') + '\n'), cuts);
    // Once a parser is on, every line is read: what counts is that the first detectable one was.
    const first = lines.find(detects);
    if (first !== undefined) assert.ok(read.includes(first), `${JSON.stringify(first)} was not read (${JSON.stringify(lines)} cut at ${cuts})`);
  }), { numRuns: 1000 });
});

test('ordinary lines are not decoded while the parsers wait: their first bytes rule them out', async () => {
  const hub = new ParserHub(await loadParserSpecs(), 'auto', () => undefined);
  const ordinary = [
    '2026-12-03 21:04:09 INFO server: request handled in 12 ms', 'something happened here', 'hello world', 'a', '',
    '   indented text', 'Compilation finished', 'Testing the thing', 'ok', 'not okay', '[INFO] starting', '123 apples', 'sending mail',
    'collation is on', '=> result', 'File saved', 'remote host said hi', '12:30 lunch',
  ];
  assert.equal(linesRead(hub, Buffer.from(ordinary.join('\n') + '\n'), []), []);
  // A parser's line among them is read (and then, with the parser on, the rest).
  const mixed = [...ordinary.slice(0, 3), '[ 10%] Building C object a.o', 'after'];
  assert.equal(linesRead(new ParserHub(await loadParserSpecs(), 'auto', () => undefined), Buffer.from(mixed.join('\n') + '\n'), []), ['[ 10%] Building C object a.o', 'after']);
});

/** A format whose every character is an event (as pytest's result lines are), read as lines grow too. */
function perChar(name: string, wholeLines = false): ParserSpec & { seen: number[] } {
  const seen: number[] = [];
  return {
    name,
    description: `test format ${name}`,
    detect: new RegExp(`^${name}:`),
    ...(wholeLines ? { wholeLines } : {}),
    seen,
    create: () => {
      const counted = { stdout: 0, stderr: 0 };
      const read = ({ stream, text }: Omit<FormatLine, 'eol'>, emit: (e: Unstamped<MarkerEvent>) => void) => {
        seen.push(text.length);
        for (; counted[stream] < text.length; counted[stream]++) emit({ type: 'item.done', phase: name, id: `${stream} #${counted[stream]}` });
      };
      return {
        partial: read,
        line(line, emit) {
          read(line, emit);
          counted[line.stream] = 0;
        },
      };
    },
  };
}

test('one line gives at most MAX_LINE_EVENTS events, its unfinished parts included; the rest are dropped, counted and warned of once', () => {
  const events: Unstamped<MarkerEvent>[] = [];
  const hub = new ParserHub([perChar('dots')], ['dots'], (e) => events.push(e));
  const line = 'd'.repeat(3 * MAX_LINE_EVENTS);
  hub.partial('stdout', line.slice(0, MAX_LINE_EVENTS - 10));
  hub.line('stderr', 'e'.repeat(20), '\n'); // a line of the other stream has its own allowance
  hub.partial('stdout', line.slice(0, 2 * MAX_LINE_EVENTS));
  hub.line('stdout', line, '\n');
  const items = (stream: string) => events.filter((e) => e.type === 'item.done' && e.id.startsWith(stream)).length;
  assert.is(items('stdout'), MAX_LINE_EVENTS, 'the stdout line: capped over its partial() calls and its line()');
  assert.is(items('stderr'), 20);
  assert.is(hub.dropped, 2 * MAX_LINE_EVENTS);
  const warnings = events.filter((e) => e.type === 'log');
  assert.is(warnings.length, 1);
  assert.match((warnings[0] as { message: string }).message, /one line of stdout gave the parsers more than 1024 events/);
  // The next line starts afresh.
  events.length = 0;
  hub.line('stdout', 'd'.repeat(5), '\n');
  assert.is(events.filter((e) => e.type === 'item.done').length, 5);
  hub.line('stdout', line, '\n');
  assert.is(events.filter((e) => e.type === 'log').length, 0, 'warned once per run');
  assert.is(hub.dropped, 4 * MAX_LINE_EVENTS);
});

test('parsers and detectors read a line\'s first MAX_PARSED_CHARS; a wholeLines parser reads it whole', () => {
  const cut = perChar('cut');
  const whole = perChar('whole', true);
  const hub = new ParserHub([cut, whole], ['cut', 'whole'], () => undefined);
  const long = 'x'.repeat(MAX_PARSED_CHARS + 5000);
  hub.partial('stdout', long);
  hub.line('stdout', long, '\n');
  hub.line('stdout', 'short', '\n');
  assert.equal(cut.seen, [MAX_PARSED_CHARS, MAX_PARSED_CHARS, 5]);
  assert.equal(whole.seen, [long.length, long.length, 5]);
  // A format first seen past the head is not detected (nor is it on any tool's real line).
  const indented: ParserSpec = { ...spec('late'), detect: /^\s*@@late\b/ };
  const late = new ParserHub([indented], 'auto', () => undefined);
  late.line('stdout', `${' '.repeat(MAX_PARSED_CHARS)}@@late`, '\n');
  assert.equal(late.active, []);
  late.line('stdout', `${' '.repeat(MAX_PARSED_CHARS - 10)}@@late`, '\n');
  assert.equal(late.active, ['late']);
});

test('the prefilter reads no further into a line than the detectors do', async () => {
  const specs = await loadParserSpecs();
  // Spaces filling the head: whatever comes after them is past what the detectors read.
  const spaces = ' '.repeat(MAX_PARSED_CHARS + 10);
  const hub = new ParserHub(specs, 'auto', () => undefined);
  assert.equal(linesRead(hub, Buffer.from(`${spaces}[ 10%] Building C object a.o\nplain\n`), []), []);
  // Within it: a line of spaces whose first real character comes in a later chunk is read.
  const within = `${' '.repeat(100)}[ 10%] Building C object a.o`;
  assert.equal(linesRead(new ParserHub(specs, 'auto', () => undefined), Buffer.from(`${within}\n`), [50, 100]), [within]);
  // A contained literal cut across chunks is still found.
  const city = "x ##teamcity[testStarted name='a']";
  assert.equal(linesRead(new ParserHub(specs, 'auto', () => undefined), Buffer.from(`${city}\n`), [8]), [city]);
});

// ------------------------------------------------------------------------------------ nesting

/** The real parsers on a CI job's lines: the phase events and their ends, as the hub passes them on. */
async function phasesOf(lines: string[]) {
  const events: Unstamped<MarkerEvent>[] = [];
  const hub = new ParserHub(await loadParserSpecs(), 'auto', (e) => events.push(e));
  for (const line of lines) hub.line('stdout', line, '\n');
  hub.end();
  return events.filter((e) => e.type === 'phase' || e.type === 'phase.end')
    .map((e) => (e.type === 'phase' ? ['phase', e.id, e.parent ?? '-'] : ['end', e.id, e.status]));
}

const MAKE = ['[ 50%] Building C object CMakeFiles/a.dir/a.c.o', '[100%] Built target a'];
const CTEST = ['Test project /b', '    Start 1: t1', '1/1 Test #1: t1 .....   Passed    0.01 sec', '100% tests passed, 0 tests failed out of 1'];

test('nesting: a tool\'s phase that starts inside another parser\'s group is its child (parent on its first event only); outside, none', async () => {
  assert.equal(await phasesOf(['::group::Build', ...MAKE, '::endgroup::', ...CTEST]), [
    ['phase', 'Build', '-'], ['phase', 'make', 'Build'], ['end', 'make', 'ok'], ['end', 'Build', 'ok'],
    ['phase', 'ctest', '-'], ['end', 'ctest', 'ok'],
  ]);
});

test('nesting: a group\'s end ends its open children first, and their own late end (make\'s, at the end of the output) is dropped', async () => {
  const phases = await phasesOf(['::group::Build', ...MAKE, '::endgroup::', '::group::Other', '::endgroup::']);
  assert.equal(phases, [
    ['phase', 'Build', '-'], ['phase', 'make', 'Build'], ['end', 'make', 'ok'], ['end', 'Build', 'ok'],
    ['phase', 'Other', '-'], ['end', 'Other', 'ok'],
  ]);
});

test('nesting: a child with a final item failure ends failed with its group; a group with a failed child ends failed', async () => {
  const failing = ['[ 50%] Building C object CMakeFiles/a.dir/a.c.o', 'make[2]: *** [CMakeFiles/a.dir/build.make:76: a.c.o] Error 1'];
  assert.equal(await phasesOf(['##[group]Build', ...failing, '##[endgroup]']), [
    ['phase', 'Build', '-'], ['phase', 'make', 'Build'], ['end', 'make', 'failed'], ['end', 'Build', 'failed'],
  ]);
  const ctestFailing = ['Test project /b', '1/1 Test #1: t1 .....***Failed    0.01 sec', '0% tests passed, 1 tests failed out of 1'];
  assert.equal(await phasesOf(["##teamcity[blockOpened name='Test']", ...ctestFailing, "##teamcity[blockClosed name='Test']"]), [
    ['phase', 'Test', '-'], ['phase', 'ctest', 'Test'], ['end', 'ctest', 'failed'], ['end', 'Test', 'failed'],
  ]);
});

test('nesting: one parser\'s groups never nest in each other; a TeamCity block inside a GitHub Actions group does, and ends with it', async () => {
  assert.equal(await phasesOf(['##[group]A', '##[group]B', '##[endgroup]']), [
    ['phase', 'A', '-'], ['end', 'A', 'ok'], ['phase', 'B', '-'], ['end', 'B', 'ok'],
  ]);
  assert.equal(await phasesOf(['::group::CI', "##teamcity[blockOpened name='Build']", MAKE[0]!, '::endgroup::', "##teamcity[blockClosed name='Build']"]), [
    ['phase', 'CI', '-'], ['phase', 'Build', 'CI'], ['phase', 'make', 'Build'],
    ['end', 'make', 'ok'], ['end', 'Build', 'ok'], ['end', 'CI', 'ok'],
  ]);
});

test('nesting: a TeamCity test suite is not a group (its own structure); the tests phase it opens inside a group is the group\'s child', async () => {
  const phases = await phasesOf(['::group::Test', "##teamcity[testSuiteStarted name='unit']", MAKE[0]!, "##teamcity[testSuiteFinished name='unit']", '::endgroup::']);
  assert.equal(phases, [
    ['phase', 'Test', '-'], ['phase', 'unit', 'Test'], ['phase', 'make', 'Test'], ['end', 'unit', 'ok'],
    ['end', 'make', 'ok'], ['end', 'Test', 'ok'],
  ]);
});

test('nesting costs O(1) a line on hostile output: 4096 open TeamCity blocks, then 50 000 GitHub groups each ending the last', async () => {
  const specs = await loadParserSpecs();
  /** The 50 000 groups after `open` blocks: milliseconds, and the events emitted. */
  const nest = (open: number) => {
    let events = 0;
    const hub = new ParserHub(specs, 'auto', () => events++);
    for (let f = 0; f < open; f++) hub.line('stdout', `##teamcity[blockOpened name='b${f}' flowId='f${f}']`, '\n');
    const started = performance.now();
    for (let i = 0; i < 50_000; i++) {
      hub.line('stdout', `::group::g${i}`, '\n');
      // Blocks closed out of order, under and over the groups.
      if (i % 3 === 0) hub.line('stdout', `##teamcity[blockOpened name='x${i}' flowId='f${i % 4096}']`, '\n');
      if (i % 7 === 0) hub.line('stdout', `##teamcity[blockClosed name='b${i % 4096}' flowId='f${i % 4096}']`, '\n');
    }
    hub.end();
    return { ms: performance.now() - started, events };
  };
  // Against the same lines under 16 open blocks: a cost per line that grew with the depth would be
  // about 256 times theirs. The least of three tries each (load only ever adds time).
  const least = (open: number) => Math.min(...[0, 1, 2].map(() => nest(open).ms));
  const shallow = least(16);
  const deep = least(4096);
  assert.ok(deep <= 8 * shallow, `${deep.toFixed(0)} ms for 50 000 groups under 4096 open blocks, ${shallow.toFixed(0)} ms under 16`);
  assert.ok(nest(4096).events > 100_000);
});

test.run();
