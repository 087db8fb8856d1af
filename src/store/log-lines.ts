// A recorded run as log lines: the command's output split into lines the way `prog run` split it
// (markers dropped: the view never showed them), and the `log` events of markers, in order.
import type { LogEvent, LogLevel, StreamName } from '../events.js';
import { LineSplitter, type SplitLine } from '../lines/line-splitter.js';
import { markerVerdict, parseMarker } from '../parsers/marker.js';
import type { RunEntry } from './run-reader.js';

export type LogLine =
  | {
    kind: 'output'; t: number; stream: StreamName; line: string;
    /** The line was longer than the parse cap (1 MiB): `line` is its start, `bytes` its full length. */
    truncated?: true; bytes?: number;
  }
  | { kind: 'log'; t: number; level: LogLevel; source?: string; message: string };

type LogFields = Pick<LogEvent, 'level' | 'source' | 'message'>;

export class LogLines {
  #found: LogLine[] = [];
  /**
   * `log` markers met in the output, already listed at their line. A chunk is recorded before the
   * events its markers make, so listing them there keeps them among the lines around them; their
   * events, coming next, are then skipped. Markers from the progress fd have no line: their events count.
   */
  #echoes: LogFields[] = [];
  readonly #streams = { stdout: this.#stream('stdout'), stderr: this.#stream('stderr') };

  /** The lines completed by these entries; a line with no end yet waits for more (or end()). */
  take(entries: RunEntry[]): LogLine[] {
    for (const entry of entries) {
      if (entry.kind === 'output') {
        const stream = this.#streams[entry.stream];
        stream.t = entry.t;
        stream.splitter.push(entry.bytes);
      } else if (entry.event.type === 'log') {
        const echo = this.#echoes[0];
        if (echo && sameLog(echo, entry.event)) this.#echoes.shift();
        else this.#log(entry.event.t, entry.event);
      }
    }
    return this.#drain();
  }

  /** The run has ended: a partial last line of each stream is a line of its own. */
  end(): LogLine[] {
    this.#streams.stdout.splitter.end();
    this.#streams.stderr.splitter.end();
    return this.#drain();
  }

  #log(t: number, { level, source, message }: LogFields): void {
    this.#found.push({ kind: 'log', t, level, ...(source === undefined ? {} : { source }), message });
  }

  #drain(): LogLine[] {
    const found = this.#found;
    this.#found = [];
    return found;
  }

  #stream(name: StreamName): { t: number; splitter: LineSplitter } {
    let afterCr = false;
    const state = {
      /** When the chunk being split was recorded: the time of the lines it completes. */
      t: 0,
      splitter: new LineSplitter({
        hold: markerVerdict,
        allLines: true,
        pass: () => undefined,
        line: (line: SplitLine) => {
          const text = line.bytes.toString('utf8');
          const marker = line.candidate && !line.truncated ? parseMarker(text) : undefined;
          if (marker?.ok) {
            if (marker.event.type === 'log') {
              this.#log(state.t, marker.event);
              this.#echoes.push(marker.event);
            }
            return true;
          }
          // `\r` ends a redraw (progress bars); the empty pieces around redraws are not blank lines.
          const redraw = line.eol === '\r' || afterCr;
          afterCr = line.eol === '\r';
          if (text === '' && redraw) return false;
          this.#found.push({
            kind: 'output', t: state.t, stream: name, line: text,
            ...(line.truncated ? { truncated: true as const, bytes: line.length } : {}),
          });
          return false;
        },
      }),
    };
    return state;
  }
}

function sameLog(a: LogFields, b: LogFields): boolean {
  return a.level === b.level && a.source === b.source && a.message === b.message;
}
