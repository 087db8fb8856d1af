// Live tests run real tools (pytest, cargo, make, tmux…). On a machine without one, its tests are
// skipped by name, with the tool and the Debian package that brings it: each skip is one
// `TOOL-SKIP {json}` line, which the runner (test/run.ts) lists in its summary. CI sets
// PROG_TEST_REQUIRE_TOOLS=1 (.ci/run installs every tool): a missing tool is then the test's
// failure, never a skip.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

export interface Tool {
  /** What the test runs (`cargo`, `python3 -m pytest`). */
  name: string;
  /** The Debian package that provides it. */
  debian: string;
  found: boolean;
  /** Why it cannot be used although installed (installing the package would not help). */
  problem?: string;
}

/** The line a skipped live test prints, for the runner. */
export const SKIP_MARK = 'TOOL-SKIP ';

/** A test that needs `tools`: registered as is when they are all here, else skipped by name (or failed in CI). */
export function liveTest(tools: Tool[], name: string, fn: () => unknown): void {
  const missing = tools.filter((t) => !t.found);
  if (missing.length === 0) {
    test(name, fn as () => Promise<void>);
    return;
  }
  if (process.env.PROG_TEST_REQUIRE_TOOLS === '1') {
    const needs = missing.map((t) => t.problem ?? `${t.name} (Debian package ${t.debian}), which this machine lacks`).join('; ');
    test(name, () => assert.unreachable(`needs ${needs}; PROG_TEST_REQUIRE_TOOLS=1 makes that a failure`));
    return;
  }
  for (const t of missing) {
    process.stdout.write(`${SKIP_MARK}${JSON.stringify({ test: name, tool: t.name, debian: t.debian, ...(t.problem === undefined ? {} : { problem: t.problem }) })}\n`);
  }
  test.skip(name, fn as () => Promise<void>);
}

/** Whether every tool is here (for set-up a test file does once, before its live tests). */
export function haveAll(tools: Tool[]): boolean {
  return tools.every((t) => t.found);
}

function works(file: string, args: string[]): boolean {
  return spawnSync(file, args, { stdio: 'ignore' }).status === 0;
}

/** The executable `command` names on PATH, as `command -v` finds it (no process started). */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const file = join(dir === '' ? '.' : dir, command);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

// Each tool is probed once per test file (each runs in its own process), and only if it asks.
const probed = new Map<string, Tool>();
function once(key: string, probe: () => Tool): Tool {
  let tool = probed.get(key);
  if (tool === undefined) probed.set(key, (tool = probe()));
  return tool;
}

const installed = (command: string, debian: string) => once(command, () => ({ name: command, debian, found: onPath(command) !== undefined }));

/**
 * `unshare -rm` with a tmpfs mount inside: util-linux's unshare, and a kernel (and container) that
 * allows unprivileged user namespaces. The second is often off (Docker's default seccomp profile,
 * kernel.unprivileged_userns_clone=0, AppArmor's restrict_unprivileged_userns).
 */
function userNamespaces(): Tool {
  const tool = { name: 'unshare', debian: 'util-linux' };
  if (onPath('unshare') === undefined) return { ...tool, found: false };
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"'], { encoding: 'utf8' });
  if (r.status === 0) return { ...tool, found: true };
  const said = String(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0];
  return { ...tool, found: false, problem: `unprivileged user namespaces, which this machine does not allow (unshare is installed, but \`unshare -rm\` with a tmpfs mount said: ${said})` };
}

/** The tools the live tests use. */
export const tools = {
  pytest: (): Tool => once('pytest', () => ({ name: '/usr/bin/python3 -m pytest', debian: 'python3-pytest', found: works('/usr/bin/python3', ['-c', 'import pytest']) })),
  perl: (): Tool => once('perl', () => ({ name: 'perl', debian: 'perl', found: works('perl', ['-e', '1']) })),
  /** cargo on PATH or in ~/.cargo/bin (rustup's place). */
  cargo: (path: string | undefined): Tool => once(`cargo ${path}`, () => ({ name: 'cargo', debian: 'cargo', found: path !== undefined && works(path, ['--version']) })),
  python3: (): Tool => installed('python3', 'python3'),
  /** A real terminal the tests read back (test/helpers/tmux.ts). */
  tmux: (): Tool => installed('tmux', 'tmux'),
  /** util-linux `script`: a command on a pty (test/helpers/pty.ts). */
  script: (): Tool => installed('script', 'bsdutils'),
  /** Private mount namespaces without root (progInNamespace in test/helpers/runs.ts). */
  unshare: (): Tool => once('unshare -rm', userNamespaces),
  setpriv: (): Tool => installed('setpriv', 'util-linux'),
  ninja: (): Tool => installed('ninja', 'ninja-build'),
  cmake: (): Tool => installed('cmake', 'cmake'),
  ctest: (): Tool => installed('ctest', 'cmake'),
  make: (): Tool => installed('make', 'make'),
  /** The C compiler CMake and the Makefiles call. */
  cc: (): Tool => installed('cc', 'gcc'),
  pv: (): Tool => installed('pv', 'pv'),
  rsync: (): Tool => installed('rsync', 'rsync'),
  git: (): Tool => installed('git', 'git'),
  /** Validates JUnit XML against its XSD (test/exporters/junit.ts). */
  xmllint: (): Tool => installed('xmllint', 'libxml2-utils'),
};
