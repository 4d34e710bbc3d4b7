// LLaMA-Factory YAML/JSON: the v0 format (src/llamafactory/hparams/{model,finetuning,data}_args.py, plus
// every HF TrainingArguments key) and the v1 format (src/llamafactory/v1/config/*.py), at ff6d4d1
// (2026-08); key history in docs/sources/framework-keys.md §5. Rules (stage, finetuning_type,
// quantization_bit, flash_attn, pure_bf16, global_batch_size) are in extract/frameworks/llamafactory.ts.
import { ConfigWrites, inverted, key, KeyTable, KeyWrite } from '../dialect';
import { LORA_RECIPE } from '../changes';
import type { AttentionImpl, OptimizerKind } from '../../memory/setup';
import { asBool, asNameList, asNumber, asPositiveInt, asString, asTargets } from '../values';
import { HF_OPTIM, HF_TRAINING_ARGS } from './hf';

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

/**
 * Optimizer switches (hparams/finetuning_args.py): each replaces `optim` when true, by the optimizer name it
 * stands for. Adam-mini keeps one second moment per parameter block; GaLore / APOLLO project the states to a
 * low rank; BAdam updates one block at a time. The plan maps names it has no kind for to the closest kind.
 */
export const LLAMA_FACTORY_OPTIMIZER_SWITCHES: KeyTable = [
  key('optimizer', 'use_adam_mini', (v) => (v === true ? 'adam_mini' : undefined)),
  key('optimizer', 'use_galore', (v) => (v === true ? 'galore_adamw' : undefined)),
  key('optimizer', 'use_apollo', (v) => (v === true ? 'apollo_adamw' : undefined)),
  key('optimizer', 'use_badam', (v) => (v === true ? 'badam' : undefined)),
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

// ---- writing ----------------------------------------------------------------------------------------

const lfLora: KeyWrite[] = [
  { key: 'lora_rank', value: LORA_RECIPE.r, field: 'loraR' },
  { key: 'lora_alpha', value: LORA_RECIPE.alpha, field: 'loraAlpha' },
  { key: 'lora_dropout', value: LORA_RECIPE.dropout, field: 'loraDropout' },
  { key: 'lora_target', value: 'all', field: 'loraTargets' },
];

// flash_attn: auto | disabled | sdpa | fa2 | fa3 (hparams/model_args.py AttentionFunction)
const LF_ATTENTION: Record<AttentionImpl, string> = { eager: 'disabled', sdpa: 'sdpa', flash_attention_2: 'fa2' };

const optim = (v: OptimizerKind): KeyWrite[] | string => (HF_OPTIM[v] ? [{ key: 'optim', value: HF_OPTIM[v]!, field: 'optimizer' }] : `${v} has no optim name`);

export const LLAMA_FACTORY_WRITES: ConfigWrites = {
  microBatch: (c) => [{ key: 'per_device_train_batch_size', value: c.value, field: 'microBatch' }],
  gradAccumulation: (c) => [{ key: 'gradient_accumulation_steps', value: c.value, field: 'gradAccumulation' }],
  seqLen: (c) => [{ key: 'cutoff_len', value: c.value, field: 'seqLen' }],
  gradientCheckpointing: (c) => [{ key: 'disable_gradient_checkpointing', value: !c.value, field: 'gradientCheckpointing' }],
  optimizer: (c) => optim(c.value),
  attention: (c) => [{ key: 'flash_attn', value: LF_ATTENTION[c.value], field: 'attention' }],
  loss: (c) =>
    c.value === 'fused_linear'
      ? [{ key: 'enable_liger_kernel', value: true, field: 'liger' }]
      : c.value === 'standard'
        ? [{ key: 'enable_liger_kernel', value: false, field: 'liger' }]
        : 'LLaMA-Factory has no chunked cross-entropy key',
  method: (c) => (c.value === 'lora' ? [{ key: 'finetuning_type', value: 'lora' }, ...lfLora] : [{ key: 'finetuning_type', value: 'full' }]),
  loraR: (c) => [{ key: 'lora_rank', value: c.value, field: 'loraR' }],
  loraTargets: (c) => [{ key: 'lora_target', value: c.value === 'all-linear' ? 'all' : c.value.join(','), field: 'loraTargets' }],
  loraDropout: (c) => [{ key: 'lora_dropout', value: c.value, field: 'loraDropout' }],
  quantization: (c, x) =>
    c.value === 'none'
      ? x.has('quantization_bit')
        ? 'remove quantization_bit by hand'
        : []
      : [
          { key: 'quantization_bit', value: c.value === 'nf4' ? 4 : 8, field: c.value === 'nf4' ? 'loadIn4bit' : 'loadIn8bit' },
          ...(x.full ? [{ key: 'finetuning_type', value: 'lora' }, ...lfLora] : []),
        ],
};

/** v1 (examples/v1): nested peft/quant configs; accumulation follows global_batch_size. */
export const LLAMA_FACTORY_V1_WRITES: ConfigWrites = {
  microBatch: (c) => [{ key: 'micro_batch_size', value: c.value, field: 'microBatch' }],
  // v1 derives accumulation from global_batch_size (per data-parallel rank): global = accumulation × micro-batch
  gradAccumulation: (c, x) => [{ key: 'global_batch_size', value: c.value * x.microBatch, field: 'gradAccumulation' }],
  seqLen: (c) => [{ key: 'cutoff_len', value: c.value, field: 'seqLen' }],
  gradientCheckpointing: (c) => [{ key: 'enable_activation_checkpointing', value: c.value, field: 'gradientCheckpointing' }],
  attention: (c) => [{ key: 'flash_attn', value: LF_ATTENTION[c.value], field: 'attention' }],
  method: (c, x) =>
    c.value === 'lora'
      ? x.has('peft_config')
        ? [{ key: 'peft_config.name', value: 'lora' }]
        : [{ key: 'peft_config', value: { name: 'lora', r: LORA_RECIPE.r, lora_alpha: LORA_RECIPE.alpha, target_modules: 'all' } }]
      : 'remove peft_config by hand',
  loraR: (c) => [{ key: 'peft_config.r', value: c.value, field: 'loraR' }],
  loraTargets: (c) => [{ key: 'peft_config.target_modules', value: c.value === 'all-linear' ? 'all' : c.value, field: 'loraTargets' }],
  quantization: (c, x) =>
    c.value === 'none'
      ? x.has('quant_config')
        ? 'remove quant_config by hand'
        : []
      : x.has('quant_config.quantization_bit')
        ? [{ key: 'quant_config.quantization_bit', value: c.value === 'nf4' ? 4 : 8, field: c.value === 'nf4' ? 'loadIn4bit' : 'loadIn8bit' }]
        : x.has('quant_config')
          ? 'quant_config has no quantization_bit: set it by hand'
          : [{ key: 'quant_config', value: { name: 'bnb', quantization_bit: c.value === 'nf4' ? 4 : 8 } }],
};
