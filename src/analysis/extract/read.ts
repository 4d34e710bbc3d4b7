// One entry for reading a file's training job: how the file is run (launch.json, a launch script, its
// own usage example) is found first, so that the command's values go through the file's reader and its
// dialect table like the file's own keys; then the linked configs and the framework rules apply.
// Notebooks and task files whose training is a launch command (`!torchrun train.py …`, dstack
// `commands:`) are read as the launched script or config with that command's values, with every finding
// on the command. Never throws on user input.
import type { Parser } from 'web-tree-sitter';
import { emptyHyperparams, FileKind, Hyperparams } from './hyperparams';
import { CliValue, extractPython } from './python';
import { ConfigExtraction, ConfigFormat, ConfigOverride, detectConfigFormat, extractConfig, parseConfig } from './frameworks/index';
import type { ConfigDoc } from './frameworks/tree';
import { enrichHyperparams, filePaths, LinkContext } from './frameworks/links';
import { cliValuesOf, findInvocation, Invocation, ShellChunk, trainingLaunchOf } from './invocation';
import { Launch } from './launchers';
import { mapSpans } from './notebook';
import type { JoinedNotebook } from './notebook';
import { dirnameOf, isAbsolutePath, joinPath, normalizePath, relativeTo } from './frameworks/paths';
import { CNode, entryOf, isMap } from './frameworks/tree';
import { SourceSpan } from './source';

export interface ReadContext extends LinkContext {
  pythonParser: Parser;
  /** the notebook the Python text was joined from: its shell cells may launch the training */
  notebook?: JoinedNotebook;
}

const MAX_NESTING = 2;

/** Launcher options that are not the program's own settings. */
const LAUNCHER_KEYS = /^(config|config_file|cfg|deepspeed|num_processes|num-processes|launcher)$/;

function configOverrides(inv: Invocation | undefined): ConfigOverride[] {
  if (!inv) return [];
  const values = cliValuesOf(inv);
  return [...values].filter(([k]) => !LAUNCHER_KEYS.test(k)).map(([key, v]) => ({ key, value: v.value, how: v.how, ...(v.assumed ? { assumed: true } : {}) }));
}

/** Reads a script or config (not a notebook's joined program: see readNotebook). */
export function readHyperparams(text: string, kind: FileKind, ctx: ReadContext, depth = 0): Hyperparams {
  if (kind === 'notebook' || (kind === 'python' && ctx.notebook)) return readNotebook(text, ctx, depth);
  if (kind === 'shell') return readShellScript(text, ctx, depth);
  const { file, root } = filePaths(ctx);
  // a config parsed once: only configs a training job reads look for how they are launched (package.json,
  // DeepSpeed and accelerate files, merge recipes do not scan the workspace's launch scripts)
  let doc: ConfigDoc | undefined;
  if (kind === 'yaml' || kind === 'json') {
    try {
      doc = parseConfig(text, kind);
    } catch {
      doc = undefined;
    }
  }
  const launched = !doc || !NOT_LAUNCHED.has(detectConfigFormat(doc));
  const inv = file && launched ? findInvocation(text, file, root, kind === 'python' ? 'python' : 'config', ctx) : undefined;
  return readWith(text, kind, ctx, inv, depth, undefined, doc);
}

/** Config formats that are not a training job's own config: no launch command to look for. */
const NOT_LAUNCHED = new Set<ConfigFormat>(['unknown', 'deepspeed', 'accelerate', 'mergekit', 'distilabel']);

function readWith(
  text: string,
  kind: FileKind,
  ctx: ReadContext,
  inv: Invocation | undefined,
  depth: number,
  cliExtra?: Map<string, CliValue>,
  doc?: ConfigDoc,
): Hyperparams {
  let hp: Hyperparams;
  let extraction: ConfigExtraction | null = null;
  if (kind === 'yaml' || kind === 'json') {
    extraction = extractConfig(text, kind, configOverrides(inv), doc);
    hp = extraction.hp;
    if (hp.purpose?.value === 'unknown' && depth < MAX_NESTING) {
      const task = readTaskFile(text, kind, ctx, depth);
      if (task) return task;
    }
  } else if (kind === 'python') {
    const cli = inv ? cliValuesOf(inv) : new Map<string, CliValue>();
    for (const [k, v] of cliExtra ?? []) cli.set(k, v);
    hp = extractPython(ctx.pythonParser, text, { cli, document: ctx.fileName });
  } else return emptyHyperparams(kind);
  // launch scripts and linked DeepSpeed/accelerate configs, for training files (not for unknown YAML/JSON)
  if (!hp.purpose || hp.purpose.value === 'training') enrichHyperparams(hp, extraction, ctx, inv ?? null);
  return hp;
}

