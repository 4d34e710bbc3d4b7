// The held-out memory set (bench/data/heldout): published measurements of real fine-tuning runs, each
// written as its user would write the job (a script or a framework config, with its launcher), scored end
// to end through the same pipeline as the editor and the CLI: read the file, resolve the model, plan,
// estimate, verdict. Models outside the bundled tables are given the case's own config.json, as the
// hub or a local cache would give it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { specFromHfConfig } from '../../src/analysis/models/catalog';
import { ModelSpec } from '../../src/analysis/models/spec';
import { analyzeText, AnalysisDeps, DEFAULT_SETTINGS, Report, reportToJson } from '../../src/analysis/report';
import { BandClass, bandClassOf, bandStackOf } from '../../src/analysis/memory/band';
import { setupFromPlan } from '../../src/analysis/plan/plan';
import { GiB } from '../../src/analysis/units';
import { listShellScripts, readSmallFile } from '../../src/node-deps';

export interface HeldoutCase {
  id: string;
  group: 'sft' | 'preference' | 'rl';
  sourceKind: string;
  source: string;
  entry: string;
  gpu: { id: string; name: string; mem_gib: number };
  gpus: number;
  measured: { value: number; unit: 'GiB' | 'GB' | 'MiB'; metric: string } | { oom: true };
  config?: Record<string, unknown>;
  excluded?: string;
}

export interface HeldoutRow {
  id: string;
  group: string;
  sourceKind: string;
  metric: string;
  /** GiB, or null when the pipeline gave no estimate */
  predicted: number | null;
  /** GiB; null for a reported out-of-memory */
  measured: number | null;
  /** predicted / measured - 1 */
  error: number | null;
  /** the job ran on its card but the verdict is "does not fit" */
  wrongNoFit: boolean;
  /** a reported OOM that the verdict calls out of memory */
  oomCaught?: boolean;
  /** a reported OOM that gets at least a "may not fit" warning */
  oomWarned?: boolean;
  /** the band around the estimate (GiB), when the engine gives one */
  band?: { low: number; high: number };
  /** why there is no estimate */
  why?: string;
  usedCaseConfig: boolean;
  /** the band class of the job as the report saw it (memory/band.ts) */
  bandClass?: BandClass;
}

export const HELDOUT_DIR = path.join(__dirname, '..', '..', 'bench', 'data', 'heldout');
/** A second held-out set, collected after the engine was changed for the first one and scored once (its first
 * score is kept in its folder's first-score.json). */
export const FRESH_DIR = path.join(__dirname, '..', '..', 'bench', 'data', 'heldout-fresh');
/** The held-out sets collected after the first one, in the order they arrived (each scored once on arrival). */
export const LATER_SETS = [
  { label: 'fresh', dir: FRESH_DIR, note: 'collected 2026-12-07 after the first round of engine changes' },
  { label: 'third', dir: path.join(__dirname, '..', '..', 'bench', 'data', 'heldout-third'), note: 'collected 2026-12-08 after the second round' },
];

export function heldoutCases(dir = HELDOUT_DIR): HeldoutCase[] {
  const file = path.join(dir, 'cases.json');
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as { cases: HeldoutCase[] }).cases;
}

const toGiB = (v: number, unit: string) => v * ({ GiB: 1, GB: 1e9 / GiB, MiB: 1 / 1024 } as Record<string, number>)[unit];

function predictedOn(metric: string, j: ReturnType<typeof reportToJson>): number | null {
  const g = j.perGpu;
  if (!g) return null;
  if (metric === 'allocated' || metric === 'active') return g.peakAllocatedBytes / GiB;
  if (metric === 'smi' || metric === 'nvidia-smi') return g.peakDeviceBytes / GiB;
  return g.peakReservedBytes / GiB; // reserved, and unknown (published "memory used" is most often the reserved peak)
}

/**
 * A case's job analysed as the editor would, from its folder (launch scripts and linked configs beside it); a
 * model no bundled table knows takes the case's own config.json keys. Undefined when the entry file is missing.
 */
export function analyzeCase(c: HeldoutCase, base: AnalysisDeps, setDir = HELDOUT_DIR): { report: Report; usedCaseConfig: boolean } | undefined {
  const dir = path.join(setDir, c.id);
  const file = path.join(dir, c.entry);
  const text = readSmallFile(file);
  if (text === undefined) return undefined;
  const settings = { ...DEFAULT_SETTINGS, targetGpu: c.gpu.id, gpuCount: c.gpus };
  const deps: AnalysisDeps = { ...base, readFile: readSmallFile, workspaceRoot: dir, listShellScripts };
  const r = analyzeText(text, file, settings, deps);
  if (r.model && !r.model.spec && c.config) {
    const mapped = specFromHfConfig(c.config, r.model.ref);
    if (mapped.spec)
      return {
        report: analyzeText(text, file, settings, { ...deps, hubModels: new Map<string, ModelSpec>([[r.model.ref, mapped.spec]]) }),
        usedCaseConfig: true,
      };
  }
  return { report: r, usedCaseConfig: false };
}

