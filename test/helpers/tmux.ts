// A real terminal for view tests: a tmux session of a given size, read back with capture-pane.
// Tests that use it need tools.tmux() (test/helpers/tools.ts).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { scaled } from './time.js';

export class Tmux {
  readonly socket = `prog-test-${randomBytes(4).toString('hex')}`;

  constructor(command: string, columns: number, rows: number, env: Record<string, string> = {}) {
    // Exported first, so every part of a compound command line sees them.
    const exports = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}; `).join('');
    // The pane stays after the command ends (remain-on-exit), so the last screen can be read.
    this.#tmux('new-session', '-d', '-s', 't', '-x', String(columns), '-y', String(rows), `${exports}${command}; echo "[exit $?]"; sleep 3600`);
    this.#tmux('set-option', '-t', 't', 'history-limit', '50000');
    // A shell that dies with prog on Ctrl-C (as it should) leaves its last screen readable.
    this.#tmux('set-option', '-t', 't', 'remain-on-exit', 'on');
  }

  /** The visible screen, one string per row (trailing spaces trimmed). */
  screen(): string[] {
    return this.#tmux('capture-pane', '-p', '-t', 't').split('\n').map((l) => l.trimEnd());
  }

  /** Everything the terminal holds: scrollback plus screen. */
  history(): string[] {
    return this.#tmux('capture-pane', '-p', '-S', '-', '-t', 't').split('\n').map((l) => l.trimEnd());
  }

  /** The pane's command has ended (tmux does not always print "Pane is dead" for it). */
  dead(): boolean {
    return this.#tmux('display', '-p', '-t', 't', '#{pane_dead}').trim() === '1';
  }

  resize(columns: number, rows: number): void {
    this.#tmux('resize-window', '-t', 't', '-x', String(columns), '-y', String(rows));
  }

  keys(...keys: string[]): void {
    this.#tmux('send-keys', '-t', 't', ...keys);
  }

  /** Polls the screen until `ready` holds; fails with the last screen after scaled(ms). */
  async waitFor(ready: (screen: string[]) => boolean, ms = 20_000, what = 'the expected screen'): Promise<string[]> {
    const until = Date.now() + scaled(ms);
    let screen = this.screen();
    while (!ready(screen)) {
      if (Date.now() > until) throw new Error(`timed out after ${scaled(ms)} ms waiting for ${what}; screen:\n${screen.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
      screen = this.screen();
    }
    return screen;
  }

  kill(): void {
    try {
      this.#tmux('kill-server');
    } catch {
      // Already gone.
    }
  }

  #tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
