// The settings `prog run` takes from several places, and the one order they are applied in:
// command-line flag > environment (PROG_*) > user config file > built-in default.
// This module loads nothing heavy: `prog run` imports it on its hot path.
import { FORMATS, type RequestedFormat } from '../display/format.js';
import { ProgError } from '../errors.js';

export const SETTING_KEYS = ['format', 'grace', 'progress-fd', 'parser'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];
export type SettingSource = 'flag' | 'env' | 'config' | 'default';

export const ENV_VARS: Record<SettingKey, string> = {
  format: 'PROG_FORMAT',
  grace: 'PROG_GRACE',
  'progress-fd': 'PROG_PROGRESS_FD',
  parser: 'PROG_PARSER',
};

/** Built-in defaults, written the way `prog config` shows and stores values. */
export const DEFAULTS: Record<SettingKey, string> = {
  format: 'auto',
  grace: '10',
  'progress-fd': '3',
  parser: 'auto',
};

/** What each key accepts, in words, for error messages and help. */
export const ALLOWED: Record<SettingKey, string> = {
  format: `one of ${FORMATS.join(', ')}`,
  grace: 'a number of seconds ≥ 0',
  'progress-fd': 'a descriptor number from 3 to 255, or none',
  parser: 'auto, none, or a comma-separated list of parser names (see prog parsers)',
};

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}

/**
 * Checks a value for a key from the environment or the config file (a string, or a JSON number for
 * grace and progress-fd) and returns it in its canonical written form, or undefined when it is not
 * allowed. Parser names are only checked for shape here; `prog config set` and `prog run` check
 * them against the known parsers.
 */
export function normalizeSetting(key: SettingKey, raw: unknown): string | undefined {
  if (typeof raw === 'number') {
    if (key !== 'grace' && key !== 'progress-fd') return undefined;
    raw = String(raw);
  }
  if (typeof raw !== 'string') return undefined;
  const value = raw.trim();
  switch (key) {
    case 'format':
      return (FORMATS as readonly string[]).includes(value) ? value : undefined;
    case 'grace': {
      if (!/^(\d+(\.\d*)?|\.\d+)$/.test(value)) return undefined;
      const seconds = Number(value);
      return Number.isFinite(seconds) && seconds >= 0 ? String(seconds) : undefined;
    }
    case 'progress-fd': {
      if (value === 'none') return value;
      if (!/^\d+$/.test(value)) return undefined;
      const fd = Number(value);
      return fd >= 3 && fd <= 255 ? String(fd) : undefined;
    }
    case 'parser': {
      const names = value.split(',').map((n) => n.trim());
      if (names.some((n) => !/^[A-Za-z0-9._-]+$/.test(n))) return undefined;
      if (names.length > 1 && names.some((n) => n === 'auto' || n === 'none')) return undefined;
      return names.join(',');
    }
  }
}

/** The message for a value that is not allowed; `where` names its origin, e.g. `PROG_GRACE` or `config key grace`. */
export function notAllowedMessage(key: SettingKey, where: string, raw: unknown): string {
  const shown = typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw);
  return `${where}: ${shown} is not allowed for ${key}; expected ${ALLOWED[key]}`;
}

/** Settings given on the command line; a key is absent when its flag was not given. */
export interface RunFlags {
  format?: RequestedFormat | undefined;
  'progress-fd'?: string | undefined;
  grace?: number | undefined;
  parser?: string[] | undefined;
}

/** Config file values, already checked (see normalizeSetting); a key is absent when not set. */
export type ConfigValues = Partial<Record<SettingKey, string>>;

export interface RunSettings {
  format: RequestedFormat;
  progressFd: number | null;
  graceMs: number;
  /** `--parser` values as runCommand takes them: [] or ['auto'] for auto, ['none'], or names. */
  parsers: string[];
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
  return { value: DEFAULTS[key], source: 'default' };
}

/**
 * The one place `prog run`'s settings get their values. `config` is called at most once, and only
 * when a key is covered by neither a flag nor the environment.
 */
export function resolveRunSettings(flags: RunFlags, env: NodeJS.ProcessEnv, config: () => ConfigValues): RunSettings {
  let cached: ConfigValues | undefined;
  const lazyConfig = (): ConfigValues => (cached ??= config());
  const layer = (key: SettingKey): Layered => layeredSetting(key, env, lazyConfig);

  const sources = {} as Record<SettingKey, SettingSource>;

  let format: RequestedFormat;
  if (flags.format !== undefined) {
    format = flags.format;
    sources.format = 'flag';
  } else {
    const l = layer('format');
    format = l.value as RequestedFormat;
    sources.format = l.source;
  }

  let progressFd: number | null;
  if (flags['progress-fd'] !== undefined) {
    progressFd = parseProgressFd(flags['progress-fd']);
    sources['progress-fd'] = 'flag';
  } else {
    const l = layer('progress-fd');
    progressFd = l.value === 'none' ? null : Number(l.value);
    sources['progress-fd'] = l.source;
  }

  let graceMs: number;
  if (flags.grace !== undefined) {
    graceMs = parseGrace(flags.grace);
    sources.grace = 'flag';
  } else {
    const l = layer('grace');
    graceMs = Math.round(Number(l.value) * 1000);
    sources.grace = l.source;
  }

  let parsers: string[];
  if (flags.parser !== undefined && flags.parser.length > 0) {
    parsers = flags.parser;
    sources.parser = 'flag';
  } else {
    const l = layer('parser');
    parsers = [l.value];
    sources.parser = l.source;
  }

  return { format, progressFd, graceMs, parsers, sources };
}

export function parseProgressFd(value: string): number | null {
  if (value === 'none') return null;
  if (!/^\d+$/.test(value) || Number(value) < 3 || Number(value) > 255) {
    throw new ProgError('USAGE', `--progress-fd must be a descriptor number from 3 to 255, or "none"; got "${value}"`);
  }
  return Number(value);
}

export function parseGrace(value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new ProgError('USAGE', `--grace must be a number of seconds ≥ 0; got "${value}"`);
  return Math.round(value * 1000);
}
