// What to change when a job does not fit: each remedy re-runs the engine on a changed setup to get its
// saving, and says how to edit the file. "Fix all" picks the cheapest combination the engine proves
// sufficient. Pure: the editor, the CLI and the MCP server all call this.
import { estimateMemory } from '../memory/estimate';
import { TrainingSetup } from '../memory/setup';
import { setupFromPlan } from '../plan/plan';
import type { Report, Verdict } from '../report';
import { verdictOf } from '../report';
import { formatGiB, GiB } from '../units';
import { configEdits } from './config-edits';
import { applyEdits, ensureImport, insertLinesAfter, overlapping, setKeyword, TextEdit } from './edits';

export type RemedyId =
  | 'gradientCheckpointing'
  | 'optimizer8bit'
  | 'halveMicroBatch'
  | 'sdpaAttention'
  | 'fusedCrossEntropy'
  | 'lora'
  | 'qlora'
  | 'fsdp'
  | 'cpuOffload'
  | 'precomputeReference'
  | 'fewerGenerations'
  | 'vllmSleep'
  | 'lowerVllmShare';

export interface Fix {
  id: RemedyId;
  /** "Enable gradient checkpointing: −31.2 GiB/GPU" */
  title: string;
  /** what the change is, without the numbers */
  label: string;
  savingBytes: number;
  requiredBytesAfter: number;
  verdictAfter: Verdict;
  /** the best single fix: the cheapest that fits, else the largest saving */
  preferred: boolean;
  edits: TextEdit[];
  /** the remedies this fix combines (one, except for fix-all) */
  parts: RemedyId[];
}

interface Remedy {
  id: RemedyId;
  /** relative price to the user: extra compute, lower quality, more complexity (0 = free) */
  cost: number | ((r: Report) => number);
  /** remedies that cannot be combined with this one */
  excludes?: RemedyId[];
  applies(r: Report): boolean;
  change(s: TrainingSetup, r: Report): TrainingSetup;
  label(r: Report, s: TrainingSetup): string;
  edits(r: Report): TextEdit[] | null;
}

const LORA_KW = 'LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")';
const BNB_KW = 'BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)';
const TRL_TRAINER = /SFTTrainer|DPOTrainer|ORPOTrainer|KTOTrainer|GRPOTrainer|UnslothTrainer/;

function readSpan(r: Report, field: keyof NonNullable<Report['plan']>) {
  const f = r.plan?.[field];
  return f && f.origin === 'read' ? f.span : undefined;
}

function loraSetup(): NonNullable<TrainingSetup['lora']> {
  // QLoRA recipe defaults (Dettmers et al. 2023: LoRA on all linear layers); PEFT keeps adapters in fp32.
  return { r: 16, targets: 'all-linear', dora: false, modulesToSave: [], dropout: 0.05, dtype: 'fp32' };
}

/** With a PEFT adapter, TRL uses the adapter-disabled model as reference instead of a second copy. */
function peftReference(job: TrainingSetup['job']): TrainingSetup['job'] {
  return job && job.reference === 'copy' ? { ...job, reference: 'adapter-disabled' } : job;
}

const costOf = (remedy: Remedy, r: Report) => (typeof remedy.cost === 'function' ? remedy.cost(r) : remedy.cost);

function usesTrlTrainer(r: Report): boolean {
  return !!r.hyperparams.sites.trainer && TRL_TRAINER.test(r.hyperparams.sites.trainer.callee);
}

