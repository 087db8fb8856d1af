// The run's summary POSTed as JSON to a webhook (Slack, Discord, Mattermost, anything that reads
// JSON), with node:http(s) alone. A webhook URL is a secret (its path is the token): nothing this
// module says names more of it than scheme://host.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One attempt's wait for an answer (connect, send, status line). */
export const ATTEMPT_TIMEOUT_MS = 3_000;
/** All attempts together: under the exporters' 5 s deadline, so the warning is this module's. */
export const WEBHOOK_BUDGET_MS = 4_500;
/** Before the one retry. */
const RETRY_PAUSE_MS = 500;
/** Of an error answer's body, for the warning (Slack answers `invalid_payload`, `no_service`…). */
const BODY_SHOWN = 120;

export interface WebhookOptions {
  userAgent: string;
  attemptTimeoutMs?: number;
  budgetMs?: number;
}

/** Why a POST did not get a 2xx answer, in words that are safe to print. */
export class WebhookError extends Error {
  /** Nothing was delivered (refused, reset, 429, 502–504): one retry is worth it. */
  readonly retry: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, retry: boolean, retryAfterMs?: number) {
    super(message);
    this.retry = retry;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/**
 * POSTs `body` as JSON; resolves on a 2xx answer, else throws a WebhookError. Retries once when
 * nothing was delivered and the budget allows; never after a timeout (the hook may have posted).
 */
export async function postJson(url: string, body: unknown, options: WebhookOptions): Promise<void> {
  const data = Buffer.from(JSON.stringify(body));
  const budget = options.budgetMs ?? WEBHOOK_BUDGET_MS;
  const attemptTimeout = options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const started = Date.now();
  try {
    await attempt(url, data, options.userAgent, Math.min(attemptTimeout, budget));
  } catch (error) {
    if (!(error instanceof WebhookError) || !error.retry) throw error;
    const pause = error.retryAfterMs ?? RETRY_PAUSE_MS;
    const left = budget - (Date.now() - started) - pause;
    // Too little time left for a fair second try: the first answer is the one reported.
    if (left < Math.min(1_000, attemptTimeout)) throw error;
    await new Promise((resolve) => setTimeout(resolve, pause));
    await attempt(url, data, options.userAgent, Math.min(attemptTimeout, left));
  }
}

function attempt(url: string, data: Buffer, userAgent: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new WebhookError('the URL is not valid', false));
      return;
    }
    const request = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const settle = (error?: WebhookError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const req = request(parsed, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': data.length, 'user-agent': userAgent },
      // No pooled socket left open to hold prog's exit.
      agent: false,
    });
    const timer = setTimeout(() => {
      settle(new WebhookError(`no answer within ${timeoutMs / 1000} s`, false));
      req.destroy();
    }, timeoutMs);
    timer.unref();
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        res.resume();
        settle();
        return;
      }
      readSome(res, (text) => {
        const said = text === '' ? '' : ` (${scrub(text, parsed)})`;
        const retry = status === 429 || status === 502 || status === 503 || status === 504;
        settle(new WebhookError(`HTTP ${status}${said}`, retry, retryAfter(res)));
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const delivered = error.code !== 'ECONNREFUSED' && error.code !== 'ECONNRESET' && error.code !== 'EAI_AGAIN';
      settle(new WebhookError(networkText(error, parsed), !delivered));
    });
    req.end(data);
  });
}

/** The first BODY_SHOWN characters of an answer, then the rest is dropped. */
function readSome(res: IncomingMessage, done: (text: string) => void): void {
  let text = '';
  const finish = () => {
    res.removeAllListeners('data');
    res.destroy();
    done(text.replace(/\s+/g, ' ').trim());
  };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    text += chunk;
    if (text.length >= BODY_SHOWN) finish();
  });
  res.on('end', finish);
  res.on('error', finish);
}

function retryAfter(res: IncomingMessage): number | undefined {
  const value = Number(res.headers['retry-after']);
  return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
}

function networkText(error: NodeJS.ErrnoException, url: URL): string {
  switch (error.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': return 'connection reset';
    case 'ENOTFOUND': return 'host not found';
    case 'EAI_AGAIN': return 'host name lookup failed';
    case 'ETIMEDOUT': return 'connection timed out';
    default: return scrub(error.message, url);
  }
}

/**
 * An answer's or an error's text without the URL's secret parts: its path segments, query and
 * credentials (a proxy may echo the request line), and cut short.
 */
function scrub(text: string, url: URL): string {
  let safe = text;
  const secrets = [...url.pathname.split('/'), url.search.slice(1), url.username, url.password, decodeSafe(url.pathname)]
    .filter((part) => part.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const secret of secrets) safe = safe.split(secret).join('…');
  return safe.length > BODY_SHOWN ? `${safe.slice(0, BODY_SHOWN)}…` : safe;
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
