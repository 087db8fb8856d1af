// Automatic pruning of the state dir, at the end of a run: run directories beyond the newest
// keep-runs or started longer ago than keep-runs-for, and history.ndjson lines beyond the newest
// keep-history or older than keep-history-for. When nothing is over a limit it costs a readdir of
// runs/ (names only) and two small reads of history.ndjson. It never throws: pruning is a chore,
// not part of the run.
//
// A run directory is never removed while its prog is alive (running) or its command is (a lost run
// that `prog stop` can still reach), nor while it is being created. It is renamed aside
// (runs/.pruned-<id>) before it is deleted, so no reader ever sees half a run.
// history.ndjson is rewritten atomically (temporary file, rename) under a lock file, and lines
// appended to the old file meanwhile are copied over after the rename, so no record is lost.
import {
  closeSync, fstatSync, fsyncSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync,
  type Dirent,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { pruneLines } from './history-query.js';
import { isAlive, selfIdentity, type ProcessIdentity } from './liveness.js';
import { appendLines, parseRecord } from './ndjson.js';
import { idStamp, type RunRecord } from './run-store.js';
import { RUN_ID } from './runs.js';

/** What to keep; a limit left out is no limit (the config's `all`). */
export interface PrunePolicy {
  /** The newest this many run directories are kept. */
  keepRuns?: number;
  /** Run directories of runs started longer ago than this go. */
  keepRunsForMs?: number;
  /** The newest this many history lines are kept. */
  keepHistory?: number;
  /** History lines of runs started longer ago than this go. */
  keepHistoryForMs?: number;
}

export interface PruneOptions {
  /** What time it is (tests). */
  now?: number;
  /** The run that is ending: never removed, whatever the clock says. */
  current?: string;
  /** Time for removing run directories; what is left waits for the next run. */
  budgetMs?: number;
}

export interface PruneResult {
  runsRemoved: number;
  /** Over a limit but kept: running, its command alive, being created, or the current run. */
  runsSpared: number;
  historyRemoved: number;
}

const TRASH = '.pruned-';
/** Deleting a run directory takes about a millisecond; this bounds the rare large backlog. */
const BUDGET_MS = 50;
/** A run directory without run.json younger than this is being created (or was only just given up). */
const CREATING_MS = 60 * 60 * 1000;
/** History is rewritten once it is this much over its limit: one rewrite per many runs, not every run. */
const COUNT_SLACK = 1.2;
const AGE_SLACK = 1.1;
/** A lock older than this was left by a prog that died mid-rewrite. */
const STALE_LOCK_MS = 10 * 60 * 1000;

/**
 * Prunes the state dir `root` to the policy (undefined: nothing to do). Call once, at the end of a
 * run, after its history line is written.
 */
export function pruneStore(root: string, policy: PrunePolicy | undefined, options: PruneOptions = {}): PruneResult {
  const result: PruneResult = { runsRemoved: 0, runsSpared: 0, historyRemoved: 0 };
  if (policy === undefined) return result;
  const now = options.now ?? Date.now();
  try {
    pruneRunDirs(join(root, 'runs'), policy, now, options, result);
  } catch {
    // An unreadable runs/ is for prog ls to report.
  }
  try {
    compactHistory(join(root, 'history.ndjson'), policy, now, result);
  } catch {
    // Left as it was; the next run tries again.
  }
  return result;
}

// ---- run directories ---------------------------------------------------------------------------

function pruneRunDirs(runs: string, policy: PrunePolicy, now: number, options: PruneOptions, result: PruneResult): void {
  if (policy.keepRuns === undefined && policy.keepRunsForMs === undefined) return;
  let entries: Dirent[];
  try {
    entries = readdirSync(runs, { withFileTypes: true });
  } catch {
    return;
  }
  const deadline = Date.now() + (options.budgetMs ?? BUDGET_MS);
  const ids: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    // Left by a prune that was interrupted mid-delete.
    if (entry.name.startsWith(TRASH)) rmSync(join(runs, entry.name), { recursive: true, force: true });
    else if (RUN_ID.test(entry.name)) ids.push(entry.name);
  }
  // Ids start with the start time: sorted, the oldest come first. Runs started in the same second
  // sort by their random part, so the current run is set aside rather than met in the loop: it
  // counts towards keep-runs and is never a candidate (else it could be spared in place of an
  // older run, leaving the state dir over its limit).
  const others = ids.filter((id) => id !== options.current).sort();
  const keep = policy.keepRuns === undefined ? undefined : Math.max(0, policy.keepRuns - (others.length < ids.length ? 1 : 0));
  let over = keep === undefined ? 0 : Math.max(0, others.length - keep);
  if (policy.keepRunsForMs !== undefined) {
    const cutoff = idStamp(now - policy.keepRunsForMs);
    while (over < others.length && others[over]!.slice(0, 15) < cutoff) over++;
  }
  for (let i = 0; i < over && Date.now() <= deadline; i++) {
    const id = others[i]!;
    if (!removable(join(runs, id), now)) result.runsSpared++;
    else if (removeRun(runs, id)) result.runsRemoved++;
  }
}

