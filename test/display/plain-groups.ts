// The plain view in GitHub Actions (GITHUB_ACTIONS=true): each top-level phase's output folded in a
// ::group:: on stderr, where prog's lines go, opened before the phase's first line and closed before
// its end line; none once the command prints groups itself, and none outside GitHub Actions.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progBin, runProg, tempDir, testEnv } from '../helpers/prog.js';
import { child, marker, stripColour, type Step } from '../helpers/runs.js';
import { liveTest, tools } from '../helpers/tools.js';

const ACTIONS = { GITHUB_ACTIONS: 'true', CI: 'true', GITHUB_STEP_SUMMARY: undefined };
const e = (text: string): Step => ({ e: text });
const mark = (fields: Record<string, unknown>): Step => ({ e: marker(fields) });
/** Wait until prog has read all written so far: what follows comes in a read of its own (a group's end waits for the rest of its read). */
const read: Step = { logged: true };

/** stderr as lines without colour, prog's warnings and the run-id line left out. */
function lines(stderr: Buffer | string): string[] {
  return String(stderr).split('\n').map(stripColour).filter((l) => l !== '' && !l.startsWith('prog: warning: ') && !l.startsWith('[prog] run '));
}

/** Everything up to the summary (which starts at `[prog] finished`). */
function untilSummary(all: string[]): string[] {
  const end = all.findIndex((l) => l.startsWith('[prog] finished'));
  return end === -1 ? all : all.slice(0, end + 1);
}

test('each top-level phase\'s output is inside its own group: opened before its first line, closed before its end line; output outside phases stays outside', async () => {
  const r = await runProg(['run', '--format', 'plain', '--', ...child([
    e('before any phase\n'),
    mark({ type: 'phase', id: 'build', name: 'Build', total: 1 }),
    e('compiling a.c\n'),
    mark({ type: 'item.done', phase: 'build', id: 'a.c' }),
    mark({ type: 'phase.end', id: 'build', status: 'ok' }),
    read,
    e('between phases\n'),
    mark({ type: 'phase', id: 'test', name: 'Test' }),
    e('test 1 ok\n'),
    // Not ended by the command: its group closes when the run ends, before the summary.
    { exit: 0 },
  ])], { env: ACTIONS });
  assert.is(r.code, 0, String(r.stderr));
  assert.equal(untilSummary(lines(r.stderr)).map((l) => l.replace(/ in [\d.]+s/, ' in T')), [
    'before any phase',
    '::group::Build',
    '[prog] ▶ Build started · 1 to do',
    'compiling a.c',
    '::endgroup::',
    '[prog] ✔ Build ok in T · 1/1 · 1 ok, 0 failed',
    'between phases',
    '::group::Test',
    '[prog] ▶ Test started',
    'test 1 ok',
    '::endgroup::',
    '[prog] finished ok · exit 0 · T'.replace(' · T', String(r.stderr).match(/finished ok · exit 0( · [\d.]+s)/)![1]!),
  ]);
});

test('a phase that starts while another runs takes the group (GitHub cannot nest them); a name is escaped as a workflow command\'s message', async () => {
  const r = await runProg(['run', '--format', 'plain', '--', ...child([
    mark({ type: 'phase', id: 'a', name: 'A' }),
    e('a1\n'),
    mark({ type: 'phase', id: 'b', name: '50% of B' }),
    e('b1\n'),
    mark({ type: 'phase.end', id: 'a', status: 'ok' }),
    e('b2\n'),
    mark({ type: 'phase.end', id: 'b', status: 'ok' }),
    read,
    e('after\n'),
  ])], { env: ACTIONS });
  assert.is(r.code, 0);
  const got = untilSummary(lines(r.stderr)).filter((l) => !l.startsWith('[prog]'));
  assert.equal(got, ['::group::A', 'a1', '::endgroup::', '::group::50%25 of B', 'b1', 'b2', '::endgroup::', 'after']);
});

