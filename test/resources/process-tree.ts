// Which processes make a tree and how its CPU adds up, on made-up /proc rows: a child reaped into
// its parent's cutime is counted once, an orphan reaped elsewhere is not taken back, a reused pid
// is a new process, and re-parented members of the root's session still belong.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ProcessRow, ProcessSource } from '../../src/resources/process-source.js';
import { ProcessIndex, TreeMeter } from '../../src/resources/process-tree.js';

const source: ProcessSource = {
  inheritsReaped: true,
  scan: async () => [],
  ignore: () => {},
  forgetIgnored: () => {},
  readIo: () => false,
  close: () => {},
};

function row(pid: number, ppid: number, cpuSeconds: number, more: Partial<ProcessRow> = {}): ProcessRow {
  return { pid, ppid, startTime: 1, pgrp: -1, session: -1, zombie: false, cpuSeconds, rssBytes: 1000, readBytes: -1, writeBytes: -1, ...more };
}

const measure = (meter: TreeMeter, rows: ProcessRow[]) => meter.measure(new ProcessIndex(rows), source, 1);

test('the tree is the root, its descendants, and re-parented members of its session, nothing else', () => {
  const rows = [
    row(10, 1, 0, { session: 10, pgrp: 10 }),
    row(11, 10, 0, { session: 10, pgrp: 10 }),
    row(12, 11, 0, { session: 10, pgrp: 10 }),
    row(13, 1, 0, { session: 10, pgrp: 13 }), // orphan, re-parented to init, own group, same session
    row(14, 13, 0, { session: 14, pgrp: 14 }), // its child that left with setsid: still a descendant
    row(20, 1, 0, { session: 20, pgrp: 20 }), // someone else
    row(15, 10, 0, { zombie: true, rssBytes: 0 }),
  ];
  const meter = new TreeMeter(10, false);
  const r = measure(meter, rows);
  assert.equal([...meter.members].sort((a, b) => a - b), [10, 11, 12, 13, 14, 15]);
  assert.is(r.processes, 5, 'the zombie is not a process any more');
  assert.is(r.rssBytes, 5000);
});

test("a child reaped by a parent in the tree is counted once: the parent's cutime takes over its CPU", () => {
  const meter = new TreeMeter(10, false);
  measure(meter, [row(10, 1, 0), row(11, 10, 0)]);
  let r = measure(meter, [row(10, 1, 0.1), row(11, 10, 0.9)]);
  assert.is(r.cpuPercent.toFixed(0), '100');
  // The child used 0.5 s more, exited, and was reaped: the parent's cutime grew by all 1.4 s.
  r = measure(meter, [row(10, 1, 0.1 + 1.4)]);
  assert.is(r.cpuPercent.toFixed(0), '50');
  assert.is(r.cpuSeconds.toFixed(2), '1.50');
});

test('an orphan reaped outside the tree is not taken back; a parent that inherits nothing is never negative', () => {
  const meter = new TreeMeter(10, false);
  measure(meter, [row(10, 1, 0), row(11, 10, 0), row(12, 11, 0)]);
  measure(meter, [row(10, 1, 0), row(11, 10, 0), row(12, 11, 2)]);
  // 11 and 12 both gone: 12's parent is not in the tree, so no parent took over its time.
  let r = measure(meter, [row(10, 1, 0.2)]);
  assert.is(r.cpuSeconds.toFixed(2), '2.20');
  // A parent ignoring SIGCHLD: its child vanishes and the parent's counter does not grow.
  measure(meter, [row(10, 1, 0.2), row(13, 10, 1)]);
  r = measure(meter, [row(10, 1, 0.2)]);
  assert.is(r.cpuPercent, 0);
  assert.is(r.cpuSeconds.toFixed(2), '3.20');
});

test('a pid reused by a new process counts as new; the first measure is the starting point', () => {
  const meter = new TreeMeter(10, false);
  let r = measure(meter, [row(10, 1, 5), row(11, 10, 3)]);
  assert.is(r.cpuPercent, 0, 'no rate from what was used before');
  assert.is(r.cpuSeconds, 8);
  r = measure(meter, [row(10, 1, 5), row(11, 10, 0.5, { startTime: 2 })]);
  assert.is(r.cpuSeconds, 8.5);
  assert.is(r.cpuPercent, 50);
});

test.run();
