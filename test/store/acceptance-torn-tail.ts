// Acceptance check 21 (../shared/research/reliability.md §6) as written, through prog's commands:
// `{"id":"x","dur` (no newline) appended to history.ndjson and to a run's events.ndjson, then
// prog ls, prog history (prog has no `stats` command: history is where the statistics are),
// prog logs, prog attach and prog run all succeed; the fragment is skipped; the new record starts on
// its own line. ndjson.ts checks the reader and the appender alone, history.ts other damage.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ndjson, runProg, tempDir, type ProgResult } from '../helpers/prog.js';
import { marker, runDirs } from '../helpers/runs.js';

const FRAGMENT = '{"id":"x","dur';

function ok(r: ProgResult, what: string, code = 0): void {
  assert.is(r.code, code, `${what}: exit ${r.code}\n${r.stderr.toString()}`);
  assert.not.match(r.stderr.toString(), /TypeError|SyntaxError|RangeError|\n\s+at /, `${what}: no crash`);
}

test('check 21: a torn tail in history.ndjson and in a run\'s events.ndjson: ls, history, logs, attach and run succeed; the new record has its own line; the rest parses', async () => {
  const home = tempDir();
  const first = await runProg(['run', '--format', 'none', '--name', 'torn', '--', 'sh', '-c', `echo one; echo '${marker({ type: 'log', message: 'logged' }).trimEnd()}'; exit 2`], { home });
  assert.is(first.code, 2, first.stderr.toString());
  const [dir] = runDirs(home);
  const id = dir!.split('/').at(-1)!;
  const historyPath = join(home, 'history.ndjson');
  const eventsPath = join(dir!, 'events.ndjson');
  const eventsBefore = readFileSync(eventsPath, 'utf8');
  appendFileSync(historyPath, FRAGMENT);
  appendFileSync(eventsPath, FRAGMENT);

  const ls = await runProg(['ls'], { home });
  ok(ls, 'prog ls');
  assert.match(ls.stdout.toString(), new RegExp(`^${id} .*failed \\(exit 2\\)`, 'm'));
  const lsJson = await runProg(['ls', '--format', 'json'], { home });
  ok(lsJson, 'prog ls --format json');
  assert.equal(ndjson(lsJson.stdout).map((r) => [r.id, r.state]), [[id, 'failed']]);

  for (const args of [['history'], ['history', 'torn'], ['history', '--format', 'json']]) {
    const r = await runProg(args, { home });
    ok(r, `prog ${args.join(' ')}`);
    assert.match(r.stdout.toString(), /torn/, `prog ${args.join(' ')} shows the run`);
    assert.not.match(r.stdout.toString(), /"dur\b|\bdur$/m, 'the fragment is not shown as a run');
  }

  const logs = await runProg(['logs', id, '--format', 'json'], { home });
  ok(logs, 'prog logs');
  const entries = ndjson(logs.stdout);
  assert.ok(entries.some((e) => JSON.stringify(e).includes('"one"')), logs.stdout.toString());
  assert.ok(entries.some((e) => JSON.stringify(e).includes('logged')), logs.stdout.toString());
  const attach = await runProg(['attach', id, '--format', 'plain'], { home });
  ok(attach, 'prog attach', 2);
  assert.is(attach.stdout.toString(), 'one\n');

  const next = await runProg(['run', '--format', 'none', '--', 'true'], { home });
  ok(next, 'prog run -- true');

  // history.ndjson: the old record, the fragment on a line of its own, the new record; nothing else.
  const text = readFileSync(historyPath, 'utf8');
  assert.ok(text.endsWith('\n'));
  const lines = text.slice(0, -1).split('\n');
  assert.is(lines.length, 3, JSON.stringify(text));
  assert.is(JSON.parse(lines[0]!).id, id);
  assert.is(lines[1], FRAGMENT, 'the fragment is left alone, on its own line (or it would be quarantined)');
  const fresh = JSON.parse(lines[2]!) as Record<string, unknown>;
  assert.equal([fresh.status, fresh.exitCode], ['ok', 0]);
  assert.is(fresh.id, runDirs(home).map((d) => d.split('/').at(-1)).find((d) => d !== id));
  // The torn run's events log: untouched by the readers.
  assert.is(readFileSync(eventsPath, 'utf8'), eventsBefore + FRAGMENT);
  const after = await runProg(['history', '--format', 'json'], { home });
  ok(after, 'prog history after the new run');
});

test.run();
