// Every command, positional and option of prog, with its description: the one table the help
// (yargs), the usage checks (usage.ts), the shell completion and the man page (man.ts) are made
// from, so none of them can say something the others do not.
import { ALLOWED, normalizeSetting, SETTING_KEYS, SETTINGS, shownValue, type SettingKey } from '../config/settings.js';
import { FORMATS } from '../display/format.js';

export interface OptionSpec {
  describe: string;
  type: 'boolean' | 'string' | 'number';
  /** One letter: `-f`. */
  alias?: string;
  /** Takes several values (`--parser ninja tap`) and may be repeated. */
  array?: boolean;
  choices?: readonly string[];
  default?: string | number | boolean;
  /** The value's name in the man page: SECONDS, N. */
  value?: string;
  /** For values `choices` cannot list: whether `text` is allowed, and what is, in words. */
  /** `show`: how an error names a bad value (a URL that may hold a secret is not shown whole). */
  check?: { ok: (text: string) => boolean; allowed: string; show?: (text: string) => string };
}

export interface PositionalSpec {
  name: string;
  describe: string;
  required: boolean;
  /** Takes every remaining word. */
  variadic?: boolean;
  choices?: readonly string[];
  /** What is missing, for `prog logs needs …`. */
  needs: string;
}

export interface CommandSpec {
  name: string;
  /** One line, in the list of commands. */
  summary: string;
  /** The head of the command's own help: its synopsis and a paragraph. */
  usage?: string;
  positionals: PositionalSpec[];
  options: Record<string, OptionSpec>;
  examples: [string, string][];
  epilog?: string;
  subcommands?: CommandSpec[];
  /** Reads its own `--field value` pairs (emit): only its name is checked here. */
  freeForm?: boolean;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', alias: 'h', describe: 'Show help' },
  version: { type: 'boolean', alias: 'v', describe: 'Show version number' },
};

/** A `prog run` setting: checked with the same table as PROG_* and prog config. */
function setting(key: SettingKey): OptionSpec['check'] {
  return { ok: (text) => normalizeSetting(key, text) !== undefined, allowed: ALLOWED[key], show: (text) => shownValue(key, text) };
}

const wholeNumber = (min: number) => (text: string) => /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) && Number(text) >= min;

const TARGET: PositionalSpec = { name: 'target', required: true, describe: 'a run id, a unique prefix of one, or latest', needs: 'a run: its id, a unique prefix of one, or latest' };

