// The wire between `prog run --format tui`'s two processes: the one in the terminal (relay.ts), which
// owns the keyboard and the screen, and the prog recording the run in the background, which draws
// the TUI from its own model (remote-tui.ts). It is a socket pair (the recorder's fd 3), so the TUI
// costs one frame's bytes a frame, not a second reading of every event. Each message is a type
// byte, a 32-bit length and its payload. When the recorder exits the socket closes, and run.json
// says how the command ended.

export type ChannelMessage =
  /** Recorder → terminal: bytes for the screen, as a terminal takes them. */
  | { kind: 'out'; bytes: Buffer }
  /** Terminal → recorder: what was typed, raw. */
  | { kind: 'keys'; bytes: Buffer }
  /** Terminal → recorder: the screen's size, first thing and on every resize. */
  | { kind: 'size'; columns: number; rows: number }
  /** Recorder → terminal: one of its warnings, for the terminal's stderr once the TUI is off the screen. */
  | { kind: 'warn'; text: string }
  /** Recorder → terminal: `q` — the screen is given back (the bytes before this); the run goes on. */
  | { kind: 'leave' }
  /**
   * Recorder → terminal: the run is over, the screen given back and the summary written (the bytes
   * before this). The recorder may still be exporting; its exit closes the socket.
   */
  | { kind: 'done' };

const KINDS = ['out', 'keys', 'size', 'leave', 'done', 'warn'] as const;
const HEADER = 5;
/** Larger than any frame or key burst; more is damage, and the channel is given up. */
const MAX_MESSAGE = 16 * 1024 * 1024;

export function encode(message: ChannelMessage): Buffer {
  let payload: Buffer;
  switch (message.kind) {
    case 'out':
    case 'keys':
      payload = message.bytes;
      break;
    case 'size':
      payload = Buffer.from(JSON.stringify({ columns: message.columns, rows: message.rows }));
      break;
    case 'warn':
      payload = Buffer.from(message.text);
      break;
    case 'leave':
    case 'done':
      payload = Buffer.alloc(0);
      break;
  }
  const header = Buffer.allocUnsafe(HEADER);
  header[0] = KINDS.indexOf(message.kind);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** Whole messages out of a byte stream that may split them anywhere. */
export class ChannelDecoder {
  #pending: Buffer = Buffer.alloc(0);

  /** The messages completed by `chunk`; throws on bytes that are not this protocol. */
  push(chunk: Buffer): ChannelMessage[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const messages: ChannelMessage[] = [];
    while (this.#pending.length >= HEADER) {
      const kind = KINDS[this.#pending[0]!];
      const length = this.#pending.readUInt32BE(1);
      if (kind === undefined || length > MAX_MESSAGE) throw new Error('the TUI channel carried bytes that are not prog\'s');
      if (this.#pending.length < HEADER + length) break;
      const payload = this.#pending.subarray(HEADER, HEADER + length);
      this.#pending = this.#pending.subarray(HEADER + length);
      messages.push(decode(kind, payload));
    }
    return messages;
  }
}

function decode(kind: (typeof KINDS)[number], payload: Buffer): ChannelMessage {
  switch (kind) {
    case 'out':
    case 'keys':
      return { kind, bytes: Buffer.from(payload) };
    case 'size': {
      const { columns, rows } = JSON.parse(payload.toString('utf8')) as { columns: unknown; rows: unknown };
      return { kind, columns: whole(columns, 80), rows: whole(rows, 24) };
    }
    case 'warn':
      return { kind, text: payload.toString('utf8') };
    case 'leave':
    case 'done':
      return { kind };
  }
}

function whole(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 100_000 ? value : fallback;
}
