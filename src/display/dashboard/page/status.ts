// The symbols and words for states, shared by the views.

/** ✔ ok, ✖ failed, ↻ running (or retrying), ⊘ skipped or interrupted. */
export function statusIcon(status: string): string {
  switch (status) {
    case 'ok':
    case 'done':
    case 'succeeded':
      return '✔';
    case 'failed':
      return '✖';
    case 'running':
    case 'retrying':
    case 'busy':
      return '↻';
    case 'skipped':
    case 'interrupted':
    case 'lost':
      return '⊘';
    default:
      return '·';
  }
}

/** The run's state in history records (`ok`) and in /api/runs (`succeeded`) read the same. */
export function stateWord(status: string): string {
  return status === 'ok' ? 'succeeded' : status;
}
