// How a file is run, found where people write it down: a `.vscode/launch.json` configuration whose
// program is the file, a workspace launch script (launchers.ts), a notebook cell that launches a script
// or config (`!python train.py …`, `!torchrun …`, `%%bash`, `!llamafactory-cli train x.yaml`), the
// `commands:` of a task file (dstack, SkyPilot), or the usage example in the file's own docstring or
// comments, or a README's shell block beside it (both read as assumed). The command's values (`--key value`, `key=value`) reach the readers
// through the dialect tables; its GPU count, accelerate/DeepSpeed configs and environment reach the plan
// through links.ts. Pure: files are read through the caller's readFile.
import { allLaunches, findLaunches, Launch, pathMatches } from './launchers';
import { parseJsonConfig } from './json';
import { CNode, entryOf, isMap } from './frameworks/tree';
import { dirnameOf, isAbsolutePath, joinPath, normalizePath, relativeTo } from './frameworks/paths';
import { LineIndex, SourceSpan } from './source';
import type { CliValue } from './python';

export interface Invocation {
  launch: Launch;
  /** where the command is, in the user's terms: "scripts/train.sh (line 7)", "the usage example (line 27)" */
  where: string;
  /** a usage example in a docstring or comment: its values are assumptions, not settings */
  assumed: boolean;
  /** where values from the command point in the analysed file (a usage example's line, a notebook cell's command) */
  span?: SourceSpan;
  /** files read to find it (launch scripts, launch.json): editing one re-analyses the file */
  files: string[];
  /** how many launches of the file were found (the first that says the most is used) */
  found: number;
}

export interface InvocationContext {
  readFile?: (absPath: string) => string | undefined;
  listShellScripts?: (root: string) => string[];
}

const display = (root: string, p: string) => relativeTo(root, p);

/** Command-line keys as the readers name them: `--per-device-train-batch-size` is per_device_train_batch_size. */
export function cliKey(k: string): string {
  return k.replace(/^-+/, '').replace(/-/g, '_');
}

const PLACEHOLDER = /^<[^<>]+>$|^\{\{.*\}\}$|(^|[/_-])your[_-]/i;

/**
 * The values a command passes, by key: `--key value`, `--flag` (true), `key=value` (dotted keys kept),
 * `--no_flag` (HfArgumentParser's negation of a boolean that defaults to true).
 */
export function cliValuesOf(inv: Invocation): Map<string, CliValue> {
  const out = new Map<string, CliValue>();
  for (const o of inv.launch.overrides) {
    // documentation placeholders (`--model_name_or_path <your_model_path>`, `{{MODEL}}`) are not values
    if (PLACEHOLDER.test(o.value.trim())) continue;
    const key = o.key.includes('.') ? o.key : cliKey(o.key);
    const cmd = inv.launch.command;
    const flag = !cmd.includes(`--${o.key}`)
      ? `${o.key}=${o.value}`
      : cmd.includes(`--${o.key}=`)
        ? `--${o.key}=${o.value}`
        : o.value === 'true' && !cmd.includes(`--${o.key} true`)
          ? `--${o.key}`
          : `--${o.key} ${o.value}`;
    const v: CliValue = {
      value: o.value,
      how: `${flag} ${inv.assumed ? 'in' : 'on the command line in'} ${inv.where}`,
      ...(inv.assumed ? { assumed: true } : {}),
      ...(inv.span ? { span: inv.span } : {}),
    };
    out.set(key, v);
    const neg = /^no_(\w+)$/.exec(key);
    if (neg && o.value === 'true' && !out.has(neg[1])) out.set(neg[1], { ...v, value: 'false' });
  }
  return out;
}

