// prog's own failures carry a code; commands map codes to exit statuses in one place (exitCodeFor).

export type ProgErrorCode =
  | 'USAGE' // bad flags or arguments: exit 125
  | 'SPAWN_ENOENT' // command not found: exit 127
  | 'SPAWN_EACCES' // found but not executable: exit 126
  | 'SPAWN_FAILED' // any other reason the child could not start: exit 126
  | 'EMIT_INVALID' // `prog emit` given a field it cannot encode: exit 125
  | 'DETACH_FAILED' // prog run --detach: the background prog did not get the command started: exit 125
  | 'NO_SUCH_RUN' // prog attach/logs/stop/resume: no recorded run matches: exit 125
  | 'STATE_DAMAGED' // the state dir cannot be read (runs is a file, a symlink loop, no permission…): exit 125
  | 'STOP_FAILED' // prog stop: the run did not end after SIGKILL: exit 1
  | 'DASHBOARD_PORT'; // prog dashboard: the port is taken or not allowed: exit 1

export class ProgError extends Error {
  readonly code: ProgErrorCode;
  constructor(code: ProgErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProgError';
    this.code = code;
  }
}

/** The coreutils convention (timeout, nohup, env): 125 for the wrapper's own misuse, 126/127 for the command. */
export function exitCodeFor(code: ProgErrorCode): number {
  switch (code) {
    case 'SPAWN_ENOENT': return 127;
    case 'STOP_FAILED':
    case 'DASHBOARD_PORT': return 1;
    case 'SPAWN_EACCES':
    case 'SPAWN_FAILED': return 126;
    case 'USAGE':
    case 'EMIT_INVALID':
    case 'DETACH_FAILED':
    case 'NO_SUCH_RUN':
    case 'STATE_DAMAGED': return 125;
  }
}
