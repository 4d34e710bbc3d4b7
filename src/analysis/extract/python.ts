// Reads training hyperparameters from a Python script with tree-sitter, without running it.
// Values are followed through constants, simple arithmetic and comparisons, dict literals and **kwargs,
// the script's command-line arguments (argparse options, HfArgumentParser / TrlParser dataclass fields,
// fire / fastcore call_parse parameters, with the values a launch command or a usage example passes),
// function-signature defaults and the arguments a function is called with in the file. Branches whose
// condition is known statically (`if args.use_lora:` with use_lora off) are not read
// (docs/sources/parsing-pitfalls.md §1-2).
import type { Node, Parser } from 'web-tree-sitter';
import { CallSite, emptyHyperparams, Framework, HyperparamKey, Hyperparams } from './hyperparams';
import { Found, SourceSpan } from './source';
import { parseKeyed } from './trees';
import { KeyTable, readerOf } from '../vocab/dialect';
import { HF_TRAINING_ARGS, TRL_LORA, TRL_MODEL_CONFIG } from '../vocab/dialects/hf';
import {
  PY_BNB,
  PY_CHECKPOINTING,
  PY_DATASET_LENGTH,
  PY_FROM_PRETRAINED,
  PY_LORA,
  PY_RUN_CONFIG,
  PY_SCRIPT_ARGS,
  PY_TOKENIZER_LENGTH,
  PY_UNSLOTH_FROM_PRETRAINED,
  MMENGINE_DATALOADER,
  MMENGINE_OPTIM_WRAPPER,
  XTUNER_DATASET,
  XTUNER_MODEL,
} from '../vocab/dialects/python';
import { asModelRef, asPositiveInt, asString, Convert, Lit, OPTIMIZER_CLASSES } from '../vocab/values';

type Scalar = number | string | boolean | null;
type Value = Scalar | Value[] | DictValue | CallValue;
interface DictValue {
  kind: 'dict';
  entries: Map<string, { key: Node; value: Node }>;
}
interface CallValue {
  kind: 'call';
  node: Node;
}
type Eval = { ok: true; value: Value; node: Node; via?: string; cli?: CliValue } | { ok: false; reason: string; node: Node };

/** A value given to one of the script's command-line arguments (a launch command, launch.json, a usage example). */
export interface CliValue {
  /** as written on the command line ("true" for a bare flag) */
  value: string;
  /** where it comes from, in the user's terms: "--per_device_train_batch_size 2 in train.sh (line 4)" */
  how: string;
  /** a usage example (a docstring or comment), not a command that runs: shown as assumed */
  assumed?: boolean;
  /** where findings about it point in the analysed file (a usage example's line); else the model load */
  span?: SourceSpan;
}

export interface PythonReadOptions {
  /** the script's command-line arguments by name (dashes as underscores) */
  cli?: ReadonlyMap<string, CliValue>;
  /** the document the text is (its file name): parsed again after an edit, it reuses its previous tree (trees.ts) */
  document?: string;
}

const MAX_DEPTH = 12;
// from_pretrained calls that do not load the trained model
const NOT_A_MODEL_LOAD = /tokenizer|processor|config\b|AutoConfig|PeftModel/i;
const UNSLOTH_MODEL = /FastLanguageModel|FastModel|FastVisionModel/;
const TRAINING_ARGS =
  /^(TrainingArguments|Seq2SeqTrainingArguments|SFTConfig|DPOConfig|ORPOConfig|KTOConfig|CPOConfig|GRPOConfig|RewardConfig|PPOConfig|RLOOConfig|OnlineDPOConfig|GKDConfig|BCOConfig|PRMConfig|NashMDConfig|XPOConfig|UnslothTrainingArguments)$/;
const TRAINERS =
  /^(Trainer|SFTTrainer|DPOTrainer|ORPOTrainer|CPOTrainer|KTOTrainer|GRPOTrainer|RLOOTrainer|PPOTrainer|RewardTrainer|OnlineDPOTrainer|GKDTrainer|BCOTrainer|PRMTrainer|NashMDTrainer|XPOTrainer|UnslothTrainer|Seq2SeqTrainer)$/;
// Callees the reader looks into; every other call is skipped before its arguments are touched.
const INTERESTING_CALLS =
  /^(from_pretrained|SupervisedFinetune|process_hf_dataset|apply_liger_kernel_to_\w+|_apply_liger_kernel(_to_instance)?|BitsAndBytesConfig|LoraConfig|get_peft_model|prepare_model_for_(kbit|int8)_training|gradient_checkpointing_enable|autocast|AdamW|Adam|AdamW8bit|Adam8bit|PagedAdamW8bit|PagedAdamW|PagedAdamW32bit|SGD|Adafactor|Lion|Lion8bit|FusedAdam|DeepSpeedCPUAdam|select|load_dataset|DataLoader|ConstantLengthDataset|ModelConfig|Linear4bit|Params4bit|replace_linear|backward|train|\w*TrainingArguments|\w*Config|\w*Trainer)$/;
