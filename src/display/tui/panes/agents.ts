// The agents pane: one row per agent, in the order they appeared, in columns — id, current item
// (or how the last one ended), its step, time on it, items done, and its own CPU and memory.
import type { AgentSnapshot, Snapshot } from '../../../model/snapshot.js';
import { escapeForTerminal } from '../../../lines/ansi.js';
import { formatDuration } from '../../duration.js';
import { agentUsageText } from '../../resources-text.js';
import { ICONS, type RowState } from '../../rich/rows.js';
import { padEnd, textWidth, truncate, type Span } from '../cells.js';
import type { Theme } from '../theme.js';
import type { ListItem } from './list.js';

const safe = escapeForTerminal;

function agentState(agent: AgentSnapshot): RowState {
  if (agent.item !== undefined) return 'running';
  if (agent.status === 'done') return 'ok';
  if (agent.status === 'offline') return 'interrupted';
  switch (agent.last?.outcome) {
    case 'failed': return 'failed';
    case 'retrying': return 'retrying';
    case 'skipped': return 'skipped';
    case 'done': return 'ok';
    default: return agent.status === 'failed' ? 'failed' : 'idle';
  }
}

/** What the agent is on: its item (and retry), or how its last item ended. */
function doing(agent: AgentSnapshot): string {
  if (agent.item !== undefined) return `${safe(agent.item)}${agent.retry ? ` (retry ${agent.retry.retry}/${agent.retry.maxRetries})` : ''}`;
  const last = agent.last;
  if (!last) return agent.status;
  switch (last.outcome) {
    case 'failed': return `${safe(last.item)} failed${last.error === undefined ? '' : `: ${safe(last.error.split(/\r?\n/, 1)[0] ?? '')}`}`;
    case 'retrying': return `${safe(last.item)} failed, retrying`;
    case 'skipped': return `skipped ${safe(last.item)}`;
    default: return `${agent.status === 'done' ? 'done' : 'idle'} · last ${safe(last.item)}`;
  }
}

/** Step, time on the item, items done and mean time, CPU and memory: what is known of each. */
function facts(agent: AgentSnapshot, nowMs: number): string {
  const parts: string[] = [];
  if (agent.item !== undefined && agent.step !== undefined) {
    const { name, index, total } = agent.step;
    parts.push(`step ${index === undefined ? '' : `${index}${total === undefined ? '' : `/${total}`} `}${safe(name)}`);
  }
  if (agent.item !== undefined && agent.itemSinceMs !== undefined) parts.push(formatDuration(Math.max(0, nowMs - agent.itemSinceMs)));
  if (agent.done !== undefined || agent.avgItemMs !== undefined) {
    parts.push(`${agent.done ?? 0} done${agent.avgItemMs === undefined ? '' : ` · avg ${formatDuration(agent.avgItemMs)}`}`);
  }
  if (agent.usage !== undefined) parts.push(agentUsageText(agent.usage));
  return parts.join(' · ');
}

export function agentItems(agents: readonly AgentSnapshot[], width: number, nowMs: number, theme: Theme): ListItem[] {
  const idWidth = Math.min(16, Math.max(0, ...agents.map((a) => textWidth(safe(a.id)))));
  const doings = agents.map(doing);
  // The item column takes what it needs, up to a third of the pane; the facts line up after it.
  const itemWidth = Math.min(Math.max(10, Math.floor(width / 3)), Math.max(0, ...doings.map(textWidth)));
  return agents.map((agent, i) => {
    const state = agentState(agent);
    const spans: Span[] = [
      { text: `${ICONS[state]} `, style: theme.state(state) },
      { text: `${padEnd(truncate(safe(agent.id), idWidth), idWidth)}  ` },
      { text: `${padEnd(truncate(doings[i]!, itemWidth), itemWidth)}  `, style: agent.item !== undefined ? undefined : state === 'failed' || state === 'retrying' ? theme.state(state) : theme.dim },
      { text: facts(agent, nowMs), style: theme.dim },
    ];
    return { id: agent.id, spans };
  });
}

export function agentsTitle(snapshot: Snapshot): Span[] {
  const busy = snapshot.agents.filter((a) => a.item !== undefined).length;
  return [{ text: ` Agents ${snapshot.agents.length} · ${busy} busy ` }];
}
