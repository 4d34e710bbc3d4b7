// The bundled model catalog (catalog.json, one entry per architecture, each citing the config.json it
// was read from) and the resolution of a user's model reference to one of its entries. Pure: no fs, no
// network (the caller supplies file and hub access through resolve.ts's ModelSources), so this module can
// also run in the webview bundle. The full resolution chain is resolve.ts.
import { z } from 'zod';
import raw from './catalog.json';
import { ModelSpec, ModelSpecSchema } from './spec';

export type PreQuantized = NonNullable<ModelSpec['preQuantized']>;

export type ModelResolution =
  | {
      spec: ModelSpec;
      /** 'id': the ref is the entry's id; 'alias': one of its aliases; 'normalized': same name once
       *  org prefix, variant suffixes (-Instruct, -it, -chat, -hf, -Base, dates) and quantization
       *  suffixes (-bnb-4bit, -GPTQ, -AWQ) are removed */
      matchedBy: 'id' | 'alias' | 'normalized';
      /** the checkpoint ships quantized weights (from a ref suffix or config.json's quantization_config) */
      preQuantized?: ModelSpec['preQuantized'];
      note?: string;
    }
  | { spec: null; reason: string };

let catalog: readonly ModelSpec[] | undefined;
let index: Map<string, ModelSpec[]> | undefined;

/** Every bundled entry, validated once (zod) and frozen. */
export function modelCatalog(): readonly ModelSpec[] {
  if (!catalog) {
    const parsed = z.array(ModelSpecSchema).parse(raw);
    for (const m of parsed) {
      Object.freeze(m.aliases);
      if (m.moe) Object.freeze(m.moe);
      if (m.mla) Object.freeze(m.mla);
      Object.freeze(m);
    }
    catalog = Object.freeze(parsed);
  }
  return catalog;
}

interface QuantSuffix {
  re: RegExp;
  preQuantized?: PreQuantized;
  note: string;
}

// Order matters: the longer spellings first (-unsloth-bnb-4bit before -bnb-4bit, -gptq-int4 before -gptq).
const QUANT_SUFFIXES: QuantSuffix[] = [
  { re: /-unsloth-bnb-4bit$/, preQuantized: 'bnb-nf4', note: 'bitsandbytes 4-bit (NF4) checkpoint' },
  { re: /-bnb-4bit$/, preQuantized: 'bnb-nf4', note: 'bitsandbytes 4-bit (NF4) checkpoint' },
  { re: /-bnb-8bit$/, preQuantized: 'bnb-int8', note: 'bitsandbytes 8-bit checkpoint' },
  { re: /-gptq-int4$/, preQuantized: 'gptq-int4', note: 'GPTQ 4-bit checkpoint' },
  { re: /-gptq-int8$/, note: 'GPTQ 8-bit checkpoint: 8-bit GPTQ weights are not modelled, sizes assume 16-bit weights' },
  { re: /-gptq$/, preQuantized: 'gptq-int4', note: 'GPTQ checkpoint (assumed 4-bit)' },
  { re: /-awq(-int4|-4bit)?$/, preQuantized: 'awq-int4', note: 'AWQ 4-bit checkpoint' },
  { re: /-fp8(-dynamic|-block|-kv)?$/, preQuantized: 'fp8', note: 'FP8 checkpoint: transformers dequantizes it to bf16 for training' },
  { re: /-mxfp4$/, preQuantized: 'mxfp4', note: 'MXFP4 checkpoint: transformers dequantizes it to bf16 for training' },
  { re: /-gguf$/, note: 'GGUF repository: transformers training loads 16-bit weights, sizes assume 16-bit' },
  // Qwen's -Int4 / -Int8 uploads are GPTQ checkpoints (Qwen/Qwen-1_8B-Chat-Int4 quantize_config: auto-gptq, bits 4)
  { re: /-int4$/, preQuantized: 'gptq-int4', note: 'Int4 checkpoint (GPTQ 4-bit)' },
  { re: /-int8$/, note: 'Int8 checkpoint: 8-bit GPTQ weights are not modelled, sizes assume 16-bit weights' },
];

// Variant suffixes that do not change the architecture. A 4-digit tail is a release date
// (Mistral-Nemo-Instruct-2407, Qwen3-235B-A22B-Instruct-2507); sizes always end in a letter (8B, 135M).
const VARIANT_SUFFIXES: RegExp[] = [/-instruct$/, /-it$/, /-chat$/, /-hf$/, /-base$/, /-pt$/, /-\d{4}$/];

