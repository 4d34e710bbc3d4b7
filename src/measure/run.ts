// `vram-lens measure -- <command>`: runs the user's own launch command once with the probe on
// PYTHONPATH (probe/sitecustomize.py, nothing installed), collects the file each process wrote, merges them
// and appends one record to <workspace>/.vram-lens/measurements.jsonl, with the file's values and the
// prediction for it as it was when the command started.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findLaunches } from '../analysis/extract/launchers';
import { normalizePath } from '../analysis/extract/frameworks/paths';
import { gpuCatalog } from '../analysis/hardware/gpus';
import { resolveModel } from '../analysis/models/catalog';
import {
  MEASUREMENT_VERSION,
  MEASUREMENTS_FILE,
  MeasurementRecord,
  mergeProbeFiles,
  parseMeasurements,
  ProbeFile,
  ProbeFileSchema,
} from '../analysis/measure/record';
import { AnalysisDeps, AnalysisSettings, reportToJson } from '../analysis/report';
import { analyzeWithHub, displayPath, readInput } from '../cli/input';
import { VERSION } from '../cli/version';
import { nodeAnalysisDeps, readSmallFile } from '../node-deps';

export const DEFAULT_STEPS = 3;

/** The probe folder (sitecustomize.py + vram_lens_probe/): dist/probe next to the bundle, else the source's probe/. */
export function resolveProbeDir(baseDir: string): string | undefined {
  const candidates = [path.join(baseDir, 'probe')];
  for (let d = baseDir, i = 0; i < 5; i++, d = path.dirname(d)) candidates.push(path.join(d, 'probe'));
  return candidates.find((c) => existsSync(path.join(c, 'sitecustomize.py')) && existsSync(path.join(c, 'vram_lens_probe', 'probe.py')));
}

/** The command's environment: the probe first on PYTHONPATH (then what was there), where to write, how many steps. */
export function probeEnv(base: NodeJS.ProcessEnv, probeDir: string, outDir: string, steps: number): NodeJS.ProcessEnv {
  const existing = base.PYTHONPATH ? [base.PYTHONPATH] : [];
  return { ...base, PYTHONPATH: [probeDir, ...existing].join(path.delimiter), VRAM_LENS_PROBE_DIR: outDir, VRAM_LENS_PROBE_STEPS: String(steps) };
}

const VAR_ASSIGN = /^([A-Za-z_]\w*)=(.*)$/s;

/** Leading VAR=value words of the command become its environment, as a shell would do. */
export function splitEnvAssignments(command: string[]): { env: Record<string, string>; argv: string[] } {
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < command.length; i++) {
    const m = VAR_ASSIGN.exec(command[i]);
    if (!m) break;
    env[m[1]] = m[2];
  }
  return { env, argv: command.slice(i) };
}

const SECRET = /token|key|secret|passw|auth|credential/i;

/** The command as the record keeps it: values of VAR=…, --x=… and --x … whose name looks secret become "…". */
export function redactCommand(command: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < command.length; i++) {
    const a = command[i];
    const assign = /^(--?)?([\w.-]+)=/.exec(a);
    if (assign && SECRET.test(assign[2])) out.push(`${a.slice(0, a.indexOf('=') + 1)}…`);
    else if (/^--?[\w.-]+$/.test(a) && SECRET.test(a) && i + 1 < command.length && !command[i + 1].startsWith('-')) {
      out.push(a, '…');
      i++;
    } else out.push(a);
  }
  return out;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const TRAINING_FILE = /\.(py|ya?ml|json|ipynb)$/i;
// launcher options whose value is a file that is not the training file
const LAUNCHER_FILE_OPTIONS = new Set([
  '--config_file',
  '--config-file',
  '--deepspeed_config_file',
  '--deepspeed-config-file',
  '--hostfile',
  '-H',
  '--rdzv_conf',
  '--rdzv-conf',
  '--log_dir',
  '--log-dir',
]);

export interface LaunchInfo {
  /** the training file, absolute */
  file: string | null;
  /** the launch as shell text, for the analysis' launcher rules (GPU count, linked configs, overrides) */
  text: string;
  /** where that text lives: the shell script the command runs, or a virtual .vram-lens/measure-command.sh */
  scriptPath: string;
}

