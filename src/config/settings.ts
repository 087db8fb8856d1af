// The settings `prog run` takes from several places, and the one order they are applied in:
// command-line flag > environment (PROG_*) > user config file > built-in default.
// One table says, per key, its variable, default, what it allows and how a value is written; the
// layering is the same for every key. This module loads nothing heavy: `prog run` imports it on
// its hot path.
import { FORMATS, type RequestedFormat } from '../display/format.js';
import { ProgError } from '../errors.js';
import type { PrunePolicy } from '../store/prune.js';
import { parseAge } from './age.js';
import { safeOrigin } from '../exporters/url-text.js';
import type { ExportOptions } from '../exporters/exporter.js';

export const SETTING_KEYS = [
  'format', 'grace', 'progress-fd', 'parser', 'update-interval', 'eta-window', 'sample-interval',
  'keep-runs', 'keep-runs-for', 'keep-history', 'keep-history-for',
  'junit', 'otlp', 'notify', 'notify-url', 'notify-after',
] as const;
/** The keys that say what automatic pruning keeps (no flag: they are for the store, not one run). */
export const PRUNE_KEYS = ['keep-runs', 'keep-runs-for', 'keep-history', 'keep-history-for'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];
export type SettingSource = 'flag' | 'env' | 'config' | 'default';

interface SettingSpec {
  env: string;
  /** Written the way `prog config` shows and stores values. */
  default: string;
  /** What the key accepts, in words, for error messages and help. */
  allowed: string;
  /** Whether a JSON number in the config file is accepted (as its decimal text). */
  numeric: boolean;
  /** The canonical written form of a value, or undefined when it is not allowed. */
  normalize(value: string): string | undefined;
}

const SECONDS = /^(\d+(\.\d*)?|\.\d+)$/;

/** Seconds in [min, max], written as the shortest decimal. */
function seconds(min: number, max: number) {
  return (value: string): string | undefined => {
    if (!SECONDS.test(value)) return undefined;
    const n = Number(value);
    return Number.isFinite(n) && n >= min && n <= max ? String(n) : undefined;
  };
}

/** A whole number from 1, or all (no limit). */
function count(value: string): string | undefined {
  if (value === 'all') return value;
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && Number.isSafeInteger(n) ? String(n) : undefined;
}

/** An age (30m, 12h, 7d, 2w), or all (no limit); written without spaces. */
function age(value: string): string | undefined {
  if (value === 'all') return value;
  const ms = parseAge(value);
  return ms === undefined || ms <= 0 ? undefined : value.replace(/\s+/g, '');
}

