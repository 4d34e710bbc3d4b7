// YAML/JSON that HfArgumentParser or TrlParser read into TrainingArguments / SFTConfig / ModelConfig:
// `trl sft --config cfg.yaml`, alignment-handbook and open-r1 recipes, `parser.parse_json_file(...)`.
// Any TrainingArguments key may appear (docs/sources/framework-keys.md §1-2); TRL's ModelConfig adds model and PEFT keys.
import { readDeepSpeedKey, readHfFsdp, setModel } from './common';
import { asBool, ConfigReader } from './reader';
import { litOf } from './tree';
import { HF_TRAINING_ARGS, TRL_LORA, TRL_MODEL_CONFIG } from '../../vocab/dialects/hf';
import { ConfigExtraction } from './types';

export const HF_NOT_MODELLED = [
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
  // SimPO's own trainer (princeton-nlp/SimPO scripts/simpo_config.py: gamma_beta_ratio) and TRL CPOConfig's
  // loss_type "simpo" (simpo_gamma): no reference model, as CPOTrainer
  if (keys.has('beta') && (keys.has('gamma_beta_ratio') || keys.has('simpo_gamma') || keys.has('cpo_alpha'))) return 'CPOConfig';
  if (keys.has('beta') && (keys.has('max_prompt_length') || keys.has('loss_type'))) return 'DPOConfig';
  return undefined;
}

export function extractHfArgs(r: ConfigReader, x: ConfigExtraction, keys: Set<string>): void {
  const hp = r.hp;
  // TrlParser configs carry ModelConfig keys (use_peft, lora_r, load_in_4bit, ...) or TRL-only keys
  const trl = [
    'use_peft',
    'lora_r',
    'lora_target_modules',
    'dataset_name',
    'max_length',
    'max_seq_length',
    'packing',
    'dataset_text_field',
    'use_bnb_nested_quant',
    'completion_only_loss',
    'assistant_only_loss',
    'beta',
    'num_generations',
  ].some((k) => keys.has(k));
  hp.framework = trl ? 'trl' : 'transformers';
  if (trl) hp.argsClass = trlTrainerOf(keys) ?? 'SFTConfig';
  setModel(r, 'model_name_or_path');
  hp.purpose = { value: 'training', reason: trl ? 'TRL script arguments (trl sft --config / TrlParser)' : 'TrainingArguments for HfArgumentParser' };
  if (r.has('do_train') && asBool(litOf(r.entry('do_train')!.value)) === false && (r.has('do_predict') || r.has('do_eval')))
    hp.purpose = { value: 'evaluation', reason: 'do_train: false' };
  // generation, filtering and data-generation configs carry model and sampling keys but no training argument
  else if (!TRAINING_ONLY.some((k) => keys.has(k))) {
    const gen = ['temperature', 'top_p', 'num_generations', 'max_new_tokens', 'max_completion_length', 'pass_rate_min', 'num_return_sequences'].filter((k) =>
      keys.has(k),
    );
    hp.purpose = {
      value: 'inference',
      reason: `no training argument (output_dir, learning_rate, batch size, …)${gen.length ? `; ${gen.slice(0, 3).join(', ')}: a generation or data-filtering config` : ''}`,
    };
  }

  // ---- model and PEFT (TRL ModelConfig, trl/trainer/model_config.py) -----------------------------------
  r.takeAll(TRL_MODEL_CONFIG);
  if (trl) r.impliedDefault('dtype', 'trl.modelDtype', 'TRL ModelConfig default');
  const fa2 = r.entry('use_flash_attention_2');
  r.used.add('use_flash_attention_2');
  if (fa2 && asBool(litOf(fa2.value)) === true)
    r.put('attention', fa2, 'flash_attention_2', 'use_flash_attention_2: true (TRL ModelConfig before attn_implementation)');
  if (trl && hp.loadIn4bit?.value) r.impliedDefault('quantType', 'trl.quantType', 'TRL ModelConfig default');
  if (hp.peft?.value) {
    r.takeAll(TRL_LORA);
    r.impliedDefault('loraR', 'trl.loraR', 'TRL ModelConfig default');
    r.impliedDefault('loraDropout', 'trl.loraDropout', 'TRL ModelConfig default');
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
  gpusFromComments(r);
}

/** Keys only a training run has: a config without any of them generates or filters (open-r1 recipes/dataset_filtering). */
const TRAINING_ONLY = [
  'output_dir',
  'learning_rate',
  'per_device_train_batch_size',
  'gradient_accumulation_steps',
  'num_train_epochs',
  'max_steps',
  'optim',
  'lr_scheduler_type',
  'warmup_ratio',
  'warmup_steps',
  'save_steps',
  'save_strategy',
  'logging_steps',
  'gradient_checkpointing',
  'use_peft',
  'lora_r',
  'do_train',
  'deepspeed',
  'fsdp',
  'bf16',
  'fp16',
  'beta',
  'push_to_hub',
  'hub_model_id',
];

/**
 * The GPU count recipes state in comments ("Config for 1 node of 8 x H100s", "num_gpus * grad_accumulation_steps
 * * per_device_batch_size = 8 * 32 * 4"): assumed, it is what the author ran it on.
 */
function gpusFromComments(r: ConfigReader): void {
  if (r.hp.gpus) return;
  const lines = r.doc.text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const c = /^\s*#\s*(.*)$/.exec(lines[i])?.[1];
    if (!c) continue;
    let n: number | undefined;
    let m: RegExpExecArray | null;
    if ((m = /(\d+)\s*nodes?\s+of\s+(\d+)\s*(?:x|×)?\s*(?:[A-Z][\w-]*|GPUs?)/i.exec(c))) n = Number(m[1]) * Number(m[2]);
    else if ((m = /\b(\d+)\s*(?:x|×)\s*(?:NVIDIA\s+)?(?:H100|H200|H800|A100|A800|A10G?|L40S?|L4|B200|GB200|V100|T4|MI\d+X?|RTX\s*\w+|GPUs?)\b/i.exec(c)))
      n = Number(m[1]);
    else if ((m = /\b(\d+)\s+GPUs\b/i.exec(c))) n = Number(m[1]);
    else if ((m = /\b(?:num_gpus|n_gpus|world_size)\b((?:\s*\*\s*\w+)*)\s*=\s*(\d+)(?:\s*\*\s*\d+)*/i.exec(c))) n = Number(m[2]);
    if (!n || n < 1 || n > 4096) continue;
    const span = r.doc.lines.span(
      r.doc.text
        .split('\n')
        .slice(0, i)
        .reduce((a, l) => a + l.length + 1, 0),
      r.doc.text
        .split('\n')
        .slice(0, i)
        .reduce((a, l) => a + l.length + 1, 0) + lines[i].length,
    );
    r.hp.gpus = { value: n, span, valueSpan: span, how: `the comment on line ${i + 1}: "${c.trim().slice(0, 80)}"`, assumed: true };
    return;
  }
}

export function looksLikeHfArgs(keys: Set<string>): boolean {
  if (!keys.has('model_name_or_path') && !keys.has('output_dir')) return false;
  return [
    'per_device_train_batch_size',
    'gradient_accumulation_steps',
    'learning_rate',
    'num_train_epochs',
    'dataset_name',
    'use_peft',
    'max_length',
    'max_seq_length',
    'optim',
    'bf16',
    'gradient_checkpointing',
    'lora_r',
    'output_dir',
  ].some((k) => keys.has(k));
}
