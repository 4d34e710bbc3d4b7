// Reads training hyperparameters from a Python script with tree-sitter, without running it.
// Values are followed through constants, simple arithmetic, dict literals and **kwargs, argparse
// defaults, function-signature defaults and dataclass field defaults (parsing-pitfalls.md 1-2).
import type { Node, Parser } from 'web-tree-sitter';
import { CallSite, emptyHyperparams, Framework, HyperparamKey, Hyperparams } from './hyperparams';
import { Found, SourceSpan } from './source';
import { KeyTable, readerOf } from '../vocab/dialect';
import { HF_TRAINING_ARGS } from '../vocab/dialects/hf';
import { PY_BNB, PY_CHECKPOINTING, PY_FROM_PRETRAINED, PY_LORA, PY_UNSLOTH_FROM_PRETRAINED } from '../vocab/dialects/python';
import { asString, Convert, Lit } from '../vocab/values';

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
type Eval = { ok: true; value: Value; node: Node; via?: string } | { ok: false; reason: string; node: Node };

const MAX_DEPTH = 12;
// from_pretrained calls that do not load the trained model
const NOT_A_MODEL_LOAD = /tokenizer|processor|config\b|AutoConfig|PeftModel/i;
const UNSLOTH_MODEL = /FastLanguageModel|FastModel|FastVisionModel/;
const TRAINING_ARGS =
  /^(TrainingArguments|Seq2SeqTrainingArguments|SFTConfig|DPOConfig|ORPOConfig|KTOConfig|CPOConfig|GRPOConfig|RewardConfig|PPOConfig|RLOOConfig|UnslothTrainingArguments)$/;
const TRAINERS = /^(Trainer|SFTTrainer|DPOTrainer|ORPOTrainer|CPOTrainer|KTOTrainer|GRPOTrainer|RLOOTrainer|PPOTrainer|UnslothTrainer|Seq2SeqTrainer)$/;
// Callees the reader looks into; every other call is skipped before its arguments are touched.
const INTERESTING_CALLS =
  /^(from_pretrained|BitsAndBytesConfig|LoraConfig|get_peft_model|prepare_model_for_kbit_training|gradient_checkpointing_enable|autocast|AdamW|Adam|AdamW8bit|Adam8bit|PagedAdamW8bit|PagedAdamW|PagedAdamW32bit|SGD|Adafactor|Lion|Lion8bit|select|load_dataset|\w*TrainingArguments|\w*Config|\w*Trainer)$/;
// Training-length values feed the time estimate only: when unreadable they are left out, without a note.
const QUIET_KEYS = new Set<HyperparamKey>(['numTrainEpochs', 'maxSteps', 'datasetSize']);
const WALKED = ['call', 'assignment', 'default_parameter', 'typed_default_parameter', 'import_from_statement', 'import_statement', 'ERROR'] as const;

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
}

class PythonReader {
  private readonly bindings = new Map<string, Binding[]>();
  private readonly argparseDefaults = new Map<string, Binding>();
  readonly out: Hyperparams;
  private readonly calls: Node[];
  private readonly nodes = new Map<string, Node[]>();

  private ofType(type: (typeof WALKED)[number]): Node[] {
    return this.nodes.get(type) ?? [];
  }

  constructor(private readonly root: Node) {
    this.out = emptyHyperparams('python');
    // One walk of the tree for every node type the reader needs (each walk crosses into WASM).
    for (const n of root.descendantsOfType([...WALKED])) {
      if (!n) continue;
      const list = this.nodes.get(n.type);
      if (list) list.push(n);
      else this.nodes.set(n.type, [n]);
    }
    this.calls = this.ofType('call');
    this.collectBindings();
  }

  private bind(name: string, value: Node, at: number, how: string) {
    const list = this.bindings.get(name) ?? [];
    list.push({ value, at, how });
    this.bindings.set(name, list);
  }

