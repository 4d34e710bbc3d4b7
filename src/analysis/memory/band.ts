// The band around an estimate: how far real peaks of the same class of job have landed from the engine's
// prediction. band.json is written by `npm run bench:band -- --write` from every measured case the project
// has (bench/data: calibration, preference/RL, held-out): the mean and spread of ln(measured / predicted) per
// class of job (method × sharding × stack × kind of job × whether the sequence length is only a cap), each
// class shrunk towards its parent by its case count. Not a fixed ±%: a class whose past errors are wide
// gets a wide band, and the band is off-centre where the engine is off-centre for that class.
import { z } from 'zod';
import raw from './band.json';
import type { Framework } from '../extract/hyperparams';
import type { Spread } from '../verdict';
import type { TrainingSetup } from './setup';

/** What the error of an estimate depends on, coarsest last in BAND_LEVELS. */
export interface BandClass {
  /** full (full / frozen), lora (LoRA, DoRA), qlora (any quantized base) */
  method: 'full' | 'lora' | 'qlora';
  /** one GPU, replicas (DDP), or sharded state (FSDP, ZeRO) */
  sharding: 'single' | 'ddp' | 'sharded';
  /** the training stack: each runs its own kernels and allocates its own way */
  stack: 'hf' | 'unsloth' | 'torchtune' | 'litgpt' | 'other';
  /** supervised, preference (DPO-style) or RL (with a generation phase) */
  job: 'sft' | 'preference' | 'rl';
  /** exact: packed or padded to the stated length; cap: batches padded to their longest sequence, which
   * the data decides (the stated length is only the limit) */
  lengths: 'exact' | 'cap';
}

/** The keys a class backs off through, most specific first. */
export const BAND_LEVELS: (keyof BandClass)[][] = [
  ['method', 'sharding', 'stack', 'job', 'lengths'],
  ['method', 'sharding', 'job', 'lengths'],
  ['method', 'job', 'lengths'],
  ['job', 'lengths'],
  ['lengths'],
  [],
];

const ClassStatsSchema = z.object({
  /** cases behind the figures */
  n: z.number().int().nonnegative(),
  /** centre (median) and robust spread (1.4826 × median absolute deviation) of ln(measured / predicted) */
  meanLog: z.number(),
  sdLog: z.number().nonnegative(),
});

const BandTableSchema = z.object({
  description: z.string(),
  /** how many cases' worth of weight a class's parent keeps (shrinkage towards the coarser class) */
  priorWeight: z.number().positive(),
  /** the two-sided coverage the band aims at, and the multiple of the spread that reaches it leave-one-out (the
   * normal quantile, widened: real errors have heavier tails than the robust spread says) */
  coverage: z.number().min(0.5).max(0.99),
  z: z.number().positive(),
  generated: z.string(),
  classes: z.record(z.string(), ClassStatsSchema),
});

export type ClassStats = z.infer<typeof ClassStatsSchema>;
export type BandTable = z.infer<typeof BandTableSchema>;

let table: BandTable | undefined;

export function bandTable(): BandTable {
  table ??= BandTableSchema.parse(raw);
  return table;
}

export function classKey(c: BandClass, level: (keyof BandClass)[]): string {
  return level.length ? level.map((k) => `${k}=${c[k]}`).join(',') : 'all';
}

/**
 * The spread of ln(measured / predicted) for a class: from the coarsest level down to the class itself,
 * each level's own figures weighted by its case count against the coarser estimate's priorWeight
 * (empirical-Bayes shrinkage): a class with few cases stays close to its parent.
 */
export function classSpread(c: BandClass, t: BandTable = bandTable()): { meanLog: number; sdLog: number; n: number; key: string } {
  let mean = 0;
  let variance = 0;
  let n = 0;
  let key = 'none';
  for (const level of [...BAND_LEVELS].reverse()) {
    const k = classKey(c, level);
    const s = t.classes[k];
    if (!s || s.n === 0) continue;
    if (key === 'none') {
      mean = s.meanLog;
      variance = s.sdLog ** 2;
    } else {
      const w = s.n / (s.n + t.priorWeight);
      mean = w * s.meanLog + (1 - w) * mean;
      variance = w * s.sdLog ** 2 + (1 - w) * variance;
    }
    n = s.n;
    key = k;
  }
  return { meanLog: mean, sdLog: Math.sqrt(variance), n, key };
}

export interface Band {
  lowBytes: number;
  highBytes: number;
  /** the class that gave it, and how many measured cases are behind it */
  basis: string;
  cases: number;
}

/** The band around `bytes`: low ≤ bytes ≤ high always. */
export function bandAround(bytes: number, c: BandClass, t: BandTable = bandTable()): Band {
  const q = classSpread(c, t);
  const low = Math.exp(q.meanLog - t.z * q.sdLog);
  const high = Math.exp(q.meanLog + t.z * q.sdLog);
  return { lowBytes: bytes * Math.min(1, low), highBytes: bytes * Math.max(1, high), basis: q.key, cases: q.n };
}

/** The class of a job from its engine inputs, its training stack and whether its sequences are packed. */
export function bandClassOf(
  s: Pick<TrainingSetup, 'method' | 'quantization' | 'gpus' | 'sharding' | 'job'>,
  stack: BandClass['stack'],
  packed: boolean,
): BandClass {
  const job = s.job;
  return {
    method: s.quantization !== 'none' ? 'qlora' : s.method === 'lora' || s.method === 'dora' || s.method === 'qlora' ? 'lora' : 'full',
    sharding: s.gpus <= 1 || s.sharding === 'none' ? 'single' : s.sharding === 'ddp' ? 'ddp' : 'sharded',
    stack,
    job: !job ? 'sft' : job.kind === 'grpo' || job.kind === 'rloo' || job.kind === 'ppo' ? 'rl' : 'preference',
    // RL completions have the length they are generated to; prompts and SFT/preference rows are padded to the
    // longest in the batch unless packed
    lengths: packed ? 'exact' : 'cap',
  };
}

/** The band as ratios of the point (what verdicts compare), with the class that gave it. */
export function spreadOf(c: BandClass, t: BandTable = bandTable()): Spread & { basis: string; cases: number } {
  const b = bandAround(1, c, t);
  return { low: b.lowBytes, high: b.highBytes, basis: b.basis, cases: b.cases };
}

/** The spread of a set-up's own class: what-ifs and fixes that change the method or sharding change the class. */
export function spreadOfSetup(setup: TrainingSetup, framework: Framework | string, packed: boolean): Spread {
  const s = spreadOf(bandClassOf(setup, bandStackOf(framework), packed));
  return { low: s.low, high: s.high };
}

/** The training stack of a file's framework, as the band classes name it. */
export function bandStackOf(framework: Framework | string): BandClass['stack'] {
  if (framework === 'unsloth' || framework === 'torchtune' || framework === 'litgpt') return framework;
  return framework === 'unknown' ? 'other' : 'hf';
}
