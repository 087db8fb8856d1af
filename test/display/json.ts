// `--format json` from real runs: stdout is NDJSON only, every object has version 1, events count
// up by one, snapshots come at most once a second, and the summary is last.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { fixtures, runProg, type ProgResult } from '../helpers/prog.js';
import { child, marker, onlyRun, strictNdjson, type Step } from '../helpers/runs.js';

const fx = join(fixtures, 'fx.js');

function checkStream(r: ProgResult): Record<string, any>[] {
  const objects = strictNdjson(r.stdout.toString()) as Record<string, any>[];
  assert.ok(objects.length > 0);
  let seq = 0;
  for (const o of objects) {
    assert.is(o.version, 1, `every object has version 1: ${JSON.stringify(o).slice(0, 200)}`);
    assert.type(o.type, 'string');
    if (o.type === 'snapshot' || o.type === 'summary') {
      assert.not.ok('seq' in o);
      continue;
    }
    assert.is(o.seq, seq + 1, `events go up by one: ${o.type}`);
    seq = o.seq as number;
  }
  assert.is(objects.at(-1)!.type, 'summary', 'the summary is last');
  assert.is(objects.filter((o) => o.type === 'summary').length, 1);
  assert.is(objects[0]!.type, 'run.start');
  return objects;
}

/** Snapshots during the run are at least a second apart (the final one, after exit, may be closer). */
function checkSnapshots(objects: Record<string, any>[]): number[] {
  const times = objects.filter((o) => o.type === 'snapshot').map((o) => o.tMs as number);
  assert.ok(times.length >= 1, 'there is a final snapshot');
  assert.is(objects.at(-2)!.type, 'snapshot', 'a final snapshot precedes the summary');
  const during = times.slice(0, -1);
  for (let i = 1; i < during.length; i++) {
    assert.ok(during[i]! - during[i - 1]! >= 1000, `snapshots ${during[i - 1]} and ${during[i]} are under a second apart`);
  }
  return during;
}

const outputText = (objects: Record<string, any>[], stream: string) =>
  objects.filter((o) => o.type === 'output' && o.stream === stream).map((o) => `${o.line}${o.eol}`).join('');

// A run of about 3.5 s so that several ticks happen while the phase moves.
const steps: Step[] = [
  { o: marker({ type: 'workflow', name: 'demo' }) },
  { o: marker({ type: 'phase', id: 'map', name: 'Map phase', total: 40 }) },
  { o: 'first line\n' },
  { e: 'an error line\r\n' },
];
for (let i = 1; i <= 35; i++) {
  steps.push({ sleep: 100 }, { o: marker({ type: 'item.done', phase: 'map', id: `f${i}`, agent: `a${i % 3}` }) });
  if (i % 10 === 0) steps.push({ o: `done ${i}\n` });
}
steps.push(
  { o: marker({ type: 'item.fail', phase: 'map', id: 'bad', error: 'timeout' }) },
  { o: '::prog::{broken\n' },
  { e: 'no end' },
  { exit: 2 },
);

let run: ProgResult;
let objects: Record<string, any>[];

test.before(async () => {
  run = await runProg(['run', '--format', 'json', '--', ...child(steps)]);
  objects = checkStream(run);
});

test('stdout is NDJSON only; every object has version 1; events go up by one; summary last', () => {
  assert.is(run.code, 2);
  // checkStream ran in before(): here, the one thing on stderr is the invalid-marker warning.
  assert.is(String(run.stderr).split('\n').filter((l) => l !== '' && !l.startsWith('prog: warning: ')).length, 0, String(run.stderr));
});

test('the child\'s lines arrive as output events with their stream, text exact', () => {
  assert.is(outputText(objects, 'stdout'), 'first line\ndone 10\ndone 20\ndone 30\n::prog::{broken\n');
  assert.is(outputText(objects, 'stderr'), 'an error line\r\nno end');
  const last = objects.filter((o) => o.type === 'output').at(-1)!;
  assert.is(last.eol, '', 'a last line without an end says so');
  const invalid = objects.findIndex((o) => o.type === 'marker.invalid');
  assert.ok(invalid >= 0);
  assert.is(objects[invalid + 1]!.line, '::prog::{broken', 'the invalid marker\'s line follows as output');
});

