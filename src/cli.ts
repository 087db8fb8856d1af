// The command line: flags, help and the one place errors become exit statuses.
import { printError } from './diagnostics.js';
import { FORMATS, type RequestedFormat } from './display/format.js';
import { exitCodeFor, ProgError } from './errors.js';
import { SETTING_KEYS, SETTINGS, type RunFlags } from './config/settings.js';
import { progVersion } from './version.js';

const RUN_OPTIONS = {
  format: {
    alias: 'f',
    choices: FORMATS,
    // No yargs defaults for the settings below: a flag that was not given must stay undefined, so
    // resolveRunSettings can fall back to PROG_* and the user config (see prog config).
    describe: 'default auto (or $PROG_FORMAT, or prog config set format). auto: rich on a terminal, plain when stdout is not a terminal or NO_COLOR/CI/TERM=dumb is set; rich: live progress tree below the output; plain: output plus [prog] lines on stderr; json: NDJSON events on stdout; none: output only',
  },
  'progress-fd': {
    type: 'string',
    describe: 'descriptor of the marker-only pipe given to the command (in $PROG_PROGRESS_FD), or "none"; default 3 (or prog config set progress-fd)',
  },
  grace: {
    type: 'number',
    describe: 'seconds the command gets to stop after Ctrl-C or SIGTERM before its process group is killed; default 10 (or $PROG_GRACE, or prog config set grace)',
  },
  parser: {
    type: 'string',
    array: true,
    describe: 'which tool-output parsers to use: auto (recognise them from the output, the default), none, or names to force (see prog parsers); also $PROG_PARSER, or prog config set parser',
  },
  'update-interval': {
    type: 'number',
    describe: 'seconds between view updates: JSON snapshots and plain progress lines come at most this often; default 1 (or $PROG_UPDATE_INTERVAL, or prog config set update-interval)',
  },
  'eta-window': {
    type: 'string',
    describe: 'how far back the ETA looks at the pace: "all" (the whole run, the default) or seconds, for long runs whose early pace says nothing about the rest; also $PROG_ETA_WINDOW, prog config set eta-window',
  },
  'sample-interval': {
    type: 'string',
    describe: 'seconds between samples of CPU, memory and disk (of the command\'s process tree and the machine), or "off"; default 1 (or $PROG_SAMPLE_INTERVAL, or prog config set sample-interval)',
  },
  resources: {
    type: 'boolean',
    describe: '--no-resources: do not sample CPU, memory and disk (the same as --sample-interval off)',
  },
  name: {
    type: 'string',
    describe: 'the workflow this run belongs to, for history and ETA (default: the command line and directory)',
  },
  'hide-output': {
    type: 'boolean',
    default: false,
    describe: "show only prog's view, not the command's output (it is still recorded in the run's logs)",
  },
  detach: {
    type: 'boolean',
    default: false,
    describe: 'start the run in the background and print its id (follow it with prog attach, prog logs; stop it with prog stop)',
  },
  foreground: {
    type: 'boolean',
    default: false,
    describe: 'give the command the terminal (password prompts, Ctrl-Z); the run then ends if the terminal closes',
  },
  'marker-nonce': {
    type: 'boolean',
    default: false,
    describe: 'strict markers: on stdout and stderr only ::prog:NONCE::{…} with this run\'s secret counts (given to the command in $PROG_MARKER_NONCE), so text the command echoes cannot inject progress; the progress descriptor needs none',
  },
} as const;

/** `prog run`'s flags as parsed; the settings (format, progress-fd, grace, parser) are undefined when not given. */
interface RunArgs extends RunFlags {
  'hide-output': boolean;
  detach?: boolean;
  foreground?: boolean;
  name?: string | undefined;
  'marker-nonce'?: boolean;
}

