// The systeminformation fallback (macOS, Windows, BSD), run here on Linux: it finds the same tree,
// and the machine figures agree with /proc's.
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProcfsMachine, SiMachine } from '../../src/resources/machine.js';
import { ProcessIndex, TreeMeter } from '../../src/resources/process-tree.js';
import { SiProcesses } from '../../src/resources/si-processes.js';
import { killGroup, waitUntil } from '../helpers/procfs.js';
import { pause } from '../helpers/time.js';

const MiB = 2 ** 20;
let proc: ChildProcess | undefined;

test.after.each(() => {
  if (proc) killGroup(proc.pid!);
  proc = undefined;
});

test('si.processes(): a child and its grandchild, with the memory the grandchild holds', async () => {
  const grandchild = "const b = Buffer.alloc(64 * 2 ** 20, 1); console.log('READY'); setInterval(() => b[0]++, 1000);";
  proc = spawn(process.execPath, ['-e', `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  await waitUntil(() => out.includes('READY'), 10_000, 'READY');
  const source = await SiProcesses.load();
  const meter = new TreeMeter(proc.pid!, true);
  meter.measure(new ProcessIndex(await source.scan()), source, 0);
  await pause(600); // si answers from a cache for 500 ms
  const reading = meter.measure(new ProcessIndex(await source.scan()), source, 0.6);
  assert.is(reading.processes, 2);
  assert.ok(reading.rssBytes >= 64 * MiB, `${(reading.rssBytes / MiB).toFixed(1)} MiB`);
  assert.is(reading.readBytesPerSec, undefined, 'no I/O figures from ps');
});

test('si.mem() and /proc/meminfo agree on total memory; both see memory in use', async () => {
  const [si, procfs] = await Promise.all([SiMachine.load().then((m) => m.read()), new ProcfsMachine().read()]);
  assert.is(si.memTotalBytes, procfs.memTotalBytes);
  assert.ok(si.memUsedBytes > 0 && procfs.memUsedBytes > 0);
  assert.ok(Math.abs(si.memUsedBytes - procfs.memUsedBytes) < si.memTotalBytes * 0.1, `${si.memUsedBytes} vs ${procfs.memUsedBytes}`);
});

test.run();
