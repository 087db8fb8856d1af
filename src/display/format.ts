// Which view a run gets. `auto` chooses from the terminal and the environment, never from guesses
// about the command.

import { ProgError } from '../errors.js';

export const FORMATS = ['auto', 'rich', 'plain', 'json', 'none'] as const;
export type RequestedFormat = (typeof FORMATS)[number];
export type ViewFormat = 'rich' | 'plain' | 'json' | 'none';

export interface FormatContext {
  stdoutIsTTY: boolean;
  /** Whether stderr is a terminal: the live view can draw there when stdout is piped (as pv does). */
  stderrIsTTY?: boolean;
  env: NodeJS.ProcessEnv;
}

export function resolveFormat(requested: RequestedFormat, context: FormatContext): ViewFormat {
  const terminal = context.stdoutIsTTY || context.stderrIsTTY === true;
  if (requested === 'rich' && !terminal) {
    // A live frame is cursor movement: in a pipe or a file it is noise, never a view.
    throw new ProgError('USAGE', '--format rich needs a terminal on stdout or stderr; use --format plain or json when piping');
  }
  if (requested !== 'auto') return requested;
  const { env } = context;
  // CI=false and CI=0 are how people turn CI off. NO_COLOR asks for no colour, not for no live view
  // (no-color.org): color.ts drops the colour and the rich view stays.
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  const plain = !terminal || env.TERM === 'dumb' || ci;
  return plain ? 'plain' : 'rich';
}

/**
 * Where the rich view draws: stdout when it is a terminal, else stderr (`prog run -- make | tee
 * log`): the command's stdout then goes to the pipe untouched, and the view to the terminal.
 */
export function richTerminal(context: FormatContext): 'stdout' | 'stderr' {
  return context.stdoutIsTTY ? 'stdout' : 'stderr';
}