test('snapshots: at most one a second while running, with the state at that time', () => {
  const during = checkSnapshots(objects);
  assert.ok(during.length >= 1, `a 3.5 s run has snapshots while it runs (${during.length})`);
  const snaps = objects.filter((o) => o.type === 'snapshot');
  for (const s of snaps.slice(0, -1)) {
    assert.is(s.status, 'running');
    const map = s.phases.find((p: any) => p.id === 'map');
    assert.ok(map.current >= 0 && map.current <= 40);
    assert.is(map.percent, (map.current / 40) * 100);
    assert.is(s.workflow, 'demo');
  }
  const currents = snaps.map((s) => s.phases[0].current as number);
  for (let i = 1; i < currents.length; i++) assert.ok(currents[i]! >= currents[i - 1]!, 'progress never goes back');
});

test('the final snapshot and summary: status, counts, phases and failures', () => {
  const final = objects.at(-2)!;
  assert.is(final.status, 'failed');
  assert.equal(final.counts, { processed: 36, succeeded: 35, failed: 1, retried: 0, skipped: 0, running: 0 });
  const summary = objects.at(-1)!;
  assert.is(summary.status, 'failed');
  assert.is(summary.exitCode, 2);
  assert.is(summary.signal, null);
  assert.is(summary.workflow, 'demo');
  assert.equal(summary.counts, final.counts);
  assert.equal(summary.failures.map((f: any) => [f.phase, f.id, f.error]), [['map', 'bad', 'timeout']]);
  assert.is(summary.invalidMarkers, 1);
  assert.is(summary.phases[0].status, 'failed', 'a phase still running at a failed exit ends failed');
  assert.is(summary.phases[0].total, 40);
  assert.is(summary.id, onlyRun(run.home).run.id);
  const exit = objects.filter((o) => o.type === 'exit');
  assert.is(exit.length, 1);
  assert.is(exit[0]!.exitCode, 2);
});

test('a 3 MB flood: every line as an output event, and the summary still arrives last', async () => {
  const r = await runProg(['run', '--format', 'json', '--', process.execPath, fx, 'flood', '3000000']);
  assert.is(r.code, 0);
  const all = checkStream(r);
  const lines = all.filter((o) => o.type === 'output');
  assert.is(lines.length, 30_000);
  assert.ok(lines.every((o) => o.line === 'x'.repeat(99) && o.eol === '\n' && o.stream === 'stdout'));
  checkSnapshots(all);
});

test('--update-interval 0.2: snapshots come up to five times a second, never closer than the interval', async () => {
  // A child that moves every 50 ms for 1.6 s.
  const script = 'for (let i = 1; i <= 32; i++) setTimeout(() => console.log(`::prog:: {"type":"progress","id":"p","current":${i},"total":32}`), i * 50);';
  const fast = await runProg(['run', '--format', 'json', '--update-interval', '0.2', '--', process.execPath, '-e', script]);
  const slow = await runProg(['run', '--format', 'json', '--', process.execPath, '-e', script]);
  const times = (r: ProgResult) => checkStream(r).filter((o) => o.type === 'snapshot' && o.status === 'running').map((o) => o.tMs as number);
  const f = times(fast);
  for (let i = 1; i < f.length; i++) assert.ok(f[i]! - f[i - 1]! >= 200, `snapshots ${f.join(', ')} at least 200 ms apart`);
  assert.ok(f.length >= 4, `about one per 200 ms over 1.6 s: ${f.join(', ')}`);
  assert.ok(f.length > times(slow).length, `more than with the default interval (${times(slow).join(', ')})`);
});

test('a quiet run: no snapshots but the final one', async () => {
  const r = await runProg(['run', '--format', 'json', '--', 'sh', '-c', 'exit 0']);
  assert.is(r.code, 0);
  const all = checkStream(r);
  assert.equal(all.filter((o) => o.type !== 'snapshot').map((o) => o.type), ['run.start', 'exit', 'summary']);
  assert.is(all.at(-2)!.type, 'snapshot');
  assert.is(r.stderr.length, 0, 'nothing on stderr');
});

test.run();
