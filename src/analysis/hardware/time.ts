// How long a training job takes on a given GPU type and count, and how many tokens it trains on.
//   step = accumulation × (compute + dequantization + exposed communication and host transfers)
//          + exposed per-step communication + optimizer step (GPU, or CPU with offload)
// Each term is a physical quantity (FLOPs ÷ sustained rate, bytes ÷ bandwidth) and each constant cites its
// source in a one-line comment; docs/sources/time-model.md explains every term, docs/sources/hardware.md
// the GPU and interconnect figures. Every default can be overridden through TimeModelOverrides (settings
// `vramLens.timeModel`, CLI `--time-model`).
import { z } from 'zod';
import { Hyperparams } from '../extract/hyperparams';
import { loraTargets } from '../memory/lora';
import { DTYPE_BYTES, OptimizerKind, TrainingSetup } from '../memory/setup';
import { linearModules, paramBreakdown } from '../models/params';
import { headDimOf, layerCounts, ModelSpec } from '../models/spec';
import { kvBytesPerToken } from '../memory/families/generation';
import { GpuSpec } from './gpus';

/** The software that runs the training loop: its achieved MFU differs by up to 2× (time-model.md §MFU). */
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
    /** multiplies the compute rate (1 = the explicit communication terms only) */
    scalingEfficiency: z.number().gt(0).max(1).optional(),
    /** effective bytes moved per quantized parameter per pass for bitsandbytes dequantization */
    qloraDequantBytesPerParam: z.number().min(0).max(1000).optional(),
    /** a flat throughput factor for CPU offload, replacing the explicit PCIe and CPU-optimizer terms */
    offloadSpeedFactor: z.number().gt(0).max(1).optional(),
    /** Unsloth speed-up over HF + PEFT */
    unslothSpeedup: z.number().min(1).max(10).optional(),
    /** torch.compile speed-up over eager */
    compileSpeedup: z.number().min(1).max(3).optional(),
    /** share of the computed tokens that are padding (unpacked data padded to the longest in the batch); 0 = packed or fixed length */
    paddingFraction: z.number().min(0).max(0.95).optional(),
  })
  .strict();
export type TimeModelOverrides = z.infer<typeof TimeModelSchema>;

// ---- compute defaults, each with its source --------------------------------------------------------------

// GPUs above this dense BF16 peak (Hopper, Blackwell, MI300X) reach a lower MFU on the same software
// because fixed overheads are not accelerated (time-model.md §MFU: HF+DeepSpeed H100 25% vs A100 40%, MLPerf v4.0).
export const FAST_GPU_TFLOPS = 600;
// HF Trainer/TRL + PEFT, 1 GPU, ≥7B, seq ≥1k, with gradient checkpointing: 0.35 A100/Ada/RTX, 0.28 Hopper/Blackwell
// (time-model.md §MFU; Qwen README A100 LoRA ≈ 34%).
const MFU_HF_SINGLE = { standard: 0.35, fast: 0.28 };
// HF + DeepSpeed ZeRO-3 / FSDP on several GPUs, with checkpointing: 0.35–0.40 A100, 0.20–0.25 Hopper
// (time-model.md §MFU; MLPerf v4.0 Juniper Llama-2-70B LoRA).
const MFU_HF_SHARDED = { standard: 0.37, fast: 0.22 };
// torchtune with compile, checkpointing on: 0.38 (time-model.md §MFU; torchtune README, torchtitan benchmarks).
const MFU_TORCHTUNE = 0.38;
// torchtitan eager BF16 on 8×H100, selective (op) checkpointing: 5,762 tok/s/GPU on Llama-3.1-8B ≈ 33%
// (time-model.md §MFU; pytorch/torchtitan benchmarks/llama3_h100_202412).
const MFU_TORCHTITAN_EAGER = 0.33;
// NeMo / Megatron: 0.45 in BF16, 0.65 "BF16-normalized" with FP8 (time-model.md §MFU; NVIDIA/Megatron-LM README
// up to 47%, NeMo 24.07 performance_summary.md 68–80%).
const MFU_NEMO = { bf16: 0.45, fp8: 0.65 };
// Models under 1B parameters or sequences under 512 tokens: 0.10–0.20 (time-model.md §MFU); Qwen README
// A100 7B LoRA at 256 tokens measures 16%.
const MFU_SMALL = 0.15;
const SMALL_PARAMS = 1e9;
const SMALL_SEQ = 512;
// torch.compile over eager: torchtitan Llama-3.1-8B 8×H100 5,762 → 6,667 tok/s/GPU = 1.157× (time-model.md §compile).
const COMPILE_SPEEDUP = 6667 / 5762;
// FP8 end to end: ×1.25 for dense models ≥7B, ≤×1.1 below 1B (time-model.md §FP8: torchtitan +28%, torchao
// MXFP8 1.22–1.28×, Karpathy GPT-2 124M 5–7%).
const FP8_SPEEDUP = { large: 1.25, small: 1.1 };
// "7B" models compute with 6.6–7B parameters (Llama-2-7B: 6.6B linear + head), so the ≥7B rule starts at 6.5B.
const FP8_LARGE_PARAMS = 6.5e9;
// Unsloth over HF + FA2, QLoRA: ×1.8 (time-model.md §Unsloth; HF blog "unsloth-trl" A100 1.87–1.94×, Unsloth docs 2×).
const UNSLOTH_SPEEDUP = 1.8;
// The MFU defaults were measured on an A100 SXM (standard class) and an H100 SXM (fast class), whose matmuls
// reach 271.2 of 312 and 794.5 of 989 TFLOPS (stas00/ml-engineering MAMF table). A card with a measured matmul
// ceiling (gpus.json matmulTflops) runs at its own share of its datasheet peak instead: GeForce cards exceed their
// FP32-accumulate figure (boost above the rated clock), MI300X reaches half of its peak.
const REFERENCE_MATMUL_SHARE = { standard: 271.2 / 312, fast: 794.5 / 989 };
// The reference cards' datasheet figures (gpus.json a100-sxm-80gb, h100-sxm-80gb).
const REFERENCE_CARD = { standard: { tflops: 312, bandwidthTBs: 2.04 }, fast: { tflops: 989, bandwidthTBs: 3.35 } };
// Memory-bound work outside the matmuls (norms, activations, rotary, residual adds, PEFT's adapter path, the loss),
// bytes per element read + written by the eager transformers / PEFT code path (time-model.md §memory-bound work):
// LlamaRMSNorm (fp32 upcast, pow, mean, scale, downcast, weight) 36 B per hidden element, 2 per layer; rotary
// (apply_rotary_pos_emb: ×cos, rotate_half, ×sin, add) 22 B per q/k element; SDPA reads q, k, v and writes o;
// the attention output transpose().contiguous() 4 B per q element; 2 residual adds 6 B each per hidden element;
// SiLU(gate) × up 10 B per intermediate element; PEFT LoRA per target: input read by lora_A 2 B (+12 B casting to
// fp32 adapters and back under autocast, +8 B for dropout), output: lora_B write, × scaling, add 12 B; the loss
// (logits.float(), log_softmax, backward) 38 B per vocabulary entry per token.
const ELEMENTWISE_BYTES = {
  norm: 36,
  rope: 22,
  attnIo: 4,
  transpose: 4,
  residual: 6,
  mlpAct: 10,
  adapterIn: 2,
  adapterCast: 12,
  adapterDropout: 8,
  adapterOut: 12,
  loss: 38,
};
// The backward of an elementwise op reads its saved input and the incoming gradient and writes the gradient: about
// twice the forward's bytes (Korthikanti et al. 2022 count the backward as 2× the forward).
const ELEMENTWISE_BACKWARD = 2;
// Share of the memory bandwidth streaming kernels reach: 854.2 of 936 GB/s measured on an RTX 3090
// (ashalliants/ninfer-3090 PR #72).
const STREAM_EFFICIENCY = 0.91;
// bitsandbytes dequantization of every frozen 4-bit weight at every forward, backward and recompute pass,
// fixed per micro-step: 23 effective bytes per quantized parameter per pass at the card's own memory bandwidth
// (time-model.md §dequantization: Qwen README A100 7B/14B LoRA vs QLoRA add 0.225 / 0.425 s per micro-step;
// torchtune README RTX 4090 LoRA 3,083 vs QLoRA 2,413 tok/s gives 18 B on GDDR6X).
const QLORA_DEQUANT_BYTES = 23;

