// Named pipes made ahead (src/process/child-pipes.ts): a run takes a set from the private pool in the
// temp dir and tops the pool up in the background; a pool that is not safely this user's is never
// used, and a run then makes its own pipes. Either way the command writes to /dev/stdout and
// /dev/stderr as in a shell pipeline.
import { chmodSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runProg, tempDir } from '../helpers/prog.js';
import { pause, scaled } from '../helpers/time.js';

const uid = process.getuid!();
const WRITES = ['sh', '-c', 'echo out >/dev/stdout; echo err >/dev/stderr'];

const sets = (pool: string) => readdirSync(pool).filter((n) => n.startsWith('set-')).sort();

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + scaled(10_000);
  while (!ok()) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
    await pause(20);
  }
}

async function run(tmp: string) {
  const r = await runProg(['run', '--format', 'none', '--', ...WRITES], { env: { TMPDIR: tmp } });
  assert.is(r.code, 0, r.stderr.toString());
  assert.is(r.stdout.toString(), 'out\n');
  assert.is(r.stderr.toString(), 'err\n', 'no warning about sockets: real pipes');
}

test('the first run fills the pool; the next takes one set by name and leaves nothing else behind', async () => {
  const tmp = tempDir();
  const pool = join(tmp, `prog-pipes-${uid}`);
  await run(tmp);
  await until('the pool to be filled', () => sets(pool).length >= 8);
  const stat = lstatSync(pool);
  assert.is(stat.mode & 0o777, 0o700, 'the pool is private');
  for (const set of sets(pool)) for (const p of ['p0', 'p1', 'p2']) assert.ok(lstatSync(join(pool, set, p)).isFIFO());
  const before = sets(pool);
  await run(tmp);
  const after = sets(pool);
  assert.is(after.length, before.length - 1, 'one set taken (enough left: no refill)');
  assert.ok(after.every((s) => before.includes(s)));
  assert.equal(readdirSync(pool).filter((n) => !n.startsWith('set-')), [], 'no claimed or half-made set left');
  // Down to the low-water mark, a run refills again.
  for (let i = after.length; i >= 3; i--) await run(tmp);
  await until('the refill', () => sets(pool).length >= 8);
});

test('a pool others can enter is not used: the run makes its own pipes and the pool stays as it was', async () => {
  const tmp = tempDir();
  const pool = join(tmp, `prog-pipes-${uid}`);
  mkdirSync(pool, { mode: 0o700 });
  chmodSync(pool, 0o777);
  mkdirSync(join(pool, 'set-planted'));
  await run(tmp);
  assert.equal(readdirSync(pool), ['set-planted'], 'nothing taken from or added to a shared directory');
});

test('a set holding a plain file where a pipe should be is refused; the run still gets real pipes', async () => {
  const tmp = tempDir();
  const pool = join(tmp, `prog-pipes-${uid}`);
  mkdirSync(join(pool, 'set-planted'), { recursive: true, mode: 0o700 });
  chmodSync(pool, 0o700);
  for (const p of ['p0', 'p1', 'p2']) writeFileSync(join(pool, 'set-planted', p), '');
  await run(tmp);
  assert.not.ok(readdirSync(pool).includes('set-planted'), 'the bad set is removed');
  assert.not.ok(readdirSync(pool).some((n) => n.startsWith('claimed-')));
});

test.run();
