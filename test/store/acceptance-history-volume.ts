// Acceptance check 20 (../shared/research/reliability.md §6), the "8 × 300 runs" half; the 20
// parallel `prog run` are in concurrency.ts. 2,400 real `prog run`s take ~14 min on two cores (one
// costs ~0.35 s of Node start-up), so the check is split, both halves with real processes and one
// shared state dir:
//   - 8 processes × 300 runs recorded through prog's own recorder (RunStore: run dir, events,
//     run.json, the history append a `prog run` ends with): 2,400 records under real contention;
//   - 8 shell loops × 6 whole `prog run -- true` at once: 48 records through the CLI itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, progSh, startBash } from '../helpers/live.js';
import { projectRoot, tempDir } from '../helpers/prog.js';
import { collect, history, strictNdjson } from '../helpers/runs.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));

const WRITERS = 8;
const RUNS_EACH = 300;

/** What the 8 × 300 writers share: every record whole, ids unique, nothing lost, nothing extra. */
function checkHistory(home: string, expected: number, mine: (r: Record<string, any>) => string): Record<string, any>[] {
  const text = readFileSync(join(home, 'history.ndjson'), 'utf8');
  assert.ok(text.endsWith('\n'), 'the history ends with a whole line');
  // appendRecord may add a blank line when it looked at the tail mid-write of another: readers skip it.
  const records = strictNdjson(text.replace(/\n\n+/g, '\n'));
  assert.is(records.length, expected, `${expected} records, each parseable`);
  assert.is(new Set(records.map((r) => r.id)).size, expected, 'ids unique');
  assert.is(new Set(records.map(mine)).size, expected, 'every run once');
  const dirs = readdirSync(join(home, 'runs'));
  assert.is(dirs.length, expected, 'one run dir per run');
  assert.equal(new Set(dirs), new Set(records.map((r) => r.id)), 'the run dirs are the history\'s ids');
  return records;
}

test(`check 20: ${WRITERS} processes × ${RUNS_EACH} runs recorded through prog's RunStore into one state dir: exactly ${WRITERS * RUNS_EACH} whole history records, unique ids, each run.json final`, async () => {
  const home = tempDir();
  const mod = pathToFileURL(join(projectRoot, 'dist', 'src', 'store', 'run-store.js')).href;
  const code = `
    const { RunStore, newRunId } = await import(${JSON.stringify(mod)});
    const [root, writer, n] = process.argv.slice(1);
    const counts = { processed: 1, succeeded: 1, failed: 0, retried: 0, skipped: 0, running: 0 };
    for (let i = 0; i < Number(n); i++) {
      const startedAt = new Date().toISOString();
      const info = { id: newRunId(), key: 'w' + writer, command: ['true', writer, String(i)], cwd: '/', startedAt };
      const store = new RunStore(root, info, (m) => { console.error('warning: ' + m); process.exitCode = 1; });
      store.start(process.pid, { pid: process.pid });
      store.event({ seq: 1, t: 0, type: 'item.done', id: 'i' + i });
      store.output('stdout', Buffer.from('line ' + i + '\\n'), 1);
      store.finish({ type: 'summary', id: info.id, command: info.command, status: 'ok', exitCode: 0, signal: null, durationMs: 1,
        counts, phases: [], failures: [], failuresOmitted: 0, invalidMarkers: 0 }, { pid: process.pid, endedAt: new Date().toISOString() });
    }`;
  const started = Date.now();
  const writers = Array.from({ length: WRITERS }, (_, w) =>
    collect(process.execPath, ['--input-type=module', '-e', code, home, String(w), String(RUNS_EACH)], process.env));
  for (const r of await Promise.all(writers)) assert.is(r.code, 0, String(r.stderr));
  const ms = Date.now() - started;
  const records = checkHistory(home, WRITERS * RUNS_EACH, (r) => r.command.join(' '));
  for (let w = 0; w < WRITERS; w++) {
    const order = records.filter((r) => r.key === `w${w}`).map((r) => Number(r.command[2]));
    assert.equal(order, Array.from({ length: RUNS_EACH }, (_, i) => i), `writer ${w}'s runs all there, in its order`);
  }
  for (const id of readdirSync(join(home, 'runs'))) {
    const run = JSON.parse(readFileSync(join(home, 'runs', id, 'run.json'), 'utf8')) as Record<string, any>;
    assert.equal([run.id, run.status, run.exitCode], [id, 'ok', 0]);
    assert.ok(run.endedAt, `${id} is final`);
  }
  console.log(`    check 20: ${WRITERS * RUNS_EACH} recorded runs in ${ms} ms`);
});

test('check 20: 8 shell loops × 6 `prog run -- true` at once into one state dir: exactly 48 new whole history records, unique ids', async () => {
  const home = tempDir();
  const loop = (w: number) => `(for i in 1 2 3 4 5 6; do ${progSh(['run', '--format', 'none', '--name', `loop-${w}`, '--', 'true'])} || echo "FAILED $?"; done)`;
  const live = startBash(`${Array.from({ length: 8 }, (_, w) => `${loop(w)} &`).join(' ')} wait; echo done`, { home });
  const end = await live.waitExit(120_000, 'the 48 runs');
  assert.is(end.code, 0, live.transcript());
  assert.is(live.stdout(), 'done\n', live.transcript());
  assert.is(live.stderr(), '', 'no warning from any run');
  const records = checkHistory(home, 48, (r) => r.id);
  for (let w = 0; w < 8; w++) assert.is(records.filter((r) => r.key === `loop-${w}`).length, 6, `loop ${w}'s six runs`);
  assert.ok(records.every((r) => r.status === 'ok' && r.exitCode === 0));
  assert.is(history(home).length, 48);
});

uvuTest.run();