// ---- communication, host transfers and the optimizer step ------------------------------------------------

// PCIe x16 bandwidth per direction (PCI-SIG: Gen1/2 8b/10b at 2.5/5 GT/s, Gen3/4/5 128b/130b at 8/16/32 GT/s,
// Gen6 64 GT/s): GB/s.
const PCIE_X16_GBS: Record<number, number> = { 1: 4, 2: 8, 3: 15.75, 4: 31.5, 5: 63, 6: 121 };
// Achieved share of a PCIe link: NCCL models a Gen3 x16 link at 12 GB/s (nvidia/nccl src/graph/topo.h PCI_BW);
// the 4090 P2P patch measures 24.5 GB/s all-reduce bus bandwidth on Gen4 (tinygrad/open-gpu-kernel-modules README).
export const PCIE_EFFICIENCY = 12 / 15.75;
// Achieved share of NVLink: NCCL models an SM80 link at 20 GB/s (topo.h SM80_NVLINK_BW) of its 25 GB/s per direction.
export const FABRIC_EFFICIENCY = 20 / 25;
// Achieved share of the network: NCCL models 100 Gbit/s (12.5 GB/s) at 12 GB/s (topo.h NET_BW).
export const NETWORK_EFFICIENCY = 12 / 12.5;
// bitsandbytes 4-bit storage: 4 bits per weight plus one fp32 absmax per 64-weight block (bitsandbytes
// functional.quantize_4bit, blocksize=64); double quantization stores the absmax in 8 bits with one fp32
// constant per 256 blocks (Dettmers et al. 2023, QLoRA §3).
const NF4_BYTES = { plain: 0.5 + 4 / 64, doubleQuant: 0.5 + 1 / 64 + 4 / (64 * 256) };
// GPTQ/AWQ int4: 4 bits plus an fp16 scale and a packed 4-bit zero point per group of 128 (AutoGPTQ qzeros/scales,
// group_size=128 default).
const INT4_GROUP_BYTES = 0.5 + 2.5 / 128;
// torch DDP all-reduces gradients in 25 MB buckets during the backward pass (torch.nn.parallel.DistributedDataParallel
// bucket_cap_mb=25): only the last bucket cannot overlap with compute.
const DDP_BUCKET_BYTES = 25 * 2 ** 20;
// Optimizer step on the GPU, bytes read and written per trainable parameter (torch.optim.AdamW: read p, g,
// exp_avg, exp_avg_sq; write p, exp_avg, exp_avg_sq; bitsandbytes 8-bit states 1 B each; Lion one state; SGD none).
const OPTIMIZER_BYTES: Record<OptimizerKind, number> = {
  adamw: 28,
  adamw_fused: 28,
  paged_adamw_32bit: 28,
  adamw_8bit: 16,
  paged_adamw_8bit: 16,
  adafactor: 16,
  lion: 20,
  lion_8bit: 14,
  sgd: 12,
  sgd_momentum: 20,
};
// CPU optimizer step (DeepSpeedCPUAdam, torch fused CPU AdamW): reads fp32 param, grad, exp_avg, exp_avg_sq
// (16 B), writes param, exp_avg, exp_avg_sq (12 B) and the 16-bit copy for the GPU (2 B) per parameter
// (deepspeed csrc/includes/cpu_adam.h Step_AVX): memory-bound at the host's DRAM bandwidth.
const CPU_ADAM_BYTES = 30;
// Unfused PyTorch CPU Adam is 5–7× slower than DeepSpeedCPUAdam (deepspeed.ai/tutorials/zero-offload): the top
// of the range.
const CPU_ADAM_SLOW = 6;
// Share of a micro-step's compute in the backward pass (2 of the 3 passes of 6N: Kaplan et al. 2020 §2.1):
// the window in which DDP's bucketed all-reduce runs.
const BACKWARD_SHARE = 2 / 3;

// ---- the range of an estimate ------------------------------------------------------------------------------

// Spread of measured ÷ predicted step time of the compute part on the project's own cases
// (bench/data/throughput.json, not the held-out set): 10th and 90th percentiles as printed by `npm run bench:time`.
export const COMPUTE_RANGE: [number, number] = [0.75, 1.09];
// Transfers: from the theoretical link rate (÷ the NCCL efficiency above) to half the lanes or NICs
// (a card in an x8 slot, a NIC shared by two GPUs).
export const TRANSFER_RANGE: [number, number] = [PCIE_EFFICIENCY, 2];