/** Edits that put LoRA adapters on a full fine-tune: through the TRL trainer's peft_config, or wrapping the model. */
function addLoraEdits(r: Report, kbit: boolean): TextEdit[] | null {
  const hp = r.hyperparams;
  const out: (TextEdit | null)[] = [];
  if (usesTrlTrainer(r)) {
    out.push(setKeyword(hp.sites.trainer!, 'peft_config', LORA_KW));
    out.push(ensureImport(hp.imports, 'LoraConfig', 'peft'));
  } else if (hp.sites.modelLoad?.assignedTo) {
    const v = hp.sites.modelLoad.assignedTo;
    const lines = [...(kbit ? [`${v} = prepare_model_for_kbit_training(${v})`] : []), `${v} = get_peft_model(${v}, ${LORA_KW})`];
    out.push(insertLinesAfter(hp.sites.modelLoad, lines));
    out.push(ensureImport(hp.imports, 'LoraConfig', 'peft'), ensureImport(hp.imports, 'get_peft_model', 'peft'));
    if (kbit) out.push(ensureImport(hp.imports, 'prepare_model_for_kbit_training', 'peft'));
  } else return null;
  return out.filter((e): e is TextEdit => !!e);
}

const REMEDIES: Remedy[] = [
  {
    id: 'sdpaAttention',
    cost: 0,
    applies: (r) => r.plan!.attention.value === 'eager',
    change: (s) => ({ ...s, attention: 'sdpa' }),
    label: () => 'Use SDPA attention (no B·H·S² attention matrix)',
    edits: (r) => (r.hyperparams.sites.modelLoad ? [setKeyword(r.hyperparams.sites.modelLoad, 'attn_implementation', '"sdpa"', readSpan(r, 'attention'))] : null),
  },
  {
    id: 'optimizer8bit',
    cost: 1,
    applies: (r) => ['adamw', 'adamw_fused', 'paged_adamw_32bit'].includes(r.plan!.optimizer.value) && (r.estimate?.params.trainable ?? 0) > 0,
    change: (s) => ({ ...s, optimizer: 'adamw_8bit' }),
    label: () => 'Use 8-bit AdamW (bitsandbytes)',
    edits: (r) => (r.hyperparams.sites.trainingArgs ? [setKeyword(r.hyperparams.sites.trainingArgs, 'optim', '"adamw_8bit"', readSpan(r, 'optimizer'))] : null),
  },
  {
    id: 'fusedCrossEntropy',
    cost: 1,
    applies: (r) => r.plan!.loss.value === 'standard' && (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s) => ({ ...s, loss: 'fused_linear' }),
    label: () => 'Use Liger fused cross-entropy (no full fp32 logits; needs liger-kernel)',
    edits: (r) => [setKeyword(r.hyperparams.sites.trainingArgs!, 'use_liger_kernel', 'True', readSpan(r, 'loss'))],
  },
  {
    id: 'halveMicroBatch',
    cost: 2,
    // only an even micro-batch halves into the same effective batch
    applies: (r) => r.plan!.microBatch.value >= 2 && r.plan!.microBatch.value % 2 === 0,
    change: (s) => ({ ...s, microBatch: Math.floor(s.microBatch / 2), gradAccumulation: s.gradAccumulation * 2 }),
    label: (r) => {
      const p = r.plan!;
      return `Halve the micro-batch (${p.microBatch.value} → ${Math.floor(p.microBatch.value / 2)}) and double accumulation (${p.gradAccumulation.value} → ${p.gradAccumulation.value * 2}): same effective batch`;
    },
    edits: (r) => {
      const site = r.hyperparams.sites.trainingArgs;
      const p = r.plan!;
      if (!site || p.microBatch.origin !== 'read') return null;
      return [
        setKeyword(site, 'per_device_train_batch_size', String(Math.floor(p.microBatch.value / 2)), readSpan(r, 'microBatch')),
        setKeyword(site, 'gradient_accumulation_steps', String(p.gradAccumulation.value * 2), readSpan(r, 'gradAccumulation')),
      ];
    },
  },
  {
    id: 'gradientCheckpointing',
    cost: 3, // recomputes the forward: about a third more compute (Chen et al. 2016; hardware.md "+2N")
    applies: (r) => !r.plan!.gradientCheckpointing.value,
    change: (s) => ({ ...s, gradientCheckpointing: true }),
    label: () => 'Enable gradient checkpointing',
    edits: (r) => {
      const hp = r.hyperparams;
      if (hp.sites.trainingArgs) return [setKeyword(hp.sites.trainingArgs, 'gradient_checkpointing', 'True', readSpan(r, 'gradientCheckpointing'))];
      if (hp.sites.modelLoad?.assignedTo) return [insertLinesAfter(hp.sites.modelLoad, [`${hp.sites.modelLoad.assignedTo}.gradient_checkpointing_enable()`])];
      return null;
    },
  },
  {
    id: 'lora',
    cost: 4,
    excludes: ['qlora'],
    applies: (r) => r.plan!.method.value === 'full' && r.hyperparams.framework !== 'unsloth',
    change: (s) => ({ ...s, method: 'lora', lora: loraSetup(), job: peftReference(s.job) }),
    label: () => 'Train LoRA adapters (r=16, all linear layers) instead of all weights',
    edits: (r) => addLoraEdits(r, false),
  },
  {
    id: 'qlora',
    // from a full fine-tune it changes what is trained as well as the precision: the largest change
    cost: (r) => (r.plan!.method.value === 'full' ? 6 : 3),
    excludes: ['lora'],
    applies: (r) => r.plan!.quantization.value === 'none' && r.plan!.method.value !== 'frozen',
    change: (s, r) => ({
      ...s,
      method: 'qlora',
      quantization: 'nf4',
      doubleQuant: true,
      kbitUpcast: r.hyperparams.framework !== 'unsloth',
      weightDtype: s.weightDtype === 'fp32' ? 'bf16' : s.weightDtype,
      lora: s.lora ?? loraSetup(),
      job: peftReference(s.job),
      // the edit wraps the model with prepare_model_for_kbit_training, which turns gradient checkpointing
      // on (peft/utils/other.py, use_gradient_checkpointing=True) unless a TRL trainer takes peft_config
      gradientCheckpointing: s.gradientCheckpointing || (r.kind === 'python' && r.plan!.method.value === 'full' && !usesTrlTrainer(r)),
    }),
    label: (r) => (r.plan!.method.value === 'full' ? 'Switch to QLoRA (4-bit NF4 + double quant, LoRA r=16 on all linear layers)' : 'Load the base model in 4-bit NF4 (QLoRA)'),
    edits: (r) => {
      const hp = r.hyperparams;
      const site = hp.sites.modelLoad;
      if (!site) return null;
      if (hp.framework === 'unsloth') return [setKeyword(site, 'load_in_4bit', 'True', readSpan(r, 'quantization'))];
      const out: (TextEdit | null)[] = [
        setKeyword(site, 'quantization_config', BNB_KW),
        ensureImport(hp.imports, 'BitsAndBytesConfig', 'transformers'),
        ensureImport(hp.imports, 'torch', null),
      ];
      if (r.plan!.method.value === 'full') {
        const lora = addLoraEdits(r, true);
        if (!lora) return null;
        out.push(...lora);
      }
      return out.filter((e): e is TextEdit => !!e);
    },
  },
  {
    id: 'fsdp',
    cost: 2,
    excludes: ['cpuOffload'],
    applies: (r) => r.plan!.gpus.value > 1 && (r.plan!.sharding.value === 'none' || r.plan!.sharding.value === 'ddp') && (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s) => ({ ...s, sharding: 'fsdp' }),
    label: (r) => `Shard weights, gradients and optimizer state with FSDP across ${r.plan!.gpus.value} GPUs`,
    edits: (r) => [setKeyword(r.hyperparams.sites.trainingArgs!, 'fsdp', '"full_shard auto_wrap"')],
  },
  {
    id: 'cpuOffload',
    cost: 8, // PCIe copies every step: slow, the last resort
    excludes: ['fsdp'],
    applies: (r) => (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs) && !r.plan!.offloadOptimizer.value,
    change: (s) => ({ ...s, sharding: 'fsdp', offloadOptimizer: true, offloadParams: true }),
    label: () => 'Offload parameters and optimizer state to CPU with FSDP (slow: last resort)',
    edits: (r) => [setKeyword(r.hyperparams.sites.trainingArgs!, 'fsdp', '"full_shard auto_wrap offload"', r.plan!.sharding.origin === 'read' && r.plan!.sharding.value.startsWith('fsdp') ? r.plan!.sharding.span : undefined)],
  },
  {
    id: 'precomputeReference',
    cost: 1, // one extra pass over the data before training
    applies: (r) => (r.plan!.jobKind?.value === 'dpo' || r.plan!.jobKind?.value === 'kto') && r.plan!.reference?.value === 'copy' && !r.hyperparams.refModel && (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s) => ({ ...s, job: s.job && { ...s.job, reference: 'precomputed' } }),
    label: () => 'Precompute the reference log-probs once (precompute_ref_log_probs=True): no reference model during training',
    edits: (r) => [setKeyword(r.hyperparams.sites.trainingArgs!, 'precompute_ref_log_probs', 'True', r.hyperparams.precomputeRef?.span)],
  },
  {
    id: 'fewerGenerations',
    cost: 2, // fewer samples per prompt: a noisier advantage estimate
    applies: (r) => (r.plan!.jobKind?.value === 'grpo' || r.plan!.jobKind?.value === 'rloo') && (r.plan!.numGenerations?.value ?? 0) >= 4 && r.plan!.microBatch.value >= 2 && (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s) => ({
      ...s,
      microBatch: Math.floor(s.microBatch / 2),
      job: s.job && { ...s.job, numGenerations: Math.floor(s.job.numGenerations / 2), generationBatch: Math.max(1, Math.floor(s.job.generationBatch / 2)) },
    }),
    label: (r) =>
      `Generate ${Math.floor((r.plan!.numGenerations?.value ?? 8) / 2)} completions per prompt instead of ${r.plan!.numGenerations?.value} (batch ${r.plan!.microBatch.value} → ${Math.floor(r.plan!.microBatch.value / 2)} completions, same prompts per step)`,
    edits: (r) => {
      const site = r.hyperparams.sites.trainingArgs!;
      return [
        setKeyword(site, 'num_generations', String(Math.floor((r.plan!.numGenerations?.value ?? 8) / 2)), r.hyperparams.numGenerations?.span),
        setKeyword(site, 'per_device_train_batch_size', String(Math.floor(r.plan!.microBatch.value / 2)), readSpan(r, 'microBatch')),
      ];
    },
  },
  {
    id: 'vllmSleep',
    cost: 1, // wake-up and weight reload around each generation
    applies: (r) => r.plan!.generation?.value === 'vllm-colocate' && !r.plan!.vllmSleep?.value && (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s) => ({ ...s, job: s.job && { ...s.job, vllmSleep: true } }),
    label: () => "Let vLLM sleep during training (vllm_enable_sleep_mode=True): its weights and KV cache are freed between generations",
    edits: (r) => [setKeyword(r.hyperparams.sites.trainingArgs!, 'vllm_enable_sleep_mode', 'True', r.hyperparams.vllmSleep?.span)],
  },
  {
    id: 'lowerVllmShare',
    cost: 1, // a smaller KV cache: fewer sequences generated at once
    applies: (r) => r.plan!.generation?.value === 'vllm-colocate' && (r.plan!.vllmMemoryUtilization?.value ?? 0) > 0.15 && (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s, r) => ({ ...s, job: s.job && { ...s.job, vllmMemoryUtilization: vllmShareNeeded(r) } }),
    label: (r) => `Give vLLM ${vllmShareNeeded(r).toFixed(2)} of the GPU instead of ${r.plan!.vllmMemoryUtilization?.value} (its weights plus the KV cache of one generation round)`,
    edits: (r) => [setKeyword(r.hyperparams.sites.trainingArgs!, 'vllm_gpu_memory_utilization', vllmShareNeeded(r).toFixed(2), r.hyperparams.vllmMemoryUtilization?.span)],
  },
];

