// mistral-finetune YAML (`torchrun -m train example/7B.yaml`): finetune/args.py. LoRA on every linear layer
// (enabled unless lora.enable is false), the model in bf16, FSDP across the processes, AdamW.
import { ConfigReader } from './reader';
import { ConfigExtraction } from './types';
import { MISTRAL_FINETUNE_KEYS } from '../../vocab/dialects/mistral';

export function looksLikeMistralFinetune(keys: Set<string>): boolean {
  return keys.has('model_id_or_path') && ['seq_len', 'lora', 'num_microbatches', 'run_dir', 'save_adapters', 'ckpt_freq'].some((k) => keys.has(k));
}

export function extractMistralFinetune(r: ConfigReader, x: ConfigExtraction): void {
  void x;
  const hp = r.hp;
  const m = r.begin('mistral-finetune', 'a mistral-finetune config (torchrun -m train)', MISTRAL_FINETUNE_KEYS, 'model_id_or_path');
  if (!hp.model && m)
    hp.unread.push({
      key: 'model',
      span: ConfigReader.spanOf(m),
      reason: 'model_id_or_path is empty (filled in before the run): set it to the downloaded model folder',
    });
  const anchor = r.entry('lora') ?? m;
  const at = anchor ? ConfigReader.spanOf(anchor) : undefined;
  r.implied('peft', true, 'mistral-finetune default lora.enable: true (finetune/args.py LoraArgs)', at);
  if (hp.peft?.value) {
    r.implied('loraR', 16, 'mistral-finetune default lora.rank: 16 (finetune/args.py LoraArgs)', at);
    r.implied('loraTargets', 'all-linear', 'mistral-finetune puts LoRA on every linear layer (finetune/wrapped_model.py)', at);
  }
  r.implied('dtype', 'bfloat16', 'mistral-finetune loads the model in bf16 (finetune/wrapped_model.py param_dtype)', at);
  r.implied('adapterDtype', 'bfloat16', 'mistral-finetune keeps the LoRA weights in the model dtype (bf16)', at);
  r.implied('gradientCheckpointing', true, 'mistral-finetune default checkpoint: true (finetune/args.py)', at);
  r.implied('seqLen', 2048, 'mistral-finetune default seq_len: 2048 (finetune/args.py)', at);
  r.implied('fsdp', 'full_shard', 'mistral-finetune wraps the model in FSDP (finetune/wrapped_model.py)', at);
  r.implied('optimizer', 'adamw_torch', 'mistral-finetune steps torch.optim.AdamW (train.py)', at);
}
