// Azure Pipelines logging commands: formatting lines `##[group]` `##[endgroup]` `##[section]`
// `##[command]` `##[warning]` `##[error]` `##[debug]` at the start of a line, and
// `##vso[area.action k=v;…]message` (anywhere in a line, as the agent finds them).
// Groups are phases marked `group` (the phases of tools run inside one are its children);
// `task.setprogress value=N;]operation` drives a "task" phase out of 100 with the operation as its
// step; `task.logissue` (and task-lib's `task.issue`) is a log line with its source location,
// `task.debug` a debug line; `task.complete result=…` logs the result and ends the task phase.
// Escapes: `%AZP25` (and the older `%25`) `%0D` `%0A` `%3B` `%5D`. Untrusted output: setvariable,
// setsecret, prependpath, uploadfile, addattachment and every other command are never acted on.
import type { Extra, LogLevel } from '../../events.js';
import type { Emit, FormatLine, FormatParser, ParserSpec } from '../format-parser.js';

const MAX_TEXT = 64 * 1024;
const VSO = '##vso[';
const FORMAT = /^\s*##\[(group|endgroup|section|command|warning|error|debug)\]/i;
/** The task's own phase (setprogress, complete); a group of the same name gets another id. */
const TASK_PHASE = 'azure:task';

export interface LoggingCommand {
  /** `task.setprogress`, lower case. */
  command: string;
  /** Property names in lower case, values decoded. */
  properties: Record<string, string>;
  message: string;
}

const ESCAPES: Record<string, string> = { '%AZP25': '%', '%25': '%', '%0D': '\r', '%0A': '\n', '%3B': ';', '%5D': ']' };

/** Decodes in one pass, so `%AZP250A` is `%0A` and never a line feed. */
export function unescapeAzure(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%AZP25|%[0-9A-Fa-f]{2}/gi, (m) => ESCAPES[m.toUpperCase()] ?? m);
}

/** The first `##vso[area.action …]message` in a line (as the agent reads it), or undefined. */
export function parseLoggingCommand(line: string): LoggingCommand | undefined {
  const at = line.indexOf(VSO);
  if (at < 0) return undefined;
  const close = line.indexOf(']', at + VSO.length);
  if (close < 0) return undefined;
  const info = line.slice(at + VSO.length, close);
  const space = info.search(/\s/);
  const command = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  if (!/^[a-z0-9_-]+\.[a-z0-9_-]+$/.test(command)) return undefined;
  const properties: Record<string, string> = Object.create(null) as Record<string, string>;
  if (space > 0) {
    for (const part of info.slice(space + 1).split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const key = part.slice(0, eq).trim().toLowerCase();
      if (key !== '') properties[key] = unescapeAzure(part.slice(eq + 1));
    }
  }
  return { command, properties, message: unescapeAzure(line.slice(close + 1)) };
}

const cap = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

const FORMAT_LEVELS: Record<string, LogLevel> = { warning: 'warn', error: 'error', debug: 'debug' };

class AzurePipelinesParser implements FormatParser {
  #group?: string;
  #task = false;
  #taskEnded = false;
  #percent = -1;
  readonly #used = new Map<string, number>([[TASK_PHASE, 1]]);

  line({ text }: FormatLine, emit: Emit): void {
    if (!text.includes('##')) return;
    const format = FORMAT.exec(text);
    if (format) {
      this.#format(format[1]!.toLowerCase(), text.slice(format[0].length), emit);
      return;
    }
    const cmd = parseLoggingCommand(text);
    if (cmd) this.#command(cmd, emit);
  }