/**
 * The vLLM share that holds its own copy of the weights, the KV cache of one generation round and ~2 GiB
 * of activations and CUDA graphs (llm-d empirical-vllm-memory-results.md: 4.8-5.6 GiB activation peak at
 * 16k batched tokens; TRL caps batched tokens at 4096), rounded up to 0.05.
 */
// bnb 4-bit block constants without double quantization: one fp32 absmax per 64 weights (QLoRA §3)
const NF4_OVERHEAD = 4 / 64;

function vllmShareNeeded(r: Report): number {
  const m = r.model!.spec!;
  const p = r.plan!;
  const weights = r.estimate!.params.total * (p.quantization.value === 'none' ? 2 : 0.5 + NF4_OVERHEAD); // vLLM loads the checkpoint's 16-bit or bnb 4-bit weights
  const kvPerToken = 2 * m.numLayers * m.numKvHeads * (m.headDim ?? Math.floor(m.hiddenSize / m.numHeads)) * 2;
  const kv = (p.generationBatch?.value ?? 8) * ((p.promptLength?.value ?? 512) + (p.completionLength?.value ?? 256)) * kvPerToken;
  const need = (weights + kv + 2 * GiB) / (r.target.gpu.memoryGiB * GiB);
  return Math.min(p.vllmMemoryUtilization?.value ?? 0.3, Math.ceil(need * 20) / 20);
}

