// verl configs: the FSDP SFT trainer (verl/trainer/config/sft_trainer.yaml, `torchrun -m
// verl.trainer.fsdp_sft_trainer`) and the generation config (verl/trainer/config/generation.yaml), which
// samples with vLLM and does not train.
import { ConfigReader } from './reader';
import { ConfigExtraction } from './types';
import { VERL_SFT_KEYS } from '../../vocab/dialects/verl';
import { CNode, entryAt } from './tree';

export function looksLikeVerl(keys: Set<string>, root: CNode | null): 'verl-sft' | 'verl-generation' | undefined {
  if (entryAt(root, 'model.partial_pretrain') || (entryAt(root, 'data.micro_batch_size_per_gpu') && keys.has('trainer') && keys.has('optim')))
    return 'verl-sft';
  if (keys.has('rollout') && entryAt(root, 'model.path') && !keys.has('actor_rollout_ref') && !keys.has('optim')) return 'verl-generation';
  return undefined;
}

export function extractVerl(r: ConfigReader, x: ConfigExtraction, kind: 'verl-sft' | 'verl-generation'): void {
  void x;
  const hp = r.hp;
  hp.framework = 'verl';
  if (kind === 'verl-generation') {
    hp.purpose = { value: 'inference', reason: 'a verl generation config (rollout with vLLM, no optimizer): it samples, no training' };
    return;
  }
  hp.purpose = { value: 'training', reason: 'a verl SFT trainer config (verl.trainer.fsdp_sft_trainer)' };
  r.takeAll(VERL_SFT_KEYS.filter((k) => !['loraR', 'loraAlpha', 'loraTargets'].includes(k.field)));
  const m = r.entry('model.partial_pretrain') ?? r.entry('model.path');
  if (m && hp.model) hp.modelLoad = m.keySpan;
  if (hp.peft?.value) r.takeAll(VERL_SFT_KEYS.filter((k) => ['loraR', 'loraAlpha', 'loraTargets'].includes(k.field)));
  else for (const k of ['model.lora_rank', 'model.lora_alpha', 'model.target_modules']) r.used.add(k);
  const fsdp = r.entry('model.fsdp_config') ?? m;
  if (fsdp) r.put('fsdp', fsdp, 'full_shard', 'verl fsdp_sft_trainer shards the model with FSDP (model.fsdp_config)');
  const at = m ? ConfigReader.spanOf(m) : undefined;
  // fsdp_sft_trainer.py: the model loads in fp32, FSDP MixedPrecision computes in bf16
  r.implied('dtype', 'float32', 'verl fsdp_sft_trainer loads the model in fp32 and computes in bf16 (FSDP MixedPrecision param_dtype bf16)', at);
  r.implied('bf16', true, 'verl fsdp_sft_trainer computes in bf16 (FSDP MixedPrecision)', at);
  r.implied('optimizer', 'adamw_torch', 'verl fsdp_sft_trainer steps torch.optim.AdamW', at);
  r.impliedDefault('gradientCheckpointing', 'verl.gradientCheckpointing', undefined, at);
}
