// A phase as the text views name it: a tool's phase inside a CI group is named by its path,
// `Build › make`, so a line read on its own says where the work was.
import { clip } from './clip.js';

interface Named {
  name: string;
  parent?: string;
}

/** Deepest path named (CI groups nest a level or two); what lies above is left out. */
const MAX_DEPTH = 8;
const SEP = ' › ';

/** `Build › make`: each name escaped and clipped, outermost first. */
export function phasePath(phase: Named, lookup: (id: string) => Named | undefined): string {
  const names = [clip(phase.name)];
  for (let at = phase.parent; at !== undefined && names.length < MAX_DEPTH; ) {
    const parent = lookup(at);
    names.unshift(clip(parent?.name ?? at));
    at = parent?.parent;
  }
  return names.join(SEP);
}

/** A lookup over a list of phases (a snapshot's, a summary's). */
export function byId<P extends Named & { id: string }>(phases: readonly P[]): (id: string) => P | undefined {
  let map: Map<string, P> | undefined;
  return (id) => (map ??= new Map(phases.map((p) => [p.id, p]))).get(id);
}
