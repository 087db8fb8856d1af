// "did you mean …?" for mistyped commands, options and marker types.

/** Edits between two words, a swap of neighbours counting as one (`lgos` is one from `logs`). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]!.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]!.push(best);
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The candidates `typed` most likely stands for: those it begins (`hist` → history), else the
 * nearest within a third of its length (at least one edit). Several when they tie.
 */
export function closest(typed: string, candidates: readonly string[]): string[] {
  if (typed.length >= 2) {
    const extended = candidates.filter((c) => c.startsWith(typed) && c !== typed);
    if (extended.length > 0) return extended;
  }
  const limit = Math.max(1, Math.floor(typed.length / 3));
  let best = Infinity;
  let found: string[] = [];
  for (const candidate of candidates) {
    const d = editDistance(typed, candidate);
    if (d > limit || d > best) continue;
    if (d < best) found = [];
    best = d;
    found.push(candidate);
  }
  return found;
}

/** `; did you mean history?` (or `a or b?`), or '' when nothing is close. */
export function didYouMean(typed: string, candidates: readonly string[], show: (c: string) => string = (c) => c): string {
  const found = closest(typed, candidates);
  if (found.length === 0) return '';
  const names = found.slice(0, 3).map(show);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return `; did you mean ${list}?`;
}