/** One case through the whole pipeline. `base` carries the parser (and nothing that depends on the case). */
export function scoreCase(c: HeldoutCase, base: AnalysisDeps, setDir = HELDOUT_DIR): HeldoutRow {
  const metric = 'oom' in c.measured ? 'oom' : c.measured.metric;
  const measured = 'oom' in c.measured ? null : toGiB(c.measured.value, c.measured.unit);
  const row: HeldoutRow = {
    id: c.id,
    group: c.group,
    sourceKind: c.sourceKind,
    metric,
    predicted: null,
    measured,
    error: null,
    wrongNoFit: false,
    usedCaseConfig: false,
  };
  const analysed = analyzeCase(c, base, setDir);
  if (!analysed) return { ...row, why: `${c.entry} missing` };
  const r = analysed.report;
  row.usedCaseConfig = analysed.usedCaseConfig;
  const j = reportToJson(r);
  if (r.plan) row.bandClass = bandClassOf(setupFromPlan(r.plan), bandStackOf(r.framework), r.plan.packing?.value ?? false);
  const predicted = predictedOn(metric, j);
  if (predicted === null)
    return {
      ...row,
      why: r.model?.reason ?? r.findings.find((f) => f.code === 'vramLens.unknownModel' || f.code === 'vramLens.unsupported')?.message ?? 'no estimate',
    };
  row.predicted = predicted;
  const band = (j.perGpu as { band?: { lowBytes: number; highBytes: number } }).band;
  if (band) row.band = { low: band.lowBytes / GiB, high: band.highBytes / GiB };
  if (measured !== null) {
    row.error = predicted / measured - 1;
    row.wrongNoFit = j.target.verdict === 'oom';
  } else {
    row.oomCaught = j.target.verdict === 'oom';
    row.oomWarned = j.target.verdict === 'oom' || j.target.verdict === 'tight';
  }
  return row;
}

export interface Summary {
  n: number;
  noEstimate: number;
  medianAbs: number;
  p90Abs: number;
  signedMedian: number;
  within10: number;
  within20: number;
  wrongNoFit: number;
  ooms: number;
  oomsCaught: number;
  oomsWarned?: number;
  /** share of cases whose measurement lies in the band, and the band's median width (high/low - 1) */
  inBand?: number;
  medianBandWidth?: number;
}

const quantile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))] : NaN;
};

export function summarize(rows: HeldoutRow[]): Summary {
  const scored = rows.filter((r) => r.error !== null);
  const abs = scored.map((r) => Math.abs(r.error!));
  const banded = scored.filter((r) => r.band);
  return {
    n: scored.length,
    noEstimate: rows.filter((r) => r.predicted === null).length,
    medianAbs: quantile(abs, 0.5),
    p90Abs: quantile(abs, 0.9),
    signedMedian: quantile(
      scored.map((r) => r.error!),
      0.5,
    ),
    within10: abs.filter((e) => e <= 0.1).length / Math.max(1, abs.length),
    within20: abs.filter((e) => e <= 0.2).length / Math.max(1, abs.length),
    wrongNoFit: rows.filter((r) => r.wrongNoFit).length,
    ooms: rows.filter((r) => r.measured === null).length,
    oomsCaught: rows.filter((r) => r.oomCaught).length,
    oomsWarned: rows.filter((r) => r.oomWarned).length,
    ...(banded.length
      ? {
          inBand: banded.filter((r) => r.measured! >= r.band!.low && r.measured! <= r.band!.high).length / banded.length,
          medianBandWidth: quantile(
            banded.map((r) => r.band!.high / r.band!.low - 1),
            0.5,
          ),
        }
      : {}),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const signed = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

export function formatSummary(label: string, s: Summary): string {
  return (
    `${label}: ${s.n} scored, median |error| ${pct(s.medianAbs)}, p90 ${pct(s.p90Abs)}, signed median ${signed(s.signedMedian)}, ` +
    `within ±10% ${pct(s.within10)}, wrong "does not fit" ${s.wrongNoFit}, OOMs caught ${s.oomsCaught}/${s.ooms}` +
    (s.oomsWarned !== undefined ? ` (warned ${s.oomsWarned}/${s.ooms})` : '') +
    (s.noEstimate ? `, no estimate ${s.noEstimate}` : '') +
    (s.inBand !== undefined ? `, inside the band ${pct(s.inBand)} (median width ${pct(s.medianBandWidth!)})` : '')
  );
}

export function formatRow(r: HeldoutRow): string {
  const p = r.predicted === null ? '—' : r.predicted.toFixed(2);
  const m = r.measured === null ? 'OOM' : r.measured.toFixed(2);
  const e = r.error === null ? (r.oomCaught ? 'caught' : r.measured === null ? 'missed' : '') : signed(r.error);
  const flags = `${r.wrongNoFit ? '  << predicted not to fit' : ''}${r.why ? `  (${r.why.slice(0, 90)})` : ''}${r.usedCaseConfig ? '  [case config.json]' : ''}`;
  return `${r.id.slice(0, 52).padEnd(53)} ${r.metric.padEnd(9)} ${p.padStart(8)} ${m.padStart(8)} ${e.padStart(8)}${flags}`;
}

/** Summaries overall, per group (sft / preference / rl) and per kind of source. */
export function summariesOf(rows: HeldoutRow[]): Record<string, Summary> {
  const out: Record<string, Summary> = { all: summarize(rows) };
  for (const key of ['group', 'sourceKind'] as const) {
    for (const v of [...new Set(rows.map((r) => r[key]))].sort()) out[`${key}=${v}`] = summarize(rows.filter((r) => r[key] === v));
  }
  return out;
}
