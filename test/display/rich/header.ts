// The rich view's header laid out by priority: progress, ETA with its range and failures first;
// resources shortened, then on a second line; every field visible at 80 columns.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { headerLines, headerText } from '../../../src/display/rich/rows.js';
import { textWidth } from '../../../src/display/rich/text-width.js';
import type { Snapshot } from '../../../src/model/snapshot.js';
import { progBin, tempDir } from '../../helpers/prog.js';
import { child, marker, type Step } from '../../helpers/runs.js';
import { letGo } from '../../helpers/go-file.js';
import { shellQuote, Tmux } from '../../helpers/tmux.js';
import { liveTest, tools } from '../../helpers/tools.js';

const counts = { processed: 175, succeeded: 156, failed: 19, retried: 4, skipped: 0, running: 3 };
const snapshot = {
  type: 'snapshot', tMs: 62_000, status: 'running', elapsedMs: 62_000, workflow: 'modernize-codebase', percent: 35.2,
  etaMs: 323_000, etaLowMs: 290_000, etaHighMs: 370_000, counts, phases: [], agents: [], invalidMarkers: 0,
  resources: { cpuPercent: 65, rssBytes: 1.2e9, processes: 4, cpuSeconds: 40, diskDeltaBytes: 188e6, machine: { cpuPercent: 30, memUsedBytes: 4e9, memTotalBytes: 8e9 } },
} as Snapshot;

/** Every field of the header, as it reads in full or short form. */
const FIELDS = [/modernize-codebase/, /\b35%/, /ETA 5m 23s \(4m 50s ?– ?6m 10s\)/, /1m 02s elapsed/, /89% ok/, /✖ 19/, /↻ 4/, /CPU 65%/, /Mem 1\.2 ?GB/, /Disk \+188 ?MB/];

test('at 80 columns every field is visible; progress, ETA with its range and failures lead the first line', () => {
  const lines = headerLines(snapshot, 'cmd', 79, '⠸');
  assert.ok(lines.length <= 2, lines.join('\n'));
  for (const line of lines) assert.ok(textWidth(line) <= 79, `wider than 79 cells: ${line}`);
  const text = lines.join('\n');
  for (const field of FIELDS) assert.match(text, field);
  assert.not.match(text, /…/, 'nothing cut');
  assert.equal(lines, [
    '⠸ modernize-codebase · 35% · ETA 5m 23s (4m 50s–6m 10s) · ✖ 19 · ↻ 4',
    '  1m 02s elapsed · 89% ok · CPU 65% · Mem 1.2 GB · Disk +188 MB',
  ]);
});

test('at 120 columns: the first line keeps the full wording, the resources go to a second line whole', () => {
  const lines = headerLines(snapshot, 'cmd', 119, '⠸');
  assert.equal(lines, [
    '⠸ modernize-codebase · 35% · ETA 5m 23s (4m 50s – 6m 10s) · 1m 02s elapsed · 89% ok · ✖ 19 failed · ↻ 4 retried',
    '  CPU 65% · Mem 1.2 GB · Disk +188 MB',
  ]);
});

test('wide enough: one line, as before', () => {
  assert.equal(headerLines(snapshot, 'cmd', 200, '⠸'), [`⠸ ${headerText(snapshot, 'cmd')}`]);
  // A little narrower: the resources are shortened before they move.
  const full = textWidth(`⠸ ${headerText(snapshot, 'cmd')}`);
  const [one, ...rest] = headerLines(snapshot, 'cmd', full - 2, '⠸');
  assert.equal(rest, []);
  assert.match(one!, / · CPU 65% Mem 1\.2GB Disk \+188MB$/);
});

