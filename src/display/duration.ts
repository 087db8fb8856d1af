/** 0.4s, 12s, 5m 23s, 2h 05m: precise when short, calm when long. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/** `ETA 5m 20s (4m 50s – 6m 10s)`: the central estimate, and its range when there is one. */
export function formatEta(eta: { etaMs?: number; etaLowMs?: number; etaHighMs?: number }): string | undefined {
  if (eta.etaMs === undefined) return undefined;
  const range = eta.etaLowMs !== undefined && eta.etaHighMs !== undefined && eta.etaHighMs > eta.etaLowMs
    ? ` (${formatDuration(eta.etaLowMs)} – ${formatDuration(eta.etaHighMs)})`
    : '';
  return `ETA ${formatDuration(eta.etaMs)}${range}`;
}

/** 2.3/s, or 14/min when slower than one a second. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 10) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 1) return `${perSecond.toFixed(1)}/s`;
  return `${(perSecond * 60).toFixed(1)}/min`;
}

/** 12,345: by hand, as toLocaleString goes through ICU each time (a third of a TUI frame's cost). */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}
