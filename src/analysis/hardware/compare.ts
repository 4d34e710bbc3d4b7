// Which GPU for this job: every GPU type at the count that fits, with time and total cost of the run.
// The cheapest card per hour is often not the cheapest run: cost = hours × GPUs × $/GPU-hour.
import { Hyperparams } from '../extract/hyperparams';
import { TrainingSetup } from '../memory/setup';
import { ModelSpec } from '../models/spec';
import { gpuCatalog, GpuSpec } from './gpus';
import { FitOptions, fitOnGpu, GpuFit } from './recommend';
import { estimateThroughput, resolveTokens, Stack, stackOf, ThroughputEstimate, TimeModelOverrides, TokenCount } from './time';

export interface CompareOptions {
  headroomPercent: number;
  /** the estimate's band as ratios of its point (verdict.ts) */
  spread?: FitOptions['spread'];
  /** the job's own GPU count: used for a GPU type when it fits there */
  preferredCount?: number;
  customGpus?: GpuSpec[];
  /** $/GPU-hour overrides by GPU id */
  gpuPrices?: Record<string, number>;
  tokens: TokenCount | null;
  stack: Stack;
  timeModel?: TimeModelOverrides;
  maxCount?: number;
}

export interface ComparisonRow {
  gpu: string;
  gpuName: string;
  count: number;
  fits: boolean;
  /** the set-up at that count ("FSDP full shard"); null when nothing fits */
  sharding: string | null;
  offloadOptimizer: boolean;
  requiredBytes: number | null;
  usableBytes: number;
  /** $/GPU-hour used (override or catalog default) and its date */
  usdPerGpuHour: number | null;
  priceDate: string | null;
  priceSource: 'setting' | 'catalog' | null;
  tokensPerSecond: number | null;
  /** cost per million trained tokens: orders rows the same way as the total cost, with or without a token count */
  usdPerMillionTokens: number | null;
  hours: number | null;
  /** the range of the time estimate, fast end to slow end (time.ts tokensPerSecondPerGpuRange) */
  hoursRange: [number, number] | null;
  costUsd: number | null;
  /** why the row has no fit, time or cost */
  reason: string | null;
  throughput: ThroughputEstimate | null;
}

export interface Comparison {
  rows: ComparisonRow[];
  tokens: TokenCount | null;
  stack: Stack;
}

export function priceOf(gpu: GpuSpec, prices?: Record<string, number>): { usd: number | null; source: 'setting' | 'catalog' | null; date: string | null } {
  const o = prices?.[gpu.id];
  if (o !== undefined && Number.isFinite(o) && o >= 0) return { usd: o, source: 'setting', date: null };
  if (gpu.priceUsdPerHour != null) return { usd: gpu.priceUsdPerHour, source: 'catalog', date: gpu.priceDate ?? null };
  return { usd: null, source: null, date: null };
}

function rowOf(model: ModelSpec, fit: GpuFit, opts: CompareOptions): ComparisonRow {
  const price = priceOf(fit.gpu, opts.gpuPrices);
  const row: ComparisonRow = {
    gpu: fit.gpu.id,
    gpuName: fit.gpu.name,
    count: fit.fit?.count ?? 0,
    fits: !!fit.fit,
    sharding: fit.fit?.label ?? null,
    offloadOptimizer: fit.fit?.offloadOptimizer ?? false,
    requiredBytes: fit.fit ? fit.fit.estimate.requiredBytes : null,
    usableBytes: fit.usableBytes,
    usdPerGpuHour: price.usd,
    priceDate: price.date,
    priceSource: price.source,
    tokensPerSecond: null,
    usdPerMillionTokens: null,
    hours: null,
    hoursRange: null,
    costUsd: null,
    reason: fit.reason ?? null,
    throughput: null,
  };
  if (!fit.fit) return row;
  const t = estimateThroughput(model, fit.fit.setup, fit.gpu, opts.stack, opts.timeModel);
  if (!t.ok) {
    row.reason = t.reason;
    return row;
  }
  row.throughput = t.value;
  row.tokensPerSecond = t.value.tokensPerSecond;
  const perHour = price.usd !== null ? price.usd * fit.fit.count : null;
  if (perHour !== null) row.usdPerMillionTokens = (perHour / 3600 / t.value.tokensPerSecond) * 1e6;
  else row.reason = `no price for ${fit.gpu.name}: set vramLens.gpuPrices`;
  if (opts.tokens) {
    row.hours = opts.tokens.tokens / t.value.tokensPerSecond / 3600;
    const [slow, fast] = t.value.tokensPerSecondPerGpuRange;
    row.hoursRange = [opts.tokens.tokens / (fast * fit.fit.count) / 3600, opts.tokens.tokens / (slow * fit.fit.count) / 3600];
    if (perHour !== null) row.costUsd = row.hours * perHour;
  }
  return row;
}

