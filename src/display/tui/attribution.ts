// Whose an output line is, from what the markers said so far, as parsers/output-tail.ts decides
// for failures' context: an agent when the line starts with its id as a tag (`[agent-03] …`,
// `agent-03: …`, `agent-03 | …`) or when it is the only agent with an item in flight; a phase when
// its agent's item is in it, else when it is the only leaf phase running. Output carries no owner,
// so this is a best guess, and lines nobody can be given to belong to the run alone.
import type { ProgEvent } from '../../events.js';

/** Agents and phases followed (the first ones); later ones' lines belong to the run alone. */
const MAX_TRACKED = 1000;
/** Longest agent id recognised as a line's tag. */
const TAG_MAX = 64;

interface AgentTrack {
  item?: string;
  phase?: string;
}

export interface Owner {
  agent?: string;
  phase?: string;
}

export class Attribution {
  readonly #agents = new Map<string, AgentTrack>();
  /** Phases seen, with the group each started in. */
  readonly #parents = new Map<string, string | undefined>();
  readonly #running = new Set<string>();
  /** Agents with an item in flight. */
  #busy = 0;
  #sole: string | undefined;
  #soleKnown = true;

  /** The phase and the groups it is in, innermost first (for a group's own view of its children). */
  ancestry(phase: string): string[] {
    const chain = [phase];
    for (let at = this.#parents.get(phase); at !== undefined && chain.length < 16; at = this.#parents.get(at)) chain.push(at);
    return chain;
  }

  /** Whether the phase is `group` or inside it. */
  within(phase: string | undefined, group: string): boolean {
    return phase !== undefined && (phase === group || this.ancestry(phase).includes(group));
  }

  event(event: ProgEvent): void {
    switch (event.type) {
      case 'phase':
        this.#phase(event.id, event.parent);
        break;
      case 'phase.end':
        if (this.#running.delete(event.id)) this.#soleKnown = false;
        break;
      case 'step':
      case 'progress':
        if (event.phase !== undefined) this.#phase(event.phase);
        break;
      case 'item.start': {
        if (event.phase !== undefined) this.#phase(event.phase);
        const agent = event.agent === undefined ? undefined : this.#agent(event.agent);
        if (!agent) break;
        if (agent.item === undefined) this.#busy++;
        agent.item = event.id;
        agent.phase = event.phase;
        break;
      }
      case 'item.done':
      case 'item.skip':
      case 'item.fail':
        this.#finished(event.agent, event.id);
        break;
      case 'agent': {
        const agent = this.#agent(event.id);
        if (agent && event.status !== 'busy' && agent.item !== undefined) this.#finished(event.id, agent.item);
        break;
      }
      default:
        break;
    }
  }

  /** The owner of an output line (its text without escapes). */
  line(text: string): Owner {
    const tagged = this.#agents.size === 0 ? undefined : this.#tagged(text);
    const agent = tagged ?? (this.#busy === 1 ? this.#onlyBusy() : undefined);
    const phase = (agent === undefined ? undefined : this.#agents.get(agent)?.phase) ?? this.#solePhase();
    return { ...(agent === undefined ? {} : { agent }), ...(phase === undefined ? {} : { phase }) };
  }

  /** The owner of a log line by its source: an agent, a phase, or the only phase running. */
  log(source: string | undefined): Owner {
    if (source !== undefined && this.#agents.has(source)) {
      const phase = this.#agents.get(source)!.phase;
      return { agent: source, ...(phase === undefined ? {} : { phase }) };
    }
    if (source !== undefined && this.#parents.has(source)) return { phase: source };
    const phase = this.#solePhase();
    return phase === undefined ? {} : { phase };
  }

  #phase(id: string, parent?: string): void {
    if (!this.#parents.has(id)) {
      if (this.#parents.size >= MAX_TRACKED) return;
      this.#parents.set(id, parent);
    } else if (parent !== undefined && this.#parents.get(id) === undefined) {
      this.#parents.set(id, parent);
    }
    if (!this.#running.has(id)) {
      this.#running.add(id);
      this.#soleKnown = false;
    }
  }

  #agent(id: string): AgentTrack | undefined {
    let agent = this.#agents.get(id);
    if (!agent && this.#agents.size < MAX_TRACKED) this.#agents.set(id, (agent = {}));
    return agent;
  }

  #finished(id: string | undefined, item: string): void {
    const agent = id === undefined ? undefined : this.#agents.get(id);
    if (!agent || agent.item !== item) return;
    agent.item = undefined;
    this.#busy--;
  }

  #onlyBusy(): string | undefined {
    for (const [id, agent] of this.#agents) if (agent.item !== undefined) return id;
    return undefined;
  }

  /** The only running phase that is no running phase's group (a group's work is its child's). */
  #solePhase(): string | undefined {
    if (this.#soleKnown) return this.#sole;
    const groups = new Set<string>();
    for (const id of this.#running) {
      const parent = this.#parents.get(id);
      if (parent !== undefined) groups.add(parent);
    }
    const leaves = [...this.#running].filter((id) => !groups.has(id));
    this.#sole = leaves.length === 1 ? leaves[0] : undefined;
    this.#soleKnown = true;
    return this.#sole;
  }

  /** The agent a line names at its start: `[id]`, `id:`, `id |`, `id>` or `id ` followed by text. */
  #tagged(line: string): string | undefined {
    const at = line.startsWith('[') ? 1 : 0;
    const end = line.slice(at, at + TAG_MAX + 1).search(/[\]:|>\s]/);
    if (end <= 0) return undefined;
    const id = line.slice(at, at + end);
    return this.#agents.has(id) ? id : undefined;
  }
}