/**
 * The training file of a command: the first existing argument ending in .py/.yaml/.yml/.json/.ipynb that
 * the launcher grammar (src/analysis/extract/launchers.ts) says is launched, else the first such argument
 * at all, leaving out the values of launcher options that name other files (--config_file, --hostfile).
 * A command that runs a shell script (`bash run.sh`, `./run.sh`) is read through the script's text.
 */
export function launchOf(argv: string[], cwd: string, read: (p: string) => string | undefined = readSmallFile): LaunchInfo {
  const isShell = /^(ba|z|da)?sh$/.test(path.basename(argv[0] ?? ''));
  const scriptArg = isShell ? argv.slice(1).find((a) => !a.startsWith('-')) : /\.sh$/.test(argv[0] ?? '') ? argv[0] : undefined;
  const scriptText = scriptArg ? read(path.resolve(cwd, scriptArg)) : undefined;
  let text: string;
  let scriptPath: string;
  let tokens: string[];
  if (scriptArg && scriptText !== undefined) {
    text = scriptText;
    scriptPath = path.resolve(cwd, scriptArg);
    tokens = scriptText.split(/\s+/).map((t) => t.replace(/^["']|["';]+$/g, ''));
  } else {
    text = argv.map(shellQuote).join(' ');
    scriptPath = path.join(cwd, '.vram-lens', 'measure-command.sh');
    tokens = argv.slice(1);
  }
  const candidates: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.startsWith('-')) {
      if (LAUNCHER_FILE_OPTIONS.has(t)) i++;
      continue;
    }
    if (!TRAINING_FILE.test(t) || t.includes('$')) continue;
    const abs = path.resolve(cwd, t);
    if (!candidates.includes(abs) && existsSync(abs) && statSync(abs).isFile()) candidates.push(abs);
  }
  const confirmed = candidates.find((c) => findLaunches(text, scriptPath, normalizePath(c), normalizePath(cwd)).length > 0);
  return { file: confirmed ?? candidates[0] ?? null, text, scriptPath };
}

/** Runs the command with the terminal's stdio; Ctrl-C reaches the command (the same process group), not us. */
export function runCommand(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; signal: string | null; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: 'inherit' });
    const ignore = () => {};
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', ignore);
    process.on('SIGTERM', onTerm);
    const done = (r: { code: number | null; signal: string | null; error?: string }) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', onTerm);
      resolve(r);
    };
    child.on('error', (e) =>
      done({ code: null, signal: null, error: `could not start ${argv[0]}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : e.message}` }),
    );
    child.on('exit', (code, signal) => done({ code, signal }));
  });
}

