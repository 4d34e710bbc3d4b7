// npm run bench:accuracy — the engine against published, measured peaks (bench/data/calibration.json).
// Prints each case's prediction, the measured value on the same metric, the signed error, and a summary.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { estimateMemory, MemoryEstimate, CUDA_CONTEXT_BYTES } from '../src/analysis/memory/estimate';
import { defaultJob, defaultSetup, JobSetup, LossImpl, OptimizerKind, Sharding, TrainingSetup } from '../src/analysis/memory/setup';
import { resolveModel } from '../src/analysis/models/catalog';
import { ModelSpec, ModelSpecSchema } from '../src/analysis/models/spec';
import { GiB } from '../src/analysis/units';

interface Case {
  id: string;
  group: string;
  status: string;
  source: string;
  model_id: string;
  arch: {
    hidden: number; layers: number; heads: number; kv_heads: number; intermediate: number; vocab: number;
    tied_embeddings: boolean; head_dim?: number; mlp?: string; qkv_bias?: boolean; moe?: unknown; params_total?: number;
  };
  method: string;
  weight_dtype: string;
  mixed_precision: boolean;
  optimizer: string;
  optimizer_in_backward: boolean | null;
  lora: { r?: number; alpha?: number; targets?: string[] | string | null } | null;
  micro_batch: number;
  seq_len: number;
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

const dataFile = path.join(__dirname, '..', '..', 'bench', 'data', 'calibration.json');
const cases: Case[] = JSON.parse(readFileSync(dataFile, 'utf8')).cases;

function modelOf(c: Case): ModelSpec {
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
function setupOf(c: Case): TrainingSetup {
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
    sharding: c.gpus > 1 ? sharding[c.sharding] ?? 'none' : 'none',
    offloadOptimizer: c.cpu_offload,
    offloadParams: c.cpu_offload,
  });
}

