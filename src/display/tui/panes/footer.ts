// The bottom row: the keys in brief with the filters' states, or the prompt or question that is up.
import { fit, type Span } from '../cells.js';
import type { Theme } from '../theme.js';
import { sourceText, type UiState } from '../ui-state.js';

/** The bottom row: the prompt or question when one is up, else the keys and the filters' states. */
export function footerRow(state: UiState, width: number, theme: Theme): string {
  if (state.confirm) return fit([{ text: ' Stop the run? y/n ', style: theme.warn }, { text: '(n keeps it running; q leaves it running without the TUI)', style: theme.dim }], width);
  if (state.prompt) {
    const spans: Span[] = [{ text: ' /', style: theme.accent }, { text: state.prompt.text }, { text: '▏', style: theme.accent }];
    if (state.prompt.error !== undefined) spans.push({ text: `  ✖ ${state.prompt.error}`, style: theme.error });
    else spans.push({ text: '  Enter keeps it · Esc cancels', style: theme.dim });
    return fit(spans, width);
  }
  const keys = [
    ['q', 'quit'], ['?', 'help'], ['Tab', 'pane'], ['↑↓', 'move'], ['⏎', 'select'],
    ['l', `level ${state.level}`], ['/', state.text ? `/${state.text.source}/` : 'filter'], ['s', `source ${sourceText(state.source)}`],
    ['PgUp/Dn', 'scroll'], ['F', 'follow'], ['c', 'copy'], ['^C', state.stopping ? 'stopping…' : 'stop'],
  ];
  const spans: Span[] = [];
  for (const [key, what] of keys) spans.push({ text: ` ${key}`, style: theme.accent }, { text: ` ${what} ` });
  return fit(spans, width);
}
