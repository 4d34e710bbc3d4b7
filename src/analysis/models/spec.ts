// The architecture facts the memory model needs, as read from a model's config.json.
import { z } from 'zod';

export const MoeSchema = z.object({
  /** routed experts per MoE layer (config: num_local_experts / num_experts / n_routed_experts) */
  numExperts: z.number().int().positive(),
  /** experts each token is routed to (num_experts_per_tok) */
  expertsPerToken: z.number().int().positive(),
  /** always-on shared experts (n_shared_experts; Qwen2-MoE shared_expert_intermediate_size) */
  sharedExperts: z.number().int().nonnegative().default(0),
  /** FFN width of one routed expert (moe_intermediate_size; = intermediateSize for Mixtral) */
  expertIntermediateSize: z.number().int().positive(),
  /** FFN width of the shared expert block when it differs from expertIntermediateSize × sharedExperts */
  sharedIntermediateSize: z.number().int().positive().optional(),
  /** leading layers that use a dense MLP of intermediateSize (DeepSeek first_k_dense_replace) */
  denseLayers: z.number().int().nonnegative().default(0),
  /** MoE only every n-th layer (Llama 4 interleave_moe_layer_step; 1 = all layers) */
  layerStep: z.number().int().positive().default(1),
});

/** Multi-head latent attention (DeepSeek-V2/V3): low-rank K/V (and optionally Q) projections. */
export const MlaSchema = z.object({
  kvLoraRank: z.number().int().positive(),
  qLoraRank: z.number().int().positive().nullable(),
  qkNopeHeadDim: z.number().int().positive(),
  qkRopeHeadDim: z.number().int().positive(),
  vHeadDim: z.number().int().positive(),
});

/**
 * Decoder layers that are not all attention (hybrid state-space and convolution models). Counts add up to
 * numLayers, except `parallel`, where every layer runs attention and Mamba side by side (Falcon-H1).
 */
export const MixerSchema = z.object({
  /** layers with self-attention (numHeads / numKvHeads); sliding-window ones included */
  attentionLayers: z.number().int().nonnegative(),
  /** Mamba-2 (or Mamba-1) state-space layers (nemotron_h, granitemoehybrid, jamba, falcon_h1, mamba2) */
  mambaLayers: z.number().int().nonnegative().default(0),
  /** gated short-convolution layers (LFM2 `conv`) */
  convLayers: z.number().int().nonnegative().default(0),
  /** attention and Mamba in every layer, side by side (Falcon-H1) */
  parallel: z.boolean().default(false),
  /** layers that carry an MLP (dense or MoE) when not every layer does; absent = numLayers. Nemotron-H's blocks
   * are each ONE of Mamba, attention, MLP ('-') or MoE ('E'): numLayers = attention + mamba + these MLP-only
   * blocks, and moe.denseLayers counts the dense ones among them. Pure Mamba models have none (0). */
  mlpLayers: z.number().int().nonnegative().optional(),
});

/** A Mamba layer's shapes (transformers modeling_mamba2.py / modeling_nemotron_h.py: in_proj, conv1d, out_proj). */
export const MambaSchema = z.object({
  /** SSM state size per head (mamba_d_state / ssm_state_size / state_size) */
  dState: z.number().int().positive(),
  /** causal conv1d kernel (mamba_d_conv / conv_kernel) */
  dConv: z.number().int().positive(),
  /** inner width (mamba_expand × hidden, or mamba_n_heads × mamba_d_head) */
  dInner: z.number().int().positive(),
  /** SSM heads (mamba_n_heads / num_heads); Mamba-1 has none (0) */
  nHeads: z.number().int().nonnegative(),
  /** B/C groups (mamba_n_groups / n_groups) */
  nGroups: z.number().int().positive().default(1),
  /** chunk length of the chunked scan (mamba_chunk_size / chunk_size) */
  chunkSize: z.number().int().positive().default(256),
});

/** LFM2's gated short convolution (modeling_lfm2.py Lfm2ShortConv: in_proj h→3h, depthwise conv, out_proj). */
export const ShortConvSchema = z.object({
  /** conv kernel length (conv_L_cache) */
  kernel: z.number().int().positive(),
});

/** Gemma 3n per-layer embeddings (modeling_gemma3n.py embed_tokens_per_layer: vocab × layers × dim). */
export const PerLayerEmbeddingSchema = z.object({
  vocab: z.number().int().positive(),
  dim: z.number().int().positive(),
});