export const SETTINGS: Record<SettingKey, SettingSpec> = {
  format: {
    env: 'PROG_FORMAT',
    default: 'auto',
    allowed: `one of ${FORMATS.join(', ')}`,
    numeric: false,
    normalize: (value) => ((FORMATS as readonly string[]).includes(value) ? value : undefined),
  },
  grace: {
    env: 'PROG_GRACE',
    default: '10',
    allowed: 'a number of seconds ≥ 0',
    numeric: true,
    normalize: seconds(0, Number.MAX_SAFE_INTEGER),
  },
  'progress-fd': {
    env: 'PROG_PROGRESS_FD',
    default: '3',
    allowed: 'a descriptor number from 3 to 255, or none',
    numeric: true,
    normalize: (value) => {
      if (value === 'none') return value;
      if (!/^\d+$/.test(value)) return undefined;
      const fd = Number(value);
      return fd >= 3 && fd <= 255 ? String(fd) : undefined;
    },
  },
  parser: {
    env: 'PROG_PARSER',
    default: 'auto',
    allowed: 'auto, none, or a comma-separated list of parser names (see prog parsers)',
    numeric: false,
    // Names are only checked for shape here; `prog config set` and `prog run` check them against
    // the known parsers.
    normalize: (value) => {
      const names = value.split(',').map((n) => n.trim());
      if (names.some((n) => !/^[A-Za-z0-9._-]+$/.test(n))) return undefined;
      if (names.length > 1 && names.some((n) => n === 'auto' || n === 'none')) return undefined;
      return names.join(',');
    },
  },
  'update-interval': {
    env: 'PROG_UPDATE_INTERVAL',
    default: '1',
    allowed: 'a number of seconds from 0.1 to 3600',
    numeric: true,
    normalize: seconds(0.1, 3600),
  },
  'eta-window': {
    env: 'PROG_ETA_WINDOW',
    default: 'all',
    allowed: 'all, or a number of seconds ≥ 1',
    numeric: true,
    normalize: (value) => (value === 'all' ? value : seconds(1, Number.MAX_SAFE_INTEGER)(value)),
  },
  'sample-interval': {
    env: 'PROG_SAMPLE_INTERVAL',
    default: '1',
    allowed: 'a number of seconds from 0.1 to 3600, or off',
    numeric: true,
    normalize: (value) => (value === 'off' ? value : seconds(0.1, 3600)(value)),
  },
  // Pruning (store/prune.ts), at the end of a run. Run directories hold whole output logs: a month
  // and a thousand runs is far more than `prog ls` shows, and bounds the disk a busy loop can fill.
  // History lines are small (≈0.5 KB) and feed statistics and ETAs, so more of them stay, for good.
  'keep-runs': {
    env: 'PROG_KEEP_RUNS',
    default: '1000',
    allowed: 'a number of run directories ≥ 1 (the newest are kept), or all',
    numeric: true,
    normalize: count,
  },
  'keep-runs-for': {
    env: 'PROG_KEEP_RUNS_FOR',
    default: '30d',
    allowed: 'an age such as 12h, 30d or 8w (older run directories go), or all',
    numeric: false,
    normalize: age,
  },
  'keep-history': {
    env: 'PROG_KEEP_HISTORY',
    default: '10000',
    allowed: 'a number of history.ndjson lines ≥ 1 (the newest are kept), or all',
    numeric: true,
    normalize: count,
  },
  'keep-history-for': {
    env: 'PROG_KEEP_HISTORY_FOR',
    default: 'all',
    allowed: 'an age such as 90d or 52w (older history lines go), or all',
    numeric: false,
    normalize: age,
  },
  // Exporters (src/exporters): what a team's tooling gets once the run ends.
  junit: {
    env: 'PROG_JUNIT',
    default: 'none',
    allowed: 'a file to write JUnit XML to (relative to the working directory), or none',
    numeric: false,
    normalize: (value) => (value === '' || /[\n\r\0]/.test(value) ? undefined : value),
  },
  otlp: {
    env: 'PROG_OTLP',
    default: 'auto',
    allowed: 'auto (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT when set), off, or an http(s) URL of an OTLP/HTTP traces endpoint',
    numeric: false,
    normalize: (value) => (value === 'auto' || value === 'off' || httpUrl(value) ? value : undefined),
  },
  notify: {
    env: 'PROG_NOTIFY',
    default: 'off',
    allowed: 'on (a desktop notification when a run ends: notify-send, osascript) or off',
    numeric: false,
    normalize: (value) => (value === 'on' || value === 'true' ? 'on' : value === 'off' || value === 'false' ? 'off' : undefined),
  },
  'notify-url': {
    env: 'PROG_NOTIFY_URL',
    default: 'none',
    allowed: 'an http(s) URL the run\'s summary is POSTed to as JSON when it ends (a Slack or Discord webhook), or none',
    numeric: false,
    normalize: (value) => (value === 'none' || httpUrl(value) ? value : undefined),
  },
  'notify-after': {
    env: 'PROG_NOTIFY_AFTER',
    default: '30',
    allowed: 'a number of seconds ≥ 0: only runs that lasted at least this long notify',
    numeric: true,
    normalize: seconds(0, Number.MAX_SAFE_INTEGER),
  },
};

function httpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Each key's environment variable. */
export const ENV_VARS = Object.fromEntries(SETTING_KEYS.map((k) => [k, SETTINGS[k].env])) as Record<SettingKey, string>;
/** What each key accepts, in words. */
export const ALLOWED = Object.fromEntries(SETTING_KEYS.map((k) => [k, SETTINGS[k].allowed])) as Record<SettingKey, string>;

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}

