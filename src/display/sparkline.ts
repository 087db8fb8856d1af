// Small drawings for `prog history`: a sparkline of recent durations (one character per run, its
// height the duration, its colour the outcome) and a horizontal bar scaled to the longest run.
import type { ChalkInstance } from 'chalk';

export type Outcome = 'ok' | 'failed' | 'interrupted' | 'spawn-failed';

export interface SparkPoint {
  durationMs?: number;
  status: Outcome;
}

export interface DrawStyle {
  /** Plain ASCII glyphs (NO_COLOR, TERM=dumb). */
  ascii: boolean;
  /** Colour by outcome; absent (or level 0) when stdout takes no colour. */
  chalk?: ChalkInstance;
}

export const BLOCKS = '▁▂▃▄▅▆▇█';
export const ASCII_LEVELS = '_.-=#';
/** Without colour the outcome needs its own glyph: colour is never the only signal. */
export const FAILED_GLYPH = 'x';
export const INTERRUPTED_GLYPH = '!';

function colored(style: DrawStyle): boolean {
  return style.chalk !== undefined && style.chalk.level > 0;
}

/** Colours text by outcome (green ok, red failed, yellow interrupted); plain when colour is off. */
export function paint(text: string, status: Outcome | string, style: DrawStyle): string {
  if (!colored(style)) return text;
  const c = style.chalk!;
  if (status === 'ok') return c.green(text);
  if (status === 'interrupted') return c.yellow(text);
  if (status === 'failed' || status === 'spawn-failed') return c.red(text);
  return text;
}

/**
 * One glyph per run, oldest first, its height the duration against the longest of them (from zero,
 * so a flat line means steady, not "all equal to the minimum"). A run without a duration (never
 * started) is drawn lowest.
 */
export function sparkline(points: readonly SparkPoint[], style: DrawStyle): string {
  const levels = style.ascii ? ASCII_LEVELS : BLOCKS;
  const max = Math.max(0, ...points.map((p) => p.durationMs ?? 0));
  let out = '';
  for (const point of points) {
    if (!colored(style) && point.status !== 'ok') {
      out += point.status === 'interrupted' ? INTERRUPTED_GLYPH : FAILED_GLYPH;
      continue;
    }
    const d = point.durationMs ?? 0;
    const level = max > 0 ? Math.min(levels.length - 1, Math.max(0, Math.ceil((d / max) * levels.length) - 1)) : 0;
    out += paint(levels[level]!, point.status, style);
  }
  return out;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar `width` cells at most, `value / max` of it filled (eighths of a cell; `#` in ASCII). */
export function bar(value: number, max: number, width: number, ascii: boolean): string {
  if (!(max > 0) || !(value > 0) || width <= 0) return '';
  const fraction = Math.min(1, value / max);
  if (ascii) return '#'.repeat(Math.max(1, Math.round(fraction * width)));
  const eighths = Math.max(1, Math.round(fraction * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}
