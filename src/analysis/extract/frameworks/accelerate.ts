// accelerate config YAML (`accelerate config` output, `accelerate launch --config_file`) -> settings.
// Keys and defaults: accelerate commands/config/config_args.py and utils/dataclasses.py (docs/sources/framework-keys.md §7).
import { Found } from '../source';
import { asBool, asPositiveInt, asString, ConfigReader } from './reader';
import { Setting, SettingMap } from './settings';
import { CEntry, CNode, entryAt, isMap, litOf } from './tree';
import { fsdpStrategyName } from '../../vocab/values';

export interface AccelerateRead {
  settings: SettingMap;
  /** deepspeed_config.deepspeed_config_file: the DeepSpeed JSON that replaces the inline keys */
  deepspeedFile?: { path: string; entry: CEntry };
  distributedType?: string;
  used: string[];
  unread: { key: string; entry: CEntry; reason: string }[];
  /** the DeepSpeed stage was not given: accelerate's DeepSpeedPlugin default (2) applies */
  stageDefaulted: boolean;
}

export const ACCELERATE_NOT_MODELLED = [
  'parallelism_config.parallelism_config_tp_size',
  'parallelism_config.parallelism_config_cp_size',
  'parallelism_config.parallelism_config_dp_replicate_size',
  'parallelism_config.parallelism_config_sp_size',
  'megatron_lm_config',
  'fp8_config',
];

export function readAccelerate(root: CNode | null): AccelerateRead {
  const out: AccelerateRead = { settings: {}, used: [], unread: [], stageDefaulted: false };
  if (!isMap(root)) return out;
  const at = (path: string) => {
    const e = entryAt(root, path);
    if (e) out.used.push(path);
    return e;
  };
  const set = <T>(key: keyof SettingMap, e: CEntry, value: T, how: string) => {
    (out.settings as Record<string, Setting<unknown>>)[key] = { value, entry: e, how };
  };
  const dt = at('distributed_type');
  const type = dt ? asString(litOf(dt.value))?.toUpperCase() : undefined;
  out.distributedType = type;
  const np = at('num_processes');
  if (np) {
    const n = asPositiveInt(litOf(np.value));
    // -1 / 0 are "not set" sentinels (the class default is -1)
    if (n !== undefined) set('gpus', np, type === 'NO' ? 1 : n, `num_processes: ${n}`);
  }
  const cpu = at('use_cpu');
  if (cpu && asBool(litOf(cpu.value)) === true) out.unread.push({ key: 'use_cpu', entry: cpu, reason: 'the job runs on CPU' });

  if (type === 'DEEPSPEED') {
    const file = at('deepspeed_config.deepspeed_config_file');
    const fp = file ? asString(litOf(file.value)) : undefined;
    if (file && fp && fp.toLowerCase() !== 'none') out.deepspeedFile = { path: fp, entry: file };
    else {
      const st = at('deepspeed_config.zero_stage');
      const stage = st
        ? (asPositiveInt(litOf(st.value)) ?? (asString(litOf(st.value)) === '0' || (st.value.kind === 'scalar' && st.value.value === 0) ? 0 : undefined))
        : undefined;
      if (st && stage !== undefined && stage <= 3) set('zeroStage', st, stage, `deepspeed_config.zero_stage: ${stage}`);
      else out.stageDefaulted = true;
      for (const [path, key] of [
        ['deepspeed_config.offload_optimizer_device', 'offloadOptimizer'],
        ['deepspeed_config.offload_param_device', 'offloadParams'],
      ] as const) {
        const e = at(path);
        const dev = e ? asString(litOf(e.value))?.toLowerCase() : undefined;
        if (e && dev) set(key, e, dev === 'cpu' || dev === 'nvme', `${path}: ${dev}`);
      }
    }
  } else if (type === 'FSDP') {
    const version = at('fsdp_config.fsdp_version');
    const v2 = version ? asPositiveInt(litOf(version.value)) === 2 : false;
    const strat = at('fsdp_config.fsdp_sharding_strategy');
    const reshard = at('fsdp_config.fsdp_reshard_after_forward');
    let strategy = 'full_shard';
    let how = 'distributed_type: FSDP (default FULL_SHARD)';
    let entry: CEntry = dt!;
    if (strat) {
      const raw = strat.value.kind === 'scalar' ? strat.value.value : undefined;
      const s = fsdpStrategyName(raw);
      if (s) {
        strategy = s;
        how = `fsdp_config.fsdp_sharding_strategy: ${String(raw)}`;
        entry = strat;
      } else out.unread.push({ key: 'fsdp_config.fsdp_sharding_strategy', entry: strat, reason: `unknown strategy ${String(raw)}` });
    } else if (reshard && v2) {
      // FSDP2: reshard_after_forward true ≈ FULL_SHARD, false ≈ SHARD_GRAD_OP (docs/sources/framework-keys.md §7)
      const b = asBool(litOf(reshard.value));
      if (b !== undefined) {
        strategy = b ? 'full_shard' : 'shard_grad_op';
        how = `fsdp_config.fsdp_reshard_after_forward: ${b} (FSDP2)`;
        entry = reshard;
      }
    }
    set('fsdp', entry, strategy, how);
    const off = at('fsdp_config.fsdp_offload_params');
    if (off) {
      const b = asBool(litOf(off.value));
      if (b !== undefined) {
        // FSDP CPUOffload(offload_params=True) keeps parameters and gradients on CPU and steps there
        set('offloadParams', off, b, `fsdp_config.fsdp_offload_params: ${b}`);
        set('offloadOptimizer', off, b, `fsdp_config.fsdp_offload_params: ${b}`);
      }
    }
    const ac = at('fsdp_config.fsdp_activation_checkpointing');
    if (ac && asBool(litOf(ac.value)) === true) set('gradientCheckpointing', ac, true, 'fsdp_config.fsdp_activation_checkpointing: true');
  }
  return out;
}

export function looksLikeAccelerate(root: CNode | null): boolean {
  if (!isMap(root)) return false;
  const keys = new Set(root.entries.map((e) => e.key));
  return (keys.has('distributed_type') || keys.has('compute_environment')) && !keys.has('model_name_or_path') && !keys.has('base_model');
}

/** A standalone accelerate config file. */
export function extractAccelerateFile(r: ConfigReader): { deepspeedFile?: { path: string; entry: CEntry } } {
  const hp = r.hp;
  hp.framework = 'accelerate';
  hp.purpose = { value: 'launcher', reason: 'an accelerate launch config: GPU count and sharding for the script launched with it (no model here)' };
  const a = readAccelerate(r.root);
  a.used.forEach((u) => r.used.add(u));
  for (const [k, s] of Object.entries(a.settings)) {
    if (!s) continue;
    const f: Found<unknown> = { value: s.value, span: ConfigReader.spanOf(s.entry), valueSpan: s.entry.value.span, how: s.how };
    (hp as unknown as Record<string, unknown>)[k] = f;
  }
  if (a.stageDefaulted) r.impliedDefault('zeroStage', 'accelerate.zeroStage', 'deepspeed_config without zero_stage: accelerate');
  for (const u of a.unread) hp.unread.push({ key: u.key, span: ConfigReader.spanOf(u.entry), reason: u.reason });
  r.noteNotModelled(ACCELERATE_NOT_MODELLED);
  return { deepspeedFile: a.deepspeedFile };
}
