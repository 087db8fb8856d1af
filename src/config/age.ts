// Ages as a person types them (`30s`, `15m`, `12h`, `7d`, `2w`): for --since and --older-than, and
// for the keep-*-for config keys. Its own module: the settings table loads it on `prog run`'s path.

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90d`, `12h`, `1.5w`, `30s`, `5m` → milliseconds; undefined for anything else. */
export function parseAge(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNITS[match[2]!]!;
  return Number.isFinite(ms) ? ms : undefined;
}
