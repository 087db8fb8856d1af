// `prog run --otlp URL` and the OTEL_EXPORTER_OTLP_* variables, end to end: the real binary runs a
// real workflow, and a local OTLP/HTTP receiver (http.createServer on 127.0.0.1) gets the trace.
// What a user's Jaeger or Tempo would show is checked in the JSON it receives: span names, parent
// links, nesting of groups, times, attributes, statuses; and that a dead or failing endpoint costs
// one warning, never the exit status, and holds prog's exit for a bounded time.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FinishedRun } from '../../src/exporters/exporter.js';
import { tracesUrl } from '../../src/exporters/otlp-endpoint.js';
import { MAX_ITEM_SPANS, planTrace } from '../../src/exporters/otlp-spans.js';
import { RunLedger } from '../../src/exporters/run-ledger.js';
import { projectRoot, runProg, type ProgResult } from '../helpers/prog.js';
import { clean, startProg } from '../helpers/live.js';
import { onlyRun } from '../helpers/runs.js';
import { scaled } from '../helpers/time.js';

const node = process.execPath;
/** No developer's or CI's own OTLP settings leak into these runs. */
const NO_OTEL: Record<string, undefined> = {
  OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
  OTEL_EXPORTER_OTLP_HEADERS: undefined,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: undefined,
  OTEL_SERVICE_NAME: undefined,
  OTEL_RESOURCE_ATTRIBUTES: undefined,
  OTEL_TRACES_SAMPLER: undefined,
  OTEL_SDK_DISABLED: undefined,
  OTEL_TRACES_EXPORTER: undefined,
};

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: ExportRequest;
}

interface Receiver {
  /** The base address, `http://127.0.0.1:PORT` (no path). */
  base: string;
  requests: Received[];
  close(): Promise<void>;
}

