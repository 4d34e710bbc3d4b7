// Pieces several config readers share: LoRA target lists, FSDP settings in HF/axolotl style,
// inline DeepSpeed dicts and `deepspeed:` links.
import { Found } from '../source';
import { DEEPSPEED_NOT_MODELLED, readDeepSpeed } from './deepspeed';
import { asBool, asPositiveInt, asString, ConfigReader } from './reader';
import { asFsdpOptions, fsdpStrategyName } from '../../vocab/values';
import { LinkRequest } from './types';
import { CNode, entryAt, isMap, litOf } from './tree';

/**
 * HF TrainingArguments / axolotl style FSDP: `fsdp` (list, string or bool) plus `fsdp_config` whose keys may
 * carry an `fsdp_` prefix (transformers strips it: training_args.py). axolotl's `fsdp_version: 2` with an
 * fsdp_config turns FSDP on without the list.
 */
export function readHfFsdp(r: ConfigReader): void {
  const hp = r.hp;
  const cfgKey = (name: string) =>
    r.has(`fsdp_config.fsdp_${name}`) ? `fsdp_config.fsdp_${name}` : r.has(`fsdp_config.${name}`) ? `fsdp_config.${name}` : undefined;
  const fsdpEntry = r.entry('fsdp');
  const version = r.entry('fsdp_version') ?? (cfgKey('version') ? r.entry(cfgKey('version')!) : undefined);
  const v2 = version ? asPositiveInt(litOf(version.value)) === 2 : false;
  if (version) r.used.add(version === r.entry('fsdp_version') ? 'fsdp_version' : cfgKey('version')!);
  let mode: string | undefined;
  if (fsdpEntry) {
    r.used.add('fsdp');
    const v = fsdpEntry.value;
    // TrainingArguments(fsdp=…): a list or string of options, or a bool (the HF dialect's converter)
    mode = asFsdpOptions(litOf(v)) ?? '';
  }
  if (mode === undefined && v2 && r.has('fsdp_config')) mode = 'full_shard';
  if (mode === undefined || !mode.trim()) return;
  const strat = cfgKey('sharding_strategy');
  if (strat) {
    r.used.add(strat);
    const e = r.entry(strat)!;
    const raw = e.value.kind === 'scalar' ? e.value.value : undefined;
    const name = fsdpStrategyName(raw);
    if (name && !mode.toLowerCase().includes(name))
      mode = `${name} ${mode.replace(/\b(full_shard|shard_grad_op|hybrid_shard(_zero2)?|no_shard)\b/gi, '').trim()}`.trim();
  }
  const reshard = cfgKey('reshard_after_forward');
  if (reshard && v2) {
    r.used.add(reshard);
    if (asBool(litOf(r.entry(reshard)!.value)) === false) mode = mode.replace(/\bfull_shard\b/i, 'shard_grad_op');
  }
  const at = fsdpEntry ?? version ?? r.entry('fsdp_config')!;
  r.put('fsdp', at, mode.trim(), `${r.prefix}${fsdpEntry ? 'fsdp' : 'fsdp_version: 2'}${strat || (reshard && v2) ? ' with fsdp_config' : ''}`);
  const off = cfgKey('offload_params');
  if (off) {
    r.used.add(off);
    const e = r.entry(off)!;
    const b = asBool(litOf(e.value));
    if (b !== undefined) {
      // FSDP CPUOffload(offload_params=True): parameters and gradients on CPU, the optimizer steps there
      r.put('offloadParams', e, b, `${r.prefix}${off}`);
      r.put('offloadOptimizer', e, b, `${r.prefix}${off}`);
    }
  } else if (/\boffload\b/i.test(mode)) {
    r.put('offloadParams', at, true, `${r.prefix}fsdp "offload"`);
    r.put('offloadOptimizer', at, true, `${r.prefix}fsdp "offload"`);
  }
  const ac = cfgKey('activation_checkpointing');
  if (ac) {
    r.used.add(ac);
    const e = r.entry(ac)!;
    if (asBool(litOf(e.value)) === true && !hp.gradientCheckpointing) r.put('gradientCheckpointing', e, true, `${r.prefix}${ac}`);
  }
}

/** `deepspeed: path` (a link to read) or an inline dict (read here). */
export function readDeepSpeedKey(r: ConfigReader, links: LinkRequest[], path = 'deepspeed'): void {
  const e = r.entry(path);
  if (!e) return;
  r.used.add(path);
  const v = e.value;
  if (isMap(v)) {
    r.put('deepspeed', e, '<dict>', `${r.prefix}${path} (inline)`);
    const ds = readDeepSpeed(v);
    for (const [k, s] of Object.entries(ds.settings)) {
      if (!s) continue;
      const cur = (r.hp as unknown as Record<string, Found<unknown> | undefined>)[k];
      if (cur && !cur.implied && k !== 'optimizer') continue;
      const f: Found<unknown> = { value: s.value, span: ConfigReader.spanOf(s.entry), valueSpan: s.entry.value.span, how: `${r.prefix}${path}.${s.how}` };
      (r.hp as unknown as Record<string, unknown>)[k] = f;
    }
    if (ds.stageDefaulted)
      r.impliedDefault('zeroStage', 'deepspeed.zeroStage', 'the inline DeepSpeed config leaves it out: DeepSpeed default', ConfigReader.spanOf(e));
    for (const u of ds.unread) r.hp.unread.push({ key: `${path}.${u.key}`, span: ConfigReader.spanOf(u.entry), reason: u.reason });
    return;
  }
  const p = asString(litOf(v));
  if (!p || /^(none|null|false)$/i.test(p)) return;
  r.put('deepspeed', e, p, `${r.prefix}${path}`);
  if (/\$\{|\{\{/.test(p)) {
    r.hp.unread.push({ key: path, span: ConfigReader.spanOf(e), reason: `${p} is filled in at launch time` });
    return;
  }
  links.push({ kind: 'deepspeed', path: p, span: ConfigReader.spanOf(e), via: `${path}: ${p}` });
}

/** Reads the DeepSpeed keys a DeepSpeed config may also have inline, for the not-modelled list. */
export const DEEPSPEED_INLINE_NOT_MODELLED = DEEPSPEED_NOT_MODELLED.map((k) => `deepspeed.${k}`);

/** The first key of a root map whose value is a string: the model key when nothing better exists. */
export function firstKeySpan(root: CNode | null) {
  return isMap(root) && root.entries.length ? root.entries[0].keySpan : undefined;
}

export function setModel(r: ConfigReader, path: string, how?: string): boolean {
  const e = entryAt(r.root, path);
  if (!e) return false;
  r.used.add(path);
  const res = r.resolve(e);
  const v = res.node.kind === 'scalar' ? res.node.value : undefined;
  if (typeof v !== 'string' || !v.trim()) {
    if (v !== null && v !== undefined) r.hp.unread.push({ key: path, span: ConfigReader.spanOf(e), reason: `${String(v)} is not a model id` });
    return false;
  }
  if (res.unresolved) {
    r.hp.unread.push({ key: path, span: ConfigReader.spanOf(e), reason: res.unresolved });
    return false;
  }
  r.hp.modelLoad = e.keySpan;
  r.hp.model = { value: v.trim(), span: ConfigReader.spanOf(e), valueSpan: res.node.span, how: how ?? `${r.prefix}${path}${res.via ? ` via ${res.via}` : ''}` };
  return true;
}
