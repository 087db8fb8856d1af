// The child runs in its own session, so the terminal's Ctrl-C reaches prog alone and prog passes it
// on exactly once. A second Ctrl-C (or TERM/QUIT) while the child is still cleaning up, or the
// end of the grace period, kills the child's whole process group.
//
// SIGHUP is not passed on: it means prog's terminal went away (a closed window, a dropped ssh
// connection). The run goes on without a terminal (see commands/run.ts); `prog stop --signal HUP`
// is how to send a HUP to the command.
//
// prog listens before it spawns: a signal that arrives while the child is being started is held and
// passed on as soon as the child's group exists, instead of killing prog and orphaning the child.

import { readFileSync } from 'node:fs';

export const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
const STOPPING = new Set<NodeJS.Signals>(['SIGINT', 'SIGTERM', 'SIGQUIT']);
/** setTimeout fires at once (with a warning) for delays past 2^31-1 ms: a huge --grace means "long". */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SignalNotice {
  signal: NodeJS.Signals;
  /** delivered: the terminal gave it to the command too (--foreground), so prog sent nothing. */
  action: 'forwarded' | 'escalated' | 'grace-expired' | 'delivered';
  sent?: NodeJS.Signals;
}

export interface ForwarderOptions {
  /** The child's process group; may be given later with attach() when prog listens before spawning. */
  pgid?: number;
  graceMs: number;
  notify(notice: SignalNotice): void;
  /** prog's terminal hung up (SIGHUP): called once; the child is not signalled. */
  hangup?(): void;
  /**
   * Signals the terminal already delivered to the child (--foreground: same process group), so
   * passing them on would deliver them twice; they still count as a request to stop.
   */
  delivered?: ReadonlySet<NodeJS.Signals>;
  /**
   * Signal the child's whole process group (the default), or the child process alone (--foreground:
   * it shares prog's group, which prog must not signal).
   */
  wholeGroup?: boolean;
}

/** Whether prog was started with SIGHUP ignored (nohup), from /proc/self/status on Linux. */
function hupIgnored(): boolean {
  try {
    const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

export class SignalForwarder {
  readonly #o: ForwarderOptions;
  readonly #handlers = new Map<NodeJS.Signals, () => void>();
  #pgid?: number;
  /** Signals that arrived before the child's group existed, in order. */
  readonly #held: NodeJS.Signals[] = [];
  #stopping?: NodeJS.Signals;
  #grace?: NodeJS.Timeout;
  /** The last signal prog sent the group, to tell who ended the child. */
  lastSent?: NodeJS.Signals;
  /** The command and its group are gone: a stop signal now stops prog's own last work (ended()). */
  #afterEnd?: (signal: NodeJS.Signals) => void;

  constructor(options: ForwarderOptions) {
    this.#o = options;
    this.#pgid = options.pgid;
  }

  install(): void {
    for (const signal of FORWARDED) {
      if (this.#handlers.has(signal)) continue;
      const handler = () => this.#receive(signal);
      this.#handlers.set(signal, handler);
      process.on(signal, handler);
    }
    // Under nohup (SIGHUP ignored from the start) prog keeps it ignored: a listener would undo it.
    if (!this.#handlers.has('SIGHUP') && !hupIgnored()) {
      // A listener replaces Node's default (die), so prog outlives its terminal.
      const handler = () => this.#o.hangup?.();
      this.#handlers.set('SIGHUP', handler);
      process.on('SIGHUP', handler);
    }
    if (this.#o.wholeGroup !== false && !this.#handlers.has('SIGTSTP')) {
      // Ctrl-Z stops prog alone (the command has its own session): stop the command's group too,
      // then prog itself. The group is orphaned, so the kernel would drop a SIGTSTP: SIGSTOP it.
      // `fg` or `bg` continue prog, which continues the group.
      const stop = () => {
        this.killGroup('SIGSTOP', false);
        process.kill(process.pid, 'SIGSTOP');
      };
      const resume = () => this.killGroup('SIGCONT', false);
      this.#handlers.set('SIGTSTP', stop);
      this.#handlers.set('SIGCONT', resume);
      process.on('SIGTSTP', stop);
      process.on('SIGCONT', resume);
    }
  }

  /** The child's group now exists: signals held until now are passed on. */
  attach(pgid: number): void {
    this.#pgid = pgid;
    for (const signal of this.#held.splice(0)) this.#receive(signal);
  }

  /** Signals received before attach() that were never passed on (the child never started). */
  /** The first stop signal (INT, TERM, HUP, QUIT) prog received, if any: the user asked to stop. */
  get stopping(): NodeJS.Signals | undefined {
    return this.#stopping;
  }

  get held(): readonly NodeJS.Signals[] {
    return this.#held;
  }

  /**
   * The command and its group are gone: nothing is left to pass a signal to. A stop signal from now
   * on calls `onStop` (prog cuts its own last work short: the exporters) and counts as stopping.
   */
  ended(onStop: (signal: NodeJS.Signals) => void): void {
    this.#afterEnd = onStop;
    if (this.#grace) clearTimeout(this.#grace);
    this.#grace = undefined;
  }

  /** Removes prog's handlers (before re-raising a signal on itself) and the grace timer. */
  uninstall(): void {
    for (const [signal, handler] of this.#handlers) process.off(signal, handler);
    this.#handlers.clear();
    if (this.#grace) clearTimeout(this.#grace);
    this.#grace = undefined;
  }

  /**
   * Sends a signal to every process in the child's group; a group already gone is not an error.
   * `record`: remember it as the last signal sent (job control's STOP and CONT are not).
   */
  killGroup(signal: NodeJS.Signals, record = true): boolean {
    if (this.#pgid === undefined) return false;
    try {
      process.kill(this.#o.wholeGroup === false ? this.#pgid : -this.#pgid, signal);
      if (record) this.lastSent = signal;
      return true;
    } catch {
      return false;
    }
  }

  #continue(): void {
    if (this.#pgid === undefined) return;
    try {
      process.kill(this.#o.wholeGroup === false ? this.#pgid : -this.#pgid, 'SIGCONT');
    } catch {
      // gone
    }
  }

  #receive(signal: NodeJS.Signals): void {
    if (this.#afterEnd) {
      if (!STOPPING.has(signal)) return;
      this.#stopping ??= signal;
      this.#afterEnd(signal);
      return;
    }
    if (this.#pgid === undefined) {
      this.#held.push(signal);
      return;
    }
    if (!STOPPING.has(signal)) {
      this.killGroup(signal);
      this.#o.notify({ signal, action: 'forwarded', sent: signal });
      return;
    }
    if (this.#stopping) {
      this.killGroup('SIGKILL');
      this.#o.notify({ signal, action: 'escalated', sent: 'SIGKILL' });
      return;
    }
    this.#stopping = signal;
    if (this.#o.delivered?.has(signal)) {
      this.#o.notify({ signal, action: 'delivered' });
    } else {
      this.killGroup(signal);
      // A stopped process acts on the signal only once continued (as kill(1) and systemd do it).
      this.#continue();
      this.#o.notify({ signal, action: 'forwarded', sent: signal });
    }
    this.#grace = setTimeout(() => {
      this.#grace = undefined;
      this.killGroup('SIGKILL');
      this.#o.notify({ signal, action: 'grace-expired', sent: 'SIGKILL' });
    }, Math.min(this.#o.graceMs, MAX_TIMER_MS));
    this.#grace.unref();
  }
}
