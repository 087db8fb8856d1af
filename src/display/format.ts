// Which view a run gets. `auto` chooses from the terminal and the environment, never from guesses
// about the command.

import { ProgError } from '../errors.js';

export const FORMATS = ['auto', 'rich', 'plain', 'json', 'none'] as const;
export type RequestedFormat = (typeof FORMATS)[number];
export type ViewFormat = 'rich' | 'plain' | 'json' | 'none';

export interface FormatContext {
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export function resolveFormat(requested: RequestedFormat, context: FormatContext): ViewFormat {
  if (requested === 'rich' && !context.stdoutIsTTY) {
    // A live frame is cursor movement: in a pipe or a file it is noise, never a view.
    throw new ProgError('USAGE', '--format rich needs a terminal on stdout; use --format plain or json when piping');
  }
  if (requested !== 'auto') return requested;
  const { env } = context;
  // NO_COLOR counts when set at all (no-color.org); CI=false and CI=0 are how people turn CI off.
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  const plain = !context.stdoutIsTTY || env.NO_COLOR !== undefined || env.TERM === 'dumb' || ci;
  return plain ? 'plain' : 'rich';
}
