// Who may talk to the dashboard (docs/dashboard.md, Security): the Host must be exactly one of the
// dashboard's own names (DNS rebinding), the token must come with every request (another local
// user, a page in the browser), and a WebSocket's Origin must be the dashboard's own (cross-site
// WebSocket hijacking). Nothing here throws on a malformed header: a bad value is a refusal.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';

export const COOKIE = 'prog_dashboard';

export interface Guard {
  /** Exact `host:port` values a request may name. */
  hosts: Set<string>;
  /** Exact origins a WebSocket upgrade may come from. */
  origins: Set<string>;
  token: string;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The names the dashboard answers to on `port`; `extra` is the --host address. */
export function guardFor(port: number, token: string, extra?: string): Guard {
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  // Every interface: the names other machines reach this one by.
  const extras = extra === '0.0.0.0' || extra === '::' ? machineNames() : extra === undefined ? [] : [extra];
  for (const name of extras) if (!names.includes(bracketed(name))) names.push(bracketed(name).toLowerCase());
  return {
    hosts: new Set(names.map((name) => `${name}:${port}`)),
    origins: new Set(names.map((name) => `http://${name}:${port}`)),
    token,
  };
}

function machineNames(): string[] {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address.replace(/%.*$/, '')));
  return [hostname(), ...addresses];
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function hostAllowed(guard: Guard, request: IncomingMessage): boolean {
  const host = request.headers.host;
  return typeof host === 'string' && guard.hosts.has(host.toLowerCase());
}

/** An upgrade's Origin: exact, or absent (not a browser; the token is still required). */
export function originAllowed(guard: Guard, request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  return origin === undefined || (typeof origin === 'string' && guard.origins.has(origin.toLowerCase()));
}

/** The token from `Authorization: Bearer`, the cookie, or `?token=` (in that order). */
export function presentedToken(request: IncomingMessage, url: URL): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer +([A-Za-z0-9_\-.~+/=]{1,200})\s*$/.exec(auth);
    if (m) return m[1];
  }
  const cookie = request.headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
    }
  }
  return url.searchParams.get('token') ?? undefined;
}

export function tokenValid(guard: Guard, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(guard.token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The headers every response carries. */
export function securityHeaders(_guard?: Guard): Record<string, string> {
  // connect-src 'self' covers the page's own WebSocket (ws: on the same host and port).
  return {
    'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };
}

/** A refusal with a short text body and no data. */
export function refuse(response: ServerResponse, guard: Guard, status: number, message: string): void {
  response.writeHead(status, { ...securityHeaders(guard), 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${message}\n`);
}

/** The cookie that replaces the token in the URL: the page's later requests carry it. */
export function sessionCookie(guard: Guard): string {
  return `${COOKIE}=${guard.token}; HttpOnly; SameSite=Strict; Path=/`;
}
