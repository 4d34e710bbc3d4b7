// What fits on the hardware I have: the largest micro-batch, sequence length or LoRA rank that still fits
// the target GPU with headroom, everything else held fixed. Found by searching over the memory engine
// (each term of estimateMemory grows with these values), so the answer cannot disagree with the estimate.
import { estimateMemory } from '../memory/estimate';
import { fitLimit, Spread } from '../verdict';
import { TrainingSetup } from '../memory/setup';
import { ModelSpec } from '../models/spec';
import { GpuSpec, usableBytes } from './gpus';

export const SOLVE_FIELDS = ['micro_batch', 'seq_len', 'lora_r'] as const;
export type SolveField = (typeof SOLVE_FIELDS)[number];

/** The plan field each solvable value lives in (TrainingPlan keys). */
export const PLAN_FIELD: Record<SolveField, 'microBatch' | 'seqLen' | 'loraR'> = { micro_batch: 'microBatch', seq_len: 'seqLen', lora_r: 'loraR' };

export interface AccumulationPair {
  microBatch: number;
  gradAccumulation: number;
  /** micro-batch × accumulation (per GPU), the same as the job's */
  effectiveBatch: number;
  requiredBytes: number;
}

export interface SolveResult {
  field: SolveField;
  current: number;
  /** the largest value that fits with headroom; null when even 1 does not (or the field does not apply) */
  value: number | null;
  /** a rounder value at or below `value` (sequence: multiple of 128; rank: power of two) */
  suggested: number | null;
  requiredBytesAtValue: number | null;
  /** the predicted need at value + 1 (over the limit unless capped) */
  requiredBytesAbove: number | null;
  limitBytes: number;
  usableBytes: number;
  /** the search stopped at its upper bound (capReason says why), not at the memory limit */
  capped: boolean;
  cap: number;
  capReason: string;
  /** micro_batch only: the smallest accumulation that keeps micro × accumulation and fits */
  accumulation: AccumulationPair | null;
  reason: string | null;
}

function withValue(s: TrainingSetup, field: SolveField, v: number): TrainingSetup {
  if (field === 'micro_batch') return { ...s, microBatch: v };
  if (field === 'seq_len') return { ...s, seqLen: v };
  return { ...s, lora: s.lora ? { ...s.lora, r: v } : null };
}

function currentOf(s: TrainingSetup, field: SolveField): number {
  return field === 'micro_batch' ? s.microBatch : field === 'seq_len' ? s.seqLen : (s.lora?.r ?? 0);
}

function capOf(model: ModelSpec, field: SolveField): { cap: number; why: string } {
  if (field === 'micro_batch') return { cap: 1 << 16, why: 'search bound 65,536' };
  if (field === 'seq_len')
    return model.maxPositionEmbeddings
      ? { cap: model.maxPositionEmbeddings, why: `the model's context length (max_position_embeddings ${model.maxPositionEmbeddings})` }
      : { cap: 1 << 20, why: 'search bound 1,048,576' };
  return { cap: model.hiddenSize, why: `the hidden size ${model.hiddenSize} (a higher rank adds nothing)` };
}

/** Largest v in [1, cap] with fits(v), for a monotone predicate; 0 when fits(1) is false. */
export function largestFitting(fits: (v: number) => boolean, cap: number): number {
  if (cap < 1 || !fits(1)) return 0;
  let lo = 1;
  let hi = 2;
  while (hi <= cap && fits(hi)) {
    lo = hi;
    hi *= 2;
  }
  if (hi > cap) {
    if (fits(cap)) return cap;
    hi = cap;
  }
  // invariant: fits(lo), !fits(hi)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

export function solveLargest(model: ModelSpec, setup: TrainingSetup, gpu: GpuSpec, headroomPercent: number, field: SolveField, spread?: Spread): SolveResult {
  const usable = usableBytes(gpu);
  // The verdict's rule (verdict.ts): "fits" is under usable × (1 − headroom) with the band's high end under usable.
  const limit = fitLimit(usable, headroomPercent, spread);
  const { cap, why } = capOf(model, field);
  const base: SolveResult = {
    field,
    current: currentOf(setup, field),
    value: null,
    suggested: null,
    requiredBytesAtValue: null,
    requiredBytesAbove: null,
    limitBytes: limit,
    usableBytes: usable,
    capped: false,
    cap,
    capReason: why,
    accumulation: null,
    reason: null,
  };
  if (field === 'lora_r' && !setup.lora) return { ...base, reason: 'not a LoRA job: there is no rank to change' };
  const need = (v: number) => estimateMemory(model, withValue(setup, field, v)).requiredBytes;
  const fits = (v: number) => need(v) <= limit;
  const value = largestFitting(fits, cap);
  if (value === 0) {
    return { ...base, requiredBytesAbove: need(1), reason: `does not fit even at ${field} = 1 on ${setup.gpus}× ${gpu.name}` };
  }
  const r: SolveResult = { ...base, value, requiredBytesAtValue: need(value), capped: value >= cap, requiredBytesAbove: value < cap ? need(value + 1) : null };
  r.suggested = field === 'seq_len' && value >= 128 ? Math.floor(value / 128) * 128 : field === 'lora_r' ? 2 ** Math.floor(Math.log2(value)) : value;
  if (field === 'micro_batch') r.accumulation = keepEffectiveBatch(model, setup, limit, value);
  return r;
}

/**
 * The smallest gradient accumulation g (and micro-batch effective / g) that keeps the job's
 * micro-batch × accumulation and fits. Accumulating adds the gradients held across micro-steps, so each
 * pair is checked with the engine, not inferred from the largest micro-batch.
 */
export function keepEffectiveBatch(model: ModelSpec, setup: TrainingSetup, limit: number, largestMicro: number): AccumulationPair | null {
  const effective = setup.microBatch * setup.gradAccumulation;
  for (let g = 1; g <= effective; g++) {
    if (effective % g) continue;
    const micro = effective / g;
    if (micro > largestMicro && g > 1 === setup.gradAccumulation > 1) continue; // same accumulation regime: larger than the boundary cannot fit
    const need = estimateMemory(model, { ...setup, microBatch: micro, gradAccumulation: g }).requiredBytes;
    if (need <= limit) return { microBatch: micro, gradAccumulation: g, effectiveBatch: effective, requiredBytes: need };
  }
  return null;
}
