// Shell launch scripts: which commands run a given training script or config, with how many GPUs, which
// accelerate/DeepSpeed config and which command-line overrides (docs/sources/parsing-pitfalls.md §3: launchers and CLI
// overrides win; the GPU count usually comes only from the launcher). Pure text processing, no shell is run.
import { normalizePath, dirnameOf, joinPath } from './frameworks/paths';

export type LauncherKind = 'torchrun' | 'accelerate' | 'deepspeed' | 'python' | 'axolotl' | 'llamafactory-cli' | 'tune' | 'trl' | 'swift';

export interface Launch {
  launcher: LauncherKind;
  /** the script file that holds the command */
  scriptPath: string;
  /** 1-based line of the command in the script */
  line: number;
  /** the command as written (continuations joined), for reasons */
  command: string;
  /** total processes (GPUs) when the command says: nproc_per_node × nnodes, --num_processes, --num_gpus, CUDA_VISIBLE_DEVICES */
  gpus?: { value: number; how: string; implicit?: boolean };
  /** accelerate launch --config_file */
  accelerateConfig?: string;
  /** a DeepSpeed JSON given on the command line (--deepspeed / --deepspeed_config_file) */
  deepspeedConfig?: { path: string; how: string };
  /** accelerate launch --use_deepspeed --zero_stage N / --use_fsdp, without a config file */
  zeroStage?: number;
  fsdp?: boolean;
  /** `--key value`, `--flag`, `key=value` arguments after the script (HfArgumentParser, llamafactory-cli, tune, axolotl) */
  overrides: { key: string; value: string }[];
  /** the working directory the command runs in, as far as the script says (cd), relative paths resolve there */
  cwd: string;
  /** what the command runs, as written: the script (or `-m` module as a path) and the configs handed to it */
  targets: string[];
  /** the environment the command sets (VAR=value prefixes and exports before it) */
  env: Record<string, string>;
}

const MAX_SCRIPT_CHARS = 256 * 1024;

/** Logical lines: continuations joined, comments dropped, with the 1-based line where each starts. */
function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const raw = text.slice(0, MAX_SCRIPT_CHARS).split(/\r?\n/);
  let cur = '';
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    let l = raw[i];
    if (cur === '') start = i + 1;
    if (/^\s*#/.test(l)) {
      if (cur !== '') continue; // a comment inside a continued command
      continue;
    }
    if (/\\\s*$/.test(l)) {
      cur += l.replace(/\\\s*$/, ' ');
      continue;
    }
    l = cur + l;
    cur = '';
    if (l.trim()) out.push({ text: l, line: start });
  }
  if (cur.trim()) out.push({ text: cur, line: start });
  return out;
}

/** Splits on && || ; | (outside quotes) and tokenises with shell quoting. */
function commandsOf(line: string): string[][] {
  const cmds: string[][] = [];
  let tokens: string[] = [];
  let tok = '';
  let has = false;
  let q: string | null = null;
  const push = () => {
    if (has) tokens.push(tok);
    tok = '';
    has = false;
  };
  const end = () => {
    push();
    // redirections (`> log.txt`, `2>&1`, `&> out`, `< in`) and their targets are not arguments
    const kept: string[] = [];
    for (let k = 0; k < tokens.length; k++) {
      // (`<your_model_path>` in documentation is a placeholder, not an input redirection)
      const r = /^<[^<>]+>$/.test(tokens[k]) ? null : /^(\d*|&)(>>?|<)(&?\d*)(.*)$/.exec(tokens[k]);
      if (!r) kept.push(tokens[k]);
      else if (!r[3] && !r[4]) k++; // the target is the next token
    }
    if (kept.length) cmds.push(kept);
    tokens = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === q) q = null;
      else if (c === '\\' && q === '"' && i + 1 < line.length) tok += line[++i];
      else tok += c;
      continue;
    }
    if (c === '"' || c === "'") {
      q = c;
      has = true;
    } else if (c === '\\' && i + 1 < line.length) {
      tok += line[++i];
      has = true;
    } else if (c === ' ' || c === '\t') push();
    else if (c === ';' || c === '&' || c === '|') {
      end();
      while (line[i + 1] === '&' || line[i + 1] === '|') i++;
    } else if (c === '#' && !has) break;
    else {
      tok += c;
      has = true;
    }
  }
  end();
  return cmds;
}

