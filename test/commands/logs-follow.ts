// `prog logs -f` follows as tail -f does, `-n N` shows the last N lines (then follows, with -f):
// real runs, recorded by prog run and read back by prog logs processes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, startProg } from '../helpers/live.js';
import { runProg, tempDir, type ProgResult } from '../helpers/prog.js';
import { child, marker, type Step } from '../helpers/runs.js';
import { waitUntil } from '../helpers/procfs.js';

const UTC = { TZ: 'UTC' };

/** The text lines without their `HH:MM:SS ` time. */
function bodies(text: string): string[] {
  const lines = text.split('\n');
  assert.is(lines.pop(), '', 'output ends with a newline');
  return lines.map((line) => {
    assert.match(line, /^\d\d:\d\d:\d\d /);
    return line.slice(9);
  });
}

function ok(r: ProgResult): string {
  assert.is(r.code, 0, r.stderr.toString());
  assert.is(r.stderr.toString(), '');
  return r.stdout.toString();
}

async function recorded(command: string[]): Promise<string> {
  const home = tempDir();
  const r = await runProg(['run', '--format', 'none', '--', ...command], { home });
  assert.is(r.code, 0, r.stderr.toString());
  return home;
}

interface Detached {
  home: string;
  id: string;
  /** Lets the run go past its `until` step. */
  go: () => void;
  /** Whether the run has recorded its end. */
  ended: () => boolean;
  stop: () => void;
}

