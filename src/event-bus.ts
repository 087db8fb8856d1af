import type { ProgEvent, Unstamped } from './events.js';

export type EventListener = (event: ProgEvent) => void;

/** Stamps events with a run-wide sequence number and time offset, and hands them to listeners in order. */
export class EventBus {
  #seq = 0;
  readonly #start: number;
  readonly #listeners: EventListener[] = [];

  constructor(start = performance.now()) {
    this.#start = start;
  }

  /** Milliseconds since the run started. */
  now(): number {
    return Math.round(performance.now() - this.#start);
  }

  subscribe(listener: EventListener): void {
    this.#listeners.push(listener);
  }

  emit(event: Unstamped): ProgEvent {
    const stamped = { seq: ++this.#seq, t: this.now(), ...event } as ProgEvent;
    for (const listener of this.#listeners) listener(stamped);
    return stamped;
  }
}
