// Tests whose command waits for a go-ahead file (fixtures/script.js `until`) while they read the
// live view: at the end the command is let go and the run waited for. Killing the terminal alone
// would not do: prog goes on after a hangup, and tempDir() removes the file when the test exits,
// which would leave the command waiting for good.
import { writeFileSync } from 'node:fs';
import type { Tmux } from './tmux.js';

/** Lets the command finish, waits for the run to end in the terminal, then ends the terminal. */
export async function letGo(t: Tmux, go: string, ms = 20_000): Promise<void> {
  writeFileSync(go, '');
  try {
    await t.waitFor((s) => s.some((l) => /^\[exit \d+\]$/.test(l)), ms, 'the run to end');
  } finally {
    t.kill();
  }
}
