// prog attach: a run followed from elsewhere shows its backlog, then its live output, with no line
// twice or missing at the seam; it ends with the run's exit status; Ctrl-C leaves the run going.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ndjson, progBin, runProg, tempDir, testEnv } from '../helpers/prog.js';
import { waitUntil } from '../helpers/procfs.js';
import { marker } from '../helpers/runs.js';
import { shellQuote, Tmux } from '../helpers/tmux.js';
import { clean, startProg } from '../helpers/live.js';
import { liveTest, tools } from '../helpers/tools.js';

const node = process.execPath;
/**
 * 30 numbered lines 100 ms apart (with a phase of 30 items), then exit 4. Given a file (argv[1]),
 * it waits after seq 10 until the file exists: the test attaches mid-run however slow the machine.
 */
const numbered = `process.stdout.write(${JSON.stringify(marker({ type: "phase", id: "p", total: 30 }))}); const go = process.argv[1]; let i = 0; const t = setInterval(() => { if (go && i === 10 && !require('fs').existsSync(go)) return; i++; console.log('seq ' + i); console.log('::prog:: ' + JSON.stringify({ type: 'item.done', phase: 'p', id: 'i' + i })); if (i === 30) { clearInterval(t); process.exitCode = 4; } }, 100);`;

async function detached(home: string, code: string, ...args: string[]): Promise<string> {
  const r = await runProg(['run', '--detach', '--', node, '-e', code, ...args], { home });
  assert.is(r.code, 0, r.stderr.toString());
  return r.stdout.toString().trim();
}

/** The lines the run has logged so far. */
function logged(home: string, id: string): string {
  const log = join(home, 'runs', id, 'stdout.log');
  return existsSync(log) ? readFileSync(log, 'utf8') : '';
}

test('attach mid-run (plain): every line once and in order, markers kept out, the exit status of the run', clean(async () => {
  const home = tempDir();
  const go = join(tempDir(), 'go');
  const id = await detached(home, numbered, go);
  await waitUntil(() => /^seq 10$/m.test(logged(home, id)) || 'not at seq 10 yet', 10_000, 'the run to pause at seq 10');
  const attach = startProg(['attach', id, '--format', 'plain'], { home });
  // The backlog shown, the rest comes live.
  await attach.waitOut(/^seq 10$/m, 10_000, 'the backlog');
  writeFileSync(go, '');
  const r = await attach.waitExit(15_000, 'attach to end with the run');
  assert.is(r.code, 4, attach.stderr());
  const lines = attach.stdout().split('\n').filter(Boolean);
  assert.equal(lines, Array.from({ length: 30 }, (_, i) => `seq ${i + 1}`), 'backlog then live, no duplicate at the seam, no marker');
  assert.match(attach.stderr(), /\[prog\] finished failed · exit 4/);
  assert.match(attach.stderr(), /\[prog\] items: 30 ok/);
}));

test('attach --format json: output events for every line, the markers as events, a summary last', async () => {
  const home = tempDir();
  const id = await detached(home, numbered);
  await waitUntil(() => /^seq 5$/m.test(logged(home, id)) || 'not at seq 5 yet', 10_000, 'the run to be under way');
  const r = await runProg(['attach', 'latest', '--format', 'json'], { home });
  assert.is(r.code, 4);
  const events = ndjson(r.stdout);
  assert.equal(events.filter((e) => e.type === 'output').map((e) => e.line), Array.from({ length: 30 }, (_, i) => `seq ${i + 1}`));
  assert.is(events.filter((e) => e.type === 'item.done').length, 30);
  const summary = events.at(-1)!;
  assert.equal([summary.type, summary.id, summary.exitCode], ['summary', id, 4]);
});

test('attach to a finished run replays it and exits with its status at once', async () => {
  const home = tempDir();
  const r0 = await runProg(['run', '--format', 'none', '--', 'sh', '-c', 'echo one; echo two >&2; exit 6'], { home });
  assert.is(r0.code, 6);
  const r = await runProg(['attach', 'latest', '--format', 'plain'], { home });
  assert.is(r.code, 6);
  assert.is(r.stdout.toString(), 'one\n');
  assert.match(r.stderr.toString(), /^two\n/m);
});

test('Ctrl-C (SIGINT) detaches: attach exits 130, the run goes on to its own end', async () => {
  const home = tempDir();
  // The run holds at seq 10 until the test lets it go: however slow the machine, it is still
  // running when attach gets its Ctrl-C.
  const go = join(tempDir(), 'go');
  const id = await detached(home, numbered, go);
  const attach = spawn(node, [progBin, 'attach', id, '--format', 'plain'], { env: testEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  attach.stdout.on('data', (d) => (out += d));
  let err = '';
  attach.stderr.on('data', (d) => (err += d));
  await waitUntil(() => /seq 3\n/.test(out) || 'waiting for seq 3', 10_000, 'some live lines');
  attach.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => attach.once('exit', (c) => resolve(c)));
  assert.is(code, 130, err);
  assert.match(err, /detached from run/);
  writeFileSync(go, '');
  const later = await runProg(['attach', id, '--format', 'plain'], { home });
  assert.is(later.code, 4, 'the run went on and ended on its own');
  assert.is(later.stdout.toString().split('\n').filter(Boolean).length, 30);
});

liveTest([tools.tmux()], 'attach in a terminal (rich): the live tree of the run, then its summary and exit status', async () => {
  const home = tempDir();
  const go = join(tempDir(), 'go');
  const id = await detached(home, numbered, go);
  const t = new Tmux(`echo '$ prog attach'; env -u CI -u NO_COLOR ${shellQuote(node)} ${shellQuote(progBin)} attach ${id}`, 100, 30, { PROG_HOME: home, TERM: 'xterm-256color' });
  try {
    await t.waitFor((s) => s.some((l) => /❯ p +\[█*░*\] +\d+% \d+\/30/.test(l)), 10_000, 'the phase row, live');
    writeFileSync(go, '');
    const end = await t.waitFor((s) => s.some((l) => /^\[exit \d+\]$/.test(l)), 15_000, 'attach to end');
    assert.ok(end.includes('[exit 4]'), end.join('\n'));
    assert.ok(end.some((l) => /✖ p .*30\/30/.test(l) || /p .*30\/30/.test(l)), `the final tree:\n${end.join('\n')}`);
    assert.ok(end.some((l) => /^finished failed · exit 4/.test(l)));
  } finally {
    t.kill();
  }
});

test('attach to an unknown run: exit 125 and a message', async () => {
  const r = await runProg(['attach', 'nope'], { home: tempDir() });
  assert.is(r.code, 125);
  assert.match(r.stderr.toString(), /no run|no runs recorded/);
});

test.run();
