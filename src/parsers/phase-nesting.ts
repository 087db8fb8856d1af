// Nesting follows the output: a phase one parser starts while another parser's CI group is open
// (make inside GitHub Actions' `::group::Build`) is that group's child. ParserHub passes every
// parser's events through it.
import { willRetry, type MarkerEvent, type PhaseEndEvent, type PhaseEvent, type PhaseStatus, type Unstamped } from '../events.js';
import type { Emit } from './format-parser.js';

/** A phase a parser started and has not ended, as nesting needs it. */
interface OpenPhase {
  /** The parser that started it. */
  owner: string;
  /** Its groups are opened in this order (a run-wide count). */
  seq: number;
  parent?: string;
  /** For a group: its children still open. */
  children?: Set<string>;
  /** An item of it failed for good: ended with its group, it ends failed. */
  itemFailed: boolean;
  /** A child of it ended failed: it ends failed. */
  childFailed: boolean;
}

/** One parser's open groups, oldest first; ended ones are dropped lazily (from the top, or in a sweep). */
interface GroupStack {
  entries: { id: string; seq: number }[];
  /** Sweep when the stack grows past this: every entry costs O(1) over the run, whatever the order of ends. */
  sweepAt: number;
}

/**
 * Nesting follows the output. While a parser's CI group is open (a `phase` event with `group`), a
 * phase another parser starts is its child: `parent` on the phase's first event, and never changed.
 * When the group ends, its children still open end first (failed if an item of theirs failed or
 * the group failed, else ok) and their own late end is dropped: make's phase would otherwise run on
 * to the end of the output. A group with a failed child ends failed. One parser's groups do not
 * nest in each other (it knows its own structure); different parsers' do (a TeamCity block inside
 * a GitHub Actions group). Each event costs O(1) (a group's end, O(its children)) whatever the
 * output does; memory is the phases open, and each phase's parent.
 */
export class PhaseNesting {
  readonly #emit: Emit;
  readonly #open = new Map<string, OpenPhase>();
  /** Per parser that opened groups. */
  readonly #groups = new Map<string, GroupStack>();
  /** Each phase's parent ('' for none), as given at its first event. */
  readonly #parents = new Map<string, string>();
  /** Phases ended with their group whose own end is still to come: it is dropped. */
  readonly #closed = new Set<string>();
  #seq = 0;

  constructor(emit: Emit) {
    this.#emit = emit;
  }

  event(owner: string, event: Unstamped<MarkerEvent>): void {
    switch (event.type) {
      case 'phase':
        this.#started(owner, event);
        return;
      case 'phase.end':
        if (this.#closed.delete(event.id)) return;
        this.#ended(event.id, event.status, event);
        return;
      case 'item.fail': {
        // A final failure, not an attempt that will be retried.
        const phase = event.phase === undefined ? undefined : this.#open.get(event.phase);
        if (phase && !willRetry(event)) phase.itemFailed = true;
        break;
      }
      default:
        break;
    }
    this.#emit(event);
  }

  #started(owner: string, event: Unstamped<PhaseEvent>): void {
    let parent = this.#parents.get(event.id);
    const first = parent === undefined;
    if (parent === undefined) {
      parent = this.#innermost(owner) ?? '';
      this.#parents.set(event.id, parent);
    }
    // Started again: its next end is its own.
    this.#closed.delete(event.id);
    if (!this.#open.has(event.id)) {
      const phase: OpenPhase = { owner, seq: ++this.#seq, itemFailed: false, childFailed: false };
      if (parent !== '') {
        phase.parent = parent;
        this.#open.get(parent)?.children?.add(event.id);
      }
      if (event.group) {
        phase.children = new Set();
        this.#push(owner, event.id, phase.seq);
      }
      this.#open.set(event.id, phase);
    }
    this.#emit(first && parent !== '' ? { ...event, parent } : event);
  }

  /** The newest open group another parser opened (parsers are few: one look at each's newest). */
  #innermost(owner: string): string | undefined {
    let newest: { id: string; seq: number } | undefined;
    for (const [other, stack] of this.#groups) {
      if (other === owner) continue;
      const top = this.#top(stack);
      if (top && (newest === undefined || top.seq > newest.seq)) newest = top;
    }
    return newest?.id;
  }

  #push(owner: string, id: string, seq: number): void {
    let stack = this.#groups.get(owner);
    if (!stack) this.#groups.set(owner, (stack = { entries: [], sweepAt: 32 }));
    stack.entries.push({ id, seq });
    if (stack.entries.length > stack.sweepAt) {
      stack.entries = stack.entries.filter((e) => this.#isOpen(e));
      stack.sweepAt = Math.max(32, 2 * stack.entries.length);
    }
  }

  #top(stack: GroupStack): { id: string; seq: number } | undefined {
    const { entries } = stack;
    while (entries.length > 0 && !this.#isOpen(entries[entries.length - 1]!)) entries.pop();
    return entries[entries.length - 1];
  }

  #isOpen(entry: { id: string; seq: number }): boolean {
    return this.#open.get(entry.id)?.seq === entry.seq;
  }

  /** Ends a phase (a group after its children), saying so with `original` when that still holds. */
  #ended(id: string, status: PhaseStatus, original?: Unstamped<PhaseEndEvent>): PhaseStatus {
    const phase = this.#open.get(id);
    if (!phase) {
      this.#emit(original ?? { type: 'phase.end', id, status });
      return status;
    }
    for (const child of phase.children ?? []) {
      const state = this.#open.get(child);
      if (!state) continue;
      this.#closed.add(child);
      if (this.#ended(child, state.itemFailed || status === 'failed' ? 'failed' : 'ok') === 'failed') phase.childFailed = true;
    }
    this.#open.delete(id);
    const final = phase.childFailed ? 'failed' : status;
    const parent = phase.parent === undefined ? undefined : this.#open.get(phase.parent);
    if (parent) {
      parent.children?.delete(id);
      if (final === 'failed') parent.childFailed = true;
    }
    this.#emit(original !== undefined && original.status === final ? original : { ...(original ?? { type: 'phase.end', id }), status: final });
    return final;
  }
}
