// LLaMA-Factory YAML/JSON (llamafactory-cli train|chat|export|eval), v0 format and the v1 format.
// Defaults: src/llamafactory/hparams/{model,finetuning,data}_args.py, model/adapter.py (fp32 upcast of
// trainable params), model/model_utils/{checkpointing,quantization}.py, v1/config/*.py (docs/sources/framework-keys.md §5).
import { Hyperparams } from '../hyperparams';
import { readDeepSpeedKey, setModel } from './common';
import { asBool, asPositiveInt, asString, ConfigReader } from './reader';
import { ConfigExtraction } from './types';
import { LLAMA_FACTORY_HF_KEYS, LLAMA_FACTORY_KEYS, LLAMA_FACTORY_OPTIMIZER_SWITCHES, LLAMA_FACTORY_V1_KEYS } from '../../vocab/dialects/llamafactory';
import { defaultReason } from '../../vocab/defaults';
import { litOf } from './tree';
import { trainerOfMethod } from '../../vocab/values';

export const LLAMA_FACTORY_NOT_MODELLED = [
  'use_muon',
  'use_llama_pro',
  'freeze_trainable_layers',
  'use_unsloth',
  'shift_attn',
  'upcast_layernorm',
  'fp8',
  'use_kt',
  'pissa_init',
  'sequence_parallel_size',
  'per_device_eval_batch_size',
  'mixture_of_depths',
  'quantization_method',
];

const STAGES_TRAINING = /^(sft|pt|rm|ppo|dpo|kto)$/;

