// The dashboard's WebSockets (docs/dashboard.md, /ws): a page watching a run gets its snapshot, then
// at most 10 updates a second, each carrying what the feed took since the one before; a page on the
// runs list gets the list when it changes. One message per run per tick is built once and sent to
// every page at that point of the feed. A page that cannot keep up is dropped (it reconnects and
// resumes from the last `at` it saw), so one slow browser never holds the others or memory.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { RunFeed } from './feed.js';
import { hostAllowed, originAllowed, presentedToken, tokenValid, type Guard } from './guard.js';
import type { RunMessage, RunsMessage } from './protocol.js';
import type { RunIndex, RunSummary } from './run-index.js';

/** Updates per second per page, at most. */
export const UPDATES_PER_SECOND = 10;
/** The runs list is sent at most this often. */
const RUNS_EVERY_MS = 1000;
/** A page with this much unsent is too slow: it is dropped and will resume. */
const MAX_BUFFERED = 8 * 1024 * 1024;
/** Pages connected at most. */
const MAX_CLIENTS = 200;

interface Watcher {
  socket: WebSocket;
  /** The last feed number this page has been sent. */
  at: number;
}

export class LiveUpdates {
  readonly #server: WebSocketServer;
  readonly #index: RunIndex;
  readonly #guard: Guard;
  readonly #watchers = new Map<string, Set<Watcher>>();
  readonly #listWatchers = new Set<WebSocket>();
  #lastList = '';
  #lastListMs = 0;

  constructor(index: RunIndex, guard: Guard) {
    this.#index = index;
    this.#guard = guard;
    this.#server = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  }

  get clients(): number {
    return this.#server.clients.size;
  }

  /** The HTTP upgrade: refused (403, socket closed) unless Host, Origin and token are right. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://dashboard');
    } catch {
      return deny(socket, 400);
    }
    if (!hostAllowed(this.#guard, request)) return deny(socket, 421);
    if (!originAllowed(this.#guard, request) || !tokenValid(this.#guard, presentedToken(request, url))) return deny(socket, 403);
    if (url.pathname !== '/ws') return deny(socket, 404);
    if (this.#server.clients.size >= MAX_CLIENTS) return deny(socket, 503);
    const run = url.searchParams.get('run');
    const after = url.searchParams.get('after');
    const feed = run === null ? undefined : this.#index.feed(run);
    if (run !== null && !feed) return deny(socket, 404);
    this.#server.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      // Pages only listen; anything they send is ignored (maxPayload bounds it).
      if (!feed) return this.#watchList(ws);
      this.#watchRun(ws, feed, after !== null && /^\d{1,16}$/.test(after) ? Number(after) : undefined);
    });
  }

  #watchRun(socket: WebSocket, feed: RunFeed, after: number | undefined): void {
    const run = this.#index.summaryOf(feed.id);
    // Removed (pruned) between the upgrade and now: nothing to watch.
    if (!run) return socket.close(1011, 'the run is gone');
    const watcher: Watcher = { socket, at: feed.at };
    const delta = after === undefined ? undefined : feed.since(after);
    send(socket, message({ type: 'snapshot', at: feed.at, run, snapshot: feed.snapshot(), ...(delta?.gap ? { gap: delta.gap } : {}) }));
    // Resuming: exactly what came after the last number the page saw.
    if (delta && after! < feed.at) send(socket, message({ type: 'update', from: after!, at: feed.at, run, snapshot: feed.snapshot(), ...withoutGap(delta) }));
    // The exit event comes before the final run.json: `end` waits until the record says so too.
    if (feed.ended && run?.state !== 'running') {
      send(socket, message({ type: 'end', at: feed.at, run }));
      return;
    }
    let set = this.#watchers.get(feed.id);
    if (!set) this.#watchers.set(feed.id, (set = new Set()));
    set.add(watcher);
    socket.on('close', () => {
      set.delete(watcher);
      if (set.size === 0) this.#watchers.delete(feed.id);
    });
  }

  #watchList(socket: WebSocket): void {
    this.#listWatchers.add(socket);
    socket.on('close', () => this.#listWatchers.delete(socket));
    send(socket, JSON.stringify({ type: 'runs', runs: this.#index.list(100) } satisfies RunsMessage));
  }

  /** One tick (every 1/UPDATES_PER_SECOND s): what each watched run took since its last update. */
  tick(): void {
    for (const [id, watchers] of this.#watchers) {
      const feed = this.#index.feed(id);
      if (!feed) continue;
      // Nothing new for anyone: no snapshot, no record read.
      if (!feed.ended && [...watchers].every((w) => w.at === feed.at)) continue;
      const messages = new Map<number, string>();
      const run = this.#index.summaryOf(id);
      if (!run) {
        // Its directory was removed (pruned) while pages watched it.
        for (const watcher of watchers) watcher.socket.close(1011, 'the run is gone');
        this.#watchers.delete(id);
        continue;
      }
      const snapshot = feed.snapshot();
      for (const watcher of watchers) {
        if (watcher.socket.bufferedAmount > MAX_BUFFERED) {
          watcher.socket.terminate();
          continue;
        }
        if (watcher.at < feed.at) {
          let text = messages.get(watcher.at);
          if (text === undefined) {
            text = message({ type: 'update', from: watcher.at, at: feed.at, run, snapshot, ...withoutGap(feed.since(watcher.at)) });
            messages.set(watcher.at, text);
          }
          send(watcher.socket, text);
          watcher.at = feed.at;
        }
        if (feed.ended && run?.state !== 'running') {
          send(watcher.socket, message({ type: 'end', at: feed.at, run }));
          watchers.delete(watcher);
        }
      }
      if (watchers.size === 0) this.#watchers.delete(id);
    }
    this.#tickList();
  }

  #tickList(): void {
    if (this.#listWatchers.size === 0 || Date.now() - this.#lastListMs < RUNS_EVERY_MS) return;
    this.#lastListMs = Date.now();
    const runs: RunSummary[] = this.#index.list(100);
    // Elapsed times move every second; the list is sent when anything else moved too, or each 5 s.
    const text = JSON.stringify({ type: 'runs', runs });
    const shape = JSON.stringify(runs.map(({ elapsedMs: _e, ...rest }) => rest));
    if (shape === this.#lastList && Date.now() % 5000 >= RUNS_EVERY_MS) return;
    this.#lastList = shape;
    for (const socket of this.#listWatchers) send(socket, text);
  }

  close(): void {
    for (const client of this.#server.clients) client.terminate();
    this.#server.close();
  }
}

/** A run's message, as protocol.ts types it. */
function message(m: RunMessage): string {
  return JSON.stringify(m);
}

function send(socket: WebSocket, text: string): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(text);
}

function withoutGap<T extends { gap?: unknown }>(delta: T): Omit<T, 'gap'> {
  const { gap: _gap, ...rest } = delta;
  return rest;
}

function deny(socket: Duplex, status: number): void {
  const reason = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 421: 'Misdirected Request', 503: 'Service Unavailable' }[status] ?? 'Error';
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
