// How long a training job takes on a given GPU type and count, and how many tokens it trains on.
//   time ≈ tokens × FLOPs/token ÷ (GPUs × peak × MFU × scaling) + QLoRA dequantization per micro-step
// Every default below cites ../shared/hardware.md (section and source) and can be overridden through
// TimeModelOverrides (settings `vramLens.timeModel`, CLI `--time-model`).
import { z } from 'zod';
import { Hyperparams } from '../extract/hyperparams';
import { loraTargets } from '../memory/lora';
import { TrainingSetup } from '../memory/setup';
import { linearModules } from '../models/params';
import { headDimOf, ModelSpec } from '../models/spec';
import { GpuSpec } from './gpus';

/** The software that runs the training loop: its achieved MFU differs by up to 2× (hardware.md §3). */
export const STACKS = ['hf', 'unsloth', 'torchtune', 'torchtitan', 'nemo', 'pytorch'] as const;
export type Stack = (typeof STACKS)[number];

export const TimeModelSchema = z
  .object({
    /** the training software; default from the file's framework */
    stack: z.enum(STACKS).optional(),
    /** model-FLOPs utilisation (model FLOPs ÷ dense BF16 peak), replacing the per-stack default */
    mfu: z.number().gt(0).max(1).optional(),
    /** train in FP8 where the GPU has FP8 tensor cores (not with bitsandbytes QLoRA) */
    fp8: z.boolean().optional(),
    /** end-to-end FP8 gain over BF16 for dense models ≥ 7B */
    fp8Speedup: z.number().min(1).max(4).optional(),
    /** multi-GPU scaling efficiency, replacing the interconnect default */
    scalingEfficiency: z.number().gt(0).max(1).optional(),
    /** effective bytes moved per quantized parameter per pass for bitsandbytes dequantization */
    qloraDequantBytesPerParam: z.number().min(0).max(1000).optional(),
    /** throughput factor of CPU optimizer offload */
    offloadSpeedFactor: z.number().gt(0).max(1).optional(),
    /** Unsloth speed-up over HF + PEFT */
    unslothSpeedup: z.number().min(1).max(10).optional(),
    /** torch.compile speed-up over eager */
    compileSpeedup: z.number().min(1).max(3).optional(),
  })
  .strict();
export type TimeModelOverrides = z.infer<typeof TimeModelSchema>;

// ---- defaults, each with its source ------------------------------------------------------------------

