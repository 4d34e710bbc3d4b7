// LLaMA-Factory YAML/JSON: the v0 format (src/llamafactory/hparams/{model,finetuning,data}_args.py, plus
// every HF TrainingArguments key) and the v1 format (src/llamafactory/v1/config/*.py), at ff6d4d1
// (2026-08); key history in docs/sources/framework-keys.md §5. Rules (stage, finetuning_type,
// quantization_bit, flash_attn, pure_bf16, global_batch_size) are in extract/frameworks/llamafactory.ts.
import { inverted, key, KeyTable } from '../dialect';
import { asBool, asNameList, asNumber, asPositiveInt, asString, asTargets } from '../values';
import { HF_TRAINING_ARGS } from './hf';

/** v0: LLaMA-Factory's own keys; the HF TrainingArguments keys come from HF_TRAINING_ARGS. */
export const LLAMA_FACTORY_KEYS: KeyTable = [
  key('rlBeta', 'pref_beta', asNumber),
  key('loraR', 'lora_rank', asPositiveInt),
  key('loraAlpha', 'lora_alpha', asNumber),
  key('loraDropout', 'lora_dropout', asNumber),
  key('loraTargets', ['lora_target', 'oft_target'], asTargets),
  key('modulesToSave', 'additional_target', asNameList),
  key('useDora', 'use_dora', asBool),
  key('seqLen', 'cutoff_len', asPositiveInt),
  key('packing', 'packing', asBool),
  // inverted: checkpointing is on unless disabled (model/model_utils/checkpointing.py)
  key('gradientCheckpointing', 'disable_gradient_checkpointing', inverted(asBool)),
  key('maxCompletionLength', 'max_new_tokens', asPositiveInt),
];

/** The TrainingArguments keys a v0 file carries (its `optim`, batch and precision keys). */
export const LLAMA_FACTORY_HF_KEYS: KeyTable = HF_TRAINING_ARGS.filter((k) =>
  ['microBatch', 'gradAccumulation', 'bf16', 'fp16', 'optimizer', 'torchCompile', 'numTrainEpochs', 'maxSteps'].includes(k.field),
);

export const LLAMA_FACTORY_V1_KEYS: KeyTable = [
  key('loraR', 'peft_config.r', asPositiveInt),
  key('loraAlpha', 'peft_config.lora_alpha', asNumber),
  key('loraDropout', 'peft_config.lora_dropout', asNumber),
  key('loraTargets', 'peft_config.target_modules', asTargets),
  key('microBatch', 'micro_batch_size', asPositiveInt),
  key('seqLen', 'cutoff_len', asPositiveInt),
  key('bf16', 'bf16', asBool),
  key('gradientCheckpointing', 'enable_activation_checkpointing', asBool),
  key('optimizer', 'optim_config.name', asString),
];