export const ModelSpecSchema = z.object({
  /** canonical Hugging Face hub id */
  id: z.string().min(1),
  /** model_type in config.json (llama, mistral, qwen2, gemma2, phi3, mixtral, ...) */
  family: z.string().min(1),
  hiddenSize: z.number().int().positive(),
  numLayers: z.number().int().positive(),
  numHeads: z.number().int().positive(),
  numKvHeads: z.number().int().positive(),
  /** per-head dimension when it is not hiddenSize / numHeads (Gemma, Mistral Nemo, Qwen3) */
  headDim: z.number().int().positive().optional(),
  /** per-branch FFN width of the dense MLP */
  intermediateSize: z.number().int().positive(),
  vocabSize: z.number().int().positive(),
  tiedEmbeddings: z.boolean(),
  /** gated = SwiGLU/GeGLU (gate, up, down); standard = fc1/fc2 (GPT-2, Falcon, Phi-2) */
  mlp: z.enum(['gated', 'standard']).default('gated'),
  /** q/k/v projections carry a bias (Qwen2/2.5, GPT-2) */
  qkvBias: z.boolean().default(false),
  /** LayerNorm with bias (2 vectors per norm) instead of RMSNorm */
  normBias: z.boolean().default(false),
  moe: MoeSchema.optional(),
  mla: MlaSchema.optional(),
  mixer: MixerSchema.optional(),
  mamba: MambaSchema.optional(),
  shortConv: ShortConvSchema.optional(),
  perLayerEmbedding: PerLayerEmbeddingSchema.optional(),
  /** how the model is built: decoder-only (causal LM), encoder-only (BERT-style), encoder-decoder (T5-style,
   * numLayers = encoder + decoder layers, decoderLayers of them with cross-attention) */
  architecture: z.enum(['decoder', 'encoder', 'encoder-decoder']).default('decoder'),
  decoderLayers: z.number().int().positive().optional(),
  slidingWindow: z.number().int().positive().nullable().optional(),
  maxPositionEmbeddings: z.number().int().positive().optional(),
  /** torch_dtype / dtype saved in config.json */
  savedDtype: z.enum(['float32', 'bfloat16', 'float16']).default('bfloat16'),
  /** the repo ships weights already quantized (bnb 4-bit, GPTQ, AWQ) */
  preQuantized: z.enum(['bnb-nf4', 'bnb-int8', 'gptq-int4', 'awq-int4', 'mxfp4', 'fp8']).optional(),
  /** layers where attention looks at a sliding window only (Gemma 2/3, gpt-oss, Mistral v0.1): KV cache and eager scores */
  slidingLayers: z.number().int().nonnegative().optional(),
  /** the shapes are a close relative's, not this id's own (family and size from the id, or an architecture the
   * engine approximates): said in a diagnostic */
  approximated: z.string().optional(),
  /** published total parameter count, to check the architecture against */
  publishedParams: z.number().positive().optional(),
  /** where the shapes come from (repo path of config.json, or a paper) */
  source: z.string().min(1),
  aliases: z.array(z.string()).default([]),
});

export type ModelSpec = z.infer<typeof ModelSpecSchema>;
export type ModelSpecInput = z.input<typeof ModelSpecSchema>;

export function headDimOf(m: ModelSpec): number {
  return m.headDim ?? Math.floor(m.hiddenSize / m.numHeads);
}

/** How many layers of each kind a model has (the mixer's counts, or every layer attention + MLP). */
export interface LayerCounts {
  /** self-attention layers (encoder and decoder) */
  attention: number;
  /** decoder layers that also attend to the encoder output (encoder-decoders) */
  crossAttention: number;
  mamba: number;
  conv: number;
  /** layers with an MLP (dense or MoE) */
  mlp: number;
  /** hidden-size norms in the layers (one before each sub-layer; a parallel block shares one) */
  norms: number;
}

export function layerCounts(m: ModelSpec): LayerCounts {
  const x = m.mixer;
  const attention = x ? x.attentionLayers : m.numLayers;
  const mamba = x?.mambaLayers ?? 0;
  const conv = x?.convLayers ?? 0;
  const mlp = x?.mlpLayers ?? m.numLayers;
  const crossAttention = m.architecture === 'encoder-decoder' ? (m.decoderLayers ?? Math.floor(m.numLayers / 2)) : 0;
  const mixers = x?.parallel ? m.numLayers : attention + mamba + conv;
  return { attention, crossAttention, mamba, conv, mlp, norms: mixers + crossAttention + mlp };
}

/** Mamba-1 dt rank when the config leaves it "auto": ceil(hidden / 16) (transformers configuration_mamba.py). */
export function mambaDtRank(m: ModelSpec): number {
  return Math.ceil(m.hiddenSize / 16);
}
