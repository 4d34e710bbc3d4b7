// The one edit writer. A list of plan changes (a quick fix, "Fix all", the panel's Apply to file) becomes
// edits of the file in its own style and its framework's own keys, settings (target GPU, GPU count), or
// a reason why a change cannot be applied. Python: the literal a value was read from, else a keyword on
// the call that takes it; LoRA, quantization and checkpointing are added here and nowhere else. Configs:
// the keys of the file's dialect (src/analysis/vocab/dialects/*: the `*_WRITES` tables). Pure.
import { CallSite, HyperparamKey } from '../extract/hyperparams';
import { parseConfig } from '../extract/frameworks/index';
import { CEntry, CNode, entryAt, isMap } from '../extract/frameworks/tree';
import { Found, SourceSpan } from '../extract/source';
import { PlanField, TrainingPlan } from '../plan/plan';
import type { Report } from '../report';
import { ChangeField, ChangeOf, LORA_RECIPE, PlanChange } from '../vocab/changes';
import { ConfigWrites, KeyWrite, WriteContext } from '../vocab/dialect';
import { AXOLOTL_WRITES } from '../vocab/dialects/axolotl';
import { HF_TRAINING_ARGS, HF_WRITES } from '../vocab/dialects/hf';
import { LLAMA_FACTORY_V1_WRITES, LLAMA_FACTORY_WRITES } from '../vocab/dialects/llamafactory';
import { PY_BNB, PY_FROM_PRETRAINED, PY_LORA } from '../vocab/dialects/python';
import { TORCHTUNE_WRITES } from '../vocab/dialects/torchtune';
import { OUMI_WRITES } from '../vocab/dialects/oumi';
import { Lit } from '../vocab/values';
import { ensureImport, insertLinesAfter, overlapping, setKeyword, TextEdit } from './edits';

export { HF_OPTIM } from '../vocab/dialects/hf';
export type { PlanChange } from '../vocab/changes';

/** The changes the breakdown panel's what-if controls make (a subset of PlanChange). */
export type WhatIfField =
  | 'method'
  | 'microBatch'
  | 'seqLen'
  | 'loraR'
  | 'loraTargets'
  | 'gradientCheckpointing'
  | 'quantization'
  | 'optimizer'
  | 'attention'
  | 'gpu'
  | 'gpus'
  | 'sharding'
  | 'offloadOptimizer';
export type WhatIfChange = { [F in WhatIfField]: ChangeOf<F> }[WhatIfField];

export interface ApplyPlan {
  edits: TextEdit[];
  /** settings to write (vramLens.targetGpu / vramLens.gpuCount) */
  settings: { key: 'targetGpu' | 'gpuCount'; value: string | number }[];
  /** what each applied change does, in the user's terms */
  applied: { field: ChangeField; how: string }[];
  notApplied: { field: ChangeField; reason: string }[];
}

// The bitsandbytes recipe a 4-bit change writes (Dettmers et al. 2023: NF4 + double quantization).
const BNB_4BIT = 'BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)';
const BNB_8BIT = 'BitsAndBytesConfig(load_in_8bit=True)';
/** TRL trainers that take peft_config (and then prepare a k-bit model themselves). */
export const TRL_TRAINER = /^(SFTTrainer|DPOTrainer|ORPOTrainer|CPOTrainer|KTOTrainer|GRPOTrainer|RLOOTrainer|PPOTrainer|RewardTrainer|UnslothTrainer)$/;

type Value = PlanChange['value'];

/** A value as source text: Python literals, or YAML / JSON scalars for configs. */
export function literal(value: Value | Lit, kind: Report['kind'], quote = '"'): string {
  const py = kind === 'python' || kind === 'notebook';
  if (value === null) return py ? 'None' : 'null';
  if (typeof value === 'boolean') return py ? (value ? 'True' : 'False') : String(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, kind, quote)).join(', ')}]`;
  if (typeof value === 'object') return JSON.stringify(value);
  if (kind === 'yaml' && /^[A-Za-z_][\w.-]*$/.test(value) && !/^(true|false|yes|no|on|off|null)$/i.test(value)) return value;
  return kind === 'json' || !py ? JSON.stringify(value) : `${quote}${value.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`)}${quote}`;
}

