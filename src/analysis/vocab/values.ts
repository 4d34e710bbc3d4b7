// One set of value converters for every reader. A value reaches them as a plain literal (`Lit`), whether
// it was written as a Python keyword argument, a YAML scalar or a JSON value, so that `"full"`, `"BF16"`,
// `yes`/`on` and `"true"` mean the same thing in a script and in a config.

/** A value as written: scalars, lists and string-keyed mappings. A call the reader cannot evaluate is `{ $call: name }`. */
export type Lit = number | string | boolean | null | Lit[] | { [key: string]: Lit };

/** Converts a literal to a plan value, or undefined when the literal does not mean one. */
export type Convert<T> = (v: Lit) => T | undefined;

// Larger batch sizes or sequence lengths are typos or sentinels (int(1e30) for "no limit"), not settings.
export const MAX_COUNT = 1e8;

const isRecord = (v: Lit): v is { [key: string]: Lit } => typeof v === 'object' && v !== null && !Array.isArray(v);

export const isCall = (v: Lit): boolean => isRecord(v) && typeof v.$call === 'string';

export const asBool: Convert<boolean> = (v) => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^(true|yes|on|1)$/i.test(t)) return true;
    if (/^(false|no|off|0)$/i.test(t)) return false;
  }
  return undefined;
};

export const asNumber: Convert<number> = (v) => {
  const x = typeof v === 'number' ? v : typeof v === 'string' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isFinite(x) ? x : undefined;
};

export const asPositiveInt: Convert<number> = (v) => {
  const x = asNumber(v);
  return x !== undefined && x >= 1 && x <= MAX_COUNT ? Math.round(x) : undefined;
};

/** A share of the GPU in (0, 1] (vLLM gpu_memory_utilization). */
export const asFraction: Convert<number> = (v) => {
  const x = asNumber(v);
  return x !== undefined && x > 0 && x <= 1 ? x : undefined;
};

export const asString: Convert<string> = (v) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/** A list of names: a list, or a comma-separated string ("q_proj,v_proj"); null is the empty list. */
export const asNameList: Convert<string[]> = (v) => {
  if (v === null) return [];
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  if (typeof v === 'string')
    return v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  return undefined;
};

/** LoRA targets: a list, a CSV string, or the all-linear shorthands ("all-linear", LLaMA-Factory's "all"). */
export const asTargets: Convert<string[] | 'all-linear'> = (v) => {
  const list = asNameList(v);
  if (!list) return undefined;
  if (list.length === 1 && /^(all[-_]linear|all)$/i.test(list[0])) return 'all-linear';
  return list;
};

/** torch dtype names as scripts and configs write them -> 'bfloat16' | 'float16' | 'float32' | 'auto'. */
export const asDtype: Convert<string> = (v) => {
  if (typeof v !== 'string') return undefined;
  const t = v
    .trim()
    .toLowerCase()
    .replace(/^(torch|th)\./, '');
  if (/^(bfloat16|bf16)$/.test(t)) return 'bfloat16';
  if (/^(float16|half|fp16)$/.test(t)) return 'float16';
  if (/^(float32|float|fp32|full)$/.test(t)) return 'float32';
  if (t === 'auto') return 'auto';
  return undefined;
};

/** gradient_checkpointing: a bool, or a mode ("offload", "unsloth", "offload_disk"). */
export const asCheckpointing: Convert<boolean | string> = (v) => {
  const b = asBool(v);
  if (b !== undefined) return b;
  const s = asString(v);
  return s && /^[a-z_]+$/i.test(s) ? s.toLowerCase() : undefined;
};

/** TRL loss_type: a name, or the first of a list of names (GRPO/DPO accept several). */
export const asLossType: Convert<string> = (v) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);

/** num_train_epochs: a positive number (fractions allowed). */
export const asEpochs: Convert<number> = (v) => {
  const x = asNumber(v);
  return x !== undefined && x > 0 && x <= MAX_COUNT ? x : undefined;
};

