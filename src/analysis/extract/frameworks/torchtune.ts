// torchtune recipe configs (OmegaConf YAML). Model size and LoRA/QLoRA live only in the builder name of
// model._component_; sequence length at tokenizer.max_seq_len; `dtype: bf16` is pure bf16 (no fp32
// master copy). Recipe-code defaults: recipes/*.py cfg.get(...) calls (docs/sources/framework-keys.md §6).
import { asBool, asNameList, asPositiveInt, asString, ConfigReader } from './reader';
import { ConfigExtraction } from './types';
import { TORCHTUNE_KEYS, TORCHTUNE_LORA_KEYS, TORCHTUNE_SEQ_LEN } from '../../vocab/dialects/torchtune';
import { OPTIMIZER_CLASSES } from '../../vocab/values';
import { CEntry, litOf } from './tree';

export const TORCHTUNE_NOT_MODELLED = [
  'teacher_model',
  'ref_policy_model',
  'reward_and_value_model',
  'quantizer',
  'tensor_parallel_dim',
  'context_parallel_dim',
  'data_parallel_replicate_dim',
  'ac_mode',
  'ac_option',
  'custom_sharded_layers',
];

interface Builder {
  /** catalog id (or the closest HF id) */
  id: string;
  label: string;
}

const SIZE = (s: string) => s.replace(/_/g, '.').toUpperCase();

/**
 * torchtune builder names (torchtune/models/<family>/_model_builders.py) -> Hugging Face ids of the
 * checkpoints their configs download (the `tune download` line of each config).
 */
export function torchtuneBuilderModel(builder: string): Builder | undefined {
  const b = builder.replace(/^q?lora_/, '');
  let m: RegExpExecArray | null;
  if ((m = /^llama2_(7|13|70)b$/.exec(b))) return { id: `meta-llama/Llama-2-${m[1]}b-hf`, label: `Llama 2 ${m[1]}B` };
  if ((m = /^code_llama2_(7|13|70)b$/.exec(b))) return { id: `codellama/CodeLlama-${m[1]}b-hf`, label: `Code Llama ${m[1]}B` };
  if ((m = /^llama3_(8|70)b$/.exec(b))) return { id: `meta-llama/Meta-Llama-3-${m[1]}B`, label: `Llama 3 ${m[1]}B` };
  if ((m = /^llama3_1_(8|70|405)b$/.exec(b))) return { id: `meta-llama/Llama-3.1-${m[1]}B`, label: `Llama 3.1 ${m[1]}B` };
  if ((m = /^llama3_2_(1|3)b$/.exec(b))) return { id: `meta-llama/Llama-3.2-${m[1]}B`, label: `Llama 3.2 ${m[1]}B` };
  if ((m = /^llama3_2_vision_(11|90)b$/.exec(b))) return { id: `meta-llama/Llama-3.2-${m[1]}B-Vision`, label: `Llama 3.2 Vision ${m[1]}B` };
  if (/^llama3_3_70b$/.test(b)) return { id: 'meta-llama/Llama-3.3-70B-Instruct', label: 'Llama 3.3 70B' };
  if (/^llama4_scout_17b_16e$/.test(b)) return { id: 'meta-llama/Llama-4-Scout-17B-16E', label: 'Llama 4 Scout 17B-16E' };
  if (/^llama4_maverick_17b_128e$/.test(b)) return { id: 'meta-llama/Llama-4-Maverick-17B-128E', label: 'Llama 4 Maverick' };
  if (/^mistral_7b$/.test(b)) return { id: 'mistralai/Mistral-7B-v0.1', label: 'Mistral 7B' };
  if ((m = /^gemma_(2|7)b$/.exec(b))) return { id: `google/gemma-${m[1]}b`, label: `Gemma ${m[1]}B` };
  if ((m = /^gemma2_(2|9|27)b$/.exec(b))) return { id: `google/gemma-2-${m[1]}b`, label: `Gemma 2 ${m[1]}B` };
  if ((m = /^qwen2_(0_5|1_5|7|72)b$/.exec(b))) return { id: `Qwen/Qwen2-${SIZE(m[1])}B`, label: `Qwen2 ${SIZE(m[1])}B` };
  if ((m = /^qwen2_5_(0_5|1_5|3|7|14|32|72)b(?:_(instruct|base))?$/.exec(b)))
    return { id: `Qwen/Qwen2.5-${SIZE(m[1])}B${m[2] === 'instruct' ? '-Instruct' : ''}`, label: `Qwen2.5 ${SIZE(m[1])}B` };
  if ((m = /^qwen3_(0_6|1_7|4|8|14|32)b(?:_(instruct|base))?$/.exec(b)))
    return { id: `Qwen/Qwen3-${SIZE(m[1])}B${m[2] === 'base' ? '-Base' : ''}`, label: `Qwen3 ${SIZE(m[1])}B` };
  if (/^phi3_mini$/.test(b)) return { id: 'microsoft/Phi-3-mini-4k-instruct', label: 'Phi-3 mini' };
  if (/^phi4(_14b)?$/.test(b)) return { id: 'microsoft/phi-4', label: 'Phi-4 14B' };
  return undefined;
}

