// `--format auto`: plain unless stdout is a terminal free of NO_COLOR, TERM=dumb and CI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveFormat } from '../../src/display/format.js';
import { runProg } from '../helpers/prog.js';

const tty = (env: NodeJS.ProcessEnv = {}) => resolveFormat('auto', { stdoutIsTTY: true, env });
const pipe = (env: NodeJS.ProcessEnv = {}) => resolveFormat('auto', { stdoutIsTTY: false, env });

test('an explicit format is taken as asked, whatever the terminal', () => {
  for (const format of ['plain', 'json', 'none'] as const) {
    assert.is(resolveFormat(format, { stdoutIsTTY: true, env: {} }), format);
    assert.is(resolveFormat(format, { stdoutIsTTY: false, env: { CI: 'true', NO_COLOR: '1' } }), format);
  }
});

test('auto on a terminal with a plain environment is the rich view', () => {
  assert.is(tty({ TERM: 'xterm-256color' }), 'rich');
  assert.is(tty({}), 'rich');
});

test('auto when stdout is not a terminal is plain', () => {
  assert.is(pipe({ TERM: 'xterm-256color' }), 'plain');
  assert.is(pipe({ FORCE_COLOR: '1' }), 'plain', 'FORCE_COLOR does not make a pipe a terminal');
});

test('auto with NO_COLOR set is plain, even when it is empty', () => {
  assert.is(tty({ NO_COLOR: '1' }), 'plain');
  assert.is(tty({ NO_COLOR: '' }), 'plain');
});

test('auto with TERM=dumb is plain; other TERMs are not', () => {
  assert.is(tty({ TERM: 'dumb' }), 'plain');
  assert.is(tty({ TERM: 'vt100' }), 'rich');
});

test('auto with CI set is plain; CI=false, CI=0 and an empty CI are not CI', () => {
  for (const ci of ['true', '1', 'yes', 'woodpecker']) assert.is(tty({ CI: ci }), 'plain', `CI=${ci}`);
  for (const ci of ['false', '0', '']) assert.is(tty({ CI: ci }), 'rich', `CI=${JSON.stringify(ci)}`);
});

test('prog run --format auto into a pipe behaves as plain: [prog] lines on stderr, output untouched', async () => {
  const r = await runProg(['run', '--format', 'auto', '--', 'sh', '-c', 'echo hello']);
  assert.is(r.code, 0);
  assert.is(r.stdout.toString(), 'hello\n');
  assert.match(r.stderr.toString(), /^\[prog\] finished ok/m);
});

test('prog run rejects an unknown format before running anything', async () => {
  const r = await runProg(['run', '--format', 'fancy', '--', 'sh', '-c', 'echo ran']);
  assert.is(r.code, 125);
  assert.is(r.stdout.toString(), '');
});

test.run();
