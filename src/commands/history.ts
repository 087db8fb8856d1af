// `prog history`: what history.ndjson says about past runs. Without a target, one row per workflow
// (runs, last result, durations, success rate, a sparkline); with one, that workflow's runs, newest
// first. `--prune --older-than AGE` rewrites the file without old records, atomically.
// Both views read the file from its end (store/history-tail.ts): the summary a window of the newest
// runs, one workflow its own runs until there are enough to show and to give statistics.
import { dirname, join } from 'node:path';
import { Chalk, type ChalkInstance } from 'chalk';
import { printError, writeStderr } from '../diagnostics.js';
import { colorLevel } from '../display/color.js';
import { formatDuration } from '../display/duration.js';
import { formatBytes } from '../display/resources-text.js';
import { padEnd, textWidth, truncate } from '../display/rich/text-width.js';
import { bar, paint, sparkline, type DrawStyle } from '../display/sparkline.js';
import { table } from '../display/table.js';
import { terminalStdout } from '../display/terminal-output.js';
import { escapeForTerminal } from '../lines/ansi.js';
import {
  byStart, filterRuns, groupByKey, parseAge, workflowStats, type HistoryRun, type RunFilter, type WorkflowStats,
} from '../store/history-query.js';
import { findWorkflow, newestRuns, SUMMARY_RUNS, type TailRead, type WorkflowQuery } from '../store/history-tail.js';
import { stateDir } from '../store/state-dir.js';
import { rewriteHistory } from '../store/prune.js';
import { usageError } from './usage.js';

export const HISTORY_FORMATS = ['text', 'json'] as const;
export type HistoryFormat = (typeof HISTORY_FORMATS)[number];

export interface HistoryOptions {
  target?: string;
  format: HistoryFormat;
  limit?: number;
  since?: string;
  failed: boolean;
  prune: boolean;
  olderThan?: string;
  /** For tests: what "now" is when --since and --older-than are measured. */
  now?: number;
}

const DEFAULT_RUN_LIMIT = 20;
const SPARK_RUNS = 20;
const BAR_WIDTH = 20;
const KEY_WIDTH = 48;

export function historyCommand(options: HistoryOptions): void {
  const now = options.now ?? Date.now();
  const path = join(stateDir(), 'history.ndjson');
  checkUsage(options);
  if (options.prune) {
    prune(path, options.olderThan!, now, options.format);
    return;
  }
  const filter: RunFilter = { failedOnly: options.failed };
  if (options.since !== undefined) filter.sinceMs = now - parseAge(options.since)!;

  const json = options.format === 'json';
  const style = drawStyle();
  if (options.target === undefined) {
    const read = readOrFail(path, () => newestRuns(path, SUMMARY_RUNS, filter.sinceMs));
    if (!read || !warnUnreadable(path, read) || noHistory(path, read.runs, json)) return;
    const { runs } = read;
    const selected = filterRuns(runs, filter);
    let workflows = groupByKey(selected).map((w) => workflowStats(w, SPARK_RUNS));
    const total = workflows.length;
    if (options.limit !== undefined) workflows = workflows.slice(0, options.limit);
    if (json) {
      terminalStdout().write(workflows.map((w) => JSON.stringify(workflowJson(w, read.complete ? undefined : runs.length)) + '\n').join(''));
      return;
    }
    if (selected.length === 0) {
      terminalStdout().write(noMatch(runs.length, read.complete, options));
      return;
    }
    let text = summaryTable(workflows, total, style);
    // A window of the newest runs, not the whole file: say so, and how to look further.
    if (!read.complete) text += style.chalk!.dim(`(from the newest ${runs.length} runs recorded; --since 52w looks further back, prog history <workflow> shows one workflow's runs)`) + '\n';
    terminalStdout().write(text);
    return;
  }

  const limit = options.limit ?? DEFAULT_RUN_LIMIT;
  const query: WorkflowQuery = { selects: (r) => filterRuns([r], filter).length === 1, limit, ...(filter.sinceMs === undefined ? {} : { sinceMs: filter.sinceMs }) };
  const found = readOrFail(path, () => findWorkflow(path, options.target!, query));
  if (!found || !warnUnreadable(path, found.read)) return;
  const { target, read } = found;
  if (target.kind === 'none') {
    // An empty history is not a wrong name: the same hint as the summary's.
    const any = readOrFail(path, () => newestRuns(path, 1));
    if (any === undefined || noHistory(path, any.runs, json)) return;
    fail(`no workflow or run matches "${options.target}" (prog history lists the workflows)`);
    return;
  }
  if (target.kind === 'ambiguous') {
    const shown = target.keys.slice(0, 10).map((k) => `  ${k}`).join('\n');
    fail(`"${options.target}" matches ${target.keys.length} workflows; give more of one:\n${shown}${target.keys.length > 10 ? '\n  …' : ''}`);
    return;
  }
  // Oldest first, as the statistics take them.
  const all = byStart(read.runs);
  const selected = filterRuns(all, filter).sort((a, b) => b.startMs - a.startMs);
  const shown = selected.slice(0, limit);
  if (json) {
    terminalStdout().write(shown.map((r) => JSON.stringify({ type: 'run', ...r.record }) + '\n').join(''));
    return;
  }
  terminalStdout().write(runsTable(target.key, all, read, selected, shown, target.runId, options, style));
}

