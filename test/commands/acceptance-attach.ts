// Acceptance check 12 (../shared/research/reliability.md §6) as written: a run whose terminal was
// closed (a real pty hang-up, helpers/hangup-pty.ts), attached from a new pty; Ctrl-C typed there
// only detaches; attached again until the command exits 7. attach.ts checks attach without
// terminals (SIGINT sent by kill, a --detach run).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, progSh, trackGroup } from '../helpers/live.js';
import { ndjson, progBin, runProg, tempDir } from '../helpers/prog.js';
import { isLive, procStat, waitUntil } from '../helpers/procfs.js';
import { CTRL_C, ptyLines, startInPty } from '../helpers/pty.js';
import { startOnHangupPty } from '../helpers/hangup-pty.js';
import { liveTest, tools } from '../helpers/tools.js';

// The closed terminal is the Python pty driver's; the new ones are `script`'s.
const test = (name: string, fn: () => Promise<void>) => liveTest([tools.python3(), tools.script()], name, clean(fn));
const node = process.execPath;

/** `seq N` every 50 ms until the stop file exists, then `end` and exit 7; logs any SIGINT it gets. */
const CHILD = [
  "const fs = require('fs'); process.on('SIGINT', () => console.log('GOT SIGINT'));",
  "let i = 0; const t = setInterval(() => { console.log('seq ' + i++);",
  "if (fs.existsSync(process.argv[1])) { clearInterval(t); console.log('end'); process.exitCode = 7; } }, 50);",
].join(' ');

/**
 * The seq numbers among a terminal's lines (prog's own [prog] lines and the rest left out). The
 * terminal echoes the Ctrl-C the test types as `^C` wherever its cursor is: a line being printed
 * right then reads `^Cseq 18` (CI saw it under load).
 */
function seqs(text: string): number[] {
  return ptyLines(text).map((l) => /^(?:\^C)?seq (\d+)$/.exec(l)?.[1]).filter((n): n is string => n !== undefined).map(Number);
}

function contiguousFromZero(numbers: number[], what: string): void {
  assert.ok(numbers.length > 0, `${what}: no seq lines`);
  assert.equal(numbers, Array.from({ length: numbers.length }, (_, i) => i), `${what}: seq 0..${numbers.length - 1} once each, in order`);
}

test('check 12: a hung-up run attached from a new pty: backlog then live with no seam; Ctrl-C only detaches (the child runs on, gets no SIGINT); attach again until exit 7', async () => {
  const home = tempDir();
  const stop = join(tempDir('prog-attach-'), 'stop');
  const pty = await startOnHangupPty(node, [progBin, 'run', '--', node, '-e', CHILD, stop], { home });
  await pty.live.waitOut(/seq 5\b/, 10_000, 'seq 5 on the first terminal');
  const id = readdirSync(join(home, 'runs'))[0]!;
  const dir = join(home, 'runs', id);
  const record = () => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, any>;
  const logged = () => seqs(existsSync(join(dir, 'stdout.log')) ? readFileSync(join(dir, 'stdout.log'), 'utf8') : '');
  const child = record().pid as number;
  trackGroup(child);
  await pty.hangUp();

  // First attach, from a new terminal: its backlog, then live lines.
  const atStart = logged().length;
  const first = startInPty(progSh(['attach', id, '--format', 'plain']), { home });
  await first.waitOut(new RegExp(`^seq ${atStart + 10}\\r?$`, 'm'), 15_000, 'live lines well past the backlog');
  first.write(CTRL_C);
  const firstEnd = await first.waitExit(5000, 'attach to end at Ctrl-C');
  assert.is(firstEnd.code, 130, first.stdout());
  assert.match(first.stdout(), /detached from run/);
  contiguousFromZero(seqs(first.stdout()), 'first attach');

  // The run goes on: the command is alive, its lines keep coming, nothing got a SIGINT.
  const afterDetach = logged().length;
  await waitUntil(() => logged().length >= afterDetach + 5 || `log at ${logged().length}`, 5000, 'more lines after the detach');
  assert.ok(isLive(child), `the command runs on (state ${procStat(child)?.state})`);
  assert.ok(isLive(pty.pid), 'the run\'s prog runs on');
  assert.equal(ndjson((await runProg(['ls', '--format', 'json'], { home })).stdout).map((r) => r.state), ['running']);

  // Second attach until the end.
  const second = startInPty(progSh(['attach', id, '--format', 'plain']), { home });
  const again = logged().length;
  await second.waitOut(new RegExp(`^seq ${again + 5}\\r?$`, 'm'), 15_000, 'live lines in the second attach');
  writeFileSync(stop, '');
  const secondEnd = await second.waitExit(15_000, 'attach to end with the run');
  assert.is(secondEnd.code, 7, second.stdout());
  const shown = seqs(second.stdout());
  contiguousFromZero(shown, 'second attach');
  assert.equal(shown, logged(), 'the second attach showed every line of the run');
  assert.match(second.stdout(), /^end\r?$/m);

  const final = record();
  assert.equal([final.exitCode, final.signal], [7, null]);
  assert.not.match(readFileSync(join(dir, 'stdout.log'), 'utf8'), /GOT SIGINT/, 'no Ctrl-C reached the command');
  await pty.status(10_000);
});

uvuTest.run();
