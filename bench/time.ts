// npm run bench:time — the time model against measured fine-tuning throughput (bench/data/throughput.json,
// transcribed with sources from ../shared/hardware.md §3-4). Prints each case's prediction, the measurement,
// the signed error, and the median |error| (target ≤ 25%). Cases a default was derived from are marked and
// summarised apart as well, since they are not an independent check of that default.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findGpu } from '../src/analysis/hardware/gpus';
import { estimateThroughput, Stack, TimeModelOverrides } from '../src/analysis/hardware/time';
import { defaultSetup, Method, Sharding, TrainingSetup } from '../src/analysis/memory/setup';
import { resolveModel } from '../src/analysis/models/catalog';
import { ModelSpec, ModelSpecSchema } from '../src/analysis/models/spec';

interface Case {
  id: string;
  source: string;
  gpu: string;
  gpus: number;
  model: string;
  method: Method;
  loraR?: number;
  loraTargets?: string[];
  seqLen: number;
  microBatch: number;
  gradAccumulation: number;
  gradientCheckpointing: boolean;
  compiled?: boolean;
  fp8?: boolean;
  stack: Stack;
  sharding: Sharding;
  offloadOptimizer?: boolean;
  measured: { metric: 'tokensPerSecondPerGpu' | 'secondsPerStep'; value: number };
  derives?: string;
  excluded?: string;
}

interface Speedup {
  id: string;
  source: string;
  factor: 'unsloth' | 'fp8' | 'checkpointing-lora';
  measured: number;
}

const data = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'bench', 'data', 'throughput.json'), 'utf8')) as {
  archs: Record<string, Record<string, unknown>>;
  cases: Case[];
  speedups: Speedup[];
};

function modelOf(id: string): ModelSpec {
  const arch = data.archs[id];
  if (arch) return ModelSpecSchema.parse({ id, ...arch });
  const r = resolveModel(id);
  if (!r.spec) throw new Error(`bench case model ${id}: ${r.reason}`);
  return r.spec;
}

function setupOf(c: Case): TrainingSetup {
  const lora = c.method === 'full' ? null : { r: c.loraR ?? 8, targets: c.loraTargets ?? ['q_proj', 'v_proj'], dora: false, modulesToSave: [], dropout: 0, dtype: 'bf16' as const };
  return defaultSetup({
    method: c.method,
    quantization: c.method === 'qlora' ? 'nf4' : 'none',
    lora,
    microBatch: c.microBatch,
    seqLen: c.seqLen,
    gradAccumulation: c.gradAccumulation,
    gradientCheckpointing: c.gradientCheckpointing,
    compiled: c.compiled ?? false,
    gpus: c.gpus,
    sharding: c.sharding,
    offloadOptimizer: c.offloadOptimizer ?? false,
  });
}

function predict(c: Case): { value: number; mfu: number } {
  const gpu = findGpu(c.gpu);
  if (!gpu) throw new Error(`bench case ${c.id}: unknown GPU ${c.gpu}`);
  const overrides: TimeModelOverrides = { fp8: c.fp8 ?? false };
  const r = estimateThroughput(modelOf(c.model), setupOf(c), gpu, c.stack, overrides);
  if (!r.ok) throw new Error(`bench case ${c.id}: ${r.reason}`);
  const t = r.value;
  return { value: c.measured.metric === 'secondsPerStep' ? t.secondsPerStep : t.tokensPerSecondPerGpu, mfu: t.mfu };
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
}
function pad(s: string, n: number, right = false) {
  return right ? s.padStart(n) : s.padEnd(n);
}

console.log('Time model vs measured fine-tuning throughput (bench/data/throughput.json, from ../shared/hardware.md §3-4)\n');
console.log(`${pad('case', 46)} ${pad('metric', 10)} ${pad('predicted', 10, true)} ${pad('measured', 10, true)} ${pad('error', 8, true)} ${pad('MFU', 6, true)}  note`);
const all: { c: Case; err: number }[] = [];
for (const c of data.cases) {
  const p = predict(c);
  const m = c.measured.value;
  // error of the predicted time: a step time directly, a throughput through time = 1 / throughput
  const err = c.measured.metric === 'secondsPerStep' ? p.value / m - 1 : m / p.value - 1;
  const unit = c.measured.metric === 'secondsPerStep' ? 's/step' : 'tok/s/GPU';
  const fmt = (v: number) => (c.measured.metric === 'secondsPerStep' ? v.toFixed(2) : Math.round(v).toLocaleString('en-US'));
  const note = c.excluded ? `excluded: ${c.excluded}` : c.derives ? `derives ${c.derives}` : '';
  console.log(`${pad(c.id, 46)} ${pad(unit, 10)} ${pad(fmt(p.value), 10, true)} ${pad(fmt(m), 10, true)} ${pad(pct(err), 8, true)} ${pad((p.mfu * 100).toFixed(0) + '%', 6, true)}  ${note}`);
  if (!c.excluded) all.push({ c, err });
}

