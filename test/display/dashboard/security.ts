// The dashboard's locks (docs/dashboard.md, Security; research/reliability.md §3.2 and acceptance
// checks 14–17 and 19): it listens on loopback only; a Host that is not exactly one of its own
// names gets 421 and no data (DNS rebinding), however malformed; the token is needed on every
// route (bearer, or ?token= once for an HttpOnly SameSite=Strict cookie); a WebSocket's Origin must
// be the dashboard's own; no CORS header ever; the security headers on every response; escapes in
// marker text reach the API as JSON text. One dashboard serves the whole file; it is stopped with
// SIGTERM at the end (and SIGKILLed at exit whatever happened).
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { corsHeaders, handshake, startDashboard, type Dashboard, type Reply } from '../../helpers/dashboard.js';
import { runProg, tempDir } from '../../helpers/prog.js';
import { child, marker } from '../../helpers/runs.js';
import { onPath } from '../../helpers/tools.js';
import { scaled } from '../../helpers/time.js';

/** Check 19's label: OSC title, BEL, clear screen, a C1 CSI and a right-to-left override. */
const EVIL = '\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e';

let d: Dashboard;
let runId = '';
/** What the command wrote on stdout, byte for byte. */
let printed: Buffer;

test.before(async () => {
  const home = tempDir('prog-dash-sec-');
  const out = `plain line\n${EVIL}tail\n`;
  const steps = [
    { o: marker({ type: 'phase', id: 'p', name: `phase ${EVIL}`, total: 1 }) },
    { o: marker({ type: 'item.start', phase: 'p', id: `item ${EVIL}`, agent: 'a1' }) },
    { o: out },
    { o: marker({ type: 'log', level: 'warn', source: 'a1', message: `log ${EVIL}` }) },
    { o: marker({ type: 'item.done', phase: 'p', id: `item ${EVIL}`, agent: 'a1' }) },
  ];
  // stdout.log keeps every byte the command wrote, its markers too; the terminal gets them without.
  printed = Buffer.from(steps.map((s) => s.o).join(''));
  const r = await runProg(['run', '--format', 'none', '--', ...child(steps)], { home });
  assert.is(r.code, 0, r.stderr.toString());
  assert.ok(r.stdout.equals(Buffer.from(out)), 'the run passed its output through unchanged');
  runId = JSON.parse(readFileSync(join(home, 'history.ndjson'), 'utf8').trim().split('\n')[0]!).id;
  d = await startDashboard({ home });
});

test.after(async () => {
  if (d) {
    const end = await d.stop();
    assert.is(end.code, 0, `prog dashboard ended ${end.code ?? end.signal} on SIGTERM\n${d.stderr()}`);
  }
});

/** A refusal says so in a line of text and gives nothing of the runs or the token away. */
function noData(reply: Reply): void {
  assert.not.ok(reply.text.includes(d.token), `${reply.what}: the body holds the token`);
  assert.not.ok(reply.text.includes(runId), `${reply.what}: the body names a run`);
  assert.not.ok(reply.text.trimStart().startsWith('{'), `${reply.what}: the body is JSON: ${reply.text.slice(0, 200)}`);
  assert.ok(reply.body.length < 300, `${reply.what}: a ${reply.body.length}-byte body`);
}

async function stillServes(): Promise<void> {
  assert.ok(d.alive(), 'the dashboard is still running');
  const ok = await d.get('/api/runs', { bearer: true });
  assert.is(ok.status, 200, ok.text);
  assert.is(JSON.parse(ok.text).runs[0].id, runId);
}

// --- check 14: loopback only ------------------------------------------------------------------

/** /proc/net/tcp{,6} address `0100007F:1F90` as `127.0.0.1` and the port. */
function decode(hex: string): { address: string; port: number } {
  const [addr, port] = hex.split(':') as [string, string];
  if (addr.length === 8) {
    const bytes = Buffer.from(addr, 'hex');
    return { address: [...bytes].reverse().join('.'), port: parseInt(port, 16) };
  }
  // Four 32-bit words, each little-endian.
  const words = [0, 8, 16, 24].map((i) => Buffer.from(addr.slice(i, i + 8), 'hex').reverse().toString('hex'));
  const groups = words.join('').match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ''));
  const text = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return { address: text, port: parseInt(port, 16) };
}

