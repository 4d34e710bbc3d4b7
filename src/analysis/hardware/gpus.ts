// GPU catalog (src/analysis/hardware/gpus.json, from ../shared/hardware.md) plus the user's own GPUs.
import { z } from 'zod';
import raw from './gpus.json';
import { CUDA_CONTEXT_BYTES } from '../memory/estimate';
import { GiB } from '../units';

export const GpuSpecSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  name: z.string().min(1),
  /** total memory as PyTorch / nvidia-smi report it, GiB */
  memoryGiB: z.number().positive(),
  memorySource: z.string().default('user setting'),
  bandwidthTBs: z.number().positive().optional(),
  bf16Tflops: z.number().positive().optional(),
  fp8Tflops: z.number().positive().nullable().optional(),
  interconnect: z.string().optional(),
  nodeSize: z.number().int().positive().default(8),
  priceUsdPerHour: z.number().nonnegative().nullable().optional(),
  priceDate: z.string().nullable().optional(),
  aliases: z.array(z.string()).default([]),
});
export type GpuSpec = z.infer<typeof GpuSpecSchema>;

const CatalogSchema = z.object({ source: z.string(), gpus: z.array(GpuSpecSchema) });
let builtIn: GpuSpec[] | undefined;

export function gpuCatalog(custom: GpuSpec[] = []): GpuSpec[] {
  builtIn ??= CatalogSchema.parse(raw).gpus;
  const ids = new Set(custom.map((g) => g.id));
  return [...custom, ...builtIn.filter((g) => !ids.has(g.id))];
}

export function findGpu(ref: string, custom: GpuSpec[] = []): GpuSpec | undefined {
  const key = ref.trim().toLowerCase().replace(/[\s_]+/g, '-');
  const all = gpuCatalog(custom);
  return all.find((g) => g.id === key) ?? all.find((g) => g.aliases.includes(key));
}

/** Memory a training process can use: the total less the CUDA context (calibration/README.md). */
export function usableBytes(gpu: GpuSpec): number {
  return gpu.memoryGiB * GiB - CUDA_CONTEXT_BYTES;
}