// ---- launched programs -----------------------------------------------------------------------------------

const kindOf = (p: string): FileKind => (/\.py$/i.test(p) ? 'python' : /\.ya?ml$/i.test(p) ? 'yaml' : /\.json$/i.test(p) ? 'json' : 'unknown');

/** TRL's CLI subcommands run its scripts with these argument classes (trl/cli.py). */
const TRL_COMMANDS: Record<string, { args: string; trainer: string }> = {
  sft: { args: 'SFTConfig', trainer: 'SFTTrainer' },
  dpo: { args: 'DPOConfig', trainer: 'DPOTrainer' },
  grpo: { args: 'GRPOConfig', trainer: 'GRPOTrainer' },
  kto: { args: 'KTOConfig', trainer: 'KTOTrainer' },
  rloo: { args: 'RLOOConfig', trainer: 'RLOOTrainer' },
  reward: { args: 'RewardConfig', trainer: 'RewardTrainer' },
};

/**
 * The job a launch command runs, read from the launched script or config when it is in the workspace (with
 * the command's values), else from the command's values alone; every span is the command's (`at`).
 */
function readLaunched(launch: Launch, where: string, at: SourceSpan, hostFile: string, ctx: ReadContext, depth: number): Hyperparams | undefined {
  const { root } = filePaths(ctx);
  const base = root ?? dirnameOf(hostFile);
  const inv: Invocation = { launch, where, assumed: false, span: at, files: [], found: 1 };
  const target = launch.targets.find((t) => !t.includes('$')) ?? launch.targets[0];
  let hp: Hyperparams | undefined;
  let shown = target ?? launch.launcher;
  if (target && ctx.readFile && depth < MAX_NESTING) {
    for (const dir of [launch.cwd, dirnameOf(hostFile), base]) {
      const abs = isAbsolutePath(target) ? normalizePath(target) : joinPath(dir, target);
      const text = ctx.readFile(abs);
      if (text === undefined) continue;
      shown = relativeTo(base, abs);
      hp = readWith(text, kindOf(abs), { ...ctx, fileName: abs, notebook: undefined }, inv, depth + 1);
      // the launched file must train: a training purpose, or a trainer, training arguments or an optimizer it builds
      // (a helper script the command runs — `python utils.py` — is not a training job)
      const trains = hp.purpose ? hp.purpose.value === 'training' : !!(hp.trainer || hp.argsClass || hp.optimizer);
      if (!trains) return undefined;
      // the launched file's positions mean nothing here: everything points at the command
      mapSpans(hp, () => at);
      for (const k of Object.keys(hp) as (keyof Hyperparams)[]) {
        const f = hp[k] as { how?: string } | undefined;
        if (f && typeof f === 'object' && typeof f.how === 'string' && !f.how.includes(where)) f.how = `${f.how} in ${shown}`;
      }
      hp.sites = {};
      delete hp.imports;
      // the launched file's own syntax errors are not the host's
      hp.syntaxErrors = [];
      (hp.linkedFiles ??= []).push(abs);
      break;
    }
  }
  if (!hp) {
    // the launched program is not here: what the command line says, read as its arguments, when the
    // command says it trains (a training launcher, a training script's name, training arguments)
    if (!launchTrains(launch, target)) return undefined;
    const python = ['python', 'torchrun', 'accelerate', 'deepspeed', 'trl'].includes(launch.launcher);
    if (!python) {
      hp = emptyHyperparams('unknown');
      hp.framework =
        launch.launcher === 'llamafactory-cli'
          ? 'llama-factory'
          : launch.launcher === 'axolotl'
            ? 'axolotl'
            : launch.launcher === 'tune'
              ? 'torchtune'
              : launch.launcher === 'swift'
                ? 'ms-swift'
                : 'unknown';
      // an axolotl / LLaMA-Factory / torchtune / ms-swift config that is not here: its command-line keys only
      const x = extractConfig('', 'yaml', configOverrides(inv));
      hp = { ...x.hp, framework: x.hp.framework === 'unknown' ? hp.framework : x.hp.framework };
      enrichHyperparams(hp, x, { ...ctx, fileName: hostFile }, inv);
    } else {
      const cli = cliValuesOf(inv);
      hp = extractPython(ctx.pythonParser, '', { cli });
      // TRL's scripts (trl/scripts/sft.py, dpo.py, …) or their TRL-only keys: the TRL config's defaults apply
      const script =
        (target ?? '')
          .split('/')
          .pop()
          ?.replace(/\.py$/, '')
          .replace(/_modeling$/, '') ?? '';
      const trlKeys = ['use_peft', 'lora_r', 'dataset_name', 'packing', 'dataset_text_field', 'completion_only_loss', 'assistant_only_loss'].some((k) =>
        cli.has(k),
      );
      const trl =
        launch.launcher === 'trl'
          ? TRL_COMMANDS[/trl\s+(\w+)/.exec(launch.command)?.[1] ?? 'sft']
          : trlKeys
            ? (TRL_COMMANDS[script] ?? TRL_COMMANDS.sft)
            : undefined;
      if (trl) {
        hp.framework = 'trl';
        hp.argsClass = trl.args;
        hp.trainerClass = trl.trainer;
      } else if (hp.framework === 'unknown') hp.framework = 'transformers';
      // a launched script named for LoRA (run_ds_lora.py, finetune_qlora.py) trains adapters
      const name = target?.split('/').pop() ?? '';
      if (!hp.peft && /(^|[_-])q?lora([_.-]|$)/i.test(name))
        hp.peft = { value: true, span: at, valueSpan: at, how: `${name}: a LoRA training script by its name (not in the workspace)`, assumed: true };
      enrichHyperparams(hp, null, { ...ctx, fileName: hostFile }, inv);
    }
    mapSpans(hp, () => at);
  }
  hp.trainer ??= at;
  hp.purpose = { value: 'training', reason: `${where} launches ${shown}` };
  return hp;
}

