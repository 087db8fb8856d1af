// Which view a run gets. `auto` chooses from the terminal and the environment, never from guesses
// about the command.

import { ProgError } from '../errors.js';

export const FORMATS = ['auto', 'rich', 'tui', 'plain', 'json', 'none'] as const;
export type RequestedFormat = (typeof FORMATS)[number];
export type ViewFormat = 'rich' | 'tui' | 'plain' | 'json' | 'none';

export interface FormatContext {
  stdoutIsTTY: boolean;
  /** Whether stderr is a terminal: the live view can draw there when stdout is piped (as pv does). */
  stderrIsTTY?: boolean;
  /** Whether stdin is a terminal: the TUI reads its keys there. */
  stdinIsTTY?: boolean;
  env: NodeJS.ProcessEnv;
}

export function resolveFormat(requested: RequestedFormat, context: FormatContext): ViewFormat {
  const terminal = context.stdoutIsTTY || context.stderrIsTTY === true;
  if (requested === 'rich' && !terminal) {
    // A live frame is cursor movement: in a pipe or a file it is noise, never a view.
    throw new ProgError('USAGE', '--format rich needs a terminal on stdout or stderr; use --format plain or json when piping');
  }
  // Never a broken screen in CI or a pipe: the TUI falls back to plain (tuiUnavailable says why).
  if (requested === 'tui') return tuiUnavailable(context) === undefined ? 'tui' : 'plain';
  if (requested !== 'auto') return requested;
  const { env } = context;
  // NO_COLOR asks for no colour, not for no live view (no-color.org): color.ts drops the colour and
  // the rich view stays.
  const plain = !terminal || env.TERM === 'dumb' || inCi(env);
  return plain ? 'plain' : 'rich';
}

/** CI=false and CI=0 are how people turn CI off. */
function inCi(env: NodeJS.ProcessEnv): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
}

/** Why the full-screen TUI cannot run here (it needs the keyboard and the whole screen), or undefined. */
export function tuiUnavailable(context: FormatContext): string | undefined {
  if (inCi(context.env)) return 'CI is set';
  if (!context.stdoutIsTTY) return 'stdout is not a terminal';
  if (context.stdinIsTTY !== true) return 'stdin is not a terminal';
  if (context.env.TERM === 'dumb') return 'TERM is dumb';
  return undefined;
}

/** The one line prog says when --format tui falls back to plain. */
export function tuiFallbackNote(context: FormatContext): string | undefined {
  const why = tuiUnavailable(context);
  return why === undefined ? undefined : `prog: --format tui needs a terminal on stdin and stdout, and no CI (${why}): showing plain\n`;
}

/**
 * Where the rich view draws: stdout when it is a terminal, else stderr (`prog run -- make | tee
 * log`): the command's stdout then goes to the pipe untouched, and the view to the terminal.
 */
export function richTerminal(context: FormatContext): 'stdout' | 'stderr' {
  return context.stdoutIsTTY ? 'stdout' : 'stderr';
}
