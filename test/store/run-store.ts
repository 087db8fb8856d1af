// RunStore in process: id collisions, failures that warn once and never throw, and never writing
// into a directory that belongs to another run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ProgressModel } from '../../src/model/progress-model.js';
import { newRunId, RunStore } from '../../src/store/run-store.js';
import { tempDir } from '../helpers/prog.js';
import { history, loadRun } from '../helpers/runs.js';

function info(id = newRunId()) {
  return { id, key: 'cmd arg @ /somewhere', command: ['cmd', 'arg'], cwd: '/somewhere', startedAt: new Date().toISOString() };
}

function summaryFor(runInfo: { id: string; command: string[] }, exitCode = 0) {
  const model = new ProgressModel();
  model.apply({ seq: 1, t: 5, type: 'exit', exitCode, signal: null, durationMs: 5 });
  return model.summary(runInfo);
}

test('newRunId: sortable timestamp then a random suffix', () => {
  const id = newRunId(new Date('2026-01-02T03:04:05.678Z'));
  assert.match(id, /^20260102-030405-[0-9a-f]{6}$/);
  assert.is.not(newRunId(new Date('2026-01-02T03:04:05Z')), newRunId(new Date('2026-01-02T03:04:05Z')));
});

test('an id already taken gets a fresh one; the other run\'s files are left alone', () => {
  const root = tempDir();
  const taken = info();
  mkdirSync(join(root, 'runs', taken.id), { recursive: true });
  writeFileSync(join(root, 'runs', taken.id, 'run.json'), '{"theirs":true}\n');
  const mine = { ...taken };
  const warnings: string[] = [];
  const store = new RunStore(root, mine, (m) => warnings.push(m));
  assert.equal(warnings, []);
  assert.not.ok(store.failed);
  assert.is.not(mine.id, taken.id, 'a new id');
  assert.ok(mine.id.startsWith(taken.id.slice(0, 15)), 'with the same timestamp');
  assert.is(basename(store.dir), mine.id);
  store.start(123, { pid: process.pid });
  store.finish(summaryFor(mine), { pid: 123, endedAt: new Date().toISOString() });
  assert.is(readFileSync(join(root, 'runs', taken.id, 'run.json'), 'utf8'), '{"theirs":true}\n');
  assert.is(loadRun(store.dir).run.id, mine.id);
  assert.equal(history(root).map((h) => h.id), [mine.id]);
});

test('an unusable state dir: one warning however many writes fail, nothing throws, no stray run.json', () => {
  const parent = tempDir();
  const root = join(parent, 'state');
  writeFileSync(root, 'a file where the directory should be');
  const warnings: string[] = [];
  const run = info();
  const store = new RunStore(root, run, (m) => warnings.push(m));
  assert.ok(store.failed);
  store.start(1, { pid: process.pid });
  store.event({ seq: 1, t: 0, type: 'run.start', ...run, pid: 1 });
  store.output('stdout', Buffer.from('hello\n'), 1);
  store.output('stderr', Buffer.from('oops\n'), 1);
  store.finish(summaryFor(run, 2), { pid: 1, endedAt: new Date().toISOString() });
  store.spawnFailed('SPAWN_ENOENT', new Date().toISOString());
  assert.is(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /cannot create the run directory in .*state \((ENOTDIR|EEXIST)/);
  assert.is(readFileSync(root, 'utf8'), 'a file where the directory should be');
});

test('a store that fails mid-run still writes the final run.json, marked incomplete', () => {
  const root = tempDir();
  const warnings: string[] = [];
  const run = info();
  const store = new RunStore(root, run, (m) => warnings.push(m));
  store.start(7, { pid: process.pid });
  store.output('stdout', Buffer.from('first\n'), 1);
  // The output log's place is taken by a directory: the next write fails, as on a broken disk.
  const dir = store.dir;
  const stderrLog = join(dir, 'stderr.log');
  mkdirSync(stderrLog);
  store.output('stderr', Buffer.from('second\n'), 2);
  store.output('stdout', Buffer.from('not written\n'), 3);
  store.finish(summaryFor(run, 4), { pid: 7, endedAt: new Date().toISOString() });
  assert.is(warnings.length, 1);
  assert.match(warnings[0]!, /cannot write the output log/);
  const rec = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
  assert.equal([rec.exitCode, rec.status, rec.logIncomplete], [4, 'failed', true]);
  assert.is(readFileSync(join(dir, 'stdout.log'), 'utf8'), 'first\n', 'nothing after the failure is written');
  const h = history(root);
  assert.equal([h.length, h[0]!.exitCode, h[0]!.logIncomplete], [1, 4, true]);
});

test('spawn failure: recorded with the reason a user knows (ENOENT, EACCES)', () => {
  const root = tempDir();
  const run = info();
  new RunStore(root, run, () => undefined).spawnFailed('SPAWN_EACCES', new Date().toISOString());
  const h = history(root);
  assert.equal([h[0]!.status, h[0]!.spawnError, h[0]!.exitCode], ['spawn-failed', 'EACCES', null]);
});

test.run();
