// The `?` overlay: every key and what it does (the key line, panes/footer.ts, has them in brief).
import { fit, type Span } from './cells.js';
import type { Theme } from './theme.js';

const KEYS: [string, string][] = [
  ['↑ ↓  j k', 'move in the phases or agents; scroll the log when it has the focus'],
  ['Tab  Shift-Tab', 'next or previous pane'],
  ['Enter', 'select the phase or agent: the log shows its own lines (again: all lines)'],
  ['Esc', 'clear the selection (then the text filter)'],
  ['l', 'level: all lines → info → warn → error (log lines and failures at or above)'],
  ['/', 'text filter: a regular expression, applied as typed (capitals: case-sensitive)'],
  ['s', 'source: all → each agent → stdout → stderr'],
  ['PgUp PgDn Home End', 'scroll the log (following stops while scrolled)'],
  ['F', 'follow the newest lines again'],
  ['c', 'copy mode: the pane in focus printed plainly, for your terminal to select and scroll'],
  ['q', 'leave the TUI; the run goes on (prog attach --format tui ID comes back)'],
  ['Ctrl-C', 'stop the run (asks first)'],
  ['?', 'this help; any key closes it'],
];

export function helpRows(width: number, height: number, theme: Theme): string[] {
  const keyWidth = Math.max(...KEYS.map(([k]) => k.length)) + 2;
  const lines: Span[][] = [[{ text: ' Keys', style: theme.bold }], []];
  for (const [key, what] of KEYS) lines.push([{ text: ` ${key.padEnd(keyWidth)}`, style: theme.accent }, { text: what }]);
  lines.push([], [{ text: ' any key closes this help', style: theme.dim }]);
  const rows = lines.slice(0, height).map((spans) => fit(spans, width));
  while (rows.length < height) rows.push(' '.repeat(width));
  return rows;
}
