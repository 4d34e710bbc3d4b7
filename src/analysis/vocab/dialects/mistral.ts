// mistral-finetune YAML (finetune/args.py TrainArgs and LoraArgs, mistralai/mistral-finetune main 2024-2025):
// LoRA on every linear layer of a bf16 model, FSDP across the torchrun processes.
import { key, KeyTable } from '../dialect';
import { asBool, asModelRef, asNumber, asPositiveInt } from '../values';

export const MISTRAL_FINETUNE_KEYS: KeyTable = [
  key('model', 'model_id_or_path', asModelRef),
  key('peft', 'lora.enable', asBool),
  key('loraR', 'lora.rank', asPositiveInt),
  key('loraDropout', 'lora.dropout', asNumber),
  key('seqLen', 'seq_len', asPositiveInt),
  key('microBatch', 'batch_size', asPositiveInt),
  key('gradAccumulation', 'num_microbatches', asPositiveInt),
  key('gradientCheckpointing', 'checkpoint', asBool),
  key('maxSteps', 'max_steps', asPositiveInt),
];
