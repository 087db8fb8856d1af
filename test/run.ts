// Runs every test file in its own process, as many at a time as the machine has cores
// (PROG_TEST_JOBS to choose), and ends
// with one line: `N passed, N failed`. A file that crashes before uvu reports counts as a failure;
// a skipped test is reported, never hidden.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);

function findTests(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'helpers' && name !== 'fixtures') files.push(...findTests(path));
    } else if (name.endsWith('.js') && path !== join(root, 'run.js')) {
      files.push(path);
    }
  }
  return files;
}

interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  output: string;
  ms: number;
}

function runFile(file: string): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('close', (code) => {
      const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? NaN);
      const passed = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? NaN);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
      const ms = Date.now() - started;
      if (Number.isNaN(total) || Number.isNaN(passed)) {
        resolve({ file, passed: 0, failed: 1, skipped: 0, output: `${output}\n(exited ${code} without a uvu summary)`, ms });
      } else {
        const failed = total - passed - skipped + (code !== 0 && total === passed + skipped ? 1 : 0);
        resolve({ file, passed, failed, skipped, output, ms });
      }
    });
  });
}

const files = findTests(root).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const results: FileResult[] = [];
let next = 0;
async function worker(): Promise<void> {
  while (next < files.length) {
    const file = files[next++]!;
    const result = await runFile(file);
    results.push(result);
    const name = relative(root, file);
    const mark = result.failed > 0 ? 'FAIL' : 'ok  ';
    process.stdout.write(`${mark} ${name}  ${result.passed} passed${result.failed ? `, ${result.failed} failed` : ''}${result.skipped ? `, ${result.skipped} SKIPPED` : ''}  (${(result.ms / 1000).toFixed(1)}s)\n`);
    if (result.failed > 0) process.stdout.write(result.output.replace(/^/gm, '    ') + '\n');
  }
}
const jobs = Number(process.env.PROG_TEST_JOBS) > 0 ? Math.floor(Number(process.env.PROG_TEST_JOBS)) : availableParallelism();
await Promise.all(Array.from({ length: jobs }, worker));

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const skipped = results.reduce((n, r) => n + r.skipped, 0);
if (skipped > 0) process.stdout.write(`${skipped} skipped: a skipped test is a defect\n`);
process.stdout.write(`${passed} passed, ${failed + skipped} failed\n`);
process.exit(failed + skipped > 0 || files.length === 0 ? 1 : 0);
