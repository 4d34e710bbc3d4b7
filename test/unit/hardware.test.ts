// Hardware recommendation and cost comparison: the smallest GPU count that fits (checked against a hand
// calculation of weights + gradients + Adam state per GPU), rows sorted by total cost, prices and custom
// GPUs from settings, and the targetGpu enum of package.json kept in step with gpus.json.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { byCost, byTime, compareGpus, ComparisonRow, priceOf } from '../../src/analysis/hardware/compare';
import { findGpu, gpuCatalog, GpuSpecSchema, usableBytes } from '../../src/analysis/hardware/gpus';
import { candidatesAt, countsFor, fitOnGpu } from '../../src/analysis/hardware/recommend';
import { parseCustomGpus, parseGpuPrices, parseTimeModel, parseTrainingTokens } from '../../src/analysis/hardware/userSettings';
import { estimateMemory } from '../../src/analysis/memory/estimate';
import { defaultSetup, TrainingSetup } from '../../src/analysis/memory/setup';

import { GiB } from '../../src/analysis/units';
import { gpu, repoRoot, spec } from './helpers';

// Llama-3.1-70B by hand (meta-llama/Llama-3.1-70B config.json: hidden 8192, 80 layers, 64 heads / 8 KV
// heads of 128, intermediate 28672, vocab 128256, untied embeddings).
const H = 8192;
const L = 80;
const KV = 8 * 128;
const FFN = 28672;
const V = 128256;
const P70 = L * (2 * H * H + 2 * H * KV + 3 * H * FFN) + 2 * V * H + (2 * L + 1) * H; // ≈ 70.55e9

/** A 70B full fine-tune in pure bf16 with fused AdamW: 2 B weights + 2 B grads + 2 × 2 B Adam states. */
const FULL_70B: TrainingSetup = defaultSetup({
  method: 'full',
  weightDtype: 'bf16',
  optimizer: 'adamw_fused',
  microBatch: 1,
  seqLen: 2048,
  gradientCheckpointing: true,
});

