// LitGPT configs: `litgpt finetune_lora|finetune_full|finetune_adapter|finetune|pretrain --config x.yaml`.
// Keys from the dialect table (vocab/dialects/litgpt.ts); the rules here: LoRA from the lora_* keys and
// their targets from the lora_query/key/value/projection/mlp/head switches, the GPU count from devices ×
// num_nodes, accumulation from train.global_batch_size / (devices × num_nodes × micro_batch_size)
// (litgpt/args.py TrainArgs.gradient_accumulation_iters), pure or mixed precision from Lightning's name.
import { asBool, asPositiveInt, asString, ConfigReader } from './reader';
import { ConfigExtraction } from './types';
import { LITGPT_KEYS, LITGPT_LORA_DEFAULTS, LITGPT_LORA_TARGETS } from '../../vocab/dialects/litgpt';
import { isMap, litOf } from './tree';
import { CNode } from './tree';

export const LITGPT_NOT_MODELLED = ['train.tie_embeddings', 'adapter_start_layer', 'fsdp', 'strategy'];

export function looksLikeLitgpt(keys: Set<string>, root: CNode | null): boolean {
  const train = isMap(root) ? root.entries.find((e) => e.key === 'train')?.value : undefined;
  const trainKeys = isMap(train) ? new Set(train.entries.map((e) => e.key)) : new Set<string>();
  if (!trainKeys.has('global_batch_size') && !trainKeys.has('micro_batch_size') && !trainKeys.has('lr_warmup_steps')) return false;
  return ['checkpoint_dir', 'model_name', 'initial_checkpoint_dir', 'precision', 'devices', 'out_dir', 'tokenizer_dir'].some((k) => keys.has(k));
}

export function extractLitgpt(r: ConfigReader, x: ConfigExtraction): void {
  void x;
  const hp = r.hp;
  hp.framework = 'litgpt';
  const lora = ['lora_r', 'lora_alpha', 'lora_query', 'lora_key', 'lora_value', 'lora_projection', 'lora_mlp', 'lora_head'].some((k) => r.has(k));
  const adapter = ['adapter_start_layer'].some((k) => r.has(k)) || /adapter/.test(String(litOf(r.entry('out_dir')?.value)));
  const pretrain = r.has('model_name') && !r.has('checkpoint_dir');
  hp.purpose = {
    value: 'training',
    reason: `a LitGPT config (litgpt ${pretrain ? 'pretrain' : lora ? 'finetune_lora' : adapter ? 'finetune_adapter' : 'finetune_full'})`,
  };
  r.takeAll(LITGPT_KEYS.filter((k) => !['quantType', 'doubleQuant', 'loraR', 'loraAlpha', 'loraDropout'].includes(k.field)));
  const model = r.entry('checkpoint_dir') ?? r.entry('model_name') ?? r.entry('initial_checkpoint_dir');
  if (model && hp.model) hp.modelLoad = model.keySpan;
  if (hp.loadIn4bit?.value) r.takeAll(LITGPT_KEYS.filter((k) => k.field === 'quantType' || k.field === 'doubleQuant'));

  // ---- method and adapters ----------------------------------------------------------------------------
  const first = r.entry('lora_r') ?? r.entry('lora_query') ?? r.entry('lora_alpha');
  if (lora && first) {
    r.put('peft', first, true, 'LitGPT lora_* keys: litgpt finetune_lora');
    r.takeAll(LITGPT_KEYS.filter((k) => ['loraR', 'loraAlpha', 'loraDropout'].includes(k.field)));
    r.impliedDefault('loraR', 'litgpt.loraR');
    const targets: string[] = [];
    for (const [k, mods] of Object.entries(LITGPT_LORA_TARGETS)) {
      const e = r.entry(k);
      r.used.add(k);
      const on = e ? asBool(litOf(e.value)) : undefined;
      if (on ?? LITGPT_LORA_DEFAULTS[k]) targets.push(...mods);
    }
    r.put(
      'loraTargets',
      first,
      targets,
      `LitGPT ${
        Object.keys(LITGPT_LORA_TARGETS)
          .filter((k) => r.has(k))
          .join('/') || 'lora_query/lora_value defaults'
      }`,
    );
  } else if (adapter) {
    hp.unread.push({
      key: 'method',
      span: r.anchor(),
      reason: 'LLaMA-Adapter fine-tuning (litgpt finetune_adapter) is estimated as full fine-tuning of the same model (an upper bound)',
    });
  } else if (model) r.put('peft', model, false, pretrain ? 'LitGPT pretrain: every weight trains' : 'LitGPT config without lora_* keys: litgpt finetune_full');

  // ---- precision: Lightning builds the model (adapters too) in the precision's dtype ------------------
  if (hp.dtype && hp.dtype.value !== 'float32')
    r.implied(
      'adapterDtype',
      hp.dtype.value,
      `LitGPT builds every weight in the ${hp.dtype.value} of precision: ${String(litOf(r.entry('precision')?.value))} (adapters too)`,
    );
  if (!r.has('precision'))
    r.implied(
      'dtype',
      'float32',
      'LitGPT without precision: Fabric picks 32-true unless the GPU supports bf16-mixed (litgpt/utils.py get_default_supported_precision)',
    );
  r.implied('gradientCheckpointing', false, 'LitGPT fine-tuning scripts do not checkpoint activations');

  // ---- GPUs and accumulation (litgpt/args.py: gradient_accumulation_iters = global / devices / num_nodes / micro) ----
  const dev = r.entry('devices');
  r.used.add('devices');
  r.used.add('num_nodes');
  const devices = dev ? asPositiveInt(litOf(dev.value)) : 1;
  const nodes = r.has('num_nodes') ? (asPositiveInt(litOf(r.entry('num_nodes')!.value)) ?? 1) : 1;
  if (dev && devices) r.put('gpus', dev, devices * nodes, `LitGPT devices: ${devices}${nodes > 1 ? ` × num_nodes: ${nodes}` : ''}`);
  else if (dev && asString(litOf(dev.value)) === 'auto')
    hp.unread.push({ key: 'devices', span: ConfigReader.spanOf(dev), reason: 'devices: auto uses every visible GPU' });
  const gb = r.entry('train.global_batch_size');
  r.used.add('train.global_batch_size');
  const g = gb ? asPositiveInt(litOf(gb.value)) : undefined;
  if (g && hp.microBatch && (devices || !dev)) {
    const world = (devices ?? 1) * nodes;
    r.put(
      'gradAccumulation',
      gb!,
      Math.max(1, Math.floor(g / world / hp.microBatch.value)),
      `LitGPT train.global_batch_size ${g} / (${world} device${world > 1 ? 's' : ''} × micro_batch_size ${hp.microBatch.value})`,
    );
  }
  r.noteNotModelled(LITGPT_NOT_MODELLED);
}
