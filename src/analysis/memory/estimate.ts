// Peak GPU memory per GPU of one training step, from the component families (src/analysis/memory/
// families/: weights, adapters and what trains, gradients and optimizer, activations, logits, the other
// models of RL jobs, sharding, generation, runtime), each part tagged with the phases in which it is live;
// peak.ts assembles each phase's peak. Each constant cites its source; the allocations behind them are in docs/sources/allocations-training.md and allocations-distributed-rl.md.
import { ModelSpec } from '../models/spec';
import type { Band } from './band';
import { Component } from './component';
import { contextOf, Part, PeakPhase } from './context';
import { activationParts } from './families/activations';
import { distributionParts } from './families/distribution';
import { generationParts } from './families/generation';
import { logitParts } from './families/logits';
import { modelParts } from './families/models';
import { optimizerParts } from './families/optimizer';
import { CUDA_CONTEXT_BYTES } from './families/runtime';
import { adapterParts, trainableOf } from './families/trainable';
import { weightParts, weightTerms } from './families/weights';
import { assemblePeak } from './peak';
import { TrainingSetup } from './setup';

export type { PeakPhase } from './context';
export { CUDA_CONTEXT_BYTES } from './families/runtime';

export interface MemoryEstimate {
  /** everything that is on the GPU at the peak (including what is outside PyTorch's allocator) */
  components: Component[];
  /** torch.cuda.max_memory_allocated() at the peak */
  peakAllocatedBytes: number;
  /** torch.cuda.max_memory_reserved(): allocated plus the caching allocator's cached blocks */
  peakReservedBytes: number;
  /** what nvidia-smi shows: reserved + paged optimizer state + CUDA context + NCCL buffers */
  peakDeviceBytes: number;
  /** the device memory the job needs besides the CUDA context (paged state excluded): what the fit verdict compares */
  requiredBytes: number;
  phase: PeakPhase;
  /** the peak of each phase of the step (RL jobs add a generation phase), requiredBytes each */
  phases: { phase: PeakPhase; requiredBytes: number }[];
  params: { total: number; trainable: number; active: number };
  /** host RAM for offloaded state (ZeRO/FSDP offload), per GPU process */
  cpuOffloadBytes: number;
  notes: string[];
  /** the band around peakReservedBytes, set by the report from the job's class (band.ts) */
  band?: Band;
}

export function estimateMemory(model: ModelSpec, setup: TrainingSetup): MemoryEstimate {
  const c = contextOf(model, setup);
  const w = weightTerms(c);
  const t = trainableOf(c, w);
  const opt = optimizerParts(c, t, w);
  const parts: Part[] = [
    ...weightParts(c, w),
    ...adapterParts(c, t),
    ...opt.parts,
    ...activationParts(c),
    ...logitParts(c),
    ...modelParts(c, w, opt.terms),
    ...distributionParts(c, t, w),
    ...generationParts(c, w),
  ];
  const peak = assemblePeak(c, parts);
  return {
    components: peak.components,
    peakAllocatedBytes: peak.peakAllocatedBytes,
    peakReservedBytes: peak.peakReservedBytes,
    peakDeviceBytes: peak.requiredBytes + peak.managedBytes + CUDA_CONTEXT_BYTES,
    requiredBytes: peak.requiredBytes,
    phase: peak.phase,
    phases: peak.phases,
    params: { total: c.pb.total, trainable: t.params, active: c.pb.active },
    cpuOffloadBytes: opt.terms.cpuOffloadBytes,
    notes: c.notes,
  };
}
