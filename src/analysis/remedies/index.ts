// What to change when a job does not fit: each remedy re-runs the engine on a changed setup to get its
// saving, and says how to edit the file. "Fix all" picks the cheapest combination the engine proves
// sufficient. Pure: the editor, the CLI and the MCP server all call this.
import { estimateMemory } from '../memory/estimate';
import { contextOf } from '../memory/context';
import { kvBytesPerToken } from '../memory/families/generation';
import { weightTerms } from '../memory/families/weights';
import { TrainingSetup } from '../memory/setup';
import { setupFromPlan } from '../plan/plan';
import type { Report } from '../report';
import { Spread, Verdict, verdictOf } from '../verdict';
import { spreadOfSetup } from '../memory/band';
import { formatGiB, GiB } from '../units';
import { LORA_RECIPE, PlanChange } from '../vocab/changes';
import { loraRecipeChanges, planApply } from './apply';
import { applyEdits, overlapping, TextEdit } from './edits';

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
  /** what the fix changes, in plan terms: the one writer (apply.ts) turns them into edits of the file */
  changes(r: Report): PlanChange[];
}

function loraSetup(): NonNullable<TrainingSetup['lora']> {
  // the adapters loraRecipeChanges writes (LORA_RECIPE); PEFT keeps adapters in fp32
  return { r: LORA_RECIPE.r, targets: LORA_RECIPE.targets, dora: false, modulesToSave: [], dropout: LORA_RECIPE.dropout, dtype: 'fp32' };
}

/** With a PEFT adapter, TRL uses the adapter-disabled model as reference instead of a second copy. */
function peftReference(job: TrainingSetup['job']): TrainingSetup['job'] {
  return job && job.reference === 'copy' ? { ...job, reference: 'adapter-disabled' } : job;
}

const costOf = (remedy: Remedy, r: Report) => (typeof remedy.cost === 'function' ? remedy.cost(r) : remedy.cost);