/**
 * Node warns when NO_COLOR and FORCE_COLOR are both set, the first time any module asks a stream
 * for its colours (execa's dependencies do). prog settles that conflict itself (NO_COLOR wins, see
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
    // `prog --version` answers without the CLI framework too.
    if (argv.length === 1 && argv[0] === '--version') {
      process.stdout.write(`${progVersion()}\n`);
      return;
    }
    const { own, command } = splitRunArgv(argv);
    // `prog run` is the hot path: parse its few flags without loading yargs (about 55 ms).
    // Anything unusual (help, an unknown flag, a bad value) goes to yargs for its message.
    const quick = own[0] === 'run' && command.length > 0 ? await quickRunArgs(own.slice(1)) : undefined;
    if (quick) await startRun(quick, command, own);
    else await parse(own, command);
  } catch (error) {
    if (error instanceof ProgError) {
      printError(error.message);
      process.exit(exitCodeFor(error.code));
    }
    throw error;
  }
}

/** Flags of `prog run` that take a value, so the scan below knows the next word is not the command. */
const RUN_VALUE_FLAGS = new Set(['--format', '-f', '--progress-fd', '--grace', '--parser', '--name', '--update-interval', '--eta-window', '--sample-interval']);

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

async function quickRunArgs(own: string[]): Promise<RunArgs | undefined> {
  const { default: parseArgs } = await import('yargs-parser');
  const parsed = parseArgs(own, {
    alias: { format: ['f'] },
    string: ['format', 'progress-fd', 'parser', 'name', 'eta-window', 'sample-interval'],
    number: ['grace', 'update-interval'],
    boolean: ['hide-output', 'resources', 'detach', 'foreground', 'marker-nonce'],
    configuration: { 'camel-case-expansion': false },
  });
  const known = new Set(['_', 'format', 'f', 'progress-fd', 'grace', 'hide-output', 'parser', 'name', 'update-interval', 'eta-window', 'sample-interval', 'resources', 'detach', 'foreground', 'marker-nonce']);
  if (parsed._.length > 0 || Object.keys(parsed).some((key) => !known.has(key))) return undefined;
  const format: unknown = parsed.format;
  if (format !== undefined && (typeof format !== 'string' || !(FORMATS as readonly string[]).includes(format))) return undefined;
  const progressFd: unknown = parsed['progress-fd'];
  const grace: unknown = parsed.grace;
  const updateInterval: unknown = parsed['update-interval'];
  const etaWindow: unknown = parsed['eta-window'];
  if ((progressFd !== undefined && typeof progressFd !== 'string') || (grace !== undefined && typeof grace !== 'number')) return undefined;
  if ((updateInterval !== undefined && typeof updateInterval !== 'number') || (etaWindow !== undefined && typeof etaWindow !== 'string')) return undefined;
  const sampleInterval: unknown = parsed['sample-interval'];
  const resources: unknown = parsed.resources;
  if ((sampleInterval !== undefined && typeof sampleInterval !== 'string') || (resources !== undefined && typeof resources !== 'boolean')) return undefined;
  const hideOutput = parsed['hide-output'] ?? false;
  const detach = parsed.detach ?? false;
  const foreground = parsed.foreground ?? false;
  const markerNonce = parsed['marker-nonce'] ?? false;
  if (typeof hideOutput !== 'boolean' || typeof detach !== 'boolean' || typeof foreground !== 'boolean' || typeof markerNonce !== 'boolean') return undefined;
  const parser = parsed.parser === undefined ? undefined : ([] as unknown[]).concat(parsed.parser);
  if (parser !== undefined && !parser.every((p) => typeof p === 'string')) return undefined;
  const name = parsed.name;
  if (name !== undefined && typeof name !== 'string') return undefined;
  return {
    format: format as RequestedFormat | undefined,
    'progress-fd': progressFd as string | undefined,
    grace: grace as number | undefined,
    'update-interval': updateInterval as number | undefined,
    'eta-window': etaWindow as string | undefined,
    'sample-interval': sampleInterval as string | undefined,
    resources: resources as boolean | undefined,
    'hide-output': hideOutput,
    detach,
    foreground,
    'marker-nonce': markerNonce,
    parser: parser as string[] | undefined,
    ...(name === undefined ? {} : { name }),
  };
}

