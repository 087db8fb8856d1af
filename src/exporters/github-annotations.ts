// What becomes a GitHub annotation: each finally failed item and each error or warning a tool printed
// with a location (a compiler's file:line), the first ANNOTATIONS_PER_KIND of each kind in the order
// they happened, since GitHub shows no more per step; the rest go to the step summary. Files are
// made relative to the repository ($GITHUB_WORKSPACE), which is what links an annotation to code.
import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { phasePath } from '../display/phase-name.js';
import { workflowCommand } from './github-commands.js';
import { printable } from './github-markdown.js';
import type { ItemRecord, RunLedger } from './run-ledger.js';

/** GitHub shows 10 error, 10 warning and 10 notice annotations per step and drops the rest. */
export const ANNOTATIONS_PER_KIND = 10;
/** An annotation's message: the error's first lines, each cut to a length a panel can hold. */
const MESSAGE_LINES = 20;
const LINE_CHARS = 500;

export type AnnotationLevel = 'error' | 'warning';

export interface Annotation {
  level: AnnotationLevel;
  title: string;
  message: string;
  /** Repository-relative when it lies under $GITHUB_WORKSPACE. */
  file?: string;
  line?: number;
  col?: number;
  tMs: number;
  /** A failed item's id: the file it may name is looked for once it is known to be shown. */
  itemId?: string;
}

export interface AnnotationPlan {
  /** Written as workflow commands, in the order they happened. */
  shown: Annotation[];
  /** Over the cap: listed in the step summary instead. */
  rest: Annotation[];
  total: Record<AnnotationLevel, number>;
}

export interface Paths {
  /** Where the command ran: its relative paths start there. */
  cwd: string;
  /** $GITHUB_WORKSPACE, the repository's checkout. */
  workspace?: string;
}

/** The annotations of a run, capped per kind. */
export function planAnnotations(ledger: RunLedger, paths: Paths): AnnotationPlan {
  const phases = (id: string) => ledger.phases.get(id);
  const all: Annotation[] = [];
  const seen = new Set<string>();
  for (const d of ledger.diagnostics) {
    // The command's own ::error lines are annotations already (the runner read them).
    if (d.location === undefined || d.source === 'github-actions') continue;
    const level: AnnotationLevel = d.level === 'error' ? 'error' : 'warning';
    const { file, line, col } = d.location;
    const message = withoutLocation(d.message, d.location);
    // A header's warning repeats for every file that includes it: once is enough.
    const key = `${level}\0${file}\0${line}\0${col ?? ''}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    all.push({
      level, title: d.source ?? level, message: firstLines(message),
      file: repoPath(file, paths), line, ...(col === undefined ? {} : { col }), tMs: d.tMs,
    });
  }
  // After the diagnostics: in the same millisecond, a compiler's error came before the failure it caused.
  for (const item of ledger.items) {
    if (item.outcome === 'failed') all.push(failedItem(item, phases));
  }
  all.sort((a, b) => a.tMs - b.tMs);
  const plan: AnnotationPlan = { shown: [], rest: [], total: { error: 0, warning: 0 } };
  for (const annotation of all) {
    const n = ++plan.total[annotation.level];
    (n <= ANNOTATIONS_PER_KIND ? plan.shown : plan.rest).push(annotation);
  }
  // Only the shown failures are worth a look at the disk for the file they name.
  for (const annotation of plan.shown) if (annotation.itemId !== undefined) locateItem(annotation, paths);
  return plan;
}

/** The workflow commands for the shown annotations. */
export function annotationCommands(plan: AnnotationPlan): string {
  return plan.shown.map((a) => workflowCommand(a.level, {
    title: a.title,
    ...(a.file === undefined ? {} : { file: a.file }),
    ...(a.line === undefined ? {} : { line: a.line }),
    ...(a.col === undefined ? {} : { col: a.col }),
  }, a.message)).join('');
}

/** The item's id as it was failed, with its phase and agent: `Test › pytest: tests/a.py::test_x failed`. */
function failedItem(item: ItemRecord, phases: (id: string) => { name: string; parent?: string } | undefined): Annotation {
  const phase = item.phase === undefined ? undefined : phases(item.phase);
  const where = item.phase === undefined ? '' : `${phase ? phasePath(phase, phases) : item.phase}: `;
  const agent = item.agent === undefined ? '' : ` on ${item.agent}`;
  const name = item.name ?? item.id;
  // Its error, else the output before it, so the annotation says why.
  const text = item.error ?? (item.tail && item.tail.length > 0 ? item.tail.slice(-MESSAGE_LINES).join('\n') : 'failed');
  return { level: 'error', title: printable(`${where}${name} failed${agent}`), message: firstLines(text), tMs: item.endMs ?? 0, itemId: name };
}

/**
 * A failed item whose id starts with a file that exists (pytest's `tests/a.py::test_x`, a TAP
 * file name) is annotated on that file, at the line its error names when it names one.
 */
function locateItem(annotation: Annotation, paths: Paths): void {
  const id = annotation.itemId;
  if (id === undefined) return;
  for (const candidate of new Set([id.split('::')[0]!, id.split(' ')[0]!, id])) {
    if (!/^[^\s].*\.[A-Za-z0-9]+$/.test(candidate) || candidate.length > 1024) continue;
    const full = resolve(paths.cwd, candidate);
    try {
      if (!statSync(full).isFile()) continue;
    } catch {
      continue;
    }
    annotation.file = repoPath(candidate, paths);
    const at = new RegExp(`${escapeRegExp(candidate)}:(\\d{1,9})\\b`).exec(annotation.message);
    if (at) annotation.line = Number(at[1]);
    return;
  }
}

/** Repository-relative (forward slashes) when under the workspace; as given otherwise. */
export function repoPath(file: string, paths: Paths): string {
  if (paths.workspace === undefined || paths.workspace === '') return file;
  const full = resolve(paths.cwd, file);
  const rel = relative(resolve(paths.workspace), full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return file;
  return rel.split(sep).join('/');
}

/** A compiler's message without the `file:line:col: ` it starts with (the annotation's properties say it). */
function withoutLocation(message: string, at: { file: string; line: number; col?: number }): string {
  const prefix = `${at.file}:${at.line}${at.col === undefined ? '' : `:${at.col}`}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function firstLines(text: string): string {
  const lines = printable(text).split(/\r?\n/);
  const kept = lines.slice(0, MESSAGE_LINES).map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS)}…` : l));
  if (lines.length > MESSAGE_LINES) kept.push(`… (${lines.length - MESSAGE_LINES} more lines)`);
  return kept.join('\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
