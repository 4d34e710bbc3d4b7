// The time model against hand calculations: FLOPs per token from the architecture (6N / 4N + causal attention +
// recompute), throughput from peak × MFU with each documented factor, QLoRA dequantization per micro-step, the
// communication, host-transfer, optimizer and memory-bound terms with their overlap, sustained rates, padding and
// the range of an estimate; training tokens read from the file; the GPU comparison and the CLI's --compare.
// Every constant is explained in docs/sources/time-model.md.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { compareGpus } from '../../src/analysis/hardware/compare';
import { gpuCatalog, GpuSpec, GpuSpecSchema } from '../../src/analysis/hardware/gpus';
import {
  collectiveBandwidth,
  COMPUTE_RANGE,
  elementwiseBytesPerToken,
  estimateThroughput,
  exposedTransfer,
  FABRIC_EFFICIENCY,
  flopsPerToken,
  generationSeconds,
  memoryBoundSeconds,
  NETWORK_EFFICIENCY,
  parameterBytes,
  parseTokenCount,
  PCIE_EFFICIENCY,
  resolveTokens,
  scalingEfficiency,
  stepSeconds,
  sustainedRateFactor,
  ThroughputEstimate,
  tokensFromFile,
  transferTerms,
} from '../../src/analysis/hardware/time';
import { extractPython } from '../../src/analysis/extract/python';
import { defaultJob, defaultSetup, TrainingSetup } from '../../src/analysis/memory/setup';

import { ModelSpec } from '../../src/analysis/models/spec';
import { gpu, loadParser, repoRoot, spec } from './helpers';

function close(a: number, b: number, rel = 1e-9, what = '') {
  assert.ok(Math.abs(a / b - 1) <= rel, `${what} ${a} vs ${b}`);
}
function tp(m: ModelSpec, s: TrainingSetup, g: GpuSpec, stack: Parameters<typeof estimateThroughput>[3] = 'hf', o = {}): ThroughputEstimate {
  const r = estimateThroughput(m, s, g, stack, o);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.value;
}

// Llama-2-7B by hand (meta-llama/Llama-2-7b-hf config.json: hidden 4096, 32 layers, 32 heads, intermediate
// 11008, vocab 32000): the linear layers a token passes through plus the output projection.
const H = 4096;
const L = 32;
const N7 = L * (4 * H * H + 3 * H * 11008) + H * 32000; // 6,607,077,376
// fwd + bwd attention scores and values (PaLM appendix B: 12·L·H·s), halved for causal SDPA / FlashAttention, which
// skips the masked blocks (FlashAttention-2 §3.1); eager attention computes the full matrix.
const attn = (s: number) => 6 * L * H * s;
const attnEager = (s: number) => 12 * L * H * s;
// AdamW on the GPU reads p, g, m, v and writes p, m, v: 28 B per trainable parameter, once per optimizer step.
const adamSeconds = (params: number, tbs: number) => (params * 28) / (tbs * 1e12);

describe('time model: FLOPs per token (time.ts)', () => {
  const m = spec('meta-llama/Llama-2-7b-hf');

  it('full fine-tuning: 6N + 6·L·d·s (causal; 12·L·d·s eager); checkpointing recomputes 2N + the attention forward', () => {
    assert.equal(N7, 6_607_077_376);
    const f = flopsPerToken(m, defaultSetup({ method: 'full', seqLen: 4096 }));
    assert.equal(f.n, N7);
    assert.equal(f.model, 6 * N7 + attn(4096));
    assert.equal(f.recompute, 0);
    const gc = flopsPerToken(m, defaultSetup({ method: 'full', seqLen: 4096, gradientCheckpointing: true }));
    assert.equal(gc.recompute, 2 * N7 + attn(4096) / 3);
    // eager attention computes the masked half too
    assert.equal(flopsPerToken(m, defaultSetup({ method: 'full', seqLen: 4096, attention: 'eager' })).model, 6 * N7 + attnEager(4096));
  });

  it('LoRA: 4N + attention + 6 × adapter params (r = 8 on q, v: 32 × 8 × 2 × (4096 + 4096))', () => {
    const adapters = L * 8 * 2 * (H + H);
    const f = flopsPerToken(
      m,
      defaultSetup({ method: 'lora', seqLen: 2048, lora: { r: 8, targets: ['q_proj', 'v_proj'], dora: false, modulesToSave: [], dropout: 0, dtype: 'fp32' } }),
    );
    assert.equal(f.adapterParams, adapters);
    assert.equal(f.model, 4 * N7 + attn(2048) + 6 * adapters);
  });
});

