// The project's calibration cases (bench/data/calibration.json): published, measured peaks with every
// setting stated, turned into the engine's inputs the way each source's framework runs them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MemoryEstimate } from '../../src/analysis/memory/estimate';
import { defaultSetup, LossImpl, OptimizerKind, Sharding, TrainingSetup } from '../../src/analysis/memory/setup';
import { ModelSpec, ModelSpecSchema } from '../../src/analysis/models/spec';
import type { BandClass } from '../../src/analysis/memory/band';

export interface Case {
  id: string;
  group: string;
  status: string;
  source: string;
  model_id: string;
  arch: {
    hidden: number;
    layers: number;
    heads: number;
    kv_heads: number;
    intermediate: number;
    vocab: number;
    tied_embeddings: boolean;
    head_dim?: number;
    mlp?: string;
    qkv_bias?: boolean;
    moe?: unknown;
    params_total?: number;
  };
  method: string;
  weight_dtype: string;
  mixed_precision: boolean;
  optimizer: string;
  optimizer_in_backward: boolean | null;
  lora: { r?: number; alpha?: number; targets?: string[] | string | null } | null;
  micro_batch: number;
  seq_len: number;
  /** false: padded to the longest row of the batch */
  packed?: boolean;
  grad_checkpointing: boolean;
  attention: string;
  gpus: number;
  sharding: string;
  cpu_offload: boolean;
  extras: string[] | null;
  gpu: { name: string; mem_gib: number } | null;
  measured: { value: number; unit: 'GiB' | 'GB'; metric: string };
  /** why a case is left out of the summary */
  excluded?: string;
}

export function modelOf(c: Case): ModelSpec {
  const a = c.arch;
  const family = /gemma/i.test(c.model_id) ? 'gemma' : /falcon/i.test(c.model_id) ? 'falcon' : /bert/i.test(c.model_id) ? 'bert' : 'llama';
  const standard = a.mlp === 'standard' || a.mlp === 'gelu' || family === 'falcon' || family === 'bert' || /stablelm|bloom/i.test(c.model_id);
  return ModelSpecSchema.parse({
    id: c.model_id,
    family,
    hiddenSize: a.hidden,
    numLayers: a.layers,
    numHeads: a.heads,
    numKvHeads: a.kv_heads,
    headDim: a.head_dim,
    intermediateSize: a.intermediate,
    vocabSize: a.vocab,
    tiedEmbeddings: a.tied_embeddings,
    mlp: standard ? 'standard' : 'gated',
    normBias: standard,
    qkvBias: a.qkv_bias ?? false,
    source: c.source,
  });
}

/** The setup a case states, read the way its framework runs it (group = source framework). */
export function setupOf(c: Case): TrainingSetup {
  const x = new Set(c.extras ?? []);
  const peft = c.group === 'B';
  const quant = c.weight_dtype.startsWith('nf4') ? 'nf4' : 'none';
  const weightDtype = c.weight_dtype === 'fp32' ? 'fp32' : 'bf16';
  const usesLora = ['lora', 'qlora', 'dora'].includes(c.method);
  const method = usesLora ? (c.method as 'lora' | 'qlora' | 'dora') : c.method === 'full' ? 'full' : 'frozen';
  const opt: Record<string, OptimizerKind> = {
    adamw: x.has('fused_optimizer') || c.group === 'A' ? 'adamw_fused' : 'adamw',
    adamw_8bit: 'adamw_8bit',
    paged_adamw_8bit: 'paged_adamw_8bit',
  };
  const sharding: Record<string, Sharding> = { none: 'none', ddp: 'ddp', fsdp: 'fsdp', zero2: 'zero2', zero3: 'zero3' };
  const loss: LossImpl = x.has('liger') ? 'fused_linear' : x.has('chunked_ce') ? 'chunked' : 'standard';
  const targets = c.lora?.targets;
  return defaultSetup({
    method,
    weightDtype,
    quantization: quant,
    doubleQuant: c.weight_dtype === 'nf4-dq',
    autocast: c.mixed_precision,
    // PEFT's prepare_model_for_kbit_training upcasts non-quantized params (HF docs' QLoRA recipes use it).
    kbitUpcast: peft && quant !== 'none',
    // litgpt's tables were made with bitsandbytes 0.41 (resource-tables.md), which saved 4-bit matmul inputs
    quantSavesInputs: c.group === 'D',
    lora: usesLora
      ? {
          r: c.lora?.r ?? 8,
          targets: Array.isArray(targets) ? targets : targets === 'all-linear' || targets === 'all' ? 'all-linear' : ['q_proj', 'v_proj'],
          dora: c.method === 'dora',
          modulesToSave: [],
          // litgpt lora_dropout default 0.05 (litgpt/finetune/lora.py); PEFT and torchtune default 0.0
          dropout: c.group === 'D' ? 0.05 : 0,
          // PEFT autocast_adapter_dtype=True keeps adapters fp32; litgpt bf16-true and torchtune keep bf16
          dtype: peft ? 'fp32' : weightDtype,
        }
      : null,
    optimizer: opt[c.optimizer] ?? 'adamw',
    optimizerInBackward: !!c.optimizer_in_backward,
    microBatch: c.micro_batch,
    seqLen: c.seq_len,
    gradientCheckpointing: c.grad_checkpointing,
    activationOffload: x.has('activation_offload'),
    attention: c.attention === 'eager' ? 'eager' : c.attention === 'flash2' ? 'flash_attention_2' : 'sdpa',
    loss,
    compiled: x.has('compile'),
    gpus: c.gpus,
    sharding: c.gpus > 1 ? (sharding[c.sharding] ?? 'none') : 'none',
    offloadOptimizer: c.cpu_offload,
    offloadParams: c.cpu_offload,
  });
}

export function predictedOn(metric: string, e: MemoryEstimate): number {
  switch (metric) {
    case 'allocated':
    case 'active':
      return e.peakAllocatedBytes;
    case 'smi':
      return e.peakDeviceBytes;
    default:
      // 'reserved', and 'unknown' (torchtune's README figures come from its reserved-memory log)
      return e.peakReservedBytes;
  }
}

export function calibrationCases(): Case[] {
  return JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'bench', 'data', 'calibration.json'), 'utf8')).cases;
}

/** The band class of a calibration case (memory/band.ts), from its stated settings. */
export function calibrationClass(c: Case): BandClass {
  const quantized = c.weight_dtype.startsWith('nf4') || c.weight_dtype.startsWith('gptq');
  return {
    method: quantized ? 'qlora' : ['lora', 'qlora', 'dora'].includes(c.method) ? 'lora' : 'full',
    sharding: c.gpus <= 1 || c.sharding === 'none' ? 'single' : c.sharding === 'ddp' ? 'ddp' : 'sharded',
    stack: c.group === 'A' ? 'torchtune' : c.group === 'D' ? 'litgpt' : 'hf',
    job: 'sft',
    lengths: c.packed ? 'exact' : 'cap',
  };
}
