// The command line: flags, help and the one place errors become exit statuses.
import { fstatSync } from 'node:fs';
import type { Argv, Options } from 'yargs';
import { COMMANDS, commandString, RUN_OPTIONS, type CommandSpec, type OptionSpec } from './commands/cli-spec.js';
import { checkUsage, scanOptions, usageError } from './commands/usage.js';
import { printError } from './diagnostics.js';
import type { RequestedFormat } from './display/format.js';
import { exitCodeFor, ProgError } from './errors.js';
import type { RunFlags } from './config/settings.js';
import { progVersion } from './version.js';

/** `prog run`'s flags as parsed; the settings (format, progress-fd, grace, parser) are undefined when not given. */
interface RunArgs extends RunFlags {
  'hide-output': boolean;
  detach?: boolean;
  dashboard?: boolean;
  foreground?: boolean;
  name?: string | undefined;
  'marker-nonce'?: boolean;
}

/**
 * Node warns when NO_COLOR and FORCE_COLOR are both set, the first time any module asks a stream
 * for its colours (execa's dependencies do). prog settles that conflict itself (FORCE_COLOR wins, as in Node; see
 * display/color.ts), and its stderr must hold only its own lines, so that one warning is dropped.
 */
function silenceColorConflictWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.includes("'NO_COLOR' env is ignored")) return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}

export async function main(argv: string[]): Promise<void> {
  silenceColorConflictWarning();
  try {
    // `prog emit` runs once per item in shell loops: skip loading the CLI framework for it.
    if (argv[0] === 'emit' && !argv.includes('--help') && !argv.includes('-h')) {
      const { emitCommand } = await import('./commands/emit.js');
      emitCommand(argv.slice(1));
      return;
    }
    // `prog --version` (and -v, as node -v and docker -v) answers without the CLI framework too.
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
      process.stdout.write(`${progVersion()}\n`);
      return;
    }
    // Bare `prog` asks what there is: the help, on stdout, exit 0 (as docker, kubectl and gh do).
    // `prog help run` is `prog run --help`.
    if (argv[0] === 'help' || argv.length === 0) {
      while (argv[0] === 'help') argv = argv.slice(1);
      argv = [...argv, '--help'];
    }
    const { own, command } = splitRunArgv(argv);
    // `prog run` is the hot path: its few flags are read without loading yargs (about 55 ms).
    const quick = own[0] === 'run' ? runArgs(own, command) : undefined;
    if (quick) {
      await startRun(quick, command, own);
      return;
    }
    // The shell asking for completions (see prog completion) is yargs' business alone.
    if (argv[0] !== '--get-yargs-completions') checkUsage(own);
    await parse(own, command);
  } catch (error) {
    if (error instanceof ProgError) {
      printError(error.message);
      process.exit(exitCodeFor(error.code));
    }
    throw error;
  }
}

/** Flags of `prog run` that take a value, so the scan below knows the next word is not the command. */
const RUN_VALUE_FLAGS = new Set(Object.entries(RUN_OPTIONS).filter(([, o]) => o.type !== 'boolean').flatMap(([name, o]) => [`--${name}`, ...(o.alias === undefined ? [] : [`-${o.alias}`])]));

/**
 * Splits `prog run [options] [--] <command…>` into prog's part and the command's, so the command's
 * own flags are never read as prog's: everything after `--`, or from the first word that is not an
 * option, belongs to the command.
 */
export function splitRunArgv(argv: string[]): { own: string[]; command: string[] } {
  if (argv[0] !== 'run') return { own: argv, command: [] };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return { own: argv.slice(0, i), command: argv.slice(i + 1) };
    if (!arg.startsWith('-') || arg === '-') return { own: argv.slice(0, i), command: argv.slice(i) };
    if (RUN_VALUE_FLAGS.has(arg)) i++;
  }
  return { own: argv, command: [] };
}

/**
 * `prog run`'s flags, checked (a bad one is a usage error naming it), or undefined when yargs
 * must answer: --help, --version.
 */
