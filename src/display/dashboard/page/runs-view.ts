// `#/`: every run in the state dir, newest first, live. The socket without a run sends the whole
// list when a run starts, moves or ends; while it is down the list is polled every 2 s.
import { getJson, LiveSocket, type SocketState } from './api.js';
import { setConnection } from './connection.js';
import { badge, bar, clear, el, option, placeInOrder, select, setText, viewHref, viewLink } from './dom.js';
import { bytes, commandLine, duration, eta, percent, ratio, when } from './format.js';
import { frameTask } from './frame.js';
import type { RunInfo } from './types.js';

const POLL_MS = 2_000;
const STATES = ['running', 'succeeded', 'failed', 'interrupted', 'lost'];

interface Row {
  tr: HTMLTableRowElement;
  state: HTMLElement;
  bar: ReturnType<typeof bar>;
  percent: HTMLElement;
  eta: HTMLElement;
  elapsed: HTMLElement;
  counts: HTMLElement;
  success: HTMLElement;
  memory: HTMLElement;
}

export function runsView(root: HTMLElement): () => void {
  let runs: RunInfo[] = [];
  let receivedAt = performance.now();
  let disposed = false;
  let pollTimer: number | undefined;
  let loaded = false;
  const rows = new Map<string, Row>();

  const workflowInput = el('input', { testid: 'runs-workflow-filter', attrs: { type: 'search', placeholder: 'workflow or command', list: 'workflow-names', 'aria-label': 'workflow' } });
  const names = el('datalist', { attrs: { id: 'workflow-names' } });
  const stateSelect = select([['', 'all states'], ...STATES.map((s): [string, string] => [s, s])], { testid: 'runs-state-filter' });
  const count = el('span', { class: 'muted' });
  const body = el('tbody');
  const empty = el('p', { class: 'muted empty' });
  const head = el('thead', {}, [el('tr', {}, ['Run', 'Workflow / command', 'State', 'Progress', '%', 'ETA', 'Elapsed', 'Items', 'Success', 'Peak mem', 'Started'].map((h) => el('th', { text: h })))]);
  root.append(el('section', { class: 'panel' }, [
    el('div', { class: 'panel-head' }, [el('h1', { text: 'Runs' }), el('div', { class: 'filters' }, [workflowInput, names, stateSelect, count])]),
    el('div', { class: 'table-scroll' }, [el('table', { class: 'grid runs', testid: 'runs-table' }, [head, body])]),
    empty,
  ]));
  workflowInput.addEventListener('input', () => frame.request());
  stateSelect.addEventListener('change', () => frame.request());
  // A click anywhere on a row opens the run (the id cell is the real link, for the keyboard).
  body.addEventListener('click', (event) => {
    const target = event.target as HTMLElement;
    if (target.closest('a')) return;
    const tr = target.closest('tr');
    if (tr?.dataset.runId) location.hash = viewHref(['run', tr.dataset.runId]);
  });

  const frame = frameTask(render);
  function render(): void {
    if (disposed) return;
    const text = workflowInput.value.trim().toLowerCase();
    const state = stateSelect.value;
    const shown = runs.filter((r) => (!state || r.state === state) && (!text || [r.workflow ?? '', r.key ?? '', commandLine(r.command)].some((s) => s.toLowerCase().includes(text))));
    const live = new Set<string>();
    const order: Element[] = [];
    for (const r of shown) {
      live.add(r.id);
      let row = rows.get(r.id);
      if (!row) {
        row = newRow(r);
        rows.set(r.id, row);
      }
      fill(row, r, performance.now() - receivedAt);
      order.push(row.tr);
    }
    for (const [id, row] of rows) {
      if (!live.has(id)) {
        row.tr.remove();
        rows.delete(id);
      }
    }
    placeInOrder(body, order);
    const running = runs.filter((r) => r.state === 'running').length;
    setText(count, `${shown.length} of ${runs.length} runs${running ? ` · ${running} running` : ''}`);
    empty.hidden = shown.length > 0 || !loaded;
    setText(empty, runs.length === 0 ? 'No runs yet. Start one with: prog run -- <command>' : 'No run matches the filters.');
    const workflows = [...new Set(runs.map((r) => r.workflow).filter((w): w is string => !!w))].sort();
    if (names.childElementCount !== workflows.length) {
      clear(names);
      for (const w of workflows) names.append(option(w, w));
    }
    document.title = running ? `${running} running — prog` : 'prog dashboard';
  }

  function take(list: RunInfo[]): void {
    runs = list;
    receivedAt = performance.now();
    loaded = true;
    frame.request();
  }

  async function poll(): Promise<void> {
    try {
      const r = await getJson<{ runs: RunInfo[] }>('/api/runs');
      if (!disposed) take(r.runs);
    } catch (error) {
      if (!disposed && !loaded) {
        loaded = true;
        setText(empty, `Could not list the runs: ${(error as Error).message}`);
        empty.hidden = false;
      }
    }
  }

  function onState(state: SocketState): void {
    setConnection(state, state === 'reconnecting' ? 'the live connection is down: the list is polled every 2 s until it is back' : '');
    // While the socket is down the list is polled; once it is back, it alone updates the list.
    if (state === 'reconnecting' && pollTimer === undefined) {
      pollTimer = window.setInterval(() => void poll(), POLL_MS);
      void poll();
    } else if (state === 'live' && pollTimer !== undefined) {
      clearInterval(pollTimer);
      pollTimer = undefined;
    }
  }

  setConnection('connecting');
  void poll();
  const socket = new LiveSocket<{ type: string; runs?: RunInfo[] }>({
    path: () => '/ws',
    onMessage: (m) => {
      if (m.type === 'runs' && Array.isArray(m.runs)) take(m.runs);
    },
    onState,
  });
  // Elapsed times of running runs move between messages.
  const tick = window.setInterval(() => {
    if (runs.some((r) => r.state === 'running')) frame.request();
  }, 1000);

  return () => {
    disposed = true;
    socket.close();
    clearInterval(tick);
    if (pollTimer !== undefined) clearInterval(pollTimer);
    frame.cancel();
  };
}