const REMEDIES: Remedy[] = [
  {
    id: 'sdpaAttention',
    cost: 0,
    applies: (r) => r.plan!.attention.value === 'eager',
    change: (s) => ({ ...s, attention: 'sdpa' }),
    label: () => 'Use SDPA attention (no B·H·S² attention matrix)',
    changes: () => [{ field: 'attention', value: 'sdpa' }],
  },
  {
    id: 'optimizer8bit',
    cost: 1,
    applies: (r) => ['adamw', 'adamw_fused', 'paged_adamw_32bit'].includes(r.plan!.optimizer.value) && (r.estimate?.params.trainable ?? 0) > 0,
    change: (s) => ({ ...s, optimizer: 'adamw_8bit' }),
    label: () => 'Use 8-bit AdamW (bitsandbytes)',
    changes: () => [{ field: 'optimizer', value: 'adamw_8bit' }],
  },
  {
    id: 'fusedCrossEntropy',
    cost: 1,
    applies: (r) => r.plan!.loss.value === 'standard' && (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s) => ({ ...s, loss: 'fused_linear' }),
    label: () => 'Use Liger fused cross-entropy (no full fp32 logits; needs liger-kernel)',
    changes: () => [{ field: 'loss', value: 'fused_linear' }],
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
    changes: (r) => [
      { field: 'microBatch', value: Math.floor(r.plan!.microBatch.value / 2) },
      { field: 'gradAccumulation', value: r.plan!.gradAccumulation.value * 2 },
    ],
  },
  {
    id: 'gradientCheckpointing',
    cost: 3, // recomputes the forward: about a third more compute (Chen et al. 2016; docs/sources/time-model.md §2 "+2N")
    applies: (r) => !r.plan!.gradientCheckpointing.value,
    change: (s) => ({ ...s, gradientCheckpointing: true }),
    label: () => 'Enable gradient checkpointing',
    changes: () => [{ field: 'gradientCheckpointing', value: true }],
  },
  {
    id: 'lora',
    cost: 4,
    excludes: ['qlora'],
    applies: (r) => r.plan!.method.value === 'full' && r.hyperparams.framework !== 'unsloth',
    change: (s) => ({ ...s, method: 'lora', lora: loraSetup(), job: peftReference(s.job) }),
    label: () => 'Train LoRA adapters (r=16, all linear layers) instead of all weights',
    changes: () => loraRecipeChanges(),
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
    }),
    label: (r) =>
      r.plan!.method.value === 'full'
        ? 'Switch to QLoRA (4-bit NF4 + double quant, LoRA r=16 on all linear layers)'
        : 'Load the base model in 4-bit NF4 (QLoRA)',
    changes: (r) => [...(r.plan!.method.value === 'full' ? loraRecipeChanges() : []), { field: 'quantization', value: 'nf4' }],
  },
  {
    id: 'fsdp',
    cost: 2,
    excludes: ['cpuOffload'],
    applies: (r) =>
      r.plan!.gpus.value > 1 &&
      (r.plan!.sharding.value === 'none' || r.plan!.sharding.value === 'ddp') &&
      (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s) => ({ ...s, sharding: 'fsdp' }),
    label: (r) => `Shard weights, gradients and optimizer state with FSDP across ${r.plan!.gpus.value} GPUs`,
    changes: () => [{ field: 'sharding', value: 'fsdp' }],
  },
  {
    id: 'cpuOffload',
    cost: 8, // PCIe copies every step: slow, the last resort
    excludes: ['fsdp'],
    applies: (r) => (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs) && !r.plan!.offloadOptimizer.value,
    change: (s) => ({ ...s, sharding: 'fsdp', offloadOptimizer: true, offloadParams: true }),
    label: () => 'Offload parameters and optimizer state to CPU with FSDP (slow: last resort)',
    changes: () => [
      { field: 'sharding', value: 'fsdp' },
      { field: 'offloadOptimizer', value: true },
    ],
  },
  {
    id: 'precomputeReference',
    cost: 1, // one extra pass over the data before training
    applies: (r) =>
      (r.plan!.jobKind?.value === 'dpo' || r.plan!.jobKind?.value === 'kto') &&
      r.plan!.reference?.value === 'copy' &&
      !r.hyperparams.refModel &&
      (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s) => ({ ...s, job: s.job && { ...s.job, reference: 'precomputed' } }),
    label: () => 'Precompute the reference log-probs once (precompute_ref_log_probs=True): no reference model during training',
    changes: () => [{ field: 'precomputeRef', value: true }],
  },
  {
    id: 'fewerGenerations',
    cost: 2, // fewer samples per prompt: a noisier advantage estimate
    applies: (r) =>
      (r.plan!.jobKind?.value === 'grpo' || r.plan!.jobKind?.value === 'rloo') &&
      (r.plan!.numGenerations?.value ?? 0) >= 4 &&
      r.plan!.microBatch.value >= 2 &&
      (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s) => ({
      ...s,
      microBatch: Math.floor(s.microBatch / 2),
      job: s.job && { ...s.job, numGenerations: Math.floor(s.job.numGenerations / 2), generationBatch: Math.max(1, Math.floor(s.job.generationBatch / 2)) },
    }),
    label: (r) =>
      `Generate ${Math.floor((r.plan!.numGenerations?.value ?? 8) / 2)} completions per prompt instead of ${r.plan!.numGenerations?.value} (batch ${r.plan!.microBatch.value} → ${Math.floor(r.plan!.microBatch.value / 2)} completions, same prompts per step)`,
    changes: (r) => [
      { field: 'numGenerations', value: Math.floor((r.plan!.numGenerations?.value ?? 8) / 2) },
      { field: 'microBatch', value: Math.floor(r.plan!.microBatch.value / 2) },
    ],
  },
  {
    id: 'vllmSleep',
    cost: 1, // wake-up and weight reload around each generation
    applies: (r) => r.plan!.generation?.value === 'vllm-colocate' && !r.plan!.vllmSleep?.value && (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s) => ({ ...s, job: s.job && { ...s.job, vllmSleep: true } }),
    label: () => 'Let vLLM sleep during training (vllm_enable_sleep_mode=True): its weights and KV cache are freed between generations',
    changes: () => [{ field: 'vllmSleep', value: true }],
  },
  {
    id: 'lowerVllmShare',
    cost: 1, // a smaller KV cache: fewer sequences generated at once
    applies: (r) =>
      r.plan!.generation?.value === 'vllm-colocate' &&
      (r.plan!.vllmMemoryUtilization?.value ?? 0) > 0.15 &&
      (r.kind !== 'python' || !!r.hyperparams.sites.trainingArgs),
    change: (s, r) => ({ ...s, job: s.job && { ...s.job, vllmMemoryUtilization: vllmShareNeeded(r) } }),
    label: (r) =>
      `Give vLLM ${vllmShareNeeded(r).toFixed(2)} of the GPU instead of ${r.plan!.vllmMemoryUtilization?.value} (its weights plus the KV cache of one generation round)`,
    changes: (r) => [{ field: 'vllmMemoryUtilization', value: Number(vllmShareNeeded(r).toFixed(2)) }],
  },
];

