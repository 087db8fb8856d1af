import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { historyPrior } from '../../src/store/history-prior.js';
import { clean, startProg } from '../helpers/live.js';
import { ndjson, runProg, tempDir } from '../helpers/prog.js';
import { child, history } from '../helpers/runs.js';

function record(home: string, r: object): void {
  mkdirSync(home, { recursive: true });
  appendFileSync(join(home, 'history.ndjson'), JSON.stringify(r) + '\n');
}

test('the prior is the last successful runs of the same workflow, with their phases', () => {
  const home = tempDir();
  const base = { version: 1, command: ['x'], cwd: '/', exitCode: 0, signal: null };
  record(home, { ...base, id: 'a', key: 'k', startedAt: '2026-01-01T00:00:01Z', status: 'ok', durationMs: 1000, phases: [{ id: 'map', status: 'ok', durationMs: 800, total: 50 }] });
  record(home, { ...base, id: 'b', key: 'k', startedAt: '2026-01-01T00:00:02Z', status: 'failed', durationMs: 10, phases: [] });
  record(home, { ...base, id: 'c', key: 'other', startedAt: '2026-01-01T00:00:03Z', status: 'ok', durationMs: 99999 });
  record(home, { ...base, id: 'd', key: 'k', startedAt: '2026-01-01T00:00:04Z', status: 'ok', durationMs: 1200, phases: [{ id: 'map', status: 'ok', durationMs: 900, total: 60 }] });
  appendFileSync(join(home, 'history.ndjson'), '{"id":"torn","key":"k","dur');
  assert.equal(historyPrior(home, 'k'), { run: { durationsMs: [1000, 1200] }, phases: { map: { durationsMs: [800, 900], total: 60 } } });
  assert.is(historyPrior(home, 'never'), undefined);
  assert.is(historyPrior(tempDir(), 'k'), undefined, 'no history, no prior');
});

test('thousands of lines of other workflows between runs, and a torn tail: the last 10 complete runs of the key, and an old key still found', () => {
  const home = tempDir();
  mkdirSync(home, { recursive: true });
  const base = { version: 1, command: ['x'], cwd: '/', exitCode: 0, signal: null, status: 'ok' };
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  let text = JSON.stringify({ ...base, id: 'old-1', key: 'rare', startedAt: at(0), durationMs: 777 }) + '\n';
  for (let i = 1; i <= 5000; i++) {
    // Every 250th line is a run of k (20 in all, durations 1000 + n), the rest another workflow's.
    const k = i % 250 === 0;
    text += JSON.stringify({ ...base, id: `r${i}`, key: k ? 'k' : 'busy', startedAt: at(i), durationMs: k ? 1000 + i / 250 : 5 }) + '\n';
  }
  appendFileSync(join(home, 'history.ndjson'), text + '{"id":"torn","key":"k","status":"ok","durationMs":');
  assert.equal(historyPrior(home, 'k')?.run?.durationsMs, [1011, 1012, 1013, 1014, 1015, 1016, 1017, 1018, 1019, 1020]);
  assert.equal(historyPrior(home, 'rare')?.run?.durationsMs, [777]);
  assert.is(historyPrior(home, 'ne"ver'), undefined);
});

test('a run that failed in its results but ran to its end counts; one stopped early or by a signal does not', () => {
  const home = tempDir();
  const base = { version: 1, command: ['pytest'], cwd: '/', key: 'suite' };
  const tests = (current: number, status = 'failed') => [{ id: 'pytest', status, durationMs: 900, current, total: 200, counts: {} }];
  // 3 tests failed, all 200 ran: as long as the whole suite takes.
  record(home, { ...base, id: 'a', startedAt: '2026-01-01T00:00:01Z', status: 'failed', exitCode: 1, signal: null, durationMs: 1000, phases: tests(200) });
  // Stopped at test 20 (a crash, -x): not how long the suite takes.
  record(home, { ...base, id: 'b', startedAt: '2026-01-01T00:00:02Z', status: 'failed', exitCode: 1, signal: null, durationMs: 90, phases: tests(20) });
  // Interrupted, and failed without any total to tell: left out.
  record(home, { ...base, id: 'c', startedAt: '2026-01-01T00:00:03Z', status: 'interrupted', exitCode: null, signal: 'SIGINT', durationMs: 500, phases: tests(200) });
  record(home, { ...base, id: 'd', startedAt: '2026-01-01T00:00:04Z', status: 'failed', exitCode: 2, signal: null, durationMs: 30, phases: [] });
  assert.equal(historyPrior(home, 'suite'), { run: { durationsMs: [1000] }, phases: { pytest: { durationsMs: [900], total: 200 } } });
});

test('with history, a run gets an ETA before its first progress: from its past durations', async () => {
  const home = tempDir();
  const script = 'sleep 0.3; echo working; sleep 1.6; echo done';
  for (let i = 0; i < 2; i++) {
    const r = await runProg(['run', '--name', 'slow job', '--format', 'none', '--', 'sh', '-c', script], { home });
    assert.is(r.code, 0);
  }
  const r = await runProg(['run', '--name', 'slow job', '--format', 'json', '--', 'sh', '-c', script], { home });
  const snapshots = ndjson(r.stdout).filter((e) => e.type === 'snapshot' && e.status === 'running');
  assert.ok(snapshots.length >= 1, 'a snapshot while running');
  assert.ok(typeof snapshots[0]!.etaMs === 'number', `an ETA from history: ${JSON.stringify(snapshots[0])}`);
  const fresh = await runProg(['run', '--name', 'never seen', '--format', 'json', '--', 'sh', '-c', script]);
  const first = ndjson(fresh.stdout).find((e) => e.type === 'snapshot' && e.status === 'running');
  assert.is(first?.etaMs, undefined, 'no history, no ETA without progress');
});

