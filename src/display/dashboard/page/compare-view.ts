// `#/compare/A/B`: two runs side by side — their durations phase by phase, their counts and their
// failures — with the difference from A to B.
import { getJson } from './api.js';
import { setConnection } from './connection.js';
import { badge, el, viewLink } from './dom.js';
import { bytes, commandLine, duration, durationDelta, numberDelta, when } from './format.js';
import { treeOrder } from './phase-tree.js';
import type { Failure, Item, Phase, RunInfo, Snapshot } from './types.js';

interface Progress {
  run: RunInfo;
  snapshot: Snapshot;
  failures?: Failure[];
}

const FAILURES_SHOWN = 30;

export function compareView(root: HTMLElement, a: string, b: string): () => void {
  setConnection('');
  document.title = 'Compare — prog';
  let disposed = false;
  const message = el('p', { class: 'message', text: 'Loading…' });
  root.append(el('nav', { class: 'crumbs' }, [el('a', { text: '← History', attrs: { href: '#/history' } })]), message);

  void Promise.all([load(a), load(b)]).then(([A, B]) => {
    if (disposed) return;
    message.hidden = true;
    const runA = A.progress.run;
    const runB = B.progress.run;
    const total = (r: RunInfo, s: Snapshot) => r.durationMs ?? s.elapsedMs;
    const head = el('tr', {}, [el('th', { text: '' }), runHead(runA, 'A'), runHead(runB, 'B'), el('th', { text: 'B − A' })]);
    const body = el('tbody');
    const row = (label: string, va: string, vb: string, delta: string, cls = '', depth = 0) => {
      const th = el('th', { text: label });
      if (depth > 0) th.style.paddingLeft = `${0.5 + depth * 1.4}em`;
      body.append(el('tr', { class: cls }, [th, el('td', { class: 'num', text: va }), el('td', { class: 'num', text: vb }), el('td', { class: `num delta ${deltaClass(delta)}`, text: delta })]));
    };
    row('Duration', duration(total(runA, A.progress.snapshot)), duration(total(runB, B.progress.snapshot)), durationDelta(total(runA, A.progress.snapshot), total(runB, B.progress.snapshot)), 'strong');
    for (const { phase, depth } of phaseUnion(A.progress.snapshot.phases, B.progress.snapshot.phases)) {
      const pa = A.progress.snapshot.phases.find((p) => p.id === phase.id);
      const pb = B.progress.snapshot.phases.find((p) => p.id === phase.id);
      row(phase.name, pa ? `${duration(pa.durationMs)} ${mark(pa.status)}` : '–', pb ? `${duration(pb.durationMs)} ${mark(pb.status)}` : '–', durationDelta(pa?.durationMs, pb?.durationMs), 'phase', depth);
    }
    for (const key of ['processed', 'succeeded', 'failed', 'retried', 'skipped'] as const) {
      const ca = A.progress.snapshot.counts[key];
      const cb = B.progress.snapshot.counts[key];
      row(key, String(ca), String(cb), numberDelta(ca, cb), key === 'failed' ? 'count-bad' : '');
    }
    row('Peak memory', bytes(runA.peakRssBytes), bytes(runB.peakRssBytes), runA.peakRssBytes !== undefined && runB.peakRssBytes !== undefined ? signed(bytes(runB.peakRssBytes - runA.peakRssBytes), runB.peakRssBytes - runA.peakRssBytes) : '–');
    root.append(
      el('section', { class: 'panel' }, [
        el('div', { class: 'panel-head' }, [el('h1', { text: 'Compare runs' })]),
        el('table', { class: 'grid compare', testid: 'compare-table' }, [el('thead', {}, [head]), body]),
      ]),
      el('section', { class: 'panel' }, [
        el('div', { class: 'panel-head' }, [el('h2', { text: 'Failures' })]),
        el('div', { class: 'columns two' }, [failureList('A', A.failures, B.failures), failureList('B', B.failures, A.failures)]),
      ]),
    );
  }, (error: Error) => {
    if (disposed) return;
    message.textContent = `Could not load the runs: ${error.message}`;
  });

  return () => {
    disposed = true;
  };
}

async function load(id: string): Promise<{ progress: Progress; failures: Failure[] }> {
  const progress = await getJson<Progress>('/api/progress', { run: id });
  let failures = progress.failures ?? progress.snapshot.failures;
  if (!failures) {
    failures = [];
    if (progress.snapshot.counts.failed > 0) {
      // Without the list in the snapshot, the timeline's failed items stand in (no error text).
      const t = await getJson<{ items: Item[] }>('/api/timeline', { run: id });
      for (const [phase, itemId, agent, , end, outcome] of t.items) {
        if (outcome === 'failed') failures.push({ id: itemId, tMs: end ?? 0, ...(phase !== null ? { phase } : {}), ...(agent !== null ? { agent } : {}) });
      }
    }
  }
  return { progress, failures };
}

function runHead(run: RunInfo, letter: string): HTMLElement {
  return el('th', { class: 'run-col' }, [
    el('div', {}, [`${letter}: `, viewLink(['run', run.id], run.id, { class: 'mono' })]),
    el('div', { class: 'muted', text: `${when(run.startedAt)} · ${run.workflow ?? commandLine(run.command)}` }),
    badge(run.state),
  ]);
}

/** Phases of both runs in tree order: A's first, then those only B had. */
function phaseUnion(a: Phase[], b: Phase[]): { phase: Phase; depth: number }[] {
  const ids = new Set(a.map((p) => p.id));
  return treeOrder([...a, ...b.filter((p) => !ids.has(p.id))]);
}

function mark(status: string): string {
  return status === 'ok' ? '✔' : status === 'failed' ? '✖' : status === 'running' ? '↻' : '⊘';
}

function signed(text: string, n: number): string {
  return n > 0 ? `+${text}` : n === 0 ? '±0' : text.replace(/^-/, '−');
}

function deltaClass(delta: string): string {
  return delta.startsWith('+') ? 'up' : delta.startsWith('−') ? 'down' : '';
}

/** One run's failures; those the other run did not have are marked new. */
function failureList(letter: string, mine: Failure[], other: Failure[]): HTMLElement {
  const otherIds = new Set(other.map((f) => `${f.phase ?? ''}\u0000${f.id}`));
  const list = el('ul', { class: 'compare-failures' });
  for (const f of mine.slice(-FAILURES_SHOWN)) {
    const only = !otherIds.has(`${f.phase ?? ''}\u0000${f.id}`);
    list.append(el('li', {}, [
      el('span', { class: 'icon bad', text: '✖' }), ' ',
      el('strong', { text: f.id }),
      f.phase ? el('span', { class: 'muted', text: ` (${f.phase})` }) : null,
      only ? el('span', { class: 'tag', text: `only in ${letter}` }) : null,
      f.error ? el('div', { class: 'failure-error', text: f.error }) : null,
    ]));
  }
  if (mine.length === 0) list.append(el('li', { class: 'muted', text: 'none' }));
  else if (mine.length > FAILURES_SHOWN) list.append(el('li', { class: 'muted', text: `… and ${mine.length - FAILURES_SHOWN} more` }));
  return el('div', {}, [el('h3', { text: `${letter}: ${mine.length} failed` }), list]);
}
