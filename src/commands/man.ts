// `prog man`: the man page, in roff, made from the command table the help is made from
// (cli-spec.ts) and the settings table (config/settings.ts). docs/prog.1 is its output, checked by
// a test (test/commands/man-page.ts): regenerate it with `node bin/prog.cjs man > docs/prog.1`.
import { SETTING_KEYS, SETTINGS } from '../config/settings.js';
import { progVersion } from '../version.js';
import { COMMANDS, GLOBAL_OPTIONS, commandString, type CommandSpec, type OptionSpec } from './cli-spec.js';

/** Characters roff has names for; the rest of the text goes through as UTF-8 (man-db runs preconv). */
const GLYPHS: Record<string, string> = {
  '…': '\\&...', '→': '\\(->', '≥': '\\(>=', '≤': '\\(<=', '·': '\\(md', '×': '\\(mu', '—': '\\(em', '–': '\\(en',
};

/** Text made inert for roff: backslashes, hyphens as minus signs (they are typed), no request at a line start. */
export function roffText(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[…→≥≤·×—–]/g, (c) => GLYPHS[c]!);
  return escaped.split('\n').map((line) => (/^[.']/.test(line) ? `\\&${line}` : line)).join('\n');
}

const bold = (text: string) => `\\fB${roffText(text)}\\fR`;
const italic = (text: string) => `\\fI${roffText(text)}\\fR`;

/** A description as a sentence: a capital (unless it starts with a flag or a variable), a full stop. */
function sentence(text: string): string {
  const t = text.trim();
  const capital = /^[a-z]/.test(t) ? t.charAt(0).toUpperCase() + t.slice(1) : t;
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** A usage paragraph: its prose, and its indented `name  text` lines as a list. */
function paragraph(text: string): string[] {
  const out: string[] = [];
  let prose: string[] = [];
  const flush = () => {
    if (prose.length > 0) out.push('.PP', roffText(prose.join(' ')));
    prose = [];
  };
  for (const line of text.split('\n')) {
    const item = /^\s+(\S+)\s{2,}(.*)$/.exec(line);
    if (item !== null) {
      flush();
      out.push('.TP', bold(item[1]!), roffText(sentence(item[2]!)));
    } else if (line.trim() === '') flush();
    else prose.push(line.trim());
  }
  flush();
  return out;
}

function optionTag(name: string, spec: OptionSpec): string {
  const flags = [...(spec.alias === undefined ? [] : [bold(`-${spec.alias}`)]), bold(`--${name}`)].join(', ');
  if (spec.type === 'boolean') return flags;
  return `${flags} ${italic(spec.value ?? 'VALUE')}`;
}

function optionBody(spec: OptionSpec): string {
  let text = sentence(spec.describe);
  if (spec.choices !== undefined) text += ` One of: ${spec.choices.join(', ')}.`;
  if (spec.default !== undefined && spec.type !== 'boolean') text += ` Default: ${String(spec.default)}.`;
  return roffText(text);
}

function commandSection(spec: CommandSpec, path: string[]): string[] {
  const out: string[] = [];
  const full = [...path, commandString(spec)].join(' ');
  const synopsis = spec.name === 'run' && path.length === 1 ? 'prog run [options] [--] <command> [args…]' : `${full}${Object.keys(spec.options).length > 0 ? ' [options]' : ''}`;
  out.push(`.SS "${roffText(synopsis).replace(/"/g, '""')}"`);
  out.push(roffText(sentence(spec.summary)));
  const text = spec.usage?.split('\n\n').slice(1).join('\n\n');
  if (text) out.push(...paragraph(text));
  for (const p of spec.positionals) out.push('.TP', italic(p.variadic ? `${p.name}…` : p.name), roffText(sentence(p.describe)));
  for (const [name, option] of Object.entries(spec.options)) out.push('.TP', optionTag(name, option), optionBody(option));
  if (spec.epilog) out.push('.PP', roffText(spec.epilog));
  if (spec.examples.length > 0) {
    out.push('.PP', 'Examples:');
    for (const [example, what] of spec.examples) out.push('.TP', bold(example), roffText(sentence(what)));
  }
  for (const sub of spec.subcommands ?? []) out.push(...commandSection(sub, [...path, spec.name]));
  return out;
}

export function manPage(): string {
  const lines: string[] = [
    '.\\" The man page of prog, made by `prog man` from the descriptions --help shows. Do not edit:',
    '.\\" regenerate with  node bin/prog.cjs man > docs/prog.1',
    `.TH PROG 1 "" "prog ${roffText(progVersion())}" "User Commands"`,
    // Left-aligned, unhyphenated: option names and commands must read as typed.
    '.ad l',
    '.nh',
    '.SH NAME',
    'prog \\- run any command and see where it stands',
    '.SH SYNOPSIS',
    `${bold('prog run')} [${italic('options')}] [${bold('--')}] ${italic('command')} [${italic('args')}\\&...]`,
    '.br',
    `${bold('prog')} ${italic('command')} [${italic('options')}]`,
    '.br',
    `${bold('prog')} [${bold('-h')} | ${bold('--help')} | ${bold('-v')} | ${bold('--version')}]`,
    '.SH DESCRIPTION',
    roffText("prog run passes a command's output through untouched, understands the progress it reports (prog's markers, or the output of tools it knows: see prog parsers) and shows how far along it is, how fast it goes, what failed and how it ended. Every run is recorded, and can be listed (prog ls), followed (prog attach, prog logs -f), stopped, resumed and compared with earlier runs (prog history)."),
    '.PP',
    roffText('prog with no arguments prints the help; prog help COMMAND is prog COMMAND --help. Every command takes:'),
  ];
  for (const [name, option] of Object.entries(GLOBAL_OPTIONS)) lines.push('.TP', optionTag(name, option), roffText(sentence(option.describe)));
  lines.push('.SH COMMANDS');
  for (const spec of COMMANDS) lines.push(...commandSection(spec, ['prog']));
  lines.push(
    '.SH EXIT STATUS',
    roffText("prog run exits with the command's exit status; a command killed by a signal makes prog end by the same signal (a shell sees 128+N). prog's own failures:"),
    '.TP', bold('125'), roffText('bad usage of prog (a one-line message: prog: what is wrong (see prog COMMAND --help)), or a state directory it cannot read back.'),
    '.TP', bold('126'), roffText('the command was found but could not be executed.'),
    '.TP', bold('127'), roffText('the command was not found.'),
    '.PP',
    roffText("prog attach exits with the run's exit status; prog logs, ls, history and the others exit 0 when they did what was asked."),
    '.SH ENVIRONMENT',
    roffText('Defaults for prog run; a flag beats its variable, which beats the config file (prog config), which beats the built-in default:'),
  );
  for (const key of SETTING_KEYS) {
    const s = SETTINGS[key];
    lines.push('.TP', bold(s.env), roffText(`${sentence(s.allowed.charAt(0).toUpperCase() + s.allowed.slice(1))} Default ${s.default} (prog config set ${key}).`));
  }
  lines.push(
    '.TP', bold('PROG_HOME'), roffText('Where runs and history are recorded; default $XDG_STATE_HOME/prog, else ~/.local/state/prog.'),
    '.TP', bold('PROG_CONFIG_DIR'), roffText('Where the config file is; default $XDG_CONFIG_HOME/prog, else ~/.config/prog.'),
    '.TP', bold('NO_COLOR'), roffText('Set and not empty: no colour (the live view stays).'),
    '.TP', bold('FORCE_COLOR'), roffText('Colour even when the output is not a terminal; beats NO_COLOR, as in Node (FORCE_COLOR=0: no colour).'),
    '.TP', bold('CI'), roffText('Set (and not false or 0): --format auto is plain.'),
    '.PP',
    roffText('The command gets PROG_PROGRESS_FD (the descriptor for markers), PROG_RUN_ID, and with --marker-nonce PROG_MARKER_NONCE; prog resume gives it PROG_RESUME_FILE.'),
    '.SH FILES',
    '.TP', bold('~/.local/state/prog/runs/ID/'), roffText("A run's record: run.json, events.ndjson, stdout.log, stderr.log, snapshot.json."),
    '.TP', bold('~/.local/state/prog/history.ndjson'), roffText('One line per finished run, for prog history and ETAs.'),
    '.TP', bold('~/.local/state/prog/dashboard.json'), roffText('Where prog dashboard serves and its token (mode 0600); dashboard.token holds the token alone, for Prometheus.'),
    '.TP', bold('~/.config/prog/config.json'), roffText('Defaults set with prog config.'),
    '.SH SEE ALSO',
    roffText('docs/markers.md (the marker protocol), docs/json.md (the NDJSON events) and docs/dashboard.md (the dashboard, its API and metrics) in the prog package; tail(1), timeout(1).'),
  );
  return `${lines.join('\n')}\n`;
}
