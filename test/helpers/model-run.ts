// A progress model fed events by hand, for the model's tests: `new ModelRun().at(t, event)…`.
import type { ProgEvent, Unstamped } from '../../src/events.js';
import { ProgressModel } from '../../src/model/progress-model.js';
import type { Counts } from '../../src/model/snapshot.js';

export class ModelRun {
  readonly model: ProgressModel;
  seq = 0;
  constructor(model = new ProgressModel()) {
    this.model = model;
  }
  at(t: number, event: Unstamped): this {
    this.model.apply({ seq: ++this.seq, t, ...event } as ProgEvent);
    return this;
  }
  exit(t: number, exitCode: number | null, signal: NodeJS.Signals | null = null): this {
    return this.at(t, { type: 'exit', exitCode, signal, durationMs: t });
  }
  get counts() {
    return this.model.snapshot().counts;
  }
  phase(id: string) {
    return this.model.phase(id)!;
  }
}

/** Counts with the ones not given at zero. */
export const counts = (c: Partial<Counts>): Counts => ({ processed: 0, succeeded: 0, failed: 0, retried: 0, skipped: 0, running: 0, ...c });