/** Lower-cased last path segment of a hub id (or URL), without org. */
function bareName(ref: string): string {
  let s = ref.trim().toLowerCase();
  s = s.replace(/^https?:\/\/(www\.)?(huggingface\.co|hf\.co)\//, '').replace(/^hf\.co\//, '');
  s = s.replace(/\/(tree|blob|resolve)\/.*$/, '').replace(/\/+$/, '');
  const slash = s.lastIndexOf('/');
  return slash >= 0 ? s.slice(slash + 1) : s;
}

interface Normalized {
  key: string;
  preQuantized?: PreQuantized;
  notes: string[];
}

/** The comparison key of a model name: no org, lower case, no variant or quantization suffixes. */
export function normalizeModelName(ref: string): Normalized {
  let s = bareName(ref);
  let preQuantized: PreQuantized | undefined;
  const notes: string[] = [];
  for (let changed = true; changed;) {
    changed = false;
    for (const q of QUANT_SUFFIXES) {
      if (q.re.test(s)) {
        s = s.replace(q.re, '');
        preQuantized ??= q.preQuantized;
        notes.push(q.note);
        changed = true;
        break;
      }
    }
    if (changed) continue;
    for (const v of VARIANT_SUFFIXES) {
      // keep at least one hyphen-separated word (never strip a name down to nothing)
      if (v.test(s) && s.replace(v, '').length > 0) {
        s = s.replace(v, '');
        changed = true;
        break;
      }
    }
  }
  // "Meta-Llama-3.1-8B" (the original repo names) and "Llama-3.1-8B" (after Meta's rename) are one model.
  s = s.replace(/^meta-llama-/, 'llama-');
  return { key: s, preQuantized, notes };
}

function catalogIndex(): Map<string, ModelSpec[]> {
  if (!index) {
    index = new Map();
    for (const m of modelCatalog()) {
      const keys = new Set([m.id, ...m.aliases].map((r) => normalizeModelName(r).key));
      for (const k of keys) {
        const list = index.get(k) ?? [];
        if (!list.includes(m)) list.push(m);
        index.set(k, list);
      }
    }
  }
  return index;
}

/** Normalized keys shared by more than one catalog entry (should be none; tested). */
export function ambiguousCatalogKeys(): string[] {
  return [...catalogIndex()].filter(([, l]) => l.length > 1).map(([k]) => k);
}

function withQuant(spec: ModelSpec, q: PreQuantized | undefined): ModelSpec {
  return q && spec.preQuantized !== q ? { ...spec, preQuantized: q } : spec;
}

/**
 * Finds the catalog entry for a model reference: a hub id ("meta-llama/Llama-3.1-8B"), an alias
 * ("meta-llama/Llama-3.1-8B-Instruct"), or a re-upload of one ("unsloth/Meta-Llama-3.1-8B-Instruct-bnb-4bit",
 * "TheBloke/Llama-2-7B-Chat-GPTQ"). Matching is exact after normalization, never fuzzy, so a size is never
 * confused with another (8B vs 70B). Never throws.
 */
export function resolveModel(ref: string): ModelResolution {
  if (typeof ref !== 'string' || ref.trim() === '') {
    return { spec: null, reason: 'no model id given' };
  }
  const wanted = ref.trim().toLowerCase();
  const cat = modelCatalog();
  const norm = normalizeModelName(ref);
  const note = norm.notes.length ? norm.notes.join('; ') : undefined;
  const result = (spec: ModelSpec, matchedBy: 'id' | 'alias' | 'normalized', extra?: string): ModelResolution => {
    const preQuantized = norm.preQuantized ?? spec.preQuantized;
    const notes = [extra, note].filter((x): x is string => !!x).join('; ');
    return {
      spec: withQuant(spec, norm.preQuantized),
      matchedBy,
      ...(preQuantized ? { preQuantized } : {}),
      ...(notes ? { note: notes } : {}),
    };
  };

  const byId = cat.find((m) => m.id.toLowerCase() === wanted);
  if (byId) return result(byId, 'id');
  const byAlias = cat.find((m) => m.aliases.some((a) => a.toLowerCase() === wanted));
  if (byAlias) return result(byAlias, 'alias');

  if (!norm.key) return { spec: null, reason: `"${ref}" is not a model id` };
  const hits = catalogIndex().get(norm.key) ?? [];
  if (hits.length === 1) {
    return result(hits[0], 'normalized', `"${ref}" read as ${hits[0].id}`);
  }
  if (hits.length > 1) {
    return {
      spec: null,
      reason: `"${ref}" matches several bundled models (${hits.map((h) => h.id).join(', ')}); use the full id`,
    };
  }
  // Unknown: suggest entries whose name extends the given one ("mistral-7b" -> v0.1, v0.2, v0.3).
  const suggestions = cat
    .filter((m) => normalizeModelName(m.id).key.startsWith(norm.key + '-'))
    .slice(0, 4)
    .map((m) => m.id);
  const hint = suggestions.length ? ` Did you mean ${suggestions.join(', ')}?` : '';
  return {
    spec: null,
    reason:
      `model "${ref}" is not in the bundled catalog (${cat.length} architectures); ` +
      `point to a local folder with its config.json or enable the hub lookup.${hint}`,
  };
}

// config.json -> ModelSpec lives in hfConfig.ts (re-exported here for the callers that import it from the catalog).
export { preQuantizedOf, specFromHfConfig } from './hfConfig';
