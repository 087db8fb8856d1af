// The timeline drawn on a canvas, so tens of thousands of bars stay quick: one lane per phase, one
// per agent, and items without an agent packed into as few lanes as they need. The wheel zooms
// around the pointer, dragging pans, a double click shows the whole run. Drawn at most once per
// animation frame, and only the bars in view.
import { plainText } from './ansi.js';
import { cssVar } from './charts.js';
import { el, setText } from './dom.js';
import { duration, tick } from './format.js';
import { frameTask } from './frame.js';
import { treeOrder } from './phase-tree.js';
import type { Item, TimelinePhase } from './types.js';

const GUTTER = 190;
const AXIS = 26;
const LANE = 18;
const BAR = 12;
/** Lanes for items without an agent: past this, bars share the least busy one. */
const MAX_POOL_LANES = 48;
const MIN_SPAN_MS = 5;

interface Lane {
  kind: 'header' | 'phase' | 'agent' | 'pool';
  label: string;
  /** The label as drawn (controls and bidi overrides taken out). */
  display?: string;
  depth: number;
  items: Item[];
  /** Items appended out of start order: sorted before the next draw. */
  unsorted: boolean;
  phase?: TimelinePhase;
  /** Pool lanes: the latest end, and how many bars are still open. */
  maxEnd: number;
  open: number;
}

export class Gantt {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly #scroller: HTMLElement;
  readonly #tip: HTMLElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #resize: ResizeObserver;
  readonly #items = new Map<string, Item>();
  readonly #phases = new Map<string, TimelinePhase>();
  readonly #agentLanes = new Map<string, Lane>();
  readonly #pool: Lane[] = [];
  /** Which lane each item is drawn in. */
  readonly #laneOf = new Map<string, Lane>();
  #lanes: Lane[] = [];
  #layoutDirty = true;
  #frame: number | undefined;
  #timer: number | undefined;
  /** When the last drawing ended, and how long it took. */
  #drawnAt = 0;
  #drawMs = 0;
  #width = 800;
  /** The run's time now, and whether it still moves. */
  #now = 0;
  #running = true;
  /** The visible window; `follow` keeps the whole run in view as it grows. */
  #v0 = 0;
  #v1 = 1;
  #follow = true;
  #hover: { x: number; y: number } | undefined;
  #drag: { x: number; v0: number; v1: number } | undefined;
  readonly #colors: Record<string, string>;
  readonly #tipFrame = frameTask(() => this.#tooltip());

