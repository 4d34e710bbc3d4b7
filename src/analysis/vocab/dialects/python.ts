// The Python keyword surface of the loaders and adapters: transformers from_pretrained and
// BitsAndBytesConfig, PEFT LoraConfig / prepare_model_for_kbit_training, Unsloth's FastLanguageModel.
// TrainingArguments and TRL configs share the HF dialect (./hf.ts). Sources: transformers
// modeling_utils.py and utils/quantization_config.py (4.57 / 5.0); peft tuners/lora/config.py and
// utils/other.py (5d602fd); unsloth models/loader.py and models/llama.py (015bdef).
import { key, KeyTable } from '../dialect';
import { asBool, asCheckpointing, asDtype, asFraction, asNumber, asPeftNames, asPeftTargets, asPositiveInt, asString } from '../values';

/** `*.from_pretrained(...)` of the trained model. */
export const PY_FROM_PRETRAINED: KeyTable = [
  key('dtype', ['dtype', 'torch_dtype'], asDtype),
  key('attention', 'attn_implementation', asString),
  key('loadIn4bit', 'load_in_4bit', asBool),
  key('loadIn8bit', 'load_in_8bit', asBool),
];

/** FastLanguageModel / FastModel.from_pretrained adds these (unsloth/models/loader.py). */
export const PY_UNSLOTH_FROM_PRETRAINED: KeyTable = [
  key('seqLen', 'max_seq_length', asPositiveInt),
  key('fastInference', 'fast_inference', asBool),
  key('vllmMemoryUtilization', 'gpu_memory_utilization', asFraction),
];

/** BitsAndBytesConfig(...) or a quantization_config dict. */
export const PY_BNB: KeyTable = [
  key('loadIn4bit', 'load_in_4bit', asBool),
  key('loadIn8bit', 'load_in_8bit', asBool),
  key('quantType', 'bnb_4bit_quant_type', asString),
  key('doubleQuant', 'bnb_4bit_use_double_quant', asBool),
];

/** LoraConfig(...) and Unsloth's FastLanguageModel.get_peft_model(...). */
export const PY_LORA: KeyTable = [
  key('loraR', 'r', asPositiveInt),
  key('loraAlpha', 'lora_alpha', asNumber),
  key('loraTargets', 'target_modules', asPeftTargets),
  key('loraDropout', 'lora_dropout', asNumber),
  key('useDora', 'use_dora', asBool),
  key('modulesToSave', 'modules_to_save', asPeftNames),
];

/** Unsloth get_peft_model and PEFT prepare_model_for_kbit_training take the checkpointing switch. */
export const PY_CHECKPOINTING: KeyTable = [key('gradientCheckpointing', 'use_gradient_checkpointing', asCheckpointing)];
