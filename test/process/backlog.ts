import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { Backlog, type BacklogSink } from '../../src/process/backlog.js';

/** A sink that records what it took, tagged with its name. */
function sink(name: string, log: string[]): BacklogSink {
  return { take: (chunk) => log.push(`${name}:${chunk.toString()}`), end: () => log.push(`${name}:end`) };
}

test('chunks of several pipes are taken in the order they were read, and each pipe ends after its last chunk', async () => {
  const log: string[] = [];
  const backlog = new Backlog({ clock: () => 0, blocked: () => undefined });
  const [a, b] = [new PassThrough(), new PassThrough()];
  const done = Promise.all([backlog.read(a, sink('a', log)), backlog.read(b, sink('b', log))]);
  a.write('1');
  b.write('2');
  a.write('3');
  a.end();
  b.write('4');
  b.end();
  await done;
  assert.equal(log, ['a:1', 'b:2', 'a:3', 'b:4', 'a:end', 'b:end']);
});

test('past its bound the backlog pauses every pipe, and resumes them once processing catches up', async () => {
  const log: string[] = [];
  let release!: () => void;
  let hold = true;
  // Processing waits (a congested reader of prog's output) until released.
  const backlog = new Backlog({ clock: () => 0, blocked: () => (hold ? new Promise<void>((r) => (release = r)) : undefined), maxBytes: 10 });
  const a = new PassThrough();
  const done = backlog.read(a, sink('a', log));
  a.write('x'); // taken, then processing waits
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 4; i++) a.write('yyy');
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.ok(a.isPaused(), 'paused at 12 bytes queued, over the bound of 10');
  assert.equal(log, ['a:x']);
  hold = false;
  release();
  a.end();
  await done;
  assert.not.ok(a.isPaused());
  assert.equal(log, ['a:x', 'a:yyy', 'a:yyy', 'a:yyy', 'a:yyy', 'a:end']);
});

test('unblock() stops waiting for a reader that stopped reading (the user asked the run to stop)', async () => {
  const log: string[] = [];
  const backlog = new Backlog({ clock: () => 0, blocked: () => new Promise<void>(() => undefined) });
  const a = new PassThrough();
  const done = backlog.read(a, sink('a', log));
  a.write('1');
  a.write('2');
  a.end();
  await new Promise((r) => setImmediate(r));
  assert.equal(log, ['a:1'], 'waiting for the reader after the first chunk');
  backlog.unblock();
  await new Promise((r) => setImmediate(r));
  backlog.unblock();
  await done;
  assert.equal(log, ['a:1', 'a:2', 'a:end']);
});

test.run();
