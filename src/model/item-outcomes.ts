// Which finished items the model has counted, and as what, so that none is counted twice: an item
// is counted once (per phase, by id), by its latest outcome. A second `done` for a done item (a
// resumed run doing the earlier run's items again, a tool reporting twice) changes nothing; a final
// failure followed by another attempt's outcome was a retry after all (fail, then done: one
// success, one retry); done, then failed, is failed; a skip never replaces an outcome the item
// already has (a resumed run skipping it). Memory is bounded: at most `limit` ids over the run;
// past it, an item finished again is counted again.

/** A finished item's outcome, as counted. */
export type Outcome = 'succeeded' | 'failed' | 'skipped';

/** What finishing an item does to the counts. */
export type Change =
  /** Not finished before (or not remembered): count it. */
  | { kind: 'new' }
  /** Finished before, and this changes nothing. */
  | { kind: 'same' }
  /** Finished before as `before`: it moves to the new outcome (`retry`: the earlier outcome was a failed attempt). */
  | { kind: 'replace'; before: Outcome; retry: boolean };

// Shared answers: finishing an item is the hot path of a marker storm, and these carry no state.
const NEW: Change = Object.freeze({ kind: 'new' });
const SAME: Change = Object.freeze({ kind: 'same' });

export class ItemOutcomes {
  /** By phase ('' holds items without one, as '\0' cannot start a phase's key). */
  readonly #byPhase = new Map<string, Map<string, Outcome>>();
  readonly #limit: number;
  #size = 0;
  #last?: { phase: string | undefined; outcomes: Map<string, Outcome> };

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Ids remembered, over all phases. */
  get size(): number {
    return this.#size;
  }

  /** The item finished with `outcome`: what that changes, remembered for the next time. */
  finish(phase: string | undefined, id: string, outcome: Outcome): Change {
    const outcomes = this.#outcomes(phase);
    const before = outcomes.get(id);
    if (before === undefined) {
      this.#remember(outcomes, id, outcome);
      return NEW;
    }
    if (outcome === 'skipped' || (outcome === before && before !== 'failed')) return SAME;
    outcomes.set(id, outcome);
    return { kind: 'replace', before, retry: before === 'failed' };
  }

  /** Items done before this run (prog resume): their own `done` again changes nothing. */
  done(phase: string | undefined, id: string): void {
    const outcomes = this.#outcomes(phase);
    if (!outcomes.has(id)) this.#remember(outcomes, id, 'succeeded');
  }

  #outcomes(phase: string | undefined): Map<string, Outcome> {
    // Items come in runs of the same phase: its map is kept at hand.
    if (this.#last !== undefined && this.#last.phase === phase) return this.#last.outcomes;
    const key = phase === undefined ? '' : `\0${phase}`;
    let outcomes = this.#byPhase.get(key);
    if (!outcomes) this.#byPhase.set(key, (outcomes = new Map()));
    this.#last = { phase, outcomes };
    return outcomes;
  }

  #remember(outcomes: Map<string, Outcome>, id: string, outcome: Outcome): void {
    if (this.#size >= this.#limit) return;
    outcomes.set(id, outcome);
    this.#size++;
  }
}
