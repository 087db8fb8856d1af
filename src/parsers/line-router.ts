// Turns a child's byte stream into passthrough bytes and events: markers are consumed,
// everything else is output. The only place that reads what the child printed.
import type { EventBus } from '../event-bus.js';
import type { StreamName } from '../events.js';
import { LineSplitter, MAX_LINE_BYTES, type SplitLine } from '../lines/line-splitter.js';
import { MARKER_NEEDLE, markerVerdict, parseMarker, type MarkerResult } from './marker.js';
import type { OutputTail } from './output-tail.js';
import type { ParserHub } from './parser-hub.js';

export interface RouterOptions {
  bus: EventBus;
  /** Emit an `output` event per line (the JSON view wants them; plain mode does not pay for them). */
  outputEvents: boolean;
  /** Where the bytes the user should see go; markers never reach it. */
  pass(bytes: Buffer): void;
  /** Lines longer than this are not parsed (tests set it small). */
  maxLineBytes?: number;
  /** The recent output, attached to failures as `tail`. */
  tail?: OutputTail;
  /** Tool-output parsers: every line that is not a marker goes to them. */
  hub?: ParserHub;
  /** Strict mode (--marker-nonce): only markers carrying this nonce count on stdout and stderr. */
  nonce?: string;
}

/**
 * A failure carries the output lines before it (its agent's or phase's: the tail follows every
 * marker to tell), so it can be read without scrolling.
 */
function withTail(event: Extract<MarkerResult, { ok: true }>['event'], tail: OutputTail | undefined) {
  return tail ? tail.attach(event) : event;
}

/** A splitter for stdout or stderr: markers may arrive there, mixed with ordinary output. */
export function routeOutput(stream: StreamName, options: RouterOptions): LineSplitter {
  const { bus, outputEvents } = options;
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const tooLong = tooLongReason(maxLineBytes);
  const { tail, hub, nonce } = options;
  // The parsers read the line already, as a redraw: its end is not read again.
  let redrawn = false;
  return new LineSplitter({
    hold: markerVerdict,
    holdNeedle: MARKER_NEEDLE,
    // The parsers' prefilter picks the lines they read; the JSON view takes every line besides.
    allLines: hub ? (chunk, continued) => hub.wantsChunk(chunk, continued) : outputEvents,
    everyLine: outputEvents,
    pass: tail ? (bytes) => {
      tail.push(bytes);
      options.pass(bytes);
    } : options.pass,
    maxLineBytes,
    // pytest's `tests/a.py ..F.` grows one result at a time: parsers that want it see it grow.
    ...(hub ? { partial: (bytes: Buffer) => { if (hub.wantsPartial) hub.partial(stream, wholeUtf8(bytes).toString('utf8')); } } : {}),
    ...(hub ? { redraw: (bytes: Buffer) => {
      redrawn = true;
      hub.line(stream, wholeUtf8(bytes).toString('utf8'), '\r');
    } } : {}),
    line(line) {
      // A line cut at the cap may end inside a character: show its start up to the last whole one.
      const bytes = line.truncated ? wholeUtf8(line.bytes) : line.bytes;
      const text = bytes.toString('utf8');
      if (line.candidate) {
        const result = line.truncated ? { ok: false as const, reason: tooLong } : parseMarker(text, nonce === undefined ? {} : { nonce });
        if (result.ok) {
          bus.emit(withTail(result.event, tail));
          return true;
        }
        bus.emit({ type: 'marker.invalid', channel: stream, reason: result.reason });
      }
      if (outputEvents) bus.emit(outputEvent(stream, text, bytes, line));
      if (!redrawn && line.picked) hub?.line(stream, text, line.eol);
      redrawn = false;
      return false;
    },
  });
}

/**
 * A splitter for the marker-only channel (PROG_PROGRESS_FD): every line is a marker, none is shown.
 * Only the command and what it passes the descriptor to can write there: no nonce is asked for.
 */
export function routeProgressFd(bus: EventBus, maxLineBytes = MAX_LINE_BYTES, tail?: OutputTail): LineSplitter {
  const tooLong = tooLongReason(maxLineBytes);
  return new LineSplitter({
    hold: () => 'yes',
    allLines: false,
    pass() {},
    maxLineBytes,
    line(line) {
      if (line.truncated) {
        bus.emit({ type: 'marker.invalid', channel: 'progress-fd', reason: tooLong });
        return true;
      }
      const text = line.bytes.toString('utf8');
      if (text.trim() === '') return true;
      const result = parseMarker(text, true);
      if (result.ok) bus.emit(withTail(result.event, tail));
      else bus.emit({ type: 'marker.invalid', channel: 'progress-fd', reason: result.reason });
      return true;
    },
  });
}

function tooLongReason(maxLineBytes: number): string {
  return maxLineBytes % (1024 * 1024) === 0
    ? `is longer than ${maxLineBytes / (1024 * 1024)} MiB`
    : `is longer than ${maxLineBytes} bytes`;
}

/** The bytes without an incomplete UTF-8 sequence at their end (left there by a cut). */
function wholeUtf8(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back && b < 0xf8 ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

function outputEvent(stream: StreamName, text: string, bytes: Buffer, line: SplitLine) {
  const event: {
    type: 'output'; stream: StreamName; line: string; eol: SplitLine['eol'];
    truncated?: true; bytes?: number; base64?: string;
  } = { type: 'output', stream, line: text, eol: line.eol };
  if (line.truncated) {
    event.truncated = true;
    event.bytes = line.length;
  }
  // U+FFFD may be real text or a replaced invalid byte: only the bytes can tell.
  if (text.includes('\uFFFD') && !Buffer.from(text, 'utf8').equals(bytes)) {
    event.base64 = bytes.toString('base64');
  }
  return event;
}
