// Line charts over a run's time (uPlot): the page hands columns, the chart keeps its size with its
// box. Colours come from the stylesheet's variables, so the dark scheme has readable axes.
import uPlot from 'uplot';
import { el } from './dom.js';
import { clock, tick } from './format.js';

/** A colour the stylesheet defines (`--c-ok`), read once when a chart is made. */
export function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export interface LineSpec {
  label: string;
  /** A stylesheet variable holding the line's colour. */
  color: string;
  /** `y` (left) unless another scale is named; a scale `y2` has its axis on the right. */
  scale?: string;
  value: (v: number) => string;
  fill?: boolean;
}

export interface ChartOptions {
  title: string;
  testid: string;
  lines: LineSpec[];
  /** Fixed range of the left scale (0–100 for percent). */
  yRange?: [number, number];
  /** Left axis labels. */
  yValue: (v: number) => string;
  /** Right axis labels, for a second scale. */
  y2Value?: (v: number) => string;
  height?: number;
}

/** A chart of columns over run time (milliseconds). */
export class TimeChart {
  readonly root: HTMLElement;
  readonly #plot: uPlot;
  readonly #resize: ResizeObserver;
  readonly #height: number;
  readonly #empty: HTMLElement;

  constructor(parent: HTMLElement, options: ChartOptions) {
    this.#height = options.height ?? 150;
    const holder = el('div', { class: 'chart-plot' });
    this.#empty = el('div', { class: 'chart-empty', text: 'no data yet' });
    this.root = el('figure', { class: 'chart', testid: options.testid }, [el('figcaption', { text: options.title }), holder, this.#empty]);
    this.root.dataset.points = '0';
    parent.append(this.root);
    const axis = axisStyle();
    const twoScales = options.lines.some((l) => l.scale === 'y2');
    const opts: uPlot.Options = {
      width: Math.max(200, holder.clientWidth || parent.clientWidth || 300),
      height: this.#height,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false },
        y: options.yRange ? { range: options.yRange } : { range: (_u, min, max) => niceRange(min, max) },
        ...(twoScales ? { y2: { range: (_u: uPlot, min: number, max: number) => niceRange(min, max) } } : {}),
      },
      axes: [
        { ...axis, values: (_u, splits, _i, _space, incr) => splits.map((s) => tick(s * 1000, incr * 1000)), space: 60 },
        { ...axis, values: (_u, splits) => splits.map(options.yValue), size: 64 },
        ...(twoScales ? [{ ...axis, scale: 'y2', side: 1 as const, grid: { show: false }, values: (_u: uPlot, splits: number[]) => splits.map(options.y2Value ?? String), size: 56 }] : []),
      ],
      series: [
        { label: 't', value: (_u, v) => (v === null ? '–' : clock(v * 1000)) },
        ...options.lines.map((l): uPlot.Series => {
          const color = cssVar(l.color, '#3366cc');
          return {
            label: l.label,
            stroke: color,
            width: 1.5,
            scale: l.scale ?? 'y',
            spanGaps: true,
            points: { show: false },
            value: (_u, v) => (v === null || v === undefined ? '–' : l.value(v)),
            ...(l.fill ? { fill: withAlpha(color, 0.12) } : {}),
          };
        }),
      ],
    };
    this.#plot = new uPlot(opts, [[], ...options.lines.map(() => [])], holder);
    this.#resize = new ResizeObserver(() => {
      const width = Math.max(200, holder.clientWidth);
      if (width !== this.#plot.width) this.#plot.setSize({ width, height: this.#height });
    });
    this.#resize.observe(holder);
  }

  /** `t` in milliseconds since the run started; one column per line, same length. */
  set(t: (number | null)[], columns: (number | null)[][]): void {
    const xs: number[] = [];
    const ys: (number | null)[][] = columns.map(() => []);
    for (let i = 0; i < t.length; i++) {
      const x = t[i];
      if (x === null || x === undefined) continue;
      xs.push(x / 1000);
      for (let c = 0; c < columns.length; c++) ys[c]!.push(columns[c]![i] ?? null);
    }
    const points = ys.some((col) => col.some((v) => v !== null)) ? xs.length : 0;
    this.root.dataset.points = String(points);
    this.#empty.hidden = points > 0;
    this.#plot.setData([xs, ...ys] as uPlot.AlignedData);
  }

  destroy(): void {
    this.#resize.disconnect();
    this.#plot.destroy();
  }
}

export function axisStyle(): Pick<uPlot.Axis, 'stroke' | 'grid' | 'ticks' | 'font'> {
  const fg = cssVar('--fg-muted', '#666');
  const grid = cssVar('--grid', 'rgba(0,0,0,0.08)');
  return { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
}

/** A range from 0 (or the least value, when negative) to a little above the most. */
export function niceRange(min: number | null, max: number | null): [number, number] {
  const lo = Math.min(0, min ?? 0);
  const hi = Math.max(max ?? 1, lo + 1e-9);
  return [lo, hi === lo ? lo + 1 : hi * 1.08];
}

/** `#rrggbb` or `rgb(…)` with transparency, for area fills. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (hex) {
    const n = parseInt(hex[1]!, 16);
    return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(color);
  return rgb ? `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})` : color;
}
