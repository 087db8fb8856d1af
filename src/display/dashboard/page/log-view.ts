// A run's log stream: the command's lines and its log lines, filtered by level, source, stream and
// text. A change of filter asks the server (which holds more than the page shows); new lines from
// the socket are filtered here the same way. Paused, new lines are counted, not shown; following,
// the view stays at the bottom. At most MAX_DOM_LINES lines are in the page.
import { renderAnsi } from './ansi.js';
import { getJson } from './api.js';
import { clear, el, option, select, setText } from './dom.js';
import { frameTask } from './frame.js';
import { clock } from './format.js';
import { LEVELS, type Line, type LogLevel } from './types.js';

export const MAX_DOM_LINES = 5_000;
const FETCH_LIMIT = 1_000;

interface Filters {
  level: '' | LogLevel;
  source: string;
  stream: '' | 'stdout' | 'stderr' | 'log';
  text: string;
}

/** A line, or the mark of lines the server no longer had. */
type Entry = Line | { gap: { from: number; to: number } };

interface LogsResponse {
  at: number;
  lines: Line[];
  first?: number;
  omitted?: number;
}

export class LogView {
  readonly root: HTMLElement;
  readonly #list: HTMLElement;
  readonly #note: HTMLElement;
  readonly #pauseButton: HTMLButtonElement;
  readonly #followBox: HTMLInputElement;
  readonly #sourceSelect: HTMLSelectElement;
  readonly #filters: Filters = { level: '', source: '', stream: '', text: '' };
  readonly #sources = new Set<string>();
  /** The last feed number accounted for: lines at or below it are shown already (or filtered out). */
  #seen = 0;
  /** Lines that came while a filtered fetch was on its way: applied after it. */
  #loading: Line[] | undefined;
  #fetchSeq = 0;
  #paused = false;
  /** Entries waiting for the next frame (or, paused, for Resume). */
  #pending: Entry[] = [];
  #pendingDropped = 0;
  #follow = true;
  #lines = 0;
  readonly #frame = frameTask(() => this.#render());
  #textTimer: number | undefined;