describe('hardware recommendation (recommend.ts)', () => {
  it('tries 1, 2, 4 within a node, then whole nodes', () => {
    assert.deepEqual(countsFor(gpu('h100-sxm-80gb'), 64), [1, 2, 4, 8, 16, 32, 64]);
    assert.deepEqual(countsFor(gpu('rtx-3090-24gb'), 16), [1, 2, 4, 8, 16]); // 4 per node
  });

  it('offers DDP, then full sharding, then CPU optimizer offload at one count; ZeRO-Offload on one GPU', () => {
    const g = gpu('h100-sxm-80gb');
    assert.deepEqual(
      candidatesAt(FULL_70B, 4, g).map((s) => [s.gpus, s.sharding, s.offloadOptimizer]),
      [
        [4, 'ddp', false],
        [4, 'fsdp', false],
        [4, 'fsdp', true],
      ],
    );
    assert.deepEqual(
      candidatesAt(FULL_70B, 1, g).map((s) => [s.sharding, s.offloadOptimizer]),
      [
        ['none', false],
        ['zero2', true],
      ],
    );
    // a DeepSpeed user gets ZeRO-3, not FSDP
    assert.deepEqual(
      candidatesAt({ ...FULL_70B, sharding: 'zero2' }, 8, g).map((s) => s.sharding),
      ['zero2', 'zero3', 'zero3'],
    );
  });

  it('a 70B full fine-tune needs FSDP across 80 GB H100s: 16 with the optimizer on the GPU, 8 with it offloaded (hand calculation)', () => {
    const m = spec('meta-llama/Llama-3.1-70B');
    const g = gpu('h100-sxm-80gb');
    const limit = usableBytes(g) * 0.9; // 10% headroom
    // (79.65 GiB smi total − 0.5 GiB CUDA context) × 0.9 = 71.24 GiB
    assert.ok(Math.abs(limit / GiB - 71.24) < 0.01, `limit ${limit / GiB}`);
    // Weights + gradients + Adam state: 8 bytes per parameter, divided over N GPUs by FSDP full shard.
    const statesPerGpu = (n: number) => (8 * P70) / n;
    assert.ok(statesPerGpu(4) > limit, '4 GPUs: 141 GB of state per GPU');
    // At 8 GPUs the optimizer step holds all of it: 8 × 70.55e9 / 8 = 70.6 GB, plus one layer's unsharded
    // bf16 gradients before the reduce-scatter (855.6M params × 2 B = 1.7 GB), times the caching allocator's
    // 8% reserve (estimate.ts RESERVED_OVER_ALLOCATED), plus 0.5 GiB of NCCL buffers: 78.6 GB > 76.2 GB.
    const layerGrads = (2 * H * H + 2 * H * KV + 3 * H * FFN) * 2;
    const stepPeak = (n: number) => (statesPerGpu(n) + layerGrads) * 1.08 + 0.5 * GiB;
    assert.ok(stepPeak(8) > limit, `8 GPUs: ${(stepPeak(8) / GiB).toFixed(1)} GiB > ${(limit / GiB).toFixed(1)} GiB`);
    // At 16 the state is 35.3 GB, under half the limit.
    assert.ok(statesPerGpu(16) < limit / 2);

    // The engine agrees: at 8 no set-up with the optimizer on the GPU fits, at 16 FSDP does.
    for (const s of candidatesAt(FULL_70B, 8, g).filter((x) => !x.offloadOptimizer))
      assert.ok(estimateMemory(m, s).requiredBytes > limit, `${s.sharding} at 8`);
    const at16 = fitOnGpu(m, FULL_70B, g, { headroomPercent: 10, preferredCount: 16 });
    assert.ok(at16.fit, at16.reason);
    assert.equal(at16.fit.count, 16);
    assert.equal(at16.fit.sharding, 'fsdp');
    assert.equal(at16.fit.offloadOptimizer, false);
    assert.match(at16.fit.label, /FSDP full shard/);
    // the engine's sharded components are the hand calculation's
    const c = (e: typeof at16.fit.estimate, name: string) => e.components.filter((x) => x.name === name).reduce((t, x) => t + x.bytes, 0);
    assert.ok(Math.abs(c(at16.fit.estimate, 'weights') / ((2 * P70) / 16) - 1) < 1e-6, 'weights = 2 B × P / 16');
    assert.ok(Math.abs(c(at16.fit.estimate, 'optimizerState') / ((4 * P70) / 16) - 1) < 1e-6, 'Adam state = 2 × 2 B × P / 16');
    assert.ok(at16.fit.estimate.requiredBytes <= limit);

    // The smallest count is 8 with the Adam state in host RAM: 2 B weights + 2 B gradients per parameter
    // stay, 35.3 GB per GPU at 8; the 4 B of Adam state per parameter (35.3 GB per GPU) go to the CPU.
    const smallest = fitOnGpu(m, FULL_70B, g, { headroomPercent: 10 });
    assert.ok(smallest.fit, smallest.reason);
    assert.equal(smallest.fit.count, 8);
    assert.equal(smallest.fit.offloadOptimizer, true);
    assert.match(smallest.fit.label, /FSDP full shard \+ CPU optimizer offload/);
    assert.equal(c(smallest.fit.estimate, 'optimizerState'), 0);
    assert.ok(smallest.fit.estimate.cpuOffloadBytes >= (4 * P70) / 8);
    // and with offload, 4 GPUs are still too few: at the step, weights + gradients are 4 B × P / 4 = 70.6 GB,
    // plus one layer's unsharded gradients, the 8% reserve and the NCCL buffers, as above
    assert.ok(((4 * P70) / 4 + layerGrads) * 1.08 + 0.5 * GiB > limit);
  });

  it('nothing fits up to the largest count: the reason gives the need there', () => {
    const m = spec('meta-llama/Llama-3.1-70B');
    const fit = fitOnGpu(m, FULL_70B, gpu('t4-16gb'), { headroomPercent: 10, maxCount: 8 });
    assert.equal(fit.fit, null);
    assert.match(fit.reason ?? '', /needs .* GiB per GPU even on 8×/);
  });

  it('activations that sharding cannot divide: the search stops once more GPUs stop helping, and says what to change', () => {
    const m = spec('meta-llama/Llama-3.1-8B');
    // 8 × 4096 tokens without checkpointing: tens of GiB of activations per GPU at any count
    const s = defaultSetup({
      method: 'lora',
      lora: { r: 16, targets: 'all-linear', dora: false, modulesToSave: [], dropout: 0, dtype: 'fp32' },
      microBatch: 8,
      seqLen: 4096,
    });
    const fit = fitOnGpu(m, s, gpu('l4-24gb'), { headroomPercent: 10 });
    assert.equal(fit.fit, null);
    assert.match(fit.reason ?? '', /largest part activations .*: more GPUs do not divide it; lower the micro-batch/);
    assert.doesNotMatch(fit.reason ?? '', /1024×/);
  });

  it("uses the job's own count when it fits there, else the smallest count that does", () => {
    const m = spec('meta-llama/Llama-3.1-8B');
    const qlora = defaultSetup({
      method: 'qlora',
      quantization: 'nf4',
      lora: { r: 16, targets: 'all-linear', dora: false, modulesToSave: [], dropout: 0, dtype: 'fp32' },
      microBatch: 1,
      seqLen: 1024,
      gradientCheckpointing: true,
    });
    const g = gpu('a100-sxm-80gb');
    assert.equal(fitOnGpu(m, qlora, g, { headroomPercent: 10 }).fit?.count, 1);
    assert.equal(fitOnGpu(m, qlora, g, { headroomPercent: 10, preferredCount: 4 }).fit?.count, 4);
    const full = defaultSetup({ method: 'full', optimizer: 'adamw_fused', microBatch: 1, seqLen: 1024, gradientCheckpointing: true });
    // 8B full: 8 B × 8.03e9 = 64 GB of state does not fit one 24 GB card; asking for 1 falls back to more
    const r = fitOnGpu(m, full, gpu('rtx-4090-24gb'), { headroomPercent: 10, preferredCount: 1 });
    assert.ok(r.fit && r.fit.count > 1, JSON.stringify(r.fit?.count));
  });
});

