// How resource figures read in every text view: `CPU 65% · Mem 1.2 GB · Disk +450 MB`.
// Decimal units (1 GB = 10⁹ bytes), as disks and most monitors count them.
import type { TreeUsage } from '../events.js';
import type { ResourcePeaks, ResourceUsage } from '../model/snapshot.js';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** 512 B, 3.4 MB, 1.2 GB: two or three significant digits. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${bytes < 0 ? '-' : ''}${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** A signed size: `+450 MB`, `-12 MB`, `±0 B`. */
function signedBytes(bytes: number): string {
  if (bytes === 0) return '±0 B';
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** CPU in percent of one core, so a tree busy on two cores reads 200%. */
function cpu(percent: number): string {
  return `${Math.round(percent)}%`;
}

/** The command's whole process tree now: `CPU 65% · Mem 1.2 GB · Disk +450 MB`. */
export function resourcesText(usage: ResourceUsage): string {
  const parts = [`CPU ${cpu(usage.cpuPercent)}`, `Mem ${formatBytes(usage.rssBytes)}`];
  if (usage.diskDeltaBytes !== undefined) parts.push(`Disk ${signedBytes(usage.diskDeltaBytes)}`);
  return parts.join(' · ');
}

/** One agent's own tree: `12% 340 MB`. */
export function agentUsageText(usage: TreeUsage): string {
  return `${cpu(usage.cpuPercent)} ${formatBytes(usage.rssBytes)}`;
}

/** For the summary: `peak memory 1.2 GB · CPU time 34.5s · peak CPU 180% · disk +450 MB`. */
export function peaksText(peaks: ResourcePeaks): string {
  const parts = [
    `peak memory ${formatBytes(peaks.peakRssBytes)}`,
    `CPU time ${peaks.cpuSeconds < 10 ? peaks.cpuSeconds.toFixed(1) : Math.round(peaks.cpuSeconds)}s`,
    `peak CPU ${cpu(peaks.peakCpuPercent)}`,
  ];
  if (peaks.diskDeltaBytes !== undefined) parts.push(`disk ${signedBytes(peaks.diskDeltaBytes)}`);
  return parts.join(' · ');
}