test('at 60 columns: two lines that fit, every figure kept; the name gives way first', () => {
  const lines = headerLines(snapshot, 'cmd', 59, '⠸');
  for (const line of lines) assert.ok(textWidth(line) <= 59, `wider than 59 cells: ${line}`);
  const text = lines.join('\n');
  for (const field of FIELDS.slice(1)) assert.match(text, field);
  assert.equal(lines, ['⠸ moderniz… · 35% · ETA 5m 23s (4m 50s–6m 10s) · ✖ 19 · ↻ 4', '  1m 02s elapsed · 89% ok · CPU 65% Mem 1.2GB Disk +188MB']);
  // A command line as the name (no workflow marker): it is cut, never the progress.
  const long = headerLines({ ...snapshot, workflow: undefined }, './scripts/run-the-whole-nightly-pipeline.sh --all --verbose', 59, '⠸');
  assert.match(long[0]!, /^⠸ \.\/script\S*… · 35% · ETA 5m 23s \(4m 50s–6m 10s\) · ✖ 19 · ↻ 4$/);
});

test('the signal being acted on: on the first line when it fits, else leading the second', () => {
  const signal = { full: 'SIGINT: waiting for the command to stop (again to kill)', short: 'SIGINT: stopping (again to kill)' };
  const wide = headerLines(snapshot, 'cmd', 159, '⠸', signal);
  assert.match(wide[0]!, /· ↻ 4 retried · SIGINT: waiting for the command to stop \(again to kill\)$/);
  // Too long for the first line at 80 columns: it leads the second.
  const lines = headerLines(snapshot, 'cmd', 79, '⠸', signal);
  assert.match(lines[0]!, /^⠸ modernize-codebase · 35% · ETA /);
  assert.match(lines[1]!, /^ {2}SIGINT: stopping \(again to kill\) · 1m 02s elapsed/);
  assert.ok(textWidth(lines[0]!) <= 79, lines[0]);
});

// In a real terminal: a workflow with failures and retries that reports progress for a few seconds
// (so the ETA has its range), while prog samples CPU, memory and disk.
function workflow(go: string): Step[] {
  const steps: Step[] = [
    { o: marker({ type: 'workflow', name: 'modernize-codebase' }) },
    { o: marker({ type: 'phase', id: 'map', name: 'Map phase', total: 500 }) },
  ];
  for (let i = 0; i < 40; i++) {
    const id = `file_${i}.py`;
    steps.push({ o: marker({ type: 'item.start', phase: 'map', id, agent: `agent-0${i % 3}` }) });
    if (i % 7 === 3) steps.push({ o: marker({ type: 'item.fail', phase: 'map', id, agent: `agent-0${i % 3}`, error: 'flaky', retry: 1, maxRetries: 3 }) });
    steps.push({ o: marker(i % 5 === 4 ? { type: 'item.fail', phase: 'map', id, error: 'boom' } : { type: 'item.done', phase: 'map', id }) });
    steps.push({ sleep: 100 });
  }
  steps.push({ until: go }, { o: marker({ type: 'phase.end', id: 'map', status: 'ok' }) });
  return steps;
}

liveTest([tools.tmux()], 'in an 80-column terminal the header shows every field, none cut', async () => {
  const go = `${tempDir()}/go`;
  const command = [process.execPath, progBin, 'run', '--', ...child(workflow(go))].map(shellQuote).join(' ');
  const t = new Tmux(`env -u CI -u NO_COLOR -u FORCE_COLOR ${command}`, 80, 24, { PROG_HOME: tempDir(), TERM: 'xterm-256color' });
  try {
    const header = (s: string[]) => {
      const at = s.findIndex((l) => / modernize-codebase · /.test(l));
      return at === -1 ? [] : s.slice(at, at + 2);
    };
    const screen = await t.waitFor((s) => /ETA \S+( \S+)? \(/.test(header(s).join('\n')) && /CPU \d+%/.test(header(s).join('\n')), 30_000, 'a header with an ETA range and resources');
    const lines = header(screen);
    const text = lines.join('\n');
    for (const field of [/\d+%/, /ETA \S+( \S+)? \(/, /elapsed/, /\d+% ok/, /✖ \d+/, /↻ \d+/, /CPU \d+%/, /Mem \d/, /Disk [-+±]/]) {
      assert.match(text, field, `${field} in the header:\n${screen.join('\n')}`);
    }
    for (const line of lines) assert.not.ok(line.endsWith('…'), `a header line cut short: ${line}`);
    assert.match(lines[0]!, /^\S modernize-codebase · \d+% · ETA /, 'progress and ETA lead');
  } finally {
    await letGo(t, go);
  }
});

test.run();
