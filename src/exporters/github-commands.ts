// GitHub Actions workflow commands as prog writes them (`::error title=…,file=…::message`,
// `::group::name`), escaped as @actions/core escapes them, so no text from the command can end a
// command early or start another: in the message `%`, `\r` and `\n`; in properties also `:` and `,`.
import { stripAnsi } from '../lines/ansi.js';

/** The message part: `%` first, so an escape is never escaped twice. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property's value (title, file). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Properties in the toolkit's order; those left undefined are left out. */
export interface CommandProperties {
  title?: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
}

const ORDER = ['title', 'file', 'line', 'endLine', 'col', 'endColumn'] as const;

/** One command line, `\n` included. Colour codes are dropped: the runner would show them raw. */
export function workflowCommand(command: string, properties: CommandProperties, message: string): string {
  const props = ORDER.filter((key) => properties[key] !== undefined)
    .map((key) => `${key}=${escapeProperty(stripAnsi(String(properties[key])))}`);
  return `::${command}${props.length === 0 ? '' : ` ${props.join(',')}`}::${escapeData(stripAnsi(message))}\n`;
}