describe('time model: throughput (time.ts)', () => {
  const m = spec('meta-llama/Llama-2-7b-hf');
  const lora = { r: 8, targets: ['q_proj', 'v_proj'], dora: false, modulesToSave: [], dropout: 0, dtype: 'fp32' as const };
  const adapters = L * 8 * 2 * (H + H);

  it('HF + PEFT on one A100: 312 TF × 0.35 (measured with checkpointing), faster without recompute; + the AdamW step', () => {
    const s = defaultSetup({ method: 'lora', lora, seqLen: 2048, microBatch: 4, gradAccumulation: 2, gradientCheckpointing: true });
    const M = 4 * N7 + attn(2048) + 6 * adapters;
    const t = tp(m, s, gpu('a100-sxm-80gb'));
    // the A100 is the reference card of the HF default: no sustained-rate or memory-bound correction
    const micro = (4 * 2048 * M) / (312e12 * 0.35);
    close(t.terms.compute, micro, 1e-9, 'compute per micro-step');
    close(t.secondsPerStep, 2 * micro + adamSeconds(adapters, 2.04), 1e-9, 'step = accumulation × micro-step + optimizer');
    close(t.tokensPerSecondPerGpu, (4 * 2048 * 2) / t.secondsPerStep, 1e-9, 'tokens per step ÷ step');
    const noGc = tp(m, { ...s, gradientCheckpointing: false }, gpu('a100-sxm-80gb'));
    const R = 2 * N7 + attn(2048) / 3;
    close(noGc.terms.compute, (4 * 2048 * M) / (312e12 * 0.35 * ((M + R) / M)), 1e-9, 'without: the reference recompute is saved');
  });

  it('Hopper-class GPUs get the lower HF MFU (0.28), A100 0.35; ZeRO-3 over 8 uses 0.22 / 0.37', () => {
    const s = defaultSetup({ method: 'lora', lora, seqLen: 2048, gradientCheckpointing: true });
    assert.equal(tp(m, s, gpu('h100-sxm-80gb')).factors[0].value, 0.28);
    assert.equal(tp(m, s, gpu('a100-sxm-80gb')).factors[0].value, 0.35);
    assert.equal(tp(m, { ...s, gpus: 8, sharding: 'zero3' }, gpu('h100-sxm-80gb')).factors[0].value, 0.22);
    assert.equal(tp(m, { ...s, gpus: 8, sharding: 'zero3' }, gpu('a100-sxm-80gb')).factors[0].value, 0.37);
  });

  it('QLoRA adds the dequantization of every 4-bit weight, 3 passes × 23 B per param at the bandwidth, per micro-step', () => {
    const s = defaultSetup({ method: 'qlora', quantization: 'nf4', lora, seqLen: 2048, microBatch: 1, gradientCheckpointing: true });
    const linear = L * (4 * H * H + 3 * H * 11008);
    const t = tp(m, s, gpu('a100-sxm-80gb'));
    close(t.dequantSecondsPerMicroStep, (linear * 3 * 23) / 2.04e12);
    const l = tp(m, { ...s, method: 'lora', quantization: 'none' }, gpu('a100-sxm-80gb'));
    close(t.secondsPerStep, l.secondsPerStep + t.dequantSecondsPerMicroStep, 1e-9, 'QLoRA step = LoRA step + dequant');
    // the card's own bandwidth sets it (per card class): the same job on a 4090 at 1.01 TB/s
    close(tp(m, s, gpu('rtx-4090-24gb')).dequantSecondsPerMicroStep, (linear * 3 * 23) / 1.01e12);
    // the overhead is fixed per micro-step: a longer sequence makes it relatively smaller (docs/sources/time-model.md §3)
    const long = tp(m, { ...s, seqLen: 4096 }, gpu('a100-sxm-80gb'));
    const longLora = tp(m, { ...s, seqLen: 4096, method: 'lora', quantization: 'none' }, gpu('a100-sxm-80gb'));
    assert.ok(long.tokensPerSecondPerGpu / longLora.tokensPerSecondPerGpu > t.tokensPerSecondPerGpu / l.tokensPerSecondPerGpu);
  });

  it('FP8 only where the GPU has it and never with bitsandbytes; ×1.25 for a 7B model', () => {
    const s = defaultSetup({ method: 'full', seqLen: 2048, gpus: 8, sharding: 'fsdp', gradientCheckpointing: true });
    const bf16 = tp(m, s, gpu('h100-sxm-80gb'));
    const fp8 = tp(m, s, gpu('h100-sxm-80gb'), 'hf', { fp8: true });
    assert.equal(fp8.fp8, true);
    // the compute (the H100 is the fast class's reference card: no memory-bound correction) is 1.25× faster;
    // collectives and the optimizer step are not
    close(bf16.terms.compute / fp8.terms.compute, 1.25);
    assert.ok(fp8.tokensPerSecondPerGpu / bf16.tokensPerSecondPerGpu < 1.25);
    const a100 = tp(m, s, gpu('a100-sxm-80gb'), 'hf', { fp8: true });
    assert.equal(a100.fp8, false);
    assert.match(a100.notes.join(' '), /no FP8/);
    const q = tp(m, { ...s, method: 'qlora', quantization: 'nf4', lora }, gpu('h100-sxm-80gb'), 'hf', { fp8: true });
    assert.equal(q.fp8, false);
  });

  it('every default can be overridden: an MFU override replaces the stack, checkpointing and small-model rules', () => {
    const s = defaultSetup({ method: 'lora', lora, seqLen: 256, gradientCheckpointing: false });
    const M = 4 * N7 + attn(256) + 6 * adapters;
    const o = tp(m, s, gpu('a100-sxm-80gb'), 'hf', { mfu: 0.5 });
    close(o.secondsPerStep, (256 * M) / (312e12 * 0.5) + adamSeconds(adapters, 2.04));
    // without the override a 256-token sequence is capped at 0.15 (time-model.md §MFU), then the checkpointing factor
    const capped = tp(m, s, gpu('a100-sxm-80gb'));
    assert.ok(capped.factors.some((f) => f.name === 'small model or short sequence' && f.value === 0.15));
    close(capped.terms.compute / tp(m, s, gpu('a100-sxm-80gb'), 'unsloth').terms.compute, 1.8);
    close(capped.terms.compute / tp(m, s, gpu('a100-sxm-80gb'), 'unsloth', { unslothSpeedup: 2 }).terms.compute, 2);
    assert.equal(tp(m, { ...s, gpus: 4, sharding: 'ddp' }, gpu('l40s-48gb'), 'hf', { scalingEfficiency: 0.9 }).scalingEfficiency, 0.9);
    // every factor names where its default comes from
    for (const f of tp(m, { ...s, gpus: 16, sharding: 'fsdp', offloadOptimizer: true, compiled: true }, gpu('h100-sxm-80gb')).factors)
      assert.ok(f.source.length > 10, f.name);
  });

  it('a GPU without a BF16 figure has no time estimate', () => {
    const custom = GpuSpecSchema.parse({ id: 'mystery', name: 'Mystery card', memoryGiB: 48 });
    const r = estimateThroughput(m, defaultSetup(), custom, 'hf');
    assert.equal(r.ok, false);
  });
});