/** Arguments only a training run takes. */
const TRAINING_ARGS =
  /^(per_device_train_batch_size|gradient_accumulation_steps|learning_rate|lr|num_train_epochs|max_steps|output_dir|use_peft|use_lora|lora_r|deepspeed|micro_batch_size|batch_size|train_type|finetuning_type)$/;

/** Does a launch whose program is not in the workspace train? Its launcher, its script's name or its arguments say so. */
function launchTrains(launch: Launch, target: string | undefined): boolean {
  if (['llamafactory-cli', 'axolotl', 'tune', 'trl', 'swift'].includes(launch.launcher)) return true;
  const name = (target ?? '').split('/').pop() ?? '';
  if (/train|finetun|fine_tun|sft|dpo|grpo|ppo|orpo|kto|rlhf|lora|pretrain|run_clm|run_mlm/i.test(name)) return true;
  return launch.overrides.some((o) => TRAINING_ARGS.test(o.key.replace(/-/g, '_')));
}

// ---- notebooks ----------------------------------------------------------------------------------------------

/**
 * A notebook's code cells as one program; when that program trains nothing itself and a cell launches
 * training (`!python train.py --…`, `!torchrun`, `!accelerate launch`, `%%bash`, `!llamafactory-cli train`,
 * `!axolotl train`), the launched job with that cell's values, its findings on the cell.
 */
function readNotebook(text: string, ctx: ReadContext, depth: number): Hyperparams {
  const own = extractPython(ctx.pythonParser, text, { document: ctx.fileName && `${ctx.fileName}#cells` });
  const nb = ctx.notebook;
  const { file, root } = filePaths(ctx);
  // the notebook's own cells train (a trainer, a training loop): its launch cells are preparation
  const ownTrains = !!(own.trainer || own.purpose?.value === 'training' || own.optimizer || (own.peft && own.microBatch));
  if (ownTrains || !nb?.shell?.length || !file) {
    if (!own.purpose || own.purpose.value === 'training') enrichHyperparams(own, null, ctx, null);
    return own;
  }
  const folder = dirnameOf(file);
  const chunks: ShellChunk[] = nb.shell.map((c) => ({ text: c.text, span: c.span, cwd: c.cwd ? joinPath(folder, c.cwd) : folder }));
  for (const { launch, chunk } of trainingLaunchOf(chunks, file, root ?? folder)) {
    const hp = readLaunched(launch, `the launch cell (${launch.command.slice(0, 60)}${launch.command.length > 60 ? '…' : ''})`, chunk.span, file, ctx, depth);
    if (!hp) continue;
    hp.kind = 'python';
    hp.syntaxErrors = own.syntaxErrors;
    return hp;
  }
  if (!own.purpose || own.purpose.value === 'training') enrichHyperparams(own, null, ctx, null);
  return own;
}

