// The last few lines the user saw, so a failure can be shown with the output that led to it: the
// lines of its own agent, else of its phase, else (as a last resort) the run's latest lines.
//
// Output carries no owner, so lines are attributed as they pass, from what the markers said so far
// (attach() sees every marker event before it is emitted):
// - to an agent, when the line starts with its id as a tag (`[agent-03] …`, `agent-03: …`,
//   `agent-03 | …`: how parallel tools label their workers' lines), else when it is the only agent
//   with an item in flight;
// - to a phase, when its agent's current item is in that phase, else when it is the only leaf
//   phase running.
// A failure's context is its agent's lines since that item started; if there are none, its
// phase's lines since the phase started (leaving out lines tagged with another agent); if none,
// the run's last lines. Phases and agents that only tool parsers report are not seen here.
//
// The run-wide tail is kept per chunk from the bytes passed through (markers already removed), never
// per line: a copy of at most a few KiB per chunk. Lines are only split and attributed once markers
// named an agent or a phase, and only in the last ATTRIBUTED_BYTES of each piece of output.
import { stripAnsi } from '../lines/ansi.js';
import type { ItemFailEvent, MarkerEvent, TailSource, Unstamped } from '../events.js';

const KEEP_BYTES = 4096;
/** Of each piece of output, the end that is split into lines and attributed (a flood costs no more). */
const ATTRIBUTED_BYTES = 16 * 1024;
/** A line kept for an agent or a phase is cut to this many bytes. */
const LINE_MAX = 1000;
/** Agents and phases followed (the first ones); beyond, failures fall back to the run's tail. */
const MAX_TRACKED = 1000;
/** Longest agent id recognised as a line's tag. */
const TAG_MAX = 64;

interface Line {
  seq: number;
  text: string;
  /** The agent the line was attributed to. */
  agent?: AgentTrack;
}

/** The last `size` lines, oldest first. */
class Ring {
  readonly #lines: Line[] = [];
  readonly #size: number;

  constructor(size: number) {
    this.#size = size;
  }

  push(line: Line): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#size) this.#lines.shift();
  }

  since(seq: number, keep: (line: Line) => boolean = () => true): Line[] {
    return this.#lines.filter((line) => line.seq >= seq && keep(line));
  }
}

interface AgentTrack {
  id: string;
  item?: string;
  phase?: PhaseTrack;
  /** Line number where its current item started, or where its last one ended. */
  since: number;
  lines: Ring;
}

interface PhaseTrack {
  id: string;
  running: boolean;
  parent?: string;
  since: number;
  lines: Ring;
}

export class OutputTail {
  #bytes = Buffer.alloc(0);
  readonly #lines: number;
  readonly #agents = new Map<string, AgentTrack>();
  readonly #phases = new Map<string, PhaseTrack>();
  /** Agents with an item in flight. */
  #busy = 0;
  /** The only leaf phase running, if there is exactly one. */
  #sole: PhaseTrack | undefined;
  /** First bytes of the tracked agents' ids (and `[`): a line starting otherwise carries no tag. */
  readonly #tagStarts = new Uint8Array(256);
  /** Lines attributed so far (their numbers order them against items' starts). */
  #seq = 0;
  /** The start of a line not finished yet (a piece of output ends mid-line). */
  #partial = '';

  constructor(lines = 5) {
    this.#lines = lines;
    this.#tagStarts[0x5b] = 1;
  }

