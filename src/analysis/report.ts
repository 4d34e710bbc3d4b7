// The one value every surface consumes (diagnostics, CodeLens, panel, CLI, MCP): what was read, the plan,
// the estimate, the verdict against the target GPU, and the findings to show.
import type { Parser } from 'web-tree-sitter';
import { emptyHyperparams, FileKind, Framework, Hyperparams } from './extract/hyperparams';
import { readHyperparams } from './extract/read';
import { joinCells, JoinedNotebook, NotebookCell, parseIpynb, reportInFile } from './extract/notebook';
import { SourceSpan } from './extract/source';
import { findGpu, GpuSpec, gpuCatalog, usableBytes } from './hardware/gpus';
import type { TimeModelOverrides } from './hardware/time';
import { COMPONENT_LABELS, Component, ComponentName } from './memory/component';
import { estimateMemory, MemoryEstimate } from './memory/estimate';
import { bandAround, bandClassOf, bandStackOf, spreadOfSetup } from './memory/band';
import { ModelSources, ResolutionStep, resolveModelRef } from './models/resolve';
import { ModelSpec } from './models/spec';
import { buildPlan, PlanField, setupFromPlan, TrainingPlan } from './plan/plan';
import { formatGiB, formatGiBRange, formatParams, GiB } from './units';
import { fitLimit, Spread, Verdict, verdictOf } from './verdict';

export interface AnalysisSettings {
  targetGpu: string;
  gpuCount: number;
  headroomPercent: number;
  customGpus: GpuSpec[];
  /** $/GPU-hour overrides by GPU id (vramLens.gpuPrices), for time and cost comparisons */
  gpuPrices?: Record<string, number>;
  /** tokens to cost when the file gives no count (vramLens.trainingTokens) */
  trainingTokens?: number | null;
  /** overrides of the time model's defaults (vramLens.timeModel) */
  timeModel?: TimeModelOverrides;
}

export const DEFAULT_SETTINGS: AnalysisSettings = { targetGpu: 'h100-sxm-80gb', gpuCount: 1, headroomPercent: 10, customGpus: [] };