  private collectBindings() {
    for (const a of this.ofType('assignment')) {
      if (!a) continue;
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      if (!left || !right || left.type !== 'identifier') continue;
      let value = right;
      let how = `${left.text} = … (line ${a.startPosition.row + 1})`;
      // dataclass field: `x: int = field(default=4)`
      if (right.type === 'call' && calleeName(right).last === 'field') {
        const d = this.keyword(right, 'default');
        if (!d) continue;
        value = d;
        how = `dataclass field default of ${left.text} (line ${a.startPosition.row + 1})`;
      }
      // visible from the end of the statement: in `x = x * 2` the right side reads the previous x
      this.bind(left.text, value, a.endIndex, how);
    }
    for (const p of [...this.ofType('default_parameter'), ...this.ofType('typed_default_parameter')]) {
      if (!p) continue;
      const name = p.childForFieldName('name');
      const value = p.childForFieldName('value');
      if (name && value) this.bind(name.text, value, p.startIndex, `default of parameter ${name.text} (line ${p.startPosition.row + 1})`);
    }
    for (const call of this.root.text.includes('add_argument') ? this.calls : []) {
      if (calleeName(call).last !== 'add_argument') continue;
      const args = call.childForFieldName('arguments');
      const dflt = this.keyword(call, 'default');
      if (!args || !dflt) continue;
      for (const a of args.namedChildren) {
        const s = a ? stringValue(a) : undefined;
        if (s?.startsWith('--')) {
          this.argparseDefaults.set(s.slice(2).replace(/-/g, '_'), {
            value: dflt,
            at: call.startIndex,
            how: `argparse default of ${s} (line ${call.startPosition.row + 1})`,
          });
        }
      }
      const dest = this.keyword(call, 'dest');
      const destName = dest ? stringValue(dest) : undefined;
      if (destName) this.argparseDefaults.set(destName, { value: dflt, at: call.startIndex, how: `argparse default of ${destName}` });
    }
  }

  private lookup(name: string, at: number): Binding | undefined {
    const list = this.bindings.get(name);
    if (!list?.length) return undefined;
    const before = list.filter((b) => b.at < at);
    return before.length ? before[before.length - 1] : list[0];
  }

