// torchtune recipe configs (OmegaConf YAML): builder arguments under `model`, recipe-code defaults read
// with cfg.get (recipes/*.py), at bd2a0fc (2026-04); docs/sources/framework-keys.md §6. The model,
// its size and LoRA/QLoRA come from model._component_ (extract/frameworks/torchtune.ts).
import { key, KeyTable } from '../dialect';
import { asBool, asDtype, asNumber, asPositiveInt } from '../values';

export const TORCHTUNE_KEYS: KeyTable = [
  key('dtype', 'dtype', asDtype),
  key('microBatch', 'batch_size', asPositiveInt),
  key('gradAccumulation', 'gradient_accumulation_steps', asPositiveInt),
  key('packing', 'dataset.packed', asBool),
  key('gradientCheckpointing', 'enable_activation_checkpointing', asBool),
  key('activationOffload', 'enable_activation_offloading', asBool),
  key('optimizerInBackward', 'optimizer_in_bwd', asBool),
  key('numTrainEpochs', 'epochs', asNumber),
  key('maxSteps', 'max_steps_per_epoch', asNumber),
];

/** LoRA builder arguments (torchtune/models/<family>/_model_builders.py). */
export const TORCHTUNE_LORA_KEYS: KeyTable = [
  key('loraR', 'model.lora_rank', asPositiveInt),
  key('loraAlpha', 'model.lora_alpha', asNumber),
  key('loraDropout', 'model.lora_dropout', asNumber),
  key('useDora', 'model.use_dora', asBool),
];

/** tokenizer.max_seq_len: nested, and null means "as long as the data" (read with a rule). */
export const TORCHTUNE_SEQ_LEN = key('seqLen', 'tokenizer.max_seq_len', asPositiveInt);
