// Exporters hand a run to what a team's tooling reads once it ends: GitHub Actions (step summary,
// annotations), a JUnit XML file, an OpenTelemetry trace, a notification. Each is one more consumer
// of the event stream (through the RunLedger), loaded only when asked for, and none can change how
// the run ends: a failure is one warning, and every exporter has a deadline.
import { warnOnce } from '../diagnostics.js';
import type { ProgEvent } from '../events.js';
import type { Snapshot, Summary } from '../model/snapshot.js';
import type { RunInfo } from '../store/run-store.js';
import { RunLedger } from './run-ledger.js';

/** What the user asked for (flags, PROG_* variables, config) and what the environment says. */
export interface ExportOptions {
  /** --junit FILE: JUnit XML of the run's tests. */
  junit?: string;
  /**
   * --otlp URL: the run as an OpenTelemetry trace sent there; `off`: never; absent: when
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set.
   */
  otlp?: string;
  /** --notify: a desktop notification when the run ends. */
  notify?: boolean;
  /** --notify-url URL: the run's summary POSTed as JSON (Slack/Discord-compatible `text`). */
  notifyUrl?: string;
  /** --notify-after SECONDS: notify only runs that lasted at least this long (ms here). */
  notifyAfterMs?: number;
}

/** The run as it ended, for every exporter. */
export interface FinishedRun {
  info: RunInfo;
  summary: Summary;
  snapshot: Snapshot;
  ledger: RunLedger;
  /** Where the run is recorded, when it is. */
  recordDir?: string;
  /** The view's format: exporters that print (GitHub annotations) keep off a JSON stdout. */
  format: string;
}

export interface Exporter {
  /** For warnings: `junit`, `otlp`, `github`, `notify`. */
  readonly name: string;
  /** Every event, as it happens: cheap work only (the ledger keeps what most need). */
  event?(event: ProgEvent): void;
  /** Every update interval while the command runs. */
  tick?(snapshot: Snapshot): void;
  /** The run has ended (and is recorded): write, send or print, within `deadlineMs`. */
  finish(run: FinishedRun): Promise<void>;
}

/** How long all exporters together may hold prog's exit after the command ended. */
export const EXPORT_DEADLINE_MS = 5_000;

/** The exporters this run needs, each imported only when asked for. */
export async function loadExporters(options: ExportOptions, env: NodeJS.ProcessEnv): Promise<Exporter[]> {
  const loading: Promise<Exporter>[] = [];
  if (env.GITHUB_ACTIONS === 'true') loading.push(import('./github.js').then((m) => m.githubExporter(env)));
  if (options.junit !== undefined) loading.push(import('./junit.js').then((m) => m.junitExporter(options.junit!)));
  const otlp = options.otlp ?? (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (otlp !== undefined && otlp !== '' && otlp !== 'off') loading.push(import('./otlp.js').then((m) => m.otlpExporter(options.otlp, env)));
  if (options.notify === true || options.notifyUrl !== undefined) loading.push(import('./notify.js').then((m) => m.notifyExporter(options, env)));
  const settled = await Promise.allSettled(loading);
  const exporters: Exporter[] = [];
  for (const result of settled) {
    if (result.status === 'fulfilled') exporters.push(result.value);
    else warnOnce(`export-load:${(result.reason as Error).message}`, `an exporter could not be loaded: ${(result.reason as Error).message}`);
  }
  return exporters;
}

/** Feeds the ledger and the exporters from the bus; `finish` runs them all once the run has ended. */
export class Exports {
  readonly ledger = new RunLedger();
  readonly #exporters: Exporter[];

  constructor(exporters: Exporter[]) {
    this.#exporters = exporters;
  }

  event(event: ProgEvent): void {
    guard('ledger', () => this.ledger.apply(event));
    for (const exporter of this.#exporters) guard(exporter.name, () => exporter.event?.(event));
  }

  tick(snapshot: Snapshot): void {
    for (const exporter of this.#exporters) guard(exporter.name, () => exporter.tick?.(snapshot));
  }

  /** Every exporter at once; whatever has not finished by the deadline is given up with a warning. */
  async finish(run: Omit<FinishedRun, 'ledger'>, deadlineMs = EXPORT_DEADLINE_MS): Promise<void> {
    const finished: FinishedRun = { ...run, ledger: this.ledger };
    await Promise.all(this.#exporters.map(async (exporter) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), deadlineMs);
        timer.unref();
      });
      try {
        const outcome = await Promise.race([exporter.finish(finished).then(() => 'done' as const), late]);
        if (outcome === 'late') warnOnce(`export:${exporter.name}`, `${exporter.name}: gave up after ${deadlineMs / 1000} s; the run's exit status is unchanged`);
      } catch (error) {
        warnOnce(`export:${exporter.name}`, `${exporter.name}: ${(error as Error).message}; the run's exit status is unchanged`);
      } finally {
        clearTimeout(timer);
      }
    }));
  }
}

/** An exporter's bug (or the ledger's) must not stop the run: it warns once and the run goes on. */
function guard(name: string, action: () => void): void {
  try {
    action();
  } catch (error) {
    warnOnce(`export-live:${name}`, `${name}: ${(error as Error).message}`);
  }
}
