// A redraw (a line ended by `\r`: pv, git, rsync, cargo's bar) counts when it is written, not when
// the tool next writes: a tool that stalls after a redraw shows that redraw's state.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { LineSplitter, type SplitLine } from '../../src/lines/line-splitter.js';
import { clean, recordedRun, startProg } from '../helpers/live.js';
import { tempDir } from '../helpers/prog.js';
import { scaled } from '../helpers/time.js';

const test = (name: string, fn: () => void | Promise<void>) => uvuTest(name, clean(async () => fn()));

test('splitter: a line stopped at \\r goes to redraw() on redrawNow(), once; it still ends with its next byte', () => {
  const lines: SplitLine[] = [];
  const redraws: string[] = [];
  const passed: Buffer[] = [];
  const splitter = new LineSplitter({
    hold: () => 'no', allLines: true, pass: (b) => passed.push(Buffer.from(b)), line: (l) => (lines.push(l), false),
    redraw: (b) => redraws.push(String(b)),
  });
  splitter.push(Buffer.from('a\r\nbar 45%\r'));
  assert.equal(lines.map((l) => [String(l.bytes), l.eol]), [['a', '\r\n']]);
  assert.ok(splitter.crPending);
  splitter.redrawNow();
  splitter.redrawNow();
  assert.equal(redraws, ['bar 45%'], 'once');
  splitter.push(Buffer.from('\nnext\r'));
  splitter.redrawNow();
  splitter.end();
  assert.equal(redraws, ['bar 45%', 'next']);
  assert.equal(lines.map((l) => [String(l.bytes), l.eol]), [['a', '\r\n'], ['bar 45%', '\r\n'], ['next', '\r']]);
  assert.is(Buffer.concat(passed).toString(), 'a\r\nbar 45%\r\nnext\r');
});

test('splitter: without redrawNow a \\r\\n cut between chunks is still one line end', () => {
  const lines: SplitLine[] = [];
  const splitter = new LineSplitter({ hold: () => 'no', allLines: true, pass: () => undefined, line: (l) => (lines.push(l), false) });
  splitter.push(Buffer.from('x\r'));
  splitter.push(Buffer.from('\ny\n'));
  assert.equal(lines.map((l) => [String(l.bytes), l.eol]), [['x', '\r\n'], ['y', '\n']]);
});

const PV_LINE = '1.00MiB 0:00:05 [ 200MiB/s] [=====>        ] 45% ETA 0:00:06';

test('prog run: pv\'s redraw then a stall: 45 % reaches the JSON stream while pv is silent', async () => {
  const flag = join(tempDir('prog-redraw-'), 'seen');
  // Writes one redraw, then nothing until the test has seen its progress (or gives up after 60 s, scaled).
  const child = `process.stderr.write(${JSON.stringify(PV_LINE + '\r')});
const wait = setInterval(() => { if (require('fs').existsSync(${JSON.stringify(flag)}) || Date.now() - start > ${scaled(60_000)}) { clearInterval(wait); process.stderr.write('\\n'); } }, 20);
const start = Date.now();`;
  const live = startProg(['run', '--format', 'json', '--', process.execPath, '-e', child]);
  await live.waitOut(/"type":"progress","phase":"pv","current":45/, 20_000, 'the 45 % progress event while pv is stalled');
  assert.not.ok(existsSync(flag), 'seen before the child wrote anything more');
  writeFileSync(flag, '');
  const end = await live.waitExit(30_000);
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  // The bytes are the child's, exactly, and the JSON line is one line, `\r\n` and all.
  assert.ok(live.stdout().includes(`"line":${JSON.stringify(PV_LINE)},"eol":"\\r\\n"`), live.stdout().slice(0, 3000));
  const { dir } = recordedRun(live.home);
  const { readFileSync } = await import('node:fs');
  assert.is(readFileSync(join(dir, 'stderr.log'), 'utf8'), `${PV_LINE}\r\n`);
});

uvuTest.run();
