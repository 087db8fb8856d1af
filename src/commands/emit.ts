// `prog emit <type> [--field value …]`: writes one marker, for shell scripts. Under `prog run` it
// writes to the marker-only channel ($PROG_PROGRESS_FD) so the script's stdout stays clean.
import { writeSync } from 'node:fs';
import { ProgError } from '../errors.js';
import { MARKER_PREFIX, NONCE_PATTERN, parseMarker } from '../parsers/marker.js';
import { MARKER_TYPES } from './cli-spec.js';
import { didYouMean } from './suggest.js';

/** emit's usage errors say where to read more, as prog's others do. */
const invalid = (message: string) => new ProgError('EMIT_INVALID', `${message} (see prog emit --help)`);

/** Fields whose values are numbers in the protocol; everything else is passed as a string. */
const NUMERIC = new Set(['total', 'current', 'index', 'retry', 'maxRetries', 'pid']);

/** Parses `--key value` and `--key=value` pairs; `--stdout` forces standard output. */
export function parseEmitArgs(argv: string[]): { type: string; fields: Record<string, unknown>; stdout: boolean } {
  const [type, ...rest] = argv;
  if (type === undefined || type.startsWith('-')) {
    throw invalid('emit needs a marker type first, e.g. prog emit progress --phase build --current 3 --total 10');
  }
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let stdout = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--stdout') {
      stdout = true;
      continue;
    }
    if (!arg.startsWith('--') || arg.length === 2) throw invalid(`expected --field value, got "${arg}"`);
    const eq = arg.indexOf('=');
    const key = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < rest.length) value = rest[++i]!;
    else throw invalid(`--${key} needs a value`);
    if (key === 'type') throw invalid('the type is the first argument, not --type');
    if (NUMERIC.has(key)) {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number)) throw invalid(`--${key} must be a number, got "${value}"`);
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
  if (!check.ok) throw invalid(`not a valid marker: ${check.reason}`);
  // prog would keep it and ignore it: from a script that is a typo (item.don), so say so. The
  // parser decides what is known; the list is only for the message.
  if (check.event.type === 'marker.unknown') {
    const hint = didYouMean(type, MARKER_TYPES);
    const types = `${hint === '' ? ': t' : ' T'}he types are ${MARKER_TYPES.join(', ')}`;
    throw invalid(`unknown marker type "${type}"${hint}${types}`);
  }
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