describe('time model: interconnect bandwidth (time-model.md §communication)', () => {
  const PCIE4 = 31.5 * PCIE_EFFICIENCY; // Gen4 x16 per direction × NCCL's 12/15.75
  it('NVLink within its domain, the network across nodes, PCIe P2P, bridged pairs, through host memory without P2P', () => {
    assert.equal(PCIE_EFFICIENCY, 12 / 15.75);
    close(collectiveBandwidth(gpu('h100-sxm-80gb'), 8).gbs, 450 * FABRIC_EFFICIENCY, 1e-12, 'NVLink4 450 GB/s per direction × 0.8');
    close(collectiveBandwidth(gpu('h100-sxm-80gb'), 16).gbs, 50 * NETWORK_EFFICIENCY, 1e-12, '400 Gb/s per GPU between DGX H100 nodes × 0.96');
    close(collectiveBandwidth(gpu('a100-sxm-80gb'), 64).gbs, 25 * NETWORK_EFFICIENCY, 1e-12, '200 Gb/s per GPU between DGX A100 nodes');
    close(collectiveBandwidth(gpu('l40s-48gb'), 4).gbs, PCIE4, 1e-12, 'PCIe Gen4 peer-to-peer');
    close(collectiveBandwidth(gpu('rtx-pro-6000-96gb'), 4).gbs, 63 * PCIE_EFFICIENCY, 1e-12, 'PCIe Gen5');
    close(collectiveBandwidth(gpu('rtx-a6000-48gb'), 2).gbs, 56.25 * FABRIC_EFFICIENCY, 1e-12, 'an NVLink bridge joins a pair');
    close(collectiveBandwidth(gpu('rtx-a6000-48gb'), 4).gbs, PCIE4, 1e-12, 'four bridged cards ring over PCIe');
    close(collectiveBandwidth(gpu('gb200-186gb'), 72).gbs, 900 * FABRIC_EFFICIENCY, 1e-12, 'the NVL72 domain spans the rack');
    // GeForce: no P2P, every byte is written and read once in host DRAM; the reference host (2× EPYC, 409.6 GB/s)
    // does not bind at 8 cards (409.6 / 16 = 25.6 > 24), a dual-channel desktop (51.2 GB/s) does at 2
    assert.match(collectiveBandwidth(gpu('rtx-4090-24gb'), 8).path, /host memory/);
    close(collectiveBandwidth(gpu('rtx-4090-24gb'), 8).gbs, PCIE4, 1e-12);
    const desktop = GpuSpecSchema.parse({ ...gpu('rtx-4090-24gb'), id: 'desk-4090', hostMemoryGBs: 51.2 });
    close(collectiveBandwidth(desktop, 2).gbs, 51.2 / (2 * 2), 1e-12, 'host DRAM ÷ (2 × GPUs)');
    // a custom GPU without the link fields: read from the interconnect text (a bidirectional total)
    const custom = GpuSpecSchema.parse({ id: 'lab-nv', name: 'Lab', memoryGiB: 80, bf16Tflops: 300, interconnect: 'NVLink 600 GB/s' });
    close(collectiveBandwidth(custom, 8).gbs, 300 * FABRIC_EFFICIENCY, 1e-12);
  });

  it('scalingEfficiency is 1 (communication is explicit) and names the path', () => {
    assert.equal(scalingEfficiency(gpu('l40s-48gb'), defaultSetup({ gpus: 4, sharding: 'fsdp' })).value, 1);
    assert.match(scalingEfficiency(gpu('l40s-48gb'), defaultSetup({ gpus: 4, sharding: 'fsdp' })).source, /PCIe peer-to-peer/);
  });
});