/** max_steps: -1 (HF's "not set") or a step count. */
export const asMaxSteps: Convert<number> = (v) => {
  const x = asNumber(v);
  return x !== undefined && Number.isInteger(x) && x >= -1 && x <= MAX_COUNT ? x : undefined;
};

/** `deepspeed=`: a config path, or an inline dict (read where the reader can see its keys). */
export const asDeepSpeedRef: Convert<string> = (v) => (typeof v === 'string' ? v : isRecord(v) && !isCall(v) ? '<dict>' : undefined);

/** TrainingArguments(fsdp=…): options as a string or list; True is "full_shard", False is off. */
export const asFsdpOptions: Convert<string> = (v) =>
  typeof v === 'string'
    ? v
    : Array.isArray(v)
      ? v.map((x) => (typeof x === 'string' ? x : '')).join(' ')
      : typeof v === 'boolean'
        ? v
          ? 'full_shard'
          : ''
        : undefined;

/** The dtype inside model_init_kwargs (TRL loads the reference model, and string models, with it). */
export const asInitKwargsDtype: Convert<string> = (v) => {
  if (!isRecord(v) || isCall(v)) return undefined;
  const d = v.dtype ?? v.torch_dtype;
  return d === undefined ? undefined : asDtype(d);
};

/** PEFT target_modules / modules_to_save in Python: a string is one pattern (PEFT matches it as a regex), not a CSV list. */
export const asPeftNames: Convert<string[]> = (v) => {
  if (v === null) return [];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
};

export const asPeftTargets: Convert<string[] | 'all-linear'> = (v) => {
  if (typeof v === 'string' && /^all[-_]linear$/i.test(v)) return 'all-linear';
  return asPeftNames(v);
};

/** A bool, or axolotl's "auto" (torch_compile: auto compiles where supported). */
export const asBoolOrAuto: Convert<boolean> = (v) => asBool(v) ?? (typeof v === 'string' && v.trim().toLowerCase() === 'auto' ? true : undefined);

/** A model id or path; nanoGPT's init_from "scratch"/"resume" and empty strings name none. */
export const asModelRef: Convert<string> = (v) => {
  const s = typeof v === 'string' ? v.trim() : undefined;
  return s && !/^(scratch|resume|none|null)$/i.test(s) ? s : undefined;
};

/** A count that switches a feature on when positive: `lora_dim: 0` / `lora_rank: 0` means no LoRA. */
export const asPositiveSwitch: Convert<boolean> = (v) => {
  const x = asNumber(v);
  return x === undefined ? undefined : x > 0;
};

/**
 * Precision names of Lightning (`bf16-true`, `bf16-mixed`, `16-mixed`, `32-true`) and of scripts
 * (`bf16`, `fp32`, `bf16_autocast`, `fp16_autocast`): the weight dtype, and which half precision (if
 * any) runs under autocast. Mixed keeps fp32 weights.
 */
export function precisionOf(v: Lit): { dtype: 'bfloat16' | 'float16' | 'float32'; autocast: 'bf16' | 'fp16' | null } | undefined {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  if (!s) return undefined;
  const half = /^(bf16|bfloat16)/.test(s)
    ? 'bf16'
    : /^(16|fp16|float16|half)\b|^(16|fp16)[-_]/.test(s)
      ? 'fp16'
      : /^(32|fp32|float32|64|fp64|float64)\b|^(32|64)[-_]/.test(s)
        ? null
        : undefined;
  if (half === undefined) return undefined;
  const mixed = /mixed|autocast|amp/.test(s);
  if (!half) return { dtype: 'float32', autocast: null };
  return mixed ? { dtype: 'float32', autocast: half } : { dtype: half === 'bf16' ? 'bfloat16' : 'float16', autocast: null };
}

export const asPrecisionDtype: Convert<string> = (v) => precisionOf(v)?.dtype;
/** bf16 autocast on (mixed bf16) or off (any other precision name). */
export const asPrecisionBf16: Convert<boolean> = (v) => {
  const p = precisionOf(v);
  return p ? p.autocast === 'bf16' : undefined;
};
export const asPrecisionFp16: Convert<boolean> = (v) => {
  const p = precisionOf(v);
  return p ? p.autocast === 'fp16' : undefined;
};

