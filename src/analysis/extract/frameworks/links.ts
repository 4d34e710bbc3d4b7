// The files around the analysed one: launch scripts that run it (GPU count, accelerate config, CLI
// overrides) and the DeepSpeed/accelerate configs it links (`deepspeed: ds.json`, `--config_file`).
// Files are read through the caller's readFile (fs in the CLI and the extension host; none in the
// webview), so this module stays pure. Every file read is listed in hp.linkedFiles.
import { SourceSpan } from '../source';
import { HyperparamKey, Hyperparams } from '../hyperparams';
import { findInvocation, Invocation } from '../invocation';
import { parseJsonConfig } from '../json';
import { parseYamlConfig } from '../yaml';
import { readAccelerate } from './accelerate';
import { readDeepSpeed } from './deepspeed';
import { applySettings, LinkedFrom } from './settings';
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

function anchorOf(hp: Hyperparams): SourceSpan {
  return hp.modelLoad ?? hp.trainer ?? hp.model?.span ?? ZERO;
}

/** The analysed file as an absolute path, and the folder relative paths resolve against. */
export function filePaths(ctx: LinkContext): { file?: string; root?: string } {
  const root = ctx.workspaceRoot ? normalizePath(ctx.workspaceRoot) : undefined;
  const file = root ? joinPath(root, ctx.fileName) : isAbsolutePath(ctx.fileName) ? normalizePath(ctx.fileName) : undefined;
  return { file, root };
}

/**
 * The launch (found here unless the caller found it: `invocation`, null for none), linked configs, then
 * the framework rules that depend on them. The launch's command-line values were read by the file's
 * reader (through its dialect table); here its GPU count, configs and environment apply. Never throws.
 */
