// The editor's *Measure on This Machine*: the launch command it proposes for a file, the words of a
// command line, and the environment that puts the probe on PYTHONPATH for that one command. No vscode:
// unit-tested directly.
import path from 'node:path';
import type { FileKind, Framework } from '../analysis/extract/hyperparams';

/** The words of a shell command line: quotes and backslashes as sh reads them, no expansion. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const j = text.indexOf("'", i + 1);
      cur += j < 0 ? text.slice(i + 1) : text.slice(i + 1, j);
      i = j < 0 ? text.length : j;
      has = true;
    } else if (c === '"') {
      i++;
      for (; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) i++;
        cur += text[i];
      }
      has = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) words.push(cur);
  return words;
}

/** A word as the shell needs it written. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface LaunchConfig {
  name?: string;
  type?: string;
  request?: string;
  program?: string;
  module?: string;
  args?: string[] | string;
  cwd?: string;
}

export interface ProposedCommand {
  command: string;
  /** where it comes from, for the input box */
  source: string;
}

const rel = (cwd: string, p: string) => {
  const r = path.relative(cwd, p);
  return (r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p).split(path.sep).join('/');
};

/** ${workspaceFolder}, ${file} and ${fileDirname} in a launch.json value. */
function expandVars(v: string, cwd: string, fileAbs: string): string {
  return v
    .replace(/\$\{workspaceFolder\}/g, cwd)
    .replace(/\$\{file\}/g, fileAbs)
    .replace(/\$\{fileDirname\}/g, path.dirname(fileAbs))
    .replace(/\$\{relativeFile\}/g, rel(cwd, fileAbs));
}

/**
 * The command that trains with `fileAbs`, run from `cwd`: a workspace shell script that launches it
 * (the launcher rules found it: `bash run.sh`), else a Python launch configuration of .vscode/launch.json
 * whose program is the file or that passes it as an argument, else the framework's own launcher for a
 * config (axolotl, LLaMA-Factory, TRL), else `python <file>`. The user edits it before anything runs.
 */
export function proposeCommand(o: {
  fileAbs: string;
  cwd: string;
  kind: FileKind;
  framework: Framework;
  /** shell scripts that launch the file (absolute) */
  launchScripts: string[];
  launchConfigs: LaunchConfig[];
}): ProposedCommand {
  const file = rel(o.cwd, o.fileAbs);
  const script = o.launchScripts[0];
  if (script) return { command: `bash ${shellQuote(rel(o.cwd, script))}`, source: `${rel(o.cwd, script)} launches this file` };
  for (const c of o.launchConfigs) {
    if (!c || (c.type !== 'python' && c.type !== 'debugpy') || (c.request && c.request !== 'launch')) continue;
    const args = (Array.isArray(c.args) ? c.args : typeof c.args === 'string' ? shellWords(c.args) : []).map((a) => expandVars(String(a), o.cwd, o.fileAbs));
    const program = c.program ? path.resolve(o.cwd, expandVars(c.program, o.cwd, o.fileAbs)) : undefined;
    const passes = args.some((a) => path.resolve(o.cwd, a) === o.fileAbs);
    if (program !== o.fileAbs && !passes) continue;
    const head = program ? ['python', rel(o.cwd, program)] : c.module ? ['python', '-m', c.module] : null;
    if (!head) continue;
    return {
      command: [...head, ...args.map((a) => (path.isAbsolute(a) ? rel(o.cwd, a) : a))].map(shellQuote).join(' '),
      source: `launch configuration "${c.name ?? 'unnamed'}" in .vscode/launch.json`,
    };
  }
  const q = shellQuote(file);
  if (o.kind === 'yaml' || o.kind === 'json') {
    if (o.framework === 'axolotl') return { command: `axolotl train ${q}`, source: 'the axolotl launcher' };
    if (o.framework === 'llama-factory') return { command: `llamafactory-cli train ${q}`, source: 'the LLaMA-Factory launcher' };
    if (o.framework === 'torchtune') return { command: `tune run <recipe> --config ${q}`, source: 'the torchtune launcher (name the recipe)' };
    if (o.framework === 'trl') return { command: `trl sft --config ${q}`, source: 'the TRL launcher' };
    return { command: `python <your training script> ${q}`, source: 'a config: name the script that reads it' };
  }
  return { command: `python ${q}`, source: 'the file itself' };
}

/** Why a command line cannot be run as it is (a placeholder left in it), or undefined. */
export function commandProblem(text: string): string | undefined {
  if (!text.trim()) return 'Enter the command that trains with this file.';
  const placeholder = /<[a-z][\w ]*>/i.exec(text);
  if (placeholder) return `Replace ${placeholder[0]} with the real value.`;
  if (/[\r\n]/.test(text)) return 'One line: put several commands in a script and run the script.';
  return undefined;
}

/**
 * The command as the terminal runs it: a leading `PYTHONPATH=…` of the command would replace the probe's
 * PYTHONPATH, so the probe is put first in it.
 */
export function withProbeInCommand(text: string, probeDir: string): string {
  const m = /^(\s*(?:[A-Za-z_]\w*=(?:'[^']*'|"[^"]*"|\S)*\s+)*?)PYTHONPATH=/.exec(text);
  if (!m) return text;
  return `${m[1]}PYTHONPATH=${shellQuote(probeDir)}${path.delimiter}${text.slice(m[0].length)}`;
}

/**
 * The variables the terminal gets: the probe first on PYTHONPATH (then what was there), where to write, how many
 * steps. The terminal outlives the measurement, so the probe only starts while the output folder exists
 * (VRAM_LENS_PROBE_REQUIRE_DIR): once the editor has read and removed it, later commands typed there run unprobed.
 */
export function terminalProbeEnv(existingPythonPath: string | undefined, probeDir: string, outDir: string, steps: number): Record<string, string> {
  return {
    PYTHONPATH: [probeDir, ...(existingPythonPath ? [existingPythonPath] : [])].join(path.delimiter),
    VRAM_LENS_PROBE_DIR: outDir,
    VRAM_LENS_PROBE_STEPS: String(steps),
    VRAM_LENS_PROBE_REQUIRE_DIR: '1',
  };
}