export interface AnalysisDeps {
  pythonParser: Parser;
  /** file and cache access of the model resolution chain (models/resolve.ts): local folders, the Hugging Face
   * cache, configs fetched from the hub, vramLens.modelAliases. Absent (webview): bundled tables only. */
  models?: ModelSources;
  /** specs supplied by the caller by model id (bench cases, configs mapped elsewhere), used at the hub step */
  hubModels?: ReadonlyMap<string, ModelSpec>;
  /** reads a text file by absolute path (linked DeepSpeed/accelerate configs, launch scripts); undefined when
   * missing or too large. Absent (webview): no other file is read. */
  readFile?: (absPath: string) => string | undefined;
  /** the folder relative paths in configs and launch commands resolve against (workspace folder, CLI cwd) */
  workspaceRoot?: string;
  /** shell scripts under a folder that may launch the file (absolute paths, bounded in count and size) */
  listShellScripts?: (root: string) => string[];
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export type FindingCode =
  | 'vramLens.oom'
  | 'vramLens.tight'
  | 'vramLens.checkpointing'
  | 'vramLens.unknownModel'
  | 'vramLens.modelAssumed'
  | 'vramLens.unread'
  | 'vramLens.syntax'
  | 'vramLens.unsupported'
  | 'vramLens.notModelled';

export interface Finding {
  severity: Severity;
  code: FindingCode;
  message: string;
  span: SourceSpan;
  related: { span: SourceSpan; message: string }[];
  /** notebooks: the code cell (0-based among all cells) and the line in it (0-based) */
  cell?: { index: number; line: number };
}

export interface Report {
  file: string;
  kind: FileKind;
  framework: Framework;
  /** a training script or config (inference/merge scripts get no OOM warnings) */
  isTraining: boolean;
  model: {
    ref: string;
    spec: ModelSpec | null;
    /** the step of the resolution chain that resolved it (models/resolve.ts), or 'unresolved' */
    step?: ResolutionStep | 'unresolved';
    matchedBy?: string;
    note?: string;
    /** what resolved it, or why nothing did */
    reason?: string;
    /** the shapes are a relative's or approximated (the modelAssumed diagnostic says how) */
    approximated?: string;
    span?: SourceSpan;
  } | null;
  hyperparams: Hyperparams;
  plan: TrainingPlan | null;
  estimate: MemoryEstimate | null;
  target: {
    gpu: GpuSpec;
    count: number;
    usableBytes: number;
    requiredBytes: number | null;
    verdict: Verdict;
    headroomPercent: number;
    /** the estimate's band as ratios of its point (the verdict is made against it) */
    spread?: Spread;
  };
  /** the smallest catalog GPU (same count) that fits, when the estimate exists */
  smallestFittingGpu: GpuSpec | null;
  findings: Finding[];
  /** the span the CodeLens sits on */
  anchor: SourceSpan | null;
}

const ZERO_SPAN: SourceSpan = { start: 0, end: 0, line: 0, column: 0, endLine: 0, endColumn: 0 };

export function fileKindOf(fileName: string, languageId?: string): FileKind {
  const f = fileName.toLowerCase();
  if (languageId === 'python' || f.endsWith('.py')) return 'python';
  if (f.endsWith('.ipynb')) return 'notebook';
  if (languageId === 'yaml' || f.endsWith('.yaml') || f.endsWith('.yml')) return 'yaml';
  if (languageId === 'json' || f.endsWith('.json')) return 'json';
  // launch scripts (`swift sft …`, `llamafactory-cli train …`, `torchrun train.py --…`): the job they launch
  if (languageId === 'shellscript' || /\.(sh|bash)$/.test(f)) return 'shell';
  return 'unknown';
}

/** A report that only says why a file was not analysed (too large, unreadable). */
export function skippedReport(fileName: string, settings: AnalysisSettings, message: string): Report {
  const gpu = targetOf(settings);
  return {
    file: fileName,
    kind: fileKindOf(fileName),
    framework: 'unknown',
    isTraining: false,
    model: null,
    hyperparams: emptyHyperparams(fileKindOf(fileName)),
    plan: null,
    estimate: null,
    target: {
      gpu,
      count: settings.gpuCount,
      usableBytes: usableBytes(gpu),
      requiredBytes: null,
      verdict: 'unknown',
      headroomPercent: settings.headroomPercent,
    },
    smallestFittingGpu: null,
    findings: [{ severity: 'information', code: 'vramLens.unsupported', message, span: ZERO_SPAN, related: [] }],
    anchor: null,
  };
}

function targetOf(settings: AnalysisSettings): GpuSpec {
  return findGpu(settings.targetGpu, settings.customGpus) ?? findGpu('h100-sxm-80gb')!;
}

/** The training stack a framework runs on, as the band tells stacks apart. */

/** The plan fields that drive a component: where to point when that component is too large. */
function spanFor(name: ComponentName, r: Report): { span: SourceSpan; what: string } | undefined {
  const p = r.plan!;
  const hp = r.hyperparams;
  const readSpan = (...fields: PlanField<unknown>[]) => fields.find((f) => f.origin === 'read' && f.span)?.span;
  const model = hp.model?.span ?? hp.modelLoad;
  switch (name) {
    case 'activations': {
      const s = readSpan(p.microBatch, p.seqLen, p.gradientCheckpointing);
      return s ? { span: s, what: `batch ${p.microBatch.value} × ${p.seqLen.value} tokens` } : undefined;
    }
    case 'logits': {
      const s = readSpan(p.seqLen, p.microBatch);
      return s ? { span: s, what: `${p.microBatch.value} × ${p.seqLen.value} tokens × vocab` } : undefined;
    }
    case 'weights':
    case 'quantConstants':
    case 'autocastCopies': {
      const s = readSpan(p.quantization, p.weightDtype) ?? model;
      return s ? { span: s, what: `${p.weightDtype.value}${p.quantization.value !== 'none' ? ` / ${p.quantization.value}` : ''} weights` } : undefined;
    }
    case 'optimizerState':
    case 'pagedOptimizerState':
    case 'masterWeights':
    case 'optimizerStepTemp': {
      const s = readSpan(p.optimizer) ?? hp.trainer;
      return s ? { span: s, what: `optimizer ${p.optimizer.value}` } : undefined;
    }
    case 'gradients':
    case 'adapters': {
      const s = readSpan(p.method) ?? hp.trainer ?? model;
      return s ? { span: s, what: `${p.method.value} training` } : undefined;
    }
    case 'vllmEngine': {
      const s = readSpan(...([p.vllmMemoryUtilization, p.generation].filter(Boolean) as PlanField<unknown>[])) ?? hp.trainer;
      return s ? { span: s, what: `vLLM gpu_memory_utilization ${p.vllmMemoryUtilization?.value ?? ''}` } : undefined;
    }
    case 'kvCache': {
      const s = readSpan(...([p.completionLength, p.numGenerations, p.microBatch].filter(Boolean) as PlanField<unknown>[])) ?? hp.trainer;
      return s
        ? { span: s, what: `${p.generationBatch?.value ?? ''} completions × ${(p.promptLength?.value ?? 0) + (p.completionLength?.value ?? 0)} tokens` }
        : undefined;
    }
    case 'referenceModel': {
      const s = readSpan(...([p.reference, p.referenceDtype].filter(Boolean) as PlanField<unknown>[])) ?? hp.trainer;
      return s ? { span: s, what: `a second copy of the model as reference (${p.referenceDtype?.value ?? ''})` } : undefined;
    }
    default:
      return undefined;
  }
}

function isTrainingFile(hp: Hyperparams): boolean {
  if (hp.purpose) return hp.purpose.value === 'training';
  return !!(hp.trainer || hp.peft || hp.optimizer || hp.gradientCheckpointing || hp.microBatch);
}

export function analyzeText(
  text: string,
  fileName: string,
  settings: AnalysisSettings,
  deps: AnalysisDeps,
  languageId?: string,
  notebook?: JoinedNotebook,
): Report {
  const kind = fileKindOf(fileName, languageId);
  if (kind === 'notebook') return analyzeNotebookText(text, fileName, settings, deps);
  const gpu = targetOf(settings);
  const usable = usableBytes(gpu);
  const base: Report = {
    file: fileName,
    kind,
    framework: 'unknown',
    isTraining: false,
    model: null,
    hyperparams: emptyHyperparams(kind),
    plan: null,
    estimate: null,
    target: { gpu, count: settings.gpuCount, usableBytes: usable, requiredBytes: null, verdict: 'unknown', headroomPercent: settings.headroomPercent },
    smallestFittingGpu: null,
    findings: [],
    anchor: null,
  };
  if (kind === 'unknown') {
    base.findings.push({
      severity: 'information',
      code: 'vramLens.unsupported',
      message:
        'VRAM Lens reads Python training scripts, notebooks, YAML/JSON training configs and the shell scripts that launch them; this file type is not analysed.',
      span: ZERO_SPAN,
      related: [],
    });
    return base;
  }
  let hp: Hyperparams;
  try {
    // the file's reader, with the values of the command that launches it, its linked configs and launch scripts
    hp = readHyperparams(text, kind, {
      fileName,
      pythonParser: deps.pythonParser,
      readFile: deps.readFile,
      workspaceRoot: deps.workspaceRoot,
      listShellScripts: deps.listShellScripts,
      notebook,
    });
  } catch (e) {
    base.findings.push({
      severity: 'information',
      code: 'vramLens.syntax',
      message: `Could not read this file: ${(e as Error).message}`,
      span: ZERO_SPAN,
      related: [],
    });
    return base;
  }
  const r: Report = { ...base, hyperparams: hp, framework: hp.framework, isTraining: isTrainingFile(hp) };
  r.anchor = hp.modelLoad ?? hp.trainer ?? null;
  if (hp.syntaxErrors.length && (hp.model || hp.trainer)) {
    r.findings.push({
      severity: 'information',
      code: 'vramLens.syntax',
      message: `The file has ${hp.syntaxErrors.length} syntax error${hp.syntaxErrors.length > 1 ? 's' : ''}; VRAM Lens uses what it could read.`,
      span: hp.syntaxErrors[0],
      related: [],
    });
  }
  if (!r.isTraining) return r;
  // the values read are part of the report even when the model cannot be resolved (no estimate then)
  r.plan = buildPlan({ hp, model: null, defaultGpus: settings.gpuCount });

  // ---- model ------------------------------------------------------------------------------------
  const ref = hp.model?.value;
  if (!ref) {
    const required = hp.unread.find((u) => u.key === 'model');
    r.findings.push({
      severity: 'information',
      code: 'vramLens.unknownModel',
      message: required
        ? `No model id in the file: ${required.reason}.`
        : kind === 'python'
          ? 'No model id found (from_pretrained("…") or model_name=…): cannot estimate memory.'
          : kind === 'shell'
            ? "No model id in the launched command or the file it runs (--model_name_or_path, --model, or the script's own from_pretrained): cannot estimate memory."
            : 'No model id found (base_model, model_name_or_path, model or model._component_): cannot estimate memory.',
      span: required?.span ?? hp.modelLoad ?? hp.trainer ?? ZERO_SPAN,
      related: [],
    });
    return r;
  }
  const supplied = deps.hubModels;
  const sources: ModelSources = supplied?.size ? { ...deps.models, hubSpec: (id) => supplied.get(id) } : (deps.models ?? {});
  const res = resolveModelRef(ref, fileName, sources, deps.workspaceRoot);
  if (res.spec === null) {
    r.model = { ref, spec: null, step: 'unresolved', reason: res.reason, span: hp.model!.span };
    r.findings.push({
      severity: 'information',
      code: 'vramLens.unknownModel',
      message: `Model ${res.reason.startsWith(`"${ref}"`) ? res.reason : `"${ref}": ${res.reason}`}. Choose its architecture or a local config.json (quick fixes) to get an estimate.`,
      span: hp.model!.span,
      related: [],
    });
    return r;
  }
  r.model = {
    ref,
    spec: res.spec,
    step: res.step,
    matchedBy: res.matchedBy,
    note: res.note,
    reason: res.reason,
    ...(res.approximated ? { approximated: res.approximated } : {}),
    span: hp.model!.span,
  };
  if (res.approximated) {
    const what = res.step === 'assumed' ? res.approximated : `${res.spec.id}: ${res.approximated}`;
    r.findings.push({
      severity: 'information',
      code: 'vramLens.modelAssumed',
      message: `The estimate rests on an approximation of the model: ${what}.`,
      span: hp.model!.span,
      related: [],
    });
  }

  // ---- plan and estimate --------------------------------------------------------------------------
  r.plan = buildPlan({ hp, model: res.spec, preQuantized: res.preQuantized, defaultGpus: settings.gpuCount });
  const setup = setupFromPlan(r.plan, gpu.memoryGiB * GiB);
  r.estimate = estimateMemory(res.spec, setup);
  r.target.count = setup.gpus;
  r.target.requiredBytes = r.estimate.requiredBytes;
  // the band: how far measured peaks of this class of job have landed from the engine's point (band.ts)
  const cls = bandClassOf(setup, bandStackOf(r.framework), r.plan.packing.value);
  r.estimate.band = bandAround(r.estimate.peakReservedBytes, cls);
  r.target.spread = spreadOfSetup(setup, r.framework, r.plan.packing.value);
  r.target.verdict = verdictOf(r.estimate.requiredBytes, usable, settings.headroomPercent, r.target.spread);
  // a colocated vLLM takes a share of each card's own memory: re-estimate per GPU then
  const perGpu = setup.job && (setup.job.generation === 'vllm-colocate' || setup.job.generation === 'vllm-shared');
  const requiredOn = (g: GpuSpec) =>
    perGpu ? estimateMemory(res.spec!, { ...setup, gpuTotalBytes: g.memoryGiB * GiB }).requiredBytes : r.estimate!.requiredBytes;
  r.smallestFittingGpu =
    gpuCatalog(settings.customGpus)
      .filter((g) => requiredOn(g) <= fitLimit(usableBytes(g), settings.headroomPercent, r.target.spread))
      .sort((a, b) => a.memoryGiB - b.memoryGiB || (a.priceUsdPerHour ?? 99) - (b.priceUsdPerHour ?? 99))[0] ?? null;

  for (const u of hp.unread) {
    r.findings.push({
      severity: 'information',
      code: 'vramLens.unread',
      message: `Could not read ${u.key} statically (${u.reason}); a default is used.`,
      span: u.span,
      related: [],
    });
  }
  for (const n of hp.notModelled ?? []) {
    r.findings.push({
      severity: 'hint',
      code: 'vramLens.notModelled',
      message: `${n.key}: ${n.value} changes memory but is not modelled; the estimate leaves it out.`,
      span: n.span,
      related: [],
    });
  }
  addMemoryFindings(r);
  return r;
}

/**
 * A notebook's code cells analysed as one program (cells in order, magics commented out). The report's
 * spans are in the joined program; `reportForCell` (extract/notebook.ts) puts them in a cell's coordinates.
 */
export function analyzeNotebookCells(
  cells: NotebookCell[],
  fileName: string,
  settings: AnalysisSettings,
  deps: AnalysisDeps,
  language?: string,
): { report: Report; joined: JoinedNotebook } {
  const joined = joinCells(cells, language);
  const report = analyzeText(joined.text, fileName, settings, deps, 'python', joined);
  report.kind = 'notebook';
  report.hyperparams.kind = 'notebook';
  // call sites and import offsets are positions in the joined program: no edits are offered in cells
  report.hyperparams.sites = {};
  delete report.hyperparams.imports;
  return { report, joined };
}

/** An .ipynb file's text: its cells analysed together, every span mapped back into the file (and its cell). */
function analyzeNotebookText(text: string, fileName: string, settings: AnalysisSettings, deps: AnalysisDeps): Report {
  const nb = parseIpynb(text);
  const { report, joined } = analyzeNotebookCells(nb.cells, fileName, settings, deps, nb.language);
  const r = reportInFile(report, joined, nb.cells, text);
  if (nb.error)
    r.findings.push({ severity: 'information', code: 'vramLens.syntax', message: `Could not read the notebook: ${nb.error}.`, span: ZERO_SPAN, related: [] });
  return r;
}

/** The required bytes with the band ("41.3 GiB (38–45)"), the band carried over from reserved to required. */
export function requiredRange(r: Report, requiredBytes = r.estimate?.requiredBytes ?? 0): string {
  const s = r.target.spread;
  return formatGiBRange(requiredBytes, s ? requiredBytes * s.low : undefined, s ? requiredBytes * s.high : undefined);
}

function addMemoryFindings(r: Report) {
  const e = r.estimate!;
  const p = r.plan!;
  const gpuLabel = `${r.target.count}× ${r.target.gpu.name}`;
  // what counts against the card: not driver-side buffers, not paged state (it spills to host RAM)
  const contributors = e.components.filter((c) => c.pool === 'allocator' && c.name !== 'allocatorReserve').sort((a, b) => b.bytes - a.bytes);
  const top = contributors[0] as Component | undefined;
  if (r.target.verdict === 'oom' || r.target.verdict === 'tight') {
    const located = contributors.map((c) => ({ c, at: spanFor(c.name, r) })).filter((x) => x.at);
    const main = located[0];
    const span = main?.at?.span ?? r.anchor ?? ZERO_SPAN;
    const biggest = top ? `${COMPONENT_LABELS[top.name].toLowerCase()} ${formatGiB(top.bytes)}${main && main.c === top ? `; ${main.at!.what}` : ''}` : '';
    const peak = `Peak ≈ ${requiredRange(r)}/GPU${e.phases.length > 1 ? ` in the ${e.phase === 'generation' ? 'generation' : 'training'} phase` : ''}`;
    const limit = `${formatGiB(r.target.usableBytes)} usable on ${gpuLabel}`;
    const message =
      r.target.verdict === 'oom'
        ? `${peak} > ${limit} (${biggest}). Out of memory expected.`
        : e.requiredBytes > r.target.usableBytes
          ? `${peak}: the estimate is over the ${limit} but the band reaches below it (${biggest}). May not fit.`
          : (r.target.spread?.high ?? 1) * e.requiredBytes > r.target.usableBytes &&
              e.requiredBytes <= r.target.usableBytes * (1 - r.target.headroomPercent / 100)
            ? `${peak}: the band reaches past the ${limit} (${biggest}). May not fit.`
            : `${peak} is within ${r.target.headroomPercent}% of the ${limit} (${biggest}).`;
    r.findings.unshift({
      severity: r.target.verdict === 'oom' ? 'error' : 'warning',
      code: r.target.verdict === 'oom' ? 'vramLens.oom' : 'vramLens.tight',
      message,
      span,
      related: located.slice(1, 4).map((x) => ({ span: x.at!.span, message: `${COMPONENT_LABELS[x.c.name]}: ${formatGiB(x.c.bytes)} (${x.at!.what})` })),
    });
  }
  const acts = e.components.find((c) => c.name === 'activations');
  // Checkpointing keeps one layer's inputs instead of all saved tensors (Chen et al. 2016): a large,
  // cheap saving when activations are over 30% of the peak (the threshold the editor issue sets).
  if (!p.gradientCheckpointing.value && acts && acts.bytes > 0.3 * e.peakAllocatedBytes) {
    const span = (p.gradientCheckpointing.origin === 'read' ? p.gradientCheckpointing.span : undefined) ?? r.hyperparams.trainer ?? r.anchor ?? ZERO_SPAN;
    r.findings.push({
      severity: 'information',
      code: 'vramLens.checkpointing',
      message: `Activations take ${formatGiB(acts.bytes)} (${Math.round((acts.bytes / e.peakAllocatedBytes) * 100)}% of the peak); gradient checkpointing would keep only each layer's input.`,
      span,
      related: [],
    });
  }
}

// ---- plain-data views ------------------------------------------------------------------------------

export interface ReportJson {
  file: string;
  framework: Framework;
  isTraining: boolean;
  model: {
    id: string | null;
    ref: string | null;
    parameters: number | null;
    trainableParameters: number | null;
    source: string | null;
    /** the step of the resolution chain that resolved it (alias, local, catalog, hf-cache, hub, table, assumed), or unresolved */
    resolvedBy?: string;
    /** what the shapes approximate, when they are not the id's own */
    approximated?: string;
  } | null;
  perGpu: {
    peakAllocatedBytes: number;
    peakReservedBytes: number;
    peakDeviceBytes: number;
    requiredBytes: number;
    phase: string;
    /** the peak of each phase of a step (RL jobs: training and generation) */
    phases: { phase: string; requiredBytes: number }[];
    components: Record<string, number>;
    /** where measured peaks of this class of job have landed around peakReservedBytes (low ≤ point ≤ high),
     * the class it comes from and the measured cases behind it */
    band?: { lowBytes: number; highBytes: number; basis: string; cases: number };
  } | null;
  target: { gpu: string; gpuName: string; count: number; usableBytes: number; fits: boolean | null; verdict: Verdict };
  smallestFittingGpu: string | null;
  /** notebooks: `cell` (1-based, among all cells) and `cellLine` (1-based) next to the line in the .ipynb file */
  diagnostics: { severity: Severity; message: string; line: number; column: number; code: string; cell?: number; cellLine?: number }[];
  assumptions: { field: string; value: unknown; reason: string }[];
  plan: Record<string, { value: unknown; origin: string; reason: string; line?: number }> | null;
}

export function reportToJson(r: Report): ReportJson {
  const components: Record<string, number> = {};
  for (const c of r.estimate?.components ?? []) components[c.name] = (components[c.name] ?? 0) + Math.round(c.bytes);
  const plan = r.plan
    ? Object.fromEntries(
        Object.entries(r.plan).map(([k, f]) => [k, { value: f.value, origin: f.origin, reason: f.reason, ...(f.span ? { line: f.span.line + 1 } : {}) }]),
      )
    : null;
  return {
    file: r.file,
    framework: r.framework,
    isTraining: r.isTraining,
    model: r.model
      ? {
          id: r.model.spec?.id ?? null,
          ref: r.model.ref,
          parameters: r.estimate?.params.total ?? null,
          trainableParameters: r.estimate?.params.trainable ?? null,
          source: r.model.spec?.source ?? null,
          ...(r.model.step ? { resolvedBy: r.model.step } : {}),
          ...(r.model.approximated ? { approximated: r.model.approximated } : {}),
        }
      : null,
    perGpu: r.estimate
      ? {
          peakAllocatedBytes: Math.round(r.estimate.peakAllocatedBytes),
          peakReservedBytes: Math.round(r.estimate.peakReservedBytes),
          peakDeviceBytes: Math.round(r.estimate.peakDeviceBytes),
          requiredBytes: Math.round(r.estimate.requiredBytes),
          phase: r.estimate.phase,
          phases: r.estimate.phases.map((p) => ({ phase: p.phase, requiredBytes: Math.round(p.requiredBytes) })),
          components,
          ...(r.estimate.band
            ? {
                band: {
                  lowBytes: Math.round(r.estimate.band.lowBytes),
                  highBytes: Math.round(r.estimate.band.highBytes),
                  basis: r.estimate.band.basis,
                  cases: r.estimate.band.cases,
                },
              }
            : {}),
        }
      : null,
    target: {
      gpu: r.target.gpu.id,
      gpuName: r.target.gpu.name,
      count: r.target.count,
      usableBytes: Math.round(r.target.usableBytes),
      fits: r.target.verdict === 'unknown' ? null : r.target.verdict !== 'oom',
      verdict: r.target.verdict,
    },
    smallestFittingGpu: r.smallestFittingGpu?.id ?? null,
    diagnostics: r.findings.map((f) => ({
      severity: f.severity,
      message: f.message,
      line: f.span.line + 1,
      column: f.span.column + 1,
      code: f.code,
      ...(f.cell ? { cell: f.cell.index + 1, cellLine: f.cell.line + 1 } : {}),
    })),
    assumptions: r.plan
      ? Object.entries(r.plan)
          .filter(([, f]) => f.origin !== 'read')
          .map(([k, f]) => ({ field: k, value: f.value, reason: f.reason }))
      : [],
    plan,
  };
}

/** One line for the CodeLens and the status bar. */
export function summaryLine(r: Report): string {
  if (!r.estimate) return r.model?.reason ? `VRAM Lens: ${r.model.reason}` : 'VRAM Lens: no estimate';
  const phases = r.estimate.phases;
  const other = phases.length > 1 ? phases.find((p) => (p.phase === 'generation') !== (r.estimate!.phase === 'generation')) : undefined;
  const peak = `≈ ${requiredRange(r)} per GPU${other ? ` (${r.estimate.phase === 'generation' ? 'generation' : 'training'}; ${other.phase === 'generation' ? 'generation' : 'training'} ${formatGiB(other.requiredBytes)})` : ''}`;
  const t = `${r.target.count}× ${r.target.gpu.name}`;
  const verdict =
    r.target.verdict === 'oom'
      ? `exceeds ${t}`
      : r.target.verdict === 'tight'
        ? r.estimate.requiredBytes > r.target.usableBytes || (r.target.spread?.high ?? 1) * r.estimate.requiredBytes > r.target.usableBytes
          ? `may not fit ${t}`
          : `tight on ${t}`
        : `fits ${t}`;
  const smallest = r.target.verdict === 'oom' && r.smallestFittingGpu ? ` · fits ${r.target.count}× ${r.smallestFittingGpu.name}` : '';
  return `${peak} · ${verdict}${smallest} · ${formatParams(r.estimate.params.total)} params`;
}
