// The header: the workflow's row as the rich view words it (name, %, ETA with its range, elapsed,
// success rate, failures; on two rows when one cannot hold it), then the command's CPU, memory and
// disk, each with a sparkline of its recent samples, and the run's id.
import type { ResourcesEvent } from '../../../events.js';
import type { Snapshot } from '../../../model/snapshot.js';
import { formatBytes } from '../../resources-text.js';
import { headerLines, ICONS, SPINNER, type Field, type RowState } from '../../rich/rows.js';
import { sparkline } from '../../sparkline.js';
import { fit, type Style } from '../cells.js';
import type { Theme } from '../theme.js';

/** Samples a sparkline shows (one a second by default). */
const SAMPLES = 12;

/** The latest resource samples, for the sparklines. */
export class ResourceHistory {
  readonly cpu: number[] = [];
  readonly rss: number[] = [];
  readonly disk: number[] = [];

  add(sample: ResourcesEvent): void {
    push(this.cpu, sample.cpuPercent);
    push(this.rss, sample.rssBytes);
    if (sample.diskDeltaBytes !== undefined) push(this.disk, sample.diskDeltaBytes);
  }
}

function push(values: number[], value: number): void {
  values.push(value);
  if (values.length > SAMPLES) values.shift();
}

function spark(values: readonly number[], floor = 0): string {
  if (values.length < 2) return '';
  // From zero (or the floor, CPU's 100%), so a flat line means steady, not "all at the minimum".
  const max = Math.max(floor, ...values.map(Math.abs));
  const points = values.map((v) => ({ durationMs: max === 0 ? 0 : Math.abs(v), status: 'ok' as const }));
  return ` ${sparkline([{ durationMs: max, status: 'ok' }, ...points], { ascii: false }).slice(1)}`;
}

export interface HeaderInput {
  snapshot: Snapshot;
  /** The command line, while no workflow marker named the run. */
  title: string;
  runId: string;
  frame: number;
  /** What the run is doing about a stop being asked for. */
  signal?: Field;
  history: ResourceHistory;
}

export function headerRows(input: HeaderInput, width: number, theme: Theme): { text: string; style: Style }[] {
  const { snapshot } = input;
  const running = snapshot.status === 'running';
  const state: RowState = running ? 'running' : snapshot.status === 'ok' ? 'ok' : snapshot.status === 'interrupted' ? 'interrupted' : 'failed';
  const icon = running ? SPINNER[input.frame % SPINNER.length]! : ICONS[state];
  // The resources get a row of their own, with their sparklines.
  const { resources: _resources, ...rest } = snapshot;
  const lines = headerLines(rest, input.title, width, icon, input.signal);
  const rows = lines.map((text, i) => ({ text, style: i === 0 ? theme.bold : theme.dim }));
  return [...rows, { text: resourcesRow(input), style: theme.dim }];
}

function resourcesRow(input: HeaderInput): string {
  const usage = input.snapshot.resources;
  const run = `run ${input.runId}`;
  if (!usage || input.snapshot.status !== 'running') return `  ${run}`;
  const { history } = input;
  const parts = [`CPU ${Math.round(usage.cpuPercent)}%${spark(history.cpu, 100)}`, `Mem ${formatBytes(usage.rssBytes)}${spark(history.rss)}`];
  if (usage.diskDeltaBytes !== undefined) {
    const sign = usage.diskDeltaBytes > 0 ? '+' : usage.diskDeltaBytes === 0 ? '±' : '';
    parts.push(`Disk ${sign}${formatBytes(usage.diskDeltaBytes)}${spark(history.disk)}`);
  }
  return `  ${[...parts, run].join(' · ')}`;
}

/** The header's rows, each exactly `width` cells. */
export function headerPane(input: HeaderInput, width: number, theme: Theme): string[] {
  return headerRows(input, width, theme).map((row) => row.style(fit([{ text: row.text }], width)));
}
