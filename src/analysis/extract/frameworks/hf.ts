// YAML/JSON that HfArgumentParser or TrlParser read into TrainingArguments / SFTConfig / ModelConfig:
// `trl sft --config cfg.yaml`, alignment-handbook and open-r1 recipes, `parser.parse_json_file(...)`.
// Any TrainingArguments key may appear (config-keys.md 1-2); TRL's ModelConfig adds model and PEFT keys.
import { readDeepSpeedKey, readHfFsdp, setModel } from './common';
import { asBool, ConfigReader } from './reader';
import { litOf } from './tree';
import { HF_TRAINING_ARGS, TRL_LORA, TRL_MODEL_CONFIG } from '../../vocab/dialects/hf';
import { defaultReason } from '../../vocab/defaults';
import { ConfigExtraction } from './types';

export const HF_NOT_MODELLED = ['ref_model_init_kwargs', 'tensor_parallel_size', 'context_parallel_size', 'use_rslora', 'trainable_token_indices', 'padding_free'];

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
  if (r.has('do_train') && asBool(litOf(r.entry('do_train')!.value)) === false && (r.has('do_predict') || r.has('do_eval'))) hp.purpose = { value: 'evaluation', reason: 'do_train: false' };

  // ---- model and PEFT (TRL ModelConfig, trl/trainer/model_config.py) -----------------------------------
  r.takeAll(TRL_MODEL_CONFIG);
  if (trl) r.implied('dtype', 'float32', defaultReason('trl.modelDtype', 'TRL ModelConfig default'));
  const fa2 = r.entry('use_flash_attention_2');
  r.used.add('use_flash_attention_2');
  if (fa2 && asBool(litOf(fa2.value)) === true) r.put('attention', fa2, 'flash_attention_2', 'use_flash_attention_2: true (TRL ModelConfig before attn_implementation)');
  if (trl && hp.loadIn4bit?.value) r.implied('quantType', 'nf4', defaultReason('trl.quantType', 'TRL ModelConfig default'));
  if (hp.peft?.value) {
    r.takeAll(TRL_LORA);
    r.implied('loraR', 16, defaultReason('trl.loraR', 'TRL ModelConfig default'));
    r.implied('loraDropout', 0.05, defaultReason('trl.loraDropout', 'TRL ModelConfig default'));
  } else if (hp.peft) delete hp.peft; // use_peft: false trains the full model, as no key does

  // ---- TrainingArguments / TRL configs ----------------------------------------------------------------
  r.takeAll(HF_TRAINING_ARGS.filter((k) => k.field !== 'deepspeed' && k.field !== 'fsdp'));
  r.used.add('gradient_checkpointing_kwargs');
  const ada = r.entry('adafactor');
  if (ada && asBool(litOf(ada.value)) === true) r.put('optimizer', ada, 'adafactor', 'TrainingArguments adafactor: true (legacy flag)');
  const ligerKey = r.entry('use_liger_kernel') ?? r.entry('use_liger');
  if (hp.liger?.value && ligerKey) r.put('loss', ligerKey, 'fused_linear', 'use_liger_kernel: true (Liger fused linear cross-entropy)');
  readDeepSpeedKey(r, x.links);
  readHfFsdp(r);
  r.noteNotModelled(HF_NOT_MODELLED);
}

export function looksLikeHfArgs(keys: Set<string>): boolean {
  if (!keys.has('model_name_or_path') && !keys.has('output_dir')) return false;
  return ['per_device_train_batch_size', 'gradient_accumulation_steps', 'learning_rate', 'num_train_epochs', 'dataset_name', 'use_peft', 'max_length', 'max_seq_length', 'optim', 'bf16', 'gradient_checkpointing', 'lora_r', 'output_dir'].some((k) => keys.has(k));
}
