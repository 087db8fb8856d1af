// A command that reopens its own output (`>/dev/stderr`, `tee /dev/stderr`, `cp f /dev/stdout`,
// `dd of=/dev/stdout`, Python's open('/dev/stderr'), /proc/self/fd/N, /dev/fd/3) runs under prog as
// without it: its stdout, stderr and progress descriptor are real pipes, not sockets (which open()
// refuses with ENXIO). Every format, --foreground included, in a real terminal where it draws one.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, recordedRun, sh, startProg } from '../helpers/live.js';
import { startInPty } from '../helpers/pty.js';
import { progBin, tempDir } from '../helpers/prog.js';
import { waitUntil } from '../helpers/procfs.js';
import { liveTest, tools, type Tool } from '../helpers/tools.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));
const needing = (needs: Tool[], name: string, fn: () => Promise<void>) => liveTest(needs, name, clean(fn));

const dir = tempDir('prog-reopen-');
const copied = join(dir, 'copied.txt');
writeFileSync(copied, 'via-cp\n');

/** Each line writes one token through one way of reopening the output; `set -e` stops at the first failure. */
const FORMS: [token: string, stream: 'stdout' | 'stderr', line: string][] = [
  ['via-dev-stderr', 'stderr', 'echo via-dev-stderr >/dev/stderr'],
  ['via-dev-stdout', 'stdout', 'echo via-dev-stdout >/dev/stdout'],
  ['via-proc-fd-2', 'stderr', 'echo via-proc-fd-2 >/proc/self/fd/2'],
  ['via-proc-fd-1', 'stdout', 'echo via-proc-fd-1 >/proc/self/fd/1'],
  ['via-tee', 'stderr', 'echo via-tee | tee /dev/stderr >/dev/null'],
  ['via-cp', 'stdout', `cp ${copied} /dev/stdout`],
  ['via-dd', 'stdout', 'echo via-dd | dd of=/dev/stdout status=none'],
  ['via-python', 'stderr', `python3 -c "open('/dev/stderr', 'w').write('via-python\\n')"`],
  ['via-node', 'stdout', `node -e "require('fs').writeFileSync('/dev/stdout', 'via-node\\n')"`],
];
const SCRIPT = ['set -e', ...FORMS.map(([, , line]) => line), 'echo all-done', 'exit 0'].join('\n');
const COMMAND = ['bash', '-c', SCRIPT];

// python3 is one of the forms: a machine without it skips these tests by name.
const python3 = tools.python3();

function assertAllThrough(text: string, what: string): void {
  for (const [token] of FORMS) assert.ok(text.includes(token), `${what}: ${token} missing\n${text}`);
  assert.ok(text.includes('all-done'), `${what}: the script stopped early (set -e)\n${text}`);
  assert.not.match(text, /No such device|ENXIO|cannot create|Permission denied/, what);
}

function assertRecorded(home: string): void {
  const { dir: runDir, run } = recordedRun(home);
  assert.is(run.exitCode, 0);
  const logs = { stdout: readFileSync(join(runDir, 'stdout.log'), 'utf8'), stderr: readFileSync(join(runDir, 'stderr.log'), 'utf8') };
  for (const [token, stream] of FORMS) assert.ok(logs[stream].split('\n').includes(token), `${token} in ${stream}.log:\n${logs[stream]}`);
}

for (const format of ['none', 'plain', 'json'] as const) {
  needing([python3], `--format ${format}, output a pipe: every form writes, the script ends 0, the logs have each token`, async () => {
    const live = startProg(['run', '--format', format, '--', ...COMMAND]);
    const end = await live.waitExit(30_000);
    assert.equal([end.code, end.signal], [0, null], live.transcript());
    assertAllThrough(live.stdout() + live.stderr(), format);
    assertRecorded(live.home);
    if (format === 'none') {
      // Nothing replaces the bytes: each stream carries exactly its tokens.
      for (const [token, stream] of FORMS) assert.ok((stream === 'stdout' ? live.stdout() : live.stderr()).split('\n').includes(token), `${token} on ${stream}`);
    }
  });
}

for (const args of [['--format', 'rich'], ['--format', 'plain'], ['--foreground']]) {
  needing([python3, tools.script()], `in a real terminal, ${args.join(' ')}: every form writes and the script ends 0`, async () => {
    const live = startInPty(sh([process.execPath, progBin, 'run', ...args, '--', ...COMMAND]));
    const end = await live.waitExit(30_000);
    assert.equal([end.code, end.signal], [0, null], live.transcript());
    assertAllThrough(live.stdout(), args.join(' '));
    assertRecorded(live.home);
  });
}

test('the progress descriptor is a pipe too: markers written to /dev/fd/3 and /proc/self/fd/3 count', async () => {
  const script = [
    'set -e',
    `echo '{"type":"phase","id":"p","total":2}' >/dev/fd/3`,
    `echo '{"type":"item.done","phase":"p","id":"a"}' >/proc/self/fd/3`,
    `echo '{"type":"item.done","phase":"p","id":"b"}' >/dev/fd/3`,
  ].join('\n');
  const live = startProg(['run', '--format', 'json', '--', 'bash', '-c', script]);
  const end = await live.waitExit(30_000);
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  const { events } = recordedRun(live.home);
  assert.equal(events.filter((e) => e.type === 'item.done').map((e) => e.id), ['a', 'b']);
});

test('the command sees pipes, as in a shell pipeline (not sockets)', async () => {
  const live = startProg(['run', '--format', 'none', '--progress-fd', '3', '--', 'sh', '-c', 'for fd in 1 2 3; do stat -L -c %F /proc/$$/fd/$fd; done']);
  const end = await live.waitExit(30_000);
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  const kinds = live.stdout().trim().split('\n');
  assert.is(kinds.length, 3, live.transcript());
  assert.equal(kinds, ['fifo', 'fifo', 'fifo']);
});

test('the named pipes leave nothing in $TMPDIR but the pipe pool: after a run, a usage error, a command not found', async () => {
  const tmp = tempDir('prog-tmpdir-');
  const env = { TMPDIR: tmp };
  const runs = [
    startProg(['run', '--format', 'none', '--', 'true'], { env }),
    startProg(['run', '--parser', 'bogus', '--', 'true'], { env }),
    startProg(['run', '--format', 'none', '--', 'no-such-command-here'], { env }),
  ];
  const codes = await Promise.all(runs.map(async (live) => (await live.waitExit(30_000)).code));
  assert.equal(codes, [0, 125, 127]);
  // The pool of pipes made ahead (process/pipe-pool.ts) stays, once its background refill is done
  // holding whole sets only: nothing a run claimed, nothing half made.
  const pool = `prog-pipes-${process.getuid!()}`;
  const inPool = () => (readdirSync(tmp).includes(pool) ? readdirSync(join(tmp, pool)) : []);
  await waitUntil(() => inPool().every((n) => n.startsWith('set-')) || `the pool holds ${inPool().join(', ')}`, 10_000, 'the pool refill to end');
  assert.equal(readdirSync(tmp).filter((n) => n !== pool), []);
});

uvuTest.run();