/**
 * Checks a value for a key from the environment, a flag or the config file (a string, or a JSON
 * number for numeric keys) and returns it in its canonical written form, or undefined when it is
 * not allowed.
 */
export function normalizeSetting(key: SettingKey, raw: unknown): string | undefined {
  if (typeof raw === 'number') {
    if (!SETTINGS[key].numeric) return undefined;
    raw = String(raw);
  }
  if (typeof raw !== 'string') return undefined;
  return SETTINGS[key].normalize(raw.trim());
}

/** The message for a value that is not allowed; `where` names its origin, e.g. `PROG_GRACE` or `config key grace`. */
export function notAllowedMessage(key: SettingKey, where: string, raw: unknown): string {
  const shown = shownValue(key, raw);
  return `${where}: ${shown} is not allowed for ${key}; expected ${ALLOWED[key]}`;
}

/** Keys whose values may hold a secret (a webhook's token, a collector's credentials). */
const SECRET_KEYS: ReadonlySet<SettingKey> = new Set(['notify-url', 'otlp']);

/** A value as an error message shows it: quoted, or for a URL that may hold a secret, its scheme and host. */
export function shownValue(key: SettingKey, raw: unknown): string {
  if (typeof raw !== 'string') return JSON.stringify(raw);
  if (!SECRET_KEYS.has(key)) return `"${raw}"`;
  const origin = safeOrigin(raw, '');
  return origin === '' ? 'a value that is not a URL (not shown, as it may hold a secret)' : `"${origin}"`;
}

/** Settings given on the command line; a key is absent when its flag was not given. */
export interface RunFlags {
  format?: RequestedFormat | undefined;
  'progress-fd'?: string | undefined;
  grace?: number | undefined;
  parser?: string[] | undefined;
  'update-interval'?: number | undefined;
  'eta-window'?: string | undefined;
  'sample-interval'?: number | string | undefined;
  /** `--no-resources`: the same as `--sample-interval off`. */
  resources?: boolean | undefined;
  junit?: string | undefined;
  otlp?: string | undefined;
  /** `--notify` / `--no-notify`. */
  notify?: boolean | undefined;
  'notify-url'?: string | undefined;
  'notify-after'?: number | undefined;
}

/** Config file values, already checked (see normalizeSetting); a key is absent when not set. */
export type ConfigValues = Partial<Record<SettingKey, string>>;

export interface RunSettings {
  format: RequestedFormat;
  progressFd: number | null;
  graceMs: number;
  /** `--parser` values as runCommand takes them: [] or ['auto'] for auto, ['none'], or names. */
  parsers: string[];
  /** How often the views get a snapshot. */
  updateIntervalMs: number;
  /** How far back the ETA looks; undefined: the whole run. */
  etaWindowMs: number | undefined;
  /** How often resources are sampled; undefined: not at all. */
  sampleIntervalMs: number | undefined;
  /** What pruning keeps at the end of the run. */
  prune: PrunePolicy;
  /** What the exporters send or write once the run ends. */
  exports: ExportOptions;
  sources: Record<SettingKey, SettingSource>;
}

/** A key's value with the flag left out: environment > config > default (what `prog config list` shows). */
export interface Layered {
  value: string;
  source: Exclude<SettingSource, 'flag'>;
}

/**
 * The value of a key from the environment, the config file or the default. A bad environment value
 * is a usage error (the user set it for this run); the config file is read only when needed.
 */
export function layeredSetting(key: SettingKey, env: NodeJS.ProcessEnv, config: () => ConfigValues): Layered {
  const name = ENV_VARS[key];
  const fromEnv = env[name];
  if (fromEnv !== undefined && fromEnv !== '') {
    const value = normalizeSetting(key, fromEnv);
    if (value === undefined) throw new ProgError('USAGE', notAllowedMessage(key, name, fromEnv));
    return { value, source: 'env' };
  }
  const fromConfig = config()[key];
  if (fromConfig !== undefined) return { value: fromConfig, source: 'config' };
  return { value: SETTINGS[key].default, source: 'default' };
}