function runArgs(own: string[], command: string[]): RunArgs | undefined {
  const { values } = scanOptions(own.slice(1), RUN_OPTIONS, ['run']);
  if (values.has('help') || values.has('version')) return undefined;
  if (command.length === 0) throw usageError('no command given: prog run [options] -- <command> [args…]', ['run']);
  const last = (name: string) => values.get(name)?.at(-1);
  const text = (name: string) => {
    const value = last(name);
    return typeof value === 'string' ? value : undefined;
  };
  const flag = (name: string) => last(name) === true;
  const number = (name: string) => {
    const value = text(name);
    return value === undefined ? undefined : Number(value);
  };
  const resources = last('resources');
  const notify = last('notify');
  const name = text('name');
  const parser = values.get('parser') as string[] | undefined;
  return {
    format: text('format') as RequestedFormat | undefined,
    'progress-fd': text('progress-fd'),
    grace: number('grace'),
    'update-interval': number('update-interval'),
    'eta-window': text('eta-window'),
    'sample-interval': text('sample-interval'),
    resources: typeof resources === 'boolean' ? resources : undefined,
    junit: text('junit'),
    otlp: text('otlp'),
    notify: typeof notify === 'boolean' ? notify : undefined,
    'notify-url': text('notify-url'),
    'notify-after': number('notify-after'),
    'hide-output': flag('hide-output'),
    detach: flag('detach'),
    dashboard: flag('dashboard'),
    foreground: flag('foreground'),
    'marker-nonce': flag('marker-nonce'),
    parser,
    ...(name === undefined ? {} : { name }),
  };
}

async function startRun(args: RunArgs, command: string[], own: string[]): Promise<void> {
  if (args.detach && args.foreground) throw new ProgError('USAGE', '--detach and --foreground do not go together: a detached run has no terminal to give the command');
  if (args.dashboard) {
    const { ensureDashboard } = await import('./commands/dashboard-ensure.js');
    await ensureDashboard();
  }
  if (args.detach) {
    const { detachRun } = await import('./commands/detach.js');
    await detachRun(own, command);
    return;
  }
  const [{ runCommand }, { loadRunSettings, settingsOptions }] = await Promise.all([import('./commands/run.js'), import('./config/load.js')]);
  // Flag > PROG_* > user config > default; the config file is read only when some key needs it.
  const settings = settingsOptions(loadRunSettings(args));
  // The prog recording a `--format tui` run draws the TUI for the terminal's prog (relay.ts).
  const tuiChannel = settings.format === 'tui' ? tuiChannelFd(process.env) : undefined;
  if (settings.format === 'tui' && tuiChannel === undefined) {
    const { tuiFallbackNote } = await import('./display/format.js');
    const note = tuiFallbackNote({ stdoutIsTTY: process.stdout.isTTY === true, stdinIsTTY: process.stdin.isTTY === true, env: process.env });
    if (note === undefined) {
      // The TUI owns the keyboard and the screen: the run is recorded by a prog of its own, which
      // draws the TUI from its model, and this one relays keys and frames, so `q` can leave the
      // TUI while the run goes on (prog attach comes back).
      const [{ startDetached }, { relayTui, screenEnv }, { stateDir }, { join }] = await Promise.all([
        import('./commands/detach.js'), import('./display/tui/relay.js'), import('./store/state-dir.js'), import('node:path'),
      ]);
      const { id, pid, channel } = await startDetached(own, command, screenEnv(process.stdout));
      await relayTui(channel!, { id, dir: join(stateDir(), 'runs', id), recorder: pid });
      return;
    }
    process.stderr.write(note);
    settings.format = 'plain';
  }
  await runCommand({
    command,
    ...settings,
    hideOutput: args['hide-output'],
    foreground: args.foreground === true,
    markerNonce: args['marker-nonce'] === true,
    ...(tuiChannel === undefined ? {} : { tuiChannel }),
    ...(process.env.PROG_DETACHED_RUN_ID ? { runId: process.env.PROG_DETACHED_RUN_ID } : {}),
    ...(args.name === undefined ? {} : { name: args.name }),
  });
}

/** A yargs option from the table (its value was checked by checkUsage already). */
function yargsOption(spec: OptionSpec): Options {
  return {
    type: spec.type,
    describe: spec.describe,
    ...(spec.alias === undefined ? {} : { alias: spec.alias }),
    ...(spec.array ? { array: true } : {}),
    ...(spec.choices === undefined ? {} : { choices: spec.choices as string[] }),
    ...(spec.default === undefined ? {} : { default: spec.default }),
  };
}

type Handler = (args: Record<string, unknown>) => unknown;

/** Adds a command of the table, its subcommands and its handler (by path: 'config set'). */
function define(y: Argv, spec: CommandSpec, path: string[], handlers: Record<string, Handler>): Argv {
  const key = [...path, spec.name].join(' ');
  return y.command({
    command: commandString(spec),
    describe: spec.summary,
    builder: (c: Argv) => {
      let b = spec.usage === undefined ? c : c.usage(spec.usage);
      for (const p of spec.positionals) b = b.positional(p.name, { type: 'string', describe: p.describe, ...(p.choices === undefined ? {} : { choices: p.choices as string[] }) });
      b = b.options(Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, yargsOption(o)])));
      for (const [example, what] of spec.examples) b = b.example(example, what);
      if (spec.epilog !== undefined) b = b.epilog(spec.epilog);
      for (const sub of spec.subcommands ?? []) b = define(b, sub, [...path, spec.name], handlers);
      if (spec.subcommands !== undefined) b = b.demandCommand(1, `${key} needs a subcommand`);
      return spec.freeForm ? b.strict(false) : b;
    },
    handler: async (args) => {
      await handlers[key]?.(args as Record<string, unknown>);
    },
  });
}

