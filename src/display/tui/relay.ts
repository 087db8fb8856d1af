// The terminal's end of `prog run --format tui`: this prog owns the keyboard (raw) and the screen,
// and passes keys and sizes to the prog recording the run, which draws the TUI, and its frames back
// to the terminal (channel.ts). It computes nothing. It ends as attach does: `q` leaves with the run
// going on, a signal detaches, and when the recorder exits, run.json says how the command ended.
import type { Socket } from 'node:net';
import type { ColorSupportLevel } from 'chalk';
import { writeStderr } from '../../diagnostics.js';
import { exitLike } from '../../process/exit-like.js';
import { readRunRecord, runState } from '../../store/runs.js';
import { colorLevel } from '../color.js';
import { terminalStderr, terminalStdout } from '../terminal-output.js';
import { ChannelDecoder, encode } from './channel.js';
import { RESTORE } from './screen.js';
import { TerminalMode } from './terminal-mode.js';

/** The screen the recorder starts drawing on, before any message: for its environment. */
export function screenEnv(output: NodeJS.WriteStream): Record<string, string> {
  const level: ColorSupportLevel = colorLevel(output);
  return { PROG_TUI_SIZE: `${output.columns || 80}x${output.rows || 24}`, PROG_TUI_COLOR: String(level) };
}

/** How long the recorder, its socket closed, gets to leave its end in run.json. */
const END_WAIT_MS = 5000;
const END_POLL_MS = 25;

type Ending = 'leave' | 'closed' | NodeJS.Signals;

/** The run, and the prog recording it (this prog's child: its pid is its own until the socket closes). */
export async function relayTui(channel: Socket, run: { id: string; dir: string; recorder: number }): Promise<never> {
  const input = process.stdin;
  const output = process.stdout;
  const send = (bytes: Buffer) => {
    if (!channel.destroyed) channel.write(bytes);
  };
  const mode = new TerminalMode(input, output, (keys) => send(encode({ kind: 'keys', bytes: keys })));
  mode.start();
  // Until the recorder has given it back (q, its summary), the screen is the TUI's: restored on any end.
  mode.alternate = true;
  const onResize = () => send(encode({ kind: 'size', columns: output.columns || 80, rows: output.rows || 24 }));
  output.on('resize', onResize);
  onResize();

  /** The recorder has written the summary: the screen and the keyboard are the shell's again. */
  let done = false;
  const ended = new Promise<Ending>((resolve) => {
    const decoder = new ChannelDecoder();
    channel.on('data', (chunk: Buffer) => {
      let messages;
      try {
        messages = decoder.push(chunk);
      } catch {
        resolve('closed');
        return;
      }
      for (const message of messages) {
        if (message.kind === 'out') terminalStdout().write(message.bytes);
        else if (message.kind === 'leave') resolve('leave');
        else if (message.kind === 'done') {
          done = true;
          mode.alternate = false;
          mode.dispose();
        }
      }
      // A terminal slower than the frames: the recorder feels it (and skips frames), not this memory.
      if (terminalStdout().congested) {
        channel.pause();
        void terminalStdout().drained().then(() => channel.resume());
      }
    });
    channel.on('close', () => resolve('closed'));
    channel.on('error', () => resolve('closed'));
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        // Once the run is over, Ctrl-C is for the recorder: it cuts its exports short.
        if (done && signal === 'SIGINT') {
          if (!channel.destroyed) signalRecorder(run.recorder, signal);
        } else resolve(signal);
      });
    }
  });
  const how = await ended;
  output.off('resize', onResize);

  if (how === 'leave') {
    channel.destroy();
    restore(mode);
    writeStderr(`prog: left the TUI; run ${run.id} goes on · prog attach --format tui ${run.id} returns to it · prog stop ${run.id}\n`);
    await flushed();
    process.exit(0);
  }
  if (how === 'SIGHUP') {
    // The terminal is gone: nothing to restore on or say, and Node 20 aborts in process.exit()
    // after a hang-up; end by the hang-up, as run.ts does. The run goes on.
    channel.destroy();
    terminalStdout().close();
    terminalStderr().close();
    mode.alternate = false;
    exitLike(null, 'SIGHUP');
  }
  if (how !== 'closed') {
    // This terminal goes (or is asked to): the run does not.
    channel.destroy();
    if (!done) restore(mode);
    writeStderr(`prog: detached from run ${run.id}; it goes on (prog attach ${run.id} follows it again)\n`);
    await flushed();
    process.exit(130);
  }
  // The recorder has exited (or broke the channel): run.json has the end a moment after the socket
  // closed, should the process still be going.
  const record = await recordedEnd(run.dir);
  if (record !== undefined && runState(record) === 'running') {
    restore(mode);
    writeStderr(`prog: lost the TUI's connection to run ${run.id}; it goes on (prog attach --format tui ${run.id} follows it again)\n`);
    await flushed();
    process.exit(130);
  }
  if (record?.endedAt === undefined) {
    restore(mode);
    writeStderr(`prog: run ${run.id} is lost: the prog recording it ended without recording the end (prog ls)\n`);
    await flushed();
    process.exit(1);
  }
  if (!done) {
    // The summary did not arrive (this prog was stalled while the recorder ended): say how it ended.
    restore(mode);
    writeStderr(`prog: run ${run.id} ended: ${record.status === 'spawn-failed' ? 'the command did not start' : record.signal ?? `exit ${record.exitCode}`} (prog logs ${run.id})\n`);
  }
  await flushed();
  if (record.status === 'spawn-failed') process.exit(record.spawnError === 'ENOENT' ? 127 : 126);
  exitLike(record.exitCode, record.signal as NodeJS.Signals | null);
  // exitLike ends the process (by the command's signal, at worst after a second).
  return new Promise<never>(() => undefined);
}

/** Passes a signal to the prog recording the run (it runs in a session of its own). */
function signalRecorder(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone meanwhile: it was ending anyway.
  }
}

async function recordedEnd(dir: string): Promise<ReturnType<typeof readRunRecord>> {
  const deadline = Date.now() + END_WAIT_MS;
  for (;;) {
    const record = readRunRecord(dir);
    if (record?.endedAt !== undefined || record === undefined || runState(record) === 'lost' || Date.now() > deadline) return record;
    await new Promise((resolve) => setTimeout(resolve, END_POLL_MS));
  }
}

/** The screen and the keyboard as they were, whatever the recorder left (RESTORE is harmless twice). */
function restore(mode: TerminalMode): void {
  mode.alternate = false;
  mode.dispose();
  terminalStdout().write(RESTORE);
}

function flushed(): Promise<unknown> {
  return Promise.all([terminalStdout().drained(), terminalStderr().drained()]);
}