describe('GPU cost comparison (compare.ts)', () => {
  const m = spec('meta-llama/Llama-3.1-8B');
  const lora = defaultSetup({
    method: 'lora',
    lora: { r: 16, targets: 'all-linear', dora: false, modulesToSave: [], dropout: 0, dtype: 'fp32' },
    microBatch: 2,
    seqLen: 2048,
    gradAccumulation: 8,
    gradientCheckpointing: true,
  });
  const tokens = { tokens: 1e9, source: 'cli' as const, how: 'test' };

  it('one row per catalog GPU, fitting rows first, sorted by total cost; cost = hours × GPUs × $/h', () => {
    const c = compareGpus(m, lora, { headroomPercent: 10, tokens, stack: 'hf' });
    assert.equal(c.rows.length, gpuCatalog().length);
    assert.equal(new Set(c.rows.map((r) => r.gpu)).size, c.rows.length);
    const fitting = c.rows.filter((r) => r.fits);
    assert.ok(fitting.length >= 10);
    assert.deepEqual(c.rows.slice(0, fitting.length), fitting, 'fitting rows come first');
    const priced = fitting.filter((r) => r.costUsd !== null);
    for (let i = 1; i < priced.length; i++)
      assert.ok(priced[i - 1].costUsd! <= priced[i].costUsd!, `${priced[i - 1].gpu} ${priced[i - 1].costUsd} before ${priced[i].gpu} ${priced[i].costUsd}`);
    for (const r of priced) {
      const g = gpu(r.gpu);
      assert.ok(Math.abs(r.hours! - 1e9 / r.tokensPerSecond! / 3600) < 1e-9);
      assert.ok(Math.abs(r.costUsd! - r.hours! * r.count * g.priceUsdPerHour!) < 1e-6);
    }
    // the cheapest card per hour is not the cheapest run (docs/sources/hardware.md §6: cost of the milestone, not the rate)
    const cheapestRate = [...priced].sort((a, b) => a.usdPerGpuHour! * a.count - b.usdPerGpuHour! * b.count)[0];
    assert.notEqual(priced[0].gpu, cheapestRate.gpu);
  });

  it('ranks by wall time too, and without a token count still orders by cost per token', () => {
    const withTokens = compareGpus(m, lora, { headroomPercent: 10, tokens, stack: 'hf' });
    const none = compareGpus(m, lora, { headroomPercent: 10, tokens: null, stack: 'hf' });
    assert.deepEqual(
      none.rows.map((r) => r.gpu),
      withTokens.rows.map((r) => r.gpu),
    );
    assert.ok(none.rows.every((r) => r.hours === null && r.costUsd === null));
    const fast = [...withTokens.rows].sort(byTime).filter((r) => r.hours !== null);
    for (let i = 1; i < fast.length; i++) assert.ok(fast[i - 1].hours! <= fast[i].hours!);
    assert.ok([...withTokens.rows].sort(byCost).every((r, i) => r === withTokens.rows[i]));
  });

  it('a price from settings replaces the catalog default and moves the row', () => {
    const base = compareGpus(m, lora, { headroomPercent: 10, tokens, stack: 'hf' });
    const last = base.rows.filter((r) => r.fits && r.costUsd !== null).pop()!;
    const cheap = compareGpus(m, lora, { headroomPercent: 10, tokens, stack: 'hf', gpuPrices: { [last.gpu]: 0.01 } });
    assert.equal(cheap.rows[0].gpu, last.gpu);
    assert.equal(cheap.rows[0].usdPerGpuHour, 0.01);
    assert.equal(cheap.rows[0].priceSource, 'setting');
  });

  it('every catalog GPU has a dated price with its source', () => {
    for (const g of gpuCatalog()) {
      assert.ok(priceOf(g).usd !== null && priceOf(g).usd! > 0, `${g.id} has a price`);
      assert.match(String(g.priceDate), /^\d{4}/, `${g.id} price is dated`);
      assert.ok(g.priceSource, `${g.id} price names its source`);
    }
  });

  it("a GPU without a price (one of the user's own) fits but has no cost, and sorts after the priced ones", () => {
    const unpriced = GpuSpecSchema.parse({ ...gpu('a100-sxm-80gb'), id: 'lab-a100', name: 'Lab A100', priceUsdPerHour: null, priceDate: null, aliases: [] });
    assert.equal(priceOf(unpriced).usd, null);
    const c = compareGpus(m, lora, { headroomPercent: 10, tokens, stack: 'hf', customGpus: [unpriced] });
    const lab = c.rows.find((r) => r.gpu === 'lab-a100') as ComparisonRow;
    assert.equal(lab.fits, true);
    assert.equal(lab.costUsd, null);
    assert.match(lab.reason ?? '', /no price/);
    const idx = c.rows.indexOf(lab);
    assert.ok(c.rows.slice(0, idx).every((r) => r.fits && r.costUsd !== null));
  });
});