async function startRun(args: RunArgs, command: string[], own: string[]): Promise<void> {
  if (args.detach && args.foreground) throw new ProgError('USAGE', '--detach and --foreground do not go together: a detached run has no terminal to give the command');
  if (args.detach) {
    const { detachRun } = await import('./commands/detach.js');
    await detachRun(own, command);
    return;
  }
  const [{ runCommand }, { loadRunSettings, settingsOptions }] = await Promise.all([import('./commands/run.js'), import('./config/load.js')]);
  // Flag > PROG_* > user config > default; the config file is read only when some key needs it.
  await runCommand({
    command,
    ...settingsOptions(loadRunSettings(args)),
    hideOutput: args['hide-output'],
    foreground: args.foreground === true,
    markerNonce: args['marker-nonce'] === true,
    ...(process.env.PROG_DETACHED_RUN_ID ? { runId: process.env.PROG_DETACHED_RUN_ID } : {}),
    ...(args.name === undefined ? {} : { name: args.name }),
  });
}

async function parse(own: string[], command: string[]): Promise<void> {
  // `prog history | head`: a reader that has read enough is not an error to report.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const { default: yargs } = await import('yargs');
  await yargs(own)
    // Flags stay as typed (`progress-fd`), so an unknown one is named once, not also in camelCase.
    .parserConfiguration({ 'camel-case-expansion': false })
    .scriptName('prog')
    .usage('prog: run any command and see where it stands\n\nUsage: prog <command> [options]')
    .command(
      'run',
      'Run a command, pass its output through and show its progress',
      (y) =>
        y
          .usage('prog run [options] [--] <command> [args…]\n\nRuns the command, passes its output through unchanged and shows its progress.\nprog exits with the command\'s exit status (or dies by the same signal).')
          .options(RUN_OPTIONS)
          .example('prog run -- ./build.sh', 'show progress while build.sh runs')
          .example('prog run --format json -- ./build.sh | jq .', 'machine-readable events for CI')
          .example('echo hi | prog run -- cat', 'stdin reaches the command')
          .example('prog run --detach -- ./nightly.sh', 'run in the background; prints the run id for prog attach, logs, stop')
          .example('prog run --marker-nonce -- ./tail-server-logs.sh', 'markers in echoed text do not count; the script prints ::prog:$PROG_MARKER_NONCE::{…}')
          .epilog('Markers: a line ::prog::{"type":"phase","id":"map","total":500} in the output, or on $PROG_PROGRESS_FD, drives progress. See docs/markers.md.'),
      (args) => startRun(args, command, own),
    )
    .command(
      'emit <type> [fields..]',
      'Print a progress marker, for shell scripts (to $PROG_PROGRESS_FD when set, else stdout)',
      (y) =>
        y
          .positional('type', { type: 'string', describe: 'workflow, phase, phase.end, step, item.start, item.done, item.fail, item.skip, progress, log, agent' })
          .option('stdout', { type: 'boolean', describe: 'write to stdout even under prog run' })
          .example('prog emit phase --id build --name Build --total 3', 'start a phase of three steps')
          .example('prog emit item.done --phase build --id lib.o', 'one item finished')
          .example('prog emit progress --phase upload --current 40 --total 100', 'set a phase to 40 %')
          .strict(false),
      async () => {
        const { emitCommand } = await import('./commands/emit.js');
        emitCommand(own.slice(1));
      },
    )
    .command(
      'parsers',
      'List the tool-output parsers prog recognises without any change to the command',
      (y) => y.example('prog parsers', 'names for --parser, and what each understands'),
      async () => {
        const { loadParserSpecs } = await import('./parsers/parser-hub.js');
        const specs = await loadParserSpecs();
        const width = Math.max(0, ...specs.map((s) => s.name.length));
        for (const spec of specs) process.stdout.write(`${spec.name.padEnd(width)}  ${spec.description}\n`);
        process.stdout.write(`\nprog recognises these from the output; --parser NAME forces one, --parser none turns them off.\n`);
      },
    )
    .command(
      'config',
      'Defaults for prog run: get, set, unset, list, path (flags beat PROG_* variables, which beat the config)',
      (y) =>
        y
          .usage(configUsage())
          .command('get <key>', 'Print the value prog run would use without flags', (c) => c.positional('key', { type: 'string', describe: SETTING_KEYS.join(', ') }), (args) => runConfig('get', args.key))
          .command('set <key> <value>', 'Store a default in the config file', (c) => c.positional('key', { type: 'string' }).positional('value', { type: 'string' }), (args) => runConfig('set', args.key, args.value))
          .command('unset <key>', 'Remove a default from the config file', (c) => c.positional('key', { type: 'string' }), (args) => runConfig('unset', args.key))
          .command('list', 'Every key, its value and where it comes from (env, config or default)', (c) => c.option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text: aligned columns; json: NDJSON, one object per key' }), (args) => runConfig('list', undefined, undefined, args.format))
          .command('path', 'Print where the config file is ($PROG_CONFIG_DIR, else the XDG config dir)', (c) => c, () => runConfig('path'))
          .example('prog config set format plain', 'plain output by default')
          .example('prog config list', 'what prog run will use, and why')
          .demandCommand(1, 'Say what to do: prog config <get|set|unset|list|path>'),
    )
    .command(
      'ls',
      'List runs: id, name, state (running, succeeded, failed, interrupted, lost), progress, time, ETA',
      (y) =>
        y
          .options({
            format: { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text: a table; json: NDJSON, one object per run' },
            limit: { type: 'number', default: 20, describe: 'at most N runs, newest first (0: all)' },
          })
          .example('prog ls', 'the last 20 runs, running ones with their progress and ETA')
          .example('prog ls --format json | jq -r \'select(.state == "running") | .id\'', 'the ids of running runs'),
      async (args) => {
        const { lsCommand } = await import('./commands/ls.js');
        lsCommand({ format: args.format, limit: args.limit });
      },
    )
    .command(
      'attach <target>',
      "Follow a run from here: its output and progress so far, then live; Ctrl-C detaches, the run goes on",
      (y) =>
        y
          .positional('target', { type: 'string', describe: 'a run id, a unique prefix of one, or latest' })
          .options({
            format: { alias: 'f', choices: ['auto', 'rich', 'plain', 'json'] as const, default: 'auto' as const, describe: 'the view, as for prog run' },
          })
          .example('prog attach latest', 'follow the newest run')
          .epilog("prog attach exits with the run's exit status when the run ends."),
      async (args) => {
        const { attachCommand } = await import('./commands/attach.js');
        await attachCommand({ target: args.target!, format: args.format });
      },
    )
    .command(
      'logs <target>',
      "A run's output lines and log markers, filtered; --follow keeps reading until the run ends",
      (y) =>
        y
          .positional('target', { type: 'string', describe: 'a run id, a unique prefix of one, or latest' })
          .options({
            follow: { type: 'boolean', default: false, describe: 'keep printing new lines until the run ends' },
            level: { choices: ['debug', 'info', 'notice', 'warn', 'error'] as const, describe: 'only lines at this level or above (output lines count as info)' },
            source: { type: 'string', describe: 'only log markers from this source (e.g. agent-03), or output of this stream (stdout, stderr)' },
            grep: { type: 'string', describe: 'only lines matching this regular expression' },
            since: { type: 'string', describe: 'only lines from within this age: 30s, 15m, 12h, 7d' },
            stream: { choices: ['stdout', 'stderr'] as const, describe: 'only output of this stream (no log markers)' },
            format: { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text: time, source and line; json: NDJSON' },
          })
          .example('prog logs latest --level warn', 'warnings and errors of the newest run')
          .example('prog logs 2026 --follow --grep "FAIL"', 'follow failures of a running run'),
      async (args) => {
        const { logsCommand } = await import('./commands/logs.js');
        await logsCommand({
          target: args.target!, follow: args.follow, format: args.format,
          ...(args.level === undefined ? {} : { level: args.level }),
          ...(args.source === undefined ? {} : { source: args.source }),
          ...(args.grep === undefined ? {} : { grep: args.grep }),
          ...(args.since === undefined ? {} : { since: args.since }),
          ...(args.stream === undefined ? {} : { stream: args.stream }),
        });
      },
    )
    .command(
      'stop <target>',
      'Stop a running run: the signal (TERM by default) to its command, then SIGKILL after the grace period',
      (y) =>
        y
          .positional('target', { type: 'string', describe: 'a run id, a unique prefix of one, or latest' })
          .options({
            signal: { alias: 's', type: 'string', default: 'TERM', describe: 'the signal to send: TERM, INT, HUP, QUIT, USR1, USR2, KILL' },
            grace: { type: 'number', describe: 'seconds before SIGKILL (default: the run\'s own --grace)' },
          })
          .example('prog stop latest', 'stop the newest run as Ctrl-C would'),
      async (args) => {
        const { stopCommand } = await import('./commands/stop.js');
        await stopCommand({ target: args.target!, signal: args.signal, ...(args.grace === undefined ? {} : { grace: args.grace }) });
      },
    )
    .command(
      'resume <target>',
      'Run the command of an earlier run again, in its directory, told which items that run completed ($PROG_RESUME_FILE)',
      (y) =>
        y
          .positional('target', { type: 'string', describe: 'a run id, a unique prefix of one, or latest' })
          .options({ format: RUN_OPTIONS.format })
          .example('prog resume latest', 'carry on where the newest run stopped'),
      async (args) => {
        const { resumeCommand } = await import('./commands/resume.js');
        await resumeCommand({ target: args.target!, ...(args.format === undefined ? {} : { format: args.format }) });
      },
    )
    .command(
      'history [target]',
      'Show recorded runs: one row per workflow, or the runs of one',
      (y) =>
        y
          .positional('target', { type: 'string', describe: 'a workflow key (--name, or "command @ directory"), a run id, or a unique prefix of either' })
          .options({
            format: { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text: tables; json: NDJSON, one object per line (type workflow, run or prune)' },
            limit: { type: 'number', describe: 'at most N rows: runs of a workflow (default 20), or workflows in the summary (default all)' },
            since: { type: 'string', describe: 'only runs started within this age: 30m, 12h, 7d, 2w (s, m, h, d, w)' },
            failed: { type: 'boolean', default: false, describe: 'only runs that did not end ok (failed, interrupted, not started)' },
            prune: { type: 'boolean', default: false, describe: 'rewrite history.ndjson without the records older than --older-than (unreadable lines are dropped too)' },
            'older-than': { type: 'string', describe: 'with --prune: the age beyond which records go, e.g. 90d' },
          })
          .example('prog history', 'one row per workflow of the newest 1,000 runs (--since for more): runs, last result, median, p90, success rate, recent durations')
          .example('prog history nightly --since 7d --failed', "this week's failed runs of the workflow named nightly")
          .example('prog history --format json | jq .', 'the same, as NDJSON')
          .example('prog history --prune --older-than 90d', 'forget runs older than 90 days'),
      async (args) => {
        const { historyCommand } = await import('./commands/history.js');
        historyCommand({
          format: args.format,
          failed: args.failed,
          prune: args.prune,
          ...(args.target === undefined ? {} : { target: args.target }),
          ...(args.limit === undefined ? {} : { limit: args.limit }),
          ...(args.since === undefined ? {} : { since: args.since }),
          ...(args['older-than'] === undefined ? {} : { olderThan: args['older-than'] }),
        });
      },
    )
    .demandCommand(1, 'Say what to do: prog run -- <command>')
    .check((args) => {
      if (args._[0] === 'run' && command.length === 0) throw new ProgError('USAGE', 'no command given: prog run [options] -- <command> [args…]');
      return true;
    })
    .strict()
    .help()
    .alias('h', 'help')
    .version(progVersion())
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, error) => {
      if (error instanceof ProgError) throw error;
      if (error) throw error;
      throw new ProgError('USAGE', `${message} (see prog --help)`);
    })
    .parseAsync();
}

async function runConfig(action: 'get' | 'set' | 'unset' | 'list' | 'path', key?: string, value?: string, format?: 'text' | 'json'): Promise<void> {
  const { configCommand } = await import('./commands/config.js');
  await configCommand({ action, ...(key === undefined ? {} : { key }), ...(value === undefined ? {} : { value }), ...(format === undefined ? {} : { format }) });
}

/** `prog config --help`: every key from the one table, with what it allows and its variable. */
function configUsage(): string {
  const width = Math.max(...SETTING_KEYS.map((k) => k.length));
  const keys = SETTING_KEYS.map((k) => `  ${k.padEnd(width)}  ${SETTINGS[k].allowed}; default ${SETTINGS[k].default}; $${SETTINGS[k].env}`);
  return `prog config <get|set|unset|list|path>\n\nUser defaults for prog run. Keys:\n${keys.join('\n')}\nPrecedence: command-line flag > environment variable > config file > default.`;
}