  push(bytes: Buffer): void {
    if (bytes.length >= KEEP_BYTES) {
      this.#bytes = Buffer.from(bytes.subarray(bytes.length - KEEP_BYTES));
    } else {
      const kept = this.#bytes.subarray(Math.max(0, this.#bytes.length + bytes.length - KEEP_BYTES));
      this.#bytes = Buffer.concat([kept, bytes]);
    }
    // Plain commands (no agent or phase named by markers) pay nothing more.
    if (this.#agents.size > 0 || this.#sole !== undefined) this.#attribute(bytes);
  }

  /** The last non-empty lines, colour codes removed; a `\r` redraw counts as its final state. */
  lines(): string[] {
    const text = this.#bytes.toString('utf8');
    const lines = text.split('\n').map(finalState);
    // The first line may be cut mid-way by the window: drop it unless it is all there is.
    if (this.#bytes.length >= KEEP_BYTES && lines.length > 1) lines.shift();
    return lines.filter((line) => line.trim() !== '').slice(-this.#lines);
  }

  /**
   * Follows who runs what from a marker's event, and gives a failure the output before it
   * (`tail`, and `tailFrom`: whose it is). Called for every marker event, in order, before it is emitted.
   */
  attach<E extends Unstamped<MarkerEvent>>(event: E): E {
    switch (event.type) {
      case 'phase': {
        const phase = this.#phase(event.id);
        if (!phase) break;
        if (event.parent !== undefined && phase.parent === undefined) phase.parent = event.parent;
        if (!phase.running) {
          phase.running = true;
          phase.since = this.#seq;
        }
        this.#findSole();
        break;
      }
      case 'phase.end': {
        const phase = this.#phases.get(event.id);
        if (phase?.running) {
          phase.running = false;
          this.#findSole();
        }
        break;
      }
      case 'step':
      case 'progress':
        if (event.phase !== undefined) this.#phase(event.phase);
        break;
      case 'item.start': {
        const phase = event.phase === undefined ? undefined : this.#phase(event.phase);
        const agent = event.agent === undefined ? undefined : this.#agent(event.agent);
        if (!agent) break;
        if (agent.item === undefined) this.#busy++;
        agent.item = event.id;
        agent.phase = phase;
        agent.since = this.#seq;
        break;
      }
      case 'item.done':
      case 'item.skip':
        this.#finished(event.agent, event.id);
        break;
      case 'item.fail': {
        const context = this.#context(event);
        this.#finished(event.agent, event.id);
        return (context === undefined ? event : { ...event, ...context }) as E;
      }
      case 'agent': {
        const agent = this.#agent(event.id);
        if (agent && event.status !== 'busy') this.#finished(agent.id, agent.item);
        break;
      }
      default:
        break;
    }
    return event;
  }

  #context(event: Unstamped<ItemFailEvent>): { tail: string[]; tailFrom: TailSource } | undefined {
    const agent = event.agent === undefined ? undefined : this.#agents.get(event.agent);
    if (agent) {
      const own = this.#texts(agent.lines.since(agent.since));
      if (own.length > 0) return { tail: own, tailFrom: 'agent' };
    }
    const phase = event.phase === undefined ? undefined : this.#phases.get(event.phase);
    if (phase) {
      // Another agent's tagged lines are that agent's, not this failure's.
      const lines = this.#texts(phase.lines.since(phase.since, (line) => line.agent === undefined || line.agent === agent));
      if (lines.length > 0) return { tail: lines, tailFrom: 'phase' };
    }
    const lines = this.lines();
    return lines.length === 0 ? undefined : { tail: lines, tailFrom: 'run' };
  }

  #texts(lines: Line[]): string[] {
    return lines.map((line) => finalState(line.text)).filter((text) => text.trim() !== '').slice(-this.#lines);
  }

  #finished(agentId: string | undefined, item: string | undefined): void {
    const agent = agentId === undefined ? undefined : this.#agents.get(agentId);
    if (!agent || agent.item === undefined || agent.item !== item) return;
    agent.item = undefined;
    agent.since = this.#seq;
    this.#busy--;
  }

  #agent(id: string): AgentTrack | undefined {
    let agent = this.#agents.get(id);
    if (!agent && this.#agents.size < MAX_TRACKED) {
      // Room for more lines than are shown: the window since the item started filters them.
      agent = { id, since: this.#seq, lines: new Ring(this.#lines * 2) };
      this.#agents.set(id, agent);
      const first = Buffer.from(id, 'utf8')[0];
      if (first !== undefined) this.#tagStarts[first] = 1;
    }
    return agent;
  }

  /** A phase named by a marker (which starts it, as in the model). */
  #phase(id: string): PhaseTrack | undefined {
    let phase = this.#phases.get(id);
    if (!phase && this.#phases.size < MAX_TRACKED) {
      phase = { id, running: true, since: this.#seq, lines: new Ring(this.#lines * 4) };
      this.#phases.set(id, phase);
      this.#findSole();
    }
    return phase;
  }

  /** The only running phase that is no running phase's parent (a group's work is its child's). */
  #findSole(): void {
    const parents = new Set<string>();
    for (const phase of this.#phases.values()) if (phase.running && phase.parent !== undefined) parents.add(phase.parent);
    let sole: PhaseTrack | undefined;
    for (const phase of this.#phases.values()) {
      if (!phase.running || parents.has(phase.id)) continue;
      if (sole) {
        this.#sole = undefined;
        return;
      }
      sole = phase;
    }
    this.#sole = sole;
  }

  /** Splits the end of a piece of output into lines and files each under its agent and phase. */
  #attribute(bytes: Buffer): void {
    const from = Math.max(0, bytes.length - ATTRIBUTED_BYTES);
    // Who owns a line that names nobody: the only busy agent, and the only running phase.
    let onlyAgent: AgentTrack | undefined;
    if (this.#busy === 1) for (const agent of this.#agents.values()) if (agent.item !== undefined) onlyAgent = agent;
    let start = from;
    if (from > 0) {
      // Cut mid-way: the first line is incomplete, and so is any line carried over.
      this.#partial = '';
      const newline = bytes.indexOf(0x0a, from);
      if (newline === -1) return;
      start = newline + 1;
    }
    while (start < bytes.length) {
      const newline = bytes.indexOf(0x0a, start);
      const end = newline === -1 ? bytes.length : newline;
      const text = bytes.toString('utf8', start, Math.min(end, start + LINE_MAX));
      if (newline === -1) {
        if (this.#partial.length < LINE_MAX) this.#partial += text;
        return;
      }
      const line = this.#partial === '' ? text : (this.#partial + text).slice(0, LINE_MAX);
      this.#partial = '';
      const tagged = this.#tagStarts[bytes[start] ?? 0] === 1 || line !== text ? this.#tagged(line) : undefined;
      this.#file(line, tagged ?? onlyAgent);
      start = newline + 1;
    }
  }

  #file(text: string, agent: AgentTrack | undefined): void {
    const phase = agent?.phase ?? this.#sole;
    if (!agent && !phase) return;
    const line: Line = { seq: this.#seq++, text };
    if (agent) {
      line.agent = agent;
      agent.lines.push(line);
    }
    phase?.lines.push(line);
  }

  /** The agent a line names at its start: `[id]`, `id:`, `id |`, `id>` or `id ` followed by text. */
  #tagged(line: string): AgentTrack | undefined {
    const at = line.startsWith('[') ? 1 : 0;
    const end = line.slice(at, at + TAG_MAX + 1).search(/[\]:|>\s]/);
    if (end <= 0) return undefined;
    return this.#agents.get(line.slice(at, at + end));
  }
}

/** A line as it last looked: after its last `\r` redraw, colour codes removed. */
function finalState(line: string): string {
  return stripAnsi(line.slice(line.lastIndexOf('\r', line.length - 2) + 1)).replace(/\r$/, '');
}
