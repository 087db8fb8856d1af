import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agentUsageText, formatBytes, peaksText, resourcesText } from '../../src/display/resources-text.js';
import { agentLines } from '../../src/display/rich/rows.js';

test('bytes in decimal units, two or three significant digits', () => {
  assert.is(formatBytes(0), '0 B');
  assert.is(formatBytes(999), '999 B');
  assert.is(formatBytes(4096), '4.1 kB');
  assert.is(formatBytes(251_375_616), '251 MB');
  assert.is(formatBytes(1_234_000_000), '1.2 GB');
  assert.is(formatBytes(-12_500_000), '-13 MB');
});

test('the header figures, the agent figures and the summary peaks', () => {
  const usage = { cpuPercent: 164.6, rssBytes: 1_200_000_000, cpuSeconds: 3, processes: 4, diskDeltaBytes: 450_000_000, machine: { cpuPercent: 50, memUsedBytes: 1, memTotalBytes: 2 } };
  assert.is(resourcesText(usage), 'CPU 165% · Mem 1.2 GB · Disk +450 MB');
  const { diskDeltaBytes: _d, ...noDisk } = usage;
  assert.is(resourcesText(noDisk), 'CPU 165% · Mem 1.2 GB');
  assert.is(resourcesText({ ...usage, diskDeltaBytes: 0 }), 'CPU 165% · Mem 1.2 GB · Disk ±0 B');
  assert.is(agentUsageText({ cpuPercent: 12.2, rssBytes: 340_000_000, processes: 2 }), '12% 340 MB');
  assert.is(peaksText({ peakRssBytes: 2_100_000_000, cpuSeconds: 34.5, peakCpuPercent: 180, diskDeltaBytes: -3_000_000 }), 'peak memory 2.1 GB · CPU time 35s · peak CPU 180% · disk -3.0 MB');
  const [row] = agentLines([{ id: 'a1', status: 'busy', item: 'f.py', itemSinceMs: 0, usage: { cpuPercent: 99, rssBytes: 52_000_000, processes: 1 } }], 5, 2000);
  assert.is(row!.text, 'a1  f.py · 2.0s · 99% 52 MB');
});

test.run();
