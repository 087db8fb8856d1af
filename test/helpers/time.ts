// One factor for every deadline in the tests: PROG_TEST_TIMEOUT_SCALE=3 gives a slow or loaded
// machine three times as long to reach each awaited condition. A wait ends as soon as its condition
// holds, so a large factor costs nothing when all is well; only a failure takes longer to report.
// Deadlines bound waits; no test asserts that something was fast in wall-clock terms (timings are
// compared with a baseline measured in the same test, or with the grace being tested).

/** Parses PROG_TEST_TIMEOUT_SCALE (default 1). */
export function timeoutScale(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  const scale = Number(value);
  // A typo must not pass silently for the default.
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`PROG_TEST_TIMEOUT_SCALE=${JSON.stringify(value)}: expected a positive number`);
  return scale;
}

let scale: number | undefined;

/** A deadline of `ms` on an idle machine, times the factor. */
export function scaled(ms: number): number {
  scale ??= timeoutScale(process.env.PROG_TEST_TIMEOUT_SCALE);
  return Math.round(ms * scale);
}

/** Resolves after `ms` (not scaled: for a duration a test means, never to wait for a condition). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function timed(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

/** A few plain passes over the text: what reading it costs this machine, at this moment. */
function plainPasses(text: string): number {
  let n = 0;
  for (let pass = 1; pass <= 4; pass++) {
    for (let i = 0; i < text.length; i++) n += text.charCodeAt(i) & pass;
  }
  return n;
}

/** The yardstick for `text`: the least of three plain-pass timings (load only ever adds time). */
export function yardstick(text: string): number {
  return Math.max(1e-3, Math.min(timed(() => plainPasses(text)), timed(() => plainPasses(text)), timed(() => plainPasses(text))));
}

/**
 * Whether `work` on a long `text` takes linear time: at most `budget` times the plain passes over
 * the same text, measured just before (a backtracking expression on a 1 MiB line is thousands of
 * times over, linear parsing tens at most). Returns what went wrong, or undefined. A near miss (a
 * GC pause, a busy machine, the first run compiling) is measured again with a fresh yardstick,
 * twice; a measurement ten times over budget is final.
 */
export function notLinear(what: string, text: string, work: () => unknown, budget = 200): string | undefined {
  for (let attempt = 0; ; attempt++) {
    const base = yardstick(text);
    const ms = timed(work);
    if (ms <= budget * base) return undefined;
    if (attempt === 2 || ms > 10 * budget * base) {
      return `${what}: ${ms.toFixed(1)} ms, ${Math.round(ms / base)}× the plain passes over its ${text.length} characters (${base.toFixed(2)} ms; budget ${budget}×)`;
    }
  }
}