interface Candidate {
  remedy: Remedy;
  setup: TrainingSetup;
  edits: TextEdit[];
}

function requiredAfter(r: Report, setup: TrainingSetup): number {
  return estimateMemory(r.model!.spec!, setup).requiredBytes;
}

/** text: the file's current text (needed for configs, where keys are appended at its end). */
function candidates(r: Report, text?: string): Candidate[] {
  if (!r.estimate || !r.plan || !r.model?.spec) return [];
  if (r.kind !== 'python' && !(r.kind === 'yaml' && text !== undefined)) return [];
  const base = setupFromPlan(r.plan, r.target.gpu.memoryGiB * GiB);
  const out: Candidate[] = [];
  for (const remedy of REMEDIES) {
    if (!remedy.applies(r)) continue;
    const edits = r.kind === 'python' ? remedy.edits(r) : configEdits(remedy.id, r, text!);
    if (!edits || !edits.length) continue;
    out.push({ remedy, setup: remedy.change(base, r), edits });
  }
  return out;
}

const saving = (r: Report, after: number) => r.estimate!.requiredBytes - after;

/** Re-analyses edited text with the same settings: what the editor will show once a fix is applied. */
export type Reanalyze = (text: string) => Report;

function fixWith(r: Report, parts: Candidate[], label: string, after: number): Fix {
  const save = saving(r, after);
  const verdictAfter = verdictOf(after, r.target.usableBytes, r.target.headroomPercent);
  return {
    id: parts[0].remedy.id,
    label,
    title: `${label}: −${formatGiB(Math.max(0, save))}/GPU${verdictAfter === 'fits' ? ' (fits)' : verdictAfter === 'tight' ? ' (fits, tight)' : ''}`,
    savingBytes: save,
    requiredBytesAfter: after,
    verdictAfter,
    preferred: false,
    edits: dedupeImports(parts.flatMap((p) => p.edits)),
    parts: parts.map((p) => p.remedy.id),
  };
}

