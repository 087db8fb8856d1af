// prog's version: written into the bundle at build time (scripts/bundle.js defines
// PROG_BUILD_VERSION), read from package.json when running from tsc's output (the unit tests).
import { readFileSync } from 'node:fs';

declare const PROG_BUILD_VERSION: string | undefined;

export function progVersion(): string {
  if (typeof PROG_BUILD_VERSION === 'string') return PROG_BUILD_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
