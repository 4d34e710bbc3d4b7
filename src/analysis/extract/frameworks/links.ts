// The files around the analysed one: launch scripts that run it (GPU count, accelerate config, CLI
// overrides) and the DeepSpeed/accelerate configs it links (`deepspeed: ds.json`, `--config_file`).
// Files are read through the caller's readFile (fs in the CLI and the extension host; none in the
// webview), so this module stays pure. Every file read is listed in hp.linkedFiles.
import { Found, SourceSpan } from '../source';
import { HyperparamKey, Hyperparams } from '../hyperparams';
import { findLaunches, Launch } from '../launchers';
import { parseJsonConfig } from '../json';
import { parseYamlConfig } from '../yaml';
import { readAccelerate } from './accelerate';
import { asCheckpointing } from './common';
import { readDeepSpeed } from './deepspeed';
import { asBool, asDtype, asPositiveInt, asString, Convert } from './reader';
import { applySettings, LinkedFrom } from './settings';
import { CNode, litOf } from './tree';
import { dirnameOf, isAbsolutePath, joinPath, normalizePath, relativeTo } from './paths';
import { ConfigExtraction, LinkRequest } from './types';

export interface LinkContext {
  /** the analysed file (absolute, or relative to workspaceRoot) */
  fileName: string;
  readFile?: (absPath: string) => string | undefined;
  /** where relative paths in configs and launch commands resolve (the workspace folder, the CLI's cwd) */
  workspaceRoot?: string;
  /** shell scripts under a folder, absolute paths (bounded by the caller) */
  listShellScripts?: (root: string) => string[];
}

const ZERO: SourceSpan = { start: 0, end: 0, line: 0, column: 0, endLine: 0, endColumn: 0 };
const MAX_LINK_DEPTH = 3;

// Command-line keys (HfArgumentParser --key, llamafactory-cli/tune key=value, axolotl --key) -> Hyperparams
const OVERRIDES: Record<string, { key: HyperparamKey; convert: Convert<unknown>; invert?: boolean }> = {
  per_device_train_batch_size: { key: 'microBatch', convert: asPositiveInt },
  micro_batch_size: { key: 'microBatch', convert: asPositiveInt },
  batch_size: { key: 'microBatch', convert: asPositiveInt },
  gradient_accumulation_steps: { key: 'gradAccumulation', convert: asPositiveInt },
  max_seq_length: { key: 'seqLen', convert: asPositiveInt },
  max_length: { key: 'seqLen', convert: asPositiveInt },
  cutoff_len: { key: 'seqLen', convert: asPositiveInt },
  sequence_len: { key: 'seqLen', convert: asPositiveInt },
  'tokenizer.max_seq_len': { key: 'seqLen', convert: asPositiveInt },
  model_max_length: { key: 'seqLen', convert: asPositiveInt },
  gradient_checkpointing: { key: 'gradientCheckpointing', convert: asCheckpointing },
  enable_activation_checkpointing: { key: 'gradientCheckpointing', convert: asBool },
  disable_gradient_checkpointing: { key: 'gradientCheckpointing', convert: asBool, invert: true },
  enable_activation_offloading: { key: 'activationOffload', convert: asBool },
  bf16: { key: 'bf16', convert: asBool },
  fp16: { key: 'fp16', convert: asBool },
  optim: { key: 'optimizer', convert: asString },
  optimizer: { key: 'optimizer', convert: asString },
  lora_r: { key: 'loraR', convert: asPositiveInt },
  lora_rank: { key: 'loraR', convert: asPositiveInt },
  'model.lora_rank': { key: 'loraR', convert: asPositiveInt },
  load_in_4bit: { key: 'loadIn4bit', convert: asBool },
  load_in_8bit: { key: 'loadIn8bit', convert: asBool },
  dtype: { key: 'dtype', convert: asDtype },
  torch_dtype: { key: 'dtype', convert: asDtype },
  attn_implementation: { key: 'attention', convert: asString },
  use_peft: { key: 'peft', convert: asBool },
};

function scalarNode(v: string): CNode {
  const value = /^(true|false)$/i.test(v) ? v.toLowerCase() === 'true' : /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) ? Number(v) : v;
  return { kind: 'scalar', value, quoted: false, span: ZERO };
}

function anchorOf(hp: Hyperparams): SourceSpan {
  return hp.modelLoad ?? hp.trainer ?? hp.model?.span ?? ZERO;
}

