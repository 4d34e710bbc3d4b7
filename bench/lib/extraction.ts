// The labelled real-world set (bench/extraction/labels-*.json): what each public file states, labelled by
// reading it (labelling rules in docs/labeling-real-files.md). The files themselves are not in the
// repository (they belong to their authors): scripts/fetch-extraction-files.mjs puts them under
// bench/extraction/files/ from each label's `source` (owner/repo@commit:path). Scoring: training or not,
// an estimate for the files that name a model, and each labelled value read equal.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { optimizerKind } from '../../src/analysis/plan/plan';
import { analyzeText, AnalysisDeps, DEFAULT_SETTINGS, Report } from '../../src/analysis/report';
import { readInput } from '../../src/cli/input';
import { listShellScripts, readSmallFile } from '../../src/node-deps';

export interface LabelField {
  value: unknown;
  line: number | null;
  how: string;
}

export interface Label {
  file: string;
  source: string;
  isTraining: boolean;
  why: string;
  trainer: string | null;
  fields: Record<string, LabelField>;
}

export const EXTRACTION_DIR = path.join(__dirname, '..', '..', 'bench', 'extraction');
export const FILES_DIR = process.env.VRAM_LENS_EXTRACTION_FILES ?? path.join(EXTRACTION_DIR, 'files');

/** The first labelled set (the reader was then improved against it), or a later one (labels-fresh.json,
 * labels-third.json), each labelled after the changes before it and scored once (<set>-first-score.json). */
export function labels(set: 'first' | 'fresh' | 'third' = 'first'): Label[] {
  const out: Label[] = [];
  for (const f of set === 'first' ? ['labels-scripts.json', 'labels-configs.json'] : [`labels-${set}.json`]) {
    const p = path.join(EXTRACTION_DIR, f);
    if (existsSync(p)) out.push(...(JSON.parse(readFileSync(p, 'utf8')) as Label[]));
  }
  return out;
}

