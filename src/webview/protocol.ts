// Messages between the extension host and the breakdown page, validated on both sides (zod).
// The host sends what the engine needs to recompute in the page (model, set-up, plan fields, GPU
// catalog, target); the page sends back navigation, "apply to file" and clipboard requests.
import { z } from 'zod';
import type { WhatIfChange } from '../analysis/remedies/apply';
import { GpuSpecSchema } from '../analysis/hardware/gpus';
import type { TrainingSetup } from '../analysis/memory/setup';
import { ModelSpecSchema } from '../analysis/models/spec';

const Dtype = z.enum(['fp32', 'bf16', 'fp16']);
export const QuantizationSchema = z.enum(['none', 'nf4', 'fp4', 'int8', 'gptq-int4', 'awq-int4']);
export const MethodSchema = z.enum(['full', 'lora', 'qlora', 'dora', 'frozen']);
export const AttentionSchema = z.enum(['eager', 'sdpa', 'flash_attention_2']);
export const ShardingSchema = z.enum(['none', 'ddp', 'fsdp', 'fsdp_grad_op', 'fsdp_hybrid', 'zero1', 'zero2', 'zero3']);
export const OptimizerSchema = z.enum([
  'adamw',
  'adamw_fused',
  'adamw_8bit',
  'paged_adamw_8bit',
  'paged_adamw_32bit',
  'adafactor',
  'sgd',
  'sgd_momentum',
  'lion',
  'lion_8bit',
]);
const Targets = z.union([z.array(z.string().max(200)).max(200), z.literal('all-linear')]);
const Count = z.number().int().min(1).max(1e8);

export const TrainingSetupSchema = z.object({
  method: MethodSchema,
  weightDtype: Dtype,
  quantization: QuantizationSchema,
  doubleQuant: z.boolean(),
  autocast: z.boolean(),
  kbitUpcast: z.boolean(),
  quantSavesInputs: z.boolean(),
  lora: z
    .object({
      r: Count,
      targets: Targets,
      dora: z.boolean(),
      modulesToSave: z.array(z.string()),
      dropout: z.number().min(0).max(1),
      dtype: Dtype,
      originalsOffloaded: z.boolean().optional(),
    })
    .nullable(),
  optimizer: OptimizerSchema,
  optimizerInBackward: z.boolean(),
  microBatch: Count,
  seqLen: Count,
  gradAccumulation: Count,
  gradientCheckpointing: z.boolean(),
  activationOffload: z.boolean(),
  attention: AttentionSchema,
  loss: z.enum(['standard', 'chunked', 'fused_linear']),
  compiled: z.boolean(),
  gpus: z.number().int().min(1).max(1e6),
  sharding: ShardingSchema,
  offloadOptimizer: z.boolean(),
  offloadParams: z.boolean(),
  gpusPerNode: z.number().int().min(1),
  job: z
    .object({
      kind: z.enum(['dpo', 'orpo', 'simpo', 'kto', 'grpo', 'rloo', 'ppo']),
      reference: z.enum(['copy', 'adapter-disabled', 'precomputed', 'none']),
      referenceDtype: Dtype,
      numGenerations: Count,
      promptLength: Count,
      completionLength: Count,
      generationBatch: Count,
      generation: z.enum(['hf', 'vllm-colocate', 'vllm-shared', 'vllm-server', 'none']),
      vllmMemoryUtilization: z.number().min(0).max(1),
      vllmSleep: z.boolean(),
      rewardModel: z.boolean(),
      valueModel: z.boolean(),
    })
    .nullable(),
  gpuTotalBytes: z.number().positive().optional(),
  task: z.object({ kind: z.enum(['causal-lm', 'seq-cls']), labels: z.number().int().min(0).max(1e6) }).optional(),
}) satisfies z.ZodType<TrainingSetup>;

export const VerdictSchema = z.enum(['fits', 'tight', 'oom', 'unknown']);

export const PanelFieldSchema = z.object({
  /** the plan field (microBatch, seqLen, …) */
  name: z.string(),
  value: z.unknown(),
  origin: z.enum(['read', 'defaulted', 'assumed']),
  reason: z.string(),
  /** 0-based line it was read from */
  line: z.number().int().nonnegative().nullable(),
});
export type PanelField = z.infer<typeof PanelFieldSchema>;

