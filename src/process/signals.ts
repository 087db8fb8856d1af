// The child runs in its own session, so the terminal's Ctrl-C reaches prog alone and prog passes it
// on exactly once. A second Ctrl-C (or TERM/HUP/QUIT) while the child is still cleaning up, or the
// end of the grace period, kills the child's whole process group.

export const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
const STOPPING = new Set<NodeJS.Signals>(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);

export interface SignalNotice {
  signal: NodeJS.Signals;
  action: 'forwarded' | 'escalated' | 'grace-expired';
  sent: NodeJS.Signals;
}

export interface ForwarderOptions {
  pgid: number;
  graceMs: number;
  notify(notice: SignalNotice): void;
}

export class SignalForwarder {
  readonly #o: ForwarderOptions;
  readonly #handlers = new Map<NodeJS.Signals, () => void>();
  #stopping?: NodeJS.Signals;
  #grace?: NodeJS.Timeout;
  /** The last signal prog sent the group, to tell who ended the child. */
  lastSent?: NodeJS.Signals;

  constructor(options: ForwarderOptions) {
    this.#o = options;
  }

  install(): void {
    for (const signal of FORWARDED) {
      const handler = () => this.#receive(signal);
      this.#handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** Removes prog's handlers (before re-raising a signal on itself) and the grace timer. */
  uninstall(): void {
    for (const [signal, handler] of this.#handlers) process.off(signal, handler);
    this.#handlers.clear();
    if (this.#grace) clearTimeout(this.#grace);
  }

  /** Sends a signal to every process in the child's group; a group already gone is not an error. */
  killGroup(signal: NodeJS.Signals): boolean {
    try {
      process.kill(-this.#o.pgid, signal);
      this.lastSent = signal;
      return true;
    } catch {
      return false;
    }
  }

  #receive(signal: NodeJS.Signals): void {
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
    this.killGroup(signal);
    this.#o.notify({ signal, action: 'forwarded', sent: signal });
    this.#grace = setTimeout(() => {
      this.killGroup('SIGKILL');
      this.#o.notify({ signal, action: 'grace-expired', sent: 'SIGKILL' });
    }, this.#o.graceMs);
    this.#grace.unref();
  }
}
