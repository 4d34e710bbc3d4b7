// What every component family needs to know about one job, derived once: the setup as the GPU sees it
// (DeepSpeed's bf16 cast applied), parameter counts, LoRA targets, the tokens in flight, sharding.
import { headDimOf, ModelSpec } from '../models/spec';
import { paramBreakdown, ParamBreakdown } from '../models/params';
import { Component, ComponentName } from './component';
import { loraTargets, LoraTargetSummary } from './lora';
import { DTYPE_BYTES, TrainingSetup } from './setup';

/** The phases of one training step whose peaks the engine assembles. */
export type PeakPhase = 'forward-loss' | 'optimizer-step' | 'generation';
export const TRAINING_PHASES: PeakPhase[] = ['forward-loss', 'optimizer-step'];

/** A component with the phases in which it is on the GPU. */
export interface Part extends Component {
  live: readonly PeakPhase[];
}

export interface EngineContext {
  m: ModelSpec;
  /** the setup as it runs: DeepSpeed with bf16/fp16 casts an fp32-loaded model to 16 bit */
  s: TrainingSetup;
  pb: ParamBreakdown;
  usesLora: boolean;
  lora: LoraTargetSummary | null;
  quantized: boolean;
  /** bytes of a (non-quantized) weight */
  wBytes: number;
  /** bytes of an activation element (the compute dtype) */
  actBytes: number;
  /** sequence length in the policy's forward: prompt + completion for GRPO/RLOO/PPO */
  seqLen: number;
  /** sequences in the forward with gradients: chosen + rejected for DPO-style trainers */
  sequences: number;
  tokens: number;
  pairwise: boolean;
  rl: boolean;
  /** ranks sharing one copy of the sharded state */
  N: number;
  weightShard: number;
  gradShard: number;
  optShard: number;
  deepSpeed: boolean;
  /** parameters live on the CPU (ZeRO-3 offload_param, FSDP cpu_offload) */
  paramsOffloaded: boolean;
  notes: string[];
}

export function shardsWeights(s: TrainingSetup): boolean {
  return s.gpus > 1 && (s.sharding === 'fsdp' || s.sharding === 'fsdp_hybrid' || s.sharding === 'zero3');
}
function shardsGrads(s: TrainingSetup): boolean {
  return (
    s.gpus > 1 && (s.sharding === 'fsdp' || s.sharding === 'fsdp_hybrid' || s.sharding === 'fsdp_grad_op' || s.sharding === 'zero2' || s.sharding === 'zero3')
  );
}
function shardsOptimizer(s: TrainingSetup): boolean {
  return s.gpus > 1 && s.sharding !== 'none' && s.sharding !== 'ddp';
}
/** Ranks that share one copy of the sharded state: all GPUs, or one node under HYBRID_SHARD
 * (torch FSDP ShardingStrategy.HYBRID_SHARD: shard within a node, replicate across nodes). */
function shardGroup(s: TrainingSetup): number {
  return s.sharding === 'fsdp_hybrid' ? Math.max(1, Math.min(s.gpus, s.gpusPerNode)) : Math.max(1, s.gpus);
}

export function contextOf(model: ModelSpec, setup: TrainingSetup): EngineContext {
  const notes: string[] = [];
  // DeepSpeed with bf16/fp16 casts the module to 16 bit and keeps the fp32 copy as optimizer master
  // weights (deepspeed runtime/engine.py _configure_distributed_model, bf16_optimizer.py): weights loaded
  // in fp32 do not stay fp32 on the GPU, and there is no autocast.
  const deepSpeed = setup.sharding === 'zero1' || setup.sharding === 'zero2' || setup.sharding === 'zero3';
  const dsCasts = deepSpeed && setup.autocast && setup.weightDtype === 'fp32';
  const s: TrainingSetup = dsCasts ? { ...setup, weightDtype: 'bf16', autocast: false } : setup;
  if (dsCasts) notes.push('DeepSpeed casts the fp32-loaded model to bf16 and keeps fp32 master weights in the optimizer.');
  const usesLora = s.method === 'lora' || s.method === 'qlora' || s.method === 'dora';
  const lora = usesLora && s.lora ? loraTargets(model, s.lora) : null;
  if (lora?.unknownTargets.length) notes.push(`LoRA targets not found in ${model.family}: ${lora.unknownTargets.join(', ')}`);
  const computeDtype = s.weightDtype === 'fp32' && !s.autocast ? 'fp32' : s.weightDtype === 'fp16' ? 'fp16' : 'bf16';
  const job = s.job;
  // DPO-style trainers concatenate chosen and rejected into one batch of 2B (trl dpo_trainer.py
  // concatenated_forward; orpo/cpo likewise); GRPO/RLOO train on prompt + completion.
  const pairwise = !!job && (job.kind === 'dpo' || job.kind === 'orpo' || job.kind === 'simpo');
  const rl = !!job && (job.kind === 'grpo' || job.kind === 'rloo' || job.kind === 'ppo');
  const seqLen = rl ? job!.promptLength + job!.completionLength : s.seqLen;
  const sequences = s.microBatch * (pairwise ? 2 : 1);
  const N = shardGroup(s);
  let pb = paramBreakdown(model);
  if (s.task?.kind === 'seq-cls') {
    // AutoModelForSequenceClassification builds no lm_head: a `score` (decoders) or `classifier` (encoders)
    // Linear(hidden, labels) instead (transformers modeling_layers.py GenericForSequenceClassification)
    const head = model.hiddenSize * s.task.labels;
    pb = { ...pb, lmHead: head, total: pb.total - pb.lmHead + head, active: pb.active - pb.lmHead + head };
  }
  return {
    m: model,
    s: { ...s, seqLen },
    pb,
    usesLora,
    lora,
    quantized: s.quantization !== 'none',
    wBytes: DTYPE_BYTES[s.weightDtype],
    actBytes: DTYPE_BYTES[computeDtype],
    seqLen,
    sequences,
    tokens: sequences * seqLen,
    pairwise,
    rl,
    N,
    weightShard: shardsWeights(s) ? N : 1,
    gradShard: shardsGrads(s) ? N : 1,
    optShard: shardsOptimizer(s) ? N : 1,
    deepSpeed,
    paramsOffloaded: s.offloadParams && (s.sharding === 'zero3' || s.sharding === 'fsdp' || s.sharding === 'fsdp_hybrid'),
    notes,
  };
}

/** Adds a part when it has bytes. */
export function part(
  list: Part[],
  name: ComponentName,
  bytes: number,
  live: readonly PeakPhase[],
  formula: string,
  inputs: Component['inputs'],
  pool: Component['pool'] = 'allocator',
): void {
  if (bytes > 0) list.push({ name, bytes, live, formula, inputs, pool });
}

export const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

export { headDimOf };
