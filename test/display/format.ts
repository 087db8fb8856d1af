// `--format auto`: rich when stdout or stderr is a terminal (drawn on stderr when only it is one),
// unless TERM=dumb or CI; plain otherwise. NO_COLOR drops colour only.
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

test('auto with NO_COLOR set is still the rich view (NO_COLOR asks only to drop colour)', () => {
  assert.is(tty({ NO_COLOR: '1' }), 'rich');
  assert.is(tty({ NO_COLOR: '' }), 'rich');
});

test('auto with stdout a pipe and stderr a terminal is the rich view (drawn on stderr, as pv does)', () => {
  assert.is(resolveFormat('auto', { stdoutIsTTY: false, stderrIsTTY: true, env: {} }), 'rich');
  assert.is(resolveFormat('auto', { stdoutIsTTY: false, stderrIsTTY: false, env: {} }), 'plain');
  assert.is(resolveFormat('auto', { stdoutIsTTY: false, stderrIsTTY: true, env: { CI: 'true' } }), 'plain');
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
