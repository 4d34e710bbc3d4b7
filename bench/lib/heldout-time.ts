// The held-out time set (bench/data/heldout-time.json): published fine-tuning speeds (tokens/s or seconds
// per step) with the full setup, collected before the time model was changed. Each case is estimated from
// its stated setup; models outside the bundled tables use the case's own config.json.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findGpu } from '../../src/analysis/hardware/gpus';
import { estimateThroughput, Stack, TimeModelOverrides } from '../../src/analysis/hardware/time';
import { defaultJob, defaultSetup, JobSetup, Method, Sharding, TrainingSetup } from '../../src/analysis/memory/setup';
import { resolveModel, specFromHfConfig } from '../../src/analysis/models/catalog';
import { ModelSpec } from '../../src/analysis/models/spec';

export interface TimeCase {
  id: string;
  source: string;
  sourceKind?: string;
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
  offloadParams?: boolean;
  packing?: boolean;
  measured: { metric: 'tokensPerSecondPerGpu' | 'secondsPerStep'; value: number };
  config?: Record<string, unknown>;
  /** the run's own figures; a GRPO run records its generation set-up here (numGenerations, maxPromptLength,
   * maxCompletionLength, generationGpus) */
  raw?: Record<string, unknown>;
  doubtful?: string;
  excluded?: string;
}

export interface TimeRow {
  id: string;
  /** predicted time / measured time - 1; null when there is no estimate */
  error: number | null;
  predicted: number | null;
  measured: number;
  metric: string;
  why?: string;
  doubtful: boolean;
  /** the range of the time estimate, as predicted time / measured time - 1 at each end */
  range?: { low: number; high: number };
}

export const HELDOUT_TIME_FILE = path.join(__dirname, '..', '..', 'bench', 'data', 'heldout-time.json');

/** A second held-out speed set, collected 2026-12-08 after the time model changed (scored once on arrival). */
export const FRESH_TIME_FILE = path.join(__dirname, '..', '..', 'bench', 'data', 'heldout-time-fresh.json');
export const FRESH_TIME_FIRST_SCORE = path.join(__dirname, '..', '..', 'bench', 'data', 'heldout-time-fresh-first-score.json');

export function timeCases(file = HELDOUT_TIME_FILE): TimeCase[] {
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as { cases: TimeCase[] }).cases.filter((c) => !c.excluded);
}

function modelOf(c: TimeCase): ModelSpec | string {
  const r = resolveModel(c.model);
  if (r.spec) return r.spec;
  if (c.config) {
    const m = specFromHfConfig(c.config, c.model);
    if (m.spec) return m.spec;
    return m.reason;
  }
  return r.reason;
}

/** What a throughput case states about the job (bench/data/throughput.json and heldout-time.json alike). */
export type TimeCaseSettings = Pick<
  TimeCase,
  | 'method'
  | 'loraR'
  | 'loraTargets'
  | 'microBatch'
  | 'seqLen'
  | 'gradAccumulation'
  | 'gradientCheckpointing'
  | 'compiled'
  | 'gpus'
  | 'sharding'
  | 'offloadOptimizer'
  | 'offloadParams'
>;

/** A GRPO run's generation, from the figures its case records: TRL < 0.16 counted prompts in the per-device
 * batch, so each GPU's step generates micro-batch × accumulation × num_generations completions. */
function grpoJobOf(c: TimeCaseSettings & { raw?: Record<string, unknown> }): JobSetup | null {
  const r = c.raw ?? {};
  const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : undefined);
  const gens = num('numGenerations');
  const completion = num('maxCompletionLength');
  if (!gens || !completion) return null;
  return defaultJob('grpo', {
    numGenerations: gens,
    promptLength: num('maxPromptLength') ?? 512,
    completionLength: completion,
    generationBatch: c.microBatch * c.gradAccumulation * gens,
    generation: num('generationGpus') ? 'vllm-server' : 'vllm-colocate',
  });
}

/** The engine set-up of a throughput case (bf16 LoRA adapters, NF4 for QLoRA). */
export function timeCaseSetup(c: TimeCaseSettings & { raw?: Record<string, unknown> }): TrainingSetup {
  const job = grpoJobOf(c);
  const lora =
    c.method === 'full'
      ? null
      : { r: c.loraR ?? 8, targets: c.loraTargets ?? ['q_proj', 'v_proj'], dora: false, modulesToSave: [], dropout: 0, dtype: 'bf16' as const };
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
    offloadParams: c.offloadParams ?? false,
    // the step's completions: micro-batch × accumulation rows of num_generations completions each
    ...(job ? { job, microBatch: c.microBatch * job.numGenerations } : {}),
  });
}