  #format(kind: string, rest: string, emit: Emit): void {
    switch (kind) {
      case 'group': {
        this.#closeGroup(emit);
        const name = cap(rest.trim() || 'group');
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
      case 'section':
      case 'command':
        if (rest.trim() === '') return;
        if (this.#group !== undefined) emit({ type: 'step', phase: this.#group, name: cap(rest.trim()) });
        else if (kind === 'section') emit({ type: 'log', level: 'info', source: 'azure-pipelines', message: cap(rest.trim()) });
        return;
      default:
        emit({ type: 'log', level: FORMAT_LEVELS[kind]!, source: 'azure-pipelines', message: cap(rest) });
    }
  }

  #command(cmd: LoggingCommand, emit: Emit): void {
    const p = cmd.properties;
    switch (cmd.command) {
      case 'task.setprogress': {
        const value = Number(p.value);
        if (p.value === undefined || p.value.trim() === '' || !Number.isFinite(value)) return;
        const percent = Math.max(0, Math.min(100, Math.round(value)));
        this.#openTask(emit);
        const operation = cmd.message.trim();
        if (operation !== '') emit({ type: 'step', phase: TASK_PHASE, name: cap(operation) });
        if (percent !== this.#percent) {
          this.#percent = percent;
          emit({ type: 'progress', phase: TASK_PHASE, current: percent, total: 100 });
        }
        return;
      }
      case 'task.debug':
        emit({ type: 'log', level: 'debug', source: 'azure-pipelines', message: cap(cmd.message) });
        return;
      // task-lib's tl.warning()/tl.error() print task.issue; the documented name is task.logissue.
      case 'task.issue':
      case 'task.logissue': {
        const type = (p.type ?? '').toLowerCase();
        const level: LogLevel = type === 'error' ? 'error' : 'warn';
        const extra: Extra = {};
        if (p.sourcepath) extra.file = cap(p.sourcepath);
        for (const [key, name] of [['linenumber', 'line'], ['columnnumber', 'col']] as const) {
          const n = Number(p[key]);
          if (p[key] !== undefined && Number.isSafeInteger(n)) extra[name] = n;
        }
        if (p.code) extra.code = cap(p.code);
        if (this.#group !== undefined) extra.group = this.#group;
        let where = '';
        if (p.sourcepath) {
          where = p.sourcepath;
          if (extra.line !== undefined) {
            where += `:${extra.line as number}`;
            if (extra.col !== undefined) where += `:${extra.col as number}`;
          }
          where += ': ';
        }
        const code = p.code ? `${p.code}: ` : '';
        emit({ type: 'log', level, source: 'azure-pipelines', message: cap(`${where}${code}${cmd.message}`), ...(Object.keys(extra).length ? { extra } : {}) });
        return;
      }
      case 'task.complete': {
        const result = (p.result ?? 'Succeeded').trim().toLowerCase();
        const level: LogLevel = result === 'failed' ? 'error' : result === 'succeededwithissues' ? 'warn' : 'info';
        const label = result === 'failed' ? 'Failed' : result === 'succeededwithissues' ? 'SucceededWithIssues' : result === 'skipped' ? 'Skipped' : 'Succeeded';
        const message = cmd.message.trim();
        emit({ type: 'log', level, source: 'azure-pipelines', message: cap(`task complete: ${label}${message ? ` · ${message}` : ''}`), extra: { result: label } });
        if (this.#task && !this.#taskEnded) {
          this.#taskEnded = true;
          emit({ type: 'phase.end', id: TASK_PHASE, status: result === 'failed' ? 'failed' : result === 'skipped' ? 'skipped' : 'ok' });
        }
        return;
      }
      default:
        // task.setvariable, task.setsecret, task.prependpath, task.uploadfile, build.*, artifact.*: never acted on.
        return;
    }
  }

  #openTask(emit: Emit): void {
    if (this.#task && !this.#taskEnded) return;
    this.#task = true;
    this.#taskEnded = false;
    this.#percent = -1;
    emit({ type: 'phase', id: TASK_PHASE, name: 'task', total: 100 });
  }

  #closeGroup(emit: Emit): void {
    if (this.#group === undefined) return;
    emit({ type: 'phase.end', id: this.#group, status: 'ok' });
    this.#group = undefined;
  }
}

export const parser: ParserSpec = {
  name: 'azure-pipelines',
  description: 'Azure Pipelines logging commands (##[group], ##vso[task.setprogress|logissue|complete]): groups → phases; setprogress → a "task" phase in %; logissue, ##[warning]/[error]/[debug] → log lines',
  contains: '##',
  detect: /^(?:\s*##\[(?:group|endgroup|section|command|warning|error|debug)\]|.*?##vso\[[A-Za-z])/i,
  create: () => new AzurePipelinesParser(),
};
