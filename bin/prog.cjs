#!/usr/bin/env node
// Starts prog: runs the bundle (dist/bundle/prog.cjs, built by `npm run build`, or by npm itself on
// install and link) with V8's code cache, as Node 22's module.enableCompileCache() would. Node 20
// has no such switch, and compiling the bundle is most of what `prog run` costs before the command
// starts. The cache lives in $XDG_CACHE_HOME/prog (else ~/.cache/prog), one file per build of prog
// and Node version; it is written once, when prog exits after a run without one. A cache that is
// missing, unreadable, unwritable or rejected by V8 only means compiling as usual.
'use strict';
const { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { dirname, isAbsolute, join } = require('node:path');
const { Script } = require('node:vm');

/** Enough for a few prog versions used side by side on one machine. */
const KEEP_CACHES = 4;
const file = join(__dirname, '..', 'dist', 'bundle', 'prog.cjs');
let source;
try {
  // ASCII by construction (scripts/bundle.js checks): latin1 is the cheapest way to read it.
  source = readFileSync(file, 'latin1');
} catch {
  process.stderr.write(`prog: not built yet (${file} is missing): run \`npm run build\` in the prog checkout\n`);
  process.exit(125);
}

const build = /prog-build-id=(\w+)\s*$/.exec(source.slice(-64))?.[1];
// The XDG rule: a relative XDG_CACHE_HOME is ignored.
const xdgCache = process.env.XDG_CACHE_HOME;
const cacheDir = join(xdgCache && isAbsolute(xdgCache) ? xdgCache : join(homedir(), '.cache'), 'prog');
const cacheFile = build && join(cacheDir, `${build}-v8-${process.versions.v8}-${process.arch}.v8cache`);
let cachedData;
try {
  if (cacheFile) cachedData = readFileSync(cacheFile);
} catch {
  // No cache yet: compiled as usual, and cached at exit.
}

// The same wrapper Node gives a CommonJS module, so the bundle sees require, module and __filename.
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: file,
  ...(cachedData ? { cachedData } : {}),
});
if (cacheFile && (!cachedData || script.cachedDataRejected)) process.once('exit', () => writeCache(script, cacheFile));

const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file));
mod.exports.main(process.argv.slice(2));

/** After the run, so what the run compiled is in it; through a temporary file, so readers see all or nothing. */
function writeCache(compiled, path) {
  try {
    const data = compiled.createCachedData();
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    removeOldCaches(dirname(path));
  } catch {
    // A read-only home or a full disk: the next run compiles again; nothing else depends on it.
  }
}

/** Caches of other builds (each rebuild, each upgrade) are dropped beyond the newest few. */
function removeOldCaches(dir) {
  const caches = readdirSync(dir)
    .filter((name) => name.endsWith('.v8cache'))
    .map((name) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of caches.slice(KEEP_CACHES)) rmSync(old.path, { force: true });
}
