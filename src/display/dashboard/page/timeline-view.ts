// `#/run/ID/timeline`: the Gantt of a run's phases and items, from /api/timeline, kept current by
// the run's socket (its `items` and `phases` replace what the page has, by key).
import { ApiError, getJson, LiveSocket } from './api.js';
import { followRun, setConnection } from './connection.js';
import { el, setText, viewLink } from './dom.js';
import { commandLine } from './format.js';
import { Gantt } from './gantt.js';
import type { Item, RunInfo, RunMessage, Snapshot, TimelinePhase } from './types.js';

interface Timeline {
  at: number;
  phases: TimelinePhase[];
  items: Item[];
  omitted?: number;
}

export function timelineView(root: HTMLElement, runId: string): () => void {
  let disposed = false;
  let socket: LiveSocket<RunMessage> | undefined;
  let run: RunInfo | undefined;
  let snapshot: Snapshot | undefined;
  let receivedAt = performance.now();
  let ended = false;
  let at = 0;
  let omitted = 0;

  const gantt = new Gantt();
  const title = el('h1', { text: 'Timeline' });
  const info = el('span', { class: 'muted', testid: 'timeline-info' });
  const reset = el('button', { class: 'btn', text: 'Whole run', attrs: { type: 'button' } });
  reset.addEventListener('click', () => gantt.resetView());
  const legend = el('span', { class: 'legend' }, Gantt.legend().map(([cls, label]) => el('span', { class: `legend-item` }, [el('span', { class: `swatch sw-${cls}` }), label])));
  const message = el('p', { class: 'message' });
  message.hidden = true;
  root.append(
    el('nav', { class: 'crumbs' }, [el('a', { text: '← Runs', attrs: { href: '#/' } }), ' / ', viewLink(['run', runId], runId)]),
    message,
    el('section', { class: 'panel timeline-panel' }, [
      el('div', { class: 'panel-head' }, [title, info, el('span', { class: 'spacer' }), legend, reset]),
      el('p', { class: 'muted hint', text: 'Wheel to zoom, drag to pan, double-click for the whole run.' }),
      gantt.root,
    ]),
  );

  const running = () => !ended && (run?.state ?? 'running') === 'running';
  const nowMs = () => {
    const base = snapshot?.elapsedMs ?? run?.elapsedMs ?? 0;
    return running() ? base + (performance.now() - receivedAt) : (run?.durationMs ?? base);
  };
  const refresh = () => {
    gantt.setNow(nowMs(), running());
    gantt.describe(info);
    if (omitted > 0) info.textContent += ` (${omitted} more not kept)`;
    const name = snapshot?.workflow ?? run?.workflow ?? commandLine(run?.command);
    setText(title, `Timeline · ${name}`);
    document.title = `Timeline ${name} — prog`;
  };

  function onMessage(m: RunMessage): void {
    if (disposed) return;
    if (m.type === 'end') {
      ended = true;
      run = m.run;
      socket?.finish();
    } else {
      run = m.run;
      snapshot = m.snapshot;
      receivedAt = performance.now();
      if (m.type === 'update') {
        at = Math.max(at, m.at);
        if (m.phases?.length) gantt.setPhases(m.phases);
        if (m.items?.length) gantt.setItems(m.items);
      }
    }
    refresh();
  }

  async function load(): Promise<void> {
    setConnection('connecting');
    let timeline: Timeline;
    let progress: { at: number; run: RunInfo; snapshot: Snapshot };
    try {
      [timeline, progress] = await Promise.all([
        getJson<Timeline>('/api/timeline', { run: runId }),
        getJson<{ at: number; run: RunInfo; snapshot: Snapshot }>('/api/progress', { run: runId }),
      ]);
    } catch (error) {
      if (disposed) return;
      message.hidden = false;
      message.textContent = error instanceof ApiError && error.status === 404 ? `There is no run ${runId} in this state dir.` : `Could not load the timeline: ${(error as Error).message}`;
      setConnection('');
      return;
    }
    if (disposed) return;
    run = progress.run;
    snapshot = progress.snapshot;
    receivedAt = performance.now();
    omitted = timeline.omitted ?? 0;
    gantt.setPhases(timeline.phases);
    gantt.setItems(timeline.items);
    at = Math.min(timeline.at, progress.at);
    refresh();
    if (run.state !== 'running') {
      ended = true;
      setConnection('ended');
      refresh();
      return;
    }
    socket = followRun(runId, () => at, onMessage);
  }

  const tick = window.setInterval(() => {
    if (running()) refresh();
  }, 500);
  void load();

  return () => {
    disposed = true;
    clearInterval(tick);
    socket?.close();
    gantt.detach();
  };
}