describe('time model: collectives, offload and overlap (time-model.md §communication, §offload)', () => {
  const m = spec('meta-llama/Llama-2-7b-hf');
  const lora64 = {
    r: 64,
    targets: ['q_proj', 'k_proj', 'v_proj', 'up_proj', 'down_proj', 'gate_proj'],
    dora: false,
    modulesToSave: [],
    dropout: 0,
    dtype: 'bf16' as const,
  };
  // adapters: per layer r × (in + out) for q, k, v (4096 → 4096), up, gate (4096 → 11008), down (11008 → 4096)
  const adapters = L * 64 * (3 * (H + H) + 3 * (H + 11008));
  const linear = L * (4 * H * H + 3 * H * 11008);
  const rest = 2 * 32000 * H + (2 * L + 1) * H; // embedding, lm_head, norms (bf16)
  const PCIE4 = 31.5 * PCIE_EFFICIENCY;

  it('stored bytes: NF4 4 bits + one fp32 absmax per 64 weights; the rest in bf16; gradients of the adapters only', () => {
    const q = parameterBytes(m, defaultSetup({ method: 'qlora', quantization: 'nf4', lora: lora64 }));
    close(q.stored, linear * (0.5 + 4 / 64) + rest * 2 + adapters * 2, 1e-12);
    assert.equal(q.trainableParams, adapters);
    assert.equal(q.gradBytes, adapters * 2);
    const dq = parameterBytes(m, defaultSetup({ method: 'qlora', quantization: 'nf4', doubleQuant: true, lora: lora64 }));
    close(dq.stored, linear * (0.5 + 1 / 64 + 4 / (64 * 256)) + rest * 2 + adapters * 2, 1e-12, 'double quantization');
    const full = parameterBytes(m, defaultSetup({ method: 'full' }));
    close(full.stored, (linear + rest) * 2, 1e-12);
    assert.equal(full.gradBytes, full.stored);
  });

  it('FSDP / ZeRO-3: two all-gathers of the weights and a reduce-scatter of the gradients per micro-step, (n−1)/n each', () => {
    const s = defaultSetup({
      method: 'qlora',
      quantization: 'nf4',
      lora: lora64,
      gpus: 2,
      sharding: 'fsdp',
      microBatch: 1,
      seqLen: 2048,
      gradientCheckpointing: true,
    });
    const p = parameterBytes(m, s);
    const t = transferTerms(m, s, gpu('rtx-4090-24gb'));
    close(t.commMicro, (2 * (p.stored / 2) + p.gradBytes / 2) / (PCIE4 * 1e9), 1e-12);
    assert.equal(t.commStep, 0);
    assert.equal(t.sharedLink, true, 'over PCIe the collectives and host copies share the link');
    // DDP: one all-reduce 2(n−1)/n × gradients per optimizer step, overlapping the last backward
    const d = transferTerms(m, { ...s, sharding: 'ddp' }, gpu('rtx-4090-24gb'));
    close(d.commStep, (2 * (1 / 2) * p.gradBytes) / (PCIE4 * 1e9), 1e-12);
    assert.equal(d.commMicro, 0);
    assert.equal(d.buckets, Math.ceil(p.gradBytes / (25 * 2 ** 20)), '25 MB DDP buckets');
    // ZeRO-2: reduce-scatter per micro-step, all-gather of the updated trainable weights after the step
    const z2 = transferTerms(m, { ...s, sharding: 'zero2' }, gpu('l40s-48gb'));
    close(z2.commMicro, p.gradBytes / 2 / (PCIE4 * 1e9), 1e-12);
    close(z2.serialTransfer, p.trainableBytes / 2 / (PCIE4 * 1e9), 1e-12);
    // NeMo / Megatron: its communication is inside its measured MFU
    const nemo = transferTerms(m, { ...s, method: 'full', quantization: 'none', lora: null }, gpu('h100-sxm-80gb'), 'nemo');
    assert.equal(nemo.commMicro + nemo.commStep + nemo.serialTransfer, 0);
  });

  it('CPU offload: weights copied host→device for the forward and the backward, gradients back, AdamW on the host at its DRAM bandwidth', () => {
    const s = defaultSetup({
      method: 'qlora',
      quantization: 'nf4',
      lora: lora64,
      gpus: 2,
      sharding: 'fsdp',
      offloadOptimizer: true,
      offloadParams: true,
      microBatch: 2,
      seqLen: 2048,
      gradientCheckpointing: true,
    });
    const p = parameterBytes(m, s);
    const t = transferTerms(m, s, gpu('rtx-4090-24gb'));
    const host = Math.min(PCIE4, 409.6 / 2); // the link, or the host DRAM shared by the node's 2 GPUs
    close(t.pcieMicro, ((2 * p.stored) / 2 + p.gradBytes / 2) / (host * 1e9), 1e-12);
    // each rank steps its half; both ranks share the host: (adapters / 2) × 2 params × 30 B ÷ 409.6 GB/s
    close(t.optimizerCpu, ((adapters / 2) * 2 * 30) / 409.6e9, 1e-12);
    assert.equal(t.optimizerGpu, 0);
    // optimizer offload alone (ZeRO-2 offload_optimizer): gradients down per micro-step, updated weights up per step
    const z = transferTerms(m, { ...s, sharding: 'zero2', offloadParams: false }, gpu('l40s-48gb'));
    const h = Math.min(PCIE4, 204.8 / 2);
    close(z.pcieMicro, p.gradBytes / 2 / (h * 1e9), 1e-12);
    close(z.serialTransfer, p.trainableBytes / 2 / (PCIE4 * 1e9) + p.trainableBytes / 2 / (h * 1e9), 1e-12);
  });

  it('overlap: a transfer hides behind the compute window except the first prefetch unit and what exceeds the window', () => {
    assert.equal(exposedTransfer(0, 5, 32), 0);
    close(exposedTransfer(3.2, 10, 32), 0.1, 1e-12, 'fully overlapped but the first of 32 layers');
    close(exposedTransfer(12.8, 10, 32), 0.4 + 2.8, 1e-12, 'longer than the window');
    const terms = {
      compute: 2,
      dequant: 0.5,
      commMicro: 1,
      pcieMicro: 0.6,
      sharedLink: true,
      commStep: 3,
      serialTransfer: 0.2,
      optimizerGpu: 0.1,
      optimizerCpu: 0.3,
      generation: 0,
      units: 10,
      buckets: 4,
    };
    const r = stepSeconds(terms, 4);
    const micro = 2.5 + exposedTransfer(1.6, 2.5, 10);
    close(r.micro, micro, 1e-12);
    close(r.step, 4 * micro + exposedTransfer(3, 2.5 * (2 / 3), 4) + 0.2 + 0.1 + 0.3, 1e-12);
    // on separate links (NVLink collectives, PCIe copies) the longer of the two counts
    close(stepSeconds({ ...terms, sharedLink: false }, 1).micro, 2.5 + exposedTransfer(1, 2.5, 10), 1e-12);
  });
});