/** The same import may be asked for by several parts of a fix. */
function dedupeImports(edits: TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    if (e.start !== e.end || !/^(from .* import .*|import .*)\n$/.test(e.newText)) return true;
    if (seen.has(e.newText)) return false;
    seen.add(e.newText);
    return true;
  });
}

/**
 * The peak after a fix: from the engine on the changed setup, or, when the caller can re-analyse, from
 * the edited file itself (a framework may re-derive other values from the edited keys, e.g.
 * LLaMA-Factory loads 16-bit weights once finetuning_type is lora).
 */
function measure(r: Report, parts: Candidate[], setup: TrainingSetup, text?: string, reanalyze?: Reanalyze): number | null {
  if (text === undefined || !reanalyze) return requiredAfter(r, setup);
  const after = reanalyze(applyEdits(text, dedupeImports(parts.flatMap((p) => p.edits))));
  return after.estimate?.requiredBytes ?? null;
}

/** Single fixes with a real saving, most useful first; the best one is marked preferred. */
export function suggestFixes(r: Report, text?: string, reanalyze?: Reanalyze): Fix[] {
  const base = r.plan ? setupFromPlan(r.plan, r.target.gpu.memoryGiB * GiB) : undefined;
  const fixes: Fix[] = [];
  for (const c of candidates(r, text)) {
    const after = measure(r, [c], c.setup, text, reanalyze);
    if (after === null) continue;
    const f = fixWith(r, [c], c.remedy.label(r, base!), after);
    if (f.savingBytes > 0.05 * GiB) fixes.push(f);
  }
  const cost = (f: Fix) => costOf(REMEDIES.find((x) => x.id === f.id)!, r);
  const fitting = fixes.filter((f) => f.verdictAfter !== 'oom').sort((a, b) => cost(a) - cost(b) || b.savingBytes - a.savingBytes);
  const best = fitting[0] ?? [...fixes].sort((a, b) => b.savingBytes - a.savingBytes)[0];
  if (best) best.preferred = true;
  return fixes.sort((a, b) => Number(b.preferred) - Number(a.preferred) || (a.verdictAfter === 'oom' ? 1 : 0) - (b.verdictAfter === 'oom' ? 1 : 0) || cost(a) - cost(b) || b.savingBytes - a.savingBytes);
}