/** FSDP ShardingStrategy names in the order of their 1-based numbers (torch.distributed.fsdp.ShardingStrategy;
 * accelerate accepts either: utils/constants.py FSDP_SHARDING_STRATEGY). */
export const FSDP_SHARDING_STRATEGIES = ['full_shard', 'shard_grad_op', 'no_shard', 'hybrid_shard', 'hybrid_shard_zero2'] as const;

/** A sharding strategy given by number (1-5, or "1"-"5") or by name in any case (FULL_SHARD) -> its lower-case name. */
export function fsdpStrategyName(v: unknown): (typeof FSDP_SHARDING_STRATEGIES)[number] | undefined {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  if (!s) return undefined;
  if (/^[1-5]$/.test(s)) return FSDP_SHARDING_STRATEGIES[Number(s) - 1];
  return FSDP_SHARDING_STRATEGIES.find((x) => x === s);
}

/** FSDP sharding strategy names of scripts and configs; `ddp` / `no_shard` mean no FSDP ('' = off). */
export const asFsdpStrategy: Convert<string> = (v) => {
  const s = fsdpStrategyName(v) ?? (typeof v === 'string' ? v.trim().toLowerCase() : undefined);
  if (!s) return undefined;
  if (/^(ddp|no_shard|none|no)$/.test(s)) return '';
  if (/^hybrid_(full_)?shard$/.test(s)) return 'hybrid_shard';
  if (/^(hybrid_shard_grad_op|hybrid_shard_zero2)$/.test(s)) return 'hybrid_shard';
  if (/^(full_shard|shard_grad_op|fsdp|fsdp2)$/.test(s)) return s.startsWith('fsdp') ? 'full_shard' : s;
  return undefined;
};

/** Training-type switches (`train_type: qlora`, ms-swift `tuner_type: lora`): adapters or the whole model. */
export const asAdapterType: Convert<boolean> = (v) => {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  if (!s) return undefined;
  if (/^(full|full_finetune|none|freeze)$/.test(s)) return false;
  return /lora|dora|adapter|vera|boft|ia3|llama_?pro|reft|bone|fourierft/.test(s) ? true : undefined;
};

/** A training type that quantizes the base to 4 bits (fsdp_qlora `qlora`, `custom_qlora`, `bnb_dora`, `hqq_*`). */
export const asAdapterType4bit: Convert<boolean> = (v) => {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  if (!s) return undefined;
  if (/qlora|bnb_dora|hqq/.test(s)) return true;
  return /^(full|lora|custom_lora|dora|freeze|none)$/.test(s) ? false : undefined;
};

/** LitGPT `quantize` names (litgpt/utils.py): bnb.nf4, bnb.nf4-dq, bnb.fp4, bnb.fp4-dq, bnb.int8, bnb.int8-training. */
export function litQuantizeOf(v: Lit): { bits: 4 | 8; type?: 'nf4' | 'fp4'; doubleQuant: boolean } | undefined {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  if (!s) return undefined;
  const m = /^(?:bnb\.)?(nf4|fp4|int8)(-dq|-training)?$/.exec(s);
  if (!m) return undefined;
  return m[1] === 'int8' ? { bits: 8, doubleQuant: false } : { bits: 4, type: m[1] as 'nf4' | 'fp4', doubleQuant: m[2] === '-dq' };
}
export const asLitQuant4bit: Convert<boolean> = (v) => (v === null ? undefined : litQuantizeOf(v) ? litQuantizeOf(v)!.bits === 4 : undefined);
export const asLitQuant8bit: Convert<boolean> = (v) => (v === null ? undefined : litQuantizeOf(v) ? litQuantizeOf(v)!.bits === 8 : undefined);
export const asLitQuantType: Convert<string> = (v) => litQuantizeOf(v)?.type;
export const asLitDoubleQuant: Convert<boolean> = (v) => {
  const q = litQuantizeOf(v);
  return q && q.bits === 4 ? q.doubleQuant : undefined;
};

