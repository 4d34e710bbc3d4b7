// DeepSpeed config (JSON file, or a dict inside another config) -> settings.
// Keys and defaults: deepspeed.ai/docs/config-json (docs/sources/framework-keys.md §8). With the HF Trainer, "auto" values are
// filled from TrainingArguments (transformers integrations/deepspeed.py), so "auto" leaves the script's value.
import { Found } from '../source';
import { asBool, asNumber, asPositiveInt, asString, ConfigReader } from './reader';
import { Setting, SettingMap } from './settings';
import { CEntry, CNode, entryAt, isMap, litOf } from './tree';

export interface DeepSpeedRead {
  settings: SettingMap;
  /** values that are template placeholders or otherwise unreadable */
  unread: { key: string; entry: CEntry; reason: string }[];
  /** the config has no zero_optimization.stage: DeepSpeed's default stage 0 applies */
  stageDefaulted: boolean;
  /** key paths read */
  used: string[];
}

/** Keys a DeepSpeed config may carry that change memory and are not modelled. */
export const DEEPSPEED_NOT_MODELLED = [
  'zero_optimization.zero_hpz_partition_size',
  'zero_optimization.zero_quantized_weights',
  'zero_optimization.zero_quantized_gradients',
  'zero_optimization.stage3_max_live_parameters',
  'zero_optimization.stage3_prefetch_bucket_size',
  'zero_optimization.reduce_bucket_size',
  'zero_optimization.allgather_bucket_size',
  'zero_optimization.sub_group_size',
  'bf16.bf16_master_weights_and_grads',
  'bf16.bf16_optimizer_states',
  'tensor_parallel.autotp_size',
  'sequence_parallel_size',
  'activation_checkpointing.partition_activations',
  'activation_checkpointing.cpu_checkpointing',
];

const isAuto = (n: CNode) => n.kind === 'scalar' && typeof n.value === 'string' && n.value.trim().toLowerCase() === 'auto';
const isPlaceholder = (n: CNode) => n.kind === 'scalar' && !n.quoted && typeof n.value === 'string' && !isAuto(n);

export function readDeepSpeed(root: CNode | null): DeepSpeedRead {
  const out: DeepSpeedRead = { settings: {}, unread: [], stageDefaulted: false, used: [] };
  if (!isMap(root)) return out;
  const at = (path: string) => {
    const e = entryAt(root, path);
    if (e) out.used.push(path);
    return e;
  };
  const num = (path: string): { e: CEntry; v: number } | undefined => {
    const e = at(path);
    if (!e || isAuto(e.value) || (e.value.kind === 'scalar' && e.value.value === null)) return undefined;
    const v = asNumber(litOf(e.value));
    if (v === undefined) {
      out.unread.push({
        key: path,
        entry: e,
        reason: isPlaceholder(e.value) ? `${String((e.value as { value: unknown }).value)} is a template placeholder` : 'not a number',
      });
      return undefined;
    }
    return { e, v };
  };
  const set = <T>(key: keyof SettingMap, e: CEntry, value: T, how: string) => {
    (out.settings as Record<string, Setting<unknown>>)[key] = { value, entry: e, how };
  };

  // ---- ZeRO ------------------------------------------------------------------------------------------
  const zo = at('zero_optimization');
  if (zo && isMap(zo.value)) {
    const st = num('zero_optimization.stage');
    if (st && [0, 1, 2, 3].includes(st.v)) set('zeroStage', st.e, st.v, `zero_optimization.stage: ${st.v}`);
    else if (!entryAt(root, 'zero_optimization.stage')) out.stageDefaulted = true;
    for (const [path, key] of [
      ['zero_optimization.offload_optimizer.device', 'offloadOptimizer'],
      ['zero_optimization.offload_param.device', 'offloadParams'],
    ] as const) {
      const e = at(path);
      if (!e) continue;
      const dev = asString(litOf(e.value))?.toLowerCase();
      if (dev === 'cpu' || dev === 'nvme') set(key, e, true, `${path}: ${dev}`);
      else if (dev === 'none' || dev === undefined) set(key, e, false, `${path}: ${dev ?? 'null'}`);
      else out.unread.push({ key: path, entry: e, reason: `${dev} is a template placeholder` });
    }
    // 2020-21 stage-2 flag, superseded by offload_optimizer (docs/sources/framework-keys.md §8)
    const legacy = at('zero_optimization.cpu_offload');
    if (legacy && asBool(litOf(legacy.value)) === true && !out.settings.offloadOptimizer)
      set('offloadOptimizer', legacy, true, 'zero_optimization.cpu_offload: true');
  } else if (zo && !isMap(zo.value)) {
    out.unread.push({ key: 'zero_optimization', entry: zo, reason: 'not a mapping' });
  } else {
    out.stageDefaulted = true;
  }

  // ---- batch -----------------------------------------------------------------------------------------
  const mb = num('train_micro_batch_size_per_gpu');
  if (mb && asPositiveInt(litOf(mb.e.value))) set('microBatch', mb.e, Math.round(mb.v), `train_micro_batch_size_per_gpu: ${mb.v}`);
  const ga = num('gradient_accumulation_steps');
  if (ga && asPositiveInt(litOf(ga.e.value))) set('gradAccumulation', ga.e, Math.round(ga.v), `gradient_accumulation_steps: ${ga.v}`);

  // ---- precision -------------------------------------------------------------------------------------
  for (const [path, key] of [
    ['bf16.enabled', 'bf16'],
    ['bfloat16.enabled', 'bf16'],
    ['fp16.enabled', 'fp16'],
  ] as const) {
    const e = at(path);
    if (!e || isAuto(e.value) || out.settings[key]) continue;
    const b = asBool(litOf(e.value));
    if (b !== undefined) set(key, e, b, `${path}: ${b}`);
    else out.unread.push({ key: path, entry: e, reason: 'not true/false/"auto"' });
  }

  // ---- optimizer: a DeepSpeed optimizer section replaces the Trainer's optim ---------------------------
  const ot = at('optimizer.type');
  if (ot) {
    const t = asString(litOf(ot.value))?.toLowerCase();
    // DeepSpeed's Adam/AdamW is FusedAdam (or DeepSpeedCPUAdam with offload): in place, fp32 states
    if (t === 'adam' || t === 'adamw') set('optimizer', ot, 'adamw_torch_fused', `optimizer.type: ${asString(litOf(ot.value))} (DeepSpeed FusedAdam)`);
  }
  return out;
}