/**
 * The vLLM share that holds its own copy of the weights, the KV cache of one generation round and ~2 GiB
 * of activations and CUDA graphs (llm-d empirical-vllm-memory-results.md: 4.8-5.6 GiB activation peak at
 * 16k batched tokens; TRL caps batched tokens at 4096), rounded up to 0.05.
 */
function vllmShareNeeded(r: Report): number {
  const m = r.model!.spec!;
  const p = r.plan!;
  // vLLM loads the checkpoint's weights as stored (16-bit or bnb 4-bit), without PEFT's fp32 upcast
  const w = weightTerms(contextOf(m, { ...setupFromPlan(p), kbitUpcast: false, gpus: 1, sharding: 'none' }));
  const weights = w.weightBytes + w.qconst;
  const kvPerToken = kvBytesPerToken(m, 2);
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

/** Each applicable remedy with its edits: offered only when the writer can apply every change it makes. */
function candidates(r: Report, text: string): Candidate[] {
  if (!r.estimate || !r.plan || !r.model?.spec) return [];
  if (r.kind !== 'python' && r.kind !== 'yaml' && r.kind !== 'json') return [];
  const base = setupFromPlan(r.plan, r.target.gpu.memoryGiB * GiB);
  const out: Candidate[] = [];
  for (const remedy of REMEDIES) {
    if (!remedy.applies(r)) continue;
    const applied = planApply(r, text, remedy.changes(r));
    if (applied.notApplied.length || applied.settings.length || !applied.edits.length) continue;
    out.push({ remedy, setup: remedy.change(base, r), edits: applied.edits });
  }
  return out;
}

const saving = (r: Report, after: number) => r.estimate!.requiredBytes - after;

/** Re-analyses edited text with the same settings: what the editor will show once a fix is applied. */
export type Reanalyze = (text: string) => Report;

/** A fix changes the class of the job (LoRA, QLoRA, FSDP): its peak is judged with the band of its own class. */
function spreadFor(r: Report, setup: TrainingSetup): Spread {
  return spreadOfSetup(setup, r.framework, r.plan?.packing.value ?? false);
}

interface After {
  bytes: number;
  spread: Spread;
}

function fixWith(r: Report, parts: Candidate[], label: string, after: After): Fix {
  const save = saving(r, after.bytes);
  const verdictAfter = verdictOf(after.bytes, r.target.usableBytes, r.target.headroomPercent, after.spread);
  return {
    id: parts[0].remedy.id,
    label,
    title: `${label}: −${formatGiB(Math.max(0, save))}/GPU${verdictAfter === 'fits' ? ' (fits)' : verdictAfter === 'tight' ? ' (fits, tight)' : ''}`,
    savingBytes: save,
    requiredBytesAfter: after.bytes,
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
function measure(r: Report, parts: Candidate[], setup: TrainingSetup, text: string, reanalyze?: Reanalyze): After | null {
  if (!reanalyze) {
    return { bytes: requiredAfter(r, setup), spread: spreadFor(r, setup) };
  }
  const after = reanalyze(applyEdits(text, dedupeImports(parts.flatMap((p) => p.edits))));
  return after.estimate ? { bytes: after.estimate.requiredBytes, spread: after.target.spread ?? spreadFor(r, setup) } : null;
}

/** Single fixes with a real saving, most useful first; the best one is marked preferred. */
export function suggestFixes(r: Report, text: string, reanalyze?: Reanalyze): Fix[] {
  const base = r.plan ? setupFromPlan(r.plan, r.target.gpu.memoryGiB * GiB) : undefined;
  const fixes: Fix[] = [];
  for (const c of candidates(r, text)) {
    const after = measure(r, [c], c.setup, text, reanalyze);
    if (after === null) continue;
    const f = fixWith(r, [c], c.remedy.label(r, base!), after);
    if (f.savingBytes > 0.05 * GiB) fixes.push(f);
  }
  const cost = (f: Fix) =>
    costOf(
      REMEDIES.find((x) => x.id === f.id)!,
      r,
    );
  const fitting = fixes.filter((f) => f.verdictAfter !== 'oom').sort((a, b) => cost(a) - cost(b) || b.savingBytes - a.savingBytes);
  const best = fitting[0] ?? [...fixes].sort((a, b) => b.savingBytes - a.savingBytes)[0];
  if (best) best.preferred = true;
  return fixes.sort(
    (a, b) =>
      Number(b.preferred) - Number(a.preferred) ||
      (a.verdictAfter === 'oom' ? 1 : 0) - (b.verdictAfter === 'oom' ? 1 : 0) ||
      cost(a) - cost(b) ||
      b.savingBytes - a.savingBytes,
  );
}

/**
 * The cheapest combination of remedies that the engine proves sufficient (fits with headroom, else
 * at least fits), or null when none does. Exhaustive over the (few) applicable remedies; with a
 * re-analysis callback, the first combination whose edited file really fits wins.
 */
export function fixAll(r: Report, text: string, reanalyze?: Reanalyze): Fix | null {
  const cands = candidates(r, text);
  if (!cands.length || !r.plan) return null;
  const base = setupFromPlan(r.plan, r.target.gpu.memoryGiB * GiB);
  const options: { cands: Candidate[]; cost: number; tight: boolean; after: number; setup: TrainingSetup }[] = [];
  for (let mask = 1; mask < 1 << cands.length; mask++) {
    const chosen = cands.filter((_, i) => mask & (1 << i));
    const ids = new Set(chosen.map((c) => c.remedy.id));
    if (chosen.some((c) => c.remedy.excludes?.some((x) => ids.has(x)))) continue;
    if (overlapping(chosen.flatMap((c) => c.edits))) continue;
    let setup = base;
    for (const c of chosen) setup = c.remedy.change(setup, r);
    const after = requiredAfter(r, setup);
    const verdict = verdictOf(after, r.target.usableBytes, r.target.headroomPercent, spreadFor(r, setup));
    if (verdict === 'oom') continue;
    options.push({ cands: chosen, cost: chosen.reduce((t, c) => t + costOf(c.remedy, r), 0), tight: verdict === 'tight', after, setup });
  }
  // a combination that fits with headroom and band beats any that may not fit; then the cheapest
  options.sort((a, b) => Number(a.tight) - Number(b.tight) || a.cost - b.cost || a.after - b.after);
  // verify the cheapest few against the edited file when we can
  for (const o of options.slice(0, reanalyze ? 12 : 1)) {
    const after = measure(r, o.cands, o.setup, text, reanalyze);
    if (after === null || verdictOf(after.bytes, r.target.usableBytes, r.target.headroomPercent, after.spread) === 'oom') continue;
    const names = o.cands.map((c) => c.remedy.label(r, base).split(' (')[0].split(':')[0]);
    return fixWith(r, o.cands, `Fix all: ${names.join(' + ')}`, after);
  }
  return null;
}

/** The file's text after a fix (for diffs in the CLI and the MCP server). */
export function textAfter(text: string, fix: Fix): string {
  return applyEdits(text, fix.edits);
}
