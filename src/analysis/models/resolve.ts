// The model resolution chain, one module for every surface (report.ts, so the editor, the CLI, `check`, the
// MCP server, the agent tool and `measure`). A model reference is resolved, in this order, by:
//
//   alias     vramLens.modelAliases: the user's choice of a base id, or of a config.json path, for this id
//   local     a local folder (or file) with config.json, or a PEFT adapter folder followed to its base
//   catalog   the bundled catalog (catalog.json): id, alias, or the same name without org/variant/quant suffixes
//   hf-cache  the local Hugging Face cache, offline (models--org--name/snapshots/<rev>/config.json)
//   hub       a config.json fetched from the hub earlier, with the user's consent (cached on disk)
//   table     the bundled architecture table (architectures.json): base ids, derivative ids, normalized names
//   assumed   the family and size written in the id, mapped to the closest bundled base (a named assumption)
//
// and otherwise stays unresolved, with the reason and what was tried. Pure: the caller supplies file and cache
// access (ModelSources); the hub itself is fetched outside (asynchronously) and handed in through `hub`.
import { normalizeModelName, PreQuantized, resolveModel } from './catalog';
import { lookupArchitecture } from './architectures';
import { guessFromName } from './guess';
import { adapterBase, LocalReader, specFromLocalConfig } from './local';
import { specFromHfConfig } from './hfConfig';
import { ModelSpec } from './spec';

export type ResolutionStep = 'alias' | 'local' | 'catalog' | 'hf-cache' | 'hub' | 'table' | 'assumed';

/** A config.json found for a hub id (in the Hugging Face cache or the hub's cache), with where it lies. */
export interface FoundConfig {
  config: unknown;
  /** file path (HF cache, disk cache) or URL it came from */
  path: string;
}

/** File and cache access the caller supplies (Node side: src/models/sources.ts). All optional. */
export interface ModelSources {
  /** a local folder or file named by the reference, relative to the file that names it */
  readLocal?: LocalReader;
  /** config.json of a hub id in the local Hugging Face cache */
  hfCache?: (id: string) => FoundConfig | undefined;
  /** config.json of a hub id fetched from the hub earlier (memory or the on-disk cache) */
  hub?: (id: string) => FoundConfig | undefined;
  /** specs the caller already has for an id (bench cases, configs mapped elsewhere), used at the hub step */
  hubSpec?: (id: string) => ModelSpec | undefined;
  /** vramLens.modelAliases: model reference -> base id, or path of a config.json / model folder */
  aliases?: Readonly<Record<string, string>>;
}

export interface Resolved {
  spec: ModelSpec;
  step: ResolutionStep;
  /** how the reference matched within the step: 'id', 'alias', 'normalized', 'derivative', 'config', 'family-size' */
  matchedBy: string;
  /** the checkpoint ships quantized weights (a ref suffix, a derivative's tag or config.json's quantization_config) */
  preQuantized?: PreQuantized;
  /** one sentence: what resolved it */
  reason: string;
  note?: string;
  /** the shapes are not exactly this id's own (a relative's from the name, or layers the engine approximates):
   * said in a diagnostic */
  approximated?: string;
}

export interface Unresolved {
  spec: null;
  step: 'unresolved';
  reason: string;
  /** the steps that were tried, in order, each with why it did not resolve */
  tried: string[];
}

export type Resolution = Resolved | Unresolved;

/** A hub repo id: "name" or "org/name", letters, digits, '.', '_', '-' (no '..' segments). */
export function isHubId(id: string): boolean {
  if (typeof id !== 'string' || !/^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(id)) return false;
  return !id.split('/').some((seg) => seg.includes('..'));
}

