// GitHub Actions (GITHUB_ACTIONS=true): once the run ends, its failures and located errors and
// warnings become annotations, and its summary is appended to the step's summary file
// ($GITHUB_STEP_SUMMARY). The plain view's ::group:: folding is the view's (display/plain.ts).
//
// Annotations go to stderr, whatever the format: the runner reads workflow commands from the
// step's stdout and stderr alike (actions/runner ScriptHandler wires an OutputManager to each),
// and prog's stdout is the command's own output, or NDJSON under --format json, neither of which
// prog adds lines to.
import { appendFile, stat } from 'node:fs/promises';
import { terminalStderr } from '../display/terminal-output.js';
import { historyPrior } from '../store/history-prior.js';
import { stateDir } from '../store/state-dir.js';
import { progVersion } from '../version.js';
import type { Exporter, FinishedRun } from './exporter.js';
import { annotationCommands, planAnnotations } from './github-annotations.js';
import { EtaRecorder } from './github-eta-accuracy.js';
import { SUMMARY_LIMIT_BYTES } from './github-markdown.js';
import { stepSummary } from './github-summary.js';

/** Below this much room left in the step summary, prog adds nothing to it (it would be a stub). */
const MIN_ROOM_BYTES = 2048;

export function githubExporter(env: NodeJS.ProcessEnv): Exporter {
  const eta = new EtaRecorder();
  return {
    name: 'github',
    tick: (snapshot) => eta.add(snapshot),
    async finish(run) {
      const workspace = env.GITHUB_WORKSPACE;
      const annotations = planAnnotations(run.ledger, { cwd: run.info.cwd, ...(workspace ? { workspace } : {}) });
      const commands = annotationCommands(annotations);
      // Under --format none the command's stderr may have ended mid-line, which would swallow the
      // first command: a line of its own for them (the other views end their output on a line end).
      if (commands !== '') terminalStderr().write(`${run.format === 'none' ? '\n' : ''}${commands}`);
      const file = env.GITHUB_STEP_SUMMARY;
      if (file === undefined || file === '') return;
      const existing = await sizeOf(file);
      const room = SUMMARY_LIMIT_BYTES - existing;
      if (room < MIN_ROOM_BYTES) {
        throw new Error(`the step summary is ${existing} bytes already, near GitHub's 1 MiB limit: this run's summary was not added`);
      }
      const markdown = stepSummary({
        summary: run.summary, ledger: run.ledger, annotations, pastRuns: pastRuns(run),
        ...withEta(eta, run), version: progVersion(),
      }, room - (existing > 0 ? 1 : 0));
      // Appended, as GitHub asks: an earlier step's or command's summary in this step stays.
      await appendFile(file, `${existing > 0 ? '\n' : ''}${markdown}`);
    },
  };
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

function withEta(eta: EtaRecorder, run: FinishedRun): { eta?: NonNullable<ReturnType<EtaRecorder['accuracy']>> } {
  const accuracy = eta.accuracy(run.summary.durationMs);
  return accuracy === undefined ? {} : { eta: accuracy };
}

/**
 * How many past runs of this workflow the ETA had to go on. The history already holds this run
 * (the store wrote it before the exporters ran): its own line, the newest, is not counted.
 */
function pastRuns(run: FinishedRun): number {
  if (run.recordDir === undefined) return 0;
  const durations = historyPrior(stateDir(), run.info.key)?.run?.durationsMs ?? [];
  const own = durations.length > 0 && durations[durations.length - 1] === run.summary.durationMs ? 1 : 0;
  return durations.length - own;
}
