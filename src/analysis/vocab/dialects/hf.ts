// Hugging Face TrainingArguments and TRL's trainer configs (SFTConfig, DPOConfig, GRPOConfig, ...): the
// same keys as Python keyword arguments and as HfArgumentParser / `trl … --config` YAML or JSON.
// Sources: transformers src/transformers/training_args.py (4.57 / 5.0); trl trainer/*_config.py and
// trainer/model_config.py at f2cd577 (2026-07); key history in docs/sources/framework-keys.md §1-2.
import { ConfigWrites, key, KeyTable } from '../dialect';
import type { OptimizerKind, Sharding } from '../../memory/setup';
import {
  asBool,
  asCheckpointing,
  asDeepSpeedRef,
  asDtype,
  asEpochs,
  asFraction,
  asFsdpOptions,
  asInitKwargsDtype,
  asLossType,
  asMaxSteps,
  asNameList,
  asNumber,
  asPositiveInt,
  asString,
  asTargets,
} from '../values';

/** TrainingArguments and every TRL config class. */
export const HF_TRAINING_ARGS: KeyTable = [
  key('microBatch', ['per_device_train_batch_size', 'per_gpu_train_batch_size'], asPositiveInt),
  key('gradAccumulation', 'gradient_accumulation_steps', asPositiveInt),
  key('gradientCheckpointing', 'gradient_checkpointing', asCheckpointing),
  key('bf16', 'bf16', asBool),
  key('fp16', 'fp16', asBool),
  key('optimizer', 'optim', asString),
  // SFTConfig max_length (trl >= 0.16); max_seq_length: SFTConfig field v0.9-v0.19, removed in v0.20;
  // model_max_length: the TrainingArguments subclass of Alpaca/FastChat-style scripts
  key('seqLen', ['max_length', 'max_seq_length', 'max_seq_len', 'model_max_length'], asPositiveInt),
  key('packing', 'packing', asBool),
  // use_liger: TRL v0.11-v0.15 spelling
  key('liger', ['use_liger_kernel', 'use_liger'], asBool),
  key('torchCompile', 'torch_compile', asBool),
  key('activationOffload', 'activation_offloading', asBool),
  key('deepspeed', 'deepspeed', asDeepSpeedRef),
  key('fsdp', 'fsdp', asFsdpOptions),
  key('numTrainEpochs', 'num_train_epochs', asEpochs),
  key('maxSteps', 'max_steps', asMaxSteps),
  // preference / RL configs (trl/trainer/{dpo,kto,grpo,rloo}_config.py, experimental/ppo)
  key('rlBeta', 'beta', asNumber),
  key('lossType', 'loss_type', asLossType),
  key('numGenerations', 'num_generations', asPositiveInt),
  key('maxPromptLength', 'max_prompt_length', asPositiveInt),
  key('maxCompletionLength', ['max_completion_length', 'response_length'], asPositiveInt),
  key('stepsPerGeneration', 'steps_per_generation', asPositiveInt),
  key('useVllm', 'use_vllm', asBool),
  key('vllmMode', 'vllm_mode', asString),
  key('vllmMemoryUtilization', 'vllm_gpu_memory_utilization', asFraction),
  key('vllmSleep', 'vllm_enable_sleep_mode', asBool),
  key('precomputeRef', 'precompute_ref_log_probs', asBool),
  key('modelInitDtype', 'model_init_kwargs', asInitKwargsDtype),
];

/** TRL's ModelConfig (trl/trainer/model_config.py): model and PEFT keys of `trl … --config` files. */
export const TRL_MODEL_CONFIG: KeyTable = [
  key('dtype', ['dtype', 'torch_dtype'], asDtype),
  key('attention', 'attn_implementation', asString),
  key('loadIn4bit', 'load_in_4bit', asBool),
  key('loadIn8bit', 'load_in_8bit', asBool),
  key('quantType', 'bnb_4bit_quant_type', asString),
  key('doubleQuant', 'use_bnb_nested_quant', asBool),
  key('peft', 'use_peft', asBool),
];

/** ModelConfig's LoRA keys, read when use_peft is on. */
export const TRL_LORA: KeyTable = [
  key('loraR', 'lora_r', asPositiveInt),
  key('loraAlpha', 'lora_alpha', asNumber),
  key('loraDropout', 'lora_dropout', asNumber),
  key('loraTargets', 'lora_target_modules', asTargets),
  key('modulesToSave', 'lora_modules_to_save', asNameList),
  key('useDora', 'use_dora', asBool),
];

// ---- writing ----------------------------------------------------------------------------------------

/** TrainingArguments `optim` names of the engine's optimizer kinds (transformers training_args.py OptimizerNames). */
export const HF_OPTIM: Record<OptimizerKind, string | null> = {
  adamw: 'adamw_torch',
  adamw_fused: 'adamw_torch_fused',
  adamw_8bit: 'adamw_8bit',
  paged_adamw_8bit: 'paged_adamw_8bit',
  paged_adamw_32bit: 'paged_adamw_32bit',
  adafactor: 'adafactor',
  sgd: 'sgd',
  // HF has no SGD-with-momentum name: it needs optim="sgd" plus optim_args, which we do not write.
  sgd_momentum: null,
  lion: 'lion_32bit',
  lion_8bit: 'lion_8bit',
};

