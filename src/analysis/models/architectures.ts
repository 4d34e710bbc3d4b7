// The bundled architecture table (architectures.json, described in ARCHITECTURES.md): base architectures, each
// with the memory-relevant keys of a real config.json and where they were read (`source`, `fidelity`), and the
// derivative ids people write (instruct/chat/it variants, unsloth and bnb-4bit re-uploads, GPTQ/AWQ/FP8 uploads)
// mapped to their base. Each base goes through the same config.json mapping as a downloaded config
// (hfConfig.ts), as a partial copy: keys the copy lacks and transformers' defaults fill are named in
// `approximated`. Pure: no fs, no network.
import raw from './architectures.json';
import { normalizeModelName, PreQuantized } from './catalog';
import { specFromHfConfig } from './hfConfig';
import { ModelSpec } from './spec';

export interface TableDerivative {
  id: string;
  /** the checkpoint ships quantized weights */
  quantization?: string;
  evidence: string;
}

export interface TableEntry {
  id: string;
  source: string;
  config: Record<string, unknown>;
  fidelity: string;
  derivatives: TableDerivative[];
  publishedParams?: number;
  paramsSource?: string;
  note?: string;
}

export interface TableBase {
  entry: TableEntry;
  spec: ModelSpec;
}

export interface ArchitectureTable {
  bases: readonly TableBase[];
  /** entries whose copy of config.json is too incomplete to size the model (the chain falls through for them) */
  excluded: readonly { id: string; reason: string }[];
}

export interface TableHit {
  spec: ModelSpec;
  /** 'id': a base id of the table; 'derivative': one of its derivative ids; 'normalized': the same name once
   * org, variant and quantization suffixes are removed (as the catalog matches) */
  matchedBy: 'id' | 'derivative' | 'normalized';
  base: TableBase;
  preQuantized?: PreQuantized;
  note?: string;
}

/** derivatives[].quantization -> the engine's pre-quantized formats */
const QUANT_TAGS: Record<string, PreQuantized> = {
  'bnb-4bit': 'bnb-nf4',
  'bnb-nf4': 'bnb-nf4',
  'bnb-8bit': 'bnb-int8',
  'gptq-int4': 'gptq-int4',
  'awq-int4': 'awq-int4',
  fp8: 'fp8',
  mxfp4: 'mxfp4',
};

export function preQuantizedOfTag(tag: string | undefined): PreQuantized | undefined {
  return tag ? QUANT_TAGS[tag.toLowerCase()] : undefined;
}

/**
 * T5 v1.1 and its descendants (flan-t5, t5-*-lm-adapt, mT5, byT5, UL2) use a gated-GELU FF and untied embeddings
 * (google-research/text-to-text-transfer-transformer released_checkpoints.md, "T5.1.1": "GEGLU activation in
 * feed-forward hidden layer", "no parameter sharing between embedding and classifier layer"). The table's copies
 * of their config.json keep neither key, so the model line supplies them.
 */
function withLineageKeys(e: TableEntry): { config: Record<string, unknown>; note?: string } {
  const c = e.config;
  if (c.model_type === 't5' && c.feed_forward_proj === undefined) {
    const all = [e.id, ...e.derivatives.map((d) => d.id)].join(' ').toLowerCase();
    if (/t5-v1_1|flan-t5|lm-adapt|mt5|byt5|ul2/.test(all)) {
      return {
        config: { ...c, feed_forward_proj: 'gated-gelu', tie_word_embeddings: c.tie_word_embeddings ?? false },
        note: "feed_forward_proj and tie_word_embeddings not in the table's copy: the T5 v1.1 line's gated-GELU FF and untied embeddings taken",
      };
    }
  }
  return { config: c };
}

let table: ArchitectureTable | undefined;
let exact: Map<string, { base: TableBase; derivative?: TableDerivative }> | undefined;
let normalized: Map<string, TableBase[]> | undefined;

