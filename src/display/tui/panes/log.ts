// The log pane: the output lines and log lines the filters let through, the newest at the bottom
// while following; its title says what is filtered and where the pane is.
import { ICONS } from '../../rich/rows.js';
import { fit, type Span } from '../cells.js';
import { titleRow } from './list.js';
import { topIndex } from '../controls.js';
import type { Entry } from '../log-buffer.js';
import type { Theme } from '../theme.js';
import { sourceText, type UiState } from '../ui-state.js';
import { thousands } from '../../duration.js';

/** The icon a line starts with: output has none, so the child's text keeps its own columns. */
export function entryText(entry: Entry): string {
  if (entry.kind === 'out') return entry.text;
  if (entry.kind === 'fail') return `${entry.level === 'warn' ? ICONS.retrying : ICONS.failed} ${entry.text}`;
  const icon = entry.level === 'error' ? ICONS.failed : entry.level === 'warn' ? ICONS.warn : '·';
  return `${icon} ${entry.text}`;
}


/** The first line shown, and whether the pane is at the newest lines. */
export function logWindow(lines: readonly Entry[], rows: number, state: UiState): { top: number; atEnd: boolean } {
  const bottom = Math.max(0, lines.length - rows);
  if (state.follow) return { top: bottom, atEnd: true };
  const top = Math.min(topIndex(lines, state.anchor), bottom);
  return { top, atEnd: top >= bottom };
}

export function logTitle(lines: readonly Entry[], rows: number, state: UiState): Span[] {
  const parts = ['Log'];
  if (state.selection) parts.push(`${state.selection.kind} ${state.selection.id}`);
  if (state.level !== 'all') parts.push(`level ≥ ${state.level}`);
  if (state.source.kind !== 'all') parts.push(`source ${sourceText(state.source)}`);
  if (state.text) parts.push(`/${state.text.source}/`);
  const { top } = logWindow(lines, rows, state);
  const count = thousands(lines.length);
  parts.push(state.follow ? `${count} lines · following` : `${thousands(Math.min(lines.length, top + rows))} of ${count} · scrolled (F follows)`);
  return [{ text: ` ${parts.join(' · ')} ` }];
}

export function logPane(lines: readonly Entry[], width: number, height: number, focused: boolean, state: UiState, theme: Theme): string[] {
  if (height <= 0) return [];
  const rows = height - 1;
  const out = [titleRow(logTitle(lines, rows, state), width, focused, theme)];
  const { top } = logWindow(lines, rows, state);
  for (let i = top; i < lines.length && out.length < height; i++) {
    const entry = lines[i]!;
    const style = entry.kind === 'out' ? undefined : theme.level(entry.level);
    out.push(fit([{ text: entryText(entry), style }], width));
  }
  if (lines.length === 0 && out.length < height) out.push(fit([{ text: '  no lines (yet) for this filter', style: theme.dim }], width));
  while (out.length < height) out.push(' '.repeat(width));
  return out;
}