function predictedOn(metric: string, e: MemoryEstimate): number {
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

const rows: { id: string; pred: number; meas: number; err: number; metric: string; wrongNoFit: boolean }[] = [];
console.log('case                  metric     predicted   measured    error   GPU');
const excluded = cases.filter((c) => c.excluded);
for (const c of cases.filter((c) => !c.excluded)) {
  const est = estimateMemory(modelOf(c), setupOf(c));
  const meas = (c.measured.value * (c.measured.unit === 'GB' ? 1e9 : GiB)) / GiB;
  const pred = predictedOn(c.measured.metric, est) / GiB;
  const err = (pred - meas) / meas;
  const usable = c.gpu ? c.gpu.mem_gib - CUDA_CONTEXT_BYTES / GiB : Infinity;
  const wrongNoFit = est.requiredBytes / GiB > usable;
  rows.push({ id: c.id, pred, meas, err, metric: c.measured.metric, wrongNoFit });
  console.log(
    `${c.id.padEnd(21)} ${c.measured.metric.padEnd(9)} ${pred.toFixed(2).padStart(9)} ${meas.toFixed(2).padStart(10)}  ${(err >= 0 ? '+' : '') + (err * 100).toFixed(1)}%`.padEnd(64) +
      ` ${c.gpu?.name ?? '?'}${wrongNoFit ? '  << predicted not to fit' : ''}`,
  );
}
const abs = rows.map((r) => Math.abs(r.err)).sort((a, b) => a - b);
const q = (p: number) => abs[Math.min(abs.length - 1, Math.floor(p * (abs.length - 1) + 0.5))];
const within = (t: number) => abs.filter((e) => e <= t).length / abs.length;
for (const c of excluded) console.log(`left out: ${c.id}: ${c.excluded}`);
console.log(
  `\nsummary: ${rows.length} cases, median |error| ${(q(0.5) * 100).toFixed(1)}%, p90 |error| ${(q(0.9) * 100).toFixed(1)}%, ` +
    `within ±10% ${(within(0.1) * 100).toFixed(0)}%, within ±20% ${(within(0.2) * 100).toFixed(0)}%, ` +
    `wrong "does not fit" verdicts ${rows.filter((r) => r.wrongNoFit).length}`,
);

// ---- group R: preference / RL runs (bench/data/calibration-rl.json), reported apart -----------------------
interface RlCase {
  id: string;
  source: string;
  model_id: string;
  setup: Partial<TrainingSetup> & { job?: Partial<JobSetup> & { kind: JobSetup['kind'] } };
  gpu: { name: string; mem_gib: number } | null;
  measured: { value: number; unit: 'GiB' | 'GB' | 'MiB'; metric: string };
  excluded?: string;
}
const rlFile = path.join(__dirname, '..', '..', 'bench', 'data', 'calibration-rl.json');
const rlCases: RlCase[] = JSON.parse(readFileSync(rlFile, 'utf8')).cases;
const rlErrors: number[] = [];
let rlWrongNoFit = 0;
console.log('\ngroup R (preference / RL):');
for (const c of rlCases) {
  if (c.excluded) {
    console.log(`left out: ${c.id}: ${c.excluded}`);
    continue;
  }
  const model = resolveModel(c.model_id).spec;
  if (!model) {
    console.log(`${c.id}: model ${c.model_id} not in the catalog`);
    continue;
  }
  const { job, ...rest } = c.setup;
  const setup = defaultSetup({ ...rest, job: job ? defaultJob(job.kind, job) : null, gpuTotalBytes: (c.gpu?.mem_gib ?? 80) * GiB });
  const est = estimateMemory(model, setup);
  const toGiB = { GiB: 1, GB: 1e9 / GiB, MiB: 1 / 1024 }[c.measured.unit];
  const meas = c.measured.value * toGiB;
  const pred = predictedOn(c.measured.metric, est) / GiB;
  const err = (pred - meas) / meas;
  rlErrors.push(Math.abs(err));
  const wrong = c.gpu ? est.requiredBytes / GiB > c.gpu.mem_gib - CUDA_CONTEXT_BYTES / GiB : false;
  if (wrong) rlWrongNoFit++;
  console.log(`${c.id.padEnd(21)} ${c.measured.metric.padEnd(9)} ${pred.toFixed(2).padStart(9)} ${meas.toFixed(2).padStart(10)}  ${(err >= 0 ? '+' : '') + (err * 100).toFixed(1)}%  (${est.phase}) ${c.gpu?.name ?? ''}${wrong ? '  << predicted not to fit' : ''}`);
}
if (rlErrors.length) {
  const sorted = [...rlErrors].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))];
  console.log(`group R summary: ${rlErrors.length} cases, median |error| ${(at(0.5) * 100).toFixed(1)}%, p90 |error| ${(at(0.9) * 100).toFixed(1)}%, wrong "does not fit" verdicts ${rlWrongNoFit} (weak evidence: settings partly inferred, see notes)`);
}

// ---- held-out: published runs the engine was not built on (bench/data/heldout), end to end -----------------
// The first look (bench/data/first-look.json) is the same set scored once, before the engine was changed
// for it; "now" is today's engine. Both are printed per group and per kind of source.
void (async () => {
  const { nodeAnalysisDeps } = await import('../src/node-deps');
  const { heldoutCases, scoreCase, summariesOf, formatSummary, formatRow } = await import('./lib/heldout');
  const deps = await nodeAnalysisDeps(path.join(__dirname, '..'));
  const held = heldoutCases().filter((c) => !c.excluded);
  if (!held.length) return;
  console.log('\nheld-out (bench/data/heldout, end to end from the files):');
  console.log(`${'case'.padEnd(53)} ${'metric'.padEnd(9)} ${'pred'.padStart(8)} ${'meas'.padStart(8)} ${'error'.padStart(8)}`);
  const rows = held.map((c) => scoreCase(c, deps));
  for (const r of rows) console.log(formatRow(r));
  const now = summariesOf(rows);
  let first: Record<string, import('./lib/heldout').Summary> | undefined;
  let commit = '';
  try {
    const fl = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'bench', 'data', 'first-look.json'), 'utf8'));
    first = fl.memory.summaries;
    commit = String(fl.engineCommit).slice(0, 7);
  } catch {
    first = undefined;
  }
  console.log('');
  for (const key of Object.keys(now)) {
    if (first?.[key]) console.log(formatSummary(`first look (engine ${commit}) ${key}`, first[key]));
    console.log(formatSummary(`now ${key}`.padEnd(first ? 27 + commit.length : 0), now[key]));
  }
})();
