// What each row of the rich view says, as plain text, from a snapshot: no counting, only wording
// (and choosing what fits). Pure functions, so the layout is tested without a terminal.
import type { AgentSnapshot, LogRecord, PhaseSnapshot, ResourceUsage, RetrySnapshot, Snapshot } from '../../model/snapshot.js';
import { escapeForTerminal } from '../../lines/ansi.js';
import { formatDuration, formatEta, formatRate } from '../duration.js';
import { agentUsageText, formatBytes, resourcesText } from '../resources-text.js';
import { padEnd, textWidth, truncate } from './text-width.js';

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
  warn: '⚠',
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
export function tally(counts: PhaseSnapshot['counts']): string {
  const parts = [`${ICONS.ok} ${counts.succeeded}`];
  if (counts.failed > 0) parts.push(`${ICONS.failed} ${counts.failed}`);
  if (counts.retried > 0) parts.push(`${ICONS.retrying} ${counts.retried}`);
  if (counts.skipped > 0) parts.push(`${ICONS.skipped} ${counts.skipped}`);
  return parts.join(' ');
}

/** A header field in its full and its short wording. */
export interface Field {
  full: string;
  short: string;
}

interface HeaderFields {
  name: string;
  progress?: Field;
  eta?: Field;
  elapsed: string;
  okRate?: string;
  failed?: Field;
  retried?: Field;
  interrupted?: string;
  signal?: Field;
  resources?: Field;
}

function headerFields(snapshot: Snapshot, fallbackName: string, signal?: Field): HeaderFields {
  const fields: HeaderFields = { name: safe(snapshot.workflow ?? fallbackName), elapsed: `${formatDuration(snapshot.elapsedMs)} elapsed` };
  if (snapshot.estimated && snapshot.percent !== undefined) {
    // No progress of the command's own: a bar from past runs' durations, marked as such.
    const percent = `~${Math.floor(snapshot.percent)}% estimated`;
    fields.progress = { full: `${bar(snapshot.percent, 0)} ${percent}`, short: percent };
  } else if (snapshot.percent !== undefined) {
    const percent = `${Math.floor(snapshot.percent)}%`;
    fields.progress = { full: percent, short: percent };
  }
  const eta = snapshot.status === 'running' ? formatEta(snapshot) : undefined;
  if (eta !== undefined) fields.eta = { full: eta, short: eta.replace(' – ', '–') };
  const { succeeded, failed, retried } = snapshot.counts;
  if (succeeded + failed > 0) fields.okRate = `${Math.round((succeeded / (succeeded + failed)) * 100)}% ok`;
  if (failed > 0) fields.failed = { full: `${ICONS.failed} ${failed} failed`, short: `${ICONS.failed} ${failed}` };
  if (retried > 0) fields.retried = { full: `${ICONS.retrying} ${retried} retried`, short: `${ICONS.retrying} ${retried}` };
  if (snapshot.status === 'interrupted') fields.interrupted = 'interrupted';
  if (signal) fields.signal = signal;
  if (snapshot.resources && snapshot.status === 'running') {
    fields.resources = { full: resourcesText(snapshot.resources), short: shortResources(snapshot.resources) };
  }
  return fields;
}

/** `CPU 65% Mem 1.2GB Disk +450MB`: the same figures in fewer cells. */
function shortResources(usage: ResourceUsage): string {
  const bytes = (n: number) => formatBytes(n).replace(' ', '');
  const parts = [`CPU ${Math.round(usage.cpuPercent)}%`, `Mem ${bytes(usage.rssBytes)}`];
  if (usage.diskDeltaBytes !== undefined) {
    const sign = usage.diskDeltaBytes > 0 ? '+' : usage.diskDeltaBytes === 0 ? '±' : '';
    parts.push(`Disk ${sign}${bytes(usage.diskDeltaBytes)}`);
  }
  return parts.join(' ');
}

const joined = (parts: (string | undefined)[]) => parts.filter((p) => p !== undefined).join(' · ');

/** The workflow row on one line: its name (the command's when no marker named it), progress, time, outcomes. */
export function headerText(snapshot: Snapshot, fallbackName: string, signal?: Field): string {
  const f = headerFields(snapshot, fallbackName, signal);
  return joined([f.name, f.progress?.full, f.eta?.full, f.elapsed, f.okRate, f.failed?.full, f.retried?.full, f.interrupted, f.signal?.full, f.resources?.full]);
}

