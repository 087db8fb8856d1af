// Where a trace goes and how long one request may take, from --otlp and the standard OTEL_*
// variables (headers, compression and resource attributes the SDK reads itself).
import { safeOrigin } from './url-text.js';

/** Per request, unless OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT asks for less. */
export const REQUEST_TIMEOUT_MS = 2_000;
/** Loading the SDK and all requests together: within the 5 s every exporter gets (EXPORT_DEADLINE_MS). */
export const EXPORT_BUDGET_MS = 4_500;

/**
 * The traces URL. `--otlp` takes a full URL (`…/v1/traces`, used as given) or a collector's base
 * address (no path, or `/`: `/v1/traces` is added). Without it, as the OTLP exporter spec says:
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT plus `v1/traces`.
 */
export function tracesUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined && flag !== '' && flag !== 'auto') {
    const url = httpUrl(flag, '--otlp');
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
    return url.href;
  }
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return httpUrl(traces, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT').href;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) throw new Error('no OTLP endpoint: give --otlp URL or set OTEL_EXPORTER_OTLP_ENDPOINT');
  const url = httpUrl(base, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/traces`;
  return url.href;
}

/** OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, else OTEL_EXPORTER_OTLP_TIMEOUT (ms), at most the default. */
export function requestTimeoutMs(env: NodeJS.ProcessEnv): number {
  const raw = env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT?.trim() || env.OTEL_EXPORTER_OTLP_TIMEOUT?.trim();
  const ms = raw ? Number(raw) : NaN;
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, REQUEST_TIMEOUT_MS) : REQUEST_TIMEOUT_MS;
}

function httpUrl(text: string, from: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${from} is not a URL (expected e.g. http://localhost:4318)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${from} ${safeOrigin(text)}: OTLP/HTTP needs an http: or https: URL`);
  return url;
}
