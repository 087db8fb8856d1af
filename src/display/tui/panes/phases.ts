// The phases pane: the phase tree (a tool's phase under the CI group it ran in), each with its
// bar, percentage, count, ETA with its range, rate and tally of outcomes, from the snapshot.
import type { PhaseSnapshot, Snapshot } from '../../../model/snapshot.js';
import { escapeForTerminal } from '../../../lines/ansi.js';
import { formatDuration, formatEta, formatRate } from '../../duration.js';
import { ICONS, phaseState, tally } from '../../rich/rows.js';
import { padEnd, textWidth, truncate, type Span } from '../cells.js';
import type { Theme } from '../theme.js';
import type { ListItem } from './list.js';

export interface PhaseRow {
  phase: PhaseSnapshot;
  depth: number;
}

/** The phases in tree order: each followed by the phases that started in it. */
export function phaseTree(phases: readonly PhaseSnapshot[]): PhaseRow[] {
  const ids = new Set(phases.map((p) => p.id));
  const children = new Map<string | undefined, PhaseSnapshot[]>();
  for (const phase of phases) {
    const parent = phase.parent !== undefined && ids.has(phase.parent) && phase.parent !== phase.id ? phase.parent : undefined;
    const list = children.get(parent) ?? [];
    list.push(phase);
    children.set(parent, list);
  }
  const rows: PhaseRow[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | undefined, depth: number) => {
    for (const phase of children.get(parent) ?? []) {
      if (seen.has(phase.id)) continue;
      seen.add(phase.id);
      rows.push({ phase, depth });
      if (depth < 8) walk(phase.id, depth + 1);
    }
  };
  walk(undefined, 0);
  // A cycle of parents has no root: its phases still show, at the top level.
  for (const phase of phases) if (!seen.has(phase.id)) rows.push({ phase, depth: 0 });
  return rows;
}

/** `[████░░░░]` `width` cells inside the brackets; a moving block when there is no total. */
function bar(percent: number | undefined, width: number, frame: number): string {
  if (percent === undefined) {
    const cells = Array.from({ length: width }, () => '░');
    const span = Math.max(1, width - 3);
    const step = frame % (2 * span);
    const at = step < span ? step : 2 * span - step;
    for (let i = at; i < Math.min(width, at + 3); i++) cells[i] = '█';
    return `[${cells.join('')}]`;
  }
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** What follows the bar: count, step, ETA and rate (running) or duration (ended), tally. */
function details(phase: PhaseSnapshot): string {
  const running = phase.status === 'running';
  const count = phase.steps ? `${phase.steps.done}/${phase.steps.total} steps` : phase.total === undefined ? `${phase.current}` : `${phase.current}/${phase.total}`;
  const parts = [count];
  if (phase.step && running) {
    const { name, index, total } = phase.step;
    parts.push(`step ${index === undefined ? '' : `${index}${total === undefined ? '' : `/${total}`} `}${escapeForTerminal(name)}`);
  }
  if (running) {
    const eta = formatEta(phase);
    if (eta !== undefined) parts.push(eta);
    if (phase.rate !== undefined) parts.push(formatRate(phase.rate));
  } else {
    parts.push(formatDuration(phase.durationMs));
  }
  if (phase.counts.processed + phase.counts.retried > 0) parts.push(tally(phase.counts));
  return parts.join(' · ');
}

export function phaseItems(rows: readonly PhaseRow[], width: number, frame: number, theme: Theme): ListItem[] {
  // Names line up across depths, within a third of the pane.
  const nameWidth = Math.min(Math.max(8, Math.floor(width / 3)), Math.max(0, ...rows.map(({ phase, depth }) => textWidth(escapeForTerminal(phase.name)) + 2 * depth)));
  const barWidth = Math.max(5, Math.min(20, Math.floor(width / 6)));
  return rows.map(({ phase, depth }) => {
    const state = phaseState(phase);
    const indent = '  '.repeat(depth);
    const name = padEnd(truncate(escapeForTerminal(phase.name), Math.max(1, nameWidth - 2 * depth)), Math.max(0, nameWidth - 2 * depth));
    const done = phase.status === 'ok';
    const percent = done ? 100 : phase.percent;
    const showBar = !(phase.status !== 'running' && phase.total === undefined && phase.steps === undefined);
    const spans: Span[] = [
      { text: `${indent}${ICONS[state]} `, style: theme.state(state) },
      { text: `${name} ` },
    ];
    if (showBar) spans.push({ text: `${bar(percent, barWidth, frame)} `, style: theme.state(state) }, { text: `${percent === undefined ? '   ?' : `${String(Math.floor(percent)).padStart(3)}%`} ` });
    spans.push({ text: details(phase), style: phase.status === 'running' ? undefined : theme.dim });
    return { id: phase.id, spans };
  });
}

export function phasesTitle(snapshot: Snapshot): Span[] {
  const running = snapshot.phases.filter((p) => p.status === 'running').length;
  const failed = snapshot.phases.filter((p) => p.status === 'failed').length;
  return [{ text: ` Phases ${snapshot.phases.length} · ${running} running${failed > 0 ? ` · ${failed} failed` : ''} ` }];
}
