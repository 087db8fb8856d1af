// prog's own messages on stderr: `prog: …` for errors, `prog: warning: …` once per kind per run.
import { terminalStderr } from './display/terminal-output.js';
import { escapeForTerminal } from './lines/ansi.js';

const warned = new Set<string>();

export function writeStderr(text: string): void {
  terminalStderr().write(text);
}

export function printError(message: string): void {
  writeStderr(message.split('\n').map((line, i) => `${i === 0 ? 'prog: ' : ''}${escapeForTerminal(line)}\n`).join(''));
}

/** Where warnings go as well as stderr: the terminal's prog, for the prog recording a TUI run (remote-tui.ts). */
let echo: ((line: string) => void) | undefined;

export function echoWarnings(to: ((line: string) => void) | undefined): void {
  echo = to;
}

/** Warns the first time a kind of problem happens in this run; later ones are counted elsewhere. */
export function warnOnce(kind: string, message: string): void {
  if (warned.has(kind)) return;
  warned.add(kind);
  const line = `prog: warning: ${escapeForTerminal(message)}\n`;
  writeStderr(line);
  echo?.(line);
}
