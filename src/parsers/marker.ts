// prog's own marker protocol, v1 (docs/markers.md): a line `::prog::{"type":…}`.
import type { AgentStatus, Extra, LogLevel, MarkerEvent, PhaseStatus, Unstamped } from '../events.js';
import { stripAnsi } from '../lines/ansi.js';
import type { Verdict } from '../lines/line-splitter.js';

export const MARKER_PREFIX = '::prog::';
/** The strict form's start: `::prog:NONCE::` (docs/markers.md, "Strict mode"). */
const NONCE_LEAD = '::prog:';
export const MARKER_VERSION = 1;

const PREFIX_BYTES = Buffer.from(MARKER_PREFIX);
/** Bytes every marker line holds, nonce or not: output without them is passed on unread. */
export const MARKER_NEEDLE = Buffer.from(NONCE_LEAD);
const ESC = 0x1b;
/** Spaces and colour codes a logger may put before a marker; past this the line is plain output. */
const MAX_LEAD = 256;

/** A nonce (prog run --marker-nonce) between `::prog:` and `::`: what prog makes, and a little room. */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NONCE = 64;
const COLON = 0x3a;

function isNonceByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x5f;
}

/**
 * Byte-level look at a line's start: could it be a marker? Skips spaces, tabs and CSI sequences
 * (a coloured logger), then compares with `::prog::` or `::prog:NONCE::`. Constant work per line.
 */
export function markerVerdict(buf: Buffer, start: number, end: number): Verdict {
  let p = start;
  const limit = Math.min(end, start + MAX_LEAD);
  while (p < limit) {
    const b = buf[p]!;
    if (b === 0x20 || b === 0x09) {
      p++;
      continue;
    }
    if (b === ESC) {
      if (p + 1 >= end) return 'maybe';
      if (buf[p + 1] !== 0x5b) return 'no';
      let q = p + 2;
      while (q < limit && buf[q]! >= 0x20 && buf[q]! <= 0x3f) q++;
      if (q >= end) return 'maybe';
      if (q >= limit || buf[q]! < 0x40 || buf[q]! > 0x7e) return 'no';
      p = q + 1;
      continue;
    }
    // `::prog:`, then `:` or a nonce and `::`.
    const head = PREFIX_BYTES.length - 1;
    for (let k = 0; k < head; k++) {
      if (p + k >= end) return 'maybe';
      if (buf[p + k] !== PREFIX_BYTES[k]) return 'no';
    }
    return nonceVerdict(buf, p + head, end);
  }
  return p >= start + MAX_LEAD ? 'no' : 'maybe';
}

/** After `::prog:`: `:` (no nonce), or nonce characters and `::`. */
function nonceVerdict(buf: Buffer, at: number, end: number): Verdict {
  if (at >= end) return 'maybe';
  if (buf[at] === COLON) return 'yes';
  let q = at;
  while (q < end && q - at < MAX_NONCE && isNonceByte(buf[q]!)) q++;
  if (q === at) return 'no';
  if (q >= end) return 'maybe';
  if (buf[q] !== COLON) return 'no';
  if (q + 1 >= end) return 'maybe';
  return buf[q + 1] === COLON ? 'yes' : 'no';
}

export type MarkerResult =
  | { ok: true; event: Unstamped<MarkerEvent> }
  | { ok: false; reason: string };

/** Deeper JSON is refused up front: whether a recursive reviver or stringify overflows the stack is luck. */
const MAX_DEPTH = 64;

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const UNSAFE_TEXT = /__proto__|constructor|prototype/;
const dropUnsafeKeys = (key: string, value: unknown) => (UNSAFE_KEYS.has(key) ? undefined : value);

/** Too deep needs more than MAX_DEPTH opening brackets at all: counted natively, most markers have one. */
function mayNestTooDeep(json: string): boolean {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let at = json.indexOf(bracket); at !== -1; at = json.indexOf(bracket, at + 1)) {
      if (++count > MAX_DEPTH) return true;
    }
  }
  return false;
}

