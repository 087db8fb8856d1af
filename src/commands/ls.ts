// `prog ls`: the recorded runs, newest first — id, name, state, progress, time, ETA. A run whose
// prog died without writing its end (SIGKILL, a crash, a reboot) shows as `lost`, never as running;
// one that did not succeed keeps the progress of its last snapshot.
// A run that cannot be read is named on stderr after the others are listed, and ls ends with 125.
// Only the runs shown are read (the run ids say which are newest), so ls costs the same with 10
// runs or 100,000; --limit 0 reads them all.
import { Chalk } from 'chalk';
import { printError } from '../diagnostics.js';
import { colorLevel } from '../display/color.js';
import { formatDuration } from '../display/duration.js';
import { table } from '../display/table.js';
import { terminalStdout } from '../display/terminal-output.js';
import { exitCodeFor, type ProgError } from '../errors.js';
import { escapeForTerminal } from '../lines/ansi.js';
import { listRuns, newestRuns, readSnapshot, type RunState, type StoredRun } from '../store/runs.js';
import { stateDir } from '../store/state-dir.js';
import { truncate } from '../display/rich/text-width.js';

export interface LsOptions {
  format: 'text' | 'json';
  /** At most this many runs, newest first; 0 for all. */
  limit: number;
}

const NAME_WIDTH = 40;

/** What one row says about a run, in JSON and in the table. */
export interface RunRow {
  id: string;
  name: string;
  state: RunState;
  command: string[];
  cwd: string;
  startedAt: string;
  /** How long it ran, or has been running. */
  elapsedMs?: number;
  percent?: number;
  etaMs?: number;
  exitCode: number | null;
  signal: string | null;
}

export function runRow(run: StoredRun, now = Date.now()): RunRow {
  const { record, state } = run;
  const row: RunRow = {
    id: run.id,
    name: record.workflow ?? record.command.join(' '),
    state,
    command: record.command,
    cwd: record.cwd,
    startedAt: record.startedAt,
    exitCode: record.exitCode,
    signal: record.signal,
  };
  if (record.durationMs !== undefined) row.elapsedMs = record.durationMs;
  else if (state === 'running') row.elapsedMs = Math.max(0, now - Date.parse(record.startedAt));
  if (state !== 'succeeded') {
    // Where it stood at its last snapshot (written every update interval while it runs, and at its
    // end): a run that was interrupted, failed or lost keeps the progress it had made.
    const snapshot = readSnapshot(run.dir);
    if (snapshot?.workflow !== undefined) row.name = snapshot.workflow;
    if (snapshot?.percent !== undefined) row.percent = Math.floor(snapshot.percent);
    if (state === 'running' && snapshot?.etaMs !== undefined) {
      // The snapshot's ETA, less the time since it was taken.
      const age = Math.max(0, (row.elapsedMs ?? 0) - snapshot.tMs);
      row.etaMs = Math.max(0, snapshot.etaMs - age);
    }
  } else row.percent = 100;
  return row;
}

export function lsCommand(options: LsOptions): void {
  const damaged: ProgError[] = [];
  const onDamage = (error: ProgError) => damaged.push(error);
  const { runs, older } = options.limit > 0 ? newestRuns(stateDir(), options.limit, onDamage) : { runs: listRuns(stateDir(), onDamage), older: 0 };
  printRuns(runs, older, damaged.length > 0, options);
  for (const error of damaged) printError(error.message);
  if (damaged.length > 0) process.exitCode = exitCodeFor('STATE_DAMAGED');
}

/** `shown`: the runs to list; `older`: how many older ones there are besides. */
function printRuns(shown: StoredRun[], older: number, someDamaged: boolean, options: LsOptions): void {
  const out = terminalStdout();
  if (options.format === 'json') {
    for (const run of shown) out.write(`${JSON.stringify(runRow(run))}\n`);
    return;
  }
  if (shown.length === 0 && older === 0) {
    if (someDamaged) return;
    out.write('no runs recorded yet: prog run -- <command> records one\n');
    return;
  }
  const c = new Chalk({ level: colorLevel(process.stdout) });
  const paint = (state: RunState, text: string) =>
    state === 'succeeded' ? c.green(text) : state === 'running' ? c.cyan(text) : state === 'lost' ? c.yellow(text) : c.red(text);
  const rows = shown.map((run) => {
    const row = runRow(run);
    const ended = row.state !== 'running' && row.state !== 'lost';
    const how = !ended || row.state === 'succeeded' ? ''
      : run.record.spawnError !== undefined ? `not started: ${run.record.spawnError}`
      : row.signal ?? (row.exitCode === null ? '' : `exit ${row.exitCode}`);
    return {
      cells: [
        row.id,
        truncate(escapeForTerminal(row.name), NAME_WIDTH),
        how === '' ? row.state : `${row.state} (${escapeForTerminal(how)})`,
        row.percent === undefined ? '' : `${row.percent}%`,
        row.elapsedMs === undefined ? '' : formatDuration(row.elapsedMs),
        row.etaMs === undefined ? '' : formatDuration(row.etaMs),
      ],
      style: (i: number, t: string) => (i === 2 ? paint(row.state, t) : t),
    };
  });
  out.write(table(['id', 'name', 'state', 'progress', 'time', 'ETA'], rows, ['left', 'left', 'left', 'right', 'right', 'right'], c));
  if (older > 0) out.write(c.dim(`… ${older} older runs (--limit 0 lists them all)`) + '\n');
}