// ---- .vscode/launch.json -------------------------------------------------------------------------------

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The launch.json configurations that run `file` (program, or a launcher module with the file among its args). */
export function launchJsonInvocations(file: string, root: string, ctx: InvocationContext): Invocation[] {
  const at = joinPath(root, '.vscode/launch.json');
  const text = ctx.readFile?.(at);
  if (text === undefined) return [];
  const doc = parseJsonConfig(text);
  const configs = entryOf(doc.root, 'configurations')?.value;
  if (!configs || configs.kind !== 'seq') return [];
  const out: Invocation[] = [];
  const str = (n: CNode | undefined) => (n?.kind === 'scalar' && typeof n.value === 'string' ? n.value : undefined);
  const subst = (s: string) => s.replace(/\$\{(workspaceFolder|workspaceRoot)\}/g, root).replace(/\$\{workspaceFolderBasename\}/g, root.split('/').pop() ?? '');
  for (const c of configs.items) {
    if (!isMap(c)) continue;
    const type = str(entryOf(c, 'type')?.value) ?? '';
    if (type && !/^(python|debugpy)$/.test(type)) continue;
    const program = str(entryOf(c, 'program')?.value);
    const module = str(entryOf(c, 'module')?.value);
    if (!program && !module) continue;
    if (program && /\$\{(file|relativeFile|fileBasename)\}/.test(program)) continue; // "the open file": no file of its own
    const argsNode = entryOf(c, 'args')?.value;
    const args =
      argsNode?.kind === 'seq'
        ? argsNode.items
            .map((i) => (i.kind === 'scalar' && i.value !== null ? String(i.value) : ''))
            .filter(Boolean)
            .map(subst)
        : str(argsNode)
          ? [str(argsNode)!]
          : [];
    const envNode = entryOf(c, 'env')?.value;
    const env: string[] = [];
    if (isMap(envNode))
      for (const e of envNode.entries) if (e.value.kind === 'scalar' && e.value.value !== null) env.push(`${e.key}=${quote(String(e.value.value))}`);
    const cwdRaw = str(entryOf(c, 'cwd')?.value);
    const cwd = cwdRaw ? (isAbsolutePath(subst(cwdRaw)) ? normalizePath(subst(cwdRaw)) : joinPath(root, subst(cwdRaw))) : root;
    // the configuration as the command it runs; a string of args is already shell words
    const argText = argsNode?.kind === 'seq' ? args.map(quote).join(' ') : args.join(' ');
    const head = program ? `python ${quote(isAbsolutePath(subst(program)) ? subst(program) : joinPath(cwd, subst(program)))}` : `python -m ${module}`;
    const line = `${env.join(' ')} ${head} ${argText}`.trim();
    const name = str(entryOf(c, 'name')?.value);
    const where = `.vscode/launch.json (${name ? `"${name}", ` : ''}line ${c.span.line + 1})`;
    for (const l of allLaunches(line, at, cwd)) {
      if (!l.targets.some((t) => pathMatches(t, file, [cwd, root]))) continue;
      out.push({ launch: { ...l, line: c.span.line + 1, command: `${head} ${argText}`.trim().slice(0, 300) }, where, assumed: false, files: [at], found: 1 });
    }
  }
  return out;
}

// ---- launch scripts ---------------------------------------------------------------------------------------

/** The workspace launch scripts that run `file`: the first that gives a GPU count, else the first. */
export function scriptInvocation(file: string, root: string, ctx: InvocationContext): Invocation | undefined {
  if (!ctx.readFile || !ctx.listShellScripts) return undefined;
  const found: Launch[] = [];
  const files: string[] = [];
  for (const s of ctx.listShellScripts(root).slice(0, 200)) {
    const text = ctx.readFile(s);
    if (text === undefined || !/[\w-]+/.test(text)) continue;
    const ls = findLaunches(text, s, file, root);
    if (ls.length) {
      files.push(normalizePath(s));
      found.push(...ls);
    }
  }
  if (!found.length) return undefined;
  const launch = found.find((l) => l.gpus && !l.gpus.implicit) ?? found.find((l) => l.gpus) ?? found[0];
  return { launch, where: `${display(root, launch.scriptPath)} (line ${launch.line})`, assumed: false, files, found: found.length };
}

// ---- usage examples in a file's own docstring or comments ---------------------------------------------------

