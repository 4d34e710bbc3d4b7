// "Apply to file" for the breakdown panel's what-if controls: each changed setting becomes a text edit in
// the file's own style (the literal it was read from, else a keyword on the call that takes it), a
// setting (target GPU, GPU count), or a reason why it cannot be applied. Pure: unit-tested without vscode.
import { Found, SourceSpan } from '../extract/source';
import { CallSite } from '../extract/hyperparams';
import { AttentionImpl, OptimizerKind, Sharding } from '../memory/setup';
import { optimizerKind, PlanField, TrainingPlan } from '../plan/plan';
import type { Report } from '../report';
import { ensureImport, insertLinesAfter, overlapping, setKeyword, TextEdit } from './edits';

/** One what-if control's value that differs from the file. */
export type WhatIfChange =
  | { field: 'method'; value: 'full' | 'lora' }
  | { field: 'microBatch' | 'seqLen' | 'loraR' | 'gpus'; value: number }
  | { field: 'loraTargets'; value: string[] | 'all-linear' }
  | { field: 'gradientCheckpointing' | 'offloadOptimizer'; value: boolean }
  | { field: 'quantization'; value: 'none' | 'int8' | 'nf4' }
  | { field: 'optimizer'; value: OptimizerKind }
  | { field: 'attention'; value: AttentionImpl }
  | { field: 'sharding'; value: Sharding }
  | { field: 'gpu'; value: string };

export type WhatIfField = WhatIfChange['field'];

export interface ApplyPlan {
  edits: TextEdit[];
  /** settings to write (vramLens.targetGpu / vramLens.gpuCount) */
  settings: { key: 'targetGpu' | 'gpuCount'; value: string | number }[];
  /** what each applied change does, in the user's terms */
  applied: { field: WhatIfField; how: string }[];
  notApplied: { field: WhatIfField; reason: string }[];
}

/** HF TrainingArguments `optim` names for the engine's optimizer kinds (transformers training_args.py OptimizerNames). */
export const HF_OPTIM: Record<OptimizerKind, string | null> = {
  adamw: 'adamw_torch',
  adamw_fused: 'adamw_torch_fused',
  adamw_8bit: 'adamw_8bit',
  paged_adamw_8bit: 'paged_adamw_8bit',
  paged_adamw_32bit: 'paged_adamw_32bit',
  adafactor: 'adafactor',
  sgd: 'sgd',
  // HF has no SGD-with-momentum name: it needs optim="sgd" plus optim_args, which we do not write.
  sgd_momentum: null,
  lion: 'lion_32bit',
  lion_8bit: 'lion_8bit',
};

/** TrainingArguments(fsdp=…) strings (transformers FSDPOption); "offload" adds CPU offload. */
const FSDP_OPTION: Partial<Record<Sharding, string>> = { fsdp: 'full_shard', fsdp_grad_op: 'shard_grad_op', fsdp_hybrid: 'hybrid_shard' };

// The bitsandbytes recipe the QLoRA remedy writes too (Dettmers et al. 2023: NF4 + double quantization).
const BNB_4BIT = 'BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)';
const BNB_8BIT = 'BitsAndBytesConfig(load_in_8bit=True)';
const TRL_TRAINER = /SFTTrainer|DPOTrainer|ORPOTrainer|KTOTrainer|GRPOTrainer|UnslothTrainer/;

type Value = WhatIfChange['value'];

/** A value as source text: Python literals, or YAML / JSON scalars for configs. */
export function literal(value: Value, kind: Report['kind'], quote = '"'): string {
  const py = kind === 'python' || kind === 'notebook';
  if (typeof value === 'boolean') return py ? (value ? 'True' : 'False') : String(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, kind, quote)).join(', ')}]`;
  if (kind === 'yaml' && /^[A-Za-z_][\w.-]*$/.test(value) && !/^(true|false|yes|no|on|off|null)$/i.test(value)) return value;
  return kind === 'json' || !py ? JSON.stringify(value) : `${quote}${value.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`)}${quote}`;
}

// A literal (or constant arithmetic) that can be replaced by another literal without changing meaning
// elsewhere: numbers, booleans, strings, flat lists of strings. Calls and names are not.
const LITERAL = /^(?:[-+]?[\d_.]+(?:e[-+]?\d+)?(?:\s*[-+*/]\s*[\d_.]+(?:e[-+]?\d+)?)*|True|False|true|false|yes|no|"[^"\n]*"|'[^'\n]*'|[A-Za-z_][\w.-]*|\[[^\]\n]*\])$/;
const PY_LITERAL = /^(?:[-+]?[\d_.]+(?:e[-+]?\d+)?(?:\s*[-+*/]\s*[\d_.]+(?:e[-+]?\d+)?)*|True|False|"[^"\n]*"|'[^'\n]*'|\[[^\]\n]*\])$/;

