// What a notification says about a run that ended: a title that reads at a glance
// (`✗ build · failed (exit 2) in 41s`), a short body (counts, failed phases, the first failure, where
// to look), and the JSON a webhook gets. Pure: the same run gives the same words.
import { formatDuration } from '../display/duration.js';
import { stripAnsi, UNSAFE_CLASS } from '../lines/ansi.js';
import { givenWorkflowName } from '../store/workflow-key.js';
import type { FinishedRun } from './exporter.js';

/** Runs of characters no notification may carry (controls, bidi overrides): each becomes a space. */
const UNSAFE_RUNS = new RegExp(`${UNSAFE_CLASS}+`, 'g');

/** Failures listed in the webhook's `run.failures`. */
export const FAILURES_SENT = 5;
/** Discord's `content` holds 2,000 characters (Slack's `text` more): the text stays under both. */
export const TEXT_LIMIT = 1_900;
const NAME_LIMIT = 80;
const ERROR_LIMIT = 300;

export interface NotifyMessage {
  title: string;
  /** Lines for the body; empty when there is nothing to add to the title. */
  body: string[];
  failed: boolean;
}

export interface FailureSummary {
  phase?: string;
  id: string;
  agent?: string;
  /** The error's first line, cut to ERROR_LIMIT characters. */
  error?: string;
}

/** The webhook's JSON: Slack reads `text`, Discord `content`; `run` is for everyone else. */
export interface WebhookPayload {
  text: string;
  content: string;
  /** Discord: an `@everyone` in an error message must not ping a channel. */
  allowed_mentions: { parse: never[] };
  run: {
    id: string;
    workflow: string;
    command: string[];
    cwd: string;
    status: string;
    exitCode: number | null;
    signal: string | null;
    durationMs: number;
    counts: { passed: number; failed: number; skipped: number; retried: number };
    failedPhases: string[];
    failures: FailureSummary[];
    failuresTotal: number;
    startedAt: string;
    endedAt: string;
    host: string;
    /** `prog logs <id>`, when the run was recorded. */
    logs?: string;
  };
}

/** What the run is called: its workflow name, else `--name`, else its command line. */
export function runName(run: Pick<FinishedRun, 'info' | 'summary'>): string {
  const { info, summary } = run;
  if (summary.workflow !== undefined && summary.workflow.trim() !== '') return oneLine(summary.workflow, NAME_LIMIT);
  const given = givenWorkflowName(info);
  if (given !== undefined) return oneLine(given, NAME_LIMIT);
  return oneLine(info.command.join(' '), NAME_LIMIT);
}

/** `ok`, `failed (exit 2)`, `killed by SIGKILL`, `interrupted (SIGINT)`. */
export function outcomeText(summary: FinishedRun['summary']): string {
  if (summary.status === 'ok') return 'ok';
  if (summary.status === 'interrupted') return summary.signal === null ? 'interrupted' : `interrupted (${summary.signal})`;
  if (summary.signal !== null) return `killed by ${summary.signal}`;
  return summary.exitCode === null ? 'failed' : `failed (exit ${summary.exitCode})`;
}

export function notifyMessage(run: FinishedRun): NotifyMessage {
  const { summary } = run;
  const mark = summary.status === 'ok' ? '✓' : summary.status === 'interrupted' ? '■' : '✗';
  const title = `${mark} ${runName(run)} · ${outcomeText(summary)} in ${formatDuration(summary.durationMs)}`;
  const body: string[] = [];
  const counts = countsLine(summary.counts);
  if (counts !== undefined) body.push(counts);
  const phases = failedPhases(run);
  if (phases.length > 0) body.push(`failed phases: ${phases.join(', ')}`);
  const first = failures(run)[0];
  if (first !== undefined) body.push(`first failure: ${failureText(first)}`);
  body.push(run.recordDir === undefined ? `run ${run.info.id} (not recorded)` : `prog logs ${run.info.id}`);
  return { title, body, failed: summary.status !== 'ok' };
}

