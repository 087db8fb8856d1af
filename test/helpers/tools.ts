// Live tests run real tools (pytest, cargo…). On a machine without one, its tests are skipped by
// name, with the tool and the Debian package that brings it: each skip is one `TOOL-SKIP {json}`
// line, which the runner (test/run.ts) lists in its summary. CI sets PROG_TEST_REQUIRE_TOOLS=1
// (.ci/run installs every tool): a missing tool is then the test's failure, never a skip.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

export interface Tool {
  /** What the test runs (`cargo`, `python3 -m pytest`). */
  name: string;
  /** The Debian package that provides it. */
  debian: string;
  found: boolean;
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
  const needs = missing.map((t) => `${t.name} (Debian package ${t.debian})`).join(', ');
  if (process.env.PROG_TEST_REQUIRE_TOOLS === '1') {
    test(name, () => assert.unreachable(`needs ${needs}, which this machine lacks; PROG_TEST_REQUIRE_TOOLS=1 makes that a failure`));
    return;
  }
  for (const t of missing) process.stdout.write(`${SKIP_MARK}${JSON.stringify({ test: name, tool: t.name, debian: t.debian })}\n`);
  test.skip(name, fn as () => Promise<void>);
}

function works(file: string, args: string[]): boolean {
  return spawnSync(file, args, { stdio: 'ignore' }).status === 0;
}

/** The tools the live tests use, probed once per test file that asks. */
export const tools = {
  pytest: (): Tool => ({ name: '/usr/bin/python3 -m pytest', debian: 'python3-pytest', found: works('/usr/bin/python3', ['-c', 'import pytest']) }),
  perl: (): Tool => ({ name: 'perl', debian: 'perl', found: works('perl', ['-e', '1']) }),
  /** cargo on PATH or in ~/.cargo/bin (rustup's place). */
  cargo: (path: string | undefined): Tool => ({ name: 'cargo', debian: 'cargo', found: path !== undefined && works(path, ['--version']) }),
};
