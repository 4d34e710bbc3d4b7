// What a hyperparameter costs and what changing it would do: the hover's content, from the same engine.
import { ComponentName } from '../memory/component';
import { estimateMemory } from '../memory/estimate';
import { TrainingSetup } from '../memory/setup';
import { setupFromPlan, TrainingPlan } from '../plan/plan';
import { spreadOfSetup } from '../memory/band';
import type { Spread } from '../verdict';
import type { Report } from '../report';
import { GiB } from '../units';

export interface FieldImpact {
  field: keyof TrainingPlan;
  value: unknown;
  /** the components this field drives, with their bytes now */
  drives: { name: ComponentName; bytes: number }[];
  /** the peak (requiredBytes) under other values of the field */
  variants: { label: string; requiredBytes: number; spread: Spread }[];
}

const DRIVES: Partial<Record<keyof TrainingPlan, ComponentName[]>> = {
  microBatch: ['activations', 'logits'],
  seqLen: ['activations', 'logits'],
  gradientCheckpointing: ['activations'],
  activationOffload: ['activations'],
  attention: ['activations'],
  loss: ['logits'],
  optimizer: ['optimizerState', 'pagedOptimizerState', 'optimizerStepTemp', 'masterWeights'],
  loraR: ['adapters', 'gradients', 'optimizerState'],
  loraTargets: ['adapters', 'gradients', 'optimizerState'],
  weightDtype: ['weights', 'autocastCopies'],
  quantization: ['weights', 'quantConstants'],
  doubleQuant: ['quantConstants'],
  method: ['gradients', 'optimizerState', 'adapters'],
  gradAccumulation: ['gradients'],
  sharding: ['weights', 'gradients', 'optimizerState', 'gatheredParams'],
  gpus: ['weights', 'gradients', 'optimizerState'],
};

function variantsOf(field: keyof TrainingPlan, s: TrainingSetup): { label: string; setup: TrainingSetup }[] {
  const num = (key: 'microBatch' | 'seqLen' | 'gradAccumulation', v: number) => [
    ...(v >= 2 ? [{ label: `halved (${Math.floor(v / 2)})`, setup: { ...s, [key]: Math.floor(v / 2) } }] : []),
    { label: `doubled (${v * 2})`, setup: { ...s, [key]: v * 2 } },
  ];
  switch (field) {
    case 'microBatch':
      return num('microBatch', s.microBatch);
    case 'seqLen':
      return num('seqLen', s.seqLen);
    case 'gradAccumulation':
      return s.gradAccumulation > 1
        ? [{ label: 'no accumulation (1)', setup: { ...s, gradAccumulation: 1 } }]
        : [{ label: 'accumulating (2)', setup: { ...s, gradAccumulation: 2 } }];
    case 'loraR':
      return s.lora
        ? [
            { label: `halved (${Math.max(1, s.lora.r / 2)})`, setup: { ...s, lora: { ...s.lora, r: Math.max(1, s.lora.r / 2) } } },
            { label: `doubled (${s.lora.r * 2})`, setup: { ...s, lora: { ...s.lora, r: s.lora.r * 2 } } },
          ]
        : [];
    case 'gradientCheckpointing':
      return [{ label: s.gradientCheckpointing ? 'turned off' : 'turned on', setup: { ...s, gradientCheckpointing: !s.gradientCheckpointing } }];
    case 'optimizer':
      return (['adamw_fused', 'adamw_8bit', 'adafactor'] as const).filter((o) => o !== s.optimizer).map((o) => ({ label: o, setup: { ...s, optimizer: o } }));
    case 'attention':
      return s.attention === 'eager' ? [{ label: 'sdpa', setup: { ...s, attention: 'sdpa' } }] : [{ label: 'eager', setup: { ...s, attention: 'eager' } }];
    case 'quantization':
      return s.quantization === 'none'
        ? [{ label: '4-bit NF4', setup: { ...s, quantization: 'nf4', doubleQuant: true } }]
        : [{ label: 'not quantized', setup: { ...s, quantization: 'none' } }];
    default:
      return [];
  }
}

export function fieldImpact(r: Report, field: keyof TrainingPlan): FieldImpact | null {
  if (!r.plan || !r.estimate || !r.model?.spec) return null;
  const base = setupFromPlan(r.plan, r.target.gpu.memoryGiB * GiB);
  const names = DRIVES[field] ?? [];
  const drives = names
    .map((name) => ({ name, bytes: r.estimate!.components.filter((c) => c.name === name).reduce((t, c) => t + c.bytes, 0) }))
    .filter((d) => d.bytes > 0);
  // each variant with the band of its own class (quantization changes the class)
  const variants = variantsOf(field, base).map((v) => ({
    label: v.label,
    requiredBytes: estimateMemory(r.model!.spec!, v.setup).requiredBytes,
    spread: spreadOfSetup(v.setup, r.framework, r.plan!.packing.value),
  }));
  return { field, value: r.plan[field]?.value, drives, variants };
}

/** The plan field read at `offset` (its argument or key contains it). */
export function fieldAt(r: Report, offset: number): keyof TrainingPlan | undefined {
  if (!r.plan) return undefined;
  for (const [k, f] of Object.entries(r.plan) as [keyof TrainingPlan, TrainingPlan[keyof TrainingPlan]][]) {
    if (f && f.origin === 'read' && f.span && f.span.start <= offset && offset <= f.span.end && f.span.endLine - f.span.line < 3) return k;
  }
  return undefined;
}
