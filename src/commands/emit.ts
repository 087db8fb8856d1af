// `prog emit <type> [--field value …]`: writes one marker, for shell scripts. Under `prog run` it
// writes to the marker-only channel ($PROG_PROGRESS_FD) so the script's stdout stays clean.
import { writeSync } from 'node:fs';
import { ProgError } from '../errors.js';
import { MARKER_PREFIX, NONCE_PATTERN, parseMarker } from '../parsers/marker.js';

/** Fields whose values are numbers in the protocol; everything else is passed as a string. */
const NUMERIC = new Set(['total', 'current', 'index', 'retry', 'maxRetries', 'pid']);

/** Parses `--key value` and `--key=value` pairs; `--stdout` forces standard output. */
export function parseEmitArgs(argv: string[]): { type: string; fields: Record<string, unknown>; stdout: boolean } {
  const [type, ...rest] = argv;
  if (type === undefined || type.startsWith('-')) {
    throw new ProgError('EMIT_INVALID', 'emit needs a marker type first, e.g. prog emit progress --phase build --current 3 --total 10');
  }
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let stdout = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--stdout') {
      stdout = true;
      continue;
    }
    if (!arg.startsWith('--') || arg.length === 2) throw new ProgError('EMIT_INVALID', `expected --field value, got "${arg}"`);
    const eq = arg.indexOf('=');
    const key = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < rest.length) value = rest[++i]!;
    else throw new ProgError('EMIT_INVALID', `--${key} needs a value`);
    if (key === 'type') throw new ProgError('EMIT_INVALID', 'the type is the first argument, not --type');
    if (NUMERIC.has(key)) {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number)) throw new ProgError('EMIT_INVALID', `--${key} must be a number, got "${value}"`);
      fields[key] = number;
    } else {
      fields[key] = value;
    }
  }
  return { type, fields, stdout };
}

/**
 * The marker line for a type and fields; throws when prog itself would reject it. With a nonce
 * (a strict run's $PROG_MARKER_NONCE) it is `::prog:NONCE::{…}`, the form such a run takes on stdout.
 */
export function formatMarker(type: string, fields: Record<string, unknown>, nonce?: string): string {
  const prefix = nonce === undefined ? MARKER_PREFIX : `::prog:${nonce}::`;
  const line = prefix + JSON.stringify({ type, ...fields });
  const check = parseMarker(line);
  if (!check.ok) throw new ProgError('EMIT_INVALID', `not a valid marker: ${check.reason}`);
  return line + '\n';
}

export function emitCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): void {
  const { type, fields, stdout } = parseEmitArgs(argv);
  const fd = stdout ? undefined : progressFd(env);
  if (fd !== undefined) {
    try {
      writeSync(fd, formatMarker(type, fields));
      return;
    } catch {
      // The channel is closed (a subshell closed it, or prog is gone): standard output still works.
    }
  }
  // On standard output a strict run (--marker-nonce) counts only markers with its nonce.
  const nonce = env.PROG_MARKER_NONCE;
  writeSync(1, formatMarker(type, fields, nonce !== undefined && NONCE_PATTERN.test(nonce) ? nonce : undefined));
}

function progressFd(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.PROG_PROGRESS_FD;
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const fd = Number(value);
  return fd > 2 ? fd : undefined;
}
