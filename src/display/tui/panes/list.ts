// A pane that lists rows (phases, agents): its title, then the rows that fit, scrolled only as far
// as keeps the cursor's row in view. The cursor's row is marked `›` (and shown inverse in the
// focused pane), the selected row `•` and bold: marks that read without colour too.
import { fit, type Span } from '../cells.js';
import type { Theme } from '../theme.js';
import type { ListPosition } from '../ui-state.js';

export interface ListItem {
  id: string;
  spans: Span[];
}

export interface ListPane {
  width: number;
  height: number;
  title: Span[];
  focused: boolean;
  items: ListItem[];
  /** Kept in the UI state: the cursor's row, and the first row shown (adjusted here). */
  position: ListPosition;
  selected?: string;
  /** Shown when there are no rows. */
  empty: string;
  theme: Theme;
}

export function listPane(pane: ListPane): string[] {
  const { width, height, items, position, theme } = pane;
  if (height <= 0) return [];
  const rows = [titleRow(pane.title, width, pane.focused, theme)];
  const room = height - 1;
  let at = position.id === undefined ? 0 : items.findIndex((item) => item.id === position.id);
  if (at < 0) at = 0;
  if (items[at] !== undefined) position.id = items[at]!.id;
  // Scroll only as much as the cursor needs; never past the end.
  position.top = Math.max(0, Math.min(position.top, at, Math.max(0, items.length - room)));
  if (at >= position.top + room) position.top = at - room + 1;
  if (items.length === 0 && room > 0) rows.push(fit([{ text: `  ${pane.empty}`, style: theme.dim }], width));
  for (let i = position.top; i < items.length && rows.length < height; i++) {
    const item = items[i]!;
    const cursor = i === at;
    const selected = item.id === pane.selected;
    const mark = cursor && pane.focused ? '›' : selected ? '•' : ' ';
    const spans: Span[] = [{ text: `${mark} `, style: theme.accent }, ...item.spans];
    let row = fit(selected ? spans.map((s) => ({ text: s.text, style: compose(theme.selected, s.style) })) : spans, width);
    if (cursor && pane.focused) row = theme.cursor(row);
    rows.push(row);
  }
  while (rows.length < height) rows.push(' '.repeat(width));
  return rows;
}

function compose(outer: (t: string) => string, inner?: (t: string) => string): (t: string) => string {
  return inner ? (t) => outer(inner(t)) : outer;
}

/** A pane's title row; the focused pane's is marked `»` (and inverse), so it reads without colour. */
export function titleRow(title: Span[], width: number, focused: boolean, theme: Theme): string {
  return theme.title(focused)(fit([{ text: focused ? '»' : ' ' }, ...title], width));
}

/** A row as plain text, for copy mode. */
export function itemText(item: ListItem): string {
  return item.spans.map((s) => s.text).join('').trimEnd();
}
