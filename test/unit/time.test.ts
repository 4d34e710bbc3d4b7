// The time model against hand calculations: FLOPs per token from the architecture (6N / 4N + attention +
// recompute), throughput from peak × MFU with each documented factor, QLoRA dequantization per micro-step,
// interconnect scaling, overrides; training tokens read from the file; the CLI's --compare.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { GpuSpec, GpuSpecSchema } from '../../src/analysis/hardware/gpus';
import { estimateThroughput, flopsPerToken, parseTokenCount, resolveTokens, scalingEfficiency, ThroughputEstimate, tokensFromFile } from '../../src/analysis/hardware/time';
import { extractPython } from '../../src/analysis/extract/python';
import { defaultSetup, TrainingSetup } from '../../src/analysis/memory/setup';

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
const attn = (s: number) => 12 * L * H * s; // fwd + bwd attention scores and values (PaLM appendix B)

describe('time model: FLOPs per token (time.ts)', () => {
  const m = spec('meta-llama/Llama-2-7b-hf');

  it('full fine-tuning: 6N + 12·L·d·s; checkpointing recomputes 2N + the attention forward', () => {
    assert.equal(N7, 6_607_077_376);
    const f = flopsPerToken(m, defaultSetup({ method: 'full', seqLen: 4096 }));
    assert.equal(f.n, N7);
    assert.equal(f.model, 6 * N7 + attn(4096));
    assert.equal(f.recompute, 0);
    const gc = flopsPerToken(m, defaultSetup({ method: 'full', seqLen: 4096, gradientCheckpointing: true }));
    assert.equal(gc.recompute, 2 * N7 + attn(4096) / 3);
  });

  it('LoRA: 4N + attention + 6 × adapter params (r = 8 on q, v: 32 × 8 × 2 × (4096 + 4096))', () => {
    const adapters = L * 8 * 2 * (H + H);
    const f = flopsPerToken(m, defaultSetup({ method: 'lora', seqLen: 2048, lora: { r: 8, targets: ['q_proj', 'v_proj'], dora: false, modulesToSave: [], dropout: 0, dtype: 'fp32' } }));
    assert.equal(f.adapterParams, adapters);
    assert.equal(f.model, 4 * N7 + attn(2048) + 6 * adapters);
  });
});

describe('time model: throughput (time.ts)', () => {
  const m = spec('meta-llama/Llama-2-7b-hf');
  const lora = { r: 8, targets: ['q_proj', 'v_proj'], dora: false, modulesToSave: [], dropout: 0, dtype: 'fp32' as const };
  const adapters = L * 8 * 2 * (H + H);

  it('HF + PEFT on one A100: 312 TF × 0.35 (measured with checkpointing), faster without recompute', () => {
    const s = defaultSetup({ method: 'lora', lora, seqLen: 2048, microBatch: 4, gradAccumulation: 2, gradientCheckpointing: true });
    const M = 4 * N7 + attn(2048) + 6 * adapters;
    const t = tp(m, s, gpu('a100-sxm-80gb'));
    close(t.tokensPerSecondPerGpu, (312e12 * 0.35) / M, 1e-9, 'with checkpointing');
    close(t.secondsPerStep, (4 * 2048 * 2) / t.tokensPerSecondPerGpu, 1e-9, 'step = micro × seq × accumulation');
    const noGc = tp(m, { ...s, gradientCheckpointing: false }, gpu('a100-sxm-80gb'));
    const R = 2 * N7 + attn(2048) / 3;
    close(noGc.tokensPerSecondPerGpu, (312e12 * 0.35 * ((M + R) / M)) / M, 1e-9, 'without: the reference recompute is saved');
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
    // the overhead is fixed per micro-step: a longer sequence makes it relatively smaller (hardware.md §3)
    const long = tp(m, { ...s, seqLen: 4096 }, gpu('a100-sxm-80gb'));
    const longLora = tp(m, { ...s, seqLen: 4096, method: 'lora', quantization: 'none' }, gpu('a100-sxm-80gb'));
    assert.ok(long.tokensPerSecondPerGpu / longLora.tokensPerSecondPerGpu > t.tokensPerSecondPerGpu / l.tokensPerSecondPerGpu);
  });

  it('FP8 only where the GPU has it and never with bitsandbytes; ×1.25 for a 7B model', () => {
    const s = defaultSetup({ method: 'full', seqLen: 2048, gpus: 8, sharding: 'fsdp', gradientCheckpointing: true });
    const bf16 = tp(m, s, gpu('h100-sxm-80gb'));
    const fp8 = tp(m, s, gpu('h100-sxm-80gb'), 'hf', { fp8: true });
    assert.equal(fp8.fp8, true);
    close(fp8.tokensPerSecondPerGpu / bf16.tokensPerSecondPerGpu, 1.25);
    const a100 = tp(m, s, gpu('a100-sxm-80gb'), 'hf', { fp8: true });
    assert.equal(a100.fp8, false);
    assert.match(a100.notes.join(' '), /no FP8/);
    const q = tp(m, { ...s, method: 'qlora', quantization: 'nf4', lora }, gpu('h100-sxm-80gb'), 'hf', { fp8: true });
    assert.equal(q.fp8, false);
  });

  it('every default can be overridden: an MFU override replaces the stack, checkpointing and small-model rules', () => {
    const s = defaultSetup({ method: 'lora', lora, seqLen: 256, gradientCheckpointing: false });
    const M = 4 * N7 + attn(256) + 6 * adapters;
    close(tp(m, s, gpu('a100-sxm-80gb'), 'hf', { mfu: 0.5 }).tokensPerSecondPerGpu, (312e12 * 0.5) / M);
    // without the override a 256-token sequence is capped at 0.15 (hardware.md §5), then the checkpointing factor
    const capped = tp(m, s, gpu('a100-sxm-80gb'));
    assert.ok(capped.factors.some((f) => f.name === 'small model or short sequence' && f.value === 0.15));
    close(tp(m, s, gpu('a100-sxm-80gb'), 'unsloth').tokensPerSecondPerGpu / capped.tokensPerSecondPerGpu, 1.8);
    close(tp(m, s, gpu('a100-sxm-80gb'), 'unsloth', { unslothSpeedup: 2 }).tokensPerSecondPerGpu / capped.tokensPerSecondPerGpu, 2);
    assert.equal(tp(m, { ...s, gpus: 4, sharding: 'ddp' }, gpu('l40s-48gb'), 'hf', { scalingEfficiency: 0.9 }).scalingEfficiency, 0.9);
    // every factor names where its default comes from
    for (const f of tp(m, { ...s, gpus: 16, sharding: 'fsdp', offloadOptimizer: true, compiled: true }, gpu('h100-sxm-80gb')).factors) assert.ok(f.source.length > 10, f.name);
  });

  it('a GPU without a BF16 figure has no time estimate', () => {
    const custom = GpuSpecSchema.parse({ id: 'mystery', name: 'Mystery card', memoryGiB: 48 });
    const r = estimateThroughput(m, defaultSetup(), custom, 'hf');
    assert.equal(r.ok, false);
  });
});

