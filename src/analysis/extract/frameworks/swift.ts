// ms-swift configs: `swift sft|pt|rlhf --config x.yaml` and Megatron-SWIFT `megatron sft --config x.yaml`
// (swift/llm/argument/*.py, swift/megatron/argument/*.py). LoRA is the default tuner; the DeepSpeed
// presets are named (zero2, zero3_offload); `swift sample` / `swift infer` configs do not train.
import { ConfigReader } from './reader';
import { ConfigExtraction } from './types';
import { SWIFT_KEYS } from '../../vocab/dialects/swift';
import { asPositiveInt, asString } from './reader';
import { readDeepSpeedKey } from './common';
import { litOf } from './tree';
import { asSwiftZeroOffload, asSwiftZeroStage, trainerOfMethod } from '../../vocab/values';
import { defaultReason } from '../../vocab/defaults';

const SWIFT_ONLY = [
  'tuner_type',
  'train_type',
  'sft_type',
  'model_type',
  'attn_impl',
  'split_dataset_ratio',
  'model_author',
  'sampler_type',
  'rlhf_type',
  'quant_bits',
  'use_ray',
  'recompute_granularity',
  'device_groups',
  'infer_backend',
  'dataset_num_proc',
  'load_from_cache_file',
];

export function looksLikeSwift(keys: Set<string>, modelIsString: boolean): boolean {
  if (!modelIsString && !keys.has('model_id_or_path')) return false;
  return SWIFT_ONLY.filter((k) => keys.has(k)).length >= 1 && !keys.has('model_class') && !keys.has('peft_config');
}

export const SWIFT_NOT_MODELLED = [
  'tensor_model_parallel_size',
  'pipeline_model_parallel_size',
  'expert_model_parallel_size',
  'context_parallel_size',
  'sequence_parallel',
  'sequence_parallel_size',
  'freeze_vit',
];

export function extractSwift(r: ConfigReader, x: ConfigExtraction): void {
  const hp = r.hp;
  hp.framework = 'ms-swift';
  const megatron = ['recompute_granularity', 'micro_batch_size', 'global_batch_size', 'tensor_model_parallel_size', 'expert_model_parallel_size'].some((k) =>
    r.has(k),
  );
  for (const k of ['sampler_type', 'infer_backend', 'rlhf_type', 'merge_lora']) r.used.add(k);
  if (r.has('sampler_type'))
    hp.purpose = {
      value: 'inference',
      reason: `an ms-swift sampling config (swift sample, sampler_type: ${String(litOf(r.entry('sampler_type')!.value))}): it generates data, no training`,
    };
  else if (r.has('infer_backend') && !r.has('dataset')) hp.purpose = { value: 'inference', reason: 'an ms-swift inference config (swift infer)' };
  else
    hp.purpose = {
      value: 'training',
      reason: `an ms-swift ${megatron ? 'Megatron-SWIFT (megatron sft)' : 'training'} config${r.has('rlhf_type') ? ` (rlhf_type: ${String(litOf(r.entry('rlhf_type')!.value))})` : ''}`,
    };
  r.takeAll(SWIFT_KEYS);
  const m = r.entry('model') ?? r.entry('model_id_or_path');
  if (m && hp.model) hp.modelLoad = m.keySpan;
  // rlhf_type names the TRL trainer it runs
  const rl = r.has('rlhf_type') ? asString(litOf(r.entry('rlhf_type')!.value))?.toLowerCase() : undefined;
  const rlTrainer = trainerOfMethod(rl, ['dpo', 'orpo', 'simpo', 'cpo', 'kto', 'grpo', 'ppo']);
  if (rlTrainer) hp.trainerClass = rlTrainer;

  const at = m ? ConfigReader.spanOf(m) : undefined;
  r.implied('peft', true, defaultReason('ms-swift.tunerType'), at);
  if (hp.peft?.value) {
    r.impliedDefault('loraR', 'ms-swift.loraR', undefined, at);
    r.impliedDefault('loraTargets', 'ms-swift.loraTargets', undefined, at);
  }
  // quant_bits 4/8 with quant_method bnb (the default for training)
  const qb = r.entry('quant_bits');
  r.used.add('quant_bits');
  const bits = qb ? asPositiveInt(litOf(qb.value)) : undefined;
  if (qb && bits === 4) {
    r.put('loadIn4bit', qb, true, 'ms-swift quant_bits: 4 (bitsandbytes)');
    r.impliedDefault('quantType', 'ms-swift.quantType');
    r.impliedDefault('doubleQuant', 'ms-swift.doubleQuant');
  } else if (qb && bits === 8) r.put('loadIn8bit', qb, true, 'ms-swift quant_bits: 8 (bitsandbytes)');
  // ms-swift trains under bf16/fp16 autocast in the model dtype (swift/llm/argument/train_args.py)
  if (hp.dtype?.value === 'bfloat16') r.implied('bf16', true, 'ms-swift sets bf16 mixed precision from torch_dtype: bfloat16', hp.dtype.span);
  else if (hp.dtype?.value === 'float16') r.implied('fp16', true, 'ms-swift sets fp16 mixed precision from torch_dtype: float16', hp.dtype.span);
  r.impliedDefault('gradientCheckpointing', 'ms-swift.gradientCheckpointing', undefined, at);
  // global_batch_size (Megatron): accumulation per data-parallel rank
  const gb = r.entry('global_batch_size');
  r.used.add('global_batch_size');
  const g = gb ? asPositiveInt(litOf(gb.value)) : undefined;
  if (g && hp.microBatch)
    r.put(
      'gradAccumulation',
      gb!,
      Math.max(1, Math.floor(g / hp.microBatch.value)),
      `Megatron-SWIFT global_batch_size ${g} / micro_batch_size ${hp.microBatch.value} (per data-parallel rank)`,
    );
  // deepspeed: a preset name (read above) or a config file
  const ds = r.entry('deepspeed');
  const dsName = ds ? asString(litOf(ds.value)) : undefined;
  if (ds && dsName && !/^zero[0-3](_offload)?$/i.test(dsName)) readDeepSpeedKey(r, x.links);
  else if (ds) {
    r.used.add('deepspeed');
    const stage = dsName ? asSwiftZeroStage(dsName) : undefined;
    const offload = dsName ? asSwiftZeroOffload(dsName) : undefined;
    if (stage !== undefined) r.put('zeroStage', ds, stage, `ms-swift deepspeed: ${dsName} (preset)`);
    if (offload !== undefined) r.put('offloadOptimizer', ds, offload, `ms-swift deepspeed: ${dsName} (preset)`);
  }
  r.noteNotModelled(SWIFT_NOT_MODELLED);
}