/** A standalone DeepSpeed config file: its settings with their own ranges, and what it is. */
export function extractDeepSpeedFile(r: ConfigReader): void {
  const hp = r.hp;
  hp.framework = 'deepspeed';
  hp.purpose = { value: 'launcher', reason: 'a DeepSpeed config: settings for the training job that links it (no model here)' };
  const ds = readDeepSpeed(r.root);
  ds.used.forEach((u) => r.used.add(u));
  for (const [k, s] of Object.entries(ds.settings)) {
    if (!s) continue;
    const f: Found<unknown> = { value: s.value, span: ConfigReader.spanOf(s.entry), valueSpan: s.entry.value.span, how: s.how };
    (hp as unknown as Record<string, unknown>)[k] = f;
  }
  if (ds.stageDefaulted && !hp.zeroStage) r.impliedDefault('zeroStage', 'deepspeed.zeroStage');
  for (const u of ds.unread) hp.unread.push({ key: u.key, span: ConfigReader.spanOf(u.entry), reason: u.reason });
  r.noteNotModelled(DEEPSPEED_NOT_MODELLED);
  const ot = r.entry('optimizer.type');
  const t = ot ? asString(litOf(ot.value))?.toLowerCase() : undefined;
  if (ot && t && t !== 'adam' && t !== 'adamw')
    (hp.notModelled ??= []).push({ key: 'optimizer.type', span: ConfigReader.spanOf(ot), value: JSON.stringify(asString(litOf(ot.value))) });
}

/** Does a JSON/YAML tree look like a DeepSpeed config? */
export function looksLikeDeepSpeed(root: CNode | null): boolean {
  if (!isMap(root)) return false;
  const keys = new Set(root.entries.map((e) => e.key));
  if (keys.has('zero_optimization') || keys.has('train_micro_batch_size_per_gpu') || keys.has('zero_allow_untested_optimizer')) return true;
  const dsish = [
    'train_batch_size',
    'gradient_accumulation_steps',
    'steps_per_print',
    'wall_clock_breakdown',
    'fp16',
    'bf16',
    'optimizer',
    'scheduler',
    'gradient_clipping',
  ];
  const n = dsish.filter((k) => keys.has(k)).length;
  return n >= 2 && !keys.has('model_name_or_path') && !keys.has('base_model') && !keys.has('model');
}