// Training-length values feed the time estimate only: when unreadable they are left out, without a note.
const QUIET_KEYS = new Set<HyperparamKey>(['numTrainEpochs', 'maxSteps', 'datasetSize']);
const WALKED = [
  'call',
  'assignment',
  'default_parameter',
  'typed_default_parameter',
  'function_definition',
  'class_definition',
  'if_statement',
  'conditional_expression',
  'import_from_statement',
  'import_statement',
  'ERROR',
] as const;
// Argument parsers whose dataclasses are the script's command-line arguments (HfArgumentParser fills them from `--key value`)
const ARG_PARSERS = /^(HfArgumentParser|TrlParser|H4ArgumentParser)$/;
// Dataclasses that are command-line arguments even when the file parses them elsewhere: TrainingArguments subclasses
const ARGS_BASES = /(^|[\s.(,])(TrainingArguments|Seq2SeqTrainingArguments|SFTConfig|DPOConfig|GRPOConfig|ORPOConfig|KTOConfig|RewardConfig)\b/;
// Calls that turn a function's parameters into command-line arguments: fire.Fire(f), typer.run(f), jsonargparse CLI(f)
const CLI_ENTRY = /(^|\.)(Fire|run|CLI|auto_cli)$/;
function spanOf(n: Node): SourceSpan {
  return {
    start: n.startIndex,
    end: n.endIndex,
    line: n.startPosition.row,
    column: n.startPosition.column,
    endLine: n.endPosition.row,
    endColumn: n.endPosition.column,
  };
}

/** The callee of a call (`TrainingArguments` in `TrainingArguments(...)`): one line, where a finding about the whole call points. */
function headOf(call: Node): SourceSpan {
  return spanOf(call.childForFieldName('function') ?? call);
}

/** Where a call's arguments are, so a fix can add one in the file's own style. */
function callSiteOf(call: Node, text: string): CallSite {
  const args = call.childForFieldName('arguments');
  const named = (args?.namedChildren ?? []).filter((c): c is Node => !!c && c.type !== 'comment');
  const closeParen = args ? args.endIndex - 1 : call.endIndex;
  const last = named[named.length - 1];
  let lastArgEnd = last ? last.endIndex : args ? args.startIndex + 1 : call.endIndex;
  const between = last ? text.slice(last.endIndex, closeParen) : '';
  const comma = between.indexOf(',');
  const trailingComma = comma >= 0;
  if (trailingComma) lastArgEnd = last!.endIndex + comma + 1;
  let argIndent: string | null = null;
  if (last && last.startPosition.row > call.startPosition.row) {
    const lineStart = text.lastIndexOf('\n', last.startIndex - 1) + 1;
    argIndent = text.slice(lineStart, last.startIndex).match(/^[ \t]*/)![0];
  }
  // the enclosing statement: expression_statement / assignment up to the block
  let stmt: Node = call;
  while (stmt.parent && !['module', 'block'].includes(stmt.parent.type)) stmt = stmt.parent;
  const stmtLineStart = text.lastIndexOf('\n', stmt.startIndex - 1) + 1;
  const nl = text.indexOf('\n', stmt.endIndex);
  let assignedTo: string | undefined;
  const assign = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : stmt;
  if (assign?.type === 'assignment' && assign.childForFieldName('right')?.startIndex === call.startIndex) {
    const left = assign.childForFieldName('left');
    if (left?.type === 'identifier') assignedTo = left.text;
  }
  return {
    callee: call.childForFieldName('function')?.text ?? '',
    span: spanOf(call),
    closeParen,
    lastArgEnd,
    hasArgs: !!last,
    trailingComma,
    argIndent,
    statementEnd: nl < 0 ? text.length : nl + 1,
    statementIndent: text.slice(stmtLineStart, stmt.startIndex).match(/^[ \t]*/)![0],
    assignedTo,
    keywords: Object.fromEntries(
      named.filter((a) => a.type === 'keyword_argument' && a.childForFieldName('name')).map((a) => [a.childForFieldName('name')!.text, spanOf(a)]),
    ),
  };
}

function calleeName(call: Node): { full: string; last: string } {
  const fn = call.childForFieldName('function');
  const full = fn?.text ?? '';
  return { full, last: full.split('.').pop() ?? full };
}

function stringValue(n: Node): string | undefined {
  if (n.type === 'string') {
    if (n.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
    return n.namedChildren
      .filter((c): c is Node => !!c && c.type === 'string_content')
      .map((c) => c.text)
      .join('');
  }
  if (n.type === 'concatenated_string') {
    const parts = n.namedChildren.map((c) => (c ? stringValue(c) : undefined));
    return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
  }
  return undefined;
}

interface Binding {
  value: Node;
  at: number;
  how: string;
  /** the node that makes the binding (its branch decides whether it is live) */
  site: Node;
  /** the function whose body holds it (null: module or class level) */
  scope: Node | null;
  kind: 'assign' | 'field' | 'param' | 'call-arg' | 'attr';
  /** attribute assignments (`train_config.batch_size = 4`): the object as written */
  obj?: string;
}

/** A command-line argument the script declares. */
interface Argument {
  name: string;
  default?: Node;
  /** "argparse default of --batch_size (line 164)" */
  how: string;
  /** the declaration: where findings about the argument point */
  site: Node;
  required: boolean;
}

/** A literal as a command line writes it: numbers, true/false, None, else the string. */
function cliLiteral(v: string): Scalar {
  const t = v.trim();
  if (/^(true)$/i.test(t)) return true;
  if (/^(false)$/i.test(t)) return false;
  if (/^(none|null)$/i.test(t)) return null;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return t;
}

/** Python truthiness of a statically known value; undefined for calls (run-time objects). */
function truthy(v: Value): boolean | undefined {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v !== '';
  if (Array.isArray(v)) return v.length > 0;
  if (v.kind === 'dict') return v.entries.size > 0;
  return undefined;
}

/** A range of the text and what must hold there: the branch conditions (with the truth each needs). */
interface BranchRange {
  start: number;
  end: number;
  conds: { node: Node; want: boolean }[];
}

interface Extent {
  start: number;
  end: number;
  node: Node;
}

/** The innermost extent that holds `offset` (extents sorted by start). */
function innermost(extents: Extent[], offset: number): Extent | undefined {
  let best: Extent | undefined;
  for (const e of extents) {
    if (e.start > offset) break;
    if (offset < e.end && (!best || e.start >= best.start)) best = e;
  }
  return best;
}

const contains = (outer: Node, offset: number) => outer.startIndex <= offset && offset < outer.endIndex;

class PythonReader {
  private readonly bindings = new Map<string, Binding[]>();
  private readonly argparseDefaults = new Map<string, Binding>();
  /** the script's declared command-line arguments, by name */
  private readonly args = new Map<string, Argument>();
  readonly out: Hyperparams;
  private readonly calls: Node[];
  private readonly nodes = new Map<string, Node[]>();
  private readonly cli: ReadonlyMap<string, CliValue>;
  /** command-line values that the code read (the rest are read as TrainingArguments / ModelConfig keys) */
  private readonly cliUsed = new Set<string>();
  private readonly truthCache = new Map<number, boolean | undefined>();
  private readonly truthPending = new Set<number>();
  private trainingCall: { span: SourceSpan; how: string } | undefined;
  /** from_pretrained of a sequence classifier: the trained model only when nothing loads a causal LM (PPO's reward
   * and value models are classifiers beside the policy), so read after every other call */
  private seqClsLoads: { call: Node; deferred: boolean }[] = [];
  private causalLoad = false;
  /** the file builds objects as mmengine dicts (dict(type=F, …)): an XTuner / mmengine config */
  private mmengine = false;
  /** it assigns train_dataloader / optim_wrapper, which mmengine's Runner trains with */
  private mmengineRunner = false;
  /** functions and classes by extent, and the branches whose conditions decide what runs (one walk, no parent chasing) */
  private extents?: { functions: Extent[]; classes: Extent[] };
  private readonly branches: BranchRange[] = [];
  private readonly liveCache = new Map<number, boolean>();
  private readonly calleeCache = new Map<number, { full: string; last: string }>();
  /** the sequence length came from Unsloth's loader (max_seq_length): a trainer's own max_length wins */
  private seqLenFromLoader = false;
  /** DataLoader(train_dataset, batch_size=…): the micro-batch of a plain training loop */
  private loaderBatch: { arg: Node; value: Node; how: string } | undefined;

  private ofType(type: (typeof WALKED)[number]): Node[] {
    return this.nodes.get(type) ?? [];
  }

  constructor(
    private readonly root: Node,
    opts: PythonReadOptions = {},
  ) {
    this.out = emptyHyperparams('python');
    this.cli = opts.cli ?? new Map();
    // One walk of the tree for every node type the reader needs (each walk crosses into WASM).
    for (const n of root.descendantsOfType([...WALKED])) {
      if (!n) continue;
      const list = this.nodes.get(n.type);
      if (list) list.push(n);
      else this.nodes.set(n.type, [n]);
    }
    this.calls = this.ofType('call');
    this.collectBranches();
    this.collectBindings();
    this.collectArguments();
  }

  private callee(call: Node): { full: string; last: string } {
    let c = this.calleeCache.get(call.id);
    if (!c) {
      c = calleeName(call);
      this.calleeCache.set(call.id, c);
    }
    return c;
  }

  /** Functions and classes by extent, made when first asked for. */
  private get scopes(): { functions: Extent[]; classes: Extent[] } {
    if (!this.extents) {
      const extent = (n: Node): Extent => ({ start: n.startIndex, end: n.endIndex, node: n });
      this.extents = { functions: this.ofType('function_definition').map(extent), classes: this.ofType('class_definition').map(extent) };
    }
    return this.extents;
  }

  /** The function whose body holds a node. */
  private enclosingFunction(n: Node): Node | null {
    if (!this.ofType('function_definition').length) return null;
    return innermost(this.scopes.functions, n.startIndex)?.node ?? null;
  }

  /** The class whose body holds the node directly (not inside one of its methods). */
  private enclosingClass(n: Node): Node | null {
    if (!this.ofType('class_definition').length) return null;
    const at = n.startIndex;
    const c = innermost(this.scopes.classes, at);
    if (!c) return null;
    const f = innermost(this.scopes.functions, at);
    return f && f.start > c.start ? null : c.node;
  }

  /** if / elif / else blocks and conditional expressions, as ranges with the conditions they need. */
  private collectBranches() {
    for (const s of this.ofType('if_statement')) {
      const cond = s.childForFieldName('condition');
      const cons = s.childForFieldName('consequence');
      if (!cond) continue;
      if (cons) this.branches.push({ start: cons.startIndex, end: cons.endIndex, conds: [{ node: cond, want: true }] });
      const before: { node: Node; want: boolean }[] = [{ node: cond, want: false }];
      for (const alt of s.namedChildren) {
        if (!alt) continue;
        if (alt.type === 'elif_clause') {
          const c2 = alt.childForFieldName('condition');
          const body = alt.childForFieldName('consequence');
          if (body) this.branches.push({ start: body.startIndex, end: body.endIndex, conds: [...before, ...(c2 ? [{ node: c2, want: true }] : [])] });
          if (c2) before.push({ node: c2, want: false });
        } else if (alt.type === 'else_clause') this.branches.push({ start: alt.startIndex, end: alt.endIndex, conds: [...before] });
      }
    }
    for (const e of this.ofType('conditional_expression')) {
      // `a if cond else b`
      const [a, cond, b] = e.namedChildren;
      if (!cond) continue;
      if (a) this.branches.push({ start: a.startIndex, end: a.endIndex, conds: [{ node: cond, want: true }] });
      if (b) this.branches.push({ start: b.startIndex, end: b.endIndex, conds: [{ node: cond, want: false }] });
    }
  }

  private bind(name: string, value: Node, at: number, how: string, site: Node, kind: Binding['kind'], scope?: Node | null) {
    const list = this.bindings.get(name) ?? [];
    // the enclosing function is looked up only for bindings that are read
    let memo = scope;
    const enclosing = () => this.enclosingFunction(site);
    list.push({
      value,
      at,
      how,
      site,
      kind,
      get scope() {
        if (memo === undefined) memo = enclosing();
        return memo;
      },
    });
    this.bindings.set(name, list);
  }

  private collectBindings() {
    for (const a of this.ofType('assignment')) {
      if (!a) continue;
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      if (left?.type === 'attribute' && right) {
        // `train_config.model_name = "…"`: read where the code reads train_config.model_name
        const attr = left.childForFieldName('attribute')?.text;
        const obj = left.childForFieldName('object')?.text;
        if (attr && obj) {
          const list = this.bindings.get(attr) ?? [];
          list.push({
            value: right,
            at: a.endIndex,
            how: `${left.text} = … (line ${a.startPosition.row + 1})`,
            site: a,
            scope: this.enclosingFunction(a),
            kind: 'attr',
            obj,
          });
          this.bindings.set(attr, list);
        }
        continue;
      }
      // `model_id, output_dir = "org/model", "out"`: each name takes the element at its place
      if (left && right && (left.type === 'pattern_list' || left.type === 'tuple_pattern') && (right.type === 'expression_list' || right.type === 'tuple')) {
        const names = left.namedChildren.filter((c): c is Node => !!c);
        const values = right.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
        if (names.length === values.length && names.every((n) => n.type === 'identifier'))
          names.forEach((n, i) => this.bind(n.text, values[i], a.endIndex, `${n.text} in ${left.text} = … (line ${a.startPosition.row + 1})`, a, 'assign'));
        continue;
      }
      if (!left || !right || left.type !== 'identifier') continue;
      let value = right;
      let how = `${left.text} = … (line ${a.startPosition.row + 1})`;
      const inClass = this.ofType('class_definition').length > 0 && !!this.enclosingClass(a);
      // dataclass field: `x: int = field(default=4)`
      if (right.type === 'call' && calleeName(right).last === 'field') {
        const d = this.keyword(right, 'default');
        if (!d) continue;
        value = d;
        how = `dataclass field default of ${left.text} (line ${a.startPosition.row + 1})`;
      } else if (inClass) how = `class attribute ${left.text} (line ${a.startPosition.row + 1})`;
      // visible from the end of the statement: in `x = x * 2` the right side reads the previous x
      this.bind(left.text, value, a.endIndex, how, a, inClass ? 'field' : 'assign');
    }
    for (const p of [...this.ofType('default_parameter'), ...this.ofType('typed_default_parameter')]) {
      if (!p) continue;
      const name = p.childForFieldName('name');
      const value = p.childForFieldName('value');
      if (name && value) this.bind(name.text, value, p.startIndex, `default of parameter ${name.text} (line ${p.startPosition.row + 1})`, p, 'param');
    }
    // a function's parameters take the arguments it is called with in this file: train(batch_size=args.batch_size)
    // only functions the text calls somewhere besides their own `def` line (no tree walk for the rest)
    const text = this.root.text;
    const calledNames = new Map<string, number>();
    for (const m of text.matchAll(/\b(\w+)\s*\(/g)) calledNames.set(m[1], (calledNames.get(m[1]) ?? 0) + 1);
    const defNames = new Set([...text.matchAll(/^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)/gm)].map((m) => m[1]).filter((n) => (calledNames.get(n) ?? 0) > 1));
    const defs = new Map<string, Node>();
    const called = defNames.size ? this.calls.filter((c) => defNames.has(this.callee(c).full)) : [];
    if (called.length) {
      for (const f of this.ofType('function_definition')) {
        const n = f?.childForFieldName('name')?.text;
        if (f && n) defs.set(n, f);
      }
    }
    for (const call of called) {
      const fn = call.childForFieldName('function');
      if (fn?.type !== 'identifier') continue;
      const def = defs.get(fn.text);
      const params = def?.childForFieldName('parameters');
      if (!def || !params || contains(def, call.startIndex)) continue;
      const names = params.namedChildren
        .filter((p): p is Node => !!p)
        .map((p) => (p.type === 'identifier' ? p : (p.childForFieldName('name') ?? p.namedChildren[0])));
      const positional = (call.childForFieldName('arguments')?.namedChildren ?? []).filter(
        (a): a is Node => !!a && !['keyword_argument', 'dictionary_splat', 'list_splat', 'comment'].includes(a.type),
      );
      const at = (params.endIndex ?? def.startIndex) + 0;
      positional.forEach((a, i) => {
        const pn = names[i];
        if (pn && pn.type === 'identifier' && pn.text !== 'self')
          this.bind(pn.text, a, at, `${fn.text}(…${a.text.slice(0, 40)}…) (line ${call.startPosition.row + 1})`, call, 'call-arg', def);
      });
      for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
        if (a?.type !== 'keyword_argument') continue;
        const k = a.childForFieldName('name')?.text;
        const v = a.childForFieldName('value');
        if (k && v && names.some((p) => p?.text === k)) this.bind(k, v, at, `${fn.text}(${k}=…) (line ${call.startPosition.row + 1})`, call, 'call-arg', def);
      }
    }
  }

  /** argparse options, parser dataclass fields and the parameters of a fire / call_parse entry function. */
  private collectArguments() {
    const text = this.root.text;
    const line = (n: Node) => n.startPosition.row + 1;
    for (const call of text.includes('add_argument') ? this.calls : []) {
      if (this.callee(call).last !== 'add_argument') continue;
      const args = call.childForFieldName('arguments');
      if (!args) continue;
      const dflt = this.keyword(call, 'default');
      const action = this.keyword(call, 'action');
      const actionName = action ? stringValue(action) : undefined;
      const required = this.keyword(call, 'required')?.text === 'True';
      const dest = this.keyword(call, 'dest');
      const flags: string[] = [];
      for (const a of args.namedChildren) {
        const s = a && a.type !== 'keyword_argument' ? stringValue(a) : undefined;
        if (s?.startsWith('--') || (s && !s.startsWith('-'))) flags.push(s); // an option, or a positional argument
      }
      const destName = dest ? stringValue(dest) : undefined;
      const name = destName ?? flags[0]?.replace(/^--/, '').replace(/-/g, '_');
      if (!name) continue;
      const flag = flags[0] ?? `--${name}`;
      // store_true / store_false: the opposite of the flag is the default
      const value = dflt ?? (actionName === 'store_true' || actionName === 'store_false' ? action : undefined);
      const how = dflt
        ? `argparse default of ${flag} (line ${line(call)})`
        : actionName === 'store_true'
          ? `argparse ${flag} is off unless passed (store_true, line ${line(call)})`
          : actionName === 'store_false'
            ? `argparse ${flag} is on unless passed (store_false, line ${line(call)})`
            : `argparse ${flag} (line ${line(call)})`;
      this.args.set(name, { name, default: value, how, site: call, required: required || (!value && !actionName) });
      if (value) this.argparseDefaults.set(name, { value, at: call.startIndex, how, site: call, scope: null, kind: 'assign' });
    }
    // HfArgumentParser((ModelArguments, DataArguments, TrainingArguments)) / TrlParser(...): the dataclasses' fields
    const classes = new Map<string, Node>();
    for (const c of this.ofType('class_definition')) {
      const n = c?.childForFieldName('name')?.text;
      if (c && n) classes.set(n, c);
    }
    const parsed = new Set<string>();
    for (const call of classes.size ? this.calls : []) {
      if (!ARG_PARSERS.test(this.callee(call).last)) continue;
      const first = this.positional(call, 0) ?? this.keyword(call, 'dataclass_types');
      let node: Node | undefined = first;
      if (node?.type === 'identifier') node = this.lookup(node.text, node.startIndex)?.value;
      const items = node && (node.type === 'tuple' || node.type === 'list') ? node.namedChildren : node ? [node] : [];
      for (const it of items) if (it?.type === 'identifier' || it?.type === 'attribute') parsed.add(it.text.split('.').pop()!);
    }
    for (const [name, c] of classes) {
      const bases = c.childForFieldName('superclasses')?.text ?? '';
      if (!parsed.has(name) && !ARGS_BASES.test(bases)) continue;
      for (const stmt of c.childForFieldName('body')?.namedChildren ?? []) {
        const a = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
        if (a?.type !== 'assignment') continue;
        const left = a.childForFieldName('left');
        if (left?.type !== 'identifier' || !a.childForFieldName('type')) continue;
        const right = a.childForFieldName('right');
        let dflt: Node | undefined = right ?? undefined;
        if (right?.type === 'call' && calleeName(right).last === 'field') dflt = this.keyword(right, 'default');
        const hasFactory = right?.type === 'call' && !!this.keyword(right, 'default_factory');
        this.args.set(left.text, {
          name: left.text,
          default: dflt,
          how: `dataclass field default of ${name}.${left.text} (line ${line(a)})`,
          site: a,
          required: !dflt && !hasFactory,
        });
      }
    }
    // fire.Fire(train) / typer.run(main) / @call_parse def main(...): the entry function's parameters
    const entries = new Set<string>();
    for (const call of /\b(Fire|typer|CLI|auto_cli)\b/.test(text) ? this.calls : []) {
      const { full } = this.callee(call);
      if (!CLI_ENTRY.test(full) || !/fire|typer|CLI|auto_cli/.test(full)) continue;
      const f = this.positional(call, 0);
      if (f?.type === 'identifier') entries.add(f.text);
    }
    const decorators = /@(fastcore\.script\.)?call_parse|@(\w+\.)?command\b|@click\./.test(text);
    for (const f of entries.size || decorators ? this.ofType('function_definition') : []) {
      if (!f) continue;
      const name = f.childForFieldName('name')?.text ?? '';
      const decorated =
        decorators &&
        f.parent?.type === 'decorated_definition' &&
        /@(fastcore\.script\.)?call_parse|@(\w+\.)?command\b|@click\./.test(f.parent.text.slice(0, f.startIndex - f.parent.startIndex));
      if (!entries.has(name) && !decorated) continue;
      for (const p of f.childForFieldName('parameters')?.namedChildren ?? []) {
        if (!p) continue;
        const id = p.type === 'identifier' ? p : p.childForFieldName('name');
        if (!id || id.type !== 'identifier' || id.text === 'self') continue;
        const dflt = p.childForFieldName('value') ?? undefined;
        this.args.set(id.text, {
          name: id.text,
          default: dflt,
          how: `default of ${name}(${id.text}=…) (line ${line(p)}; ${decorated ? 'call_parse' : 'fire'} command-line argument)`,
          site: p,
          required: !dflt,
        });
      }
    }
  }

  // ---- branches -----------------------------------------------------------------------------------------

  /** A condition's truth when it is known statically (memoised; undefined while it is being worked out). */
  private truth(cond: Node | null): boolean | undefined {
    if (!cond) return undefined;
    if (this.truthCache.has(cond.id)) return this.truthCache.get(cond.id);
    if (this.truthPending.has(cond.id)) return undefined;
    this.truthPending.add(cond.id);
    let t: boolean | undefined;
    try {
      const v = this.evaluate(cond);
      t = v.ok ? truthy(v.value) : undefined;
    } finally {
      this.truthPending.delete(cond.id);
    }
    this.truthCache.set(cond.id, t);
    return t;
  }

  /** False when the node sits in a branch that a statically known condition rules out. */
  private live(n: Node): boolean {
    if (!this.branches.length) return true;
    const cached = this.liveCache.get(n.id);
    if (cached !== undefined) return cached;
    const at = n.startIndex;
    let live = true;
    for (const b of this.branches) {
      if (at < b.start || at >= b.end) continue;
      if (b.conds.some((c) => c.node.startIndex !== at && this.truth(c.node) === !c.want)) {
        live = false;
        break;
      }
    }
    this.liveCache.set(n.id, live);
    return live;
  }

  private lookup(name: string, at: number): Binding | undefined {
    const list = this.bindings.get(name);
    if (!list?.length) return undefined;
    // a binding is visible where its function's body is (module level: everywhere), and not in a dead branch
    const visible = list.filter((b) => (b.kind === 'field' || b.kind === 'attr' ? false : !b.scope || contains(b.scope, at)) && this.live(b.site));
    if (!visible.length) return undefined;
    const before = visible.filter((b) => b.at < at);
    return before.length ? before[before.length - 1] : visible[0];
  }

  keyword(call: Node, name: string): Node | undefined {
    const args = call.childForFieldName('arguments');
    for (const a of args?.namedChildren ?? []) {
      if (a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === name) return a.childForFieldName('value') ?? undefined;
    }
    return undefined;
  }

  /** A command-line value for an argument name, marking it as used by the code. */
  private cliOf(name: string, n: Node): Eval | undefined {
    const c = this.cli.get(name);
    if (!c) return undefined;
    this.cliUsed.add(name);
    return { ok: true, value: cliLiteral(c.value), node: n, via: c.how, cli: c };
  }

  /** An argument without a default and without a value on the command line. */
  private required(name: string, n: Node): Eval | undefined {
    const a = this.args.get(name);
    if (!a?.required) return undefined;
    return {
      ok: false,
      reason: `${name} is a required command-line argument with no default (${a.how.replace(/^.*?\((line \d+).*$/, '$1')}): pass --${name} in a launch script or .vscode/launch.json "args"`,
      node: n,
    };
  }

  evaluate(n: Node, depth = 0): Eval {
    if (depth > MAX_DEPTH) return { ok: false, reason: 'too many indirections', node: n };
    switch (n.type) {
      case 'integer': {
        const v = Number(n.text.replace(/_/g, '').replace(/[lL]$/, ''));
        return Number.isFinite(v) ? { ok: true, value: v, node: n } : { ok: false, reason: 'unreadable integer', node: n };
      }
      case 'float': {
        const v = Number(n.text.replace(/_/g, ''));
        return Number.isFinite(v) ? { ok: true, value: v, node: n } : { ok: false, reason: 'unreadable number', node: n };
      }
      case 'true':
        return { ok: true, value: true, node: n };
      case 'false':
        return { ok: true, value: false, node: n };
      case 'none':
        return { ok: true, value: null, node: n };
      case 'string':
      case 'concatenated_string': {
        // argparse action="store_true" evaluates to its default, False
        const s = stringValue(n);
        if (s === 'store_true' || s === 'store_false') {
          const p = n.parent;
          if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.text === 'action') return { ok: true, value: s === 'store_false', node: n };
        }
        return s === undefined ? { ok: false, reason: 'an f-string', node: n } : { ok: true, value: s, node: n };
      }
      case 'parenthesized_expression': {
        const inner = n.namedChildren[0];
        return inner ? this.evaluate(inner, depth + 1) : { ok: false, reason: 'empty parentheses', node: n };
      }
      case 'unary_operator': {
        const arg = n.childForFieldName('argument');
        const op = n.childForFieldName('operator')?.text;
        const v = arg ? this.evaluate(arg, depth + 1) : undefined;
        if (v?.ok && typeof v.value === 'number') return { ...v, value: op === '-' ? -v.value : v.value, node: n };
        return { ok: false, reason: 'not a number', node: n };
      }
      case 'not_operator': {
        const arg = n.childForFieldName('argument');
        const v = arg ? this.evaluate(arg, depth + 1) : undefined;
        const t = v?.ok ? truthy(v.value) : undefined;
        if (v?.ok && t !== undefined) return { ...v, value: !t, node: n };
        return { ok: false, reason: 'not a boolean', node: n };
      }
      case 'boolean_operator': {
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        const op = n.childForFieldName('operator')?.text;
        const a = l ? this.evaluate(l, depth + 1) : undefined;
        const ta = a?.ok ? truthy(a.value) : undefined;
        // Python: `a and b` is a when a is falsy, else b; `a or b` is a when a is truthy, else b
        if (a?.ok && ta !== undefined && ((op === 'and' && !ta) || (op === 'or' && ta))) return { ...a, node: n };
        const b = r ? this.evaluate(r, depth + 1) : undefined;
        if (a?.ok && ta !== undefined && b?.ok) return { ...b, node: n, via: b.via ?? a.via };
        // `x and False` is False whatever x is; `x or True` is True
        const tb = b?.ok ? truthy(b.value) : undefined;
        if (b?.ok && ((op === 'and' && tb === false) || (op === 'or' && tb === true))) return { ok: true, value: op === 'or', node: n, via: b.via };
        return { ok: false, reason: 'a condition that depends on run-time values', node: n };
      }
      case 'comparison_operator': {
        const operands = n.namedChildren.filter((c): c is Node => !!c);
        const ops = n.children.filter((c): c is Node => !!c && !c.isNamed).map((c) => c.text);
        if (operands.length !== 2) return { ok: false, reason: 'a chained comparison', node: n };
        const a = this.evaluate(operands[0], depth + 1);
        const b = this.evaluate(operands[1], depth + 1);
        if (!a.ok || !b.ok) return { ok: false, reason: 'a comparison with run-time values', node: n };
        const op = ops.join(' ');
        const x = a.value;
        const y = b.value;
        const scalar = (v: Value) => v === null || typeof v !== 'object';
        let r: boolean | undefined;
        if (op === '==' || op === 'is') r = scalar(x) && scalar(y) ? x === y : undefined;
        else if (op === '!=' || op === 'is not') r = scalar(x) && scalar(y) ? x !== y : undefined;
        else if (typeof x === 'number' && typeof y === 'number')
          r = op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : op === '>=' ? x >= y : undefined;
        else if ((op === 'in' || op === 'not in') && Array.isArray(y) && scalar(x)) r = y.includes(x) === (op === 'in');
        else if ((op === 'in' || op === 'not in') && typeof y === 'string' && typeof x === 'string') r = y.includes(x) === (op === 'in');
        if (r === undefined) return { ok: false, reason: 'a comparison VRAM Lens does not evaluate', node: n };
        return { ok: true, value: r, node: n, via: a.via ?? b.via, cli: a.cli ?? b.cli };
      }
      case 'conditional_expression': {
        // `a if cond else b`
        const [a, cond, b] = n.namedChildren;
        const t = this.truth(cond ?? null);
        if (t === true && a) return this.evaluate(a, depth + 1);
        if (t === false && b) return this.evaluate(b, depth + 1);
        return { ok: false, reason: 'a conditional expression that depends on run-time values', node: n };
      }
      case 'binary_operator': {
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        const op = n.childForFieldName('operator')?.text;
        const a = l ? this.evaluate(l, depth + 1) : undefined;
        const b = r ? this.evaluate(r, depth + 1) : undefined;
        if (a?.ok && b?.ok && typeof a.value === 'number' && typeof b.value === 'number') {
          const x = a.value;
          const y = b.value;
          const v =
            op === '+'
              ? x + y
              : op === '-'
                ? x - y
                : op === '*'
                  ? x * y
                  : op === '/'
                    ? x / y
                    : op === '//'
                      ? Math.floor(x / y)
                      : op === '**'
                        ? x ** y
                        : op === '%'
                          ? x % y
                          : op === '<<'
                            ? x * 2 ** y
                            : NaN;
          if (Number.isFinite(v)) return { ok: true, value: v, node: n, via: a.via ?? b.via, cli: a.cli ?? b.cli };
        }
        return { ok: false, reason: 'an expression that depends on run-time values', node: n };
      }
      case 'identifier': {
        const b = this.lookup(n.text, n.startIndex);
        // the script's own argument (a parameter, a module setting) takes the command line's value
        if (this.cli.has(n.text) && (!b || b.kind === 'param' || (b.kind === 'assign' && !b.scope))) return this.cliOf(n.text, n)!;
        if (!b) return this.required(n.text, n) ?? { ok: false, reason: `${n.text} is not assigned a literal in this file`, node: n };
        const v = this.evaluate(b.value, depth + 1);
        return v.ok ? { ...v, via: v.via ?? b.how } : v;
      }
      case 'attribute': {
        const text = n.text;
        if (/^(torch|th)\.(bfloat16|float16|half|float32|float|bf16)$/.test(text)) return { ok: true, value: text, node: n };
        const attr = n.childForFieldName('attribute')?.text ?? '';
        const obj = n.childForFieldName('object');
        const simpleObj = !!obj && /^[a-z_][\w.]*$/i.test(obj.text) && !/^(torch|th|os|sys|np|math)\b/.test(obj.text);
        // `args.batch_size`, `training_args.use_lora`: parsed command-line arguments
        if (simpleObj) {
          const c = this.cliOf(attr, n);
          if (c) return c;
        }
        // `train_config.model_name` after `train_config.model_name = "…"` (the latest before this read)
        const set = (this.bindings.get(attr) ?? []).filter((x) => x.kind === 'attr' && x.obj === obj?.text && x.at <= n.startIndex && this.live(x.site));
        if (set.length) {
          const last = set[set.length - 1];
          const v = this.evaluate(last.value, depth + 1);
          return v.ok ? { ...v, via: v.via ?? last.how } : v;
        }
        const d = this.argparseDefaults.get(attr);
        if (d) {
          const v = this.evaluate(d.value, depth + 1);
          return v.ok ? { ...v, via: d.how } : v;
        }
        if (simpleObj && this.args.get(attr)?.required) return this.required(attr, n)!;
        // `cfg.batch_size` where a dataclass/class body declares `batch_size = 8` (else the one binding of that name)
        const all = this.bindings.get(attr)?.filter((x) => x.kind !== 'attr' && this.live(x.site));
        const fields = all?.filter((x) => x.kind === 'field');
        const b = fields?.length ? fields : all;
        if (b?.length === 1 && simpleObj) {
          const v = this.evaluate(b[0].value, depth + 1);
          return v.ok ? { ...v, via: b[0].how } : v;
        }
        // `model_config.use_peft` where model_config = ModelConfig(use_peft=True, …)
        if (obj?.type === 'identifier') {
          const ob = this.lookup(obj.text, obj.startIndex);
          if (ob?.value.type === 'call') {
            const kw = this.keyword(ob.value, attr);
            if (kw) {
              const v = this.evaluate(kw, depth + 1);
              return v.ok ? { ...v, via: v.via ?? `${calleeName(ob.value).last}(${attr}=…) (line ${ob.value.startPosition.row + 1})` } : v;
            }
          }
        }
        return { ok: false, reason: `${text} is set at run time`, node: n };
      }
      case 'subscript': {
        // {"bfloat16": torch.bfloat16, …}[dtype], settings["batch_size"]
        const v = n.childForFieldName('value');
        const s = n.childForFieldName('subscript');
        const o = v ? this.evaluate(v, depth + 1) : undefined;
        const k = s ? this.evaluate(s, depth + 1) : undefined;
        if (o?.ok && k?.ok && o.value && typeof o.value === 'object' && !Array.isArray(o.value) && o.value.kind === 'dict' && typeof k.value === 'string') {
          const e = o.value.entries.get(k.value);
          if (e) return this.evaluate(e.value, depth + 1);
        }
        if (o?.ok && Array.isArray(o.value) && k?.ok && typeof k.value === 'number') {
          const item = o.value.at(k.value);
          if (item !== undefined) return { ok: true, value: item, node: n };
        }
        return { ok: false, reason: 'an item looked up at run time', node: n };
      }
      case 'list':
      case 'tuple': {
        const items: Value[] = [];
        for (const c of n.namedChildren) {
          if (!c) continue;
          const v = this.evaluate(c, depth + 1);
          if (!v.ok) return { ok: false, reason: 'a list with run-time values', node: n };
          items.push(v.value);
        }
        return { ok: true, value: items, node: n };
      }
      case 'dictionary': {
        const entries = new Map<string, { key: Node; value: Node }>();
        for (const p of n.namedChildren) {
          if (p?.type !== 'pair') continue;
          const k = p.childForFieldName('key');
          const v = p.childForFieldName('value');
          const ks = k ? stringValue(k) : undefined;
          if (k && v && ks !== undefined) entries.set(ks, { key: k, value: v });
        }
        return { ok: true, value: { kind: 'dict', entries }, node: n };
      }
      case 'call': {
        const { last } = calleeName(n);
        if (last === 'dict') {
          const entries = new Map<string, { key: Node; value: Node }>();
          for (const a of n.childForFieldName('arguments')?.namedChildren ?? []) {
            if (a?.type !== 'keyword_argument') continue;
            const k = a.childForFieldName('name');
            const v = a.childForFieldName('value');
            if (k && v) entries.set(k.text, { key: k, value: v });
          }
          return { ok: true, value: { kind: 'dict', entries }, node: n };
        }
        if (last === 'int' || last === 'float' || last === 'len' || last === 'bool' || last === 'str') {
          const arg = n.childForFieldName('arguments')?.namedChildren[0];
          if (arg && arg.type !== 'keyword_argument') {
            const v = this.evaluate(arg, depth + 1);
            if (v.ok && last === 'len' && (typeof v.value === 'string' || Array.isArray(v.value))) return { ...v, value: v.value.length, node: n };
            if (v.ok && last === 'bool' && truthy(v.value) !== undefined) return { ...v, value: truthy(v.value)!, node: n };
            if (v.ok && last === 'str' && (typeof v.value === 'string' || typeof v.value === 'number')) return { ...v, value: String(v.value), node: n };
            if (
              v.ok &&
              (last === 'int' || last === 'float') &&
              (typeof v.value === 'number' || typeof v.value === 'string') &&
              v.value !== '' &&
              Number.isFinite(Number(v.value))
            )
              return { ...v, value: last === 'int' ? Math.trunc(Number(v.value)) : Number(v.value), node: n };
          }
        }
        // find_all_linear_names(args, model): the helper of artidoro/qlora and its many copies collects every
        // nn.Linear / bnb Linear4bit name but lm_head, which is PEFT's "all-linear"
        if (/^find_all_linear_(names|modules)$/.test(last))
          return { ok: true, value: 'all-linear', node: n, via: `${last}(…): every linear layer but the output` };
        // os.environ.get("X", default) / os.getenv("X", default): the default, said so
        if (/(environ\.get|getenv)$/.test(calleeName(n).full)) {
          const args = n.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c) ?? [];
          if (args[1]) {
            const v = this.evaluate(args[1], depth + 1);
            return v.ok ? { ...v, via: `default of ${calleeName(n).full}(${args[0]?.text ?? ''})` } : v;
          }
        }
        return { ok: true, value: { kind: 'call', node: n }, node: n };
      }
      default:
        return { ok: false, reason: `a ${n.type.replace(/_/g, ' ')}`, node: n };
    }
  }

  /**
   * Keyword arguments of a call, with **kwargs splats of dict literals expanded. Splats that cannot be
   * read are reported only for calls whose keywords are hyperparameters (`reportUnread`): a
   * `model(**batch)` or `generate(**inputs)` says nothing about memory.
   */
  keywords(call: Node, reportUnread: boolean): { name: string; arg: Node; value: Node; via?: string }[] {
    const out: { name: string; arg: Node; value: Node; via?: string }[] = [];
    for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (!a) continue;
      if (a.type === 'keyword_argument') {
        const name = a.childForFieldName('name')?.text;
        const value = a.childForFieldName('value');
        if (name && value) out.push({ name, arg: a, value });
      } else if (a.type === 'dictionary_splat') {
        const inner = a.namedChildren[0];
        if (!inner) continue;
        const v = this.evaluate(inner);
        if (v.ok && typeof v.value === 'object' && v.value !== null && !Array.isArray(v.value) && v.value.kind === 'dict') {
          for (const [k, e] of v.value.entries) out.push({ name: k, arg: e.key.parent ?? e.key, value: e.value, via: `**${inner.text}` });
        } else if (reportUnread) {
          this.out.unread.push({ key: `**${inner.text}`, span: spanOf(a), reason: 'keyword arguments built at run time' });
        }
      }
    }
    return out;
  }

  /** A value as a plain literal for the vocabulary's converters: dict entries evaluated, calls named. */
  toLit(v: Value, depth = 0): Lit {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => this.toLit(x, depth + 1));
    if (v.kind === 'call') return { $call: calleeName(v.node).full };
    const o: { [key: string]: Lit } = {};
    if (depth > 4) return o;
    for (const [k, e] of v.entries) {
      const x = this.evaluate(e.value);
      if (x.ok) o[k] = this.toLit(x.value, depth + 1);
    }
    return o;
  }

  positional(call: Node, i: number): Node | undefined {
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter(
      (a): a is Node => !!a && a.type !== 'keyword_argument' && a.type !== 'dictionary_splat' && a.type !== 'list_splat' && a.type !== 'comment',
    );
    return args[i];
  }

  /** Record a hyperparameter (first occurrence wins: later ones are usually eval/inference duplicates). */
  set<K extends HyperparamKey>(key: K, argNode: Node, valueNode: Node, how: string, convert: Convert<unknown>) {
    if (this.out[key]) return;
    const e = this.evaluate(valueNode);
    // An explicit None asks for the library default: PEFT target_modules=None uses the per-architecture
    // targets, Unsloth dtype=None auto-detects, TRL bf16=None means auto (docs/sources/framework-keys.md §2, 3 and 9).
    if (e.ok && e.value === null) return;
    if (!e.ok) {
      if (!QUIET_KEYS.has(key)) this.out.unread.push({ key, span: spanOf(argNode), reason: e.reason });
      return;
    }
    const v = convert(this.toLit(e.value));
    if (v === undefined) {
      if (!QUIET_KEYS.has(key)) this.out.unread.push({ key, span: spanOf(argNode), reason: `unexpected value ${valueNode.text.slice(0, 40)}` });
      return;
    }
    const found: Found<unknown> = { value: v, span: spanOf(argNode), valueSpan: spanOf(e.node), how: e.via ? `${how} via ${e.via}` : how };
    if (e.cli?.assumed) found.assumed = true;
    (this.out as unknown as Record<string, unknown>)[key] = found;
  }

  /** Record a value that has no node of its own here (a command-line value the code does not pass anywhere). */
  private setLit<K extends HyperparamKey>(key: K, lit: Lit, convert: Convert<unknown>, how: string, span: SourceSpan, assumed: boolean): boolean {
    if (this.out[key] || lit === null) return false;
    const v = convert(lit);
    if (v === undefined) return false;
    const found: Found<unknown> = { value: v, span, valueSpan: span, how };
    if (assumed) found.assumed = true;
    (this.out as unknown as Record<string, unknown>)[key] = found;
    return true;
  }

  /** Module-level statements: what the file does when it runs (or is imported). */
  private moduleShape(): { onlyDefinitions: boolean; onlySettings: boolean; settings: number } {
    let onlyDefinitions = true;
    let onlySettings = true;
    let settings = 0;
    for (const s of this.root.namedChildren) {
      if (!s || s.type === 'comment' || s.type === 'import_statement' || s.type === 'import_from_statement' || s.type === 'future_import_statement') continue;
      if (s.type === 'function_definition' || s.type === 'class_definition' || s.type === 'decorated_definition') {
        onlySettings = false;
        continue;
      }
      const inner = s.type === 'expression_statement' ? s.namedChildren[0] : undefined;
      if (inner?.type === 'string') continue; // a docstring
      if (inner?.type === 'assignment') {
        const left = inner.childForFieldName('left')?.text ?? '';
        if (PY_RUN_CONFIG.some((k) => k.keys.includes(left))) settings++;
        // constants and lookup tables; a call on the right runs something
        if (
          inner.childForFieldName('right')?.type === 'call' &&
          !/^(dict|list|tuple|set|field|TypeVar|namedtuple|getLogger|logging\.getLogger)$/.test(
            calleeName(inner.childForFieldName('right')!).full.split('.').pop() ?? '',
          )
        )
          onlyDefinitions = false;
        continue;
      }
      onlyDefinitions = false;
      onlySettings = false;
    }
    return { onlyDefinitions, onlySettings, settings };
  }

  /** The anchor of values that have no place of their own in the file. */
  private anchorSpan(): SourceSpan {
    return (
      this.out.modelLoad ?? this.out.trainer ?? this.trainingCall?.span ?? spanOf(this.root.namedChildren.find((c) => c && c.type !== 'comment') ?? this.root)
    );
  }

  /**
   * The script's command-line arguments read through the vocabulary of script arguments (TrainingArguments
   * and TRL ModelConfig keys, the usual model / batch / sequence argument names): the value a launch
   * command or usage example passes, else the declared default. What the code passes explicitly was read
   * first and wins. Command-line keys the script does not declare are read the same way (HfArgumentParser
   * fills library dataclasses such as DPOConfig and ModelConfig from them).
   */
  private readArguments(phase: 'library' | 'own') {
    // an evaluation or inference script has arguments too: they are settings only of a training job
    const training = !!(this.out.trainer || this.out.argsClass || this.trainingCall || this.out.peft || this.out.optimizer || this.cli.size);
    const names = new Set<string>([...(training ? this.args.keys() : []), ...this.cli.keys()]);
    // first the keys TrainingArguments / ModelConfig define (and the model), later the names scripts give their own arguments
    const library = new Set<unknown>([...HF_TRAINING_ARGS, ...TRL_MODEL_CONFIG, ...TRL_LORA, PY_SCRIPT_ARGS[0]]);
    for (const entry of PY_SCRIPT_ARGS) {
      if (library.has(entry) !== (phase === 'library')) continue;
      for (const name of entry.keys) {
        if (!names.has(name) || this.out[entry.field]) continue;
        const c = this.cli.get(name);
        const a = this.args.get(name);
        if (c) {
          this.cliUsed.add(name);
          if (
            this.setLit(
              entry.field,
              cliLiteral(c.value),
              entry.convert as Convert<unknown>,
              c.how,
              c.span ?? (a ? spanOf(a.site) : this.anchorSpan()),
              !!c.assumed,
            )
          )
            break;
        } else if (a?.default && this.live(a.site)) {
          const before = this.out.unread.length;
          this.set(entry.field, a.site, a.default, a.how, entry.convert as Convert<unknown>);
          // an argument that does not convert (a default of None, another type) is not the setting: no note
          this.out.unread.length = before;
          if (this.out[entry.field]) break;
        }
      }
    }
    if (phase === 'library') return;
    // a launch command's value for a TrainingArguments / ModelConfig key the code sets literally: the command
    // line wins (the script parses it, or the launcher says so); a usage example only fills what the file
    // leaves unset, and a model the code names is the model
    for (const [name, c] of this.cli) {
      if (this.cliUsed.has(name) || c.assumed) continue;
      for (const entry of PY_SCRIPT_ARGS) {
        if (!entry.keys.includes(name) || !library.has(entry) || entry.field === 'model') continue;
        const cur = this.out[entry.field] as Found<unknown> | undefined;
        const v = entry.convert(cliLiteral(c.value));
        if (!cur || v === undefined || cur.how.includes(c.how)) continue;
        if (entry.field === 'gradientCheckpointing' && cur.value === v) break;
        (this.out as unknown as Record<string, unknown>)[entry.field] = {
          value: v,
          span: cur.span,
          valueSpan: cur.valueSpan,
          how: `${c.how}, overriding ${JSON.stringify(cur.value)} in the file`,
        } satisfies Found<unknown>;
        break;
      }
    }
    // the model named by a required argument that nobody passed: say where to set it
    if (!this.out.model) {
      const modelKeys = PY_SCRIPT_ARGS.find((k) => k.field === 'model')!.keys;
      const req = [...this.args.values()].find(
        (a) => modelKeys.includes(a.name) && (a.required || (a.default && (stringValue(a.default) === '' || a.default.type === 'none'))),
      );
      if (req) {
        this.out.unread = this.out.unread.filter((u) => u.key !== 'model');
        this.out.unread.push({
          key: 'model',
          span: spanOf(req.site),
          reason: `${req.name} is a required command-line argument (line ${req.site.startPosition.row + 1}) with no model in the file: pass --${req.name} <model id> in a launch script or in .vscode/launch.json "args"`,
        });
      }
    }
  }

  run(): Hyperparams {
    const frameworks = new Set<Framework>();
    for (const call of this.calls) if (this.live(call)) this.visitCall(call, frameworks);
    if (!this.causalLoad) {
      for (const x of this.seqClsLoads) {
        x.deferred = false;
        this.visitCall(x.call, frameworks);
      }
    }
    const names: string[] = [];
    let insertAt = 0;
    for (const imp of [...this.ofType('import_from_statement'), ...this.ofType('import_statement')].sort((a, b) => a.startIndex - b.startIndex)) {
      const t = imp?.text ?? '';
      if (imp && imp.parent?.type === 'module') {
        const nl = this.root.text.indexOf('\n', imp.endIndex);
        insertAt = Math.max(insertAt, nl < 0 ? this.root.text.length : nl + 1);
        for (const n of imp.descendantsOfType(['dotted_name', 'aliased_import'])) {
          if (!n || n.parent?.type === 'aliased_import') continue;
          if (n.type === 'aliased_import') names.push(n.childForFieldName('alias')?.text ?? '');
          else if (imp.type === 'import_statement' || n.startIndex !== imp.childForFieldName('module_name')?.startIndex) names.push(n.text.split('.')[0]);
        }
      }
      if (/\btrl\b/.test(t)) frameworks.add('trl');
      if (/\bunsloth\b/.test(t)) frameworks.add('unsloth');
      if (/\btransformers\b/.test(t)) frameworks.add('transformers');
      if (/\btorch\b/.test(t)) frameworks.add('pytorch');
    }
    this.out.imports = { names, insertAt };
    this.out.framework = frameworks.has('unsloth')
      ? 'unsloth'
      : frameworks.has('trl')
        ? 'trl'
        : frameworks.has('transformers')
          ? 'transformers'
          : frameworks.has('pytorch')
            ? 'pytorch'
            : 'unknown';

    // ---- what the file is --------------------------------------------------------------------------------
    const shape = this.moduleShape();
    const hfTraining = !!(this.out.trainer || this.out.argsClass);
    if (!hfTraining && this.mmengine && this.mmengineRunner) {
      this.out.purpose = {
        value: 'training',
        reason: "an mmengine config (XTuner: xtuner train): train_dataloader and optim_wrapper are what mmengine's Runner trains with",
      };
    } else if (!hfTraining && shape.onlySettings && shape.settings >= 2) {
      // nanoGPT-style run config: module-level settings a training script's configurator executes
      this.out.purpose = {
        value: 'training',
        reason: 'a Python run config: module-level training settings (batch_size, gradient_accumulation_steps, …) that a training script executes',
      };
    } else if (!hfTraining && !this.trainingCall && shape.onlyDefinitions) {
      this.out.purpose = {
        value: 'unknown',
        reason: 'a module of definitions (functions, classes, settings) with no training call: nothing trains when it runs',
      };
    } else if (!hfTraining && this.trainingCall) {
      this.out.purpose = { value: 'training', reason: this.trainingCall.how };
    }
    // plain PyTorch loops and run configs keep their settings in variables (nanoGPT's configurator: module globals)
    if (!hfTraining && (this.out.purpose?.value === 'training' || this.trainingCall || this.out.optimizer)) {
      if (this.loaderBatch && !this.out.microBatch)
        this.set('microBatch', this.loaderBatch.arg, this.loaderBatch.value, this.loaderBatch.how, asPositiveInt as Convert<unknown>);
      for (const entry of PY_RUN_CONFIG) {
        for (const name of entry.keys) {
          if (this.out[entry.field]) break;
          const b = (this.bindings.get(name) ?? [])
            .filter((x) => (x.kind === 'assign' || x.kind === 'attr') && this.live(x.site))
            .sort((x, y) => Number(!!x.scope) - Number(!!y.scope));
          const c = this.cli.get(name);
          if (c) {
            this.cliUsed.add(name);
            const at = b.length ? spanOf(b[0].site) : this.anchorSpan();
            this.setLit(entry.field, cliLiteral(c.value), entry.convert as Convert<unknown>, c.how, c.span ?? at, !!c.assumed);
          } else {
            // module-level settings first, then a training function's own; the first that reads wins
            for (const x of b) {
              const before = this.out.unread.length;
              this.set(entry.field, x.site, x.value, `${name} = … (line ${x.site.startPosition.row + 1})`, entry.convert as Convert<unknown>);
              this.out.unread.length = before;
              if (this.out[entry.field]) break;
            }
          }
        }
      }
    }
    this.readArguments('library');
    this.readTokenizerLength();
    this.readArguments('own');
    for (const e of this.ofType('ERROR')) this.out.syntaxErrors.push(spanOf(e));
    if (this.root.hasError && this.out.syntaxErrors.length === 0) this.out.syntaxErrors.push(spanOf(this.root));
    return this.out;
  }

  /** The class a callee names through a variable: `Opt = FusedAdam if cond else DeepSpeedCPUAdam; Opt(…)`. */
  /** `train_dataloader = dict(batch_size=…)` / `optim_wrapper = dict(accumulative_counts=…)` of an mmengine config. */
  private mmengineSlot(call: Node): boolean {
    const a = call.parent;
    const slot = a?.type === 'assignment' && a.childForFieldName('right')?.id === call.id ? a.childForFieldName('left')?.text : undefined;
    const table = slot === 'train_dataloader' ? MMENGINE_DATALOADER : slot === 'optim_wrapper' ? MMENGINE_OPTIM_WRAPPER : undefined;
    if (!table) return false;
    this.mmengineRunner = true;
    const kws = this.keywords(call, true);
    for (const k of table)
      for (const name of k.keys) {
        const kw = kws.find((x) => x.name === name);
        if (kw) this.set(k.field, kw.arg, kw.value, `${slot} = dict(${name}=…)`, k.convert as Convert<unknown>);
      }
    return true;
  }

  private calleeAlias(call: Node): string | undefined {
    let n: Node | null | undefined = call.childForFieldName('function');
    for (let i = 0; i < 4 && n?.type === 'identifier'; i++) {
      const b = this.lookup(n.text, n.startIndex);
      if (!b) return i ? n.text : undefined;
      n = b.value;
      if (n.type === 'conditional_expression') {
        const [a, cond, other] = n.namedChildren;
        const t = this.truth(cond ?? null);
        n = t === true ? a : t === false ? other : undefined;
      }
    }
    return n && n.type === 'attribute' ? n.text : undefined;
  }

  private visitCall(call: Node, frameworks: Set<Framework>) {
    let { full, last } = this.callee(call);
    if (!INTERESTING_CALLS.test(last) && call.childForFieldName('function')?.type === 'identifier' && this.bindings.has(last)) {
      const alias = this.calleeAlias(call);
      if (alias) {
        full = alias;
        last = alias.split('.').pop() ?? alias;
      }
    }
    // mmengine configs (XTuner): dict(type=F, k=v) is F(k=v) built later by the Runner
    if (last === 'dict') {
      const slot = this.mmengineSlot(call);
      let t = this.keyword(call, 'type');
      // optim_type = AdamW; dict(type=optim_type, …): follow the name to what it names
      for (let i = 0; i < 4 && t?.type === 'identifier'; i++) {
        const b = this.lookup(t.text, t.startIndex);
        if (!b || (b.value.type !== 'identifier' && b.value.type !== 'attribute')) break;
        t = b.value;
      }
      if (t && (t.type === 'identifier' || t.type === 'attribute')) {
        full = t.text;
        last = full.split('.').pop() ?? full;
        this.mmengine = true;
      } else if (slot) return;
    }
    // a training step: loss.backward(), trainer.train()
    if (
      last === 'backward' ||
      (last === 'train' &&
        /trainer/i.test(full) &&
        !call.childForFieldName('arguments')?.namedChildren.some((a) => a?.type !== 'comment' && a?.type !== 'keyword_argument'))
    ) {
      this.trainingCall ??= { span: spanOf(call), how: `${full}() (line ${call.startPosition.row + 1}): a training step` };
      return;
    }
    if (!INTERESTING_CALLS.test(last)) return;
    const readsKeywords =
      (last === 'from_pretrained' && !NOT_A_MODEL_LOAD.test(full)) ||
      /^(BitsAndBytesConfig|LoraConfig|get_peft_model|prepare_model_for_(kbit|int8)_training|ModelConfig)$/.test(last) ||
      TRAINING_ARGS.test(last) ||
      TRAINERS.test(last);
    const kws = this.keywords(call, readsKeywords);
    const kw = (name: string) => kws.find((k) => k.name === name);
    const take = <K extends HyperparamKey>(key: K, names: readonly string[], convert: Convert<unknown>) => {
      for (const name of names) {
        const k = kw(name);
        if (k) {
          this.set(key, k.arg, k.value, `${last}(${name}=…)${k.via ? ` from ${k.via}` : ''}`, convert);
          return;
        }
      }
    };
    const takeAll = (table: KeyTable) => {
      for (const k of table) take(k.field, k.keys, k.convert);
    };
    if (last === 'from_pretrained') {
      if (NOT_A_MODEL_LOAD.test(full)) return;
      const isUnsloth = UNSLOTH_MODEL.test(full);
      if (isUnsloth) frameworks.add('unsloth');
      if (!this.out.modelLoad) {
        this.out.modelLoad = headOf(call);
        this.out.sites.modelLoad = callSiteOf(call, this.root.text);
      }
      // Liger's AutoLigerKernelForCausalLM applies the model type's default kernels, fused linear cross-entropy
      // included (liger_kernel/transformers/auto_model.py, monkey_patch.py)
      const owner = full.split('.').slice(-2, -1)[0] ?? '';
      if (/ForSequenceClassification$/.test(owner) && !this.seqClsLoads.some((x) => x.call === call && !x.deferred)) {
        this.seqClsLoads.push({ call, deferred: true });
        return;
      }
      if (/ForCausalLM(WithValueHead)?$|^Fast(Language|Vision)?Model$|ForConditionalGeneration$|Vision2Seq$/.test(owner)) this.causalLoad = true;
      if (/AutoLigerKernel/.test(full) && !this.out.liger)
        this.out.liger = { value: true, span: headOf(call), valueSpan: spanOf(call), how: `${full}(…): Liger's default kernels` };
      // a sequence classifier has a num_labels-wide score head instead of the vocabulary head (modeling_llama.py
      // LlamaForSequenceClassification; num_labels defaults to 2 in PretrainedConfig)
      if (/ForSequenceClassification$/.test(owner) && !this.out.task) {
        const labels = kw('num_labels');
        const n = labels ? this.evaluate(labels.value) : undefined;
        const count = n?.ok && typeof n.value === 'number' && Number.isInteger(n.value) && n.value > 0 ? n.value : 2;
        this.out.task = {
          value: { kind: 'seq-cls', labels: count },
          span: headOf(call),
          valueSpan: labels ? spanOf(labels.value) : spanOf(call),
          how: `${full}(${labels ? `num_labels=${count}` : '…'}): a sequence classifier${labels ? '' : ' (num_labels defaults to 2)'}`,
        };
      }
      const idNode = this.positional(call, 0);
      if (idNode) this.set('model', idNode, idNode, `${full}(…)`, asModelRef);
      else take('model', ['pretrained_model_name_or_path', 'model_name'], asModelRef);
      takeAll(PY_FROM_PRETRAINED);
      if (isUnsloth) {
        const had = !!this.out.seqLen;
        takeAll(PY_UNSLOTH_FROM_PRETRAINED);
        if (!had && this.out.seqLen) this.seqLenFromLoader = true;
      }
      const flash = kw('use_flash_attention_2');
      if (flash) this.set('attention', flash.arg, flash.value, `${last}(use_flash_attention_2=…)`, (v) => (v === true ? 'flash_attention_2' : undefined));
      const qc = kw('quantization_config');
      if (qc) {
        const v = this.evaluate(qc.value);
        if (v.ok && typeof v.value === 'object' && v.value && !Array.isArray(v.value) && v.value.kind === 'dict') {
          for (const [k, e] of v.value.entries) this.quantKey(k, e.key.parent ?? e.key, e.value, 'quantization_config');
        } else if (!v.ok) {
          this.out.unread.push({ key: 'quantization_config', span: spanOf(qc.arg), reason: v.reason });
        }
      }
      return;
    }
    if (last === 'SupervisedFinetune' || last === 'process_hf_dataset') {
      const kws = this.keywords(call, true);
      const table = last === 'SupervisedFinetune' ? XTUNER_MODEL : XTUNER_DATASET;
      for (const k of table)
        for (const name of k.keys) {
          const kw = kws.find((x) => x.name === name);
          if (kw) this.set(k.field, kw.arg, kw.value, `${last}(${name}=…)`, k.convert as Convert<unknown>);
        }
      if (last === 'SupervisedFinetune') {
        // xtuner/model/sft.py: use_activation_checkpointing=True by default; with a LoRA config the model goes
        // through prepare_model_for_kbit_training and, without target_modules, find_all_linear_names
        const at = { span: headOf(call), valueSpan: spanOf(call), implied: true };
        if (!this.out.gradientCheckpointing)
          this.out.gradientCheckpointing = { ...at, value: true, how: 'SupervisedFinetune default use_activation_checkpointing=True (xtuner/model/sft.py)' };
        const lora = this.keyword(call, 'lora');
        if (lora && lora.type !== 'none') {
          this.out.kbitPrep ??= {
            ...at,
            value: true,
            how: 'SupervisedFinetune prepares the model with prepare_model_for_kbit_training when it has a LoRA config (xtuner/model/sft.py)',
          };
          if (lora.type === 'call' && !this.keyword(lora, 'target_modules'))
            this.out.loraTargets ??= {
              ...at,
              value: 'all-linear',
              how: 'SupervisedFinetune puts LoRA on every linear layer when target_modules is unset (find_all_linear_names, xtuner/model/sft.py)',
            };
        }
      }
      return;
    }
    if (/^(apply_liger_kernel_to_\w+|_apply_liger_kernel(_to_instance)?)$/.test(last)) {
      // liger_kernel/transformers/monkey_patch.py: every apply_liger_kernel_to_<model> defaults to
      // fused_linear_cross_entropy=True (the logits are never materialized); an explicit False keeps them
      const flce = kw('fused_linear_cross_entropy');
      if (flce) this.set('liger', flce.arg, flce.value, `${last}(fused_linear_cross_entropy=…)`, (v) => (typeof v === 'boolean' ? v : undefined));
      else if (!this.out.liger)
        this.out.liger = { value: true, span: headOf(call), valueSpan: spanOf(call), how: `${full}(): fused linear cross-entropy by default` };
      return;
    }
    if (last === 'BitsAndBytesConfig') {
      this.out.sites.bnb ??= callSiteOf(call, this.root.text);
      for (const k of kws) this.quantKey(k.name, k.arg, k.value, 'BitsAndBytesConfig');
      return;
    }
    if (last === 'LoraConfig' || (last === 'get_peft_model' && UNSLOTH_MODEL.test(full))) {
      this.out.sites.lora ??= callSiteOf(call, this.root.text);
      if (!this.out.peft) this.out.peft = { value: true, span: headOf(call), valueSpan: spanOf(call), how: `${last}(…)` };
      takeAll(PY_LORA);
      if (last === 'get_peft_model') {
        takeAll(PY_CHECKPOINTING);
        if (!this.out.gradientCheckpointing) {
          // Unsloth's get_peft_model defaults to use_gradient_checkpointing="unsloth" (offloaded; unsloth models/llama.py)
          this.out.gradientCheckpointing = {
            value: 'unsloth',
            span: headOf(call),
            valueSpan: spanOf(call),
            how: 'FastLanguageModel.get_peft_model default ("unsloth")',
            implied: true,
          };
        }
      }
      return;
    }
    if (last === 'get_peft_model') {
      if (!this.out.peft) this.out.peft = { value: true, span: headOf(call), valueSpan: spanOf(call), how: 'get_peft_model(…)' };
      return;
    }
    if (last === 'ModelConfig') {
      // TRL's ModelConfig built in the code: the model, the PEFT switch and the LoRA keys
      take('model', ['model_name_or_path'], asModelRef);
      takeAll(TRL_MODEL_CONFIG);
      if (this.out.peft?.value) takeAll(TRL_LORA);
      else if (this.out.peft) delete this.out.peft;
      return;
    }
    // prepare_model_for_int8_training: PEFT's name for it before 0.10 (same upcast and checkpointing default)
    if (last === 'prepare_model_for_kbit_training' || last === 'prepare_model_for_int8_training') {
      this.out.kbitPrep = { value: true, span: headOf(call), valueSpan: spanOf(call), how: `${last}(…)` };
      const gc = kw('use_gradient_checkpointing');
      if (gc)
        this.set(
          'gradientCheckpointing',
          gc.arg,
          gc.value,
          `${last}(use_gradient_checkpointing=…)`,
          readerOf(PY_CHECKPOINTING, 'use_gradient_checkpointing')!.convert,
        );
      else if (!this.out.gradientCheckpointing)
        // peft/utils/other.py: use_gradient_checkpointing=True by default
        this.out.gradientCheckpointing = {
          value: true,
          span: headOf(call),
          valueSpan: spanOf(call),
          how: `${last} default (use_gradient_checkpointing=True)`,
          implied: true,
        };
      return;
    }
    if (last === 'gradient_checkpointing_enable') {
      if (!this.out.gradientCheckpointing) this.out.gradientCheckpointing = { value: true, span: headOf(call), valueSpan: spanOf(call), how: `${full}()` };
      return;
    }
    if (TRAINING_ARGS.test(last)) {
      if (/Config$/.test(last)) frameworks.add('trl');
      if (!this.out.trainer) this.out.trainer = headOf(call);
      this.out.argsClass ??= last;
      this.out.sites.trainingArgs ??= callSiteOf(call, this.root.text);
      this.trainingKeywords(take, call);
      return;
    }
    if (TRAINERS.test(last)) {
      if (last !== 'Trainer' && last !== 'Seq2SeqTrainer') frameworks.add('trl');
      if (!this.out.trainer) this.out.trainer = headOf(call);
      this.out.trainerClass ??= last;
      const ref = kw('ref_model');
      if (ref && ref.value.type !== 'none')
        this.out.refModel ??= { value: true, span: spanOf(ref.arg), valueSpan: spanOf(ref.value), how: `${last}(ref_model=…)` };
      this.out.sites.trainer ??= callSiteOf(call, this.root.text);
      const model = kw('model');
      if (model) {
        const v = this.evaluate(model.value);
        if (v.ok && typeof v.value === 'string') this.set('model', model.arg, model.value, `${last}(model=…)`, asModelRef);
      }
      const pc = kw('peft_config');
      if (pc && pc.value.type === 'call' && calleeName(pc.value).last === 'get_peft_config') {
        // TRL's get_peft_config(model_args) is None unless model_args.use_peft (ModelConfig default False)
        const arg = this.positional(pc.value, 0);
        const on = arg ? this.evaluateMember(arg, 'use_peft') : undefined;
        if (on?.ok && typeof on.value === 'boolean' && !this.out.peft) {
          this.out.peft = {
            value: on.value,
            span: spanOf(pc.arg),
            valueSpan: spanOf(on.node),
            how: `${last}(peft_config=get_peft_config(…)) with use_peft=${on.value ? 'True' : 'False'}${on.via ? ` via ${on.via}` : ''}`,
            ...(on.cli?.assumed ? { assumed: true } : {}),
          };
        }
      }
      // peft_config=None trains the full model; a conditional or a variable is taken as a LoRA config
      else if (pc && pc.value.type !== 'none' && !this.out.peft)
        this.out.peft = { value: true, span: spanOf(pc.arg), valueSpan: spanOf(pc.arg), how: `${last}(peft_config=…)` };
      this.trainingKeywords(take, call);
      return;
    }
    // plain PyTorch
    const optimizers = OPTIMIZER_CLASSES;
    if (optimizers[last] && /optim|bnb|bitsandbytes|deepspeed|^AdamW|^SGD|^Adam|^Lion|^Adafactor|^Paged|^Fused|^DeepSpeed/.test(full)) {
      if (!this.out.optimizer) {
        this.out.sites.optimizer = callSiteOf(call, this.root.text);
        const fused = kw('fused');
        let name = optimizers[last];
        if (name === 'adamw_torch' && fused && this.evaluate(fused.value).ok && (this.evaluate(fused.value) as { value: Value }).value === true)
          name = 'adamw_torch_fused';
        if (name === 'sgd') {
          const mom = kw('momentum');
          const mv = mom ? this.evaluate(mom.value) : undefined;
          if (mv?.ok && typeof mv.value === 'number' && mv.value > 0) name = 'sgd_momentum';
        }
        this.out.optimizer = { value: name, span: headOf(call), valueSpan: spanOf(call.childForFieldName('function') ?? call), how: `${full}(…)` };
        if (last === 'DeepSpeedCPUAdam')
          this.out.offloadOptimizer ??= { value: true, span: headOf(call), valueSpan: headOf(call), how: `${full}(…): the optimizer steps on the CPU` };
      }
      return;
    }
    if (last === 'autocast') {
      take('bf16', ['dtype'], (v) => (typeof v === 'string' && /bfloat16|bf16/.test(v) ? true : typeof v === 'string' ? false : undefined));
    }
    if (
      last === 'DataLoader' &&
      !/eval|test|valid/i.test(
        `${this.positional(call, 0)?.text ?? ''} ${call.parent?.type === 'assignment' ? call.parent.childForFieldName('left')?.text : ''}`,
      )
    ) {
      // a plain training loop's batch: DataLoader(train_dataset, batch_size=…), read once a training step is seen
      const b = kw('batch_size');
      if (b) this.loaderBatch ??= { arg: b.arg, value: b.value, how: `${last}(batch_size=…)` };
      return;
    }
    if ((last === 'Linear4bit' || last === 'Params4bit' || (last === 'replace_linear' && /Linear4bit/.test(call.text))) && kw('quant_type')) {
      // bitsandbytes 4-bit layers built by hand (FSDP+QLoRA scripts): their quant_type
      take('quantType', ['quant_type'], asString as Convert<unknown>);
      return;
    }
    if (last === 'ConstantLengthDataset') {
      takeAll(PY_DATASET_LENGTH);
      return;
    }
    if (last === 'select' || last === 'load_dataset') this.datasetSize(call, full, last);
  }

  /** `obj.name` as the code would read it: a parsed argument, or the keyword of the call obj was built with. */
  private evaluateMember(obj: Node, name: string): Eval | undefined {
    const c = this.cli.get(name);
    if (c) {
      this.cliUsed.add(name);
      return { ok: true, value: cliLiteral(c.value), node: obj, via: c.how, cli: c };
    }
    if (obj.type === 'identifier') {
      const b = this.lookup(obj.text, obj.startIndex);
      if (b?.value.type === 'call') {
        const kw = this.keyword(b.value, name);
        if (kw) {
          const v = this.evaluate(kw);
          return v.ok ? { ...v, via: v.via ?? `${calleeName(b.value).last}(${name}=…) (line ${b.value.startPosition.row + 1})` } : v;
        }
      }
    }
    return undefined;
  }

  /** A literal training-set size: `train_ds.select(range(N))` or `load_dataset(..., split="train[:N]")`. */
  private datasetSize(call: Node, full: string, last: string) {
    const assigned = call.parent?.type === 'assignment' ? (call.parent.childForFieldName('left')?.text ?? '') : '';
    if (this.out.datasetSize || /eval|test|valid/i.test(`${full} ${assigned}`)) return;
    if (last === 'select') {
      const r = this.positional(call, 0);
      if (r?.type !== 'call' || calleeName(r).last !== 'range') return;
      const args = (r.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
      const nums = args.map((a) => this.evaluate(a)).map((v) => (v.ok && typeof v.value === 'number' ? v.value : NaN));
      const n = nums.length === 1 ? nums[0] : nums.length === 2 ? nums[1] - nums[0] : NaN;
      if (Number.isInteger(n) && n > 0) this.out.datasetSize = { value: n, span: spanOf(call), valueSpan: spanOf(r), how: `${full}(${r.text})` };
      return;
    }
    const split = this.keyword(call, 'split');
    const v = split ? this.evaluate(split) : undefined;
    const m = v?.ok && typeof v.value === 'string' ? /^train\[(\d*):(\d+)\]$/.exec(v.value.replace(/\s/g, '')) : null;
    if (m && split) {
      const n = Number(m[2]) - Number(m[1] || 0);
      if (n > 0)
        this.out.datasetSize = {
          value: n,
          span: spanOf(split.parent ?? split),
          valueSpan: spanOf(split),
          how: `load_dataset(split="${(v as { value: string }).value}")`,
        };
    }
  }

  private trainingKeywords(take: <K extends HyperparamKey>(key: K, names: readonly string[], convert: Convert<unknown>) => void, call?: Node) {
    // the trainer's max_length is the sequence it trains on (DPO: prompt + completion), not the loader's context
    if (this.seqLenFromLoader && call && ['max_length', 'max_seq_length'].some((k) => this.keyword(call, k))) {
      const before = this.out.seqLen;
      delete this.out.seqLen;
      for (const k of HF_TRAINING_ARGS) if (k.field === 'seqLen') take(k.field, k.keys, k.convert);
      if (!this.out.seqLen) this.out.seqLen = before;
      this.seqLenFromLoader = false;
    }
    for (const k of HF_TRAINING_ARGS) take(k.field, k.keys, k.convert);
    if (call) this.fsdpConfig(call);
  }

  /**
   * TrainingArguments(fsdp_config={...}) written inline: transformers reads activation_checkpointing (FSDP's
   * checkpoint wrapper, instead of gradient_checkpointing; training_args.py raises when both are on) and
   * offload_params, with or without the fsdp_ prefix (training_args.py strips it).
   */
  private fsdpConfig(call: Node) {
    const kw = this.keyword(call, 'fsdp_config');
    const v = kw ? this.evaluate(kw) : undefined;
    if (!v?.ok || typeof v.value !== 'object' || !v.value || Array.isArray(v.value) || v.value.kind !== 'dict') return;
    for (const [name, e] of v.value.entries) {
      const key = name.replace(/^fsdp_/, '');
      const b = this.evaluate(e.value);
      if (!b.ok || typeof b.value !== 'boolean') continue;
      const at = { value: b.value, span: spanOf(e.key.parent ?? e.key), valueSpan: spanOf(e.value), how: `TrainingArguments(fsdp_config={"${name}": …})` };
      if (key === 'activation_checkpointing' && b.value && this.out.gradientCheckpointing?.value !== true) this.out.gradientCheckpointing = at;
      if (key === 'offload_params' && !this.out.offloadParams) {
        this.out.offloadParams = at;
        this.out.offloadOptimizer ??= { ...at };
      }
    }
  }

  private quantKey(name: string, arg: Node, value: Node, where: string) {
    const k = readerOf(PY_BNB, name);
    if (k) this.set(k.field, arg, value, `${where}(${name}=…)`, k.convert);
  }

  /** Tokenizer calls that pad or truncate to a fixed length give the sequence length when nothing else does. */
  readTokenizerLength() {
    if (this.out.seqLen) return;
    for (const call of this.calls) {
      const { full } = calleeName(call);
      if (!/(^|\.)(tokenizer|tok|processor)(\.(encode|encode_plus|batch_encode_plus|__call__))?$/i.test(full) || !this.live(call)) continue;
      const pad = this.keyword(call, 'padding');
      const trunc = this.keyword(call, 'truncation');
      const padV = pad ? this.evaluate(pad) : undefined;
      const truncV = trunc ? this.evaluate(trunc) : undefined;
      const fixed = (padV?.ok && padV.value === 'max_length') || (truncV?.ok && truncV.value === true);
      if (!fixed) continue;
      for (const k of PY_TOKENIZER_LENGTH) {
        for (const name of k.keys) {
          const v = this.keyword(call, name);
          if (!v || this.out.seqLen) continue;
          const before = this.out.unread.length;
          this.set(
            'seqLen',
            v.parent ?? v,
            v,
            `${full}(${name}=…, ${padV?.ok && padV.value === 'max_length' ? 'padding="max_length"' : 'truncation=True'})`,
            k.convert as Convert<unknown>,
          );
          this.out.unread.length = before;
        }
      }
      if (this.out.seqLen) return;
    }
  }
}

