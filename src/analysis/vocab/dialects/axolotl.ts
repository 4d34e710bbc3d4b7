// axolotl YAML. Sources: axolotl src/axolotl/utils/schemas/*.py, utils/config/__init__.py (resolve_dtype)
// and loaders/model.py at 067b021 (2026-07); key history in docs/sources/framework-keys.md §4.
// Keys with rules of their own (adapter, lora_target_linear, batch_size, bf16: auto, attention flags,
// plugins, activation_offloading) are read in src/analysis/extract/frameworks/axolotl.ts.
import { key, KeyTable } from '../dialect';
import { asBool, asBoolOrAuto, asCheckpointing, asDtype, asFraction, asNameList, asNumber, asPositiveInt, asString, asTargets } from '../values';

export const AXOLOTL_KEYS: KeyTable = [
  key('loadIn4bit', 'load_in_4bit', asBool),
  key('loadIn8bit', 'load_in_8bit', asBool),
  key('quantType', 'bnb_config_kwargs.bnb_4bit_quant_type', asString),
  key('doubleQuant', 'bnb_config_kwargs.bnb_4bit_use_double_quant', asBool),
  // preference / RL: `trl:` holds TRL's config keys (core/builders/rl.py)
  key('rlBeta', ['rl_beta', 'trl.beta', 'dpo_beta'], asNumber),
  key('numGenerations', 'trl.num_generations', asPositiveInt),
  key('maxCompletionLength', 'trl.max_completion_length', asPositiveInt),
  key('maxPromptLength', ['trl.max_prompt_length', 'max_prompt_len'], asPositiveInt),
  key('useVllm', 'trl.use_vllm', asBool),
  key('vllmMode', 'trl.vllm_mode', asString),
  key('vllmMemoryUtilization', ['trl.vllm_gpu_memory_utilization', 'vllm.gpu_memory_utilization'], asFraction),
  key('vllmSleep', 'trl.vllm_enable_sleep_mode', asBool),
  key('precomputeRef', ['precompute_ref_log_probs', 'trl.precompute_ref_log_probs'], asBool),
  key('loraR', 'lora_r', asPositiveInt),
  key('loraAlpha', 'lora_alpha', asNumber),
  key('loraDropout', 'lora_dropout', asNumber),
  key('loraTargets', 'lora_target_modules', asTargets),
  key('modulesToSave', 'lora_modules_to_save', asNameList),
  key('useDora', 'peft_use_dora', asBool),
  key('microBatch', 'micro_batch_size', asPositiveInt),
  key('gradAccumulation', 'gradient_accumulation_steps', asPositiveInt),
  key('seqLen', 'sequence_len', asPositiveInt),
  key('packing', 'sample_packing', asBool),
  key('gradientCheckpointing', 'gradient_checkpointing', asCheckpointing),
  key('fp16', 'fp16', asBool),
  key('dtype', 'torch_dtype', asDtype),
  key('optimizer', 'optimizer', asString),
  key('torchCompile', 'torch_compile', asBoolOrAuto),
  key('numTrainEpochs', 'num_epochs', asNumber),
  key('maxSteps', 'max_steps', asNumber),
];
