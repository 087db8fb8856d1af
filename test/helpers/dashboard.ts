// `prog dashboard` as the tests drive it: started on a free port with a PROG_HOME, its address and
// token read from what it prints, asked over plain node:http (so a test can send any Host header,
// or none, or a malformed one over a raw socket), watched over WebSocket, and stopped with SIGTERM.
// Every dashboard started here is SIGKILLed when the test file's process exits, whatever happened;
// killHome() ends the ones prog run --dashboard started in the background.
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { liveWithEnv } from './procfs.js';
import { progBin, projectRoot, tempDir, testEnv } from './prog.js';
import { scaled } from './time.js';

export interface Reply {
  status: number;
  /** Header names in lower case; a repeated header is an array (set-cookie) or joined by node. */
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** The request that got it, for failure messages. */
  what: string;
}

export interface GetOptions {
  /** The Host header: default `127.0.0.1:PORT`; null sends none. */
  host?: string | null;
  headers?: Record<string, string>;
  method?: string;
  /** Send `Authorization: Bearer TOKEN`. */
  bearer?: boolean;
  /** The address to connect to (default 127.0.0.1). */
  address?: string;
}

export interface Dashboard {
  proc: ChildProcess;
  pid: number;
  home: string;
  port: number;
  token: string;
  /** `http://127.0.0.1:PORT/` */
  url: string;
  stderr(): string;
  /** Every reply this dashboard gave to the tests, raw ones and refused upgrades included. */
  replies: Reply[];
  get(path: string, options?: GetOptions): Promise<Reply>;
  /** GET with the bearer token, expecting 200 and JSON. */
  api(path: string): Promise<any>;
  /** Sends these bytes on a new connection and reads the reply until the server closes it. */
  raw(bytes: string | Buffer, address?: string): Promise<Reply>;
  /** SIGTERM, then waits for the exit (SIGKILL and an error after a scaled deadline). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits for the exit without a signal (SIGKILL and an error after scaled(ms)). */
  waitExit(ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process is still running. */
  alive(): boolean;
}

const running = new Set<ChildProcess>();
let exitHook = false;

function track(proc: ChildProcess): void {
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const p of running) {
      try {
        p.kill('SIGKILL');
      } catch {
        // Gone.
      }
    }
  });
}

