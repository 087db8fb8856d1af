// `#/history` (every workflow run more than once… or once) and `#/history/KEY` (one workflow: its
// durations over time coloured by outcome, p50/p90, and where the time went phase by phase). Two
// runs ticked open `#/compare/A/B`.
import uPlot from 'uplot';
import { ApiError, getJson } from './api.js';
import { axisStyle, cssVar } from './charts.js';
import { setConnection } from './connection.js';
import { badge, clear, el, viewHref, viewLink } from './dom.js';
import { duration, ratio, when } from './format.js';
import { stateWord } from './status.js';
import type { HistoryRun, WorkflowSummary } from './types.js';

/** Runs shown in the per-phase breakdown (the chart shows all the server sends). */
const BREAKDOWN_RUNS = 30;
const PHASE_COLOURS = 10;

export function historyListView(root: HTMLElement): () => void {
  setConnection('');
  document.title = 'History — prog';
  let disposed = false;
  const body = el('tbody');
  const empty = el('p', { class: 'muted empty', text: 'Loading…' });
  const head = el('thead', {}, [el('tr', {}, ['Workflow', 'Key', 'Runs', 'Last run', 'p50', 'p90', 'Success'].map((h) => el('th', { text: h })))]);
  root.append(el('section', { class: 'panel' }, [
    el('div', { class: 'panel-head' }, [el('h1', { text: 'History' })]),
    el('table', { class: 'grid history', testid: 'history-table' }, [head, body]),
    empty,
  ]));
  void getJson<{ workflows: WorkflowSummary[] }>('/api/history').then((r) => {
    if (disposed) return;
    empty.hidden = r.workflows.length > 0;
    empty.textContent = 'No finished runs yet: history fills as runs end.';
    for (const w of r.workflows) {
      const tr = el('tr', { testid: 'workflow-row' }, [
        el('td', {}, [viewLink(['history', w.key], w.name || w.key)]),
        el('td', { class: 'muted mono', text: w.key }),
        el('td', { class: 'num', text: String(w.runs) }),
        el('td', { class: 'num', text: when(w.lastStartedAt) }),
        el('td', { class: 'num', text: duration(w.p50Ms) }),
        el('td', { class: 'num', text: duration(w.p90Ms) }),
        el('td', { class: 'num', text: ratio(w.successRate) }),
      ]);
      tr.dataset.workflowKey = w.key;
      body.append(tr);
    }
  }, (error: Error) => {
    if (disposed) return;
    empty.textContent = `Could not read the history: ${error.message}`;
  });
  return () => {
    disposed = true;
  };
}

export function workflowView(root: HTMLElement, key: string): () => void {
  setConnection('');
  let disposed = false;
  let plot: uPlot | undefined;
  let resize: ResizeObserver | undefined;
  const message = el('p', { class: 'message', text: 'Loading…' });
  root.append(el('nav', { class: 'crumbs' }, [el('a', { text: '← History', attrs: { href: '#/history' } })]), message);

  void getJson<{ workflow: WorkflowSummary; runs: HistoryRun[] }>('/api/history', { workflow: key }).then((r) => {
    if (disposed) return;
    message.hidden = true;
    document.title = `${r.workflow.name} history — prog`;
    const selected: string[] = [];
    const compare = el('button', { class: 'btn', text: 'Compare the two ticked runs', testid: 'compare-button', attrs: { type: 'button' } });
    compare.disabled = true;
    compare.addEventListener('click', () => {
      if (selected.length !== 2) return;
      // The older run is A, whichever was ticked first.
      const order = (id: string) => r.runs.findIndex((run) => run.id === id);
      const [a, b] = [...selected].sort((x, y) => order(x) - order(y));
      location.hash = viewHref(['compare', a!, b!]);
    });
    const chartBox = el('div', { class: 'history-plot' });
    const chart = el('figure', { class: 'chart wide', testid: 'history-chart' }, [el('figcaption', { text: 'Duration of each run (oldest first)' }), chartBox]);
    const w = r.workflow;
    root.append(
      el('section', { class: 'panel' }, [
        el('div', { class: 'panel-head' }, [el('h1', { text: w.name || w.key }), el('span', { class: 'muted mono', text: w.key })]),
        el('div', { class: 'stats' }, [
          stat('Runs', String(w.runs)), stat('p50', duration(w.p50Ms)), stat('p90', duration(w.p90Ms)),
          stat('Success', ratio(w.successRate)), stat('Last run', when(w.lastStartedAt)),
        ]),
        chart,
      ]),
      breakdown(r.runs, selected, compare),
      phaseTable(r.runs),
    );
    ({ plot, resize } = durationChart(chartBox, chart, r.runs, w));
  }, (error: Error) => {
    if (disposed) return;
    message.textContent = error instanceof ApiError && error.status === 404 ? `No history for ${key}.` : `Could not read the history: ${error.message}`;
  });

  return () => {
    disposed = true;
    resize?.disconnect();
    plot?.destroy();
  };
}

