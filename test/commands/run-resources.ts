// Resource sampling in `prog run`, end to end with real processes: what the JSON stream, the
// summary and history say about memory, CPU and agents' own trees; --no-resources.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ndjson, runProg } from '../helpers/prog.js';
import { history, onlyRun } from '../helpers/runs.js';

const MB = 1_000_000;
const node = process.execPath;
/** Holds 200 MiB, touched, for 2.5 s. */
const hold = 'const b = Buffer.alloc(200 * 2 ** 20, 1); setTimeout(() => b.length, 2500);';

test('a child holding 200 MiB: resources events, the summary peak and the history record all show it', async () => {
  const r = await runProg(['run', '--format', 'json', '--', node, '-e', hold]);
  assert.is(r.code, 0);
  const events = ndjson(r.stdout);
  const samples = events.filter((e) => e.type === 'resources');
  assert.ok(samples.length >= 1, 'a sample a second');
  // The sample taken while it held the memory (on a loaded machine the last one may come as the
  // child exits, its tree empty).
  const s = samples.reduce((a, b) => ((b.rssBytes as number) > (a.rssBytes as number) ? b : a));
  assert.ok((s.rssBytes as number) >= 200 * 2 ** 20, `rss ${samples.map((x) => x.rssBytes).join(', ')}`);
  assert.ok(typeof s.cpuPercent === 'number' && typeof s.cpuSeconds === 'number' && (s.processes as number) >= 1);
  const machine = s.machine as Record<string, number>;
  assert.ok(machine.memTotalBytes > machine.memUsedBytes && machine.memUsedBytes > 0 && machine.cpuPercent >= 0);
  const running = events.filter((e) => e.type === 'snapshot' && e.status === 'running');
  assert.ok(running.some((e) => ((e.resources as Record<string, number> | undefined)?.rssBytes ?? 0) >= 200 * 2 ** 20), 'snapshots carry the latest sample');
  const summary = events.at(-1)!;
  const peaks = summary.resources as Record<string, number>;
  assert.ok(peaks.peakRssBytes >= 200 * 2 ** 20 && peaks.cpuSeconds > 0, JSON.stringify(peaks));
  assert.equal(onlyRun(r.home).run.resources, peaks, 'run.json keeps the peaks');
  assert.equal(history(r.home)[0]!.resources, peaks, 'and so does history');
  const plain = await runProg(['run', '--format', 'plain', '--', node, '-e', hold]);
  assert.match(String(plain.stderr), /\[prog\] resources: peak memory 2\d\d MB · CPU time [\d.]+s · peak CPU \d+%/);
});

test('--no-resources (and --sample-interval off): no samples, no peaks', async () => {
  for (const flag of [['--no-resources'], ['--sample-interval', 'off']]) {
    const r = await runProg(['run', '--format', 'json', ...flag, '--', 'sleep', '1.5']);
    assert.is(r.code, 0);
    const events = ndjson(r.stdout);
    assert.is(events.filter((e) => e.type === 'resources').length, 0);
    assert.is(events.at(-1)!.resources, undefined);
  }
});

test('an agent that names its pid gets its own tree measured; a grandchild counts in the whole tree', async () => {
  // The child starts a worker (its grandchild-to-be tree) holding 150 MiB and names it as agent w1.
  const worker = 'const b = Buffer.alloc(150 * 2 ** 20, 1); setTimeout(() => b.length, 4000);';
  const parent = `
    const { spawn } = require('node:child_process');
    const w = spawn(process.execPath, ['-e', ${JSON.stringify(worker)}], { stdio: 'ignore' });
    console.log('::prog:: ' + JSON.stringify({ type: 'agent', id: 'w1', status: 'busy', pid: w.pid }));
    w.on('exit', () => process.exit(0));`;
  const r = await runProg(['run', '--format', 'json', '--sample-interval', '0.5', '--', node, '-e', parent]);
  assert.is(r.code, 0);
  const samples = ndjson(r.stdout).filter((e) => e.type === 'resources');
  const withAgent = samples.filter((s) => (s.agents as Record<string, Record<string, number>> | undefined)?.w1);
  assert.ok(withAgent.length >= 1, `samples with agent w1: ${JSON.stringify(samples.at(-1))}`);
  // The fullest sample (the last one may come as the worker exits).
  const rssOf = (e: Record<string, unknown>) => (e.agents as Record<string, Record<string, number>>).w1!.rssBytes;
  const last = withAgent.reduce((a, b) => (rssOf(b) > rssOf(a) ? b : a));
  const agent = (last.agents as Record<string, Record<string, number>>).w1!;
  assert.ok(agent.rssBytes >= 150 * 2 ** 20, `agent rss ${agent.rssBytes}`);
  assert.ok((last.rssBytes as number) >= agent.rssBytes + 10 * MB, 'the whole tree holds the worker and its parent');
  assert.ok((last.processes as number) >= 2);
  const snapshot = ndjson(r.stdout).filter((e) => e.type === 'snapshot' && e.status === 'running').at(-1)!;
  const row = (snapshot.agents as Record<string, unknown>[]).find((a) => a.id === 'w1')!;
  assert.ok((row.usage as Record<string, number>).rssBytes >= 150 * 2 ** 20, 'the agent row carries its usage');
});

test.run();
