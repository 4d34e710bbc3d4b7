// The other models of preference and RL jobs: the frozen reference, PPO's reward and value models.
import { DTYPE_BYTES } from '../setup';
import { EngineContext, fmt, part, Part, TRAINING_PHASES } from '../context';
import { OptimizerTerms } from './optimizer';
import { WeightTerms } from './weights';

const ALL = [...TRAINING_PHASES, 'generation'] as const;

export function modelParts(c: EngineContext, w: WeightTerms, o: OptimizerTerms): Part[] {
  const { s, pb } = c;
  const job = s.job;
  const out: Part[] = [];
  if (!job) return out;
  const N = c.weightShard;
  if (job.reference === 'copy') {
    // a second, frozen copy of the policy (quantized like it when the policy is k-bit). Under DeepSpeed TRL
    // wraps the reference in its own engine with the run's bf16/fp16 config, which casts it to 16 bit; ZeRO-3
    // shards it, ZeRO-1/2 keep a full copy (trl models/utils.py prepare_deepspeed; allocations-distributed-rl.md §1)
    const refBytes = c.deepSpeed && (s.autocast || c.wBytes === 2) ? 2 : DTYPE_BYTES[job.referenceDtype];
    const bytes = c.quantized ? (w.weightBytes + w.qconst) / N : (pb.total * refBytes) / N;
    part(
      out,
      'referenceModel',
      bytes,
      ALL,
      `${fmt(pb.total)} params × ${c.quantized ? 'quantized' : `${refBytes} B`}${N > 1 ? ` ÷ ${c.N} GPUs` : ''}, frozen`,
      {
        params: pb.total,
        dtype: refBytes === 2 ? 'bf16' : job.referenceDtype,
        reference: job.reference,
      },
    );
  }
  if (job.rewardModel) {
    part(out, 'rewardModel', (pb.total * c.wBytes) / N, ALL, `${fmt(pb.total)} params × ${c.wBytes} B, frozen (same architecture as the policy)`, {
      params: pb.total,
    });
  }
  if (job.valueModel) {
    // trainable like a full fine-tune of the same architecture: weights, gradients, optimizer state
    const wb = c.wBytes;
    const vb =
      (pb.total * wb) / N +
      (pb.total * wb) / c.gradShard +
      (pb.total * o.bytesPerParam) / c.optShard +
      (c.deepSpeed && wb < 4 ? (pb.total * 4) / c.optShard : 0);
    part(out, 'valueModel', vb, ALL, `${fmt(pb.total)} params × (${wb} + ${wb} + ${o.bytesPerParam.toFixed(1)}) B`, { params: pb.total });
  }
  return out;
}
