// The bundled model catalog (catalog.json, one entry per architecture, each citing the config.json it
// was read from) and the resolution of a user's model reference to one of its entries, plus the
// mapping of a raw Hugging Face config.json onto a ModelSpec. Pure: no fs, no network (local.ts and
// hub.ts do the I/O), so this module can also run in the webview bundle.
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
  { re: /-awq$/, preQuantized: 'awq-int4', note: 'AWQ 4-bit checkpoint' },
  { re: /-fp8(-dynamic)?$/, note: 'FP8 checkpoint: FP8 weights are not modelled, sizes assume 16-bit weights' },
  { re: /-gguf$/, note: 'GGUF repository: transformers training loads 16-bit weights, sizes assume 16-bit' },
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
  for (let changed = true; changed; ) {
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

// ---------------------------------------------------------------------------------------------
// config.json -> ModelSpec

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(c: Json, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = c[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

function posInt(c: Json, ...keys: string[]): number | undefined {
  const v = num(c, ...keys);
  return v !== undefined && Number.isInteger(v) && v > 0 ? v : undefined;
}

function bool(c: Json, key: string): boolean | undefined {
  return typeof c[key] === 'boolean' ? (c[key] as boolean) : undefined;
}

// Families whose transformers modelling uses fc1/fc2 MLPs with LayerNorm and biases.
const STANDARD_MLP = new Set([
  'gpt2', 'gpt_neox', 'gptj', 'falcon', 'refinedweb', 'refinedwebmodel', 'bloom', 'opt', 'phi', 'gpt_bigcode',
  'starcoder2', 'gpt_neo', 'codegen',
]);
// LayerNorm (weight + bias) instead of RMSNorm.
const LAYERNORM = new Set([...STANDARD_MLP, 'phimoe', 'stablelm']);
// q/k/v carry a bias (transformers modeling_<family>.py).
const QKV_BIAS = new Set([
  'qwen2', 'qwen2_moe', 'qwen2_vl', 'qwen2_5_vl', 'gpt2', 'gpt_neox', 'bloom', 'opt', 'phi', 'gpt_bigcode', 'starcoder2',
  'codegen',
]);
// transformers' config classes default tie_word_embeddings to True for these (PretrainedConfig's default);
// Llama/Mistral/Qwen2/Phi3/Mixtral/DeepSeek configs default it to False.
const TIED_BY_DEFAULT = new Set([
  'gpt2', 'falcon', 'refinedweb', 'refinedwebmodel', 'bloom', 'gemma', 'gemma2', 'gemma3', 'gemma3_text', 'opt',
  'gpt_neo', 'codegen', 'gpt_bigcode', 'starcoder2',
]);
// Defaults of Gemma3TextConfig (transformers configuration_gemma3.py) for fields the multimodal
// gemma-3-*-pt/-it config.json files leave out of text_config.
const GEMMA3_TEXT_DEFAULTS: Json = {
  vocab_size: 262208, num_attention_heads: 8, num_key_value_heads: 4, head_dim: 256, tie_word_embeddings: true,
  max_position_embeddings: 131072,
};

function savedDtypeOf(v: unknown): ModelSpec['savedDtype'] | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.replace(/^torch\./, '').toLowerCase();
  if (s === 'bfloat16' || s === 'bf16') return 'bfloat16';
  if (s === 'float16' || s === 'fp16' || s === 'half') return 'float16';
  if (s === 'float32' || s === 'fp32' || s === 'float') return 'float32';
  return undefined;
}

/** quantization_config -> the pre-quantized weight format, when it is one the memory model knows. */
export function preQuantizedOf(q: unknown): ModelSpec['preQuantized'] {
  if (!isObj(q)) return undefined;
  const method = String(q.quant_method ?? '').toLowerCase();
  const bits = num(q, 'bits', 'w_bit');
  if (method === 'bitsandbytes' || method === 'bnb' || q.load_in_4bit === true || q.load_in_8bit === true) {
    if (q.load_in_4bit === true || q._load_in_4bit === true || typeof q.bnb_4bit_quant_type === 'string') {
      return 'bnb-nf4';
    }
    if (q.load_in_8bit === true || q._load_in_8bit === true) return 'bnb-int8';
    return undefined;
  }
  if (method === 'gptq' && (bits === undefined || bits === 4)) return 'gptq-int4';
  if (method === 'awq' && (bits === undefined || bits === 4)) return 'awq-int4';
  return undefined;
}

/**
 * Maps a raw Hugging Face config.json (decoder-only families: llama, mistral, mixtral, qwen2, qwen2_moe,
 * qwen3, qwen3_moe, gemma, gemma2, gemma3 (text_config), llama4 (text_config), phi3, phimoe,
 * deepseek_v2/v3, gpt2, falcon, bloom, gpt_neox, ...) onto a ModelSpec. Never throws.
 */
export function specFromHfConfig(config: unknown, id: string): { spec: ModelSpec } | { spec: null; reason: string } {
  try {
    return mapConfig(config, id);
  } catch (e) {
    return { spec: null, reason: `config.json of ${id} could not be read: ${(e as Error).message}` };
  }
}

function mapConfig(config: unknown, id: string): { spec: ModelSpec } | { spec: null; reason: string } {
  if (!isObj(config)) return { spec: null, reason: `config.json of ${id} is not a JSON object` };
  const outerType = typeof config.model_type === 'string' ? config.model_type : undefined;
  // Multimodal wrappers (gemma3, llama4, mistral3, qwen2_5_vl...) keep the decoder in text_config.
  let c: Json = config;
  if (isObj(config.text_config)) {
    c = { ...config.text_config };
    for (const k of ['torch_dtype', 'dtype', 'quantization_config', 'tie_word_embeddings']) {
      if (c[k] === undefined && config[k] !== undefined) c[k] = config[k];
    }
  }
  const innerType = typeof c.model_type === 'string' ? c.model_type : undefined;
  const arch = Array.isArray(config.architectures) && typeof config.architectures[0] === 'string'
    ? (config.architectures[0] as string) : undefined;
  const family = (outerType ?? innerType ?? arch ?? 'unknown').toLowerCase();
  const textType = (innerType ?? outerType ?? '').toLowerCase();
  if (textType === 'gemma3_text' || (family === 'gemma3' && c !== config)) c = { ...GEMMA3_TEXT_DEFAULTS, ...c };

  if (config.is_encoder_decoder === true) {
    return { spec: null, reason: `${id} is an encoder-decoder model (${family}); only decoder-only LLMs are modelled` };
  }

  const hidden = posInt(c, 'hidden_size', 'n_embd', 'n_embed', 'd_model', 'dim');
  const layers = posInt(c, 'num_hidden_layers', 'n_layer', 'num_layers', 'n_layers');
  const heads = posInt(c, 'num_attention_heads', 'n_head', 'n_heads', 'num_heads');
  const vocab = posInt(c, 'vocab_size', 'padded_vocab_size');
  const missing: string[] = [];
  if (!hidden) missing.push('hidden_size (or n_embd)');
  if (!layers) missing.push('num_hidden_layers (or n_layer)');
  if (!heads) missing.push('num_attention_heads (or n_head)');
  if (!vocab) missing.push('vocab_size');
  if (!hidden || !layers || !heads || !vocab) {
    return { spec: null, reason: `config.json of ${id} lacks ${missing.join(', ')}` };
  }

  const standard = STANDARD_MLP.has(family) || STANDARD_MLP.has(textType);
  // Falcon: multi_query (7B) means one K/V head; new_decoder_architecture uses num_kv_heads.
  let kvHeads = posInt(c, 'num_key_value_heads', 'num_kv_heads', 'n_head_kv', 'multi_query_group_num');
  if (!kvHeads && c.multi_query === true) kvHeads = 1;
  kvHeads ??= heads;

  const numExperts = posInt(c, 'num_local_experts', 'num_experts', 'n_routed_experts', 'moe_num_experts');
  const topK = posInt(c, 'num_experts_per_tok', 'moe_top_k', 'top_k', 'num_selected_experts');
  const isMoe = !!numExperts && numExperts > 1 && !!topK;

  // Dense MLP width: Llama 4 keeps it in intermediate_size_mlp (intermediate_size is the expert width).
  let intermediate = family.startsWith('llama4') || textType.startsWith('llama4')
    ? posInt(c, 'intermediate_size_mlp', 'intermediate_size')
    : posInt(c, 'intermediate_size', 'n_inner', 'ffn_hidden_size', 'ffn_dim');
  if (!intermediate && standard) intermediate = 4 * hidden; // GPT-2 n_inner null, Falcon/BLOOM: 4 x hidden
  if (!intermediate && isMoe) intermediate = posInt(c, 'moe_intermediate_size');
  if (!intermediate) return { spec: null, reason: `config.json of ${id} lacks intermediate_size` };

  let moe: ModelSpec['moe'];
  if (isMoe) {
    const expertWidth = posInt(c, 'moe_intermediate_size') ?? posInt(c, 'intermediate_size') ?? intermediate;
    const sharedWidth = posInt(c, 'shared_expert_intermediate_size');
    let shared = num(c, 'n_shared_experts', 'num_shared_experts') ?? 0;
    if (!shared && sharedWidth) shared = 1; // Qwen2-MoE: one shared expert of its own width
    if (!shared && (family.startsWith('llama4') || textType.startsWith('llama4'))) shared = 1;
    const firstDense = num(c, 'first_k_dense_replace') ?? 0;
    const mlpOnly = Array.isArray(c.mlp_only_layers) ? c.mlp_only_layers.length : 0;
    moe = {
      numExperts: numExperts!,
      expertsPerToken: topK!,
      sharedExperts: Math.max(0, Math.round(shared)),
      expertIntermediateSize: expertWidth,
      ...(sharedWidth ? { sharedIntermediateSize: sharedWidth } : {}),
      denseLayers: Math.max(0, Math.round(firstDense)) + mlpOnly,
      layerStep: posInt(c, 'interleave_moe_layer_step', 'decoder_sparse_step', 'moe_layer_freq') ?? 1,
    };
  }

  let mla: ModelSpec['mla'];
  const kvLora = posInt(c, 'kv_lora_rank');
  if (kvLora) {
    const nope = posInt(c, 'qk_nope_head_dim');
    const rope = posInt(c, 'qk_rope_head_dim');
    const v = posInt(c, 'v_head_dim');
    if (!nope || !rope || !v) {
      return { spec: null, reason: `config.json of ${id} has kv_lora_rank but lacks qk_nope_head_dim/qk_rope_head_dim/v_head_dim` };
    }
    mla = { kvLoraRank: kvLora, qLoraRank: posInt(c, 'q_lora_rank') ?? null, qkNopeHeadDim: nope, qkRopeHeadDim: rope, vHeadDim: v };
  }

  const tied = bool(c, 'tie_word_embeddings') ?? (TIED_BY_DEFAULT.has(family) || TIED_BY_DEFAULT.has(textType));
  const qkvBias =
    bool(c, 'attention_bias') ?? bool(c, 'qkv_bias') ?? bool(c, 'use_qkv_bias') ??
    (family === 'falcon' ? bool(c, 'bias') : undefined) ?? (QKV_BIAS.has(family) || QKV_BIAS.has(textType));
  const normBias = LAYERNORM.has(family) || LAYERNORM.has(textType);

  // Qwen2 configs carry sliding_window with use_sliding_window false: then no window applies.
  let slidingWindow: number | null | undefined = posInt(c, 'sliding_window');
  if (c.sliding_window === null || c.use_sliding_window === false) slidingWindow = null;

  const candidate = {
    id,
    family,
    hiddenSize: hidden,
    numLayers: layers,
    numHeads: heads,
    numKvHeads: kvHeads,
    ...(posInt(c, 'head_dim') && !mla ? { headDim: posInt(c, 'head_dim') } : {}),
    intermediateSize: intermediate,
    vocabSize: vocab,
    tiedEmbeddings: tied,
    mlp: standard ? ('standard' as const) : ('gated' as const),
    qkvBias,
    normBias,
    ...(moe ? { moe } : {}),
    ...(mla ? { mla } : {}),
    ...(slidingWindow !== undefined ? { slidingWindow } : {}),
    ...(posInt(c, 'max_position_embeddings', 'n_positions', 'n_ctx', 'seq_length')
      ? { maxPositionEmbeddings: posInt(c, 'max_position_embeddings', 'n_positions', 'n_ctx', 'seq_length') }
      : {}),
    ...(savedDtypeOf(c.torch_dtype ?? c.dtype) ? { savedDtype: savedDtypeOf(c.torch_dtype ?? c.dtype) } : {}),
    ...(preQuantizedOf(c.quantization_config) ? { preQuantized: preQuantizedOf(c.quantization_config) } : {}),
    source: `${id}:config.json`,
    aliases: [],
  };
  const parsed = ModelSpecSchema.safeParse(candidate);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return { spec: null, reason: `config.json of ${id} does not describe a supported model (${issues})` };
  }
  return { spec: parsed.data };
}
