// Where the user config lives, and reading it with plain fs: `prog run` reads it on its hot path,
// so this never loads conf (which `prog config` uses to write it).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { isSettingKey, normalizeSetting, notAllowedMessage, type ConfigValues } from './settings.js';

export const CONFIG_FILE_NAME = 'config.json';

/**
 * $PROG_CONFIG_DIR, else the platform's config dir for `prog` as conf (env-paths) would choose it
 * without its "-nodejs" suffix: $XDG_CONFIG_HOME/prog or ~/.config/prog on Linux (the sibling of the
 * state dir ~/.local/state/prog), ~/Library/Preferences/prog on macOS, %APPDATA%\prog\Config on Windows.
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PROG_CONFIG_DIR) return resolve(env.PROG_CONFIG_DIR);
  const home = env.HOME || homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Preferences', 'prog');
  if (process.platform === 'win32') return join(env.APPDATA || join(homedir(), 'AppData', 'Roaming'), 'prog', 'Config');
  if (env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME)) return join(env.XDG_CONFIG_HOME, 'prog');
  return join(home, '.config', 'prog');
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), CONFIG_FILE_NAME);
}

export interface ConfigRead {
  path: string;
  /** The values that are set and allowed. */
  values: ConfigValues;
  /** Why the file, or a value in it, was ignored: one sentence each, for a warning. */
  problems: string[];
  /** Parsed but not usable as a whole (not JSON, not an object, unreadable): writing must not clobber it. */
  corrupt: boolean;
}

/** Reads the config file. A missing file is no config; anything unusable is reported, never thrown. */
export function readConfigFile(env: NodeJS.ProcessEnv = process.env): ConfigRead {
  const path = configPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path, values: {}, problems: [], corrupt: false };
    return { path, values: {}, problems: [`cannot read config file ${path} (${code ?? String(error)}); using defaults`], corrupt: true };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { path, values: {}, problems: [`config file ${path} is not valid JSON (${(error as Error).message}); using defaults`], corrupt: true };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { path, values: {}, problems: [`config file ${path} does not hold a JSON object; using defaults`], corrupt: true };
  }
  const values: ConfigValues = {};
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
    // Keys prog does not know (a newer version's, or conf's own) are left alone.
    if (!isSettingKey(key)) continue;
    const value = normalizeSetting(key, raw);
    if (value === undefined) problems.push(`${notAllowedMessage(key, `config file ${path}`, raw)}; using the default`);
    else values[key] = value;
  }
  return { path, values, problems, corrupt: false };
}
