// The workflow tree: each phase under the group it started in, with its bar, figures and state.
import { bar, cssToken, dropGone, el, placeInOrder, setText } from './dom.js';
import { duration, eta, percent, rate } from './format.js';
import { statusIcon } from './status.js';
import type { Phase } from './types.js';

interface Row {
  tr: HTMLTableRowElement;
  icon: HTMLElement;
  name: HTMLElement;
  step: HTMLElement;
  bar: ReturnType<typeof bar>;
  percent: HTMLElement;
  count: HTMLElement;
  eta: HTMLElement;
  rate: HTMLElement;
  time: HTMLElement;
  outcomes: HTMLElement;
}

export class PhaseTree {
  readonly root: HTMLElement;
  readonly #body = el('tbody');
  readonly #rows = new Map<string, Row>();
  readonly #empty = el('p', { class: 'muted empty', text: 'No phases: the command reports none (see docs/markers.md).' });

  constructor() {
    const head = el('thead', {}, [el('tr', {}, ['Phase', 'Progress', '%', 'Done', 'ETA', 'Rate', 'Time', 'Outcomes'].map((h) => el('th', { text: h })))]);
    this.root = el('section', { class: 'panel tree-panel' }, [
      el('div', { class: 'panel-head' }, [el('h2', { text: 'Workflow' })]),
      el('table', { class: 'grid phases', testid: 'phase-tree' }, [head, this.#body]),
      this.#empty,
    ]);
  }

  update(phases: Phase[], nowMs: number): void {
    this.#empty.hidden = phases.length > 0;
    const ordered = treeOrder(phases);
    const live = new Set<string>();
    const order: Element[] = [];
    for (const { phase, depth } of ordered) {
      live.add(phase.id);
      let row = this.#rows.get(phase.id);
      if (!row) {
        row = newRow(phase.id);
        this.#rows.set(phase.id, row);
      }
      fill(row, phase, depth, nowMs);
      order.push(row.tr);
    }
    dropGone(this.#rows, live);
    placeInOrder(this.#body, order);
  }
}

/** Phases depth-first: each group's children right under it, in the order they started. */
export function treeOrder<P extends { id: string; parent?: string | null }>(phases: P[]): { phase: P; depth: number }[] {
  const ids = new Set(phases.map((p) => p.id));
  const children = new Map<string, P[]>();
  const roots: P[] = [];
  for (const p of phases) {
    if (p.parent && p.parent !== p.id && ids.has(p.parent)) {
      const list = children.get(p.parent) ?? [];
      list.push(p);
      children.set(p.parent, list);
    } else roots.push(p);
  }
  const out: { phase: P; depth: number }[] = [];
  const seen = new Set<string>();
  const walk = (p: P, depth: number) => {
    if (seen.has(p.id)) return; // A loop of parents is not followed twice.
    seen.add(p.id);
    out.push({ phase: p, depth });
    for (const c of children.get(p.id) ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  // Phases only reachable through a loop still get a row.
  for (const p of phases) walk(p, 0);
  return out;
}

function newRow(id: string): Row {
  const icon = el('span', { class: 'icon' });
  const name = el('span', { class: 'phase-name' });
  const step = el('span', { class: 'phase-step muted' });
  const b = bar('phase-bar');
  const cells = {
    percent: el('td', { class: 'num' }),
    count: el('td', { class: 'num' }),
    eta: el('td', { class: 'num' }),
    rate: el('td', { class: 'num' }),
    time: el('td', { class: 'num' }),
    outcomes: el('td', { class: 'outcomes' }),
  };
  const tr = el('tr', { testid: 'phase-row' }, [
    el('td', { class: 'phase-cell' }, [icon, ' ', name, step]),
    el('td', { class: 'bar-cell' }, [b.root]),
    cells.percent, cells.count, cells.eta, cells.rate, cells.time, cells.outcomes,
  ]);
  tr.dataset.phaseId = id;
  return { tr, icon, name, step, bar: b, ...cells };
}

function fill(row: Row, p: Phase, depth: number, nowMs: number): void {
  row.tr.className = `status-${cssToken(p.status)}`;
  row.tr.dataset.status = p.status;
  (row.tr.firstChild as HTMLElement).style.paddingLeft = `${0.5 + depth * 1.4}em`;
  setText(row.icon, statusIcon(p.status));
  setText(row.name, p.name);
  row.name.title = p.id;
  const step = p.step ? ` ${p.step.name}${p.step.index !== undefined && p.step.total !== undefined ? ` ${p.step.index}/${p.step.total}` : ''}` : '';
  setText(row.step, step);
  row.bar.set(p.percent, p.status);
  setText(row.percent, percent(p.percent));
  setText(row.count, p.steps ? `${p.steps.done}/${p.steps.total} steps` : `${p.current}${p.total !== undefined ? `/${p.total}` : ''}`);
  setText(row.eta, p.status === 'running' ? eta(p) : '');
  setText(row.rate, p.status === 'running' || p.rate !== undefined ? rate(p.rate) : '');
  const ms = p.status === 'running' ? Math.max(p.durationMs, nowMs - p.startedMs) : p.durationMs;
  setText(row.time, duration(ms));
  const c = p.counts;
  const parts: string[] = [];
  if (c.succeeded) parts.push(`✔${c.succeeded}`);
  if (c.failed) parts.push(`✖${c.failed}`);
  if (c.retried) parts.push(`↻${c.retried}`);
  if (c.skipped) parts.push(`⊘${c.skipped}`);
  if (c.running) parts.push(`▸${c.running}`);
  setText(row.outcomes, parts.join(' '));
  row.outcomes.classList.toggle('bad', c.failed > 0);
}
