// The dashboard's HTTP server: every request passes the guard (Host, then token) before anything
// is read; then the page's files, the JSON API, the raw logs, /metrics, and the WebSocket upgrade.
// Only GET (and HEAD) exist: nothing here changes a run.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerApi } from './api.js';
import { hostAllowed, presentedToken, refuse, securityHeaders, sessionCookie, tokenValid, type Guard } from './guard.js';
import { LiveUpdates, UPDATES_PER_SECOND } from './live.js';
import { METRICS_CONTENT_TYPE, metricsText } from './metrics.js';
import { RunIndex } from './run-index.js';

/** The page's files, built with prog (scripts/bundle.js), beside the bundle. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/uplot.css': { file: 'uplot.css', type: 'text/css; charset=utf-8' },
};

export function assetDir(): string {
  return fileURLToPath(new URL('./dashboard/', import.meta.url));
}

export interface DashboardServer {
  server: Server;
  index: RunIndex;
  live: LiveUpdates;
  close(): Promise<void>;
}

export function dashboardServer(stateRoot: string, guard: Guard): DashboardServer {
  const index = new RunIndex(stateRoot);
  const live = new LiveUpdates(index, guard);
  const assets = new Map<string, Buffer>();
  const server = createServer((request, response) => {
    try {
      handle(request, response);
    } catch (error) {
      // One bad request (a run dir that vanished mid-read) is its own 500, never the server's end.
      if (!response.headersSent) refuse(response, guard, 500, `prog dashboard: ${(error as Error).message}`);
      else response.destroy();
    }
  });
  server.on('upgrade', (request, socket, head) => live.upgrade(request, socket, head));
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  // Followed runs are read, and pages updated, on one clock.
  const timer = setInterval(() => {
    try {
      index.poll();
      live.tick();
    } catch (error) {
      // A run that cannot be read (its run.json made unreadable) costs its updates, not the dashboard.
      if (!warned) process.stderr.write(`prog dashboard: warning: ${(error as Error).message}\n`);
      warned = true;
    }
  }, 1000 / UPDATES_PER_SECOND);
  let warned = false;

  function handle(request: IncomingMessage, response: ServerResponse): void {
    if (!hostAllowed(guard, request)) return refuse(response, guard, 421, 'prog dashboard: this address is not one the dashboard answers to');
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://dashboard');
    } catch {
      return refuse(response, guard, 400, 'prog dashboard: a malformed address');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, guard, 405, 'prog dashboard: only GET');
    const token = presentedToken(request, url);
    if (!tokenValid(guard, token)) return refuse(response, guard, 401, 'prog dashboard: open the address prog dashboard printed (it carries the token), or send Authorization: Bearer <token>');
    // The token in the address becomes a cookie, and the address loses it (history, screenshots).
    if (url.searchParams.has('token')) {
      url.searchParams.delete('token');
      response.writeHead(303, { ...securityHeaders(guard), 'Set-Cookie': sessionCookie(guard), Location: url.pathname + url.search });
      response.end();
      return;
    }
    const path = url.pathname;
    if (path.startsWith('/api/')) {
      const answer = answerApi(path.slice(5), url.searchParams, index);
      return send(response, answer.status, 'application/json; charset=utf-8', JSON.stringify(answer.body));
    }
    if (path === '/metrics') return send(response, 200, METRICS_CONTENT_TYPE, metricsText(index.running(), stateRoot));
    if (path === '/healthz') return send(response, 200, 'application/json; charset=utf-8', JSON.stringify({ version: 1, ok: true, pid: process.pid, stateDir: stateRoot }));
    const raw = /^\/raw\/([\w-]{1,64})\/(stdout|stderr)\.log$/.exec(path);
    if (raw) return rawLog(response, raw[1]!, raw[2]!);
    const asset = ASSETS[path];
    if (asset) return send(response, 200, asset.type, assetBytes(asset.file));
    return refuse(response, guard, 404, 'prog dashboard: nothing here');
  }

  function assetBytes(file: string): Buffer {
    let bytes = assets.get(file);
    if (!bytes) assets.set(file, (bytes = readFileSync(join(assetDir(), file))));
    return bytes;
  }

  function rawLog(response: ServerResponse, id: string, stream: string): void {
    const feed = index.feed(id);
    if (!feed) return refuse(response, guard, 404, `prog dashboard: no run ${id}`);
    const file = join(feed.dir, `${stream}.log`);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return refuse(response, guard, 404, `prog dashboard: run ${id} has no ${stream}.log`);
    }
    // The bytes as written, as text: nosniff and the CSP keep a browser from running any of it.
    response.writeHead(200, { ...securityHeaders(guard), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(size) });
    createReadStream(file, { start: 0, end: Math.max(0, size - 1) }).pipe(response);
  }

  function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
    response.writeHead(status, { ...securityHeaders(guard), 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) });
    response.end(response.req.method === 'HEAD' ? undefined : body);
  }

  return {
    server, index, live,
    close: () => new Promise<void>((resolve) => {
      clearInterval(timer);
      live.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
