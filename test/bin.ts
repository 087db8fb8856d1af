// bin/prog.cjs: runs the bundle with V8's code cache. A cache is written once, read after, replaced
// when V8 refuses it; a cache that cannot be read or written never changes what the run does.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot, runProg, tempDir } from './helpers/prog.js';
import { scaled } from './helpers/time.js';

const caches = (dir: string) => readdirSync(join(dir, 'prog')).filter((n) => n.endsWith('.v8cache'));

async function run(cache: string, command = ['sh', '-c', 'echo out; exit 3']) {
  const r = await runProg(['run', '--format', 'none', '--', ...command], { env: { XDG_CACHE_HOME: cache } });
  assert.is(r.code, 3, r.stderr.toString());
  assert.is(r.stdout.toString(), 'out\n');
  assert.is(r.stderr.toString(), '', 'nothing about the cache on stderr');
  return r;
}

test('the first run writes one private cache; the next ones use it as it is', async () => {
  const cache = tempDir();
  await run(cache);
  const [file] = caches(cache);
  assert.ok(file, 'a cache file');
  const path = join(cache, 'prog', file!);
  const stat = statSync(path);
  assert.is(stat.mode & 0o777, 0o600);
  assert.ok(stat.size > 10_000, `${stat.size} bytes of compiled code`);
  const before = readFileSync(path);
  await run(cache);
  assert.equal(caches(cache), [file], 'still one');
  assert.ok(readFileSync(path).equals(before), 'not rewritten: V8 took it');
});

test('a damaged cache is refused by V8, the run is as usual, and the cache is written again', async () => {
  const cache = tempDir();
  await run(cache);
  const [file] = caches(cache);
  const path = join(cache, 'prog', file!);
  writeFileSync(path, Buffer.alloc(4096, 0x5a));
  await run(cache);
  assert.not.equal(readFileSync(path).subarray(0, 16), Buffer.alloc(16, 0x5a), 'replaced by a good one');
});

test('an unwritable cache directory changes nothing but the speed', async () => {
  const cache = tempDir();
  mkdirSync(join(cache, 'prog'));
  chmodSync(join(cache, 'prog'), 0o500);
  await run(cache);
  // Root ignores the mode: then a cache may be written; what matters is the run above.
  if (process.getuid?.() !== 0) assert.equal(caches(cache), []);
  await run(join(tempDir(), 'a-file'), ['sh', '-c', 'echo out; exit 3']);
});

test('caches of other builds are dropped beyond the newest four', async () => {
  const cache = tempDir();
  mkdirSync(join(cache, 'prog'));
  for (let i = 0; i < 6; i++) {
    const old = join(cache, 'prog', `old${i}.v8cache`);
    writeFileSync(old, 'x');
    // Distinct ages, oldest first.
    const t = Date.now() / 1000 - 1000 + i;
    utimesSync(old, t, t);
  }
  await run(cache);
  const left = caches(cache).sort();
  assert.is(left.length, 4, left.join(' '));
  assert.ok(['old3.v8cache', 'old4.v8cache', 'old5.v8cache'].every((n) => left.includes(n)), 'the newest old ones and the new one stay');
});

test('without a build, prog says how to make one (exit 125)', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(projectRoot, 'bin', 'prog.cjs'), join(dir, 'bin', 'prog.cjs'));
  const r = spawnSync(process.execPath, [join(dir, 'bin', 'prog.cjs'), '--version'], { encoding: 'utf8', timeout: scaled(30_000) });
  assert.is(r.status, 125);
  assert.match(r.stderr, /not built yet .*npm run build/);
});

test.run();