// GPUs above this dense BF16 peak (Hopper, Blackwell, MI300X) reach a lower MFU on the same software
// because fixed overheads are not accelerated (hardware.md §3: HF+DeepSpeed H100 25% vs A100 40%, MLPerf v4.0).
export const FAST_GPU_TFLOPS = 600;
// HF Trainer/TRL + PEFT, 1 GPU, ≥7B, seq ≥1k, with gradient checkpointing: 0.35 A100/Ada/RTX, 0.28 Hopper/Blackwell
// (hardware.md §5; Qwen README A100 LoRA ≈ 34%, §3 table).
const MFU_HF_SINGLE = { standard: 0.35, fast: 0.28 };
// HF + DeepSpeed ZeRO-3 / FSDP on several GPUs, with checkpointing: 0.35–0.40 A100, 0.20–0.25 Hopper
// (hardware.md §5; MLPerf v4.0 Juniper Llama-2-70B LoRA, §3 table).
const MFU_HF_SHARDED = { standard: 0.37, fast: 0.22 };
// torchtune with compile, checkpointing on: 0.38 (hardware.md §5; torchtune README, torchtitan benchmarks).
const MFU_TORCHTUNE = 0.38;
// torchtitan eager BF16 on 8×H100, selective (op) checkpointing: 5,762 tok/s/GPU on Llama-3.1-8B ≈ 33%
// (hardware.md §3-4; pytorch/torchtitan benchmarks/llama3_h100_202412).
const MFU_TORCHTITAN_EAGER = 0.33;
// NeMo / Megatron: 0.45 in BF16, 0.65 "BF16-normalized" with FP8 (hardware.md §5; NVIDIA/Megatron-LM README
// up to 47%, NeMo 24.07 performance_summary.md 68–80%).
const MFU_NEMO = { bf16: 0.45, fp8: 0.65 };
// Models under 1B parameters or sequences under 512 tokens: 0.10–0.20 (hardware.md §5); Qwen README
// A100 7B LoRA at 256 tokens measures 16%.
const MFU_SMALL = 0.15;
const SMALL_PARAMS = 1e9;
const SMALL_SEQ = 512;
// torch.compile over eager: torchtitan Llama-3.1-8B 8×H100 5,762 → 6,667 tok/s/GPU = 1.157× (hardware.md §4).
const COMPILE_SPEEDUP = 6667 / 5762;
// FP8 end to end: ×1.25 for dense models ≥7B, ≤×1.1 below 1B (hardware.md §3: torchtitan +28%, torchao
// MXFP8 1.22–1.28×, Karpathy GPT-2 124M 5–7%).
const FP8_SPEEDUP = { large: 1.25, small: 1.1 };
// "7B" models compute with 6.6–7B parameters (Llama-2-7B: 6.6B linear + head), so the ≥7B rule starts at 6.5B.
const FP8_LARGE_PARAMS = 6.5e9;
// Unsloth over HF + FA2, QLoRA: ×1.8 (hardware.md §5; HF blog "unsloth-trl" A100 1.87–1.94×, Unsloth docs 2×).
const UNSLOTH_SPEEDUP = 1.8;
// CPU optimizer offload: torchtune 8×A100 70B full with CPU offload runs 196 tok/s/GPU, 0.7 of what
// MFU_TORCHTUNE predicts without offload (derived from hardware.md §4; the only offload measurement there).
const OFFLOAD_SPEED = 0.7;
// bitsandbytes dequantization of every frozen 4-bit weight at every forward, backward and recompute pass,
// fixed per micro-step: 23 effective bytes per quantized parameter per pass at the GPU's bandwidth
// (derived from hardware.md §3, Qwen README A100: 7B/14B LoRA vs QLoRA add 0.225 / 0.425 s per micro-step).
const QLORA_DEQUANT_BYTES = 23;
// Scaling efficiency (hardware.md §5, from MLPerf strong scaling §3): 1.0 within an NVLink / Infinity Fabric
// node; PCIe-only nodes 0.7 DDP, 0.5 ZeRO-3/FSDP; across nodes with InfiniBand 0.9–0.95 at 2 nodes,
// 0.75–0.85 at 8 nodes (MLPerf: H100 64 GPUs 76%, 1024 GPUs 67%); PCIe-only multi-node 0.4–0.5.
const SCALING_PCIE = { ddp: 0.7, sharded: 0.5, multiNode: 0.45 };
const SCALING_NODES: [number, number][] = [
  [2, 0.93],
  [4, 0.87],
  [8, 0.8],
  [16, 0.75],
  [128, 0.67],
];

export interface TimeFactor {
  name: string;
  value: number;
  source: string;
}

export interface ThroughputEstimate {
  gpu: string;
  count: number;
  stack: Stack;
  /** model FLOPs per trained token (6N or 4N plus attention) */
  modelFlopsPerToken: number;
  /** plus the forward pass recomputed under gradient checkpointing */
  hardwareFlopsPerToken: number;
  peakTflops: number;
  fp8: boolean;
  /** effective MFU of the compute (after stack, checkpointing, compile, FP8, scaling, offload, Unsloth) */
  mfu: number;
  scalingEfficiency: number;
  /** seconds per micro-step per GPU spent dequantizing 4-bit weights (QLoRA), 0 otherwise */
  dequantSecondsPerMicroStep: number;
  /** tokens per second per GPU, everything included */
  tokensPerSecondPerGpu: number;
  tokensPerSecond: number;
  /** one optimizer step (micro-batch × accumulation × sequence per GPU) */
  secondsPerStep: number;
  factors: TimeFactor[];
  notes: string[];
}

export type ThroughputResult = { ok: true; value: ThroughputEstimate } | { ok: false; reason: string };