  constructor() {
    this.canvas = el('canvas', { testid: 'timeline-canvas', class: 'gantt-canvas' });
    this.canvas.dataset.items = '0';
    this.#tip = el('div', { class: 'gantt-tip', testid: 'timeline-tooltip' });
    this.#tip.hidden = true;
    this.#scroller = el('div', { class: 'gantt-scroll' }, [this.canvas, this.#tip]);
    this.root = el('div', { class: 'gantt' }, [this.#scroller]);
    this.#ctx = this.canvas.getContext('2d')!;
    this.#colors = {
      done: cssVar('--c-ok', '#2e9d4d'),
      ok: cssVar('--c-ok', '#2e9d4d'),
      failed: cssVar('--c-bad', '#d1453b'),
      retrying: cssVar('--c-warn', '#e09b1a'),
      skipped: cssVar('--c-skip', '#9aa0a6'),
      interrupted: cssVar('--c-skip', '#9aa0a6'),
      running: cssVar('--c-accent', '#3b7bd9'),
      text: cssVar('--fg', '#222'),
      muted: cssVar('--fg-muted', '#666'),
      grid: cssVar('--grid', 'rgba(0,0,0,0.08)'),
      band: cssVar('--band', 'rgba(0,0,0,0.025)'),
      bg: cssVar('--panel', '#fff'),
    };
    this.#resize = new ResizeObserver(() => {
      const width = Math.max(400, Math.floor(this.#scroller.clientWidth));
      if (width !== this.#width) {
        this.#width = width;
        this.request(true);
      }
    });
    this.#resize.observe(this.#scroller);
    this.#listen();
  }

  /** Adds or replaces items: an attempt is known by its phase, id and start. */
  setItems(items: Item[]): void {
    for (const item of items) {
      const key = `${item[0] ?? ''}\u0000${item[1]}\u0000${item[3]}`;
      const old = this.#items.get(key);
      this.#items.set(key, item);
      const lane = this.#laneOf.get(key);
      if (old && lane && (lane.kind === 'pool' ? item[2] === null : lane.label === item[2])) {
        // Same lane: replaced in place (the start, its sort key, never changes).
        const i = lane.items.indexOf(old);
        if (i >= 0) lane.items[i] = item;
        if (lane.kind === 'pool') {
          if (old[4] === null && item[4] !== null) lane.open--;
          lane.maxEnd = Math.max(lane.maxEnd, item[4] ?? item[3]);
        }
        continue;
      }
      if (old && lane) {
        // The item named its agent late: it moves to that agent's lane.
        const i = lane.items.indexOf(old);
        if (i >= 0) lane.items.splice(i, 1);
        if (lane.kind === 'pool' && old[4] === null) lane.open--;
      }
      const target = this.#laneFor(item);
      this.#laneOf.set(key, target);
      const last = target.items[target.items.length - 1];
      if (last && last[3] > item[3]) target.unsorted = true;
      target.items.push(item);
    }
    this.request();
  }

  setPhases(phases: TimelinePhase[]): void {
    for (const p of phases) this.#phases.set(p.id, p);
    this.#layoutDirty = true;
    this.request();
  }

  setNow(ms: number, running: boolean): void {
    this.#now = ms;
    this.#running = running;
    this.request();
  }

  get itemCount(): number {
    return this.#items.size;
  }

  resetView(): void {
    this.#follow = true;
    this.request(true);
  }

  destroy(): void {
    this.#resize.disconnect();
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#tipFrame.cancel();
  }

  /**
   * Draws at the next frame. Data changes (up to ten a second) wait when the last drawing was slow,
   * so a huge timeline takes at most about a quarter of a core; the user's own moves never wait.
   */
  request(urgent = false): void {
    if (this.#frame !== undefined) return;
    const wait = this.#drawnAt + this.#drawMs * 3 - performance.now();
    if (!urgent && wait > 0) {
      this.#timer ??= window.setTimeout(() => {
        this.#timer = undefined;
        this.request(true);
      }, wait);
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = undefined;
      const started = performance.now();
      this.#draw();
      this.#drawnAt = performance.now();
      this.#drawMs = this.#drawnAt - started;
    });
  }

  #laneFor(item: Item): Lane {
    const agent = item[2];
    if (agent !== null) {
      let lane = this.#agentLanes.get(agent);
      if (!lane) {
        lane = newLane('agent', agent);
        lane.display = plainText(agent, 200);
        this.#agentLanes.set(agent, lane);
        this.#layoutDirty = true;
      }
      return lane;
    }
    // The first pool lane free at the item's start; else a new one; else the one free soonest.
    const start = item[3];
    let lane = this.#pool.find((l) => l.open === 0 && l.maxEnd <= start);
    if (!lane && this.#pool.length < MAX_POOL_LANES) {
      lane = newLane('pool', `items ${this.#pool.length + 1}`);
      this.#pool.push(lane);
      this.#layoutDirty = true;
    }
    lane ??= this.#pool.reduce((a, b) => (b.open < a.open || (b.open === a.open && b.maxEnd < a.maxEnd) ? b : a));
    if (item[4] === null) lane.open++;
    lane.maxEnd = Math.max(lane.maxEnd, item[4] ?? start);
    return lane;
  }

  #layout(): void {
    this.#layoutDirty = false;
    const lanes: Lane[] = [];
    const phases = [...this.#phases.values()].sort((a, b) => a.startMs - b.startMs);
    if (phases.length) {
      lanes.push(newLane('header', 'Phases'));
      for (const { phase, depth } of treeOrder(phases)) {
        const lane = newLane('phase', plainText(phase.name, 200), depth);
        lane.phase = phase;
        lanes.push(lane);
      }
    }
    if (this.#agentLanes.size) {
      lanes.push(newLane('header', 'Agents'));
      const agents = [...this.#agentLanes.values()].sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true }));
      lanes.push(...agents);
    }
    if (this.#pool.length) {
      lanes.push(newLane('header', this.#agentLanes.size ? 'Items without an agent' : 'Items'));
      lanes.push(...this.#pool);
    }
    this.#lanes = lanes;
  }

  /** The run's whole span: from its start to now, or to the last end. */
  #extent(): number {
    let end = this.#now;
    for (const p of this.#phases.values()) end = Math.max(end, p.endMs ?? p.startMs);
    for (const lane of this.#lanes) {
      const last = lane.items[lane.items.length - 1];
      if (last) end = Math.max(end, last[4] ?? last[3], lane.maxEnd);
    }
    return Math.max(end, 1000);
  }

  #draw(): void {
    if (this.#layoutDirty) this.#layout();
    for (const lane of this.#lanes) {
      if (lane.unsorted) {
        lane.items.sort((a, b) => a[3] - b[3]);
        lane.unsorted = false;
      }
    }
    if (this.#follow) {
      this.#v0 = 0;
      this.#v1 = this.#extent() * 1.02;
    }
    const dpr = window.devicePixelRatio || 1;
    const width = this.#width;
    const height = Math.min(Math.floor(30_000 / dpr), AXIS + this.#lanes.length * LANE + 8);
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const ctx = this.#ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const plotW = width - GUTTER - 8;
    const scale = plotW / (this.#v1 - this.#v0);
    const x = (t: number) => GUTTER + (t - this.#v0) * scale;
    const c = this.#colors;

    // Lane bands and labels.
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    this.#lanes.forEach((lane, i) => {
      const y = AXIS + i * LANE;
      if (lane.kind === 'header') {
        ctx.fillStyle = c.band;
        ctx.fillRect(0, y, width, LANE);
      } else if (i % 2 === 0) {
        ctx.fillStyle = c.band;
        ctx.fillRect(GUTTER, y, plotW, LANE);
      }
    });
    this.#axis(ctx, plotW, height, x);

    // Bars on whole pixels with fillRect (the quick path); bars that touch or share pixels with the
    // previous one of the same outcome are drawn as one, so 100,000 items zoomed out cost a few
    // hundred rectangles.
    let drawn = 0;
    const now = this.#running ? this.#now : this.#extent();
    let fill = '';
    const rect = (outcome: string, px0: number, px1: number, y: number) => {
      const colour = c[outcome] ?? c.muted!;
      if (colour !== fill) ctx.fillStyle = fill = colour;
      ctx.fillRect(px0, y, px1 - px0, BAR);
    };
    this.#lanes.forEach((lane, i) => {
      const y = AXIS + i * LANE + (LANE - BAR) / 2;
      if (lane.kind === 'phase' && lane.phase) {
        const p = lane.phase;
        const x0 = Math.max(GUTTER, Math.floor(x(p.startMs)));
        const x1 = Math.min(width, Math.round(x(p.endMs ?? now)));
        if (x1 >= GUTTER && x0 <= width) rect(p.endMs === null ? 'running' : p.status, x0, Math.max(x0 + 1, x1), y);
        return;
      }
      const items = lane.items;
      // Bars before the window are skipped by a binary search on their start, but a long bar that
      // started earlier may reach into view: those are few, and found by the scan back below.
      let from = firstStartAtOrAfter(items, this.#v0);
      for (let k = from - 1, seen = 0; k >= 0 && seen < 64; k--, seen++) if ((items[k]![4] ?? now) >= this.#v0) from = k;
      let run: { outcome: string; x0: number; x1: number } | undefined;
      for (let k = from; k < items.length; k++) {
        const item = items[k]!;
        if (item[3] > this.#v1) break;
        const end = item[4] ?? now;
        if (end < this.#v0) continue;
        drawn++;
        const x0 = Math.max(GUTTER, Math.floor(x(item[3])));
        const right = Math.min(width, Math.round(x(end)));
        // A gap of one pixel between bars wide enough to spare it.
        const x1 = Math.max(x0 + 1, right - x0 > 3 ? right - 1 : right);
        if (run && run.outcome === item[5] && x0 <= run.x1) {
          run.x1 = Math.max(run.x1, x1);
          continue;
        }
        if (run) rect(run.outcome, run.x0, run.x1, y);
        run = { outcome: item[5], x0, x1 };
      }
      if (run) rect(run.outcome, run.x0, run.x1, y);
    });
    this.canvas.dataset.items = String(drawn);

    // Now, when the run is live.
    if (this.#running && this.#now >= this.#v0 && this.#now <= this.#v1) {
      ctx.strokeStyle = c.running!;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(Math.round(x(this.#now)) + 0.5, AXIS);
      ctx.lineTo(Math.round(x(this.#now)) + 0.5, height);
      ctx.stroke();
      ctx.setLineDash([]);
    }

    // The label gutter last, over any bar that reached into it.
    ctx.fillStyle = c.bg!;
    ctx.fillRect(0, AXIS, GUTTER - 2, height - AXIS);
    this.#lanes.forEach((lane, i) => {
      const y = AXIS + i * LANE + LANE / 2;
      if (lane.kind === 'header') {
        ctx.fillStyle = c.muted!;
        ctx.font = '600 11px system-ui, sans-serif';
        ctx.fillText(lane.label.toUpperCase(), 6, y);
        ctx.font = '12px system-ui, sans-serif';
        return;
      }
      ctx.fillStyle = c.text!;
      const indent = 10 + lane.depth * 12;
      ctx.fillText(fit(ctx, lane.display ?? lane.label, GUTTER - indent - 8), indent, y);
    });
    this.#tooltip();
  }

  #axis(ctx: CanvasRenderingContext2D, plotW: number, height: number, x: (t: number) => number): void {
    const c = this.#colors;
    const step = tickStep((this.#v1 - this.#v0) / Math.max(1, plotW / 90));
    ctx.strokeStyle = c.grid!;
    ctx.fillStyle = c.muted!;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.beginPath();
    for (let t = Math.ceil(this.#v0 / step) * step; t <= this.#v1; t += step) {
      const px = Math.round(x(t)) + 0.5;
      if (px < GUTTER) continue;
      ctx.moveTo(px, AXIS - 4);
      ctx.lineTo(px, height);
      ctx.fillText(tick(t, step), px + 3, AXIS / 2);
    }
    ctx.stroke();
  }

  #hit(px: number, py: number): { lane: Lane; item?: Item } | undefined {
    const i = Math.floor((py - AXIS) / LANE);
    const lane = this.#lanes[i];
    if (!lane || px < GUTTER || lane.kind === 'header') return undefined;
    if (lane.kind === 'phase') return { lane };
    const plotW = this.#width - GUTTER - 8;
    const perPx = (this.#v1 - this.#v0) / plotW;
    const t = this.#v0 + (px - GUTTER) * perPx;
    const tol = 3 * perPx;
    const now = this.#running ? this.#now : Infinity;
    const items = lane.items;
    let best: Item | undefined;
    let bestDist = Infinity;
    const upto = firstStartAtOrAfter(items, t + tol);
    for (let k = upto - 1, seen = 0; k >= 0 && seen < 200; k--, seen++) {
      const item = items[k]!;
      const end = item[4] ?? now;
      const dist = t < item[3] ? item[3] - t : t > end ? t - end : 0;
      if (dist < bestDist) {
        best = item;
        bestDist = dist;
        if (dist === 0) break;
      }
    }
    return best && bestDist <= tol ? { lane, item: best } : { lane };
  }

  #tooltip(): void {
    const h = this.#hover;
    const hit = h && !this.#drag ? this.#hit(h.x, h.y) : undefined;
    const lines: string[] = [];
    if (hit?.item) {
      const [phase, id, agent, start, end, outcome] = hit.item;
      lines.push(id, `${outcome}${phase !== null ? ` · phase ${phase}` : ''}${agent !== null ? ` · ${agent}` : ''}`, `${duration((end ?? this.#now) - start)}${end === null ? ' so far' : ''} · from ${duration(start)}`);
    } else if (hit?.lane.phase) {
      const p = hit.lane.phase;
      lines.push(p.name, `${p.endMs === null ? 'running' : p.status} · ${duration((p.endMs ?? this.#now) - p.startMs)}`, `from ${duration(p.startMs)}${p.endMs !== null ? ` to ${duration(p.endMs)}` : ''}`);
    }
    if (!h || lines.length === 0) {
      this.#tip.hidden = true;
      return;
    }
    this.#tip.replaceChildren(...lines.map((text, i) => el('div', { text, class: i === 0 ? 'tip-title' : '' })));
    this.#tip.hidden = false;
    const left = Math.min(h.x + 14, this.#width - 260);
    this.#tip.style.left = `${Math.max(0, left)}px`;
    this.#tip.style.top = `${h.y + 16}px`;
  }

  #listen(): void {
    const pos = (e: MouseEvent) => {
      const r = this.canvas.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    this.canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      const { x } = pos(e);
      const plotW = this.#width - GUTTER - 8;
      const frac = Math.min(1, Math.max(0, (x - GUTTER) / plotW));
      const span = this.#v1 - this.#v0;
      const extent = this.#extent() * 1.02;
      const factor = Math.exp((e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY) * 0.0015);
      const next = Math.min(extent, Math.max(MIN_SPAN_MS, span * factor));
      const at = this.#v0 + frac * span;
      this.#v0 = at - frac * next;
      this.#v1 = this.#v0 + next;
      this.#follow = next >= extent && this.#v0 <= 0;
      this.#clampView(extent);
      this.request(true);
    }, { passive: false });
    this.canvas.addEventListener('mousedown', (e) => {
      if (e.button !== 0) return;
      this.#drag = { x: e.clientX, v0: this.#v0, v1: this.#v1 };
      this.canvas.classList.add('dragging');
      e.preventDefault();
    });
    window.addEventListener('mousemove', this.#onMove);
    window.addEventListener('mouseup', this.#onUp);
    // Hovering moves the tooltip only: the canvas is not redrawn for it.
    this.canvas.addEventListener('mousemove', (e) => {
      this.#hover = pos(e);
      this.#tipFrame.request();
    });
    this.canvas.addEventListener('mouseleave', () => {
      this.#hover = undefined;
      this.#tipFrame.request();
    });
    this.canvas.addEventListener('dblclick', () => this.resetView());
  }

  readonly #onMove = (e: MouseEvent) => {
    const d = this.#drag;
    if (!d) return;
    const plotW = this.#width - GUTTER - 8;
    const dt = ((e.clientX - d.x) / plotW) * (d.v1 - d.v0);
    this.#v0 = d.v0 - dt;
    this.#v1 = d.v1 - dt;
    this.#follow = false;
    this.#clampView(this.#extent() * 1.02);
    this.request(true);
  };

  readonly #onUp = () => {
    if (!this.#drag) return;
    this.#drag = undefined;
    this.canvas.classList.remove('dragging');
    this.request(true);
  };

  #clampView(extent: number): void {
    const span = this.#v1 - this.#v0;
    if (this.#v0 < 0) {
      this.#v0 = 0;
      this.#v1 = span;
    }
    if (this.#v1 > extent && span < extent) {
      this.#v1 = extent;
      this.#v0 = extent - span;
    }
  }

  /** Removes the window listeners (the view goes away). */
  detach(): void {
    window.removeEventListener('mousemove', this.#onMove);
    window.removeEventListener('mouseup', this.#onUp);
    this.destroy();
  }

  /** The legend's text, for the view. */
  static legend(): [string, string][] {
    return [['done', 'done'], ['failed', 'failed'], ['retrying', 'retried'], ['skipped', 'skipped'], ['running', 'running']];
  }

  /** What is drawn, for the status line. */
  describe(target: HTMLElement): void {
    setText(target, `${this.#items.size} items · ${this.#agentLanes.size} agents · ${this.#phases.size} phases`);
  }
}

function newLane(kind: Lane['kind'], label: string, depth = 0): Lane {
  return { kind, label, depth, items: [], unsorted: false, maxEnd: -Infinity, open: 0 };
}

/** The index of the first item starting at or after `t` (items sorted by start). */
function firstStartAtOrAfter(items: Item[], t: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]![3] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 108e5, 216e5, 432e5, 864e5];

function tickStep(minMs: number): number {
  return STEPS.find((s) => s >= minMs) ?? STEPS[STEPS.length - 1]!;
}

/** The label cut to fit `width` pixels, with an ellipsis. */
function fit(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  const short = text.length > 80 ? text.slice(0, 80) : text;
  if (ctx.measureText(short).width <= width && short === text) return text;
  let lo = 0;
  let hi = short.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(short.slice(0, mid) + '…').width <= width) lo = mid;
    else hi = mid - 1;
  }
  return short.slice(0, lo) + '…';
}