class Builder {
  readonly out: ApplyPlan = { edits: [], settings: [], applied: [], notApplied: [] };
  constructor(
    readonly r: Report,
    readonly text: string,
  ) {}

  get plan(): TrainingPlan {
    return this.r.plan!;
  }
  get py(): boolean {
    return this.r.kind === 'python';
  }
  line(span: SourceSpan | undefined): string {
    return span ? `line ${span.line + 1}` : 'the file';
  }
  slice(span: SourceSpan): string {
    return this.text.slice(span.start, span.end);
  }
  done(field: WhatIfField, how: string, ...edits: (TextEdit | null)[]) {
    this.out.edits.push(...edits.filter((e): e is TextEdit => !!e));
    this.out.applied.push({ field, how });
  }
  skip(field: WhatIfField, reason: string) {
    this.out.notApplied.push({ field, reason });
  }
  lit(value: Value, old?: string): string {
    const quote = old && /^'/.test(old) ? "'" : '"';
    return literal(value, this.r.kind, quote);
  }

  /**
   * Rewrites a value the file states: its literal (also when it is a constant's definition elsewhere),
   * else the whole `keyword=…` argument. `keywords` are the names that mean this field; an argument
   * under another name (use_flash_attention_2=True for attention) is replaced by `keywords[0]=value`.
   */
  rewriteRead(field: WhatIfField, f: Pick<Found<unknown>, 'span' | 'valueSpan'> | PlanField<unknown>, keywords: string[], value: Value): boolean {
    const span = f.span;
    if (!span) return false;
    const argText = this.slice(span);
    const kw = this.py ? /^\s*(\w+)\s*=/.exec(argText)?.[1] : undefined;
    const valueSpan = f.valueSpan;
    const old = valueSpan ? this.slice(valueSpan).trim() : '';
    const isLiteral = valueSpan && (this.py ? PY_LITERAL : LITERAL).test(old);
    if (kw && keywords.length && !keywords.includes(kw)) {
      this.done(field, `${this.line(span)}: ${keywords[0]}=${this.lit(value)}`, { start: span.start, end: span.end, newText: `${keywords[0]}=${this.lit(value)}` });
      return true;
    }
    if (isLiteral && valueSpan) {
      const newText = this.lit(value, old);
      this.done(field, `${this.line(valueSpan)}: ${old} → ${newText}`, { start: valueSpan.start, end: valueSpan.end, newText });
      return true;
    }
    if (kw) {
      this.done(field, `${this.line(span)}: ${kw}=${this.lit(value)}`, { start: span.start, end: span.end, newText: `${kw}=${this.lit(value)}` });
      return true;
    }
    return false;
  }

  /** The plan field when the file states it (not a default, not implied by a call). */
  readField<K extends keyof TrainingPlan>(k: K): TrainingPlan[K] | undefined {
    const f = this.plan[k];
    return f && f.origin === 'read' && f.span ? f : undefined;
  }

  /** `keyword=value` on a call: replaces the argument where the field was read there, else adds it.
   * `code` is source text written as is (a constructor call), not a value to quote. */
  keyword(field: WhatIfField, site: CallSite, name: string, value: Value | { code: string }, read?: SourceSpan) {
    const lit = typeof value === 'object' && !Array.isArray(value) ? value.code : this.lit(value);
    this.done(field, `${site.callee}(${name}=${lit.length > 40 ? `${lit.slice(0, 37)}…` : lit})`, setKeyword(site, name, lit, read));
  }