function readText(parser: Parser, text: string, opts: PythonReadOptions): Hyperparams {
  // a document's tree stays with the cache for its next edit; a one-off text's tree is freed here
  const tree = opts.document ? parseKeyed(parser, text, opts.document) : parser.parse(text);
  if (!tree) return emptyHyperparams('python');
  try {
    return new PythonReader(tree.rootNode, opts).run();
  } finally {
    if (!opts.document) tree.delete();
  }
}

/**
 * While someone types inside a call (`TrainingArguments(…, gradient_accumulation_steps=`), the call is
 * unclosed and tree-sitter turns the statement into an ERROR node. Close it where the statement should
 * end: before the next line that starts a new statement at the call's indentation (or a blank line),
 * completing a dangling `=` with None. The insertion holds no newline, so line numbers do not move.
 */
export function repairUnclosedCall(text: string, errorAt: number): { text: string; at: number; inserted: string } | null {
  const lineStart = text.lastIndexOf('\n', errorAt - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0].length;
  let depth = 0;
  let quote: string | null = null;
  let lastContent = -1; // offset after the last non-space character seen while depth > 0
  for (let i = lineStart; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      }
      lastContent = i + 1;
      continue;
    }
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl - 1;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length - 1;
      lastContent = i + 1;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    if (c === '\n' && depth > 0) {
      const next = text.slice(i + 1);
      const nextIndent = /^[ \t]*/.exec(next)![0].length;
      const blank = /^[ \t]*(\n|$)/.test(next);
      if (blank || (nextIndent <= indent && /^[ \t]*[A-Za-z_@]/.test(next))) {
        if (lastContent < 0) return null;
        const before = text.slice(0, lastContent).trimEnd();
        const at = before.length;
        const inserted = (/=$/.test(before) && !/[=!<>]=$/.test(before) ? 'None' : '') + ')'.repeat(depth);
        return { text: text.slice(0, at) + inserted + text.slice(at), at, inserted };
      }
      continue;
    }
    if (!/\s/.test(c) && depth > 0) lastContent = i + 1;
  }
  return null;
}

