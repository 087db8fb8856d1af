// Traces for the ETA benchmark: progress (t, current, total) over a run whose end is known.
// Synthetic workloads are deterministic (seeded); recordings of real tools are replayed in-process
// through the parsers and the model, at their recorded times.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LineEnd, MarkerEvent, ProgEvent, StreamName, Unstamped } from '../../src/events.js';
import { ProgressModel } from '../../src/model/progress-model.js';
import { loadParserSpecs, ParserHub } from '../../src/parsers/parser-hub.js';

export interface Point { t: number; current: number; total: number }
export interface Trace {
  name: string;
  points: Point[];
  /** When the run ended: the truth the ETA is scored against. */
  endMs: number;
  /** Whether a history prior makes sense (a run of the same work with the same total). */
  prior: boolean;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const expo = (r: () => number, mean: number) => -Math.log(1 - r()) * mean;
const lognormal = (r: () => number, median: number, sigma: number) => {
  const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return median * Math.exp(sigma * z);
};

/** Items finishing one by one, each taking dur(i) ms (of `n`), reported as they finish. */
function items(name: string, n: number, dur: (i: number) => number, prior = true): Trace {
  const points: Point[] = [];
  let t = 0;
  for (let i = 1; i <= n; i++) {
    t += dur(i);
    points.push({ t, current: i, total: n });
  }
  return { name, points, endMs: t, prior };
}

/** Work whose pace is rate(t) units/ms, reported every `every(t)` ms, until `total`. */
function flow(name: string, total: number, rate: (t: number) => number, every: (t: number) => number, prior = true): Trace {
  const points: Point[] = [];
  let t = 0;
  let done = 0;
  const step = 10;
  let next = every(0);
  while (done < total) {
    t += step;
    done = Math.min(total, done + rate(t) * step);
    if (t >= next || done >= total) {
      points.push({ t, current: Math.floor(done), total });
      next = t + every(t);
    }
  }
  points[points.length - 1]!.current = total;
  return { name, points, endMs: t, prior };
}

/** Agents working in parallel, each item's duration drawn by `dur`; progress = items finished. */
function agents(name: string, n: number, workers: number, dur: (i: number) => number, prior = true): Trace {
  const free = Array.from({ length: workers }, () => 0);
  const ends: number[] = [];
  for (let i = 1; i <= n; i++) {
    const w = free.indexOf(Math.min(...free));
    free[w] = free[w]! + dur(i);
    ends.push(free[w]!);
  }
  ends.sort((a, b) => a - b);
  return { name, points: ends.map((t, i) => ({ t, current: i + 1, total: n })), endMs: ends[ends.length - 1]!, prior };
}

export function syntheticTraces(): Trace[] {
  const r = rng(42);
  const traces: Trace[] = [];
  traces.push(items('steady (600 items, ~1 s each)', 600, () => expo(r, 1000)));
  traces.push(agents('parallel agents (8 × lognormal)', 800, 8, () => lognormal(r, 4000, 0.8)));
  traces.push(items('pace halves at 40 %', 500, (i) => expo(r, i < 200 ? 500 : 1000)));
  traces.push(items('pace doubles at 50 %', 500, (i) => expo(r, i < 250 ? 1000 : 500)));
  traces.push(items('slow start (warm cache)', 500, (i) => expo(r, i < 50 ? 3000 : 600)));
  traces.push(flow('stalls (3 × 40 s)', 100_000, (t) => ((t > 60_000 && t < 100_000) || (t > 180_000 && t < 220_000) || (t > 300_000 && t < 340_000) ? 0 : 0.4), () => 500));
  traces.push(agents('bursts (batches of 50)', 1000, 50, () => 20_000 + r() * 2000));
  traces.push(items('slow tail (last 10 % 5× slower)', 500, (i) => expo(r, i > 450 ? 3000 : 600)));
  traces.push(flow('sparse updates (every 20 s)', 1_000_000, () => 1.5 + 0.3 * Math.sin(0), () => 20_000));
  traces.push(flow('very frequent updates (10 ms, noisy)', 1_000_000, (t) => 5 * (0.6 + 0.8 * ((Math.sin(t / 7000) + 1) / 2)), () => 10));
  traces.push(flow('drifting pace (slowing gradually)', 200_000, (t) => 1 / (1 + t / 200_000), () => 250 + r() * 500));
  // Retries: 20 % of items fail once or twice before they succeed; a retried attempt is not progress.
  traces.push(items('retries (20 % of items retried)', 400, () => {
    let d = expo(r, 800);
    while (r() < 0.2) d += expo(r, 800);
    return d;
  }));
  traces.push(items('short run (5 s, 50 items)', 50, () => expo(r, 100)));
  return traces;
}

/** Replays a recording through the parsers and the model: progress over the run's phases with totals. */
export async function fixtureTraces(root: string): Promise<Trace[]> {
  const specs = await loadParserSpecs();
  const traces: Trace[] = [];
  // The parser fixtures (short runs), then the long runs recorded for this benchmark
  // (bench/eta/recordings/record.sh), named `long/<tool>/<name>`.
  const sources: [string, string][] = [
    [join(root, 'test', 'fixtures'), ''],
    [join(root, 'bench', 'eta', 'recordings'), 'long/'],
  ];
  for (const [dir, prefix] of sources) {
    if (!existsSync(dir)) continue;
    for (const tool of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
      for (const file of readdirSync(join(dir, tool)).filter((f) => f.endsWith('.rec')).sort()) {
        const trace = replay(specs, join(dir, tool, file), `${prefix}${tool}/${basename(file, '.rec')}`);
        if (trace) traces.push(trace);
      }
    }
  }
  return traces;
}

/** A recording's progress as the parsers and the model see it, replayed in-process at its recorded times. */
export function replay(specs: Awaited<ReturnType<typeof loadParserSpecs>>, path: string, name: string): Trace | undefined {
  const model = new ProgressModel();
  let seq = 0;
  let now = 0;
  const points: Point[] = [];
  const apply = (e: Unstamped<MarkerEvent>) => model.apply({ ...e, seq: ++seq, t: now } as ProgEvent);
  const hub = new ParserHub(specs, 'auto', apply);
  const pending = new Map<number, string>();
  let endMs = 0;
  const sample = () => {
    const snap = model.snapshot(now);
    const withTotal = snap.phases.filter((p) => p.total !== undefined);
    if (withTotal.length === 0) return;
    const total = withTotal.reduce((s, p) => s + p.total!, 0);
    const current = withTotal.reduce((s, p) => s + Math.min(p.current, p.total!), 0);
    const last = points[points.length - 1];
    if (!last || last.current !== current || last.total !== total) points.push({ t: now, current, total });
  };
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) {
    const rec = JSON.parse(line) as { t: number; fd?: number; b64?: string; exit?: number };
    now = rec.t;
    if (rec.exit !== undefined) { endMs = rec.t; break; }
    const stream: StreamName = rec.fd === 2 ? 'stderr' : 'stdout';
    let text = (pending.get(rec.fd ?? 1) ?? '') + Buffer.from(rec.b64 ?? '', 'base64').toString('utf8');
    const re = /\r\n|\n|\r/g;
    let at = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      // A lone \r at the chunk's end may be the start of \r\n: keep it for the next chunk.
      if (m[0] === '\r' && m.index === text.length - 1) break;
      hub.line(stream, text.slice(at, m.index), m[0] as LineEnd);
      at = m.index + m[0].length;
    }
    text = text.slice(at);
    pending.set(rec.fd ?? 1, text);
    // As prog does: parsers that read unfinished lines (pytest's `tests/a.py ..F.`) see them grow.
    if (text !== '' && !text.endsWith('\r') && hub.wantsPartial) hub.partial(stream, text);
    sample();
  }
  for (const [fd, rest] of pending) if (rest !== '') hub.line(fd === 2 ? 'stderr' : 'stdout', rest.replace(/\r$/, ''), rest.endsWith('\r') ? '\r' : '');
  hub.end();
  sample();
  // Only runs with a total, some progress before the end, and a few updates: an ETA needs them.
  const inside = points.filter((p) => p.t < endMs);
  if (inside.length < 3 || endMs <= 0 || !inside.some((p) => p.current > 0)) return undefined;
  return { name, points: inside, endMs, prior: true };
}