test('a test suite that fails its tests but runs to its end is history: the next run has an ETA from its start', async () => {
  const home = tempDir();
  const m = (o: object) => `echo '::prog::${JSON.stringify(o)}'`;
  const script = [m({ type: 'phase', id: 'tests', total: 2 }), 'sleep 1', m({ type: 'item.fail', phase: 'tests', id: 'a', error: 'boom' }), 'sleep 0.5', m({ type: 'item.done', phase: 'tests', id: 'b' }), 'exit 1'].join('; ');
  for (let i = 0; i < 2; i++) assert.is((await runProg(['run', '--name', 'red suite', '--format', 'none', '--', 'sh', '-c', script], { home })).code, 1);
  const r = await runProg(['run', '--name', 'red suite', '--format', 'json', '--update-interval', '0.1', '--', 'sh', '-c', script], { home });
  // The phase is known, no result yet: only history can say how long is left.
  const first = ndjson(r.stdout).find((e) => e.type === 'snapshot' && e.status === 'running' && (e.phases as unknown[]).length === 1 && (e.counts as { processed: number }).processed === 0);
  assert.ok(typeof first?.etaMs === 'number', `an ETA before the first result, from two failed but complete runs: ${JSON.stringify(first)}`);
});

test('a command that prints no progress gets a bar from its history, marked estimated, in json and plain', clean(async () => {
  const home = tempDir();
  const go = join(home, 'go');
  for (let i = 0; i < 2; i++) assert.is((await runProg(['run', '--name', 'silent job', '--format', 'none', '--', 'sleep', '2'], { home })).code, 0);
  const durations = history(home).map((r) => r.durationMs as number);
  assert.is(durations.length, 2, 'two runs in the history');
  const shortest = Math.min(...durations);
  const longest = Math.max(...durations);
  // The same workflow (its name), a child that prints nothing and ends only when told to: once the
  // estimate has been seen, however slow the machine, rather than after a time it may overrun.
  const silent = ['--update-interval', '0.2', '--', ...child([{ until: go }])];
  const json = startProg(['run', '--name', 'silent job', '--format', 'json', ...silent], { home });
  await json.waitOut(/"estimated":true/, 15_000, 'a snapshot estimated from history');
  writeFileSync(go, '');
  assert.is((await json.waitExit(15_000)).code, 0, json.transcript());
  rmSync(go);
  const running = ndjson(json.stdout()).filter((e) => e.type === 'snapshot' && e.status === 'running');
  // Nothing happens in the child: the snapshots come from the estimate moving with time alone, up
  // to the time past runs took. A run that outlasts its history (a busy machine can hold the last
  // tick or the end past it) loses the estimate: then no bar, never 100 % before the end.
  const estimated = running.filter((s) => s.estimated === true);
  assert.ok(estimated.length >= 1, `snapshots estimated while a silent command runs: ${json.stdout()}`);
  for (const s of running) {
    const elapsed = s.elapsedMs as number;
    if (elapsed < shortest) assert.is(s.estimated, true, `at ${elapsed} ms of past runs' ${durations}: ${JSON.stringify(s)}`);
    if (elapsed >= longest) assert.is(s.estimated, undefined, `at ${elapsed} ms, past every past run (${durations}): ${JSON.stringify(s)}`);
  }
  for (const s of estimated) {
    const [percent, eta, elapsed] = [s.percent as number, s.etaMs as number, s.elapsedMs as number];
    assert.ok(percent > 0 && percent <= 99, `percent ${percent}`);
    assert.ok((s.etaLowMs as number) <= eta && eta <= (s.etaHighMs as number));
    // What past runs took, less the time elapsed.
    assert.ok(elapsed + eta >= shortest && elapsed + eta <= longest, `ETA ${eta} at ${elapsed} ms, past runs ${durations}`);
  }
  const percents = estimated.map((s) => s.percent as number);
  assert.equal([...percents].sort((a, b) => a - b), percents, 'the estimate only moves forward');
  const final = ndjson(json.stdout()).filter((e) => e.type === 'snapshot').at(-1)!;
  assert.is(final.estimated, undefined, 'the end is not an estimate');
  const plain = startProg(['run', '--name', 'silent job', '--format', 'plain', ...silent], { home });
  await plain.waitErr(/\[prog\] ~\d+% estimated from past runs · ETA /, 15_000, 'the estimate on the status line');
  writeFileSync(go, '');
  assert.is((await plain.waitExit(15_000)).code, 0, plain.transcript());
  const fresh = await runProg(['run', '--name', 'never seen', '--format', 'plain', '--', 'sleep', '2'], { home });
  assert.not.match(String(fresh.stderr), /estimated/, 'no history, no estimate');
}));

test.run();
