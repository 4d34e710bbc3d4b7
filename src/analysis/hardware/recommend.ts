// For one GPU type: the smallest GPU count, and the sharding at that count, at which the job fits with
// headroom — found by running the memory engine on each candidate, never by a separate formula.
import { estimateMemory, MemoryEstimate } from '../memory/estimate';
import { fitLimit, Spread } from '../verdict';
import { Sharding, SHARDING_NAMES, TrainingSetup } from '../memory/setup';
import { ModelSpec } from '../models/spec';
import { formatGiB } from '../units';
import { GpuSpec, usableBytes } from './gpus';

export interface FitCandidate {
  count: number;
  sharding: Sharding;
  offloadOptimizer: boolean;
  /** the engine input at this candidate */
  setup: TrainingSetup;
  estimate: MemoryEstimate;
  /** what the user would set up, in their terms ("FSDP full shard + CPU optimizer offload") */
  label: string;
}

export interface GpuFit {
  gpu: GpuSpec;
  usableBytes: number;
  /** the bytes a GPU may use with the headroom kept free */
  limitBytes: number;
  fit: FitCandidate | null;
  /** why nothing fits (set when fit is null) */
  reason?: string;
}

export interface FitOptions {
  headroomPercent: number;
  /** the estimate's band as ratios of its point: "fits" keeps its high end under the card (verdict.ts); a
   * function gives each candidate set-up the band of its own class (sharding changes the class) */
  spread?: Spread | ((setup: TrainingSetup) => Spread);
  /** try this count first (the job's own count); fall back to the smallest count that fits */
  preferredCount?: number;
  /** largest count to try (default 1024) */
  maxCount?: number;
}

const DEFAULT_MAX_COUNT = 1024;

/** 1, 2, 4, … within a node, then whole nodes doubling: 2, 4, 8, … nodes. */
export function countsFor(gpu: GpuSpec, maxCount = DEFAULT_MAX_COUNT): number[] {
  const out: number[] = [];
  const node = Math.max(1, gpu.nodeSize);
  for (let c = 1; c < node && c <= maxCount; c *= 2) out.push(c);
  for (let c = node; c <= maxCount; c *= 2) out.push(c);
  return out;
}

export function shardingLabel(s: Pick<TrainingSetup, 'gpus' | 'sharding' | 'offloadOptimizer'>): string {
  const base = SHARDING_NAMES;
  const b = s.gpus <= 1 && s.sharding === 'ddp' ? base.none : base[s.sharding];
  return s.offloadOptimizer ? `${b} + CPU optimizer offload` : b;
}

function usesDeepSpeed(s: Sharding): boolean {
  return s === 'zero1' || s === 'zero2' || s === 'zero3';
}

/**
 * The set-ups to try at one count, in order of preference (fastest first): the job as configured (DDP
 * replicas when it has no sharding), full sharding (ZeRO-3 for DeepSpeed users, FSDP otherwise), then
 * sharding with the optimizer state on the CPU (ZeRO-Offload on a single GPU).
 */
export function candidatesAt(base: TrainingSetup, count: number, gpu: GpuSpec): TrainingSetup[] {
  const ds = usesDeepSpeed(base.sharding);
  const at = (sharding: Sharding, offloadOptimizer: boolean): TrainingSetup => ({
    ...base,
    gpus: count,
    gpusPerNode: Math.max(1, gpu.nodeSize),
    sharding,
    offloadOptimizer,
  });
  const list: TrainingSetup[] = [];
  if (count === 1) {
    list.push(at(base.sharding === 'ddp' ? 'none' : base.sharding, base.offloadOptimizer));
    // DeepSpeed ZeRO-Offload on one GPU: optimizer state and fp32 master weights in host RAM.
    if (!base.offloadOptimizer) list.push(at(ds ? base.sharding : 'zero2', true));
  } else {
    const own = base.sharding === 'none' ? 'ddp' : base.sharding;
    list.push(at(own, base.offloadOptimizer));
    const full: Sharding = ds ? 'zero3' : own === 'fsdp_hybrid' && count > gpu.nodeSize ? 'fsdp_hybrid' : 'fsdp';
    if (full !== own) list.push(at(full, base.offloadOptimizer));
    if (!base.offloadOptimizer) list.push(at(full, true));
  }
  return list;
}

type Miss = { best: MemoryEstimate; setup: TrainingSetup };

function tryCount(model: ModelSpec, base: TrainingSetup, gpu: GpuSpec, count: number, limitOf: (s: TrainingSetup) => number): FitCandidate | Miss {
  let best: Miss | undefined;
  for (const setup of candidatesAt(base, count, gpu)) {
    const estimate = estimateMemory(model, setup);
    if (estimate.requiredBytes <= limitOf(setup))
      return { count, sharding: setup.sharding, offloadOptimizer: setup.offloadOptimizer, setup, estimate, label: shardingLabel(setup) };
    if (!best || estimate.requiredBytes < best.best.requiredBytes) best = { best: estimate, setup };
  }
  return best!;
}

/** The smallest count (the preferred one first, when it fits) and its sharding, for one GPU type. */
export function fitOnGpu(model: ModelSpec, base: TrainingSetup, gpu: GpuSpec, opts: FitOptions): GpuFit {
  const usable = usableBytes(gpu);
  // Same rule as the report's verdict (verdict.ts): under usable × (1 − headroom), the band's high end under usable.
  const spread = opts.spread;
  const limitOf = (s: TrainingSetup) => fitLimit(usable, opts.headroomPercent, typeof spread === 'function' ? spread(s) : spread);
  const limit = limitOf(base);
  const out: GpuFit = { gpu, usableBytes: usable, limitBytes: limit, fit: null };
  if (opts.preferredCount && opts.preferredCount > 0) {
    const r = tryCount(model, base, gpu, opts.preferredCount, limitOf);
    if ('label' in r) return { ...out, fit: r };
  }
  let last: Miss | undefined;
  let plateau = false;
  for (const c of countsFor(gpu, opts.maxCount)) {
    const r = tryCount(model, base, gpu, c, limitOf);
    if ('label' in r) return { ...out, fit: r };
    // More GPUs no longer shrink the per-GPU need (what is left is activations and the loss, which
    // sharding does not divide): stop rather than try up to maxCount.
    plateau = !!last && r.best.requiredBytes >= 0.99 * last.best.requiredBytes;
    last = r;
    if (plateau) break;
  }
  const top = last?.best.components.filter((c) => c.pool === 'allocator' && c.name !== 'allocatorReserve').sort((a, b) => b.bytes - a.bytes)[0];
  const perSample = !!top && ['activations', 'logits', 'autocastCopies'].includes(top.name);
  out.reason = last
    ? `needs ${formatGiB(last.best.requiredBytes)} per GPU even on ${last.setup.gpus}× with ${shardingLabel(last.setup)} (limit ${formatGiB(limit)}` +
      (top ? `; largest part ${top.name} ${formatGiB(top.bytes)}` : '') +
      ')' +
      (plateau && perSample ? ': more GPUs do not divide it; lower the micro-batch or sequence length, or turn on gradient checkpointing' : '')
    : 'no GPU count to try';
  return out;
}