/** How a line's text is read as a marker. */
export interface MarkerOptions {
  /** The progress fd, where every line is a marker: a JSON object without the prefix is one too. */
  bare?: boolean;
  /**
   * Strict mode (prog run --marker-nonce): only `::prog:NONCE::` with this nonce is a marker. Absent,
   * any nonce (or none) is accepted.
   */
  nonce?: string;
}

/**
 * Parses one line as a marker. Never throws; a failure says why in words a user can act on.
 * (`true` for options is `{ bare: true }`.)
 */
export function parseMarker(line: string, options: MarkerOptions | boolean = {}): MarkerResult {
  const { bare = false, nonce } = typeof options === 'boolean' ? { bare: options } : options;
  // Most markers are written as they are, no colour or indent: no copy of the line is made for those.
  const text = line.charCodeAt(0) === 0x3a && !line.includes('\x1b') && !line.includes('\x9b') ? line : stripAnsi(line).trim();
  let json: string;
  if (text.startsWith(MARKER_PREFIX)) {
    if (nonce !== undefined) return { ok: false, reason: 'carries no nonce, and this run only takes markers with its own (--marker-nonce)' };
    json = text.slice(MARKER_PREFIX.length);
  } else if (text.startsWith(NONCE_LEAD)) {
    const close = text.slice(0, NONCE_LEAD.length + MAX_NONCE + 2).indexOf('::', NONCE_LEAD.length);
    const given = close === -1 ? '' : text.slice(NONCE_LEAD.length, close);
    if (!NONCE_PATTERN.test(given)) return { ok: false, reason: `does not start with ${MARKER_PREFIX} or ${NONCE_LEAD}NONCE::` };
    if (nonce !== undefined && given !== nonce) return { ok: false, reason: "carries a nonce that is not this run's (--marker-nonce)" };
    json = text.slice(close + 2);
  } else if (bare && text.startsWith('{')) json = text;
  else return { ok: false, reason: `does not start with ${MARKER_PREFIX}` };

  // Past MAX_DEPTH levels takes more characters than that.
  if (json.length > MAX_DEPTH && mayNestTooDeep(json) && nestedTooDeep(json)) return { ok: false, reason: `nests objects or arrays more than ${MAX_DEPTH} deep` };
  let value: unknown;
  try {
    // The reviver costs more than the parse itself: only text that names a dangerous key needs it.
    value = UNSAFE_TEXT.test(json) ? JSON.parse(json, dropUnsafeKeys) : JSON.parse(json);
  } catch {
    return { ok: false, reason: 'is not valid JSON after ::prog::' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'is not a JSON object' };
  }
  const fields = value as Record<string, unknown>;
  if (typeof fields.type !== 'string' || fields.type === '') {
    return { ok: false, reason: 'has no "type"' };
  }
  try {
    return { ok: true, event: toEvent(fields.type, new Fields(fields)) };
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, reason: `${fields.type}: ${error.message}` };
    throw error;
  }
}

