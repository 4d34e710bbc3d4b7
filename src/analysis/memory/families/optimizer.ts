// Gradients, optimizer state (by optimizer kind), fp32 master weights, the optimizer step's temporaries,
// and the host RAM of what is offloaded.
import { linearModules } from '../../models/params';
import { EngineContext, fmt, part, Part, TRAINING_PHASES } from '../context';
import { TrainingSetup } from '../setup';
import { Trainable, trainableBytes } from './trainable';
import { WeightTerms } from './weights';

const ALL = [...TRAINING_PHASES, 'generation'] as const;

// bitsandbytes 8-bit optimizers: two uint8 states plus one fp32 absmax per 2048-value block
// (Dettmers et al. 2021, 8-bit Optimizers via Block-wise Quantization; bnb optim/optimizer.py).
const ADAM8BIT_BYTES = 2 + 8 / 2048;

/** Bytes per trainable parameter of the optimizer state (before sharding). */
export function optimizerBytesPerParam(s: TrainingSetup, paramBytes: number): { bytes: number; paged: boolean; why: string } {
  switch (s.optimizer) {
    case 'adamw':
    case 'adamw_fused':
      // exp_avg and exp_avg_sq are zeros_like(param) (torch/optim/adamw.py); DeepSpeed keeps them fp32.
      return { bytes: 2 * paramBytes, paged: false, why: '2 states × param dtype' };
    case 'adamw_8bit':
      return { bytes: ADAM8BIT_BYTES, paged: false, why: '2 × 8-bit states + block absmax' };
    case 'paged_adamw_8bit':
      return { bytes: ADAM8BIT_BYTES, paged: true, why: '2 × 8-bit states, paged (CUDA managed memory)' };
    case 'paged_adamw_32bit':
      // bnb 32-bit optimizers keep fp32 states whatever the param dtype (bnb optim/optimizer.py init_state).
      return { bytes: 8, paged: true, why: '2 × fp32 states, paged (CUDA managed memory)' };
    case 'adafactor':
      return { bytes: 0, paged: false, why: 'factored second moment (rows + columns)' };
    case 'sgd':
      return { bytes: 0, paged: false, why: 'plain SGD keeps no state' };
    case 'sgd_momentum':
      return { bytes: paramBytes, paged: false, why: 'momentum buffer × param dtype' };
    case 'lion':
      // Lion keeps one momentum buffer (Chen et al. 2023, Symbolic Discovery of Optimization Algorithms).
      return { bytes: paramBytes, paged: false, why: '1 state × param dtype' };
    case 'lion_8bit':
      return { bytes: 1 + 4 / 2048, paged: false, why: '1 × 8-bit state' };
  }
}

export interface OptimizerTerms {
  /** bytes per param of optimizer state, in the state's dtype (DeepSpeed: fp32) */
  bytesPerParam: number;
  /** the dtype size the states and master weights are kept in */
  stateParamBytes: number;
  gradients: number;
  cpuOffloadBytes: number;
}

