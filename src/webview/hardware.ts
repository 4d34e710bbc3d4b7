// Hardware suggestions for the page: for each GPU type, the smallest count (and the sharding at that
// count) at which the what-if job fits, with its price per hour. The search is the engine's own
// (src/analysis/hardware/recommend.ts fitOnGpu), so the panel and `vram-lens compare` agree.
import { GpuSpec } from '../analysis/hardware/gpus';
import { compareGpus } from '../analysis/hardware/compare';
import { FitOptions, fitOnGpu } from '../analysis/hardware/recommend';
import { Stack, TimeModelOverrides, TokenCount } from '../analysis/hardware/time';
import { Sharding, TrainingSetup } from '../analysis/memory/setup';
import { ModelSpec } from '../analysis/models/spec';

export interface HardwareRow {
  gpu: GpuSpec;
  fits: boolean;
  count: number | null;
  /** "FSDP full shard + CPU optimizer offload" */
  label: string | null;
  sharding: Sharding | null;
  offloadOptimizer: boolean;
  requiredBytes: number | null;
  usableBytes: number;
  /** price × count, $/h; null without a price */
  usdPerHour: number | null;
  /** with a token count: wall time and total cost of the run; else null */
  hours: number | null;
  costUsd: number | null;
  /** always comparable, with or without a token count */
  usdPerMillionTokens: number | null;
  reason: string | null;
}

// Enough for a 405B full fine-tune on 80 GB cards; beyond that the table says what is needed.
export const MAX_COUNT = 512;

export interface Costing {
  tokens: TokenCount | null;
  stack: Stack;
  gpuPrices?: Record<string, number>;
  timeModel?: TimeModelOverrides;
}

/**
 * One row per GPU type at the smallest count and set-up that fits, with time and total cost: the same
 * comparison as `vram-lens analyze --compare` (src/analysis/hardware/compare.ts), cheapest run first.
 */
export function suggestHardware(
  model: ModelSpec,
  setup: TrainingSetup,
  gpus: GpuSpec[],
  headroomPercent: number,
  costing: Costing = { tokens: null, stack: 'hf' },
  spread?: FitOptions['spread'],
): HardwareRow[] {
  const byId = new Map(gpus.map((g) => [g.id, g]));
  const cmp = compareGpus(model, setup, {
    headroomPercent,
    spread,
    preferredCount: setup.gpus,
    customGpus: gpus,
    gpuPrices: costing.gpuPrices,
    tokens: costing.tokens,
    stack: costing.stack,
    timeModel: costing.timeModel,
    maxCount: MAX_COUNT,
  });
  return cmp.rows
    .filter((r) => byId.has(r.gpu))
    .map((r): HardwareRow => {
      const gpu = byId.get(r.gpu)!;
      const fit = r.fits ? fitOnGpu(model, setup, gpu, { headroomPercent, spread, maxCount: MAX_COUNT }).fit : null;
      return {
        gpu,
        fits: r.fits,
        count: r.fits ? r.count : null,
        label: r.sharding,
        sharding: fit?.sharding ?? null,
        offloadOptimizer: r.offloadOptimizer,
        requiredBytes: r.requiredBytes,
        usableBytes: r.usableBytes,
        usdPerHour: r.usdPerGpuHour != null && r.fits ? r.usdPerGpuHour * r.count : null,
        hours: r.hours,
        costUsd: r.costUsd,
        usdPerMillionTokens: r.usdPerMillionTokens,
        reason: r.reason,
      };
    });
}
