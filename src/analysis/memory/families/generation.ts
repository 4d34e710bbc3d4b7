// The generation phase of GRPO/RLOO/PPO: the KV cache of model.generate, or vLLM's share of the GPU
// (colocated with its own weights, or sharing Unsloth's), and the whole model gathered under ZeRO-3/FSDP.
import { headDimOf, layerCounts, ModelSpec } from '../../models/spec';
import { EngineContext, fmt, part, Part, shardsWeights, TRAINING_PHASES } from '../context';
import { WeightTerms } from './weights';

// vLLM asleep still holds its CUDA graphs and buffers outside the sleep allocator (vllm docs
// sleep_mode.md); measured capture deltas up to ~1 GiB (llm-d empirical-vllm-memory-results.md).
export const VLLM_ASLEEP_BYTES = 1 * 1024 ** 3;

/** KV-cache bytes per token of model.generate: 2 (K, V) × attention layers × KV heads × head dim (transformers
 * DynamicCache; Mamba and convolution layers keep a fixed-size state per sequence instead, not per token); MLA in
 * transformers (modeling_deepseek_v2.py) caches the expanded per-head K (nope + rope) and V. */
export function kvBytesPerToken(m: ModelSpec, actBytes: number): number {
  const layers = layerCounts(m).attention;
  return m.mla
    ? layers * m.numHeads * (m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim + m.mla.vHeadDim) * actBytes
    : 2 * layers * m.numKvHeads * headDimOf(m) * actBytes;
}

export function generationParts(c: EngineContext, w: WeightTerms): Part[] {
  const { m, s, pb, actBytes } = c;
  const job = s.job;
  const out: Part[] = [];
  if (!job || !c.rl) return out;
  const V = m.vocabSize;
  // vLLM colocated takes gpu_memory_utilization × the GPU's total memory for its own weights and KV cache
  // (vllm config/cache.py; trl generation/vllm_generation.py loads a separate copy); with sleep mode it
  // frees both between generations (vllm docs sleep_mode.md level 2). Unsloth's fast_inference builds the
  // training model from vLLM's tensors, so the weights are shared (unsloth models/llama.py shared_weights).
  const gpuTotal = s.gpuTotalBytes ?? 80 * 1024 ** 3; // an 80 GiB card when the target is not known
  const block = job.vllmMemoryUtilization * gpuTotal;
  const inputs = { utilization: job.vllmMemoryUtilization, sleep: job.vllmSleep };
  const asleep = 'vLLM asleep: CUDA graphs and buffers outside its pools';
  if (job.generation === 'vllm-colocate') {
    part(out, 'vllmEngine', block, ['generation'], `gpu_memory_utilization ${job.vllmMemoryUtilization} × GPU memory`, inputs);
    // outside vLLM's pools (CUDA graphs, NCCL) stays allocated while asleep (vllm sleep_mode.md)
    part(
      out,
      'vllmEngine',
      job.vllmSleep ? VLLM_ASLEEP_BYTES : block,
      TRAINING_PHASES,
      job.vllmSleep ? asleep : `gpu_memory_utilization ${job.vllmMemoryUtilization} × GPU memory`,
      inputs,
    );
  } else if (job.generation === 'vllm-shared') {
    const beyondWeights = Math.max(0, block - w.weightBytes - w.qconst);
    const shared = `vLLM's share beyond the shared weights (gpu_memory_utilization ${job.vllmMemoryUtilization})`;
    part(out, 'vllmEngine', beyondWeights, ['generation'], shared, inputs);
    part(out, 'vllmEngine', job.vllmSleep ? VLLM_ASLEEP_BYTES : beyondWeights, TRAINING_PHASES, job.vllmSleep ? asleep : shared, inputs);
  } else if (job.generation === 'hf') {
    // model.generate keeps a KV cache for every sequence of the round, prompt + completion tokens
    let kv = job.generationBatch * (job.promptLength + job.completionLength) * kvBytesPerToken(m, actBytes);
    if (job.kind === 'ppo') kv += job.generationBatch * job.completionLength * V * 4; // output_scores kept in fp32 (trl ppo_trainer.py)
    part(
      out,
      'kvCache',
      kv,
      ['generation'],
      `${job.generationBatch} sequences × ${job.promptLength + job.completionLength} tokens × 2 × ${layerCounts(m).attention} attention layers × KV width × ${actBytes} B`,
      {
        generationBatch: job.generationBatch,
        numGenerations: job.numGenerations,
      },
    );
    // the next-token logits of the batch, in fp32 for sampling (transformers generation/utils.py)
    part(out, 'logits', job.generationBatch * V * 4, ['generation'], `${job.generationBatch} sequences × ${fmt(V)} vocab × 4 B next-token logits`, {
      generationBatch: job.generationBatch,
      vocab: V,
    });
    // ZeRO-3 gathers the whole model for generation (trl models/utils.py unwrap_model_for_generation,
    // gather_deepspeed3_params=True); FSDP summons full params.
    if (shardsWeights(s))
      part(out, 'gatheredParams', pb.total * actBytes * (1 - 1 / c.N), ['generation'], 'whole model gathered for generation (ZeRO-3 / FSDP)', { gpus: c.N });
  }
  return out;
}
