// A raw Hugging Face config.json -> ModelSpec. Pure (no fs, no network): the same mapping serves local
// folders, the Hugging Face cache, the hub and the bundled architecture table (architectures.json).
//
// Every family follows the module layout of transformers' modeling_<model_type>.py; the comment at each
// family's branch names the file and the classes whose shapes it copies. Keys a config.json leaves out take
// the default of the family's configuration_<model_type>.py, exactly as transformers would load it; for a
// partial copy of a config (the table's scrapes) such a default is a guess and is named in `approximated`.
import { ModelSpec, ModelSpecSchema } from './spec';

type Json = Record<string, unknown>;

export type HfMapResult = { spec: ModelSpec } | { spec: null; reason: string };

export interface HfMapOptions {
  /** the config is a partial copy (the table's scrapes and vendor tables), not the checkpoint's own file:
   * family keys filled from transformers' defaults are then guesses, named in `approximated` */
  partial?: boolean;
  /** where the config was read (default `<id>:config.json`) */
  source?: string;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(c: Json, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = c[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

function posInt(c: Json, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = num(c, k);
    if (v !== undefined && Number.isInteger(v) && v > 0) return v;
  }
  return undefined;
}

function bool(c: Json, key: string): boolean | undefined {
  return typeof c[key] === 'boolean' ? (c[key] as boolean) : undefined;
}

function strList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

// ---- family tables ------------------------------------------------------------------------------------

/** The BERT family (LayerNorm, fc1/fc2 MLP, tied embeddings) and the T5/BART encoder-decoders. */
const BERT_FAMILY = ['bert', 'roberta', 'xlm-roberta', 'camembert', 'electra', 'deberta', 'deberta-v2', 'distilbert', 'mpnet', 'albert'];
/** BART-style encoder-decoders: LayerNorm and biased projections, unlike T5. */
const BART_FAMILY = ['bart', 'mbart', 'marian', 'pegasus', 'led', 'blenderbot'];
const ENCODER_DECODERS = [...BART_FAMILY, 't5', 'mt5', 'umt5', 'longt5'];
/** GPT-2-style decoders: an fc1/fc2 MLP without a gate and LayerNorm with a bias (GPT-2, GPT-NeoX, GPT-J, Falcon,
 * BLOOM, OPT, Phi-2, StarCoder(2), GPT-Neo, CodeGen). */
const GPT_STYLE = [
  'gpt2',
  'gpt_neox',
  'gptj',
  'falcon',
  'refinedweb',
  'refinedwebmodel',
  'bloom',
  'opt',
  'phi',
  'gpt_bigcode',
  'starcoder2',
  'gpt_neo',
  'codegen',
];
/** fc1/fc2 (up/down, no gate) MLPs: the GPT-2-style decoders, MPT, the Nemotron relu² MLP (modeling_nemotron.py,
 * modeling_nemotron_h.py NemotronHMLP), Apertus' xIELU MLP (modeling_apertus.py ApertusMLP: up_proj/down_proj), the
 * BERT family and BART/T5 v1.0. */
const STANDARD_MLP = new Set([...GPT_STYLE, 'mpt', 'nemotron', 'nemotron_h', 'apertus', 'stablelm_alpha', ...BERT_FAMILY, ...ENCODER_DECODERS]);
/** LayerNorm with weight and bias (2 vectors per norm) instead of RMSNorm. */
const LAYERNORM = new Set([...GPT_STYLE, 'phimoe', 'stablelm', 'nemotron', ...BERT_FAMILY, ...BART_FAMILY]);
/** q/k/v carry a bias (modeling_<family>.py). */
const QKV_BIAS = new Set([
  'qwen',
  'qwen2',
  'qwen2_moe',
  'qwen2_vl',
  'qwen2_5_vl',
  'qwen2_vl_text',
  'qwen2_5_vl_text',
  'gpt2',
  'gpt_neox',
  'bloom',
  'opt',
  'phi',
  'gpt_bigcode',
  'starcoder2',
  'codegen',
  'internlm',
  ...BERT_FAMILY,
  ...BART_FAMILY,
]);
/** Config classes whose tie_word_embeddings defaults to True (PretrainedConfig's default, kept by these
 * families); Llama/Mistral/Qwen2/Phi3/Mixtral/DeepSeek/NemotronH/GraniteMoeHybrid configs default to False. */
const TIED_BY_DEFAULT = new Set([
  'gpt2',
  'falcon',
  'refinedweb',
  'refinedwebmodel',
  'bloom',
  'gemma',
  'gemma2',
  'gemma3',
  'gemma3_text',
  'opt',
  'gpt_neo',
  'codegen',
  'gpt_bigcode',
  'starcoder2',
  'mpt',
  'gemma3n',
  'gemma3n_text',
  'gemma4',
  'gemma4_text',
  'cohere',
  'cohere2',
  'lfm2',
  'lfm2_moe',
  'smollm3',
  'mamba',
  'falcon_mamba',
  'ernie4_5',
  'modernbert',
  ...BERT_FAMILY,
  ...ENCODER_DECODERS,
]);
/** Encoder-only models (BERT-style): bidirectional, no KV cache. */
const ENCODERS = new Set([...BERT_FAMILY, 'modernbert', 'xlm-roberta-xl', 'nomic_bert']);
/** Families the mapping knows (others with the usual keys are read as a Llama-style decoder, `approximated`). */
export const KNOWN_MODEL_TYPES = new Set([
  ...STANDARD_MLP,
  ...LAYERNORM,
  ...QKV_BIAS,
  ...TIED_BY_DEFAULT,
  ...ENCODERS,
  'llama',
  'mistral',
  'mixtral',
  'qwen3',
  'qwen3_moe',
  'qwen3_next',
  'qwen3_5',
  'qwen3_5_text',
  'qwen3_5_moe',
  'qwen3_5_moe_text',
  'qwen3_vl',
  'qwen3_vl_text',
  'qwen3_vl_moe',
  'qwen3_vl_moe_text',
  'phi3',
  'phi4mm',
  'phimoe',
  'deepseek',
  'deepseek_v2',
  'deepseek_v3',
  'deepseek_v32',
  'kimi_k2',
  'llama4',
  'llama4_text',
  'olmo',
  'olmo2',
  'olmo3',
  'olmoe',
  'granite',
  'granitemoe',
  'granitemoeshared',
  'granitemoehybrid',
  'internlm2',
  'internlm3',
  'baichuan',
  'chatglm',
  'glm',
  'glm4',
  'glm4_moe',
  'dbrx',
  'jamba',
  'bamba',
  'zamba2',
  'mamba2',
  'nemotron_h',
  'falcon_h1',
  'exaone',
  'exaone4',
  'hunyuan_v1_dense',
  'hunyuan_v1_moe',
  'mimo',
  'minicpm',
  'minicpm3',
  'orion',
  'seed_oss',
  'ernie4_5_moe',
  'mistral3',
  'ministral',
  'ministral3',
  'gpt_oss',
  'helium',
  'arcee',
  'smollm3',
  'apertus',
  'llava',
  'idefics3',
  'paligemma',
  'stablelm',
  'cohere',
  'cohere2',
  'gemma3n',
  'gemma3n_text',
  'gemma4',
  'gemma4_text',
]);

/** configuration_<model_type>.py defaults for keys that change shapes and that configs may leave out. */
const FAMILY_DEFAULTS: Record<string, Json> = {
  // configuration_gemma3.py Gemma3TextConfig (the gemma-3-*-pt/-it config.json leave these out of text_config)
  gemma3_text: {
    vocab_size: 262208,
    num_attention_heads: 8,
    num_key_value_heads: 4,
    head_dim: 256,
    tie_word_embeddings: true,
    max_position_embeddings: 131072,
    sliding_window_pattern: 6,
  },
  // configuration_gemma2.py
  gemma2: { head_dim: 256, sliding_window: 4096 },
  // configuration_qwen3_next.py Qwen3NextConfig (Qwen3.5 uses the same hybrid and defaults)
  qwen3_next: {
    head_dim: 256,
    linear_conv_kernel_dim: 4,
    linear_key_head_dim: 128,
    linear_value_head_dim: 128,
    linear_num_key_heads: 16,
    linear_num_value_heads: 32,
    full_attention_interval: 4,
  },
  qwen3_5: {
    head_dim: 256,
    linear_conv_kernel_dim: 4,
    linear_key_head_dim: 128,
    linear_value_head_dim: 128,
    linear_num_key_heads: 16,
    linear_num_value_heads: 32,
    full_attention_interval: 4,
  },
  qwen3_5_moe: {
    head_dim: 256,
    linear_conv_kernel_dim: 4,
    linear_key_head_dim: 128,
    linear_value_head_dim: 128,
    linear_num_key_heads: 16,
    linear_num_value_heads: 32,
    full_attention_interval: 4,
  },
  // configuration_granitemoehybrid.py GraniteMoeHybridConfig
  granitemoehybrid: { mamba_n_heads: 128, mamba_n_groups: 1, mamba_d_state: 256, mamba_d_conv: 4, mamba_expand: 2, mamba_chunk_size: 256 },
  // configuration_nemotron_h.py NemotronHConfig
  nemotron_h: { ssm_state_size: 128, mamba_head_dim: 64, n_groups: 8, conv_kernel: 4, expand: 2, chunk_size: 128, head_dim: 128 },
  // configuration_falcon_h1.py FalconH1Config
  falcon_h1: { mamba_d_state: 256, mamba_d_conv: 4, mamba_expand: 2, mamba_n_groups: 1, mamba_chunk_size: 256 },
  // configuration_bamba.py BambaConfig
  bamba: { mamba_n_heads: 128, mamba_d_state: 256, mamba_d_conv: 4, mamba_expand: 2, mamba_n_groups: 1, mamba_chunk_size: 256 },
  // configuration_mamba2.py Mamba2Config
  mamba2: { state_size: 128, conv_kernel: 4, expand: 2, n_groups: 8, head_dim: 64, chunk_size: 256 },
  // configuration_mamba.py MambaConfig / configuration_falcon_mamba.py
  mamba: { state_size: 16, conv_kernel: 4, expand: 2 },
  falcon_mamba: { state_size: 16, conv_kernel: 4, expand: 2 },
  // configuration_jamba.py JambaConfig
  jamba: { attn_layer_period: 8, attn_layer_offset: 4, expert_layer_period: 2, expert_layer_offset: 1, mamba_d_state: 16, mamba_d_conv: 4, mamba_expand: 2 },
  // configuration_lfm2.py Lfm2Config
  lfm2: { conv_L_cache: 3 },
  lfm2_moe: { conv_L_cache: 3 },
  // configuration_t5.py T5Config
  t5: { d_kv: 64, d_ff: 2048, feed_forward_proj: 'relu' },
  mt5: { d_kv: 64, d_ff: 1024, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false },
  umt5: { d_kv: 64, d_ff: 1024, feed_forward_proj: 'gated-gelu', tie_word_embeddings: true },
  // configuration_ernie4_5_moe.py Ernie4_5_MoeConfig
  ernie4_5_moe: { moe_layer_start_index: 1, moe_layer_interval: 1 },
};

/** Family keys that, in a partial copy, cannot be guessed from transformers' defaults without misstating the
 * model by a large factor: without them the table entry is not used (the chain falls through). */
const PARTIAL_REQUIRES: Record<string, string[][]> = {
  ernie4_5_moe: [['moe_num_experts', 'num_experts']],
  nemotron_h: [['hybrid_override_pattern', 'layers_block_type', 'layer_types']],
  granitemoehybrid: [['layer_types', 'layers_block_type']],
  bamba: [['attn_layer_indices']],
  zamba2: [['hybrid_layer_ids', 'layers_block_type']],
  kimi_k2: [['kv_lora_rank']],
  falcon_h1: [['intermediate_size'], ['vocab_size']],
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
  // transformers integrations/mxfp4.py (gpt-oss) and finegrained_fp8.py / fbgemm_fp8.py
  if (method === 'mxfp4') return 'mxfp4';
  if (method === 'fp8' || method === 'fbgemm_fp8') return 'fp8';
  if (method === 'compressed-tensors') {
    // llm-compressor: config_groups.<g>.weights {num_bits, type}; W4A16 int packs like GPTQ, FP8 stays 8-bit
    const groups = isObj(q.config_groups) ? Object.values(q.config_groups) : [];
    const w = groups.map((g) => (isObj(g) && isObj(g.weights) ? g.weights : undefined)).find(Boolean);
    if (w) {
      if (w.num_bits === 8 && w.type === 'float') return 'fp8';
      if (w.num_bits === 4 && w.type === 'int') return 'gptq-int4';
    }
  }
  return undefined;
}

/** Layer kinds from `layer_types` (transformers >= 4.54 writes it for most families). */
function countTypes(types: string[] | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of types ?? []) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

/** Layers with a sliding window, from layer_types or the family's pattern keys. */
function slidingLayersOf(c: Json, family: string, layers: number, window: number | null | undefined): number | undefined {
  if (!window) return undefined;
  const types = strList(c.layer_types);
  if (types) return types.filter((t) => t === 'sliding_attention' || t === 'sliding').length;
  const pattern = c.sliding_window_pattern;
  // EXAONE 4: "LLLG" (L local, G global), repeated over the layers (configuration_exaone4.py)
  if (typeof pattern === 'string' && /^[LG]+$/.test(pattern)) {
    let n = 0;
    for (let i = 0; i < layers; i++) if (pattern[i % pattern.length] === 'L') n++;
    return n;
  }
  // Gemma 3 / Cohere2: every pattern-th layer is global (configuration_gemma3.py: (i + 1) % pattern != 0)
  if (typeof pattern === 'number' && Number.isInteger(pattern) && pattern > 0) return layers - Math.floor(layers / pattern);
  // Gemma 2: even layers slide (configuration_gemma2.py layer_types: (i + 1) % 2)
  if (family === 'gemma2') return Math.ceil(layers / 2);
  // Qwen2 with use_sliding_window: layers from max_window_layers on (configuration_qwen2.py)
  const mwl = posInt(c, 'max_window_layers');
  if (mwl !== undefined && family.startsWith('qwen2')) return Math.max(0, layers - mwl);
  // Mistral v0.1, Phi-3, StarCoder2, Olmo3 without layer_types: every layer (modeling_mistral.py)
  return layers;
}

interface Ctx {
  id: string;
  family: string;
  textType: string;
  partial: boolean;
  approx: string[];
  /** keys filled from the family's config defaults */
  defaulted: string[];
}

/**
 * Maps a raw Hugging Face config.json onto a ModelSpec: decoder-only families (llama, mistral, qwen2/3, gemma 1-4,
 * phi3, deepseek, gpt-oss, ...), MoE, MLA, the hybrids (nemotron_h, granitemoehybrid, falcon_h1, jamba, bamba, lfm2,
 * qwen3_next/qwen3_5 approximated), pure Mamba, encoders (BERT family, ModernBERT) and encoder-decoders (T5, BART).
 * An unknown model_type with the usual keys is read as a Llama-style decoder with `approximated` saying so.
 * Never throws.
 */
export function specFromHfConfig(config: unknown, id: string, opts: HfMapOptions = {}): HfMapResult {
  try {
    return mapConfig(config, id, opts);
  } catch (e) {
    return { spec: null, reason: `config.json of ${id} could not be read: ${(e as Error).message}` };
  }
}

function mapConfig(config: unknown, id: string, opts: HfMapOptions): HfMapResult {
  if (!isObj(config)) return { spec: null, reason: `config.json of ${id} is not a JSON object` };
  const outerType = typeof config.model_type === 'string' ? config.model_type.toLowerCase() : undefined;
  // Multimodal wrappers (gemma3, gemma3n, gemma4, llama4, mistral3, qwen3_vl, qwen3_5_moe, llava, ...) keep the
  // decoder in text_config (InternVL: llm_config); the vision/audio towers are not modelled.
  let c: Json = { ...config }; // a copy: family defaults are filled in below, the caller's object (a table entry, a cached hub config) stays as read
  let wrapped = false;
  const inner = isObj(config.text_config) ? config.text_config : isObj(config.llm_config) ? config.llm_config : undefined;
  if (inner) {
    wrapped = true;
    c = { ...inner };
    for (const k of ['torch_dtype', 'dtype', 'quantization_config', 'tie_word_embeddings']) {
      if (c[k] === undefined && config[k] !== undefined) c[k] = config[k];
    }
  }
  const innerType = typeof c.model_type === 'string' ? c.model_type.toLowerCase() : undefined;
  const arch = Array.isArray(config.architectures) && typeof config.architectures[0] === 'string' ? (config.architectures[0] as string) : undefined;
  const family = (outerType ?? innerType ?? arch ?? 'unknown').toLowerCase();
  // the decoder's own type: gemma3_text, qwen3_5_moe_text -> qwen3_5_moe, ...
  let textType = (innerType ?? outerType ?? '').replace(/_text$/, '');
  if (textType === 'gemma3' && (wrapped || innerType === 'gemma3_text')) textType = 'gemma3_text';
  const ctx: Ctx = { id, family, textType, partial: !!opts.partial, approx: [], defaulted: [] };

  // the family's configuration defaults for the keys config.json left out
  const defaults = FAMILY_DEFAULTS[textType] ?? FAMILY_DEFAULTS[family];
  if (defaults) {
    for (const [k, v] of Object.entries(defaults)) {
      if (c[k] === undefined || c[k] === null) {
        if (k === 'sliding_window' && c[k] === null) continue; // an explicit null means no window
        c[k] = v;
        ctx.defaulted.push(k);
      }
    }
  }
  if (opts.partial) {
    for (const alternatives of PARTIAL_REQUIRES[textType] ?? PARTIAL_REQUIRES[family] ?? []) {
      if (!alternatives.some((k) => c[k] !== undefined && c[k] !== null)) {
        return { spec: null, reason: `the copy of ${id}'s config.json lacks ${alternatives.join(' / ')}, which ${textType} needs` };
      }
    }
  }

  const isEncDec = config.is_encoder_decoder === true || c.is_encoder_decoder === true;
  const built = isEncDec ? encoderDecoder(c, ctx) : decoderOrEncoder(c, ctx);
  if ('reason' in built) return { spec: null, reason: built.reason };

  // defaults of layer kinds the model does not have (a granite-4.0 without Mamba layers) change nothing
  if (!built.fields.mixer)
    ctx.defaulted = ctx.defaulted.filter((k) => !/^(mamba_|ssm_|linear_|conv_|n_groups$|expand$|chunk_size$|state_size$|full_attention_interval$)/.test(k));
  if (ctx.partial && ctx.defaulted.length) {
    ctx.approx.push(`${ctx.defaulted.join(', ')} not in the table's copy of the config: ${textType} defaults of transformers assumed`);
  }
  const candidate = {
    ...built.fields,
    id,
    family,
    ...(savedDtypeOf(c.torch_dtype ?? c.dtype) ? { savedDtype: savedDtypeOf(c.torch_dtype ?? c.dtype) } : {}),
    ...(preQuantizedOf(c.quantization_config) ? { preQuantized: preQuantizedOf(c.quantization_config) } : {}),
    ...(ctx.approx.length ? { approximated: ctx.approx.join('; ') } : {}),
    source: opts.source ?? `${id}:config.json`,
    aliases: [],
  };
  const parsed = ModelSpecSchema.safeParse(candidate);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return { spec: null, reason: `config.json of ${id} does not describe a supported model (${issues})` };
  }
  return { spec: parsed.data };
}

type Built = { fields: Record<string, unknown> } | { reason: string };

function missingReason(id: string, missing: string[]): { reason: string } {
  return { reason: `config.json of ${id} lacks ${missing.join(', ')}` };
}

// ---- encoder-decoder: T5 / BART ---------------------------------------------------------------------------

function encoderDecoder(c: Json, ctx: Ctx): Built {
  const { id, textType } = ctx;
  const t5 = /t5$/.test(textType) || textType === 'switch_transformers' || textType === 'umt5';
  const hidden = posInt(c, 'd_model', 'hidden_size');
  const vocab = posInt(c, 'vocab_size');
  if (t5) {
    // modeling_t5.py: T5Block = T5LayerSelfAttention (+ T5LayerCrossAttention in the decoder) + T5LayerFF;
    // q/k/v/o of num_heads x d_kv, no biases, T5LayerNorm (RMS, weight only); FF DenseReluDense (wi, wo) or
    // DenseGatedActDense (wi_0, wi_1, wo) for feed_forward_proj "gated-*"; the shared embedding is tied to
    // lm_head unless tie_word_embeddings is false (v1.1, mT5).
    const enc = posInt(c, 'num_layers');
    const dec = posInt(c, 'num_decoder_layers') ?? enc;
    const heads = posInt(c, 'num_heads');
    const ff = posInt(c, 'd_ff');
    const missing = [!hidden && 'd_model', !enc && 'num_layers', !heads && 'num_heads', !vocab && 'vocab_size', !ff && 'd_ff'].filter(Boolean) as string[];
    if (missing.length) return missingReason(id, missing);
    const gated = String(c.feed_forward_proj ?? 'relu').startsWith('gated');
    if (textType === 'switch_transformers') ctx.approx.push('Switch Transformers experts are not modelled: read as a dense T5');
    return {
      fields: {
        architecture: 'encoder-decoder',
        hiddenSize: hidden,
        numLayers: enc! + dec!,
        decoderLayers: dec,
        numHeads: heads,
        numKvHeads: heads,
        headDim: posInt(c, 'd_kv') ?? 64,
        intermediateSize: ff,
        vocabSize: vocab,
        tiedEmbeddings: bool(c, 'tie_word_embeddings') ?? true,
        mlp: gated ? 'gated' : 'standard',
        qkvBias: false,
        normBias: false,
        ...(posInt(c, 'n_positions') ? { maxPositionEmbeddings: posInt(c, 'n_positions') } : {}),
      },
    };
  }
  // modeling_bart.py (mbart, marian, pegasus, led alike): encoder_layers BartEncoderLayer + decoder_layers
  // BartDecoderLayer (self + cross attention), q/k/v/out_proj with bias, fc1/fc2 with bias, LayerNorm; the
  // shared embedding is tied to lm_head.
  const enc = posInt(c, 'encoder_layers', 'num_hidden_layers');
  const dec = posInt(c, 'decoder_layers') ?? enc;
  const heads = posInt(c, 'encoder_attention_heads', 'num_attention_heads', 'decoder_attention_heads');
  const ff = posInt(c, 'encoder_ffn_dim', 'decoder_ffn_dim', 'intermediate_size');
  const missing = [
    !hidden && 'd_model',
    !enc && 'encoder_layers',
    !heads && 'encoder_attention_heads',
    !vocab && 'vocab_size',
    !ff && 'encoder_ffn_dim',
  ].filter(Boolean) as string[];
  if (missing.length) return missingReason(id, missing);
  if (!['bart', 'mbart', 'marian', 'pegasus', 'led', 'blenderbot', 'plbart', 'm2m_100', 'nllb_moe'].includes(textType)) {
    ctx.approx.push(`model_type ${textType || 'unknown'} is not one VRAM Lens knows: read as a BART-style encoder-decoder`);
  }
  return {
    fields: {
      architecture: 'encoder-decoder',
      hiddenSize: hidden,
      numLayers: enc! + dec!,
      decoderLayers: dec,
      numHeads: heads,
      numKvHeads: heads,
      intermediateSize: ff,
      vocabSize: vocab,
      tiedEmbeddings: bool(c, 'tie_word_embeddings') ?? true,
      mlp: 'standard',
      qkvBias: true,
      normBias: true,
      ...(posInt(c, 'max_position_embeddings') ? { maxPositionEmbeddings: posInt(c, 'max_position_embeddings') } : {}),
    },
  };
}

// ---- decoders and encoders -----------------------------------------------------------------------------------

function decoderOrEncoder(c: Json, ctx: Ctx): Built {
  const { id, family, textType } = ctx;
  const is = (...types: string[]) => types.includes(textType) || types.includes(family);
  const encoder = ENCODERS.has(textType) || ENCODERS.has(family);

  // DBRX keeps the attention and FFN shapes in sub-objects (configuration_dbrx.py DbrxAttentionConfig/DbrxFFNConfig)
  if (is('dbrx')) {
    const a = isObj(c.attn_config) ? c.attn_config : {};
    const f = isObj(c.ffn_config) ? c.ffn_config : {};
    c = {
      ...c,
      num_key_value_heads: a.kv_n_heads,
      moe_num_experts: f.moe_num_experts ?? 4,
      moe_top_k: f.moe_top_k ?? 1,
      moe_intermediate_size: f.ffn_hidden_size ?? 3584,
    };
  }
  const hidden = posInt(c, 'hidden_size', 'n_embd', 'n_embed', 'd_model', 'dim');
  const types = strList(c.layer_types) ?? strList(c.layers_block_type);
  const pattern = typeof c.hybrid_override_pattern === 'string' ? c.hybrid_override_pattern : undefined;
  // Nemotron-H: the layer count is the pattern's length (configuration_nemotron_h.py num_hidden_layers property)
  const layers = (is('nemotron_h') && (pattern?.length || types?.length)) || posInt(c, 'num_hidden_layers', 'n_layer', 'num_layers', 'n_layers');
  const pureMamba = is('mamba', 'falcon_mamba', 'mamba2');
  let heads = posInt(c, 'num_attention_heads', 'n_head', 'n_heads', 'num_heads');
  if (!heads && pureMamba) heads = 1; // no attention at all: a placeholder the mixer makes unused
  const vocab = posInt(c, 'vocab_size', 'padded_vocab_size');
  const missing: string[] = [];
  if (!hidden) missing.push('hidden_size (or n_embd)');
  if (!layers) missing.push('num_hidden_layers (or n_layer)');
  if (!heads) missing.push('num_attention_heads (or n_head)');
  if (!vocab) missing.push('vocab_size');
  if (!hidden || !layers || !heads || !vocab) return missingReason(id, missing);

  const known = KNOWN_MODEL_TYPES.has(textType) || KNOWN_MODEL_TYPES.has(family);
  if (!known) {
    ctx.approx.push(
      `model_type ${textType || family} is not one VRAM Lens knows: read as a Llama-style ${encoder ? 'encoder' : 'decoder'} (gated MLP, RMSNorm, no biases unless the config says so)`,
    );
  }

  const standard = STANDARD_MLP.has(textType) || STANDARD_MLP.has(family);
  // Falcon: multi_query (7B) means one K/V head; new_decoder_architecture uses num_kv_heads. ChatGLM:
  // multi_query_group_num K/V heads (modeling_chatglm.py SelfAttention). DistilBERT/BERT: all heads.
  let kvHeads = posInt(c, 'num_key_value_heads', 'num_kv_heads', 'n_head_kv', 'multi_query_group_num');
  if (!kvHeads && c.multi_query === true) kvHeads = 1;
  kvHeads ??= heads;

  // ---- MoE ----
  let numExperts = posInt(c, 'num_local_experts', 'num_experts', 'n_routed_experts', 'moe_num_experts');
  let topK = posInt(c, 'num_experts_per_tok', 'experts_per_token', 'moe_top_k', 'moe_k', 'top_k', 'top_k_experts', 'num_selected_experts');
  // Gemma 4: the MoE block runs only with enable_moe_block (configuration_gemma4.py)
  if (is('gemma4') && c.enable_moe_block !== true) numExperts = undefined;
  if (is('nemotron_h')) {
    const hasMoe = !!(pattern?.includes('E') || types?.includes('moe'));
    if (!hasMoe) numExperts = undefined;
    else if (!numExperts) {
      // configuration_nemotron_h.py defaults: n_routed_experts 8, top-2, moe widths 7688
      if (ctx.partial) return { reason: `the copy of ${id}'s config.json has MoE blocks but no n_routed_experts` };
      numExperts = 8;
      topK ??= 2;
      c = {
        ...c,
        n_routed_experts: 8,
        num_experts_per_tok: topK,
        moe_intermediate_size: c.moe_intermediate_size ?? 7688,
        moe_shared_expert_intermediate_size: c.moe_shared_expert_intermediate_size ?? 7688,
      };
    }
  }
  const isMoe = !!numExperts && numExperts > 1 && !!topK;

  // ---- dense MLP width ----
  let intermediate: number | undefined;
  if (is('llama4')) intermediate = posInt(c, 'intermediate_size_mlp', 'intermediate_size');
  else if (is('granitemoehybrid', 'granitemoeshared')) intermediate = posInt(c, 'shared_intermediate_size', 'intermediate_size');
  else if (is('mpt')) intermediate = Math.round((num(c, 'expansion_ratio') ?? 4) * hidden);
  else if (is('qwen')) {
    // modeling_qwen.py QWenMLP: w1, w2 of intermediate_size // 2 each (gated), c_proj back
    const i = posInt(c, 'intermediate_size');
    intermediate = i ? Math.floor(i / 2) : undefined;
  } else if (is('lfm2', 'lfm2_moe')) intermediate = lfm2FfnWidth(c);
  else if (pureMamba) intermediate = posInt(c, 'intermediate_size') ?? Math.round((num(c, 'expand') ?? 2) * hidden);
  else {
    const raw = c.intermediate_size;
    if (Array.isArray(raw) && raw.length && raw.every((x) => typeof x === 'number' && x > 0)) {
      // Gemma 3n stores one width per layer: the mean keeps the MLP weights
      intermediate = Math.round((raw as number[]).reduce((a, b) => a + b, 0) / raw.length);
      if (new Set(raw).size > 1)
        ctx.approx.push(`per-layer MLP widths (${Math.min(...(raw as number[]))}-${Math.max(...(raw as number[]))}) taken as their mean ${intermediate}`);
    } else intermediate = posInt(c, 'intermediate_size', 'n_inner', 'ffn_hidden_size', 'ffn_dim', 'hidden_dim', 'decoder_ffn_dim');
  }
  if (!intermediate && standard) intermediate = 4 * hidden; // GPT-2 n_inner null, Falcon/BLOOM/OPT: 4 x hidden
  if (!intermediate && isMoe) intermediate = posInt(c, 'moe_intermediate_size', 'expert_intermediate_size');
  if (!intermediate) return { reason: `config.json of ${id} lacks intermediate_size` };

  let moe: Record<string, unknown> | undefined;
  if (isMoe) moe = moeOf(c, ctx, intermediate, layers, pattern, types);

  // ---- MLA (DeepSeek-V2/V3, Kimi K2, MiniCPM3) ----
  let mla: ModelSpec['mla'];
  const kvLora = posInt(c, 'kv_lora_rank');
  if (kvLora) {
    const nope = posInt(c, 'qk_nope_head_dim');
    const rope = posInt(c, 'qk_rope_head_dim');
    const v = posInt(c, 'v_head_dim');
    if (!nope || !rope || !v) {
      return { reason: `config.json of ${id} has kv_lora_rank but lacks qk_nope_head_dim/qk_rope_head_dim/v_head_dim` };
    }
    mla = { kvLoraRank: kvLora, qLoraRank: posInt(c, 'q_lora_rank') ?? null, qkNopeHeadDim: nope, qkRopeHeadDim: rope, vHeadDim: v };
    if (is('deepseek_v32')) ctx.approx.push('the DeepSeek-V3.2 sparse-attention indexer (index_n_heads x index_head_dim projections) is not counted');
  }

  const tied =
    bool(c, 'tie_word_embeddings') ??
    bool(c, 'tie_embedding') ??
    bool(c, 'use_embedding_sharing') ??
    (TIED_BY_DEFAULT.has(family) || TIED_BY_DEFAULT.has(textType));
  const qkvBias =
    bool(c, 'attention_bias') ??
    bool(c, 'qkv_bias') ??
    bool(c, 'use_qkv_bias') ??
    bool(c, 'add_qkv_bias') ??
    (is('falcon') ? bool(c, 'bias') : undefined) ??
    (is('internlm') ? (bool(c, 'bias') ?? true) : undefined) ??
    (QKV_BIAS.has(family) || QKV_BIAS.has(textType));
  // ModernBERT: norm_bias false by default (configuration_modernbert.py)
  const normBias = is('modernbert') ? (bool(c, 'norm_bias') ?? false) : LAYERNORM.has(family) || LAYERNORM.has(textType);

  // ---- sliding windows ----
  let slidingWindow: number | null | undefined = posInt(c, 'sliding_window', 'local_attention');
  if (c.sliding_window === null && !is('modernbert')) slidingWindow = null;
  if (c.use_sliding_window === false) slidingWindow = null;
  let slidingLayers = slidingLayersOf(c, textType || family, layers, slidingWindow);
  if (is('modernbert') && slidingWindow) {
    // modeling_modernbert.py: layer i is global when i % global_attn_every_n_layers == 0
    const every = posInt(c, 'global_attn_every_n_layers') ?? 3;
    slidingLayers = layers - Math.ceil(layers / every);
  }

  // ---- hybrid mixers, Mamba, short convolutions ----
  const mix = mixerOf(c, ctx, layers, hidden, pattern, types);
  if ('reason' in mix) return mix;

  // ---- Gemma 3n / Gemma 4 per-layer embeddings and their approximations ----
  let perLayerEmbedding: ModelSpec['perLayerEmbedding'];
  const ple = posInt(c, 'hidden_size_per_layer_input');
  if (ple) perLayerEmbedding = { vocab: posInt(c, 'vocab_size_per_layer_input') ?? vocab, dim: ple };
  if (is('gemma3n')) {
    // modeling_gemma3n.py Gemma3nTextDecoderLayer / Gemma3nTextAltUp / Gemma3nTextLaurelBlock
    ctx.approx.push(
      `Gemma 3n AltUp (${posInt(c, 'altup_num_inputs') ?? 4} residual streams), LAuReL and the KV sharing of the last ${posInt(c, 'num_kv_shared_layers') ?? 0} layers are read as plain decoder layers; the vision and audio towers are not counted`,
    );
  }
  if (is('gemma4')) {
    const g = posInt(c, 'global_head_dim');
    if (g && g !== posInt(c, 'head_dim'))
      ctx.approx.push(
        `full-attention layers' head_dim ${g} (num_global_key_value_heads ${posInt(c, 'num_global_key_value_heads') ?? kvHeads}) read as the sliding layers' ${posInt(c, 'head_dim')}`,
      );
    if (c.attention_k_eq_v === true) ctx.approx.push('attention_k_eq_v (K and V shared) read as separate K and V');
    if (c.use_double_wide_mlp === true) ctx.approx.push('the double-wide MLP of the KV-shared layers read as the normal width');
  }
  if (is('qwen3_next', 'qwen3_5', 'qwen3_5_moe') && c.attn_output_gate !== false) {
    ctx.approx.push("the gated attention's output gate (q_proj 2 x heads x head_dim) is counted as a plain q_proj");
  }
  if (is('deberta-v2', 'deberta')) ctx.approx.push("DeBERTa's disentangled-attention position projections are not counted");
  if (is('albert')) ctx.approx.push("ALBERT shares one layer's weights across all layers: counted as separate layers");

  // head_dim: MLA has its own; T5-style d_kv; ChatGLM/QWen kv_channels
  const headDim = mla ? undefined : posInt(c, 'head_dim', 'kv_channels', 'attention_head_size', 'd_kv');
  const fields: Record<string, unknown> = {
    hiddenSize: hidden,
    numLayers: layers,
    numHeads: heads,
    numKvHeads: kvHeads,
    ...(headDim && !pureMamba ? { headDim } : {}),
    intermediateSize: intermediate,
    vocabSize: vocab,
    tiedEmbeddings: tied,
    mlp: standard && !String(c.feed_forward_proj ?? '').startsWith('gated') ? 'standard' : 'gated',
    qkvBias,
    normBias,
    ...(encoder ? { architecture: 'encoder' } : {}),
    ...(moe ? { moe } : {}),
    ...(mla ? { mla } : {}),
    ...mix.fields,
    ...(perLayerEmbedding ? { perLayerEmbedding } : {}),
    ...(slidingWindow !== undefined && !pureMamba ? { slidingWindow } : {}),
    ...(slidingWindow && slidingLayers !== undefined ? { slidingLayers: Math.min(slidingLayers, layers) } : {}),
  };
  const maxPos = posInt(c, 'max_position_embeddings', 'n_positions', 'n_ctx', 'seq_length', 'max_seq_len', 'max_sequence_length');
  if (maxPos) fields.maxPositionEmbeddings = maxPos;
  return { fields };
}

/** LFM2's MLP width (modeling_lfm2.py Lfm2MLP.__init__): block_ff_dim, 2/3 of it with block_auto_adjust_ff_dim,
 * times block_ffn_dim_multiplier, rounded up to block_multiple_of. */
function lfm2FfnWidth(c: Json): number | undefined {
  let ff = posInt(c, 'block_ff_dim', 'intermediate_size');
  if (!ff) return undefined;
  if (c.block_auto_adjust_ff_dim === true) {
    ff = Math.floor((2 * ff) / 3);
    const mult = num(c, 'block_ffn_dim_multiplier');
    if (mult !== undefined) ff = Math.floor(mult * ff);
    const m = posInt(c, 'block_multiple_of') ?? 256;
    ff = m * Math.ceil(ff / m);
  }
  return ff;
}

function moeOf(c: Json, ctx: Ctx, intermediate: number, layers: number, pattern: string | undefined, types: string[] | undefined): Record<string, unknown> {
  const { textType, family } = ctx;
  const is = (...t: string[]) => t.includes(textType) || t.includes(family);
  const numExperts = posInt(c, 'num_local_experts', 'num_experts', 'n_routed_experts', 'moe_num_experts')!;
  const topK = posInt(c, 'num_experts_per_tok', 'experts_per_token', 'moe_top_k', 'moe_k', 'top_k', 'top_k_experts', 'num_selected_experts')!;
  let expertWidth = posInt(c, 'moe_intermediate_size', 'expert_intermediate_size') ?? posInt(c, 'intermediate_size') ?? intermediate;
  // GraniteMoe(Hybrid): intermediate_size is the expert width, shared_intermediate_size the shared MLP's
  if (is('granitemoe', 'granitemoeshared', 'granitemoehybrid')) expertWidth = posInt(c, 'intermediate_size') ?? expertWidth;
  // gpt-oss: intermediate_size is the expert width (modeling_gpt_oss.py GptOssExperts), every layer is MoE
  if (is('gpt_oss')) expertWidth = posInt(c, 'intermediate_size') ?? expertWidth;
  let sharedWidth = posInt(c, 'shared_expert_intermediate_size', 'moe_shared_expert_intermediate_size');
  let shared = num(c, 'n_shared_experts', 'num_shared_experts', 'moe_num_shared_experts') ?? 0;
  if (!shared && sharedWidth) shared = 1; // Qwen2-MoE: one shared expert of its own width
  if (!shared && is('llama4')) shared = 1;
  if (is('granitemoeshared', 'granitemoehybrid')) {
    // GraniteMoeHybridDecoderLayer: shared_mlp (shared_intermediate_size) beside the routed experts
    sharedWidth = posInt(c, 'shared_intermediate_size');
    shared = sharedWidth ? 1 : 0;
  }
  if (is('gemma4')) {
    // enable_moe_block: the dense MLP (intermediate_size) runs beside the experts in every layer
    shared = 1;
    sharedWidth = intermediate;
  }
  let denseLayers = Math.max(0, Math.round(num(c, 'first_k_dense_replace', 'num_dense_layers', 'moe_layer_start_index') ?? 0));
  if (Array.isArray(c.mlp_only_layers)) denseLayers += c.mlp_only_layers.length;
  let layerStep = posInt(c, 'interleave_moe_layer_step', 'decoder_sparse_step', 'moe_layer_freq', 'moe_layer_interval', 'expert_layer_period') ?? 1;
  if (is('jamba')) {
    // modeling_jamba.py: experts on layers with i % expert_layer_period == expert_layer_offset
    layerStep = posInt(c, 'expert_layer_period') ?? 2;
    denseLayers = 0;
  }
  if (is('nemotron_h')) {
    // 'E' blocks are MoE; '-' blocks a dense MLP; the MLP-carrying layers are mixer.mlpLayers
    const dense = pattern ? [...pattern].filter((x) => x === '-').length : (types ?? []).filter((t) => t === 'mlp').length;
    denseLayers = dense;
    layerStep = 1;
  }
  if (is('ernie4_5_moe')) shared = num(c, 'moe_num_shared_experts') ?? shared;
  return {
    numExperts,
    expertsPerToken: topK,
    sharedExperts: Math.max(0, Math.round(shared)),
    expertIntermediateSize: expertWidth,
    ...(sharedWidth ? { sharedIntermediateSize: sharedWidth } : {}),
    denseLayers: Math.min(denseLayers, layers),
    layerStep,
  };
}

type MixResult = { fields: Record<string, unknown> } | { reason: string };

/** The hybrids' layer kinds and their Mamba / short-convolution shapes. */
function mixerOf(c: Json, ctx: Ctx, layers: number, hidden: number, pattern: string | undefined, types: string[] | undefined): MixResult {
  const { textType, family } = ctx;
  const is = (...t: string[]) => t.includes(textType) || t.includes(family);
  const mamba2 = (
    nHeadsKeys: string[],
    headKeys: string[],
    stateKeys: string[],
    groupKeys: string[],
    convKeys: string[],
    expandKeys: string[],
    chunkKeys: string[],
  ) => {
    const expand = num(c, ...expandKeys) ?? 2;
    const nHeads = posInt(c, ...nHeadsKeys);
    const headDim = posInt(c, ...headKeys);
    const dInner = posInt(c, 'mamba_d_ssm') ?? (nHeads && headDim ? nHeads * headDim : Math.round(expand * hidden));
    return {
      dState: posInt(c, ...stateKeys) ?? 128,
      dConv: posInt(c, ...convKeys) ?? 4,
      dInner,
      nHeads: nHeads ?? (headDim ? Math.max(1, Math.round(dInner / headDim)) : Math.max(1, Math.round(dInner / 64))),
      nGroups: posInt(c, ...groupKeys) ?? 1,
      chunkSize: posInt(c, ...chunkKeys) ?? 256,
    };
  };

  if (is('nemotron_h')) {
    // modeling_nemotron_h.py NemotronHBlock: each layer is ONE of a Mamba-2 mixer ('M'), attention ('*'), a dense
    // relu² MLP ('-') or an MoE block ('E'); hybrid_override_pattern (or layers_block_type) says which.
    const kinds = pattern
      ? [...pattern].map((x) => ({ M: 'mamba', '*': 'attention', '-': 'mlp', E: 'moe' })[x] ?? 'other')
      : (types ?? []).map((t) => (t === 'linear_attention' || t === 'mamba' ? 'mamba' : t === 'full_attention' || t === 'attention' ? 'attention' : t));
    const n = countTypes(kinds);
    return {
      fields: {
        mixer: {
          attentionLayers: n.get('attention') ?? 0,
          mambaLayers: n.get('mamba') ?? 0,
          convLayers: 0,
          parallel: false,
          mlpLayers: (n.get('mlp') ?? 0) + (n.get('moe') ?? 0),
        },
        mamba: mamba2(
          ['mamba_num_heads'],
          ['mamba_head_dim'],
          ['ssm_state_size'],
          ['n_groups', 'mamba_n_groups'],
          ['conv_kernel', 'mamba_d_conv'],
          ['expand', 'mamba_expand'],
          ['chunk_size', 'mamba_chunk_size'],
        ),
      },
    };
  }
  if (is('granitemoehybrid', 'bamba')) {
    // modeling_granitemoehybrid.py GraniteMoeHybridDecoderLayer: a Mamba-2 mixer or attention per layer
    // (layer_types), then the shared MLP (and experts). Bamba (modeling_bamba.py): attention at attn_layer_indices.
    let attention: number;
    if (types) attention = types.filter((t) => t === 'attention').length;
    else if (Array.isArray(c.attn_layer_indices)) attention = c.attn_layer_indices.length;
    else attention = 0; // transformers: layers_block_type defaults to all "mamba"
    const mambaLayers = layers - attention;
    return {
      fields:
        mambaLayers > 0
          ? {
              mixer: { attentionLayers: attention, mambaLayers, convLayers: 0, parallel: false },
              mamba: mamba2(
                ['mamba_n_heads'],
                ['mamba_d_head'],
                ['mamba_d_state'],
                ['mamba_n_groups'],
                ['mamba_d_conv'],
                ['mamba_expand'],
                ['mamba_chunk_size'],
              ),
            }
          : {}, // granite-4.0 (non-H): every layer attention, a plain decoder
    };
  }
  if (is('falcon_h1')) {
    // modeling_falcon_h1.py FalconH1DecoderLayer: attention AND a Mamba-2 mixer side by side in every layer,
    // then the MLP (gated: gate/up/down)
    return {
      fields: {
        mixer: { attentionLayers: layers, mambaLayers: layers, convLayers: 0, parallel: true },
        mamba: mamba2(['mamba_n_heads'], ['mamba_d_head'], ['mamba_d_state'], ['mamba_n_groups'], ['mamba_d_conv'], ['mamba_expand'], ['mamba_chunk_size']),
      },
    };
  }
  if (is('jamba')) {
    // modeling_jamba.py: attention on i % attn_layer_period == attn_layer_offset, Mamba-1 elsewhere; MLP/MoE everywhere
    const period = posInt(c, 'attn_layer_period') ?? 8;
    const offset = num(c, 'attn_layer_offset') ?? 4;
    let attention = 0;
    for (let i = 0; i < layers; i++) if (i % period === offset) attention++;
    const expand = num(c, 'mamba_expand') ?? 2;
    return {
      fields: {
        mixer: { attentionLayers: attention, mambaLayers: layers - attention, convLayers: 0, parallel: false },
        mamba: {
          dState: posInt(c, 'mamba_d_state') ?? 16,
          dConv: posInt(c, 'mamba_d_conv') ?? 4,
          dInner: Math.round(expand * hidden),
          nHeads: 0,
          nGroups: 1,
          chunkSize: 256,
        },
      },
    };
  }
  if (is('mamba', 'falcon_mamba')) {
    // modeling_mamba.py MambaMixer (Mamba-1): in_proj h->2I, conv1d, x_proj, dt_proj, out_proj; no attention, no MLP
    const dInner = posInt(c, 'intermediate_size') ?? Math.round((num(c, 'expand') ?? 2) * hidden);
    return {
      fields: {
        mixer: { attentionLayers: 0, mambaLayers: layers, convLayers: 0, parallel: false, mlpLayers: 0 },
        mamba: { dState: posInt(c, 'state_size') ?? 16, dConv: posInt(c, 'conv_kernel') ?? 4, dInner, nHeads: 0, nGroups: 1, chunkSize: 256 },
      },
    };
  }
  if (is('mamba2')) {
    // modeling_mamba2.py Mamba2Mixer: no attention, no MLP
    return {
      fields: {
        mixer: { attentionLayers: 0, mambaLayers: layers, convLayers: 0, parallel: false, mlpLayers: 0 },
        mamba: mamba2(['num_heads'], ['head_dim'], ['state_size'], ['n_groups'], ['conv_kernel'], ['expand'], ['chunk_size']),
      },
    };
  }
  if (is('zamba2')) {
    // modeling_zamba2.py: Mamba-2 layers, with a shared transformer block (attention + MLP, weights shared)
    // applied at hybrid_layer_ids; each use is counted as its own layer here
    const hybrid = Array.isArray(c.hybrid_layer_ids) ? c.hybrid_layer_ids.length : (types ?? []).filter((t) => t === 'hybrid').length;
    ctx.approx.push(
      `Zamba2's ${posInt(c, 'num_mem_blocks') ?? 2} shared transformer blocks (reused at ${hybrid} depths, with per-use LoRA) counted as ${hybrid} attention+MLP layers in place of those depths' Mamba mixers`,
    );
    return {
      fields: {
        mixer: { attentionLayers: hybrid, mambaLayers: layers - hybrid, convLayers: 0, parallel: false, mlpLayers: hybrid },
        mamba: mamba2(
          ['mamba_n_heads', 'n_mamba_heads'],
          ['mamba_headdim'],
          ['mamba_d_state'],
          ['mamba_ngroups'],
          ['mamba_d_conv'],
          ['mamba_expand'],
          ['chunk_size'],
        ),
      },
    };
  }
  if (is('lfm2', 'lfm2_moe')) {
    // modeling_lfm2.py Lfm2DecoderLayer: Lfm2ShortConv ("conv") or attention ("full_attention") per layer, then the MLP
    let attention: number;
    if (types) attention = types.filter((t) => t === 'full_attention' || t === 'attention').length;
    else if (Array.isArray(c.full_attn_idxs)) attention = c.full_attn_idxs.length;
    else return { reason: `config.json of ${ctx.id} has neither layer_types nor full_attn_idxs` };
    return {
      fields: {
        mixer: { attentionLayers: attention, mambaLayers: 0, convLayers: layers - attention, parallel: false },
        shortConv: { kernel: posInt(c, 'conv_L_cache') ?? 3 },
      },
    };
  }
  if (is('qwen3_next', 'qwen3_5', 'qwen3_5_moe')) {
    // modeling_qwen3_next.py: layer_types full_attention every full_attention_interval-th layer, the rest
    // Qwen3NextGatedDeltaNet (in_proj_qkvz h -> 2*key_dim + 2*value_dim, in_proj_ba, depthwise conv over
    // 2*key_dim + value_dim, state [value heads, key head dim, value head dim], out_proj value_dim -> h). That is
    // a Mamba-2 layer with d_inner = value_dim, n_groups x d_state = key_dim, heads = value heads: the same
    // projections, conv width and state, so it is modelled as one (approximated: b/a projections vs dt).
    let attention: number;
    if (types) attention = types.filter((t) => t === 'full_attention').length;
    else {
      const every = posInt(c, 'full_attention_interval') ?? 4;
      attention = Math.floor(layers / every);
    }
    const nk = posInt(c, 'linear_num_key_heads') ?? 16;
    const nv = posInt(c, 'linear_num_value_heads') ?? 32;
    const dk = posInt(c, 'linear_key_head_dim') ?? 128;
    const dv = posInt(c, 'linear_value_head_dim') ?? 128;
    ctx.approx.push(
      `${layers - attention} Gated DeltaNet linear-attention layers modelled as Mamba-2 layers of the same projection, convolution and state shapes`,
    );
    return {
      fields: {
        mixer: { attentionLayers: attention, mambaLayers: layers - attention, convLayers: 0, parallel: false },
        mamba: { dState: dk, dConv: posInt(c, 'linear_conv_kernel_dim') ?? 4, dInner: nv * dv, nHeads: nv, nGroups: nk, chunkSize: 64 },
      },
    };
  }
  return { fields: {} };
}
