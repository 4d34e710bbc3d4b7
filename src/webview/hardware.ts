// Hardware suggestions for the page: for each GPU type, the smallest count (and the sharding at that
// count) at which the what-if job fits, with its price per hour. The search is the engine's own
// (src/analysis/hardware/recommend.ts fitOnGpu), so the panel and `vram-lens compare` agree.
import { GpuSpec } from '../analysis/hardware/gpus';
import { fitOnGpu } from '../analysis/hardware/recommend';
import { Sharding, TrainingSetup } from '../analysis/memory/setup';
import { ModelSpec } from '../analysis/models/spec';

export interface HardwareRow {
  gpu: GpuSpec;
  fits: boolean;
  count: number | null;
  sharding: Sharding | null;
  offloadOptimizer: boolean;
  /** "FSDP full shard + CPU optimizer offload" */
  label: string | null;
  requiredBytes: number | null;
  usableBytes: number;
  /** catalog price × count, $/h; null without a price */
  usdPerHour: number | null;
  reason: string | null;
}

// Enough for a 405B full fine-tune on 80 GB cards; beyond that the table says what is needed.
export const MAX_COUNT = 512;

/** Fitting rows first, cheapest per hour first (no price last), then fewer GPUs. */
export function suggestHardware(model: ModelSpec, setup: TrainingSetup, gpus: GpuSpec[], headroomPercent: number): HardwareRow[] {
  const rows = gpus.map((gpu): HardwareRow => {
    const fit = fitOnGpu(model, setup, gpu, { headroomPercent, maxCount: MAX_COUNT });
    const f = fit.fit;
    return {
      gpu,
      fits: !!f,
      count: f?.count ?? null,
      sharding: f?.sharding ?? null,
      offloadOptimizer: f?.offloadOptimizer ?? false,
      label: f?.label ?? null,
      requiredBytes: f?.estimate.requiredBytes ?? null,
      usableBytes: fit.usableBytes,
      usdPerHour: f && gpu.priceUsdPerHour != null ? gpu.priceUsdPerHour * f.count : null,
      reason: fit.reason ?? null,
    };
  });
  const price = (r: HardwareRow) => r.usdPerHour ?? Infinity;
  return rows.sort((a, b) => Number(b.fits) - Number(a.fits) || price(a) - price(b) || (a.count ?? 0) - (b.count ?? 0) || a.gpu.name.localeCompare(b.gpu.name));
}
