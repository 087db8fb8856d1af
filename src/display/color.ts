// Whether prog's own output gets colour. FORCE_COLOR, when set, decides (as Node does: it beats
// NO_COLOR); else a non-empty NO_COLOR turns colour off (no-color.org: an empty one does not count);
// else the terminal decides, through supports-color (which reads process.env). NO_COLOR only ever
// drops colour: which view a run gets is format.ts's business. prog's argv is not consulted: in
// `prog run grep --color=always x` the flag is the command's, not prog's.
import { createSupportsColor, type ColorSupportLevel } from 'supports-color';

/** Streams whose colour another decides for a while (the live view built to draw on stderr). */
const standIns = new Map<object, { isTTY?: boolean }>();

export function colorLevel(stream: { isTTY?: boolean }): ColorSupportLevel {
  const env = process.env;
  if (env.FORCE_COLOR === undefined && env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const target = standIns.get(stream) ?? stream;
  const support = createSupportsColor(target as NodeJS.WriteStream, { sniffFlags: false });
  return support ? support.level : 0;
}

/** Runs `build` with the colour of `stream` decided by `by`'s terminal instead. */
export function colorAs<T>(stream: object, by: { isTTY?: boolean }, build: () => T): T {
  standIns.set(stream, by);
  try {
    return build();
  } finally {
    standIns.delete(stream);
  }
}
