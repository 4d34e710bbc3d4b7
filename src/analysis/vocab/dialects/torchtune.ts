// torchtune recipe configs (OmegaConf YAML): builder arguments under `model`, recipe-code defaults read
// with cfg.get (recipes/*.py), at bd2a0fc (2026-04); docs/sources/framework-keys.md §6. The model,
// its size and LoRA/QLoRA come from model._component_ (extract/frameworks/torchtune.ts).
import { ConfigWrites, key, KeyTable } from '../dialect';
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
// the tokenizer's truncation (torchtune >= 0.2); torchtune 0.1 datasets took it themselves (chat_dataset(max_seq_len=…))
export const TORCHTUNE_SEQ_LEN = key('seqLen', ['tokenizer.max_seq_len', 'dataset.max_seq_len'], asPositiveInt);

// ---- writing: plain keys only; model builders and components are changed by hand ---------------------

export const TORCHTUNE_WRITES: ConfigWrites = {
  microBatch: (c) => [{ key: 'batch_size', value: c.value, field: 'microBatch' }],
  gradAccumulation: (c) => [{ key: 'gradient_accumulation_steps', value: c.value, field: 'gradAccumulation' }],
  seqLen: (c, x) =>
    x.has('tokenizer') ? [{ key: 'tokenizer.max_seq_len', value: c.value, field: 'seqLen' }] : 'the config has no tokenizer section to set max_seq_len in',
  gradientCheckpointing: (c) => [{ key: 'enable_activation_checkpointing', value: c.value, field: 'gradientCheckpointing' }],
  loraR: (c, x) =>
    x.has('model.lora_rank') ? [{ key: 'model.lora_rank', value: c.value, field: 'loraR' }] : 'the LoRA builder takes lora_rank under model: set it by hand',
  optimizer: () => 'torchtune names the optimizer by its component path (optimizer._component_): change it by hand',
  method: () => 'torchtune picks full or LoRA training through the model builder (model._component_): change it by hand',
  quantization: () => 'torchtune quantizes through the qlora_* model builder (model._component_): change it by hand',
};
