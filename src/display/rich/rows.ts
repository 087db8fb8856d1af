// What each row of the rich view says, as plain text, from a snapshot: no counting, only wording.
// Pure functions, so the layout is tested without a terminal.
import type { AgentSnapshot, PhaseSnapshot, Snapshot } from '../../model/snapshot.js';
import { escapeForTerminal } from '../../lines/ansi.js';
import { formatDuration, formatEta, formatRate } from '../duration.js';
import { agentUsageText, resourcesText } from '../resources-text.js';
import { padEnd, textWidth } from './text-width.js';

export const ICONS = {
  running: '❯',
  ok: '✔',
  failed: '✖',
  retrying: '↻',
  waiting: '◌',
  skipped: '⊘',
  interrupted: '■',
  idle: '·',
  more: '…',
} as const;
export type RowState = keyof typeof ICONS;

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 20;

const safe = escapeForTerminal;

export function bar(percent: number | undefined, frame: number): string {
  if (percent === undefined) {
    // No total: a block that moves, so the row still says "alive, size unknown".
    const cells = Array.from({ length: BAR_WIDTH }, () => '░');
    const period = (BAR_WIDTH - 4) * 2;
    const step = frame % period;
    const at = step < BAR_WIDTH - 4 ? step : period - step;
    for (let i = at; i < at + 4; i++) cells[i] = '█';
    return `[${cells.join('')}]`;
  }
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * BAR_WIDTH);
  return `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
}

function percentText(percent: number | undefined): string {
  return percent === undefined ? '   ?' : `${String(Math.floor(percent)).padStart(3)}%`;
}

/** `✔ 156 ✖ 19 ↻ 4`: only what is non-zero, always with its icon. */
function tally(counts: PhaseSnapshot['counts']): string {
  const parts = [`${ICONS.ok} ${counts.succeeded}`];
  if (counts.failed > 0) parts.push(`${ICONS.failed} ${counts.failed}`);
  if (counts.retried > 0) parts.push(`${ICONS.retrying} ${counts.retried}`);
  if (counts.skipped > 0) parts.push(`${ICONS.skipped} ${counts.skipped}`);
  return parts.join(' ');
}

/** The workflow row: its name (the command's when no marker named it), progress, time, outcomes. */
export function headerText(snapshot: Snapshot, fallbackName: string): string {
  const parts: string[] = [safe(snapshot.workflow ?? fallbackName)];
  if (snapshot.estimated && snapshot.percent !== undefined) {
    // No progress of the command's own: a bar from past runs' durations, marked as such.
    parts.push(`${bar(snapshot.percent, 0)} ~${Math.floor(snapshot.percent)}% estimated`);
  } else if (snapshot.percent !== undefined) parts.push(`${Math.floor(snapshot.percent)}%`);
  const eta = snapshot.status === 'running' ? formatEta(snapshot) : undefined;
  if (eta !== undefined) parts.push(eta);
  parts.push(`${formatDuration(snapshot.elapsedMs)} elapsed`);
  const { succeeded, failed, retried } = snapshot.counts;
  if (succeeded + failed > 0) parts.push(`${Math.round((succeeded / (succeeded + failed)) * 100)}% ok`);
  if (failed > 0) parts.push(`${ICONS.failed} ${failed} failed`);
  if (retried > 0) parts.push(`${ICONS.retrying} ${retried} retried`);
  if (snapshot.status === 'interrupted') parts.push('interrupted');
  if (snapshot.resources && snapshot.status === 'running') parts.push(resourcesText(snapshot.resources));
  return parts.join(' · ');
}

export function phaseState(phase: PhaseSnapshot): RowState {
  return phase.status === 'running' ? 'running' : phase.status;
}

export function phaseTitle(phase: PhaseSnapshot, nameWidth: number, frame: number): string {
  const name = padEnd(safe(phase.name), nameWidth);
  const finished = phase.status !== 'running';
  // A finished phase without a total has nothing left to measure: no bar, no percentage.
  const count = phase.steps ? `${phase.steps.done}/${phase.steps.total} steps` : phase.total === undefined ? phase.current : `${phase.current}/${phase.total}`;
  const parts = finished && phase.total === undefined && phase.steps === undefined
    ? [`${name}${phase.current > 0 ? ` ${phase.current} done` : ''}`]
    : [`${name} ${bar(phase.status === 'ok' ? 100 : phase.percent, frame)} ${percentText(phase.status === 'ok' ? 100 : phase.percent)} ${count}`];
  if (phase.step && !finished) {
    const { name: step, index, total } = phase.step;
    const at = index === undefined ? '' : ` ${index}${total === undefined ? '' : `/${total}`}`;
    parts.push(`step${at} ${safe(step)}`);
  }
  if (phase.status === 'running') {
    const eta = formatEta(phase);
    if (eta !== undefined) parts.push(eta);
    if (phase.rate !== undefined) parts.push(`${formatRate(phase.rate)}`);
  } else {
    parts.push(formatDuration(phase.durationMs));
  }
  if (phase.counts.processed + phase.counts.retried > 0) parts.push(tally(phase.counts));
  return parts.join(' · ');
}

function agentState(agent: AgentSnapshot): RowState {
  if (agent.item !== undefined) return 'running';
  switch (agent.last?.outcome) {
    case 'failed': return 'failed';
    case 'retrying': return 'retrying';
    case 'skipped': return 'skipped';
    case 'done': return 'ok';
    default: return agent.status === 'failed' ? 'failed' : 'idle';
  }
}

export interface AgentLine {
  state: RowState;
  text: string;
}

function agentText(agent: AgentSnapshot, state: RowState, idWidth: number, nowMs: number): string {
  const id = padEnd(safe(agent.id), idWidth);
  if (agent.item !== undefined) {
    const since = agent.itemSinceMs === undefined ? '' : ` · ${formatDuration(nowMs - agent.itemSinceMs)}`;
    const step = agent.step === undefined ? ''
      : ` · step ${agent.step.index === undefined ? '' : `${agent.step.index}${agent.step.total === undefined ? '' : `/${agent.step.total}`} `}${safe(agent.step.name)}`;
    const usage = agent.usage === undefined ? '' : ` · ${agentUsageText(agent.usage)}`;
    return `${id}  ${safe(agent.item)}${step}${since}${usage}`;
  }
  const last = agent.last;
  if (!last) return `${id}  ${agent.status}`;
  switch (state) {
    case 'failed': return `${id}  ${safe(last.item)} failed${last.error === undefined ? '' : `: ${safe(last.error)}`}`;
    case 'retrying': return `${id}  ${safe(last.item)} failed, retrying${last.error === undefined ? '' : `: ${safe(last.error)}`}`;
    case 'skipped': return `${id}  skipped ${safe(last.item)}`;
    default: return `${id}  completed ${safe(last.item)}`;
  }
}

/**
 * The agent rows of one phase within `budget` lines: busy agents first, then those whose last
 * item failed or is being retried, then the rest. Agents that are done or offline collapse into
 * the closing `… N more agents` line, as do any that do not fit.
 */
export function agentLines(agents: AgentSnapshot[], budget: number, nowMs: number): AgentLine[] {
  if (budget <= 0 || agents.length === 0) return [];
  const rank = (a: AgentSnapshot) => (a.item !== undefined ? 0 : a.last?.outcome === 'failed' || a.last?.outcome === 'retrying' ? 1 : 2);
  const shown = agents.filter((a) => a.status !== 'done' && a.status !== 'offline').sort((a, b) => rank(a) - rank(b));
  const room = shown.length + (shown.length < agents.length ? 1 : 0) <= budget ? shown.length : budget - 1;
  const visible = shown.slice(0, Math.max(0, room));
  const idWidth = Math.min(16, Math.max(0, ...visible.map((a) => textWidth(a.id))));
  const lines = visible.map((agent) => {
    const state = agentState(agent);
    return { state, text: agentText(agent, state, idWidth, nowMs) };
  });
  const hidden = agents.length - visible.length;
  if (hidden > 0) {
    const rest = agents.filter((a) => !visible.includes(a));
    const busy = rest.filter((a) => a.item !== undefined).length;
    lines.push({ state: 'more', text: `${hidden} more agent${hidden === 1 ? '' : 's'} (${busy} busy, ${hidden - busy} idle or done)` });
  }
  return lines;
}
