// The what-if model of the page: the controls' values, the engine input they make, the estimate with its
// components grouped the way people name them, and the changes from the file. Pure; runs in the page
// (bundled by esbuild) and in the tests. Never imports report.ts (that pulls in the parser).
import type { WhatIfChange, WhatIfField } from '../analysis/remedies/apply';
import { GpuSpec, usableBytes } from '../analysis/hardware/gpus';
import { Component, ComponentName, COMPONENT_LABELS } from '../analysis/memory/component';
import { estimateMemory, MemoryEstimate } from '../analysis/memory/estimate';
import { AttentionImpl, OptimizerKind, Quantization, Sharding, SHARDING_NAMES, TrainingSetup } from '../analysis/memory/setup';
import { GiB } from '../analysis/units';
import { Spread, Verdict as AnyVerdict, verdictOf } from '../analysis/verdict';
import { spreadOfSetup } from '../analysis/memory/band';
import { PanelData } from './protocol';

export type Targets = string[] | 'all-linear';

export interface Controls {
  method: 'full' | 'lora';
  microBatch: number;
  seqLen: number;
  loraR: number;
  loraTargets: Targets;
  gradientCheckpointing: boolean;
  /** none / int8 / nf4, or the file's own kind (fp4, GPTQ, AWQ) while unchanged */
  quantization: Quantization;
  optimizer: OptimizerKind;
  attention: AttentionImpl;
  gpu: string;
  gpus: number;
  sharding: Sharding;
  offloadOptimizer: boolean;
}

export type Verdict = Exclude<AnyVerdict, 'unknown'>;

export const FIELD_LABELS: Record<WhatIfField, string> = {
  method: 'Training',
  microBatch: 'Micro-batch per GPU',
  seqLen: 'Sequence length',
  loraR: 'LoRA rank',
  loraTargets: 'LoRA targets',
  gradientCheckpointing: 'Gradient checkpointing',
  quantization: 'Quantization',
  optimizer: 'Optimizer',
  attention: 'Attention',
  gpu: 'GPU type',
  gpus: 'GPU count',
  sharding: 'Sharding',
  offloadOptimizer: 'CPU optimizer offload',
};

export const QUANT_LABELS: Record<Quantization, string> = {
  none: 'None (16-bit)',
  int8: '8-bit (LLM.int8)',
  nf4: '4-bit (NF4)',
  fp4: '4-bit (FP4)',
  'gptq-int4': '4-bit GPTQ checkpoint',
  'awq-int4': '4-bit AWQ checkpoint',
};

export const OPTIMIZER_LABELS: Record<OptimizerKind, string> = {
  adamw: 'AdamW (torch, foreach)',
  adamw_fused: 'AdamW (torch, fused)',
  adamw_8bit: 'AdamW 8-bit (bitsandbytes)',
  paged_adamw_8bit: 'Paged AdamW 8-bit',
  paged_adamw_32bit: 'Paged AdamW 32-bit',
  adafactor: 'Adafactor',
  sgd: 'SGD',
  sgd_momentum: 'SGD with momentum',
  lion: 'Lion',
  lion_8bit: 'Lion 8-bit',
};

export const ATTENTION_LABELS: Record<AttentionImpl, string> = {
  sdpa: 'SDPA',
  flash_attention_2: 'FlashAttention 2',
  eager: 'Eager (materialises B·H·S²)',
};

export const SHARDING_LABELS: Record<Sharding, string> = { ...SHARDING_NAMES, none: 'None (DDP)' };

/** LoRA target presets with Llama-style module names (peft target_modules). */
export function targetPresets(d: PanelData): { value: Targets; label: string }[] {
  const out: { value: Targets; label: string }[] = [{ value: 'all-linear', label: 'All linear layers' }];
  const fam = d.spec?.family ?? '';
  const llamaNames = d.spec?.mlp !== 'standard' && !/^(gpt2|falcon|phi3|phi)$/.test(fam);
  if (llamaNames) {
    out.push(
      { value: ['q_proj', 'v_proj'], label: 'q, v' },
      { value: ['q_proj', 'k_proj', 'v_proj', 'o_proj'], label: 'Attention (q, k, v, o)' },
      { value: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], label: 'Attention + MLP (7 modules)' },
    );
  }
  const file = fileControls(d)?.loraTargets;
  if (file && !out.some((o) => sameTargets(o.value, file))) out.push({ value: file, label: Array.isArray(file) ? file.join(', ') : file });
  return out;
}

export function sameTargets(a: Targets, b: Targets): boolean {
  if (a === 'all-linear' || b === 'all-linear') return a === b;
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}

function fieldValue<T>(d: PanelData, name: string): T | undefined {
  return d.fields.find((f) => f.name === name)?.value as T | undefined;
}

