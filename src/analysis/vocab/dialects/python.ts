// The Python keyword surface of the loaders and adapters: transformers from_pretrained and
// BitsAndBytesConfig, PEFT LoraConfig / prepare_model_for_kbit_training, Unsloth's FastLanguageModel.
// TrainingArguments and TRL configs share the HF dialect (./hf.ts). Sources: transformers
// modeling_utils.py and utils/quantization_config.py (4.57 / 5.0); peft tuners/lora/config.py and
// utils/other.py (5d602fd); unsloth models/loader.py and models/llama.py (015bdef).
import { key, KeyTable } from '../dialect';
import {
  asAdapterType,
  asAdapterType4bit,
  asBool,
  asCheckpointing,
  asDtype,
  asFraction,
  asFsdpStrategy,
  asModelRef,
  asNumber,
  asPeftNames,
  asPeftTargets,
  asPositiveInt,
  asPositiveSwitch,
  asPrecisionBf16,
  asPrecisionDtype,
  asPrecisionFp16,
  asString,
  asTargets,
} from '../values';
import { HF_TRAINING_ARGS, TRL_LORA, TRL_MODEL_CONFIG } from './hf';

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

/** Tokenizer calls that pad or truncate to a fixed length: `tokenizer(text, max_length=N, padding="max_length")`. */
export const PY_TOKENIZER_LENGTH: KeyTable = [key('seqLen', ['max_length', 'max_seq_length'], asPositiveInt)];

/** Dataset builders that cut the corpus into fixed-length samples (TRL's ConstantLengthDataset, packers). */
export const PY_DATASET_LENGTH: KeyTable = [key('seqLen', ['seq_length', 'max_seq_length', 'block_size', 'chunk_length'], asPositiveInt)];

/**
 * Command-line arguments of training scripts: argparse options, HfArgumentParser / TrlParser dataclass
 * fields, fire / fastcore call_parse parameters, and the keys of a launch command or usage example
 * (`--per_device_train_batch_size 2`). TrainingArguments and TRL ModelConfig keys mean what they mean
 * there (HfArgumentParser fills those classes from them); the rest are the names scripts commonly give
 * their own arguments. Read after what the code passes explicitly (a keyword argument wins).
 */
export const PY_SCRIPT_ARGS: KeyTable = [
  key('model', ['model_name_or_path', 'base_model', 'model_id', 'model_name', 'model_path', 'pretrained_model_name_or_path'], asModelRef),
  ...HF_TRAINING_ARGS,
  ...TRL_MODEL_CONFIG,
  ...TRL_LORA,
  key('microBatch', ['micro_batch_size', 'batch_size', 'train_micro_batch_size_per_gpu'], asPositiveInt),
  key('seqLen', ['cutoff_len', 'context_length', 'max_seq_len', 'seq_len', 'seq_length', 'block_size', 'max_len', 'max_source_length'], asPositiveInt),
  key('gradientCheckpointing', ['use_gradient_checkpointing', 'activation_checkpointing'], asCheckpointing),
  key('optimizer', 'optimizer', asString),
  key('peft', ['use_lora', 'lora'], asBool),
  key('peft', ['lora_dim'], asPositiveSwitch),
  key('peft', ['train_type', 'finetuning_type', 'tuner_type'], asAdapterType),
  key('loadIn4bit', ['train_type'], asAdapterType4bit),
  key('loraR', ['lora_rank', 'lora_dim'], asPositiveInt),
  key('loraTargets', ['target_modules'], asTargets),
  key('dtype', 'precision', asPrecisionDtype),
  key('bf16', 'precision', asPrecisionBf16),
  key('fp16', 'precision', asPrecisionFp16),
  key('fsdp', ['sharding_strategy', 'fsdp_sharding_strategy'], asFsdpStrategy),
];

/**
 * Python run configs read as module globals: nanoGPT's train.py defaults and the config files its
 * configurator executes (`python train.py config/finetune_shakespeare.py --batch_size=32`).
 */
export const PY_RUN_CONFIG: KeyTable = [
  key('model', 'init_from', asModelRef),
  // llama-recipes' train_config attributes (batch_size_training) as the notebook sets them
  key('microBatch', ['batch_size', 'batch_size_training', 'micro_batch_size'], asPositiveInt),
  key('gradAccumulation', 'gradient_accumulation_steps', asPositiveInt),
  key('seqLen', ['block_size', 'max_seq_len', 'seq_len', 'max_length', 'max_seq_length', 'context_length'], asPositiveInt),
  key('loraR', 'r', asPositiveInt),
  key('dtype', 'dtype', asDtype),
  key('torchCompile', 'compile', asBool),
  key('maxSteps', 'max_iters', asPositiveInt),
];

/**
 * XTuner configs (mmengine style, `xtuner train config.py`; InternLM/xtuner b934f46): `dict(type=F, …)` is a deferred
 * call of F. The keywords of the objects mmengine's Runner builds: the model wrapper (xtuner/model/sft.py
 * SupervisedFinetune), the dataset (xtuner/dataset/huggingface.py process_hf_dataset), the data loader and the
 * optimizer wrapper (mmengine/optim/optimizer/optimizer_wrapper.py accumulative_counts).
 */
export const XTUNER_MODEL: KeyTable = [key('gradientCheckpointing', 'use_activation_checkpointing', asBool)];
export const XTUNER_DATASET: KeyTable = [key('seqLen', 'max_length', asPositiveInt), key('packing', 'pack_to_max_length', asBool)];
export const MMENGINE_DATALOADER: KeyTable = [key('microBatch', 'batch_size', asPositiveInt)];
export const MMENGINE_OPTIM_WRAPPER: KeyTable = [key('gradAccumulation', 'accumulative_counts', asPositiveInt)];
