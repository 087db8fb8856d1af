// Checks a command line against the command table (cli-spec.ts) before yargs sees it, so every
// usage error is prog's own sentence, in English whatever the locale, with the help to read:
// `prog: unknown option --formt; did you mean --format? (see prog ls --help)`.
// The scan follows yargs-parser's reading of a line (short groups, --no-x, --x=v, a negative number
// as a value), so a line accepted here means the same to yargs.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { ProgError } from '../errors.js';
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './cli-spec.js';
import { didYouMean } from './suggest.js';

export interface Scanned {
  /** Values by long option name, in the order given (booleans as true/false). */
  values: Map<string, (string | boolean)[]>;
  /** Words that are not options, each with the word before it (for hints). */
  positionals: { word: string; after: string | undefined }[];
}

const NEGATIVE_NUMBER = /^-(\d+(\.\d*)?|\.\d+)$/;

/** The usage error for `prog <path>`: the message, then where to read more. */
export function usageError(message: string, path: readonly string[] = []): ProgError {
  return new ProgError('USAGE', `${message} (see ${['prog', ...path].join(' ')} --help)`);
}

/** Whether the word is a flag rather than a value (`-` alone and negative numbers are values). */
function isFlag(word: string): boolean {
  return word.startsWith('-') && word !== '-' && !NEGATIVE_NUMBER.test(word);
}

/**
 * Reads `tokens` as the options of a command (`options` plus --help and --version) and the words
 * between them. Throws a usage error naming the first option that is unknown or has a bad value.
 */
