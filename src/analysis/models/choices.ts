// The architectures a user can choose for a model id nothing resolves ("Choose the architecture…" quick pick):
// every catalog entry and table base, the closest ones to the id first. Pure.
import { modelCatalog } from './catalog';
import { architectureTable } from './architectures';
import { guessFromName } from './guess';
import { paramBreakdown } from './params';
import { ModelSpec } from './spec';

export interface ArchitectureChoice {
  id: string;
  family: string;
  /** total parameters (published where known) */
  params: number;
  /** catalog (checked counts) or table (with its fidelity) */
  origin: 'catalog' | 'table';
  /** the id's family and size point at this one */
  recommended: boolean;
  approximated?: string;
}

function words(s: string): Set<string> {
  return new Set(
    s
      .toLowerCase()
      .split(/[^a-z0-9.]+/)
      .filter((w) => w.length > 1),
  );
}

/** Every choosable base, the recommended (family and size from `ref`) first, then those sharing words with it. */
export function architectureChoices(ref = ''): ArchitectureChoice[] {
  const seen = new Set<string>();
  const out: ArchitectureChoice[] = [];
  const add = (spec: ModelSpec, origin: 'catalog' | 'table') => {
    if (seen.has(spec.id.toLowerCase())) return;
    seen.add(spec.id.toLowerCase());
    out.push({
      id: spec.id,
      family: spec.family,
      params: spec.publishedParams ?? paramBreakdown(spec).total,
      origin,
      recommended: false,
      ...(spec.approximated ? { approximated: spec.approximated } : {}),
    });
  };
  for (const m of modelCatalog()) add(m, 'catalog');
  for (const b of architectureTable().bases) add(b.spec, 'table');
  const g = ref ? guessFromName(ref) : undefined;
  const pick = g && 'spec' in g ? g.spec.id : undefined;
  const mine = words(ref.split('/').pop() ?? ref);
  const score = (c: ArchitectureChoice) => {
    if (c.id === pick) return 1000;
    let n = 0;
    for (const w of words(c.id.split('/').pop() ?? c.id)) if (mine.has(w)) n++;
    return n;
  };
  for (const c of out) c.recommended = c.id === pick;
  return out
    .map((c, i) => ({ c, s: score(c), i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.c);
}
