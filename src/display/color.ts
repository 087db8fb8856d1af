// Whether prog's own lines on stderr get colour. NO_COLOR, when set at all (even empty), turns it
// off; otherwise FORCE_COLOR and the terminal decide, through supports-color (which reads
// process.env). prog's argv is not consulted: in `prog run grep --color=always x` the flag is the
// command's, not prog's.
import { createSupportsColor, type ColorSupportLevel } from 'supports-color';

export function colorLevel(stream: { isTTY?: boolean }): ColorSupportLevel {
  if (process.env.NO_COLOR !== undefined) return 0;
  const support = createSupportsColor(stream as NodeJS.WriteStream, { sniffFlags: false });
  return support ? support.level : 0;
}
