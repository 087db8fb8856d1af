// Runs a shell command line on a real pseudo-terminal with util-linux `script`: the command's session
// has the pty as its controlling terminal, so a \x03 written to script's stdin goes through the line
// discipline and becomes SIGINT for the terminal's foreground process group, exactly as Ctrl-C.
// Tests that use it are registered with liveTest([tools.script()], …) (test/helpers/tools.ts).
import { start, type Live, type StartOptions } from './live.js';

export const CTRL_C = '\x03';
export const CTRL_D = '\x04';
export const CTRL_Z = '\x1a';

/**
 * `script -qfec 'exec <command>' /dev/null`: -e makes script exit with the command's status (128+N
 * when a signal killed it), -f flushes output as it comes. The shell script starts is replaced by the
 * command (`exec`): a shell left in between would get the terminal's SIGINT as well and report its own
 * status (dash exits 130 after a Ctrl-C even when its command exited 0).
 */
export function startInPty(command: string, options: StartOptions = {}): Live {
  return start('script', ['-qfec', `exec ${command}`, '/dev/null'], {
    ...options,
    stdin: 'pipe',
    env: { SHELL: '/bin/sh', TERM: 'xterm', ...options.env },
  });
}

/** Output lines from a pty, without the \r the terminal adds. */
export function ptyLines(text: string): string[] {
  return text.replace(/\r/g, '').split('\n');
}