/** The stack a file's framework implies (axolotl and LLaMA-Factory run the HF Trainer). */
export function stackOf(framework: string): Stack {
  if (framework === 'unsloth') return 'unsloth';
  if (framework === 'torchtune') return 'torchtune';
  if (framework === 'pytorch') return 'pytorch';
  return 'hf';
}

export function isFastGpu(gpu: GpuSpec): boolean {
  return (gpu.bf16Tflops ?? 0) >= FAST_GPU_TFLOPS;
}

function usesAdapters(s: TrainingSetup): boolean {
  return s.method === 'lora' || s.method === 'qlora' || s.method === 'dora';
}

function isSharded(s: TrainingSetup): boolean {
  return s.gpus > 1 && s.sharding !== 'none' && s.sharding !== 'ddp';
}

/**
 * FLOPs per token (PaLM appendix B; karpathy/nanoGPT estimate_mfu: 6N + 12·L·H·Q·T). N counts the linear
 * layers a token passes through plus the output projection; embeddings are a look-up. LoRA skips the
 * frozen weights' gradients: 4N (hardware.md §3, NeMo LoRA/SFT = 0.67). Checkpointing recomputes the
 * forward: +2N and the attention forward (Korthikanti et al. 2022).
 */
export function flopsPerToken(m: ModelSpec, s: TrainingSetup): { model: number; recompute: number; recomputeIfCheckpointed: number; n: number; adapterParams: number } {
  const n = linearModules(m).reduce((t, x) => t + x.inFeatures * x.outFeatures * x.activeCount, 0) + m.hiddenSize * m.vocabSize;
  const attnWidth = m.mla ? m.numHeads * (m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim) : m.numHeads * headDimOf(m);
  const attnFwd = 4 * m.numLayers * attnWidth * s.seqLen;
  const adapterParams = usesAdapters(s) && s.lora ? loraTargets(m, s.lora).params : 0;
  let model: number;
  if (s.method === 'frozen') model = 2 * n + attnFwd;
  else if (usesAdapters(s)) model = 4 * n + 3 * attnFwd + 6 * adapterParams;
  else model = 6 * n + 3 * attnFwd;
  const recomputeIfCheckpointed = s.method !== 'frozen' ? 2 * n + attnFwd : 0;
  const recompute = s.gradientCheckpointing ? recomputeIfCheckpointed : 0;
  return { model, recompute, recomputeIfCheckpointed, n, adapterParams };
}

/** Multi-GPU scaling efficiency from the interconnect, the node size and the sharding. */
export function scalingEfficiency(gpu: GpuSpec, s: TrainingSetup): TimeFactor {
  const count = s.gpus;
  if (count <= 1) return { name: 'scaling', value: 1, source: 'one GPU' };
  const ic = (gpu.interconnect ?? '').toLowerCase();
  const bridgePairs = /bridge/.test(ic) && /pair/.test(ic);
  const fabric = (/nvlink|infinity fabric/.test(ic) && !bridgePairs) || (bridgePairs && count <= 2);
  const nodes = Math.ceil(count / Math.max(1, gpu.nodeSize));
  if (!fabric) {
    if (nodes > 1) return { name: 'scaling', value: SCALING_PCIE.multiNode, source: 'PCIe-only GPUs across nodes: 0.4–0.5 (hardware.md §5; MLPerf L40S 64 GPUs)' };
    const sharded = isSharded(s);
    return {
      name: 'scaling',
      value: sharded ? SCALING_PCIE.sharded : SCALING_PCIE.ddp,
      source: `PCIe-only node, ${sharded ? 'ZeRO-3/FSDP 0.5' : 'DDP 0.7'} (hardware.md §5; HF perf_hardware: NVLink vs PCIe DDP 101.9 s vs 131.4 s)`,
    };
  }
  if (nodes <= 1) return { name: 'scaling', value: 1, source: `within one ${gpu.interconnect} node (hardware.md §5)` };
  let value = SCALING_NODES[0][1];
  for (const [k, v] of SCALING_NODES) if (nodes >= k) value = v;
  return { name: 'scaling', value, source: `${nodes} nodes with InfiniBand (hardware.md §5; MLPerf strong scaling §3)` };
}

