// Job control in a real interactive shell (bash in tmux): Ctrl-Z stops the command with prog, `fg`
// continues both, and the run ends as if never paused.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progBin, tempDir } from '../helpers/prog.js';
import { procStat, waitUntil } from '../helpers/procfs.js';
import { shellQuote, Tmux } from '../helpers/tmux.js';
import { liveTest, tools } from '../helpers/tools.js';

function record(home: string): Record<string, any> | undefined {
  const runs = join(home, 'runs');
  const [id] = existsSync(runs) ? readdirSync(runs) : [];
  const file = id === undefined ? undefined : join(runs, id, 'run.json');
  return file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

liveTest([tools.tmux()], 'Ctrl-Z stops the command along with prog; fg continues both, and the run ends normally', async () => {
  const home = tempDir();
  // 30 ticks of 100 ms of running time, then DONE and exit 0; not before the go file exists (the
  // test writes it after fg), so the command is still there to be stopped however slow the machine.
  const go = join(tempDir(), 'go');
  const code = "let n = 0; const t = setInterval(() => { if (++n >= 30 && require('fs').existsSync(process.argv[1])) { clearInterval(t); console.log('DONE'); } }, 100);";
  const t = new Tmux('bash --norc --noprofile -i', 100, 20, { PROG_HOME: home, PS1: '$ ' });
  try {
    t.keys(`${shellQuote(process.execPath)} ${shellQuote(progBin)} run --format plain -- ${shellQuote(process.execPath)} -e ${shellQuote(code)} ${shellQuote(go)}`, 'Enter');
    await waitUntil(() => record(home)?.pid !== undefined || 'no run yet', 10_000, 'the run to start');
    const { pid: child, supervisor } = record(home)!;
    t.keys('C-z');
    await waitUntil(() => (procStat(child)?.state === 'T' && procStat(supervisor.pid)?.state === 'T') || `child ${procStat(child)?.state}, prog ${procStat(supervisor.pid)?.state}`, 5000, 'both stopped');
    await t.waitFor((s) => s.some((l) => /Stopped/.test(l)), 5000, 'the shell to report the stopped job');
    t.keys('fg', 'Enter');
    writeFileSync(go, '');
    await t.waitFor((s) => s.some((l) => /\[prog\] finished/.test(l)), 15_000, 'the run to end after fg');
    t.keys('echo "[status $?]"', 'Enter');
    const screen = await t.waitFor((s) => s.some((l) => /^\[status \d+\]$/.test(l)), 5_000, 'its status');
    assert.ok(screen.includes('[status 0]'), screen.join('\n'));
    assert.ok(screen.includes('DONE'), screen.join('\n'));
    assert.equal([record(home)!.status, record(home)!.exitCode], ['ok', 0]);
  } finally {
    t.kill();
  }
});

test.run();
