// Peak GPU memory per GPU of one training step, assembled from named components.
// Each constant cites its source; see DESIGN.md "The memory model".
import { headDimOf, ModelSpec } from '../models/spec';
import { linearModules, paramBreakdown } from '../models/params';
import { Component, ComponentName } from './component';
import { loraTargets, LoraTargetSummary } from './lora';
import { DTYPE_BYTES, TrainingSetup } from './setup';

export type PeakPhase = 'forward-loss' | 'optimizer-step' | 'generation';

export interface MemoryEstimate {
  /** everything that is on the GPU at the peak (including what is outside PyTorch's allocator) */
  components: Component[];
  /** torch.cuda.max_memory_allocated() at the peak */
  peakAllocatedBytes: number;
  /** torch.cuda.max_memory_reserved(): allocated plus the caching allocator's cached blocks */
  peakReservedBytes: number;
  /** what nvidia-smi shows: reserved + paged optimizer state + CUDA context + NCCL buffers */
  peakDeviceBytes: number;
  /** the device memory the job needs besides the CUDA context (paged state excluded): what the fit verdict compares */
  requiredBytes: number;
  phase: PeakPhase;
  /** the peak of each phase of the step (RL jobs add a generation phase), requiredBytes each */
  phases: { phase: PeakPhase; requiredBytes: number }[];
  params: { total: number; trainable: number; active: number };
  /** host RAM for offloaded state (ZeRO/FSDP offload), per GPU process */
  cpuOffloadBytes: number;
  notes: string[];
}

// bitsandbytes 4-bit: 0.5 byte/param plus one fp32 absmax per 64-value block; double quantization stores
// the absmax in 8 bit with one fp32 constant per 256 blocks (Dettmers et al. 2023, QLoRA, section 3).
const NF4_BYTES = 0.5;
const NF4_CONST_BYTES = 4 / 64;
const NF4_DQ_CONST_BYTES = 1 / 64 + 4 / (64 * 256);
// LLM.int8(): int8 weights with one fp32 scale per output row (Dettmers et al. 2022; bnb Int8Params SCB).
const INT8_BYTES = 1;
// GPTQ/AWQ int4, group size 128: fp16 scale + packed 4-bit zero per group (auto-gptq QuantLinear layout).
const GPTQ_CONST_BYTES = (2 + 0.5) / 128;
// bitsandbytes 8-bit optimizers: two uint8 states plus one fp32 absmax per 2048-value block
// (Dettmers et al. 2021, 8-bit Optimizers via Block-wise Quantization; bnb optim/optimizer.py).
const ADAM8BIT_BYTES = 2 + 8 / 2048;
// CUDA context with lazy module loading, not counted by PyTorch (calibration/README.md: 0.5-1.3 GiB).
export const CUDA_CONTEXT_BYTES = 0.75 * 1024 ** 3;
// NCCL communicator buffers per process for multi-GPU jobs (NCCL_BUFFSIZE 4 MiB x channels x peers;
// NVIDIA NCCL env docs), counted by nvidia-smi only.
const NCCL_BYTES = 0.5 * 1024 ** 3;
// Caching-allocator overhead of reserved over allocated: block rounding (2 MiB / 20 MiB segments,
// c10/cuda/CUDACachingAllocator.cpp) and freed blocks kept for reuse. Calibration group B reports
// reserved, group D allocated; 8% is the middle of the ratios seen where both are known.
const RESERVED_OVER_ALLOCATED = 1.08;
// vLLM asleep still holds its CUDA graphs and buffers outside the sleep allocator (vllm docs
// sleep_mode.md); measured capture deltas up to ~1 GiB (llm-d empirical-vllm-memory-results.md).
const VLLM_ASLEEP_BYTES = 1 * 1024 ** 3;
// FSDP keeps the current and the prefetched unit gathered (torch FSDP backward_prefetch=BACKWARD_PRE).
const FSDP_LIVE_UNITS = 2;

interface Ctx {
  m: ModelSpec;
  s: TrainingSetup;
  lora: LoraTargetSummary | null;
  tokens: number;
  actBytes: number;
}

