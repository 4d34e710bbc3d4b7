// open-instruct training YAML (`accelerate launch open_instruct/finetune.py configs/train_configs/sft/x.yaml`):
// open_instruct/finetune.py (FlatArguments; model and QLoRA set-up in main()) at allenai/open-instruct e6c3044.
import { ConfigReader } from './reader';
import { OPEN_INSTRUCT_KEYS } from '../../vocab/dialects/openinstruct';
import { defaultReason } from '../../vocab/defaults';

/** FlatArguments keys no other format uses, beside model_name_or_path; LLaMA-Factory's own keys rule it out. */
export function looksLikeOpenInstruct(keys: Set<string>): boolean {
  if (!keys.has('model_name_or_path') || ['stage', 'finetuning_type', 'template', 'cutoff_len'].some((k) => keys.has(k))) return false;
  // `dataset_mixer` alone is not enough: the alignment-handbook's TRL recipes (H4ArgumentParser) use it too
  return ['use_lora', 'use_qlora', 'use_flash_attn', 'with_tracking', 'checkpointing_steps', 'dataset_mixer_list', 'use_slow_tokenizer'].some((k) =>
    keys.has(k),
  );
}

export function extractOpenInstruct(r: ConfigReader): void {
  const hp = r.hp;
  const m = r.begin(
    'open-instruct',
    'an open-instruct training config (open_instruct/finetune.py or dpo_tune_cache.py)',
    OPEN_INSTRUCT_KEYS,
    'model_name_or_path',
  );
  const at = m ? ConfigReader.spanOf(m) : undefined;
  r.implied('dtype', 'bfloat16', 'open-instruct loads the model with dtype=torch.bfloat16 (finetune.py main)', at);
  if (hp.loadIn4bit?.value) {
    // finetune.py: BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_use_double_quant=True, bnb_4bit_quant_type="nf4")
    r.implied('quantType', 'nf4', 'open-instruct use_qlora: bnb_4bit_quant_type="nf4" (finetune.py)', hp.loadIn4bit.span);
    r.implied('doubleQuant', true, 'open-instruct use_qlora: bnb_4bit_use_double_quant=True (finetune.py)', hp.loadIn4bit.span);
    r.implied('kbitPrep', true, 'open-instruct use_qlora: prepare_model_for_kbit_training (finetune.py)', hp.loadIn4bit.span);
  }
  if (hp.peft?.value) {
    r.impliedDefault('loraR', 'open-instruct.loraR', undefined, hp.peft.span);
    r.impliedDefault('loraDropout', 'open-instruct.loraDropout', undefined, hp.peft.span);
    r.implied(
      'loraTargets',
      ['q_proj', 'o_proj', 'v_proj', 'k_proj', 'gate_proj', 'up_proj', 'down_proj'],
      'open-instruct puts LoRA on the seven projections (finetune.py LoraConfig target_modules)',
      hp.peft.span,
    );
  } else if (hp.loadIn4bit?.value) delete hp.loadIn4bit; // QLoRA only takes effect with use_lora (finetune.py)
  r.implied('attention', 'flash_attention_2', defaultReason('open-instruct.flashAttn'), at);
  // dpo_tune_cache.py configs carry the preference loss: its reference log-probs are computed once before training
  // and cached (dpo_utils.build_reference_logprobs_cache); SimPO needs no reference at all
  const loss = r.entry('loss_type') ?? r.entry('dpo_loss_type');
  const beta = r.entry('beta') ?? r.entry('dpo_beta');
  if (loss || beta) {
    const lossName = loss?.value.kind === 'scalar' ? String(loss.value.value) : 'dpo';
    hp.trainerClass = /simpo/i.test(lossName) ? 'CPOTrainer' : 'DPOTrainer';
    for (const k of ['loss_type', 'dpo_loss_type', 'beta', 'dpo_beta']) if (r.entry(k)) r.used.add(k);
    if (!/simpo/i.test(lossName))
      r.implied(
        'precomputeRef',
        true,
        'open-instruct dpo_tune_cache.py caches the reference log-probs before training (dpo_utils.build_reference_logprobs_cache)',
        at,
      );
  }
}
