// A 200-item run interrupted part-way, then `prog resume` of a command that does not skip what is
// done: the interrupted run's phase ends interrupted and `prog ls` keeps where it got to; the
// resumed run never counts an item twice (never more than 200/200), and ends at 200/200.
import { realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, startProg } from '../helpers/live.js';
import { ndjson, runProg, tempDir } from '../helpers/prog.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));

/** 200 items of phase `map`, all done every time (no look at $PROG_RESUME_FILE); after item 105 it waits while `block` exists. */
function workflow(block: string): string {
  return `#!/bin/sh
echo '::prog::{"type":"phase","id":"map","name":"Map","total":200}'
i=1
while [ $i -le 200 ]; do
  echo "::prog::{\\"type\\":\\"item.start\\",\\"phase\\":\\"map\\",\\"id\\":\\"item-$i\\"}"
  echo "::prog::{\\"type\\":\\"item.done\\",\\"phase\\":\\"map\\",\\"id\\":\\"item-$i\\"}"
  if [ $i -eq 105 ]; then while [ -e '${block}' ]; do sleep 0.05; done; fi
  i=$((i + 1))
done
echo '::prog::{"type":"phase.end","id":"map"}'
`;
}

type Phase = { id: string; status: string; current: number; total?: number; counts: { processed: number; succeeded: number } };
const map = (record: Record<string, unknown>) => (record.phases as Phase[]).find((p) => p.id === 'map');

/** The interrupted run, for the resume test that follows. */
let home = '';
let block = '';

test('interrupted at 105/200: the phase ends interrupted (not failed), and prog ls keeps 52%', async () => {
  home = tempDir();
  const work = realpathSync(tempDir('prog-resume-counts-'));
  block = join(work, 'block');
  writeFileSync(block, '');
  writeFileSync(join(work, 'job.sh'), workflow(block));

  const first = startProg(['run', '--format', 'json', '--update-interval', '0.2', '--', 'sh', 'job.sh'], { home, cwd: work });
  await first.waitOut(/"type":"snapshot"[^\n]*"id":"map"[^\n]*"processed":105/, 15_000, 'a snapshot at 105 items');
  first.kill('SIGINT');
  const ended = await first.waitExit(10_000, 'prog to end after Ctrl-C');
  assert.is(ended.signal, 'SIGINT', first.transcript());
  const records = ndjson(first.stdout());
  const summary = records.find((r) => r.type === 'summary')!;
  assert.is(summary.status, 'interrupted');
  assert.equal([map(summary)!.status, map(summary)!.current], ['interrupted', 105], 'the phase a signal cut short is interrupted, not failed');

  const ls = await runProg(['ls', '--format', 'json'], { home });
  const [row] = ndjson(ls.stdout);
  assert.equal([row!.state, row!.percent], ['interrupted', 52], `prog ls keeps where the run got to: ${ls.stdout}`);
  const table = await runProg(['ls'], { home });
  assert.match(String(table.stdout), /interrupted \(SIGINT\)\s+52%/);
});

test('prog resume of that run, with a command that does every item again: never past 200/200, and 200/200 at the end', async () => {
  assert.ok(home !== '', 'the interrupted run above');
  rmSync(block);
  const resumed = await runProg(['resume', 'latest', '--format', 'json'], { home });
  assert.is(resumed.code, 0, resumed.stderr.toString());
  const events = ndjson(resumed.stdout);
  const resume = events.find((e) => e.type === 'resume')!;
  assert.equal([resume.items, resume.phases], [105, { map: 105 }]);
  for (const record of events.filter((e) => e.type === 'snapshot' || e.type === 'summary')) {
    const phase = map(record)!;
    assert.ok(phase.counts.processed <= 200 && phase.counts.succeeded <= 200, `never past 200/200: ${JSON.stringify(phase)}`);
    assert.ok((record.counts as Phase['counts']).succeeded <= 200, `the run's count too: ${JSON.stringify(record.counts)}`);
  }
  const end = events.find((e) => e.type === 'summary')!;
  assert.equal([end.status, map(end)!.status, map(end)!.current, map(end)!.counts.succeeded], ['ok', 'ok', 200, 200]);
  const after = ndjson((await runProg(['ls', '--format', 'json'], { home })).stdout);
  assert.equal(after.map((r) => [r.state, r.percent]), [['succeeded', 100], ['interrupted', 52]]);
});

uvuTest.run();