export function webhookPayload(run: FinishedRun, host: string): WebhookPayload {
  const message = notifyMessage(run);
  const { info, summary } = run;
  const plain = clipText([message.title, ...message.body].join('\n'), TEXT_LIMIT);
  const listed = failures(run);
  return {
    text: slackText(plain),
    content: plain,
    allowed_mentions: { parse: [] },
    run: {
      id: info.id,
      workflow: runName(run),
      command: info.command,
      cwd: info.cwd,
      status: summary.status,
      exitCode: summary.exitCode,
      signal: summary.signal,
      durationMs: summary.durationMs,
      counts: { passed: summary.counts.succeeded, failed: summary.counts.failed, skipped: summary.counts.skipped, retried: summary.counts.retried },
      failedPhases: failedPhases(run),
      failures: listed.slice(0, FAILURES_SENT),
      failuresTotal: Math.max(summary.counts.failed, listed.length),
      startedAt: info.startedAt,
      endedAt: endedAt(info.startedAt, summary.durationMs),
      host,
      ...(run.recordDir === undefined ? {} : { logs: `prog logs ${info.id}` }),
    },
  };
}

/** `12 passed, 1 failed, 2 skipped`: only when the run reported items. */
function countsLine(counts: FinishedRun['summary']['counts']): string | undefined {
  if (counts.processed + counts.retried + counts.running === 0) return undefined;
  const parts = [`${counts.succeeded} passed`, `${counts.failed} failed`];
  if (counts.skipped > 0) parts.push(`${counts.skipped} skipped`);
  if (counts.retried > 0) parts.push(`${counts.retried} retried`);
  return parts.join(', ');
}

function failedPhases(run: FinishedRun): string[] {
  return run.summary.phases.filter((p) => p.status === 'failed').map((p) => oneLine(p.name, NAME_LIMIT));
}

/**
 * The run's failures, first first: from the ledger, which keeps every item (the summary keeps only
 * the last few), else from the summary.
 */
function failures(run: FinishedRun): FailureSummary[] {
  const found: FailureSummary[] = [];
  for (const item of run.ledger.items) {
    if (item.outcome !== 'failed') continue;
    found.push(failure(item.phase, item.name ?? item.id, item.agent, item.error));
    if (found.length === FAILURES_SENT) return found;
  }
  if (found.length > 0) return found;
  return run.summary.failures.slice(0, FAILURES_SENT).map((f) => failure(f.phase, f.id, f.agent, f.error));
}

function failure(phase: string | undefined, id: string, agent: string | undefined, error: string | undefined): FailureSummary {
  const first = error?.split(/\r?\n/).find((line) => line.trim() !== '');
  return {
    ...(phase === undefined ? {} : { phase: oneLine(phase, NAME_LIMIT) }),
    id: oneLine(id, NAME_LIMIT * 2),
    ...(agent === undefined ? {} : { agent: oneLine(agent, NAME_LIMIT) }),
    ...(first === undefined ? {} : { error: oneLine(first, ERROR_LIMIT) }),
  };
}

function failureText(f: FailureSummary): string {
  const name = `${f.phase === undefined ? '' : `${f.phase}/`}${f.id}`;
  return f.error === undefined ? name : `${name}: ${f.error}`;
}

function endedAt(startedAt: string, durationMs: number): string {
  const start = Date.parse(startedAt);
  return Number.isNaN(start) ? startedAt : new Date(start + durationMs).toISOString();
}

/**
 * Text from the command (a name, an error) as a notification shows it: no escapes, no control
 * characters (a desktop notification does not render them; a chat message would show them raw),
 * one line, cut with an ellipsis.
 */
export function oneLine(text: string, max: number): string {
  const clean = stripAnsi(text).replace(UNSAFE_RUNS, ' ').replace(/ {2,}/g, ' ').trim();
  return clipText(clean, max);
}

/** At most `max` UTF-16 units (Discord counts so), not cutting a surrogate pair, `…` when cut. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\ud800-\udbff]/.test(text[end - 1]!)) end--;
  return `${text.slice(0, end)}…`;
}

/** Escaped for Slack, and still within TEXT_LIMIT (Discord's `/slack` endpoint reads `text` too). */
function slackText(plain: string): string {
  let text = slackEscape(plain);
  for (let keep = plain.length; text.length > TEXT_LIMIT; ) {
    keep -= text.length - TEXT_LIMIT;
    text = slackEscape(clipText(plain, keep));
  }
  return text;
}

/** Slack reads `&`, `<` and `>` as markup (`<!channel>`, links): they are escaped as it asks. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
