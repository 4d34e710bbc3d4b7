// A change to a training job in plan terms: what a quick fix, "Fix all" and the panel's Apply to file
// ask for. One writer (remedies/apply.ts) turns a list of changes into edits of the file in its
// framework's own keys (the dialect tables' writes), so every surface edits files the same way.
import type { AttentionImpl, LossImpl, OptimizerKind, Sharding } from '../memory/setup';

export type PlanChange =
  | { field: 'method'; value: 'full' | 'lora' }
  | { field: 'microBatch' | 'gradAccumulation' | 'seqLen' | 'loraR' | 'gpus' | 'numGenerations'; value: number }
  | { field: 'loraTargets'; value: string[] | 'all-linear' }
  | { field: 'loraDropout' | 'vllmMemoryUtilization'; value: number }
  | { field: 'gradientCheckpointing' | 'offloadOptimizer' | 'precomputeRef' | 'vllmSleep'; value: boolean }
  | { field: 'quantization'; value: 'none' | 'int8' | 'nf4' }
  | { field: 'optimizer'; value: OptimizerKind }
  | { field: 'attention'; value: AttentionImpl }
  | { field: 'loss'; value: LossImpl }
  | { field: 'sharding'; value: Sharding }
  | { field: 'gpu'; value: string };

export type ChangeField = PlanChange['field'];

/** The value type of one changed field (the union groups several fields under one value type). */
export type ChangeValue<F extends ChangeField> = PlanChange extends infer C
  ? C extends { field: infer G; value: infer V }
    ? F extends G
      ? V
      : never
    : never
  : never;

export type ChangeOf<F extends ChangeField> = { field: F; value: ChangeValue<F> };

/** The adapters a fix adds when it turns a full fine-tune into LoRA/QLoRA: the QLoRA recipe (Dettmers et al.
 * 2023: LoRA on every linear layer), r = 16, alpha 2r, dropout 0.05. */
export const LORA_RECIPE = { r: 16, alpha: 32, dropout: 0.05, targets: 'all-linear' as const };
