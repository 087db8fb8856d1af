// The plain and JSON views in process, driven by a real model with synthetic times: the cadence
// rules (progress lines, snapshots), escaping and the summary, checked exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { ProgEvent, Unstamped } from '../../src/events.js';
import { JsonView } from '../../src/display/json.js';
import { PlainView } from '../../src/display/plain.js';
import { ProgressModel } from '../../src/model/progress-model.js';

/** Captures what a view writes to one of prog's streams while `body` runs. */
async function capture(stream: 'stdout' | 'stderr', body: () => void | Promise<void>): Promise<string> {
  const target = process[stream];
  const original = target.write;
  let text = '';
  target.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof target.write;
  try {
    await body();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    target.write = original;
  }
  return text;
}

/** A run driven by hand: events at chosen times into a model and a view. */
class Harness<V extends PlainView | JsonView> {
  readonly model = new ProgressModel();
  seq = 0;
  constructor(readonly view: V) {}
  emit(t: number, event: Unstamped): ProgEvent {
    const stamped = { seq: ++this.seq, t, ...event } as ProgEvent;
    this.model.apply(stamped);
    this.view.event(stamped, this.model);
    return stamped;
  }
  tick(t: number): void {
    this.view.tick(this.model.snapshot(t));
  }
  finish(t: number, exitCode: number): void {
    this.emit(t, { type: 'exit', exitCode, signal: null, durationMs: t });
    this.view.finish(this.model.summary({ id: 'run-1', command: ['x'] }), this.model.snapshot());
  }
}

const noColour = () => {
  process.env.NO_COLOR = '1';
  delete process.env.FORCE_COLOR;
};

// ---------------------------------------------------------------- plain: progress cadence

interface ProgressLine {
  tick: number;
  current: number;
  percent: number;
}

/** Drives one phase through `updates` (time, current) with a tick every second; returns its progress lines. */
async function plainProgress(total: number, updates: [number, number][], endMs: number): Promise<ProgressLine[]> {
  noColour();
  const lines: ProgressLine[] = [];
  await capture('stderr', () => {
    const h = new Harness(new PlainView());
    h.emit(0, { type: 'phase', id: 'p', name: 'Work', total });
    let next = 0;
    for (let t = 1000; t <= endMs; t += 1000) {
      while (next < updates.length && updates[next]![0] <= t) {
        const [at, current] = updates[next++]!;
        h.emit(at, { type: 'progress', phase: 'p', current });
      }
      const before = lines.length;
      const out = captureSync(() => h.tick(t));
      for (const m of out.matchAll(/^\[prog\] Work (\d+)\/\d+ (\d+)%/gm)) {
        lines.push({ tick: t, current: Number(m[1]), percent: Number(m[2]) });
      }
      assert.ok(lines.length - before <= 1, 'at most one progress line per phase per tick');
    }
  });
  return lines;
}

function captureSync(body: () => void): string {
  const original = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string) => {
    text += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    body();
  } finally {
    process.stderr.write = original;
  }
  return text;
}

