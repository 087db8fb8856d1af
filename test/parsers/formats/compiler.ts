// Compiler diagnostics (gcc, clang, tsc) read from any build's output: log events with their
// location, counted in the summary; live with the real gcc under make.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parser as compiler } from '../../../src/parsers/formats/compiler.js';
import { ndjson, runProg, tempDir } from '../../helpers/prog.js';
import { feed, ofType } from '../../fixtures/cmake-project/harness.js';
import { liveTest, tools } from '../../helpers/tools.js';

test('gcc/clang and tsc lines become warn/error logs with file, line and column; notes are not counted', () => {
  const lines = [
    'src/a.c:12:5: warning: unused variable ‘x’ [-Wunused-variable]',
    'src/a.c:20:1: error: expected ‘;’ before ‘}’ token',
    'src/a.c:20:1: note: in expansion of macro ‘M’',
    'ld.c:3: error: no column here',
    'b.c:1:10: fatal error: missing.h: No such file or directory',
    'src/app.ts(3,7): error TS2322: Type \'string\' is not assignable to type \'number\'.',
    'src/app.ts(9,1): warning TS6133: \'y\' is declared but its value is never read.',
    'plain output: error: not a location',
  ];
  assert.ok(compiler.detect.test(lines[0]!));
  assert.ok(compiler.detect.test(lines[5]!));
  assert.not.ok(compiler.detect.test(lines[7]!));
  const logs = ofType(feed(compiler, lines), 'log');
  assert.equal(logs.map((e) => [e.level, e.location]), [
    ['warn', { file: 'src/a.c', line: 12, col: 5 }],
    ['error', { file: 'src/a.c', line: 20, col: 1 }],
    ['error', { file: 'ld.c', line: 3 }],
    ['error', { file: 'b.c', line: 1, col: 10 }],
    ['error', { file: 'src/app.ts', line: 3, col: 7 }],
    ['warn', { file: 'src/app.ts', line: 9, col: 1 }],
  ]);
  assert.is(logs[0]!.message, 'src/a.c:12:5: warning: unused variable ‘x’ [-Wunused-variable]');
  assert.match(String(logs[4]!.message), /^src\/app\.ts:3:7: error: TS2322: Type/);
});

liveTest([tools.make(), tools.cc()], 'live: gcc under make -k: the summary counts the errors and warnings gcc printed; plain does not repeat them', async () => {
  const dir = tempDir('prog-diag-');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'warn.c'), 'int f(void) { int unused1; int unused2; return 0; }\n');
  writeFileSync(join(dir, 'src', 'bad.c'), 'int g(void) { return undeclared_value; }\n');
  writeFileSync(join(dir, 'Makefile'), 'all: src/warn.o src/bad.o\n%.o: %.c\n\tcc -Wall -c $< -o $@\n');
  const env = { MAKEFLAGS: undefined, PROG_PROGRESS_FD: undefined };
  // What gcc itself says, without prog.
  let own = '';
  try {
    execFileSync('make', ['-k', '-B'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    own = String((error as { stderr?: string }).stderr);
  }
  const expected = { error: (own.match(/: error: /g) ?? []).length, warn: (own.match(/: warning: /g) ?? []).length };
  assert.equal([expected.error > 0, expected.warn >= 2], [true, true], own);

  const json = await runProg(['run', '--format', 'json', '--', 'make', '-k', '-B'], { cwd: dir, env });
  assert.is(json.code, 2, String(json.stderr));
  const summary = ndjson(json.stdout).find((e) => e.type === 'summary')!;
  assert.equal(summary.logs, expected);
  const logs = ndjson(json.stdout).filter((e) => e.type === 'log' && e.source === 'compiler');
  assert.ok(logs.every((e) => (e.location as { file: string }).file.startsWith('src/')), JSON.stringify(logs));

  const plain = await runProg(['run', '--format', 'plain', '--', 'make', '-k', '-B'], { cwd: dir, env });
  assert.is(plain.code, 2);
  const err = String(plain.stderr);
  assert.match(err, new RegExp(`\\[prog\\] logs: ${expected.error} errors?, ${expected.warn} warnings`));
  assert.not.match(err, /\[prog\] warn compiler/, 'the diagnostics are shown once, by gcc');
});

test.run();
