// What the log pane can show: the command's output lines, log markers and item failures, each with
// the agent and phase it belongs to (attribution.ts), kept in bounded rings — the run's last lines,
// each stream's, each agent's and each phase's — so that selecting an agent after a flood still
// shows that agent's own last lines. A line that ended with `\r` (a progress bar redrawing itself)
// is replaced by the next line of its stream: it shows as one line that updates.
import type { LogLevel, ProgEvent, StreamName } from '../../events.js';
import { escapeForTerminal, stripAnsi } from '../../lines/ansi.js';
import { textWidth } from '../rich/text-width.js';
import { Attribution } from './attribution.js';
import { willRetry } from '../../events.js';

/** Lines kept per ring (the run's, each stream's, each agent's, each phase's). */
export const RING_LINES = 5000;
/** Agents and phases with rings of their own; others are found in the run's ring only. */
const MAX_RINGS = 64;
/** Characters of a line kept (the pane shows a screen's width; copy mode prints this much). */
const LINE_MAX = 2000;

export type EntryKind = 'out' | 'log' | 'fail';

export interface Entry {
  /** Increasing: orders entries, and anchors the pane while it is scrolled. */
  seq: number;
  kind: EntryKind;
  stream?: StreamName;
  /** Log lines' level; failures are `error`, failures to be retried `warn`. */
  level?: LogLevel;
  agent?: string;
  phase?: string;
  /** Plain text, escapes removed or neutralised. */
  text: string;
}

export type LevelFilter = 'all' | 'info' | 'warn' | 'error';
export const LEVELS: LevelFilter[] = ['all', 'info', 'warn', 'error'];
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, notice: 2, warn: 3, error: 4 };

export type SourceFilter = { kind: 'all' } | { kind: 'agent'; id: string } | { kind: 'stream'; stream: StreamName };

export interface Filter {
  /** The row selected in the phases or agents pane. */
  selection?: { kind: 'phase' | 'agent'; id: string };
  level: LevelFilter;
  source: SourceFilter;
  text?: RegExp;
}

class Ring {
  #items: Entry[] = [];
  #start = 0;

  push(entry: Entry): void {
    this.#items.push(entry);
    if (this.#items.length - this.#start > RING_LINES) this.#start++;
    // Dropped entries are let go in batches, not one shift() a line.
    if (this.#start >= RING_LINES) {
      this.#items = this.#items.slice(this.#start);
      this.#start = 0;
    }
  }

  get length(): number {
    return this.#items.length - this.#start;
  }

  *[Symbol.iterator](): Iterator<Entry> {
    for (let i = this.#start; i < this.#items.length; i++) yield this.#items[i]!;
  }
}

export class LogBuffer {
  readonly attribution = new Attribution();
  readonly #all = new Ring();
  readonly #rings = new Map<string, Ring>();
  /** Per stream, the line that ended with `\r`: the next line of that stream replaces it. */
  readonly #open: Partial<Record<StreamName, Entry>> = {};
  #seq = 0;
  /** Changes with every line added or replaced: a view of the lines is made again only then. */
  version = 0;
  #cache?: { version: number; key: string; text?: RegExp; entries: Entry[] };

  event(event: ProgEvent): void {
    this.attribution.event(event);
    switch (event.type) {
      case 'output':
        this.#output(event.stream, event.line, event.eol);
        break;
      case 'log': {
        const owner = this.attribution.log(event.source);
        const source = event.source === undefined ? '' : `${event.source}: `;
        const at = event.location === undefined ? '' : `${event.location.file}:${event.location.line}${event.location.col === undefined ? '' : `:${event.location.col}`}: `;
        this.#add({ kind: 'log', level: event.level, ...owner, text: safeText(`${event.level} ${source}${at}${event.message}`) });
        break;
      }
      case 'item.fail': {
        const retry = willRetry(event);
        const name = `${event.phase === undefined ? '' : `${event.phase}/`}${event.id}${event.agent === undefined ? '' : ` [${event.agent}]`}`;
        const what = retry ? `retrying ${name} (${event.retry}/${event.maxRetries})` : `failed ${name}`;
        const error = event.error === undefined ? '' : `: ${event.error}`;
        this.#add({
          kind: 'fail', level: retry ? 'warn' : 'error', text: safeText(`${what}${error}`),
          ...(event.agent === undefined ? {} : { agent: event.agent }), ...(event.phase === undefined ? {} : { phase: event.phase }),
        });
        break;
      }
      default:
        break;
    }
  }

