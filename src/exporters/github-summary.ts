// The run as a GitHub step summary (Markdown): how it ended, its phases with durations and counts,
// the failed items with their errors' first lines, the diagnostics, the errors and warnings that did
// not fit in GitHub's annotations, peak resources, and how right the ETA was when past runs fed it.
import { formatDuration, thousands } from '../display/duration.js';
import { byId, phasePath } from '../display/phase-name.js';
import { peaksText } from '../display/resources-text.js';
import { stripAnsi } from '../lines/ansi.js';
import type { LogLevel } from '../events.js';
import type { Counts, Summary } from '../model/snapshot.js';
import type { Annotation, AnnotationPlan } from './github-annotations.js';
import { ANNOTATIONS_PER_KIND } from './github-annotations.js';
import type { EtaAccuracy } from './github-eta-accuracy.js';
import { cell, code, fitBlocks, table } from './github-markdown.js';
import type { RunLedger } from './run-ledger.js';

/** Rows listed at most per table: the size limit would cut them anyway, and a page must stay readable. */
const MAX_ROWS = 1000;
/** An error's first lines in its cell, each cut at this length. */
const ERROR_LINES = 5;
const LINE_CHARS = 300;

export interface SummaryInput {
  summary: Summary;
  ledger: RunLedger;
  annotations: AnnotationPlan;
  /** Past runs the ETA started from (0: none, so its accuracy is not reported). */
  pastRuns: number;
  eta?: EtaAccuracy;
  version: string;
}

/** The Markdown, cut to `budget` bytes between blocks with a note when it does not fit. */
export function stepSummary(input: SummaryInput, budget: number): string {
  return fitBlocks(blocks(input), budget, (kept, all) =>
    `\n> ⚠️ **Cut short:** this summary was cut at ${thousands(kept)} of ${thousands(all)} bytes: GitHub takes at most 1 MiB per step. The run's full record is in prog's run store (\`prog logs ${input.summary.id}\` where it ran).\n`);
}

