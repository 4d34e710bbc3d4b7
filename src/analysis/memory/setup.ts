// What the memory engine needs to know about a training job, independent of how it was written.
// The plan stage (src/analysis/plan) fills this from a script or config; the accuracy benchmark fills
// it from a measured case.

export type Dtype = 'fp32' | 'bf16' | 'fp16';
export type Quantization = 'none' | 'nf4' | 'fp4' | 'int8' | 'gptq-int4' | 'awq-int4';
export type Method = 'full' | 'lora' | 'qlora' | 'dora' | 'frozen';
export type AttentionImpl = 'eager' | 'sdpa' | 'flash_attention_2';
export type Sharding = 'none' | 'ddp' | 'fsdp' | 'fsdp_grad_op' | 'fsdp_hybrid' | 'zero1' | 'zero2' | 'zero3';
export type OptimizerKind =
  | 'adamw'
  | 'adamw_fused'
  | 'adamw_8bit'
  | 'paged_adamw_8bit'
  | 'paged_adamw_32bit'
  | 'adafactor'
  | 'sgd'
  | 'sgd_momentum'
  | 'lion'
  | 'lion_8bit';
export type LossImpl = 'standard' | 'chunked' | 'fused_linear';

export interface LoraSetup {
  r: number;
  /** module names (q_proj, v_proj, ...) or 'all-linear' */
  targets: string[] | 'all-linear';
  dora: boolean;
  /** modules trained in full next to the adapters (embed_tokens, lm_head) */
  modulesToSave: string[];
  dropout: number;
  /** dtype of the adapter weights: PEFT casts them to fp32 by default (autocast_adapter_dtype=True) */
  dtype: Dtype;
}

export interface TrainingSetup {
  method: Method;
  /** dtype the (non-quantized) weights are loaded in */
  weightDtype: Dtype;
  quantization: Quantization;
  /** bitsandbytes bnb_4bit_use_double_quant */
  doubleQuant: boolean;
  /** forward runs under torch.autocast to bf16/fp16 (HF Trainer/accelerate with bf16=True or fp16=True);
   * with fp32 weights that is classic mixed precision */
  autocast: boolean;
  /** PEFT prepare_model_for_kbit_training: non-quantized params upcast to fp32 */
  kbitUpcast: boolean;
  /** bitsandbytes before 0.43 saved each 4-bit matmul's input for backward (ctx.tensors = (A, B)) */
  quantSavesInputs: boolean;
  lora: LoraSetup | null;
  optimizer: OptimizerKind;
  optimizerInBackward: boolean;
  microBatch: number;
  seqLen: number;
  gradAccumulation: number;
  gradientCheckpointing: boolean;
  activationOffload: boolean;
  attention: AttentionImpl;
  loss: LossImpl;
  /** torch.compile fuses norms and activations (fewer saved intermediates) */
  compiled: boolean;
  gpus: number;
  sharding: Sharding;
  /** optimizer state (and master weights) on CPU: ZeRO offload_optimizer, FSDP cpu_offload */
  offloadOptimizer: boolean;
  /** parameters on CPU: ZeRO-3 offload_param, FSDP cpu_offload */
  offloadParams: boolean;
  /** GPUs per node: HYBRID_SHARD shards within a node and replicates across nodes */
  gpusPerNode: number;
}

export const DTYPE_BYTES: Record<Dtype, number> = { fp32: 4, bf16: 2, fp16: 2 };

export function defaultSetup(overrides: Partial<TrainingSetup> = {}): TrainingSetup {
  return {
    method: 'full',
    weightDtype: 'bf16',
    quantization: 'none',
    doubleQuant: false,
    autocast: false,
    kbitUpcast: false,
    quantSavesInputs: false,
    lora: null,
    optimizer: 'adamw',
    optimizerInBackward: false,
    microBatch: 1,
    seqLen: 1024,
    gradAccumulation: 1,
    gradientCheckpointing: false,
    activationOffload: false,
    attention: 'sdpa',
    loss: 'standard',
    compiled: false,
    gpus: 1,
    sharding: 'none',
    offloadOptimizer: false,
    offloadParams: false,
    gpusPerNode: 8,
    ...overrides,
  };
}