function newRow(r: RunInfo): Row {
  const td = (cls = '') => el('td', { class: cls });
  const b = bar('run-bar');
  const row = { state: td(), percent: td('num'), eta: td('num'), elapsed: td('num'), counts: td('num counts'), success: td('num'), memory: td('num') };
  const what = el('td', { class: 'what' }, [
    r.workflow ? el('strong', { text: r.workflow }) : null,
    el('span', { class: r.workflow ? 'muted cmd' : 'cmd', text: `${r.workflow ? ' ' : ''}${commandLine(r.command)}` }),
  ]);
  what.title = `${commandLine(r.command)}${r.cwd ? `\nin ${r.cwd}` : ''}`;
  const tr = el('tr', { testid: 'run-row', class: 'clickable' }, [
    el('td', { class: 'run-id' }, [viewLink(['run', r.id], r.id)]),
    what,
    row.state,
    el('td', { class: 'bar-cell' }, [b.root]),
    row.percent, row.eta, row.elapsed, row.counts, row.success, row.memory,
    el('td', { class: 'num muted', text: when(r.startedAt) }),
  ]);
  tr.dataset.runId = r.id;
  return { tr, bar: b, ...row };
}

function fill(row: Row, r: RunInfo, sinceMs: number): void {
  if (row.state.textContent !== r.state) row.state.replaceChildren(badge(r.state));
  row.tr.dataset.state = r.state;
  const running = r.state === 'running';
  const p = running ? r.percent : (r.percent ?? (r.state === 'succeeded' ? 100 : undefined));
  row.bar.set(p, r.state);
  setText(row.percent, percent(p, r.estimated));
  setText(row.eta, running ? eta(r) : '');
  setText(row.elapsed, duration(running ? (r.elapsedMs ?? 0) + sinceMs : (r.durationMs ?? r.elapsedMs)));
  const c = r.counts;
  setText(row.counts, c ? `${c.succeeded}✔${c.failed ? ` ${c.failed}✖` : ''}${c.running ? ` ${c.running}▸` : ''}` : '–');
  row.counts.classList.toggle('bad', (c?.failed ?? 0) > 0);
  setText(row.success, ratio(r.successRate));
  setText(row.memory, bytes(r.peakRssBytes));
}