describe('hardware settings (userSettings.ts)', () => {
  it('customGpus: valid entries kept, invalid ones reported and skipped', () => {
    const r = parseCustomGpus([
      { id: 'lab-a100', name: 'Lab A100 80GB', memoryGiB: 79.2, bf16Tflops: 312, bandwidthTBs: 2.0, priceUsdPerHour: 0.9 },
      { id: 'no-memory', name: 'Missing memory' },
      { id: 'Bad Id', name: 'x', memoryGiB: 10 },
      { id: 'lab-a100', name: 'duplicate', memoryGiB: 10 },
      'not an object',
    ]);
    assert.deepEqual(
      r.value.map((g) => g.id),
      ['lab-a100'],
    );
    assert.equal(r.errors.length, 4, r.errors.join('\n'));
    assert.match(r.errors[0], /customGpus\[1\] \(no-memory\).*memoryGiB/);
    assert.match(r.errors[1], /customGpus\[2\].*id/);
    assert.match(r.errors[2], /repeats the id lab-a100/);
    assert.deepEqual(parseCustomGpus({ id: 'x' }).value, []);
    assert.equal(parseCustomGpus({ id: 'x' }).errors.length, 1);
  });

  it('a custom GPU is found by id, joins the comparison, and can replace a catalog entry', () => {
    const custom = parseCustomGpus([
      { id: 'lab-a100', name: 'Lab A100 80GB', memoryGiB: 79.2, bf16Tflops: 312, bandwidthTBs: 2.0, priceUsdPerHour: 0.9 },
      { id: 'h100-sxm-80gb', name: 'Our H100', memoryGiB: 79.65, bf16Tflops: 989, priceUsdPerHour: 1.0 },
    ]).value;
    assert.equal(findGpu('lab-a100', custom)?.name, 'Lab A100 80GB');
    assert.equal(findGpu('h100-sxm-80gb', custom)?.name, 'Our H100');
    const m = spec('meta-llama/Llama-3.1-8B');
    const c = compareGpus(
      m,
      defaultSetup({
        method: 'lora',
        lora: { r: 8, targets: ['q_proj', 'v_proj'], dora: false, modulesToSave: [], dropout: 0, dtype: 'fp32' },
        seqLen: 1024,
        gradientCheckpointing: true,
      }),
      {
        headroomPercent: 10,
        tokens: { tokens: 1e8, source: 'cli', how: '' },
        stack: 'hf',
        customGpus: custom,
      },
    );
    assert.equal(c.rows.length, gpuCatalog().length + 1);
    assert.equal(c.rows.find((r) => r.gpu === 'h100-sxm-80gb')?.usdPerGpuHour, 1.0);
    assert.ok(c.rows.find((r) => r.gpu === 'lab-a100')?.fits);
  });

  it('gpuPrices, trainingTokens and timeModel: bad values reported, good ones kept', () => {
    const p = parseGpuPrices({ 'H100-SXM-80GB': 2.49, 'a100-sxm-80gb': 'cheap', 'l4-24gb': -1 });
    assert.deepEqual(p.value, { 'h100-sxm-80gb': 2.49 });
    assert.equal(p.errors.length, 2);
    assert.deepEqual(parseTrainingTokens(2e9), { value: 2e9, errors: [] });
    assert.equal(parseTrainingTokens(null).value, null);
    assert.equal(parseTrainingTokens(-5).errors.length, 1);
    assert.deepEqual(parseTimeModel({ mfu: 0.3, fp8: true }).value, { mfu: 0.3, fp8: true });
    assert.equal(parseTimeModel({ mfu: 3 }).errors.length, 1);
    assert.equal(parseTimeModel({ typo: 1 }).errors.length, 1, 'unknown keys are refused (strict)');
  });
});

