// Which view a run gets. `auto` chooses from the terminal and the environment, never from guesses
// about the command.

export const FORMATS = ['auto', 'plain', 'json', 'none'] as const;
export type RequestedFormat = (typeof FORMATS)[number];
export type ViewFormat = 'rich' | 'plain' | 'json' | 'none';

export interface FormatContext {
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export function resolveFormat(requested: RequestedFormat, context: FormatContext): ViewFormat {
  if (requested !== 'auto') return requested;
  const { env } = context;
  // NO_COLOR counts when set at all (no-color.org); CI=false and CI=0 are how people turn CI off.
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  const plain = !context.stdoutIsTTY || env.NO_COLOR !== undefined || env.TERM === 'dumb' || ci;
  return plain ? 'plain' : 'rich';
}
