// One name for a workflow: a run whose `workflow` marker names it (and that was given no --name) is
// recorded, listed and looked up under that name, and its ETA goes by that workflow's history from
// the moment the marker arrives. Real runs of a scripted child; the model's switch on its own too.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProgressModel } from '../../src/model/progress-model.js';
import { clean, startProg } from '../helpers/live.js';
import { ndjson, runProg, tempDir } from '../helpers/prog.js';
import { child, history, loadRun, marker, runDirs, type Step } from '../helpers/runs.js';

const NAME = 'demo-mapreduce';

/** A workflow marker, then nothing until the test says go (so snapshots are taken with no progress), then items. */
function steps(go: string): Step[] {
  return [
    { o: marker({ type: 'workflow', name: NAME }) },
    { until: go },
    // Long enough that the next run reaches its marker well within this one's duration, even on a
    // loaded machine (past it, the ETA from history lapses by design).
    { sleep: 2500 },
    { o: marker({ type: 'phase', id: 'map', name: 'Map', total: 3 }) },
    ...['a', 'b', 'c'].flatMap((id): Step[] => [{ sleep: 50 }, { o: marker({ type: 'item.done', phase: 'map', id }) }]),
  ];
}

/** Runs the workflow with --format json; returns the NDJSON and the snapshots taken after the marker, before any phase. */
async function run(home: string, extra: string[] = []): Promise<{ lines: Record<string, any>[]; waiting: Record<string, any>[] }> {
  const go = join(tempDir(), 'go');
  const live = startProg(['run', '--format', 'json', '--update-interval', '0.1', ...extra, '--', ...child(steps(go))], { home });
  // A snapshot that knows the workflow: the marker has been taken in; only then does progress come.
  await live.waitOut(/"type":"snapshot"[^\n]*"workflow":"demo-mapreduce"/, 20_000, 'a snapshot after the marker');
  writeFileSync(go, '');
  const end = await live.waitExit(20_000);
  assert.is(end.code, 0, live.transcript());
  const lines = ndjson(live.stdout()) as Record<string, any>[];
  const named = lines.findIndex((l) => l.type === 'workflow');
  const phase = lines.findIndex((l) => l.type === 'phase');
  assert.ok(named >= 0 && phase > named, 'the marker, then the phase');
  return { lines, waiting: lines.slice(named + 1, phase).filter((l) => l.type === 'snapshot') };
}

test('a run named by its workflow marker is recorded, listed and found under that name; the next one\'s ETA has its history from the marker on', clean(async () => {
  const home = tempDir();
  const first = await run(home);
  assert.ok(first.waiting.length > 0);
  assert.ok(first.waiting.every((s) => s.etaMs === undefined), 'no history yet: no ETA before any progress');

  const [dir] = runDirs(home);
  const record = loadRun(dir!).run;
  assert.is(record.key, NAME, 'run.json: the workflow\'s name is the key');
  assert.is(record.workflow, NAME);
  assert.equal(history(home).map((h) => h.key), [NAME], 'history.ndjson: the line is keyed by the name');

  const found = await runProg(['history', NAME, '--format', 'json'], { home });
  assert.is(found.code, 0, String(found.stderr));
  const runs = ndjson(found.stdout).filter((l) => l.type === 'run');
  assert.equal(runs.map((r) => [r.key, r.id]), [[NAME, record.id]], 'prog history <name> finds the run');
  const summary = ndjson((await runProg(['history', '--format', 'json'], { home })).stdout);
  assert.equal(summary.map((w) => w.key), [NAME], 'prog history lists the workflow by its name');
  const ls = ndjson((await runProg(['ls', '--format', 'json'], { home })).stdout);
  assert.equal(ls.map((r) => r.name), [NAME], 'prog ls names it the same');

  const second = await run(home);
  const [soon] = second.waiting;
  assert.ok(soon !== undefined);
  assert.type(soon.etaMs, 'number', `the first snapshot after the marker has an ETA from the first run: ${JSON.stringify(soon)}`);
  assert.is(soon.estimated, true, 'estimated from past runs: there is no progress yet');
  assert.ok(second.waiting.every((s) => typeof s.etaMs === 'number'), 'and so on until progress comes');
  assert.equal(history(home).map((h) => h.key), [NAME, NAME]);
}));

test('--name wins over the marker: the run keeps the name it was given', clean(async () => {
  const home = tempDir();
  await run(home, ['--name', 'given']);
  assert.equal(history(home).map((h) => [h.key, h.workflow]), [['given', NAME]]);
  const [dir] = runDirs(home);
  assert.is(loadRun(dir!).run.key, 'given');
}));

test('while it runs, run.json already carries the name (a lost run, prog resume)', clean(async () => {
  const home = tempDir();
  const go = join(tempDir(), 'go');
  const live = startProg(['run', '--format', 'json', '--update-interval', '0.1', '--', ...child(steps(go))], { home });
  await live.waitOut(/"type":"snapshot"[^\n]*"workflow":"demo-mapreduce"/, 20_000, 'a snapshot after the marker');
  const [dir] = runDirs(home);
  const during = loadRun(dir!).run;
  assert.equal([during.key, during.workflow, during.status], [NAME, NAME, 'running']);
  assert.type(during.pid, 'number', 'the start record is kept');
  assert.type(during.supervisor, 'object');
  writeFileSync(go, '');
  assert.is((await live.waitExit(20_000)).code, 0);
}));

test('the model: a prior given after the start gives the run an ETA at once, and phases seen later theirs', () => {
  const model = new ProgressModel();
  model.apply({ type: 'workflow', name: NAME, seq: 1, t: 10 });
  assert.is(model.snapshot(100).etaMs, undefined, 'no history, no progress: no ETA');
  model.usePrior({ run: { durationsMs: [1000] }, phases: { map: { durationsMs: [800], total: 3 } } });
  const snap = model.snapshot(100);
  assert.type(snap.etaMs, 'number');
  assert.is(snap.estimated, true);
  assert.ok(snap.etaMs! > 500 && snap.etaMs! < 1500, `about the past run's 1 s less the time gone: ${snap.etaMs}`);
  model.apply({ type: 'phase', id: 'map', name: 'Map', total: 3, seq: 2, t: 150 });
  assert.type(model.phase('map')!.etaMs, 'number', 'the phase goes by its own history from its start');
});

test.run();
