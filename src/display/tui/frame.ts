// One whole frame from the snapshot, the log and the UI state: every row exactly the screen's
// width, so the screen writer only compares and writes rows. Pure: the same input draws the same
// frame, which is what the resize test compares against.
import type { Snapshot } from '../../model/snapshot.js';
import { fit } from './cells.js';
import { helpRows } from './help.js';
import { footerRow } from './panes/footer.js';
import { layout, MIN_COLUMNS, MIN_ROWS, tooSmall, type Layout } from './layout.js';
import type { Entry } from './log-buffer.js';
import { agentItems, agentsTitle } from './panes/agents.js';
import { headerPane, type HeaderInput } from './panes/header.js';
import { listPane, type ListItem } from './panes/list.js';
import { logPane } from './panes/log.js';
import { phaseItems, phasesTitle, phaseTree } from './panes/phases.js';
import type { Row } from './screen.js';
import type { Theme } from './theme.js';
import type { UiState } from './ui-state.js';

export interface FrameInput {
  columns: number;
  rows: number;
  header: HeaderInput;
  /** The log lines the filters let through. */
  log: readonly Entry[];
  state: UiState;
  theme: Theme;
}

export interface Frame {
  /** Side by side, the phases and agents rows are two segments each, written apart when they change. */
  rows: Row[];
  /** Undefined when the terminal is too small for the panes. */
  layout?: Layout;
  phases: ListItem[];
  agents: ListItem[];
}

export function drawFrame(input: FrameInput): Frame {
  const { columns, rows, state, theme } = input;
  const snapshot: Snapshot = input.header.snapshot;
  if (tooSmall(columns, rows)) {
    const notice = fit([{ text: `too small: ${columns}×${rows}, needs ${MIN_COLUMNS}×${MIN_ROWS} · q leaves` }], columns);
    return { rows: [notice, ...Array.from({ length: Math.max(0, rows - 1) }, () => ' '.repeat(columns))], phases: [], agents: [] };
  }
  const header = headerPane(input.header, columns, theme);
  const tree = phaseTree(snapshot.phases);
  const at = layout(columns, rows, { header: header.length, phases: tree.length, agents: snapshot.agents.length });
  const phases = phaseItems(tree, at.phases.width - 1, input.header.frame, theme);
  const agents = agentItems(snapshot.agents, at.agents.width - 1, snapshot.tMs, theme);
  const selected = (kind: 'phase' | 'agent') => (state.selection?.kind === kind ? state.selection.id : undefined);
  const phaseRows = listPane({
    width: at.phases.width, height: at.phases.height, title: phasesTitle(snapshot), focused: state.focus === 'phases', items: phases,
    position: state.phases, selected: selected('phase'), empty: 'no phases yet', theme,
  });
  const agentRows = listPane({
    width: at.agents.width, height: at.agents.height, title: agentsTitle(snapshot), focused: state.focus === 'agents', items: agents,
    position: state.agents, selected: selected('agent'), empty: 'no agents', theme,
  });
  const body = state.help
    ? helpRows(columns, at.log.height + at.phases.height + (at.divider ? 0 : at.agents.height), theme)
    : undefined;
  const out: Row[] = header.slice(0, at.header.height);
  if (body) {
    out.push(...body);
  } else if (at.divider) {
    for (let i = 0; i < at.phases.height; i++) out.push([{ col: 0, text: phaseRows[i]! }, { col: at.divider.x, text: `${theme.dim('│')}${agentRows[i]}` }]);
    out.push(...logPane(input.log, columns, at.log.height, state.focus === 'log', state, theme));
  } else {
    out.push(...phaseRows, ...agentRows, ...logPane(input.log, columns, at.log.height, state.focus === 'log', state, theme));
  }
  out.push(footerRow(state, columns, theme));
  return { rows: out, layout: at, phases, agents };
}
