// The terminal's end of `prog run --format tui`: this prog owns the keyboard (raw) and the screen,
// and passes keys and sizes to the prog recording the run, which draws the TUI, and its frames back
// to the terminal (channel.ts). It computes nothing. It ends as attach does: `q` leaves with the run
// going on, a signal detaches, and when the recorder exits, run.json says how the command ended.
import type { Socket } from 'node:net';
import type { ColorSupportLevel } from 'chalk';
import { writeStderr } from '../../diagnostics.js';
import { escapeForTerminal } from '../../lines/ansi.js';
import { exitLike, exitLikeRecord } from '../../process/exit-like.js';
import { detachedNote, endedNote, leftNote, lostNote } from '../../store/run-notes.js';
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

interface RelayedRun {
  id: string;
  dir: string;
  /** The prog recording it: this prog's child, so its pid is its own until the socket closes. */
  recorder: number;
}

export async function relayTui(channel: Socket, run: RelayedRun): Promise<never> {
  const relay = new Relay(channel, run);
  const how = await relay.untilEnd();
  if (how === 'leave') return relay.left();
  if (how === 'SIGHUP') return relay.hungUp();
  if (how !== 'closed') return relay.detached();
  return relay.recorderEnded();
}

class Relay {
  readonly #channel: Socket;
  readonly #run: RelayedRun;
  readonly #mode: TerminalMode;
  /** The recorder has written the summary: the screen and the keyboard are the shell's again. */
  #done = false;
  /** The recorder's warnings while the TUI is on the screen: printed once it is not. */
  #warnings: string[] = [];

  constructor(channel: Socket, run: RelayedRun) {
    this.#channel = channel;
    this.#run = run;
    this.#mode = new TerminalMode(process.stdin, process.stdout, (keys) => this.#send(encode({ kind: 'keys', bytes: keys })));
    this.#mode.start();
    // Until the recorder has given it back (q, its summary), the screen is the TUI's: restored on any end.
    this.#mode.alternate = true;
  }

  /** Keys and sizes out, frames in, until `q`, a signal, or the recorder's exit. */
  async untilEnd(): Promise<Ending> {
    const output = process.stdout;
    const onResize = () => this.#send(encode({ kind: 'size', columns: output.columns || 80, rows: output.rows || 24 }));
    output.on('resize', onResize);
    onResize();
    const how = await new Promise<Ending>((resolve) => {
      const decoder = new ChannelDecoder();
      this.#channel.on('data', (chunk: Buffer) => {
        try {
          for (const message of decoder.push(chunk)) {
            if (message.kind === 'out') terminalStdout().write(message.bytes);
            else if (message.kind === 'leave') resolve('leave');
            else if (message.kind === 'done') this.#giveBack();
            else if (message.kind === 'warn') this.#warn(message.text);
          }
        } catch {
          resolve('closed');
          return;
        }
        // A terminal slower than the frames: the recorder feels it (and skips frames), not this memory.
        if (terminalStdout().congested) {
          this.#channel.pause();
          void terminalStdout().drained().then(() => this.#channel.resume());
        }
      });
      this.#channel.on('close', () => resolve('closed'));
      this.#channel.on('error', () => resolve('closed'));
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
        process.on(signal, () => {
          // Once the run is over, Ctrl-C is for the recorder: it cuts its exports short.
          if (this.#done && signal === 'SIGINT') {
            if (!this.#channel.destroyed) signalRecorder(this.#run.recorder, signal);
          } else resolve(signal);
        });
      }
    });
    output.off('resize', onResize);
    return how;
  }

  /** `q`: the run goes on. */
  async left(): Promise<never> {
    const { id } = this.#run;
    this.#channel.destroy();
    this.#restore();
    writeStderr(`prog: ${leftNote(id)}\n`);
    return this.#exit(() => process.exit(0));
  }

  /**
   * The terminal is gone: nothing to restore on or say, and Node 20 aborts in process.exit() after
   * a hang-up; end by the hang-up, as run.ts does. The run goes on.
   */
  hungUp(): Promise<never> {
    this.#channel.destroy();
    terminalStdout().close();
    terminalStderr().close();
    this.#mode.alternate = false;
    exitLike(null, 'SIGHUP');
    return forever();
  }

  /** SIGINT or SIGTERM to this prog while the TUI is up: this terminal goes, the run does not. */
  async detached(): Promise<never> {
    this.#channel.destroy();
    this.#restore();
    writeStderr(`prog: ${detachedNote(this.#run.id)}\n`);
    return this.#exit(() => process.exit(130));
  }

  /**
   * The socket closed: the recorder exited (or broke the channel). run.json has the end a moment
   * after, should the process still be going; prog ends as the command did.
   */
  async recorderEnded(): Promise<never> {
    const { id } = this.#run;
    const record = await recordedEnd(this.#run.dir);
    if (record !== undefined && runState(record) === 'running') {
      this.#restore();
      writeStderr(`prog: lost the TUI's connection to run ${id}; it goes on (prog attach --format tui ${id} follows it again)\n`);
      return this.#exit(() => process.exit(130));
    }
    if (record?.endedAt === undefined) {
      this.#restore();
      writeStderr(`prog: ${lostNote(id)}\n`);
      return this.#exit(() => process.exit(1));
    }
    if (!this.#done) {
      // The summary did not arrive (this prog was stalled while the recorder ended): say how it ended.
      this.#restore();
      writeStderr(`prog: ${endedNote(id, record)} (prog logs ${id})\n`);
    }
    return this.#exit(() => exitLikeRecord(record));
  }

  #send(bytes: Buffer): void {
    if (!this.#channel.destroyed) this.#channel.write(bytes);
  }

  /** The recorder has given the screen back and printed the summary: keys are cooked again. */
  #giveBack(): void {
    this.#done = true;
    this.#mode.alternate = false;
    this.#mode.dispose();
    this.#sayWarnings();
  }

  #warn(line: string): void {
    this.#warnings.push(escapeForTerminal(line.replace(/\n$/, '')));
    if (this.#done) this.#sayWarnings();
  }

  /** The recorder's warnings, on stderr, once the TUI is off the screen. */
  #sayWarnings(): void {
    for (const line of this.#warnings.splice(0)) writeStderr(`${line}\n`);
  }

  /**
   * The screen and the keyboard as they were, whatever the recorder left. Once the summary is out
   * (done) the screen is the shell's already: leaving the alternate screen again would move the
   * cursor back over it.
   */
  #restore(): void {
    this.#mode.alternate = false;
    this.#mode.dispose();
    if (!this.#done) terminalStdout().write(RESTORE);
    this.#sayWarnings();
  }

  /** Ends once what was written has reached the terminal (exitLike may take a moment: its signal). */
  async #exit(end: () => void): Promise<never> {
    await Promise.all([terminalStdout().drained(), terminalStderr().drained()]);
    end();
    return forever();
  }
}

function forever(): Promise<never> {
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