test('plain: a slow phase gets a progress line every 10 s while it moves, not more often', async () => {
  // 1 unit a second of 1000: no 10 % boundary for 100 s.
  const updates: [number, number][] = Array.from({ length: 60 }, (_, i) => [i * 1000 + 500, i + 1]);
  const lines = await plainProgress(1000, updates, 60_000);
  assert.equal(lines.map((l) => l.tick), [10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
});

test('plain: a fast phase gets a line at each 10 % crossed, and only then (within 10 s)', async () => {
  // 7 % a second: 10 % boundaries at ~1.4 s, 2.9 s, 4.3 s …
  const updates: [number, number][] = Array.from({ length: 14 }, (_, i) => [i * 1000 + 500, Math.min(100, (i + 1) * 7)]);
  const lines = await plainProgress(100, updates, 14_000);
  const buckets = lines.map((l) => Math.floor(l.percent / 10));
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]! > buckets[i - 1]!, `line ${i} crossed a boundary: ${buckets}`);
  // Every boundary crossed by a tick shows up at that tick.
  assert.equal(buckets, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.is(lines[0]!.tick, 2000);
});

test('plain: a phase that does not move prints no progress lines, however long it waits', async () => {
  const lines = await plainProgress(100, [[500, 5]], 60_000);
  assert.equal(lines.map((l) => l.tick), [10_000], 'one line once 10 s have passed, then none while it stands still');
});

test('plain (property): every progress line crossed a 10 % boundary or came ≥ 10 s after the last, and no crossing is missed', async () => {
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 1, max: 5000 }),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 400 })), { minLength: 1, maxLength: 40 }),
    async (total, steps) => {
      // Each step: an update at some ms within the next second, moving current forward.
      let current = 0;
      const updates: [number, number][] = steps.map(([ms, add], i) => {
        current = Math.min(total, current + add);
        return [i * 1000 + ms, current];
      });
      const endMs = steps.length * 1000 + 1000;
      const lines = await plainProgress(total, updates, endMs);
      let last = { tick: 0, bucket: 0, current: 0 };
      for (const line of lines) {
        const bucket = Math.floor(line.percent / 10);
        assert.ok(bucket > last.bucket || line.tick - last.tick >= 10_000, `line at ${line.tick} neither crossed nor waited`);
        assert.ok(line.current !== last.current, 'a line only when the phase moved');
        last = { tick: line.tick, bucket, current: line.current };
      }
      // The last tick's state: if a boundary was crossed since the last line, it was printed.
      const finalBucket = Math.floor((Math.min(current, total) / total) * 100 / 10);
      if (current > 0) assert.ok(finalBucket <= last.bucket, `crossing to ${finalBucket}0 % was never printed`);
    },
  ), { numRuns: 150 });
});

// ---------------------------------------------------------------- plain: escaping, summary, shape

const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e';
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

test('plain: every field that came from a marker is escaped wherever it is shown', async () => {
  noColour();
  const out = await capture('stderr', () => {
    const h = new Harness(new PlainView({ recordDir: '/tmp/x' }));
    h.emit(0, { type: 'workflow', name: `wf${HOSTILE}` });
    h.emit(1, { type: 'phase', id: `id${HOSTILE}`, name: `name${HOSTILE}`, total: 10 });
    h.emit(2, { type: 'step', phase: `id${HOSTILE}`, name: `step${HOSTILE}`, index: 1, total: 2 });
    h.emit(3, { type: 'item.fail', phase: `id${HOSTILE}`, id: `item${HOSTILE}`, agent: `agent${HOSTILE}`, error: `err${HOSTILE}\nsecond line\r` });
    h.emit(4, { type: 'log', level: 'warn', source: `src${HOSTILE}`, message: `msg${HOSTILE}` });
    h.emit(1500, { type: 'progress', phase: `id${HOSTILE}`, current: 5 });
    h.tick(2000);
    h.emit(2500, { type: 'phase.end', id: `id${HOSTILE}`, status: 'ok' });
    h.finish(3000, 1);
  });
  assert.not.match(out, RAW, 'no raw control, C1 or bidi character reaches the terminal');
  assert.not.ok(out.includes('\r'), 'no carriage return');
  for (const prefix of ['wf', 'name', 'step', 'item', 'agent', 'err', 'src', 'msg']) {
    assert.ok(out.includes(`${prefix}\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e`), `${prefix} shown escaped`);
  }
  // A multi-line error (a compiler's output) is shown line by line, each under prog's own prefix.
  assert.ok(out.includes('err\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e\n[prog]     │ second line\\r\n'), 'each line of an error is prog\'s line, none starts bare');
  for (const line of out.split('\n').slice(0, -1)) assert.ok(line.startsWith('[prog] '), `line starts with [prog]: ${line}`);
  const phaseLines = out.split('\n').filter((l) => l.includes('name\\x1b'));
  assert.ok(phaseLines.length >= 4, 'the name is on the start, progress, end and summary lines');
});