const nullLast = (a: number | null, b: number | null) => (a === null ? (b === null ? 0 : 1) : b === null ? -1 : a - b);

/** Fitting rows first, then by total cost (cost per token when there is no token count), then by time. */
export function byCost(a: ComparisonRow, b: ComparisonRow): number {
  return (
    Number(b.fits) - Number(a.fits) ||
    nullLast(a.usdPerMillionTokens, b.usdPerMillionTokens) ||
    nullLast(a.tokensPerSecond && 1 / a.tokensPerSecond, b.tokensPerSecond && 1 / b.tokensPerSecond) ||
    a.gpu.localeCompare(b.gpu)
  );
}

/** Fitting rows first, then by wall time (fastest first), then by cost. */
export function byTime(a: ComparisonRow, b: ComparisonRow): number {
  return (
    Number(b.fits) - Number(a.fits) ||
    nullLast(a.tokensPerSecond && 1 / a.tokensPerSecond, b.tokensPerSecond && 1 / b.tokensPerSecond) ||
    nullLast(a.usdPerMillionTokens, b.usdPerMillionTokens) ||
    a.gpu.localeCompare(b.gpu)
  );
}

/** One row per GPU type, sorted by total cost. */
export function compareGpus(model: ModelSpec, setup: TrainingSetup, opts: CompareOptions): Comparison {
  const rows = gpuCatalog(opts.customGpus ?? [])
    .map((gpu) =>
      fitOnGpu(model, setup, gpu, { headroomPercent: opts.headroomPercent, spread: opts.spread, preferredCount: opts.preferredCount, maxCount: opts.maxCount }),
    )
    .map((fit) => rowOf(model, fit, opts))
    .sort(byCost);
  return { rows, tokens: opts.tokens, stack: opts.stack };
}

/** What a Report offers for the comparison (plain fields, so that this module needs no Report import). */
export interface CompareInput {
  framework: string;
  hyperparams: Hyperparams | null;
  model: ModelSpec;
  setup: TrainingSetup;
}

export interface CompareSettings {
  headroomPercent: number;
  spread?: FitOptions['spread'];
  customGpus?: GpuSpec[];
  gpuPrices?: Record<string, number>;
  trainingTokens?: number | null;
  timeModel?: TimeModelOverrides;
  /** --tokens on the command line: wins over the file and the setting */
  tokens?: number;
}

export function compareJob(input: CompareInput, s: CompareSettings): Comparison {
  const tokens = resolveTokens(input.hyperparams, input.setup, s.tokens, s.trainingTokens);
  return compareGpus(input.model, input.setup, {
    headroomPercent: s.headroomPercent,
    spread: s.spread,
    preferredCount: input.setup.gpus,
    customGpus: s.customGpus,
    gpuPrices: s.gpuPrices,
    tokens,
    stack: s.timeModel?.stack ?? stackOf(input.framework),
    timeModel: s.timeModel,
  });
}

/** The plain-data row the CLI's --json prints. */
export function comparisonRowJson(r: ComparisonRow) {
  return {
    gpu: r.gpu,
    gpuName: r.gpuName,
    count: r.fits ? r.count : null,
    fits: r.fits,
    sharding: r.sharding,
    hours: r.hours,
    hoursRange: r.hoursRange,
    costUsd: r.costUsd === null ? null : Math.round(r.costUsd * 100) / 100,
    usdPerGpuHour: r.usdPerGpuHour,
    priceDate: r.priceDate,
    tokensPerSecond: r.tokensPerSecond === null ? null : Math.round(r.tokensPerSecond),
    usdPerMillionTokens: r.usdPerMillionTokens === null ? null : Math.round(r.usdPerMillionTokens * 1000) / 1000,
    requiredBytes: r.requiredBytes === null ? null : Math.round(r.requiredBytes),
    usableBytes: Math.round(r.usableBytes),
    mfu: r.throughput ? Math.round(r.throughput.mfu * 1000) / 1000 : null,
    reason: r.reason,
  };
}