export const RUN_OPTIONS: Record<string, OptionSpec> = {
  format: {
    type: 'string',
    alias: 'f',
    choices: FORMATS,
    value: 'FORMAT',
    // No defaults for the settings below: a flag that was not given must stay undefined, so
    // resolveRunSettings can fall back to PROG_* and the user config (see prog config).
    describe: 'default auto (or $PROG_FORMAT, or prog config set format). auto: rich on a terminal (drawn on stderr when only stderr is one, as in | tee log; NO_COLOR drops its colour only), plain when neither stdout nor stderr is a terminal or CI or TERM=dumb is set; rich: live progress tree below the output; tui: full screen with panes and keys (? lists them; the run is recorded in the background, q leaves the TUI and the run goes on; plain when stdin or stdout is not a terminal or CI is set); plain: output plus [prog] lines on stderr; json: NDJSON events on stdout; none: output only',
  },
  'progress-fd': {
    type: 'string',
    value: 'N',
    check: setting('progress-fd'),
    describe: 'descriptor of the marker-only pipe given to the command (in $PROG_PROGRESS_FD), or "none"; default 3 (or prog config set progress-fd)',
  },
  grace: {
    type: 'number',
    value: 'SECONDS',
    check: setting('grace'),
    describe: 'seconds the command gets to stop after Ctrl-C or SIGTERM before its process group is killed; default 10 (or $PROG_GRACE, or prog config set grace)',
  },
  parser: {
    type: 'string',
    array: true,
    value: 'NAME',
    describe: 'which tool-output parsers to use: auto (recognise them from the output, the default), none, or names to force (see prog parsers); also $PROG_PARSER, or prog config set parser',
  },
  'update-interval': {
    type: 'number',
    value: 'SECONDS',
    check: setting('update-interval'),
    describe: 'seconds between view updates: JSON snapshots and plain progress lines come at most this often; default 1 (or $PROG_UPDATE_INTERVAL, or prog config set update-interval)',
  },
  'eta-window': {
    type: 'string',
    value: 'SECONDS',
    check: setting('eta-window'),
    describe: 'how far back the ETA looks at the pace: "all" (the whole run, the default) or seconds, for long runs whose early pace says nothing about the rest; also $PROG_ETA_WINDOW, prog config set eta-window',
  },
  'sample-interval': {
    type: 'string',
    value: 'SECONDS',
    check: setting('sample-interval'),
    describe: 'seconds between samples of CPU, memory and disk (of the command\'s process tree and the machine), or "off"; default 1 (or $PROG_SAMPLE_INTERVAL, or prog config set sample-interval)',
  },
  resources: {
    type: 'boolean',
    describe: '--no-resources: do not sample CPU, memory and disk (the same as --sample-interval off)',
  },
  name: {
    type: 'string',
    value: 'NAME',
    describe: 'the workflow this run belongs to, for history and ETA (default: the name its workflow marker gives, else the command line and directory)',
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
  dashboard: {
    type: 'boolean',
    default: false,
    describe: 'make sure prog dashboard serves this run (the one already serving, else a new one in the background, on 8080 or a free port) and print its address',
  },
  foreground: {
    type: 'boolean',
    default: false,
    describe: 'give the command the terminal (password prompts, Ctrl-Z); the run then ends if the terminal closes',
  },
  junit: {
    type: 'string',
    value: 'FILE',
    check: setting('junit'),
    describe: 'when the run ends, write its tests (pytest, TAP and node --test, ctest, cargo test, TeamCity, markers) to FILE as JUnit XML for GitLab, Jenkins, Azure DevOps and CircleCI; also $PROG_JUNIT, prog config set junit',
  },
  otlp: {
    type: 'string',
    value: 'URL',
    check: setting('otlp'),
    describe: 'send the run as an OpenTelemetry trace (run, phases, items as spans) to this OTLP/HTTP endpoint when it ends (a collector\'s base address such as http://localhost:4318, or its full …/v1/traces URL; see docs/tracing.md); default auto: when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set; off: never',
  },
  notify: {
    type: 'boolean',
    describe: 'a desktop notification when the run ends (notify-send on Linux, osascript on macOS), for runs longer than --notify-after; also $PROG_NOTIFY=on, prog config set notify on',
  },
  'notify-url': {
    type: 'string',
    value: 'URL',
    check: setting('notify-url'),
    describe: "POST the run's summary as JSON to URL when it ends (its `text` field suits Slack and Discord webhooks), for runs longer than --notify-after; also $PROG_NOTIFY_URL",
  },
  'notify-after': {
    type: 'number',
    value: 'SECONDS',
    check: setting('notify-after'),
    describe: 'notify only runs that lasted at least this long; default 30 (or $PROG_NOTIFY_AFTER, or prog config set notify-after)',
  },
  'marker-nonce': {
    type: 'boolean',
    default: false,
    describe: 'strict markers: on stdout and stderr only ::prog:NONCE::{…} with this run\'s secret counts (given to the command in $PROG_MARKER_NONCE), so text the command echoes cannot inject progress; the progress descriptor needs none',
  },
};

/** The marker types `prog emit` writes (docs/markers.md); the marker parser has the last word. */
export const MARKER_TYPES = ['workflow', 'phase', 'phase.end', 'step', 'item.start', 'item.done', 'item.fail', 'item.skip', 'progress', 'log', 'agent'] as const;

/** `prog config --help`: every key from the settings table, with what it allows and its variable. */
function configUsage(): string {
  const width = Math.max(...SETTING_KEYS.map((k) => k.length));
  const keys = SETTING_KEYS.map((k) => `  ${k.padEnd(width)}  ${SETTINGS[k].allowed}; default ${SETTINGS[k].default}; $${SETTINGS[k].env}`);
  return `prog config <get|set|unset|list|path>\n\nUser defaults for prog run. Keys:\n${keys.join('\n')}\nPrecedence: command-line flag > environment variable > config file > default.`;
}

const config: CommandSpec = {
  name: 'config',
  summary: 'Defaults for prog run: get, set, unset, list, path (flags beat PROG_* variables, which beat the config)',
  usage: configUsage(),
  positionals: [],
  options: {},
  examples: [
    ['prog config set format plain', 'plain output by default'],
    ['prog config list', 'what prog run will use, and why'],
  ],
  subcommands: [
    {
      name: 'get',
      summary: 'Print the value prog run would use without flags',
      positionals: [{ name: 'key', required: true, describe: SETTING_KEYS.join(', '), needs: `a key: ${SETTING_KEYS.join(', ')}` }],
      options: {},
      examples: [['prog config get grace', 'the grace prog run would use']],
    },
    {
      name: 'set',
      summary: 'Store a default in the config file',
      positionals: [
        { name: 'key', required: true, describe: 'a setting (prog config --help lists them)', needs: 'a key and a value: prog config set grace 30' },
        { name: 'value', required: true, describe: 'its new default', needs: 'a value after the key: prog config set grace 30' },
      ],
      options: {},
      examples: [['prog config set grace 30', 'commands get 30 s to stop after Ctrl-C']],
    },
    {
      name: 'unset',
      summary: 'Remove a default from the config file',
      positionals: [{ name: 'key', required: true, describe: 'a setting (prog config --help lists them)', needs: `a key: ${SETTING_KEYS.join(', ')}` }],
      options: {},
      examples: [['prog config unset format', 'back to the built-in default']],
    },
    {
      name: 'list',
      summary: 'Every key, its value and where it comes from (env, config or default)',
      positionals: [],
      options: {
        format: { type: 'string', alias: 'f', choices: ['text', 'json'], default: 'text', value: 'FORMAT', describe: 'text: aligned columns; json: NDJSON, one object per key' },
      },
      examples: [['prog config list --format json', 'as NDJSON']],
    },
    {
      name: 'path',
      summary: 'Print where the config file is ($PROG_CONFIG_DIR, else the XDG config dir)',
      positionals: [],
      options: {},
      examples: [],
    },
  ],
};

export const COMMANDS: CommandSpec[] = [
  {
    name: 'run',
    summary: 'Run a command, pass its output through and show its progress',
    usage: 'prog run [options] [--] <command> [args…]\n\nRuns the command, passes its output through unchanged and shows its progress.\nprog exits with the command\'s exit status (or dies by the same signal).',
    positionals: [],
    options: RUN_OPTIONS,
    examples: [
      ['prog run -- ./build.sh', 'show progress while build.sh runs'],
      ['prog run --format json -- ./build.sh | jq .', 'machine-readable events for CI'],
      ['echo hi | prog run -- cat', 'stdin reaches the command'],
      ['prog run --detach -- ./nightly.sh', 'run in the background; prints the run id for prog attach, logs, stop'],
      ['prog run --grace 30 -- ./deploy.sh', 'after Ctrl-C, give the command 30 s to stop before SIGKILL'],
      ['prog run --marker-nonce -- ./tail-server-logs.sh', 'markers in echoed text do not count; the script prints ::prog:$PROG_MARKER_NONCE::{…}'],
    ],
    epilog: 'Markers: a line ::prog::{"type":"phase","id":"map","total":500} in the output, or on $PROG_PROGRESS_FD, drives progress. See docs/markers.md.',
  },
  {
    name: 'emit',
    summary: 'Print a progress marker, for shell scripts (to $PROG_PROGRESS_FD when set, else stdout)',
    positionals: [
      { name: 'type', required: true, describe: MARKER_TYPES.join(', '), choices: MARKER_TYPES, needs: `a marker type: ${MARKER_TYPES.join(', ')}` },
      { name: 'fields', required: false, variadic: true, describe: '--field value pairs: --id build, --total 3 (see docs/markers.md)', needs: '' },
    ],
    options: {
      stdout: { type: 'boolean', describe: 'write to stdout even under prog run' },
    },
    freeForm: true,
    examples: [
      ['prog emit phase --id build --name Build --total 3', 'start a phase of three steps'],
      ['prog emit item.done --phase build --id lib.o', 'one item finished'],
      ['prog emit progress --phase upload --current 40 --total 100', 'set a phase to 40 %'],
    ],
    epilog: 'An unknown type or a field the marker cannot carry is refused (exit 125).',
  },
  {
    name: 'parsers',
    summary: 'List the tool-output parsers prog recognises without any change to the command',
    positionals: [],
    options: {
      format: { type: 'string', choices: ['text', 'json'], default: 'text', value: 'FORMAT', describe: 'text: one line per parser; json: NDJSON, one object per parser ({name, description, commands, env})' },
    },
    examples: [
      ['prog parsers', 'names for --parser, and what each understands'],
      ['prog parsers --format json | jq -r .name', 'the names alone'],
    ],
  },
  config,
  {
    name: 'ls',
    summary: 'List runs: id, name, state (running, succeeded, failed, interrupted, lost), progress, time, ETA',
    positionals: [],
    options: {
      format: { type: 'string', alias: 'f', choices: ['text', 'json'], default: 'text', value: 'FORMAT', describe: 'text: a table; json: NDJSON, one object per run' },
      limit: { type: 'number', default: 20, value: 'N', check: { ok: wholeNumber(0), allowed: 'a whole number ≥ 0 (0 lists them all)' }, describe: 'at most N runs, newest first (0: all)' },
    },
    examples: [
      ['prog ls', 'the last 20 runs, running ones with their progress and ETA'],
      ['prog ls --limit 5', 'the five newest'],
      ['prog ls --format json | jq -r \'select(.state == "running") | .id\'', 'the ids of running runs'],
    ],
  },
  {
    name: 'attach',
    summary: 'Follow a run from here: its output and progress so far, then live; Ctrl-C detaches, the run goes on',
    positionals: [TARGET],
    options: {
      format: { type: 'string', alias: 'f', choices: ['auto', 'rich', 'tui', 'plain', 'json'], default: 'auto', value: 'FORMAT', describe: 'the view, as for prog run; tui: full screen, q leaves it (the run goes on)' },
    },
    examples: [['prog attach latest', 'follow the newest run']],
    epilog: "prog attach exits with the run's exit status when the run ends.",
  },
  {
    name: 'logs',
    summary: "A run's output lines and log markers, filtered; -f follows the run until it ends",
    positionals: [TARGET],
    options: {
      follow: { type: 'boolean', alias: 'f', default: false, describe: 'keep printing new lines until the run ends (as tail -f)' },
      tail: { type: 'number', alias: 'n', value: 'N', check: { ok: wholeNumber(0), allowed: 'a whole number of lines ≥ 0' }, describe: 'only the last N lines (after the filters); with -f, the last N and then the new ones' },
      level: { type: 'string', choices: ['debug', 'info', 'notice', 'warn', 'error'], value: 'LEVEL', describe: 'only lines at this level or above (output lines count as info)' },
      source: { type: 'string', value: 'SOURCE', describe: 'only log markers from this source (e.g. agent-03), or output of this stream (stdout, stderr)' },
      grep: { type: 'string', value: 'REGEX', describe: 'only lines matching this regular expression' },
      since: { type: 'string', value: 'AGE', describe: 'only lines from within this age: 30s, 15m, 12h, 7d' },
      stream: { type: 'string', choices: ['stdout', 'stderr'], value: 'STREAM', describe: 'only output of this stream (no log markers)' },
      format: { type: 'string', choices: ['text', 'json'], default: 'text', value: 'FORMAT', describe: 'text: time, source and line; json: NDJSON' },
    },
    examples: [
      ['prog logs latest -f', 'follow the newest run, from its first line'],
      ['prog logs latest -n 20 -f', 'its last 20 lines, then the new ones'],
      ['prog logs latest --level warn', 'warnings and errors of the newest run'],
      ['prog logs 2026 -f --grep "FAIL"', 'follow failures of a running run'],
    ],
  },
  {
    name: 'stop',
    summary: 'Stop a running run: the signal (TERM by default) to its command, then SIGKILL after the grace period',
    positionals: [TARGET],
    options: {
      signal: { type: 'string', alias: 's', default: 'TERM', value: 'SIGNAL', describe: 'the signal to send: TERM, INT, HUP, QUIT, USR1, USR2, KILL' },
      grace: { type: 'number', value: 'SECONDS', check: setting('grace'), describe: 'seconds before SIGKILL (default: the run\'s own --grace)' },
    },
    examples: [['prog stop latest', 'stop the newest run as Ctrl-C would']],
  },
  {
    name: 'resume',
    summary: 'Run the command of an earlier run again, in its directory, told which items that run completed ($PROG_RESUME_FILE)',
    positionals: [TARGET],
    options: { format: RUN_OPTIONS.format! },
    examples: [['prog resume latest', 'carry on where the newest run stopped']],
  },
  {
    name: 'history',
    summary: 'Show recorded runs: one row per workflow, or the runs of one',
    positionals: [{ name: 'target', required: false, describe: 'a workflow key (--name, a workflow marker\'s name, or "command @ directory"), a run id, or a unique prefix of either', needs: '' }],
    options: {
      format: { type: 'string', alias: 'f', choices: ['text', 'json'], default: 'text', value: 'FORMAT', describe: 'text: tables; json: NDJSON, one object per line (type workflow, run or prune)' },
      limit: { type: 'number', value: 'N', check: { ok: wholeNumber(1), allowed: 'a whole number ≥ 1' }, describe: 'at most N rows: runs of a workflow (default 20), or workflows in the summary (default all)' },
      since: { type: 'string', value: 'AGE', describe: 'only runs started within this age: 30m, 12h, 7d, 2w (s, m, h, d, w)' },
      failed: { type: 'boolean', default: false, describe: 'only runs that did not end ok (failed, interrupted, not started)' },
      prune: { type: 'boolean', default: false, describe: 'rewrite history.ndjson without the records older than --older-than (unreadable lines are dropped too)' },
      'older-than': { type: 'string', value: 'AGE', describe: 'with --prune: the age beyond which records go, e.g. 90d' },
    },
    examples: [
      ['prog history', 'one row per workflow of the newest 1,000 runs (--since for more): runs, last result, median, p90, success rate, recent durations'],
      ['prog history nightly --since 7d --failed', "this week's failed runs of the workflow named nightly"],
      ['prog history --format json | jq .', 'the same, as NDJSON'],
      ['prog history --prune --older-than 90d', 'forget runs older than 90 days'],
    ],
  },
  {
    name: 'dashboard',
    summary: 'Serve the web dashboard (every run in the state dir, live) and Prometheus /metrics on http://127.0.0.1:8080',
    positionals: [],
    options: {
      port: { type: 'number', default: 8080, value: 'PORT', check: { ok: (t) => wholeNumber(0)(t) && Number(t) <= 65535, allowed: 'a port number from 0 to 65535 (0: any free one)' }, describe: 'the port to listen on; 0 picks a free one (the address printed says which)' },
      host: { type: 'string', value: 'ADDR', describe: 'serve on this address instead of 127.0.0.1 and ::1 (0.0.0.0: every interface, answering to this machine\'s addresses and host name); exposing it warns, and the token is still required' },
      open: { type: 'boolean', default: false, describe: 'open the dashboard in the browser (xdg-open, open)' },
      'token-file': { type: 'string', value: 'PATH', describe: 'keep the token in this file (made, mode 0600, when missing) instead of a new one at each start: for Prometheus scrape configs' },
    },
    examples: [
      ['prog dashboard', 'serve http://127.0.0.1:8080/?token=… (the address with its token is printed on stderr)'],
      ['prog dashboard --port 0 --open', 'any free port, opened in the browser'],
      ['curl -H "Authorization: Bearer $(cat ~/.local/state/prog/dashboard.token)" 127.0.0.1:8080/metrics', 'what Prometheus scrapes'],
    ],
    epilog: 'The page, the API (/api/runs, /api/progress, /api/logs, /api/timeline, /api/series, /api/history, /ws) and /metrics are documented in docs/dashboard.md. prog run --dashboard starts one (or reuses one already serving) for its run.',
  },
  {
    name: 'completion',
    summary: 'Print a bash or zsh completion script: eval "$(prog completion)" in ~/.bashrc or ~/.zshrc',
    positionals: [{ name: 'shell', required: false, choices: ['bash', 'zsh'], describe: 'bash or zsh (default: the one $SHELL names, else bash)', needs: '' }],
    options: {},
    examples: [
      ['eval "$(prog completion bash)"', 'in ~/.bashrc: Tab completes commands, options and their values'],
      ['prog completion bash > ~/.local/share/bash-completion/completions/prog', 'or once, for bash-completion to load when needed'],
      ['prog completion zsh > "${fpath[1]}/_prog"', 'zsh: into a directory of $fpath'],
    ],
  },
  {
    name: 'man',
    summary: 'Print the man page (roff), made from the same descriptions as --help: prog man | man -l -',
    positionals: [],
    options: {},
    examples: [['prog man | man -l -', 'read it']],
  },
];

/** A command by its path: ['config', 'set']. */
export function findCommand(path: readonly string[]): CommandSpec | undefined {
  let list = COMMANDS;
  let found: CommandSpec | undefined;
  for (const name of path) {
    found = list.find((c) => c.name === name);
    if (found === undefined) return undefined;
    list = found.subcommands ?? [];
  }
  return found;
}

/** What yargs calls the command: `logs <target>`, `history [target]`, `emit <type> [fields..]`. */
export function commandString(spec: CommandSpec): string {
  return [spec.name, ...spec.positionals.map((p) => {
    const name = p.variadic ? `${p.name}..` : p.name;
    return p.required ? `<${name}>` : `[${name}]`;
  })].join(' ');
}