describe('time model: interconnect scaling (hardware.md §5)', () => {
  const s = (gpus: number, sharding: TrainingSetup['sharding']) => defaultSetup({ gpus, sharding });
  it('NVLink node 1.0, across nodes 0.93 / 0.87 / 0.8; PCIe 0.7 DDP, 0.5 sharded, 0.45 multi-node; bridged pairs', () => {
    assert.equal(scalingEfficiency(gpu('h100-sxm-80gb'), s(8, 'fsdp')).value, 1);
    assert.equal(scalingEfficiency(gpu('h100-sxm-80gb'), s(16, 'fsdp')).value, 0.93);
    assert.equal(scalingEfficiency(gpu('h100-sxm-80gb'), s(32, 'fsdp')).value, 0.87);
    assert.equal(scalingEfficiency(gpu('h100-sxm-80gb'), s(64, 'fsdp')).value, 0.8);
    assert.equal(scalingEfficiency(gpu('l40s-48gb'), s(4, 'ddp')).value, 0.7);
    assert.equal(scalingEfficiency(gpu('l40s-48gb'), s(4, 'fsdp')).value, 0.5);
    assert.equal(scalingEfficiency(gpu('l40s-48gb'), s(16, 'fsdp')).value, 0.45);
    assert.equal(scalingEfficiency(gpu('rtx-a6000-48gb'), s(2, 'ddp')).value, 1, 'an NVLink bridge joins a pair');
    assert.equal(scalingEfficiency(gpu('rtx-a6000-48gb'), s(4, 'ddp')).value, 0.7);
    assert.equal(scalingEfficiency(gpu('mi300x-192gb'), s(8, 'fsdp')).value, 1, 'Infinity Fabric');
  });
});

describe('training tokens', () => {
  let parser: Awaited<ReturnType<typeof loadParser>>;
  before(async () => {
    parser = await loadParser();
  });
  const setup = defaultSetup({ microBatch: 4, gradAccumulation: 4, gpus: 2, seqLen: 2048 });

  it('max_steps × global batch × sequence; max_steps wins over epochs; -1 means not set', () => {
    const hp = extractPython(parser, 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", num_train_epochs=3, max_steps=1000)\n');
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
    const hp = extractPython(parser, 'import sys\nfrom transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", num_train_epochs=float(sys.argv[1]), max_steps=compute())\n');
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
    const rows = j.comparison as { gpu: string; count: number | null; fits: boolean; hours: number | null; costUsd: number | null; requiredBytes: number | null; usableBytes: number }[];
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