export function enrichHyperparams(hp: Hyperparams, x: ConfigExtraction | null, ctx: LinkContext, invocation?: Invocation | null): void {
  const linked = new Set<string>();
  const { file, root } = filePaths(ctx);
  const links: LinkRequest[] = [...(x?.links ?? [])];
  // Python: TrainingArguments(deepspeed="ds_config.json")
  if (!x && hp.deepspeed && hp.deepspeed.value !== '<dict>' && !/[{}$]/.test(hp.deepspeed.value)) {
    links.push({ kind: 'deepspeed', path: hp.deepspeed.value, span: hp.deepspeed.span, via: `deepspeed="${hp.deepspeed.value}"` });
  }
  try {
    const inv = invocation === undefined && file ? findInvocation('', file, root, hp.kind === 'python' ? 'python' : 'config', ctx) : invocation;
    if (inv && file) applyInvocation(hp, inv, links, linked, root ?? dirnameOf(file));
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

/** What a launch decides beyond its command-line values: the GPU count, the accelerate/DeepSpeed configs, FSDP. */
function applyInvocation(hp: Hyperparams, inv: Invocation, links: LinkRequest[], linked: Set<string>, root: string): void {
  for (const f of inv.files) linked.add(f);
  const launch = inv.launch;
  const where = inv.where;
  const anchor = inv.span ?? anchorOf(hp);
  const others = inv.found > 1 ? ` (${inv.found} launches found; this one first)` : '';
  const assumed = inv.assumed ? { assumed: true } : {};
  // a command that runs the file decides the GPU count; a usage example only where the file says nothing
  if (launch.gpus && (!hp.gpus || ((hp.gpus.assumed || hp.gpus.implied) && !inv.assumed))) {
    hp.gpus = { value: launch.gpus.value, span: anchor, valueSpan: anchor, how: `${launch.gpus.how} in ${where}${others}`, ...assumed };
  }
  if (launch.zeroStage !== undefined && !hp.zeroStage)
    hp.zeroStage = {
      value: launch.zeroStage,
      span: anchor,
      valueSpan: anchor,
      how: `accelerate launch --use_deepspeed --zero_stage ${launch.zeroStage} in ${where}`,
      ...assumed,
    };
  if (launch.fsdp && !hp.fsdp?.value)
    hp.fsdp = {
      value: 'full_shard',
      span: anchor,
      valueSpan: anchor,
      how: `${/ACCELERATE_USE_FSDP/.test(launch.command) || launch.env.ACCELERATE_USE_FSDP ? 'ACCELERATE_USE_FSDP=1' : 'accelerate launch --use_fsdp'} in ${where}`,
      ...assumed,
    };
  if (launch.accelerateConfig) {
    links.unshift({
      kind: 'accelerate',
      path: launch.accelerateConfig,
      span: anchor,
      via: `accelerate launch --config_file ${launch.accelerateConfig} in ${where}`,
      cwd: launch.cwd,
      ...(inv.assumed ? { assumed: true } : {}),
    });
  }
  if (launch.deepspeedConfig) {
    const cur = hp.deepspeed;
    const span = cur?.span ?? anchor;
    hp.deepspeed = { value: launch.deepspeedConfig.path, span, valueSpan: span, how: `${launch.deepspeedConfig.how} in ${where}`, ...assumed };
    for (let i = links.length - 1; i >= 0; i--) if (links[i].kind === 'deepspeed') links.splice(i, 1);
    links.push({
      kind: 'deepspeed',
      path: launch.deepspeedConfig.path,
      span,
      via: `${launch.deepspeedConfig.how} in ${where}`,
      cwd: launch.cwd,
      ...(inv.assumed ? { assumed: true } : {}),
    });
  }
  void root;
}

/** A linked config that is not in the workspace still names what it does: deepspeed_zero3.yaml, fsdp.yaml. */
function guessFromName(hp: Hyperparams, l: LinkRequest): void {
  const name = l.path.split('/').pop() ?? l.path;
  const stage = /zero[_-]?(stage[_-]?)?([0-3])|(^|[_-])z([0-3])([_.-]|$)|stage[_-]?([0-3])/i.exec(name);
  const how = `${name}, the name of the accelerate config (${l.via}; not in the workspace)`;
  if (stage && !hp.zeroStage) {
    const n = Number(stage[2] ?? stage[4] ?? stage[6]);
    hp.zeroStage = { value: n, span: l.span, valueSpan: l.span, how, assumed: true };
    if (/offload/i.test(name) && !hp.offloadOptimizer) hp.offloadOptimizer = { value: true, span: l.span, valueSpan: l.span, how, assumed: true };
  } else if (/fsdp/i.test(name) && !hp.fsdp?.value) {
    hp.fsdp = { value: /offload/i.test(name) ? 'full_shard offload' : 'full_shard', span: l.span, valueSpan: l.span, how, assumed: true };
  }
}

function candidatesFor(p: string, file: string, root: string | undefined, cwd?: string): string[] {
  if (isAbsolutePath(p)) return [normalizePath(p)];
  const out: string[] = [];
  const add = (base: string) => {
    const c = joinPath(base, p);
    if (!out.includes(c)) out.push(c);
  };
  // The job runs from the working directory (docs/sources/parsing-pitfalls.md §4): the launcher's cwd, the workspace
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
    if (l.kind === 'accelerate') guessFromName(hp, l);
    hp.unread.push({
      key: l.kind === 'deepspeed' ? 'deepspeed' : 'accelerate config',
      span: l.span,
      reason: `${l.path} was not found (looked in ${candidates
        .slice(0, 3)
        .map((c) => display(root, dirnameOf(c)) || '.')
        .join(', ')})${l.kind === 'deepspeed' ? '; the ZeRO stage is guessed from its name' : ''}`,
    });
    return;
  }
  linked.add(at);
  const shown = display(root, at);
  const from: LinkedFrom = { file: shown, span: l.span, via: l.via, ...(l.assumed ? { assumed: true } : {}) };
  const doc = /\.ya?ml$/i.test(at) ? parseYamlConfig(text) : parseJsonConfig(text);
  if (l.kind === 'deepspeed') {
    const ds = readDeepSpeed(doc.root);
    // a DeepSpeed optimizer section replaces the Trainer's optim (transformers integrations/deepspeed.py)
    applySettings(hp, ds.settings, from, new Set<HyperparamKey>(['optimizer', 'zeroStage', 'offloadOptimizer', 'offloadParams']));
    if (ds.stageDefaulted && !hp.zeroStage)
      hp.zeroStage = { value: 0, span: l.span, valueSpan: l.span, how: `${shown} has no zero_optimization.stage: DeepSpeed default stage 0`, implied: true };
    for (const u of ds.unread) hp.unread.push({ key: u.key, span: l.span, reason: `${u.key} in ${shown} (line ${u.entry.keySpan.line + 1}): ${u.reason}` });
    if (doc.errors.length && !Object.keys(ds.settings).length)
      hp.unread.push({ key: 'deepspeed', span: l.span, reason: `${shown} is not valid JSON (${doc.errors[0].message})` });
  } else {
    const a = readAccelerate(doc.root);
    // a --num_processes on the command line wins over the config file
    const settings = { ...a.settings };
    if (hp.gpus && !hp.gpus.implied && /--num_processes|--nproc|--num_gpus|NPROC_PER_NODE/.test(hp.gpus.how)) delete settings.gpus;
    applySettings(hp, settings, from, new Set<HyperparamKey>(['gpus', 'fsdp', 'zeroStage', 'offloadOptimizer', 'offloadParams']));
    if (a.stageDefaulted && !hp.zeroStage)
      hp.zeroStage = {
        value: 2,
        span: l.span,
        valueSpan: l.span,
        how: `${shown} sets DEEPSPEED without zero_stage: accelerate DeepSpeedPlugin default stage 2`,
        implied: true,
      };
    if (a.deepspeedFile) {
      resolveLink(
        hp,
        { kind: 'deepspeed', path: a.deepspeedFile.path, span: l.span, via: `deepspeed_config_file in ${shown}, ${l.via}` },
        file,
        root,
        ctx,
        linked,
        depth + 1,
      );
    }
  }
}
