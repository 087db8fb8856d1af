// Turns a child's byte stream into passthrough bytes and events: markers are consumed,
// everything else is output. The only place that reads what the child printed.
import type { EventBus } from '../event-bus.js';
import type { StreamName } from '../events.js';
import { LineSplitter, type SplitLine } from '../lines/line-splitter.js';
import { markerVerdict, parseMarker } from './marker.js';

export interface RouterOptions {
  bus: EventBus;
  /** Emit an `output` event per line (the JSON view wants them; plain mode does not pay for them). */
  outputEvents: boolean;
  /** Where the bytes the user should see go; markers never reach it. */
  pass(bytes: Buffer): void;
}

/** A splitter for stdout or stderr: markers may arrive there, mixed with ordinary output. */
export function routeOutput(stream: StreamName, options: RouterOptions): LineSplitter {
  const { bus, outputEvents } = options;
  return new LineSplitter({
    hold: markerVerdict,
    allLines: outputEvents,
    pass: options.pass,
    line(line) {
      const text = line.bytes.toString('utf8');
      if (line.candidate) {
        const reason = line.truncated ? 'is longer than 1 MiB' : undefined;
        const result = reason === undefined ? parseMarker(text) : { ok: false as const, reason };
        if (result.ok) {
          bus.emit(result.event);
          return true;
        }
        bus.emit({ type: 'marker.invalid', channel: stream, reason: result.reason });
      }
      if (outputEvents) bus.emit(outputEvent(stream, text, line));
      return false;
    },
  });
}

/** A splitter for the marker-only channel (PROG_PROGRESS_FD): every line is a marker, none is shown. */
export function routeProgressFd(bus: EventBus): LineSplitter {
  return new LineSplitter({
    hold: () => 'yes',
    allLines: false,
    pass() {},
    line(line) {
      if (line.truncated) {
        bus.emit({ type: 'marker.invalid', channel: 'progress-fd', reason: 'is longer than 1 MiB' });
        return true;
      }
      const text = line.bytes.toString('utf8');
      if (text.trim() === '') return true;
      const result = parseMarker(text, true);
      if (result.ok) bus.emit(result.event);
      else bus.emit({ type: 'marker.invalid', channel: 'progress-fd', reason: result.reason });
      return true;
    },
  });
}

function outputEvent(stream: StreamName, text: string, line: SplitLine) {
  const event: {
    type: 'output'; stream: StreamName; line: string; eol: SplitLine['eol'];
    truncated?: true; bytes?: number; base64?: string;
  } = { type: 'output', stream, line: text, eol: line.eol };
  if (line.truncated) {
    event.truncated = true;
    event.bytes = line.length;
  }
  // U+FFFD may be real text or a replaced invalid byte: only the bytes can tell.
  if (text.includes('\uFFFD') && !Buffer.from(text, 'utf8').equals(line.bytes)) {
    event.base64 = line.bytes.toString('base64');
  }
  return event;
}