/** Answers 200 `{}` to every POST (or `status`, or never: `hang`), keeping each parsed body. */
async function receiver(answer: 'ok' | 'hang' | number = 'ok'): Promise<Receiver> {
  const requests: Received[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      if (answer === 'hang') return;
      if (answer === 'ok') {
        requests.push({ method: req.method!, path: req.url!, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(answer).end('no');
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A port nothing listens on (it did a moment ago). */
async function deadPort(): Promise<string> {
  const r = await receiver();
  await r.close();
  return r.base;
}

// --- OTLP JSON, as the exporter sends it --------------------------------------------------------

interface AnyValue { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean; arrayValue?: { values: AnyValue[] } }
interface KeyValue { key: string; value: AnyValue }
interface OtlpSpan {
  traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number;
  startTimeUnixNano: string; endTimeUnixNano: string; attributes: KeyValue[];
  events: { name: string; timeUnixNano: string; attributes: KeyValue[] }[];
  status: { code: number; message?: string };
}
interface ExportRequest { resourceSpans: { resource: { attributes: KeyValue[] }; scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[] }

type Plain = string | number | boolean | Plain[];
function plain(v: AnyValue): Plain {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return (v.arrayValue?.values ?? []).map(plain);
}
const attrs = (list: KeyValue[]): Record<string, Plain> => Object.fromEntries(list.map((kv) => [kv.key, plain(kv.value)]));

interface Span {
  id: string; parent?: string; trace: string; name: string; startMs: number; endMs: number;
  attrs: Record<string, Plain>; events: { name: string; tMs: number; attrs: Record<string, Plain> }[];
  status: { code: number; message?: string };
}
const ms = (nanos: string) => Number(BigInt(nanos) / 1000n) / 1000;

function spansOf(requests: Received[]): Span[] {
  return requests.flatMap((r) => r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({
    id: s.spanId,
    ...(s.parentSpanId ? { parent: s.parentSpanId } : {}),
    trace: s.traceId,
    name: s.name,
    startMs: ms(s.startTimeUnixNano),
    endMs: ms(s.endTimeUnixNano),
    attrs: attrs(s.attributes),
    events: s.events.map((e) => ({ name: e.name, tMs: ms(e.timeUnixNano), attrs: attrs(e.attributes) })),
    status: s.status,
  })))));
}

function byName(spans: Span[], name: string): Span {
  const found = spans.filter((s) => s.name === name);
  assert.is(found.length, 1, `one span named ${name}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

function within(child: Span, parent: Span): void {
  assert.is(child.parent, parent.id, `${child.name} is a child of ${parent.name}`);
  assert.ok(child.startMs >= parent.startMs && child.endMs <= parent.endMs,
    `${child.name} [${child.startMs}, ${child.endMs}] lies within ${parent.name} [${parent.startMs}, ${parent.endMs}]`);
}

const warnings = (r: ProgResult) => String(r.stderr).split('\n').filter((l) => l.startsWith('prog: warning:'));

// --- the workflow ---------------------------------------------------------------------------------

/**
 * A CI job: a GitHub Actions group `CI` holding a TeamCity block `Build` (a group nested in a
 * group) with three items: `a` (300 ms on agent w1), `b` (fails once, retried, then done on w2),
 * `c` (fails for good, no start); then a marker phase `test` with `t1` (200 ms) and a skipped `t2`,
 * ended failed; exit 3.
 */
const WORKFLOW = `
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const out = (line) => require('node:fs').writeSync(1, line + '\\n');
const mark = (o) => out('::prog::' + JSON.stringify(o));
mark({ type: 'workflow', name: 'nightly' });
out('::group::CI');
out("##teamcity[blockOpened name='Build']");
mark({ type: 'item.start', phase: 'Build', id: 'a', agent: 'w1' });
pause(300);
mark({ type: 'item.done', phase: 'Build', id: 'a', agent: 'w1' });
mark({ type: 'item.start', phase: 'Build', id: 'b', agent: 'w2' });
pause(50);
mark({ type: 'item.fail', phase: 'Build', id: 'b', agent: 'w2', error: 'flaky network', retry: 1, maxRetries: 2 });
pause(50);
mark({ type: 'item.done', phase: 'Build', id: 'b', agent: 'w2' });
mark({ type: 'item.fail', phase: 'Build', id: 'c', error: 'assertion failed: 1 == 2' });
out("##teamcity[blockClosed name='Build']");
out('::endgroup::');
mark({ type: 'phase', id: 'test', name: 'Test' });
mark({ type: 'item.start', phase: 'test', id: 't1' });
pause(200);
mark({ type: 'item.done', phase: 'test', id: 't1' });
mark({ type: 'item.skip', phase: 'test', id: 't2', reason: 'needs a GPU' });
mark({ type: 'phase.end', id: 'test', status: 'failed' });
process.exit(3);
`;

test('--otlp URL: the run is one trace, root span the run, groups nested, items under their phase, with times, attributes and errors', async () => {
  const rx = await receiver();
  try {
    const r = await runProg(['run', '--format', 'none', '--otlp', `${rx.base}/v1/traces`, '--', node, '-e', WORKFLOW], { env: NO_OTEL });
    assert.is(r.code, 3, 'the command\'s exit status');
    assert.equal(warnings(r), [], String(r.stderr));
    assert.ok(rx.requests.length >= 1);
    for (const q of rx.requests) {
      assert.is(q.method, 'POST');
      assert.is(q.path, '/v1/traces');
      assert.match(String(q.headers['content-type']), /^application\/json/);
    }
    const resource = attrs(rx.requests[0]!.body.resourceSpans[0]!.resource.attributes);
    assert.is(resource['service.name'], 'prog');
    assert.type(resource['host.name'], 'string');

    const spans = spansOf(rx.requests);
    assert.is(spans.length, 1 + 3 + 5, spans.map((s) => s.name).join(', '));
    assert.is(new Set(spans.map((s) => s.trace)).size, 1, 'one trace');
    assert.is(new Set(spans.map((s) => s.id)).size, spans.length, 'span ids are unique');

    // The root: the run, named by its workflow, starting when the run did.
    const root = byName(spans, 'nightly');
    assert.is(root.parent, undefined);
    const recordedRun = onlyRun(r.home);
    const recorded = recordedRun.run;
    assert.is(root.startMs, Date.parse(recorded.startedAt));
    assert.ok(Math.abs(root.endMs - root.startMs - recorded.durationMs!) <= 5, `root lasts the run: ${root.endMs - root.startMs} vs ${recorded.durationMs}`);
    assert.equal(root.status, { code: 2, message: 'exit status 3' });
    assert.is(root.attrs['prog.run.id'], recorded.id);
    assert.is(root.attrs['prog.status'], 'failed');
    assert.is(root.attrs['prog.exit_code'], 3);
    assert.is(root.attrs['prog.workflow'], 'nightly');
    assert.equal(root.attrs['process.command_args'], [node, '-e', WORKFLOW]);
    assert.is(root.attrs['prog.cwd'], recorded.cwd);
    assert.is(root.attrs['prog.items.succeeded'], 3);
    assert.is(root.attrs['prog.items.failed'], 1);
    assert.is(root.attrs['prog.items.retried'], 1);
    assert.is(root.attrs['prog.items.skipped'], 1);
    assert.is(root.attrs['prog.trace.items_dropped'], 0);
    assert.type(root.attrs['prog.peak_rss_bytes'] ?? 0, 'number');

    // Groups nest: Build (a TeamCity block) inside CI (a GitHub Actions group); Test at the top.
    const ci = byName(spans, 'CI');
    const build = byName(spans, 'Build');
    const testPhase = byName(spans, 'Test');
    within(ci, root);
    within(build, ci);
    within(testPhase, root);
    assert.is(ci.attrs['prog.phase.group'], true);
    assert.equal(testPhase.status, { code: 2, message: 'failed' });
    assert.is(testPhase.attrs['prog.phase.status'], 'failed');
    assert.is(ci.status.code, 0);
    assert.ok(testPhase.startMs >= ci.endMs, 'Test starts after CI ended');

    // Items under their phase, as long as the workflow made them last.
    const [a, b, c, t1, t2] = ['a', 'b', 'c', 't1', 't2'].map((name) => byName(spans, name)) as [Span, Span, Span, Span, Span];
    for (const item of [a, b, c]) within(item, build);
    for (const item of [t1, t2]) within(item, testPhase);
    // Each time is the run's own (events.ndjson) from the run's start; the workflow's pauses bound them.
    const at = (type: string, id: string) => root.startMs + (recordedRun.events.find((e) => e.type === type && e.id === id)!.t as number);
    for (const [span, id] of [[a, 'a'], [t1, 't1']] as const) {
      assert.equal([span.startMs, span.endMs], [at('item.start', id), at('item.done', id)], `${id}: the recorded times`);
    }
    assert.ok(a.endMs - root.startMs >= 300, 'a ended after its 300 ms');
    assert.ok(t1.endMs - root.startMs >= 600, 't1 ended after the 600 ms before it');
    assert.ok(a.endMs - a.startMs < 300 + scaled(2_000) && t1.endMs - t1.startMs < 200 + scaled(2_000), `a ${a.endMs - a.startMs} ms, t1 ${t1.endMs - t1.startMs} ms`);
    assert.ok(b.startMs >= a.endMs && t1.startMs >= c.endMs, 'items in the order they ran');
    assert.is(a.attrs['prog.item.agent'], 'w1');
    assert.is(a.attrs['prog.item.outcome'], 'done');
    assert.is(a.status.code, 0);

    // b: one failed attempt, retried, then done.
    assert.is(b.attrs['prog.item.agent'], 'w2');
    assert.is(b.attrs['prog.item.retries'], 1);
    assert.is(b.attrs['prog.item.outcome'], 'done');
    assert.is(b.status.code, 0);
    assert.is(b.events.length, 1);
    assert.is(b.events[0]!.name, 'retry');
    assert.equal(b.events[0]!.attrs, { 'prog.retry': 1, 'exception.message': 'flaky network' });
    assert.ok(b.events[0]!.tMs > b.startMs && b.events[0]!.tMs < b.endMs, 'the attempt failed during b');

    // c: failed for good (status and an exception event); reported without a start.
    assert.equal(c.status, { code: 2, message: 'assertion failed: 1 == 2' });
    assert.is(c.attrs['prog.item.outcome'], 'failed');
    assert.is(c.attrs['prog.item.start_inferred'], true);
    const exception = c.events.find((e) => e.name === 'exception');
    assert.ok(exception, JSON.stringify(c.events));
    assert.is(exception.attrs['exception.message'], 'assertion failed: 1 == 2');
    assert.is(exception.tMs, c.endMs);

    assert.is(t2.attrs['prog.item.outcome'], 'skipped');
    assert.is(t2.attrs['prog.item.skip_reason'], 'needs a GPU');
  } finally {
    await rx.close();
  }
});

test('OTEL_EXPORTER_OTLP_ENDPOINT alone turns tracing on: /v1/traces added, OTEL_EXPORTER_OTLP_HEADERS sent, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES on the resource', async () => {
  const rx = await receiver();
  try {
    const r = await runProg(['run', '--format', 'none', '--', 'sh', '-c', 'exit 0'], {
      env: {
        ...NO_OTEL,
        OTEL_EXPORTER_OTLP_ENDPOINT: `${rx.base}/collector/`,
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cret,x-team=ci',
        OTEL_SERVICE_NAME: 'ci-runner',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging,ci.pipeline=nightly%20build',
      },
    });
    assert.is(r.code, 0, String(r.stderr));
    assert.equal(warnings(r), []);
    assert.is(rx.requests.length, 1);
    const q = rx.requests[0]!;
    assert.is(q.path, '/collector/v1/traces');
    assert.is(q.headers.authorization, 'Bearer s3cret');
    assert.is(q.headers['x-team'], 'ci');
    const resource = attrs(q.body.resourceSpans[0]!.resource.attributes);
    assert.is(resource['service.name'], 'ci-runner');
    assert.is(resource['deployment.environment'], 'staging');
    assert.is(resource['ci.pipeline'], 'nightly build');
    const [root] = spansOf(rx.requests);
    assert.is(root!.name, "sh -c 'exit 0'", 'no workflow name: the command line');
    assert.is(root!.attrs['prog.command'], "sh -c 'exit 0'");
    assert.is(root!.status.code, 0);
  } finally {
    await rx.close();
  }
});

test('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as given; --otlp with a base address gets /v1/traces; --otlp off, OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none win over the variables', async () => {
  const rx = await receiver();
  try {
    const env = { ...NO_OTEL, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${rx.base}/custom/traces`, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' };
    assert.is((await runProg(['run', '--format', 'none', '--', 'true'], { env })).code, 0);
    assert.equal(rx.requests.map((q) => q.path), ['/custom/traces']);
    assert.is((await runProg(['run', '--format', 'none', '--otlp', rx.base, '--name', 'deploy', '--', 'true'], { env: NO_OTEL })).code, 0);
    assert.equal(rx.requests.map((q) => q.path), ['/custom/traces', '/v1/traces']);
    const named = spansOf(rx.requests.slice(1))[0]!;
    assert.is(named.name, 'deploy', '--name names the root span');
    assert.is(named.attrs['prog.workflow.key'], 'deploy');
    const off = await runProg(['run', '--format', 'none', '--otlp', 'off', '--', 'true'], { env });
    assert.is(off.code, 0);
    assert.equal(warnings(off), []);
    for (const disabled of [{ OTEL_SDK_DISABLED: 'true' }, { OTEL_TRACES_EXPORTER: 'none' }]) {
      const r = await runProg(['run', '--format', 'none', '--', 'true'], { env: { ...env, ...disabled } });
      assert.is(r.code, 0);
      assert.equal(warnings(r), []);
    }
    assert.is(rx.requests.length, 2, 'nothing sent with --otlp off, OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none');
  } finally {
    await rx.close();
  }
});

test('Ctrl-C: the trace still goes out; the root, the unfinished phase and item say the run was interrupted', clean(async () => {
  const rx = await receiver();
  try {
    const work = `printf '%s\\n' '::prog::{"type":"phase","id":"build","name":"Build"}' '::prog::{"type":"item.start","phase":"build","id":"x","agent":"w1"}'; echo READY; sleep 30`;
    const p = startProg(['run', '--format', 'none', '--otlp', rx.base, '--', 'sh', '-c', work], { env: NO_OTEL });
    await p.waitOut(/READY/, 10_000, 'the command to start');
    p.kill('SIGINT');
    const ended = await p.waitExit(10_000);
    // prog ends as the command did: by SIGINT.
    assert.ok(ended.signal === 'SIGINT' || ended.code === 130, `${JSON.stringify(ended)}${p.transcript()}`);
    assert.equal(warnings({ stderr: Buffer.from(p.stderr()) } as ProgResult), []);
    const spans = spansOf(rx.requests);
    const root = spans.find((s) => s.parent === undefined)!;
    assert.is(root.attrs['prog.status'], 'interrupted');
    assert.is(root.attrs['prog.signal'], 'SIGINT');
    assert.is(root.status.code, 2);
    assert.match(root.status.message ?? '', /SIGINT/);
    const build = byName(spans, 'Build');
    within(build, root);
    assert.equal(build.status, { code: 2, message: 'interrupted' });
    const x = byName(spans, 'x');
    within(x, build);
    assert.is(x.attrs['prog.item.outcome'], 'unfinished');
    assert.is(x.endMs, root.endMs, 'it ran until the run ended');
  } finally {
    await rx.close();
  }
}));

/** A command that prints when it exits, and exits 4: how long prog holds its exit after that. */
const EXIT_4 = 'console.log(Date.now()); process.exit(4)';

async function heldRun(url: string): Promise<{ r: ProgResult; heldMs: number }> {
  const r = await runProg(['run', '--format', 'none', '--otlp', url, '--', node, '-e', EXIT_4], { env: NO_OTEL });
  const heldMs = Date.now() - Number(String(r.stdout).trim());
  return { r, heldMs };
}

test('a dead or failing endpoint: the command\'s exit status, one warning, and prog\'s exit held well under the 5 s deadline', async () => {
  const refused = await deadPort();
  const refusing = await receiver(400);
  const failing = await receiver(500);
  const busy = await receiver(503);
  const silent = await receiver('hang');
  try {
    const baseline = await runProg(['run', '--format', 'none', '--', node, '-e', EXIT_4], { env: NO_OTEL });
    const baselineMs = Date.now() - Number(String(baseline.stdout).trim());
    const cases: [string, string, RegExp][] = [
      ['connection refused', refused, /ECONNREFUSED/],
      ['HTTP 400', refusing.base, /Bad Request/],
      ['HTTP 500', failing.base, /Internal Server Error/],
      ['HTTP 503 (retried)', busy.base, /retryable status/],
      ['never answers', silent.base, /timed out/i],
    ];
    const held: string[] = [`no export ${baselineMs} ms`];
    for (const [what, url, why] of cases) {
      const { r, heldMs } = await heldRun(url);
      held.push(`${what} ${heldMs} ms`);
      assert.is(r.code, 4, `${what}: the command's status`);
      const w = warnings(r);
      assert.is(w.length, 1, `${what}: one warning: ${String(r.stderr)}`);
      assert.match(w[0]!, /^prog: warning: otlp: could not send the trace to http:\/\/127\.0\.0\.1:\d+\/…: /);
      assert.match(w[0]!, why);
      assert.match(w[0]!, /the run's exit status is unchanged$/);
      // Our own budget is 4 s (2 s a request); Exports gives up at 5 s whatever happens.
      assert.ok(heldMs < 5_000 + scaled(1_500), `${what}: prog's exit held ${heldMs} ms`);
    }
    console.log(`prog's exit held after the command ended: ${held.join(', ')}`);
  } finally {
    await Promise.all([refusing.close(), failing.close(), busy.close(), silent.close()]);
  }
});

test('a run of 2,500 items: every span arrives, in requests of at most 2,000 spans, failed items in the first', async () => {
  const rx = await receiver();
  try {
    const many = `
      const fd = Number(process.env.PROG_PROGRESS_FD);
      const lines = [JSON.stringify({ type: 'phase', id: 'map', total: 2500 })];
      for (let i = 0; i < 2500; i++) lines.push(JSON.stringify(i >= 2495 ? { type: 'item.fail', phase: 'map', id: 'i' + i, error: 'bad ' + i } : { type: 'item.done', phase: 'map', id: 'i' + i }));
      require('node:fs').writeFileSync(fd, lines.join('\\n') + '\\n');
      console.log(Date.now());`;
    const r = await runProg(['run', '--format', 'none', '--otlp', rx.base, '--', node, '-e', many], { env: NO_OTEL });
    const heldMs = Date.now() - Number(String(r.stdout).trim());
    assert.is(r.code, 0, String(r.stderr));
    assert.equal(warnings(r), []);
    assert.equal(rx.requests.map((q) => spansOf([q]).length), [2_000, 502]);
    const first = spansOf(rx.requests.slice(0, 1));
    assert.ok(first.some((s) => s.parent === undefined) && first.some((s) => s.name === 'map'), 'the root and the phase come first');
    assert.is(first.filter((s) => s.status.code === 2).length, 5, 'and the failed items');
    assert.is(spansOf(rx.requests).filter((s) => s.attrs['prog.item.id'] !== undefined).length, 2_500);
    const bytes = rx.requests.reduce((n, q) => n + JSON.stringify(q.body).length, 0);
    console.log(`2,502 spans in ${rx.requests.length} requests (${(bytes / 1e6).toFixed(1)} MB of JSON); prog's exit held ${heldMs} ms after the command ended`);
  } finally {
    await rx.close();
  }
});

/** A ledger of `n` items in phase `map`, the last `failed` of them failed. */
function bigRun(n: number, failed: number): FinishedRun {
  const ledger = new RunLedger();
  let t = 0;
  ledger.apply({ type: 'phase', id: 'map', seq: 0, t });
  for (let i = 0; i < n; i++) {
    const fail = i >= n - failed;
    ledger.apply(fail ? { type: 'item.fail', phase: 'map', id: `i${i}`, error: `bad ${i}`, seq: 0, t: ++t } : { type: 'item.done', phase: 'map', id: `i${i}`, seq: 0, t: ++t });
  }
  ledger.apply({ type: 'exit', exitCode: 1, signal: null, durationMs: t + 1, seq: 0, t: t + 1 });
  const counts = { processed: n, succeeded: n - failed, failed, retried: 0, skipped: 0, running: 0 };
  return {
    info: { id: 'r1', key: 'k', command: ['work'], cwd: '/', startedAt: '2026-12-04T10:00:00.000Z' },
    summary: { type: 'summary', id: 'r1', command: ['work'], status: 'failed', exitCode: 1, signal: null, durationMs: t + 1, counts, phases: [], failures: [], failuresOmitted: 0, invalidMarkers: 0 },
    snapshot: {} as FinishedRun['snapshot'],
    ledger,
    format: 'none',
  };
}

test('at most 10,000 item spans: every failed item is among them, the rest counted on the root as dropped', () => {
  const plan = planTrace(bigRun(MAX_ITEM_SPANS + 50, 5));
  const items = plan.spans.filter((s) => s.key.startsWith('item:'));
  assert.is(items.length, MAX_ITEM_SPANS);
  assert.is(items.filter((s) => s.error !== undefined).length, 5);
  assert.is(plan.droppedItems, 50);
  const root = plan.spans[0]!;
  assert.is(root.parent, undefined);
  assert.is(root.attributes['prog.trace.items_dropped'], 50);
  assert.is(root.attributes['prog.trace.item_span_limit'], MAX_ITEM_SPANS);
  assert.is(root.startMs, Date.parse('2026-12-04T10:00:00.000Z'));
  assert.ok(items.every((s) => s.parent === 'phase:map'));
});

test('--otlp takes a full traces URL or a base address; the variables follow the OTLP exporter spec', () => {
  const none = {};
  assert.is(tracesUrl('http://collector:4318', none), 'http://collector:4318/v1/traces');
  assert.is(tracesUrl('http://collector:4318/', none), 'http://collector:4318/v1/traces');
  assert.is(tracesUrl('https://api.honeycomb.io/v1/traces', none), 'https://api.honeycomb.io/v1/traces');
  assert.is(tracesUrl('http://gw/otel/traces', none), 'http://gw/otel/traces');
  assert.is(tracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), 'http://c:4318/v1/traces');
  assert.is(tracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/base/' }), 'http://c:4318/base/v1/traces');
  assert.is(tracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/t' }), 'http://c/t');
  assert.throws(() => tracesUrl('collector:4318', none), /http: or https:/);
  assert.throws(() => tracesUrl('not a url', none), /not a URL/);
});

test('without --otlp or OTEL_* variables the OpenTelemetry SDK is never loaded (NODE_DEBUG=module); with them it is', async () => {
  const rx = await receiver();
  try {
    const loads = (r: ProgResult) => String(r.stderr).split('\n').filter((l) => /^MODULE \d+: load .*vendor\/otel\.cjs/.test(l)).length;
    const plain = await runProg(['run', '--format', 'none', '--', 'true'], { env: { ...NO_OTEL, NODE_DEBUG: 'module' } });
    assert.is(plain.code, 0);
    assert.match(String(plain.stderr), /MODULE \d+: /, 'NODE_DEBUG=module reports loads at all');
    assert.is(loads(plain), 0, 'prog run -- true');
    const off = await runProg(['run', '--format', 'none', '--otlp', 'off', '--', 'true'], { env: { ...NO_OTEL, NODE_DEBUG: 'module', OTEL_EXPORTER_OTLP_ENDPOINT: rx.base } });
    assert.is(loads(off), 0, '--otlp off');
    const traced = await runProg(['run', '--format', 'none', '--', 'true'], { env: { ...NO_OTEL, NODE_DEBUG: 'module', OTEL_EXPORTER_OTLP_ENDPOINT: rx.base } });
    assert.is(traced.code, 0);
    assert.is(loads(traced), 1, 'OTEL_EXPORTER_OTLP_ENDPOINT set');
    assert.is(rx.requests.length, 1);
    // The vendor bundle is apart from prog.cjs: the SDK's code is not in what every run compiles.
    const bundle = readFileSync(join(projectRoot, 'dist', 'bundle', 'prog.cjs'), 'latin1');
    assert.not.match(bundle, /OTel-OTLP-Exporter-JavaScript|opentelemetry\.js\.api/);
    assert.match(readFileSync(join(projectRoot, 'dist', 'bundle', 'vendor', 'otel.cjs'), 'latin1'), /OTel-OTLP-Exporter-JavaScript/);
  } finally {
    await rx.close();
  }
});

test.run();
