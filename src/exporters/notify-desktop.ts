// A desktop notification through the tool the system has: notify-send (libnotify, Linux) or
// osascript (macOS), found on PATH. Started without a shell, with a deadline; what it prints is not
// shown (only the first line of its complaint, when it fails).
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

/** How long the tool may take: it only hands the message to the desktop. */
export const DESKTOP_TIMEOUT_MS = 3_000;

export interface DesktopNotifier {
  /** `notify-send`, `osascript`. */
  name: string;
  file: string;
  args(title: string, body: string, failed: boolean): string[];
}

const NOTIFY_SEND = (file: string): DesktopNotifier => ({
  name: 'notify-send',
  file,
  // `--` ends the options: a body that begins with `-` is text, not a flag. The body is markup to
  // most notification daemons (an unescaped `&` blanks it in some); the title is plain text.
  args: (title, body, failed) => ['-a', 'prog', '-u', failed ? 'critical' : 'normal', '-i', failed ? 'dialog-error' : 'dialog-information', '--', title, markupEscape(body)],
});

const OSASCRIPT = (file: string): DesktopNotifier => ({
  name: 'osascript',
  file,
  // The texts are the script's arguments, not part of its source: nothing to escape. No `--`: BSD
  // getopt stops at the title (never a flag: it starts with ✓, ✗ or ■), and a `--` might be passed on.
  args: (title, body) => ['-e', 'on run argv', '-e', 'display notification (item 2 of argv) with title (item 1 of argv)', '-e', 'end run', title, body],
});

/** The tool for this system, the usual one first: osascript on macOS, notify-send elsewhere. */
export function findNotifier(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): DesktopNotifier | undefined {
  const order = platform === 'darwin' ? ['osascript', 'notify-send'] : ['notify-send', 'osascript'];
  for (const name of order) {
    const file = onPath(name, env.PATH);
    if (file !== undefined) return name === 'osascript' ? OSASCRIPT(file) : NOTIFY_SEND(file);
  }
  return undefined;
}

/** What to tell a user who has neither. */
export function noNotifierHint(platform: NodeJS.Platform = process.platform): string {
  return platform === 'darwin'
    ? 'no osascript on PATH for a desktop notification'
    : 'no notify-send on PATH for a desktop notification (Debian/Ubuntu: apt-get install libnotify-bin; Fedora: libnotify)';
}

/** Runs the tool; resolves when it succeeded, else throws an Error whose message says why. */
export function showNotification(notifier: DesktopNotifier, title: string, body: string, failed: boolean, env: NodeJS.ProcessEnv, timeoutMs = DESKTOP_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(notifier.file, notifier.args(title, body, failed), { env, stdio: ['ignore', 'ignore', 'pipe'], shell: false });
    let complaint = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (complaint.length < 500) complaint += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${notifier.name} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    timer.unref();
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${notifier.name} could not be started: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve();
        return;
      }
      const first = complaint.split('\n').find((line) => line.trim() !== '')?.trim().slice(0, 200);
      reject(new Error(`${notifier.name} ${signal === null ? `exited with ${code}` : `was killed by ${signal}`}${first === undefined ? '' : ` (${first})`}`));
    });
  });
}

/** `&`, `<`, `>` as the Desktop Notifications spec's body markup needs them. */
export function markupEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The executable `command` names on PATH, as `command -v` finds it, without starting anything. */
function onPath(command: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(':')) {
    if (dir === '') continue;
    const file = join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
