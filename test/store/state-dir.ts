// Where prog keeps its records: $PROG_HOME, else $XDG_STATE_HOME/prog, else ~/.local/state/prog.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stateDir } from '../../src/store/state-dir.js';
import { fixtures, runProg, tempDir } from '../helpers/prog.js';
import { history, runDirs } from '../helpers/runs.js';

const fx = join(fixtures, 'fx.js');

test('stateDir: PROG_HOME wins over XDG_STATE_HOME and HOME', () => {
  assert.is(stateDir({ PROG_HOME: '/p', XDG_STATE_HOME: '/x', HOME: '/h' }), '/p');
});

test('stateDir: XDG_STATE_HOME/prog without PROG_HOME', () => {
  assert.is(stateDir({ XDG_STATE_HOME: '/x', HOME: '/h' }), '/x/prog');
  assert.is(stateDir({ PROG_HOME: '', XDG_STATE_HOME: '/x', HOME: '/h' }), '/x/prog', 'an empty PROG_HOME is unset');
});

test('stateDir: ~/.local/state/prog without either', () => {
  assert.is(stateDir({ HOME: '/h' }), '/h/.local/state/prog');
  assert.is(stateDir({ XDG_STATE_HOME: '', HOME: '/h' }), '/h/.local/state/prog', 'an empty XDG_STATE_HOME is unset');
});

test('stateDir: a relative XDG_STATE_HOME is ignored (XDG spec); a relative PROG_HOME is made absolute', () => {
  assert.is(stateDir({ XDG_STATE_HOME: 'rel/state', HOME: '/h' }), '/h/.local/state/prog');
  assert.is(stateDir({ PROG_HOME: 'rel/prog', HOME: '/h' }), resolve('rel/prog'));
});

async function recordsIn(env: Record<string, string | undefined>, expected: string): Promise<void> {
  const r = await runProg(['run', '--', process.execPath, fx, 'exit', '0'], { env });
  assert.is(r.code, 0, String(r.stderr));
  assert.is(runDirs(expected).length, 1, `the run is recorded under ${expected}`);
  assert.is(history(expected).length, 1);
  assert.ok(String(r.stderr).includes(`recorded in ${join(expected, 'runs')}`), 'the summary names where');
}

test('prog run records under $PROG_HOME', async () => {
  const home = tempDir();
  const xdg = tempDir();
  await recordsIn({ PROG_HOME: home, XDG_STATE_HOME: xdg, HOME: tempDir() }, home);
  assert.not.ok(existsSync(join(xdg, 'prog')), 'nothing under XDG_STATE_HOME');
});

test('prog run records under $XDG_STATE_HOME/prog when PROG_HOME is unset', async () => {
  const xdg = tempDir();
  const home = tempDir();
  await recordsIn({ PROG_HOME: undefined, XDG_STATE_HOME: xdg, HOME: home }, join(xdg, 'prog'));
  assert.not.ok(existsSync(join(home, '.local')), 'nothing under HOME');
});

test('prog run records under ~/.local/state/prog when neither is set (creating the directories)', async () => {
  const home = tempDir();
  mkdirSync(home, { recursive: true });
  await recordsIn({ PROG_HOME: undefined, XDG_STATE_HOME: undefined, HOME: home }, join(home, '.local', 'state', 'prog'));
});

test.run();
