// axolotl YAML (old and current keys). Schema and defaults: axolotl src/axolotl/utils/schemas/*.py,
// utils/config/__init__.py (resolve_dtype) and loaders/model.py (QLoRA BitsAndBytesConfig,
// prepare_model_for_kbit_training), as summarised in docs/sources/framework-keys.md §4.
import { Hyperparams } from '../hyperparams';
import { readDeepSpeedKey, readHfFsdp, setModel } from './common';
import { asBool, asPositiveInt, asString, asNameList, ConfigReader } from './reader';
import { ConfigExtraction } from './types';
import { AXOLOTL_KEYS } from '../../vocab/dialects/axolotl';
import { defaultReason } from '../../vocab/defaults';
import { litOf } from './tree';
import { trainerOfMethod } from '../../vocab/values';

export const AXOLOTL_NOT_MODELLED = [
  'reward_model',
  'process_reward_model',
  'tensor_parallel_size',
  'context_parallel_size',
  'sequence_parallel_degree',
  'expert_parallel_size',
  'dp_shard_size',
  'dp_replicate_size',
  'tiled_mlp',
  'layer_offloading',
  'lora_mlp_kernel',
  'lora_qkv_kernel',
  'lora_o_kernel',
  'lora_target_parameters',
  'unfrozen_parameters',
  'model_quantization_config',
  'gptq',
  'relora_steps',
  'max_packed_sequence_len',
  'qat',
  'fp8',
  'use_kernels',
  'lora_on_cpu',
  'gpu_memory_limit',
  'max_memory',
];