/** Reads history.ndjson; a file that cannot be read is reported (exit 1) and gives undefined. */
function readOrFail<T>(path: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    fail(`cannot read ${path}: ${(error as Error).message}`);
    return undefined;
  }
}

/** One warning for the lines that were read and skipped; always true (go on). */
function warnUnreadable(path: string, read: TailRead): true {
  const n = read.unreadable;
  if (n > 0) writeStderr(`prog: warning: ${n} unreadable ${n === 1 ? 'line' : 'lines'} in ${escapeForTerminal(path)} ${n === 1 ? 'was' : 'were'} skipped\n`);
  return true;
}

/** No runs at all: a hint (on stderr with --format json, so the output stays valid NDJSON); true when printed. */
function noHistory(path: string, runs: readonly HistoryRun[], json: boolean): boolean {
  if (runs.length > 0) return false;
  const hint = `no runs recorded yet in ${escapeForTerminal(dirname(path))}; run prog run -- <command>\n`;
  if (json) writeStderr(`prog: ${hint}`);
  else terminalStdout().write(hint);
  return true;
}

function checkUsage(options: HistoryOptions): void {
  if (options.prune && options.olderThan === undefined) {
    throw usageError('--prune needs --older-than AGE, e.g. prog history --prune --older-than 90d', ['history']);
  }
  if (!options.prune && options.olderThan !== undefined) {
    throw usageError('--older-than goes with --prune: prog history --prune --older-than 90d', ['history']);
  }
  if (options.prune && (options.target !== undefined || options.since !== undefined || options.failed || options.limit !== undefined)) {
    throw usageError('--prune works on the whole history: it takes no workflow, --since, --failed or --limit', ['history']);
  }
  for (const [flag, value] of [['--since', options.since], ['--older-than', options.olderThan]] as const) {
    if (value !== undefined && parseAge(value) === undefined) {
      throw usageError(`${flag} takes an age: a number and s, m, h, d or w (30m, 12h, 7d, 2w); got "${value}"`, ['history']);
    }
  }
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit > 0)) {
    throw usageError(`--limit must be a whole number ≥ 1; got "${options.limit}"`, ['history']);
  }
}

/** Not a usage error: the history does not hold what was asked for (exit 1, as grep finding nothing). */
function fail(message: string): void {
  printError(message);
  process.exitCode = 1;
}

function drawStyle(): DrawStyle {
  // The colour rule's NO_COLOR (non-empty, and FORCE_COLOR beats it) also asks for plain characters.
  const ascii = (process.env.FORCE_COLOR === undefined && (process.env.NO_COLOR ?? '') !== '') || process.env.TERM === 'dumb';
  return { ascii, chalk: new Chalk({ level: colorLevel(process.stdout) }) };
}

/** `complete`: every run was read, so `total` is all there are (else only the newest were). */
function noMatch(total: number, complete: boolean, options: HistoryOptions): string {
  const what = [options.since !== undefined ? `since ${options.since}` : '', options.failed ? 'failed' : ''].filter(Boolean).join(', ');
  if (!complete) return `no runs match (${what}) among the newest ${total} runs\n`;
  return `no runs match (${what}); ${total} ${total === 1 ? 'run is' : 'runs are'} recorded in all\n`;
}

