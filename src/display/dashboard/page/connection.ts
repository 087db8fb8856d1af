// The pill at the top right that says whether what the page shows is live.
import { LiveSocket } from './api.js';
import { el, setText } from './dom.js';
import type { RunMessage } from './types.js';

export const connectionPill = el('span', { class: 'conn', testid: 'connection-state' });

/** `live`, `reconnecting`, `ended`, `polling`, `connecting`; empty hides it (views with nothing live). */
export function setConnection(state: string, title = ''): void {
  setText(connectionPill, state);
  connectionPill.className = state ? `conn conn-${state}` : 'conn conn-none';
  connectionPill.title = title;
}

/** Follows a run's /ws from feed number `after()`, showing the connection's state in the pill. */
export function followRun(runId: string, after: () => number, onMessage: (m: RunMessage) => void): LiveSocket<RunMessage> {
  return new LiveSocket<RunMessage>({
    path: () => `/ws?run=${encodeURIComponent(runId)}&after=${after()}`,
    onMessage,
    onState: (state) => setConnection(state),
  });
}
