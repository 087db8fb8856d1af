// The dashboard's JSON API (docs/dashboard.md, API): each route reads the run index or the history
// and answers one object with `version`. Query values are checked here; a bad one is a 400 that
// says which.
import { join } from 'node:path';
import type { LogLevel } from '../../events.js';
import { byStart, groupByKey, workflowStats, type HistoryRun, type Workflow } from '../../store/history-query.js';
import { newestRuns as newestHistory, SUMMARY_RUNS } from '../../store/history-tail.js';
import type { RunState } from '../../store/runs.js';
import type { FeedLine } from './protocol.js';
import type { RunIndex } from './run-index.js';

export const API_VERSION = 1;

export interface ApiAnswer {
  status: number;
  body: object;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'notice', 'warn', 'error'];
const STATES: readonly RunState[] = ['running', 'succeeded', 'failed', 'interrupted', 'lost'];
/** History runs one workflow's page shows. */
const HISTORY_RUNS = 200;

const ok = (body: object): ApiAnswer => ({ status: 200, body: { version: API_VERSION, ...body } });
const bad = (status: number, error: string): ApiAnswer => ({ status, body: { version: API_VERSION, error } });

export function answerApi(route: string, params: URLSearchParams, index: RunIndex): ApiAnswer {
  switch (route) {
    case 'runs': return runs(params, index);
    case 'progress': return withFeed(params, index, (feed, run) => ok({ run, snapshot: feed.snapshot(), ...feed.failureList(), at: feed.at }));
    case 'logs': return logs(params, index);
    case 'timeline': return withFeed(params, index, (feed) => ok({ at: feed.at, ...feed.timeline() }));
    case 'series': return withFeed(params, index, (feed) => ok({ at: feed.at, ...feed.series() }));
    case 'history': return history(params, index.root);
    default: return bad(404, `no API route /api/${route} (see docs/dashboard.md)`);
  }
}

function runs(params: URLSearchParams, index: RunIndex): ApiAnswer {
  const limit = whole(params.get('limit'), 100, 1000);
  if (limit === undefined) return bad(400, 'limit: a whole number from 0 to 1000');
  const states = params.get('state')?.split(',').filter((s) => s !== '');
  if (states?.some((s) => !STATES.includes(s as RunState))) return bad(400, `state: one or more of ${STATES.join(', ')}`);
  const workflow = params.get('workflow') ?? undefined;
  const list = index.list().filter((run) => (!states || states.includes(run.state)) && (workflow === undefined || run.workflow === workflow || run.key === workflow));
  return ok({ runs: list.slice(0, limit) });
}

function withFeed(params: URLSearchParams, index: RunIndex, answer: (feed: NonNullable<ReturnType<RunIndex['feed']>>, run: NonNullable<ReturnType<RunIndex['summaryOf']>>) => ApiAnswer): ApiAnswer {
  const id = params.get('run');
  if (id === null || !/^[\w-]{1,64}$/.test(id)) return bad(400, 'run: a run id (prog ls lists them)');
  const feed = index.feed(id);
  const run = feed && index.summaryOf(id);
  if (!feed || !run) return bad(404, `no run ${id}`);
  return answer(feed, run);
}

function logs(params: URLSearchParams, index: RunIndex): ApiAnswer {
  const level = params.get('level');
  if (level !== null && !LEVELS.includes(level as LogLevel)) return bad(400, `level: one of ${LEVELS.join(', ')}`);
  const stream = params.get('stream');
  if (stream !== null && !['stdout', 'stderr', 'log'].includes(stream)) return bad(400, 'stream: stdout, stderr or log');
  const limit = whole(params.get('limit'), 500, 5000);
  if (limit === undefined) return bad(400, 'limit: a whole number from 0 to 5000');
  const since = whole(params.get('since'), 0, Number.MAX_SAFE_INTEGER);
  if (since === undefined) return bad(400, 'since: a feed number (a line\'s n)');
  const keep = lineFilter(level as LogLevel | null, params.get('source'), stream, params.get('text'));
  return withFeed(params, index, (feed) => {
    const { lines, first } = feed.lines(keep, limit, since);
    return ok({ at: feed.at, first, dropped: feed.droppedLines, lines });
  });
}

/** The lines a page's filters keep (docs/dashboard.md, /api/logs). */
export function lineFilter(level: LogLevel | null, source: string | null, stream: string | null, text: string | null): (line: FeedLine) => boolean {
  const least = level === null ? -1 : LEVELS.indexOf(level);
  const needle = text === null || text === '' ? undefined : text.toLowerCase();
  return (line) => {
    if (least >= 0 && (line.level === undefined || LEVELS.indexOf(line.level) < least)) return false;
    if (source !== null && line.source !== source) return false;
    if (stream !== null && (stream === 'log' ? line.kind !== 'log' : line.stream !== stream)) return false;
    return needle === undefined || line.text.toLowerCase().includes(needle);
  };
}

function history(params: URLSearchParams, root: string): ApiAnswer {
  const read = newestHistory(join(root, 'history.ndjson'), SUMMARY_RUNS);
  const workflows = groupByKey(read.runs);
  const asked = params.get('workflow');
  if (asked === null) return ok({ workflows: workflows.map(describe) });
  const workflow = workflows.find((w) => w.key === asked) ?? workflows.find((w) => nameOf(w.last) === asked);
  if (!workflow) return bad(404, `no workflow ${asked} in the last ${SUMMARY_RUNS} runs of history`);
  return ok({ workflow: describe(workflow), runs: byStart(workflow.runs).slice(-HISTORY_RUNS).map(historyRun) });
}

function describe(workflow: Workflow): object {
  const stats = workflowStats(workflow);
  return {
    key: workflow.key, name: nameOf(workflow.last), runs: stats.runs, lastStartedAt: workflow.last.startedAt,
    ...(stats.medianMs === undefined ? {} : { p50Ms: stats.medianMs }),
    ...(stats.p90Ms === undefined ? {} : { p90Ms: stats.p90Ms }),
    ...(stats.successRate === undefined ? {} : { successRate: stats.successRate }),
  };
}

function historyRun(run: HistoryRun): object {
  return {
    id: run.id, startedAt: run.startedAt, status: run.status, exitCode: run.exitCode,
    ...(run.durationMs === undefined ? {} : { durationMs: run.durationMs }),
    ...(run.counts === undefined ? {} : { counts: run.counts }),
    ...(run.peakRssBytes === undefined ? {} : { peakRssBytes: run.peakRssBytes }),
    phases: run.phases.map((p) => ({ id: p.id, name: p.name, status: p.status, ...(p.durationMs === undefined ? {} : { durationMs: p.durationMs }) })),
  };
}

/** The workflow's name: what its workflow marker or --name said, else its command line. */
export function nameOf(run: HistoryRun): string {
  const workflow = run.record.workflow;
  return typeof workflow === 'string' && workflow !== '' ? workflow : run.command.join(' ');
}

/** A whole number in [0, max], `fallback` when absent; undefined when it is not one. */
function whole(text: string | null, fallback: number, max: number): number | undefined {
  if (text === null) return fallback;
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}
