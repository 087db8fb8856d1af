// The run record on disk, from real runs: run.json, events.ndjson (events with seq, chunk records
// placing the output among them), byte-exact output logs and the history line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fixtures, runProg, tempDir } from '../helpers/prog.js';
import { child, history, marker, onlyRun, runDirs, type RecordedRun } from '../helpers/runs.js';

const fx = join(fixtures, 'fx.js');
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Chunk records must tile each log exactly, in order, and sit after the event they follow. */
function checkChunks(r: RecordedRun): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const chunks = r.chunks.filter((c) => c.stream === stream);
    let offset = 0;
    for (const c of chunks) {
      assert.is(c.offset, offset, `${stream} chunk offsets are contiguous`);
      assert.ok(Number.isInteger(c.length) && c.length > 0, 'chunk length is a positive integer');
      offset += c.length;
    }
    assert.is(offset, r[stream].length, `${stream} chunks cover ${stream}.log exactly`);
  }
  let lastSeq = 0;
  for (const line of r.lines) {
    if (line.type === 'chunk') assert.is(line.after, lastSeq, 'a chunk record names the event it follows');
    else lastSeq = line.seq;
  }
}

function checkSeq(r: RecordedRun, { dense }: { dense: boolean }): void {
  let previous = 0;
  for (const e of r.events) {
    assert.ok(Number.isInteger(e.seq), `event ${e.type} has a seq`);
    if (dense) assert.is(e.seq, previous + 1, 'seq goes up by one');
    else assert.ok(e.seq > previous, 'seq increases');
    assert.ok(typeof e.t === 'number' && e.t >= 0, 'event has a time offset');
    previous = e.seq;
  }
  assert.is(r.events[0]?.type, 'run.start');
  assert.is(r.events.at(-1)?.type, 'exit');
  assert.not.ok(r.events.some((e) => e.type === 'output'), 'output lines are in the logs, not the events');
}

// Bytes that stress exactness: invalid UTF-8, NUL, CR redraws, CRLF, colour, a 4-byte character,
// markers (which the terminal never sees but the log keeps) and a last line without an end.
const outBytes = [
  Buffer.from('plain line\n'),
  Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a]),
  Buffer.from('progress 1\rprogress 2\rdone\r\n'),
  Buffer.from('\x1b[31mred\x1b[0m 😀 ü\n'),
  Buffer.from(marker({ type: 'phase', id: 'map', name: 'Map phase', total: 4 })),
  Buffer.from('  \x1b[32m' + marker({ type: 'item.done', phase: 'map', id: 'f1', agent: 'a1' })),
  Buffer.from(marker({ type: 'item.fail', phase: 'map', id: 'f2', error: 'timeout', retry: 1, maxRetries: 2 })),
  Buffer.from(marker({ type: 'item.fail', phase: 'map', id: 'f2', error: 'timeout again' })),
  Buffer.from(marker({ type: 'item.skip', phase: 'map', id: 'f3' })),
  Buffer.from('::prog::{not json}\n'),
  Buffer.from('no end'),
];
const errBytes = [
  Buffer.from('warn: something\n'),
  Buffer.from(marker({ type: 'progress', phase: 'map', current: 3, total: 4 })),
  Buffer.from([0xc3]), // half of a two-byte character
  Buffer.from([0xa9, 0x0a]),
  Buffer.from('tail without newline'),
];
const steps = [
  ...outBytes.map((b, i) => [{ ob: b.toString('base64') }, { eb: (errBytes[i] ?? Buffer.alloc(0)).toString('base64') }]).flat(),
  { exit: 3 },
];

let plain: { r: Awaited<ReturnType<typeof runProg>>; rec: RecordedRun; cwd: string };

test.before(async () => {
  const cwd = realpathSync(tempDir('prog-cwd-'));
  const r = await runProg(['run', '--format', 'plain', '--', ...child(steps as never)], { cwd });
  plain = { r, rec: onlyRun(r.home), cwd };
});

test('run.json says what ran, where, when and how it ended', () => {
  const { r, rec, cwd } = plain;
  assert.is(r.code, 3);
  const run = rec.run;
  assert.is(run.version, 1);
  assert.is(run.id, basename(rec.dir), 'the id is the directory name');
  assert.equal(run.command, child(steps as never), 'the command is recorded word for word');
  assert.is(run.cwd, cwd);
  assert.match(run.startedAt, ISO);
  assert.match(run.endedAt, ISO);
  assert.ok(Date.parse(run.endedAt) >= Date.parse(run.startedAt));
  assert.is(run.exitCode, 3);
  assert.is(run.signal, null);
  assert.is(run.status, 'failed');
  assert.ok(Number.isInteger(run.pid) && run.pid > 0);
  assert.equal(run.counts, { processed: 3, succeeded: 1, failed: 1, retried: 1, skipped: 1, running: 0 });
  assert.not.ok('logIncomplete' in run, 'a healthy run is complete');
});

test('stdout.log and stderr.log hold exactly the bytes the child wrote, markers included', () => {
  const { rec } = plain;
  assert.ok(rec.stdout.equals(Buffer.concat(outBytes)), 'stdout.log is byte-identical');
  assert.ok(rec.stderr.equals(Buffer.concat(errBytes)), 'stderr.log is byte-identical');
});