export function extractAxolotl(r: ConfigReader, x: ConfigExtraction): void {
  const hp = r.hp;
  hp.framework = 'axolotl';
  setModel(r, 'base_model');
  r.used.add('base_model_config');
  hp.purpose = { value: 'training', reason: 'an axolotl config (`axolotl train`)' };

  // ---- adapter and quantization -------------------------------------------------------------------
  const adapterEntry = r.entry('adapter');
  r.used.add('adapter');
  const adapter = adapterEntry ? asString(litOf(adapterEntry.value))?.toLowerCase() : undefined;
  if (adapter === 'lora' || adapter === 'qlora') r.put('peft', adapterEntry!, true, `axolotl adapter: ${adapter}`);
  else if (adapter)
    hp.unread.push({ key: 'adapter', span: ConfigReader.spanOf(adapterEntry!), reason: `adapter "${adapter}" is not modelled (LoRA/QLoRA are)` });
  // every key with a plain meaning, from the dialect table; the rules below read the rest
  r.takeAll(AXOLOTL_KEYS);
  if (adapter === 'qlora' && !hp.loadIn4bit)
    r.implied(
      'loadIn4bit',
      true,
      'axolotl adapter: qlora loads the base model in 4 bit (it requires load_in_4bit: true)',
      adapterEntry && ConfigReader.spanOf(adapterEntry),
    );
  if (hp.loadIn4bit?.value) {
    r.impliedDefault('quantType', 'axolotl.quantType', "axolotl's 4-bit BitsAndBytesConfig:");
    r.impliedDefault('doubleQuant', 'axolotl.doubleQuant', "axolotl's 4-bit BitsAndBytesConfig:");
  }

  // ---- preference / RL: `rl:` picks TRL's trainer (axolotl core/builders/rl.py), `trl:` its config ----
  const rl = r.entry('rl');
  r.used.add('rl');
  const rlName = rl ? asString(litOf(rl.value))?.toLowerCase() : undefined;
  const rlTrainer = trainerOfMethod(rlName, ['dpo', 'ipo', 'orpo', 'kto', 'simpo', 'grpo']);
  if (rlTrainer) hp.trainerClass = rlTrainer;
  else if (rlName) (hp.notModelled ??= []).push({ key: 'rl', span: ConfigReader.spanOf(rl!), value: JSON.stringify(rlName) });
  // ---- LoRA ---------------------------------------------------------------------------------------
  const linear = r.entry('lora_target_linear');
  r.used.add('lora_target_linear');
  if (linear && asBool(litOf(linear.value)) === true) {
    r.put('loraTargets', linear, 'all-linear', 'axolotl lora_target_linear: true (every linear layer)');
  }

  // ---- batch, sequence ------------------------------------------------------------------------------
  r.impliedDefault('microBatch', 'axolotl.microBatch');
  const global = r.entry('batch_size');
  if (!hp.gradAccumulation && global) {
    r.used.add('batch_size');
    const g = asPositiveInt(litOf(global.value));
    // axolotl: gradient_accumulation_steps = batch_size // micro_batch_size when only the global size is given
    if (g && hp.microBatch)
      r.put('gradAccumulation', global, Math.max(1, Math.floor(g / hp.microBatch.value)), `axolotl batch_size ${g} // micro_batch_size ${hp.microBatch.value}`);
  }
  r.impliedDefault('seqLen', 'axolotl.seqLen');

  // ---- activations ----------------------------------------------------------------------------------
  r.used.add('gradient_checkpointing_kwargs');
  const ao = r.entry('activation_offloading');
  if (ao) {
    r.used.add('activation_offloading');
    const b = asBool(litOf(ao.value));
    const s = asString(litOf(ao.value));
    // true | "legacy" | "disk" | "hidden_states" all move saved activations off the GPU
    if (b !== undefined || s) r.put('activationOffload', ao, b ?? true, `axolotl activation_offloading: ${s ?? b}`);
  }
  const attn = r.entry('attn_implementation');
  if (attn) r.take('attention', 'attn_implementation', asString);
  else {
    // deprecated booleans (v0.17.0 moved them to attn_implementation)
    for (const [key, impl] of [
      ['flash_attention', 'flash_attention_2'],
      ['sdp_attention', 'sdpa'],
      ['xformers_attention', 'sdpa'],
      ['flex_attention', 'sdpa'],
      ['eager_attention', 'eager'],
    ] as const) {
      const e = r.entry(key);
      if (!e) continue;
      r.used.add(key);
      if (asBool(litOf(e.value)) === true && !hp.attention)
        r.put(
          'attention',
          e,
          impl,
          `axolotl ${key}: true${impl === 'sdpa' && key !== 'sdp_attention' ? ' (memory-efficient attention, counted as SDPA)' : ''}`,
        );
    }
  }
  const plugins = r.entry('plugins');
  r.used.add('plugins');
  const pluginList = plugins ? (asNameList(litOf(plugins.value)) ?? []) : [];
  const cce = pluginList.some((p) => /CutCrossEntropyPlugin/.test(p));
  const liger = pluginList.some((p) => /LigerPlugin/.test(p));
  const cceFlag = r.entry('cut_cross_entropy');
  const ligerFlce = r.entry('liger_fused_linear_cross_entropy');
  const chunked = r.entry('chunked_cross_entropy');
  for (const k of [
    'cut_cross_entropy',
    'liger_fused_linear_cross_entropy',
    'chunked_cross_entropy',
    'liger_rope',
    'liger_rms_norm',
    'liger_glu_activation',
    'liger_layer_norm',
  ])
    r.used.add(k);
  if (cce && (!cceFlag || asBool(litOf(cceFlag.value)) !== false))
    r.put('loss', cceFlag ?? plugins!, 'fused_linear', 'axolotl CutCrossEntropyPlugin (cut_cross_entropy): logits never materialised');
  else if (liger && ligerFlce && asBool(litOf(ligerFlce.value)) === true)
    r.put('loss', ligerFlce, 'fused_linear', 'axolotl LigerPlugin liger_fused_linear_cross_entropy: true');
  else if (chunked && asBool(litOf(chunked.value)) === true) r.put('loss', chunked, 'chunked', 'axolotl chunked_cross_entropy: true');

  // ---- precision: resolve_dtype (utils/config/__init__.py) --------------------------------------------
  const bf16 = r.entry('bf16');
  r.used.add('bf16');
  const bf16Raw = bf16 ? (bf16.value.kind === 'scalar' ? bf16.value.value : undefined) : 'auto';
  const bf16On = bf16Raw === 'auto' || bf16Raw === 'Auto' ? true : bf16 ? asBool(litOf(bf16.value)) : undefined;
  if (bf16 && bf16On !== undefined)
    r.put('bf16', bf16, bf16On, bf16Raw === 'auto' ? 'axolotl bf16: auto (True on Ampere or newer GPUs)' : `axolotl bf16: ${bf16On}`);
  else if (!bf16) r.implied('bf16', true, defaultReason('axolotl.bf16'));
  const pureBf16 = r.entry('bfloat16');
  const pureFp16 = r.entry('float16');
  r.used.add('bfloat16');
  r.used.add('float16');
  if (!hp.dtype) {
    const eightBitAdapter = hp.loadIn8bit?.value && !!hp.peft;
    const bfOn = hp.bf16?.value === true || (pureBf16 && asBool(litOf(pureBf16.value)) === true);
    const fpOn = hp.fp16?.value === true || (pureFp16 && asBool(litOf(pureFp16.value)) === true) || hp.loadIn8bit?.value;
    const dtype = eightBitAdapter ? 'float16' : bfOn ? 'bfloat16' : fpOn ? 'float16' : 'float32';
    const why = eightBitAdapter
      ? 'load_in_8bit with an adapter'
      : bfOn
        ? hp.bf16?.value
          ? 'bf16'
          : 'bfloat16: true'
        : fpOn
          ? 'fp16/float16/load_in_8bit'
          : 'neither bf16 nor fp16';
    const at = (bfOn ? (hp.bf16?.implied ? undefined : hp.bf16?.span) : hp.fp16?.span) ?? undefined;
    r.implied('dtype', dtype, `axolotl loads the model in ${dtype} (resolve_dtype: ${why})`, at);
  }

  // ---- optimizer ------------------------------------------------------------------------------------------
  r.impliedDefault('optimizer', 'axolotl.optimizer');

  // ---- distribution ---------------------------------------------------------------------------------------
  readDeepSpeedKey(r, x.links);
  readHfFsdp(r);

  r.noteNotModelled(AXOLOTL_NOT_MODELLED);
  x.finalize = (h: Hyperparams) => {
    // loaders/model.py _prepare_model_for_quantization: k-bit adapters get prepare_model_for_kbit_training
    // unless FSDP (QLoRA + FSDP) or DeepSpeed ZeRO-3 keep every param in one dtype
    const kbit = (h.loadIn4bit?.value || h.loadIn8bit?.value) && h.peft?.value;
    if (!kbit || h.kbitPrep) return;
    const sharded = (h.fsdp?.value ?? '').trim() !== '' || h.zeroStage?.value === 3;
    const at = adapterEntry ? ConfigReader.spanOf(adapterEntry) : undefined;
    if (sharded) r.implied('kbitPrep', false, 'axolotl skips prepare_model_for_kbit_training under FSDP or ZeRO-3 (loaders/model.py)', at);
    else r.implied('kbitPrep', true, 'axolotl calls prepare_model_for_kbit_training for k-bit adapters: non-quantized params in fp32 (loaders/model.py)', at);
  };
}

export function looksLikeAxolotl(keys: Set<string>): boolean {
  if (keys.has('base_model')) return true;
  const ax = [
    'sequence_len',
    'sample_packing',
    'lora_target_linear',
    'micro_batch_size',
    'adapter',
    'lora_r',
    'datasets',
    'val_set_size',
    'dataset_prepared_path',
  ];
  return ax.filter((k) => keys.has(k)).length >= 3 && !keys.has('cutoff_len');
}
