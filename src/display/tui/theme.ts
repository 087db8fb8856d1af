// The TUI's styles, in one place. Colour only ever helps: every state also has its icon, the row
// under the cursor its `›`, so the screen reads the same with NO_COLOR.
import type { ChalkInstance } from 'chalk';
import type { LogLevel } from '../../events.js';
import type { RowState } from '../rich/rows.js';
import type { Style } from './cells.js';

export interface Theme {
  bold: Style;
  dim: Style;
  /** A pane's title row: the focused pane's stands out. */
  title(focused: boolean): Style;
  /** The row under the cursor in the focused pane. */
  cursor: Style;
  /** The row whose lines the log shows. */
  selected: Style;
  state(state: RowState): Style;
  level(level: LogLevel | undefined): Style;
  error: Style;
  warn: Style;
  accent: Style;
}

export function theme(c: ChalkInstance): Theme {
  const plain: Style = (text) => text;
  return {
    bold: c.bold,
    dim: c.dim,
    title: (focused) => (focused ? c.bold.inverse : c.bold.dim),
    cursor: c.inverse,
    selected: c.bold.underline,
    state: (state) => {
      switch (state) {
        case 'ok': return c.green;
        case 'failed': return c.red;
        case 'retrying': case 'interrupted': case 'warn': return c.yellow;
        case 'running': return c.cyan;
        case 'idle': case 'waiting': case 'skipped': case 'more': return c.dim;
        default: return plain;
      }
    },
    level: (level) => (level === 'error' ? c.red : level === 'warn' ? c.yellow : level === 'debug' ? c.dim : level === undefined ? plain : c.cyan),
    error: c.red,
    warn: c.yellow,
    accent: c.cyan,
  };
}