function baseMfu(stack: Stack, gpu: GpuSpec, s: TrainingSetup, fp8: boolean): { value: number; measuredWithCheckpointing: boolean; source: string } {
  const fast = isFastGpu(gpu);
  const cls = fast ? 'fast' : 'standard';
  switch (stack) {
    case 'nemo':
      return fp8
        ? { value: MFU_NEMO.fp8, measuredWithCheckpointing: false, source: 'NeMo/Megatron with FP8, BF16-normalized (hardware.md §5; NeMo 24.07 performance_summary.md)' }
        : { value: MFU_NEMO.bf16, measuredWithCheckpointing: false, source: 'NeMo/Megatron BF16 (hardware.md §5; Megatron-LM README up to 47%)' };
    case 'torchtitan':
      return { value: MFU_TORCHTITAN_EAGER, measuredWithCheckpointing: false, source: 'torchtitan eager BF16 (hardware.md §4; torchtitan benchmarks/llama3_h100_202412)' };
    case 'torchtune':
      return { value: MFU_TORCHTUNE, measuredWithCheckpointing: true, source: 'torchtune with compile (hardware.md §5)' };
    default: {
      const sharded = isSharded(s);
      const table = sharded ? MFU_HF_SHARDED : MFU_HF_SINGLE;
      return {
        value: table[cls],
        measuredWithCheckpointing: true,
        source: sharded
          ? `HF + DeepSpeed ZeRO-3/FSDP on ${fast ? 'Hopper/Blackwell-class' : 'A100/Ada-class'} GPUs (hardware.md §5; MLPerf v4.0 Juniper)`
          : `HF Trainer + PEFT on one ${fast ? 'Hopper/Blackwell-class' : 'A100/Ada-class'} GPU (hardware.md §5; Qwen README)`,
      };
    }
  }
}

