// What `prog history` reads of history.ndjson, from its end: lines are in the order runs ended, so
// the newest runs are the last lines. The summary reads a window of the newest runs; one workflow's
// runs are found by a byte search for its key, parsing only its own lines. Either way the cost is
// that of the runs looked at, not of the file, whenever the workflow ran recently.
import { isBlank, linesBackward, parseRecord } from './ndjson.js';
import { resolveTarget, toHistoryRun, type HistoryRun, type Target } from './history-query.js';

/** Runs the summary looks at without --since: enough for every workflow in use, cheap to parse. */
export const SUMMARY_RUNS = 1000;
/** Runs of one workflow read for its statistics (median, p90, success rate) once enough are shown. */
export const STATS_RUNS = 100;
/**
 * Runs end out of order by a little (two finish at once, each appends when done): a --since scan
 * goes this far past the first run that ended before the cutoff.
 */
const SINCE_SLACK_MS = 60_000;

export interface TailRead {
  /** Newest first (the last line first). */
  runs: HistoryRun[];
  /** Lines read that are not run records (torn, damaged, missing fields). */
  unreadable: number;
  /** The read reached the start of the file: `runs` is every run that could be asked for. */
  complete: boolean;
  /** Every run a --since asked for was read (reading stopped past it, or reached the start). */
  sinceCovered?: boolean;
}

type Line = HistoryRun | 'blank' | undefined;

function readLine(line: Buffer): Line {
  const record = parseRecord(line.toString('utf8'));
  if (record !== undefined) return toHistoryRun(record);
  return isBlank(line) ? 'blank' : undefined;
}

const endMs = (run: HistoryRun) => (run.endedAt !== undefined ? Date.parse(run.endedAt) : NaN) || run.startMs + (run.durationMs ?? 0);

/**
 * The newest `max` runs of any workflow, and with `sinceMs` at least every run that started since
 * then (read back until runs ended before it).
 */
export function newestRuns(path: string, max: number, sinceMs?: number): TailRead {
  const runs: HistoryRun[] = [];
  let unreadable = 0;
  let pastSince = sinceMs === undefined;
  for (const line of linesBackward(path)) {
    if (runs.length >= max && pastSince) return { runs, unreadable, complete: false };
    const run = readLine(line);
    if (run === 'blank') continue;
    if (run === undefined) {
      unreadable++;
      continue;
    }
    runs.push(run);
    if (!pastSince && endMs(run) < sinceMs! - SINCE_SLACK_MS) pastSince = true;
  }
  return { runs, unreadable, complete: true };
}

export interface WorkflowQuery {
  /** Which runs are listed (--since, --failed). */
  selects: (run: HistoryRun) => boolean;
  /** How many listed runs are shown. */
  limit: number;
  sinceMs?: number;
}

/**
 * The runs of one workflow, newest first: read back until `limit` selected runs and STATS_RUNS runs
 * in all are found (or, with --since, runs ended before it), else to the start of the file. Other
 * workflows' lines are skipped by a byte search for `"key":<key>`; lines without any key (written
 * before runs had one) are parsed, their key derived from command and directory.
 */
export function workflowRuns(path: string, key: string, query: WorkflowQuery): TailRead {
  const needle = Buffer.from(`"key":${JSON.stringify(key)}`);
  const runs: HistoryRun[] = [];
  let unreadable = 0;
  let selected = 0;
  let pastSince = false;
  for (const line of linesBackward(path)) {
    if (line.indexOf(needle) === -1 && line.indexOf(ANY_KEY) !== -1) continue;
    const run = readLine(line);
    if (run === 'blank') continue;
    if (run === undefined) {
      unreadable++;
      continue;
    }
    if (run.key !== key) continue;
    runs.push(run);
    if (query.selects(run)) selected++;
    if (query.sinceMs !== undefined && endMs(run) < query.sinceMs - SINCE_SLACK_MS) pastSince = true;
    if ((selected >= query.limit || pastSince) && runs.length >= STATS_RUNS) return { runs, unreadable, complete: false, sinceCovered: pastSince };
  }
  return { runs, unreadable, complete: true, sinceCovered: true };
}

const ANY_KEY = Buffer.from('"key":');

/**
 * Which workflow `query` names, as resolveTarget says (a key exactly, else a run id exactly, else a
 * prefix of either leading to one workflow). A key is looked for first, from the end; only when no
 * run has it is the whole file searched for ids and prefixes, parsing only the lines that hold the
 * query after `"id":"` or `"key":"` (and lines without a key).
 */
export function findWorkflow(path: string, query: string, byKey: WorkflowQuery): { target: Target; read: TailRead } {
  const asKey = workflowRuns(path, query, byKey);
  if (asKey.runs.length > 0) return { target: { kind: 'found', key: query }, read: asKey };
  // The opening quote and the escaped text, without the closing quote: a prefix of the field.
  const escaped = JSON.stringify(query).slice(0, -1);
  const needles = [Buffer.from(`"id":${escaped}`), Buffer.from(`"key":${escaped}`)];
  const candidates: HistoryRun[] = [];
  let unreadable = 0;
  for (const line of linesBackward(path)) {
    if (line.indexOf(ANY_KEY) !== -1 && !needles.some((n) => line.indexOf(n) !== -1)) continue;
    const run = readLine(line);
    if (run === 'blank') continue;
    if (run === undefined) unreadable++;
    else candidates.push(run);
  }
  // resolveTarget breaks ties by order in the file: give it the candidates oldest first.
  const target = resolveTarget(candidates.reverse(), query);
  if (target.kind !== 'found') return { target, read: { runs: [], unreadable, complete: true } };
  return { target, read: workflowRuns(path, target.key, byKey) };
}
