// What trains: LoRA/DoRA adapters and modules_to_save copies, or every weight. Gradients and optimizer
// state follow from these groups.
import { linearModules } from '../../models/params';
import { DTYPE_BYTES } from '../setup';
import { EngineContext, fmt, part, Part, TRAINING_PHASES } from '../context';

const ALL = [...TRAINING_PHASES, 'generation'] as const;

export interface Trainable {
  /** trainable parameters in all groups */
  params: number;
  /** bytes of a trainable parameter (the gradient dtype) */
  bytes: number;
  /** modules_to_save parameters (a trained copy next to the frozen original) */
  modulesToSaveParams: number;
  /** the largest trainable tensor (optimizer-in-backward keeps one gradient at a time) */
  largestTensor: number;
}

export function trainableOf(c: EngineContext): Trainable {
  const { s, pb, m } = c;
  // modules_to_save: PEFT keeps the original and trains a copy (peft/utils/other.py ModulesToSaveWrapper).
  let modulesToSaveParams = 0;
  if (c.usesLora && s.lora) {
    for (const mod of s.lora.modulesToSave) {
      if (/embed|wte|tok_embeddings/.test(mod)) modulesToSaveParams += pb.embedding;
      else if (/lm_head|output/.test(mod)) modulesToSaveParams += pb.lmHead || pb.embedding;
    }
  }
  if (s.method === 'frozen') return { params: 0, bytes: c.wBytes, modulesToSaveParams, largestTensor: 0 };
  if (c.usesLora) {
    const largest = Math.max(0, ...(c.lora?.modules ?? []).map((x) => (s.lora?.r ?? 0) * Math.max(x.inFeatures, x.outFeatures)), modulesToSaveParams ? pb.embedding : 0);
    return { params: (c.lora?.params ?? 0) + modulesToSaveParams, bytes: DTYPE_BYTES[s.lora?.dtype ?? 'fp32'], modulesToSaveParams, largestTensor: largest };
  }
  if (c.quantized) c.notes.push('Full fine-tuning of a quantized model is not possible; estimated as if the quantized weights were trainable.');
  return { params: pb.total, bytes: c.wBytes, modulesToSaveParams, largestTensor: Math.max(pb.embedding, ...linearModules(m).map((x) => x.inFeatures * x.outFeatures)) };
}

export function adapterParts(c: EngineContext, t: Trainable): Part[] {
  const out: Part[] = [];
  if (!c.usesLora) return out;
  const { s } = c;
  const adapterParams = c.lora?.params ?? 0;
  part(
    out,
    'adapters',
    (adapterParams * t.bytes + t.modulesToSaveParams * c.wBytes) / c.weightShard,
    ALL,
    `${fmt(adapterParams)} adapter params (r=${s.lora?.r}) × ${t.bytes} B` + (t.modulesToSaveParams ? ` + ${fmt(t.modulesToSaveParams)} modules_to_save` : ''),
    { adapterParams, r: s.lora?.r ?? 0, adapterBytes: t.bytes, modulesToSaveParams: t.modulesToSaveParams, dora: s.lora?.dora ?? false },
  );
  return out;
}