/** TrainingArguments(fsdp=…) option strings (transformers FSDPOption); "offload" adds CPU offload. */
export const HF_FSDP_OPTION: Partial<Record<Sharding, string>> = { fsdp: 'full_shard', fsdp_grad_op: 'shard_grad_op', fsdp_hybrid: 'hybrid_shard' };

export function hfFsdpOptions(sharding: Sharding, offload: boolean): string | undefined {
  const opt = HF_FSDP_OPTION[sharding];
  return opt ? `${opt} auto_wrap${offload ? ' offload' : ''}` : undefined;
}

export const optimName = (v: OptimizerKind) => HF_OPTIM[v] ?? `${v} has no TrainingArguments optim name (SGD with momentum needs optim="sgd" and optim_args)`;

/** HfArgumentParser / `trl … --config` YAML: TrainingArguments keys, and TRL's ModelConfig keys for TRL files. */
export const HF_WRITES: ConfigWrites = {
  microBatch: (c) => [{ key: 'per_device_train_batch_size', value: c.value, field: 'microBatch' }],
  gradAccumulation: (c) => [{ key: 'gradient_accumulation_steps', value: c.value, field: 'gradAccumulation' }],
  seqLen: (c, x) =>
    x.trl || x.has('max_length')
      ? [{ key: 'max_length', value: c.value, field: 'seqLen' }]
      : 'plain TrainingArguments have no sequence length: set it where the data is tokenized',
  gradientCheckpointing: (c) => [{ key: 'gradient_checkpointing', value: c.value, field: 'gradientCheckpointing' }],
  optimizer: (c) => {
    const name = optimName(c.value);
    return HF_OPTIM[c.value] ? [{ key: 'optim', value: name, field: 'optimizer' }] : name;
  },
  loss: (c) =>
    c.value === 'fused_linear'
      ? [{ key: 'use_liger_kernel', value: true, field: 'liger' }]
      : c.value === 'standard'
        ? [{ key: 'use_liger_kernel', value: false, field: 'liger' }]
        : 'chunked cross-entropy has no TrainingArguments key',
  attention: (c, x) =>
    x.trl
      ? [{ key: 'attn_implementation', value: c.value, field: 'attention' }]
      : 'plain TrainingArguments do not load the model: set attn_implementation where it is loaded',
  sharding: (c, x) => {
    const opts = hfFsdpOptions(c.value, false);
    if (opts) return [{ key: 'fsdp', value: opts, field: 'fsdp' }];
    if (c.value === 'ddp' || c.value === 'none') return x.has('fsdp') ? [{ key: 'fsdp', value: '', field: 'fsdp' }] : [];
    return `DeepSpeed ${c.value.replace('zero', 'ZeRO-')} needs a DeepSpeed config file: write one and set deepspeed: <file>.json`;
  },
  precomputeRef: (c) => [{ key: 'precompute_ref_log_probs', value: c.value, field: 'precomputeRef' }],
  numGenerations: (c) => [{ key: 'num_generations', value: c.value, field: 'numGenerations' }],
  vllmSleep: (c) => [{ key: 'vllm_enable_sleep_mode', value: c.value, field: 'vllmSleep' }],
  vllmMemoryUtilization: (c) => [{ key: 'vllm_gpu_memory_utilization', value: Number(c.value.toFixed(2)), field: 'vllmMemoryUtilization' }],
  // TRL's ModelConfig keys; a plain HfArgumentParser file rejects them ("Some keys are not used")
  method: (c, x) =>
    !x.trl
      ? 'plain TrainingArguments have no LoRA keys: add a LoraConfig where the model is loaded'
      : c.value === 'lora'
        ? [{ key: 'use_peft', value: true, field: 'peft' }]
        : [{ key: 'use_peft', value: false, field: 'peft' }],
  loraR: (c, x) => (x.trl ? [{ key: 'lora_r', value: c.value, field: 'loraR' }] : 'plain TrainingArguments have no LoRA keys'),
  loraTargets: (c, x) =>
    x.trl
      ? [{ key: 'lora_target_modules', value: c.value === 'all-linear' ? 'all-linear' : c.value, field: 'loraTargets' }]
      : 'plain TrainingArguments have no LoRA keys',
  loraDropout: (c, x) => (x.trl ? [{ key: 'lora_dropout', value: c.value, field: 'loraDropout' }] : 'plain TrainingArguments have no LoRA keys'),
  quantization: (c, x) =>
    !x.trl
      ? 'plain TrainingArguments do not load the model: set the quantization where it is loaded'
      : c.value === 'nf4'
        ? [{ key: 'load_in_4bit', value: true, field: 'loadIn4bit' }, ...(x.has('bnb_4bit_quant_type') ? [{ key: 'bnb_4bit_quant_type', value: 'nf4' }] : [])]
        : c.value === 'int8'
          ? [
              { key: 'load_in_8bit', value: true, field: 'loadIn8bit' },
              ...(x.has('load_in_4bit') ? [{ key: 'load_in_4bit', value: false, field: 'loadIn4bit' as const }] : []),
            ]
          : [
              ...(x.has('load_in_4bit') ? [{ key: 'load_in_4bit', value: false, field: 'loadIn4bit' as const }] : []),
              ...(x.has('load_in_8bit') ? [{ key: 'load_in_8bit', value: false, field: 'loadIn8bit' as const }] : []),
            ],
};
