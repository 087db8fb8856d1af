// The rich view's drawing, byte by byte, as a terminal receives it through a real pty (`script`).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtures, progBin, tempDir, testEnv } from '../../helpers/prog.js';
import { shellQuote } from '../../helpers/tmux.js';
import { liveTest, tools } from '../../helpers/tools.js';

const SYNC_START = '\x1b[?2026h';
const SYNC_END = '\x1b[?2026l';

function ptyRun(args: string, columns = 100, rows = 30): { raw: string; ms: number } {
  const started = Date.now();
  const command = `stty cols ${columns} rows ${rows}; exec ${shellQuote(process.execPath)} ${shellQuote(progBin)} ${args}`;
  const raw = execFileSync('script', ['-qfec', command, '/dev/null'], {
    env: { ...testEnv(tempDir()), TERM: 'xterm-256color' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { raw, ms: Date.now() - started };
}

const agents = (args: string) => `${shellQuote(process.execPath)} ${shellQuote(join(fixtures, 'agents.js'))} ${args}`;

liveTest([tools.script()], 'at most 10 frames a second, however many events and output lines arrive', () => {
  // 20 agents × 100 updates/s plus a log line every 10 ms, for 3 s.
  const { raw, ms } = ptyRun(`run --format rich -- ${agents('20 50 3 0 10')}`);
  const frames = raw.split(SYNC_START).length - 1;
  assert.ok(frames >= 10, `the view drew (${frames} frames)`);
  assert.ok(frames <= Math.ceil((ms / 1000) * 10) + 2, `${frames} frames in ${ms} ms`);
  assert.is(raw.split(SYNC_END).length - 1, frames, 'every synchronized update is closed');
  const logs = raw.match(/log line \d+/g) ?? [];
  assert.equal(logs, logs.map((_, i) => `log line ${i}`), 'output lines arrive whole and in order');
});

liveTest([tools.script()], 'every frame fits the terminal: no line reaches the last column, never more lines than rows', () => {
  const { raw } = ptyRun(`run --format rich -- ${agents('40 5 2 3')}`, 60, 12);
  for (const block of raw.split(SYNC_START).slice(1)) {
    const erased = block.lastIndexOf('\x1b[J');
    const frame = block.slice(erased === -1 ? 0 : erased + 3, block.indexOf(SYNC_END));
    const lines = frame.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split('\r\n').filter((l) => l !== '');
    assert.ok(lines.length <= 11, `a frame of ${lines.length} lines in a 12-row terminal:\n${lines.join('\n')}`);
    for (const line of lines) assert.ok([...line].length <= 59, `a line of ${[...line].length} cells: ${line}`);
  }
});

liveTest([tools.script()], 'the cursor is hidden while drawing and given back at the end', () => {
  const { raw } = ptyRun(`run --format rich -- ${agents('2 5 1')}`);
  assert.ok(raw.indexOf('\x1b[?25l') !== -1 && raw.indexOf('\x1b[?25l') < raw.lastIndexOf('\x1b[?25h'));
});

test.run();
