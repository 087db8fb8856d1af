// GET /metrics: the Prometheus text exposition format (0.0.4), written by hand to the spec — a
// dozen families do not need a client library. Labels stay bounded: `run` and `phase` appear only
// for runs running now, never an item id; finished runs count only in the duration histogram.
import { join } from 'node:path';
import { newestRuns as newestHistory, SUMMARY_RUNS } from '../../store/history-tail.js';
import { readRunRecord } from '../../store/runs.js';
import type { RunFeed } from './feed.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Upper bounds of the run duration histogram, in seconds: 1 s to 4 h. */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];

interface Family {
  name: string;
  type: 'gauge' | 'counter' | 'histogram';
  help: string;
  samples: string[];
}

export function metricsText(running: RunFeed[], stateRoot: string): string {
  const f = (name: string, type: Family['type'], help: string): Family => ({ name, type, help, samples: [] });
  const up = f('prog_runs_running', 'gauge', 'Runs running now in this state dir.');
  const progress = f('prog_run_progress_ratio', 'gauge', 'Progress of a running run (0-1), when its total is known.');
  const phase = f('prog_phase_progress_ratio', 'gauge', 'Progress of each phase of a running run (0-1), when its total is known.');
  const items = f('prog_run_items_total', 'counter', 'Items of a running run by outcome.');
  const eta = f('prog_run_eta_seconds', 'gauge', 'Time left of a running run: the estimate (bound="mid") and its range (low, high).');
  const elapsed = f('prog_run_elapsed_seconds', 'gauge', 'Time since a running run started.');
  const cpu = f('prog_run_cpu_ratio', 'gauge', "CPU of a running run's process tree, in cores.");
  const memory = f('prog_run_memory_bytes', 'gauge', "Resident memory of a running run's process tree.");
  up.samples.push(sample(up.name, {}, running.length));
  for (const feed of running) {
    const s = feed.snapshot();
    // The workflow as history groups it (--name, a workflow marker, else command @ cwd): the same label live and in the histogram.
    const run = { run: feed.id, workflow: labelText(s.workflow ?? workflowOf(readRunRecord(feed.dir) ?? {})) };
    if (s.percent !== undefined) progress.samples.push(sample(progress.name, run, s.percent / 100));
    for (const p of s.phases) if (p.percent !== undefined) phase.samples.push(sample(phase.name, { ...run, phase: p.name }, p.percent / 100));
    for (const outcome of ['succeeded', 'failed', 'skipped', 'retried'] as const) items.samples.push(sample(items.name, { ...run, outcome }, s.counts[outcome]));
    for (const [bound, ms] of [['mid', s.etaMs], ['low', s.etaLowMs], ['high', s.etaHighMs]] as const) {
      if (ms !== undefined) eta.samples.push(sample(eta.name, { ...run, bound }, ms / 1000));
    }
    elapsed.samples.push(sample(elapsed.name, run, s.elapsedMs / 1000));
    if (s.resources) {
      cpu.samples.push(sample(cpu.name, run, s.resources.cpuPercent / 100));
      memory.samples.push(sample(memory.name, run, s.resources.rssBytes));
    }
  }
  const families = [up, progress, phase, items, eta, elapsed, cpu, memory, durations(stateRoot)];
  return families.map(render).join('');
}

/** Finished runs of the recent history, per workflow and status. */
function durations(stateRoot: string): Family {
  const family: Family = { name: 'prog_run_duration_seconds', type: 'histogram', help: 'Durations of finished runs in history (the last 1000), per workflow and status.', samples: [] };
  let runs;
  try {
    runs = newestHistory(join(stateRoot, 'history.ndjson'), SUMMARY_RUNS).runs;
  } catch {
    return family; // an unreadable history costs only this family
  }
  const groups = new Map<string, { labels: Record<string, string>; seconds: number[] }>();
  for (const run of runs) {
    if (run.durationMs === undefined) continue;
    const labels = { workflow: labelText(workflowOf({ workflow: run.record.workflow, key: run.key })), status: run.status };
    const key = JSON.stringify(labels);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { labels, seconds: [] }));
    group.seconds.push(run.durationMs / 1000);
  }
  for (const { labels, seconds } of groups.values()) {
    for (const le of DURATION_BUCKETS) family.samples.push(sample(`${family.name}_bucket`, { ...labels, le: String(le) }, seconds.filter((s) => s <= le).length));
    family.samples.push(sample(`${family.name}_bucket`, { ...labels, le: '+Inf' }, seconds.length));
    family.samples.push(sample(`${family.name}_sum`, labels, seconds.reduce((a, b) => a + b, 0)));
    family.samples.push(sample(`${family.name}_count`, labels, seconds.length));
  }
  return family;
}

function workflowOf(record: { workflow?: unknown; key?: unknown }): string {
  return typeof record.workflow === 'string' && record.workflow !== '' ? record.workflow : typeof record.key === 'string' ? record.key : '';
}

/** A workflow named by its command line can be long: a label keeps its start. */
function labelText(text: string): string {
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

function render(family: Family): string {
  return `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n${family.samples.join('')}`;
}

function sample(name: string, labels: Record<string, string>, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}\n`;
}

/** Label values escape backslash, double quote and newline (the exposition format's three). */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(Math.round(value * 1e6) / 1e6);
}