/** Polls an async condition every 25 ms until it gives true, for at most scaled(ms). */
export async function until(check: () => Promise<boolean | string> | boolean | string, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + scaled(ms);
  let last: boolean | string = false;
  for (;;) {
    try {
      last = await check();
    } catch (error) {
      last = (error as Error).message;
    }
    if (last === true) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${scaled(ms)} ms waiting for ${what}${typeof last === 'string' ? `: ${last}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const URL_PATTERN = /prog dashboard: (http:\/\/127\.0\.0\.1:(\d+)\/)\?token=([A-Za-z0-9_-]+)/;

export interface StartOptions {
  home?: string;
  /** Arguments after `dashboard` (default `--port 0`). */
  args?: string[];
  env?: Record<string, string | undefined>;
}

/** Starts `prog dashboard --port 0`, waits for its address, and until it answers. */
export async function startDashboard(options: StartOptions = {}): Promise<Dashboard> {
  const home = options.home ?? tempDir('prog-dash-');
  const proc = spawn(process.execPath, [progBin, 'dashboard', ...(options.args ?? ['--port', '0'])], {
    cwd: projectRoot,
    env: testEnv(home, options.env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  track(proc);
  let err = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve((exited = { code, signal })));
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  proc.on('error', () => undefined);
  try {
    await until(() => (exited ? `it exited (${exited.code ?? exited.signal}): ${err}` : URL_PATTERN.test(err)), 20_000, `prog dashboard to print its address (stderr so far: ${JSON.stringify(err)})`);
  } catch (error) {
    proc.kill('SIGKILL');
    throw error;
  }
  if (exited) {
    throw new Error(`prog dashboard exited (${exited.code ?? exited.signal}): ${err}`);
  }
  const m = URL_PATTERN.exec(err)!;
  const port = Number(m[2]);
  const token = m[3]!;
  const replies: Reply[] = [];

  const dashboard: Dashboard = {
    proc,
    pid: proc.pid!,
    home,
    port,
    token,
    url: m[1]!,
    stderr: () => err,
    replies,
    async get(path, o = {}) {
      const reply = await httpGet(port, path, { ...o, headers: { ...(o.bearer ? { Authorization: `Bearer ${token}` } : {}), ...o.headers } });
      replies.push(reply);
      return reply;
    },
    async api(path) {
      const reply = await dashboard.get(path, { bearer: true });
      if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${reply.text.slice(0, 500)}`);
      return JSON.parse(reply.text);
    },
    async raw(bytes, address = '127.0.0.1') {
      const reply = await rawRequest(address, port, bytes);
      replies.push(reply);
      return reply;
    },
    async stop() {
      if (exited) return exited;
      proc.kill('SIGTERM');
      return dashboard.waitExit();
    },
    async waitExit(ms = 15_000) {
      if (exited) return exited;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          proc.kill('SIGKILL');
          reject(new Error(`prog dashboard did not exit within ${scaled(ms)} ms\n${err}`));
        }, scaled(ms));
      });
      try {
        return await Promise.race([exit, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    alive: () => exited === undefined,
  };
  await until(async () => (await dashboard.get('/healthz', { bearer: true })).status === 200 || 'not yet', 20_000, 'the dashboard to answer /healthz');
  return dashboard;
}

/** One request with node:http; `host: null` sends no Host header at all. */
export function httpGet(port: number, path: string, o: GetOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...o.headers };
  const host = o.host === undefined ? `127.0.0.1:${port}` : o.host;
  if (host !== null) headers.Host = host;
  const what = `${o.method ?? 'GET'} ${path} (Host ${JSON.stringify(host)}${Object.keys(o.headers ?? {}).length ? `, ${Object.keys(o.headers!).join(', ')}` : ''})`;
  return new Promise((resolve, reject) => {
    const req = request({ host: o.address ?? '127.0.0.1', port, path, method: o.method ?? 'GET', headers, setHost: false, agent: false, timeout: scaled(20_000) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8'), what });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${what}: no answer in ${scaled(20_000)} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Writes `bytes` on a fresh connection and parses what comes back before the server closes it. */
export function rawRequest(address: string, port: number, bytes: string | Buffer): Promise<Reply> {
  const what = `raw ${JSON.stringify(String(bytes).slice(0, 120))}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`${what}: the server neither answered nor closed in ${scaled(20_000)} ms`)), scaled(20_000));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // A reset after the reply was read is the server closing hard: the reply stands.
      if (chunks.length > 0 && error.code === 'ECONNRESET') resolve(parseRaw(Buffer.concat(chunks), what));
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseRaw(Buffer.concat(chunks), what));
    });
    socket.write(bytes);
  });
}

/** A raw HTTP/1.x reply: status, headers, and the body (de-chunked when it is chunked). */
export function parseRaw(bytes: Buffer, what: string): Reply {
  const end = bytes.indexOf('\r\n\r\n');
  const head = (end < 0 ? bytes : bytes.subarray(0, end)).toString('latin1');
  let body = end < 0 ? Buffer.alloc(0) : bytes.subarray(end + 4);
  const lines = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: IncomingHttpHeaders = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status, headers, body, text: body.toString('utf8'), what };
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const eol = bytes.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(bytes.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(bytes.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export interface Handshake {
  /** 101 when upgraded, else the refusal's status (0 when the connection failed without one). */
  status: number;
  headers: IncomingHttpHeaders;
  socket?: WebSocket;
}

/** Tries a WebSocket upgrade; resolves with the status the server answered. */
export function handshake(url: string, headers: Record<string, string>): Promise<Handshake> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: scaled(20_000), perMessageDeflate: false });
    let done = false;
    const finish = (h: Handshake) => {
      if (!done) {
        done = true;
        resolve(h);
      }
    };
    ws.on('upgrade', (res) => finish({ status: res.statusCode ?? 0, headers: res.headers, socket: ws }));
    ws.on('unexpected-response', (req, res) => {
      res.resume();
      finish({ status: res.statusCode ?? 0, headers: res.headers });
      req.destroy();
    });
    ws.on('error', () => finish({ status: 0, headers: {} }));
  });
}

export interface WsMessage {
  /** Milliseconds (performance.now()) when it arrived. */
  receivedMs: number;
  data: any;
}

export interface Watch {
  ws: WebSocket;
  messages: WsMessage[];
  closed: boolean;
  /** Waits until a message satisfies `ok` (or the socket closes first: an error). */
  waitFor(ok: (messages: WsMessage[]) => boolean, ms: number, what: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens /ws?… with the token as a bearer and the dashboard's own Origin, collecting every message. */
export function watch(d: Dashboard, query: string): Promise<Watch> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${d.port}/ws?${query}`, {
      headers: { Origin: `http://127.0.0.1:${d.port}`, Authorization: `Bearer ${d.token}` },
      handshakeTimeout: scaled(30_000),
      perMessageDeflate: false,
    });
    const w: Watch = {
      ws,
      messages: [],
      closed: false,
      waitFor: (ok, ms, what) => until(() => ok(w.messages) || (w.closed ? `the socket closed after ${w.messages.length} messages` : `${w.messages.length} messages so far`), ms, what),
      close: () => new Promise<void>((done) => {
        if (w.closed) return done();
        ws.once('close', () => done());
        ws.close();
        setTimeout(() => {
          ws.terminate();
          done();
        }, scaled(5000)).unref();
      }),
    };
    ws.on('message', (data) => w.messages.push({ receivedMs: performance.now(), data: JSON.parse(String(data)) }));
    ws.on('close', () => (w.closed = true));
    ws.once('open', () => resolve(w));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`/ws?${query}: refused with ${res.statusCode}`)));
    ws.on('error', (error) => reject(error));
  });
}

/**
 * Every process whose environment says PROG_HOME=home (prog runs, and the dashboards prog run
 * --dashboard left in the background): SIGTERM, then SIGKILL for those still there after a while.
 */
export async function killHome(home: string): Promise<void> {
  const left = () => liveWithEnv('PROG_HOME', home).filter((p) => p.pid !== process.pid);
  for (const p of left()) {
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {
      // Gone.
    }
  }
  try {
    await until(() => left().length === 0 || left().map((p) => `${p.pid} ${p.comm}`).join(', '), 5000, `the processes of ${home} to end`);
  } catch {
    for (const p of left()) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
  }
}

/** Header names that would open the dashboard to other origins. */
export function corsHeaders(reply: Reply): string[] {
  return Object.keys(reply.headers).filter((name) => name.startsWith('access-control-'));
}