/** Expands $X, ${X} and ${X:-default} from the script's own assignments and the command's env prefix. */
function expand(token: string, vars: Map<string, string>): string {
  return token.replace(/\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g, (m, a: string, dflt: string | undefined, b: string) => {
    const name = a ?? b;
    const v = vars.get(name);
    if (v !== undefined) return v;
    if (dflt !== undefined) return dflt;
    return m;
  });
}

const WRAPPERS = /^(nohup|time|exec|env|sudo|stdbuf|srun|numactl)$/;
const VAR_ASSIGN = /^([A-Za-z_]\w*)=(.*)$/;

// options that take a value, per launcher (everything else starting with -- is a flag)
const TORCHRUN_VALUED = new Set([
  '--nproc_per_node',
  '--nproc-per-node',
  '--nnodes',
  '--node_rank',
  '--node-rank',
  '--master_addr',
  '--master-addr',
  '--master_port',
  '--master-port',
  '--rdzv_backend',
  '--rdzv-backend',
  '--rdzv_endpoint',
  '--rdzv-endpoint',
  '--rdzv_id',
  '--rdzv-id',
  '--rdzv_conf',
  '--rdzv-conf',
  '--max_restarts',
  '--max-restarts',
  '--monitor_interval',
  '--monitor-interval',
  '--start_method',
  '--start-method',
  '--role',
  '--log_dir',
  '--log-dir',
  '-r',
  '--redirects',
  '-t',
  '--tee',
  '--local_addr',
  '--local-addr',
  '--logs_specs',
  '--local-ranks-filter',
]);
const ACCELERATE_FLAGS = new Set([
  '--multi_gpu',
  '--use_deepspeed',
  '--use_fsdp',
  '--use_megatron_lm',
  '--cpu',
  '--tpu',
  '--debug',
  '-q',
  '--quiet',
  '--no_python',
  '--module',
  '-m',
  '--same_network',
  '--rdzv_conf',
  '--enable_cpu_affinity',
  '--dynamo_use_fullgraph',
  '--dynamo_use_dynamic',
]);
const DEEPSPEED_VALUED = new Set([
  '--num_gpus',
  '--num_nodes',
  '--include',
  '--exclude',
  '--hostfile',
  '-H',
  '--master_port',
  '--master_addr',
  '--launcher',
  '--launcher_args',
  '--module',
  '--ssh_port',
  '--node_rank',
  '--elastic_training',
  '--min_elastic_nodes',
  '--max_elastic_nodes',
  '--bind_core_list',
  '--venv_script',
]);

function countDevices(list: string): number | undefined {
  const ids = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s));
  return ids.length ? ids.length : undefined;
}

interface Parsed {
  launcher: LauncherKind;
  script?: string;
  /** `-m module` launches */
  module?: string;
  args: string[];
  opts: Map<string, string>;
  flags: Set<string>;
}

/** Parses launcher options up to the script (or module) and returns the rest as the script's args. */
function parseLauncher(tokens: string[], launcher: LauncherKind, valued: (o: string) => boolean): Parsed {
  const opts = new Map<string, string>();
  const flags = new Set<string>();
  let i = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '-m' || t === '--module') {
      return { launcher, module: tokens[i + 1], args: tokens.slice(i + 2), opts, flags };
    }
    if (!t.startsWith('-')) break;
    const eq = t.indexOf('=');
    if (eq > 0) opts.set(t.slice(0, eq).replace(/-/g, '_').replace(/^__/, '--'), t.slice(eq + 1));
    else if (valued(t)) opts.set(t.replace(/-/g, '_').replace(/^__/, '--'), tokens[++i] ?? '');
    else flags.add(t.replace(/-/g, '_').replace(/^__/, '--'));
  }
  return { launcher, script: tokens[i], args: tokens.slice(i + 1), opts, flags };
}