console.log('\nerror = predicted time / measured time − 1 (a throughput case compares 1 / throughput)');
const summary = (label: string, xs: number[]) => {
  const abs = xs.map(Math.abs);
  console.log(
    `${label}: ${xs.length} cases, median |error| ${(median(abs) * 100).toFixed(1)}%, p90 |error| ${(quantile(abs, 0.9) * 100).toFixed(1)}%, within ±25% ${Math.round((abs.filter((a) => a <= 0.25).length / xs.length) * 100)}%, median signed ${pct(median(xs))}`,
  );
};

// ---- speed-up factors -------------------------------------------------------------------------------
console.log('\nSpeed-up factors: the model\'s ratio on the same job vs the measured ratio');
const spErrs: number[] = [];
for (const s of data.speedups) {
  let predicted: number;
  if (s.factor === 'unsloth') {
    const base: Case = { id: s.id, source: '', gpu: /t4/.test(s.id) ? 't4-16gb' : 'a100-sxm-40gb', gpus: 1, model: /tinyllama/.test(s.id) ? 'TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T' : /mistral/.test(s.id) ? 'mistralai/Mistral-7B-v0.1' : 'meta-llama/Llama-2-7b-hf', method: 'qlora', loraR: 16, seqLen: 2048, microBatch: 2, gradAccumulation: 4, gradientCheckpointing: true, stack: 'hf', sharding: 'none', measured: { metric: 'tokensPerSecondPerGpu', value: 0 } };
    predicted = predict({ ...base, stack: 'unsloth' }).value / predict(base).value;
  } else if (s.factor === 'fp8') {
    const base: Case = { id: s.id, source: '', gpu: /b200/.test(s.id) ? 'b200-180gb' : 'h100-sxm-80gb', gpus: 8, model: /70b/.test(s.id) ? 'meta-llama/Llama-3.1-70B' : 'meta-llama/Llama-3.1-8B', method: 'full', seqLen: 8192, microBatch: 1, gradAccumulation: 1, gradientCheckpointing: false, compiled: true, stack: 'torchtitan', sharding: 'fsdp', measured: { metric: 'tokensPerSecondPerGpu', value: 0 } };
    predicted = predict({ ...base, fp8: true }).value / predict(base).value;
  } else {
    const base: Case = { id: s.id, source: '', gpu: 'a100-sxm-80gb', gpus: 1, model: 'Qwen/Qwen-7B', method: 'lora', loraR: 8, loraTargets: ['c_attn'], seqLen: 2048, microBatch: 1, gradAccumulation: 1, gradientCheckpointing: false, stack: 'hf', sharding: 'none', measured: { metric: 'tokensPerSecondPerGpu', value: 0 } };
    predicted = predict({ ...base, gradientCheckpointing: true }).value / predict(base).value;
  }
  const err = predicted / s.measured - 1;
  spErrs.push(err);
  console.log(`${pad(s.id, 46)} ${pad(s.factor, 18)} predicted ×${predicted.toFixed(2)}  measured ×${s.measured.toFixed(2)}  ${pad(pct(err), 8, true)}`);
}

console.log('');
summary('all cases', all.map((x) => x.err));
summary('independent of the defaults they check (no "derives")', all.filter((x) => !x.c.derives).map((x) => x.err));
summary('speed-up factors', spErrs);
const med = median(all.map((x) => Math.abs(x.err)));
console.log(`\nsummary: ${all.length} cases, median |error| ${(med * 100).toFixed(1)}% (target ≤ 25%: ${med <= 0.25 ? 'met' : 'NOT met'}), ${data.cases.length - all.length} excluded`);