/** The listening TCP sockets process `pid` holds. */
function listeningOf(pid: number): { address: string; port: number }[] {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    // Gone: no sockets.
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // Closed meanwhile.
    }
  }
  const found: { address: string; port: number }[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]!)) found.push(decode(f[1]!));
    }
  }
  return found;
}

function connects(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, scaled(5000));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code ?? error.message);
    });
  });
}

test('check 14: it listens on 127.0.0.1 (and ::1) only; a non-loopback address of this machine does not reach it', async () => {
  const sockets = listeningOf(d.pid);
  assert.ok(sockets.length > 0, `no listening socket of pid ${d.pid} in /proc/net/tcp{,6}`);
  for (const s of sockets) {
    assert.ok(s.address === '127.0.0.1' || s.address === '::1', `pid ${d.pid} listens on ${s.address}:${s.port}`);
    assert.is(s.port, d.port);
  }
  assert.ok(sockets.some((s) => s.address === '127.0.0.1'), `not on 127.0.0.1: ${JSON.stringify(sockets)}`);
  // ss, where the machine has it, says the same.
  if (onPath('ss')) {
    const ss = spawnSync('ss', ['-ltn'], { encoding: 'utf8' });
    const locals = String(ss.stdout ?? '').split('\n').map((l) => l.trim().split(/\s+/)[3]).filter((a): a is string => a !== undefined && a.endsWith(`:${d.port}`));
    assert.ok(ss.status !== 0 || locals.length > 0, `ss -ltn does not show port ${d.port}:\n${ss.stdout}`);
    for (const local of locals) assert.ok(local === `127.0.0.1:${d.port}` || local === `[::1]:${d.port}`, `ss -ltn shows ${local}`);
  }
  // Another loopback address, and every address other machines reach this one by, are refused.
  const others = Object.entries(networkInterfaces()).flatMap(([name, list]) =>
    (list ?? []).filter((a) => !a.internal).map((a) => (a.family === 'IPv6' && a.address.startsWith('fe80') ? `${a.address}%${name}` : a.address)));
  for (const host of ['127.0.0.2', ...others]) {
    const result = await connects(host, d.port);
    assert.is.not(result, 'connected', `a connection to ${host}:${d.port} was accepted`);
  }
  assert.is(await connects('127.0.0.1', d.port), 'connected');
});

// --- check 15: the Host allow-list ----------------------------------------------------------

