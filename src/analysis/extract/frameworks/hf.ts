// YAML/JSON that HfArgumentParser or TrlParser read into TrainingArguments / SFTConfig / ModelConfig:
// `trl sft --config cfg.yaml`, alignment-handbook and open-r1 recipes, `parser.parse_json_file(...)`.
// Any TrainingArguments key may appear (config-keys.md 1-2); TRL's ModelConfig adds model and PEFT keys.
import { asCheckpointing, asTargets, readDeepSpeedKey, readHfFsdp, setModel } from './common';
import { asBool, asDtype, asNameList, asNumber, asPositiveInt, asString, ConfigReader } from './reader';
import { ConfigExtraction } from './types';

export const HF_NOT_MODELLED = [
  'max_prompt_length',
  'num_generations',
  'use_vllm',
  'vllm_gpu_memory_utilization',
  'ref_model_init_kwargs',
  'tensor_parallel_size',
  'context_parallel_size',
  'use_rslora',
  'trainable_token_indices',
  'padding_free',
];

/** TRL configs for trainers beyond SFT, named by keys only they have. */
function trlTrainerOf(keys: Set<string>): string | undefined {
  if (keys.has('num_generations') || keys.has('use_vllm') || keys.has('reward_funcs')) return 'GRPOConfig';
  if (keys.has('beta') && (keys.has('max_prompt_length') || keys.has('loss_type'))) return 'DPOConfig';
  return undefined;
}

export function extractHfArgs(r: ConfigReader, x: ConfigExtraction, keys: Set<string>): void {
  const hp = r.hp;
  // TrlParser configs carry ModelConfig keys (use_peft, lora_r, load_in_4bit, ...) or TRL-only keys
  const trl = ['use_peft', 'lora_r', 'lora_target_modules', 'dataset_name', 'max_length', 'max_seq_length', 'packing', 'dataset_text_field', 'use_bnb_nested_quant', 'completion_only_loss', 'assistant_only_loss', 'beta', 'num_generations'].some((k) => keys.has(k));
  hp.framework = trl ? 'trl' : 'transformers';
  if (trl) hp.argsClass = trlTrainerOf(keys) ?? 'SFTConfig';
  setModel(r, 'model_name_or_path');
  hp.purpose = { value: 'training', reason: trl ? 'TRL script arguments (trl sft --config / TrlParser)' : 'TrainingArguments for HfArgumentParser' };
  if (r.has('do_train') && asBool(r.entry('do_train')!.value) === false && (r.has('do_predict') || r.has('do_eval'))) hp.purpose = { value: 'evaluation', reason: 'do_train: false' };

  // ---- model (TRL ModelConfig, trl/trainer/model_config.py) ------------------------------------------
  r.take('dtype', ['dtype', 'torch_dtype'], asDtype);
  if (trl) r.implied('dtype', 'float32', 'TRL ModelConfig default dtype: "float32" (trl 1.x, config-keys.md 2; torch_dtype=None before)');
  r.take('attention', 'attn_implementation', asString);
  const fa2 = r.entry('use_flash_attention_2');
  r.used.add('use_flash_attention_2');
  if (fa2 && asBool(fa2.value) === true) r.put('attention', fa2, 'flash_attention_2', 'use_flash_attention_2: true (TRL ModelConfig before attn_implementation)');
  r.take('loadIn4bit', 'load_in_4bit', asBool);
  r.take('loadIn8bit', 'load_in_8bit', asBool);
  r.take('quantType', 'bnb_4bit_quant_type', asString);
  if (trl && hp.loadIn4bit?.value) r.implied('quantType', 'nf4', 'TRL ModelConfig default bnb_4bit_quant_type: nf4');
  r.take('doubleQuant', 'use_bnb_nested_quant', asBool);
  const peft = r.entry('use_peft');
  r.used.add('use_peft');
  if (peft && asBool(peft.value) === true) r.put('peft', peft, true, 'TRL use_peft: true');
  if (hp.peft) {
    r.take('loraR', 'lora_r', asPositiveInt);
    r.implied('loraR', 16, 'TRL ModelConfig default lora_r: 16');
    r.take('loraAlpha', 'lora_alpha', asNumber);
    r.take('loraDropout', 'lora_dropout', asNumber);
    r.implied('loraDropout', 0.05, 'TRL ModelConfig default lora_dropout: 0.05');
    r.take('loraTargets', 'lora_target_modules', asTargets);
    r.take('modulesToSave', 'lora_modules_to_save', asNameList);
    r.take('useDora', 'use_dora', asBool);
  }

  // ---- TrainingArguments / SFTConfig --------------------------------------------------------------------
  r.take('microBatch', ['per_device_train_batch_size', 'per_gpu_train_batch_size'], asPositiveInt);
  r.take('gradAccumulation', 'gradient_accumulation_steps', asPositiveInt);
  r.take('gradientCheckpointing', 'gradient_checkpointing', asCheckpointing);
  r.used.add('gradient_checkpointing_kwargs');
  r.take('bf16', 'bf16', asBool);
  r.take('fp16', 'fp16', asBool);
  r.take('optimizer', 'optim', asString);
  const ada = r.entry('adafactor');
  if (ada && asBool(ada.value) === true) r.put('optimizer', ada, 'adafactor', 'TrainingArguments adafactor: true (legacy flag)');
  // max_seq_length: SFTConfig field v0.9-v0.19, alias of max_length from v0.16, removed in v0.20
  r.take('seqLen', ['max_length', 'max_seq_length', 'model_max_length', 'max_seq_len'], asPositiveInt);
  r.take('packing', 'packing', asBool);
  r.take('liger', ['use_liger_kernel', 'use_liger'], asBool);
  if (hp.liger?.value) r.implied('loss', 'fused_linear', 'use_liger_kernel: true (Liger fused linear cross-entropy)', hp.liger.span);
  r.take('torchCompile', 'torch_compile', asBool);
  r.take('activationOffload', 'activation_offloading', asBool);
  readDeepSpeedKey(r, x.links);
  readHfFsdp(r);
  r.noteNotModelled(HF_NOT_MODELLED);
}

export function looksLikeHfArgs(keys: Set<string>): boolean {
  if (!keys.has('model_name_or_path') && !keys.has('output_dir')) return false;
  return ['per_device_train_batch_size', 'gradient_accumulation_steps', 'learning_rate', 'num_train_epochs', 'dataset_name', 'use_peft', 'max_length', 'max_seq_length', 'optim', 'bf16', 'gradient_checkpointing', 'lora_r', 'output_dir'].some((k) => keys.has(k));
}