export interface TimeFactor {
  name: string;
  value: number;
  source: string;
}

/** The terms of one optimizer step on one GPU, in seconds (before overlap). */
export interface StepTerms {
  /** matmuls and everything else the MFU covers, per micro-step */
  compute: number;
  /** bitsandbytes dequantization, per micro-step */
  dequant: number;
  /** collectives that overlap with the micro-step's compute (FSDP/ZeRO-3 gathers, ZeRO-2 reduce-scatter) */
  commMicro: number;
  /** host↔device copies per micro-step (offloaded parameters and gradients) */
  pcieMicro: number;
  /** whether the collectives use the same PCIe link as the host copies (they add up) */
  sharedLink: boolean;
  /** per-step collectives that overlap with the last backward (DDP all-reduce, ZeRO-1 reduce-scatter) */
  commStep: number;
  /** per-step, not overlapped: all-gather of updated parameters, host→device copy of updated parameters */
  serialTransfer: number;
  /** the optimizer step on the GPU */
  optimizerGpu: number;
  /** the optimizer step on the CPU (offload), at the roofline */
  optimizerCpu: number;
  /** GRPO/RLOO/PPO: generating the step's completions (prefill and decoding), per optimizer step, not overlapped */
  generation: number;
  /** prefetch units (decoder layers) and DDP buckets: the first cannot overlap */
  units: number;
  buckets: number;
}

