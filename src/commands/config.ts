// `prog config get|set|unset|list|path`: user defaults for `prog run`, in one JSON file.
// Reading goes through config/file.ts (as `prog run` reads it); writing goes through conf, which
// replaces the file atomically. conf is read-modify-write: fine for one explicit `prog config set`.
import { warnOnce } from '../diagnostics.js';
import { ProgError } from '../errors.js';
import { readConfigFile, configDir, configPath, CONFIG_FILE_NAME } from '../config/file.js';
import {
  ALLOWED,
  ENV_VARS,
  isSettingKey,
  layeredSetting,
  normalizeSetting,
  notAllowedMessage,
  SETTING_KEYS,
  SETTINGS,
  type SettingKey,
} from '../config/settings.js';

export type ConfigAction = 'get' | 'set' | 'unset' | 'list' | 'path';

export interface ConfigCommandOptions {
  action: ConfigAction;
  key?: string;
  value?: string;
  /** For list: text (aligned columns) or json (one object per key, NDJSON). */
  format?: 'text' | 'json';
  env?: NodeJS.ProcessEnv;
}

export async function configCommand(options: ConfigCommandOptions): Promise<void> {
  const env = options.env ?? process.env;
  switch (options.action) {
    case 'path':
      process.stdout.write(`${configPath(env)}\n`);
      return;
    case 'list': {
      const read = readWithWarnings(env);
      const width = Math.max(...SETTING_KEYS.map((k) => k.length));
      const rows = SETTING_KEYS.map((key) => {
        const { value, source } = layeredSetting(key, env, () => read);
        return { key, value, source: source === 'env' ? `env ${ENV_VARS[key]}` : source };
      });
      if (options.format === 'json') {
        for (const key of SETTING_KEYS) {
          const { value, source } = layeredSetting(key, env, () => read);
          process.stdout.write(`${JSON.stringify({ key, value, source, env: ENV_VARS[key], default: SETTINGS[key].default, allowed: ALLOWED[key] })}\n`);
        }
        return;
      }
      const valueWidth = Math.max(...rows.map((r) => r.value.length));
      for (const row of rows) process.stdout.write(`${row.key.padEnd(width)}  ${row.value.padEnd(valueWidth)}  ${row.source}\n`);
      return;
    }
    case 'get': {
      const key = checkKey(options.key);
      const read = readWithWarnings(env);
      process.stdout.write(`${layeredSetting(key, env, () => read).value}\n`);
      return;
    }
    case 'set': {
      const key = checkKey(options.key);
      const raw = options.value ?? '';
      const value = normalizeSetting(key, raw);
      if (value === undefined) throw new ProgError('USAGE', notAllowedMessage(key, "prog config set", raw));
      if (key === 'parser') await checkParserNames(value);
      const conf = await openConf(env);
      conf.set(key, stored(key, value));
      return;
    }
    case 'unset': {
      const key = checkKey(options.key);
      const conf = await openConf(env);
      conf.delete(key);
      return;
    }
  }
}

function checkKey(key: string | undefined): SettingKey {
  if (key !== undefined && isSettingKey(key)) return key;
  throw new ProgError('USAGE', `unknown config key "${key ?? ''}"; keys: ${SETTING_KEYS.map((k) => `${k} (${ALLOWED[k]})`).join('; ')}`);
}

function readWithWarnings(env: NodeJS.ProcessEnv) {
  const read = readConfigFile(env);
  read.problems.forEach((problem, i) => warnOnce(`config-${i}`, problem));
  return read.values;
}

/** How a value is written: numbers as JSON numbers, the rest as strings. */
function stored(key: SettingKey, value: string): string | number {
  return SETTINGS[key].numeric && /^[\d.]+$/.test(value) ? Number(value) : value;
}

async function checkParserNames(value: string): Promise<void> {
  if (value === 'auto' || value === 'none') return;
  const { loadParserSpecs } = await import('../parsers/parser-hub.js');
  const known = new Set((await loadParserSpecs()).map((s) => s.name));
  const unknown = value.split(',').filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new ProgError('USAGE', `config parser: unknown parser ${unknown.join(', ')}; expected ${ALLOWED.parser}; known: ${[...known].join(', ')}`);
  }
}

async function openConf(env: NodeJS.ProcessEnv) {
  // A file prog cannot read as a JSON object is left as it is: overwriting it would lose the user's edits.
  const read = readConfigFile(env);
  if (read.corrupt) throw new ProgError('USAGE', `${read.problems[0]!.replace(/; using defaults$/, '')}; fix or delete it, then try again`);
  const { default: Conf } = await import('conf');
  return new Conf<Record<string, unknown>>({
    projectName: 'prog',
    projectSuffix: '',
    cwd: configDir(env),
    configName: CONFIG_FILE_NAME.replace(/\.json$/, ''),
  });
}
