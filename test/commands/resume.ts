// `prog resume`: a shell workflow as the docs would show one (prog emit, skipping the ids in
// $PROG_RESUME_FILE) fails part-way, is resumed from another directory, and resumed again.
import { chmodSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, startProg, trackGroup, trackPid } from '../helpers/live.js';
import { progBin, runProg, tempDir, type ProgResult } from '../helpers/prog.js';
import { groupGone, waitUntil } from '../helpers/procfs.js';
import { loadRun, runDirs } from '../helpers/runs.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));

// Items 1..6 of one phase; item 4 fails the first time it is tried (failed-once marks that it has).
// Each run notes what it processed, where it ran and the resume file it was given, by its PROG_RUN_ID.
const WORKFLOW = `#!/bin/sh
prog emit phase --id items --name Items --total 6
pwd > "cwd-$PROG_RUN_ID"
if [ -n "$PROG_RESUME_FILE" ]; then cp "$PROG_RESUME_FILE" "resume-$PROG_RUN_ID"; fi
for i in 1 2 3 4 5 6; do
  id="item$i"
  if [ -n "$PROG_RESUME_FILE" ] && grep -qx "$id" "$PROG_RESUME_FILE"; then
    continue
  fi
  echo "$id" >> "processed-$PROG_RUN_ID"
  if [ "$i" = 4 ] && [ ! -e failed-once ]; then
    touch failed-once
    prog emit item.fail --phase items --id "$id" --error "disk full"
    exit 1
  fi
  prog emit item.done --phase items --id "$id"
done
prog emit phase.end --id items
`;

interface Setup {
  home: string;
  /** Where the workflow lives and first runs. */
  work: string;
  env: Record<string, string>;
}

/** A state dir, a work dir holding work.sh, and `prog` on PATH (as an installed prog would be). */
function setup(): Setup {
  const home = tempDir();
  const work = realpathSync(tempDir('prog-resume-work-'));
  const bin = tempDir('prog-resume-bin-');
  writeFileSync(join(bin, 'prog'), `#!/bin/sh\nexec '${process.execPath}' '${progBin}' "$@"\n`);
  chmodSync(join(bin, 'prog'), 0o755);
  writeFileSync(join(work, 'work.sh'), WORKFLOW);
  chmodSync(join(work, 'work.sh'), 0o755);
  return { home, work, env: { PATH: `${bin}:${process.env.PATH}` } };
}

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : [];
}

/** The run dir that appeared while `step` ran. */
async function newRun(home: string, step: () => Promise<ProgResult>): Promise<{ r: ProgResult; dir: string; id: string }> {
  const before = new Set(runDirs(home));
  const r = await step();
  const dirs = runDirs(home).filter((d) => !before.has(d));
  assert.is(dirs.length, 1, `one new run: ${r.stderr.toString()}`);
  const dir = dirs[0]!;
  return { r, dir, id: dir.slice(dir.lastIndexOf('/') + 1) };
}

const items = (...n: number[]) => n.map((i) => `item${i}`);
const inPhase = (...n: number[]) => n.map((i) => ({ phase: 'items', id: `item${i}` }));

