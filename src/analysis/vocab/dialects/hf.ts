// Hugging Face TrainingArguments and TRL's trainer configs (SFTConfig, DPOConfig, GRPOConfig, ...): the
// same keys as Python keyword arguments and as HfArgumentParser / `trl … --config` YAML or JSON.
// Sources: transformers src/transformers/training_args.py (4.57 / 5.0); trl trainer/*_config.py and
// trainer/model_config.py at f2cd577 (2026-07); key history in docs/sources/framework-keys.md §1-2.
import { key, KeyTable } from '../dialect';
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
