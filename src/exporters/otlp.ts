// OpenTelemetry traces over OTLP/HTTP: once the run has ended, its plan (otlp-spans.ts) becomes
// spans with the official SDK, backdated to when things happened, and is sent in a few requests.
// The SDK (~120 ms to load) is required only for a traced run, at its first update tick (the
// command is running by then) or at its end. Sending is bounded: one request at a time, each with
// a timeout, all within EXPORT_BUDGET_MS; the first failure ends it with one warning.
import { hostname } from 'node:os';
import { progVersion } from '../version.js';
import type { Exporter, FinishedRun } from './exporter.js';
import { EXPORT_BUDGET_MS, requestTimeoutMs, tracesUrl } from './otlp-endpoint.js';
import { planTrace, type TracePlan } from './otlp-spans.js';
import { safeOrigin } from './url-text.js';

type Sdk = typeof import('./otlp-sdk.js');
type ReadableSpan = import('./otlp-sdk.js').ReadableSpan;
type ExportResult = import('./otlp-sdk.js').ExportResult;

/** Spans per request: 2,000 of ours are about 1.2 MB of JSON, under collectors' usual request limits. */
export const SPANS_PER_REQUEST = 2_000;
/** Less time than this left: the rest is given up (a request could not even connect). */
const MIN_REQUEST_MS = 250;

/** `url`: --otlp's value; undefined when the OTEL_EXPORTER_OTLP_* variables asked for tracing. */
export function otlpExporter(url: string | undefined, env: NodeJS.ProcessEnv): Exporter {
  // The standard switches off, for a tracing setup shared with other tools; --otlp URL overrides them.
  if (url === undefined && (isTrue(env.OTEL_SDK_DISABLED) || env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none')) {
    return { name: 'otlp', finish: async () => undefined };
  }
  // A bad URL is said when the run starts (loadExporters warns), not after it.
  const target = tracesUrl(url, env);
  const timeoutMs = requestTimeoutMs(env);
  let sdk: Promise<Sdk> | undefined;
  const load = () => (sdk ??= import('./otlp-sdk.js'));
  return {
    name: 'otlp',
    tick() {
      void load().catch(() => undefined);
    },
    async finish(run: FinishedRun) {
      const started = Date.now();
      await sendTrace(await load(), planTrace(run), { url: target, timeoutMs, deadline: started + EXPORT_BUDGET_MS });
    },
  };
}

interface SendOptions {
  url: string;
  timeoutMs: number;
  /** Date.now() past which no request starts. */
  deadline: number;
}

/** Builds the spans and sends them; throws (one warning, from Exports) on the first failure. */
export async function sendTrace(sdk: Sdk, plan: TracePlan, options: SendOptions): Promise<void> {
  const spans = firstThingsFirst(sdk, buildSpans(sdk, plan));
  for (let sent = 0; sent < spans.length; sent += SPANS_PER_REQUEST) {
    // The last request gets what time is left rather than none.
    const left = options.deadline - Date.now();
    if (left < MIN_REQUEST_MS) throw new Error(`sent ${sent} of ${spans.length} spans to ${safeOrigin(options.url)} before the time allowed ran out`);
    const exporter = new sdk.OTLPTraceExporter({ url: options.url, timeoutMillis: Math.min(options.timeoutMs, left) });
    try {
      const result = await new Promise<ExportResult>((resolve) => exporter.export(spans.slice(sent, sent + SPANS_PER_REQUEST), resolve));
      if (result.code !== sdk.ExportResultCode.SUCCESS) {
        const why = result.error?.message ?? 'failed';
        throw new Error(`could not send the trace to ${safeOrigin(options.url)}: ${why}${sent > 0 ? ` (after ${sent} of ${spans.length} spans)` : ''}`);
      }
    } finally {
      // Closes its sockets; nothing is queued in it by now.
      void exporter.shutdown().catch(() => undefined);
    }
  }
}

/** The root and phases, then failed items, then the rest: what matters most goes in the first request. */
function firstThingsFirst(sdk: Sdk, spans: ReadableSpan[]): ReadableSpan[] {
  const first: ReadableSpan[] = [];
  const rest: ReadableSpan[] = [];
  for (const span of spans) (span.status.code === sdk.SpanStatusCode.ERROR || span.attributes['prog.item.id'] === undefined ? first : rest).push(span);
  return first.concat(rest);
}

/** Every span of the plan, ended, in the order the plan lists them (parents first). */
function buildSpans(sdk: Sdk, plan: TracePlan): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new sdk.BasicTracerProvider({
    resource: resource(sdk),
    // The SDK's default limit (128) would drop the root's diagnostics past it; ours are capped already.
    spanLimits: { eventCountLimit: 1_000 },
    // Collects instead of queueing: sendTrace sends them in bounded requests, and sees each failure.
    spanProcessors: [{
      onStart: () => undefined,
      onEnd: (span) => void ended.push(span),
      forceFlush: async () => undefined,
      shutdown: async () => undefined,
    }],
  });
  const tracer = provider.getTracer('prog', progVersion());
  const parents = new Map<string, import('./otlp-sdk.js').Context>();
  for (const spec of plan.spans) {
    const parent = spec.parent === undefined ? sdk.ROOT_CONTEXT : parents.get(spec.parent) ?? sdk.ROOT_CONTEXT;
    const span = tracer.startSpan(spec.name, { kind: sdk.SpanKind.INTERNAL, startTime: hrTime(spec.startMs), attributes: spec.attributes }, parent);
    if (!spec.key.startsWith('item:')) parents.set(spec.key, sdk.trace.setSpan(sdk.ROOT_CONTEXT, span));
    for (const event of spec.events) span.addEvent(event.name, event.attributes, hrTime(event.timeMs));
    if (spec.error !== undefined) span.setStatus({ code: sdk.SpanStatusCode.ERROR, message: spec.error });
    span.end(hrTime(spec.endMs));
  }
  return ended;
}

/** service.name `prog` (OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES override it), the version and host. */
function resource(sdk: Sdk) {
  const own = sdk.resourceFromAttributes({ 'service.name': 'prog', 'service.version': progVersion(), 'host.name': hostname() });
  return own.merge(sdk.detectResources({ detectors: [sdk.envDetector] }));
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/** Epoch ms as [seconds, nanoseconds]: the SDK's own reading of a number could take it for performance.now() time. */
function hrTime(ms: number): [number, number] {
  const whole = Math.round(ms);
  return [Math.floor(whole / 1000), (whole % 1000) * 1e6];
}