export function extractLlamaFactory(r: ConfigReader, x: ConfigExtraction): void {
  const hp = r.hp;
  hp.framework = 'llama-factory';
  setModel(r, 'model_name_or_path');

  // ---- what the file is for: train / predict / export / chat ----------------------------------------
  const doTrain = r.entry('do_train');
  const stage = r.entry('stage');
  const stageName = stage ? asString(litOf(stage.value))?.toLowerCase() : undefined;
  for (const k of ['do_train', 'do_predict', 'do_eval', 'export_dir', 'infer_backend', 'adapter_name_or_path']) r.used.add(k);
  if (r.has('export_dir')) hp.purpose = { value: 'merge', reason: 'export_dir: a LLaMA-Factory export / merge config (llamafactory-cli export)' };
  else if (doTrain && asBool(litOf(doTrain.value)) === true) hp.purpose = { value: 'training', reason: 'do_train: true' };
  else if (r.has('do_predict') && asBool(litOf(r.entry('do_predict')!.value)) === true)
    hp.purpose = { value: 'evaluation', reason: 'do_predict: true (prediction, no training)' };
  else if (r.has('do_eval') && asBool(litOf(r.entry('do_eval')!.value)) === true && !doTrain)
    hp.purpose = { value: 'evaluation', reason: 'do_eval without do_train' };
  else if (r.has('infer_backend') || (!stage && !doTrain))
    hp.purpose = { value: 'inference', reason: 'no stage/do_train: a LLaMA-Factory chat/inference config (llamafactory-cli chat)' };
  else if (stageName && STAGES_TRAINING.test(stageName)) hp.purpose = { value: 'training', reason: `stage: ${stageName}` };
  else hp.purpose = { value: 'training', reason: 'a LLaMA-Factory training config' };
  // stage dpo/kto/ppo run LLaMA-Factory's subclasses of TRL's trainers (train/{dpo,kto,ppo}/trainer.py);
  // pref_loss orpo/simpo use no reference model (hparams/finetuning_args.py use_ref_model).
  const prefEntry = r.entry('pref_loss');
  const prefLoss = prefEntry ? asString(litOf(prefEntry.value))?.toLowerCase() : undefined;
  r.used.add('pref_loss');
  const lfTrainer = trainerOfMethod(stageName === 'dpo' && (prefLoss === 'orpo' || prefLoss === 'simpo') ? prefLoss : stageName, [
    'dpo',
    'orpo',
    'simpo',
    'kto',
    'ppo',
  ]);
  if (lfTrainer) hp.trainerClass = lfTrainer;
  else if (stageName && stageName !== 'sft' && stageName !== 'pt')
    (hp.notModelled ??= []).push({ key: 'stage', span: ConfigReader.spanOf(stage!), value: JSON.stringify(stageName) });
  // every key with a plain meaning, from the dialect tables; the rules below read the rest
  r.takeAll(LLAMA_FACTORY_KEYS);
  // optimizer switches (hparams/finetuning_args.py) replace `optim` (train/trainer_utils.py create_custom_optimizer)
  for (const k of LLAMA_FACTORY_OPTIMIZER_SWITCHES) {
    const e = r.entry(k.keys[0]);
    r.used.add(k.keys[0]);
    if (e && asBool(litOf(e.value)) === true && !hp.optimizer)
      r.put('optimizer', e, (k.convert(true) as string) ?? 'adamw_torch', `LLaMA-Factory ${k.keys[0]}: true`);
  }
  r.takeAll(LLAMA_FACTORY_HF_KEYS);
  if (r.has('ref_model')) r.put('refModel', r.entry('ref_model')!, true, 'LLaMA-Factory ref_model: a separate reference model');

  // ---- method ------------------------------------------------------------------------------------------
  const ft = r.entry('finetuning_type');
  r.used.add('finetuning_type');
  const ftype = ft ? asString(litOf(ft.value))?.toLowerCase() : 'lora';
  if (!ft) r.implied('peft', true, defaultReason('llama-factory.finetuningType'));
  else if (ftype === 'lora') r.put('peft', ft, true, 'LLaMA-Factory finetuning_type: lora');
  else if (ftype === 'oft') {
    r.put('peft', ft, true, 'LLaMA-Factory finetuning_type: oft (estimated as LoRA of the same rank)');
    hp.unread.push({ key: 'finetuning_type', span: ConfigReader.spanOf(ft), reason: 'OFT adapters are estimated as LoRA' });
  } else if (ftype === 'freeze') {
    hp.unread.push({
      key: 'finetuning_type',
      span: ConfigReader.spanOf(ft),
      reason: 'freeze tuning trains only the last layers; estimated as full fine-tuning (an upper bound)',
    });
  } else if (ftype === 'full') r.put('peft', ft, false, 'LLaMA-Factory finetuning_type: full');
  else if (ftype) hp.unread.push({ key: 'finetuning_type', span: ConfigReader.spanOf(ft), reason: `finetuning_type "${ftype}" is not modelled` });

  if (hp.peft) r.impliedDefault('loraR', 'llama-factory.loraR');
  if (hp.peft) r.implied('loraTargets', 'all-linear', defaultReason('llama-factory.loraTargets'));

  // ---- quantization (model_utils/quantization.py) -----------------------------------------------------
  const qb = r.entry('quantization_bit');
  r.used.add('quantization_bit');
  const method = r.entry('quantization_method');
  const methodName = method ? asString(litOf(method.value))?.toLowerCase() : 'bnb';
  if (qb) {
    const bits = asPositiveInt(litOf(qb.value));
    if (bits === 4)
      r.put(
        'loadIn4bit',
        qb,
        true,
        `LLaMA-Factory quantization_bit: 4${methodName && !/^(bnb|bitsandbytes)$/.test(methodName) ? ` (${methodName}, sized as 4-bit)` : ''}`,
      );
    else if (bits === 8)
      r.put(
        'loadIn8bit',
        qb,
        true,
        `LLaMA-Factory quantization_bit: 8${methodName && !/^(bnb|bitsandbytes)$/.test(methodName) ? ` (${methodName}, sized as int8)` : ''}`,
      );
    else if (bits !== undefined) hp.unread.push({ key: 'quantization_bit', span: ConfigReader.spanOf(qb), reason: `${bits}-bit quantization is not modelled` });
    if (method) r.used.add('quantization_method');
  }
  if (hp.loadIn4bit?.value) {
    r.take('quantType', 'quantization_type', asString);
    r.impliedDefault('quantType', 'llama-factory.quantType');
    r.take('doubleQuant', 'double_quantization', asBool);
    r.impliedDefault('doubleQuant', 'llama-factory.doubleQuant');
  }
  // LLaMA-Factory never calls PEFT's prepare_model_for_kbit_training; it upcasts norms only with upcast_layernorm
  if (hp.loadIn4bit?.value || hp.loadIn8bit?.value)
    r.implied(
      'kbitPrep',
      false,
      'LLaMA-Factory keeps non-quantized params in the compute dtype (no prepare_model_for_kbit_training; upcast_layernorm defaults to false)',
    );

  // ---- batch, sequence --------------------------------------------------------------------------------
  r.impliedDefault('seqLen', 'llama-factory.seqLen');
  const neat = r.entry('neat_packing');
  if (neat && asBool(litOf(neat.value)) === true) r.put('packing', neat, true, 'LLaMA-Factory neat_packing: true');
  r.used.add('neat_packing');

  // ---- activations and kernels ---------------------------------------------------------------------------
  r.implied('gradientCheckpointing', true, defaultReason('llama-factory.gradientCheckpointing', 'LLaMA-Factory checkpoints by default:'));
  const ugc = r.entry('use_unsloth_gc');
  r.used.add('use_unsloth_gc');
  if (ugc && asBool(litOf(ugc.value)) === true && hp.gradientCheckpointing?.value)
    r.put('activationOffload', ugc, true, 'LLaMA-Factory use_unsloth_gc: true (checkpoints offloaded to CPU)');
  const fa = r.entry('flash_attn');
  if (fa) {
    r.used.add('flash_attn');
    const v = asString(litOf(fa.value))?.toLowerCase();
    const impl =
      v === 'disabled' || v === 'off' ? 'eager' : v === 'fa2' || v === 'fa3' ? 'flash_attention_2' : v === 'sdpa' || v === 'auto' ? 'sdpa' : undefined;
    if (impl) r.put('attention', fa, impl, `LLaMA-Factory flash_attn: ${v}${v === 'auto' ? ' (SDPA or FlashAttention, same memory)' : ''}`);
  }
  const liger = r.entry('enable_liger_kernel');
  r.used.add('enable_liger_kernel');
  if (liger && asBool(litOf(liger.value)) === true) {
    r.put('liger', liger, true, 'LLaMA-Factory enable_liger_kernel: true');
    r.put('loss', liger, 'fused_linear', 'LLaMA-Factory enable_liger_kernel: true (fused linear cross-entropy)');
  }

  // ---- precision (hparams/parser.py compute_dtype, model/adapter.py) -------------------------------------
  const pure = r.entry('pure_bf16');
  r.used.add('pure_bf16');
  const pureOn = pure ? asBool(litOf(pure.value)) === true : false;
  if (pureOn) {
    r.put('dtype', pure!, 'bfloat16', 'LLaMA-Factory pure_bf16: true (weights and trainable params in bf16, no autocast)');
    r.put('adapterDtype', pure!, 'bfloat16', 'LLaMA-Factory pure_bf16: true keeps adapters in bf16');
  } else if (hp.bf16?.value) r.implied('dtype', 'bfloat16', 'LLaMA-Factory loads the model in the compute dtype (bf16: true)', hp.bf16.span);
  else if (hp.fp16?.value) r.implied('dtype', 'float16', 'LLaMA-Factory loads the model in the compute dtype (fp16: true)', hp.fp16.span);

  readDeepSpeedKey(r, x.links);
  r.noteNotModelled(LLAMA_FACTORY_NOT_MODELLED);

  x.finalize = (h: Hyperparams) => {
    // model/adapter.py init_adapter: trainable params are cast to fp32 unless pure_bf16/BAdam, or (unquantized)
    // under ZeRO-3 or FSDP. For full/freeze tuning that is the whole model: fp32 weights under bf16 autocast.
    const badam = r.entry('use_badam');
    if (pureOn || (badam && asBool(litOf(badam.value)) === true) || !(ftype === 'full' || ftype === 'freeze')) return;
    const quantized = h.loadIn4bit?.value || h.loadIn8bit?.value;
    const sharded = h.zeroStage?.value === 3 || (h.fsdp?.value ?? '').trim() !== '';
    if (!quantized && sharded) return;
    const cur = h.dtype;
    if (cur && !cur.implied) return;
    h.dtype = {
      value: 'float32',
      span: ft ? ConfigReader.spanOf(ft) : r.anchor(),
      valueSpan: ft ? ft.value.span : r.anchor(),
      how: 'LLaMA-Factory casts trainable params to fp32 for full tuning (model/adapter.py cast_trainable_params_to_fp32; not under ZeRO-3/FSDP or pure_bf16)',
      implied: true,
    };
  };
}