/** Launch scripts, linked configs, then the framework rules that depend on them. Never throws. */
export function enrichHyperparams(hp: Hyperparams, x: ConfigExtraction | null, ctx: LinkContext): void {
  const linked = new Set<string>();
  const root = ctx.workspaceRoot ? normalizePath(ctx.workspaceRoot) : undefined;
  const file = root ? joinPath(root, ctx.fileName) : isAbsolutePath(ctx.fileName) ? normalizePath(ctx.fileName) : undefined;
  const links: LinkRequest[] = [...(x?.links ?? [])];
  // Python: TrainingArguments(deepspeed="ds_config.json")
  if (!x && hp.deepspeed && hp.deepspeed.value !== '<dict>' && !/[{}$]/.test(hp.deepspeed.value)) {
    links.push({ kind: 'deepspeed', path: hp.deepspeed.value, span: hp.deepspeed.span, via: `deepspeed="${hp.deepspeed.value}"` });
  }
  try {
    if (file && root && ctx.readFile && ctx.listShellScripts) applyLaunchers(hp, links, linked, file, root, ctx);
    if (file && ctx.readFile) for (const l of links) resolveLink(hp, l, file, root, ctx, linked, 0);
  } catch (e) {
    hp.unread.push({ key: 'linked files', span: anchorOf(hp), reason: `could not be read: ${(e as Error).message}` });
  }
  try {
    x?.finalize?.(hp);
  } catch (e) {
    hp.unread.push({ key: 'defaults', span: anchorOf(hp), reason: `a framework rule failed: ${(e as Error).message}` });
  }
  if (linked.size) hp.linkedFiles = [...linked];
}

function display(root: string | undefined, p: string): string {
  return root ? relativeTo(root, p) : p;
}

function applyLaunchers(hp: Hyperparams, links: LinkRequest[], linked: Set<string>, file: string, root: string, ctx: LinkContext): void {
  const scripts = ctx.listShellScripts!(root).slice(0, 200);
  const found: Launch[] = [];
  for (const s of scripts) {
    const text = ctx.readFile!(s);
    if (text === undefined || !/[\w-]+/.test(text)) continue;
    const ls = findLaunches(text, s, file, root);
    if (ls.length) {
      linked.add(normalizePath(s));
      found.push(...ls);
    }
  }
  if (!found.length) return;
  // The first launch that says the most: a GPU count beats none
  const launch = found.find((l) => l.gpus) ?? found[0];
  const where = `${display(root, launch.scriptPath)} (line ${launch.line})`;
  const anchor = anchorOf(hp);
  const others = found.length > 1 ? ` (${found.length} launches found; this one first)` : '';
  if (launch.gpus) {
    hp.gpus = { value: launch.gpus.value, span: anchor, valueSpan: anchor, how: `${launch.gpus.how} in ${where}${others}` };
  }
  if (launch.zeroStage !== undefined && !hp.zeroStage) hp.zeroStage = { value: launch.zeroStage, span: anchor, valueSpan: anchor, how: `accelerate launch --use_deepspeed --zero_stage ${launch.zeroStage} in ${where}` };
  if (launch.fsdp && !hp.fsdp?.value) hp.fsdp = { value: 'full_shard', span: anchor, valueSpan: anchor, how: `accelerate launch --use_fsdp in ${where}` };
  if (launch.accelerateConfig) {
    links.unshift({ kind: 'accelerate', path: launch.accelerateConfig, span: anchor, via: `accelerate launch --config_file ${launch.accelerateConfig} in ${where}`, cwd: launch.cwd });
  }
  if (launch.deepspeedConfig) {
    const cur = hp.deepspeed;
    const span = cur?.span ?? anchor;
    hp.deepspeed = { value: launch.deepspeedConfig.path, span, valueSpan: span, how: `${launch.deepspeedConfig.how} in ${where}` };
    for (let i = links.length - 1; i >= 0; i--) if (links[i].kind === 'deepspeed') links.splice(i, 1);
    links.push({ kind: 'deepspeed', path: launch.deepspeedConfig.path, span, via: `${launch.deepspeedConfig.how} in ${where}`, cwd: launch.cwd });
  }
  for (const o of launch.overrides) {
    const spec = OVERRIDES[o.key] ?? OVERRIDES[o.key.replace(/-/g, '_')];
    if (!spec) continue;
    let v = spec.convert(litOf(scalarNode(o.value)));
    if (v === undefined) {
      hp.unread.push({ key: o.key, span: anchor, reason: `--${o.key} ${o.value} in ${where} is not a value VRAM Lens reads` });
      continue;
    }
    if (spec.invert && typeof v === 'boolean') v = !v;
    if (spec.key === 'gradientCheckpointing' && hp.gradientCheckpointing && !hp.gradientCheckpointing.implied && typeof v === 'boolean' && v === hp.gradientCheckpointing.value) continue;
    const cur = hp[spec.key] as Found<unknown> | undefined;
    const span = cur && !cur.implied ? cur.span : anchor;
    const before = cur && !cur.implied ? `, overriding ${JSON.stringify(cur.value)} in the file` : '';
    (hp as unknown as Record<string, unknown>)[spec.key] = { value: v, span, valueSpan: span, how: `${o.key}=${o.value} on the command line in ${where}${before}` } satisfies Found<unknown>;
  }
}

