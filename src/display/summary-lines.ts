// The end-of-run summary, worded once for every text view: how it ended, the counts, each phase
// with its duration, and the failed items with their errors (so a failure reads without scrolling).
import type { ChalkInstance } from 'chalk';
import { clip as safe, TEXT_MAX } from './clip.js';
import type { LogLevel } from '../events.js';
import type { Counts, PhaseSnapshot, Summary } from '../model/snapshot.js';
import { formatDuration } from './duration.js';
import { peaksText } from './resources-text.js';
import { byId, phasePath } from './phase-name.js';

/**
 * Failures (the latest) shown with the run's last output lines before them, when no output of
 * their own agent or phase was found: the same lines would repeat under every earlier one.
 */
const TAILS_SHOWN = 3;
/** Lines of a multi-line error shown under its failure. */
const ERROR_LINES = 10;
/** Past this many failures listed, each but the last TAILS_SHOWN shows at most BRIEF_LINES of context. */
const FULL_CONTEXT = 10;
const BRIEF_LINES = 2;

export function summaryLines(summary: Summary, c: ChalkInstance, recordDir?: string): string[] {
  const lines: string[] = [];
  const status = summary.status === 'ok' ? c.green('ok') : c.red(summary.status);
  const how = summary.signal !== null
    ? `killed by ${summary.signal}${summary.signalledBy === undefined ? '' : ` (${signalledByText(summary.signalledBy)})`}`
    : `exit ${summary.exitCode}`;
  lines.push(`${c.bold('finished')} ${status} · ${how} · ${formatDuration(summary.durationMs)}`);
  const counts = summary.counts;
  if (counts.processed + counts.retried + counts.running > 0) {
    const judged = counts.succeeded + counts.failed;
    const rate = judged > 0 ? ` · ${Math.round((counts.succeeded / judged) * 100)}% succeeded` : '';
    lines.push(`items: ${countsText(counts, c)}${rate}`);
  }
  const lookup = byId(summary.phases);
  for (const phase of summary.phases) {
    const done = phase.steps ? `${phase.steps.done}/${phase.steps.total} steps` : phase.total === undefined ? `${phase.current}` : `${phase.current}/${phase.total}`;
    lines.push(`  ${statusMark(phase.status, c)} ${phasePath(phase, lookup)} ${phase.status} in ${formatDuration(phase.durationMs)} · ${done}`);
  }
  if (summary.failures.length > 0) {
    const more = summary.failuresOmitted > 0 ? ` (the last ${summary.failures.length}; ${summary.failuresOmitted} earlier not listed)` : '';
    lines.push(c.red(`failed items${more}:`));
    const recent = summary.failures.length - TAILS_SHOWN;
    const brief = summary.failures.length > FULL_CONTEXT;
    for (const [i, failure] of summary.failures.entries()) {
      const [first, ...more] = (failure.error ?? '').split(/\r?\n/);
      lines.push(`  ${itemName(failure)}${failure.error === undefined ? '' : `: ${safe(first!, TEXT_MAX)}`}`);
      // What explains it: the error's own further lines (a compiler's output), else the output of its
      // agent or phase before it (the run's last lines only for the last few), so the cause reads
      // without scrolling back. Many failures: a couple of lines each but for the last few.
      const detail = more.filter((l) => l.trim() !== '').slice(0, ERROR_LINES);
      const own = failure.tailFrom === 'agent' || failure.tailFrom === 'phase';
      let context = detail.length > 0 ? detail : own || i >= recent ? failure.tail ?? [] : [];
      if (brief && i < recent) context = detail.length > 0 ? context.slice(0, BRIEF_LINES) : context.slice(-BRIEF_LINES);
      for (const line of context) lines.push(c.dim(`    │ ${safe(line, TEXT_MAX)}`));
    }
  }
  if (summary.logs) lines.push(`logs: ${logsText(summary.logs, c)}`);
  if (summary.invalidMarkers > 0) {
    lines.push(c.yellow(`${summary.invalidMarkers} line(s) started like ::prog:: markers but were not valid; they were shown as output`));
  }
  if (summary.resources) lines.push(`resources: ${peaksText(summary.resources)}`);
  if (recordDir !== undefined) lines.push(c.dim(`recorded in ${recordDir}`));
  return lines;
}

/** ✔ ok, ⊘ skipped, ■ interrupted, ✖ failed (or still running, which a summary never shows). */
export function statusMark(status: PhaseSnapshot['status'], c: ChalkInstance): string {
  switch (status) {
    case 'ok': return c.green('✔');
    case 'skipped': return c.dim('⊘');
    case 'interrupted': return c.yellow('■');
    default: return c.red('✖');
  }
}

export function itemName(item: { phase?: string; id: string; agent?: string }): string {
  const phase = item.phase === undefined ? '' : `${safe(item.phase)}/`;
  const agent = item.agent === undefined ? '' : ` [${safe(item.agent)}]`;
  return `${phase}${safe(item.id)}${agent}`;
}

export function countsText(counts: Counts, c: ChalkInstance): string {
  const parts = [c.green(`${counts.succeeded} ok`), counts.failed > 0 ? c.red(`${counts.failed} failed`) : `${counts.failed} failed`];
  if (counts.retried > 0) parts.push(c.yellow(`${counts.retried} retried`));
  if (counts.skipped > 0) parts.push(`${counts.skipped} skipped`);
  if (counts.running > 0) parts.push(`${counts.running} running`);
  return parts.join(', ');
}

const LEVELS: [LogLevel, string, string][] = [['error', 'error', 'errors'], ['warn', 'warning', 'warnings'], ['notice', 'notice', 'notices'], ['info', 'info', 'info'], ['debug', 'debug', 'debug']];

/** `2 errors, 1 warning`: the most severe first. */
export function logsText(logs: Partial<Record<LogLevel, number>>, c: ChalkInstance): string {
  const paint: Partial<Record<LogLevel, (text: string) => string>> = { error: c.red, warn: c.yellow };
  return LEVELS.filter(([level]) => (logs[level] ?? 0) > 0)
    .map(([level, one, many]) => (paint[level] ?? String)(`${logs[level]} ${logs[level] === 1 ? one : many}`))
    .join(', ');
}

function signalledByText(by: string): string {
  return by === 'forwarded' ? 'passed on by prog' : by === 'prog' ? 'sent by prog' : 'not sent by prog';
}