describe('package.json vramLens.targetGpu enum', () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const prop = pkg.contributes.configuration.properties['vramLens.targetGpu'];
  const gpus = JSON.parse(readFileSync(path.join(repoRoot, 'src', 'analysis', 'hardware', 'gpus.json'), 'utf8')).gpus as {
    id: string;
    name: string;
    memoryGiB: number;
  }[];

  it('lists exactly the catalog ids, in order, each with a description naming its memory and price', () => {
    assert.deepEqual(
      prop.enum,
      gpus.map((g) => g.id),
    );
    assert.equal(prop.enumDescriptions.length, gpus.length);
    gpus.forEach((g, i) => {
      assert.ok(prop.enumDescriptions[i].startsWith(g.name), prop.enumDescriptions[i]);
      assert.match(prop.enumDescriptions[i], new RegExp(`${g.memoryGiB.toFixed(1).replace('.', '\\.')} GiB`));
    });
    assert.ok(prop.enum.includes(prop.default));
  });

  it('scripts/sync-gpu-enum.mjs --check agrees (it fails when the two drift)', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'sync-gpu-enum.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('declares the new settings and the command', () => {
    const props = pkg.contributes.configuration.properties;
    for (const k of ['vramLens.customGpus', 'vramLens.gpuPrices', 'vramLens.trainingTokens', 'vramLens.timeModel']) assert.ok(props[k], k);
    const cmd = pkg.contributes.commands.find((c: { command: string }) => c.command === 'vramLens.findLargestFitting');
    assert.equal(cmd?.category, 'VRAM Lens');
    assert.equal(pkg.scripts['bench:time'], 'node esbuild.mjs --quiet --only=bench && node dist/bench/time.js');
  });
});