describe('time model: sustained rates, memory-bound work, packing, the range (time-model.md)', () => {
  const m = spec('meta-llama/Llama-2-7b-hf');
  const lora = { r: 8, targets: ['q_proj', 'v_proj'], dora: false, modulesToSave: [], dropout: 0, dtype: 'fp32' as const };

  it('sustained matmul rate: a measured ceiling relative to the reference card of the class', () => {
    close(sustainedRateFactor(gpu('rtx-4090-24gb'))!.value, 167.2 / 165 / (271.2 / 312), 1e-12, 'GeForce beats its FP32-accumulate figure');
    close(sustainedRateFactor(gpu('mi300x-192gb'))!.value, 668.4 / 1307 / (794.5 / 989), 1e-12, 'MI300X reaches half its peak');
    close(sustainedRateFactor(gpu('a100-sxm-80gb'))!.value, 1, 1e-12, 'the reference itself');
    assert.equal(sustainedRateFactor(gpu('l40s-48gb')), null, 'no measurement: the reference share is assumed');
    const s = defaultSetup({ method: 'lora', lora, seqLen: 2048, gradientCheckpointing: true });
    const a = tp(m, s, gpu('rtx-4090-24gb'), 'hf', { mfu: 0.35 });
    const b = tp(m, s, gpu('rtx-4090-24gb'), 'torchtune');
    assert.ok(!a.factors.some((f) => f.name === 'sustained matmul rate'), "an MFU override is already the card's own");
    assert.ok(b.factors.some((f) => f.name === 'sustained matmul rate'));
  });

  it("memory-bound work: bytes per token from the eager code path, moved to the card's own bandwidth", () => {
    const full = defaultSetup({ method: 'full', seqLen: 2048 });
    // per layer forward: 2 norms × 36 B × h, rotary 22 B and SDPA 4 B per q/k element, transpose 4 B per q element,
    // 2 residual adds × 6 B × h, SiLU × up 10 B per intermediate element; × (1 + 2 backward); loss 38 B × vocab
    const layer = 2 * 36 * H + 22 * (H + H) + 4 * (H + H) + 4 * H + 2 * 6 * H + 10 * 11008;
    close(elementwiseBytesPerToken(m, full), L * layer * 3 + 38 * 32000, 1e-12);
    close(elementwiseBytesPerToken(m, { ...full, gradientCheckpointing: true }), L * layer * 4 + 38 * 32000, 1e-12, 'recompute adds a forward');
    const withLora = defaultSetup({ method: 'lora', lora, seqLen: 2048 });
    // q and v adapters: input 2 B + 12 B casting to fp32 adapters, output 12 B per element
    close(elementwiseBytesPerToken(m, withLora), L * (layer + 2 * H * 14 + 2 * H * 12) * 3 + 38 * 32000, 1e-12);
    const E = elementwiseBytesPerToken(m, full);
    assert.equal(memoryBoundSeconds(E, gpu('a100-sxm-80gb'), 1), 0, 'zero on the reference card');
    close(memoryBoundSeconds(E, gpu('l40s-48gb'), 1), (E / 0.91) * (1 / 0.864e12 - 312 / 2.04 / 362e12), 1e-12, "L40S: 419 FLOP/B vs the A100's 153");
    assert.ok(memoryBoundSeconds(E, gpu('a10g-24gb'), 1) < 0, 'A10G has more bandwidth per FLOP than the A100');
  });

  it('full fine-tuning under the HF default (measured on LoRA): the same hardware rate, a larger model-FLOP share', () => {
    const s = defaultSetup({ method: 'full', seqLen: 2048, gradientCheckpointing: true });
    const f = tp(m, s, gpu('a100-sxm-80gb')).factors.find((x) => x.name === 'full fine-tuning')!;
    const loraModel = 4 * N7 + attn(2048);
    const loraHw = loraModel + 2 * N7 + attn(2048) / 3;
    const fullModel = 6 * N7 + attn(2048);
    const fullHw = fullModel + 2 * N7 + attn(2048) / 3;
    close(f.value, loraHw / loraModel / (fullHw / fullModel), 1e-12);
    assert.equal(
      tp(m, s, gpu('h100-sxm-80gb'), 'torchtitan').factors.find((x) => x.name === 'full fine-tuning'),
      undefined,
    );
  });

  it('padding (an input): computed tokens that are padding do not count as trained tokens', () => {
    const s = defaultSetup({ method: 'lora', lora, seqLen: 2048, microBatch: 4, gradientCheckpointing: true });
    const packed = tp(m, s, gpu('a100-sxm-80gb'));
    const padded = tp(m, s, gpu('a100-sxm-80gb'), 'hf', { paddingFraction: 0.25 });
    close(padded.tokensPerSecondPerGpu, packed.tokensPerSecondPerGpu * 0.75);
    close(padded.secondsPerStep, packed.secondsPerStep);
  });

  it("the range of every estimate contains the point estimate; its compute part is the project cases' p10–p90", () => {
    assert.ok(COMPUTE_RANGE[0] < 1 && COMPUTE_RANGE[1] > 1);
    const jobs: [TrainingSetup, string][] = [
      [defaultSetup({ method: 'lora', lora, seqLen: 2048, gradientCheckpointing: true }), 'a100-sxm-80gb'],
      [
        defaultSetup({
          method: 'qlora',
          quantization: 'nf4',
          lora,
          seqLen: 2048,
          gpus: 2,
          sharding: 'fsdp',
          offloadOptimizer: true,
          offloadParams: true,
          gradientCheckpointing: true,
        }),
        'rtx-4090-24gb',
      ],
      [defaultSetup({ method: 'full', seqLen: 4096, gpus: 16, sharding: 'zero3', gradientCheckpointing: true }), 'h100-sxm-80gb'],
    ];
    for (const [s, id] of jobs) {
      const t = tp(m, s, gpu(id));
      assert.ok(t.tokensPerSecondPerGpuRange[0] < t.tokensPerSecondPerGpu && t.tokensPerSecondPerGpu < t.tokensPerSecondPerGpuRange[1], id);
      assert.ok(t.secondsPerStepRange[0] < t.secondsPerStep && t.secondsPerStep < t.secondsPerStepRange[1], id);
    }
  });
});