/** LLaMA-Factory v1 (examples/v1, src/llamafactory/v1/config/*.py). */
export function extractLlamaFactoryV1(r: ConfigReader, x: ConfigExtraction): void {
  const hp = r.hp;
  hp.framework = 'llama-factory';
  hp.dialect = 'v1';
  setModel(r, 'model');
  r.used.add('model_class');
  if (r.has('export_dir') || r.has('export_size') || r.has('peft_config.export_dir'))
    hp.purpose = { value: 'merge', reason: 'export_dir: a LLaMA-Factory v1 export config' };
  else if (r.has('train_dataset')) hp.purpose = { value: 'training', reason: 'train_dataset: a LLaMA-Factory v1 training config' };
  else hp.purpose = { value: 'inference', reason: 'no train_dataset: a LLaMA-Factory v1 config that does not train' };
  for (const k of ['train_dataset', 'export_dir']) r.used.add(k);

  const pc = r.entry('peft_config.name');
  r.used.add('peft_config.name');
  const pname = pc ? asString(litOf(pc.value))?.toLowerCase() : undefined;
  if (pname === 'lora') r.put('peft', pc!, true, 'LLaMA-Factory v1 peft_config.name: lora');
  else if (pname === 'freeze')
    hp.unread.push({
      key: 'peft_config.name',
      span: ConfigReader.spanOf(pc!),
      reason: 'freeze tuning trains only some layers; estimated as full fine-tuning (an upper bound)',
    });
  else if (pname) hp.unread.push({ key: 'peft_config.name', span: ConfigReader.spanOf(pc!), reason: `peft "${pname}" is not modelled` });
  r.takeAll(LLAMA_FACTORY_V1_KEYS);
  const qc = r.entry('quant_config.quantization_bit');
  r.used.add('quant_config.name');
  if (qc) {
    r.used.add('quant_config.quantization_bit');
    const bits = asPositiveInt(litOf(qc.value));
    if (bits === 4) r.put('loadIn4bit', qc, true, 'LLaMA-Factory v1 quant_config.quantization_bit: 4');
    else if (bits === 8) r.put('loadIn8bit', qc, true, 'LLaMA-Factory v1 quant_config.quantization_bit: 8');
  }
  if (hp.loadIn4bit?.value) {
    r.impliedDefault('quantType', 'llama-factory.quantType');
    r.impliedDefault('doubleQuant', 'llama-factory.doubleQuant');
    r.implied('kbitPrep', false, 'LLaMA-Factory keeps non-quantized params in the compute dtype (no prepare_model_for_kbit_training)');
  }

  r.impliedDefault('microBatch', 'llama-factory-v1.microBatch');
  const gb = r.entry('global_batch_size');
  r.used.add('global_batch_size');
  const g = gb ? asPositiveInt(litOf(gb.value)) : undefined;
  if (g && hp.microBatch) {
    // v1 derives accumulation from the global batch; per GPU that is global / (micro × data-parallel size)
    r.put(
      'gradAccumulation',
      gb!,
      Math.max(1, Math.floor(g / hp.microBatch.value)),
      `LLaMA-Factory v1 global_batch_size ${g} / micro_batch_size ${hp.microBatch.value} (per data-parallel rank)`,
    );
  }
  r.impliedDefault('seqLen', 'llama-factory-v1.seqLen');
  r.impliedDefault('bf16', 'llama-factory-v1.bf16');
  r.impliedDefault('gradientCheckpointing', 'llama-factory-v1.gradientCheckpointing');
  const fa = r.entry('flash_attn');
  if (fa) {
    r.used.add('flash_attn');
    const v = asString(litOf(fa.value))?.toLowerCase();
    const impl = v === 'disabled' || v === 'eager' ? 'eager' : v && /^fa[23]$|flash/.test(v) ? 'flash_attention_2' : 'sdpa';
    r.put('attention', fa, impl, `LLaMA-Factory v1 flash_attn: ${v}`);
  }
  r.impliedDefault('optimizer', 'llama-factory-v1.optimizer');

  const dist = r.entry('dist_config.name');
  r.used.add('dist_config.name');
  const dname = dist ? asString(litOf(dist.value))?.toLowerCase() : undefined;
  if (dname && /^fsdp/.test(dname)) r.put('fsdp', dist!, 'full_shard', `LLaMA-Factory v1 dist_config.name: ${dname} (FSDP2 full shard)`);
  else if (dname === 'deepspeed') readDeepSpeedKey(r, x.links, 'dist_config.config_file');
  const kernel = r.entry('kernel_config.name');
  if (kernel && /liger/i.test(asString(litOf(kernel.value)) ?? ''))
    r.put('loss', kernel, 'fused_linear', `LLaMA-Factory v1 kernel_config.name: ${asString(litOf(kernel.value))} (Liger fused linear cross-entropy)`);
  for (const k of ['dp_size', 'kernel_config.name']) r.used.add(k);
  r.noteNotModelled(['cp_size', 'ep_size', 'tp_size', 'sp_size']);
}

export function looksLikeLlamaFactory(keys: Set<string>): boolean {
  if (!keys.has('model_name_or_path')) return false;
  return [
    'stage',
    'finetuning_type',
    'template',
    'cutoff_len',
    'lora_target',
    'lora_rank',
    'quantization_bit',
    'export_dir',
    'infer_backend',
    'dataset_dir',
    'do_predict',
  ].some((k) => keys.has(k));
}

export function looksLikeLlamaFactoryV1(root: { keys: Set<string>; modelIsString: boolean }): boolean {
  const { keys, modelIsString } = root;
  if (!keys.has('model') || !modelIsString) return false;
  return [
    'model_class',
    'peft_config',
    'dist_config',
    'kernel_config',
    'train_dataset',
    'quant_config',
    'cutoff_len',
    'micro_batch_size',
    'sample_backend',
  ].some((k) => keys.has(k));
}