/** Whether a run directory may go: its run has ended, or nothing of it is alive any more. */
function removable(dir: string, now: number): boolean {
  let text: string;
  try {
    text = readFileSync(join(dir, 'run.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    try {
      return now - statSync(dir).mtimeMs > CREATING_MS;
    } catch {
      return false;
    }
  }
  const record = parseRecord(text) as Partial<RunRecord> | undefined;
  // Not a run record (damage prog ls reports): old enough to go with the rest.
  if (record === undefined) return true;
  if (record.endedAt !== undefined || record.status !== 'running') return true;
  if (record.supervisor !== undefined && isAlive(record.supervisor)) return false;
  if (typeof record.pid === 'number') {
    const command: ProcessIdentity = { pid: record.pid };
    if (record.pidStartTicks !== undefined) command.startTicks = record.pidStartTicks;
    if (isAlive(command)) return false;
  }
  return true;
}

/** Moves the run aside, then deletes it; false when another prune took it first. */
function removeRun(runs: string, id: string): boolean {
  const trash = join(runs, `${TRASH}${id}`);
  try {
    renameSync(join(runs, id), trash);
  } catch {
    return false;
  }
  rmSync(trash, { recursive: true, force: true });
  return true;
}

// ---- history.ndjson -----------------------------------------------------------------------------

function compactHistory(path: string, policy: PrunePolicy, now: number, result: PruneResult): void {
  const { keepHistory: keep, keepHistoryForMs: forMs } = policy;
  if (keep === undefined && forMs === undefined) return;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return;
  }
  let due: boolean;
  try {
    const size = fstatSync(fd).size;
    due = size > 0 && (
      (keep !== undefined && estimatedLines(fd, size) > keep * COUNT_SLACK) ||
      (forMs !== undefined && (firstStart(fd) ?? Infinity) < now - forMs * AGE_SLACK));
  } finally {
    closeSync(fd);
  }
  if (!due) return;
  result.historyRemoved = rewriteHistory(path, forMs === undefined ? undefined : now - forMs, keep)?.removed ?? 0;
}

/** Lines in the file, from the length of the lines in its last 64 KiB. */
function estimatedLines(fd: number, size: number): number {
  const length = Math.min(size, 64 * 1024);
  const tail = readAt(fd, size - length, length);
  let lines = 0;
  for (let i = tail.indexOf(0x0a); i !== -1; i = tail.indexOf(0x0a, i + 1)) lines++;
  return lines === 0 ? 1 : (size * lines) / length;
}

/** When the run of the first line started; undefined when it does not say (then age cannot tell). */
function firstStart(fd: number): number | undefined {
  const head = readAt(fd, 0, 64 * 1024);
  const end = head.indexOf(0x0a);
  const record = parseRecord(head.subarray(0, end === -1 ? head.length : end).toString('utf8'));
  const ms = typeof record?.startedAt === 'string' ? Date.parse(record.startedAt) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** What a rewrite of history.ndjson did. */
export interface RewriteResult {
  /** Records that went for their age or beyond `keep`. */
  removed: number;
  kept: number;
  /** Lines that were not records (a torn write, damage): dropped. */
  unreadable: number;
}

/**
 * Rewrites history.ndjson with the records kept (`prog history --prune`, and compaction at the end
 * of a run), holding its lock: undefined when another prog holds it. Throws when the file cannot be
 * read or replaced (it is then unchanged).
 */
export function rewriteHistory(path: string, cutoffMs: number | undefined, keep: number | undefined): RewriteResult | undefined {
  let result: RewriteResult | undefined;
  withLock(`${path}.lock`, () => {
    result = rewrite(path, cutoffMs, keep);
  });
  return result;
}

/**
 * Rewrites the file with the lines kept: records of runs started at or after `cutoffMs`, then the
 * newest `keep`; lines that are not records go too. Byte for byte, through a synced temporary file
 * renamed over it; what runs appended to the old file meanwhile is carried over.
 */
function rewrite(path: string, cutoffMs: number | undefined, keep: number | undefined): RewriteResult {
  const fd = openSync(path, 'r');
  try {
    const data = readAt(fd, 0, fstatSync(fd).size);
    let { kept: lines, removed, unreadable } = pruneLines(data.toString('utf8'), cutoffMs ?? -Infinity);
    if (keep !== undefined && lines.length > keep) {
      removed += lines.length - keep;
      lines = lines.slice(-keep);
    }
    if (removed === 0 && unreadable === 0) return { removed, kept: lines.length, unreadable };
    const tmp = `${path}.${process.pid}.compact.tmp`;
    try {
      writeFileSync(tmp, lines.length > 0 ? lines.join('\n') + '\n' : '', { mode: 0o600 });
      syncPath(tmp);
      renameSync(tmp, path);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
    syncPath(dirname(path));
    // Runs that finished while this ran appended to the old file (still open here): carry them over.
    const grown = fstatSync(fd).size;
    if (grown > data.length) {
      const late = readAt(fd, data.length, grown - data.length);
      const whole = late.lastIndexOf(0x0a) + 1;
      if (whole > 0) appendLines(path, late.subarray(0, whole).toString('utf8'));
    }
    return { removed, kept: lines.length, unreadable };
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buffer, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buffer.subarray(0, got);
}

function syncPath(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every file system syncs directories.
  }
}

/**
 * Runs `work` holding the lock file, or not at all when another prog holds it (it is doing the
 * same work). A lock whose holder died, or that is very old, is taken over.
 */
function withLock(lock: string, work: () => void): void {
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (error) {
    // No state dir, or no right to write there: the rewrite could not happen either.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (!staleLock(lock)) return;
    rmSync(lock, { force: true });
    try {
      fd = openSync(lock, 'wx', 0o600);
    } catch {
      return;
    }
  }
  try {
    writeSync(fd, JSON.stringify(selfIdentity()));
    closeSync(fd);
    work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function staleLock(lock: string): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) return true;
    const holder = parseRecord(readFileSync(lock, 'utf8')) as ProcessIdentity | undefined;
    // Empty or unreadable: its holder is still writing it, or died before it could.
    return holder !== undefined && typeof holder.pid === 'number' && !isAlive(holder);
  } catch {
    return false;
  }
}
