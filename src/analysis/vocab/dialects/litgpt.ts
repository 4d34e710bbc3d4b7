// LitGPT configs (`litgpt finetune_lora|finetune_full|finetune_adapter|finetune|pretrain --config x.yaml`),
// the arguments of litgpt/finetune/*.py setup() and litgpt/args.py TrainArgs, at Lightning-AI/litgpt main
// (2025). `precision` is Lightning's (bf16-true: pure bf16, bf16-mixed: fp32 weights under autocast);
// `quantize: bnb.nf4` loads the base with bitsandbytes. Rules (targets from the lora_* flags, accumulation
// from global_batch_size) are in extract/frameworks/litgpt.ts.
import { key, KeyTable } from '../dialect';
import {
  asBool,
  asLitDoubleQuant,
  asLitQuant4bit,
  asLitQuant8bit,
  asLitQuantType,
  asModelRef,
  asNumber,
  asOptimizerClass,
  asPositiveInt,
  asPrecisionBf16,
  asPrecisionDtype,
  asPrecisionFp16,
} from '../values';

export const LITGPT_KEYS: KeyTable = [
  // finetune: checkpoint_dir (a local LitGPT checkpoint); pretrain: model_name (a litgpt.Config name) or initial_checkpoint_dir
  key('model', ['checkpoint_dir', 'model_name', 'initial_checkpoint_dir'], asModelRef),
  key('dtype', 'precision', asPrecisionDtype),
  key('bf16', 'precision', asPrecisionBf16),
  key('fp16', 'precision', asPrecisionFp16),
  key('loadIn4bit', 'quantize', asLitQuant4bit),
  key('loadIn8bit', 'quantize', asLitQuant8bit),
  key('quantType', 'quantize', asLitQuantType),
  key('doubleQuant', 'quantize', asLitDoubleQuant),
  key('loraR', 'lora_r', asPositiveInt),
  key('loraAlpha', 'lora_alpha', asNumber),
  key('loraDropout', 'lora_dropout', asNumber),
  key('microBatch', 'train.micro_batch_size', asPositiveInt),
  key('seqLen', 'train.max_seq_length', asPositiveInt),
  key('maxSteps', 'train.max_steps', asPositiveInt),
  key('numTrainEpochs', 'train.epochs', asNumber),
  key('optimizer', ['optimizer.class_path', 'optimizer'], asOptimizerClass),
  key('torchCompile', 'compile', asBool),
];

/** lora_* switches of litgpt/lora.py Config -> the projections they adapt (LitGPT's fused qkv counts as q/k/v). */
export const LITGPT_LORA_TARGETS: Record<string, string[]> = {
  lora_query: ['q_proj'],
  lora_key: ['k_proj'],
  lora_value: ['v_proj'],
  lora_projection: ['o_proj'],
  lora_mlp: ['gate_proj', 'up_proj', 'down_proj'],
  lora_head: ['lm_head'],
};

/** LitGPT's defaults for the switches (litgpt/finetune/lora.py setup): query and value on. */
export const LITGPT_LORA_DEFAULTS: Record<string, boolean> = {
  lora_query: true,
  lora_key: false,
  lora_value: true,
  lora_projection: false,
  lora_mlp: false,
  lora_head: false,
};
