// Where each part of the screen goes, from the terminal's size and how many rows the lists want:
// the header on top, the key line at the bottom, and between them the phases and agents (side by
// side when the terminal is wide, stacked when not) over the log, which gets what is left. Each
// list takes the rows it needs up to its share, so a run of one phase leaves the log the room.

export const MIN_COLUMNS = 40;
export const MIN_ROWS = 10;
/** From this width the phases and agents sit side by side. */
const SIDE_BY_SIDE = 100;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  header: Rect;
  phases: Rect;
  agents: Rect;
  log: Rect;
  footer: Rect;
  /** Side by side: the column between phases and agents. */
  divider?: Rect;
}

/** Rows each list would like: its title and its rows. */
export interface Wants {
  header: number;
  phases: number;
  agents: number;
}

export function tooSmall(columns: number, rows: number): boolean {
  return columns < MIN_COLUMNS || rows < MIN_ROWS;
}

export function layout(columns: number, rows: number, wants: Wants): Layout {
  const header: Rect = { x: 0, y: 0, width: columns, height: Math.min(wants.header, 3) };
  const footer: Rect = { x: 0, y: rows - 1, width: columns, height: 1 };
  const top = header.height;
  const body = rows - header.height - footer.height;
  const phasesWant = wants.phases + 1;
  const agentsWant = wants.agents + 1;
  if (columns >= SIDE_BY_SIDE) {
    // The lists share half the body at most; the log keeps at least a third of it.
    const height = clamp(Math.max(phasesWant, agentsWant), 2, Math.max(2, Math.floor(body / 2)));
    const left = Math.floor((columns - 1) / 2);
    return {
      header,
      phases: { x: 0, y: top, width: left, height },
      divider: { x: left, y: top, width: 1, height },
      agents: { x: left + 1, y: top, width: columns - left - 1, height },
      log: { x: 0, y: top + height, width: columns, height: body - height },
      footer,
    };
  }
  // Stacked: each list up to a third of the body, at least its title and one row.
  const share = Math.max(2, Math.floor(body / 3));
  const phases = clamp(phasesWant, 2, share);
  const agents = clamp(agentsWant, 2, share);
  return {
    header,
    phases: { x: 0, y: top, width: columns, height: phases },
    agents: { x: 0, y: top + phases, width: columns, height: agents },
    log: { x: 0, y: top + phases + agents, width: columns, height: body - phases - agents },
    footer,
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}
