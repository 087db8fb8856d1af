// Samples the child's process tree, each watched agent's tree, the machine and the working
// directory's filesystem every intervalMs (default 1 s) on an unref'd timer, and keeps the peaks
// for the summary. Linux reads /proc; other platforms load systeminformation on first use.
// A process that exits mid-sample is skipped; any other failure goes to onError and sampling goes on.
import { existsSync } from 'node:fs';
import { freeBytes } from './disk.js';
import { machineMeter, type MachineMeter } from './machine.js';
import { ProcessIndex, TreeMeter } from './process-tree.js';
import type { ProcessSource } from './process-source.js';
import { ResourceError } from './resource-error.js';
import type { AgentUsage, ResourcePeaks, ResourceSample, ResourceSamplerOptions } from './types.js';

interface Sources {
  processes: ProcessSource;
  machine: MachineMeter;
}

async function loadSources(): Promise<Sources> {
  const machine = machineMeter();
  if (process.platform === 'linux' && existsSync('/proc/self/stat')) {
    const { ProcfsProcesses } = await import('./procfs-processes.js');
    return { processes: new ProcfsProcesses(), machine: await machine };
  }
  const { SiProcesses } = await import('./si-processes.js');
  return { processes: await SiProcesses.load(), machine: await machine };
}

export class ResourceSampler {
  private readonly cwd: string;
  private readonly intervalMs: number;
  private readonly onSample: ((sample: ResourceSample) => void) | undefined;
  private readonly onError: ((error: ResourceError) => void) | undefined;
  private readonly tree: TreeMeter;
  private readonly agents = new Map<string, TreeMeter>();
  private sources: Promise<Sources> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** Samples run one at a time: a scan yields to the event loop and its state is shared. */
  private queue: Promise<unknown> = Promise.resolve();
  private running = false;
  private lastAt = 0;
  private startFree: number | undefined;
  private freeMeasured = false;
  private readonly peaks: ResourcePeaks = { peakRssBytes: 0, cpuSeconds: 0, peakCpuPercent: 0 };

  constructor(options: ResourceSamplerOptions) {
    const { rootPid, cwd, intervalMs = 1000 } = options;
    if (!Number.isSafeInteger(rootPid) || rootPid <= 0) throw new ResourceError('RESOURCE_OPTIONS', `rootPid must be a positive integer, not ${rootPid}`);
    if (!(intervalMs > 0 && Number.isFinite(intervalMs))) throw new ResourceError('RESOURCE_OPTIONS', `intervalMs must be a positive number, not ${intervalMs}`);
    this.cwd = cwd;
    this.intervalMs = intervalMs;
    this.onSample = options.onSample;
    this.onError = options.onError;
    this.tree = new TreeMeter(rootPid, true);
  }

  /** Takes the starting point now (not reported: it has no rates yet), then a sample every intervalMs. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick(false);
  }

  /** Measures this agent's own tree too (its pid and descendants) from the next sample on. */
  watch(agentId: string, pid: number): void {
    if (!Number.isSafeInteger(pid) || pid <= 0) throw new ResourceError('RESOURCE_OPTIONS', `agent ${agentId}: pid must be a positive integer, not ${pid}`);
    this.agents.set(agentId, new TreeMeter(pid, false));
    // A pid outside every tree measured so far may have been skipped as irrelevant: look again.
    if (!this.tree.members.has(pid)) void this.sources?.then((s) => s.processes.forgetIgnored());
  }

  unwatch(agentId: string): void {
    this.agents.delete(agentId);
  }

  /** Stops the timer, takes a last (unreported) sample so totals are current, closes what /proc files it held, and returns the peaks. */
  async stop(): Promise<ResourcePeaks> {
    const wasRunning = this.running;
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    if (wasRunning) await this.sampleOrReport();
    await this.sources?.then((s) => s.processes.close(), () => {});
    return { ...this.peaks };
  }

  /** One sample now (after any sample in progress). The first one is the starting point: its rates are 0. */
  sample(): Promise<ResourceSample> {
    const next = this.queue.then(() => this.takeSample());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async takeSample(): Promise<ResourceSample> {
    this.sources ??= loadSources();
    const { processes, machine } = await this.sources;
    const free = freeBytes(this.cwd); // a threadpool statfs while /proc is read here
    const rows = await processes.scan();
    const now = performance.now();
    const dtSec = this.lastAt === 0 ? 0 : (now - this.lastAt) / 1000;
    this.lastAt = now;
    const index = new ProcessIndex(rows);
    const tree = this.tree.measure(index, processes, dtSec);
    let agents: Record<string, AgentUsage> | undefined;
    if (this.agents.size > 0) {
      agents = {};
      for (const [id, meter] of this.agents) {
        const { cpuPercent, rssBytes, processes: count } = meter.measure(index, processes, dtSec);
        agents[id] = { cpuPercent, rssBytes, processes: count };
      }
    }
    for (const row of rows) if (!this.inAnyTree(row.pid)) processes.ignore(row.pid);
    const sample: ResourceSample = { at: Date.now(), ...tree, machine: await machine.read() };
    const freeNow = await free;
    if (!this.freeMeasured) {
      this.freeMeasured = true;
      this.startFree = freeNow;
    }
    if (this.startFree !== undefined && freeNow !== undefined) sample.diskDeltaBytes = this.startFree - freeNow;
    if (agents) sample.agents = agents;
    this.record(sample);
    return sample;
  }

  private inAnyTree(pid: number): boolean {
    if (this.tree.members.has(pid)) return true;
    for (const meter of this.agents.values()) if (meter.members.has(pid)) return true;
    return false;
  }

  private record(sample: ResourceSample): void {
    const p = this.peaks;
    p.peakRssBytes = Math.max(p.peakRssBytes, sample.rssBytes);
    p.peakCpuPercent = Math.max(p.peakCpuPercent, sample.cpuPercent);
    p.cpuSeconds = sample.cpuSeconds;
    if (sample.diskDeltaBytes !== undefined) {
      p.diskDeltaBytes = sample.diskDeltaBytes;
      p.peakDiskDeltaBytes = Math.max(p.peakDiskDeltaBytes ?? -Infinity, sample.diskDeltaBytes);
    }
  }

  private async sampleOrReport(): Promise<ResourceSample | undefined> {
    try {
      return await this.sample();
    } catch (error) {
      const wrapped = error instanceof ResourceError ? error : new ResourceError('RESOURCE_SAMPLE', `resource sample failed: ${(error as Error).message}`, { cause: error });
      this.onError?.(wrapped);
      return undefined;
    }
  }

  private tick(report: boolean): void {
    const started = performance.now();
    this.inFlight = (async () => {
      const sample = await this.sampleOrReport();
      this.inFlight = undefined;
      if (!this.running) return;
      // The next sample keeps the cadence: the time this one took comes off the wait.
      this.timer = setTimeout(() => this.tick(true), Math.max(0, this.intervalMs - (performance.now() - started)));
      this.timer.unref();
      if (report && sample) this.onSample?.(sample);
    })();
  }
}