  constructor(private readonly runId: string) {
    const levelSelect = select([['', 'all levels'], ...LEVELS.map((l): [string, string] => [l, l === 'debug' ? 'debug+' : `${l}+`])], { testid: 'log-level-filter', title: 'least level (command output has none and is hidden)' });
    levelSelect.addEventListener('change', () => {
      this.#filters.level = levelSelect.value as Filters['level'];
      void this.reload();
    });
    this.#sourceSelect = select([['', 'all sources']], { testid: 'log-source-filter' });
    this.#sourceSelect.addEventListener('change', () => {
      this.#filters.source = this.#sourceSelect.value;
      void this.reload();
    });
    const streamSelect = select([['', 'all streams'], ['stdout', 'stdout'], ['stderr', 'stderr'], ['log', 'log lines']], { testid: 'log-stream-filter' });
    streamSelect.addEventListener('change', () => {
      this.#filters.stream = streamSelect.value as Filters['stream'];
      void this.reload();
    });
    const textInput = el('input', { testid: 'log-text-filter', attrs: { type: 'search', placeholder: 'filter text', spellcheck: 'false', 'aria-label': 'filter text' } });
    textInput.addEventListener('input', () => {
      // Typing asks the server once it pauses, not at every key.
      if (this.#textTimer !== undefined) clearTimeout(this.#textTimer);
      this.#textTimer = window.setTimeout(() => {
        this.#textTimer = undefined;
        this.#filters.text = textInput.value;
        void this.reload();
      }, 250);
    });
    this.#pauseButton = el('button', { class: 'btn', text: 'Pause', testid: 'log-pause', attrs: { type: 'button' } });
    this.#pauseButton.addEventListener('click', () => this.#setPaused(!this.#paused));
    this.#followBox = el('input', { attrs: { type: 'checkbox' } });
    this.#followBox.checked = true;
    this.#followBox.addEventListener('change', () => {
      this.#follow = this.#followBox.checked;
      if (this.#follow) this.#scrollToEnd();
    });
    const raw = (name: string) => {
      const a = el('a', { text: name, class: 'raw-link', attrs: { target: '_blank', rel: 'noopener noreferrer' } });
      a.href = `/raw/${encodeURIComponent(runId)}/${name}`;
      return a;
    };
    this.#note = el('div', { class: 'log-note muted' });
    this.#list = el('div', { class: 'log-list', testid: 'log-list', attrs: { role: 'log', 'aria-live': 'off' } });
    this.#list.addEventListener('scroll', () => {
      // Scrolling up stops following; back at the bottom, it follows again.
      const atEnd = this.#list.scrollHeight - this.#list.scrollTop - this.#list.clientHeight < 24;
      if (atEnd !== this.#follow) {
        this.#follow = atEnd;
        this.#followBox.checked = atEnd;
      }
    });
    this.root = el('section', { class: 'panel log-panel' }, [
      el('div', { class: 'panel-head' }, [
        el('h2', { text: 'Log' }),
        el('div', { class: 'log-controls' }, [
          levelSelect, this.#sourceSelect, streamSelect, textInput, this.#pauseButton,
          el('label', { class: 'check' }, [this.#followBox, ' Follow']),
          el('span', { class: 'raw-links' }, ['raw: ', raw('stdout.log'), ' ', raw('stderr.log')]),
        ]),
      ]),
      this.#note,
      this.#list,
    ]);
  }

  /** The lines matching the filters, from the server; what the socket brings meanwhile follows them. */
  async reload(): Promise<number | undefined> {
    const seq = ++this.#fetchSeq;
    this.#loading = [];
    let response: LogsResponse;
    try {
      response = await getJson<LogsResponse>('/api/logs', {
        run: this.runId,
        level: this.#filters.level,
        source: this.#filters.source,
        stream: this.#filters.stream,
        text: this.#filters.text,
        limit: FETCH_LIMIT,
      });
    } catch (error) {
      if (seq !== this.#fetchSeq) return undefined;
      this.#loading = undefined;
      setText(this.#note, `Could not read the log: ${(error as Error).message}`);
      return undefined;
    }
    if (seq !== this.#fetchSeq) return undefined;
    const queued = this.#loading ?? [];
    this.#loading = undefined;
    clear(this.#list);
    this.#lines = 0;
    this.#pending = [];
    this.#pendingDropped = 0;
    for (const line of response.lines) this.#noteSource(line);
    // Only the last FETCH_LIMIT lines are asked for: older ones are in the raw logs (the page says so
    // when the answer is full, since `first` counts events too and cannot tell).
    setText(this.#note, response.lines.length >= FETCH_LIMIT ? `Showing the last ${FETCH_LIMIT} matching lines and what follows; older ones are in the raw logs.` : '');
    this.#pending.push(...response.lines);
    this.#seen = Math.max(this.#seen, response.at);
    for (const line of queued) if (line.n > response.at && this.#matches(line)) this.#queue(line);
    if (this.#paused) {
      // The fetched lines are shown even when paused: they were asked for.
      this.#render(true);
    } else this.#frame.request();
    return response.at;
  }

  /** Lines from the socket, in feed order; those seen already are skipped. */
  push(lines: Line[]): void {
    for (const line of lines) {
      this.#noteSource(line);
      if (this.#loading) {
        this.#loading.push(line);
        continue;
      }
      if (line.n <= this.#seen) continue;
      this.#seen = line.n;
      if (this.#matches(line)) this.#queue(line);
    }
    this.#frame.request();
  }

  /** Lines `from`–`to` are gone from the server (a long time away): the place is marked. */
  gap(from: number, to: number): void {
    this.#queue({ gap: { from, to } });
    this.#seen = Math.max(this.#seen, to);
    this.#frame.request();
  }

  /** Shows lines matching `text` (failures' "show in log"). */
  filterText(text: string): void {
    const input = this.root.querySelector<HTMLInputElement>('[data-testid="log-text-filter"]');
    if (input) input.value = text;
    this.#filters.text = text;
    void this.reload();
    this.root.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  dispose(): void {
    this.#frame.cancel();
    this.#fetchSeq++;
    if (this.#textTimer !== undefined) clearTimeout(this.#textTimer);
  }

  #queue(entry: Entry): void {
    this.#pending.push(entry);
    // Paused for long (or a flood at once), only the newest lines are kept; the others are counted.
    if (this.#pending.length > MAX_DOM_LINES * 1.2) this.#trimPending();
  }

  /**
   * Keeps the newest entries waiting, and every gap mark (they say what is lost), a little under
   * MAX_DOM_LINES so that the marks are not the first lines the page then drops.
   */
  #trimPending(): void {
    const drop = this.#pending.length - (MAX_DOM_LINES - 16);
    if (drop <= 0) return;
    const dropped = this.#pending.splice(0, drop);
    const gaps = dropped.filter((e) => 'gap' in e);
    this.#pending.unshift(...gaps);
    this.#pendingDropped += dropped.length - gaps.length;
  }

  #matches(line: Line): boolean {
    const f = this.#filters;
    if (f.level) {
      if (line.kind !== 'log' || LEVELS.indexOf(line.level ?? 'info') < LEVELS.indexOf(f.level)) return false;
    }
    if (f.source && line.source !== f.source) return false;
    if (f.stream) {
      if (f.stream === 'log' ? line.kind !== 'log' : line.kind !== 'output' || line.stream !== f.stream) return false;
    }
    if (f.text && !line.text.toLowerCase().includes(f.text.toLowerCase())) return false;
    return true;
  }

  #noteSource(line: Line): void {
    if (line.source === undefined || this.#sources.has(line.source) || this.#sources.size >= 200) return;
    this.#sources.add(line.source);
    // Kept sorted, the chosen one stays chosen.
    const values = [...this.#sources].sort();
    const at = values.indexOf(line.source);
    this.#sourceSelect.insertBefore(option(line.source, line.source), this.#sourceSelect.options[at + 1] ?? null);
  }

  #setPaused(paused: boolean): void {
    this.#paused = paused;
    this.#list.classList.toggle('paused', paused);
    if (!paused) this.#frame.request();
    this.#updatePauseButton();
  }

  #updatePauseButton(): void {
    const waiting = this.#pending.length + this.#pendingDropped;
    setText(this.#pauseButton, this.#paused ? (waiting > 0 ? `Resume (${waiting} new)` : 'Resume') : 'Pause');
  }

  #render(force = false): void {
    if (this.#paused && !force) {
      this.#updatePauseButton();
      return;
    }
    if (this.#pending.length === 0 && this.#pendingDropped === 0) return;
    const fragment = document.createDocumentFragment();
    // More than the page keeps: only the newest are built at all.
    this.#trimPending();
    const skipped = this.#pendingDropped;
    if (skipped > 0) fragment.append(el('div', { class: 'log-line log-gap', text: `… ${skipped} lines not shown (paused, or too many at once): see the raw logs` }));
    for (const entry of this.#pending) fragment.append(lineElement(entry));
    this.#lines += this.#pending.length + (skipped > 0 ? 1 : 0);
    this.#pending = [];
    this.#pendingDropped = 0;
    this.#list.append(fragment);
    while (this.#lines > MAX_DOM_LINES && this.#list.firstChild) {
      this.#list.removeChild(this.#list.firstChild);
      this.#lines--;
    }
    this.#updatePauseButton();
    if (this.#follow) this.#scrollToEnd();
  }

  #scrollToEnd(): void {
    this.#list.scrollTop = this.#list.scrollHeight;
  }
}

function lineElement(entry: Entry): HTMLElement {
  if ('gap' in entry) {
    return el('div', { class: 'log-line log-gap', testid: 'log-gap', text: `… lines ${entry.gap.from}–${entry.gap.to} were not kept (see the raw logs)` });
  }
  const classes = ['log-line', entry.kind === 'log' ? `log-level-${entry.level ?? 'info'}` : `log-${entry.stream ?? 'stdout'}`];
  const tag = entry.kind === 'log' ? (entry.level ?? 'info') : entry.stream === 'stderr' ? 'err' : 'out';
  const text = el('span', { class: 'log-text' });
  renderAnsi(entry.text, text);
  const row = el('div', { class: classes.join(' '), testid: 'log-line' }, [
    el('span', { class: 'log-t', text: clock(entry.t) }),
    el('span', { class: 'log-tag', text: tag }),
    entry.source !== undefined ? el('span', { class: 'log-src', text: entry.source }) : null,
    text,
  ]);
  row.dataset.n = String(entry.n);
  return row;
}