// ---- JSON -------------------------------------------------------------------------------------

/** `window`: the statistics cover only the newest this many runs of the history, not all. */
function workflowJson(w: WorkflowStats, window: number | undefined): Record<string, unknown> {
  return {
    type: 'workflow',
    key: w.key,
    runs: w.runs,
    last: {
      id: w.last.id, startedAt: w.last.startedAt, status: w.last.status,
      exitCode: w.last.exitCode, signal: w.last.signal, durationMs: w.last.durationMs ?? null,
    },
    medianMs: w.medianMs ?? null,
    p90Ms: w.p90Ms ?? null,
    successRate: w.successRate ?? null,
    recent: w.recent.map((r) => ({ id: r.id, status: r.status, durationMs: r.durationMs ?? null })),
    ...(window === undefined ? {} : { window }),
  };
}

// ---- text -------------------------------------------------------------------------------------


/** Lays out rows of plain cells (widths measured before colour), then styles each cell. */

function summaryTable(workflows: WorkflowStats[], total: number, style: DrawStyle): string {
  const c = style.chalk ?? new Chalk({ level: 0 });
  const header = ['workflow', 'runs', 'last', 'took', 'median', 'p90', 'ok', 'recent'];
  const rows = workflows.map((w) => {
    const cells = [
      truncate(escapeForTerminal(w.key), KEY_WIDTH),
      String(w.runs),
      resultText(w.last, style.ascii),
      w.last.durationMs === undefined || w.last.status === 'spawn-failed' ? '-' : formatDuration(w.last.durationMs),
      w.medianMs === undefined ? '-' : formatDuration(w.medianMs),
      w.p90Ms === undefined ? '-' : formatDuration(w.p90Ms),
      w.successRate === undefined ? '-' : `${Math.round(w.successRate * 100)}%`,
      '',
    ];
    const spark = sparkline(w.recent, style);
    return { cells, style: (i: number, t: string) => (i === 2 ? paint(t, w.last.status, style) : i === 7 ? spark : t) };
  });
  let out = table(header, rows, ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'left'], c);
  if (total > workflows.length) out += c.dim(`… ${total - workflows.length} more workflows (raise --limit to see them)`) + '\n';
  return out;
}

/** Unless the read was complete, `all` is the workflow's newest runs only (the statistics say so). */
function runsTable(
  key: string, all: HistoryRun[], { complete, sinceCovered }: TailRead, selected: HistoryRun[], shown: HistoryRun[], runId: string | undefined,
  options: HistoryOptions, style: DrawStyle,
): string {
  const c = style.chalk ?? new Chalk({ level: 0 });
  const stats = workflowStats({ key, runs: all, last: all[all.length - 1]! });
  const facts = [
    complete ? `${all.length} ${all.length === 1 ? 'run' : 'runs'}` : `newest ${all.length} runs`,
    stats.medianMs === undefined ? '' : `median ${formatDuration(stats.medianMs)}`,
    stats.p90Ms === undefined ? '' : `p90 ${formatDuration(stats.p90Ms)}`,
    stats.successRate === undefined ? '' : `${Math.round(stats.successRate * 100)}% ok`,
  ].filter(Boolean).join(' · ');
  let out = `${c.bold(escapeForTerminal(key))}  ${facts}\n`;
  if (shown.length === 0) return out + noMatch(all.length, complete, options);

  const longest = Math.max(0, ...shown.map((r) => r.durationMs ?? 0));
  const header = ['', 'started', 'took', '', 'result', 'counts', 'peak mem', 'run', 'phases'];
  const rows = shown.map((run) => {
    const took = run.durationMs === undefined || run.status === 'spawn-failed' ? '-' : formatDuration(run.durationMs);
    const cells = [
      run.id === runId ? (style.ascii ? '>' : '▶') : '',
      formatStart(run.startMs),
      took,
      run.status === 'spawn-failed' ? '' : bar(run.durationMs ?? 0, longest, BAR_WIDTH, style.ascii),
      resultText(run, style.ascii),
      countsText(run, style.ascii),
      run.peakRssBytes === undefined ? '' : formatBytes(run.peakRssBytes),
      escapeForTerminal(run.id),
      phasesText(run, style.ascii),
    ];
    return { cells, style: (i: number, t: string) => (i === 3 || i === 4 ? paint(t, run.status, style) : t) };
  });
  out += table(header, rows, ['left', 'left', 'right', 'left', 'left', 'left', 'right', 'left', 'left'], c);
  if (!sinceCovered) out += c.dim(`… older runs not shown (--limit ${shown.length * 5} shows more)`) + '\n';
  else if (selected.length > shown.length) out += c.dim(`… ${selected.length - shown.length} older runs not shown (--limit ${selected.length} shows them all)`) + '\n';
  return out;
}