export function optimizerParts(c: EngineContext, t: Trainable, w: WeightTerms): { parts: Part[]; terms: OptimizerTerms } {
  const { s, m } = c;
  const out: Part[] = [];
  // ---- gradients (each in its parameter's dtype) --------------------------------------------------
  const perParam = t.params ? trainableBytes(t) / t.params : 0;
  let gradBytes = trainableBytes(t) / c.gradShard;
  if (s.optimizerInBackward && t.params > 0) {
    // optimizer_in_bwd steps each parameter as soon as its gradient is ready (torchtune
    // recipes/full_finetune_single_device.py): only the largest gradient is alive at a time.
    gradBytes = (t.largestTensor * perParam) / c.gradShard;
  }
  const gradOffloaded = s.offloadParams && (s.sharding === 'fsdp' || s.sharding === 'fsdp_hybrid');
  const gradients = gradOffloaded ? 0 : gradBytes;
  if (s.gradAccumulation > 1 && !s.optimizerInBackward) {
    // accumulated gradients live from the first micro-step's backward through the next forwards
    part(
      out,
      'gradients',
      gradients,
      ['forward-loss'],
      `${fmt(t.params)} trainable × ${+perParam.toFixed(2)} B (kept across ${s.gradAccumulation} accumulation steps)`,
      { trainableParams: t.params, gradAccumulation: s.gradAccumulation },
    );
  }
  part(out, 'gradients', gradients, ['optimizer-step'], `${fmt(t.params)} trainable × ${+perParam.toFixed(2)} B${c.gradShard > 1 ? ` ÷ ${c.N} GPUs` : ''}`, {
    trainableParams: t.params,
    bytesPerParam: perParam,
    shards: c.gradShard,
  });

  // ---- optimizer state and master weights --------------------------------------------------------
  // DeepSpeed with bf16/fp16 keeps an fp32 master copy and fp32 optimizer state (ZeRO paper, Rajbhandari
  // et al. 2020, section 3: 2+2+K bytes with K=12 for mixed-precision Adam). Each group's state follows its
  // own parameter dtype (torch AdamW: zeros_like(param)).
  const stateBytesOf = (bytes: number) => (c.deepSpeed && bytes < 4 ? 4 : bytes);
  const groupOpt = t.groups.map((g) => ({ g, o: optimizerBytesPerParam(s, stateBytesOf(g.bytes)) }));
  const opt = optimizerBytesPerParam(s, stateBytesOf(t.groups[0]?.bytes ?? c.wBytes));
  const stateParamBytes = stateBytesOf(t.groups[0]?.bytes ?? c.wBytes);
  let optBytes = groupOpt.reduce((sum, x) => sum + x.g.params * x.o.bytes, 0) / c.optShard;
  if (s.optimizer === 'adafactor') {
    // factored second moment: one fp32 value per row and per column of each matrix (Shazeer & Stern 2018).
    optBytes = c.usesLora
      ? (4 * t.params) / Math.max(1, s.lora?.r ?? 1) / c.optShard
      : (4 * (linearModules(m).reduce((tt, x) => tt + (x.inFeatures + x.outFeatures) * x.count, 0) + m.vocabSize + m.hiddenSize)) / c.optShard;
  }
  const masterBytes = c.deepSpeed ? t.groups.filter((g) => g.bytes < 4).reduce((sum, g) => sum + g.params * 4, 0) / c.optShard : 0;
  // Host RAM per GPU process for what is offloaded: this rank's shard of optimizer state and master
  // weights, of gradients (FSDP cpu_offload), and of parameters (FSDP cpu_offload / ZeRO-3 offload_param).
  const cpuOffloadBytes =
    (s.offloadOptimizer ? optBytes + masterBytes : 0) + (gradOffloaded ? gradBytes : 0) + (c.paramsOffloaded ? (w.weightBytes + w.qconst) / c.weightShard : 0);
  part(
    out,
    opt.paged ? 'pagedOptimizerState' : 'optimizerState',
    s.offloadOptimizer ? 0 : optBytes,
    ALL,
    `${fmt(t.params)} trainable params × ${(t.params ? (optBytes * c.optShard) / t.params : opt.bytes).toFixed(2)} B (${opt.why})${c.optShard > 1 ? ` ÷ ${c.N} GPUs` : ''}`,
    { trainableParams: t.params, bytesPerParam: opt.bytes, optimizer: s.optimizer, shards: c.optShard },
    opt.paged ? 'managed' : 'allocator',
  );
  part(
    out,
    'masterWeights',
    s.offloadOptimizer ? 0 : masterBytes,
    ALL,
    `${fmt(t.params)} trainable params × 4 B (fp32 master copy)${c.optShard > 1 ? ` ÷ ${c.N} GPUs` : ''}`,
    { trainableParams: t.params },
  );
  // torch's default foreach AdamW materialises sqrt(exp_avg_sq) for all params at once
  // (torch/optim/adamw.py _multi_tensor_adamw); the fused kernel and bnb optimizers work in place.
  const stateBytes = t.groups.reduce((sum, g) => sum + g.params * stateBytesOf(g.bytes), 0);
  const stepTemp = s.optimizer === 'adamw' && !s.optimizerInBackward && !s.offloadOptimizer ? stateBytes / c.optShard : 0;
  part(
    out,
    'optimizerStepTemp',
    stepTemp,
    ['optimizer-step'],
    `${fmt(t.params)} × ${t.params ? +(stateBytes / t.params).toFixed(2) : 0} B (foreach AdamW sqrt buffer)`,
    { trainableParams: t.params },
  );
  // DeepSpeed steps on an fp32 copy of this rank's gradient partition: ZeRO-1/2 the whole partition
  // (runtime/zero/stage_1_and_2.py, single_partition_of_fp32_groups' grad), ZeRO-3 one sub-group of at most
  // sub_group_size = 1e9 elements (runtime/zero/stage3.py) — docs/sources/allocations-distributed-rl.md §6.
  if (c.deepSpeed && !s.offloadOptimizer && t.params > 0) {
    const elements = Math.min(t.params / c.optShard, s.sharding === 'zero3' ? 1e9 : Infinity);
    part(
      out,
      'optimizerStepTemp',
      elements * 4,
      ['optimizer-step'],
      `${fmt(elements)} gradient elements × 4 B (fp32 gradient partition of the DeepSpeed step)`,
      { elements },
    );
  }
  return { parts: out, terms: { bytesPerParam: opt.bytes, stateParamBytes, gradients, cpuOffloadBytes } };
}
