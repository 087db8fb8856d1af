// `#/run/ID`: one run, live. The first picture comes from the API; then the run's socket sends what
// changed, resumed after a lost connection from the last position seen (`after=`), and the screen
// is redrawn at most once per animation frame.
import { AgentTable } from './agent-table.js';
import { ApiError, getJson, LiveSocket } from './api.js';
import { TimeChart } from './charts.js';
import { followRun, setConnection } from './connection.js';
import { el } from './dom.js';
import { FailureList } from './failures.js';
import { bytes, cpu, percent, rate, signedBytes } from './format.js';
import { frameTask } from './frame.js';
import { LogView } from './log-view.js';
import { PhaseTree } from './phase-tree.js';
import { RunHeader } from './run-header.js';
import { SeriesStore } from './series-store.js';
import type { Failure, Item, RunInfo, RunMessage, Series, Snapshot } from './types.js';

interface Progress {
  at: number;
  run: RunInfo;
  snapshot: Snapshot;
  failures?: Failure[];
  failuresOmitted?: number;
}

interface Timeline {
  at: number;
  items: Item[];
}

export function runView(root: HTMLElement, runId: string): () => void {
  let run: RunInfo | undefined;
  let snapshot: Snapshot | undefined;
  let receivedAt = performance.now();
  let at = 0;
  let ended = false;
  let disposed = false;
  let socket: LiveSocket<RunMessage> | undefined;
  const series = new SeriesStore();
  // The server's failures (with their output); before any, failed items from the timeline.
  let served: { list: Failure[]; omitted: number } | undefined;
  let failedItems: Map<string, Item> | undefined;

  const header = new RunHeader(runId);
  const tree = new PhaseTree();
  const agents = new AgentTable();
  const logView = new LogView(runId);
  const failures = new FailureList((text) => logView.filterText(text));
  const chartsBox = el('div', { class: 'charts' });
  const message = el('p', { class: 'message' });
  message.hidden = true;
  root.append(
    el('nav', { class: 'crumbs' }, [el('a', { text: '← Runs', attrs: { href: '#/' } })]),
    message,
    header.root,
    el('div', { class: 'columns' }, [tree.root, agents.root]),
    el('section', { class: 'panel charts-panel' }, [el('div', { class: 'panel-head' }, [el('h2', { text: 'Over time' })]), chartsBox]),
    failures.root,
    logView.root,
  );
  const charts = {
    progress: new TimeChart(chartsBox, {
      title: 'Progress and throughput', testid: 'chart-progress', yRange: [0, 100], yValue: (v) => `${v}%`, y2Value: (v) => rate(v),
      lines: [
        { label: 'progress', color: '--c-accent', value: (v) => percent(v), fill: true },
        { label: 'rate', color: '--c-rate', scale: 'y2', value: (v) => rate(v) },
      ],
    }),
    cpu: new TimeChart(chartsBox, { title: 'CPU (100% = one core)', testid: 'chart-cpu', yValue: (v) => cpu(v), lines: [{ label: 'CPU', color: '--c-cpu', value: (v) => cpu(v), fill: true }] }),
    memory: new TimeChart(chartsBox, { title: 'Memory (resident)', testid: 'chart-memory', yValue: (v) => bytes(v), lines: [{ label: 'memory', color: '--c-mem', value: (v) => bytes(v), fill: true }] }),
    disk: new TimeChart(chartsBox, { title: 'Disk used since start', testid: 'chart-disk', yValue: (v) => signedBytes(v), lines: [{ label: 'disk', color: '--c-disk', value: (v) => signedBytes(v) }] }),
  };

  const running = () => !ended && (run?.state ?? 'running') === 'running';
  /** The run's clock now: the last snapshot's, moved on by the time since it came. */
  const nowMs = () => {
    const base = snapshot?.elapsedMs ?? run?.elapsedMs ?? 0;
    return running() ? base + (performance.now() - receivedAt) : (run?.durationMs ?? base);
  };

  const frame = frameTask(render);
  function render(): void {
    if (disposed) return;
    const now = nowMs();
    header.update(run, snapshot, now);
    tree.update(snapshot?.phases ?? [], now);
    agents.update(snapshot?.agents ?? [], now);
    const list = served?.list ?? snapshot?.failures ?? failuresFromItems();
    failures.update(list, served?.omitted ?? snapshot?.failuresOmitted ?? 0, snapshot?.recentLogs ?? []);
    if (series.changed) {
      series.changed = false;
      const d: Series = series.data;
      charts.progress.set(d.t, [d.percent, d.rate]);
      charts.cpu.set(d.t, [d.cpuPercent]);
      charts.memory.set(d.t, [d.rssBytes]);
      charts.disk.set(d.t, [d.diskDeltaBytes]);
    }
    const p = snapshot?.percent ?? run?.percent;
    document.title = `${p !== undefined ? `${Math.floor(p)}% ` : ''}${snapshot?.workflow ?? run?.workflow ?? run?.command?.[0] ?? runId} — prog`;
  }

  function failuresFromItems(): Failure[] {
    if (!failedItems) return [];
    const agentsNow = snapshot?.agents ?? [];
    return [...failedItems.values()].map(([phase, id, agent, , end]): Failure => {
      const error = agentsNow.find((a) => a.id === agent && a.last?.item === id)?.last?.error;
      return { id, tMs: end ?? 0, ...(phase !== null ? { phase } : {}), ...(agent !== null ? { agent } : {}), ...(error !== undefined ? { error } : {}) };
    }).sort((a, b) => a.tMs - b.tMs);
  }

  function applyItems(items: Item[] | undefined): void {
    if (!failedItems || !items) return;
    for (const item of items) {
      const key = `${item[0] ?? ''}\u0000${item[1]}`;
      if (item[5] === 'failed') failedItems.set(key, item);
      else if (item[5] === 'done' || item[5] === 'skipped') failedItems.delete(key);
    }
  }

  function setState(r: RunInfo | undefined, s: Snapshot | undefined): void {
    if (r) run = r;
    if (s) {
      snapshot = s;
      receivedAt = performance.now();
    }
  }

  async function loadTimelineFailures(): Promise<number | undefined> {
    failedItems = new Map();
    try {
      const t = await getJson<Timeline>('/api/timeline', { run: runId });
      applyItems(t.items);
      return t.at;
    } catch {
      return undefined; // The list stays empty; the counts still say how many failed.
    }
  }

  function onMessage(m: RunMessage): void {
    if (disposed) return;
    if (m.type === 'snapshot') {
      setState(m.run, m.snapshot);
      if (m.gap) logView.gap(m.gap.from, m.gap.to);
    } else if (m.type === 'update') {
      at = Math.max(at, m.at);
      setState(m.run, m.snapshot);
      if (m.lines?.length) logView.push(m.lines);
      series.append(m.points);
      applyItems(m.items);
      if (m.failures) served = { list: m.failures, omitted: m.failuresOmitted ?? 0 };
      if (!served && !failedItems && m.snapshot.counts.failed > 0) void loadTimelineFailures();
    } else if (m.type === 'end') {
      at = Math.max(at, m.at);
      ended = true;
      setState(m.run, undefined);
      socket?.finish();
      // The final picture, whole: the last update may have come before the very end.
      void getJson<Progress>('/api/progress', { run: runId }).then((p) => {
        if (disposed) return;
        setState(p.run, p.snapshot);
        if (p.failures) served = { list: p.failures, omitted: p.failuresOmitted ?? 0 };
        frame.request();
      }, () => {});
    }
    frame.request();
  }

  async function load(): Promise<void> {
    setConnection('connecting');
    let progress: Progress;
    let points: Series & { at: number };
    try {
      [progress, points] = await Promise.all([
        getJson<Progress>('/api/progress', { run: runId }),
        getJson<Series & { at: number }>('/api/series', { run: runId }),
      ]);
    } catch (error) {
      if (disposed) return;
      message.hidden = false;
      message.textContent = error instanceof ApiError && error.status === 404 ? `There is no run ${runId} in this state dir.` : `Could not load the run: ${(error as Error).message}`;
      setConnection('');
      return;
    }
    if (disposed) return;
    setState(progress.run, progress.snapshot);
    if (progress.failures) served = { list: progress.failures, omitted: progress.failuresOmitted ?? 0 };
    series.replace(points);
    const ats = [progress.at, points.at];
    const logAt = await logView.reload();
    if (logAt !== undefined) ats.push(logAt);
    if (!served && !progress.snapshot.failures && progress.snapshot.counts.failed > 0) {
      const t = await loadTimelineFailures();
      if (t !== undefined) ats.push(t);
    }
    if (disposed) return;
    // The socket resumes from the oldest of the pictures: anything newer that comes twice is skipped.
    at = Math.min(...ats);
    frame.request();
    if (progress.run.state !== 'running') {
      ended = true;
      setConnection('ended');
      return;
    }
    socket = followRun(runId, () => at, onMessage);
  }

  // Elapsed time and time on item move between updates.
  const tick = window.setInterval(() => {
    if (running()) frame.request();
  }, 1000);
  void load();

  return () => {
    disposed = true;
    clearInterval(tick);
    frame.cancel();
    socket?.close();
    logView.dispose();
    for (const chart of Object.values(charts)) chart.destroy();
  };
}
