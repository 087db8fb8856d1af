// What each key does to the UI state (keys.ts names them). A prompt, a confirmation or an overlay
// takes the keys while it is up; otherwise they act on the pane in focus. What needs the outside
// world (leave, stop, copy) is returned for the view to do.
import type { Key } from './keys.js';
import { LEVELS, type Entry, type SourceFilter } from './log-buffer.js';
import { compileFilter, PANES, type ListPosition, type UiState } from './ui-state.js';

export type Action = 'leave' | 'stop' | 'copy' | 'return';

export interface ControlContext {
  /** The rows of the phases and agents panes, by id, in the order shown. */
  ids(pane: 'phases' | 'agents'): string[];
  /** The log lines the current filter lets through. */
  log(): Entry[];
  /** Rows of lines the log pane shows. */
  logRows(): number;
  /** The sources `s` cycles through: all, each agent, stdout, stderr. */
  sources(): SourceFilter[];
}

export function handleKey(state: UiState, key: Key, ctx: ControlContext): Action | undefined {
  if (state.copy) {
    state.copy = false;
    return 'return';
  }
  if (state.help) {
    state.help = false;
    return undefined;
  }
  if (state.confirm) {
    state.confirm = false;
    // A second Ctrl-C is as good as yes.
    if ((key.name === 'char' && key.char?.toLowerCase() === 'y') || key.name === 'ctrl-c') {
      state.stopping = true;
      return 'stop';
    }
    return undefined;
  }
  if (state.prompt) {
    promptKey(state, key);
    return undefined;
  }
  return paneKey(state, key, ctx);
}

function paneKey(state: UiState, key: Key, ctx: ControlContext): Action | undefined {
  const char = key.name === 'char' && !key.alt ? key.char : undefined;
  if (key.name === 'ctrl-c') {
    state.confirm = true;
    return undefined;
  }
  if (char === 'q') return 'leave';
  if (char === 'c') {
    state.copy = true;
    return 'copy';
  }
  if (char === '?') state.help = true;
  else if (key.name === 'tab' || key.name === 'backtab') {
    const at = PANES.indexOf(state.focus);
    state.focus = PANES[(at + (key.name === 'tab' ? 1 : PANES.length - 1)) % PANES.length]!;
  } else if (char === 'l') state.level = LEVELS[(LEVELS.indexOf(state.level) + 1) % LEVELS.length]!;
  else if (char === 's') state.source = nextSource(state.source, ctx.sources());
  else if (char === '/') state.prompt = { text: state.text?.source ?? '', ...(state.text === undefined ? {} : { before: state.text }) };
  else if (char === 'F') state.follow = true;
  else if (key.name === 'escape') {
    if (state.selection !== undefined) delete state.selection;
    else delete state.text;
  } else if (key.name === 'pageup' || key.name === 'pagedown' || key.name === 'home' || key.name === 'end') {
    scrollLog(state, key.name, ctx);
  } else if (state.focus === 'log') {
    if (key.name === 'up' || char === 'k') scrollLog(state, 'up', ctx);
    else if (key.name === 'down' || char === 'j') scrollLog(state, 'down', ctx);
  } else {
    listKey(state, state.focus, key.name === 'char' ? char ?? '' : key.name, ctx);
  }
  return undefined;
}

function listKey(state: UiState, pane: 'phases' | 'agents', key: string, ctx: ControlContext): void {
  const ids = ctx.ids(pane);
  const position: ListPosition = state[pane];
  const at = Math.max(0, position.id === undefined ? 0 : ids.indexOf(position.id));
  if (key === 'up' || key === 'k') position.id = ids[Math.max(0, at - 1)] ?? position.id;
  else if (key === 'down' || key === 'j') position.id = ids[Math.min(ids.length - 1, at + 1)] ?? position.id;
  else if (key === 'enter') {
    const id = ids[at];
    if (id === undefined) return;
    const kind = pane === 'phases' ? 'phase' : 'agent';
    // Enter on the selected row again clears the selection.
    if (state.selection?.kind === kind && state.selection.id === id) delete state.selection;
    else state.selection = { kind, id };
    position.id = id;
  }
}

function promptKey(state: UiState, key: Key): void {
  const prompt = state.prompt!;
  if (key.name === 'escape' || key.name === 'ctrl-c') {
    if (prompt.before) state.text = prompt.before;
    else delete state.text;
    delete state.prompt;
    return;
  }
  if (key.name === 'enter') {
    // An invalid expression stays in the prompt with its error, to be corrected.
    if (prompt.error === undefined) delete state.prompt;
    return;
  }
  if (key.name === 'backspace') prompt.text = [...prompt.text].slice(0, -1).join('');
  else if (key.name === 'ctrl-u') prompt.text = '';
  else if (key.name === 'ctrl-w') prompt.text = prompt.text.replace(/\S*\s*$/, '');
  else if (key.name === 'char' && !key.alt) prompt.text += key.char;
  else return;
  // The log follows the expression as it is typed, whenever it is valid.
  if (prompt.text === '') {
    delete prompt.error;
    delete state.text;
    return;
  }
  const regex = compileFilter(prompt.text);
  if (typeof regex === 'string') {
    prompt.error = regex;
  } else {
    delete prompt.error;
    state.text = { source: prompt.text, regex };
  }
}

type Scroll = 'up' | 'down' | 'pageup' | 'pagedown' | 'home' | 'end';

/** Scrolls the log by its lines: following stops while scrolled, and resumes at the bottom. */
function scrollLog(state: UiState, how: Scroll, ctx: ControlContext): void {
  if (how === 'end') {
    state.follow = true;
    return;
  }
  const lines = ctx.log();
  const rows = Math.max(1, ctx.logRows());
  const bottom = Math.max(0, lines.length - rows);
  const top = state.follow ? bottom : topIndex(lines, state.anchor);
  const page = Math.max(1, rows - 1);
  const next = how === 'home' ? 0 : how === 'up' ? top - 1 : how === 'down' ? top + 1 : how === 'pageup' ? top - page : top + page;
  if (next >= bottom && how !== 'home' && how !== 'up' && how !== 'pageup') {
    state.follow = true;
    return;
  }
  const at = Math.max(0, Math.min(bottom, next));
  state.follow = false;
  state.anchor = lines[at]?.seq ?? 0;
}

/** Where the pane's top line is: the first line at or after the anchor (it may have been dropped). */
export function topIndex(lines: readonly Entry[], anchor: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lines[mid]!.seq < anchor) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function nextSource(current: SourceFilter, sources: SourceFilter[]): SourceFilter {
  const same = (s: SourceFilter) => s.kind === current.kind && (s.kind !== 'agent' || current.kind !== 'agent' || s.id === current.id)
    && (s.kind !== 'stream' || current.kind !== 'stream' || s.stream === current.stream);
  const at = sources.findIndex(same);
  return sources[(at + 1) % sources.length] ?? { kind: 'all' };
}
