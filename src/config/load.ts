// prog run's settings as a command resolves them: flags, then PROG_*, then the user config file
// (read only when some key needs it; its problems are warnings), then the defaults.
import { warnOnce } from '../diagnostics.js';
import { readConfigFile } from './file.js';
import type { RunOptions } from '../commands/run.js';
import type { PrunePolicy } from '../store/prune.js';
import { layeredSetting, PRUNE_KEYS, prunePolicy, resolveRunSettings, type ConfigValues, type RunFlags, type RunSettings } from './settings.js';

export function loadRunSettings(flags: RunFlags, env: NodeJS.ProcessEnv = process.env): RunSettings {
  return resolveRunSettings(flags, env, () => readConfig(env));
}

/**
 * What pruning keeps (keep-* keys: PROG_KEEP_*, the config file, the defaults), for the end of a
 * run. Never throws: prog run has already refused a bad PROG_KEEP_* at its start, and should one
 * be bad anyway, nothing is pruned (undefined) rather than the run's end failing.
 */
export function loadPrunePolicy(env: NodeJS.ProcessEnv = process.env): PrunePolicy | undefined {
  let cached: ConfigValues | undefined;
  try {
    const values = Object.fromEntries(PRUNE_KEYS.map((key) => [key, layeredSetting(key, env, () => (cached ??= readConfig(env))).value]));
    return prunePolicy(values as Parameters<typeof prunePolicy>[0]);
  } catch {
    return undefined;
  }
}

function readConfig(env: NodeJS.ProcessEnv): ConfigValues {
  const read = readConfigFile(env);
  read.problems.forEach((problem, i) => warnOnce(`config-${i}`, problem));
  return read.values;
}

/** The part of prog run's options its settings decide (rich as a mere default falls back in a pipe). */
export function settingsOptions(settings: RunSettings): Pick<RunOptions, 'format' | 'progressFd' | 'graceMs' | 'updateIntervalMs' | 'etaWindowMs' | 'sampleIntervalMs' | 'parsers' | 'exports'> {
  const format = settings.format === 'rich' && settings.sources.format !== 'flag' && process.stdout.isTTY !== true && process.stderr.isTTY !== true ? 'plain' : settings.format;
  return {
    format,
    progressFd: settings.progressFd,
    graceMs: settings.graceMs,
    updateIntervalMs: settings.updateIntervalMs,
    ...(settings.etaWindowMs === undefined ? {} : { etaWindowMs: settings.etaWindowMs }),
    ...(settings.sampleIntervalMs === undefined ? {} : { sampleIntervalMs: settings.sampleIntervalMs }),
    parsers: settings.parsers,
    exports: settings.exports,
  };
}