/** A flag's value as the table writes it (undefined when the flag was not given). */
function flagText(flags: RunFlags, key: SettingKey): string | undefined {
  if (key === 'sample-interval' && flags.resources === false) return 'off';
  if (key === 'notify' && flags.notify !== undefined) return flags.notify ? 'on' : 'off';
  // The keep-* keys have no flag.
  if (!(key in flags)) return undefined;
  const raw = flags[key as keyof RunFlags];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return raw.length === 0 ? undefined : raw.join(',');
  return String(raw);
}

/**
 * The one place `prog run`'s settings get their values. `config` is called at most once, and only
 * when a key is covered by neither a flag nor the environment.
 */
export function resolveRunSettings(flags: RunFlags, env: NodeJS.ProcessEnv, config: () => ConfigValues): RunSettings {
  let cached: ConfigValues | undefined;
  const lazyConfig = (): ConfigValues => (cached ??= config());
  const sources = {} as Record<SettingKey, SettingSource>;
  const values = {} as Record<SettingKey, string>;
  for (const key of SETTING_KEYS) {
    const given = flagText(flags, key);
    if (given !== undefined) {
      const value = normalizeSetting(key, given);
      if (value === undefined) throw new ProgError('USAGE', `--${key} must be ${ALLOWED[key]}; got ${shownValue(key, given)}`);
      values[key] = value;
      sources[key] = 'flag';
    } else {
      const l = layeredSetting(key, env, lazyConfig);
      values[key] = l.value;
      sources[key] = l.source;
    }
  }
  const ms = (text: string) => Math.round(Number(text) * 1000);
  return {
    format: values.format as RequestedFormat,
    progressFd: values['progress-fd'] === 'none' ? null : Number(values['progress-fd']),
    graceMs: ms(values.grace),
    // Flags keep their list (runCommand checks the names); a layered value is one comma list.
    parsers: sources.parser === 'flag' ? flags.parser! : [values.parser],
    updateIntervalMs: ms(values['update-interval']),
    etaWindowMs: values['eta-window'] === 'all' ? undefined : ms(values['eta-window']),
    sampleIntervalMs: values['sample-interval'] === 'off' ? undefined : ms(values['sample-interval']),
    prune: prunePolicy(values),
    exports: exportOptions(values),
    sources,
  };
}

/** The exporters' settings (checked, in their written form) as runCommand takes them. */
function exportOptions(values: Record<SettingKey, string>): ExportOptions {
  const options: ExportOptions = { notifyAfterMs: Math.round(Number(values['notify-after']) * 1000) };
  if (values.junit !== 'none') options.junit = values.junit;
  if (values.otlp !== 'auto') options.otlp = values.otlp;
  if (values.notify === 'on') options.notify = true;
  if (values['notify-url'] !== 'none') options.notifyUrl = values['notify-url'];
  return options;
}

/** What pruning keeps, from the keep-* values (checked, in their written form). */
export function prunePolicy(values: Pick<Record<SettingKey, string>, (typeof PRUNE_KEYS)[number]>): PrunePolicy {
  const limit = (text: string) => (text === 'all' ? undefined : Number(text));
  const ageMs = (text: string) => (text === 'all' ? undefined : parseAge(text));
  const policy: PrunePolicy = {};
  const keepRuns = limit(values['keep-runs']);
  const keepRunsForMs = ageMs(values['keep-runs-for']);
  const keepHistory = limit(values['keep-history']);
  const keepHistoryForMs = ageMs(values['keep-history-for']);
  if (keepRuns !== undefined) policy.keepRuns = keepRuns;
  if (keepRunsForMs !== undefined) policy.keepRunsForMs = keepRunsForMs;
  if (keepHistory !== undefined) policy.keepHistory = keepHistory;
  if (keepHistoryForMs !== undefined) policy.keepHistoryForMs = keepHistoryForMs;
  return policy;
}