function add(list: Component[], name: ComponentName, bytes: number, formula: string, inputs: Component['inputs'], pool: Component['pool'] = 'allocator') {
  if (bytes > 0) list.push({ name, bytes, formula, inputs, pool });
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

function shardsWeights(s: TrainingSetup) {
  return s.gpus > 1 && (s.sharding === 'fsdp' || s.sharding === 'fsdp_hybrid' || s.sharding === 'zero3');
}
function shardsGrads(s: TrainingSetup) {
  return s.gpus > 1 && (s.sharding === 'fsdp' || s.sharding === 'fsdp_hybrid' || s.sharding === 'fsdp_grad_op' || s.sharding === 'zero2' || s.sharding === 'zero3');
}
function shardsOptimizer(s: TrainingSetup) {
  return s.gpus > 1 && s.sharding !== 'none' && s.sharding !== 'ddp';
}
/** Ranks that share one copy of the sharded state: all GPUs, or one node under HYBRID_SHARD
 * (torch FSDP ShardingStrategy.HYBRID_SHARD: shard within a node, replicate across nodes). */
function shardGroup(s: TrainingSetup): number {
  return s.sharding === 'fsdp_hybrid' ? Math.max(1, Math.min(s.gpus, s.gpusPerNode)) : Math.max(1, s.gpus);
}
function isDeepSpeed(s: TrainingSetup) {
  return s.sharding === 'zero1' || s.sharding === 'zero2' || s.sharding === 'zero3';
}

/** Bytes per trainable parameter of the optimizer state (before sharding). */
function optimizerBytesPerParam(s: TrainingSetup, paramBytes: number): { bytes: number; paged: boolean; why: string } {
  switch (s.optimizer) {
    case 'adamw':
    case 'adamw_fused':
      // exp_avg and exp_avg_sq are zeros_like(param) (torch/optim/adamw.py); DeepSpeed keeps them fp32.
      return { bytes: 2 * paramBytes, paged: false, why: '2 states × param dtype' };
    case 'adamw_8bit':
      return { bytes: ADAM8BIT_BYTES, paged: false, why: '2 × 8-bit states + block absmax' };
    case 'paged_adamw_8bit':
      return { bytes: ADAM8BIT_BYTES, paged: true, why: '2 × 8-bit states, paged (CUDA managed memory)' };
    case 'paged_adamw_32bit':
      // bnb 32-bit optimizers keep fp32 states whatever the param dtype (bnb optim/optimizer.py init_state).
      return { bytes: 8, paged: true, why: '2 × fp32 states, paged (CUDA managed memory)' };
    case 'adafactor':
      return { bytes: 0, paged: false, why: 'factored second moment (rows + columns)' };
    case 'sgd':
      return { bytes: 0, paged: false, why: 'plain SGD keeps no state' };
    case 'sgd_momentum':
      return { bytes: paramBytes, paged: false, why: 'momentum buffer × param dtype' };
    case 'lion':
      // Lion keeps one momentum buffer (Chen et al. 2023, Symbolic Discovery of Optimization Algorithms).
      return { bytes: paramBytes, paged: false, why: '1 state × param dtype' };
    case 'lion_8bit':
      return { bytes: 1 + 4 / 2048, paged: false, why: '1 × 8-bit state' };
  }
}

/**
 * Saved activations of one decoder layer for one token, in bytes.
 * PyTorch saves a matmul's input only when the weight needs a gradient (autograd codegen: mm saves `self`
 * only if should_compute_output for mat2; tools/autograd/derivatives.yaml), so frozen base layers under
 * LoRA/QLoRA keep far less than full fine-tuning. bitsandbytes MatMul4Bit keeps no input either
 * (bitsandbytes autograd/_functions.py: ctx.tensors = (None, B)).
 */
function layerActivationBytesPerToken(c: Ctx): { bytes: number; parts: Record<string, number> } {
  const { m, s, actBytes: a } = c;
  const T = s.method === 'full' ? 1 : 0; // base weights trainable: norm casts are saved
  // linear inputs are saved when the weights train, or by bitsandbytes < 0.43 for 4-bit layers
  const L = T || (s.quantSavesInputs && s.quantization !== 'none') ? 1 : 0;
  const h = m.hiddenSize;
  const hd = headDimOf(m);
  const qDim = m.mla ? m.numHeads * (m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim) : m.numHeads * hd;
  const kDim = m.mla ? qDim : m.numKvHeads * hd;
  const vDim = m.mla ? m.numHeads * m.mla.vHeadDim : m.numKvHeads * hd;
  const oIn = m.mla ? vDim : qDim;
  // Norms: HF RMSNorm upcasts to fp32 and saves that copy; the product with the weight saves the bf16 cast
  // only when the norm weight trains (transformers modeling_llama.py LlamaRMSNorm). LayerNorm saves its
  // input (aten native_layer_norm). torch.compile fuses the norm and keeps its 16-bit input.
  const normsPerLayer = m.family.startsWith('gemma2') || m.family.startsWith('gemma3') ? 4 : 2;
  const perNorm = m.normBias || s.compiled ? a * h : 4 * h + T * a * h;
  const norms = normsPerLayer * perNorm;
  // Attention: SDPA/flash save q, k, v (after RoPE), the output and a fp32 logsumexp per head; the q/k/v
  // input and the contiguous o_proj input are saved when the projections train. Eager attention also saves
  // the fp32 softmax and its 16-bit cast (H·S per token; modeling_llama.py eager_attention_forward) and
  // repeat_kv's expanded K/V under GQA.
  let attn = a * (qDim + kDim + vDim + oIn) + 4 * m.numHeads + L * a * (h + oIn);
  if (s.attention === 'eager') {
    attn += (4 + a) * m.numHeads * s.seqLen;
    if (m.numKvHeads < m.numHeads) attn += 2 * a * qDim;
  }
  // MLP: gated (SwiGLU) saves the gate output (for silu), silu(gate) and the up output (for the product);
  // compiled, silu*up is fused and silu(gate) is recomputed. The input and the down-projection input are
  // saved when the weights train. Standard MLP: the activation's input, plus fc1/fc2 inputs when training.
  const mlpOne = (width: number) =>
    m.mlp === 'gated'
      ? a * ((s.compiled ? 2 : 3) * width) + L * a * (h + width)
      : a * width + L * a * (h + width);
  let mlp: number;
  if (m.moe) {
    const e = m.moe;
    const shared = e.sharedExperts > 0 ? mlpOne(e.sharedIntermediateSize ?? e.expertIntermediateSize * e.sharedExperts) : 0;
    // each token runs through expertsPerToken experts; router logits softmax in fp32
    mlp = e.expertsPerToken * mlpOne(e.expertIntermediateSize) + shared + 4 * e.numExperts;
  } else {
    mlp = mlpOne(m.intermediateSize);
  }
  // LoRA (peft/tuners/lora/layer.py Linear.forward): x is cast to the adapter dtype and passed through
  // dropout; lora_A saves its input (the dropout output, plus a 1-byte mask when dropout > 0, or the cast
  // copy), lora_B saves lora_A's rank-r output. With a 16-bit adapter and no dropout lora_A shares x.
  // Each targeted module makes its own copy, so copies are counted per module.
  let lora = 0;
  if (c.lora && s.lora) {
    const lb = DTYPE_BYTES[s.lora.dtype];
    // Under autocast lora_A saves the 16-bit cast of its input instead of the adapter-dtype copy.
    const eff = s.autocast ? a : lb;
    const perIn = s.lora.dropout > 0 ? eff + 1 : lb !== a ? eff : L ? 0 : a;
    lora = (c.lora.inFeaturesPerToken * perIn + c.lora.instances * s.lora.r * lb) / m.numLayers;
    if (s.lora.dora) lora += (c.lora.outFeaturesPerToken * a) / m.numLayers; // DoRA rescales the base output
  }
  const parts = { norms, attention: attn, mlp, lora };
  return { bytes: norms + attn + mlp + lora, parts };
}

export function estimateMemory(model: ModelSpec, setup: TrainingSetup): MemoryEstimate {
  const notes: string[] = [];
  // DeepSpeed with bf16/fp16 casts the module to 16 bit and keeps the fp32 copy as optimizer master
  // weights (deepspeed runtime/engine.py _configure_distributed_model, bf16_optimizer.py): weights loaded
  // in fp32 do not stay fp32 on the GPU, and there is no autocast.
  const dsCasts = (setup.sharding === 'zero1' || setup.sharding === 'zero2' || setup.sharding === 'zero3') && setup.autocast && setup.weightDtype === 'fp32';
  const s: TrainingSetup = dsCasts ? { ...setup, weightDtype: 'bf16', autocast: false } : setup;
  if (dsCasts) notes.push('DeepSpeed casts the fp32-loaded model to bf16 and keeps fp32 master weights in the optimizer.');
  const m = model;
  const pb = paramBreakdown(m);
  const usesLora = s.method === 'lora' || s.method === 'qlora' || s.method === 'dora';
  const lora = usesLora && s.lora ? loraTargets(m, s.lora) : null;
  if (lora?.unknownTargets.length) notes.push(`LoRA targets not found in ${m.family}: ${lora.unknownTargets.join(', ')}`);
  const computeDtype = s.weightDtype === 'fp32' && !s.autocast ? 'fp32' : s.weightDtype === 'fp16' ? 'fp16' : 'bf16';
  const actBytes = DTYPE_BYTES[computeDtype];
  const job = s.job;
  // Sequences in the policy's forward with gradients: DPO-style trainers concatenate chosen and rejected
  // into one batch of 2B (trl dpo_trainer.py concatenated_forward; orpo/cpo likewise); GRPO/RLOO train on
  // prompt + completion (per_device_train_batch_size counts completions, trl >= 0.15).
  const pairwise = job && (job.kind === 'dpo' || job.kind === 'orpo' || job.kind === 'simpo');
  const rl = job && (job.kind === 'grpo' || job.kind === 'rloo' || job.kind === 'ppo');
  const seqLen = rl ? job.promptLength + job.completionLength : s.seqLen;
  const sequences = s.microBatch * (pairwise ? 2 : 1);
  const tokens = sequences * seqLen;
  const ctx: Ctx = { m, s: { ...s, seqLen }, lora, tokens, actBytes };
  const N = shardGroup(s);
  const comps: Component[] = [];

  // ---- weights -------------------------------------------------------------------------------
  const quantized = s.quantization !== 'none';
  const wBytes = DTYPE_BYTES[s.weightDtype];
  // Non-quantized params: embeddings, lm_head, norms. prepare_model_for_kbit_training casts every
  // non-quantized param to fp32 (peft/utils/other.py).
  const restBytes = quantized && s.kbitUpcast ? 4 : wBytes;
  const restParams = pb.embedding + pb.lmHead + pb.other;
  let linearW: number;
  let qconst = 0;
  let linearBytesPerParam = wBytes;
  switch (s.quantization) {
    case 'nf4':
    case 'fp4':
      linearBytesPerParam = NF4_BYTES;
      qconst = pb.linear * (s.doubleQuant ? NF4_DQ_CONST_BYTES : NF4_CONST_BYTES);
      break;
    case 'int8':
      linearBytesPerParam = INT8_BYTES;
      qconst = linearModules(m).reduce((t, x) => t + 4 * x.outFeatures * x.count, 0);
      break;
    case 'gptq-int4':
    case 'awq-int4':
      linearBytesPerParam = NF4_BYTES;
      qconst = pb.linear * GPTQ_CONST_BYTES;
      break;
    default:
      break;
  }
  linearW = pb.linear * linearBytesPerParam;
  let weightBytes = linearW + restParams * restBytes;
  // modules_to_save: PEFT keeps the original and trains a copy (peft/utils/other.py ModulesToSaveWrapper).
  let modulesToSaveParams = 0;
  if (usesLora && s.lora) {
    for (const mod of s.lora.modulesToSave) {
      if (/embed|wte|tok_embeddings/.test(mod)) modulesToSaveParams += pb.embedding;
      else if (/lm_head|output/.test(mod)) modulesToSaveParams += pb.lmHead || pb.embedding;
    }
  }
  const weightShard = shardsWeights(s) ? N : 1;
  const paramsOffloaded = s.offloadParams && (s.sharding === 'zero3' || s.sharding === 'fsdp' || s.sharding === 'fsdp_hybrid');
  add(
    comps,
    'weights',
    paramsOffloaded ? 0 : weightBytes / weightShard,
    `${n(pb.linear)} linear params × ${linearBytesPerParam} B + ${n(restParams)} other × ${restBytes} B${weightShard > 1 ? ` ÷ ${N} GPUs` : ''}`,
    { linearParams: pb.linear, otherParams: restParams, linearBytesPerParam, otherBytesPerParam: restBytes, shards: weightShard, quantization: s.quantization },
  );
  add(comps, 'quantConstants', paramsOffloaded ? 0 : qconst / weightShard, `block constants of ${s.quantization}${s.doubleQuant ? ' (double quant)' : ''}`, {
    linearParams: pb.linear,
    doubleQuant: s.doubleQuant,
  });

  // ---- trainable params, adapters --------------------------------------------------------------
  let trainable: number;
  let trainBytes: number;
  if (s.method === 'frozen') {
    trainable = 0;
    trainBytes = wBytes;
  } else if (usesLora) {
    trainable = (lora?.params ?? 0) + modulesToSaveParams;
    trainBytes = DTYPE_BYTES[s.lora?.dtype ?? 'fp32'];
    add(
      comps,
      'adapters',
      ((lora?.params ?? 0) * trainBytes + modulesToSaveParams * wBytes) / weightShard,
      `${n(lora?.params ?? 0)} adapter params (r=${s.lora?.r}) × ${trainBytes} B` + (modulesToSaveParams ? ` + ${n(modulesToSaveParams)} modules_to_save` : ''),
      { adapterParams: lora?.params ?? 0, r: s.lora?.r ?? 0, adapterBytes: trainBytes, modulesToSaveParams, dora: s.lora?.dora ?? false },
    );
  } else {
    trainable = pb.total;
    trainBytes = wBytes;
    if (quantized) notes.push('Full fine-tuning of a quantized model is not possible; estimated as if the quantized weights were trainable.');
  }

  // ---- autocast copies ---------------------------------------------------------------------------
  // torch.autocast casts fp32 weights to bf16 in every matmul; the casts are saved for backward, so a
  // 16-bit copy of every linear weight lives from forward to backward (transformers model_memory_anatomy.md:
  // "mixed precision: 6 bytes/param"). FSDP/ZeRO-3 gather 16-bit params instead (counted as gathered).
  const autocastCopies = s.autocast && s.weightDtype === 'fp32' && !quantized && !shardsWeights(s) ? pb.linear * 2 : 0;
  add(comps, 'autocastCopies', autocastCopies, `${n(pb.linear)} linear params × 2 B (bf16 casts saved for backward)`, { linearParams: pb.linear });

  // ---- gradients ---------------------------------------------------------------------------------
  const gradShard = shardsGrads(s) ? N : 1;
  let gradBytes = (trainable * trainBytes) / gradShard;
  if (s.optimizerInBackward && trainable > 0) {
    // optimizer_in_bwd steps each parameter as soon as its gradient is ready (torchtune
    // recipes/full_finetune_single_device.py): only the largest gradient is alive at a time.
    // the largest trainable tensor: an adapter matrix under LoRA, the embedding or a linear layer otherwise
    const largest = usesLora
      ? Math.max(0, ...(lora?.modules ?? []).map((x) => (s.lora?.r ?? 0) * Math.max(x.inFeatures, x.outFeatures)), modulesToSaveParams ? pb.embedding : 0)
      : Math.max(pb.embedding, ...linearModules(m).map((x) => x.inFeatures * x.outFeatures));
    gradBytes = (largest * trainBytes) / gradShard;
  }
  const gradOffloaded = s.offloadParams && (s.sharding === 'fsdp' || s.sharding === 'fsdp_hybrid');
  const gradients = gradOffloaded ? 0 : gradBytes;

  // ---- optimizer state and master weights --------------------------------------------------------
  const ds = isDeepSpeed(s);
  // DeepSpeed with bf16/fp16 keeps an fp32 master copy and fp32 optimizer state (ZeRO paper, Rajbhandari
  // et al. 2020, section 3: 2+2+K bytes with K=12 for mixed-precision Adam).
  const stateParamBytes = ds && trainBytes < 4 ? 4 : trainBytes;
  const opt = optimizerBytesPerParam(s, stateParamBytes);
  const optShard = shardsOptimizer(s) ? N : 1;
  let optBytes = (trainable * opt.bytes) / optShard;
  if (s.optimizer === 'adafactor') {
    // factored second moment: one fp32 value per row and per column of each matrix (Shazeer & Stern 2018).
    optBytes = usesLora
      ? (4 * trainable) / Math.max(1, s.lora?.r ?? 1) / optShard
      : (4 * (linearModules(m).reduce((t, x) => t + (x.inFeatures + x.outFeatures) * x.count, 0) + m.vocabSize + m.hiddenSize)) / optShard;
  }
  const masterBytes = ds && trainBytes < 4 ? (trainable * 4) / optShard : 0;
  // Host RAM per GPU process for what is offloaded: this rank's shard of optimizer state and master
  // weights, of gradients (FSDP cpu_offload), and of parameters (FSDP cpu_offload / ZeRO-3 offload_param).
  const cpuOffloadBytes =
    (s.offloadOptimizer ? optBytes + masterBytes : 0) + (gradOffloaded ? gradBytes : 0) + (paramsOffloaded ? (weightBytes + qconst) / weightShard : 0);
  const optOnGpu = s.offloadOptimizer ? 0 : optBytes;
  add(
    comps,
    opt.paged ? 'pagedOptimizerState' : 'optimizerState',
    optOnGpu,
    `${n(trainable)} trainable params × ${opt.bytes.toFixed(2)} B (${opt.why})${optShard > 1 ? ` ÷ ${N} GPUs` : ''}`,
    { trainableParams: trainable, bytesPerParam: opt.bytes, optimizer: s.optimizer, shards: optShard },
    opt.paged ? 'managed' : 'allocator',
  );
  add(comps, 'masterWeights', s.offloadOptimizer ? 0 : masterBytes, `${n(trainable)} trainable params × 4 B (fp32 master copy)`, { trainableParams: trainable });

  // ---- activations -------------------------------------------------------------------------------
  const layer = layerActivationBytesPerToken(ctx);
  const h = m.hiddenSize;
  // Outside the layers: the embedding output and the final norm's saved tensors.
  const outside = actBytes * h + (m.normBias || s.compiled ? actBytes * h : 4 * h + actBytes * h);
  let activations: number;
  let actFormula: string;
  if (s.gradientCheckpointing) {
    // Checkpointing keeps each layer's input and recomputes one layer at a time in backward
    // (Chen et al. 2016; transformers gradient_checkpointing_enable wraps each decoder layer).
    const inputs = s.activationOffload ? 2 * actBytes * h : m.numLayers * actBytes * h;
    activations = tokens * (inputs + layer.bytes + outside);
    actFormula = `${n(tokens)} tokens × (${s.activationOffload ? '2 layer inputs (rest offloaded to CPU)' : `${m.numLayers} layer inputs × ${actBytes * h} B`} + one recomputed layer ${n(layer.bytes)} B)`;
  } else if (s.activationOffload) {
    // saved tensors go to CPU; about two layers stay on the GPU while copies overlap compute.
    activations = tokens * (2 * layer.bytes + outside);
    actFormula = `${n(tokens)} tokens × 2 layers × ${n(layer.bytes)} B (rest offloaded to CPU)`;
  } else {
    activations = tokens * (m.numLayers * layer.bytes + outside);
    actFormula = `${n(tokens)} tokens (${sequences}${pairwise ? ' chosen + rejected' : ''} × ${seqLen}) × ${m.numLayers} layers × ${n(layer.bytes)} B/token/layer`;
  }
  add(comps, 'activations', activations, actFormula, {
    microBatch: s.microBatch,
    sequences,
    seqLen,
    layers: m.numLayers,
    bytesPerTokenPerLayer: Math.round(layer.bytes),
    gradientCheckpointing: s.gradientCheckpointing,
    attention: s.attention,
    ...Object.fromEntries(Object.entries(layer.parts).map(([k, v]) => [`${k}BytesPerToken`, Math.round(v)])),
  });

  // ---- logits and loss ---------------------------------------------------------------------------
  // At the start of backward: the 16-bit logits (kept by the model output), the fp32 log-softmax saved by
  // cross_entropy, and the fp32 gradients of both (transformers loss/loss_utils.py ForCausalLMLoss upcasts
  // logits to fp32). Chunked CE (torchtune CEWithChunkedOutputLoss, 8 chunks) upcasts one chunk at a time;
  // fused linear CE (Liger, cut-cross-entropy) never materialises the logits: about one hidden-size chunk
  // per token (Liger-Kernel ops/fused_linear_cross_entropy.py, chunks of V/H).
  const V = m.vocabSize;
  const logitBytes = actBytes;
  let perElem = logitBytes + 12;
  let logitFormula = `${n(tokens)} tokens × ${n(V)} vocab × (${logitBytes} B logits + 12 B fp32 log-softmax and grads)`;
  let logits = tokens * V * perElem;
  if (s.loss === 'chunked') {
    perElem = logitBytes + 12 / 8;
    logits = tokens * V * perElem;
    logitFormula = `${n(tokens)} tokens × ${n(V)} vocab × (${logitBytes} B + 12 B / 8 chunks)`;
  } else if (s.loss === 'fused_linear') {
    logits = tokens * h * (logitBytes + 12);
    logitFormula = `${n(tokens)} tokens × ${h} hidden × ${logitBytes + 12} B (fused linear cross-entropy)`;
  }
  if (rl && s.loss !== 'fused_linear') {
    // GRPO/RLOO keep logits for the completion positions only (logits_to_keep) and take log-probs row by
    // row without an fp32 upcast: the logits, the per-row log-softmax saved for backward, and its gradient
    // (trl grpo_trainer.py _get_per_token_logps_and_entropies, utils.py selective_log_softmax).
    const logitTokens = s.microBatch * job.completionLength;
    perElem = 3 * logitBytes;
    logits = logitTokens * V * perElem;
    logitFormula = `${n(logitTokens)} completion tokens × ${n(V)} vocab × 3 × ${logitBytes} B (logits, log-softmax, grad)`;
  }
  add(comps, 'logits', logits, logitFormula, { tokens, vocab: V, bytesPerElement: perElem, loss: s.loss });

  // ---- reference, reward and value models (preference / RL) ------------------------------------------
  let referenceBytes = 0;
  let extraModels = 0;
  if (job) {
    if (job.reference === 'copy') {
      // a second, frozen copy of the policy (quantized like it when the policy is k-bit)
      referenceBytes = quantized ? (weightBytes + qconst) / weightShard : (pb.total * DTYPE_BYTES[job.referenceDtype]) / weightShard;
      add(comps, 'referenceModel', referenceBytes, `${n(pb.total)} params × ${quantized ? 'quantized' : `${DTYPE_BYTES[job.referenceDtype]} B (${job.referenceDtype})`}${weightShard > 1 ? ` ÷ ${N} GPUs` : ''}, frozen`, {
        params: pb.total,
        dtype: job.referenceDtype,
        reference: job.reference,
      });
    }
    if (job.rewardModel) {
      const rb = (pb.total * wBytes) / weightShard;
      extraModels += rb;
      add(comps, 'rewardModel', rb, `${n(pb.total)} params × ${wBytes} B, frozen (same architecture as the policy)`, { params: pb.total });
    }
    if (job.valueModel) {
      // trainable like a full fine-tune of the same architecture: weights, gradients, optimizer state
      const vb = (pb.total * wBytes) / weightShard + (pb.total * wBytes) / gradShard + (pb.total * opt.bytes) / optShard + (ds && wBytes < 4 ? (pb.total * 4) / optShard : 0);
      extraModels += vb;
      add(comps, 'valueModel', vb, `${n(pb.total)} params × (${wBytes} + ${wBytes} + ${opt.bytes.toFixed(1)}) B`, { params: pb.total });
    }
  }

  // ---- distribution ------------------------------------------------------------------------------
  const perLayerParams = (pb.linear + pb.other) / m.numLayers;
  const gathered = shardsWeights(s) || paramsOffloaded ? FSDP_LIVE_UNITS * perLayerParams * actBytes : 0;
  add(comps, 'gatheredParams', gathered, `${FSDP_LIVE_UNITS} layers × ${n(perLayerParams)} params × ${actBytes} B gathered`, {
    liveLayers: FSDP_LIVE_UNITS,
    paramsPerLayer: Math.round(perLayerParams),
  });
  let comm = 0;
  let commFormula = '';
  if (s.gpus > 1 && s.sharding === 'ddp') {
    // DDP copies gradients into flat buckets (gradient_as_bucket_view=False by default; torch DDP docs).
    comm = trainable * trainBytes;
    commFormula = `${n(trainable)} trainable × ${trainBytes} B DDP gradient buckets`;
  } else if (N > 1 && (s.sharding === 'zero2' || s.sharding === 'zero3')) {
    // reduce and all-gather buckets: HF Trainer's "auto" sets reduce_bucket_size = hidden² elements
    // (transformers integrations/deepspeed.py), in the gradient dtype
    comm = h * h * trainBytes * 2;
    commFormula = `2 buckets × ${h}² × ${trainBytes} B`;
  } else if (N > 1 && (s.sharding === 'fsdp' || s.sharding === 'fsdp_hybrid' || s.sharding === 'fsdp_grad_op')) {
    comm = (usesLora ? (lora?.params ?? 0) / m.numLayers : perLayerParams) * trainBytes; // one unit's unsharded grads before reduce-scatter
    commFormula = `one layer's unsharded gradients before reduce-scatter`;
  }
  add(comps, 'commBuffers', comm, commFormula, { gpus: N, sharding: s.sharding });

  // ---- optimizer step temporaries ---------------------------------------------------------------------
  // torch's default foreach AdamW materialises sqrt(exp_avg_sq) for all params at once
  // (torch/optim/adamw.py _multi_tensor_adamw); the fused kernel and bnb optimizers work in place.
  const stepTemp = s.optimizer === 'adamw' && !s.optimizerInBackward && !s.offloadOptimizer ? (trainable * stateParamBytes) / optShard : 0;

  // ---- peak assembly -----------------------------------------------------------------------------------
  const alloc = (c: Component) => (c.pool === 'allocator' ? c.bytes : 0);
  const get = (name: ComponentName) => comps.filter((c) => c.name === name).reduce((t, c) => t + alloc(c), 0);
  const persistent = get('weights') + get('quantConstants') + get('adapters') + get('optimizerState') + get('masterWeights') + referenceBytes + extraModels;
  const gradsDuringForward = s.gradAccumulation > 1 && !s.optimizerInBackward ? gradients : 0;

  // ---- generation phase (GRPO/RLOO/PPO) ----------------------------------------------------------------
  // vLLM colocated takes gpu_memory_utilization × the GPU's total memory for its own weights and KV cache
  // (vllm config/cache.py; trl generation/vllm_generation.py loads a separate copy); with sleep mode it
  // frees both between generations (vllm docs sleep_mode.md level 2). Unsloth's fast_inference builds the
  // training model from vLLM's tensors, so the weights are shared (unsloth models/llama.py shared_weights).
  let vllmTraining = 0;
  let vllmGeneration = 0;
  let kvCache = 0;
  if (job && rl) {
    const gpuTotal = s.gpuTotalBytes ?? 80 * 1024 ** 3; // an 80 GiB card when the target is not known
    const block = job.vllmMemoryUtilization * gpuTotal;
    if (job.generation === 'vllm-colocate') {
      vllmGeneration = block;
      // outside vLLM's pools (CUDA graphs, NCCL) stays allocated while asleep (vllm sleep_mode.md)
      vllmTraining = job.vllmSleep ? VLLM_ASLEEP_BYTES : block;
    } else if (job.generation === 'vllm-shared') {
      const beyondWeights = Math.max(0, block - weightBytes - qconst);
      vllmGeneration = beyondWeights;
      vllmTraining = job.vllmSleep ? VLLM_ASLEEP_BYTES : beyondWeights;
    } else if (job.generation === 'hf') {
      // model.generate keeps a KV cache for every sequence of the round: 2 (K, V) × layers × KV heads ×
      // head dim per token (transformers DynamicCache), for prompt + completion tokens.
      // MLA in transformers (modeling_deepseek_v2.py) caches the expanded per-head K (nope + rope) and V
      const kvPerToken = m.mla
        ? m.numLayers * m.numHeads * (m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim + m.mla.vHeadDim) * actBytes
        : 2 * m.numLayers * m.numKvHeads * headDimOf(m) * actBytes;
      kvCache = job.generationBatch * (job.promptLength + job.completionLength) * kvPerToken;
      if (job.kind === 'ppo') kvCache += job.generationBatch * job.completionLength * V * 4; // output_scores kept in fp32 (trl ppo_trainer.py)
    }
  }
  // ZeRO-3 gathers the whole model for generation (trl models/utils.py unwrap_model_for_generation,
  // gather_deepspeed3_params=True); FSDP summons full params.
  const generationGather = rl && job!.generation === 'hf' && shardsWeights(s) ? (pb.total * actBytes) * (1 - 1 / N) : 0;
  const generationPeak = rl ? persistent + kvCache + vllmGeneration + generationGather + (job!.generation === 'hf' ? job!.generationBatch * V * 4 : 0) : 0;

  // DDP allocates its gradient buckets at construction and keeps them (torch Reducer::initialize_buckets)
  const ddpBuckets = s.gpus > 1 && s.sharding === 'ddp' ? comm : 0;
  const forwardPeak = persistent + autocastCopies + activations + logits + gradsDuringForward + gathered + vllmTraining + ddpBuckets;
  const stepPeak = persistent + gradients + comm + stepTemp + vllmTraining;
  const trainingPeak = Math.max(forwardPeak, stepPeak);
  const phase: PeakPhase = generationPeak > trainingPeak ? 'generation' : forwardPeak >= stepPeak ? 'forward-loss' : 'optimizer-step';
  const peakAllocatedBytes = Math.max(trainingPeak, generationPeak);
  // The components list shows what is on the GPU at the peak phase.
  const vllmNow = phase === 'generation' ? vllmGeneration : vllmTraining;
  if (vllmNow > 0) {
    add(comps, 'vllmEngine', vllmNow, job!.generation === 'vllm-shared' ? `vLLM's share beyond the shared weights (gpu_memory_utilization ${job!.vllmMemoryUtilization})` : vllmNow === VLLM_ASLEEP_BYTES ? 'vLLM asleep: CUDA graphs and buffers outside its pools' : `gpu_memory_utilization ${job!.vllmMemoryUtilization} × GPU memory`, {
      utilization: job!.vllmMemoryUtilization,
      sleep: job!.vllmSleep,
    });
  }
  if (phase === 'generation') {
    add(comps, 'kvCache', kvCache, `${job!.generationBatch} sequences × ${job!.promptLength + job!.completionLength} tokens × 2 × ${m.numLayers} layers × KV width × ${actBytes} B`, {
      generationBatch: job!.generationBatch,
      numGenerations: job!.numGenerations,
    });
    if (generationGather) add(comps, 'gatheredParams', generationGather, 'whole model gathered for generation (ZeRO-3 / FSDP)', { gpus: N });
    for (const name of ['activations', 'logits', 'autocastCopies', 'commBuffers'] as ComponentName[]) {
      const i = comps.findIndex((c) => c.name === name && c.pool === 'allocator');
      if (i >= 0) comps.splice(i, 1);
    }
    const g = comps.findIndex((c) => c.name === 'gatheredParams' && c.formula.includes('layers ×'));
    if (g >= 0) comps.splice(g, 1);
  } else if (phase === 'forward-loss') {
    if (gradsDuringForward) add(comps, 'gradients', gradsDuringForward, `${n(trainable)} trainable × ${trainBytes} B (kept across ${s.gradAccumulation} accumulation steps)`, { trainableParams: trainable, gradAccumulation: s.gradAccumulation });
    // collective buffers are not live in forward, except DDP's gradient buckets
    const i = comps.findIndex((c) => c.name === 'commBuffers');
    if (i >= 0 && !ddpBuckets) comps.splice(i, 1);
  } else {
    add(comps, 'gradients', gradients, `${n(trainable)} trainable × ${trainBytes} B${gradShard > 1 ? ` ÷ ${N} GPUs` : ''}`, { trainableParams: trainable, bytesPerParam: trainBytes, shards: gradShard });
    add(comps, 'optimizerStepTemp', stepTemp, `${n(trainable)} × ${stateParamBytes} B (foreach AdamW sqrt buffer)`, { trainableParams: trainable });
    for (const name of ['activations', 'logits', 'autocastCopies', 'gatheredParams'] as ComponentName[]) {
      const i = comps.findIndex((c) => c.name === name);
      if (i >= 0) comps.splice(i, 1);
    }
  }
  // vLLM sizes its own block up front: no caching-allocator overhead on top of it.
  const reserved = (allocated: number, vllm: number) => (allocated - vllm) * RESERVED_OVER_ALLOCATED + vllm;
  const peakReservedBytes = reserved(peakAllocatedBytes, vllmNow);
  add(comps, 'allocatorReserve', peakReservedBytes - peakAllocatedBytes, `${Math.round((RESERVED_OVER_ALLOCATED - 1) * 100)}% of allocated (caching allocator)`, { ratio: RESERVED_OVER_ALLOCATED });
  const managed = comps.filter((c) => c.pool === 'managed').reduce((t, c) => t + c.bytes, 0);
  const nccl = s.gpus > 1 ? NCCL_BYTES : 0;
  if (nccl) add(comps, 'commBuffers', nccl, 'NCCL communicator buffers', { gpus: N }, 'driver');
  // Paged optimizer state lives in CUDA unified memory that the driver evicts to host RAM when the GPU
  // runs short (bitsandbytes docs, "Paged optimizers"), so it does not count against the card; it is
  // on the GPU when there is room, which nvidia-smi shows.
  const requiredBytes = peakReservedBytes + nccl;
  const peakDeviceBytes = requiredBytes + managed + CUDA_CONTEXT_BYTES;
  return {
    components: comps,
    peakAllocatedBytes,
    peakReservedBytes,
    peakDeviceBytes,
    requiredBytes,
    phase,
    phases: [
      { phase: forwardPeak >= stepPeak ? 'forward-loss' : 'optimizer-step', requiredBytes: reserved(trainingPeak, vllmTraining) + nccl },
      ...(rl ? [{ phase: 'generation' as PeakPhase, requiredBytes: reserved(generationPeak, vllmGeneration) + nccl }] : []),
    ],
    params: { total: pb.total, trainable, active: pb.active },
    cpuOffloadBytes,
    notes,
  };
}