export function scanOptions(tokens: readonly string[], options: Record<string, OptionSpec>, path: readonly string[] = []): Scanned {
  const all: Record<string, OptionSpec> = { ...options, ...GLOBAL_OPTIONS };
  const byAlias = new Map<string, string>();
  for (const [name, spec] of Object.entries(all)) if (spec.alias !== undefined) byAlias.set(spec.alias, name);
  const values = new Map<string, (string | boolean)[]>();
  const positionals: Scanned['positionals'] = [];
  const fail = (message: string) => usageError(message, path);
  const shown = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`);

  const put = (name: string, value: string | boolean, as: string) => {
    const spec = all[name]!;
    if (typeof value === 'string') {
      if (spec.choices !== undefined && !spec.choices.includes(value)) {
        throw fail(`${as} must be one of ${spec.choices.join(', ')}; got "${value}"`);
      }
      if (spec.check !== undefined && !spec.check.ok(value)) throw fail(`${as} must be ${spec.check.allowed}; got ${spec.check.show?.(value) ?? `"${value}"`}`);
    }
    const list = values.get(name) ?? [];
    // A repeated option means its last value, except for lists (--parser a --parser b).
    values.set(name, spec.array ? [...list, value] : [value]);
  };
  /** The value of a value-taking option, from `next` (consumed) or missing. */
  const needValue = (name: string, as: string, i: number): number => {
    const spec = all[name]!;
    const next = tokens[i + 1];
    if (next === undefined || isFlag(next)) {
      throw fail(`${as} needs a value${spec.choices === undefined ? '' : `: one of ${spec.choices.join(', ')}`}`);
    }
    put(name, next, as);
    let j = i + 1;
    // A list takes every word up to the next flag, as yargs does.
    while (spec.array && tokens[j + 1] !== undefined && !isFlag(tokens[j + 1]!)) put(name, tokens[++j]!, as);
    return j;
  };
  const unknown = (word: string) => {
    const name = word.replace(/^--?/, '').replace(/=.*$/, '');
    const hint = word.startsWith('--') ? didYouMean(name, Object.keys(all), (c) => `--${c}`) : '';
    return fail(`unknown option ${word.replace(/=.*$/, '')}${hint}`);
  };

  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i]!;
    if (word === '--') {
      for (const rest of tokens.slice(i + 1)) positionals.push({ word: rest, after: '--' });
      break;
    }
    if (!isFlag(word)) {
      positionals.push({ word, after: tokens[i - 1] });
      continue;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      let name = eq === -1 ? word.slice(2) : word.slice(2, eq);
      let negated = false;
      if (all[name] === undefined && name.startsWith('no-') && all[name.slice(3)]?.type === 'boolean') {
        name = name.slice(3);
        negated = true;
      }
      const spec = all[name];
      if (spec === undefined) throw unknown(word);
      const as = `--${name}`;
      if (spec.type === 'boolean') {
        if (eq !== -1) {
          const text = word.slice(eq + 1);
          if (negated || (text !== 'true' && text !== 'false')) throw fail(`${as} takes no value; got "${word}"`);
          put(name, text === 'true', as);
        } else if (!negated && (tokens[i + 1] === 'true' || tokens[i + 1] === 'false')) {
          put(name, tokens[++i] === 'true', as);
        } else {
          put(name, !negated, as);
        }
        continue;
      }
      if (negated) throw unknown(word);
      if (eq !== -1) put(name, word.slice(eq + 1), as);
      else i = needValue(name, as, i);
      continue;
    }
    // A group of short options: -fn 20, -n20, -n=20.
    const letters = word.slice(1);
    for (let k = 0; k < letters.length; k++) {
      const letter = letters[k]!;
      const name = byAlias.get(letter);
      if (name === undefined) throw unknown(`-${letter}`);
      const spec = all[name]!;
      const as = `-${letter}`;
      const rest = letters.slice(k + 1);
      if (spec.type === 'boolean') {
        put(name, true, as);
        continue;
      }
      if (rest === '') i = needValue(name, as, i);
      else if (rest.startsWith('=')) put(name, rest.slice(1), as);
      else if (/^-?\d+(\.\d*)?$/.test(rest)) put(name, rest, as);
      else throw fail(`${as} takes its value apart: ${as} VALUE, or ${shown(name)}=VALUE; got "${word}"`);
      break;
    }
  }
  return { values, positionals };
}

/** Whether the scan asked for help or the version: yargs answers those, whatever else is wrong. */
function answersItself(scanned: Scanned): boolean {
  return scanned.values.has('help') || scanned.values.has('version');
}

/** The word to type for a command, for the `prog run -- make` hint. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function onPath(command: string): boolean {
  if (command.includes('/')) return false;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      const file = join(dir === '' ? '.' : dir, command);
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** The command `word` names among `list`, or the usage error for a word that names none. */
function pick(word: string, list: CommandSpec[], path: string[], rest: readonly string[]): CommandSpec {
  const found = list.find((c) => c.name === word);
  if (found !== undefined) return found;
  const names = list.map((c) => c.name);
  const what = path.length === 0 ? 'command' : `${path.join(' ')} subcommand`;
  let hint = didYouMean(word, names);
  // `prog make -j8`: run was left out.
  if (hint === '' && path.length === 0 && onPath(word)) hint = `; to run it: prog run -- ${[word, ...rest].map(shellWord).join(' ')}`;
  throw usageError(`unknown ${what} ${word}${hint}`, path);
}

/**
 * Checks `prog <argv>` and throws the usage error for the first thing wrong. (`prog run` reaches
 * here only for --help and --version: cli.ts checks its flags on the fast path.)
 */
export function checkUsage(argv: readonly string[]): void {
  let list = COMMANDS;
  const path: string[] = [];
  let tokens = argv;
  let spec: CommandSpec | undefined;
  // Down the command path: options before a command's name belong to its parent (only --help
  // and --version at the top).
  for (;;) {
    const at = tokens.findIndex((t) => !isFlag(t) || t === '--');
    const before = at === -1 ? tokens : tokens.slice(0, at);
    const scanned = scanOptions(before, spec?.options ?? {}, path);
    if (at === -1 || tokens[at] === '--') {
      if (answersItself(scanned)) return;
      if (spec === undefined) {
        if (at !== -1) throw usageError('no command before --: prog run -- <command> runs one');
        return; // no words at all: the help
      }
      throw usageError(`${path.join(' ')} needs a subcommand: ${list.map((c) => c.name).join(', ')}`, path);
    }
    spec = pick(tokens[at]!, list, path, tokens.slice(at + 1));
    path.push(spec.name);
    tokens = [...before, ...tokens.slice(at + 1)];
    if (spec.subcommands === undefined) break;
    list = spec.subcommands;
  }
  if (spec.freeForm) return;
  const scanned = scanOptions(tokens, spec.options, path);
  if (answersItself(scanned)) return;
  checkPositionals(spec, scanned, path);
}

function checkPositionals(spec: CommandSpec, scanned: Scanned, path: string[]): void {
  const words = scanned.positionals;
  const required = spec.positionals.filter((p) => p.required);
  if (words.length < required.length) throw usageError(`${path.join(' ')} needs ${required[words.length]!.needs}`, path);
  spec.positionals.forEach((p, i) => {
    const word = words[i]?.word;
    if (word !== undefined && p.choices !== undefined && !p.choices.includes(word)) {
      throw usageError(`<${p.name}> must be one of ${p.choices.join(', ')}; got "${word}"${didYouMean(word, p.choices)}`, path);
    }
  });
  if (spec.positionals.some((p) => p.variadic) || words.length <= spec.positionals.length) return;
  const extra = words[spec.positionals.length]!;
  throw usageError(`unexpected argument ${extra.word}${flagHint(spec, extra)}`, path);
}

/** `-f json` after -f became --follow: say that -f takes no value, and what was probably meant. */
function flagHint(spec: CommandSpec, extra: Scanned['positionals'][number]): string {
  const before = extra.after;
  if (before === undefined || !isFlag(before)) return '';
  const all = { ...spec.options, ...GLOBAL_OPTIONS };
  const name = before.startsWith('--') ? before.slice(2) : [...Object.entries(all)].find(([, o]) => o.alias === before.slice(-1))?.[0];
  if (name === undefined || all[name]?.type !== 'boolean') return '';
  const meant = Object.entries(spec.options).find(([, o]) => o.choices?.includes(extra.word));
  const flag = before.startsWith('--') ? before : `${before} is --${name}, which`;
  return `: ${flag} takes no value${meant ? `; did you mean --${meant[0]} ${extra.word}?` : ''}`;
}