test('a workflow that failed at item 4: resume latest (from elsewhere) runs 4..6 in the same directory, told 1..3; counts 6 ok, phase 6/6; resumed again, it carries all six', async () => {
  const { home, work, env } = setup();
  const first = await newRun(home, () => runProg(['run', '--format', 'none', '--', './work.sh'], { home, cwd: work, env }));
  assert.is(first.r.code, 1, first.r.stderr.toString());
  assert.equal(lines(join(work, `processed-${first.id}`)), items(1, 2, 3, 4));
  assert.not.ok(existsSync(join(work, `resume-${first.id}`)), 'a first run has no PROG_RESUME_FILE');

  // From another directory, as a user would after seeing the failure.
  const elsewhere = tempDir('prog-resume-elsewhere-');
  const second = await newRun(home, () => runProg(['resume', 'latest', '--format', 'plain'], { home, cwd: elsewhere, env }));
  assert.is(second.r.code, 0, second.r.stderr.toString());
  assert.match(second.r.stderr.toString(), / started · 3 done, 3 to do/, 'the view starts from the completed items');
  assert.is(readFileSync(join(work, `resume-${second.id}`), 'utf8'), 'item1\nitem2\nitem3\n', 'PROG_RESUME_FILE lists the completed items, one per line');
  assert.equal(lines(join(work, `processed-${second.id}`)), items(4, 5, 6), 'only items 4..6 ran again');
  assert.is(readFileSync(join(work, `cwd-${second.id}`), 'utf8'), `${work}\n`, 'it ran in the first run\'s directory');
  assert.equal(lines(join(elsewhere, `processed-${second.id}`)), []);

  const firstRun = loadRun(first.dir);
  const resumed = loadRun(second.dir);
  assert.equal(resumed.run.command, ['./work.sh']);
  assert.is(resumed.run.cwd, work);
  assert.is(resumed.run.key, firstRun.run.key, 'the same workflow, for history and the ETA');
  assert.is(resumed.run.status, 'ok');
  assert.equal(resumed.run.counts, { processed: 6, succeeded: 6, failed: 0, retried: 0, skipped: 0, running: 0 });
  assert.is(resumed.run.phases.length, 1);
  const phase = resumed.run.phases[0];
  assert.equal([phase.id, phase.status, phase.current, phase.total], ['items', 'ok', 6, 6]);
  assert.equal(phase.counts, { processed: 6, succeeded: 6, failed: 0, retried: 0, skipped: 0, running: 0 });
  const resumeEvents = resumed.events.filter((e) => e.type === 'resume');
  assert.equal(resumeEvents.map(({ from, items: n, phases }) => ({ from, items: n, phases })), [{ from: first.id, items: 3, phases: { items: 3 } }]);
  assert.equal(JSON.parse(readFileSync(join(second.dir, 'resume.json'), 'utf8')), inPhase(1, 2, 3));
  // The plain view starts from the earlier items' counts.
  assert.match(second.r.stderr.toString(), /Items ok in \S+ · 6\/6 · 6 ok, 0 failed/);

  // Resumed again (by id: the chain goes through the resumed run), it is told all six.
  const third = await newRun(home, () => runProg(['resume', second.id, '--format', 'none'], { home, cwd: elsewhere, env }));
  assert.is(third.r.code, 0, third.r.stderr.toString());
  assert.is(readFileSync(join(work, `resume-${third.id}`), 'utf8'), items(1, 2, 3, 4, 5, 6).map((i) => `${i}\n`).join(''));
  assert.equal(lines(join(work, `processed-${third.id}`)), [], 'nothing left to do');
  const again = loadRun(third.dir);
  assert.equal(JSON.parse(readFileSync(join(third.dir, 'resume.json'), 'utf8')), inPhase(1, 2, 3, 4, 5, 6));
  assert.equal(again.events.filter((e) => e.type === 'resume').map((e) => [e.from, e.items]), [[second.id, 6]]);
  assert.equal(again.run.counts, { processed: 6, succeeded: 6, failed: 0, retried: 0, skipped: 0, running: 0 });
  assert.equal([again.run.phases[0].current, again.run.phases[0].total], [6, 6]);
  assert.is(again.run.key, firstRun.run.key);
});

test('prog resume of a run still running: exit 125 and no new run; an unknown run: 125', async () => {
  const home = tempDir();
  const live = startProg(['run', '--detach', '--', 'sh', '-c', 'while :; do sleep 0.05; done'], { home });
  const end = await live.waitExit(15_000, 'prog run --detach to return');
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  const id = live.stdout().trim();
  const run = JSON.parse(readFileSync(join(home, 'runs', id, 'run.json'), 'utf8')) as Record<string, any>;
  trackGroup(run.pid);
  trackPid(run.supervisor.pid);

  const r = await runProg(['resume', id], { home });
  assert.is(r.code, 125);
  assert.is(r.stdout.toString(), '');
  assert.is(r.stderr.toString(), `prog: run ${id} is still running; prog stop ${id} first, or prog attach ${id}\n`);
  const latest = await runProg(['resume', 'latest'], { home });
  assert.is(latest.code, 125);
  assert.is(runDirs(home).length, 1, 'no run was started');

  const unknown = await runProg(['resume', '19990101-000000-abcdef'], { home });
  assert.is(unknown.code, 125);
  assert.match(unknown.stderr.toString(), /no run "19990101-000000-abcdef"/);

  process.kill(run.supervisor.pid, 'SIGTERM');
  await waitUntil(() => JSON.parse(readFileSync(join(home, 'runs', id, 'run.json'), 'utf8')).endedAt !== undefined, 10_000, 'the run to end');
  await groupGone(run.pid, 5000);
});

test('resuming a run whose directory no longer exists: exit 125 with the reason, nothing run', async () => {
  const { home, work, env } = setup();
  const first = await newRun(home, () => runProg(['run', '--format', 'none', '--', './work.sh'], { home, cwd: work, env }));
  assert.is(first.r.code, 1);
  const recordPath = join(first.dir, 'run.json');
  const record = JSON.parse(readFileSync(recordPath, 'utf8')) as Record<string, any>;
  writeFileSync(recordPath, JSON.stringify({ ...record, cwd: join(work, 'removed') }));
  const r = await runProg(['resume', first.id], { home, env });
  assert.is(r.code, 125);
  assert.match(r.stderr.toString(), /^prog: cannot resume in .*\/removed: /);
  assert.is(runDirs(home).length, 1);
});

uvuTest.run();
