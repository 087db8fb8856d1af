// How figures read on the page: durations, ETAs with their range, sizes, rates, percentages.

/** 850ms, 4.2s, 12s, 5m20s, 2h05m: precise when short, calm when long. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** `1m20s (1m10s–1m35s)`: the central estimate, and its range when there is one; `–` when unknown. */
export function eta(e: { etaMs?: number; etaLowMs?: number; etaHighMs?: number }): string {
  if (e.etaMs === undefined) return '–';
  const range = e.etaLowMs !== undefined && e.etaHighMs !== undefined && e.etaHighMs > e.etaLowMs
    ? ` (${duration(e.etaLowMs)}–${duration(e.etaHighMs)})`
    : '';
  return `${duration(e.etaMs)}${range}`;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** 512 B, 3.4 MB, 1.2 GB (decimal units, as the terminal views show them). */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  let value = Math.abs(n);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${n < 0 ? '-' : ''}${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function signedBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n === 0 ? '±0 B' : n > 0 ? `+${bytes(n)}` : bytes(n);
}

/** 2.3/s, or 14/min when slower than one a second. */
export function rate(perSecond: number | undefined): string {
  if (perSecond === undefined || !Number.isFinite(perSecond)) return '–';
  if (perSecond >= 10) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 1) return `${perSecond.toFixed(1)}/s`;
  return `${(perSecond * 60).toFixed(1)}/min`;
}

export function percent(p: number | undefined, estimated = false): string {
  if (p === undefined || !Number.isFinite(p)) return '–';
  const text = p >= 99.95 || p === 0 ? `${Math.round(p)}%` : `${p.toFixed(1)}%`;
  return estimated ? `~${text}` : text;
}

/** A 0–1 ratio as a percentage: `98.8%`. */
export function ratio(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '–' : `${(r * 100).toFixed(r >= 0.9995 ? 0 : 1)}%`;
}

/** CPU in percent of one core: 200% is two busy cores. */
export function cpu(p: number | undefined): string {
  return p === undefined || !Number.isFinite(p) ? '–' : `${Math.round(p)}%`;
}

/** A run-relative time as a clock: 0:05.2, 12:34, 1:02:03. */
export function clock(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  const s = ms / 1000;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${String(Math.floor(sec)).padStart(2, '0')}`;
  return `${m}:${sec < 10 ? '0' : ''}${sec.toFixed(1)}`;
}

/** A start time: today as 14:05:09, other days with the date. */
export function when(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  const now = new Date();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  if (d.toDateString() === now.toDateString()) return time;
  return `${d.toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' })} ${time}`;
}

/** The signed difference of two durations: `+12s (+8.1%)`. */
export function durationDelta(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined) return '–';
  const d = b - a;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const rel = a > 0 ? ` (${sign}${Math.abs((d / a) * 100).toFixed(1)}%)` : '';
  return `${sign}${duration(Math.abs(d))}${rel}`;
}

export function numberDelta(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined) return '–';
  const d = b - a;
  return d > 0 ? `+${d}` : d < 0 ? `−${-d}` : '±0';
}

/** The command as one line for a title: arguments with spaces quoted. */
export function commandLine(command: string[] | undefined): string {
  if (!command || command.length === 0) return '–';
  return command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** An axis label for run time `ms`, as precise as the spacing of the ticks (`step`, ms) needs. */
export function tick(ms: number, step: number): string {
  if (step < 1000) return `${(ms / 1000).toFixed(step < 10 ? 3 : step < 100 ? 2 : 1)}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
