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
  if (typeof v === 'string') return v.split(',').map((x) => x.trim()).filter(Boolean);
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
  const t = v.trim().toLowerCase().replace(/^(torch|th)\./, '');
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
  typeof v === 'string' ? v : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : '')).join(' ') : typeof v === 'boolean' ? (v ? 'full_shard' : '') : undefined;

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