/** Script arguments: `--key value`, `--key=value`, `--flag` (true), `key=value`. */
/** Options whose value is a list (`nargs="+"` / list fields): LoRA targets, saved modules, datasets, loggers. */
const LIST_OPTIONS = /^(lora_)?target_modules$|^lora_target$|^(lora_)?modules_to_save$|^additional_target$|^(val_)?datasets?$|^report_to$|^freeze_parameters$/;

function overridesOf(args: string[]): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) out.push({ key: a.slice(2, eq), value: a.slice(eq + 1) });
      else if (i + 1 < args.length && !args[i + 1].startsWith('--')) {
        // `--target_modules q_proj k_proj`: list arguments (argparse nargs="+", HfArgumentParser list fields) take
        // every plain value up to the next option, joined as the comma list the converters read
        const key = a.slice(2);
        const values = [args[++i]];
        if (LIST_OPTIONS.test(key.replace(/-/g, '_')))
          while (i + 1 < args.length && /^[\w./:@-]+$/.test(args[i + 1]) && !args[i + 1].startsWith('-')) values.push(args[++i]);
        out.push({ key, value: values.join(',') });
      } else out.push({ key: a.slice(2), value: 'true' });
    } else {
      const m = /^([\w.]+)=(.*)$/.exec(a);
      if (m) out.push({ key: m[1], value: m[2] });
    }
  }
  return out;
}

/**
 * Every command of a shell script that launches `target` (an absolute, normalised path): as the script
 * run by a launcher, or as a config argument of one (axolotl/llamafactory-cli/tune/trl, or --config of the
 * launched script). `root` is where the script is assumed to run from (the workspace folder).
 */
export function findLaunches(scriptText: string, scriptPath: string, target: string, root: string): Launch[] {
  return allLaunches(scriptText, scriptPath, root).filter((l) =>
    l.targets.some((c) => pathMatches(c, target, [l.cwd, dirnameOf(normalizePath(scriptPath)), normalizePath(root)])),
  );
}

/** Every training launch of a shell text, whatever it runs (notebook cells, task files, usage examples). */
export function allLaunches(scriptText: string, scriptPath: string, root: string, env0: Record<string, string> = {}): Launch[] {
  const launches: Launch[] = [];
  const vars = new Map<string, string>(Object.entries(env0));
  let cwd = normalizePath(root);
  const scriptDir = dirnameOf(normalizePath(scriptPath));
  for (const { text, line } of logicalLines(scriptText)) {
    for (const raw of commandsOf(text)) {
      let tokens = raw.map((t) => expand(t, vars));
      const env = new Map<string, string>();
      // leading VAR=value words: assignments of the script (alone) or the command's environment
      let k = 0;
      while (k < tokens.length && VAR_ASSIGN.test(tokens[k])) k++;
      const assigns = tokens.slice(0, k).map((t) => VAR_ASSIGN.exec(t)!);
      if (k === tokens.length) {
        for (const m of assigns) vars.set(m[1], m[2]);
        continue;
      }
      for (const m of assigns) env.set(m[1], m[2]);
      tokens = tokens.slice(k);
      if (tokens[0] === 'export') {
        for (const t of tokens.slice(1)) {
          const m = VAR_ASSIGN.exec(t);
          if (m) vars.set(m[1], m[2]);
        }
        continue;
      }
      if (tokens[0] === 'cd' && tokens[1]) {
        const d = tokens[1];
        const own = /^\$\(dirname \$\{?(0|BASH_SOURCE(\[0\])?)\}?\)(.*)$/.exec(d); // cd "$(dirname "$0")/.."
        if (own) cwd = joinPath(scriptDir, `.${own[3]}`);
        else if (!d.includes('$') && d !== '-') cwd = d.startsWith('/') ? normalizePath(d) : joinPath(cwd, d);
        continue;
      }
      while (tokens.length && (WRAPPERS.test(tokens[0]) || VAR_ASSIGN.test(tokens[0]))) {
        const m = VAR_ASSIGN.exec(tokens[0]);
        if (m) env.set(m[1], m[2]);
        tokens = tokens.slice(1);
        if (tokens[0]?.startsWith('-') && tokens.length > 1) tokens = tokens.slice(1); // `time -p`, `env -i`
      }
      const launch = interpret(tokens, env, vars);
      if (!launch) continue;
      const candidates = [launch.script, ...launch.configArgs].filter((x): x is string => !!x);
      // trl, swift and an inline `llamafactory-cli train --…` carry the whole job on the command line
      const inline = launch.launcher === 'trl' || launch.launcher === 'swift' || (launch.launcher === 'llamafactory-cli' && launch.overrides.length > 0);
      if (!candidates.length && !inline) continue;
      launches.push({
        launcher: launch.launcher,
        scriptPath,
        line,
        command: text.trim().replace(/\s+/g, ' ').slice(0, 300),
        ...(launch.gpus ? { gpus: launch.gpus } : {}),
        ...(launch.accelerateConfig ? { accelerateConfig: launch.accelerateConfig } : {}),
        ...(launch.deepspeedConfig ? { deepspeedConfig: launch.deepspeedConfig } : {}),
        ...(launch.zeroStage !== undefined ? { zeroStage: launch.zeroStage } : {}),
        ...(launch.fsdp ? { fsdp: true } : {}),
        overrides: launch.overrides,
        cwd,
        targets: candidates,
        env: { ...Object.fromEntries(vars), ...Object.fromEntries(env) },
      });
    }
  }
  return launches;
}

