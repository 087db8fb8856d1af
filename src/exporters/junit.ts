// --junit FILE: the run's tests as JUnit XML (junit-xml.ts), written when the run ends. The file is
// written whole or not at all (a temporary file renamed over it), so a CI job never uploads half a
// report; a run without tests still writes a valid, empty <testsuites>.
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Exporter } from './exporter.js';
import { junitXml } from './junit-xml.js';
import type { RunLedger } from './run-ledger.js';

/** Of the recorded stdout, the end read for failure sections (pytest and cargo test print them last). */
const RECORDED_TAIL_BYTES = 8 * 1024 * 1024;

export function junitExporter(file: string): Exporter {
  return {
    name: 'junit',
    async finish(run) {
      if (run.recordDir !== undefined && run.ledger.items.some((item) => item.outcome === 'failed' && item.tail === undefined)) {
        await readFailureSections(run.ledger, join(run.recordDir, 'stdout.log'));
      }
      const { xml } = junitXml(run.ledger, run.info);
      await writeAtomically(file, xml);
    },
  };
}

/**
 * The views other than JSON take no output events, so the ledger reads the failure sections from
 * the recorded output instead; a log that cannot be read only leaves the failures without them.
 */
async function readFailureSections(ledger: RunLedger, log: string): Promise<void> {
  let handle;
  try {
    handle = await open(log, 'r');
    const { size } = await handle.stat();
    const start = Math.max(0, size - RECORDED_TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
    // Started mid-file: the first line is a piece of one.
    if (start > 0) lines.shift();
    // A `\r` redraw: the line as it was left.
    ledger.readRecordedOutput(lines.map((line) => line.slice(line.lastIndexOf('\r', line.length - 2) + 1).replace(/\r$/, '')));
  } catch {
    // No recorded output (the store failed: a full disk): the failures keep their messages only.
  } finally {
    await handle?.close();
  }
}

async function writeAtomically(file: string, content: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(temp, content);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new Error(`could not write ${file}: ${(error as Error).message}`);
  }
}
