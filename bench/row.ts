// One row of `npm run bench`'s table: a case, its baseline measured in the same run, their ratio,
// and, where an issue set a goal for it, the goal and whether this run met it.
export interface BenchRow {
  what: string;
  value: string;
  baseline: string;
  baseValue: string;
  ratio: string;
  note: string;
  /** The goal in words (`≤ 2 × cat`), when there is one. */
  goal?: string;
  /** Whether this run met the goal; absent when there is none. */
  met?: boolean;
}

/** `met` / `not met` / `—`, for the table. */
export function verdict(row: Pick<BenchRow, 'goal' | 'met'>): string {
  if (row.goal === undefined || row.met === undefined) return '—';
  return row.met ? 'met' : '**not met**';
}
