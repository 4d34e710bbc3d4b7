export type ComponentName =
  | 'weights'
  | 'quantConstants'
  | 'adapters'
  | 'autocastCopies'
  | 'gradients'
  | 'optimizerState'
  | 'masterWeights'
  | 'activations'
  | 'logits'
  | 'gatheredParams'
  | 'commBuffers'
  | 'optimizerStepTemp'
  | 'pagedOptimizerState'
  | 'allocatorReserve'
  | 'cudaContext'
  | 'referenceModel'
  | 'rewardModel'
  | 'valueModel'
  | 'kvCache'
  | 'vllmEngine';

/** One named part of the per-GPU memory, with the inputs of the formula that produced it. */
export interface Component {
  name: ComponentName;
  bytes: number;
  /** the formula in words, with the numbers filled in */
  formula: string;
  inputs: Record<string, number | string | boolean>;
  /** where it lives: PyTorch's caching allocator, CUDA managed memory (paged), or outside both */
  pool: 'allocator' | 'managed' | 'driver';
}

export const COMPONENT_LABELS: Record<ComponentName, string> = {
  weights: 'Weights',
  quantConstants: 'Quantization constants',
  adapters: 'Adapters (LoRA)',
  autocastCopies: 'Autocast weight copies',
  gradients: 'Gradients',
  optimizerState: 'Optimizer state',
  masterWeights: 'FP32 master weights',
  activations: 'Activations',
  logits: 'Logits and loss',
  gatheredParams: 'Gathered shards (FSDP/ZeRO-3)',
  commBuffers: 'Communication buffers',
  optimizerStepTemp: 'Optimizer step temporaries',
  pagedOptimizerState: 'Paged optimizer state',
  allocatorReserve: 'Allocator reserve',
  cudaContext: 'CUDA context',
  referenceModel: 'Reference model',
  rewardModel: 'Reward model',
  valueModel: 'Value model (weights, grads, optimizer)',
  kvCache: 'Generation KV cache',
  vllmEngine: 'vLLM engine (weights + KV cache)',
};
