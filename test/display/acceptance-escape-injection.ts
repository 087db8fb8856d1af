// Acceptance check 19 (../shared/research/reliability.md §6) as written: marker labels of
// "\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e" are shown escaped wherever prog renders them — the plain
// status lines, `prog ls` (running and ended), the rich view on a real terminal — while the
// command's own bytes pass through unchanged. plain.ts, views.ts and rows.ts check the views
// alone; this is the whole path, from a real child to prog ls and a pty.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { clean, startProg, trackGroup } from '../helpers/live.js';
import { ndjson, progBin, runProg, tempDir } from '../helpers/prog.js';
import { waitUntil } from '../helpers/procfs.js';
import { marker, runDirs, statusLines } from '../helpers/runs.js';
import { startOnHangupPty } from '../helpers/hangup-pty.js';
import { liveTest, tools } from '../helpers/tools.js';

const test = (name: string, fn: () => Promise<void>) => uvuTest(name, clean(fn));
const node = process.execPath;

const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e';
const SHOWN = '\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e';
/** Raw controls, C1 and bidi characters that must never come from prog's own rendering. */
const RAW = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\x1b(?!\[[0-9;]*m)/;

/** The child: markers with the hostile text in every label, one raw line with it, then waits for `stop`. */
function childCode(): string {
  const markers = [
    marker({ type: 'workflow', name: `wf ${HOSTILE}` }),
    marker({ type: 'phase', id: 'p', name: `Phase ${HOSTILE}`, total: 4 }),
    marker({ type: 'step', phase: 'p', name: `step ${HOSTILE}` }),
    marker({ type: 'item.fail', phase: 'p', id: `item ${HOSTILE}`, error: `err ${HOSTILE}` }),
    marker({ type: 'log', level: 'warn', source: `src ${HOSTILE}`, message: `msg ${HOSTILE}` }),
  ].join('');
  return [
    `process.stdout.write(${JSON.stringify(markers)});`,
    `process.stdout.write(${JSON.stringify(`raw ${HOSTILE}\n`)});`,
    "const t = setInterval(() => { if (require('fs').existsSync(process.argv[1])) { clearInterval(t); process.exitCode = 3; } }, 20);",
  ].join(' ');
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

test('check 19, plain and prog ls: the labels are escaped in the status lines and in prog ls (running and ended); stdout is the child\'s raw line, byte for byte', async () => {
  const home = tempDir();
  const stop = join(tempDir('prog-esc-'), 'stop');
  const live = startProg(['run', '--format', 'plain', '--update-interval', '0.2', '--', node, '-e', childCode(), stop], { home });
  await live.waitOut(/^raw /m, 10_000, 'the raw line');
  const dir = runDirs(home)[0]!;
  trackGroup((JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, any>).pid);
  await waitUntil(() => (existsSync(join(dir, 'snapshot.json')) && readFileSync(join(dir, 'snapshot.json'), 'utf8').includes('pwned')) || 'no snapshot with the workflow yet', 10_000, 'a snapshot naming the workflow');

  const lsText = async (what: string) => {
    const r = await runProg(['ls'], { home, env: { FORCE_COLOR: '0' } });
    assert.is(r.code, 0, r.stderr.toString());
    const text = r.stdout.toString();
    assert.not.match(text, RAW, `${what}: no raw control, C1 or bidi character: ${JSON.stringify(text)}`);
    assert.ok(text.includes('wf \\x1b]0;pwned\\x07'), `${what}: the name shown escaped: ${JSON.stringify(text)}`);
    const json = ndjson((await runProg(['ls', '--format', 'json'], { home })).stdout);
    assert.is(json[0]!.name, `wf ${HOSTILE}`, `${what}: JSON carries the name exactly`);
  };
  await lsText('prog ls while running');

  writeFileSync(stop, '');
  const end = await live.waitExit(10_000);
  assert.is(end.code, 3, live.transcript());
  await lsText('prog ls after the end');

  // The child's bytes, unchanged (the markers consumed); and all of them in the log, markers included.
  assert.is(live.stdout(), `raw ${HOSTILE}\n`);
  assert.ok(readFileSync(join(dir, 'stdout.log'), 'utf8').endsWith(`raw ${HOSTILE}\n`));
  // prog's status lines: escaped, never raw.
  const status = statusLines(live.stderr());
  assert.ok(status.length > 0, live.stderr());
  for (const line of status) assert.not.match(line, RAW, JSON.stringify(line));
  const joined = status.join('\n');
  for (const label of ['wf', 'Phase', 'step', 'item', 'err', 'src', 'msg']) assert.ok(joined.includes(`${label} ${SHOWN}`), `${label} escaped in:\n${joined}`);
});

liveTest([tools.python3()], 'check 19, rich view on a real terminal: the labels appear only escaped; the raw sequence reaches the terminal once, from the child\'s own line', clean(async () => {
  const home = tempDir();
  const stop = join(tempDir('prog-esc-'), 'stop');
  const pty = await startOnHangupPty(node, [progBin, 'run', '--', node, '-e', childCode(), stop], { home, env: { NO_COLOR: undefined, CI: undefined } });
  await pty.live.waitOut(/Phase \\x1b\]0;pwned/, 10_000, 'the phase title, escaped, in the rich view');
  const dir = runDirs(home)[0]!;
  trackGroup((JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, any>).pid);
  writeFileSync(stop, '');
  const status = await pty.status(10_000);
  assert.equal(status, { code: 3, signal: null });
  const screen = pty.live.stdout();
  // The child's line passes through whole (the terminal turns \n into \r\n).
  assert.ok(screen.includes(`raw ${HOSTILE}\r\n`), 'the child\'s raw line reached the terminal unchanged');
  // Each raw sequence once: the child's. A second one would be prog rendering a label raw.
  for (const part of ['\x1b]0;pwned\x07', '\u009b31m', '\u202e', '\x1b[2J']) {
    assert.is(count(screen, part), 1, `${JSON.stringify(part)} reached the terminal ${count(screen, part)} times`);
  }
  assert.ok(screen.includes('wf \\x1b]0;pwned') || screen.includes(`Phase ${SHOWN.slice(0, 20)}`), 'labels shown escaped');
  assert.ok(readFileSync(join(dir, 'stdout.log'), 'utf8').endsWith(`raw ${HOSTILE}\n`), 'the log has the raw bytes');
}));

uvuTest.run();