export function scoreTimeCase(c: TimeCase): TimeRow {
  const row: TimeRow = { id: c.id, error: null, predicted: null, measured: c.measured.value, metric: c.measured.metric, doubtful: !!c.doubtful };
  const gpu = findGpu(c.gpu);
  if (!gpu) return { ...row, why: `unknown GPU ${c.gpu}` };
  const model = modelOf(c);
  if (typeof model === 'string') return { ...row, why: model };
  const overrides: TimeModelOverrides = { fp8: c.fp8 ?? false };
  const r = estimateThroughput(model, timeCaseSetup(c), gpu, c.stack, overrides);
  if (!r.ok) return { ...row, why: r.reason };
  const t = r.value as typeof r.value & { secondsPerStepRange?: [number, number]; tokensPerSecondPerGpuRange?: [number, number] };
  const value = c.measured.metric === 'secondsPerStep' ? t.secondsPerStep : t.tokensPerSecondPerGpu;
  const err = c.measured.metric === 'secondsPerStep' ? value / c.measured.value - 1 : c.measured.value / value - 1;
  const out: TimeRow = { ...row, predicted: value, error: err };
  if (t.tokensPerSecondPerGpuRange) {
    // time is inversely proportional to throughput: the fast end of the throughput range is the short time
    const [lo, hi] = t.tokensPerSecondPerGpuRange;
    out.range = {
      low: c.measured.metric === 'secondsPerStep' ? (t.secondsPerStep * (value / hi)) / c.measured.value - 1 : c.measured.value / hi - 1,
      high: c.measured.metric === 'secondsPerStep' ? (t.secondsPerStep * (value / lo)) / c.measured.value - 1 : c.measured.value / lo - 1,
    };
  }
  return out;
}

export interface TimeSummary {
  n: number;
  noEstimate: number;
  medianAbs: number;
  p90Abs: number;
  signedMedian: number;
  within25: number;
  inRange?: number;
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))] : NaN;
};

export function summarizeTime(rows: TimeRow[]): TimeSummary {
  const scored = rows.filter((r) => r.error !== null);
  const abs = scored.map((r) => Math.abs(r.error!));
  const ranged = scored.filter((r) => r.range);
  return {
    n: scored.length,
    noEstimate: rows.length - scored.length,
    medianAbs: q(abs, 0.5),
    p90Abs: q(abs, 0.9),
    signedMedian: q(
      scored.map((r) => r.error!),
      0.5,
    ),
    within25: abs.filter((e) => e <= 0.25).length / Math.max(1, abs.length),
    ...(ranged.length ? { inRange: ranged.filter((r) => r.range!.low <= 0 && 0 <= r.range!.high).length / ranged.length } : {}),
  };
}

export function formatTimeSummary(label: string, s: TimeSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return `${label}: ${s.n} scored, median |hours error| ${pct(s.medianAbs)}, p90 ${pct(s.p90Abs)}, signed median ${s.signedMedian >= 0 ? '+' : ''}${pct(s.signedMedian)}, within ±25% ${pct(s.within25)}${s.noEstimate ? `, no estimate ${s.noEstimate}` : ''}${s.inRange !== undefined ? `, measured inside the range ${pct(s.inRange)}` : ''}`;
}

// ---- sources, the per-source cap and the first look -------------------------------------------------------

/** The publisher of a case: the first word of its source (a repository such as AnswerDotAI/fsdp_qlora). */
export function sourceOf(c: Pick<TimeCase, 'source'>): string {
  return c.source.split(/\s+/)[0];
}

/**
 * At most `k` cases per source, so that one source (answer.ai has 18) cannot dominate a summary: from a source
 * with more, `k` cases evenly spaced in file order (the first, the last and the ones between).
 */
export function capPerSource<T extends Pick<TimeCase, 'source'>>(cases: T[], k = 5): T[] {
  const bySource = new Map<string, T[]>();
  for (const c of cases) bySource.set(sourceOf(c), [...(bySource.get(sourceOf(c)) ?? []), c]);
  const keep = new Set<T>();
  for (const list of bySource.values()) {
    if (list.length <= k) list.forEach((c) => keep.add(c));
    else for (let i = 0; i < k; i++) keep.add(list[Math.round((i * (list.length - 1)) / (k - 1))]);
  }
  return cases.filter((c) => keep.has(c));
}

export const FIRST_LOOK_FILE = path.join(__dirname, '..', '..', 'bench', 'data', 'first-look.json');

/** The time rows of the first look (bench/data/first-look.json) and the commit of the engine that scored them. */
export function firstLookTime(): { commit: string; date: string; rows: TimeRow[] } | null {
  if (!existsSync(FIRST_LOOK_FILE)) return null;
  const j = JSON.parse(readFileSync(FIRST_LOOK_FILE, 'utf8')) as { engineCommit?: string; date?: string; time?: { rows: TimeRow[] } };
  if (!j.time) return null;
  return { commit: (j.engineCommit ?? 'unknown').slice(0, 7), date: j.date ?? '', rows: j.time.rows };
}