/** The controls at the file's values (null when there is no estimate to vary). */
export function fileControls(d: PanelData): Controls | null {
  const s = d.setup;
  if (!s || !d.spec) return null;
  const adapters = s.method !== 'full' && s.method !== 'frozen';
  return {
    method: adapters ? 'lora' : 'full',
    microBatch: s.microBatch,
    seqLen: s.seqLen,
    loraR: s.lora?.r ?? fieldValue<number>(d, 'loraR') ?? 8,
    loraTargets: s.lora?.targets ?? fieldValue<Targets>(d, 'loraTargets') ?? 'all-linear',
    gradientCheckpointing: s.gradientCheckpointing,
    quantization: s.quantization,
    optimizer: s.optimizer,
    attention: s.attention,
    gpu: d.target.gpu,
    gpus: s.gpus,
    // DDP is what "no sharding" means on several GPUs: one control value for both
    sharding: s.sharding === 'ddp' ? 'none' : s.sharding,
    offloadOptimizer: s.offloadOptimizer,
  };
}

export function gpuOf(d: PanelData, id: string): GpuSpec {
  return d.gpus.find((g) => g.id === id) ?? d.gpus.find((g) => g.id === d.target.gpu) ?? d.gpus[0];
}

/** The engine input for the controls: the file's set-up with each changed control applied. */
export function setupOf(d: PanelData, c: Controls): TrainingSetup {
  const base = d.setup!;
  const file = fileControls(d)!;
  const s: TrainingSetup = { ...base, lora: base.lora ? { ...base.lora } : null };
  s.microBatch = c.microBatch;
  s.seqLen = c.seqLen;
  s.gradientCheckpointing = c.gradientCheckpointing;
  if (!c.gradientCheckpointing && base.gradientCheckpointing) s.activationOffload = false; // Unsloth offloads the checkpoints
  s.optimizer = c.optimizer;
  s.attention = c.attention;
  s.gpus = c.gpus;
  if (c.gpu !== file.gpu) s.gpusPerNode = Math.max(1, gpuOf(d, c.gpu).nodeSize);
  // vLLM colocated with training takes a share of the GPU's total memory (estimate.ts)
  if (c.gpu !== file.gpu || base.gpuTotalBytes !== undefined) s.gpuTotalBytes = gpuOf(d, c.gpu).memoryGiB * GiB;
  s.sharding = c.gpus <= 1 && c.sharding === 'ddp' ? 'none' : c.gpus > 1 && c.sharding === 'none' ? 'ddp' : c.sharding;
  s.offloadOptimizer = c.offloadOptimizer;
  if (c.offloadOptimizer !== file.offloadOptimizer || c.sharding !== file.sharding) {
    // FSDP's CPUOffload moves parameters (and with them gradients and optimizer state) to the CPU:
    // TrainingArguments(fsdp="… offload") reads as both (plan.ts). ZeRO offloads the optimizer only.
    s.offloadParams = c.offloadOptimizer && (s.sharding === 'fsdp' || s.sharding === 'fsdp_grad_op' || s.sharding === 'fsdp_hybrid');
  }
  if (c.quantization !== file.quantization) {
    s.quantization = c.quantization;
    s.doubleQuant = c.quantization === 'nf4'; // what "Apply" writes (bnb_4bit_use_double_quant=True)
    // PEFT's k-bit preparation upcasts non-quantized params to fp32; Unsloth keeps them 16-bit (plan.ts)
    s.kbitUpcast = c.quantization !== 'none' && (file.quantization !== 'none' ? base.kbitUpcast : d.framework !== 'unsloth');
    if (c.quantization !== 'none' && s.weightDtype === 'fp32') s.weightDtype = 'bf16';
  }
  const quantized = s.quantization !== 'none';
  if (c.method === 'full' && !quantized) {
    s.method = 'full';
    s.lora = null;
  } else {
    s.method = quantized ? 'qlora' : base.method === 'dora' ? 'dora' : 'lora';
    // a full fine-tune gets the adapters the plan would read from a LoraConfig with these r and targets
    const fresh = {
      dora: false,
      modulesToSave: [],
      dropout: fieldValue<number>(d, 'loraDropout') ?? 0,
      dtype: fieldValue<TrainingSetup['weightDtype']>(d, 'loraDtype') ?? 'fp32',
    };
    s.lora = { ...(base.lora ?? fresh), r: c.loraR, targets: c.loraTargets };
  }
  if (!quantized) s.kbitUpcast = false;
  return s;
}

export interface GroupRow {
  id: string;
  label: string;
  /** bytes counted against the GPU (allocator and device buffers) */
  bytes: number;
  /** paged optimizer state: on the GPU when there is room, not counted (CUDA managed memory) */
  pagedBytes: number;
  components: Component[];
}

