import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where runs and history live: $PROG_HOME, else $XDG_STATE_HOME/prog, else ~/.local/state/prog. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PROG_HOME) return env.PROG_HOME;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'prog');
  return join(homedir(), '.local', 'state', 'prog');
}