const norm = (s: string) =>
  s
    .trim()
    .replace(/^https?:\/\/(www\.)?huggingface\.co\//, '')
    .replace(/\/+$/, '')
    .toLowerCase();

/** Optimizer families, as the labelling note compares them. */
function optimizerFamily(name: string): string {
  const k = optimizerKind(name);
  const n = name.toLowerCase();
  if (k === 'paged_adamw_8bit' || k === 'paged_adamw_32bit' || /paged/.test(n)) return 'paged';
  if (k === 'adamw_8bit' || /8bit|8_bit/.test(n)) return '8-bit';
  if (k === 'adafactor' || /adafactor/.test(n)) return 'adafactor';
  if (k === 'lion' || k === 'lion_8bit' || /lion/.test(n)) return 'lion';
  if (k === 'sgd' || k === 'sgd_momentum' || /sgd/.test(n)) return 'sgd';
  if (/adam[-_]?mini/.test(n)) return 'adam-mini';
  if (k === 'adamw' || k === 'adamw_fused' || /adam/.test(n)) return 'adamw';
  return n;
}

/** The product's value for a labelled field, in the label's terms; undefined when it has none. */
export function productValue(r: Report, field: string): unknown {
  const p = r.plan;
  if (field === 'model') return r.hyperparams.model?.value;
  if (!p) return undefined;
  switch (field) {
    case 'method':
      return p.method.value === 'full' ? 'full' : p.method.value === 'frozen' ? 'freeze' : 'lora';
    case 'quantization':
      return { 'gptq-int4': 'gptq', 'awq-int4': 'awq' }[p.quantization.value as string] ?? p.quantization.value;
    case 'microBatch':
      return p.microBatch.value;
    case 'gradAccumulation':
      return p.gradAccumulation.value;
    case 'loraR':
      return p.method.value === 'full' ? undefined : p.loraR.value;
    case 'seqLen':
      return p.promptLength && p.completionLength ? p.promptLength.value + p.completionLength.value : p.seqLen.value;
    case 'gradientCheckpointing':
      return p.gradientCheckpointing.value;
    case 'optimizer':
      return p.optimizer.value;
    case 'precision':
      return p.autocast.value ? (r.hyperparams.fp16?.value ? 'fp16' : 'bf16') : p.weightDtype.value;
    case 'gpus':
      return p.gpus.value;
    case 'sharding':
      return p.sharding.value.startsWith('fsdp') ? 'fsdp' : p.sharding.value;
    default:
      return undefined;
  }
}

export function sameValue(field: string, label: unknown, product: unknown): boolean {
  if (product === undefined || product === null) return false;
  if (field === 'model') return typeof label === 'string' && typeof product === 'string' && norm(label) === norm(product);
  if (field === 'optimizer') return typeof label === 'string' && typeof product === 'string' && optimizerFamily(label) === optimizerFamily(product);
  if (field === 'precision') return String(label).toLowerCase().replace('float', 'fp').replace('bfloat16', 'bf16') === String(product);
  return label === product || String(label) === String(product);
}

export interface FileScore {
  file: string;
  isTraining: boolean;
  productTraining: boolean;
  namesModel: boolean;
  estimate: boolean;
  fields: { field: string; label: unknown; product: unknown; equal: boolean }[];
  missing?: boolean;
  crash?: string;
}

export function scoreLabel(l: Label, base: AnalysisDeps): FileScore {
  const file = path.join(FILES_DIR, l.file);
  // read as the CLI reads a file it is given (its size limits), linked files as the readers read them
  const input = readInput(file);
  const text = 'text' in input ? input.text : undefined;
  const score: FileScore = {
    file: l.file,
    isTraining: l.isTraining,
    productTraining: false,
    namesModel: l.isTraining && !!l.fields.model,
    estimate: false,
    fields: [],
  };
  if (text === undefined) return { ...score, missing: true };
  // the repository the file came from is the workspace: its launch scripts and linked configs resolve there
  const repo = path.join(FILES_DIR, l.file.split('/')[0]);
  try {
    const r = analyzeText(text, file, DEFAULT_SETTINGS, { ...base, readFile: readSmallFile, workspaceRoot: repo, listShellScripts });
    score.productTraining = r.isTraining;
    score.estimate = !!r.estimate;
    for (const [field, f] of Object.entries(l.fields)) {
      const product = productValue(r, field);
      score.fields.push({ field, label: f.value, product, equal: sameValue(field, f.value, product) });
    }
  } catch (e) {
    score.crash = (e as Error).message;
    for (const [field, f] of Object.entries(l.fields)) score.fields.push({ field, label: f.value, product: undefined, equal: false });
  }
  return score;
}

export interface ExtractionSummary {
  files: number;
  missing: number;
  crashes: number;
  trainingAgreement: number;
  namingModel: number;
  withEstimate: number;
  values: number;
  valuesEqual: number;
  byField: Record<string, { n: number; equal: number }>;
}

export function summarizeExtraction(scores: FileScore[]): ExtractionSummary {
  const present = scores.filter((s) => !s.missing);
  const naming = present.filter((s) => s.namesModel);
  const values = present.flatMap((s) => (s.isTraining ? s.fields : []));
  const byField: ExtractionSummary['byField'] = {};
  for (const v of values) {
    const b = (byField[v.field] ??= { n: 0, equal: 0 });
    b.n++;
    if (v.equal) b.equal++;
  }
  return {
    files: present.length,
    missing: scores.length - present.length,
    crashes: present.filter((s) => s.crash).length,
    trainingAgreement: present.filter((s) => s.isTraining === s.productTraining).length / Math.max(1, present.length),
    namingModel: naming.length,
    withEstimate: naming.filter((s) => s.estimate).length,
    values: values.length,
    valuesEqual: values.filter((v) => v.equal).length,
    byField,
  };
}

export function formatExtraction(label: string, s: ExtractionSummary): string {
  const pct = (a: number, b: number) => `${b ? ((a / b) * 100).toFixed(1) : '0.0'}%`;
  return (
    `${label}: ${s.files} files${s.missing ? ` (${s.missing} missing)` : ''}, training/not-training agreement ${(s.trainingAgreement * 100).toFixed(1)}% (target ≥ 95%), ` +
    `files naming a model with an estimate ${s.withEstimate}/${s.namingModel} = ${pct(s.withEstimate, s.namingModel)} (target ≥ 90%), ` +
    `labelled values read equal ${s.valuesEqual}/${s.values} = ${pct(s.valuesEqual, s.values)} (target ≥ 90%)${s.crashes ? `, crashes ${s.crashes}` : ''}`
  );
}
