import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MarkerEvent, Unstamped } from '../../src/events.js';
import type { ParserSpec } from '../../src/parsers/format-parser.js';
import { loadParserSpecs, parseParserChoice, parserEnv, ParserHub } from '../../src/parsers/parser-hub.js';
import { ProgError } from '../../src/errors.js';
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

test.run();