test('plain: the summary has the outcome, duration, counts, phases and every failed item with its error', async () => {
  noColour();
  const out = await capture('stderr', () => {
    const h = new Harness(new PlainView({ recordDir: '/state/runs/run-1' }));
    h.emit(0, { type: 'phase', id: 'map', name: 'Map phase', total: 5 });
    h.emit(10, { type: 'item.done', phase: 'map', id: 'f1', agent: 'a1' });
    h.emit(20, { type: 'item.fail', phase: 'map', id: 'f2', agent: 'a2', error: 'timeout', retry: 1, maxRetries: 2 });
    h.emit(30, { type: 'item.fail', phase: 'map', id: 'f2', agent: 'a2', error: 'timeout again' });
    h.emit(40, { type: 'item.fail', phase: 'map', id: 'f3' });
    h.emit(50, { type: 'item.skip', phase: 'map', id: 'f4' });
    h.emit(60, { type: 'item.start', phase: 'map', id: 'f5' });
    h.finish(65_000, 2);
  });
  const lines = out.trimEnd().split('\n');
  const at = lines.findIndex((l) => l.startsWith('[prog] finished'));
  assert.is(lines[at], '[prog] finished failed · exit 2 · 1m 05s');
  assert.is(lines[at + 1], '[prog] items: 1 ok, 2 failed, 1 retried, 1 skipped, 1 running · 33% succeeded');
  assert.match(lines[at + 2]!, /^\[prog\] {3}✖ Map phase failed in 1m 05s · 4\/5$/);
  assert.is(lines[at + 3], '[prog] failed items:');
  assert.is(lines[at + 4], '[prog]   map/f2 [a2]: timeout again');
  assert.is(lines[at + 5], '[prog]   map/f3');
  assert.is(lines[at + 6], '[prog] recorded in /state/runs/run-1');
  assert.ok(out.includes('[prog] ✖ failed map/f2 [a2]: timeout again'), 'a final failure is shown as it happens');
  assert.not.ok(out.includes(': timeout\n'), 'a failure that will be retried is not shown as failed');
});

test('plain: more than 100 failures: the summary lists the last 100 and says how many are left out', async () => {
  noColour();
  const out = await capture('stderr', () => {
    const h = new Harness(new PlainView());
    for (let i = 0; i < 130; i++) h.emit(i, { type: 'item.fail', id: `i${i}`, error: `e${i}` });
    h.finish(200, 1);
  });
  assert.ok(out.includes('failed items (the last 100; 30 earlier not listed):'));
  assert.ok(out.includes('[prog]   i129: e129'));
  assert.ok(out.includes('[prog]   i30: e30'));
  assert.not.ok(out.includes('[prog]   i29: e29'));
  const live = out.split('\n').filter((l) => l.startsWith('[prog] ✖ failed'));
  assert.is(live.length, 10, 'only the first failures are shown live');
  assert.ok(out.includes('further failures are listed in the summary'));
});

test('plain: a status line waits for a line the child left unfinished on stderr, then follows its \\n', async () => {
  noColour();
  const out = await capture('stderr', () => {
    const h = new Harness(new PlainView());
    h.view.output('stderr', Buffer.from('partial'));
    h.emit(1, { type: 'log', level: 'info', message: 'hello' });
    h.view.output('stderr', Buffer.from('whole\n'));
    h.emit(2, { type: 'log', level: 'info', message: 'again' });
  });
  assert.is(out, 'partialwhole\n[prog] info: hello\n[prog] info: again\n');
});

test('plain: when stdout and stderr are one place (2>&1, a terminal), the child\'s stdout counts too', async () => {
  noColour();
  const write = (shared: boolean) => capture('stdout', async () => undefined).then(() => capture('stderr', async () => {
    const original = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      const h = new Harness(new PlainView({ sharedOutput: shared }));
      h.view.output('stdout', Buffer.from('downloading...'));
      h.emit(1, { type: 'log', level: 'info', message: 'hello' });
      h.view.output('stdout', Buffer.from('done\n'));
      h.view.output('stderr', Buffer.from('err'));
      h.view.output('stdout', Buffer.from('out\n'));
      h.emit(2, { type: 'log', level: 'info', message: 'again' });
      h.view.output('stderr', Buffer.from('x\n'));
    } finally {
      process.stdout.write = original;
    }
  }));
  // Only the stderr side is captured; the stdout bytes went to the same place in a real 2>&1.
  assert.is(await write(true), '[prog] info: hello\nerr[prog] info: again\nx\n', 'shared: the last write, on either stream, decides');
  assert.is(await write(false), '[prog] info: hello\nerrx\n[prog] info: again\n', 'separate: only stderr matters');
});