// A literal (or constant arithmetic) that can be replaced by another literal without changing meaning
// elsewhere: numbers, booleans, strings, flat lists of strings. Calls and names are not.
const LITERAL =
  /^(?:[-+]?[\d_.]+(?:e[-+]?\d+)?(?:\s*[-+*/]\s*[\d_.]+(?:e[-+]?\d+)?)*|True|False|true|false|yes|no|"[^"\n]*"|'[^'\n]*'|[A-Za-z_][\w.-]*|\[[^\]\n]*\])$/;
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
  done(field: ChangeField, how: string, ...edits: (TextEdit | null)[]) {
    this.out.edits.push(...edits.filter((e): e is TextEdit => !!e));
    this.out.applied.push({ field, how });
  }
  skip(field: ChangeField, reason: string) {
    this.out.notApplied.push({ field, reason });
  }
  lit(value: Value | Lit, old?: string): string {
    const quote = old && /^'/.test(old) ? "'" : '"';
    return literal(value, this.r.kind, quote);
  }
  setting(field: ChangeField, key: 'targetGpu' | 'gpuCount', value: string | number) {
    this.out.settings.push({ key, value });
    this.done(field, `setting vramLens.${key} = ${value}`);
  }

  /**
   * Rewrites a value the file states: its literal (also when it is a constant's definition elsewhere),
   * else the whole `keyword=…` argument. `keywords` are the names that mean this field; an argument
   * under another name (use_flash_attention_2=True for attention) is replaced by `keywords[0]=value`.
   */
  rewriteRead(
    field: ChangeField,
    f: Pick<Found<unknown>, 'span' | 'valueSpan'> | PlanField<unknown>,
    keywords: readonly string[],
    value: Value | Lit,
  ): boolean {
    const span = f.span;
    if (!span) return false;
    const argText = this.slice(span);
    const kw = this.py ? /^\s*(\w+)\s*=/.exec(argText)?.[1] : undefined;
    const valueSpan = f.valueSpan;
    const old = valueSpan ? this.slice(valueSpan).trim() : '';
    const isLiteral = valueSpan && (this.py ? PY_LITERAL : LITERAL).test(old);
    if (kw && keywords.length && !keywords.includes(kw)) {
      this.done(field, `${this.line(span)}: ${keywords[0]}=${this.lit(value)}`, {
        start: span.start,
        end: span.end,
        newText: `${keywords[0]}=${this.lit(value)}`,
      });
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

  /** A Hyperparams value the file states (not implied by a call, not guessed). */
  stated(k: HyperparamKey): Found<unknown> | undefined {
    const f = this.r.hyperparams[k] as Found<unknown> | undefined;
    return f && !f.implied && !f.assumed ? f : undefined;
  }

  /** `keyword=value` on a call: replaces the argument where the field was read there, else adds it.
   * `code` is source text written as is (a constructor call), not a value to quote. */
  keyword(field: ChangeField, site: CallSite, name: string, value: Value | Lit | { code: string }, read?: SourceSpan) {
    const lit = value && typeof value === 'object' && !Array.isArray(value) && typeof value.code === 'string' ? value.code : this.lit(value as Value);
    this.done(field, `${site.callee}(${name}=${lit.length > 40 ? `${lit.slice(0, 37)}…` : lit})`, setKeyword(site, name, lit, read));
  }

  /** Renames a boolean flag in place (`load_in_4bit=True` -> `load_in_8bit=True`, dict keys too). */
  renameFlag(field: ChangeField, span: SourceSpan, name: string) {
    const old = this.slice(span);
    const dict = /^(["'])\w+\1\s*:/.exec(old);
    const newText = dict ? `${dict[1]}${name}${dict[1]}: True` : `${name}=True`;
    this.done(field, `${this.line(span)}: ${newText}`, { start: span.start, end: span.end, newText });
  }

  /** A TrainingArguments / TRL config key (the HF dialect's writes), on the call or where it was read. */
  hfArg(field: ChangeField, w: KeyWrite) {
    const read = w.field ? this.stated(w.field) : undefined;
    const aliases = HF_TRAINING_ARGS.find((k) => k.field === w.field)?.keys ?? [];
    if (read && this.rewriteRead(field, read, [w.key, ...aliases.filter((a) => a !== w.key)], w.value)) return;
    const args = this.r.hyperparams.sites.trainingArgs;
    if (args) this.keyword(field, args, w.key, w.value, read?.span);
    else this.skip(field, `no TrainingArguments/SFTConfig call to set ${w.key} on`);
  }
}

// ---- configs: the dialect's key writes ------------------------------------------------------------------

function writesOf(r: Report): ConfigWrites | null {
  switch (r.hyperparams.framework) {
    case 'axolotl':
      return AXOLOTL_WRITES;
    case 'llama-factory':
      return r.hyperparams.dialect === 'v1' ? LLAMA_FACTORY_V1_WRITES : LLAMA_FACTORY_WRITES;
    case 'torchtune':
      return TORCHTUNE_WRITES;
    case 'oumi':
      return OUMI_WRITES;
    case 'trl':
    case 'transformers':
      return HF_WRITES;
    default:
      return null;
  }
}

/** A YAML block for a mapping value written under a new key. */
function yamlBlock(value: Lit, indent: string): string {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value)
      .map(([k, v]) =>
        v && typeof v === 'object' && !Array.isArray(v) ? `\n${indent}${k}:${yamlBlock(v, `${indent}  `)}` : `\n${indent}${k}: ${literal(v, 'yaml')}`,
      )
      .join('');
  }
  return ` ${literal(value, 'yaml')}`;
}

class ConfigWriter {
  private readonly root: CNode | null;
  constructor(
    private readonly b: Builder,
    text: string,
  ) {
    let root: CNode | null;
    try {
      root = parseConfig(text, b.r.kind === 'json' ? 'json' : 'yaml').root;
    } catch {
      root = null;
    }
    this.root = root;
  }

  has = (path: string): boolean => !!entryAt(this.root, path);

  /** One key: in place where it is written (through the span it was read from, or its entry), else added. */
  write(field: ChangeField, w: KeyWrite): boolean {
    const b = this.b;
    const kind = b.r.kind;
    const leaf = w.key.split('.').pop()!;
    const read = w.field ? b.stated(w.field) : undefined;
    if (read) {
      const written = b.slice(read.span).trimStart();
      if (written.startsWith(`${leaf}:`) || written.startsWith(`${leaf} :`) || written.startsWith(`"${leaf}"`)) {
        return this.replace(field, read.valueSpan, w.value);
      }
    }
    const e = entryAt(this.root, w.key);
    if (e) return this.replace(field, e.value.span, w.value, e);
    const dot = w.key.lastIndexOf('.');
    const parent = dot > 0 ? entryAt(this.root, w.key.slice(0, dot)) : undefined;
    if (dot > 0 && (!parent || !isMap(parent.value))) {
      b.skip(field, `add ${w.key} by hand (the file has no ${w.key.slice(0, dot)} mapping)`);
      return false;
    }
    const map = parent ? parent.value : this.root;
    if (!isMap(map)) {
      b.skip(field, `the file is not a mapping: add ${w.key} by hand`);
      return false;
    }
    return this.insert(field, map, leaf, w.value, kind === 'json');
  }

  private replace(field: ChangeField, span: SourceSpan, value: Lit, e?: CEntry): boolean {
    const b = this.b;
    const old = b.slice(span);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      b.skip(field, `${b.line(span)}: ${e?.key ?? 'the value'} is written in a form VRAM Lens does not rewrite; change it by hand`);
      return false;
    }
    const newText = b.r.kind === 'json' ? JSON.stringify(value) : literal(value, 'yaml', /^'/.test(old) ? "'" : '"');
    b.done(field, `${b.line(span)}: ${old.trim().split('\n')[0]} → ${newText}`, { start: span.start, end: span.end, newText });
    return true;
  }

  /** A new entry after the mapping's last one, at its indentation (or at the end of a top-level YAML file). */
  private insert(field: ChangeField, map: Extract<CNode, { kind: 'map' }>, leaf: string, value: Lit, json: boolean): boolean {
    const b = this.b;
    const last = map.entries[map.entries.length - 1];
    const text = b.text;
    if (json) {
      if (!last) {
        b.skip(field, `add "${leaf}" by hand`);
        return false;
      }
      const lineStart = text.lastIndexOf('\n', last.keySpan.start - 1) + 1;
      const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
      const at = last.value.span.end;
      b.done(field, `"${leaf}": ${JSON.stringify(value)}`, { start: at, end: at, newText: `,\n${indent}"${leaf}": ${JSON.stringify(value)}` });
      return true;
    }
    let indent = '';
    if (last) {
      const lineStart = text.lastIndexOf('\n', last.keySpan.start - 1) + 1;
      indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
    }
    const isRoot = map === this.root;
    const entry = `${indent}${leaf}:${yamlBlock(value, `${indent}  `)}`;
    if (isRoot || !last) {
      const at = text.length;
      b.done(field, entry.trim().split('\n')[0], { start: at, end: at, newText: `${text.endsWith('\n') || text.length === 0 ? '' : '\n'}${entry}\n` });
      return true;
    }
    // after the end of the line that ends the mapping's last entry
    const nl = text.indexOf('\n', last.span.end);
    const at = nl < 0 ? text.length : nl + 1;
    b.done(field, entry.trim().split('\n')[0], { start: at, end: at, newText: `${nl < 0 ? '\n' : ''}${entry}\n` });
    return true;
  }
}

/** The key writes of one change, or a reason (applied or skipped on the builder). */
function configKeys(b: Builder, writes: ConfigWrites | null, c: PlanChange, ctx: WriteContext): KeyWrite[] | null {
  if (c.field === 'gpu') {
    b.setting('gpu', 'targetGpu', c.value);
    return null;
  }
  if (c.field === 'gpus') {
    const f = b.readField('gpus');
    if (!(f && b.rewriteRead(c.field, f, [], c.value))) b.setting('gpus', 'gpuCount', c.value);
    return null;
  }
  const writer = writes?.[c.field] as ((c: PlanChange, x: WriteContext) => KeyWrite[] | string) | undefined;
  if (!writer) {
    b.skip(c.field, `${b.r.hyperparams.framework} configs have no key VRAM Lens writes for this; change it by hand`);
    return null;
  }
  const keys = writer(c, ctx);
  if (typeof keys === 'string') {
    b.skip(c.field, keys);
    return null;
  }
  if (!keys.length) b.done(c.field, 'nothing to change');
  return keys;
}

/** Every change's keys, a later change's value winning for the same key (a chosen rank over the LoRA recipe's). */
function configChanges(b: Builder, w: ConfigWriter, writes: ConfigWrites | null, changes: PlanChange[], ctx: WriteContext): void {
  const byKey = new Map<string, { field: ChangeField; w: KeyWrite }>();
  for (const c of changes) {
    for (const k of configKeys(b, writes, c, ctx) ?? []) {
      byKey.delete(k.key);
      byKey.set(k.key, { field: c.field, w: k });
    }
  }
  for (const { field, w: k } of byKey.values()) w.write(field, k);
}

// ---- Python --------------------------------------------------------------------------------------------

/** `model = prepare_model_for_kbit_training(model)`; PEFT turns gradient checkpointing on there unless told
 * not to (peft/utils/other.py use_gradient_checkpointing=True), so it says so when the job has it off. */
function kbitPrepLine(v: string, checkpointing: boolean): string {
  return `${v} = prepare_model_for_kbit_training(${v}${checkpointing ? '' : ', use_gradient_checkpointing=False'})`;
}

interface LoraWish {
  r: number;
  targets: string[] | 'all-linear';
  dropout?: number;
}

/** LoRA on a model that has none: through the TRL trainer's peft_config, or by wrapping the loaded model. */
function addLora(b: Builder, lora: LoraWish, kbit: boolean, checkpointing: boolean): boolean {
  const hp = b.r.hyperparams;
  const kw = (f: 'loraR' | 'loraAlpha' | 'loraDropout' | 'loraTargets') => PY_LORA.find((k) => k.field === f)!.keys[0];
  const dropout = lora.dropout ? `${kw('loraDropout')}=${lora.dropout}, ` : '';
  const cfg = `LoraConfig(${kw('loraR')}=${lora.r}, ${kw('loraAlpha')}=${2 * lora.r}, ${dropout}${kw('loraTargets')}=${b.lit(lora.targets)}, task_type="CAUSAL_LM")`;
  if (hp.sites.trainer && TRL_TRAINER.test(hp.sites.trainer.callee)) {
    b.done(
      'method',
      `${hp.sites.trainer.callee}(peft_config=${cfg})`,
      setKeyword(hp.sites.trainer, 'peft_config', cfg),
      ensureImport(hp.imports, 'LoraConfig', 'peft'),
    );
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
  const flag4 = PY_BNB.find((k) => k.field === 'loadIn4bit')!.keys[0];
  const flag8 = PY_BNB.find((k) => k.field === 'loadIn8bit')!.keys[0];
  if (['gptq-int4', 'awq-int4'].includes(p.quantization.value) || /ships/.test(p.quantization.reason)) {
    b.skip('quantization', `the checkpoint ${hp.model?.value ?? ''} ships quantized weights: choose a model id without the quantization suffix`);
    return;
  }
  const in4 = b.stated('loadIn4bit') as Found<boolean> | undefined;
  const in8 = b.stated('loadIn8bit') as Found<boolean> | undefined;
  const want4 = value === 'nf4';
  const want8 = value === 'int8';
  if (hp.framework === 'unsloth' && load) {
    // FastLanguageModel.from_pretrained(load_in_4bit=…, load_in_8bit=…) (unsloth/models/loader.py)
    b.keyword('quantization', load, flag4, want4, in4?.span);
    if (want8 || in8) b.keyword('quantization', load, flag8, want8, in8?.span);
    return;
  }
  if (in4 || in8) {
    // Flip the flag the file sets; a 4-bit flag becomes an 8-bit one (and back) in place.
    const on = in4?.value ? in4 : in8?.value ? in8 : undefined;
    const onIs4 = on === in4;
    if (value === 'none') {
      if (on) b.rewriteRead('quantization', on, [onIs4 ? flag4 : flag8], false);
      else b.done('quantization', 'already not quantized');
      return;
    }
    const target = want4 ? in4 : in8;
    if (target) b.rewriteRead('quantization', target, [want4 ? flag4 : flag8], true);
    else if (on) b.renameFlag('quantization', on.span, want4 ? flag4 : flag8);
    else b.renameFlag('quantization', (want4 ? in8 : in4)!.span, want4 ? flag4 : flag8);
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
  b.out.edits.push(
    ...[ensureImport(hp.imports, 'BitsAndBytesConfig', 'transformers'), want4 ? ensureImport(hp.imports, 'torch', null) : null].filter(
      (e): e is TextEdit => !!e,
    ),
  );
  // PEFT's k-bit preparation (fp32 norms, input grads) where no TRL trainer does it and no LoRA insert adds it
  const trlPeft = hp.sites.trainer && TRL_TRAINER.test(hp.sites.trainer.callee) && hp.peft;
  if (!hp.kbitPrep && !trlPeft && !addingLora && load.assignedTo && p.method.value !== 'full') {
    b.out.edits.push(insertLinesAfter(load, [kbitPrepLine(load.assignedTo, checkpointing)]));
    const imp = ensureImport(hp.imports, 'prepare_model_for_kbit_training', 'peft');
    if (imp) b.out.edits.push(imp);
  }
}

function sharding(b: Builder, ctx: WriteContext, value: ChangeOf<'sharding'>['value'], offload: boolean, field: 'sharding' | 'offloadOptimizer' = 'sharding') {
  const ds = b.r.hyperparams.deepspeed;
  if (ds && value !== 'zero1' && value !== 'zero2' && value !== 'zero3') {
    b.skip(field, `${b.line(ds.span)}: the job uses DeepSpeed (deepspeed=…); change its config or remove it by hand`);
    return;
  }
  const keys = HF_WRITES.sharding!({ field: 'sharding', value }, ctx);
  if (typeof keys === 'string') return b.skip(field, keys.replace('set deepspeed: <file>.json', 'pass deepspeed="…json" to the training arguments'));
  if (!keys.length) return b.done(field, 'no FSDP in the file: data parallel already');
  for (const w of keys) b.hfArg(field, { ...w, value: offload && w.value ? `${w.value} offload` : w.value });
}

function pythonChange(b: Builder, c: PlanChange, ctx: WriteContext, all: Map<ChangeField, PlanChange>, addingLora: boolean) {
  const hp = b.r.hyperparams;
  const p = b.plan;
  const load = hp.sites.modelLoad;
  const val = <F extends ChangeField>(f: F) => all.get(f)?.value as ChangeOf<F>['value'] | undefined;
  const usesLora = p.method.value !== 'full' && p.method.value !== 'frozen';
  const hf = (x: PlanChange) => {
    const keys = (HF_WRITES[x.field] as ((c: PlanChange, x: WriteContext) => KeyWrite[] | string) | undefined)?.(x, ctx);
    if (keys === undefined) return b.skip(x.field, 'no TrainingArguments key for this');
    if (typeof keys === 'string') return b.skip(x.field, keys);
    for (const w of keys) b.hfArg(x.field, w);
  };
  switch (c.field) {
    case 'method':
      return;
    case 'microBatch':
    case 'gradAccumulation':
    case 'optimizer':
    case 'loss':
    case 'precomputeRef':
    case 'numGenerations':
    case 'vllmSleep':
    case 'vllmMemoryUtilization':
      if (c.field === 'optimizer' && hp.sites.optimizer)
        return b.skip(c.field, `${b.line(hp.sites.optimizer.span)}: the optimizer is built in the script (${hp.sites.optimizer.callee}); change it by hand`);
      return hf(c);
    case 'seqLen': {
      const f = b.readField('seqLen');
      if (f && b.rewriteRead(c.field, f, ['max_seq_length', 'max_length', 'max_seq_len'], c.value)) return;
      if (hp.framework === 'unsloth' && load) return b.keyword(c.field, load, 'max_seq_length', c.value);
      if (hp.sites.trainingArgs && /Config$/.test(hp.argsClass ?? '')) return hf(c);
      return b.skip(c.field, 'a plain Trainer takes the sequence length from the tokenizer or collator: set max_length where the data is tokenized');
    }
    case 'loraR':
    case 'loraTargets':
    case 'loraDropout': {
      if (addingLora) return; // written by the LoRA insert
      if (!usesLora && val('method') !== 'lora') return b.skip(c.field, 'the job trains all weights (no LoRA): choose LoRA to apply a rank or targets');
      const kw = PY_LORA.find((k) => k.field === c.field)!.keys[0];
      const f = b.readField(c.field);
      if (f && b.rewriteRead(c.field, f, [kw], c.value)) return;
      if (hp.sites.lora) return b.keyword(c.field, hp.sites.lora, kw, c.value);
      return b.skip(c.field, 'the LoRA configuration is not a LoraConfig call in this file; change it by hand');
    }
    case 'gradientCheckpointing': {
      const gc = hp.gradientCheckpointing;
      const f = b.readField('gradientCheckpointing');
      if (f && b.rewriteRead(c.field, f, ['gradient_checkpointing', 'use_gradient_checkpointing'], c.value)) return;
      if (f?.span) return b.skip(c.field, `${b.line(f.span)}: ${b.slice(f.span).slice(0, 60)} turns it on; remove it by hand`);
      const before = b.out.applied.length;
      if (gc?.implied && /prepare_model_for_kbit_training/.test(gc.how) && !c.value) {
        // peft prepare_model_for_kbit_training(use_gradient_checkpointing=True) by default: switch it off there
        const close = gc.valueSpan.end - 1;
        const hasArgs = /\(\s*\S/.test(b.slice(gc.valueSpan));
        b.done(c.field, `${b.line(gc.span)}: prepare_model_for_kbit_training(use_gradient_checkpointing=False)`, {
          start: close,
          end: close,
          newText: `${hasArgs ? ', ' : ''}use_gradient_checkpointing=False`,
        });
      }
      if (hp.framework === 'unsloth' && hp.sites.lora && /get_peft_model/.test(hp.sites.lora.callee))
        b.keyword(c.field, hp.sites.lora, 'use_gradient_checkpointing', c.value ? 'unsloth' : false);
      else if (hp.sites.trainingArgs) hf(c);
      else if (c.value && load?.assignedTo)
        b.done(c.field, `${load.assignedTo}.gradient_checkpointing_enable()`, insertLinesAfter(load, [`${load.assignedTo}.gradient_checkpointing_enable()`]));
      if (b.out.applied.length === before && !b.out.notApplied.some((n) => n.field === c.field))
        b.skip(c.field, 'no TrainingArguments/SFTConfig call to set gradient_checkpointing on');
      return;
    }
    case 'quantization':
      return quantization(b, c.value, addingLora, val('gradientCheckpointing') ?? p.gradientCheckpointing.value);
    case 'attention': {
      const kw = PY_FROM_PRETRAINED.find((k) => k.field === 'attention')!.keys[0];
      const f = b.readField('attention');
      if (f && b.rewriteRead(c.field, f, [kw], c.value)) return;
      if (load) return b.keyword(c.field, load, kw, c.value);
      return b.skip(c.field, 'no from_pretrained call to set attn_implementation on');
    }
    case 'sharding':
      return sharding(b, ctx, c.value, val('offloadOptimizer') ?? p.offloadOptimizer.value);
    case 'offloadOptimizer': {
      if (all.has('sharding')) return; // written with the sharding
      const s = p.sharding.value;
      if (s.startsWith('fsdp') && !hp.deepspeed) return sharding(b, ctx, s, c.value, 'offloadOptimizer');
      return b.skip(
        c.field,
        s.startsWith('zero')
          ? 'set offload_optimizer in the DeepSpeed config by hand'
          : 'CPU optimizer offload needs FSDP or DeepSpeed: choose a sharding first',
      );
    }
    case 'gpus': {
      const f = b.readField('gpus');
      if (f && b.rewriteRead(c.field, f, [], c.value)) return;
      return b.setting(c.field, 'gpuCount', c.value);
    }
    case 'gpu':
      return b.setting(c.field, 'targetGpu', c.value);
  }
}

/**
 * The edits and settings that make the file (and settings) say what the changes say.
 * `settingsOnly` (a reason) writes only the settings: notebooks, whose values live in several cells.
 */
export function planApply(r: Report, text: string, changes: PlanChange[], settingsOnly?: string): ApplyPlan {
  const b = new Builder(r, text);
  if (!r.plan) {
    for (const c of changes) b.skip(c.field, 'the file has no estimate to change');
    return b.out;
  }
  if (settingsOnly || r.kind === 'notebook') {
    const why = settingsOnly ?? 'in a notebook, change the value in its cell by hand';
    for (const c of changes) {
      if (c.field === 'gpu') b.setting(c.field, 'targetGpu', c.value);
      else if (c.field === 'gpus' && r.plan.gpus.origin !== 'read') b.setting(c.field, 'gpuCount', c.value);
      else b.skip(c.field, why);
    }
    return b.out;
  }
  const all = new Map(changes.map((c) => [c.field, c] as const));
  const ctx: WriteContext = {
    has: () => false,
    trl: /Config$/.test(r.hyperparams.argsClass ?? '') || r.hyperparams.framework === 'trl',
    full: r.plan.method.value === 'full',
    microBatch: (all.get('microBatch')?.value as number | undefined) ?? r.plan.microBatch.value,
  };
  if (!b.py) {
    const w = new ConfigWriter(b, text);
    ctx.has = w.has;
    configChanges(b, w, writesOf(r), changes, ctx);
  } else {
    const hp = r.hyperparams;
    const p = r.plan;
    const usesLora = p.method.value !== 'full' && p.method.value !== 'frozen';
    const method = all.get('method')?.value;
    const checkpointing = (all.get('gradientCheckpointing')?.value as boolean | undefined) ?? p.gradientCheckpointing.value;
    const quant = all.get('quantization')?.value as 'none' | 'int8' | 'nf4' | undefined;
    let addingLora = false;
    if (method === 'lora' && !usesLora) {
      const wish: LoraWish = {
        r: (all.get('loraR')?.value as number | undefined) ?? p.loraR.value,
        targets: (all.get('loraTargets')?.value as string[] | 'all-linear' | undefined) ?? p.loraTargets.value,
        dropout: all.get('loraDropout')?.value as number | undefined,
      };
      const kbit = (quant ?? p.quantization.value) !== 'none' && hp.framework !== 'unsloth';
      addingLora = addLora(b, wish, kbit, checkpointing);
      if (!addingLora) b.skip('method', 'no TRL trainer or assigned from_pretrained call to attach LoRA adapters to');
    } else if (method === 'full' && usesLora) {
      const at = p.method.span ?? hp.sites.lora?.span;
      b.skip('method', `${b.line(at)}: remove the LoRA configuration (LoraConfig / peft_config / get_peft_model) by hand`);
    }
    for (const c of changes) pythonChange(b, c, ctx, all, addingLora);
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

/** The LoRA recipe a fix adds, as plan changes (rank, targets, dropout travel with the method). */
export function loraRecipeChanges(): PlanChange[] {
  return [
    { field: 'method', value: 'lora' },
    { field: 'loraR', value: LORA_RECIPE.r },
    { field: 'loraTargets', value: LORA_RECIPE.targets },
    { field: 'loraDropout', value: LORA_RECIPE.dropout },
  ];
}