/** The commands named at the start of `own`, for a message's `see prog logs --help`. */
function commandPath(own: string[]): string[] {
  const path: string[] = [];
  let list = COMMANDS;
  for (const word of own.filter((w) => !w.startsWith('-'))) {
    const found = list.find((c) => c.name === word);
    if (found === undefined) break;
    path.push(word);
    list = found.subcommands ?? [];
  }
  return path;
}

async function parse(own: string[], command: string[]): Promise<void> {
  // `prog history | head`: a reader that has read enough is not an error to report.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  if (own[0] === 'completion') chooseCompletionShell(own[1]);
  const str = (value: unknown) => (value === undefined ? undefined : String(value));
  const handlers: Record<string, Handler> = {
    run: async () => {
      const args = runArgs(own, command);
      if (args) await startRun(args, command, own);
    },
    emit: async () => {
      const { emitCommand } = await import('./commands/emit.js');
      emitCommand(own.slice(1));
    },
    parsers: async (args) => {
      const { parsersCommand } = await import('./commands/parsers.js');
      await parsersCommand({ format: args.format as 'text' | 'json' });
    },
    'config get': (args) => runConfig('get', str(args.key)),
    'config set': (args) => runConfig('set', str(args.key), str(args.value)),
    'config unset': (args) => runConfig('unset', str(args.key)),
    'config list': (args) => runConfig('list', undefined, undefined, args.format as 'text' | 'json'),
    'config path': () => runConfig('path'),
    ls: async (args) => {
      const { lsCommand } = await import('./commands/ls.js');
      lsCommand({ format: args.format as 'text' | 'json', limit: args.limit as number });
    },
    attach: async (args) => {
      const { attachCommand } = await import('./commands/attach.js');
      await attachCommand({ target: str(args.target)!, format: args.format as 'auto' | 'rich' | 'plain' | 'json' });
    },
    logs: async (args) => {
      const { logsCommand } = await import('./commands/logs.js');
      await logsCommand({
        target: str(args.target)!, follow: args.follow === true, format: args.format as 'text' | 'json',
        ...(args.tail === undefined ? {} : { tail: args.tail as number }),
        ...(args.level === undefined ? {} : { level: args.level as 'info' }),
        ...(args.source === undefined ? {} : { source: str(args.source)! }),
        ...(args.grep === undefined ? {} : { grep: str(args.grep)! }),
        ...(args.since === undefined ? {} : { since: str(args.since)! }),
        ...(args.stream === undefined ? {} : { stream: args.stream as 'stdout' | 'stderr' }),
      });
    },
    stop: async (args) => {
      const { stopCommand } = await import('./commands/stop.js');
      await stopCommand({ target: str(args.target)!, signal: str(args.signal)!, ...(args.grace === undefined ? {} : { grace: args.grace as number }) });
    },
    resume: async (args) => {
      const { resumeCommand } = await import('./commands/resume.js');
      await resumeCommand({ target: str(args.target)!, ...(args.format === undefined ? {} : { format: args.format as RequestedFormat }) });
    },
    history: async (args) => {
      const { historyCommand } = await import('./commands/history.js');
      historyCommand({
        format: args.format as 'text' | 'json',
        failed: args.failed === true,
        prune: args.prune === true,
        ...(args.target === undefined ? {} : { target: str(args.target)! }),
        ...(args.limit === undefined ? {} : { limit: args.limit as number }),
        ...(args.since === undefined ? {} : { since: str(args.since)! }),
        ...(args['older-than'] === undefined ? {} : { olderThan: str(args['older-than'])! }),
      });
    },
    dashboard: async (args) => {
      const { dashboardCommand } = await import('./commands/dashboard.js');
      await dashboardCommand({
        port: args.port as number, open: args.open === true,
        ...(args.host === undefined ? {} : { host: str(args.host)! }),
        ...(args['token-file'] === undefined ? {} : { tokenFile: str(args['token-file'])! }),
      });
    },
    man: async () => {
      const { manPage } = await import('./commands/man.js');
      process.stdout.write(manPage());
    },
  };
  const { default: yargs } = await import('yargs');
  let y = yargs(own)
    // Flags stay as typed (`progress-fd`), so an unknown one is named once, not also in camelCase;
    // a repeated flag means its last value, as checkUsage reads it.
    .parserConfiguration({ 'camel-case-expansion': false, 'duplicate-arguments-array': false })
    // prog's own words are English; yargs' headings should not switch language under them.
    .locale('en')
    .scriptName('prog')
    .usage('prog: run any command and see where it stands\n\nUsage: prog <command> [options]');
  for (const spec of COMMANDS) y = define(y, spec, [], handlers);
  // `prog completion` prints yargs' script, with which the shell asks `prog --get-yargs-completions …`.
  // yargs' .completion() is set up only for those questions: its command would take over
  // `prog completion`, --help and the shell argument included.
  handlers.completion = () => y.showCompletionScript();
  if (own[0] === '--get-yargs-completions') {
    // yargs needs the words at once: the run ids are read before it asks.
    const ids = RUN_TARGETS.has(own[2] ?? '') ? await recentRunIds() : [];
    y = y.completion('__completion', false, (current: string, argv: { _: (string | number)[] }, fallback: Fallback, done: (words: string[]) => void) => completeWords(current, argv, ids, fallback, done));
  }
  await y
    .example('prog run -- make -j8', 'run a command and see its progress')
    .example('prog logs latest -n 20 -f', 'the last 20 lines of the newest run, then follow it')
    .example('prog help logs', 'the options of one command (the same as prog logs --help)')
    .epilog('prog help <command> shows a command\'s options. The man page: prog man | man -l -')
    .demandCommand(1, 'Say what to do: prog run -- <command>')
    .strict()
    .help()
    .alias('h', 'help')
    .version(progVersion())
    .alias('v', 'version')
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, error) => {
      if (error) throw error;
      // checkUsage answers every mistake it knows of; this is the net for the rest.
      throw usageError(message.charAt(0).toLowerCase() + message.slice(1), commandPath(own));
    })
    .parseAsync();
}

