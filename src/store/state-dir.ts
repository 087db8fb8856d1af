import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Where runs and history live: $PROG_HOME, else $XDG_STATE_HOME/prog, else ~/.local/state/prog.
 * Empty variables count as unset; a relative XDG_STATE_HOME is ignored, as the XDG spec asks. The
 * result is absolute, so the path prog prints and records means the same from any directory.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PROG_HOME) return resolve(env.PROG_HOME);
  if (env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME)) return join(env.XDG_STATE_HOME, 'prog');
  return join(env.HOME || homedir(), '.local', 'state', 'prog');
}
