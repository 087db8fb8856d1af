// --junit FILE: the run's tests as JUnit XML (junit-xml.ts), written when the run ends. The file is
// written whole or not at all (a temporary file renamed over it), so a CI job never uploads half a
// report; a run without tests still writes a valid, empty <testsuites>.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Exporter } from './exporter.js';
import { junitXml } from './junit-xml.js';

export function junitExporter(file: string): Exporter {
  return {
    name: 'junit',
    async finish(run) {
      const { xml } = junitXml(run.ledger, run.info);
      await writeAtomically(file, xml);
    },
  };
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
