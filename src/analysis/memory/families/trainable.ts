// What trains: LoRA/DoRA adapters, modules_to_save copies, or every weight, as groups with their own
// dtype. Gradients and optimizer state follow from these groups.
import { linearModules } from '../../models/params';
import { DTYPE_BYTES } from '../setup';
import { EngineContext, fmt, part, Part, TRAINING_PHASES } from '../context';
import { WeightTerms } from './weights';

const ALL = [...TRAINING_PHASES, 'generation'] as const;

export interface TrainGroup {
  name: 'adapters' | 'modulesToSave' | 'model';
  params: number;
  /** bytes of one parameter (and of its gradient) */
  bytes: number;
}

export interface Trainable {
  groups: TrainGroup[];
  /** trainable parameters in all groups */
  params: number;
  /** modules_to_save parameters (a trained copy next to the frozen original) */
  modulesToSaveParams: number;
  /** bytes of a modules_to_save copy's parameter */
  copyBytes: number;
  /** the largest trainable tensor (optimizer-in-backward keeps one gradient at a time) */
  largestTensor: number;
}

/** Bytes of all trainable parameters (= of their gradients). */
export const trainableBytes = (t: Trainable) => t.groups.reduce((s, g) => s + g.params * g.bytes, 0);

/**
 * modules_to_save: PEFT deep-copies each listed module and trains the copy; the frozen original stays
 * (peft/utils/other.py ModulesToSaveWrapper.update). On a model with tied embeddings, embed_tokens and
 * lm_head each get their own copy unless ensure_weight_tying=True (PEFT >= 0.18; default False).
 * A sequence classifier's `score` / `classifier` head is one (PeftModelForSequenceClassification).
 */
function modulesToSaveParams(c: EngineContext): number {
  const { s, pb, m } = c;
  let params = 0;
  for (const mod of s.lora?.modulesToSave ?? []) {
    if (/embed|wte|tok_embeddings/.test(mod)) params += pb.embedding;
    else if (/lm_head|output/.test(mod)) params += s.task?.kind === 'seq-cls' ? 0 : pb.lmHead || pb.embedding;
    else if (/score|classifier/.test(mod)) params += s.task?.kind === 'seq-cls' ? m.hiddenSize * s.task.labels : 0;
  }
  return params;
}

export function trainableOf(c: EngineContext, w: WeightTerms): Trainable {
  const { s, pb, m } = c;
  const copies = c.usesLora ? modulesToSaveParams(c) : 0;
  // The copy keeps the original's dtype at wrap time: fp32 after PEFT's k-bit preparation (which runs
  // before get_peft_model), else the load dtype; Unsloth promotes fp16 copies to fp32 (PR unsloth#1200).
  const copyBytes = s.lora?.originalsOffloaded && s.weightDtype === 'fp16' ? 4 : w.restBytes;
  if (s.method === 'frozen') return { groups: [], params: 0, modulesToSaveParams: copies, copyBytes, largestTensor: 0 };
  if (c.usesLora) {
    const adapterBytes = DTYPE_BYTES[s.lora?.dtype ?? 'fp32'];
    const groups: TrainGroup[] = [{ name: 'adapters', params: c.lora?.params ?? 0, bytes: adapterBytes }];
    if (copies) groups.push({ name: 'modulesToSave', params: copies, bytes: copyBytes });
    const largest = Math.max(0, ...(c.lora?.modules ?? []).map((x) => (s.lora?.r ?? 0) * Math.max(x.inFeatures, x.outFeatures)), copies ? pb.embedding : 0);
    return { groups, params: (c.lora?.params ?? 0) + copies, modulesToSaveParams: copies, copyBytes, largestTensor: largest };
  }
  if (c.quantized) c.notes.push('Full fine-tuning of a quantized model is not possible; estimated as if the quantized weights were trainable.');
  return {
    groups: [{ name: 'model', params: pb.total, bytes: c.wBytes }],
    params: pb.total,
    modulesToSaveParams: 0,
    copyBytes,
    largestTensor: Math.max(pb.embedding, ...linearModules(m).map((x) => x.inFeatures * x.outFeatures)),
  };
}

export function adapterParts(c: EngineContext, t: Trainable): Part[] {
  const out: Part[] = [];
  if (!c.usesLora) return out;
  const { s } = c;
  const adapters = t.groups.find((g) => g.name === 'adapters');
  const adapterParams = adapters?.params ?? 0;
  const adapterBytes = adapters?.bytes ?? 4;
  part(
    out,
    'adapters',
    (adapterParams * adapterBytes + t.modulesToSaveParams * t.copyBytes) / c.weightShard,
    ALL,
    `${fmt(adapterParams)} adapter params (r=${s.lora?.r}) × ${adapterBytes} B` +
      (t.modulesToSaveParams ? ` + ${fmt(t.modulesToSaveParams)} modules_to_save copy params × ${t.copyBytes} B` : ''),
    { adapterParams, r: s.lora?.r ?? 0, adapterBytes, modulesToSaveParams: t.modulesToSaveParams, dora: s.lora?.dora ?? false },
  );
  return out;
}