  keyword(call: Node, name: string): Node | undefined {
    const args = call.childForFieldName('arguments');
    for (const a of args?.namedChildren ?? []) {
      if (a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === name) return a.childForFieldName('value') ?? undefined;
    }
    return undefined;
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
        const s = stringValue(n);
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
        if (v?.ok && typeof v.value === 'boolean') return { ...v, value: !v.value, node: n };
        return { ok: false, reason: 'not a boolean', node: n };
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
            op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : op === '//' ? Math.floor(x / y) : op === '**' ? x ** y : op === '%' ? x % y : op === '<<' ? x * 2 ** y : NaN;
          if (Number.isFinite(v)) return { ok: true, value: v, node: n, via: a.via ?? b.via };
        }
        return { ok: false, reason: 'an expression that depends on run-time values', node: n };
      }
      case 'identifier': {
        const b = this.lookup(n.text, n.startIndex);
        if (!b) return { ok: false, reason: `${n.text} is not assigned a literal in this file`, node: n };
        const v = this.evaluate(b.value, depth + 1);
        return v.ok ? { ...v, via: v.via ?? b.how } : v;
      }
      case 'attribute': {
        const text = n.text;
        if (/^(torch|th)\.(bfloat16|float16|half|float32|float|bf16)$/.test(text)) return { ok: true, value: text, node: n };
        const attr = n.childForFieldName('attribute')?.text ?? '';
        const d = this.argparseDefaults.get(attr);
        if (d) {
          const v = this.evaluate(d.value, depth + 1);
          return v.ok ? { ...v, via: d.how } : v;
        }
        // `cfg.batch_size` where a dataclass/class body declares `batch_size = 8`
        const b = this.bindings.get(attr);
        if (b?.length === 1 && /^[a-z_][\w]*$/i.test(n.childForFieldName('object')?.text ?? '')) {
          const v = this.evaluate(b[0].value, depth + 1);
          return v.ok ? { ...v, via: b[0].how } : v;
        }
        return { ok: false, reason: `${text} is set at run time`, node: n };
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
        if (last === 'int' || last === 'float') {
          const arg = n.childForFieldName('arguments')?.namedChildren[0];
          if (arg && arg.type !== 'keyword_argument') {
            const v = this.evaluate(arg, depth + 1);
            if (v.ok && (typeof v.value === 'number' || typeof v.value === 'string') && Number.isFinite(Number(v.value)))
              return { ...v, value: last === 'int' ? Math.trunc(Number(v.value)) : Number(v.value), node: n };
          }
        }
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
    // targets, Unsloth dtype=None auto-detects, TRL bf16=None means auto (config-keys.md 2, 3 and 9).
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
    (this.out as unknown as Record<string, unknown>)[key] = found;
  }

  run(): Hyperparams {
    const frameworks = new Set<Framework>();
    for (const call of this.calls) this.visitCall(call, frameworks);
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
    for (const e of this.ofType('ERROR')) this.out.syntaxErrors.push(spanOf(e));
    if (this.root.hasError && this.out.syntaxErrors.length === 0) this.out.syntaxErrors.push(spanOf(this.root));
    return this.out;
  }

  private visitCall(call: Node, frameworks: Set<Framework>) {
    const { full, last } = calleeName(call);
    if (!INTERESTING_CALLS.test(last)) return;
    const readsKeywords =
      (last === 'from_pretrained' && !NOT_A_MODEL_LOAD.test(full)) ||
      /^(BitsAndBytesConfig|LoraConfig|get_peft_model|prepare_model_for_kbit_training)$/.test(last) ||
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
      const idNode = this.positional(call, 0);
      if (idNode) this.set('model', idNode, idNode, `${full}(…)`, asString);
      else take('model', ['pretrained_model_name_or_path', 'model_name'], asString);
      takeAll(PY_FROM_PRETRAINED);
      if (isUnsloth) takeAll(PY_UNSLOTH_FROM_PRETRAINED);
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
          this.out.gradientCheckpointing = { value: 'unsloth', span: headOf(call), valueSpan: spanOf(call), how: 'FastLanguageModel.get_peft_model default ("unsloth")', implied: true };
        }
      }
      return;
    }
    if (last === 'get_peft_model') {
      if (!this.out.peft) this.out.peft = { value: true, span: headOf(call), valueSpan: spanOf(call), how: 'get_peft_model(…)' };
      return;
    }
    if (last === 'prepare_model_for_kbit_training') {
      this.out.kbitPrep = { value: true, span: headOf(call), valueSpan: spanOf(call), how: 'prepare_model_for_kbit_training(…)' };
      const gc = kw('use_gradient_checkpointing');
      if (gc) this.set('gradientCheckpointing', gc.arg, gc.value, 'prepare_model_for_kbit_training(use_gradient_checkpointing=…)', readerOf(PY_CHECKPOINTING, 'use_gradient_checkpointing')!.convert);
      else if (!this.out.gradientCheckpointing)
        // peft/utils/other.py: use_gradient_checkpointing=True by default
        this.out.gradientCheckpointing = { value: true, span: headOf(call), valueSpan: spanOf(call), how: 'prepare_model_for_kbit_training default (use_gradient_checkpointing=True)', implied: true };
      return;
    }
    if (last === 'gradient_checkpointing_enable') {
      if (!this.out.gradientCheckpointing)
        this.out.gradientCheckpointing = { value: true, span: headOf(call), valueSpan: spanOf(call), how: `${full}()` };
      return;
    }
    if (TRAINING_ARGS.test(last)) {
      if (/Config$/.test(last)) frameworks.add('trl');
      if (!this.out.trainer) this.out.trainer = headOf(call);
      this.out.argsClass ??= last;
      this.out.sites.trainingArgs ??= callSiteOf(call, this.root.text);
      this.trainingKeywords(take);
      return;
    }
    if (TRAINERS.test(last)) {
      if (last !== 'Trainer' && last !== 'Seq2SeqTrainer') frameworks.add('trl');
      if (!this.out.trainer) this.out.trainer = headOf(call);
      this.out.trainerClass ??= last;
      const ref = kw('ref_model');
      if (ref && ref.value.type !== 'none') this.out.refModel ??= { value: true, span: spanOf(ref.arg), valueSpan: spanOf(ref.value), how: `${last}(ref_model=…)` };
      this.out.sites.trainer ??= callSiteOf(call, this.root.text);
      const model = kw('model');
      if (model) {
        const v = this.evaluate(model.value);
        if (v.ok && typeof v.value === 'string') this.set('model', model.arg, model.value, `${last}(model=…)`, asString);
      }
      const pc = kw('peft_config');
      // peft_config=None trains the full model; a conditional or a variable is taken as a LoRA config
      if (pc && pc.value.type !== 'none' && !this.out.peft) this.out.peft = { value: true, span: spanOf(pc.arg), valueSpan: spanOf(pc.arg), how: `${last}(peft_config=…)` };
      this.trainingKeywords(take);
      return;
    }
    // plain PyTorch
    const optimizers: Record<string, string> = {
      AdamW: 'adamw_torch',
      Adam: 'adamw_torch',
      AdamW8bit: 'adamw_bnb_8bit',
      Adam8bit: 'adamw_bnb_8bit',
      PagedAdamW8bit: 'paged_adamw_8bit',
      PagedAdamW: 'paged_adamw_32bit',
      PagedAdamW32bit: 'paged_adamw_32bit',
      SGD: 'sgd',
      Adafactor: 'adafactor',
      Lion: 'lion_32bit',
      Lion8bit: 'lion_8bit',
    };
    if (optimizers[last] && /optim|bnb|bitsandbytes|^AdamW|^SGD|^Adam|^Lion|^Adafactor|^Paged/.test(full)) {
      if (!this.out.optimizer) {
        this.out.sites.optimizer = callSiteOf(call, this.root.text);
        const fused = kw('fused');
        let name = optimizers[last];
        if (name === 'adamw_torch' && fused && this.evaluate(fused.value).ok && (this.evaluate(fused.value) as { value: Value }).value === true) name = 'adamw_torch_fused';
        if (name === 'sgd') {
          const mom = kw('momentum');
          const mv = mom ? this.evaluate(mom.value) : undefined;
          if (mv?.ok && typeof mv.value === 'number' && mv.value > 0) name = 'sgd_momentum';
        }
        this.out.optimizer = { value: name, span: headOf(call), valueSpan: spanOf(call.childForFieldName('function') ?? call), how: `${full}(…)` };
      }
      return;
    }
    if (last === 'autocast') {
      take('bf16', ['dtype'], (v) => (typeof v === 'string' && /bfloat16|bf16/.test(v) ? true : typeof v === 'string' ? false : undefined));
    }
    if (last === 'select' || last === 'load_dataset') this.datasetSize(call, full, last);
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
      if (n > 0) this.out.datasetSize = { value: n, span: spanOf(split.parent ?? split), valueSpan: spanOf(split), how: `load_dataset(split="${(v as { value: string }).value}")` };
    }
  }

  private trainingKeywords(take: <K extends HyperparamKey>(key: K, names: readonly string[], convert: Convert<unknown>) => void) {
    for (const k of HF_TRAINING_ARGS) take(k.field, k.keys, k.convert);
  }

  private quantKey(name: string, arg: Node, value: Node, where: string) {
    const k = readerOf(PY_BNB, name);
    if (k) this.set(k.field, arg, value, `${where}(${name}=…)`, k.convert);
  }
}

function readText(parser: Parser, text: string): Hyperparams {
  const tree = parser.parse(text);
  if (!tree) return emptyHyperparams('python');
  try {
    return new PythonReader(tree.rootNode).run();
  } finally {
    tree.delete();
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

/** Parses and reads a Python file. Never throws on user input; trees are freed before returning. */
export function extractPython(parser: Parser, text: string): Hyperparams {
  const first = readText(parser, text);
  if (!first.syntaxErrors.length) return first;
  const fix = repairUnclosedCall(text, first.syntaxErrors[0].start);
  if (!fix) return first;
  const second = readText(parser, fix.text);
  if (second.syntaxErrors.length >= first.syntaxErrors.length) return first;
  remapSpans(second, fix.at, fix.inserted.length, text.slice(0, fix.at).split('\n').length - 1);
  // report the original errors; no quick fixes on text that does not parse
  second.syntaxErrors = first.syntaxErrors;
  second.sites = {};
  return second;
}
