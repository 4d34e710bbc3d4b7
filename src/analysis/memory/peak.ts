// The peak of each phase of a step from the parts live in it, and the components shown at the peak.
import { Component } from './component';
import { EngineContext, Part, PeakPhase } from './context';
import { NCCL_BYTES, RESERVED_OVER_ALLOCATED, reservedOf } from './families/runtime';

export interface PeakAssembly {
  components: Component[];
  peakAllocatedBytes: number;
  peakReservedBytes: number;
  /** reserved + NCCL: what counts against the card (paged state and the CUDA context excluded) */
  requiredBytes: number;
  /** managed (paged) bytes at the peak */
  managedBytes: number;
  phase: PeakPhase;
  phases: { phase: PeakPhase; requiredBytes: number }[];
}

const strip = ({ live: _live, ...c }: Part): Component => c;

export function assemblePeak(c: EngineContext, parts: Part[]): PeakAssembly {
  const allocated = (ph: PeakPhase) => parts.filter((p) => p.pool === 'allocator' && p.live.includes(ph)).reduce((t, p) => t + p.bytes, 0);
  const vllm = (ph: PeakPhase) => parts.filter((p) => p.name === 'vllmEngine' && p.live.includes(ph)).reduce((t, p) => t + p.bytes, 0);
  const forward = allocated('forward-loss');
  const step = allocated('optimizer-step');
  const training = Math.max(forward, step);
  const trainingPhase: PeakPhase = forward >= step ? 'forward-loss' : 'optimizer-step';
  const generation = c.rl ? allocated('generation') : 0;
  const phase: PeakPhase = generation > training ? 'generation' : trainingPhase;
  const peakAllocatedBytes = Math.max(training, generation);
  const peakReservedBytes = reservedOf(peakAllocatedBytes, vllm(phase));
  const components = parts.filter((p) => p.live.includes(phase)).map(strip);
  if (peakReservedBytes > peakAllocatedBytes) {
    components.push({
      name: 'allocatorReserve',
      bytes: peakReservedBytes - peakAllocatedBytes,
      formula: `${Math.round((RESERVED_OVER_ALLOCATED - 1) * 100)}% of allocated (caching allocator)`,
      inputs: { ratio: RESERVED_OVER_ALLOCATED },
      pool: 'allocator',
    });
  }
  const nccl = c.s.gpus > 1 ? NCCL_BYTES : 0;
  if (nccl) components.push({ name: 'commBuffers', bytes: nccl, formula: 'NCCL communicator buffers', inputs: { gpus: c.N }, pool: 'driver' });
  return {
    components,
    peakAllocatedBytes,
    peakReservedBytes,
    requiredBytes: peakReservedBytes + nccl,
    managedBytes: components.filter((x) => x.pool === 'managed').reduce((t, x) => t + x.bytes, 0),
    phase,
    phases: [
      { phase: trainingPhase, requiredBytes: reservedOf(training, vllm(trainingPhase)) + nccl },
      ...(c.rl ? [{ phase: 'generation' as PeakPhase, requiredBytes: reservedOf(generation, vllm('generation')) + nccl }] : []),
    ],
  };
}