/** Commands whose first word is a run. */
const RUN_TARGETS = new Set(['attach', 'logs', 'stop', 'resume']);

/**
 * Tab completion: yargs' own (commands, options, choices) without its `--f` for a short option,
 * and `latest` and the newest run ids where a run is asked for.
 */
type Fallback = (cb: (error: Error | null, words: string[] | undefined) => void) => void;

function completeWords(current: string, argv: { _: (string | number)[] }, ids: string[], fallback: Fallback, done: (words: string[]) => void): void {
  // argv._ is ['prog', command, …words so far].
  const [, name, ...rest] = argv._.map(String);
  if (name !== undefined && RUN_TARGETS.has(name) && rest.length <= 1 && !current.startsWith('-')) {
    done(['latest', ...ids]);
    return;
  }
  fallback((_error, words) => {
    const list = (words ?? []).filter((w) => !/^--[^-:\t]([:\t]|$)/.test(w));
    // Options are for a word begun with -, unless nothing else fits here.
    const values = list.filter((w) => !w.startsWith('-'));
    done(current === '' && values.length > 0 ? values : list);
  });
}

/** The newest run ids, newest first, from their names alone (nothing is read). */
async function recentRunIds(): Promise<string[]> {
  const [{ runIds }, { stateDir }] = await Promise.all([import('./store/runs.js'), import('./store/state-dir.js')]);
  try {
    return runIds(stateDir()).slice(-20).reverse();
  } catch {
    return [];
  }
}

/** yargs picks the script's shell from $SHELL: say which one was asked for (bash unless zsh). */
function chooseCompletionShell(asked: string | undefined): void {
  const zsh = asked === 'zsh' || (asked === undefined && /zsh/.test(process.env.SHELL ?? ''));
  process.env.SHELL = zsh ? '/bin/zsh' : '/bin/bash';
  if (!zsh) delete process.env.ZSH_NAME;
}

async function runConfig(action: 'get' | 'set' | 'unset' | 'list' | 'path', key?: string, value?: string, format?: 'text' | 'json'): Promise<void> {
  const { configCommand } = await import('./commands/config.js');
  await configCommand({ action, ...(key === undefined ? {} : { key }), ...(value === undefined ? {} : { value }), ...(format === undefined ? {} : { format }) });
}

/**
 * fd 3, when this prog was started by `prog run --format tui` to draw its TUI (detach.ts): the
 * variable alone is not enough (a user may set it), the descriptor must be the socket it gave.
 */
function tuiChannelFd(env: NodeJS.ProcessEnv): number | undefined {
  if (env.PROG_TUI_CHANNEL === undefined) return undefined;
  const given = env.PROG_TUI_CHANNEL === '3' && env.PROG_DETACHED_RUN_ID !== undefined;
  delete env.PROG_TUI_CHANNEL;
  if (!given) return undefined;
  try {
    return fstatSync(3).isSocket() ? 3 : undefined;
  } catch {
    return undefined;
  }
}
