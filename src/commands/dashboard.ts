// `prog dashboard`: serves the web dashboard and /metrics for every run in the state dir, until
// Ctrl-C. It is a process of its own: runs never depend on it, and it only reads their files.
// dashboard.json (mode 0600) says where it serves and with which token, for `prog run --dashboard`
// (which reuses a dashboard already serving) and for Prometheus' credentials file.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { writeStderr } from '../diagnostics.js';
import { guardFor, newToken } from '../display/dashboard/guard.js';
import { portHolder } from '../display/dashboard/port-holder.js';
import type { DashboardRecord } from '../display/dashboard/record.js';
import { dashboardServer } from '../display/dashboard/server.js';
import { ProgError } from '../errors.js';
import { selfIdentity } from '../store/liveness.js';
import { stateDir } from '../store/state-dir.js';

export interface DashboardOptions {
  port: number;
  host?: string;
  open: boolean;
  tokenFile?: string;
}

const LOOPBACK = '127.0.0.1';

export async function dashboardCommand(options: DashboardOptions): Promise<void> {
  const root = stateDir();
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const token = options.tokenFile === undefined ? newToken() : fixedToken(options.tokenFile);
  const host = options.host ?? LOOPBACK;
  if (options.host !== undefined && !isLoopback(options.host)) {
    writeStderr(`prog dashboard: warning: serving on ${options.host}, not only this machine: whoever reaches it with the token reads your runs' output\n`);
  }
  // The guard needs the port, which --port 0 only knows once listening: it is made then.
  const guard = guardFor(options.port, token, options.host);
  const serving = dashboardServer(root, guard);
  const port = await listen(serving.server, host, options.port);
  if (port !== options.port) {
    // --port 0: the names the guard allows carry the port picked.
    Object.assign(guard, guardFor(port, token, options.host));
  }
  // Also on ::1 when the machine has it (localhost may resolve there); not having it is no error.
  const second = host === LOOPBACK ? await alsoOnIpv6(serving, port) : undefined;

  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}/`;
  const record: DashboardRecord = { version: 1, url, port, host, token, supervisor: selfIdentity() };
  writePrivate(join(root, 'dashboard.json'), JSON.stringify(record) + '\n');
  if (options.tokenFile === undefined) writePrivate(join(root, 'dashboard.token'), token + '\n');
  writeStderr(`prog dashboard: ${url}?token=${token}\nprog dashboard: serving the runs in ${root} · /metrics for Prometheus (bearer token in ${options.tokenFile ?? join(root, 'dashboard.token')}) · Ctrl-C stops\n`);
  if (options.open) openBrowser(`${url}?token=${token}`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
  });
  // dashboard.json goes only if it is still ours (another dashboard may have taken over the dir).
  try {
    const now = JSON.parse(readFileSync(join(root, 'dashboard.json'), 'utf8')) as DashboardRecord;
    if (now.supervisor?.pid === process.pid) rmSync(join(root, 'dashboard.json'), { force: true });
  } catch {
    // Gone already.
  }
  await Promise.race([Promise.all([serving.close(), second?.close()]), new Promise((r) => setTimeout(r, 2000))]);
  process.exit(0);
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        const holder = portHolder(port);
        reject(new ProgError('DASHBOARD_PORT', `port ${port} is in use${holder ? ` by ${holder}` : ''}; prog dashboard --port 0 picks a free one`));
      } else if (error.code === 'EACCES') reject(new ProgError('DASHBOARD_PORT', `port ${port} needs privileges this user lacks; choose one above 1023 (--port 0 picks a free one)`));
      else if (error.code === 'EADDRNOTAVAIL') reject(new ProgError('DASHBOARD_PORT', `${host} is not an address of this machine`));
      else reject(error);
    };
    server.once('error', failed);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', failed);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** The same dashboard on [::1], sharing the first server's handlers. */
async function alsoOnIpv6(serving: ReturnType<typeof dashboardServer>, port: number): Promise<{ close(): Promise<void> } | undefined> {
  const { createServer } = await import('node:http');
  const twin = createServer((request, response) => serving.server.emit('request', request, response));
  twin.on('upgrade', (request, socket, head) => serving.server.emit('upgrade', request, socket, head));
  try {
    await listen(twin, '::1', port);
  } catch {
    return undefined;
  }
  return { close: () => new Promise<void>((resolve) => { twin.close(() => resolve()); twin.closeAllConnections(); }) };
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

/** Written aside and renamed, readable by this user only. */
function writePrivate(path: string, text: string): void {
  const aside = `${path}.${process.pid}.tmp`;
  writeFileSync(aside, text, { mode: 0o600 });
  renameSync(aside, path);
}

/** --token-file: the token in it, or a new one written there (0600) when it does not exist yet. */
function fixedToken(path: string): string {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (!/^[A-Za-z0-9_\-.~+/=]{16,200}$/.test(text)) throw new ProgError('USAGE', `--token-file ${path}: not a token (16 to 200 letters, digits or -._~+/=)`);
    return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = newToken();
  writePrivate(path, token + '\n');
  return token;
}

function openBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  try {
    const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => writeStderr(`prog dashboard: could not start ${opener}; open the address above yourself\n`));
    child.unref();
  } catch {
    writeStderr(`prog dashboard: could not start ${opener}; open the address above yourself\n`);
  }
}