/** Every usable base of the table, mapped once and frozen. */
export function architectureTable(): ArchitectureTable {
  if (!table) {
    const bases: TableBase[] = [];
    const excluded: { id: string; reason: string }[] = [];
    for (const e of raw as unknown as TableEntry[]) {
      const { config, note } = withLineageKeys(e);
      const r = specFromHfConfig(config, e.id, { partial: true, source: `architectures.json (${e.fidelity.split(' ')[0]}): ${e.source}` });
      if (r.spec === null) {
        excluded.push({ id: e.id, reason: r.reason });
        continue;
      }
      const approximated = [note, r.spec.approximated].filter(Boolean).join('; ');
      const spec: ModelSpec = {
        ...r.spec,
        ...(e.publishedParams ? { publishedParams: e.publishedParams } : {}),
        ...(approximated ? { approximated } : {}),
      };
      bases.push({ entry: e, spec: Object.freeze(spec) });
    }
    table = Object.freeze({ bases: Object.freeze(bases), excluded: Object.freeze(excluded) });
  }
  return table;
}

function indexes() {
  if (!exact || !normalized) {
    exact = new Map();
    normalized = new Map();
    const addNorm = (ref: string, base: TableBase) => {
      const k = normalizeModelName(ref).key;
      if (!k) return;
      const list = normalized!.get(k) ?? [];
      if (!list.includes(base)) list.push(base);
      normalized!.set(k, list);
    };
    for (const base of architectureTable().bases) {
      exact.set(base.entry.id.toLowerCase(), { base });
      addNorm(base.entry.id, base);
    }
    // derivatives after every base, so that a derivative id that is also a base stays that base
    for (const base of architectureTable().bases) {
      for (const d of base.entry.derivatives) {
        const k = d.id.toLowerCase();
        if (!exact.has(k)) exact.set(k, { base, derivative: d });
        addNorm(d.id, base);
      }
    }
  }
  return { exact, normalized };
}

/** Every id the table resolves exactly (bases and derivatives), original spelling. */
export function tableIds(): { id: string; base: string; derivative: boolean }[] {
  const out: { id: string; base: string; derivative: boolean }[] = [];
  for (const b of architectureTable().bases) {
    out.push({ id: b.entry.id, base: b.entry.id, derivative: false });
    for (const d of b.entry.derivatives) out.push({ id: d.id, base: b.entry.id, derivative: true });
  }
  return out;
}

/** Normalized keys that point at more than one base (the lookup refuses to choose between them). */
export function ambiguousTableKeys(): string[] {
  return [...indexes().normalized].filter(([, l]) => l.length > 1).map(([k]) => k);
}

/** The last two path segments of a reference that is a path ("checkpoints/meta-llama/Llama-3.2-1B"). */
function hubIdTail(ref: string): string | undefined {
  const parts = ref.trim().replace(/\/+$/, '').split('/').filter(Boolean);
  return parts.length > 2 ? parts.slice(-2).join('/') : undefined;
}

/**
 * A model reference in the table: a base id, a derivative id (with its quantization), or the same name after
 * normalization (org prefix, -Instruct/-it/-chat/-Base, dates, -bnb-4bit/-GPTQ/-AWQ removed). Exact matching
 * only, never fuzzy: a size never stands for another.
 */
export function lookupArchitecture(ref: string): TableHit | undefined {
  if (typeof ref !== 'string' || !ref.trim()) return undefined;
  const { exact, normalized } = indexes();
  const wanted = ref
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\/(www\.)?(huggingface\.co|hf\.co)\//, '');
  const hit = exact.get(wanted) ?? (hubIdTail(wanted) ? exact.get(hubIdTail(wanted)!) : undefined);
  const norm = normalizeModelName(ref);
  if (hit) {
    const q = preQuantizedOfTag(hit.derivative?.quantization) ?? norm.preQuantized ?? hit.base.spec.preQuantized;
    return {
      spec: q && q !== hit.base.spec.preQuantized ? { ...hit.base.spec, preQuantized: q } : hit.base.spec,
      matchedBy: hit.derivative ? 'derivative' : 'id',
      base: hit.base,
      ...(q ? { preQuantized: q } : {}),
      ...(hit.derivative ? { note: `"${ref}" is a derivative of ${hit.base.entry.id} (${hit.derivative.evidence})` } : {}),
    };
  }
  if (!norm.key) return undefined;
  const list = normalized.get(norm.key) ?? [];
  if (list.length !== 1) return undefined;
  const base = list[0];
  const q = norm.preQuantized ?? base.spec.preQuantized;
  return {
    spec: q && q !== base.spec.preQuantized ? { ...base.spec, preQuantized: q } : base.spec,
    matchedBy: 'normalized',
    base,
    ...(q ? { preQuantized: q } : {}),
    note: [`"${ref}" read as ${base.entry.id}`, ...norm.notes].join('; '),
  };
}