test('plain: a phase marker repeated to update its total does not announce the phase again', async () => {
  noColour();
  const out = await capture('stderr', () => {
    const h = new Harness(new PlainView());
    h.emit(0, { type: 'phase', id: 'p', name: 'Work', total: 10 });
    h.emit(5, { type: 'phase', id: 'p', total: 20 });
    h.emit(6, { type: 'phase.end', id: 'p', status: 'ok' });
    h.emit(7, { type: 'phase', id: 'p', name: 'Work' });
  });
  assert.is(out.split('\n').filter((l) => l.includes('started')).length, 2, 'started, and started again after it ended');
});

test('plain: colour only when asked: FORCE_COLOR colours and beats NO_COLOR; a non-empty NO_COLOR turns it off', async () => {
  const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  const run = async () => capture('stderr', () => {
    const h = new Harness(new PlainView());
    h.emit(0, { type: 'log', level: 'error', message: 'boom' });
  });
  try {
    delete process.env.NO_COLOR;
    process.env.FORCE_COLOR = '1';
    assert.match(await run(), /^\x1b\[2m\[prog\]\x1b\[22m \x1b\[31merror/);
    process.env.NO_COLOR = '1';
    assert.match(await run(), /^\x1b\[2m\[prog\]/, 'FORCE_COLOR wins, as in Node');
    delete process.env.FORCE_COLOR;
    assert.is(await run(), '[prog] error: boom\n');
    delete process.env.NO_COLOR;
    process.env.FORCE_COLOR = '0';
    assert.is(await run(), '[prog] error: boom\n', 'stderr is not a terminal here and FORCE_COLOR=0');
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

// ---------------------------------------------------------------- JSON view

test('json: snapshots at most one a second by the run clock, only after a change, final one always', async () => {
  const out = await capture('stdout', async () => {
    const h = new Harness(new JsonView());
    h.emit(0, { type: 'phase', id: 'p', total: 10 });
    h.tick(1000); // changed: snapshot
    h.emit(1100, { type: 'progress', phase: 'p', current: 1 });
    h.tick(1995); // a timer firing early: too soon
    h.tick(2000); // now
    h.tick(3000); // nothing changed: none
    h.emit(3500, { type: 'progress', phase: 'p', current: 2 });
    h.tick(4001);
    h.finish(4100, 0);
  });
  const objects = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  for (const o of objects) assert.is(o.version, 1);
  const snaps = objects.filter((o) => o.type === 'snapshot').map((o) => o.tMs);
  assert.equal(snaps, [1000, 2000, 4001, 4100]);
  assert.is(objects.at(-1)!.type, 'summary');
  assert.is(objects.at(-2)!.type, 'snapshot');
  assert.equal(objects.filter((o) => 'seq' in o).map((o) => o.seq), [1, 2, 3, 4]);
});

test('json: every record is one line with version first, even with newlines and hostile text inside', async () => {
  const out = await capture('stdout', () => {
    const h = new Harness(new JsonView());
    h.emit(0, { type: 'log', level: 'info', message: `a\nb\u2028c${HOSTILE}` });
    h.finish(10, 0);
  });
  const lines = out.split('\n');
  assert.is(lines.pop(), '');
  assert.is(lines.length, 4, 'log, exit, snapshot, summary');
  for (const line of lines) assert.ok(line.startsWith('{"version":1,"'), line);
  assert.is(JSON.parse(lines[0]!).message, `a\nb\u2028c${HOSTILE}`, 'text survives exactly');
});

test.run();
