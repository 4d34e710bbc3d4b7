// ms-swift configs (`swift sft|pt|rlhf --config x.yaml`, `megatron sft --config`): swift/llm/argument/*.py
// and swift/megatron/argument at modelscope/ms-swift main (2025-2026). HF TrainingArguments keys mean
// what they mean there; ms-swift adds the model, tuner and quantization keys.
import { key, KeyTable } from '../dialect';
import { asAdapterType, asBool, asDtype, asModelRef, asNumber, asPositiveInt, asRecompute, asString, asTargets } from '../values';
import { HF_TRAINING_ARGS } from './hf';

export const SWIFT_KEYS: KeyTable = [
  key('model', ['model', 'model_id_or_path'], asModelRef),
  key('dtype', 'torch_dtype', asDtype),
  // train_type: the name before ms-swift 3.x renamed it tuner_type
  key('peft', ['tuner_type', 'train_type', 'sft_type'], asAdapterType),
  key('loraR', 'lora_rank', asPositiveInt),
  key('loraAlpha', 'lora_alpha', asNumber),
  key('loraDropout', 'lora_dropout', asNumber),
  key('loraTargets', ['target_modules', 'lora_target_modules'], asTargets),
  key('useDora', 'use_dora', asBool),
  key('quantType', 'bnb_4bit_quant_type', asString),
  key('doubleQuant', 'bnb_4bit_use_double_quant', asBool),
  key('attention', 'attn_impl', asString),
  // deepspeed: a preset name (zero2, zero3_offload) is read with asSwiftZeroStage / asSwiftZeroOffload by the reader,
  // a config file is followed as a link (frameworks/swift.ts)
  key('packing', 'packing', asBool),
  // Megatron-SWIFT
  key('microBatch', 'micro_batch_size', asPositiveInt),
  key('gradientCheckpointing', 'recompute_granularity', asRecompute),
  key('gpus', 'device_groups.nproc_per_node', asPositiveInt),
  ...HF_TRAINING_ARGS.filter((k) => k.field !== 'deepspeed'),
];