/** Local time, to the second: when the run started on this machine's clock. */
function formatStart(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** How a run ended, in words (an icon too, unless ASCII): `✔ exit 0`, `✖ exit 3`, `✖ SIGKILL`, `⚠ interrupted (SIGINT)`. */
export function resultText(run: HistoryRun, ascii: boolean): string {
  const icon = (glyph: string) => (ascii ? '' : `${glyph} `);
  const signal = run.signal === null ? undefined : escapeForTerminal(run.signal);
  switch (run.status) {
    case 'ok':
      return `${icon('✔')}exit ${run.exitCode ?? 0}`;
    case 'failed':
      return `${icon('✖')}${signal ?? (run.exitCode === null ? 'failed' : `exit ${run.exitCode}`)}`;
    case 'interrupted':
      return `${icon('⚠')}interrupted${signal ? ` (${signal})` : run.exitCode !== null ? ` (exit ${run.exitCode})` : ''}`;
    case 'spawn-failed':
      return `${icon('✖')}not started${run.spawnError ? `: ${escapeForTerminal(run.spawnError)}` : ''}`;
  }
}

function countsText(run: HistoryRun, ascii: boolean): string {
  const counts = run.counts;
  if (!counts) return '';
  const parts: string[] = [];
  const add = (n: unknown, glyph: string, word: string) => {
    if (typeof n === 'number' && n > 0) parts.push(ascii ? `${n} ${word}` : `${glyph}${n}`);
  };
  add(counts.succeeded, '✔', 'ok');
  add(counts.failed, '✖', 'failed');
  add(counts.skipped, '⊘', 'skipped');
  add(counts.retried, '↻', 'retried');
  return parts.join(' ');
}

function phasesText(run: HistoryRun, ascii: boolean): string {
  return run.phases.map((p) => {
    const mark = p.status === 'failed' ? (ascii ? ' FAILED' : ' ✖') : p.status === 'skipped' ? (ascii ? ' skipped' : ' ⊘') : '';
    return `${escapeForTerminal(p.name)}${mark} ${p.durationMs === undefined ? '?' : formatDuration(p.durationMs)}`;
  }).join(', ');
}

// ---- prune ------------------------------------------------------------------------------------

/**
 * Rewrites history.ndjson without the records older than the age, as the automatic compaction does
 * (store/prune.ts: under its lock, through a synced temporary file, runs that end meanwhile kept).
 */
function prune(path: string, olderThan: string, now: number, format: HistoryFormat): void {
  const cutoff = now - parseAge(olderThan)!;
  const report = (removed: number, kept: number, unreadable: number) => {
    if (format === 'json') {
      terminalStdout().write(JSON.stringify({ type: 'prune', path, olderThan, cutoff: new Date(cutoff).toISOString(), removed, kept, unreadable }) + '\n');
      return;
    }
    const where = escapeForTerminal(path);
    let text = removed === 0
      ? `nothing older than ${olderThan} in ${where}; ${kept} ${kept === 1 ? 'run' : 'runs'} kept`
      : `removed ${removed} ${removed === 1 ? 'run' : 'runs'} older than ${olderThan} from ${where}; ${kept} kept`;
    if (unreadable > 0) text += `; ${unreadable} unreadable ${unreadable === 1 ? 'line' : 'lines'} dropped`;
    terminalStdout().write(text + '\n');
  };
  let result: ReturnType<typeof rewriteHistory>;
  try {
    result = rewriteHistory(path, cutoff, undefined);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      report(0, 0, 0);
      return;
    }
    fail(`cannot rewrite ${path}: ${(error as Error).message}; it is unchanged`);
    return;
  }
  if (result === undefined) {
    fail(`another prog is rewriting ${path} right now (${path}.lock); try again in a moment`);
    return;
  }
  report(result.removed, result.kept, result.unreadable);
}

