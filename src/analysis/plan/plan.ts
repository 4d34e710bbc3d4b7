// Hyperparams (what the file says) -> TrainingPlan (everything the engine needs, each field saying
// whether it was read, defaulted by the framework, or assumed by us, and why).
// Library defaults come from the cited table in src/analysis/vocab/defaults.ts (docs/sources/framework-keys.md).
import { JobPlan, jobSetupOf, planJob } from './job';
import { assume, dflt, dtypeOf, fromDefault, PlanField, read } from './fields';
import { Framework, Hyperparams } from '../extract/hyperparams';
import { ModelSpec } from '../models/spec';
import { defaultReason } from '../vocab/defaults';
import { AttentionImpl, Dtype, LossImpl, Method, OptimizerKind, Quantization, Sharding, TaskSetup, TrainingSetup } from '../memory/setup';

export type { Origin, PlanField } from './fields';

/** Everything the engine needs; preference/RL jobs add the JobPlan fields. */
export interface TrainingPlan extends Partial<JobPlan> {
  method: PlanField<Method>;
  weightDtype: PlanField<Dtype>;
  quantization: PlanField<Quantization>;
  doubleQuant: PlanField<boolean>;
  autocast: PlanField<boolean>;
  kbitUpcast: PlanField<boolean>;
  loraR: PlanField<number>;
  loraTargets: PlanField<string[] | 'all-linear'>;
  loraDropout: PlanField<number>;
  loraDtype: PlanField<Dtype>;
  dora: PlanField<boolean>;
  modulesToSave: PlanField<string[]>;
  /** next-token prediction, or a sequence classifier's head */
  task: PlanField<TaskSetup>;
  optimizer: PlanField<OptimizerKind>;
  microBatch: PlanField<number>;
  seqLen: PlanField<number>;
  /** sequences packed to the full length (or padded to it): else each batch is as long as its longest row */
  packing: PlanField<boolean>;
  gradAccumulation: PlanField<number>;
  gradientCheckpointing: PlanField<boolean>;
  activationOffload: PlanField<boolean>;
  attention: PlanField<AttentionImpl>;
  loss: PlanField<LossImpl>;
  compiled: PlanField<boolean>;
  gpus: PlanField<number>;
  sharding: PlanField<Sharding>;
  offloadOptimizer: PlanField<boolean>;
  offloadParams: PlanField<boolean>;
  optimizerInBackward: PlanField<boolean>;
  /** Unsloth keeps the frozen originals of modules_to_save on the CPU */
  originalsOffloaded?: PlanField<boolean>;
}

export interface PlanContext {
  hp: Hyperparams;
  model: ModelSpec | null;
  /** the checkpoint ships quantized weights (-bnb-4bit ids, config.json quantization_config) */
  preQuantized?: ModelSpec['preQuantized'];
  /** GPU count from settings when neither the file nor a launcher gives one */
  defaultGpus: number;
}

/** HF `optim` names (transformers training_args.py OptimizerNames) -> engine optimizer kinds. */
export function optimizerKind(name: string): OptimizerKind | undefined {
  const n = name.toLowerCase();
  if (/^paged_adamw?_8bit$|^paged_adam_8bit$/.test(n)) return 'paged_adamw_8bit';
  if (/^paged_adamw?(_32bit)?$/.test(n)) return 'paged_adamw_32bit';
  if (/^(adamw|adam)_(bnb_)?8bit$|^adamw_torch_8bit$|^adamw_8bit$/.test(n)) return 'adamw_8bit';
  if (/fused/.test(n)) return 'adamw_fused';
  if (/^adamw(_torch|_hf|_apex_fused|_torch_xla|_torch_npu_fused|_anyprecision)?$|^adam$/.test(n)) return 'adamw';
  if (/adafactor/.test(n)) return 'adafactor';
  if (n === 'sgd') return 'sgd';
  if (n === 'sgd_momentum') return 'sgd_momentum';
  if (/^(paged_)?lion_8bit$/.test(n)) return 'lion_8bit';
  if (/lion/.test(n)) return 'lion';
  return undefined;
}

