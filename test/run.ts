// Runs every test file in its own process, as many at a time as the machine has cores
// (PROG_TEST_JOBS to choose), and ends
// with one line: `N passed, N failed`. A file that crashes before uvu reports counts as a failure;
// a skipped test is reported, never hidden. PROG_TEST_TIMEOUT_SCALE (default 1) multiplies every
// deadline the tests wait with (test/helpers/time.ts): 3 for a slow or busy machine.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timeoutScale } from './helpers/time.js';

const root = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);

// Checked here once, rather than by every test file; the files read it from the environment.
try {
  process.env.PROG_TEST_TIMEOUT_SCALE = String(timeoutScale(process.env.PROG_TEST_TIMEOUT_SCALE));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}

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
  /** Skipped for another reason than a missing tool: a defect. */
  skipped: number;
  /** Live tests skipped for a tool this machine lacks (test/helpers/tools.ts). */
  toolSkips: { test: string; tool: string; debian: string; problem?: string }[];
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
      const skippedAll = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
      const toolSkips = [...output.matchAll(/^TOOL-SKIP (\{.*\})$/gm)].map((m) => JSON.parse(m[1]!) as FileResult['toolSkips'][number]);
      const skipped = Math.max(0, skippedAll - new Set(toolSkips.map((t) => t.test)).size);
      const ms = Date.now() - started;
      if (Number.isNaN(total) || Number.isNaN(passed)) {
        resolve({ file, passed: 0, failed: 1, skipped: 0, toolSkips, output: `${output}\n(exited ${code} without a uvu summary)`, ms });
      } else {
        // uvu's Total leaves skipped tests out.
        const failed = total - passed + (code !== 0 && total === passed ? 1 : 0);
        resolve({ file, passed, failed, skipped, toolSkips, output, ms });
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
    const tools = new Set(result.toolSkips.map((t) => t.test)).size;
    process.stdout.write(`${mark} ${name}  ${result.passed} passed${result.failed ? `, ${result.failed} failed` : ''}${result.skipped ? `, ${result.skipped} SKIPPED` : ''}${tools ? `, ${tools} skipped (missing tools)` : ''}  (${(result.ms / 1000).toFixed(1)}s)\n`);
    if (result.failed > 0) process.stdout.write(result.output.replace(/^/gm, '    ') + '\n');
  }
}
const jobs = Number(process.env.PROG_TEST_JOBS) > 0 ? Math.floor(Number(process.env.PROG_TEST_JOBS)) : availableParallelism();
await Promise.all(Array.from({ length: jobs }, worker));

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const skipped = results.reduce((n, r) => n + r.skipped, 0);
if (skipped > 0) process.stdout.write(`${skipped} skipped: a skipped test is a defect\n`);
// Live tests a missing tool kept from running: named, with what to install (CI fails them instead).
const toolSkips = results.flatMap((r) => r.toolSkips.map((t) => ({ ...t, file: relative(root, r.file) })));
// One line a test: the tools it lacks and the packages that bring them, then what a package would not fix.
const byTest = new Map<string, typeof toolSkips>();
for (const t of toolSkips) byTest.set(`${t.file}\0${t.test}`, [...(byTest.get(`${t.file}\0${t.test}`) ?? []), t]);
for (const skips of byTest.values()) {
  const missing = skips.filter((t) => t.problem === undefined);
  const needs = [
    ...(missing.length ? [`${missing.map((t) => t.tool).join(', ')} (apt-get install ${[...new Set(missing.map((t) => t.debian))].join(' ')})`] : []),
    ...skips.flatMap((t) => (t.problem === undefined ? [] : [t.problem])),
  ];
  process.stdout.write(`skipped: ${skips[0]!.file} "${skips[0]!.test}": needs ${needs.join('; ')}\n`);
}
const skippedTests = byTest.size;
// What would make them run: packages to install, and what installing would not fix.
const remedies = [...new Set(toolSkips.map((t) => (t.problem === undefined ? t.debian : `${t.tool} installed but not usable here`)))];
process.stdout.write(`${passed} passed, ${failed + skipped} failed${skippedTests ? `, ${skippedTests} skipped for missing tools (${remedies.join(', ')})` : ''}\n`);
process.exit(failed + skipped > 0 || files.length === 0 ? 1 : 0);
