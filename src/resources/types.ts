// What the resource sampler reports: one plain object per sample, and the peaks for the summary.
import type { ResourceError } from './resource-error.js';

/** The machine as a whole: CPU over all cores (0–100), memory in use (total − available). */
export interface MachineUsage {
  cpuPercent: number;
  memUsedBytes: number;
  memTotalBytes: number;
}

/** One agent's own process tree (the pid it carries and its descendants). */
export interface AgentUsage {
  /** Percent of one core: a tree busy on two cores shows 200. */
  cpuPercent: number;
  rssBytes: number;
  processes: number;
}

export interface ResourceSample {
  /** Date.now() when the sample was taken. */
  at: number;
  /** The child's whole tree, percent of one core since the previous sample. */
  cpuPercent: number;
  /** Summed resident memory of the tree (pages shared between its processes count once per process). */
  rssBytes: number;
  /** CPU time the tree has used since it started, reaped descendants included. */
  cpuSeconds: number;
  processes: number;
  /** Storage reads and writes of the tree; absent where /proc/PID/io cannot be read (not Linux, other users). */
  readBytesPerSec?: number;
  writeBytesPerSec?: number;
  /** Free space lost on the working directory's filesystem since start (negative: space was freed). */
  diskDeltaBytes?: number;
  machine: MachineUsage;
  agents?: Record<string, AgentUsage>;
}

export interface ResourcePeaks {
  peakRssBytes: number;
  cpuSeconds: number;
  peakCpuPercent: number;
  /** At the last sample; absent when the filesystem could not be measured. */
  diskDeltaBytes?: number;
  peakDiskDeltaBytes?: number;
}

export interface ResourceSamplerOptions {
  /** The child prog started (its own process group and session). */
  rootPid: number;
  /** Whose filesystem the disk delta is measured on. */
  cwd: string;
  intervalMs?: number;
  onSample?: (sample: ResourceSample) => void;
  /** A sample that failed for another reason than a process exiting; sampling goes on. Default: ignored. */
  onError?: (error: ResourceError) => void;
}
