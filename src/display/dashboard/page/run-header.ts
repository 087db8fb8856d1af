// The top of a run's page: what it is, where it stands, what it uses.
import { badge, bar, el, setText, viewLink } from './dom.js';
import { bytes, commandLine, cpu, duration, eta, percent, ratio, signedBytes, when } from './format.js';
import type { RunInfo, Snapshot } from './types.js';

export class RunHeader {
  readonly root: HTMLElement;
  readonly #title = el('h1', { class: 'run-title', testid: 'run-title' });
  readonly #badge = el('span');
  readonly #sub = el('div', { class: 'run-sub muted' });
  readonly #bar = bar('run-bar');
  readonly #percent = el('span', { class: 'big-percent', testid: 'run-percent' });
  readonly #stats = new Map<string, HTMLElement>();
  /** Smaller text after a figure: the machine's CPU, the peak memory. */
  readonly #notes = new Map<string, HTMLElement>();

  constructor(runId: string) {
    const stat = (key: string, label: string, testid?: string) => {
      const value = el('span', { class: 'stat-value', ...(testid ? { testid } : {}) });
      const note = el('span', { class: 'stat-note muted' });
      this.#stats.set(key, value);
      this.#notes.set(key, note);
      return el('div', { class: `stat stat-${key}` }, [el('span', { class: 'stat-label', text: label }), el('span', {}, [value, note])]);
    };
    this.root = el('header', { class: 'run-header panel' }, [
      el('div', { class: 'run-head-line' }, [
        this.#title,
        this.#badge,
        el('span', { class: 'spacer' }),
        viewLink(['run', runId, 'timeline'], 'Timeline →', { class: 'btn', testid: 'timeline-link' }),
      ]),
      this.#sub,
      el('div', { class: 'run-progress' }, [this.#percent, this.#bar.root]),
      el('div', { class: 'stats' }, [
        stat('eta', 'ETA', 'run-eta'),
        stat('elapsed', 'Elapsed'),
        stat('succeeded', 'Succeeded', 'count-succeeded'),
        stat('failed', 'Failed', 'count-failed'),
        stat('retried', 'Retried'),
        stat('skipped', 'Skipped'),
        stat('running', 'Running'),
        stat('rate', 'Success rate'),
        stat('cpu', 'CPU'),
        stat('mem', 'Memory'),
        stat('disk', 'Disk'),
      ]),
    ]);
  }

  update(run: RunInfo | undefined, snapshot: Snapshot | undefined, nowMs: number): void {
    const title = snapshot?.workflow ?? run?.workflow ?? commandLine(run?.command);
    setText(this.#title, title);
    this.#title.title = commandLine(run?.command);
    const state = run?.state ?? (snapshot?.status === 'ok' ? 'succeeded' : snapshot?.status) ?? 'unknown';
    if (this.#badge.textContent !== state) {
      const b = badge(state);
      b.dataset.testid = 'run-state';
      this.#badge.replaceChildren(b);
    }
    const sub = [run ? commandLine(run.command) : '', run?.cwd ? `in ${run.cwd}` : '', run ? `started ${when(run.startedAt)}` : '', run ? `id ${run.id}` : ''];
    setText(this.#sub, sub.filter(Boolean).join(' · '));
    const p = snapshot?.percent ?? run?.percent;
    const estimated = snapshot?.estimated ?? run?.estimated ?? false;
    this.#bar.set(p, state);
    setText(this.#percent, percent(p, estimated));
    this.#percent.title = estimated ? 'estimated from the durations of past runs of this workflow' : '';
    const s = this.#stats;
    const running = state === 'running';
    const e = snapshot ?? run ?? {};
    setText(s.get('eta')!, running ? eta(e) : 'done');
    setText(s.get('elapsed')!, duration(running ? nowMs : (run?.durationMs ?? snapshot?.elapsedMs ?? nowMs)));
    const counts = snapshot?.counts ?? run?.counts;
    for (const key of ['succeeded', 'failed', 'retried', 'skipped', 'running'] as const) setText(s.get(key)!, counts ? String(counts[key]) : '–');
    s.get('failed')!.classList.toggle('bad', (counts?.failed ?? 0) > 0);
    const sr = run?.successRate ?? (counts && counts.succeeded + counts.failed > 0 ? counts.succeeded / (counts.succeeded + counts.failed) : undefined);
    setText(s.get('rate')!, ratio(sr));
    const res = snapshot?.resources;
    const notes = this.#notes;
    setText(s.get('cpu')!, res ? cpu(res.cpuPercent) : '–');
    setText(notes.get('cpu')!, res?.machine ? ` machine ${Math.round(res.machine.cpuPercent)}%` : '');
    setText(s.get('mem')!, res ? bytes(res.rssBytes) : run?.peakRssBytes ? bytes(run.peakRssBytes) : '–');
    setText(notes.get('mem')!, run?.peakRssBytes ? ` peak ${bytes(run.peakRssBytes)}` : '');
    setText(s.get('disk')!, res?.diskDeltaBytes !== undefined ? signedBytes(res.diskDeltaBytes) : '–');
  }
}
