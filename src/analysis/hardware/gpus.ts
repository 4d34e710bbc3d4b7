// GPU catalog (src/analysis/hardware/gpus.json; every figure's original source in docs/sources/hardware.md)
// plus the user's own GPUs.
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
  /** measured BF16 matmul ceiling, TFLOPS (the sustained rate under the card's clocks and power limit) */
  matmulTflops: z.number().positive().optional(),
  matmulSource: z.string().optional(),
  interconnect: z.string().optional(),
  nodeSize: z.number().int().positive().default(8),
  priceUsdPerHour: z.number().nonnegative().nullable().optional(),
  priceDate: z.string().nullable().optional(),
  /** where the default price comes from (listings and their dates) */
  priceSource: z.string().optional(),
  /** PCIe generation of the card's x16 host link (3, 4, 5) */
  pcieGen: z.number().int().min(1).max(7).optional(),
  /** PCIe peer-to-peer between cards in NVIDIA's driver (false on GeForce: NCCL goes through host memory) */
  p2p: z.boolean().optional(),
  /** NVLink / Infinity Fabric bandwidth per GPU per direction, GB/s; null when the card has none */
  fabricGBs: z.number().positive().nullable().optional(),
  /** GPUs joined by that fabric (8 in an HGX board, 2 for a bridged pair, 72 for GB200 NVL72) */
  fabricDomain: z.number().int().positive().optional(),
  /** network bandwidth between nodes per GPU per direction of the reference system, GB/s */
  networkGBs: z.number().positive().optional(),
  /** DRAM bandwidth of the reference host, GB/s (CPU optimizer step, transfers staged in host memory) */
  hostMemoryGBs: z.number().positive().optional(),
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
  const key = ref
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  const all = gpuCatalog(custom);
  return all.find((g) => g.id === key) ?? all.find((g) => g.aliases.includes(key));
}

/** Memory a training process can use: the total less the CUDA context (docs/sources/allocations-training.md §6.2). */
export function usableBytes(gpu: GpuSpec): number {
  return gpu.memoryGiB * GiB - CUDA_CONTEXT_BYTES;
}