  /** Renames a boolean flag in place (`load_in_4bit=True` -> `load_in_8bit=True`, dict keys too). */
  renameFlag(field: WhatIfField, span: SourceSpan, name: string) {
    const old = this.slice(span);
    const dict = /^(["'])\w+\1\s*:/.exec(old);
    const newText = dict ? `${dict[1]}${name}${dict[1]}: True` : `${name}=True`;
    this.done(field, `${this.line(span)}: ${newText}`, { start: span.start, end: span.end, newText });
  }
}

function configOnly(b: Builder, c: WhatIfChange): void {
  // YAML / JSON configs: only values the file states, and only where the literal means the same thing
  // in the config's own vocabulary (numbers and booleans).
  const field = c.field as keyof TrainingPlan;
  if (c.field === 'gpu') {
    b.out.settings.push({ key: 'targetGpu', value: c.value });
    b.done('gpu', `setting vramLens.targetGpu = ${c.value}`);
    return;
  }
  const f = field in b.plan ? b.readField(field) : undefined;
  if (c.field === 'gpus' && !f) {
    b.out.settings.push({ key: 'gpuCount', value: c.value });
    b.done('gpus', `setting vramLens.gpuCount = ${c.value}`);
    return;
  }
  if (!f) {
    b.skip(c.field, `not in this ${b.r.kind} file: add it with your framework's key by hand`);
    return;
  }
  // optimizer names: axolotl `optimizer`, LLaMA-Factory and TRL `optim` take the HF TrainingArguments names
  const oldText = f.valueSpan ? b.slice(f.valueSpan).trim().replace(/^["']|["']$/g, '') : '';
  if (c.field === 'optimizer' && optimizerKind(oldText) && HF_OPTIM[c.value]) {
    if (b.rewriteRead(c.field, f, [], HF_OPTIM[c.value]!)) return;
  }
  if (c.field === 'attention' && /^(eager|sdpa|flash_attention_2)$/.test(oldText)) {
    if (b.rewriteRead(c.field, f, [], c.value)) return;
  }
  if (typeof c.value !== 'number' && typeof c.value !== 'boolean') {
    b.skip(c.field, `${b.line(f.span)}: ${b.r.kind} configs name this value in their own vocabulary; change it by hand`);
    return;
  }
  if (!b.rewriteRead(c.field, f, [], c.value)) b.skip(c.field, `${b.line(f.span)}: the value is not a plain literal; change it by hand`);
}

/** LoRA on a model that has none: through the TRL trainer's peft_config, or by wrapping the loaded model. */
/** `model = prepare_model_for_kbit_training(model)`; PEFT turns gradient checkpointing on there unless told
 * not to (peft/utils/other.py use_gradient_checkpointing=True), so it says so when the job has it off. */
function kbitPrepLine(v: string, checkpointing: boolean): string {
  return `${v} = prepare_model_for_kbit_training(${v}${checkpointing ? '' : ', use_gradient_checkpointing=False'})`;
}

function addLora(b: Builder, r: number, targets: string[] | 'all-linear', kbit: boolean, checkpointing: boolean): boolean {
  const hp = b.r.hyperparams;
  const cfg = `LoraConfig(r=${r}, lora_alpha=${2 * r}, target_modules=${b.lit(targets)}, task_type="CAUSAL_LM")`;
  if (hp.sites.trainer && TRL_TRAINER.test(hp.sites.trainer.callee)) {
    b.done('method', `${hp.sites.trainer.callee}(peft_config=${cfg})`, setKeyword(hp.sites.trainer, 'peft_config', cfg), ensureImport(hp.imports, 'LoraConfig', 'peft'));
    return true;
  }
  const load = hp.sites.modelLoad;
  if (!load?.assignedTo) return false;
  const v = load.assignedTo;
  const lines = [...(kbit && !hp.kbitPrep ? [kbitPrepLine(v, checkpointing)] : []), `${v} = get_peft_model(${v}, ${cfg})`];
  b.done(
    'method',
    `after the model load: ${lines.join('; ')}`,
    insertLinesAfter(load, lines),
    ensureImport(hp.imports, 'LoraConfig', 'peft'),
    ensureImport(hp.imports, 'get_peft_model', 'peft'),
    kbit && !hp.kbitPrep ? ensureImport(hp.imports, 'prepare_model_for_kbit_training', 'peft') : null,
  );
  return true;
}

function quantization(b: Builder, value: 'none' | 'int8' | 'nf4', addingLora: boolean, checkpointing: boolean) {
  const hp = b.r.hyperparams;
  const p = b.plan;
  const load = hp.sites.modelLoad;
  if (['gptq-int4', 'awq-int4'].includes(p.quantization.value) || /ships/.test(p.quantization.reason)) {
    b.skip('quantization', `the checkpoint ${hp.model?.value ?? ''} ships quantized weights: choose a model id without the quantization suffix`);
    return;
  }
  const in4 = hp.loadIn4bit && !hp.loadIn4bit.implied ? hp.loadIn4bit : undefined;
  const in8 = hp.loadIn8bit && !hp.loadIn8bit.implied ? hp.loadIn8bit : undefined;
  const want4 = value === 'nf4';
  const want8 = value === 'int8';
  if (hp.framework === 'unsloth' && load) {
    // FastLanguageModel.from_pretrained(load_in_4bit=…, load_in_8bit=…) (unsloth/models/loader.py)
    b.keyword('quantization', load, 'load_in_4bit', want4, in4?.span);
    if (want8 || in8) b.keyword('quantization', load, 'load_in_8bit', want8, in8?.span);
    return;
  }
  if (in4 || in8) {
    // Flip the flag the file sets; a 4-bit flag becomes an 8-bit one (and back) in place.
    const on = in4?.value ? in4 : in8?.value ? in8 : undefined;
    const onIs4 = on === in4;
    if (value === 'none') {
      if (on) b.rewriteRead('quantization', on, [onIs4 ? 'load_in_4bit' : 'load_in_8bit'], false);
      else b.done('quantization', 'already not quantized');
      return;
    }
    const target = want4 ? in4 : in8;
    if (target) b.rewriteRead('quantization', target, [want4 ? 'load_in_4bit' : 'load_in_8bit'], true);
    else if (on) {
      // the file turns on the other width: rename that flag
      b.renameFlag('quantization', on.span, want4 ? 'load_in_4bit' : 'load_in_8bit');
    } else {
      // only the other width's flag is there, switched off: rename it
      const other = (want4 ? in8 : in4)!;
      b.renameFlag('quantization', other.span, want4 ? 'load_in_4bit' : 'load_in_8bit');
    }
    return;
  }
  if (value === 'none') {
    b.done('quantization', 'already not quantized');
    return;
  }
  if (!load) {
    b.skip('quantization', 'no from_pretrained call to add a quantization_config to');
    return;
  }
  b.keyword('quantization', load, 'quantization_config', { code: want4 ? BNB_4BIT : BNB_8BIT });
  b.out.edits.push(...[ensureImport(hp.imports, 'BitsAndBytesConfig', 'transformers'), want4 ? ensureImport(hp.imports, 'torch', null) : null].filter((e): e is TextEdit => !!e));
  // PEFT's k-bit preparation (fp32 norms, input grads) where no TRL trainer does it and no LoRA insert adds it
  const trlPeft = hp.sites.trainer && TRL_TRAINER.test(hp.sites.trainer.callee) && hp.peft;
  if (!hp.kbitPrep && !trlPeft && !addingLora && load.assignedTo && p.method.value !== 'full') {
    b.out.edits.push(insertLinesAfter(load, [kbitPrepLine(load.assignedTo, checkpointing)]));
    const imp = ensureImport(hp.imports, 'prepare_model_for_kbit_training', 'peft');
    if (imp) b.out.edits.push(imp);
  }
}

function sharding(b: Builder, value: Sharding, offload: boolean, field: 'sharding' | 'offloadOptimizer' = 'sharding') {
  const hp = b.r.hyperparams;
  const args = hp.sites.trainingArgs;
  const ds = hp.deepspeed;
  const fsdp = hp.fsdp;
  if (value === 'zero1' || value === 'zero2' || value === 'zero3') {
    b.skip(field, `DeepSpeed ${value.replace('zero', 'ZeRO-')} needs a DeepSpeed config file: write one and pass deepspeed="…json" to the training arguments`);
    return;
  }
  if (ds) {
    b.skip(field, `${b.line(ds.span)}: the job uses DeepSpeed (deepspeed=…); change its config or remove it by hand`);
    return;
  }
  const opt = FSDP_OPTION[value];
  if (!opt) {
    // none / DDP: what a launcher does without FSDP
    if (fsdp) b.rewriteRead(field, fsdp, ['fsdp'], '');
    else b.done(field, 'no FSDP in the file: data parallel already');
    return;
  }
  if (!args) {
    b.skip(field, 'no TrainingArguments/SFTConfig call to add fsdp= to');
    return;
  }
  const str = `${opt} auto_wrap${offload ? ' offload' : ''}`;
  b.keyword(field, args, 'fsdp', str, fsdp?.span);
}

/**
 * The edits and settings that make the file (and settings) say what the what-if controls say.
 * `settingsOnly` (a reason) writes only the settings: notebooks, whose values live in several cells.
 */
export function planApply(r: Report, text: string, changes: WhatIfChange[], settingsOnly?: string): ApplyPlan {
  const b = new Builder(r, text);
  if (!r.plan) {
    for (const c of changes) b.skip(c.field, 'the file has no estimate to change');
    return b.out;
  }
  if (settingsOnly || r.kind === 'notebook') {
    const why = settingsOnly ?? 'in a notebook, change the value in its cell by hand';
    for (const c of changes) {
      if (c.field === 'gpu') {
        b.out.settings.push({ key: 'targetGpu', value: c.value });
        b.done(c.field, `setting vramLens.targetGpu = ${c.value}`);
      } else if (c.field === 'gpus' && r.plan.gpus.origin !== 'read') {
        b.out.settings.push({ key: 'gpuCount', value: c.value });
        b.done(c.field, `setting vramLens.gpuCount = ${c.value}`);
      } else b.skip(c.field, why);
    }
    return b.out;
  }
  const byField = new Map(changes.map((c) => [c.field, c] as const));
  const val = <T extends Value>(f: WhatIfField) => byField.get(f)?.value as T | undefined;
  if (!b.py) {
    for (const c of changes) configOnly(b, c);
    return b.out;
  }
  const hp = r.hyperparams;
  const p = r.plan;
  const args = hp.sites.trainingArgs;
  const load = hp.sites.modelLoad;
  const usesLora = p.method.value !== 'full' && p.method.value !== 'frozen';

  // ---- method (adds LoRA with the chosen rank and targets) ------------------------------------------
  const method = val<'full' | 'lora'>('method');
  const checkpointing = val<boolean>('gradientCheckpointing') ?? p.gradientCheckpointing.value;
  const quant = val<'none' | 'int8' | 'nf4'>('quantization');
  let addingLora = false;
  if (method === 'lora' && !usesLora) {
    const rank = val<number>('loraR') ?? p.loraR.value;
    const targets = val<string[] | 'all-linear'>('loraTargets') ?? p.loraTargets.value;
    const kbit = (quant ?? p.quantization.value) !== 'none' && hp.framework !== 'unsloth';
    addingLora = addLora(b, rank, targets, kbit, checkpointing);
    if (!addingLora) b.skip('method', 'no TRL trainer or assigned from_pretrained call to attach LoRA adapters to');
  } else if (method === 'full' && usesLora) {
    const at = p.method.span ?? hp.sites.lora?.span;
    b.skip('method', `${b.line(at)}: remove the LoRA configuration (LoraConfig / peft_config / get_peft_model) by hand`);
  }

  for (const c of changes) {
    switch (c.field) {
      case 'method':
        break;
      case 'microBatch': {
        const f = b.readField('microBatch');
        if (f && b.rewriteRead(c.field, f, ['per_device_train_batch_size', 'per_gpu_train_batch_size'], c.value)) break;
        if (args) b.keyword(c.field, args, 'per_device_train_batch_size', c.value);
        else b.skip(c.field, 'no TrainingArguments/SFTConfig call to set per_device_train_batch_size on');
        break;
      }
      case 'seqLen': {
        const f = b.readField('seqLen');
        if (f && b.rewriteRead(c.field, f, ['max_seq_length', 'max_length', 'max_seq_len'], c.value)) break;
        if (hp.framework === 'unsloth' && load) b.keyword(c.field, load, 'max_seq_length', c.value);
        else if (args && /Config$/.test(hp.argsClass ?? '')) b.keyword(c.field, args, 'max_length', c.value);
        else b.skip(c.field, 'a plain Trainer takes the sequence length from the tokenizer or collator: set max_length where the data is tokenized');
        break;
      }
      case 'loraR':
      case 'loraTargets': {
        if (addingLora) break; // written by the LoRA insert
        const willUseLora = usesLora || method === 'lora';
        if (!willUseLora) {
          b.skip(c.field, 'the job trains all weights (no LoRA): choose LoRA to apply a rank or targets');
          break;
        }
        const f = b.readField(c.field);
        const kw = c.field === 'loraR' ? 'r' : 'target_modules';
        if (f && b.rewriteRead(c.field, f, [kw], c.value)) break;
        if (hp.sites.lora) b.keyword(c.field, hp.sites.lora, kw, c.value);
        else b.skip(c.field, 'the LoRA configuration is not a LoraConfig call in this file; change it by hand');
        break;
      }
      case 'gradientCheckpointing': {
        const gc = hp.gradientCheckpointing;
        const f = b.readField('gradientCheckpointing');
        if (f && b.rewriteRead(c.field, f, ['gradient_checkpointing', 'use_gradient_checkpointing'], c.value)) break;
        if (f?.span) {
          b.skip(c.field, `${b.line(f.span)}: ${b.slice(f.span).slice(0, 60)} turns it on; remove it by hand`);
          break;
        }
        const before = b.out.applied.length;
        if (gc?.implied && /prepare_model_for_kbit_training/.test(gc.how) && !c.value) {
          // peft prepare_model_for_kbit_training(use_gradient_checkpointing=True) by default: switch it off there
          const close = gc.valueSpan.end - 1;
          const hasArgs = /\(\s*\S/.test(b.slice(gc.valueSpan));
          b.done(c.field, `${b.line(gc.span)}: prepare_model_for_kbit_training(use_gradient_checkpointing=False)`, { start: close, end: close, newText: `${hasArgs ? ', ' : ''}use_gradient_checkpointing=False` });
        }
        if (hp.framework === 'unsloth' && hp.sites.lora && /get_peft_model/.test(hp.sites.lora.callee)) b.keyword(c.field, hp.sites.lora, 'use_gradient_checkpointing', c.value ? 'unsloth' : false);
        else if (args) b.keyword(c.field, args, 'gradient_checkpointing', c.value);
        else if (c.value && load?.assignedTo) b.done(c.field, `${load.assignedTo}.gradient_checkpointing_enable()`, insertLinesAfter(load, [`${load.assignedTo}.gradient_checkpointing_enable()`]));
        if (b.out.applied.length === before) b.skip(c.field, 'no TrainingArguments/SFTConfig call to set gradient_checkpointing on');
        break;
      }
      case 'quantization':
        quantization(b, c.value, addingLora, checkpointing);
        break;
      case 'optimizer': {
        const name = HF_OPTIM[c.value];
        if (hp.sites.optimizer) {
          b.skip(c.field, `${b.line(hp.sites.optimizer.span)}: the optimizer is built in the script (${hp.sites.optimizer.callee}); change it by hand`);
          break;
        }
        if (!name) {
          b.skip(c.field, `${c.value} has no TrainingArguments optim name (SGD with momentum needs optim="sgd" and optim_args)`);
          break;
        }
        const f = b.readField('optimizer');
        if (f && b.rewriteRead(c.field, f, ['optim'], name)) break;
        if (args) b.keyword(c.field, args, 'optim', name);
        else b.skip(c.field, 'no TrainingArguments/SFTConfig call to set optim on');
        break;
      }
      case 'attention': {
        const f = b.readField('attention');
        if (f && b.rewriteRead(c.field, f, ['attn_implementation'], c.value)) break;
        if (load) b.keyword(c.field, load, 'attn_implementation', c.value);
        else b.skip(c.field, 'no from_pretrained call to set attn_implementation on');
        break;
      }
      case 'sharding':
        sharding(b, c.value, val<boolean>('offloadOptimizer') ?? p.offloadOptimizer.value);
        break;
      case 'offloadOptimizer': {
        if (byField.has('sharding')) break; // written with the sharding
        const s = p.sharding.value;
        if (FSDP_OPTION[s] && !hp.deepspeed) sharding(b, s, c.value, 'offloadOptimizer');
        else b.skip(c.field, s.startsWith('zero') ? 'set offload_optimizer in the DeepSpeed config by hand' : 'CPU optimizer offload needs FSDP or DeepSpeed: choose a sharding first');
        break;
      }
      case 'gpus': {
        const f = b.readField('gpus');
        if (f && b.rewriteRead(c.field, f, [], c.value)) break;
        b.out.settings.push({ key: 'gpuCount', value: c.value });
        b.done(c.field, `setting vramLens.gpuCount = ${c.value}`);
        break;
      }
      case 'gpu':
        b.out.settings.push({ key: 'targetGpu', value: c.value });
        b.done(c.field, `setting vramLens.targetGpu = ${c.value}`);
        break;
    }
  }
  // The same import may be asked for twice (LoRA insert and quantization); identical inserts collapse.
  const seen = new Set<string>();
  b.out.edits = b.out.edits.filter((e) => {
    if (e.start !== e.end) return true;
    const key = `${e.start}:${e.newText}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (overlapping(b.out.edits)) {
    // Two changes touch the same text (should not happen); apply none rather than a garbled file.
    for (const a of b.out.applied) b.skip(a.field, 'conflicts with another change; apply the changes one at a time');
    b.out.applied = [];
    b.out.edits = [];
    b.out.settings = [];
  }
  return b.out;
}