/** Moves every span after an insertion of `length` characters at `at` back to the original text. */
function remapSpans(value: unknown, at: number, length: number, lineAt: number, seen = new Set<unknown>()): void {
  if (!value || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const v = value as Record<string, unknown>;
  if (typeof v.start === 'number' && typeof v.end === 'number' && typeof v.line === 'number' && typeof v.column === 'number') {
    const map = (o: number) => (o <= at ? o : o >= at + length ? o - length : at);
    // the insertion holds no newline: only columns on its own line move
    const shift = (o: number, line: unknown, col: number) => (o > at && line === lineAt ? col - Math.min(length, o - at) : col);
    v.column = shift(v.start as number, v.line, v.column as number);
    v.endColumn = shift(v.end as number, v.endLine, v.endColumn as number);
    v.start = map(v.start as number);
    v.end = map(v.end as number);
    return;
  }
  for (const child of Object.values(v)) remapSpans(child, at, length, lineAt, seen);
}

/** Parses and reads a Python file. Never throws on user input; a one-off text's tree is freed before returning, a
 * document's stays with the incremental-parsing cache (trees.ts). */
export function extractPython(parser: Parser, text: string, opts: PythonReadOptions = {}): Hyperparams {
  const first = readText(parser, text, opts);
  if (!first.syntaxErrors.length) return first;
  const fix = repairUnclosedCall(text, first.syntaxErrors[0].start);
  if (!fix) return first;
  // the repaired text is not the document's: it gets a tree of its own
  const second = readText(parser, fix.text, { ...opts, document: undefined });
  if (second.syntaxErrors.length >= first.syntaxErrors.length) return first;
  remapSpans(second, fix.at, fix.inserted.length, text.slice(0, fix.at).split('\n').length - 1);
  // report the original errors; no quick fixes on text that does not parse
  second.syntaxErrors = first.syntaxErrors;
  second.sites = {};
  return second;
}