export interface ThroughputEstimate {
  gpu: string;
  count: number;
  stack: Stack;
  /** model FLOPs per trained token (6N or 4N plus causal attention) */
  modelFlopsPerToken: number;
  /** plus the forward pass recomputed under gradient checkpointing */
  hardwareFlopsPerToken: number;
  peakTflops: number;
  fp8: boolean;
  /** effective MFU of the whole step (model FLOPs per second ÷ peak), everything included */
  mfu: number;
  scalingEfficiency: number;
  /** seconds per micro-step per GPU spent dequantizing 4-bit weights (QLoRA), 0 otherwise */
  dequantSecondsPerMicroStep: number;
  /** the step's terms before overlap, seconds */
  terms: StepTerms;
  /** seconds of one micro-step: compute, dequantization and the part of the transfers that does not overlap */
  secondsPerMicroStep: number;
  /** tokens per second per GPU, everything included */
  tokensPerSecondPerGpu: number;
  /** its range: slow end (compute at the top of its spread, transfers at half bandwidth, unfused CPU Adam) to fast end */
  tokensPerSecondPerGpuRange: [number, number];
  tokensPerSecond: number;
  /** one optimizer step (micro-batch × accumulation × sequence per GPU) */
  secondsPerStep: number;
  secondsPerStepRange: [number, number];
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
 * frozen weights' gradients: 4N (NeMo LoRA/SFT = 0.67). Causal attention through SDPA / FlashAttention
 * skips the masked half of the score matrix (Dao 2023, FlashAttention-2 §3.1, causal masking), so the attention term
 * is 6·L·H·T there and 12·L·H·T with eager attention. Checkpointing recomputes the forward: +2N and the
 * attention forward (Korthikanti et al. 2022).
 */
export function flopsPerToken(
  m: ModelSpec,
  s: TrainingSetup,
): { model: number; recompute: number; recomputeIfCheckpointed: number; n: number; adapterParams: number } {
  const n = linearModules(m).reduce((t, x) => t + x.inFeatures * x.outFeatures * x.activeCount, 0) + m.hiddenSize * m.vocabSize;
  const attnWidth = m.mla ? m.numHeads * (m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim) : m.numHeads * headDimOf(m);
  const causalShare = s.attention === 'eager' ? 1 : 0.5;
  const attnFwd = 4 * causalShare * (layerCounts(m).attention + layerCounts(m).crossAttention) * attnWidth * s.seqLen;
  const adapterParams = usesAdapters(s) && s.lora ? loraTargets(m, s.lora).params : 0;
  let model: number;
  if (s.method === 'frozen') model = 2 * n + attnFwd;
  else if (usesAdapters(s)) model = 4 * n + 3 * attnFwd + 6 * adapterParams;
  else model = 6 * n + 3 * attnFwd;
  const recomputeIfCheckpointed = s.method !== 'frozen' ? 2 * n + attnFwd : 0;
  const recompute = s.gradientCheckpointing ? recomputeIfCheckpointed : 0;
  return { model, recompute, recomputeIfCheckpointed, n, adapterParams };
}

/**
 * Kept for overrides: the compute rate is multiplied by `scalingEfficiency` only when the user sets it.
 * Multi-GPU losses are the explicit communication terms (collectiveBandwidth, stepTerms).
 */
export function scalingEfficiency(gpu: GpuSpec, s: TrainingSetup): TimeFactor {
  if (s.gpus <= 1) return { name: 'scaling', value: 1, source: 'one GPU' };
  const bw = collectiveBandwidth(gpu, s.gpus);
  return {
    name: 'scaling',
    value: 1,
    source: `communication modelled as bytes ÷ ${bw.gbs.toFixed(1)} GB/s (${bw.path}), not as a factor (time-model.md §communication)`,
  };
}

// ---- interconnect ------------------------------------------------------------------------------------------

export interface Links {
  /** achieved host link bandwidth per direction, GB/s */
  pcieGBs: number;
  p2p: boolean;
  /** achieved fabric bandwidth per direction, GB/s (NVLink / Infinity Fabric) */
  fabricGBs: number | null;
  fabricDomain: number;
  /** achieved network bandwidth per GPU per direction, GB/s */
  networkGBs: number;
  hostMemoryGBs: number;
}

// Custom GPUs without the catalog's link fields: read them from the interconnect text; a fabric figure there is a
// bidirectional total (docs/sources/hardware.md §interconnect). Host and network defaults are those of a PCIe server
// (docs/sources/hardware.md §hosts and networks).
const DEFAULT_HOST_GBS = 204.8;
const DEFAULT_NETWORK_GBS = 6.25;

export function linksOf(gpu: GpuSpec): Links {
  const ic = (gpu.interconnect ?? '').toLowerCase();
  const gen = gpu.pcieGen ?? (Number(/pcie\s*(\d)/.exec(ic)?.[1]) || 4);
  const p2p = gpu.p2p ?? !/no p2p/.test(ic);
  let fabric: number | null = gpu.fabricGBs ?? null;
  let domain = gpu.fabricDomain ?? 1;
  if (gpu.fabricGBs === undefined && /nvlink|infinity fabric/.test(ic)) {
    const gbs = Number(/([0-9.]+)\s*gb\/s/.exec(ic)?.[1]);
    fabric = Number.isFinite(gbs) && gbs > 0 ? gbs / 2 : null;
    domain = /pair/.test(ic) ? 2 : gpu.nodeSize;
  }
  return {
    pcieGBs: (PCIE_X16_GBS[gen] ?? PCIE_X16_GBS[4]) * PCIE_EFFICIENCY,
    p2p,
    fabricGBs: fabric ? fabric * FABRIC_EFFICIENCY : null,
    fabricDomain: fabric ? domain : 1,
    networkGBs: (gpu.networkGBs ?? DEFAULT_NETWORK_GBS) * NETWORK_EFFICIENCY,
    hostMemoryGBs: gpu.hostMemoryGBs ?? DEFAULT_HOST_GBS,
  };
}

/**
 * Bandwidth per GPU per direction of a ring collective over `count` GPUs: the fabric when every GPU is in
 * one NVLink/Infinity Fabric domain; else PCIe peer-to-peer within a node, or — without P2P (GeForce) — through
 * host memory, where every byte is written and read once in DRAM (NCCL SHM transport); across nodes the
 * per-GPU network share bounds it.
 */
export function collectiveBandwidth(gpu: GpuSpec, count: number): { gbs: number; path: string; nodes: number; perNode: number } {
  const l = linksOf(gpu);
  if (count <= 1) return { gbs: Infinity, path: 'one GPU', nodes: 1, perNode: 1 };
  if (l.fabricGBs && count <= l.fabricDomain)
    return { gbs: l.fabricGBs, path: `${gpu.interconnect ?? 'fabric'}`, nodes: Math.ceil(count / Math.max(gpu.nodeSize, l.fabricDomain)), perNode: count };
  const perNode = Math.min(count, gpu.nodeSize);
  const nodes = Math.ceil(count / gpu.nodeSize);
  let gbs: number;
  let path: string;
  if (l.fabricGBs && perNode <= l.fabricDomain) {
    gbs = l.fabricGBs;
    path = gpu.interconnect ?? 'fabric';
  } else if (l.p2p) {
    gbs = l.pcieGBs;
    path = 'PCIe peer-to-peer';
  } else {
    gbs = Math.min(l.pcieGBs, l.hostMemoryGBs / (2 * perNode));
    path = `PCIe through host memory (no P2P; ${l.hostMemoryGBs} GB/s DRAM shared by ${perNode} GPUs)`;
  }
  if (nodes > 1 && l.networkGBs < gbs) {
    gbs = l.networkGBs;
    path = `network between ${nodes} nodes`;
  }
  return { gbs, path, nodes, perNode };
}

/** Bytes of the weights as stored on the GPU and of what is trained. */
export function parameterBytes(
  m: ModelSpec,
  s: TrainingSetup,
): { stored: number; trainableParams: number; trainableBytes: number; gradBytes: number; quantizedParams: number } {
  const pb = paramBreakdown(m);
  const wb = DTYPE_BYTES[s.weightDtype];
  const adapters = usesAdapters(s) && s.lora ? loraTargets(m, s.lora).params : 0;
  const adapterBytes = s.lora ? DTYPE_BYTES[s.lora.dtype] : wb;
  const saved =
    usesAdapters(s) && s.lora
      ? (s.lora.modulesToSave.includes('lm_head') ? m.vocabSize * m.hiddenSize : 0) +
        (s.lora.modulesToSave.includes('embed_tokens') ? m.vocabSize * m.hiddenSize : 0)
      : 0;
  const q = s.quantization;
  const linearBytes =
    q === 'nf4' || q === 'fp4'
      ? s.doubleQuant
        ? NF4_BYTES.doubleQuant
        : NF4_BYTES.plain
      : q === 'int8'
        ? 1
        : q === 'gptq-int4' || q === 'awq-int4'
          ? INT4_GROUP_BYTES
          : wb;
  const quantizedParams = q !== 'none' ? pb.linear : 0;
  const stored = pb.linear * linearBytes + (pb.total - pb.linear) * wb + adapters * adapterBytes;
  if (s.method === 'frozen') return { stored, trainableParams: 0, trainableBytes: 0, gradBytes: 0, quantizedParams };
  if (usesAdapters(s)) {
    const trainableBytes = adapters * adapterBytes + saved * wb;
    return { stored, trainableParams: adapters + saved, trainableBytes, gradBytes: trainableBytes, quantizedParams };
  }
  return { stored, trainableParams: pb.total, trainableBytes: pb.total * wb, gradBytes: pb.total * wb, quantizedParams };
}

const ag = (bytes: number, n: number) => ((n - 1) / n) * bytes; // ring all-gather / reduce-scatter, per GPU (nccl-tests PERFORMANCE.md)
const ar = (bytes: number, n: number) => ((2 * (n - 1)) / n) * bytes; // ring all-reduce, per GPU

/** The collectives, host copies and optimizer work of one step, in seconds, from bytes and bandwidths. */
export function transferTerms(
  m: ModelSpec,
  s: TrainingSetup,
  gpu: GpuSpec,
  stack: Stack = 'hf',
): Omit<StepTerms, 'compute' | 'dequant' | 'generation'> & { notes: TimeFactor[] } {
  const notes: TimeFactor[] = [];
  const n = s.gpus;
  const p = parameterBytes(m, s);
  const l = linksOf(gpu);
  const bw = collectiveBandwidth(gpu, n);
  const GB = 1e9;
  const shardWays = isSharded(s) ? n : 1;
  let commMicro = 0;
  let commStep = 0;
  let serialTransfer = 0;
  // Megatron-Core (NeMo) splits models with tensor/pipeline parallelism, not FSDP; its communication is inside the
  // end-to-end MFU it was measured with (time-model.md §MFU), so no collective is added for that stack.
  if (stack === 'nemo' && n > 1)
    notes.push({
      name: 'collectives',
      value: 0,
      source: 'Megatron-Core TP/PP/DP communication is inside the measured NeMo MFU (time-model.md §communication)',
    });
  else if (n > 1) {
    const t = (bytes: number) => bytes / (bw.gbs * GB);
    switch (s.sharding) {
      case 'fsdp':
      case 'zero3':
        // FSDP FULL_SHARD / ZeRO-3: all-gather the weights for the forward and again for the backward, reduce-scatter
        // the gradients, every micro-step (Zhao et al. 2023, PyTorch FSDP; Rajbhandari et al. 2020, ZeRO §7: 1.5× DDP's volume).
        commMicro = t(2 * ag(p.stored, n) + ag(p.gradBytes, n));
        break;
      case 'fsdp_hybrid': {
        const k = bw.perNode;
        const intra = collectiveBandwidth(gpu, k).gbs;
        commMicro = (2 * ag(p.stored, k) + ag(p.gradBytes, k)) / (intra * GB) + (bw.nodes > 1 ? ar(p.gradBytes / k, bw.nodes) / (l.networkGBs * GB) : 0);
        break;
      }
      case 'fsdp_grad_op':
        // SHARD_GRAD_OP: one all-gather (weights kept through the backward) and the reduce-scatter per micro-step.
        commMicro = t(ag(p.stored, n) + ag(p.gradBytes, n));
        break;
      case 'zero2':
        // ZeRO-2 reduce-scatters gradients every micro-step and all-gathers the updated weights after the step.
        commMicro = t(ag(p.gradBytes, n));
        serialTransfer += t(ag(p.trainableBytes, n));
        break;
      case 'zero1':
        commStep = t(ag(p.gradBytes, n));
        serialTransfer += t(ag(p.trainableBytes, n));
        break;
      default:
        // DDP (and FSDP NO_SHARD): one all-reduce of the gradients per optimizer step (no_sync while accumulating).
        commStep = t(ar(p.gradBytes, n));
    }
    notes.push({
      name: 'collectives',
      value: commMicro + commStep + serialTransfer,
      source: `${s.sharding} over ${bw.path}: ${bw.gbs.toFixed(1)} GB/s per GPU, s per micro-step + per step (time-model.md §communication)`,
    });
  }
  // Host↔device copies of offloaded weights and gradients, at the link's achieved rate; the GPUs of a node share
  // the host's DRAM (time-model.md §offload).
  let pcieMicro = 0;
  let optimizerCpu = 0;
  let optimizerGpu = 0;
  const perNode = Math.min(n, gpu.nodeSize);
  const hostGBs = Math.min(l.pcieGBs, l.hostMemoryGBs / perNode);
  const offloaded = s.offloadOptimizer || s.offloadParams;
  if (offloaded) {
    const perMicroGrads = isSharded(s) && s.sharding !== 'zero1';
    if (s.offloadParams) pcieMicro += (2 * p.stored) / shardWays / (hostGBs * GB);
    if (perMicroGrads) pcieMicro += p.gradBytes / shardWays / (hostGBs * GB);
    else serialTransfer += p.gradBytes / shardWays / (hostGBs * GB);
    if (!s.offloadParams) serialTransfer += p.trainableBytes / shardWays / (hostGBs * GB);
    // Every rank of the node steps its shard on the same host: the node's share of the trainable parameters.
    const paramsOnHost = (p.trainableParams / shardWays) * perNode;
    optimizerCpu = (paramsOnHost * CPU_ADAM_BYTES) / (l.hostMemoryGBs * GB);
    notes.push({
      name: 'CPU offload',
      value: pcieMicro,
      source: `host↔device ${hostGBs.toFixed(1)} GB/s (PCIe Gen${gpu.pcieGen ?? '?'} x16 × ${PCIE_EFFICIENCY.toFixed(2)}, host DRAM ${l.hostMemoryGBs} GB/s ÷ ${perNode} GPUs), s per micro-step (time-model.md §offload)`,
    });
    notes.push({
      name: 'CPU optimizer step',
      value: optimizerCpu,
      source: `${Math.round(paramsOnHost / 1e6)}M params × ${CPU_ADAM_BYTES} B ÷ ${l.hostMemoryGBs} GB/s host DRAM, s per step (DeepSpeedCPUAdam roofline; time-model.md §offload)`,
    });
  } else if (p.trainableParams > 0 && gpu.bandwidthTBs) {
    const perGpu = p.trainableParams / shardWays;
    optimizerGpu = (perGpu * OPTIMIZER_BYTES[s.optimizer]) / (gpu.bandwidthTBs * 1e12);
    notes.push({
      name: 'optimizer step',
      value: optimizerGpu,
      source: `${Math.round(perGpu / 1e6)}M params × ${OPTIMIZER_BYTES[s.optimizer]} B ÷ ${gpu.bandwidthTBs} TB/s, s per step (time-model.md §optimizer)`,
    });
  }
  const sharedLink = n > 1 && !(l.fabricGBs && n <= l.fabricDomain) && bw.nodes <= 1;
  const buckets = Math.max(1, Math.ceil(p.gradBytes / DDP_BUCKET_BYTES));
  return { commMicro, pcieMicro, sharedLink, commStep, serialTransfer, optimizerGpu, optimizerCpu, units: Math.max(1, m.numLayers), buckets, notes };
}

/** Transfer time left after overlap with a compute window split in `units` prefetch units: the first unit's
 * transfer cannot be hidden, and transfers longer than the window show beyond it (FSDP backward/forward prefetch,
 * ZeRO-3 prefetch, DDP buckets). */
export function exposedTransfer(transfer: number, window: number, units: number): number {
  if (transfer <= 0) return 0;
  return transfer / units + Math.max(0, transfer - window);
}

/** Seconds per micro-step and per optimizer step from the terms; `transfer` and `cpu` scale the bandwidth and CPU terms. */
export function stepSeconds(
  t: StepTerms,
  gradAccumulation: number,
  scale: { compute: number; transfer: number; cpu: number } = { compute: 1, transfer: 1, cpu: 1 },
): { micro: number; step: number } {
  const busy = (t.compute + t.dequant) * scale.compute;
  const micro = t.sharedLink ? (t.commMicro + t.pcieMicro) * scale.transfer : Math.max(t.commMicro, t.pcieMicro) * scale.transfer;
  const secondsMicro = busy + exposedTransfer(micro, busy, t.units);
  const lastBackward = busy * BACKWARD_SHARE;
  const step =
    gradAccumulation * secondsMicro +
    exposedTransfer(t.commStep * scale.transfer, lastBackward, t.buckets) +
    t.serialTransfer * scale.transfer +
    t.optimizerGpu * scale.compute +
    t.optimizerCpu * scale.cpu +
    t.generation * scale.compute;
  return { micro: secondsMicro, step };
}

/** An MFU default and the job it was measured on: with or without checkpointing, and — for the HF defaults, all
 * measured on LoRA jobs (Qwen README, MLPerf Juniper) — the method, since a LoRA job's model FLOPs (4N) are a
 * smaller share of its hardware FLOPs (4N + 2N recompute) than a full fine-tune's (6N of 8N). */
function baseMfu(
  stack: Stack,
  gpu: GpuSpec,
  s: TrainingSetup,
  fp8: boolean,
): { value: number; measuredWithCheckpointing: boolean; measuredOnLora?: boolean; source: string } {
  const fast = isFastGpu(gpu);
  const cls = fast ? 'fast' : 'standard';
  switch (stack) {
    case 'nemo':
      return fp8
        ? {
            value: MFU_NEMO.fp8,
            measuredWithCheckpointing: false,
            source: 'NeMo/Megatron with FP8, BF16-normalized (time-model.md §MFU; NeMo 24.07 performance_summary.md)',
          }
        : { value: MFU_NEMO.bf16, measuredWithCheckpointing: false, source: 'NeMo/Megatron BF16 (time-model.md §MFU; Megatron-LM README up to 47%)' };
    case 'torchtitan':
      return {
        value: MFU_TORCHTITAN_EAGER,
        measuredWithCheckpointing: false,
        source: 'torchtitan eager BF16 (time-model.md §MFU; torchtitan benchmarks/llama3_h100_202412)',
      };
    case 'torchtune':
      return { value: MFU_TORCHTUNE, measuredWithCheckpointing: true, source: 'torchtune with compile (time-model.md §MFU)' };
    default: {
      const sharded = isSharded(s);
      const table = sharded ? MFU_HF_SHARDED : MFU_HF_SINGLE;
      return {
        value: table[cls],
        measuredWithCheckpointing: true,
        measuredOnLora: true,
        source: sharded
          ? `HF + DeepSpeed ZeRO-3/FSDP on ${fast ? 'Hopper/Blackwell-class' : 'A100/Ada-class'} GPUs (time-model.md §MFU; MLPerf v4.0 Juniper)`
          : `HF Trainer + PEFT on one ${fast ? 'Hopper/Blackwell-class' : 'A100/Ada-class'} GPU (time-model.md §MFU; Qwen README)`,
      };
    }
  }
}

/**
 * Bytes of memory-bound (non-matmul) traffic per trained token on the eager transformers / PEFT code path:
 * forward, backward (2× the forward) and the recomputed forward under checkpointing, plus the loss.
 */
export function elementwiseBytesPerToken(m: ModelSpec, s: TrainingSetup): number {
  const b = ELEMENTWISE_BYTES;
  const h = m.hiddenSize;
  const hd = headDimOf(m);
  const hq = m.mla ? m.numHeads * (m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim) : m.numHeads * hd;
  const hkv = m.mla ? m.mla.kvLoraRank + m.mla.qkRopeHeadDim : m.numKvHeads * hd;
  const mlps = linearModules(m).filter((x) => x.name === 'up_proj');
  const intermediate = mlps.reduce((t, x) => t + x.outFeatures * x.activeCount, 0) / Math.max(1, m.numLayers);
  let layer = 2 * b.norm * h + b.rope * (hq + hkv) + b.attnIo * (hq + hkv) + b.transpose * hq + 2 * b.residual * h + b.mlpAct * intermediate;
  if (usesAdapters(s) && s.lora) {
    const t = loraTargets(m, s.lora);
    const inBytes = b.adapterIn + (s.lora.dtype === 'fp32' ? b.adapterCast : 0) + (s.lora.dropout > 0 ? b.adapterDropout : 0);
    layer += (t.inFeaturesPerToken * inBytes + t.outFeaturesPerToken * b.adapterOut) / Math.max(1, m.numLayers);
  }
  const passes = 1 + ELEMENTWISE_BACKWARD + (s.gradientCheckpointing && s.method !== 'frozen' ? 1 : 0);
  return m.numLayers * layer * passes + b.loss * m.vocabSize;
}

/**
 * Seconds per token to add for memory-bound work on this card beyond what the MFU default already holds: the
 * default was measured on the reference card of the class, where this traffic took E ÷ its bandwidth; here it
 * takes E ÷ this card's bandwidth while the matmuls scale with the sustained FLOP rate (a roofline transfer;
 * zero on the reference card itself).
 */
export function memoryBoundSeconds(bytesPerToken: number, gpu: GpuSpec, sustained: number): number {
  if (!gpu.bandwidthTBs || !gpu.bf16Tflops) return 0;
  const ref = isFastGpu(gpu) ? REFERENCE_CARD.fast : REFERENCE_CARD.standard;
  const here = 1 / (gpu.bandwidthTBs * 1e12);
  const atReference = ref.tflops / ref.bandwidthTBs / (gpu.bf16Tflops * sustained) / 1e12;
  return (bytesPerToken / STREAM_EFFICIENCY) * (here - atReference);
}

/** The card's sustained matmul rate relative to the reference card of its class (1 without a measurement). */
export function sustainedRateFactor(gpu: GpuSpec): TimeFactor | null {
  if (!gpu.matmulTflops || !gpu.bf16Tflops) return null;
  const ref = REFERENCE_MATMUL_SHARE[isFastGpu(gpu) ? 'fast' : 'standard'];
  const share = gpu.matmulTflops / gpu.bf16Tflops;
  return {
    name: 'sustained matmul rate',
    value: share / ref,
    source: `measured ${gpu.matmulTflops} of ${gpu.bf16Tflops} TFLOPS (${Math.round(share * 100)}%) vs ${Math.round(ref * 100)}% on the ${isFastGpu(gpu) ? 'H100' : 'A100'} the MFU was measured on (${gpu.matmulSource ?? 'gpus.json'}; time-model.md §sustained rates)`,
  };
}

/**
 * Generating the completions of one optimizer step on one GPU (GRPO/RLOO/PPO), seconds. Decoding is memory-bound:
 * each step of a batch reads every weight once and the K/V of every sequence so far ("the generation phase … is
 * memory-bound", vLLM: Kwon et al. 2023 §2.2), at the card's streaming share of its bandwidth; a batch large enough
 * is bound by its 2·N FLOPs per sequence instead. The prompts are prefilled once (2·N per prompt token). TRL
 * generates micro-batch × steps_per_generation completions per GPU in one round (grpo_trainer.py); completions are
 * taken at max_completion_length (a run whose completions stop earlier is faster).
 */
export function generationSeconds(m: ModelSpec, s: TrainingSetup, gpu: GpuSpec, mfu: number): { seconds: number; source: string } | null {
  const job = s.job;
  if (!job || job.generation === 'none' || !(job.kind === 'grpo' || job.kind === 'rloo' || job.kind === 'ppo')) return null;
  if (!gpu.bandwidthTBs || !gpu.bf16Tflops) return null;
  const n = flopsPerToken(m, s).n;
  const batch = Math.max(1, job.generationBatch);
  const completions = s.microBatch * s.gradAccumulation;
  // one round serves steps_per_generation / gradient_accumulation_steps optimizer steps (TRL reuses the batch)
  const rounds = completions / batch;
  const weightBytes = n * 2; // the engine's (or the policy's) 16-bit weights
  const kvPerStep = batch * (job.promptLength + job.completionLength / 2) * kvBytesPerToken(m, 2);
  const bw = gpu.bandwidthTBs * 1e12 * STREAM_EFFICIENCY;
  const flops = gpu.bf16Tflops * 1e12 * mfu;
  const decodeStep = Math.max((weightBytes + kvPerStep) / bw, (2 * n * batch) / flops);
  const prefill = (2 * n * batch * job.promptLength) / flops;
  const seconds = rounds * (prefill + job.completionLength * decodeStep);
  return {
    seconds,
    source: `${Math.round(rounds * batch)} completions × ${job.completionLength} tokens per GPU: ${job.completionLength} decoding steps of ${(decodeStep * 1e3).toFixed(1)} ms (weights + K/V at ${gpu.bandwidthTBs} TB/s × ${STREAM_EFFICIENCY}) + prefill, s per step (vLLM: decoding is memory-bound)`,
  };
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
    notes.push('FP8 does not combine with bitsandbytes QLoRA (time-model.md §FP8): BF16 assumed');
  }
  const base = baseMfu(st, gpu, s, fp8);
  let mfu = overrides.mfu ?? base.value;
  factors.push({ name: 'MFU', value: mfu, source: overrides.mfu !== undefined ? 'vramLens.timeModel.mfu' : base.source });
  const activeParams = f.n;
  if (overrides.mfu === undefined && (activeParams < SMALL_PARAMS || s.seqLen < SMALL_SEQ) && mfu > MFU_SMALL) {
    mfu = MFU_SMALL;
    factors.push({ name: 'small model or short sequence', value: MFU_SMALL, source: 'models <1B or seq <512: 0.10–0.20 (time-model.md §MFU)' });
  }
  // The MFU defaults were measured with (HF, torchtune) or without (torchtitan, NeMo) checkpointing; a job
  // that differs does more or less recompute per model FLOP.
  if (overrides.mfu === undefined && s.method !== 'frozen') {
    const refHw = f.model + (base.measuredWithCheckpointing ? f.recomputeIfCheckpointed : 0);
    const jobHw = f.model + f.recompute;
    if (Math.abs(refHw / jobHw - 1) > 1e-9) {
      factors.push({
        name: 'gradient checkpointing',
        value: refHw / jobHw,
        source: `recompute FLOPs: default measured ${base.measuredWithCheckpointing ? 'with' : 'without'} checkpointing (Korthikanti 2022; ms-swift −30%, time-model.md §checkpointing)`,
      });
      mfu *= refHw / jobHw;
    }
    // The same hardware efficiency on a full fine-tune: its model FLOPs are a larger share of the work it does.
    if (base.measuredOnLora && !usesAdapters(s)) {
      const lora = flopsPerToken(m, { ...s, method: 'lora', lora: s.lora ?? { r: 0, targets: [], dora: false, modulesToSave: [], dropout: 0, dtype: 'bf16' } });
      const loraRatio = (lora.model + lora.recomputeIfCheckpointed) / lora.model;
      const fullRatio = refHw / f.model;
      factors.push({
        name: 'full fine-tuning',
        value: loraRatio / fullRatio,
        source: 'the HF default was measured on LoRA jobs: same hardware FLOP rate, larger model-FLOP share (time-model.md §MFU)',
      });
      mfu *= loraRatio / fullRatio;
    }
  }
  const sustained = overrides.mfu === undefined ? sustainedRateFactor(gpu) : null;
  if (sustained && Math.abs(sustained.value - 1) > 1e-9) {
    factors.push(sustained);
    mfu *= sustained.value;
  }
  if (s.compiled && (st === 'hf' || st === 'pytorch' || st === 'torchtitan')) {
    const c = overrides.compileSpeedup ?? COMPILE_SPEEDUP;
    factors.push({
      name: 'torch.compile',
      value: c,
      source: overrides.compileSpeedup !== undefined ? 'vramLens.timeModel.compileSpeedup' : 'torchtitan eager → compile 1.157× (time-model.md §compile)',
    });
    mfu *= c;
  }
  if (fp8 && st !== 'nemo') {
    const dflt =
      activeParams >= FP8_LARGE_PARAMS
        ? FP8_SPEEDUP.large
        : activeParams <= 1e9
          ? FP8_SPEEDUP.small
          : FP8_SPEEDUP.small + ((activeParams - 1e9) / (FP8_LARGE_PARAMS - 1e9)) * (FP8_SPEEDUP.large - FP8_SPEEDUP.small);
    const g = overrides.fp8Speedup ?? dflt;
    factors.push({
      name: 'FP8',
      value: g,
      source: overrides.fp8Speedup !== undefined ? 'vramLens.timeModel.fp8Speedup' : 'FP8 ×1.25 ≥7B, ≤×1.1 <1B (time-model.md §FP8: torchtitan +28%)',
    });
    mfu *= g;
  }
  const scale =
    overrides.scalingEfficiency !== undefined
      ? { name: 'scaling', value: overrides.scalingEfficiency, source: 'vramLens.timeModel.scalingEfficiency' }
      : scalingEfficiency(gpu, s);
  if (s.gpus > 1) factors.push(scale);
  let speed = 1;
  if (st === 'unsloth') {
    const u = overrides.unslothSpeedup ?? UNSLOTH_SPEEDUP;
    factors.push({
      name: 'Unsloth',
      value: u,
      source:
        overrides.unslothSpeedup !== undefined ? 'vramLens.timeModel.unslothSpeedup' : 'Unsloth ×1.8 over HF (time-model.md §Unsloth; HF blog unsloth-trl)',
    });
    speed *= u;
  }
  const flatOffload = overrides.offloadSpeedFactor !== undefined && (s.offloadOptimizer || s.offloadParams);
  if (flatOffload) {
    factors.push({
      name: 'CPU offload',
      value: overrides.offloadSpeedFactor!,
      source: 'vramLens.timeModel.offloadSpeedFactor (replaces the PCIe and CPU-optimizer terms)',
    });
    speed *= overrides.offloadSpeedFactor!;
  }
  const peakTflops = gpu.bf16Tflops;
  const computeTokPerSec = (peakTflops * 1e12 * mfu * scale.value) / f.model;
  const tokensPerMicroStep = s.microBatch * s.seqLen;
  // Eager stacks only: compiled graphs, torchtune (compile), NeMo (fused Transformer Engine kernels) fuse most of
  // this traffic, and what is left is inside their own MFU.
  const eager = !s.compiled && (st === 'hf' || st === 'pytorch' || st === 'unsloth' || st === 'torchtitan');
  const elementwise = eager && overrides.mfu === undefined ? elementwiseBytesPerToken(m, s) : 0;
  const memoryBound = elementwise ? memoryBoundSeconds(elementwise, gpu, sustained?.value ?? 1) : 0;
  // A guard: the matmuls cannot run faster than the card's sustained peak, nor the traffic faster than its bandwidth.
  const matmulFloor =
    (tokensPerMicroStep * (f.model + f.recompute)) /
      ((fp8 && gpu.fp8Tflops ? gpu.fp8Tflops : peakTflops) * 1e12 * (sustained?.value ?? 1) * REFERENCE_MATMUL_SHARE[isFastGpu(gpu) ? 'fast' : 'standard']) +
    (elementwise * tokensPerMicroStep) / ((gpu.bandwidthTBs ?? Infinity) * 1e12 * STREAM_EFFICIENCY);
  if (memoryBound !== 0)
    factors.push({
      name: 'memory-bound work',
      value: memoryBound * tokensPerMicroStep,
      source: `${(elementwise / 1e6).toFixed(0)} MB per token of non-matmul traffic at ${gpu.bandwidthTBs} TB/s, beyond the ${isFastGpu(gpu) ? 'H100' : 'A100'} share in the MFU, s per micro-step (time-model.md §memory-bound work)`,
    });
  const padding = overrides.paddingFraction ?? 0;
  if (padding > 0)
    factors.push({
      name: 'padding',
      value: padding,
      source: `vramLens.timeModel.paddingFraction: ${Math.round(padding * 100)}% of the computed tokens are padding, not trained tokens (time-model.md §packing)`,
    });
  const trainedPerMicroStep = tokensPerMicroStep * (1 - padding);
  let dequant = 0;
  if (quantized && gpu.bandwidthTBs) {
    const quantParams = linearModules(m).reduce((t, x) => t + x.inFeatures * x.outFeatures * x.count, 0);
    const passes = s.gradientCheckpointing ? 3 : 2;
    const bytes = overrides.qloraDequantBytesPerParam ?? QLORA_DEQUANT_BYTES;
    dequant = (quantParams * passes * bytes) / (gpu.bandwidthTBs * 1e12);
    factors.push({
      name: 'QLoRA dequantization',
      value: dequant,
      source: `${passes} passes × ${bytes} B per 4-bit param at ${gpu.bandwidthTBs} TB/s, s per micro-step (${overrides.qloraDequantBytesPerParam !== undefined ? 'vramLens.timeModel' : 'time-model.md §dequantization, Qwen README'})`,
    });
  } else if (quantized) notes.push(`${gpu.name} has no bandwidth figure: QLoRA dequantization not counted`);
  const gen = generationSeconds(m, s, gpu, mfu);
  if (gen) factors.push({ name: 'generation', value: gen.seconds, source: gen.source });
  const tr = transferTerms(m, s, gpu, st);
  for (const x of tr.notes) if (!(flatOffload && /^CPU /.test(x.name))) factors.push(x);
  const terms: StepTerms = {
    compute: Math.max(matmulFloor, tokensPerMicroStep / computeTokPerSec + memoryBound * tokensPerMicroStep) / speed,
    dequant: dequant / speed,
    commMicro: tr.commMicro,
    pcieMicro: flatOffload ? 0 : tr.pcieMicro,
    sharedLink: tr.sharedLink,
    commStep: tr.commStep,
    serialTransfer: flatOffload ? 0 : tr.serialTransfer,
    optimizerGpu: tr.optimizerGpu,
    optimizerCpu: flatOffload ? 0 : tr.optimizerCpu,
    generation: gen?.seconds ?? 0,
    units: tr.units,
    buckets: tr.buckets,
  };
  const point = stepSeconds(terms, s.gradAccumulation);
  const fastEnd = stepSeconds(terms, s.gradAccumulation, { compute: COMPUTE_RANGE[0], transfer: TRANSFER_RANGE[0], cpu: 1 });
  const slowEnd = stepSeconds(terms, s.gradAccumulation, { compute: COMPUTE_RANGE[1], transfer: TRANSFER_RANGE[1], cpu: CPU_ADAM_SLOW });
  const tokensPerStep = trainedPerMicroStep * s.gradAccumulation;
  const tokensPerSecondPerGpu = tokensPerStep / point.step;
  const modelFlopsPerSecond = (tokensPerMicroStep * s.gradAccumulation * f.model) / point.step;
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
      mfu: modelFlopsPerSecond / (peakTflops * 1e12),
      scalingEfficiency: scale.value,
      dequantSecondsPerMicroStep: dequant,
      terms,
      secondsPerMicroStep: point.micro,
      tokensPerSecondPerGpu,
      tokensPerSecondPerGpuRange: [tokensPerStep / slowEnd.step, tokensPerStep / fastEnd.step],
      tokensPerSecond: tokensPerSecondPerGpu * s.gpus,
      secondsPerStep: point.step,
      secondsPerStepRange: [fastEnd.step, slowEnd.step],
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