/** What one command line says, before it is tied to the script that holds it. */
type Interpreted = Pick<Launch, 'launcher' | 'gpus' | 'accelerateConfig' | 'deepspeedConfig' | 'zeroStage' | 'fsdp' | 'overrides'> & {
  script?: string;
  configArgs: string[];
};

function interpret(tokens: string[], env: Map<string, string>, vars: Map<string, string>): Interpreted | undefined {
  const cmd = tokens[0]?.split('/').pop() ?? '';
  const visible = env.get('CUDA_VISIBLE_DEVICES') ?? vars.get('CUDA_VISIBLE_DEVICES');
  const visibleCount = visible ? countDevices(visible) : undefined;
  const fromVisible = visibleCount ? { value: visibleCount, how: `CUDA_VISIBLE_DEVICES=${visible}` } : undefined;
  let p: Parsed | undefined;
  let launcher: LauncherKind | undefined;
  const rest = tokens.slice(1);
  if (cmd === 'torchrun') {
    launcher = 'torchrun';
    p = parseLauncher(rest, launcher, (o) => TORCHRUN_VALUED.has(o));
  } else if (/^python(\d(\.\d+)?)?$/.test(cmd)) {
    // python [-u] -m torch.distributed.run|launch ... | python script.py | python -m axolotl.cli.train cfg
    let j = 0;
    while (j < rest.length && /^-[uBOsSE]+$/.test(rest[j])) j++;
    if (rest[j] === '-m' && /^torch\.distributed\.(run|launch)$/.test(rest[j + 1] ?? '')) {
      launcher = 'torchrun';
      p = parseLauncher(rest.slice(j + 2), launcher, (o) => TORCHRUN_VALUED.has(o));
    } else if (rest[j] === '-m' && /^axolotl\.cli\.train$/.test(rest[j + 1] ?? '')) {
      launcher = 'axolotl';
      p = { launcher, script: rest[j + 2], args: rest.slice(j + 3), opts: new Map(), flags: new Set() };
    } else if (rest[j] === '-m' && /^[\w.]+$/.test(rest[j + 1] ?? '') && !/^(pip|venv|ensurepip|http\.server|json\.tool)$/.test(rest[j + 1])) {
      // python -m trl.scripts.dpo …: the module as the path of its file
      launcher = 'python';
      p = { launcher, script: `${rest[j + 1].replace(/\./g, '/')}.py`, args: rest.slice(j + 2), opts: new Map(), flags: new Set() };
    } else if (rest[j] && rest[j] !== '-m' && rest[j] !== '-c') {
      launcher = 'python';
      p = { launcher, script: rest[j], args: rest.slice(j + 1), opts: new Map(), flags: new Set() };
    }
  } else if (cmd === 'accelerate' && rest[0] === 'launch') {
    launcher = 'accelerate';
    p = parseLauncher(rest.slice(1), launcher, (o) => !ACCELERATE_FLAGS.has(o.replace(/-/g, '_').replace(/^__/, '--')));
    if (p.module && /^axolotl\.cli\.train$/.test(p.module)) p = { ...p, script: p.args[0], args: p.args.slice(1) };
  } else if (cmd === 'deepspeed') {
    launcher = 'deepspeed';
    p = parseLauncher(rest, launcher, (o) => DEEPSPEED_VALUED.has(o));
  } else if (cmd === 'axolotl' && rest[0] === 'train') {
    launcher = 'axolotl';
    p = { launcher, script: rest[1], args: rest.slice(2), opts: new Map(), flags: new Set() };
  } else if (cmd === 'llamafactory-cli' && rest[0] === 'train') {
    launcher = 'llamafactory-cli';
    // `llamafactory-cli train config.yaml [key=value …]`, or every argument on the command line (`--stage sft …`)
    const inline = rest[1]?.startsWith('-');
    p = { launcher, script: inline ? undefined : rest[1], args: rest.slice(inline ? 1 : 2), opts: new Map(), flags: new Set() };
  } else if (cmd === 'tune' && rest[0] === 'run') {
    launcher = 'tune';
    const q = parseLauncher(rest.slice(1), launcher, (o) => TORCHRUN_VALUED.has(o));
    const cfgAt = q.args.indexOf('--config');
    const config = cfgAt >= 0 ? q.args[cfgAt + 1] : q.args.find((a) => a.startsWith('--config='))?.slice(9);
    const after = cfgAt >= 0 ? q.args.slice(cfgAt + 2) : q.args;
    p = { ...q, script: config, args: after };
  } else if (cmd === 'trl' && /^(sft|dpo|grpo|kto|reward|rloo)$/.test(rest[0] ?? '')) {
    launcher = 'trl';
    p = { launcher, args: rest.slice(1), opts: new Map(), flags: new Set() };
  } else if ((cmd === 'swift' || cmd === 'megatron') && /^(sft|pt|rlhf)$/.test(rest[0] ?? '')) {
    // ms-swift: swift sft --config x.yaml --key value; torchrun over NPROC_PER_NODE processes
    launcher = 'swift';
    p = { launcher, args: rest.slice(1), opts: new Map(), flags: new Set() };
  }
  if (!p || !launcher) return undefined;
  // only Python programs and configs are training launches (not `python -c`, shell tools or binaries)
  if (p.script && launcher !== 'tune' && !/\.(py|ya?ml|json)$/i.test(p.script) && !/^\$/.test(p.script)) return undefined;

  const out: Interpreted = { launcher, script: p.script, configArgs: [], overrides: overridesOf(p.args) };
  // a config handed to the launched program: --config cfg.yaml, -c cfg.yaml, or a positional .yaml/.json
  for (let i = 0; i < p.args.length; i++) {
    const a = p.args[i];
    if (/^(--config|--config_file|--config-file|-c|--cfg)$/.test(a) && p.args[i + 1]) out.configArgs.push(p.args[i + 1]);
    else if (/^--config(_file)?=/.test(a)) out.configArgs.push(a.slice(a.indexOf('=') + 1));
    else if (!a.startsWith('-') && /\.(ya?ml|json)$/i.test(a)) out.configArgs.push(a);
  }
  out.overrides = out.overrides.filter((o) => !/^(config|config_file|config-file|cfg)$/.test(o.key));
  const o = p.opts;
  const num = (k: string) => {
    const v = o.get(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  if (launcher === 'torchrun' || launcher === 'tune') {
    const per = num('--nproc_per_node');
    const nodes = num('--nnodes') ?? 1;
    const perRaw = o.get('--nproc_per_node');
    if (per) out.gpus = { value: per * nodes, how: `--nproc_per_node ${per}${nodes > 1 ? ` × --nnodes ${nodes}` : ''}` };
    else if ((perRaw === 'gpu' || perRaw === 'auto') && visibleCount)
      out.gpus = { value: visibleCount * nodes, how: `--nproc_per_node ${perRaw} with CUDA_VISIBLE_DEVICES=${visible}` };
    else if (launcher === 'torchrun' && perRaw === undefined)
      out.gpus = { value: nodes, how: 'torchrun without --nproc_per_node (1 process per node)', implicit: true };
  } else if (launcher === 'accelerate') {
    const n = num('--num_processes');
    if (n) out.gpus = { value: n, how: `--num_processes ${n}` };
    else if (o.get('--gpu_ids') && countDevices(o.get('--gpu_ids')!))
      out.gpus = { value: countDevices(o.get('--gpu_ids')!)!, how: `--gpu_ids ${o.get('--gpu_ids')}` };
    out.accelerateConfig = o.get('--config_file');
    if (p.flags.has('--use_deepspeed')) out.zeroStage = num('--zero_stage') ?? 2;
    if (p.flags.has('--use_fsdp')) out.fsdp = true;
    const dsf = o.get('--deepspeed_config_file');
    if (dsf) out.deepspeedConfig = { path: dsf, how: `accelerate launch --deepspeed_config_file ${dsf}` };
  } else if (launcher === 'deepspeed') {
    const g = num('--num_gpus');
    const nodes = num('--num_nodes') ?? 1;
    const inc = o.get('--include');
    const incCount = inc ? countDevices(inc.split(':').pop() ?? '') : undefined;
    if (g) out.gpus = { value: g * nodes, how: `deepspeed --num_gpus ${g}${nodes > 1 ? ` × --num_nodes ${nodes}` : ''}` };
    else if (incCount) out.gpus = { value: incCount, how: `deepspeed --include ${inc}` };
    else if (fromVisible) out.gpus = fromVisible;
  } else if (launcher === 'llamafactory-cli' || launcher === 'swift') {
    // llamafactory-cli starts torchrun over every visible GPU (FORCE_TORCHRUN / NPROC_PER_NODE / NNODES)
    const nproc = env.get('NPROC_PER_NODE') ?? vars.get('NPROC_PER_NODE');
    const nnodes = Number(env.get('NNODES') ?? vars.get('NNODES') ?? '1') || 1;
    if (nproc && /^\d+$/.test(nproc)) out.gpus = { value: Number(nproc) * nnodes, how: `NPROC_PER_NODE=${nproc}${nnodes > 1 ? ` × NNODES=${nnodes}` : ''}` };
    else if (fromVisible) out.gpus = fromVisible;
  } else if (launcher === 'python') {
    out.gpus = fromVisible && fromVisible.value === 1 ? fromVisible : { value: 1, how: 'a plain `python` launch (one process)', implicit: true };
  } else if (launcher === 'axolotl') {
    const n = out.overrides.find((x) => x.key === 'num-processes' || x.key === 'num_processes');
    if (n && /^\d+$/.test(n.value)) out.gpus = { value: Number(n.value), how: `--num-processes ${n.value}` };
    else if (fromVisible) out.gpus = fromVisible;
  }
  const ds = out.overrides.find((x) => x.key === 'deepspeed');
  if (ds && ds.value !== 'true') out.deepspeedConfig = { path: ds.value, how: `--deepspeed ${ds.value}` };
  // transformers' Trainer turns FSDP on from accelerate's environment (ACCELERATE_USE_FSDP=1, training_args.py)
  const useFsdp = env.get('ACCELERATE_USE_FSDP') ?? vars.get('ACCELERATE_USE_FSDP');
  if (useFsdp && /^(1|true|yes)$/i.test(useFsdp)) out.fsdp = true;
  return out;
}

/** Does a path token from a script name `target`? Tried against the given bases, then as a path suffix. */
export function pathMatches(token: string, target: string, bases: string[]): boolean {
  if (!token || /[*?]/.test(token)) return false;
  const t = normalizePath(target);
  const tok = token.replace(/\\/g, '/');
  if (!tok.includes('$')) {
    for (const b of bases) {
      const p = tok.startsWith('/') ? normalizePath(tok) : joinPath(b, tok);
      if (p === t) return true;
    }
  }
  // $DIR/configs/x.yaml or paths relative to another folder: match the tail at a segment boundary,
  // only when it names a folder too (a bare "train.py" could be any train.py)
  const tail = tok.replace(/^.*\$\{?\w+\}?\/?/, '').replace(/^(\.\.?\/)+/, '');
  if (!tail.includes('/') || tail.endsWith('/')) return false;
  return t === tail || t.endsWith('/' + tail);
}
