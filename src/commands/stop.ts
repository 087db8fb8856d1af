// `prog stop <run>`: stops a running run as Ctrl-C in its terminal would. INT, TERM and QUIT go
// to the prog recording the run, which passes them on and escalates to SIGKILL after its grace
// period, as it does for its own terminal; other signals (HUP, USR1, USR2, KILL) go straight to the
// command's process group (prog takes a HUP as its own terminal closing). When the prog recording
// it is gone (a lost run) the command's group is signalled directly, and escalated here.
import { constants } from 'node:os';
import { writeStderr } from '../diagnostics.js';
import { ProgError } from '../errors.js';
import { groupAlive } from '../process/group.js';
import { isAlive } from '../store/liveness.js';
import { findRun, readRunRecord, runState } from '../store/runs.js';
import { stateDir } from '../store/state-dir.js';

export interface StopOptions {
  target: string;
  /** TERM, SIGTERM, 15… */
  signal: string;
  /** Seconds before SIGKILL; by default the run's own grace (10 s unless it was given another). */
  grace?: number;
}

/** Signals prog itself passes on with grace and escalation. */
const VIA_PROG = new Set(['SIGINT', 'SIGTERM', 'SIGQUIT']);
/** Signals that ask the run to end: stop waits for the end (and escalates); others are only sent. */
const STOPPING = new Set(['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGKILL']);
const DEFAULT_GRACE_S = 10;
/** After the grace, how long the recording prog gets to write the run's end. */
const SETTLE_MS = 5000;
const POLL_MS = 50;

export async function stopCommand(options: StopOptions): Promise<void> {
  const signal = signalName(options.signal);
  if (options.grace !== undefined && (!Number.isFinite(options.grace) || options.grace < 0)) {
    throw new ProgError('USAGE', `--grace must be a number of seconds ≥ 0; got "${options.grace}"`);
  }
  const run = findRun(stateDir(), options.target);
  // The command's group (its pid), or in --foreground the command alone (it shares prog's group).
  const pgid = run.record.pid;
  const target = (pid: number) => (run.record.foreground ? pid : -pid);
  const commandAlive = () => pgid !== undefined && (run.record.foreground ? isAlive({ pid: pgid, ...(run.record.pidStartTicks === undefined ? {} : { startTicks: run.record.pidStartTicks }) }) : groupAlive(pgid));
  if (run.state !== 'running' && run.state !== 'lost') {
    writeStderr(`prog: run ${run.id} is not running (${run.state}); nothing to stop\n`);
    return;
  }
  const supervised = run.state === 'running' && run.record.supervisor !== undefined;
  // A lost run's pid may since belong to someone else: only the same process (by start time) is its command.
  const sameCommand = pgid !== undefined && (run.record.pidStartTicks === undefined || isAlive({ pid: pgid, startTicks: run.record.pidStartTicks }));
  if (run.state === 'lost' && (!sameCommand || !commandAlive())) {
    writeStderr(`prog: run ${run.id} is lost (its prog died) and its command is gone too; nothing to stop\n`);
    return;
  }
  if (supervised && VIA_PROG.has(signal) && !run.record.foreground) send(run.record.supervisor!.pid, signal);
  else if (pgid !== undefined) send(target(pgid), signal);
  if (!STOPPING.has(signal)) {
    // USR1, HUP…: a message to the command, not a request to stop; the run goes on.
    writeStderr(`prog: sent ${signal} to run ${run.id}\n`);
    return;
  }

  const graceMs = options.grace !== undefined ? options.grace * 1000 : run.record.graceMs ?? DEFAULT_GRACE_S * 1000;
  const deadline = Date.now() + graceMs;
  let killed = false;
  for (;;) {
    const record = readRunRecord(run.dir);
    const state = record ? runState(record) : 'lost';
    const groupGone = !commandAlive();
    if (state !== 'running' && state !== 'lost') {
      const how = record!.signal !== null ? `killed by ${record!.signal}` : `exit ${record!.exitCode}`;
      writeStderr(`prog: run ${run.id} stopped: ${state}, ${how}\n`);
      return;
    }
    if (state === 'lost' && groupGone) {
      writeStderr(`prog: run ${run.id}: its command is gone; the run stays lost (its prog died before recording the end)\n`);
      return;
    }
    if (!killed && Date.now() > deadline && !groupGone) {
      // The recording prog escalates on its own; this covers a lost run, or a --grace shorter than the run's.
      send(target(pgid!), 'SIGKILL');
      killed = true;
    }
    if (Date.now() > deadline + SETTLE_MS) {
      throw new ProgError('STOP_FAILED', `run ${run.id} did not end within ${(graceMs + SETTLE_MS) / 1000} s of ${signal}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function signalName(given: string): NodeJS.Signals {
  const upper = given.trim().toUpperCase();
  const signals = constants.signals as Record<string, number>;
  const byNumber = Object.entries(signals).find(([, n]) => String(n) === upper)?.[0];
  const name = byNumber ?? (upper.startsWith('SIG') ? upper : `SIG${upper}`);
  if (!(name in signals)) throw new ProgError('USAGE', `--signal: unknown signal "${given}"; e.g. TERM, INT, HUP, QUIT, USR1, USR2, KILL`);
  return name as NodeJS.Signals;
}

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