function stat(label: string, value: string): HTMLElement {
  return el('div', { class: 'stat' }, [el('span', { class: 'stat-label', text: label }), el('span', { class: 'stat-value', text: value })]);
}

function outcomeOf(status: string): 'ok' | 'failed' | 'interrupted' {
  const s = stateWord(status);
  return s === 'succeeded' ? 'ok' : s === 'failed' ? 'failed' : 'interrupted';
}

/** Durations as points coloured by outcome, with p50 and p90 as lines. */
function durationChart(box: HTMLElement, figure: HTMLElement, runs: HistoryRun[], w: WorkflowSummary): { plot: uPlot; resize: ResizeObserver } {
  const xs = runs.map((_, i) => i + 1);
  const pick = (o: string) => runs.map((r) => (outcomeOf(r.status) === o && r.durationMs !== undefined ? r.durationMs / 1000 : null));
  const flat = (ms: number | undefined) => runs.map(() => (ms === undefined ? null : ms / 1000));
  figure.dataset.points = String(runs.filter((r) => r.durationMs !== undefined).length);
  const points = (label: string, color: string): uPlot.Series => ({
    label, stroke: color, fill: color, width: 0, paths: () => null,
    points: { show: true, size: 8, fill: color, stroke: color },
    value: (_u, v) => (v === null ? '–' : duration(v * 1000)),
  });
  const line = (label: string, color: string): uPlot.Series => ({
    label, stroke: color, width: 1, dash: [4, 4], points: { show: false }, value: (_u, v) => (v === null ? '–' : duration(v * 1000)),
  });
  const axis = axisStyle();
  const opts: uPlot.Options = {
    width: Math.max(300, box.clientWidth || 900),
    height: 220,
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false, range: [0.5, runs.length + 0.5] }, y: { range: (_u, _min, max) => [0, (max || 1) * 1.1] } },
    axes: [
      // Runs are counted: ticks on whole numbers only.
      { ...axis, incrs: [1, 2, 5, 10, 20, 50, 100, 200], values: (_u, splits) => splits.map((s) => (Number.isInteger(s) && s >= 1 ? `#${s}` : '')) },
      { ...axis, values: (_u, splits) => splits.map((s) => duration(s * 1000)), size: 64 },
    ],
    series: [
      { label: 'run', value: (_u, v) => (v === null ? '–' : `#${v} ${runs[v - 1]?.id ?? ''}`) },
      points('ok', cssVar('--c-ok', '#2e9d4d')),
      points('failed', cssVar('--c-bad', '#d1453b')),
      points('interrupted', cssVar('--c-skip', '#9aa0a6')),
      line('p50', cssVar('--c-accent', '#3b7bd9')),
      line('p90', cssVar('--c-warn', '#e09b1a')),
    ],
  };
  const plot = new uPlot(opts, [xs, pick('ok'), pick('failed'), pick('interrupted'), flat(w.p50Ms), flat(w.p90Ms)], box);
  const resize = new ResizeObserver(() => {
    const width = Math.max(300, box.clientWidth);
    if (width !== plot.width) plot.setSize({ width, height: 220 });
  });
  resize.observe(box);
  return { plot, resize };
}

