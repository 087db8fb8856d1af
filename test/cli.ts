import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { splitRunArgv } from '../src/cli.js';
import { progBin, runProg } from './helpers/prog.js';

test('everything after -- is the command, even words that look like prog flags', () => {
  assert.equal(splitRunArgv(['run', '--format', 'json', '--', 'ls', '--format', 'x']), {
    own: ['run', '--format', 'json'],
    command: ['ls', '--format', 'x'],
  });
});

test('without --, the command starts at the first word that is not an option', () => {
  assert.equal(splitRunArgv(['run', '-f', 'plain', 'ls', '-la']), { own: ['run', '-f', 'plain'], command: ['ls', '-la'] });
  assert.equal(splitRunArgv(['run', '--grace=2', 'sleep', '1']), { own: ['run', '--grace=2'], command: ['sleep', '1'] });
});

test('prog run ls -la runs ls with its own flag', async () => {
  const r = await runProg(['run', '--format', 'none', 'ls', '-d', '/']);
  assert.is(r.code, 0);
  assert.is(r.stdout.toString(), '/\n');
});

test('bad usage exits 125 with a one-line message naming the problem', async () => {
  for (const args of [['run', '--bogus-flag', '--', 'true'], ['run'], ['run', '--format', 'fancy', '--', 'true'], ['run', '--progress-fd', '1', '--', 'true'], ['frobnicate']]) {
    const r = await runProg(args);
    assert.is(r.code, 125, `prog ${args.join(' ')} should exit 125`);
    assert.is(r.stdout.toString(), '');
    assert.match(r.stderr.toString(), /^prog: \S/, `prog ${args.join(' ')}: ${r.stderr}`);
  }
});

test('a reader that goes away (prog parsers | true) is not an error: exit 0, nothing on stderr', async () => {
  const { spawnSync } = await import('node:child_process');
  // `true` exits before prog writes a byte: every write meets a closed pipe.
  const r = spawnSync('bash', ['-c', `set -o pipefail; ${process.execPath} ${progBin} parsers | true`], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
});

test('--help shows run, emit, the formats and an example', async () => {
  const top = await runProg(['--help']);
  assert.is(top.code, 0);
  assert.match(top.stdout.toString(), /prog run/);
  assert.match(top.stdout.toString(), /prog emit/);
  const run = await runProg(['run', '--help']);
  assert.is(run.code, 0);
  for (const needle of ['--format', 'json', '--progress-fd', '--grace', 'prog run -- ./build.sh']) {
    assert.ok(run.stdout.toString().includes(needle), `run --help mentions ${needle}`);
  }
});

test.run();