/** Throughput of a job (the setup's GPU count and sharding) on one GPU type. */
export function estimateThroughput(m: ModelSpec, s: TrainingSetup, gpu: GpuSpec, stack: Stack, overrides: TimeModelOverrides = {}): ThroughputResult {
  if (!gpu.bf16Tflops) return { ok: false, reason: `${gpu.name} has no BF16 TFLOPS figure in the catalog` };
  const notes: string[] = [];
  const factors: TimeFactor[] = [];
  const st = overrides.stack ?? stack;
  const f = flopsPerToken(m, s);
  const quantized = s.quantization === 'nf4' || s.quantization === 'fp4' || s.quantization === 'int8';
  let fp8 = overrides.fp8 ?? false;
  if (fp8 && !gpu.fp8Tflops) {
    fp8 = false;
    notes.push(`${gpu.name} has no FP8 tensor cores: BF16 assumed`);
  }
  if (fp8 && quantized) {
    fp8 = false;
    notes.push('FP8 does not combine with bitsandbytes QLoRA (hardware.md §3): BF16 assumed');
  }
  const base = baseMfu(st, gpu, s, fp8);
  let mfu = overrides.mfu ?? base.value;
  factors.push({ name: 'MFU', value: mfu, source: overrides.mfu !== undefined ? 'vramLens.timeModel.mfu' : base.source });
  const activeParams = f.n;
  if (overrides.mfu === undefined && (activeParams < SMALL_PARAMS || s.seqLen < SMALL_SEQ) && mfu > MFU_SMALL) {
    mfu = MFU_SMALL;
    factors.push({ name: 'small model or short sequence', value: MFU_SMALL, source: 'models <1B or seq <512: 0.10–0.20 (hardware.md §5)' });
  }
  // The MFU defaults were measured with (HF, torchtune) or without (torchtitan, NeMo) checkpointing; a job
  // that differs does more or less recompute per model FLOP.
  if (overrides.mfu === undefined && s.method !== 'frozen') {
    const refHw = f.model + (base.measuredWithCheckpointing ? f.recomputeIfCheckpointed : 0);
    const jobHw = f.model + f.recompute;
    if (Math.abs(refHw / jobHw - 1) > 1e-9) {
      factors.push({ name: 'gradient checkpointing', value: refHw / jobHw, source: `recompute FLOPs: default measured ${base.measuredWithCheckpointing ? 'with' : 'without'} checkpointing (Korthikanti 2022; ms-swift −30%, hardware.md §3)` });
      mfu *= refHw / jobHw;
    }
  }
  if (s.compiled && (st === 'hf' || st === 'pytorch' || st === 'torchtitan')) {
    const c = overrides.compileSpeedup ?? COMPILE_SPEEDUP;
    factors.push({ name: 'torch.compile', value: c, source: overrides.compileSpeedup !== undefined ? 'vramLens.timeModel.compileSpeedup' : 'torchtitan eager → compile 1.157× (hardware.md §4)' });
    mfu *= c;
  }
  if (fp8 && st !== 'nemo') {
    const dflt = activeParams >= FP8_LARGE_PARAMS ? FP8_SPEEDUP.large : activeParams <= 1e9 ? FP8_SPEEDUP.small : FP8_SPEEDUP.small + ((activeParams - 1e9) / (FP8_LARGE_PARAMS - 1e9)) * (FP8_SPEEDUP.large - FP8_SPEEDUP.small);
    const g = overrides.fp8Speedup ?? dflt;
    factors.push({ name: 'FP8', value: g, source: overrides.fp8Speedup !== undefined ? 'vramLens.timeModel.fp8Speedup' : 'FP8 ×1.25 ≥7B, ≤×1.1 <1B (hardware.md §3: torchtitan +28%)' });
    mfu *= g;
  }
  const scale = overrides.scalingEfficiency !== undefined ? { name: 'scaling', value: overrides.scalingEfficiency, source: 'vramLens.timeModel.scalingEfficiency' } : scalingEfficiency(gpu, s);
  if (s.gpus > 1) factors.push(scale);
  let speed = 1;
  if (s.offloadOptimizer) {
    const o = overrides.offloadSpeedFactor ?? OFFLOAD_SPEED;
    factors.push({ name: 'CPU optimizer offload', value: o, source: overrides.offloadSpeedFactor !== undefined ? 'vramLens.timeModel.offloadSpeedFactor' : 'torchtune 8×A100 70B full + CPU offload (hardware.md §4)' });
    speed *= o;
  }
  if (st === 'unsloth') {
    const u = overrides.unslothSpeedup ?? UNSLOTH_SPEEDUP;
    factors.push({ name: 'Unsloth', value: u, source: overrides.unslothSpeedup !== undefined ? 'vramLens.timeModel.unslothSpeedup' : 'Unsloth ×1.8 over HF (hardware.md §5; HF blog unsloth-trl)' });
    speed *= u;
  }
  const peakTflops = gpu.bf16Tflops;
  const computeTokPerSec = (peakTflops * 1e12 * mfu * scale.value) / f.model;
  const tokensPerMicroStep = s.microBatch * s.seqLen;
  let dequant = 0;
  if (quantized && gpu.bandwidthTBs) {
    const quantParams = linearModules(m).reduce((t, x) => t + x.inFeatures * x.outFeatures * x.count, 0);
    const passes = s.gradientCheckpointing ? 3 : 2;
    const bytes = overrides.qloraDequantBytesPerParam ?? QLORA_DEQUANT_BYTES;
    dequant = (quantParams * passes * bytes) / (gpu.bandwidthTBs * 1e12);
    factors.push({
      name: 'QLoRA dequantization',
      value: dequant,
      source: `${passes} passes × ${bytes} B per 4-bit param at ${gpu.bandwidthTBs} TB/s, s per micro-step (${overrides.qloraDequantBytesPerParam !== undefined ? 'vramLens.timeModel' : 'hardware.md §3, Qwen README'})`,
    });
  } else if (quantized) notes.push(`${gpu.name} has no bandwidth figure: QLoRA dequantization not counted`);
  const secondsPerMicroStep = (tokensPerMicroStep / computeTokPerSec + dequant) / speed;
  const tokensPerSecondPerGpu = tokensPerMicroStep / secondsPerMicroStep;
  return {
    ok: true,
    value: {
      gpu: gpu.id,
      count: s.gpus,
      stack: st,
      modelFlopsPerToken: f.model,
      hardwareFlopsPerToken: f.model + f.recompute,
      peakTflops,
      fp8,
      mfu: mfu * speed,
      scalingEfficiency: scale.value,
      dequantSecondsPerMicroStep: dequant,
      tokensPerSecondPerGpu,
      tokensPerSecond: tokensPerSecondPerGpu * s.gpus,
      secondsPerStep: secondsPerMicroStep * s.gradAccumulation,
      factors,
      notes,
    },
  };
}