/** The same model up to its variant: Meta-Llama-3.1-8B-Instruct and Llama-3.1-8B, Qwen2.5-7B-Instruct and Qwen2.5-7B. */
function sameCheckpointFamily(a: string, b: string): boolean {
  const norm = (id: string) =>
    (id.split('/').pop() ?? id)
      .toLowerCase()
      .replace(/^meta-/, '')
      .replace(/-(instruct|chat|hf|base|it)$/, '')
      .replace(/[^a-z0-9]/g, '');
  return norm(a) === norm(b);
}

/** torchtune LoRA module names -> the HF-style names the memory model knows. */
function loraTargets(attn: string[], mlp: boolean, output: boolean): string[] {
  const map: Record<string, string> = { q_proj: 'q_proj', k_proj: 'k_proj', v_proj: 'v_proj', output_proj: 'o_proj' };
  const t = attn.map((a) => map[a] ?? a);
  if (mlp) t.push('gate_proj', 'up_proj', 'down_proj');
  if (output) t.push('lm_head');
  return t;
}

export function extractTorchtune(r: ConfigReader, x: ConfigExtraction): void {
  const hp = r.hp;
  hp.framework = 'torchtune';
  const header = headerComment(r.doc.text);
  const recipe = /\b(\w+_(?:distributed|single_device))\b/.exec(header)?.[1] ?? /\b(generate|eleuther_eval|quantize|dev\/\w+)\b/.exec(header)?.[1];

  // ---- model ------------------------------------------------------------------------------------------
  const comp = r.entry('model._component_');
  r.used.add('model._component_');
  let lora = false;
  let qlora = false;
  if (comp) {
    const full = asString(litOf(comp.value)) ?? '';
    const builder = full.split('.').pop() ?? full;
    lora = /^(q?lora)_/.test(builder);
    qlora = /^qlora_/.test(builder);
    const builderModel = torchtuneBuilderModel(builder);
    // The header's `tune download <id>` names the checkpoint: the model of a generic builder with explicit sizes
    // (lora_llama2 for DeepSeek-Math), and the variant of a sized builder's model (-Instruct) when it is that model
    const named = /\btune\s+download\s+([\w.-]+\/[\w.-]+)/.exec(header)?.[1];
    const download = named && (!builderModel || sameCheckpointFamily(named, builderModel.id)) ? named : undefined;
    const m = download && builderModel ? undefined : builderModel;
    hp.modelLoad = comp.keySpan;
    hp.model = {
      value: m?.id ?? download ?? full,
      span: ConfigReader.spanOf(comp),
      valueSpan: comp.value.span,
      how: m
        ? `torchtune model._component_ ${builder} (${m.label}, the checkpoint ${m.id})`
        : download
          ? `the header's tune download ${download} (the checkpoint of builder ${full})`
          : `torchtune model._component_ ${full}`,
    };
    if (lora) r.put('peft', comp, true, `torchtune ${qlora ? 'QLoRA' : 'LoRA'} builder ${builder}`);
    else if (builderModel) r.put('peft', comp, false, `torchtune full-weight builder ${builder}`);
  }

  // ---- purpose: the recipe the config is for -------------------------------------------------------------
  const hasOptimizer = r.has('optimizer') || r.has('optimizer._component_');
  if (hasOptimizer) hp.purpose = { value: 'training', reason: `a torchtune training config${recipe ? ` (${recipe})` : ''}` };
  else if (r.has('tasks') || /eval/.test(recipe ?? '')) hp.purpose = { value: 'evaluation', reason: 'a torchtune evaluation config (no optimizer)' };
  else if (r.has('quantizer') || recipe === 'quantize') hp.purpose = { value: 'quantization', reason: 'a torchtune quantization config (no optimizer)' };
  else hp.purpose = { value: 'inference', reason: 'a torchtune generation config (no optimizer)' };

  // ---- LoRA (builder arguments) -----------------------------------------------------------------------------
  if (lora) {
    r.takeAll(TORCHTUNE_LORA_KEYS);
    r.impliedDefault('loraR', 'torchtune.loraR', 'torchtune LoRA builders default');
    const attn = r.entry('model.lora_attn_modules');
    const mlp = r.entry('model.apply_lora_to_mlp');
    const out = r.entry('model.apply_lora_to_output');
    for (const k of ['model.lora_attn_modules', 'model.apply_lora_to_mlp', 'model.apply_lora_to_output']) r.used.add(k);
    const attnList = attn ? asNameList(litOf(attn.value)) : undefined;
    if (attnList) {
      const t = loraTargets(attnList, mlp ? asBool(litOf(mlp.value)) === true : false, out ? asBool(litOf(out.value)) === true : false);
      const parts = [
        `lora_attn_modules ${JSON.stringify(attnList)}`,
        mlp ? `apply_lora_to_mlp: ${asBool(litOf(mlp.value))}` : 'apply_lora_to_mlp default False',
        out ? `apply_lora_to_output: ${asBool(litOf(out.value))}` : '',
      ];
      r.put('loraTargets', attn!, t, `torchtune ${parts.filter(Boolean).join(', ')}`);
    } else if (attn) hp.unread.push({ key: 'model.lora_attn_modules', span: ConfigReader.spanOf(attn), reason: 'not a list of module names' });
    const qb = r.entry('model.quantize_base');
    r.used.add('model.quantize_base');
    if (qb && asBool(litOf(qb.value)) !== undefined)
      r.put('loadIn4bit', qb, asBool(litOf(qb.value))!, `torchtune model.quantize_base: ${asBool(litOf(qb.value))}`);
    else if (qlora) r.put('loadIn4bit', comp!, true, `torchtune QLoRA builder (quantize_base=True: NF4 base weights, torchao)`);
    if (hp.loadIn4bit?.value) {
      // torchao NF4Tensor: 4-bit blocks of 64 with the block scales quantized again (calibration cases A5/A8: nf4-dq)
      r.implied('quantType', 'nf4', 'torchtune quantizes the base with torchao NF4');
      r.implied('doubleQuant', true, 'torchao NF4 also quantizes the block scales (like double quantization)');
      r.implied('kbitPrep', false, 'torchtune keeps non-quantized params in the training dtype');
    }
  }

  // ---- precision: pure dtype, no autocast -------------------------------------------------------------------
  r.takeAll(TORCHTUNE_KEYS);
  r.impliedDefault('dtype', 'torchtune.dtype');
  if (lora && hp.dtype) r.implied('adapterDtype', hp.dtype.value, `torchtune builds the adapters in the model dtype (${hp.dtype.value})`);

  // ---- batch, sequence ------------------------------------------------------------------------------------------
  const msl = r.entry('tokenizer.max_seq_len');
  r.used.add('tokenizer.max_seq_len');
  if (msl && msl.value.kind === 'scalar' && msl.value.value === null && r.has('dataset.max_seq_len')) {
    // torchtune 0.1: the dataset truncates (the tokenizer's null does not)
    r.take('seqLen', 'dataset.max_seq_len', asPositiveInt);
  } else if (msl && msl.value.kind === 'scalar' && msl.value.value === null) {
    hp.unread.push({
      key: 'tokenizer.max_seq_len',
      span: ConfigReader.spanOf(msl),
      reason: 'max_seq_len: null leaves sequences as long as the dataset makes them',
    });
  } else r.takeAll([TORCHTUNE_SEQ_LEN]);

  // ---- activations, loss, compile --------------------------------------------------------------------------
  r.impliedDefault('gradientCheckpointing', 'torchtune.gradientCheckpointing', 'torchtune recipes default');
  const loss = r.entry('loss._component_');
  r.used.add('loss._component_');
  if (loss) {
    const name = (asString(litOf(loss.value)) ?? '').split('.').pop() ?? '';
    // LinearCrossEntropyLoss projects and scores the tokens in chunks; CEWithChunkedOutputLoss upcasts 8 output chunks one at a time
    if (/^(LinearCrossEntropyLoss|CEWithChunkedOutputLoss|ForwardKLWithChunkedOutputLoss)$/.test(name))
      r.put('loss', loss, 'chunked', `torchtune loss ${name} (chunked cross-entropy)`);
    else if (/CrossEntropyLoss$/.test(name)) r.put('loss', loss, 'standard', `torchtune loss ${name}`);
    else (hp.notModelled ??= []).push({ key: 'loss._component_', span: ConfigReader.spanOf(loss), value: JSON.stringify(name) });
  }
  // compile: a bool, or a mapping of compile options (compiles)
  r.take('torchCompile', 'compile', (n) => asBool(n) ?? (n !== null && typeof n === 'object' && !Array.isArray(n) ? true : undefined));

  // ---- optimizer ------------------------------------------------------------------------------------------------
  const opt = r.entry('optimizer._component_');
  r.used.add('optimizer._component_');
  r.used.add('optimizer.fused');
  if (opt) {
    const name = asString(litOf(opt.value)) ?? '';
    const fused = r.entry('optimizer.fused');
    const kind = torchtuneOptimizer(name, fused ? asBool(litOf(fused.value)) === true : false);
    if (kind) r.put('optimizer', opt, kind, `torchtune optimizer ${name}${fused && asBool(litOf(fused.value)) ? ' (fused: True)' : ''}`);
    else hp.unread.push({ key: 'optimizer._component_', span: ConfigReader.spanOf(opt), reason: `optimizer ${name} is not modelled` });
  } else if (hasOptimizer) hp.unread.push({ key: 'optimizer', span: ConfigReader.spanOf(r.entry('optimizer')!), reason: 'no optimizer._component_' });

  // ---- distribution: the recipe decides (the header comment names it) --------------------------------------------
  const distributed = recipe ? /_distributed$/.test(recipe) : false;
  const nproc = /--nproc[_-]per[_-]node[ =](\d+)/.exec(header);
  const nnodes = /--nnodes[ =](\d+)/.exec(header);
  if (nproc && distributed) {
    const n = Number(nproc[1]) * (nnodes ? Number(nnodes[1]) : 1);
    hp.gpus = {
      value: n,
      span: r.anchor(),
      valueSpan: r.anchor(),
      how: `the config's header comment launches it with \`tune run${nnodes ? ` --nnodes ${nnodes[1]}` : ''} --nproc_per_node ${nproc[1]} ${recipe}\` (no launch script found)`,
      assumed: true,
    };
  }
  if (distributed) {
    const reshard = r.entry('fsdp_reshard_after_forward');
    r.used.add('fsdp_reshard_after_forward');
    const grad = reshard && asBool(litOf(reshard.value)) === false;
    const at: CEntry | undefined = reshard ?? undefined;
    const how = `torchtune ${recipe} shards with FSDP2 (fully_shard)${grad ? '; fsdp_reshard_after_forward: False keeps the layers gathered (like SHARD_GRAD_OP)' : ''}`;
    if (at) r.put('fsdp', at, grad ? 'shard_grad_op' : 'full_shard', how);
    else r.implied('fsdp', 'full_shard', how);
    const off = r.entry('fsdp_cpu_offload');
    r.used.add('fsdp_cpu_offload');
    if (off && asBool(litOf(off.value)) !== undefined) {
      r.put('offloadParams', off, asBool(litOf(off.value))!, `torchtune fsdp_cpu_offload: ${asBool(litOf(off.value))}`);
      r.put('offloadOptimizer', off, asBool(litOf(off.value))!, `torchtune fsdp_cpu_offload: ${asBool(litOf(off.value))}`);
    }
  }
  for (const k of ['checkpointer.checkpoint_dir', 'tokenizer._component_', 'device', 'enable_activation_checkpointing', 'enable_activation_offloading'])
    r.used.add(k);
  r.noteNotModelled(TORCHTUNE_NOT_MODELLED);
  const lossName = loss ? (asString(litOf(loss.value)) ?? '') : '';
  if (/DPOLoss|PPOLoss|GRPO/.test(lossName))
    (hp.notModelled ??= []).push({ key: 'loss._component_', span: ConfigReader.spanOf(loss!), value: JSON.stringify(lossName.split('.').pop()) });
  void x;
}

/** torchtune optimizer components -> HF optim names (plan/optimizerKind maps those); torchao's low-bit AdamW
 * classes keep their names' state (AdamW8bit: 8-bit), its plain AdamW is unfused. */
function torchtuneOptimizer(component: string, fused: boolean): string | undefined {
  const name = OPTIMIZER_CLASSES[component.split('.').pop() ?? ''];
  return name === 'adamw_torch' && fused && !/torchao/.test(component) ? 'adamw_torch_fused' : name;
}

/** The comment block above the first key (torchtune configs name their recipe and launch command there). */
export function headerComment(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n').slice(0, 80)) {
    const t = line.trim();
    if (t.startsWith('#')) out.push(t.replace(/^#+\s?/, ''));
    else if (t !== '') break;
  }
  return out.join('\n');
}

export function looksLikeTorchtune(text: string, keys: Set<string>, modelIsMap: boolean): boolean {
  if (modelIsMap && /_component_:\s*torchtune\./.test(text)) return true;
  return /_component_:\s*torchtune\./.test(text) && (keys.has('tokenizer') || keys.has('checkpointer'));
}