/** Blocks of text where a file documents how it is run: the module docstring(s) and the comments, with their first line. */
function usageBlocks(text: string, kind: 'python' | 'config'): { text: string; line: number }[] {
  const lines = text.split(/\r?\n/);
  const blocks: { text: string; line: number }[] = [];
  let i = 0;
  const strip = (l: string) => l.replace(/^\s*(\$|>>>|!|%)\s*/, '');
  while (i < lines.length) {
    const l = lines[i];
    const doc = kind === 'python' ? /^[rRuUbB]?("""|''')(.*)$/.exec(l) : null;
    if (doc) {
      // a module-level triple-quoted string (column 0)
      const q = doc[1];
      const body: string[] = [];
      let rest = doc[2];
      const start = i;
      for (;;) {
        const end = rest.indexOf(q);
        if (end >= 0) {
          body.push(rest.slice(0, end));
          break;
        }
        body.push(rest);
        if (++i >= lines.length) break;
        rest = lines[i];
      }
      blocks.push({ text: body.map(strip).join('\n'), line: start + 1 });
      i++;
      continue;
    }
    if (/^#/.test(l)) {
      const start = i;
      const body: string[] = [];
      while (i < lines.length && /^#/.test(lines[i])) body.push(strip(lines[i++].replace(/^#+\s?/, '')));
      blocks.push({ text: body.join('\n'), line: start + 1 });
      continue;
    }
    i++;
  }
  return blocks;
}

/**
 * The first usage example in the file's docstring or comments that runs the file itself (by its path, or
 * by its name: it is the file's own header). Read as assumed: it says how the author ran it.
 */
export function usageInvocation(text: string, file: string, root: string, kind: 'python' | 'config'): Invocation | undefined {
  if (text.length > 2_000_000) return undefined;
  const base = file.split('/').pop() ?? file;
  const index = new LineIndex(text);
  const lineStarts = text.split('\n');
  let offset = 0;
  const offsets = lineStarts.map((l) => {
    const o = offset;
    offset += l.length + 1;
    return o;
  });
  for (const b of usageBlocks(text, kind)) {
    if (!/(python|torchrun|accelerate|deepspeed|llamafactory-cli|axolotl|tune|trl)\b/.test(b.text)) continue;
    for (const l of allLaunches(b.text, file, root)) {
      const self = l.targets.some((t) => pathMatches(t, file, [root, dirnameOf(file)]) || t.split('/').pop() === base);
      if (!self) continue;
      const fileLine = b.line + l.line - 1;
      const o = offsets[Math.min(fileLine - 1, offsets.length - 1)] ?? 0;
      const span = index.span(o, o + (lineStarts[fileLine - 1]?.length ?? 0));
      return { launch: l, where: `the usage example (line ${fileLine})`, assumed: true, span, files: [], found: 1 };
    }
  }
  return undefined;
}

// ---- README commands ---------------------------------------------------------------------------------------

const README_NAMES = ['README.md', 'readme.md', 'Readme.md', 'README.MD', 'README'];
const MAX_README_LEVELS = 3;

/** The shell code blocks of a Markdown text (``` fences, `$ ` prompts removed), with the line each starts on. */
export function markdownShellBlocks(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(```|~~~)\s*([\w+-]*)/.exec(lines[i]);
    if (!open) continue;
    const lang = open[2].toLowerCase();
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j].trimStart().startsWith(open[1]); j++) body.push(lines[j].replace(/^\s*\$\s+/, ''));
    if (['', 'bash', 'sh', 'shell', 'console', 'zsh', 'shellscript'].includes(lang)) out.push({ text: body.join('\n'), line: i + 2 });
    i = j;
  }
  return out;
}

/** The launches of a README's shell blocks, kept per README until its text changes (every analysis of a file
 * in its folder asks again; a long README is parsed once). */
const readmeCache = new Map<string, { text: string; launches: { launch: Launch; line: number }[] }>();
function readmeLaunches(readme: string, text: string, dir: string): { launch: Launch; line: number }[] {
  const hit = readmeCache.get(readme);
  if (hit && hit.text === text) return hit.launches;
  const launches: { launch: Launch; line: number }[] = [];
  for (const b of markdownShellBlocks(text)) {
    if (!/(python|torchrun|accelerate|deepspeed|llamafactory-cli|axolotl|tune|trl)\b/.test(b.text)) continue;
    for (const l of allLaunches(b.text, readme, dir)) launches.push({ launch: l, line: b.line + l.line - 1 });
  }
  if (readmeCache.size >= 32) readmeCache.delete(readmeCache.keys().next().value!);
  readmeCache.set(readme, { text, launches });
  return launches;
}

/**
 * A command that runs `file` in a README beside it or in a folder above (up to the workspace folder): repositories
 * document their launch commands there (`deepspeed finetune.py --model_name_or_path … --per_device_train_batch_size 16`).
 * Read as assumed values, like a usage example: documentation, not a setting the run must use.
 */
export function readmeInvocation(file: string, root: string, ctx: InvocationContext): Invocation | undefined {
  if (!ctx.readFile) return undefined;
  const base = file.split('/').pop() ?? file;
  let dir = dirnameOf(file);
  for (let level = 0; level < MAX_README_LEVELS; level++) {
    for (const name of README_NAMES) {
      const readme = joinPath(dir, name);
      const text = ctx.readFile(readme);
      if (text === undefined) continue;
      for (const { launch: l, line } of readmeLaunches(readme, text, dir)) {
        // a README in a folder above names the file by its path; only the file's own README may name it alone
        const own = level === 0;
        const self = l.targets.some((t) => pathMatches(t, file, [dir, l.cwd, root]) || (own && !t.includes('/') && t === base));
        if (self) return { launch: l, where: `${display(root, readme)} (line ${line})`, assumed: true, files: [normalizePath(readme)], found: 1 };
      }
      break; // one README per folder
    }
    if (normalizePath(dir) === normalizePath(root) || dirnameOf(dir) === dir) break;
    dir = dirnameOf(dir);
  }
  return undefined;
}

/** How `file` is run: launch.json, then a launch script, then the file's own usage example, then a README's command. */
export function findInvocation(
  text: string,
  file: string,
  root: string | undefined,
  kind: 'python' | 'config',
  ctx: InvocationContext,
): Invocation | undefined {
  if (root) {
    const lj = launchJsonInvocations(file, root, ctx);
    if (lj.length) return { ...(lj.find((x) => x.launch.gpus && !x.launch.gpus.implicit) ?? lj[0]), found: lj.length };
    const s = scriptInvocation(file, root, ctx);
    if (s) return s;
  }
  return usageInvocation(text, file, root ?? dirnameOf(file), kind) ?? readmeInvocation(file, root ?? dirnameOf(file), ctx);
}

// ---- commands that launch something else: notebook cells, task files ------------------------------------

/** Script names that prepare, convert, serve or evaluate rather than train. */
const NOT_TRAINING_SCRIPT =
  /(^|[/_-])(merge|export|convert|download|prepare|preprocess|process_data|data_prep|data|tokeni[sz]e|tokenizer|eval|evaluate|infer|inference|generate|generation|serve|server|upload|push|quantize|quant|sample|chat|demo|app|setup|install|test)[\w-]*\.(py|ya?ml|json)$/i;

export interface ShellChunk {
  /** shell text (magics and `!` removed, continuations kept) */
  text: string;
  /** where the chunk is in the analysed text (joined notebook program, task file) */
  span: SourceSpan;
  /** the shell's working directory */
  cwd: string;
  env?: Record<string, string>;
}

/** The first launch in the chunks that runs a training program (not a merge, export or evaluation script). */
export function trainingLaunchOf(chunks: ShellChunk[], hostFile: string, root: string): { launch: Launch; chunk: ShellChunk }[] {
  const out: { launch: Launch; chunk: ShellChunk }[] = [];
  for (const c of chunks) {
    for (const l of allLaunches(c.text, hostFile, c.cwd, c.env)) {
      const target = l.targets[0];
      // trl and swift take the job on the command line; so does `llamafactory-cli train --model_name_or_path …`
      const commandLineJob = l.launcher === 'trl' || l.launcher === 'swift' || (l.launcher === 'llamafactory-cli' && !target && /\btrain\b/.test(l.command));
      if (!commandLineJob && (!target || NOT_TRAINING_SCRIPT.test(target))) continue;
      if (l.launcher === 'python' && target && !/\.(py)$/.test(target) && !/\.(ya?ml|json)$/.test(target)) continue;
      out.push({ launch: { ...l, cwd: l.cwd || root }, chunk: c });
    }
  }
  return out;
}