test('check 15: Host names that are not exactly the dashboard\'s get 421 and no data, with a valid token', async () => {
  const p = d.port;
  const bad = [
    `evil.example:${p}`, `127.0.0.1.nip.io:${p}`, `localhost6:${p}`, `2130706433:${p}`, `0177.0.0.1:${p}`, '[::1',
    `127.0.0.1:${p}.`, `localhost.:${p}`, `127.0.0.1.:${p}`, `0x7f000001:${p}`, `0x7f.0.0.1:${p}`, `127.1:${p}`, `127.0.0.2:${p}`,
    `[::ffff:127.0.0.1]:${p}`, `[0:0:0:0:0:0:0:1]:${p}`, `foo.localhost:${p}`, `localhost.localdomain:${p}`, `ip6-localhost:${p}`,
    `127.0.0.1:${p + 1}`, `127.0.0.1:0${p}`, '127.0.0.1', 'localhost', `[::1]`, `localhost:${p}@evil.example`, `evil.example/localhost:${p}`,
    `localhost:${p}:${p}`, `localhost:${p} evil.example`, `127.0.0.1:${p}/`, ':'+p, '', `0.0.0.0:${p}`, `[::]:${p}`,
  ];
  for (const host of bad) {
    const r = await d.get('/api/runs', { host, bearer: true });
    assert.ok(r.status === 421 || r.status === 400, `${r.what}: ${r.status} ${r.text.slice(0, 200)}`);
    noData(r);
  }
  // No Host at all: HTTP/1.0 reaches the dashboard's check; HTTP/1.1 is refused by the parser.
  for (const version of ['1.0', '1.1']) {
    const r = await d.raw(`GET /api/runs HTTP/${version}\r\nAuthorization: Bearer ${d.token}\r\nConnection: close\r\n\r\n`);
    assert.ok(r.status === 421 || r.status === 400, `HTTP/${version} without Host: ${r.status} ${r.text}`);
    noData(r);
  }
  // Two Host headers, one right: not one exact name.
  const twice = await d.raw(`GET /api/runs HTTP/1.1\r\nHost: evil.example:${p}\r\nHost: 127.0.0.1:${p}\r\nAuthorization: Bearer ${d.token}\r\nConnection: close\r\n\r\n`);
  assert.ok(twice.status === 421 || twice.status === 400, `two Hosts: ${twice.status}`);
  noData(twice);
  for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`]) {
    const r = await d.get('/api/runs', { host, bearer: true });
    assert.is(r.status, 200, `${r.what}: ${r.text.slice(0, 200)}`);
    assert.is(JSON.parse(r.text).runs[0].id, runId);
  }
  await stillServes();
});

/** A small seeded generator, so a failure can be repeated (the seed is in the message). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('check 15: 1,000 random garbage Host headers: each 421 or 400 with no data, and the dashboard serves on', async () => {
  const seed = randomBytes(4).readUInt32LE(0);
  const random = prng(seed);
  const p = d.port;
  const allowed = new Set([`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`]);
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  const bytes = (n: number, lo: number, hi: number) => Buffer.from(Array.from({ length: n }, () => lo + Math.floor(random() * (hi - lo + 1))));
  const hosts: Buffer[] = [];
  while (hosts.length < 1000) {
    const n = 1 + Math.floor(random() * 80);
    const kind = hosts.length % 5;
    let host: Buffer;
    if (kind === 0) host = bytes(n, 0x21, 0x7e); // printable ASCII
    else if (kind === 1) host = bytes(n, 0x00, 0xff).filter((b) => b !== 0x0d && b !== 0x0a) as Buffer; // any byte but CR LF
    else if (kind === 2) host = Buffer.concat([Buffer.from(pick([...allowed])), bytes(1 + Math.floor(random() * 8), 0x20, 0xff).filter((b) => b !== 0x0d && b !== 0x0a) as Buffer]);
    else if (kind === 3) host = Buffer.concat([bytes(1 + Math.floor(random() * 8), 0x21, 0xff), Buffer.from(pick([...allowed]))]);
    else host = Buffer.from(`${pick(['[', '[::1', '127.0.0.1', 'localhost', '%', '\\', '::', '0x', '1'.repeat(40)])}${pick([':', ']:', '%00', '..', ''])}${pick([String(p), '', '-1', '99999999999999999999', String(p) + '.'])}`);
    const text = host.toString('latin1').replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase();
    if (allowed.has(text)) continue;
    hosts.push(host);
  }
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const host = hosts[next++]!;
      const request = Buffer.concat([Buffer.from('GET /api/runs HTTP/1.1\r\nHost: '), host, Buffer.from(`\r\nAuthorization: Bearer ${d.token}\r\nConnection: close\r\n\r\n`)]);
      const r = await d.raw(request);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      assert.ok(r.status === 421 || r.status === 400, `seed ${seed}: Host ${JSON.stringify(host.toString('latin1'))} got ${r.status} ${r.text.slice(0, 200)}`);
      noData(r);
    }
  };
  await Promise.all(Array.from({ length: 12 }, worker));
  assert.is([...statuses.values()].reduce((a, b) => a + b, 0), 1000);
  await stillServes();
});

// --- check 16: the token ------------------------------------------------------------------

/** A token of the same length and alphabet that is not the token. */
function wrongToken(): string {
  let wrong = d.token;
  while (wrong === d.token) wrong = randomBytes(32).toString('base64url').slice(0, d.token.length);
  assert.is(wrong.length, d.token.length);
  return wrong;
}

test('check 16: without the token, or with a wrong one of the right length, every route is 401 and gives nothing', async () => {
  const wrong = wrongToken();
  const routes = ['/api/runs', `/api/progress?run=${runId}`, `/api/logs?run=${runId}`, `/api/timeline?run=${runId}`, `/api/series?run=${runId}`, '/api/history', '/metrics', '/healthz', `/raw/${runId}/stdout.log`, '/', '/app.js'];
  for (const path of routes) {
    for (const headers of <Record<string, string>[]>[{}, { Authorization: `Bearer ${wrong}` }, { Cookie: `prog_dashboard=${wrong}` }, { Authorization: `Bearer ${d.token}x` }, { Authorization: `Basic ${Buffer.from(`x:${d.token}`).toString('base64')}` }]) {
      const r = await d.get(path, { headers });
      assert.is(r.status, 401, `${r.what}: ${r.status}`);
      noData(r);
    }
    const q = await d.get(`${path}${path.includes('?') ? '&' : '?'}token=${wrong}`);
    assert.is(q.status, 401, `${q.what}: ${q.status}`);
    assert.is(q.headers['set-cookie'], undefined, 'no cookie for a wrong token');
  }
});

test('check 16: an OPTIONS preflight from another origin gets no Access-Control-Allow-* header (and no 2xx)', async () => {
  for (const headers of <Record<string, string>[]>[
    { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'GET', Authorization: `Bearer ${d.token}` },
    { Origin: 'null', 'Access-Control-Request-Method': 'POST' },
  ]) {
    const r = await d.get('/api/runs', { method: 'OPTIONS', headers });
    assert.equal(corsHeaders(r), [], `${r.what}: ${JSON.stringify(r.headers)}`);
    assert.ok(r.status >= 400, `${r.what}: ${r.status}`);
    noData(r);
  }
  // A simple cross-origin GET with the token gets its answer, but nothing that lets the page read it.
  const get = await d.get('/api/runs', { bearer: true, headers: { Origin: 'http://evil.example' } });
  assert.equal(corsHeaders(get), []);
});

test('check 16: dashboard.json and dashboard.token are mode 0600 and hold the token, 32 random bytes', () => {
  for (const name of ['dashboard.json', 'dashboard.token']) {
    const mode = statSync(join(d.home, name)).mode & 0o777;
    assert.is(mode.toString(8), '600', name);
  }
  assert.is(readFileSync(join(d.home, 'dashboard.token'), 'utf8').trim(), d.token);
  const record = JSON.parse(readFileSync(join(d.home, 'dashboard.json'), 'utf8'));
  assert.is(record.token, d.token);
  assert.is(record.port, d.port);
  assert.is(Buffer.from(d.token, 'base64url').length, 32);
});

test('check 16: ?token= is exchanged for an HttpOnly SameSite=Strict cookie and a redirect without it; the cookie and the bearer open the API', async () => {
  const r = await d.get(`/?token=${d.token}`);
  assert.is(r.status, 303, r.text);
  const cookies = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
  assert.is(cookies.length, 1, JSON.stringify(cookies));
  const attributes = cookies[0]!.split(';').map((a) => a.trim());
  assert.ok(attributes.includes('HttpOnly'), cookies[0]);
  assert.ok(attributes.includes('SameSite=Strict'), cookies[0]);
  assert.ok(attributes.includes('Path=/'), cookies[0]);
  assert.is(r.headers.location, '/');
  assert.ok(!String(r.headers.location).includes(d.token));
  assert.is(r.headers['referrer-policy'], 'no-referrer');
  // Other parameters stay; only the token goes.
  const deep = await d.get(`/api/runs?state=succeeded&token=${d.token}&limit=5`);
  assert.is(deep.status, 303);
  assert.is(deep.headers.location, '/api/runs?state=succeeded&limit=5');
  const cookie = attributes[0]!;
  assert.ok(cookie.includes(d.token));
  const withCookie = await d.get('/api/runs', { headers: { Cookie: `other=1; ${cookie}` } });
  assert.is(withCookie.status, 200, withCookie.text);
  assert.is(JSON.parse(withCookie.text).runs[0].id, runId);
  const withBearer = await d.get('/api/runs', { bearer: true });
  assert.is(withBearer.status, 200);
  assert.is(JSON.parse(withBearer.text).runs[0].id, runId);
});

// --- the headers on every response ---------------------------------------------------------

function checkHeaders(r: Reply): void {
  const csp = String(r.headers['content-security-policy'] ?? '');
  assert.ok(csp !== '', `${r.what} (${r.status}): no Content-Security-Policy`);
  const directives = new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...sources] = d.split(/\s+/);
    return [name!, sources] as const;
  }));
  assert.equal(directives.get('script-src'), ["'self'"], `${r.what}: ${csp}`);
  assert.not.ok(csp.includes('unsafe-inline') || csp.includes('unsafe-eval'), `${r.what}: ${csp}`);
  assert.equal(directives.get('default-src'), ["'none'"], `${r.what}: ${csp}`);
  // No other origin anywhere: only 'self', 'none', data: images, and the dashboard's own WebSocket addresses.
  const own = new Set(["'self'", "'none'", 'data:', `ws://127.0.0.1:${d.port}`, `ws://localhost:${d.port}`, `ws://[::1]:${d.port}`]);
  for (const [name, sources] of directives) for (const s of sources) assert.ok(own.has(s), `${r.what}: ${name} allows ${s}`);
  assert.is(r.headers['x-content-type-options'], 'nosniff', r.what);
  assert.is(r.headers['referrer-policy'], 'no-referrer', r.what);
  assert.is(r.headers['cache-control'], 'no-store', r.what);
  assert.is(r.headers['cross-origin-opener-policy'], 'same-origin', r.what);
  assert.is(r.headers['cross-origin-resource-policy'], 'same-origin', r.what);
  assert.equal(corsHeaders(r), [], r.what);
}

test('every response carries the CSP (script-src \'self\', no unsafe-inline), nosniff, no-referrer, no-store; the API answers application/json; charset=utf-8', async () => {
  const p = d.port;
  const asks: [string, Parameters<Dashboard['get']>[1]][] = [
    ['/api/runs', { bearer: true }], [`/api/progress?run=${runId}`, { bearer: true }], [`/api/logs?run=${runId}`, { bearer: true }],
    [`/api/timeline?run=${runId}`, { bearer: true }], [`/api/series?run=${runId}`, { bearer: true }], ['/api/history', { bearer: true }],
    ['/api/runs?limit=x', { bearer: true }], ['/api/progress?run=nope', { bearer: true }], ['/api/nothing', { bearer: true }],
    ['/', { bearer: true }], ['/app.js', { bearer: true }], ['/app.css', { bearer: true }], ['/metrics', { bearer: true }], ['/healthz', { bearer: true }],
    [`/raw/${runId}/stdout.log`, { bearer: true }], ['/raw/nope/stdout.log', { bearer: true }], ['/nothing', { bearer: true }],
    ['/api/runs', {}], ['/api/runs', { host: `evil.example:${p}`, bearer: true }], [`/?token=${d.token}`, {}],
    ['/api/runs', { method: 'POST', bearer: true }], ['/api/runs', { method: 'HEAD', bearer: true }],
  ];
  for (const [path, options] of asks) await d.get(path, options);
  const served = d.replies.filter((r) => !r.what.startsWith('raw '));
  assert.ok(served.length >= asks.length);
  for (const r of served) checkHeaders(r);
  // What the API itself answered (not a refusal before it: 421, 401, 405, 303).
  const api = served.filter((r) => r.what.includes(' /api/') && ![421, 401, 405, 303].includes(r.status));
  assert.ok(api.some((r) => r.status === 400) && api.some((r) => r.status === 404) && api.some((r) => r.status === 200));
  for (const r of api) {
    assert.is(r.headers['content-type'], 'application/json; charset=utf-8', `${r.what} (${r.status})`);
    if (!r.what.startsWith('HEAD')) assert.is(JSON.parse(r.text).version, 1, r.what);
  }
  const raw = served.find((r) => r.what.includes(`/raw/${runId}/stdout.log`) && r.status === 200)!;
  assert.is(raw.headers['content-type'], 'text/plain; charset=utf-8');
  assert.ok(raw.body.equals(printed), `the raw log is the bytes the command printed: ${JSON.stringify(raw.text)} vs ${JSON.stringify(printed.toString())}`);
  // The page is HTML, its script JavaScript: nosniff holds each to its type.
  assert.match(String(served.find((r) => / \/ \(/.test(r.what) && r.status === 200)?.headers['content-type']), /^text\/html/);
  assert.match(String(served.find((r) => r.what.includes('/app.js') && r.status === 200)?.headers['content-type']), /^text\/javascript/);
});

// --- check 17: the WebSocket handshake ----------------------------------------------------

test('check 17: a WebSocket from another Origin, null, or the dashboard\'s own without the token is refused with 403 and closed; with the token, 101', async () => {
  const p = d.port;
  const url = `ws://127.0.0.1:${p}/ws`;
  const bearer = { Authorization: `Bearer ${d.token}` };
  const refused: [string, Record<string, string>][] = [
    ['evil origin with the token', { Origin: 'http://evil.example', ...bearer }],
    ['a LAN address origin with the token', { Origin: `http://192.168.1.5:${p}`, ...bearer }],
    ['null origin with the token', { Origin: 'null', ...bearer }],
    ['own origin without the token', { Origin: `http://localhost:${p}` }],
    ['own origin with a wrong token', { Origin: `http://localhost:${p}`, Authorization: `Bearer ${wrongToken()}` }],
    ['https origin', { Origin: `https://localhost:${p}`, ...bearer }],
    ['origin on another port', { Origin: `http://localhost:${p + 1}`, ...bearer }],
    ['origin with a suffix', { Origin: `http://localhost:${p}.evil.example`, ...bearer }],
    ['origin that is a subdomain', { Origin: `http://127.0.0.1.nip.io:${p}`, ...bearer }],
    ['no origin, no token', {}],
  ];
  for (const [what, headers] of refused) {
    const h = await handshake(url, headers);
    assert.is(h.status, 403, `${what}: ${h.status}`);
    assert.is(h.socket, undefined, what);
    assert.equal(Object.keys(h.headers).filter((n) => n.startsWith('access-control-')), [], what);
    // The same over a raw socket: 403, and the server closes the connection.
    const raw = await d.raw(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    assert.is(raw.status, 403, `${what} (raw): ${raw.status}`);
    assert.is(raw.body.length, 0, what);
  }
  // The right Origin but a foreign Host: DNS rebinding, refused before anything else.
  const rebound = await d.raw(`GET /ws HTTP/1.1\r\nHost: evil.example:${p}\r\nOrigin: http://localhost:${p}\r\nAuthorization: Bearer ${d.token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`);
  assert.ok(rebound.status === 421 || rebound.status === 403, `foreign Host: ${rebound.status}`);

  const accepted: [string, Record<string, string>][] = [
    ['own origin (localhost) with the bearer token', { Origin: `http://localhost:${p}`, ...bearer }],
    ['own origin (localhost) with the cookie', { Origin: `http://localhost:${p}`, Cookie: `prog_dashboard=${d.token}` }],
    ['own origin (127.0.0.1) with the cookie', { Origin: `http://127.0.0.1:${p}`, Cookie: `prog_dashboard=${d.token}` }],
    ['no origin (not a browser) with the token', bearer],
  ];
  for (const [what, headers] of accepted) {
    const h = await handshake(url, headers);
    assert.is(h.status, 101, `${what}: ${h.status}`);
    const ws = h.socket!;
    // The runs list comes first on /ws without a run.
    const first = await new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: no message in ${scaled(10_000)} ms`)), scaled(10_000));
      ws.once('message', (data) => {
        clearTimeout(timer);
        resolve(JSON.parse(String(data)));
      });
    });
    assert.is(first.type, 'runs', what);
    assert.is(first.runs[0].id, runId, what);
    ws.terminate();
  }
  await stillServes();
});

// --- check 19: escapes in marker text reach the API as JSON text ---------------------------

test('check 19: a label of OSC, BEL, CSI, C1 and bidi arrives in the API as JSON text, intact and never raw C0', async () => {
  const body = await d.get(`/api/logs?run=${runId}`, { bearer: true });
  assert.is(body.status, 200);
  for (const byte of [0x1b, 0x07, 0x00]) assert.is(body.body.indexOf(byte), -1, `a raw 0x${byte.toString(16)} byte in /api/logs`);
  assert.ok(body.text.includes('\\u001b]0;pwned\\u0007\\u001b[2J'), body.text);
  const lines = JSON.parse(body.text).lines as { kind: string; text: string; level?: string }[];
  const log = lines.find((l) => l.kind === 'log');
  assert.is(log?.text, `log ${EVIL}`);
  assert.is(log?.level, 'warn');
  // The command's own line as it printed it, escapes included (the page removes them).
  assert.ok(lines.some((l) => l.kind === 'output' && l.text === `${EVIL}tail`), JSON.stringify(lines));
  const timeline = await d.get(`/api/timeline?run=${runId}`, { bearer: true });
  assert.is(timeline.body.indexOf(0x1b), -1);
  const t = JSON.parse(timeline.text);
  assert.is(t.items[0][1], `item ${EVIL}`);
  assert.is(t.phases[0].name, `phase ${EVIL}`);
  const progress = await d.api(`/api/progress?run=${runId}`);
  assert.is(progress.snapshot.phases[0].name, `phase ${EVIL}`);
});

test('no response in this file carried an Access-Control-* header', () => {
  assert.ok(d.replies.length > 1000, `${d.replies.length} replies seen`);
  for (const r of d.replies) assert.equal(corsHeaders(r), [], `${r.what}: ${JSON.stringify(r.headers)}`);
});

test.run();