/** PEFT's default LoRA targets per architecture (peft/utils/constants.py TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
function peftDefaultTargets(model: ModelSpec | null): string[] {
  const fam = model?.family ?? 'llama';
  if (fam === 'gpt2') return ['c_attn'];
  if (fam === 'falcon' || fam === 'bloom' || fam === 'gpt_neox') return ['query_key_value'];
  if (fam === 'phi3') return ['qkv_proj'];
  return ['q_proj', 'v_proj'];
}

export function buildPlan(ctx: PlanContext): TrainingPlan {
  const { hp, model } = ctx;
  const fw: Framework = hp.framework;
  const unsloth = fw === 'unsloth';
  // TRL's config defaults (bf16, checkpointing, max_length) apply when the arguments are a TRL config,
  // or when a TRL trainer builds its own; SFTTrainer given TrainingArguments converts them with
  // args.to_dict(), so the TrainingArguments defaults apply (trl sft_trainer.py).
  const trl = hp.argsClass ? /Config$/.test(hp.argsClass) : fw === 'trl' || unsloth;
  const trlTrainer = hp.trainerClass ? !/^(Trainer|Seq2SeqTrainer)$/.test(hp.trainerClass) : fw === 'trl' || unsloth;

  // ---- quantization ---------------------------------------------------------------------------
  let quantization: PlanField<Quantization>;
  let doubleQuant: PlanField<boolean> = fromDefault('bitsandbytes.doubleQuant', 'BitsAndBytesConfig default');
  const quantType = hp.quantType?.value?.toLowerCase();
  if (ctx.preQuantized === 'mxfp4' || ctx.preQuantized === 'fp8') {
    // transformers dequantizes MXFP4 / FP8 checkpoints to bf16 for training (Mxfp4Config(dequantize=True) in
    // the gpt-oss fine-tuning recipes; FineGrainedFP8 keeps no trainable fp8 path): sized as 16-bit weights
    quantization = dflt(
      'none',
      `the checkpoint ${hp.model?.value ?? ''} ships ${ctx.preQuantized} weights, which transformers dequantizes to bf16 for training`,
    );
  } else if (ctx.preQuantized) {
    const q: Quantization =
      ctx.preQuantized === 'bnb-int8' ? 'int8' : ctx.preQuantized === 'gptq-int4' ? 'gptq-int4' : ctx.preQuantized === 'awq-int4' ? 'awq-int4' : 'nf4';
    quantization = hp.model ? read(hp.model, q) : dflt(q, 'the checkpoint ships quantized weights');
    quantization.reason = `the checkpoint ${hp.model?.value ?? ''} ships ${ctx.preQuantized} weights`;
    if (q === 'nf4') doubleQuant = dflt(true, 'pre-quantized bnb-4bit uploads use double quantization (Unsloth/TheBloke convention)');
  } else if (hp.loadIn4bit?.value) {
    const q: Quantization = quantType === 'nf4' ? 'nf4' : 'fp4';
    quantization = read(hp.loadIn4bit, q);
    if (!hp.quantType) quantization.reason += unsloth ? '' : `; ${defaultReason('bitsandbytes.quantType', 'BitsAndBytesConfig default')}`;
    if (unsloth && !hp.quantType) quantization.value = 'nf4';
    // Unsloth builds its own BitsAndBytesConfig(nf4, bnb_4bit_use_double_quant=True) (unsloth/models/llama.py)
    if (unsloth) doubleQuant = fromDefault('unsloth.loadIn4bit', 'Unsloth FastLanguageModel.from_pretrained default', () => true);
  } else if (hp.loadIn8bit?.value) {
    quantization = read(hp.loadIn8bit, 'int8');
  } else if (unsloth && hp.loadIn4bit === undefined && hp.loadIn8bit === undefined) {
    quantization = fromDefault('unsloth.loadIn4bit', 'Unsloth FastLanguageModel.from_pretrained default', () => 'nf4' as const);
    doubleQuant = fromDefault('unsloth.loadIn4bit', 'Unsloth FastLanguageModel.from_pretrained default', () => true);
  } else {
    quantization = hp.loadIn4bit ? read(hp.loadIn4bit, 'none') : dflt('none', 'no quantization_config / load_in_4bit in the file');
  }
  if (hp.doubleQuant) doubleQuant = read(hp.doubleQuant, hp.doubleQuant.value);
  const quantized = quantization.value !== 'none';

  // ---- method ---------------------------------------------------------------------------------
  const peft = hp.peft?.value === true;
  let method: PlanField<Method>;
  if (peft) method = read(hp.peft!, quantized ? (hp.useDora?.value ? 'dora' : 'qlora') : hp.useDora?.value ? 'dora' : 'lora');
  else if (quantized) method = assume('qlora', 'a quantized model can only be trained through adapters: LoRA assumed');
  else if (hp.peft) method = read(hp.peft, 'full');
  else method = dflt('full', 'no LoRA/PEFT config in the file: full fine-tuning');

  // ---- precision ------------------------------------------------------------------------------
  const bf16 = hp.bf16?.value ?? (trl ? !(hp.fp16?.value ?? false) : false);
  const fp16 = hp.fp16?.value ?? false;
  const amp = bf16 || fp16;
  let weightDtype: PlanField<Dtype>;
  const readDtype = dtypeOf(hp.dtype?.value);
  if (hp.dtype && readDtype) weightDtype = read(hp.dtype, readDtype);
  else if (unsloth) weightDtype = fromDefault('unsloth.dtype', 'Unsloth default', () => 'bf16' as const);
  else if (hp.dtype?.value === 'auto' || !hp.dtype) {
    const saved = dtypeOf(model?.savedDtype) ?? 'bf16';
    weightDtype = hp.dtype
      ? read(hp.dtype, saved)
      : dflt(saved, `no dtype= in from_pretrained: transformers v5 loads the checkpoint's saved dtype (${model?.savedDtype ?? 'bfloat16'}); v4 loaded float32`);
  } else weightDtype = assume('bf16', `dtype ${hp.dtype.value} not understood`);
  if (quantized && weightDtype.value === 'fp32' && !hp.dtype) weightDtype = dflt('bf16', 'quantized models compute in bf16 here');
  // HF Trainer hands bf16/fp16 to accelerate, which runs the forward under torch.autocast whatever the
  // weight dtype (accelerate accelerator.py prepare_model); fp32 weights then act as master weights.
  const autocast = amp
    ? (hp.bf16 ?? hp.fp16)
      ? read((hp.bf16 ?? hp.fp16)!, true)
      : fromDefault<boolean>('trl.bf16', 'TRL configs default (autocast)')
    : fw === 'torchtune'
      ? dflt(false, 'torchtune trains in the configured dtype without autocast (no fp32 master copy)')
      : dflt(false, 'no bf16/fp16 mixed precision in the trainer arguments');
  const kbitUpcast =
    quantized && (method.value === 'qlora' || method.value === 'dora')
      ? quantization.value === 'gptq-int4'
        ? dflt(false, "PEFT's prepare_model_for_kbit_training does not upcast GPTQ models (peft/utils/other.py skips quantization_method gptq)")
        : hp.kbitPrep
          ? read(hp.kbitPrep, hp.kbitPrep.value)
          : trlTrainer && !unsloth && peft
            ? dflt(true, "TRL's SFTTrainer calls prepare_model_for_kbit_training on quantized models (fp32 norms, embeddings and head)")
            : dflt(false, unsloth ? 'Unsloth keeps non-quantized params in 16 bit' : 'no prepare_model_for_kbit_training call')
      : dflt(false, 'not a k-bit model');

  // ---- LoRA -----------------------------------------------------------------------------------
  const loraR = hp.loraR
    ? read(hp.loraR, hp.loraR.value)
    : fromDefault<number>(unsloth ? 'unsloth.loraR' : 'peft.loraR', unsloth ? 'Unsloth get_peft_model default' : 'PEFT LoraConfig default');
  const loraTargets = hp.loraTargets
    ? read(hp.loraTargets, hp.loraTargets.value)
    : unsloth
      ? fromDefault<string[] | 'all-linear'>('unsloth.loraTargets', 'Unsloth get_peft_model default')
      : dflt<string[] | 'all-linear'>(peftDefaultTargets(model), 'PEFT default target_modules for this architecture');
  const loraDropout = hp.loraDropout ? read(hp.loraDropout, hp.loraDropout.value) : fromDefault<number>('peft.loraDropout', 'PEFT LoraConfig default');
  const adapterDtype = dtypeOf(hp.adapterDtype?.value);
  const loraDtype =
    hp.adapterDtype && adapterDtype
      ? read(hp.adapterDtype, adapterDtype)
      : unsloth
        ? dflt<Dtype>(weightDtype.value, 'Unsloth keeps adapters in the model dtype')
        : fromDefault<Dtype>('peft.adapterDtype', 'PEFT default', () => 'fp32');
  const dora = hp.useDora ? read(hp.useDora, hp.useDora.value) : fromDefault<boolean>('peft.useDora', 'PEFT LoraConfig default');
  const task: PlanField<TaskSetup> = hp.task
    ? read(hp.task, hp.task.value)
    : dflt({ kind: 'causal-lm', labels: 0 }, 'a causal language model (next-token loss over the vocabulary)');
  // PeftModelForSequenceClassification trains the classifier head as a modules_to_save copy (peft/peft_model.py)
  const seqClsHead = task.value.kind === 'seq-cls' ? ['score'] : [];
  const modulesToSave = hp.modulesToSave
    ? read(hp.modulesToSave, [...new Set([...hp.modulesToSave.value, ...seqClsHead])])
    : seqClsHead.length
      ? dflt<string[]>(seqClsHead, "PEFT trains a sequence classifier's head (score / classifier) as a modules_to_save copy")
      : dflt<string[]>([], 'no modules_to_save');

  // ---- optimizer ------------------------------------------------------------------------------
  let optimizer: PlanField<OptimizerKind>;
  if (hp.optimizer) {
    const k = optimizerKind(hp.optimizer.value);
    optimizer = k ? read(hp.optimizer, k) : assume('adamw', `optimizer "${hp.optimizer.value}" is not modelled yet: AdamW assumed`);
    if (k) optimizer.span = hp.optimizer.span;
  } else optimizer = fromDefault('transformers.optimizer', 'HF Trainer default', () => 'adamw_fused' as const);

  // ---- batch and sequence ---------------------------------------------------------------------
  const microBatch = hp.microBatch ? read(hp.microBatch, hp.microBatch.value) : fromDefault<number>('transformers.microBatch', 'TrainingArguments default');
  const seqLen = hp.seqLen
    ? read(hp.seqLen, hp.seqLen.value)
    : unsloth
      ? fromDefault<number>('unsloth.seqLen', 'Unsloth default')
      : trl || trlTrainer
        ? fromDefault<number>('trl.seqLen', 'TRL SFTConfig default')
        : assume(2048, 'sequence length not set in the file (the tokenizer decides): 2048 assumed');
  const packing = hp.packing
    ? read(hp.packing, hp.packing.value)
    : dflt(false, 'no packing: each batch is padded to its longest sequence, so the length above is a limit the data may stay under');
  const gradAccumulation = hp.gradAccumulation
    ? read(hp.gradAccumulation, hp.gradAccumulation.value)
    : fromDefault<number>('transformers.gradAccumulation', 'TrainingArguments default');

  // ---- activations ----------------------------------------------------------------------------
  let gradientCheckpointing: PlanField<boolean>;
  let activationOffload: PlanField<boolean> = dflt(false, 'no activation offloading');
  const gc = hp.gradientCheckpointing;
  if (gc) {
    const on = gc.value !== false && gc.value !== 'false';
    gradientCheckpointing = read(gc, on);
    if (typeof gc.value === 'string' && /unsloth|offload/i.test(gc.value)) activationOffload = read(gc, true);
  } else if (unsloth) {
    // FastLanguageModel.from_pretrained and get_peft_model default to use_gradient_checkpointing="unsloth"
    // (unsloth/models/loader.py, llama.py): checkpointing with the saved layer inputs offloaded to CPU.
    gradientCheckpointing = fromDefault('unsloth.gradientCheckpointing', 'Unsloth default', () => true);
    activationOffload = dflt(true, 'Unsloth "unsloth" checkpointing offloads the saved layer inputs to CPU');
  } else if (trl) gradientCheckpointing = fromDefault<boolean>('trl.gradientCheckpointing', 'TRL default');
  else gradientCheckpointing = fromDefault<boolean>('transformers.gradientCheckpointing', 'TrainingArguments default');
  if (hp.activationOffload) activationOffload = read(hp.activationOffload, hp.activationOffload.value);
  const attnName = hp.attention?.value ?? '';
  const attention: PlanField<AttentionImpl> = hp.attention
    ? read(hp.attention, attnName === 'eager' ? 'eager' : /flash/.test(attnName) ? 'flash_attention_2' : 'sdpa')
    : fromDefault<AttentionImpl>('transformers.attention', 'transformers default');
  const loss: PlanField<LossImpl> = hp.loss
    ? read(hp.loss, hp.loss.value)
    : hp.liger?.value
      ? read(hp.liger, 'fused_linear')
      : unsloth
        ? dflt('chunked', "Unsloth's fused cross-entropy never upcasts all logits at once")
        : dflt('standard', 'standard cross-entropy on fp32-upcast logits');
  const compiled = hp.torchCompile
    ? read(hp.torchCompile, hp.torchCompile.value)
    : fromDefault<boolean>('transformers.torchCompile', 'TrainingArguments default');

  // ---- distribution ---------------------------------------------------------------------------
  // a guess (a config's header comment) gives way to a GPU count the user set
  const gpus =
    hp.gpus && !(hp.gpus.assumed && ctx.defaultGpus > 1)
      ? read(hp.gpus, hp.gpus.value)
      : dflt(Math.max(1, ctx.defaultGpus), 'GPU count from the vramLens.gpuCount setting');
  let sharding: PlanField<Sharding>;
  let offloadOptimizer: PlanField<boolean> = dflt(false, 'no optimizer offload');
  const ds = hp.deepspeed?.value;
  const fsdp = hp.fsdp?.value;
  if (hp.zeroStage) {
    const st = hp.zeroStage.value;
    sharding = st === 1 || st === 2 || st === 3 ? read(hp.zeroStage, `zero${st}` as Sharding) : read(hp.zeroStage, gpus.value > 1 ? 'ddp' : 'none');
  } else if (ds) {
    const stage = /zero[_-]?3|z3|stage[_-]?3/i.test(ds)
      ? 'zero3'
      : /zero[_-]?1|z1|stage[_-]?1/i.test(ds)
        ? 'zero1'
        : /zero[_-]?2|z2|stage[_-]?2/i.test(ds)
          ? 'zero2'
          : undefined;
    sharding = stage ? read(hp.deepspeed!, stage) : assume('zero2', `DeepSpeed config ${ds} could not be read and its name gives no stage: ZeRO-2 assumed`);
    if (/offload/i.test(ds)) offloadOptimizer = read(hp.deepspeed!, true);
  } else if (fsdp && fsdp.trim()) {
    sharding = read(
      hp.fsdp!,
      /shard_grad_op/i.test(fsdp)
        ? 'fsdp_grad_op'
        : /hybrid_shard/i.test(fsdp)
          ? 'fsdp_hybrid'
          : /no_shard/i.test(fsdp)
            ? gpus.value > 1
              ? 'ddp'
              : 'none'
            : 'fsdp',
    );
    if (/offload/i.test(fsdp)) offloadOptimizer = read(hp.fsdp!, true);
  } else if (gpus.value > 1) sharding = dflt('ddp', 'several GPUs without FSDP/DeepSpeed: data parallel (DDP) replicas');
  else sharding = dflt('none', 'one GPU');
  let offloadParams: PlanField<boolean> = fsdp && /offload/i.test(fsdp) ? read(hp.fsdp!, true) : dflt(false, 'no parameter offload');
  if (hp.offloadOptimizer) offloadOptimizer = read(hp.offloadOptimizer, hp.offloadOptimizer.value);
  if (hp.offloadParams) offloadParams = read(hp.offloadParams, hp.offloadParams.value);
  if (gpus.origin === 'defaulted' && gpus.value === 1 && sharding.value !== 'none' && sharding.value !== 'ddp') {
    gpus.reason += `; the job shards with ${sharding.value} but no launch script says across how many GPUs`;
  }
  const optimizerInBackward = hp.optimizerInBackward
    ? read(hp.optimizerInBackward, hp.optimizerInBackward.value)
    : dflt(false, 'the optimizer steps after the backward pass');
  const originalsOffloaded =
    unsloth && activationOffload.value && modulesToSave.value.some((m) => /embed|lm_head|wte/.test(m))
      ? dflt(true, "Unsloth's offloaded checkpointing moves the frozen originals of trained embeddings to the CPU (unsloth/models/_utils.py)")
      : undefined;

  const job = planJob({
    hp,
    peft: method.value === 'lora' || method.value === 'qlora' || method.value === 'dora',
    unsloth,
    policyDtype: weightDtype.value,
    microBatch: microBatch.value,
    gradAccumulation: gradAccumulation.value,
  });

  return {
    ...(job ?? {}),
    method,
    weightDtype,
    quantization,
    doubleQuant,
    autocast,
    kbitUpcast,
    loraR,
    loraTargets,
    loraDropout,
    loraDtype,
    dora,
    modulesToSave,
    task,
    optimizer,
    microBatch,
    seqLen,
    packing,
    gradAccumulation,
    gradientCheckpointing,
    activationOffload,
    attention,
    loss,
    compiled,
    gpus,
    sharding,
    offloadOptimizer,
    offloadParams,
    optimizerInBackward,
    ...(originalsOffloaded ? { originalsOffloaded } : {}),
  };
}

/** gpuTotalBytes: the target GPU's memory, which a colocated vLLM takes a share of. */
export function setupFromPlan(p: TrainingPlan, gpuTotalBytes?: number): TrainingSetup {
  const usesLora = p.method.value === 'lora' || p.method.value === 'qlora' || p.method.value === 'dora';
  return {
    method: p.method.value,
    weightDtype: p.weightDtype.value,
    quantization: p.quantization.value,
    doubleQuant: p.doubleQuant.value,
    autocast: p.autocast.value,
    kbitUpcast: p.kbitUpcast.value,
    quantSavesInputs: false,
    lora: usesLora
      ? {
          r: p.loraR.value,
          targets: p.loraTargets.value,
          dora: p.dora.value,
          modulesToSave: p.modulesToSave.value,
          dropout: p.loraDropout.value,
          dtype: p.loraDtype.value,
          // Unsloth's offloaded checkpointing moves the frozen originals of trained embeddings to the CPU
          // (unsloth/models/_utils.py offload_input_embeddings / offload_output_embeddings)
          originalsOffloaded: p.originalsOffloaded?.value ?? false,
        }
      : null,
    optimizer: p.optimizer.value,
    optimizerInBackward: p.optimizerInBackward?.value ?? false,
    microBatch: p.microBatch.value,
    seqLen: p.seqLen.value,
    gradAccumulation: p.gradAccumulation.value,
    gradientCheckpointing: p.gradientCheckpointing.value,
    activationOffload: p.activationOffload.value,
    attention: p.attention.value,
    loss: p.loss.value,
    compiled: p.compiled.value,
    gpus: p.gpus.value,
    sharding: p.sharding.value,
    offloadOptimizer: p.offloadOptimizer.value,
    offloadParams: p.offloadParams?.value ?? false,
    gpusPerNode: 8,
    task: p.task?.value ?? { kind: 'causal-lm', labels: 0 },
    job: p.jobKind ? jobSetupOf(p as JobPlan) : null,
    ...(gpuTotalBytes ? { gpuTotalBytes } : {}),
  };
}
