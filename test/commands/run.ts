import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fixtures, ndjson, progBin, runProg, tempDir, testEnv } from '../helpers/prog.js';
import { pause, scaled } from '../helpers/time.js';
import { join } from 'node:path';

const fx = join(fixtures, 'fx.js');

test('stdin reaches the child: echo hi | prog run -- cat prints hi', async () => {
  const r = await runProg(['run', '--', 'cat'], { input: 'hi\n' });
  assert.is(r.code, 0);
  assert.is(r.stdout.toString(), 'hi\n');
});

for (const n of [0, 1, 2, 42, 255]) {
  test(`exit status ${n} of the child is prog's exit status`, async () => {
    const r = await runProg(['run', '--', process.execPath, fx, 'exit', String(n)]);
    assert.is(r.code, n);
  });
}

/**
 * A child that prints a line (or a prompt with no line end), then waits for an answer on stdin
 * before printing the next. If prog held the first output back, nobody would answer: the test
 * would hang, and fail on its bound.
 */
async function conversation(first: string): Promise<string> {
  const script = `process.stdout.write(${JSON.stringify(first)}); process.stdin.once('data', (d) => { process.stdout.write('got ' + d); process.exit(0); });`;
  const child = spawn(process.execPath, [progBin, 'run', '--format', 'plain', '--', process.execPath, '-e', script], {
    env: testEnv(tempDir()),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const answered = new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out === first) {
        child.stdin.write('answer\n');
        resolve();
      }
    });
  });
  const bound = setTimeout(() => child.kill('SIGKILL'), scaled(10_000));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(bound);
  await Promise.race([answered, Promise.resolve()]);
  assert.is(code, 0, `prog should finish; it printed ${JSON.stringify(out)}`);
  return out;
}

test('a line the child prints reaches the user before the child prints its next one', async () => {
  assert.is(await conversation('question?\n'), 'question?\ngot answer\n');
});

test('a prompt without a line end is shown at once, not held for its newline', async () => {
  assert.is(await conversation('Password: '), 'Password: got answer\n');
});

test('a line that begins like a marker but is not one is shown once it proves not to be', async () => {
  assert.is(await conversation('::prog is a word\n'), '::prog is a word\ngot answer\n');
});

test('a reader that stops reading makes the child wait, and prog still answers SIGTERM', async () => {
  const child = spawn(process.execPath, [progBin, 'run', '--format', 'plain', '--', process.execPath, fx, 'flood', String(200 * 1024 * 1024)], {
    env: testEnv(tempDir()),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Read a little, then stop reading: the pipe and prog's queue fill up.
  let got = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got > 1024 * 1024) {
        child.stdout.pause();
        resolve();
      }
    });
  });
  // Time for the queues to fill (the assertions hold whether they have or not).
  await pause(300);
  child.kill('SIGTERM');
  const bound = setTimeout(() => child.kill('SIGKILL'), scaled(10_000));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(bound);
  // The child died of the forwarded SIGTERM, so prog died of it too: not of the test's SIGKILL.
  assert.equal([code, signal], [null, 'SIGTERM']);
  assert.ok(got < 200 * 1024 * 1024, 'the child was held back, not allowed to run ahead into memory');
});

test('--hide-output keeps the command\'s output off the screen but in the run\'s log', async () => {
  const r = await runProg(['run', '--hide-output', '--format', 'plain', '--', 'sh', '-c', 'echo secret; echo err >&2']);
  assert.is(r.code, 0);
  assert.is(r.stdout.toString(), '');
  assert.not.match(r.stderr.toString(), /^err$/m);
  const dir = /recorded in (\S+)/.exec(r.stderr.toString())![1]!;
  assert.is(readFileSync(join(dir, 'stdout.log'), 'utf8'), 'secret\n');
  assert.is(readFileSync(join(dir, 'stderr.log'), 'utf8'), 'err\n');
});

test('a failure is summarised with the last lines of output before it, markers left out', async () => {
  const script = 'for i in 1 2 3 4 5 6 7; do echo "step $i"; done; echo "::prog::{\\"type\\":\\"item.fail\\",\\"id\\":\\"build\\",\\"error\\":\\"exit 2\\"}"';
  const r = await runProg(['run', '--format', 'json', '--', 'sh', '-c', script]);
  const fail = ndjson(r.stdout).find((e) => e.type === 'item.fail')!;
  assert.equal(fail.tail, ['step 3', 'step 4', 'step 5', 'step 6', 'step 7']);
  const plain = await runProg(['run', '--format', 'plain', '--', 'sh', '-c', script]);
  assert.match(plain.stderr.toString(), /build: exit 2\n\[prog\]     │ step 3\n(.*\n){3}\[prog\]     │ step 7\n/);
});

test('each run prunes the state dir to its limits at its end (PROG_KEEP_RUNS, PROG_KEEP_HISTORY)', async () => {
  const home = tempDir();
  const env = { PROG_KEEP_RUNS: '2', PROG_KEEP_HISTORY: '3' };
  for (let i = 0; i < 6; i++) assert.is((await runProg(['run', '--format', 'none', '--', 'true'], { home, env })).code, 0);
  const runs = readdirSync(join(home, 'runs')).filter((name) => !name.startsWith('.'));
  assert.is(runs.length, 2, runs.join(' '));
  // History is rewritten once it is well over its limit (20 %): never more than that over.
  const lines = readFileSync(join(home, 'history.ndjson'), 'utf8').trim().split('\n').length;
  assert.ok(lines >= 3 && lines <= 4, `${lines} history lines`);
});

test.run();
