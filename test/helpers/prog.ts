// Runs the real prog binary as a user would, in a fresh state dir, and collects what it printed.
import { spawn, type SpawnOptions } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const progBin = join(projectRoot, 'bin', 'prog.cjs');
/** Source fixtures (shell scripts, small programs) live beside the tests, not in dist. */
export const fixtures = join(projectRoot, 'test', 'fixtures');

/** Temp dirs this test file made: removed when it exits (PROG_TEST_KEEP_TMP=1 keeps them to look at). */
const made: string[] = [];

export function tempDir(prefix = 'prog-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (made.length === 0 && process.env.PROG_TEST_KEEP_TMP !== '1') process.on('exit', removeTempDirs);
  made.push(dir);
  return dir;
}

function removeTempDirs(): void {
  for (const dir of made) {
    try {
      // A test may have taken write permission away (a read-only state dir).
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Left behind: the OS temp dir is cleaned some day; a test result is not worth a crash.
    }
  }
}

export interface ProgResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  home: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  home?: string;
  cwd?: string;
  /** Extra descriptors for the prog process (e.g. to test the child's inheritance). */
  stdio?: SpawnOptions['stdio'];
}

/** Environment for prog in tests: no CI/colour influence unless a test asks for it. */
export function testEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CI;
  // Inside a GitHub Actions job, every prog run would append to the job's real summary page.
  delete env.GITHUB_ACTIONS;
  delete env.GITHUB_STEP_SUMMARY;
  delete env.GITHUB_WORKSPACE;
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  // A developer's own settings (PROG_FORMAT, PROG_KEEP_RUNS…, ~/.config/prog), or an outer prog's
  // (PROG_RUN_ID, PROG_PROGRESS_FD when the tests run under prog), must not change what tests see.
  // A shell with OTEL_EXPORTER_OTLP_ENDPOINT set would make every run export a trace.
  for (const key of Object.keys(env)) if (key.startsWith('PROG_') || key.startsWith('OTEL_')) delete env[key];
  env.PROG_HOME = home;
  env.PROG_CONFIG_DIR = join(home, 'config');
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `prog <args>` to completion. */
export function runProg(args: string[], options: RunOptions = {}): Promise<ProgResult> {
  const home = options.home ?? tempDir();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [progBin, ...args], {
      cwd: options.cwd ?? projectRoot,
      env: testEnv(home, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    // prog may exit before reading its input; that is the test's finding, not a crash of the test.
    child.stdin!.on('error', () => undefined);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err), home });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/** Parses NDJSON text into objects (throws on a bad line: JSON output must be clean). */
export function ndjson(text: string | Buffer): Record<string, unknown>[] {
  return String(text)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
