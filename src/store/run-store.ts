// Records one run under <state dir>/runs/<id>/: run.json (what ran and how it ended), events.ndjson
// (every event, in order) and the child's raw bytes (stdout.log, stderr.log). A storage failure
// never touches the child: the store warns once, stops writing, and marks the record incomplete.
import { randomBytes } from 'node:crypto';
import {
  closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { ProgEvent, StreamName } from '../events.js';
import type { Counts, Snapshot, Summary } from '../model/snapshot.js';
import type { ProcessIdentity } from './liveness.js';
import { appendRecord, writeAll } from './ndjson.js';

export const RECORD_VERSION = 1;
const FLUSH_MS = 200;
const FLUSH_BYTES = 64 * 1024;

export interface RunInfo {
  id: string;
  /** The workflow this run belongs to (store/workflow-key.ts): history and ETA group by it. */
  key: string;
  command: string[];
  cwd: string;
  startedAt: string;
}

/** run.json, and (without phases' detail) one line of history.ndjson. */
export interface RunRecord extends RunInfo {
  version: number;
  /** The command's pid (and process group). */
  pid?: number;
  /** The prog process recording the run: `prog ls` tells a running run from a lost one by it. */
  supervisor?: ProcessIdentity;
  /** The run's --grace, in ms: `prog stop` escalates after it. */
  graceMs?: number;
  /** The command's start time (as supervisor.startTicks): a reused pid is not taken for it. */
  pidStartTicks?: string;
  /** --foreground: the command shares prog's process group, so it is signalled alone. */
  foreground?: true;
  /** --marker-nonce: only markers with the run's secret counted (the secret itself is not kept). */
  markerNonce?: true;
  endedAt?: string;
  durationMs?: number;
  status: Summary['status'] | 'spawn-failed';
  exitCode: number | null;
  signal: string | null;
  signalledBy?: string;
  spawnError?: string;
  workflow?: string;
  counts?: Counts;
  phases?: Summary['phases'];
  /** Peak memory, CPU time and disk use of the command's process tree, when sampled. */
  resources?: Summary['resources'];
  /** Some of the run could not be written (full or read-only disk). */
  logIncomplete?: true;
}

/**
 * mkdir -p that reports why the first missing directory could not be made: Node's recursive mkdir
 * says ENOENT for a parent on a read-only file system, where EROFS is the reason a user can act on.
 */
function makeDirs(path: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(path).isDirectory()) return;
    if (code !== 'ENOENT' || dirname(path) === path) throw error;
    makeDirs(dirname(path));
    try {
      mkdirSync(path, { mode: 0o700 });
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(path).isDirectory()) throw again;
    }
  }
}

/**
 * On a full disk the final run.json cannot go through a temporary file, but the start record's
 * blocks are already allocated: rewriting them needs no new space. Done only when the new record
 * fits in what the file already holds, so the write cannot come up short and tear it.
 */
function overwriteInPlace(path: string, data: Buffer): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r+');
    const stat = fstatSync(fd);
    if (stat.blocks * 512 < data.length) return false;
    if (writeSync(fd, data, 0, data.length, 0) !== data.length) return false;
    ftruncateSync(fd, data.length);
    fsyncSync(fd);
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function newRunId(now = new Date()): string {
  return `${idStamp(now.getTime())}-${randomBytes(3).toString('hex')}`;
}

