// What the memory engine needs to know about a training job, independent of how it was written.
// The plan stage (src/analysis/plan) fills this from a script or config; the accuracy benchmark fills
// it from a measured case.

export type Dtype = 'fp32' | 'bf16' | 'fp16';
export type Quantization = 'none' | 'nf4' | 'fp4' | 'int8' | 'gptq-int4' | 'awq-int4';
export type Method = 'full' | 'lora' | 'qlora' | 'dora' | 'frozen';
export type AttentionImpl = 'eager' | 'sdpa' | 'flash_attention_2';
export type Sharding = 'none' | 'ddp' | 'fsdp' | 'fsdp_grad_op' | 'fsdp_hybrid' | 'zero1' | 'zero2' | 'zero3';
export type OptimizerKind =
  'adamw' | 'adamw_fused' | 'adamw_8bit' | 'paged_adamw_8bit' | 'paged_adamw_32bit' | 'adafactor' | 'sgd' | 'sgd_momentum' | 'lion' | 'lion_8bit';
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
  /** the frozen originals of modules_to_save live on the CPU (Unsloth with its offloaded checkpointing moves
   * them off the GPU: unsloth/models/_utils.py offload_input_embeddings / offload_output_embeddings) */
  originalsOffloaded?: boolean;
}

/** What the model is trained to predict: the next token (a vocabulary-sized head and loss), or a class or
 * score per sequence (AutoModelForSequenceClassification: a `score`/`classifier` head of `labels` outputs). */
export interface TaskSetup {
  kind: 'causal-lm' | 'seq-cls';
  labels: number;
}

/** How the loss turns logits into a loss, which decides the vocabulary-sized bytes at the peak:
 * 'fp32' transformers ForCausalLMLoss (upcast to fp32), '16bit' a cross-entropy on the 16-bit logits
 * (remote-code models such as Qwen-7B's modeling_qwen.py, TRL's preference and RL trainers). */
export type LossPrecision = 'fp32' | '16bit';

/** Preference and RL jobs (TRL DPO/ORPO/CPO-SimPO/KTO/GRPO/RLOO/PPO and their axolotl, LLaMA-Factory and Unsloth forms). */
export type JobKind = 'dpo' | 'orpo' | 'simpo' | 'kto' | 'grpo' | 'rloo' | 'ppo';

export interface JobSetup {
  kind: JobKind;
  /** where the reference log-probs come from: a second copy of the model, the same model with its
   * adapter disabled (PEFT), computed once before training, or no reference at all */
  reference: 'copy' | 'adapter-disabled' | 'precomputed' | 'none';
  /** dtype of the reference copy: TRL loads it from args.model_init_kwargs, float32 by default (trl >= 0.27) */
  referenceDtype: Dtype;
  /** GRPO/RLOO: completions per prompt */
  numGenerations: number;
  promptLength: number;
  completionLength: number;
  /** completions generated per GPU in one generation round (GRPO: micro-batch × steps_per_generation) */
  generationBatch: number;
  /** hf: model.generate with a KV cache; vllm-colocate: a vLLM engine on the same GPU with its own weights;
   * vllm-shared: Unsloth fast_inference, vLLM and training share the weights; vllm-server: other GPUs */
  generation: 'hf' | 'vllm-colocate' | 'vllm-shared' | 'vllm-server' | 'none';
  /** vLLM's share of the GPU's total memory (gpu_memory_utilization) */
  vllmMemoryUtilization: number;
  /** vLLM sleeps during the training phase (TRL vllm_enable_sleep_mode, Unsloth standby) */
  vllmSleep: boolean;
  /** PPO: a frozen reward model and a trainable value model, same architecture as the policy here */
  rewardModel: boolean;
  valueModel: boolean;
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
  /** preference / RL job; null for supervised fine-tuning */
  job: JobSetup | null;
  /** total memory of one GPU (vLLM takes a share of it); absent when not known */
  gpuTotalBytes?: number;
  /** next-token prediction unless the script loads a sequence classifier */
  task?: TaskSetup;
}

export const DTYPE_BYTES: Record<Dtype, number> = { fp32: 4, bf16: 2, fp16: 2 };

/** How each sharding kind is named to users (CLI, panel, recommendations). */
export const SHARDING_NAMES: Record<Sharding, string> = {
  none: 'no sharding',
  ddp: 'DDP replicas',
  fsdp: 'FSDP full shard',
  fsdp_grad_op: 'FSDP SHARD_GRAD_OP',
  fsdp_hybrid: 'FSDP hybrid shard',
  zero1: 'DeepSpeed ZeRO-1',
  zero2: 'DeepSpeed ZeRO-2',
  zero3: 'DeepSpeed ZeRO-3',
};

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
    job: null,
    ...overrides,
  };
}

export function defaultJob(kind: JobKind, overrides: Partial<JobSetup> = {}): JobSetup {
  return {
    kind,
    reference: kind === 'orpo' || kind === 'simpo' ? 'none' : 'copy',
    referenceDtype: 'fp32',
    numGenerations: kind === 'rloo' ? 2 : 8,
    promptLength: 512,
    completionLength: 256,
    generationBatch: 8,
    generation: kind === 'grpo' || kind === 'rloo' || kind === 'ppo' ? 'hf' : 'none',
    vllmMemoryUtilization: 0.3,
    vllmSleep: false,
    rewardModel: kind === 'ppo',
    valueModel: kind === 'ppo',
    ...overrides,
  };
}