function blocks({ summary, ledger, annotations, pastRuns, eta, version }: SummaryInput): string[] {
  const out: string[] = [];
  // Its first line only: a `sh -c` script can be long.
  const [first, ...more] = (summary.workflow ?? summary.command.join(' ')).split(/\r?\n/);
  const title = more.length > 0 ? `${first} …` : first!;
  out.push(`## ${mark(summary.status)} ${code(clipped(title, 200))} ${summary.status} in ${formatDuration(summary.durationMs)}\n`);

  const facts: string[][] = [];
  facts.push(['**Result**', `${mark(summary.status)} ${summary.status} · ${how(summary)}`]);
  facts.push(['**Duration**', formatDuration(summary.durationMs)]);
  const c = summary.counts;
  if (c.processed + c.retried + c.running > 0) facts.push(['**Items**', countsText(c)]);
  if (summary.logs) facts.push(['**Errors and warnings**', logsText(summary.logs, ledger)]);
  if (annotations.total.error + annotations.total.warning > 0) facts.push(['**Annotations**', annotationsText(annotations)]);
  if (summary.resources) facts.push(['**Peak resources**', cell(peaksText(summary.resources))]);
  if (pastRuns > 0) facts.push(['**ETA**', etaText(pastRuns, eta)]);
  if (summary.invalidMarkers > 0) facts.push(['**Invalid markers**', `${summary.invalidMarkers} (shown as output)`]);
  facts.push(['**Run**', `${code(summary.id)} · prog ${cell(version)}`]);
  out.push(...table(['', ''], ['l', 'l'], facts));

  if (summary.phases.length > 0) {
    out.push('\n### Phases\n');
    const lookup = byId(summary.phases);
    const rows = summary.phases.slice(0, MAX_ROWS).map((p) => [
      mark(p.status), cell(stripAnsi(phasePath(p, lookup))), p.status, formatDuration(p.durationMs),
      p.steps ? `${p.steps.done}/${p.steps.total} steps` : p.total === undefined ? String(p.current) : `${p.current}/${p.total}`,
      String(p.counts.succeeded), String(p.counts.failed), String(p.counts.skipped),
    ]);
    out.push(...table(['', 'Phase', 'Status', 'Duration', 'Progress', 'ok', 'failed', 'skipped'], ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r'], rows));
    if (summary.phases.length > MAX_ROWS) out.push(`\n${summary.phases.length - MAX_ROWS} more phases are not listed.\n`);
  }

  const failed = ledger.items.filter((item) => item.outcome === 'failed');
  if (failed.length > 0) {
    out.push(`\n### Failed items (${summary.counts.failed})\n`);
    const rows = failed.slice(0, MAX_ROWS).map((item) => {
      const phase = item.phase === undefined ? undefined : ledger.phases.get(item.phase);
      const where = item.phase === undefined ? '' : phase ? phasePath(phase, (id) => ledger.phases.get(id)) : item.phase;
      const name = `${item.name ?? item.id}${item.agent === undefined ? '' : ` (${item.agent})`}`;
      const error = item.error !== undefined
        ? errorCell(item.error)
        : item.tail && item.tail.length > 0 ? `<i>output before it:</i><br>${errorCell(item.tail.slice(-ERROR_LINES).join('\n'))}` : '';
      return [code(clipped(name, 300)), cell(stripAnsi(where)), error];
    });
    out.push(...table(['Item', 'Phase', 'Error (first lines)'], ['l', 'l', 'l'], rows));
    const unlisted = summary.counts.failed - Math.min(failed.length, MAX_ROWS);
    if (unlisted > 0) out.push(`\n${unlisted} more failed items are not listed.\n`);
  }

  if (annotations.rest.length > 0) {
    out.push(`\n### Errors and warnings not shown as annotations (${annotations.rest.length})\n`);
    out.push(`\nGitHub shows ${ANNOTATIONS_PER_KIND} annotations of each kind per step; these came after them.\n`);
    const rows = annotations.rest.slice(0, MAX_ROWS).map((a) => [a.level, where(a), errorCell(`${a.title === a.level ? '' : `${a.title}: `}${a.message}`)]);
    out.push(...table(['Level', 'Where', 'Message'], ['l', 'l', 'l'], rows));
    if (annotations.rest.length > MAX_ROWS) out.push(`\n${annotations.rest.length - MAX_ROWS} more are not listed.\n`);
  }
  return out;
}

function mark(status: string): string {
  switch (status) {
    case 'ok': return '✅';
    case 'skipped': return '⏭️';
    case 'interrupted': return '⏹️';
    case 'running': return '⏳';
    default: return '❌';
  }
}

function how(summary: Summary): string {
  if (summary.signal !== null) return `killed by ${summary.signal}`;
  return `exit code ${summary.exitCode}`;
}

function countsText(c: Counts): string {
  const parts = [`${c.succeeded} ok`, `${c.failed} failed`];
  if (c.skipped > 0) parts.push(`${c.skipped} skipped`);
  if (c.retried > 0) parts.push(`${c.retried} retried`);
  if (c.running > 0) parts.push(`${c.running} still running`);
  const judged = c.succeeded + c.failed;
  return `${parts.join(' · ')}${judged > 0 ? ` (${Math.round((c.succeeded / judged) * 100)}% succeeded)` : ''}`;
}

const LEVELS: [LogLevel, string, string][] = [['error', 'error', 'errors'], ['warn', 'warning', 'warnings'], ['notice', 'notice', 'notices']];

/** `2 errors · 5 warnings (4 at a file and line)`: log lines from markers and tools' diagnostics. */
function logsText(logs: Partial<Record<LogLevel, number>>, ledger: RunLedger): string {
  const parts = LEVELS.filter(([level]) => (logs[level] ?? 0) > 0).map(([level, one, many]) => `${logs[level]} ${logs[level] === 1 ? one : many}`);
  const located = ledger.diagnostics.length + ledger.omittedDiagnostics;
  return parts.length === 0 ? 'none' : `${parts.join(' · ')}${located > 0 ? ` (${located} at a file and line)` : ''}`;
}

function annotationsText(plan: AnnotationPlan): string {
  const kinds = (['error', 'warning'] as const).filter((level) => plan.total[level] > 0).map((level) => {
    const total = plan.total[level];
    const noun = total === 1 ? level : `${level}s`;
    return total > ANNOTATIONS_PER_KIND ? `${ANNOTATIONS_PER_KIND} of ${total} ${noun}` : `${total} ${noun}`;
  });
  const rest = plan.rest.length > 0 ? `; the other ${plan.rest.length} are listed below (GitHub shows ${ANNOTATIONS_PER_KIND} of each kind per step)` : '';
  return `${kinds.join(' and ')} annotated${rest}`;
}

function etaText(pastRuns: number, eta: EtaAccuracy | undefined): string {
  const from = `from ${pastRuns} past run${pastRuns === 1 ? '' : 's'}`;
  if (eta === undefined) return `${from}; no estimate was shown while it ran`;
  const parts = eta.checkpoints.map((p) => {
    const error = p.actualMs > 0 ? Math.round(((p.saidMs - p.actualMs) / p.actualMs) * 100) : 0;
    return `at ${Math.round(p.at * 100)}% it said ${formatDuration(p.saidMs)} left, it was ${formatDuration(p.actualMs)} (${error >= 0 ? '+' : ''}${error}%)`;
  });
  if (eta.ranged > 0) parts.push(`its range held the time left in ${eta.inRange} of ${eta.ranged} updates (${Math.round((eta.inRange / eta.ranged) * 100)}%)`);
  return parts.length === 0 ? `${from}; the run was too short to measure it` : `${from}: ${parts.join(' · ')}`;
}

function where(a: Annotation): string {
  if (a.file === undefined) return '';
  return code(`${a.file}${a.line === undefined ? '' : `:${a.line}`}${a.col === undefined ? '' : `:${a.col}`}`);
}

/** An error's first lines in a cell, each cut, with how many more there were. */
function errorCell(text: string): string {
  const lines = stripAnsi(text).split(/\r?\n/).filter((l) => l.trim() !== '');
  const kept = lines.slice(0, ERROR_LINES).map((l) => cell(clipped(l, LINE_CHARS)));
  if (lines.length > ERROR_LINES) kept.push(`<i>… ${lines.length - ERROR_LINES} more ${lines.length - ERROR_LINES === 1 ? 'line' : 'lines'}</i>`);
  return kept.join('<br>');
}


function clipped(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