/** `YYYYMMDD-HHMMSS` (UTC) of a time: how run ids start, so they sort by start time. */
export function idStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export class RunStore {
  readonly root: string;
  readonly info: RunInfo;
  readonly dir: string;
  readonly #warn: (message: string) => void;
  #failed = false;
  #events?: number;
  readonly #raw: Partial<Record<StreamName, { fd: number; offset: number }>> = {};
  #pending = '';
  #timer?: NodeJS.Timeout;
  #lastSeq = 0;
  /** The run directory was made by this store: run.json there is this run's to write. */
  #ownsDir = false;
  /** How the run reads markers, kept to the end: prog resume runs it the same way. */
  #markerNonce = false;
  /** What run.json said at the start (pid, supervisor…), for rewriting it when the run is renamed. */
  #started?: Pick<RunRecord, 'pid' | 'supervisor' | 'graceMs' | 'pidStartTicks' | 'foreground' | 'markerNonce'>;
  /** The workflow a marker named, once renamed: in run.json from then on. */
  #workflow?: string;

  /**
   * Creates the run's directory; on failure the store is inert and has warned. Should the id be
   * taken already (two runs in one second drawing the same suffix), the run gets a fresh one:
   * `info.id` is updated in place, so start with the store before anything else reads it.
   */
  constructor(root: string, info: RunInfo, warn: (message: string) => void) {
    this.root = root;
    this.info = info;
    this.#warn = warn;
    let dir = join(root, 'runs', info.id);
    this.#try('create the run directory', () => {
      makeDirs(join(root, 'runs'));
      for (let attempt = 1; ; attempt++) {
        try {
          mkdirSync(dir, { mode: 0o700 });
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw error;
          info.id = newRunId(new Date(info.startedAt));
          dir = join(root, 'runs', info.id);
        }
      }
      this.#ownsDir = true;
      this.#events = openSync(join(dir, 'events.ndjson'), 'a', 0o600);
    });
    this.dir = dir;
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** run.json at the start, synced: a run that dies with prog is still on disk as started. */
  start(pid: number, supervisor: ProcessIdentity, extra: Pick<RunRecord, 'graceMs' | 'pidStartTicks' | 'foreground' | 'markerNonce'> = {}): void {
    if (extra.markerNonce) this.#markerNonce = true;
    this.#started = { pid, supervisor, ...extra };
    this.#writeRecord({ ...this.#base(), ...this.#started, status: 'running', exitCode: null, signal: null });
  }

  /**
   * The run names its workflow (a `workflow` marker, without --name): it belongs to `key` from now
   * on. run.json says so at once (a lost run, prog resume), and its end and history line will.
   */
  rename(key: string, workflow: string): void {
    this.info.key = key;
    this.#workflow = workflow;
    if (this.#started) this.#writeRecord({ ...this.#base(), ...this.#started, status: 'running', exitCode: null, signal: null });
  }

  /**
   * The latest snapshot in snapshot.json (replaced whole, by rename), for `prog ls`: where a
   * running run stands without replaying its events. Best effort: a failure here is not reported.
   */
  snapshot(snapshot: Snapshot): void {
    if (this.#failed) return;
    const path = join(this.dir, 'snapshot.json');
    try {
      writeFileSync(`${path}.tmp`, JSON.stringify(snapshot), { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    } catch {
      // A full disk shows in the logs' own warning; the snapshot is only a convenience.
    }
  }

  event(event: ProgEvent): void {
    // Output lines are in the raw logs; chunk records below keep their order against events.
    if (this.#failed || event.type === 'output') return;
    this.#lastSeq = event.seq;
    this.#queue(JSON.stringify(event));
  }

  /** The child's bytes, exactly, plus a record of where they sit among the events. */
  output(stream: StreamName, bytes: Buffer, t: number): void {
    if (this.#failed) return;
    this.#try('write the output log', () => {
      let raw = this.#raw[stream];
      if (!raw) {
        raw = { fd: openSync(join(this.dir, `${stream}.log`), 'a', 0o600), offset: 0 };
        this.#raw[stream] = raw;
      }
      writeAll(raw.fd, bytes);
      this.#queue(`{"type":"chunk","t":${t},"after":${this.#lastSeq},"stream":"${stream}","offset":${raw.offset},"length":${bytes.length}}`);
      raw.offset += bytes.length;
    });
  }

  /** Flushes and syncs everything, writes the final run.json and appends the history line. */
  finish(summary: Summary, extra: Pick<RunRecord, 'pid' | 'endedAt'>): RunRecord {
    this.#flush();
    if (this.#timer) clearTimeout(this.#timer);
    // The events log is synced (it is small); the output logs are only closed: their bytes went to
    // the kernel as they came, so they survive prog's own crash, and syncing a GiB of output would
    // hold the command's exit for a disk's write time (0.2 s per 256 MiB here) for a power cut's sake.
    this.#try('sync the run logs', () => {
      if (this.#events !== undefined) {
        fsyncSync(this.#events);
        closeSync(this.#events);
      }
      for (const raw of [this.#raw.stdout, this.#raw.stderr]) if (raw) closeSync(raw.fd);
    });
    const record: RunRecord = {
      ...this.#base(),
      ...extra,
      durationMs: summary.durationMs,
      status: summary.status,
      exitCode: summary.exitCode,
      signal: summary.signal,
      counts: summary.counts,
      phases: summary.phases,
    };
    if (summary.signalledBy !== undefined) record.signalledBy = summary.signalledBy;
    if (summary.workflow !== undefined) record.workflow = summary.workflow;
    if (summary.resources !== undefined) record.resources = summary.resources;
    // Even after a storage failure: how the run ended is the one datum worth another try.
    this.#writeRecord(record, true);
    this.#appendHistory(record);
    return record;
  }

  /** The child never started: the record says why (ENOENT, EACCES…), and history keeps the attempt. */
  spawnFailed(code: string, endedAt: string): void {
    const record: RunRecord = {
      ...this.#base(), endedAt, durationMs: 0, status: 'spawn-failed', exitCode: null, signal: null,
      spawnError: code.replace(/^SPAWN_/, ''),
    };
    this.#writeRecord(record, true);
    this.#appendHistory(record);
  }

  #base(): RunRecord {
    const record: RunRecord = { version: RECORD_VERSION, ...this.info, status: 'running', exitCode: null, signal: null };
    if (this.#workflow !== undefined) record.workflow = this.#workflow;
    if (this.#failed) record.logIncomplete = true;
    if (this.#markerNonce) record.markerNonce = true;
    return record;
  }

  #queue(line: string): void {
    this.#pending += line + '\n';
    if (this.#pending.length >= FLUSH_BYTES) this.#flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, FLUSH_MS);
      this.#timer.unref();
    }
  }

  /** Whole records per write, so a crash can only tear the last one. */
  #flush(): void {
    if (this.#pending === '' || this.#events === undefined) return;
    const data = Buffer.from(this.#pending);
    this.#pending = '';
    this.#try('write the events log', () => writeAll(this.#events!, data));
  }

  #writeRecord(record: RunRecord, always = false): void {
    // Never into a directory this store did not create: it may be another run's.
    if (!this.#ownsDir) return;
    this.#try('write run.json', () => {
      const path = join(this.dir, 'run.json');
      const tmp = `${path}.${process.pid}.tmp`;
      const data = Buffer.from(JSON.stringify(record, null, 2) + '\n');
      try {
        writeFileSync(tmp, data, { mode: 0o600 });
        const fd = openSync(tmp, 'r');
        fsyncSync(fd);
        closeSync(fd);
        renameSync(tmp, path);
      } catch (error) {
        // A full disk leaves a partial temporary file: run.json itself is never half-written.
        rmSync(tmp, { force: true });
        const code = (error as NodeJS.ErrnoException).code;
        if ((code === 'ENOSPC' || code === 'EDQUOT') && overwriteInPlace(path, data)) return;
        throw error;
      }
    }, always);
  }

  #appendHistory(record: RunRecord): void {
    const { phases: _phases, ...line } = record;
    if (this.#failed) line.logIncomplete = true;
    // `current` against `total` tells a run that failed only in its results from one stopped early (history-prior.ts).
    const phases = record.phases?.map((p) => ({ id: p.id, name: p.name, status: p.status, durationMs: p.durationMs, current: p.current, total: p.total }));
    this.#try('append to history.ndjson', () => {
      makeDirs(this.root);
      appendRecord(join(this.root, 'history.ndjson'), phases ? { ...line, phases } : line);
    }, true);
  }

  /** Runs a storage step; the first failure warns and turns the store off (history may still try). */
  #try(what: string, step: () => void, always = false): void {
    if (this.#failed && !always) return;
    try {
      step();
    } catch (error) {
      const first = !this.#failed;
      this.#failed = true;
      this.#pending = '';
      if (first) {
        const err = error as NodeJS.ErrnoException;
        const reason = err.code ? `${err.code}: ${err.message.replace(/^\w+: /, '')}` : err.message;
        this.#warn(`cannot ${what} in ${this.root} (${reason}); the command runs on and its output still shows, but this run is not fully recorded`);
      }
    }
  }
}
