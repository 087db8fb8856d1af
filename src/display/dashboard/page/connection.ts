// The pill at the top right that says whether what the page shows is live.
import { el, setText } from './dom.js';

export const connectionPill = el('span', { class: 'conn', testid: 'connection-state' });

/** `live`, `reconnecting`, `ended`, `polling`, `connecting`; empty hides it (views with nothing live). */
export function setConnection(state: string, title = ''): void {
  setText(connectionPill, state);
  connectionPill.className = state ? `conn conn-${state}` : 'conn conn-none';
  connectionPill.title = title;
}