/** Linear scan of the brackets outside strings; never wrong for valid JSON, and JSON.parse judges the rest. */
function nestedTooDeep(json: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

class FieldError extends Error {}

/** Reads typed fields off a marker, remembering which were used so the rest can be kept as `extra`. */
class Fields {
  readonly #raw: Record<string, unknown>;
  /** Keys read (a handful: an array is cheaper than a Set at a million markers a second). */
  readonly #used: string[] = ['type'];
  constructor(raw: Record<string, unknown>) {
    this.#raw = raw;
  }

  id(key: string): string;
  id(key: string, optional: true): string | undefined;
  id(key: string, optional = false): string | undefined {
    this.#used.push(key);
    const v = this.#raw[key];
    if (v === undefined || v === null) {
      if (optional) return undefined;
      throw new FieldError(`"${key}" is required`);
    }
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    throw new FieldError(`"${key}" must be a non-empty string`);
  }

  text(key: string, required = false): string | undefined {
    this.#used.push(key);
    const v = this.#raw[key];
    if (v === undefined || v === null) {
      if (required) throw new FieldError(`"${key}" is required`);
      return undefined;
    }
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new FieldError(`"${key}" must be a string`);
  }

  count(key: string, required = false): number | undefined {
    this.#used.push(key);
    const v = this.#raw[key];
    if (v === undefined || v === null) {
      if (required) throw new FieldError(`"${key}" is required`);
      return undefined;
    }
    // JSON.parse turns 1e309 into Infinity: not a count.
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new FieldError(`"${key}" must be a finite number`);
    if (v < 0) throw new FieldError(`"${key}" must not be negative`);
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T, aliases: Record<string, T> = {}): T {
    this.#used.push(key);
    const v = this.#raw[key];
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (typeof v === 'string') {
      if ((allowed as readonly string[]).includes(v)) return v as T;
      if (Object.hasOwn(aliases, v)) return aliases[v]!;
    }
    throw new FieldError(`"${key}" must be one of ${allowed.join(', ')}`);
  }

  /** Every field not read above, for the log; undefined when there are none. */
  extra(): Extra | undefined {
    let extra: Extra | undefined;
    for (const key in this.#raw) {
      if (this.#used.includes(key)) continue;
      extra ??= Object.create(null) as Extra;
      extra[key] = this.#raw[key];
    }
    return extra;
  }

  all(): Extra {
    return Object.assign(Object.create(null) as Extra, this.#raw);
  }
}

const PHASE_STATUS: readonly PhaseStatus[] = ['ok', 'failed', 'skipped'];
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'notice', 'warn', 'error'];
const AGENT_STATUS: readonly AgentStatus[] = ['idle', 'busy', 'done', 'failed', 'offline'];

/** Drops undefined values so events serialise without noise. */
function compact<T extends object>(event: T): T {
  // A fresh object rather than `delete`: deleting turns an object into a slow dictionary in V8.
  const out = {} as Record<string, unknown>;
  for (const key in event) {
    const value = event[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

function toEvent(type: string, f: Fields): Unstamped<MarkerEvent> {
  switch (type) {
    case 'workflow':
      return compact({ type, name: f.id('name'), extra: f.extra() });
    case 'phase':
      return compact({ type, id: f.id('id'), name: f.text('name'), total: f.count('total'), extra: f.extra() });
    case 'phase.end':
      return compact({
        type, id: f.id('id'), status: f.oneOf('status', PHASE_STATUS, 'ok', { success: 'ok', fail: 'failed' }),
        extra: f.extra(),
      });
    case 'step':
      return compact({
        type, phase: f.id('phase', true), agent: f.id('agent', true), name: f.id('name'), index: f.count('index'),
        total: f.count('total'), extra: f.extra(),
      });
    case 'item.start':
    case 'item.done':
      return compact({ type, phase: f.id('phase', true), id: f.id('id'), agent: f.id('agent', true), extra: f.extra() });
    case 'item.skip':
      return compact({
        type, phase: f.id('phase', true), id: f.id('id'), agent: f.id('agent', true), reason: f.text('reason'),
        extra: f.extra(),
      });
    case 'item.fail':
      return compact({
        type, phase: f.id('phase', true), id: f.id('id'), agent: f.id('agent', true), error: f.text('error'),
        retry: f.count('retry'), maxRetries: f.count('maxRetries'), extra: f.extra(),
      });
    case 'progress': {
      const current = f.count('current', true)!;
      const total = f.count('total');
      // A count past its total is a rounding slip in the workflow, not a reason to drop the update.
      return compact({
        type, phase: f.id('phase'), current: total === undefined ? current : Math.min(current, total), total,
        extra: f.extra(),
      });
    }
    case 'log':
      return compact({
        type, level: f.oneOf('level', LEVELS, 'info', { warning: 'warn', err: 'error' }), source: f.text('source'),
        message: f.text('message', true)!, extra: f.extra(),
      });
    case 'agent':
      return compact({
        type, id: f.id('id'), status: f.oneOf('status', AGENT_STATUS, 'busy', { running: 'busy', stopped: 'offline' }),
        pid: f.count('pid'), extra: f.extra(),
      });
    default:
      return { type: 'marker.unknown', marker: f.all() };
  }
}