/**
 * The workflow row laid out by priority within `width` cells, its first line starting with `icon`:
 * on one line when it fits, with the resources shortened if need be; else the resources go to a
 * second line, then elapsed time and success rate join them there, so that the first line keeps
 * progress, the ETA with its range, failures and retries; then those take their short forms; and
 * last the name is cut. Nothing else is dropped: the frame cuts what is still too wide.
 */
export function headerLines(snapshot: Snapshot, fallbackName: string, width: number, icon: string, signal?: Field): string[] {
  const f = headerFields(snapshot, fallbackName, signal);
  const fits = (line: string) => textWidth(line) <= width;
  const oneLine = `${icon} ${headerText(snapshot, fallbackName, signal)}`;
  if (fits(oneLine)) return [oneLine];
  if (f.resources) {
    const shortened = `${icon} ${joined([f.name, f.progress?.full, f.eta?.full, f.elapsed, f.okRate, f.failed?.full, f.retried?.full, f.interrupted, f.signal?.full, f.resources.short])}`;
    if (fits(shortened)) return [shortened];
  }
  const first = (name: string, short: boolean, times: boolean, signal = true) => `${icon} ${joined([
    name, short ? f.progress?.short : f.progress?.full, short ? f.eta?.short : f.eta?.full,
    ...(times ? [f.elapsed, f.okRate] : []),
    short ? f.failed?.short : f.failed?.full, short ? f.retried?.short : f.retried?.full, f.interrupted,
    signal ? (short ? f.signal?.short : f.signal?.full) : undefined,
  ])}`;
  /** The second line: `fields`, then the resources in whichever form fits; undefined if none does. */
  const second = (fields: (string | undefined)[]): string | undefined => {
    for (const resources of [f.resources?.full, f.resources?.short]) {
      const line = `  ${joined([...fields, resources])}`;
      if (fits(line)) return line;
    }
    return undefined;
  };
  if (f.resources) {
    const line = first(f.name, false, true);
    const below = second([]);
    if (fits(line) && below !== undefined) return [line, below];
  }
  for (const short of [false, true]) {
    const line = first(f.name, short, false);
    const below = second([f.elapsed, f.okRate]);
    if (fits(line) && below !== undefined) return [line, below];
  }
  // The name gives way; and a signal being acted on, if it still does not fit, leads the second line.
  const name = (signal: boolean) => truncate(f.name, Math.max(8, width - textWidth(first('', true, false, signal))));
  const line = first(name(true), true, false);
  if (fits(line) || !f.signal) return [line, second([f.elapsed, f.okRate]) ?? `  ${joined([f.elapsed, f.okRate, f.resources?.short])}`];
  return [first(name(false), true, false, false), `  ${joined([f.signal.short, f.elapsed, f.okRate, f.resources?.short])}`];
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

export interface PhaseRow {
  phase: PhaseSnapshot;
  depth: number;
  state: RowState;
}

/** How a phase's row ranks for a place on screen: running, then failed, interrupted, the rest. */
function foldRank(phase: PhaseSnapshot): number {
  switch (phase.status) {
    case 'running': return 0;
    case 'failed': return 1;
    case 'interrupted': return 2;
    default: return 3;
  }
}

/**
 * The phase rows that fit `room` lines, in their order, and those left out. When not all fit, one
 * line goes to `… N more phases`, and finished phases give way first (ok and skipped ones, then
 * interrupted, then failed; the longest finished first), running ones last (the later ones first).
 * A row shown brings the groups it is in, so it is never shown out of place.
 */
export function foldPhases(rows: PhaseRow[], room: number): { shown: PhaseRow[]; hidden: PhaseSnapshot[] } {
  if (rows.length <= room) return { shown: rows, hidden: [] };
  const slots = Math.max(0, room - 1);
  const at = new Map(rows.map((row, i) => [row.phase.id, i]));
  const order = rows.map((_, i) => i).sort((a, b) => {
    const pa = rows[a]!.phase;
    const pb = rows[b]!.phase;
    const rank = foldRank(pa) - foldRank(pb);
    if (rank !== 0) return rank;
    if (pa.status === 'running') return a - b;
    return (pb.endedMs ?? 0) - (pa.endedMs ?? 0) || a - b;
  });
  const picked = new Set<number>();
  for (const i of order) {
    if (picked.size >= slots) break;
    if (picked.has(i)) continue;
    const chain = [i];
    for (let parent = rows[i]!.phase.parent, depth = 0; parent !== undefined && depth < 32; depth++) {
      const p = at.get(parent);
      if (p === undefined) break;
      if (!picked.has(p)) chain.push(p);
      parent = rows[p]!.phase.parent;
    }
    if (picked.size + chain.length > slots) continue;
    for (const p of chain) picked.add(p);
  }
  const shown: PhaseRow[] = [];
  const hidden: PhaseSnapshot[] = [];
  rows.forEach((row, i) => (picked.has(i) ? shown.push(row) : hidden.push(row.phase)));
  return { shown, hidden };
}

/** `12 more phases (9 running, 1 failed)`: what the frame left out, always counted. */
export function morePhasesText(hidden: PhaseSnapshot[]): string {
  const running = hidden.filter((p) => p.status === 'running').length;
  const failed = hidden.filter((p) => p.status === 'failed').length;
  return `${hidden.length} more phase${hidden.length === 1 ? '' : 's'} (${running} running, ${failed} failed)`;
}

/** A warn or error log line: `agent-03 · Map phase: slow item`, with its location when it has one. */
export function logText(log: LogRecord, phaseName: string | undefined): string {
  const source = [log.source === undefined ? undefined : safe(log.source), phaseName === undefined ? undefined : safe(phaseName)]
    .filter((s) => s !== undefined && s !== '').join(' · ');
  const at = log.location === undefined ? '' : `${safe(log.location.file)}:${log.location.line}${log.location.col === undefined ? '' : `:${log.location.col}`}: `;
  const message = safe(log.message.split(/\r?\n/, 1)[0] ?? '');
  return `${source === '' ? '' : `${source}: `}${at}${message}`;
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

const retryText = (retry: RetrySnapshot | undefined) => (retry === undefined ? '' : ` (retry ${retry.retry}/${retry.maxRetries})`);

/** ` · 12 done · avg 4.1s`: the items the agent got done, and their mean time. */
function statsText(agent: AgentSnapshot): string {
  if (agent.avgItemMs === undefined && agent.done === undefined) return '';
  const avg = agent.avgItemMs === undefined ? '' : ` · avg ${formatDuration(agent.avgItemMs)}`;
  return ` · ${agent.done ?? 0} done${avg}`;
}

function agentText(agent: AgentSnapshot, state: RowState, idWidth: number, nowMs: number): string {
  const id = padEnd(safe(agent.id), idWidth);
  const stats = statsText(agent);
  if (agent.item !== undefined) {
    const since = agent.itemSinceMs === undefined ? '' : ` · ${formatDuration(nowMs - agent.itemSinceMs)}`;
    const step = agent.step === undefined ? ''
      : ` · step ${agent.step.index === undefined ? '' : `${agent.step.index}${agent.step.total === undefined ? '' : `/${agent.step.total}`} `}${safe(agent.step.name)}`;
    const usage = agent.usage === undefined ? '' : ` · ${agentUsageText(agent.usage)}`;
    return `${id}  ${safe(agent.item)}${retryText(agent.retry)}${step}${since}${stats}${usage}`;
  }
  const last = agent.last;
  if (!last) return `${id}  ${agent.status}`;
  const error = last.error === undefined ? '' : `: ${safe(last.error)}`;
  switch (state) {
    case 'failed': return `${id}  ${safe(last.item)}${retryText(agent.lastRetry)} failed${error}${stats}`;
    case 'retrying': {
      const next = agent.lastRetry === undefined ? '' : ` (${agent.lastRetry.retry}/${agent.lastRetry.maxRetries})`;
      return `${id}  ${safe(last.item)} failed, retrying${next}${error}${stats}`;
    }
    case 'skipped': return `${id}  skipped ${safe(last.item)}${stats}`;
    default: return `${id}  completed ${safe(last.item)}${stats}`;
  }
}

/** `3 of 10 agents busy`: the row over a phase's agents. */
export function agentsBusyText(agents: AgentSnapshot[]): string {
  const busy = agents.filter((a) => a.item !== undefined).length;
  return `${busy} of ${agents.length} agents busy`;
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

/**
 * A phase's block of agents within `budget` lines: with two agents or more, first the row that
 * counts the busy ones (`3 of 10 agents busy`), then the agents themselves.
 */
export function agentBlock(agents: AgentSnapshot[], budget: number, nowMs: number): AgentLine[] {
  if (budget <= 0 || agents.length === 0) return [];
  if (agents.length === 1) return agentLines(agents, budget, nowMs);
  return [{ state: 'idle', text: agentsBusyText(agents) }, ...agentLines(agents, budget - 1, nowMs)];
}