  /** The lines the filter lets through, oldest first (made again only when lines or filter changed). */
  view(filter: Filter): Entry[] {
    const key = filterKey(filter);
    const cache = this.#cache;
    if (cache && cache.version === this.version && cache.key === key && cache.text === filter.text) return cache.entries;
    const keep = this.#predicate(filter);
    const entries: Entry[] = [];
    for (const entry of this.#ring(filter)) if (keep(entry)) entries.push(entry);
    this.#cache = { version: this.version, key, ...(filter.text === undefined ? {} : { text: filter.text }), entries };
    return entries;
  }

  #output(stream: StreamName, line: string, eol: string): void {
    const text = safeText(line);
    const open = this.#open[stream];
    if (open) {
      // An empty redraw (`\r` then an erase) keeps the last state until the next one.
      if (text !== '') open.text = text;
      if (eol !== '\r') delete this.#open[stream];
      this.version++;
      return;
    }
    const entry = this.#add({ kind: 'out', stream, ...this.attribution.line(text), text });
    if (eol === '\r') this.#open[stream] = entry;
  }

  #add(fields: Omit<Entry, 'seq'>): Entry {
    const entry: Entry = { seq: ++this.#seq, ...fields };
    this.#all.push(entry);
    if (entry.stream !== undefined) this.#ringFor(`stream:${entry.stream}`)?.push(entry);
    if (entry.agent !== undefined) this.#ringFor(`agent:${entry.agent}`)?.push(entry);
    // A group's ring holds its children's lines too.
    if (entry.phase !== undefined) for (const phase of this.attribution.ancestry(entry.phase)) this.#ringFor(`phase:${phase}`)?.push(entry);
    this.version++;
    return entry;
  }

  #ringFor(key: string): Ring | undefined {
    let ring = this.#rings.get(key);
    if (!ring && this.#rings.size < 2 + 2 * MAX_RINGS) this.#rings.set(key, (ring = new Ring()));
    return ring;
  }

  /** The smallest ring that holds every line the filter lets through (it keeps the most of them). */
  #ring(filter: Filter): Ring {
    const { selection, source } = filter;
    const key = selection !== undefined ? `${selection.kind}:${selection.id}`
      : source.kind === 'agent' ? `agent:${source.id}` : source.kind === 'stream' ? `stream:${source.stream}` : undefined;
    return (key === undefined ? undefined : this.#rings.get(key)) ?? this.#all;
  }

  #predicate(filter: Filter): (entry: Entry) => boolean {
    const { selection, source, level, text } = filter;
    const min = level === 'all' ? -1 : RANK[level];
    const attribution = this.attribution;
    return (entry) => {
      if (selection?.kind === 'agent' && entry.agent !== selection.id) return false;
      if (selection?.kind === 'phase' && !attribution.within(entry.phase, selection.id)) return false;
      if (source.kind === 'agent' && entry.agent !== source.id) return false;
      if (source.kind === 'stream' && entry.stream !== source.stream) return false;
      // Output has no level: a level filter shows log lines and failures at or above it.
      if (min >= 0 && (entry.level === undefined || RANK[entry.level] < min)) return false;
      if (text !== undefined) {
        text.lastIndex = 0;
        if (!text.test(entry.text)) return false;
      }
      return true;
    };
  }
}

function filterKey(filter: Filter): string {
  const source = filter.source.kind === 'agent' ? `agent:${filter.source.id}` : filter.source.kind === 'stream' ? filter.source.stream : 'all';
  const selection = filter.selection === undefined ? '' : `${filter.selection.kind}:${filter.selection.id}`;
  return `${selection}\0${filter.level}\0${source}`;
}

/** Child text as it can be drawn: colours and cursor moves removed, tabs as spaces, other controls shown as `\xNN`. */
export function safeText(text: string): string {
  const plain = stripAnsi(text.length > LINE_MAX ? text.slice(0, LINE_MAX) : text);
  if (!plain.includes('\t')) return escapeForTerminal(plain);
  // Tab stops every 8 cells, counted on the text as it shows.
  const [first, ...rest] = plain.split('\t').map(escapeForTerminal);
  let out = first!;
  let column = textWidth(out);
  for (const part of rest) {
    const pad = 8 - (column % 8);
    out += ' '.repeat(pad) + part;
    column += pad + textWidth(part);
  }
  return out;
}