/** A measurement of the file (`vram-lens measure` / Measure on This Machine) next to the prediction. */
export const MeasuredViewSchema = z.object({
  /** the CodeLens line: measured, where, when, predicted */
  title: z.string(),
  /** how the estimate uses it, or why not */
  words: z.string(),
  /** measured vs predicted, the settings changed since, the anchored estimate */
  rows: z.array(z.object({ label: z.string(), value: z.string() })),
  measuredReservedBytes: z.number().nonnegative().nullable(),
  predictedReservedBytes: z.number().nonnegative().nullable(),
  anchoredBytes: z.number().nullable(),
  verdict: VerdictSchema.nullable(),
});
export type MeasuredView = z.infer<typeof MeasuredViewSchema>;

export const PanelDataSchema = z.object({
  uri: z.string(),
  /** path as the analysis saw it */
  file: z.string(),
  fileName: z.string(),
  kind: z.enum(['python', 'yaml', 'json', 'notebook', 'shell', 'unknown']),
  framework: z.string(),
  /** the host's one-line summary of the file's estimate */
  summary: z.string(),
  /** why there is no estimate (no model, unknown model, not a training file) */
  message: z.string().nullable(),
  model: z.object({ ref: z.string(), id: z.string().nullable() }).nullable(),
  /** everything the engine needs to recompute in the page; null without an estimate */
  spec: ModelSpecSchema.nullable(),
  setup: TrainingSetupSchema.nullable(),
  fields: z.array(PanelFieldSchema),
  target: z.object({
    gpu: z.string(),
    count: z.number().int().positive(),
    headroomPercent: z.number().min(0).max(100),
    /** the host's estimate of the file (the page's own recomputation must agree) */
    requiredBytes: z.number().nonnegative().nullable(),
    verdict: VerdictSchema,
    /** the band of the host's estimate as ratios of its point: the page's what-ifs are judged against it too */
    spread: z.object({ low: z.number().positive(), high: z.number().positive() }).optional(),
  }),
  /** the newest matching measurement of the file, when there is one */
  measured: MeasuredViewSchema.nullable().optional(),
  /** the GPU catalog with the user's own GPUs */
  gpus: z.array(GpuSpecSchema).min(1),
  /** what the hardware table needs for time and total cost (src/analysis/hardware/compare.ts) */
  costing: z
    .object({
      tokens: z.object({ tokens: z.number().positive(), source: z.enum(['cli', 'file', 'setting']), how: z.string() }).nullable(),
      stack: z.enum(['hf', 'unsloth', 'torchtune', 'torchtitan', 'nemo', 'pytorch']),
      gpuPrices: z.record(z.string(), z.number().nonnegative()).optional(),
      timeModel: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
export type PanelData = z.infer<typeof PanelDataSchema>;

export const WhatIfChangeSchema = z.union([
  z.object({ field: z.literal('method'), value: z.enum(['full', 'lora']) }),
  z.object({ field: z.enum(['microBatch', 'seqLen', 'loraR', 'gpus']), value: Count }),
  z.object({ field: z.literal('loraTargets'), value: Targets }),
  z.object({ field: z.enum(['gradientCheckpointing', 'offloadOptimizer']), value: z.boolean() }),
  z.object({ field: z.literal('quantization'), value: z.enum(['none', 'int8', 'nf4']) }),
  z.object({ field: z.literal('optimizer'), value: OptimizerSchema }),
  z.object({ field: z.literal('attention'), value: AttentionSchema }),
  z.object({ field: z.literal('sharding'), value: ShardingSchema }),
  z.object({ field: z.literal('gpu'), value: z.string().regex(/^[a-z0-9][a-z0-9-]*$/) }),
]) satisfies z.ZodType<WhatIfChange>;

export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('report'), data: PanelDataSchema }),
  z.object({
    type: z.literal('applied'),
    applied: z.array(z.object({ field: z.string(), how: z.string() })),
    notApplied: z.array(z.object({ field: z.string(), reason: z.string() })),
    /** the file changed under the page (or closed) before the edit could be made */
    error: z.string().nullable(),
  }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

export const PageMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('revealLine'), line: z.number().int().nonnegative() }),
  z.object({ type: z.literal('applyToFile'), uri: z.string(), changes: z.array(WhatIfChangeSchema).min(1).max(20) }),
  z.object({ type: z.literal('copy'), format: z.enum(['markdown', 'json']), text: z.string().max(1_000_000) }),
  /** after each render: what the page shows (the host keeps it for the integration test's round trip) */
  z.object({
    type: z.literal('rendered'),
    uri: z.string(),
    fileRequiredBytes: z.number().nullable(),
    scenarioRequiredBytes: z.number().nullable(),
    changes: z.number().int().nonnegative(),
  }),
]);
export type PageMessage = z.infer<typeof PageMessageSchema>;