describe('GPU catalog: prices and provenance (docs/sources/hardware.md)', () => {
  it('every GPU has a dated on-demand price with its source (the MI250 included); nothing cites a file outside the repository', () => {
    for (const g of gpuCatalog()) {
      assert.ok(typeof g.priceUsdPerHour === 'number' && g.priceUsdPerHour > 0, g.id);
      assert.ok(g.priceDate && /^20\d\d/.test(g.priceDate), g.id);
      assert.ok(g.priceSource && g.priceSource.length > 10, g.id);
      assert.ok(g.pcieGen && g.hostMemoryGBs && g.networkGBs && g.p2p !== undefined, `${g.id} link fields`);
    }
    const raw = readFileSync(path.join(repoRoot, 'src', 'analysis', 'hardware', 'gpus.json'), 'utf8');
    assert.doesNotMatch(raw, /\.\.\/shared/);
    assert.doesNotMatch(readFileSync(path.join(repoRoot, 'src', 'analysis', 'hardware', 'time.ts'), 'utf8'), /\.\.\/shared/);
  });

  it('every comparison row that fits has hours and a cost; B200 < H100 < A100 < L40S in GPU-hours for the same job', () => {
    const m8 = spec('meta-llama/Llama-3.1-8B');
    const tokens = { tokens: 1e9, source: 'cli' as const, how: 'test' };
    const jobs = [
      defaultSetup({
        method: 'lora',
        lora: { r: 16, targets: 'all-linear', dora: false, modulesToSave: [], dropout: 0, dtype: 'fp32' },
        microBatch: 2,
        seqLen: 2048,
        gradAccumulation: 8,
        gradientCheckpointing: true,
      }),
      defaultSetup({ method: 'full', microBatch: 1, seqLen: 4096, gradAccumulation: 8, gradientCheckpointing: true, gpus: 8, sharding: 'fsdp' }),
      defaultSetup({
        method: 'qlora',
        quantization: 'nf4',
        lora: { r: 16, targets: 'all-linear', dora: false, modulesToSave: [], dropout: 0, dtype: 'bf16' },
        microBatch: 4,
        seqLen: 1024,
        gradientCheckpointing: true,
      }),
    ];
    for (const job of jobs) {
      const c = compareGpus(m8, job, { headroomPercent: 10, tokens, stack: 'hf', preferredCount: job.gpus });
      for (const r of c.rows.filter((x) => x.fits)) {
        assert.ok(r.hours !== null && r.hours > 0 && r.costUsd !== null && r.costUsd > 0, `${r.gpu}: ${r.reason}`);
        assert.ok(r.hoursRange && r.hoursRange[0] < r.hours && r.hours < r.hoursRange[1], `${r.gpu} range`);
      }
      const gpuHours = (id: string) => {
        const r = c.rows.find((x) => x.gpu === id)!;
        return r.hours! * r.count;
      };
      const order = ['b200-180gb', 'h100-sxm-80gb', 'a100-sxm-80gb', 'l40s-48gb'].map(gpuHours);
      for (let i = 1; i < order.length; i++) assert.ok(order[i - 1] < order[i], `GPU-hours ${order.join(' < ')}`);
    }
  });
});

