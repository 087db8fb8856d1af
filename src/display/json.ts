// `--format json`: stdout carries NDJSON only, for CI and other programs. Every event, a snapshot
// at most once per update interval (1 s by default) while something changed, and a final summary; each object has `version`.
// Records are preformatted strings gathered into one write per turn of the event loop (pino's way).
import type { ProgEvent } from '../events.js';
import type { Snapshot, Summary } from '../model/snapshot.js';
import { terminalStdout } from './terminal-output.js';
import type { View, ViewOptions } from './view.js';

export const JSON_SCHEMA_VERSION = 1;
const HEAD = `{"version":${JSON_SCHEMA_VERSION},`;

export class JsonView implements View {
  readonly wantsLines = true;
  readonly #out = terminalStdout();
  #buffer = '';
  #scheduled = false;
  #changed = false;
  /** The whole percent of the last estimate from history, to notice it moving. */
  #estimated: number | undefined;
  #lastSnapshotMs?: number;
  readonly #everyMs: number;

  constructor(options: ViewOptions = {}) {
    this.#everyMs = options.updateIntervalMs ?? 1000;
  }

  output(): void {
    // The child's lines arrive as `output` events instead of raw bytes.
  }

  event(event: ProgEvent): void {
    this.#changed = true;
    this.#push(event);
  }

  tick(snapshot: Snapshot): void {
    // An estimate from history moves with time alone: a new whole percent is a change too.
    const estimated = snapshot.estimated ? Math.floor(snapshot.percent ?? 0) : undefined;
    if (estimated !== this.#estimated) {
      this.#estimated = estimated;
      this.#changed = true;
    }
    if (!this.#changed) return;
    // Ticks come about once a second, but a timer may fire a little early against the run's clock:
    // the promise of at most one snapshot per interval is kept here, not left to the timer.
    if (this.#lastSnapshotMs !== undefined && snapshot.tMs - this.#lastSnapshotMs < this.#everyMs) return;
    this.#changed = false;
    this.#lastSnapshotMs = snapshot.tMs;
    this.#push(snapshot);
  }

  finish(summary: Summary, snapshot: Snapshot): void {
    this.#push(snapshot);
    this.#push(summary);
    this.#flush();
  }

  #push(record: object): void {
    this.#buffer += HEAD + JSON.stringify(record).slice(1) + '\n';
    if (this.#buffer.length > 1 << 20) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#buffer === '') return;
    this.#out.write(this.#buffer);
    this.#buffer = '';
  }
}
