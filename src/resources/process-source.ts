// Where process rows come from: /proc on Linux (procfs-processes.ts), systeminformation elsewhere
// (si-processes.ts). The tree logic (tree-meter.ts) only sees rows.

export interface ProcessRow {
  pid: number;
  ppid: number;
  /** When it started, in the source's own unit: another value under the same pid is another process. */
  startTime: number;
  /** Process group and session ids; -1 where the source does not say. */
  pgrp: number;
  session: number;
  /** A zombie: dead, waiting to be reaped; its CPU time still counts, it is not a process any more. */
  zombie: boolean;
  /** CPU seconds so far: its own, plus (Linux) those of the children it has reaped. */
  cpuSeconds: number;
  rssBytes: number;
  /** Cumulative bytes read from and written to storage; -1 until readIo says, or when unreadable. */
  readBytes: number;
  writeBytes: number;
}

export interface ProcessSource {
  /** True when a parent's cpuSeconds grows by what each child it reaps had used (Linux cutime). */
  readonly inheritsReaped: boolean;
  /** A row for every process that may belong to a watched tree. A process that vanishes mid-read is left out. */
  scan(): Promise<ProcessRow[]>;
  /** This live pid belongs to no watched tree: the source may skip it until it exits. */
  ignore(pid: number): void;
  /** A new root is watched: every process may matter again. */
  forgetIgnored(): void;
  /** Fills readBytes/writeBytes; false when the source cannot tell (unreadable, gone, unsupported). */
  readIo(row: ProcessRow): boolean;
  /** Releases what the source holds open; a later scan opens it again. */
  close(): void;
}
