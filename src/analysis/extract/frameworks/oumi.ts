// oumi training configs (`oumi train -c train.yaml`): model, training, peft, fsdp and deepspeed sections
// (oumi src/oumi/core/configs/params/*.py); the values pass to transformers, PEFT, bitsandbytes and TRL.
import { ConfigReader } from './reader';
import { ConfigExtraction } from './types';
import { CNode, entryAt } from './tree';
import { OUMI_KEYS, OUMI_TRAINERS } from '../../vocab/dialects/oumi';
import { asBool, asPositiveInt, asString } from './reader';
import { fsdpStrategyName } from '../../vocab/values';
import { litOf } from './tree';

export function looksLikeOumi(keys: Set<string>, root: CNode | null): boolean {
  return keys.has('model') && keys.has('training') && !!entryAt(root, 'model.model_name') && (keys.has('data') || keys.has('peft') || keys.has('fsdp'));
}

export function extractOumi(r: ConfigReader, x: ConfigExtraction): void {
  void x;
  const hp = r.hp;
  const m = r.begin('oumi', 'an oumi training config (oumi train -c …)', OUMI_KEYS, 'model.model_name');
  const at = m ? ConfigReader.spanOf(m) : undefined;
  r.impliedDefault('dtype', 'oumi.dtype', undefined, at);
  r.impliedDefault('gradientCheckpointing', 'oumi.gradientCheckpointing', undefined, at);
  // trainer_type picks the trainer (TrainerType.HF, the transformers Trainer, by default: training_params.py)
  const tt = r.entry('training.trainer_type');
  r.used.add('training.trainer_type');
  const type = (tt ? asString(litOf(tt.value)) : undefined)?.toUpperCase() ?? 'HF';
  if (OUMI_TRAINERS[type]) hp.trainerClass = OUMI_TRAINERS[type];
  else if (tt) (hp.notModelled ??= []).push({ key: 'training.trainer_type', span: ConfigReader.spanOf(tt), value: JSON.stringify(type) });
  // mixed precision: BF16 / FP16 autocast over the model dtype
  const mp = r.entry('training.mixed_precision_dtype');
  r.used.add('training.mixed_precision_dtype');
  const mpv = mp ? asString(litOf(mp.value))?.toUpperCase() : undefined;
  if (mp && mpv === 'BF16') r.put('bf16', mp, true, 'oumi training.mixed_precision_dtype: BF16');
  else if (mp && mpv === 'FP16') r.put('fp16', mp, true, 'oumi training.mixed_precision_dtype: FP16');
  // QLoRA: peft.q_lora with q_lora_bits (4 by default)
  const q = r.entry('peft.q_lora');
  r.used.add('peft.q_lora');
  if (q && asBool(litOf(q.value)) === true) {
    const bitsEntry = r.entry('peft.q_lora_bits');
    r.used.add('peft.q_lora_bits');
    const bits = bitsEntry ? asPositiveInt(litOf(bitsEntry.value)) : 4;
    if (bits === 8) r.put('loadIn8bit', q, true, 'oumi peft.q_lora with q_lora_bits: 8');
    else r.put('loadIn4bit', q, true, `oumi peft.q_lora${bitsEntry ? ' with q_lora_bits: 4' : ' (q_lora_bits 4 by default)'}`);
    r.implied('kbitPrep', true, 'oumi prepares a k-bit model for training (prepare_model_for_kbit_training) before adding LoRA', ConfigReader.spanOf(q));
  }
  // sharding: fsdp.enable_fsdp with its strategy and CPU offload; deepspeed.enable_deepspeed with its stage
  const fsdp = r.entry('fsdp.enable_fsdp');
  r.used.add('fsdp.enable_fsdp');
  if (fsdp && asBool(litOf(fsdp.value)) === true) {
    const s = r.entry('fsdp.sharding_strategy');
    r.used.add('fsdp.sharding_strategy');
    const name = (s ? fsdpStrategyName(litOf(s.value)) : undefined) ?? 'full_shard';
    r.put(
      'fsdp',
      s ?? fsdp,
      name === 'no_shard' ? '' : name,
      `oumi fsdp.enable_fsdp${s ? ` with sharding_strategy: ${String(litOf(s.value))}` : ' (FULL_SHARD by default)'}`,
    );
    const off = r.entry('fsdp.cpu_offload');
    r.used.add('fsdp.cpu_offload');
    if (off && asBool(litOf(off.value)) === true) {
      r.put('offloadParams', off, true, 'oumi fsdp.cpu_offload: parameters (and their optimizer state) on the CPU');
      r.put('offloadOptimizer', off, true, 'oumi fsdp.cpu_offload: parameters (and their optimizer state) on the CPU');
    }
  }
  const ds = r.entry('deepspeed.enable_deepspeed');
  r.used.add('deepspeed.enable_deepspeed');
  if (ds && asBool(litOf(ds.value)) === true) {
    const st = r.entry('deepspeed.zero_stage');
    r.used.add('deepspeed.zero_stage');
    const m2 = st ? /([0-3])/.exec(String(litOf(st.value))) : null;
    r.put(
      'zeroStage',
      st ?? ds,
      m2 ? Number(m2[1]) : 0,
      `oumi deepspeed${st ? `.zero_stage: ${String(litOf(st.value))}` : '.enable_deepspeed (stage 0 by default)'}`,
    );
    // a DeepSpeed JSON replaces the section's fields (read as a linked config); offload keys are not modelled here
    const path = r.entry('deepspeed.deepspeed_config_path');
    r.used.add('deepspeed.deepspeed_config_path');
    if (path) r.put('deepspeed', path, String(litOf(path.value)), 'oumi deepspeed.deepspeed_config_path');
    r.noteNotModelled(['deepspeed.offload_optimizer', 'deepspeed.offload_param']);
  }
}
