import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatMarker, parseEmitArgs } from '../../src/commands/emit.js';
import { ProgError } from '../../src/errors.js';
import { progBin, runProg, ndjson } from '../helpers/prog.js';

test('emit turns --field value pairs into a marker, counts as numbers', () => {
  const { type, fields } = parseEmitArgs(['progress', '--phase', 'upload', '--current', '40', '--total=100']);
  assert.is(formatMarker(type, fields), '::prog::{"type":"progress","phase":"upload","current":40,"total":100}\n');
});

test('emit refuses a count that is not a number, with the field named', () => {
  try {
    parseEmitArgs(['progress', '--phase', 'p', '--current', 'many']);
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, ProgError);
    assert.match((error as Error).message, /--current must be a number/);
  }
});

test('emit outside prog prints the marker on stdout', () => {
  const env = { ...process.env };
  delete env.PROG_PROGRESS_FD;
  const r = spawnSync(process.execPath, [progBin, 'emit', 'item.done', '--phase', 'build', '--id', 'lib.o'], { env });
  assert.is(r.status, 0);
  assert.is(r.stdout.toString(), '::prog::{"type":"item.done","phase":"build","id":"lib.o"}\n');
});

test('emit with a missing required field exits 125 and prints nothing on stdout', () => {
  const r = spawnSync(process.execPath, [progBin, 'emit', 'item.done', '--phase', 'build']);
  assert.is(r.status, 125);
  assert.is(r.stdout.toString(), '');
  assert.match(r.stderr.toString(), /prog: not a valid marker: item\.done: "id" is required/);
});

test('under prog run, emit writes to the progress fd: stdout stays clean and the events arrive', async () => {
  const script = `node ${progBin} emit phase --id build --total 2 && node ${progBin} emit item.done --phase build --id a && echo visible`;
  const r = await runProg(['run', '--format', 'json', '--', 'sh', '-c', script]);
  assert.is(r.code, 0);
  const events = ndjson(r.stdout);
  const outputs = events.filter((e) => e.type === 'output').map((e) => e.line);
  assert.equal(outputs, ['visible']);
  const phase = events.find((e) => e.type === 'phase');
  assert.equal([phase?.id, phase?.total], ['build', 2]);
  const summary = events.at(-1)!;
  assert.is(summary.type, 'summary');
  assert.is((summary.counts as { succeeded: number }).succeeded, 1);
});

test('emit --stdout under prog run prints the marker, which prog then consumes in plain mode', async () => {
  const r = await runProg(['run', '--format', 'plain', '--', 'sh', '-c', `node ${progBin} emit workflow --name nightly --stdout; echo after`]);
  assert.is(r.code, 0);
  assert.is(r.stdout.toString(), 'after\n');
  assert.match(r.stderr.toString(), /\[prog\].*workflow.*nightly/);
});

test.run();