/** The probe's files in a folder; files that do not parse are reported. */
export function readProbeFiles(dir: string): { files: ProbeFile[]; problems: string[] } {
  const files: ProbeFile[] = [];
  const problems: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^rank\d+-pid\d+\.json$/.test(n));
  } catch {
    return { files, problems };
  }
  for (const n of names.sort()) {
    try {
      const r = ProbeFileSchema.safeParse(JSON.parse(readFileSync(path.join(dir, n), 'utf8')));
      if (r.success) files.push(r.data);
      else problems.push(`${n}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    } catch (e) {
      problems.push(`${n}: ${(e as Error).message}`);
    }
  }
  return { files, problems };
}

/** HEAD of the repository holding `file`, and whether the file has uncommitted changes (best-effort, read-only). */
export function gitInfo(file: string): { commit: string | null; dirty: boolean | null } {
  const cwd = path.dirname(file);
  const git = (args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
  const head = git(['rev-parse', 'HEAD']);
  const commit = head.status === 0 && /^[0-9a-f]{40,64}$/.test(head.stdout.trim()) ? head.stdout.trim() : null;
  if (!commit) return { commit: null, dirty: null };
  const st = git(['status', '--porcelain', '--', path.basename(file)]);
  return { commit, dirty: st.status === 0 ? st.stdout.trim() !== '' : null };
}

export interface MeasureOptions {
  /** the command after `--` */
  command: string[];
  steps: number;
  /** the workspace: the command runs here and the record goes to its .vram-lens/ */
  cwd: string;
  /** the training file when the command does not name it */
  file?: string;
  settings: AnalysisSettings;
  /** --gpu / --gpus given: they win over the GPU the probe saw */
  gpuGiven: boolean;
  gpusGiven: boolean;
  hub: boolean;
  /** the folder of the bundle (dist/), for the grammar and the probe */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  log: (message: string) => void;
}

export interface MeasureResult {
  record: MeasurementRecord | null;
  /** the record's number among the records of measurements.jsonl (1 = oldest) */
  index: number | null;
  error?: string;
}

/** What is known before the command runs: the probe, the command's own environment, the file and its text. */
export interface PreparedMeasurement {
  probeDir: string;
  /** the command as given (leading VAR=value words included), for the record */
  command: string[];
  /** the command without its leading VAR=value words */
  argv: string[];
  /** the leading VAR=value words */
  commandEnv: Record<string, string>;
  launch: LaunchInfo;
  /** the training file, absolute */
  file: string | null;
  /** its text when the command started (the prediction is for what the command runs) */
  input: { text: string } | { error: string } | null;
  git: { commit: string | null; dirty: boolean | null };
  notes: string[];
}

/** Finds the probe and the training file and reads the file, before the command runs. */
export function prepareMeasurement(o: Pick<MeasureOptions, 'command' | 'cwd' | 'file' | 'baseDir'>): PreparedMeasurement | { error: string } {
  const probeDir = resolveProbeDir(o.baseDir);
  if (!probeDir) return { error: `the probe (probe/sitecustomize.py) is not next to ${o.baseDir}; rebuild with node esbuild.mjs` };
  const { env: commandEnv, argv } = splitEnvAssignments(o.command);
  if (!argv.length) return { error: 'no command after --' };
  const launch = launchOf(argv, o.cwd);
  const file = o.file ? path.resolve(o.cwd, o.file) : launch.file;
  const notes: string[] = [];
  // the file as it is now: the prediction is for what the command runs, even if it is edited meanwhile
  const input = file ? readInput(file) : null;
  if (!file) notes.push('no training file in the command (an argument ending in .py, .yaml, .yml, .json or .ipynb); use --file');
  else if (input && 'error' in input) notes.push(`${displayPath(file, o.cwd)}: ${input.error}`);
  const git = file ? gitInfo(file) : { commit: null, dirty: null };
  return { probeDir, command: o.command, argv, commandEnv, launch, file, input, git, notes };
}

export interface RecordOptions {
  cwd: string;
  steps: number;
  settings: AnalysisSettings;
  gpuGiven: boolean;
  gpusGiven: boolean;
  hub: boolean;
  /** the folder of the bundle (dist/), for the grammar when `deps` is not given */
  baseDir: string;
  /** the analysis deps to reuse (the extension's); default: loaded from baseDir */
  deps?: AnalysisDeps;
  log: (message: string) => void;
}

/** After the command: merges the probe's files, predicts for the file as it was, and appends the record. */
export async function recordMeasurement(
  p: PreparedMeasurement,
  run: { code: number | null; signal: string | null },
  probe: { files: ProbeFile[]; problems: string[] },
  o: RecordOptions,
): Promise<MeasureResult> {
  const notes = [...p.notes, ...probe.problems.map((x) => `probe file ${x}`)];
  const catalog = gpuCatalog(o.settings.customGpus);
  const merged = mergeProbeFiles(probe.files, catalog);
  const { file, input, launch } = p;

  let prediction: MeasurementRecord['prediction'] = null;
  let plan: MeasurementRecord['plan'] = null;
  let model: MeasurementRecord['model'] = null;
  if (file && input && 'text' in input) {
    const settings = { ...o.settings };
    if (!o.gpuGiven && merged.gpu?.catalogId) settings.targetGpu = merged.gpu.catalogId;
    if (!o.gpusGiven && merged.gpu) settings.gpuCount = merged.gpu.count;
    try {
      const base = o.deps ?? (await nodeAnalysisDeps(o.baseDir));
      const deps = {
        ...base,
        workspaceRoot: o.cwd,
        listShellScripts: () => [launch.scriptPath],
        readFile: (f: string) => (normalizePath(f) === normalizePath(launch.scriptPath) ? launch.text : readSmallFile(f)),
      };
      const { report } = await analyzeWithHub(input.text, displayPath(file, o.cwd), settings, deps, { enabled: o.hub, log: o.log });
      const j = reportToJson(report);
      plan = j.plan
        ? Object.fromEntries(Object.entries(j.plan).map(([k, v]) => [k, { value: v.value, origin: v.origin, ...(v.line ? { line: v.line } : {}) }]))
        : null;
      if (j.perGpu) {
        prediction = {
          peakAllocatedBytes: j.perGpu.peakAllocatedBytes,
          peakReservedBytes: j.perGpu.peakReservedBytes,
          requiredBytes: j.perGpu.requiredBytes,
          phase: j.perGpu.phase,
          phases: j.perGpu.phases,
          targetGpu: j.target.gpu,
          gpus: j.target.count,
        };
      } else
        notes.push(
          `no prediction: ${report.model?.reason ?? report.findings.find((f) => f.severity === 'information')?.message ?? 'the file is not a training script or config VRAM Lens estimates'}`,
        );
      const spec = report.model?.spec ?? null;
      if (report.model) {
        model = {
          ref: report.model.ref,
          id: spec?.id ?? null,
          catalogId: spec && resolveModel(spec.id).spec ? spec.id : null,
          parameters: j.model?.parameters ?? null,
          arch: spec
            ? {
                hidden: spec.hiddenSize,
                layers: spec.numLayers,
                heads: spec.numHeads,
                kv_heads: spec.numKvHeads,
                intermediate: spec.intermediateSize,
                vocab: spec.vocabSize,
                tied_embeddings: spec.tiedEmbeddings,
                ...(spec.headDim ? { head_dim: spec.headDim } : {}),
              }
            : null,
        };
      }
    } catch (e) {
      notes.push(`no prediction: the analysis failed: ${(e as Error).message}`);
    }
  }

  const record: MeasurementRecord = {
    version: MEASUREMENT_VERSION,
    measuredAt: new Date().toISOString(),
    tool: VERSION,
    command: redactCommand(p.command),
    file: file ? displayPath(file, o.cwd) : null,
    gitCommit: p.git.commit,
    gitDirty: p.git.dirty,
    stepsRequested: o.steps,
    exitCode: run.code,
    signal: run.signal,
    ...merged,
    model,
    plan,
    prediction,
    notes,
  };
  const index = appendRecord(o.cwd, record);
  return { record, index };
}

/** Runs the command under the probe and appends the record. Never throws for a failing command. */
export async function measure(o: MeasureOptions): Promise<MeasureResult> {
  const p = prepareMeasurement(o);
  if ('error' in p) return { record: null, index: null, error: p.error };
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'vram-lens-probe-'));
  let run;
  let probe;
  try {
    const env = probeEnv({ ...(o.env ?? process.env), ...p.commandEnv }, p.probeDir, outDir, o.steps);
    run = await runCommand(p.argv, env, o.cwd);
    probe = readProbeFiles(outDir);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  if (run.error) return { record: null, index: null, error: run.error };
  return recordMeasurement(p, run, probe, o);
}

/** Appends the record to <workspace>/.vram-lens/measurements.jsonl; returns its number among the file's records (1 = oldest). */
export function appendRecord(workspace: string, record: MeasurementRecord): number {
  const file = path.join(workspace, MEASUREMENTS_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const prefix = before && !before.endsWith('\n') ? '\n' : '';
  appendFileSync(file, `${prefix}${JSON.stringify(record)}\n`);
  return parseMeasurements(before).records.length + 1;
}

/** The records of <workspace>/.vram-lens/measurements.jsonl (empty when there is none). */
export function readRecords(workspace: string): ReturnType<typeof parseMeasurements> & { path: string } {
  const file = path.join(workspace, MEASUREMENTS_FILE);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  return { ...parseMeasurements(text), path: file };
}
