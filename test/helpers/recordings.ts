// Recordings made by test/fixtures/record.js, read back for parser tests, and a parser driven
// over lines directly (no process), for unit tests.
import { readFileSync } from 'node:fs';
import type { LineEnd, MarkerEvent, StreamName, Unstamped } from '../../src/events.js';
import type { ParserSpec } from '../../src/parsers/format-parser.js';
import { stripAnsi } from '../../src/lines/ansi.js';

export type Ev = Unstamped<MarkerEvent>;

/** A recording's output (both streams, in order) as lines, split on \n, \r\n and \r like prog does. */
export function recordingLines(path: string): [string, LineEnd][] {
  const text = readFileSync(path, 'utf8').split('\n').filter(Boolean)
    .map((l) => JSON.parse(l) as { b64?: string }).filter((r) => r.b64)
    .map((r) => Buffer.from(r.b64!, 'base64').toString()).join('');
  const out: [string, LineEnd][] = [];
  const re = /(.*?)(\r\n|\n|\r)/gs;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(text))) {
    out.push([m[1]!, m[2] as LineEnd]);
    last = re.lastIndex;
  }
  if (last < text.length) out.push([text.slice(last), '']);
  return out;
}

/** Runs a fresh parser over lines (plain strings end in \n) and returns what it emitted. */
export function feedParser(spec: ParserSpec, stream: StreamName, lines: (string | [string, LineEnd])[]): Ev[] {
  const events: Ev[] = [];
  const p = spec.create();
  for (const l of lines) {
    const [raw, eol] = typeof l === 'string' ? [l, '\n' as LineEnd] : l;
    p.line({ stream, raw, text: stripAnsi(raw), eol }, (e) => events.push(e));
  }
  p.end?.((e) => events.push(e));
  return events;
}

/** Item counts as the model would make them from a parser's item events. */
export function itemCounts(events: readonly Record<string, unknown>[]): { processed: number; succeeded: number; failed: number; skipped: number } {
  const c = { processed: 0, succeeded: 0, failed: 0, skipped: 0 };
  for (const e of events) {
    if (!String(e.type).startsWith('item.') || e.type === 'item.start' || e.type === 'item.error') continue;
    c.processed++;
    if (e.type === 'item.done') c.succeeded++;
    if (e.type === 'item.fail') c.failed++;
    if (e.type === 'item.skip') c.skipped++;
  }
  return c;
}
