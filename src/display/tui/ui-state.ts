// What the user has chosen in the TUI: the pane in focus, the row under the cursor in each list,
// the selection that filters the log, the filters, the log's scroll position, and which prompt or
// overlay is up. Rows are remembered by id, not by position, so new phases or agents appearing
// above never move the cursor to another row.
import type { Filter, LevelFilter, SourceFilter } from './log-buffer.js';

export type PaneId = 'phases' | 'agents' | 'log';
export const PANES: PaneId[] = ['phases', 'agents', 'log'];

export interface ListPosition {
  /** The row under the cursor, by id. */
  id?: string;
  /** The first row shown, so the pane scrolls only when the cursor leaves it. */
  top: number;
}

export interface TextPrompt {
  text: string;
  /** Why the text is not a valid regular expression, while it is not. */
  error?: string;
  /** The filter before the prompt opened: Esc puts it back. */
  before?: TextFilter;
}

export interface TextFilter {
  source: string;
  regex: RegExp;
}

export interface UiState {
  focus: PaneId;
  phases: ListPosition;
  agents: ListPosition;
  selection?: Filter['selection'];
  level: LevelFilter;
  source: SourceFilter;
  text?: TextFilter;
  /** Following the newest lines; else `anchor` is the seq of the top line shown. */
  follow: boolean;
  anchor: number;
  prompt?: TextPrompt;
  /** Ctrl-C asked "Stop the run?". */
  confirm: boolean;
  /** The run was asked to stop from here. */
  stopping: boolean;
  help: boolean;
  /** The screen is left so the terminal's own selection works; any key comes back. */
  copy: boolean;
}

export function initialState(): UiState {
  return {
    focus: 'phases',
    phases: { top: 0 },
    agents: { top: 0 },
    level: 'all',
    source: { kind: 'all' },
    follow: true,
    anchor: 0,
    confirm: false,
    stopping: false,
    help: false,
    copy: false,
  };
}

export function logFilter(state: UiState): Filter {
  return {
    ...(state.selection === undefined ? {} : { selection: state.selection }),
    level: state.level,
    source: state.source,
    ...(state.text === undefined ? {} : { text: state.text.regex }),
  };
}

/** A typed filter as a regular expression: smart case (any capital makes it case-sensitive). */
export function compileFilter(source: string): RegExp | string {
  try {
    return new RegExp(source, /\p{Lu}/u.test(source) ? 'u' : 'iu');
  } catch (error) {
    return (error as Error).message.replace(/^Invalid regular expression: /, '');
  }
}

export function sourceText(source: SourceFilter): string {
  return source.kind === 'all' ? 'all' : source.kind === 'agent' ? source.id : source.stream;
}
