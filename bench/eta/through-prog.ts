// Runs a recording through prog itself, as a user would: `prog run --format json --update-interval
// 0.2 -- node test/fixtures/replay.js REC`, with its own PROG_HOME (history included or not), and
// reads back what prog showed: its snapshots' run-level ETA and range, on the recording's clock.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What prog showed at one moment: the run's ETA and range (absent: no ETA shown). */
export interface Shown { t: number; etaMs?: number; lowMs?: number; highMs?: number }

export interface ProgTimeline {
  /** Snapshots, on the recording's clock (prog's clock less the replay's start-up). */
  shown: Shown[];
  /** When the replay ended, on the recording's clock (its exit, as prog saw it). */
  endMs: number;
  /** prog's clock minus the recording's: when the replay's first byte reached prog, less its recorded time. */
  offsetMs: number;
  exitCode: number | null;
}

interface Rec { t: number; fd?: number; b64?: string; exit?: number }

/** The recording's first chunk: its time, and its first bytes (to find it among prog's `output` events). */
function firstChunk(rec: string): Rec {
  for (const line of readFileSync(rec, 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as Rec;
    if (r.b64 !== undefined) return r;
  }
  throw new Error(`${rec}: no output recorded`);
}

/**
 * One run of `rec` through prog. The replay starts a little after prog's clock does (node's
 * start-up): the first `output` event, against the recording's first chunk, gives the offset.
 */
export async function runThroughProg(root: string, rec: string, home: string, updateInterval = 0.2): Promise<ProgTimeline> {
  const args = [join(root, 'bin', 'prog.cjs'), 'run', '--format', 'json', '--update-interval', String(updateInterval), '--', process.execPath, join(root, 'test', 'fixtures', 'replay.js'), rec];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, PROG_HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => (out += d));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const first = firstChunk(rec);
  let offsetMs: number | undefined;
  let exitT: number | undefined;
  const snaps: Shown[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as { type: string; t?: number; tMs?: number; status?: string; etaMs?: number; etaLowMs?: number; etaHighMs?: number };
    if (e.type === 'output' && offsetMs === undefined) offsetMs = e.t! - first.t;
    else if (e.type === 'exit') exitT = e.t;
    else if (e.type === 'snapshot' && e.status === 'running') {
      snaps.push({ t: e.tMs!, ...(e.etaMs === undefined ? {} : { etaMs: e.etaMs, lowMs: e.etaLowMs ?? e.etaMs, highMs: e.etaHighMs ?? e.etaMs }) });
    }
  }
  if (offsetMs === undefined || exitT === undefined) throw new Error(`${rec}: prog printed no output or no exit (exit ${exitCode})`);
  const off = offsetMs;
  return { shown: snaps.map((s) => ({ ...s, t: s.t - off })), endMs: exitT - off, offsetMs: off, exitCode };
}

/**
 * Makes the run just recorded in `home` look like three earlier runs of the same work, as runs of
 * the same work vary: 0.9, 1.1 and 1.2 times its duration (and each phase's), a minute apart. Their
 * median is 10 % off this run's, so history is not handed the answer.
 */
export const HISTORY_SCALES = [0.9, 1.1, 1.2];

export function threeRunsOfHistory(home: string): boolean {
  const path = join(home, 'history.ndjson');
  let last: string | undefined;
  try {
    last = readFileSync(path, 'utf8').split('\n').filter(Boolean).at(-1);
  } catch {
    return false;
  }
  if (last === undefined) return false;
  const record = JSON.parse(last) as { id: string; startedAt: string; durationMs?: number; phases?: { durationMs: number }[] };
  const runs = HISTORY_SCALES.map((k, i) => JSON.stringify({
    ...record,
    id: `${record.id}-${i}`,
    startedAt: new Date(Date.parse(record.startedAt) - (HISTORY_SCALES.length - i) * 60_000).toISOString(),
    ...(record.durationMs === undefined ? {} : { durationMs: Math.round(record.durationMs * k) }),
    ...(record.phases === undefined ? {} : { phases: record.phases.map((p) => ({ ...p, durationMs: Math.round(p.durationMs * k) })) }),
  }));
  writeFileSync(path, runs.map((r) => `${r}\n`).join(''));
  return true;
}