describe('training tokens', () => {
  let parser: Awaited<ReturnType<typeof loadParser>>;
  before(async () => {
    parser = await loadParser();
  });
  const setup = defaultSetup({ microBatch: 4, gradAccumulation: 4, gpus: 2, seqLen: 2048 });

  it('max_steps × global batch × sequence; max_steps wins over epochs; -1 means not set', () => {
    const hp = extractPython(
      parser,
      'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", num_train_epochs=3, max_steps=1000)\n',
    );
    assert.equal(hp.maxSteps?.value, 1000);
    assert.equal(hp.numTrainEpochs?.value, 3);
    const t = tokensFromFile(hp, setup)!;
    assert.equal(t.tokens, 1000 * 4 * 4 * 2 * 2048);
    assert.match(t.how, /max_steps 1000 × global batch 32/);
    const unset = extractPython(parser, 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", max_steps=-1)\n');
    assert.equal(tokensFromFile(unset, setup), null);
    assert.deepEqual(unset.unread, []);
  });

  it('epochs × a literal dataset size × sequence: select(range(N)) and split="train[:N]"', () => {
    const sel = extractPython(
      parser,
      'from datasets import load_dataset\nfrom trl import SFTConfig\nds = load_dataset("x", split="train")\neval_ds = ds.select(range(100))\nds = ds.select(range(5000))\ncfg = SFTConfig(num_train_epochs=2)\n',
    );
    assert.equal(sel.datasetSize?.value, 5000, 'the eval subset is not the training set');
    assert.equal(tokensFromFile(sel, setup)!.tokens, 2 * 5000 * 2048);
    const split = extractPython(parser, 'from datasets import load_dataset\nds = load_dataset("imdb", split="train[:2000]")\n');
    assert.equal(split.datasetSize?.value, 2000);
    const t = tokensFromFile(split, setup)!;
    assert.equal(t.tokens, 3 * 2000 * 2048, 'HF default 3 epochs');
    assert.match(t.how, /HF default/);
    const pct = extractPython(parser, 'from datasets import load_dataset\nds = load_dataset("imdb", split="train[:10%]")\n');
    assert.equal(pct.datasetSize, undefined, 'a percentage is not a count');
  });

  it('unreadable epochs or steps are left out quietly (they do not change memory)', () => {
    const hp = extractPython(
      parser,
      'import sys\nfrom transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", num_train_epochs=float(sys.argv[1]), max_steps=compute())\n',
    );
    assert.equal(hp.numTrainEpochs, undefined);
    assert.deepEqual(hp.unread, []);
  });

  it('--tokens wins over the file, the file over the setting', () => {
    const hp = extractPython(parser, 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", max_steps=10)\n');
    assert.equal(resolveTokens(hp, setup, 5e9, 1e9)!.source, 'cli');
    assert.equal(resolveTokens(hp, setup, undefined, 1e9)!.source, 'file');
    const none = extractPython(parser, 'x = 1\n');
    assert.deepEqual(resolveTokens(none, setup, undefined, 1e9), { tokens: 1e9, source: 'setting', how: 'vramLens.trainingTokens 1000000000' });
    assert.equal(resolveTokens(none, setup), null);
  });

  it('parses 2e9, 500M, 1.5B, 2_000_000; rejects junk', () => {
    assert.equal(parseTokenCount('2e9'), 2e9);
    assert.equal(parseTokenCount('500M'), 5e8);
    assert.equal(parseTokenCount('1.5B'), 1.5e9);
    assert.equal(parseTokenCount('2_000_000'), 2e6);
    for (const bad of ['', 'lots', '-5', '0', '1e9x']) assert.equal(parseTokenCount(bad), undefined, bad);
  });
});

describe('vram-lens analyze --compare', () => {
  const run = (...a: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'analyze', ...a], { encoding: 'utf8', cwd: repoRoot });

  it('--json adds comparison [{gpu, count, fits, hours, costUsd}], one row per GPU, sorted by cost, at the --gpus count when it fits', () => {
    const out = run('examples/llama-3.1-70b-qlora.py', '--compare', '--tokens', '1e8', '--gpus', '2', '--json');
    assert.equal(out.status, 0, out.stderr);
    const j = JSON.parse(out.stdout)[0];
    assert.deepEqual(j.trainingTokens.source, 'cli');
    const rows = j.comparison as {
      gpu: string;
      count: number | null;
      fits: boolean;
      hours: number | null;
      costUsd: number | null;
      requiredBytes: number | null;
      usableBytes: number;
    }[];
    assert.equal(rows.length, 26);
    for (const r of rows) for (const k of ['gpu', 'count', 'fits', 'hours', 'costUsd']) assert.ok(k in r, k);
    const priced = rows.filter((r) => r.costUsd !== null);
    for (let i = 1; i < priced.length; i++) assert.ok(priced[i - 1].costUsd! <= priced[i].costUsd!);
    // the 70B QLoRA job fits one 80 GB card; asked for 2, an H100 row uses 2
    assert.equal(rows.find((r) => r.gpu === 'h100-sxm-80gb')?.count, 2);
    // a 24 GB card cannot hold the 35 GB of 4-bit weights at 2: it gets the smallest count that fits
    const small = rows.find((r) => r.gpu === 'rtx-4090-24gb')!;
    assert.ok(small.fits && small.count! > 2);
    for (const r of rows.filter((x) => x.fits)) assert.ok(r.requiredBytes! <= r.usableBytes * 0.9);
  });

  it('text output: the table, cheapest run first; without tokens it says how to give them', () => {
    const out = run('examples/qwen2.5-7b-lora.py', '--compare');
    assert.match(out.stdout, /GPU comparison \(no token count: pass --tokens N/);
    assert.match(out.stdout, /\$[0-9.]+\/M tok/);
    const bad = run('examples/qwen2.5-7b-lora.py', '--compare', '--time-model', '{"mfu": 7}');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--time-model: mfu/);
    const badTokens = run('examples/qwen2.5-7b-lora.py', '--compare', '--tokens', 'many');
    assert.equal(badTokens.status, 2);
  });
});

describe('time model: generating the completions of GRPO/RLOO/PPO (time.ts generationSeconds)', () => {
  // Qwen2.5-0.5B by hand from its config.json (hidden 896, 24 layers, intermediate 4864, 14 heads, 2 KV heads of
  // 64, vocab 151,936, tied): per layer q,o 896² + k,v 896·128 + gate,up,down 3·896·4864 = 14,909,440 weights;
  // × 24 + the output head 896·151,936 = 493,961,216 weights read per decoding step, 2 B each.
  const n = 24 * (2 * 896 * 896 + 2 * 896 * 128 + 3 * 896 * 4864) + 896 * 151936;
  const h100 = gpu('h100-sxm-80gb');

  it('none for SFT and for preference jobs, which generate nothing', () => {
    assert.equal(generationSeconds(spec('Qwen/Qwen2.5-0.5B'), defaultSetup(), h100, 0.3), null);
    assert.equal(generationSeconds(spec('Qwen/Qwen2.5-0.5B'), defaultSetup({ job: defaultJob('dpo') }), h100, 0.3), null);
  });

  it('one completion at a time: every decoding step reads the weights once at the streaming bandwidth', () => {
    const s = defaultSetup({
      microBatch: 1,
      gradAccumulation: 1,
      job: defaultJob('grpo', { generationBatch: 1, promptLength: 16, completionLength: 1024, generation: 'vllm-colocate' }),
    });
    const g = generationSeconds(spec('Qwen/Qwen2.5-0.5B'), s, h100, 0.3)!;
    // 1024 steps × 2n B / (3.35 TB/s × 0.91): 0.332 s; the K/V of a ≤ 1 k-token sequence and a 16-token prefill add < 2%
    const byHand = (1024 * 2 * n) / (3.35e12 * 0.91);
    assert.ok(Math.abs(g.seconds / byHand - 1) < 0.02, `${g.seconds} vs ${byHand}`);
  });

  it('a batch shares the weight reads: 64 completions take far less than 64 × one', () => {
    const one = defaultSetup({ microBatch: 1, gradAccumulation: 1, job: defaultJob('grpo', { generationBatch: 1, completionLength: 512 }) });
    const many = defaultSetup({ microBatch: 8, gradAccumulation: 8, job: defaultJob('grpo', { generationBatch: 64, completionLength: 512 }) });
    const a = generationSeconds(spec('Qwen/Qwen2.5-0.5B'), one, h100, 0.3)!.seconds;
    const b = generationSeconds(spec('Qwen/Qwen2.5-0.5B'), many, h100, 0.3)!.seconds;
    assert.ok(b > a && b < 16 * a, `${a} s for one, ${b} s for 64`);
  });

  it('is part of the step time of a GRPO job', () => {
    const base = defaultSetup({ microBatch: 8, gradAccumulation: 1, seqLen: 1024 });
    const grpo = { ...base, job: defaultJob('grpo', { generationBatch: 8, promptLength: 256, completionLength: 768, generation: 'vllm-colocate' as const }) };
    const t0 = estimateThroughput(spec('Qwen/Qwen2.5-0.5B'), base, h100, 'hf');
    const t1 = estimateThroughput(spec('Qwen/Qwen2.5-0.5B'), grpo, h100, 'hf');
    assert.ok(t0.ok && t1.ok);
    assert.ok(t1.value.terms.generation > 0);
    assert.ok(t1.value.secondsPerStep > t0.value.secondsPerStep + 0.9 * t1.value.terms.generation);
  });
});