// ---- shell scripts ---------------------------------------------------------------------------------------

/** The span of a 1-based line of a text. */
function lineSpan(text: string, line: number): SourceSpan {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    start = nl + 1;
  }
  const nl = text.indexOf('\n', start);
  const end = nl < 0 ? text.length : text[nl - 1] === '\r' ? nl - 1 : nl;
  return { start, end, line: line - 1, column: 0, endLine: line - 1, endColumn: end - start };
}

/**
 * A shell script opened on its own: the first training job it launches (python/torchrun/accelerate/deepspeed
 * with a training script, llamafactory-cli, axolotl, tune, trl, swift), read from the launched file with the
 * command's values, or from the command's values alone; findings sit on the command's first line.
 */
function readShellScript(text: string, ctx: ReadContext, depth: number): Hyperparams {
  const { file, root } = filePaths(ctx);
  const cwd = file ? dirnameOf(file) : '';
  const whole = lineSpan(text, 1);
  for (const { launch } of trainingLaunchOf([{ text, span: whole, cwd }], file ?? 'script.sh', root ?? cwd)) {
    const at = lineSpan(text, launch.line);
    const hp = readLaunched(launch, `${(file ?? 'script.sh').split('/').pop()} (line ${launch.line})`, at, file ?? 'script.sh', ctx, depth + 1);
    if (!hp) continue;
    hp.kind = 'shell';
    return hp;
  }
  const hp = emptyHyperparams('shell');
  hp.purpose = {
    value: 'unknown',
    reason:
      'a shell script that launches no training command (python/torchrun/accelerate/deepspeed with a training script, llamafactory-cli, axolotl, tune, trl, swift)',
  };
  return hp;
}

// ---- task files: dstack `commands:`, SkyPilot `run:` ------------------------------------------------------

/** Environment of a task file: `env: [K=V, …]` or `env: {K: V}` (dstack, SkyPilot `envs:`). */
function envOf(n: CNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (n?.kind === 'seq')
    for (const i of n.items)
      if (i.kind === 'scalar' && typeof i.value === 'string') {
        const m = /^([A-Za-z_]\w*)=(.*)$/.exec(i.value);
        if (m) out[m[1]] = m[2];
      }
  if (isMap(n)) for (const e of n.entries) if (e.value.kind === 'scalar' && e.value.value !== null) out[e.key] = String(e.value.value);
  return out;
}

/** A YAML task whose commands launch training (dstack `commands:`, SkyPilot `run:`): the launched job. */
function readTaskFile(text: string, kind: 'yaml' | 'json', ctx: ReadContext, depth: number): Hyperparams | undefined {
  const doc = parseConfig(text, kind);
  const root = doc.root;
  if (!isMap(root)) return undefined;
  const env = { ...envOf(entryOf(root, 'env')?.value), ...envOf(entryOf(root, 'envs')?.value) };
  const chunks: ShellChunk[] = [];
  const { file, root: ws } = filePaths(ctx);
  if (!file) return undefined;
  const cwd = dirnameOf(file);
  for (const key of ['commands', 'run', 'script', 'setup']) {
    const e = entryOf(root, key);
    if (!e) continue;
    const items = e.value.kind === 'seq' ? e.value.items : [e.value];
    // one shell session: `cd` and exports carry over from item to item
    const lines = items.map((i) => (i.kind === 'scalar' && typeof i.value === 'string' ? i.value : '')).join('\n');
    if (lines.trim()) chunks.push({ text: lines, span: e.keySpan, cwd, env });
  }
  if (!chunks.length) return undefined;
  for (const { launch, chunk } of trainingLaunchOf(chunks, file, ws ?? cwd)) {
    const hp = readLaunched(
      launch,
      `the task's ${entryOf(root, 'commands') ? 'commands' : 'run'} (${launch.command.slice(0, 60)}${launch.command.length > 60 ? '…' : ''})`,
      chunk.span,
      file,
      ctx,
      depth + 1,
    );
    if (!hp) continue;
    hp.kind = kind;
    // the values live in the commands, not in keys a config fix could write
    hp.framework = 'task';
    hp.syntaxErrors = doc.errors.slice(0, 20).map((e) => e.span);
    return hp;
  }
  return undefined;
}