test('no groups of prog\'s when the command prints its own', async () => {
  const r = await runProg(['run', '--format', 'plain', '--', ...child([
    e('::group::Setup\n'),
    e('installing\n'),
    e('::endgroup::\n'),
    mark({ type: 'phase', id: 'build', name: 'Build' }),
    e('compiling\n'),
    mark({ type: 'phase.end', id: 'build', status: 'ok' }),
  ])], { env: ACTIONS });
  assert.is(r.code, 0);
  const all = lines(r.stderr);
  assert.equal(all.filter((l) => l.startsWith('::')), ['::group::Setup', '::endgroup::'], all.join('\n'));
});

test('the command\'s first group of its own closes prog\'s open one first, and prog folds no more', async () => {
  const r = await runProg(['run', '--format', 'plain', '--', ...child([
    mark({ type: 'phase', id: 'build', name: 'Build' }),
    e('compiling\n'),
    read,
    e('::group::Inner\n'),
    e('inner output\n'),
    e('::endgroup::\n'),
    mark({ type: 'phase.end', id: 'build', status: 'ok' }),
    mark({ type: 'phase', id: 'test', name: 'Test' }),
    e('testing\n'),
  ])], { env: ACTIONS });
  assert.is(r.code, 0);
  const got = untilSummary(lines(r.stderr)).filter((l) => !l.startsWith('[prog]'));
  assert.equal(got, ['::group::Build', 'compiling', '::endgroup::', '::group::Inner', 'inner output', '::endgroup::', 'testing']);
});

test('outside GitHub Actions (CI=true alone, or GITHUB_ACTIONS unset) and in other formats: no groups', async () => {
  const steps = child([mark({ type: 'phase', id: 'build', name: 'Build' }), e('compiling\n'), mark({ type: 'phase.end', id: 'build', status: 'ok' })]);
  for (const env of [{ GITHUB_ACTIONS: undefined, CI: 'true' }, { GITHUB_ACTIONS: 'false' }]) {
    const r = await runProg(['run', '--format', 'plain', '--', ...steps], { env });
    assert.is(r.code, 0);
    assert.not.match(String(r.stderr), /^::/m, JSON.stringify(env));
    assert.match(String(r.stderr), /^\[prog\] ▶ Build started$/m);
  }
  const none = await runProg(['run', '--format', 'none', '--', ...steps], { env: ACTIONS });
  assert.not.match(String(none.stderr) + String(none.stdout), /::group::/);
});

/** prog with its stdout and stderr on one pipe (`2>&1`), as a runner's log reads them. */
function merged(args: string[], env: Record<string, string | undefined>, cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', 'exec "$0" "$@" 2>&1', process.execPath, progBin, ...args], { cwd, env: testEnv(tempDir(), env), stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out: Buffer.concat(out).toString('utf8') }));
  });
}

liveTest([tools.pytest()], 'a tool\'s phase (real pytest, block-buffered on a pipe, so its whole phase comes in one read; prog\'s lines on the same pipe): its results line is inside the group', async () => {
  const ws = tempDir();
  mkdirSync(join(ws, 'tests'));
  writeFileSync(join(ws, 'tests', 'test_a.py'), 'def test_ok():\n    assert 1\n\ndef test_bad():\n    assert 1 == 2\n');
  const r = await merged(['run', '--format', 'plain', '--', '/usr/bin/python3', '-m', 'pytest', '-p', 'no:cacheprovider', 'tests'], ACTIONS, ws);
  assert.is(r.code, 1, r.out);
  const all = lines(r.out);
  const open = all.indexOf('::group::pytest');
  const close = all.indexOf('::endgroup::');
  const results = all.findIndex((l) => l.startsWith('tests/test_a.py .F'));
  assert.ok(open >= 0 && open < results && results < close, all.join('\n'));
  assert.match(all[close + 1]!, /^\[prog\] ✖ pytest failed in /);
  assert.is(all.filter((l) => l.startsWith('::group::')).length, 1);
});

test.run();