/** The named components people talk about, each made of the engine's finer components. */
export const GROUPS: { id: string; label: string; members: ComponentName[] }[] = [
  { id: 'weights', label: 'Weights', members: ['weights', 'quantConstants', 'autocastCopies', 'gatheredParams'] },
  { id: 'adapters', label: 'Adapters', members: ['adapters'] },
  { id: 'gradients', label: 'Gradients', members: ['gradients'] },
  { id: 'optimizer', label: 'Optimizer', members: ['optimizerState', 'masterWeights', 'optimizerStepTemp', 'pagedOptimizerState'] },
  { id: 'activations', label: 'Activations', members: ['activations'] },
  { id: 'logits', label: 'Logits', members: ['logits'] },
  { id: 'runtime', label: 'Runtime overhead', members: ['allocatorReserve', 'commBuffers', 'cudaContext'] },
];

export function groupsOf(e: MemoryEstimate): GroupRow[] {
  return GROUPS.map((g) => {
    const components = e.components.filter((c) => g.members.includes(c.name));
    return {
      id: g.id,
      label: g.label,
      bytes: components.filter((c) => c.pool !== 'managed').reduce((t, c) => t + c.bytes, 0),
      pagedBytes: components.filter((c) => c.pool === 'managed').reduce((t, c) => t + c.bytes, 0),
      components,
    };
  });
}

export const componentLabel = (c: Component): string => COMPONENT_LABELS[c.name] + (c.pool === 'driver' && c.name === 'commBuffers' ? ' (NCCL)' : '');

export interface Evaluation {
  setup: TrainingSetup;
  estimate: MemoryEstimate;
  gpu: GpuSpec;
  count: number;
  usableBytes: number;
  /** the band of this set-up's own class (band.ts), as ratios of the point */
  spread: Spread;
  verdict: Verdict;
  groups: GroupRow[];
}

/** The band of a set-up the page builds, from the file's stack and packing (what the host's report used). */
export function spreadOfPage(d: PanelData, setup: TrainingSetup): Spread {
  return spreadOfSetup(setup, d.framework, d.fields.find((f) => f.name === 'packing')?.value === true);
}

export function evaluate(d: PanelData, c: Controls): Evaluation {
  const setup = setupOf(d, c);
  const estimate = estimateMemory(d.spec!, setup);
  const spread = spreadOfPage(d, setup);
  const gpu = gpuOf(d, c.gpu);
  const usable = usableBytes(gpu);
  return {
    setup,
    estimate,
    gpu,
    count: setup.gpus,
    usableBytes: usable,
    spread,
    verdict: verdictOf(estimate.requiredBytes, usable, d.target.headroomPercent, spread),
    groups: groupsOf(estimate),
  };
}

const same = (a: unknown, b: unknown) => (Array.isArray(a) || Array.isArray(b) ? sameTargets(a as Targets, b as Targets) : a === b);

/** The controls that differ from the file, as changes the host can apply (LoRA rank and targets only with LoRA). */
export function changesOf(d: PanelData, c: Controls): WhatIfChange[] {
  const file = fileControls(d);
  if (!file) return [];
  const out: WhatIfChange[] = [];
  for (const k of Object.keys(FIELD_LABELS) as WhatIfField[]) {
    if ((k === 'loraR' || k === 'loraTargets') && c.method === 'full' && c.quantization === 'none') continue;
    if (k === 'offloadOptimizer' && (c.sharding === 'none' || c.sharding === 'ddp') && !file.offloadOptimizer) continue;
    const v = c[k];
    if (!same(v, file[k])) out.push({ field: k, value: v } as WhatIfChange);
  }
  return out;
}

export function displayValue(field: WhatIfField | string, v: unknown): string {
  switch (field) {
    case 'method':
      return v === 'full' ? 'Full fine-tune' : 'LoRA adapters';
    case 'quantization':
      return QUANT_LABELS[v as Quantization] ?? String(v);
    case 'optimizer':
      return OPTIMIZER_LABELS[v as OptimizerKind] ?? String(v);
    case 'attention':
      return ATTENTION_LABELS[v as AttentionImpl] ?? String(v);
    case 'sharding':
      return SHARDING_LABELS[v as Sharding] ?? String(v);
    case 'gradientCheckpointing':
    case 'offloadOptimizer':
      return v ? 'on' : 'off';
    case 'loraTargets':
      return Array.isArray(v) ? v.join(', ') : String(v);
    case 'seqLen':
    case 'microBatch':
    case 'gpus':
      return typeof v === 'number' ? v.toLocaleString('en-US') : String(v);
    default:
      return typeof v === 'boolean' ? (v ? 'on' : 'off') : typeof v === 'string' ? v : JSON.stringify(v);
  }
}