function candidatesFor(p: string, file: string, root: string | undefined, cwd?: string): string[] {
  if (isAbsolutePath(p)) return [normalizePath(p)];
  const out: string[] = [];
  const add = (base: string) => {
    const c = joinPath(base, p);
    if (!out.includes(c)) out.push(c);
  };
  // The job runs from the working directory (parsing-pitfalls.md 4): the launcher's cwd, the workspace
  // root; then the file's folder and its parents (a repository inside the workspace).
  if (cwd) add(cwd);
  if (root) add(root);
  let d = dirnameOf(file);
  for (let i = 0; i < 12; i++) {
    add(d);
    if ((root && normalizePath(d) === root) || d === '/' || d === '.') break;
    const up = dirnameOf(d);
    if (up === d) break;
    d = up;
  }
  return out;
}

function resolveLink(hp: Hyperparams, l: LinkRequest, file: string, root: string | undefined, ctx: LinkContext, linked: Set<string>, depth: number): void {
  if (depth > MAX_LINK_DEPTH) return;
  const cwd = l.cwd;
  const candidates = candidatesFor(l.path, file, root, cwd);
  let text: string | undefined;
  let at: string | undefined;
  for (const c of candidates) {
    if (normalizePath(c) === normalizePath(file)) continue;
    text = ctx.readFile!(c);
    if (text !== undefined) {
      at = c;
      break;
    }
  }
  if (text === undefined || !at) {
    if (candidates[0]) linked.add(candidates[0]);
    hp.unread.push({
      key: l.kind === 'deepspeed' ? 'deepspeed' : 'accelerate config',
      span: l.span,
      reason: `${l.path} was not found (looked in ${candidates.slice(0, 3).map((c) => display(root, dirnameOf(c)) || '.').join(', ')})${l.kind === 'deepspeed' ? '; the ZeRO stage is guessed from its name' : ''}`,
    });
    return;
  }
  linked.add(at);
  const shown = display(root, at);
  const from: LinkedFrom = { file: shown, span: l.span, via: l.via };
  const doc = /\.ya?ml$/i.test(at) ? parseYamlConfig(text) : parseJsonConfig(text);
  if (l.kind === 'deepspeed') {
    const ds = readDeepSpeed(doc.root);
    // a DeepSpeed optimizer section replaces the Trainer's optim (transformers integrations/deepspeed.py)
    applySettings(hp, ds.settings, from, new Set<HyperparamKey>(['optimizer', 'zeroStage', 'offloadOptimizer', 'offloadParams']));
    if (ds.stageDefaulted && !hp.zeroStage) hp.zeroStage = { value: 0, span: l.span, valueSpan: l.span, how: `${shown} has no zero_optimization.stage: DeepSpeed default stage 0`, implied: true };
    for (const u of ds.unread) hp.unread.push({ key: u.key, span: l.span, reason: `${u.key} in ${shown} (line ${u.entry.keySpan.line + 1}): ${u.reason}` });
    if (doc.errors.length && !Object.keys(ds.settings).length) hp.unread.push({ key: 'deepspeed', span: l.span, reason: `${shown} is not valid JSON (${doc.errors[0].message})` });
  } else {
    const a = readAccelerate(doc.root);
    // a --num_processes on the command line wins over the config file
    const settings = { ...a.settings };
    if (hp.gpus && !hp.gpus.implied && /--num_processes|--nproc|--num_gpus|NPROC_PER_NODE/.test(hp.gpus.how)) delete settings.gpus;
    applySettings(hp, settings, from, new Set<HyperparamKey>(['gpus', 'fsdp', 'zeroStage', 'offloadOptimizer', 'offloadParams']));
    if (a.stageDefaulted && !hp.zeroStage) hp.zeroStage = { value: 2, span: l.span, valueSpan: l.span, how: `${shown} sets DEEPSPEED without zero_stage: accelerate DeepSpeedPlugin default stage 2`, implied: true };
    if (a.deepspeedFile) {
      resolveLink(hp, { kind: 'deepspeed', path: a.deepspeedFile.path, span: l.span, via: `deepspeed_config_file in ${shown}, ${l.via}` }, file, root, ctx, linked, depth + 1);
    }
  }
}
