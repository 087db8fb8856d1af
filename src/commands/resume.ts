// `prog resume <run>`: the same command again, in the same directory and workflow, told which
// items the earlier run completed ($PROG_RESUME_FILE, one id per line) so it can skip them; the
// view starts from those counts. A chain of resumes carries every earlier run's items along.
// Ids that cannot be a line of that list (a newline, any control character…) are left out of it,
// and out of the counts: the resumed run does those items again.
import { join } from 'node:path';
import { loadRunSettings, settingsOptions } from '../config/load.js';
import { warnOnce } from '../diagnostics.js';
import type { RequestedFormat } from '../display/format.js';
import { ProgError } from '../errors.js';
import type { ProgEvent } from '../events.js';
import { listableId } from '../store/resume-list.js';
import { RunReader } from '../store/run-reader.js';
import { findRun } from '../store/runs.js';
import { stateDir } from '../store/state-dir.js';
import { readStateFile } from '../store/state-files.js';
import { runCommand, type ResumedItem } from './run.js';

export interface ResumeOptions {
  target: string;
  format?: RequestedFormat;
}

export async function resumeCommand(options: ResumeOptions): Promise<void> {
  const run = findRun(stateDir(), options.target);
  if (run.state === 'running') throw new ProgError('USAGE', `run ${run.id} is still running; prog stop ${run.id} first, or prog attach ${run.id}`);
  const completed = completedItems(run.dir);
  const items = completed.filter((item) => listableId(item.id));
  const left = completed.length - items.length;
  if (left > 0) {
    warnOnce('resume-unlisted', `${left} completed ${left === 1 ? 'item has an id' : 'items have ids'} with a newline or another control character: not in $PROG_RESUME_FILE, so ${left === 1 ? 'it runs' : 'they run'} again`);
  }
  try {
    process.chdir(run.record.cwd);
  } catch (error) {
    throw new ProgError('USAGE', `cannot resume in ${run.record.cwd}: ${(error as Error).message}`, { cause: error });
  }
  await runCommand({
    command: run.record.command,
    ...settingsOptions(loadRunSettings(options.format === undefined ? {} : { format: options.format })),
    // The same workflow, so history and the ETA treat the resumed run as one of its runs.
    name: run.record.key,
    // Strict markers stay strict (with a new secret).
    markerNonce: run.record.markerNonce === true,
    resume: { from: run.id, items },
  });
}

/** Items the run completed (item.done), with those of the runs it resumed itself; each once. */
export function completedItems(dir: string): ResumedItem[] {
  const seen = new Map<string, ResumedItem>();
  const add = (item: ResumedItem) => seen.set(`${item.phase ?? ''}\0${item.id}`, item);
  for (const item of earlier(dir)) add(item);
  const reader = new RunReader(dir);
  try {
    for (const entry of reader.read()) {
      if (entry.kind !== 'event') continue;
      const event: ProgEvent = entry.event;
      if (event.type === 'item.done') add(event.phase === undefined ? { id: event.id } : { phase: event.phase, id: event.id });
    }
  } finally {
    reader.close();
  }
  return [...seen.values()];
}

function earlier(dir: string): ResumedItem[] {
  const text = readStateFile(join(dir, 'resume.json'));
  if (text === undefined) return [];
  try {
    const items = JSON.parse(text) as unknown;
    return Array.isArray(items) ? items.filter((i): i is ResumedItem => typeof i?.id === 'string') : [];
  } catch {
    // Damaged: those items run again, which is safe where skipping them would not be.
    return [];
  }
}
