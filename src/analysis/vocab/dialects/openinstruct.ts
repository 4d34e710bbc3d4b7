// open-instruct YAML (allenai/open-instruct, open_instruct/finetune.py FlatArguments and dpo_tune_cache.py, parsed
// by its HfArgumentParser-based ArgumentParserPlus; e6c3044, 2026): HF TrainingArguments-style batch keys and the
// project's own LoRA/QLoRA switches. The model loads in bf16; LoRA goes on all seven projections.
import { key, KeyTable } from '../dialect';
import { asBool, asModelRef, asNumber, asPositiveInt } from '../values';

export const OPEN_INSTRUCT_KEYS: KeyTable = [
  key('model', 'model_name_or_path', asModelRef),
  key('peft', 'use_lora', asBool),
  key('loadIn4bit', 'use_qlora', asBool),
  key('loraR', 'lora_rank', asPositiveInt),
  key('loraAlpha', 'lora_alpha', asNumber),
  key('loraDropout', 'lora_dropout', asNumber),
  key('seqLen', 'max_seq_length', asPositiveInt),
  key('microBatch', 'per_device_train_batch_size', asPositiveInt),
  key('gradAccumulation', 'gradient_accumulation_steps', asPositiveInt),
  key('gradientCheckpointing', 'gradient_checkpointing', asBool),
  key('numTrainEpochs', 'num_train_epochs', asNumber),
  key('maxSteps', 'max_train_steps', asPositiveInt),
];
