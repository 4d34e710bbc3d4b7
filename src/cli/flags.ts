// Flags that `analyze` and `check` share: the target hardware and the headroom.
import { findGpu } from '../analysis/hardware/gpus';
import { AnalysisSettings } from '../analysis/report';

export class UsageError extends Error {}

/**
 * Applies --gpu, --gpus or --headroom to the settings. Returns false for any other flag.
 * `take` returns the flag's value (and throws a UsageError when it is missing).
 */
export function applyTargetFlag(flag: string, take: () => string, settings: AnalysisSettings): boolean {
  switch (flag) {
    case '--gpu': {
      const id = take();
      const gpu = findGpu(id, settings.customGpus);
      if (!gpu) throw new UsageError(`unknown GPU "${id}"; run \`vram-lens analyze --list-gpus\` to see the ids`);
      settings.targetGpu = gpu.id;
      return true;
    }
    case '--gpus': {
      const v = take();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 4096) throw new UsageError(`--gpus takes a whole number from 1 to 4096, not "${v}"`);
      settings.gpuCount = n;
      return true;
    }
    case '--headroom': {
      const v = take();
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n >= 100) throw new UsageError(`--headroom takes a percentage from 0 to 99, not "${v}"`);
      settings.headroomPercent = n;
      return true;
    }
    default:
      return false;
  }
}
