// Fields that came from the command (a phase name, an item id, an error) as prog prints them in its
// own lines: escapes neutralised, and cut to a length a line can hold, with what was cut counted,
// so that a 900 KB name costs one line, not a screenful. The run's record keeps them whole.
import { escapeForTerminal } from '../lines/ansi.js';

/** Names: workflow, phase, step, item, agent, source. */
export const NAME_MAX = 200;
/** Messages: a log marker's text, an error's first line. */
export const TEXT_MAX = 1000;

export function clip(text: string, max: number = NAME_MAX): string {
  if (text.length <= max) return escapeForTerminal(text);
  // Not between the halves of a surrogate pair.
  const end = /[\ud800-\udbff]/.test(text[max - 1]!) ? max - 1 : max;
  return `${escapeForTerminal(text.slice(0, end))}… (${text.length - end} more characters)`;
}