/** The latest runs as stacked bars of their phases (widths against the longest run), with ticks to compare. */
function breakdown(runs: HistoryRun[], selected: string[], compare: HTMLButtonElement): HTMLElement {
  const recent = runs.slice(-BREAKDOWN_RUNS).reverse();
  const colour = phaseColours(runs);
  const longest = Math.max(1, ...recent.map((r) => r.durationMs || 0));
  const legend = el('div', { class: 'legend' }, [...colour.entries()].map(([name, i]) => el('span', { class: 'legend-item' }, [el('span', { class: `swatch seg-${i}` }), name])));
  const list = el('div', { class: 'breakdown', testid: 'history-breakdown' });
  for (const run of recent) {
    const tick = el('input', { attrs: { type: 'checkbox', 'aria-label': `compare ${run.id}` } });
    tick.addEventListener('change', () => {
      const i = selected.indexOf(run.id);
      if (tick.checked && i < 0) selected.push(run.id);
      if (!tick.checked && i >= 0) selected.splice(i, 1);
      // Two at most: the oldest tick gives way.
      while (selected.length > 2) {
        const dropped = selected.shift()!;
        const other = list.querySelector<HTMLInputElement>(`[data-run-id="${CSS.escape(dropped)}"] input`);
        if (other) other.checked = false;
      }
      compare.disabled = selected.length !== 2;
    });
    const stack = el('div', { class: 'stack' });
    stack.style.width = `${((run.durationMs || 0) / longest) * 100}%`;
    const total = (run.phases ?? []).reduce((s, p) => s + Math.max(0, p.durationMs ?? 0), 0) || 1;
    for (const p of run.phases ?? []) {
      const seg = el('div', { class: `seg seg-${colour.get(p.name) ?? 0}`, title: `${p.name}: ${duration(p.durationMs)} (${p.status})` });
      seg.style.width = `${(Math.max(0, p.durationMs ?? 0) / total) * 100}%`;
      stack.append(seg);
    }
    const row = el('div', { class: 'breakdown-row', testid: 'history-run' }, [
      tick,
      viewLink(['run', run.id], run.id, { class: 'mono' }),
      el('span', { class: 'muted', text: when(run.startedAt) }),
      badge(stateWord(run.status)),
      el('span', { class: 'num', text: duration(run.durationMs) }),
      el('div', { class: 'stack-track' }, [stack]),
    ]);
    row.dataset.runId = run.id;
    list.append(row);
  }
  return el('section', { class: 'panel' }, [
    el('div', { class: 'panel-head' }, [el('h2', { text: `Where the time went (last ${recent.length} runs)` }), el('span', { class: 'spacer' }), compare]),
    legend,
    list,
  ]);
}

function phaseColours(runs: HistoryRun[]): Map<string, number> {
  const colour = new Map<string, number>();
  for (const run of runs) for (const p of run.phases ?? []) if (!colour.has(p.name)) colour.set(p.name, colour.size % PHASE_COLOURS);
  return colour;
}

/** Each phase across the runs: how often it ran, its typical and slow durations, the last one. */
function phaseTable(runs: HistoryRun[]): HTMLElement {
  const by = new Map<string, number[]>();
  const last = new Map<string, number>();
  for (const run of runs) {
    for (const p of run.phases ?? []) {
      if (p.durationMs === undefined) continue;
      const list = by.get(p.name) ?? [];
      list.push(p.durationMs);
      by.set(p.name, list);
      last.set(p.name, p.durationMs);
    }
  }
  const body = el('tbody');
  for (const [name, list] of by) {
    const sorted = [...list].sort((a, b) => a - b);
    body.append(el('tr', {}, [
      el('td', { text: name }),
      el('td', { class: 'num', text: String(list.length) }),
      el('td', { class: 'num', text: duration(quantile(sorted, 0.5)) }),
      el('td', { class: 'num', text: duration(quantile(sorted, 0.9)) }),
      el('td', { class: 'num', text: duration(last.get(name)) }),
    ]));
  }
  const table = el('table', { class: 'grid narrow', testid: 'history-phases' }, [
    el('thead', {}, [el('tr', {}, ['Phase', 'Runs', 'p50', 'p90', 'Last'].map((h) => el('th', { text: h })))]),
    body,
  ]);
  const section = el('section', { class: 'panel' }, [el('div', { class: 'panel-head' }, [el('h2', { text: 'Phases' })]), table]);
  if (by.size === 0) {
    clear(section);
    section.hidden = true;
  }
  return section;
}

export function quantile(sorted: number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}
