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
  slidingWindow: z.number().int().positive().nullable().optional(),
  maxPositionEmbeddings: z.number().int().positive().optional(),
  /** torch_dtype / dtype saved in config.json */
  savedDtype: z.enum(['float32', 'bfloat16', 'float16']).default('bfloat16'),
  /** the repo ships weights already quantized (bnb 4-bit, GPTQ, AWQ) */
  preQuantized: z.enum(['bnb-nf4', 'bnb-int8', 'gptq-int4', 'awq-int4']).optional(),
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