// ---- training tokens -----------------------------------------------------------------------------------

export type TokenSource = 'cli' | 'file' | 'setting';

export interface TokenCount {
  tokens: number;
  source: TokenSource;
  /** how it was obtained, in the user's terms */
  how: string;
}

// HF TrainingArguments default num_train_epochs=3.0 (transformers training_args.py).
const HF_DEFAULT_EPOCHS = 3;

/**
 * Tokens the file's own settings train on: max_steps × global batch × sequence (max_steps wins over
 * epochs in the HF Trainer), else epochs × a literally given dataset size × sequence. Each example is
 * counted as a full sequence (exact with packing, an upper bound without).
 */
export function tokensFromFile(hp: Hyperparams, s: TrainingSetup): TokenCount | null {
  const globalBatch = s.microBatch * s.gradAccumulation * s.gpus;
  const steps = hp.maxSteps?.value;
  if (steps !== undefined && steps > 0) {
    return {
      tokens: steps * globalBatch * s.seqLen,
      source: 'file',
      how: `max_steps ${steps} × global batch ${globalBatch} (${s.microBatch} × ${s.gradAccumulation} accumulation × ${s.gpus} GPUs) × ${s.seqLen} tokens`,
    };
  }
  const size = hp.datasetSize?.value;
  if (size !== undefined && size > 0) {
    const epochs = hp.numTrainEpochs?.value ?? HF_DEFAULT_EPOCHS;
    return {
      tokens: epochs * size * s.seqLen,
      source: 'file',
      how: `${epochs} epoch${epochs === 1 ? '' : 's'}${hp.numTrainEpochs ? '' : ' (HF default)'} × ${size.toLocaleString('en-US')} examples × ${s.seqLen} tokens (full sequences assumed)`,
    };
  }
  return null;
}

/** The token count to cost: an explicit one (CLI) wins, then the file's, then the user's setting. */
export function resolveTokens(hp: Hyperparams | null, s: TrainingSetup, explicit?: number, setting?: number | null): TokenCount | null {
  if (explicit !== undefined && explicit > 0) return { tokens: explicit, source: 'cli', how: `--tokens ${explicit}` };
  const fromFile = hp ? tokensFromFile(hp, s) : null;
  if (fromFile) return fromFile;
  if (setting != null && setting > 0) return { tokens: setting, source: 'setting', how: `vramLens.trainingTokens ${setting}` };
  return null;
}

export function formatDuration(hours: number): string {
  if (!Number.isFinite(hours)) return '—';
  if (hours < 1 / 60) return `${Math.max(1, Math.round(hours * 3600))} s`;
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  return `${(hours / 24).toFixed(1)} d`;
}

export function formatTokens(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toFixed(2)}T`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(Math.round(n));
}

/** "2e9", "2000000000", "500M", "1.5B", "2T" -> a token count; undefined when not a positive count. */
export function parseTokenCount(text: string): number | undefined {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e\+?[0-9]+)?)\s*([kmbt]?)\s*$/i.exec(text.replace(/[_,]/g, ''));
  if (!m) return undefined;
  const mult: Record<string, number> = { '': 1, k: 1e3, m: 1e6, b: 1e9, t: 1e12 };
  const n = Number(m[1]) * mult[m[2].toLowerCase()];
  return Number.isFinite(n) && n >= 1 ? Math.round(n) : undefined;
}