/** A reference that can only be a path: ./x, ../x, /x, ~/x, C:\x, or more than one slash. */
export function looksLikePath(ref: string): boolean {
  return /^(\.{1,2}[\\/]|[\\/]|~|[A-Za-z]:[\\/])/.test(ref) || (ref.match(/\//g)?.length ?? 0) > 1 || ref.includes('\\');
}

/** Whether a result is worth a hub look-up (when allowed): only an assumption or nothing was found. */
export function wantsHub(res: Resolution, ref: string): boolean {
  return !!hubIdWanted(res.spec === null ? 'unresolved' : res.step, ref);
}

/** The hub id to look up for a model the chain left unresolved or only assumed: a repo-shaped reference. */
export function hubIdWanted(step: ResolutionStep | 'unresolved' | undefined, ref: string): string | undefined {
  const id = ref.trim();
  return (step === 'unresolved' || step === 'assumed') && id.includes('/') && isHubId(id) ? id : undefined;
}

const MAX_DEPTH = 3;

/**
 * Resolves a model reference through the chain (see the head of this file). Never throws. `fromFile` is the
 * file that names the model (relative folders resolve against it, then against `workspaceRoot`).
 */
export function resolveModelRef(ref: string, fromFile: string, sources: ModelSources = {}, workspaceRoot?: string): Resolution {
  // relative paths also resolve against the document's workspace folder
  const local = sources.readLocal;
  const s: ModelSources = workspaceRoot && local ? { ...sources, readLocal: (r, f) => local(r, f, workspaceRoot) } : sources;
  try {
    return chain(ref, fromFile, s, 0, true);
  } catch (e) {
    return { spec: null, step: 'unresolved', reason: `model "${ref}" could not be resolved: ${(e as Error).message}`, tried: [] };
  }
}

function withNote(r: Resolved, note: string | undefined): Resolved {
  if (!note) return r;
  return { ...r, note: [note, r.note].filter(Boolean).join('; ') };
}

function quantOf(spec: ModelSpec, q: PreQuantized | undefined): { spec: ModelSpec; preQuantized?: PreQuantized } {
  const pq = q ?? spec.preQuantized;
  return { spec: pq && pq !== spec.preQuantized ? { ...spec, preQuantized: pq } : spec, ...(pq ? { preQuantized: pq } : {}) };
}

function fromConfig(found: FoundConfig, id: string, step: ResolutionStep, what: string): Resolved | string {
  const mapped = specFromHfConfig(found.config, id, { source: found.path });
  if (mapped.spec === null) return mapped.reason;
  // a repo id with a quantization suffix whose config.json does not say so (rare): the suffix still tells
  const q = quantOf(mapped.spec, mapped.spec.preQuantized ?? normalizeModelName(id).preQuantized);
  return {
    ...q,
    step,
    matchedBy: 'config',
    reason: `config.json of ${id} ${what} (${found.path})`,
    ...(mapped.spec.approximated ? { approximated: mapped.spec.approximated } : {}),
  };
}

function chain(refIn: string, fromFile: string, sources: ModelSources, depth: number, useAliases: boolean): Resolution {
  const tried: string[] = [];
  if (typeof refIn !== 'string' || refIn.trim() === '') return { spec: null, step: 'unresolved', reason: 'no model id given', tried };
  const ref = refIn.trim();
  if (depth > MAX_DEPTH)
    return { spec: null, step: 'unresolved', reason: `model "${ref}": too many indirections (aliases or adapters naming each other)`, tried };

  // 1. the user's alias for this reference (vramLens.modelAliases)
  if (useAliases && sources.aliases) {
    const key = Object.keys(sources.aliases).find((k) => k.trim().toLowerCase() === ref.toLowerCase());
    const target = key !== undefined ? sources.aliases[key] : undefined;
    if (typeof target === 'string' && target.trim()) {
      const t = target.trim();
      const r = chain(t, fromFile, sources, depth + 1, false);
      if (r.spec) {
        return { ...r, step: 'alias', matchedBy: 'alias', reason: `vramLens.modelAliases maps "${ref}" to ${t} (${r.reason})` };
      }
      tried.push(`alias: vramLens.modelAliases maps "${ref}" to ${t}, which did not resolve (${r.reason})`);
    }
  }

  // 2. a local folder or file (transformers' from_pretrained also looks for a local folder first)
  if (sources.readLocal) {
    const read = sources.readLocal(ref, fromFile);
    if (read?.kind === 'config') {
      const m = specFromLocalConfig(read);
      if (m.spec) {
        const q = quantOf(m.spec, undefined);
        return {
          ...q,
          step: 'local',
          matchedBy: 'config',
          reason: `config.json read from ${read.path}`,
          note: m.note,
          ...(m.spec.approximated ? { approximated: m.spec.approximated } : {}),
        };
      }
      tried.push(`local: ${m.reason}`);
    } else if (read?.kind === 'adapter') {
      const b = adapterBase(read);
      if ('reason' in b) tried.push(`local: ${b.reason}`);
      else {
        const r = chain(b.base, read.path, sources, depth + 1, true);
        if (r.spec) return withNote({ ...r, reason: `adapter ${read.path} on ${b.base}: ${r.reason}` }, `PEFT adapter folder; base model ${b.base}`);
        tried.push(`local: adapter ${read.path}: base model ${b.base}: ${r.reason}`);
      }
    } else if (read?.kind === 'error') tried.push(`local: ${read.reason}`);
    else if (looksLikePath(ref)) tried.push(`local: no folder or config.json at ${ref}`);
  }

  // 3. the bundled catalog
  const cat = resolveModel(ref);
  if (cat.spec) {
    // the table knows the quantization of re-uploads the catalog only matches by name
    // (and names a re-upload the catalog matched by name as the derivative it is, with the table's evidence)
    const tagged = cat.matchedBy === 'normalized' ? lookupArchitecture(ref) : undefined;
    const derivative = tagged?.matchedBy === 'derivative' ? tagged : undefined;
    const q = quantOf(cat.spec, cat.preQuantized ?? derivative?.preQuantized);
    return {
      ...q,
      step: 'catalog',
      matchedBy: derivative ? 'derivative' : cat.matchedBy,
      reason: `bundled catalog entry ${cat.spec.id}${cat.matchedBy === 'id' ? '' : ` (${cat.matchedBy === 'alias' ? 'an alias' : derivative ? 'a derivative in the architecture table' : 'same name once suffixes are removed'})`}`,
      ...(derivative?.note || cat.note ? { note: [derivative?.note, cat.note].filter(Boolean).join('; ') } : {}),
    };
  }
  if (/several bundled models/.test(cat.reason)) tried.push(`catalog: ${cat.reason}`);

  // 4 and 5. the Hugging Face cache (offline), then a config.json fetched from the hub earlier
  const hubId = isHubId(ref) ? ref : undefined;
  if (hubId) {
    const cached = sources.hfCache?.(hubId);
    if (cached) {
      const r = fromConfig(cached, hubId, 'hf-cache', 'from the local Hugging Face cache');
      if (typeof r !== 'string') return r;
      tried.push(`hf-cache: ${r}`);
    }
    const given = sources.hubSpec?.(hubId);
    if (given)
      return {
        ...quantOf(given, undefined),
        step: 'hub',
        matchedBy: 'id',
        reason: `config.json of ${hubId} supplied by the caller (${given.source})`,
        ...(given.approximated ? { approximated: given.approximated } : {}),
      };
    const fetched = sources.hub?.(hubId);
    if (fetched) {
      const r = fromConfig(fetched, hubId, 'hub', 'from the hub');
      if (typeof r !== 'string') return r;
      tried.push(`hub: ${r}`);
    }
  }

  // 6. the bundled architecture table (bases, derivatives, normalized names)
  const t = lookupArchitecture(ref);
  if (t) {
    const what =
      t.matchedBy === 'derivative'
        ? `derivative of ${t.base.entry.id} in the architecture table`
        : t.matchedBy === 'normalized'
          ? `${t.base.entry.id} in the architecture table (same name once suffixes are removed)`
          : `${t.base.entry.id} in the architecture table`;
    // a derivative of a catalog entry gets the catalog's (checked) spec
    const viaCatalog = resolveModel(t.base.entry.id);
    const base = viaCatalog.spec && viaCatalog.matchedBy === 'id' ? viaCatalog.spec : t.spec;
    const q = quantOf(base, t.preQuantized);
    return {
      ...q,
      step: 'table',
      matchedBy: t.matchedBy,
      reason: `${what} (${t.base.entry.fidelity.split(' ')[0]}; ${t.base.entry.source.length > 120 ? t.base.entry.source.slice(0, 117) + '...' : t.base.entry.source})`,
      ...(t.note ? { note: t.note } : {}),
      ...(base.approximated ? { approximated: base.approximated } : {}),
    };
  }

  // 7. family and size from the name: an assumption
  const g = guessFromName(ref);
  if ('spec' in g) {
    const norm = normalizeModelName(ref);
    const q = quantOf(g.spec, norm.preQuantized);
    return {
      ...q,
      step: 'assumed',
      matchedBy: 'family-size',
      reason: g.assumption,
      approximated: g.assumption,
      ...(norm.notes.length ? { note: norm.notes.join('; ') } : {}),
    };
  }
  tried.push(`name: ${g.reason}`);

  const hint = cat.reason.match(/Did you mean [^?]*\?/)?.[0];
  const local = tried.find((t) => t.startsWith('local: ') || t.startsWith('alias: '));
  const named = `"${ref}" is not in the catalog or the architecture table${hubId && sources.hfCache ? ' nor in the local Hugging Face cache' : ''}, and ${g.reason.replace(/^the name "[^"]*" /, 'its name ').replace(/^"[^"]*" /, 'its name ')}${hint ? `. ${hint}` : ''}`;
  const reason = local ? `${local.replace(/^(local|alias): /, '')}; ${named}` : named;
  return { spec: null, step: 'unresolved', reason, tried };
}