/** A background run of `steps`, which waits at its `until: GO` step until go() is called. */
async function detached(steps: (Step | 'GO')[]): Promise<Detached> {
  const home = tempDir();
  const goFile = join(tempDir(), 'go');
  const r = await runProg(['run', '--detach', '--', ...child(steps.map((s) => (s === 'GO' ? { until: goFile } : s)))], { home });
  assert.is(r.code, 0, r.stderr.toString());
  const id = r.stdout.toString().trim();
  const record = () => JSON.parse(readFileSync(join(home, 'runs', id, 'run.json'), 'utf8')) as { endedAt?: string; pid: number; supervisor: { pid: number } };
  // Taken while it runs: the record of an ended run has no pids.
  const { pid, supervisor } = record();
  return {
    home,
    id,
    go: () => writeFileSync(goFile, ''),
    ended: () => record().endedAt !== undefined,
    stop: () => {
      writeFileSync(goFile, '');
      if (record().endedAt !== undefined) return;
      for (const target of [-pid, supervisor.pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Bytes of stdout the run's events log has chunk records for: what prog logs can show of it. */
function recordedStdout(home: string, id: string): number {
  let events: string;
  try {
    events = readFileSync(join(home, 'runs', id, 'events.ndjson'), 'utf8');
  } catch {
    return 0;
  }
  let bytes = 0;
  for (const line of events.split('\n')) {
    if (!line.includes('"chunk"')) continue;
    try {
      const record = JSON.parse(line) as { type?: string; stream?: string; length?: number };
      if (record.type === 'chunk' && record.stream === 'stdout') bytes += record.length ?? 0;
    } catch {
      // A line still being written.
    }
  }
  return bytes;
}

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `stdout │ ${from + i}`);

test('-f follows a running run: lines arrive while it runs, and prog logs exits 0 when it ends', async () => {
  const run = await detached([{ o: 'first\n' }, { sleep: 100 }, { o: 'second\n' }, 'GO', { o: 'third\n' }, { sleep: 100 }, { o: 'last' }]);
  try {
    const follower = startProg(['logs', run.id, '-f'], { home: run.home, env: UTC });
    await follower.waitOut(/second\n/, 15_000, 'the lines written so far');
    assert.ok(!run.ended(), 'the run was still going when they arrived');
    assert.is(follower.proc.exitCode, null, 'and prog logs is still following');
    run.go();
    const end = await follower.waitExit(15_000, 'prog logs -f to end with the run');
    assert.is(end.code, 0, follower.transcript());
    assert.equal(bodies(follower.stdout()), ['stdout │ first', 'stdout │ second', 'stdout │ third', 'stdout │ last']);
    assert.is(follower.stderr(), '');
  } finally {
    run.stop();
    await cleanup();
  }
});

test('-n 20 shows exactly the last 20 lines; --tail is the same; -n 0 shows none', async () => {
  const home = await recorded(['seq', '1', '100']);
  const last20 = lines(81, 100);
  assert.equal(bodies(ok(await runProg(['logs', 'latest', '-n', '20'], { home, env: UTC }))), last20);
  assert.equal(bodies(ok(await runProg(['logs', 'latest', '--tail', '20'], { home, env: UTC }))), last20);
  assert.equal(bodies(ok(await runProg(['logs', 'latest', '--tail=20'], { home, env: UTC }))), last20);
  assert.equal(bodies(ok(await runProg(['logs', 'latest', '-n20'], { home, env: UTC }))), last20);
  assert.equal(bodies(ok(await runProg(['logs', 'latest', '-n', '500'], { home, env: UTC }))), lines(1, 100), 'more than there are: all of them');
  assert.is(ok(await runProg(['logs', 'latest', '-n', '0'], { home, env: UTC })), '');
});

test('-n counts the lines the filters keep, and a last line without its newline', async () => {
  const home = await recorded(child([
    { o: 'keep 1\ndrop\nkeep 2\n' },
    // One stream, so the order is the order written.
    { o: marker({ type: 'log', level: 'warn', message: 'keep 3' }) },
    { o: 'keep 4\n' },
    { o: 'drop\nkeep 5' },
  ]));
  assert.equal(bodies(ok(await runProg(['logs', 'latest', '-n', '2', '--grep', '^keep'], { home, env: UTC }))), ['stdout │ keep 4', 'stdout │ keep 5']);
  assert.equal(bodies(ok(await runProg(['logs', 'latest', '-n', '3', '--grep', '^keep'], { home, env: UTC }))), ['warn │ keep 3', 'stdout │ keep 4', 'stdout │ keep 5']);
  assert.equal(bodies(ok(await runProg(['logs', 'latest', '-n', '1', '--level', 'warn'], { home, env: UTC }))), ['warn │ keep 3']);
  const json = ok(await runProg(['logs', 'latest', '-n', '2', '--format', 'json'], { home, env: UTC })).trim().split('\n').map((l) => JSON.parse(l) as { line: string });
  assert.equal(json.map((row) => row.line), ['drop', 'keep 5']);
});

test('-n 3 -f: the last 3 lines written so far, then every new one, until the run ends', async () => {
  const backlog: Step[] = [];
  for (let i = 1; i <= 10; i++) backlog.push({ o: `${i}\n` });
  const run = await detached([...backlog, 'GO', { o: '11\n' }, { sleep: 100 }, { o: '12\n' }]);
  try {
    // "So far" is what the run has recorded: all ten lines, before prog logs starts (the recorder
    // writes its chunk records a moment after the bytes; on a fast machine logs could start between).
    const backlogBytes = backlog.reduce((n, step) => n + ('o' in step ? String(step.o).length : 0), 0);
    await waitUntil(() => recordedStdout(run.home, run.id) >= backlogBytes || 'the backlog is not recorded yet', 10_000, 'the run to record its backlog');
    const follower = startProg(['logs', run.id, '-n', '3', '-f'], { home: run.home, env: UTC });
    await follower.waitOut(/│ 10\n/, 15_000, 'the backlog');
    assert.ok(!run.ended(), 'the run is still going');
    assert.equal(bodies(follower.stdout()), lines(8, 10));
    run.go();
    const end = await follower.waitExit(15_000, 'prog logs -n 3 -f to end with the run');
    assert.is(end.code, 0, follower.transcript());
    assert.equal(bodies(follower.stdout()), lines(8, 12));
  } finally {
    run.stop();
    await cleanup();
  }
});

test('bad -n values and -f given a value are usage errors naming what is wrong', async () => {
  const home = await recorded(['true']);
  for (const [args, message] of [
    [['-n', 'x'], 'prog: -n must be a whole number of lines ≥ 0; got "x" (see prog logs --help)\n'],
    [['--tail', '-1'], 'prog: --tail must be a whole number of lines ≥ 0; got "-1" (see prog logs --help)\n'],
    [['--tail', '1.5'], 'prog: --tail must be a whole number of lines ≥ 0; got "1.5" (see prog logs --help)\n'],
    [['-n'], 'prog: -n needs a value (see prog logs --help)\n'],
    [['-f', 'json'], 'prog: unexpected argument json: -f is --follow, which takes no value; did you mean --format json? (see prog logs --help)\n'],
  ] as [string[], string][]) {
    const r = await runProg(['logs', 'latest', ...args], { home });
    assert.is(r.code, 125, args.join(' '));
    assert.is(r.stdout.toString(), '');
    assert.is(r.stderr.toString(), message);
  }
});

test.run();