test('the terminal gets the child bytes without valid markers', () => {
  const { r } = plain;
  const expected = Buffer.concat(outBytes.filter((_, i) => i < 4 || i > 8));
  assert.ok(r.stdout.equals(expected), `stdout passthrough: ${JSON.stringify(r.stdout.toString('latin1'))}`);
});

test('events.ndjson: every event once with seq, no output lines, markers with their fields', () => {
  const { rec } = plain;
  checkSeq(rec, { dense: true });
  // stdout and stderr are read side by side, so only each stream's own order is fixed.
  const types = rec.events.map((e) => e.type).filter((t) => t !== 'progress');
  assert.equal(types, ['run.start', 'phase', 'item.done', 'item.fail', 'item.fail', 'item.skip', 'marker.invalid', 'exit']);
  assert.is(rec.events.filter((e) => e.type === 'progress').length, 1);
  const start = rec.events[0]!;
  assert.is(start.id, rec.run.id);
  assert.is(start.pid, rec.run.pid);
  const phase = rec.events.find((e) => e.type === 'phase')!;
  assert.equal({ id: phase.id, name: phase.name, total: phase.total }, { id: 'map', name: 'Map phase', total: 4 });
  assert.equal(rec.events.find((e) => e.type === 'item.fail')!.retry, 1);
  assert.is(rec.events.at(-1)!.exitCode, 3);
});

test('chunk records tile both logs and keep their place among the events', () => {
  checkChunks(plain.rec);
  const first = plain.rec.lines.findIndex((l) => l.type === 'chunk');
  const phase = plain.rec.lines.findIndex((l) => l.type === 'phase');
  assert.ok(first < phase, 'the chunk that carried the phase marker comes before the phase event');
});

test('a finished run appends one history line that matches run.json', () => {
  const lines = history(plain.r.home);
  assert.is(lines.length, 1);
  const h = lines[0]!;
  for (const key of ['id', 'command', 'cwd', 'startedAt', 'endedAt', 'exitCode', 'signal', 'status', 'counts']) {
    assert.equal(h[key], plain.rec.run[key], `history ${key}`);
  }
});

test('a child killed by a signal: record says signal, not exit code; its lines are logged', async () => {
  const r = await runProg(['run', '--format', 'plain', '--', process.execPath, fx, 'self-kill', 'SIGKILL', '3']);
  // prog dies by the same signal (or exits 128+N where it cannot).
  assert.ok(r.signal === 'SIGKILL' || r.code === 137, `prog ended like its child: ${r.code} ${r.signal}\n${r.stderr}`);
  const rec = onlyRun(r.home);
  assert.is(rec.run.exitCode, null);
  assert.is(rec.run.signal, 'SIGKILL');
  assert.is(rec.run.status, 'interrupted');
  assert.is(rec.stdout.toString(), 'line 0\nline 1\nline 2\n');
  assert.is(r.stdout.toString(), 'line 0\nline 1\nline 2\n');
  assert.is(history(r.home)[0]!.signal, 'SIGKILL');
});

test('JSON view: output lines are still not in events.ndjson, and the rest is in order', async () => {
  const r = await runProg(['run', '--format', 'json', '--', ...child(steps as never)]);
  assert.is(r.code, 3);
  const rec = onlyRun(r.home);
  checkSeq(rec, { dense: false });
  checkChunks(rec);
  assert.ok(rec.stdout.equals(Buffer.concat(outBytes)));
  assert.ok(rec.stderr.equals(Buffer.concat(errBytes)));
});

test('a 3 MB output is logged whole, in many chunks that tile it', async () => {
  const r = await runProg(['run', '--format', 'none', '--', process.execPath, fx, 'flood', '3000000']);
  assert.is(r.code, 0);
  assert.is(r.stdout.length, 3_000_000, 'passthrough is whole');
  const rec = onlyRun(r.home);
  assert.is(rec.stdout.length, 3_000_000);
  assert.ok(rec.stdout.equals(r.stdout));
  assert.ok(rec.chunks.length > 1);
  checkChunks(rec);
  assert.is(rec.run.exitCode, 0);
});

test('runs one after another each get their own directory and history line, in order', async () => {
  const home = tempDir();
  const ids: string[] = [];
  for (const code of [0, 1]) {
    const r = await runProg(['run', '--', process.execPath, fx, 'exit', String(code)], { home });
    assert.is(r.code, code);
  }
  for (const dir of runDirs(home)) ids.push(basename(dir));
  const lines = history(home);
  assert.is(lines.length, 2);
  assert.equal(lines.map((l) => l.exitCode), [0, 1]);
  assert.equal(new Set(ids), new Set(lines.map((l) => l.id)));
  assert.equal(lines.map((l) => l.status), ['ok', 'failed']);
});

test('a command that cannot start is still recorded, with its spawn error', async () => {
  const home = tempDir();
  mkdirSync(home, { recursive: true });
  const r = await runProg(['run', '--', '/nonexistent/command'], { home });
  assert.is(r.code, 127);
  const lines = history(home);
  assert.is(lines.length, 1);
  assert.is(lines[0]!.status, 'spawn-failed');
  assert.is(lines[0]!.spawnError, 'ENOENT');
  assert.is(onlyRun(home).run.status, 'spawn-failed');
});

test.run();