/**
 * The cheapest combination of remedies that the engine proves sufficient (fits with headroom, else
 * at least fits), or null when none does. Exhaustive over the (few) applicable remedies; with a
 * re-analysis callback, the first combination whose edited file really fits wins.
 */
export function fixAll(r: Report, text?: string, reanalyze?: Reanalyze): Fix | null {
  const cands = candidates(r, text);
  if (!cands.length || !r.plan) return null;
  const base = setupFromPlan(r.plan, r.target.gpu.memoryGiB * GiB);
  const options: { cands: Candidate[]; cost: number; after: number; setup: TrainingSetup }[] = [];
  for (let mask = 1; mask < 1 << cands.length; mask++) {
    const chosen = cands.filter((_, i) => mask & (1 << i));
    const ids = new Set(chosen.map((c) => c.remedy.id));
    if (chosen.some((c) => c.remedy.excludes?.some((x) => ids.has(x)))) continue;
    if (overlapping(chosen.flatMap((c) => c.edits))) continue;
    let setup = base;
    for (const c of chosen) setup = c.remedy.change(setup, r);
    const after = requiredAfter(r, setup);
    const verdict = verdictOf(after, r.target.usableBytes, r.target.headroomPercent);
    if (verdict === 'oom') continue;
    options.push({ cands: chosen, cost: chosen.reduce((t, c) => t + costOf(c.remedy, r), 0) + (verdict === 'tight' ? 0.5 : 0), after, setup });
  }
  options.sort((a, b) => a.cost - b.cost || a.after - b.after);
  // verify the cheapest few against the edited file when we can
  for (const o of options.slice(0, reanalyze ? 12 : 1)) {
    const after = measure(r, o.cands, o.setup, text, reanalyze);
    if (after === null || verdictOf(after, r.target.usableBytes, r.target.headroomPercent) === 'oom') continue;
    const names = o.cands.map((c) => c.remedy.label(r, base).split(' (')[0].split(':')[0]);
    return fixWith(r, o.cands, `Fix all: ${names.join(' + ')}`, after);
  }
  return null;
}

/** The file's text after a fix (for diffs in the CLI and the MCP server). */
export function textAfter(text: string, fix: Fix): string {
  return applyEdits(text, fix.edits);
}
