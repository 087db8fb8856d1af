// A run's chart columns, grown by the socket's points without repeating any (a reconnect may send
// points the page has: they are told apart by their time).
import { SERIES_COLUMNS, type Series } from './types.js';

const MAX_POINTS = 7_200;

export class SeriesStore {
  readonly data: Series = { t: [], percent: [], processed: [], rate: [], cpuPercent: [], rssBytes: [], diskDeltaBytes: [] };
  changed = false;

  replace(series: Partial<Series>): void {
    for (const column of SERIES_COLUMNS) this.data[column] = [];
    this.append(series);
  }

  append(points: Partial<Series> | undefined): void {
    const t = points?.t;
    if (!t) return;
    let lastT = this.data.t.length > 0 ? this.data.t[this.data.t.length - 1]! : -Infinity;
    for (let i = 0; i < t.length; i++) {
      const ti = t[i];
      if (ti === null || ti === undefined || ti <= lastT) continue;
      for (const column of SERIES_COLUMNS) this.data[column].push(points[column]?.[i] ?? null);
      lastT = ti;
      this.changed = true;
    }
    if (this.data.t.length > MAX_POINTS) {
      // Every other point goes, as the server does: the whole run keeps its shape.
      const keep = (_: unknown, i: number, all: unknown[]) => i % 2 === 1 || i === all.length - 1;
      for (const column of SERIES_COLUMNS) this.data[column] = this.data[column].filter(keep);
    }
  }
}
