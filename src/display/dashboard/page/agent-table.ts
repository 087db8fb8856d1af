// The agents (parallel workers): what each is on, for how long, how much it has done and uses.
import { badge, dropGone, el, placeInOrder, setText } from './dom.js';
import { bytes, cpu, duration } from './format.js';
import type { Agent } from './types.js';

interface Row {
  tr: HTMLTableRowElement;
  status: HTMLElement;
  item: HTMLElement;
  detail: HTMLElement;
  since: HTMLElement;
  done: HTMLElement;
  avg: HTMLElement;
  cpu: HTMLElement;
  mem: HTMLElement;
}

export class AgentTable {
  readonly root: HTMLElement;
  readonly #body = el('tbody');
  readonly #rows = new Map<string, Row>();
  readonly #summary = el('span', { class: 'muted' });

  constructor() {
    const head = el('thead', {}, [el('tr', {}, ['Agent', 'Status', 'Item', 'On it', 'Done', 'Avg', 'CPU', 'Mem'].map((h) => el('th', { text: h })))]);
    this.root = el('section', { class: 'panel agents-panel' }, [
      el('div', { class: 'panel-head' }, [el('h2', { text: 'Agents' }), this.#summary]),
      el('table', { class: 'grid agents', testid: 'agent-table' }, [head, this.#body]),
    ]);
  }

  update(agents: Agent[], nowMs: number): void {
    this.root.hidden = agents.length === 0;
    const busy = agents.filter((a) => a.status === 'busy').length;
    setText(this.#summary, agents.length ? `${busy} of ${agents.length} busy` : '');
    const live = new Set<string>();
    const order: Element[] = [];
    for (const agent of agents) {
      live.add(agent.id);
      let row = this.#rows.get(agent.id);
      if (!row) {
        row = newRow(agent.id);
        this.#rows.set(agent.id, row);
      }
      fill(row, agent, nowMs);
      order.push(row.tr);
    }
    dropGone(this.#rows, live);
    placeInOrder(this.#body, order);
  }
}

function newRow(id: string): Row {
  const td = (cls = '') => el('td', { class: cls });
  const row = {
    status: td(), item: el('span', { class: 'agent-item' }), detail: el('div', { class: 'agent-detail muted' }),
    since: td('num'), done: td('num'), avg: td('num'), cpu: td('num'), mem: td('num'),
  };
  const tr = el('tr', { testid: 'agent-row' }, [
    el('td', { class: 'agent-id', text: id }),
    row.status,
    el('td', { class: 'item-cell' }, [row.item, row.detail]),
    row.since, row.done, row.avg, row.cpu, row.mem,
  ]);
  tr.dataset.agentId = id;
  return { tr, ...row };
}

function fill(row: Row, a: Agent, nowMs: number): void {
  if (row.status.textContent !== a.status) row.status.replaceChildren(badge(a.status));
  row.tr.dataset.itemsDone = String(a.done ?? 0);
  row.tr.dataset.status = a.status;
  setText(row.item, a.item !== undefined ? (a.phase ? `${a.phase}: ${a.item}` : a.item) : '');
  const detail: string[] = [];
  if (a.step) detail.push(`${a.step.name}${a.step.index !== undefined && a.step.total !== undefined ? ` ${a.step.index}/${a.step.total}` : ''}`);
  if (a.retry) detail.push(`retry ${a.retry.retry}/${a.retry.maxRetries}`);
  if (a.item === undefined && a.last) {
    const mark = a.last.outcome === 'done' ? '✔' : a.last.outcome === 'failed' ? '✖' : a.last.outcome === 'retrying' ? '↻' : '⊘';
    detail.push(`last: ${a.last.item} ${mark}${a.last.error ? ` ${a.last.error}` : ''}`);
  }
  setText(row.detail, detail.join(' · '));
  row.detail.classList.toggle('bad', a.item === undefined && a.last?.outcome === 'failed');
  setText(row.since, a.item !== undefined && a.itemSinceMs !== undefined ? duration(Math.max(0, nowMs - a.itemSinceMs)) : '');
  setText(row.done, String(a.done ?? 0));
  setText(row.avg, a.avgItemMs !== undefined ? duration(a.avgItemMs) : '–');
  setText(row.cpu, a.usage ? cpu(a.usage.cpuPercent) : '–');
  setText(row.mem, a.usage ? bytes(a.usage.rssBytes) : '–');
}