/**
 * Optimizer classes -> the HF `optim` name that keeps the same state (plan/optimizerKind reads those): torch.optim,
 * bitsandbytes.optim (AdamW8bit, PagedAdamW*, Lion*), DeepSpeed's ops (FusedAdam steps AdamW state on the GPU,
 * DeepSpeedCPUAdam on the host). One table for scripts, configs (class paths) and torchtune components.
 */
export const OPTIMIZER_CLASSES: Readonly<Record<string, string>> = {
  AdamW: 'adamw_torch',
  Adam: 'adamw_torch',
  SGD: 'sgd',
  Adafactor: 'adafactor',
  AdamW8bit: 'adamw_bnb_8bit',
  Adam8bit: 'adamw_bnb_8bit',
  PagedAdamW: 'paged_adamw_32bit',
  PagedAdamW8bit: 'paged_adamw_8bit',
  PagedAdamW32bit: 'paged_adamw_32bit',
  Lion: 'lion_32bit',
  Lion8bit: 'lion_8bit',
  FusedAdam: 'adamw_torch_fused',
  DeepSpeedCPUAdam: 'adamw_torch',
};

/** An optimizer given as a class path or name (`torch.optim.AdamW`, `{class_path: …}`, "AdamW") -> its HF optim name. */
export const asOptimizerClass: Convert<string> = (v) => {
  const path =
    typeof v === 'string'
      ? v
      : v && typeof v === 'object' && !Array.isArray(v) && typeof v.class_path === 'string'
        ? v.class_path
        : typeof (v as { _component_?: unknown })?._component_ === 'string'
          ? (v as { _component_: string })._component_
          : undefined;
  if (!path) return undefined;
  const name = path.split('.').pop() ?? path;
  return OPTIMIZER_CLASSES[name] ?? name;
};

/** ms-swift DeepSpeed presets (swift/llm/ds_config): zero0-zero3, zero2_offload, zero3_offload -> the stage. */
export const asSwiftZeroStage: Convert<number> = (v) => {
  const m = typeof v === 'string' ? /^zero([0-3])(_offload)?$/i.exec(v.trim()) : null;
  return m ? Number(m[1]) : undefined;
};
export const asSwiftZeroOffload: Convert<boolean> = (v) =>
  typeof v === 'string' && /^zero[0-3]$/i.test(v.trim()) ? false : typeof v === 'string' && /^zero[23]_offload$/i.test(v.trim()) ? true : undefined;

/** Megatron recompute_granularity: full / selective recompute activations; none does not. */
export const asRecompute: Convert<boolean> = (v) => (typeof v === 'string' ? /^(full|selective)$/i.test(v.trim()) : v === null ? false : undefined);

/**
 * Preference / RL method names of configs (axolotl `rl:`, ms-swift `rlhf_type:`, LLaMA-Factory `stage:` with
 * `pref_loss:`) -> the TRL trainer class that runs them: IPO is DPOTrainer's loss_type, SimPO is CPOTrainer's
 * (trl/trainer/cpo_config.py loss_type "simpo"). `accepted` is the framework's own list of names.
 */
const METHOD_TRAINERS: Readonly<Record<string, string>> = {
  dpo: 'DPOTrainer',
  ipo: 'DPOTrainer',
  orpo: 'ORPOTrainer',
  simpo: 'CPOTrainer',
  cpo: 'CPOTrainer',
  kto: 'KTOTrainer',
  grpo: 'GRPOTrainer',
  ppo: 'PPOTrainer',
  rloo: 'RLOOTrainer',
};
export function trainerOfMethod(name: string | undefined, accepted: readonly string[]): string | undefined {
  const n = name?.trim().toLowerCase();
  return n && accepted.includes(n) ? METHOD_TRAINERS[n] : undefined;
}
