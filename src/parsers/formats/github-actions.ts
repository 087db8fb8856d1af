// GitHub Actions workflow commands, as @actions/core and many CLIs print them on stdout:
// `::group::Title` … `::endgroup::` → a phase marked `group` (the phases of tools run inside it
// are its children); `::error|warning|notice|debug k=v,…::message` → log lines (file:line:col and
// title in the message, every property in `extra`).
// Parsing follows the runner (actions/runner ActionCommand.TryParseV2): leading spaces allowed,
// command name up to the first space, properties split on `,` then the first `=`, names
// case-insensitive, `%25 %0D %0A` decoded in the message and also `%3A %2C` in properties.
// These are untrusted output (CVE-2020-15228): set-env, add-path, set-output, save-state,
// add-mask, echo and matchers are never acted on; `::stop-commands::TOKEN` … `::TOKEN::` is
// honoured so that nothing in between is read as a command.
import type { Extra, LogLevel } from '../../events.js';
import type { Emit, FormatLine, FormatParser, ParserSpec } from '../format-parser.js';

const MAX_TEXT = 64 * 1024;
/** Commands the runner knows; only these can be parsed as commands at all (as in the runner). */
const COMMANDS = new Set([
  'group', 'endgroup', 'error', 'warning', 'notice', 'debug', 'stop-commands', 'echo', 'add-mask',
  'add-matcher', 'remove-matcher', 'set-env', 'set-output', 'save-state', 'add-path',
]);
const LEVELS: Record<string, LogLevel> = { error: 'error', warning: 'warn', notice: 'notice', debug: 'debug' };
const LOCATION_KEYS = ['file', 'line', 'endline', 'col', 'endcolumn', 'title'] as const;

export interface WorkflowCommand {
  /** Lower case. */
  command: string;
  /** Property names in lower case, values decoded. */
  properties: Record<string, string>;
  message: string;
}

const DATA_ESCAPES: Record<string, string> = { '%25': '%', '%0D': '\r', '%0A': '\n' };
const PROPERTY_ESCAPES: Record<string, string> = { ...DATA_ESCAPES, '%3A': ':', '%2C': ',' };

/** Decodes in one pass, so `%250A` is `%0A` and never a line feed. */
function unescapeWith(s: string, table: Record<string, string>): string {
  if (!s.includes('%')) return s;
  return s.replace(/%[0-9A-Fa-f]{2}/g, (m) => table[m.toUpperCase()] ?? m);
}
export const unescapeData = (s: string) => unescapeWith(s, DATA_ESCAPES);
export const unescapeProperty = (s: string) => unescapeWith(s, PROPERTY_ESCAPES);

/** Parses `::command k=v,…::message` when `command` is one of `known`; undefined otherwise. */
export function parseWorkflowCommand(line: string, known: ReadonlySet<string> = COMMANDS): WorkflowCommand | undefined {
  const s = line.trimStart();
  if (!s.startsWith('::')) return undefined;
  const end = s.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = s.slice(2, end);
  const space = info.indexOf(' ');
  const command = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  if (!known.has(command)) return undefined;
  const properties: Record<string, string> = Object.create(null) as Record<string, string>;
  if (space > 0) {
    for (const part of info.slice(space + 1).trim().split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0 || eq === part.length - 1) continue;
      properties[part.slice(0, eq).trim().toLowerCase()] = unescapeProperty(part.slice(eq + 1));
    }
  }
  return { command, properties, message: unescapeData(s.slice(end + 2)) };
}

const cap = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

/** `src/a.ts:12:5: Title: message`, as an annotation reads. */
function annotationText(cmd: WorkflowCommand): string {
  const p = cmd.properties;
  let where = '';
  if (p.file !== undefined && p.file !== '') {
    where = p.file;
    if (p.line !== undefined) {
      where += `:${p.line}`;
      if (p.col !== undefined) where += `:${p.col}`;
    }
    where += ': ';
  }
  const title = p.title !== undefined && p.title !== '' ? `${p.title}: ` : '';
  return `${where}${title}${cmd.message}`;
}

class GithubActionsParser implements FormatParser {
  /** The token of `::stop-commands::TOKEN` while commands are stopped ('' never resumes, as in the runner). */
  #stopToken?: string;
  #group?: string;
  readonly #used = new Map<string, number>();

  line({ text }: FormatLine, emit: Emit): void {
    if (!text.includes('::')) return;
    if (this.#stopToken !== undefined) {
      const token = this.#stopToken;
      if (token === '') return;
      const cmd = parseWorkflowCommand(text, new Set([token.toLowerCase()]));
      if (cmd) this.#stopToken = undefined;
      return;
    }
    const cmd = parseWorkflowCommand(text);
    if (!cmd) return;
    switch (cmd.command) {
      case 'group': {
        // Groups do not nest on GitHub: a new one ends the open one.
        this.#closeGroup(emit);
        const name = cap(cmd.message.trim() || 'group');
        const seen = this.#used.get(name) ?? 0;
        this.#used.set(name, seen + 1);
        this.#group = seen === 0 ? name : `${name} #${seen + 1}`;
        // A group: the phases of tools it runs (make, ctest…) are its children.
        emit({ type: 'phase', id: this.#group, name, group: true });
        return;
      }
      case 'endgroup':
        this.#closeGroup(emit);
        return;
      case 'error':
      case 'warning':
      case 'notice':
      case 'debug': {
        const extra: Extra = {};
        for (const key of LOCATION_KEYS) {
          const value = cmd.properties[key];
          if (value === undefined) continue;
          const asNumber = key === 'file' || key === 'title' ? NaN : Number(value);
          extra[key === 'endline' ? 'endLine' : key === 'endcolumn' ? 'endColumn' : key] = Number.isSafeInteger(asNumber) ? asNumber : cap(value);
        }
        if (this.#group !== undefined) extra.group = this.#group;
        emit({
          type: 'log', level: LEVELS[cmd.command]!, source: 'github-actions', message: cap(annotationText(cmd)),
          ...(Object.keys(extra).length > 0 ? { extra } : {}),
        });
        return;
      }
      case 'stop-commands':
        this.#stopToken = cmd.message;
        return;
      default:
        // set-env, add-path, set-output, save-state, add-mask, echo, matchers: display-only prog acts on none.
        return;
    }
  }

  // A group still open when the output ends is left to the run's end: ok or failed with the exit.

  #closeGroup(emit: Emit): void {
    if (this.#group === undefined) return;
    emit({ type: 'phase.end', id: this.#group, status: 'ok' });
    this.#group = undefined;
  }
}

export const parser: ParserSpec = {
  name: 'github-actions',
  description: 'GitHub Actions workflow commands (@actions/core, ::group::, ::error file=…::): groups → phases; error/warning/notice/debug → log lines; set-env/add-path/… ignored, stop-commands honoured',
  leads: ['::'],
  detect: /^\s*::(?:group|endgroup|error|warning|notice|debug|stop-commands)[ :]/i,
  create: () => new GithubActionsParser(),
};
