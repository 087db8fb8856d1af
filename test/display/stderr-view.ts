// `prog run -- make | tee build.log`: stdout is a pipe, stderr the terminal. The live view is drawn
// on stderr (as pv and docker buildx do) while the pipe gets the command's stdout bytes alone,
// exactly. In a real terminal (tmux); the pipe ends in a file the test compares byte for byte.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { progBin, tempDir } from '../helpers/prog.js';
import { child, type Step } from '../helpers/runs.js';
import { shellQuote, Tmux } from '../helpers/tmux.js';
import { liveTest, tools } from '../helpers/tools.js';

const node = process.execPath;
const fd3 = (fields: Record<string, unknown>): Step => ({ fd: 3, w: `${JSON.stringify(fields)}\n` });
const exited = (screen: string[]) => screen.some((l) => /^\[exit \d+\]$/.test(l));

function terminal(command: string, home: string, columns = 100, rows = 30): Tmux {
  // A line first, as in a real shell session (see test/display/rich/terminal.ts).
  return new Tmux(`echo '$ prog run'; env -u CI -u NO_COLOR -u FORCE_COLOR ${command}`, columns, rows, {
    PROG_HOME: home, PROG_CONFIG_DIR: join(home, 'config'), TERM: 'xterm-256color',
  });
}

for (const format of ['auto', 'rich']) {
  liveTest([tools.tmux()], `--format ${format}, stdout piped: the live view on the terminal (stderr), the pipe gets the command's stdout exactly`, async () => {
    const home = tempDir();
    const go = join(home, 'go');
    const file = join(home, 'out.bin');
    // Bytes a frame or a line end added would spoil: escapes, a \r redraw, bytes that are not UTF-8, no final \n.
    const raw = Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x72, 0x65, 0x64, 0x1b, 0x5b, 0x30, 0x6d, 0xff, 0xfe, 0x00, 0x0a]);
    const steps: Step[] = [
      fd3({ type: 'workflow', name: 'pipe-demo' }),
      fd3({ type: 'phase', id: 'map', name: 'Map phase', total: 4 }),
      { o: 'out 1\n' },
      { e: 'err 1\n' },
      fd3({ type: 'item.done', phase: 'map', id: 'a' }),
      { o: 'half a line ' },
      { until: go },
      { o: 'and its end\n' },
      { ob: raw.toString('base64') },
      { o: '50%\r100%\r' },
      { e: 'err 2\n' },
      fd3({ type: 'item.done', phase: 'map', id: 'b' }),
      fd3({ type: 'item.done', phase: 'map', id: 'c' }),
      fd3({ type: 'item.done', phase: 'map', id: 'd' }),
      { o: 'last, unfinished' },
    ];
    const expected = Buffer.concat(steps.map((s) => ('o' in s ? Buffer.from(s.o) : 'ob' in s ? Buffer.from(s.ob, 'base64') : Buffer.alloc(0))));
    const words = [node, progBin, 'run', '--format', format, '--', ...child(steps)].map(shellQuote).join(' ');
    const t = terminal(`${words} | cat > ${shellQuote(file)}`, home);
    try {
      // The command's stderr shows above the view (it goes out with the frame after it arrived).
      const live = await t.waitFor((s) => s.some((l) => /^❯ Map phase \[.*\] +25% 1\/4/.test(l)) && s.includes('err 1'), 20_000, 'the live Map row on the terminal');
      assert.ok(live.some((l) => /^\S pipe-demo · 25% · /.test(l)), `a live header:\n${live.join('\n')}`);
      assert.not.ok(live.some((l) => l.includes('out 1') || l.includes('half a line')), 'stdout goes to the pipe, not the terminal');
      writeFileSync(go, '');
      const end = await t.waitFor(exited, 20_000, 'the run to end');
      assert.ok(end.some((l) => /^✔ Map phase \[█+\] 100% 4\/4/.test(l)), `the final tree:\n${end.join('\n')}`);
      assert.ok(end.some((l) => /^finished ok · exit 0 · /.test(l)), 'the summary, on the terminal');
      assert.ok(end.includes('err 2'));
      assert.ok(end.includes('[exit 0]'));
      assert.ok(existsSync(file));
      assert.equal(readFileSync(file), expected, 'the file holds exactly the command\'s stdout');
    } finally {
      t.kill();
    }
  });
}

liveTest([tools.tmux()], 'the view on stderr follows the terminal\'s width when it is resized', async () => {
  const home = tempDir();
  const go = join(home, 'go');
  const steps: Step[] = [
    fd3({ type: 'workflow', name: 'a-workflow-with-a-rather-long-name-to-cut' }),
    fd3({ type: 'phase', id: 'map', name: 'Map phase', total: 2 }),
    fd3({ type: 'item.done', phase: 'map', id: 'a' }),
    { until: go },
    fd3({ type: 'item.done', phase: 'map', id: 'b' }),
  ];
  const words = [node, progBin, 'run', '--', ...child(steps)].map(shellQuote).join(' ');
  const t = terminal(`${words} | cat > /dev/null`, home, 120, 20);
  try {
    await t.waitFor((s) => s.some((l) => /^❯ Map phase /.test(l)), 20_000, 'the live view');
    t.resize(50, 20);
    // Cut to the new width (`…`), not wrapped: the view reads stderr's size.
    await t.waitFor((s) => s.some((l) => /^❯ Map phase .*…$/.test(l)), 20_000, 'rows cut to the new width');
    writeFileSync(go, '');
    await t.waitFor(exited, 20_000, 'the run to end');
  } finally {
    t.kill();
  }
});

test.run();
