// A state dir that cannot be written (read-only, or full before or during the run) costs the
// record, never the command: one warning, the child runs, output passes through byte for byte and
// the exit status is the child's. Uses private mount namespaces (unshare -rm), so no root needed.
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, tempDir } from '../helpers/prog.js';
import { child, history, loadRun, marker, progInNamespace, runDirs } from '../helpers/runs.js';
import { liveTest, tools } from '../helpers/tools.js';

const fx = join(fixtures, 'fx.js');
const OUT = 'to stdout\n\x00 nul ü\n';
const ERR = 'to stderr\n';
const steps = child([
  { o: marker({ type: 'phase', id: 'p', total: 2 }) },
  { o: OUT },
  { e: ERR },
  { o: marker({ type: 'item.done', phase: 'p', id: 'a' }) },
  { exit: 3 },
]);

function warnings(stderr: Buffer): number {
  return (String(stderr).match(/prog: warning:/g) ?? []).length;
}

/** stderr without prog's one warning line: what the child wrote. */
function withoutWarning(stderr: Buffer): string {
  return String(stderr).replace(/prog: warning: [^\n]*\n/, '');
}

function flood(bytes: number): Buffer {
  const line = 'x'.repeat(99) + '\n';
  return Buffer.from(line.repeat(Math.ceil(bytes / 100))).subarray(0, bytes);
}

// Every test here needs unshare -rm, and a machine that allows it.
const test = (name: string, fn: () => Promise<void>) => liveTest([tools.unshare()], name, fn);

for (const format of ['plain', 'none', 'json'] as const) {
  test(`read-only state dir (${format}): one warning, the child runs, output and exit status unchanged`, async () => {
    const dir = tempDir();
    const r = await progInNamespace(`mount -t tmpfs -o ro tmpfs "${dir}"`, ['run', '--format', format, '--', ...steps], { PROG_HOME: dir });
    assert.is(r.code, 3, String(r.stderr));
    assert.is(warnings(r.stderr), 1, String(r.stderr));
    assert.match(String(r.stderr), /prog: warning: [^\n]*EROFS/, 'the warning gives the real reason');
    if (format === 'json') {
      const objects = String(r.stdout).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const text = (stream: string) => objects.filter((o) => o.type === 'output' && o.stream === stream).map((o) => `${o.line}${o.eol}`).join('');
      assert.is(text('stdout'), OUT, 'the output still arrives');
      assert.is(text('stderr'), ERR);
      assert.is(objects.at(-1)!.type, 'summary');
    } else {
      assert.is(r.stdout.toString(), OUT, 'stdout passes through byte for byte, markers removed');
    }
    if (format === 'none') assert.is(withoutWarning(r.stderr), ERR, 'the child\'s stderr is intact');
    if (format === 'plain') assert.match(String(r.stderr), /\[prog\] finished/, 'the summary still shows');
  });
}

test('read-only state dir that already has history: left untouched', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'runs'));
  const before = '{"id":"old","status":"ok"}\n';
  writeFileSync(join(dir, 'history.ndjson'), before);
  const r = await progInNamespace(`mount --bind "${dir}" "${dir}"; mount -o remount,bind,ro "${dir}"`, ['run', '--', ...steps], { PROG_HOME: dir });
  assert.is(r.code, 3);
  assert.is(warnings(r.stderr), 1, String(r.stderr));
  assert.is(r.stdout.toString(), OUT);
  assert.is(readFileSync(join(dir, 'history.ndjson'), 'utf8'), before);
  assert.is(runDirs(dir).length, 0);
});

test('state dir full before the run: one warning, output and exit status unchanged', async () => {
  const dir = tempDir();
  const r = await progInNamespace(
    `mount -t tmpfs -o size=64k tmpfs "${dir}"; head -c 1000000 /dev/zero > "${dir}/fill" 2>/dev/null || true`,
    ['run', '--format', 'none', '--', ...steps], { PROG_HOME: dir });
  assert.is(r.code, 3, String(r.stderr));
  assert.is(warnings(r.stderr), 1, String(r.stderr));
  assert.match(String(r.stderr), /ENOSPC/);
  assert.is(r.stdout.toString(), OUT);
  assert.is(withoutWarning(r.stderr), ERR);
});

test('state dir fills up during a 5 MB run: one warning, 5 MB through intact, exit status kept, end recorded', async () => {
  const dir = tempDir();
  const copy = tempDir();
  const cmd = `"$NODE" ${JSON.stringify(fx)} flood 5000000; printf 'after flood\\n' >&2; exit 3`;
  const r = await progInNamespace(
    `mount -t tmpfs -o size=1m tmpfs "${dir}"`,
    ['run', '--format', 'plain', '--', 'sh', '-c', cmd], { PROG_HOME: dir },
    `cp -a "${dir}/." "${copy}/"`);
  assert.is(r.code, 3, String(r.stderr).slice(0, 2000));
  assert.is(warnings(r.stderr), 1, String(r.stderr).slice(0, 2000));
  assert.match(String(r.stderr), /ENOSPC/);
  assert.is(r.stdout.length, 5_000_000, 'every byte reached stdout');
  assert.ok(r.stdout.equals(flood(5_000_000)), 'stdout is byte-identical');
  assert.match(String(r.stderr), /^after flood$/m, 'the child ran on after the disk filled');
  assert.match(String(r.stderr), /\[prog\] finished failed · exit 3/);
  // What could be kept: the run's directory, and run.json saying how it ended and that logs are incomplete.
  const dirs = runDirs(copy);
  assert.is(dirs.length, 1);
  const run = JSON.parse(readFileSync(join(dirs[0]!, 'run.json'), 'utf8')) as Record<string, unknown>;
  assert.is(run.exitCode, 3, 'the final run.json was written in place of the start record');
  assert.is(run.status, 'failed');
  assert.is(run.logIncomplete, true);
  const log = readFileSync(join(dirs[0]!, 'stdout.log'));
  assert.ok(log.length < 5_000_000 && log.equals(flood(log.length)), 'the log holds a true prefix of the output');
  // history.ndjson may or may not have found room; if it did, the line is whole.
  if (existsSync(join(copy, 'history.ndjson'))) {
    const lines = history(copy);
    if (lines.length > 0) assert.is(lines.at(-1)!.exitCode, 3);
  }
});

test('a healthy run in a roomy tmpfs is recorded in full (the namespace itself changes nothing)', async () => {
  const dir = tempDir();
  const copy = tempDir();
  const r = await progInNamespace(`mount -t tmpfs -o size=4m tmpfs "${dir}"`, ['run', '--format', 'none', '--', ...steps], { PROG_HOME: dir },
    `cp -a "${dir}/." "${copy}/"`);
  assert.is(r.code, 3);
  assert.is(warnings(r.stderr), 0, String(r.stderr));
  const rec = loadRun(runDirs(copy)[0]!);
  assert.is(rec.run.exitCode, 3);
  assert.not.ok('logIncomplete' in rec.run);
  assert.is(history(copy).length, 1);
});

uvuTest.run();
