// The hardware questions asked of a Report — which GPUs and what it costs (compare), what fits on the
// target (solve) — with their text and JSON views, shared by the CLI, the commands and the panel.
import { spreadOfSetup } from '../memory/band';
import type { SourceSpan } from '../extract/source';
import type { PlanField } from '../plan/plan';
import { setupFromPlan } from '../plan/plan';
import type { AnalysisSettings, Report } from '../report';
import { formatGiB } from '../units';
import { Comparison, comparisonRowJson, compareJob, ComparisonRow } from './compare';
import { PLAN_FIELD, SolveField, solveLargest, SolveResult } from './solve';
import { formatDuration, formatTokens } from './time';

export type AdviceSettings = Pick<AnalysisSettings, 'headroomPercent' | 'customGpus' | 'gpuPrices' | 'trainingTokens' | 'timeModel'> & { tokens?: number };

/** Every GPU type at the count that fits, sorted by total cost; null when the report has no estimate. */
export function compareReport(r: Report, s: AdviceSettings): Comparison | null {
  if (!r.plan || !r.model?.spec || !r.estimate) return null;
  return compareJob(
    { framework: r.framework, hyperparams: r.hyperparams, model: r.model.spec, setup: setupFromPlan(r.plan) },
    // each candidate set-up (sharding, offload) judged with the band of its own class
    { spread: (setup) => spreadOfSetup(setup, r.framework, r.plan!.packing.value), ...s },
  );
}

/** The largest value of a field that fits the report's target GPU (count and headroom as analysed). */
export function solveReport(r: Report, field: SolveField): SolveResult | null {
  if (!r.plan || !r.model?.spec || !r.estimate) return null;
  return solveLargest(r.model.spec, setupFromPlan(r.plan), r.target.gpu, r.target.headroomPercent, field, r.target.spread);
}

// ---- applying an answer to the file ---------------------------------------------------------------------

export interface ValueEdit {
  /** the plan field (microBatch, seqLen, loraR, gradAccumulation) */
  field: string;
  span: SourceSpan;
  value: number;
}

/** Where to write a value: only a field read from the file, at the literal that holds it. */
export function editFor(field: PlanField<unknown> | undefined, name: string, value: number): ValueEdit | null {
  if (!field || field.origin !== 'read' || !field.valueSpan) return null;
  return { field: name, span: field.valueSpan, value };
}

/** The replacement text: keeps a string literal a string ("4" -> "8"), else a plain number. */
export function replacementText(current: string, value: number): string {
  const m = /^([rbuRBU]*)(['"])/.exec(current.trim());
  return m ? `${m[1]}${m[2]}${value}${m[2]}` : String(value);
}

/** The edits that set a solved value: the field itself, or (micro-batch) the pair that keeps the effective batch. */
export function solveEdits(r: Report, s: SolveResult, keepEffectiveBatch = false): { edits: ValueEdit[]; missing: string[] } {
  const p = r.plan;
  if (!p || s.value === null) return { edits: [], missing: [] };
  const edits: ValueEdit[] = [];
  const missing: string[] = [];
  const want = (name: 'microBatch' | 'seqLen' | 'loraR' | 'gradAccumulation', value: number, current: number) => {
    if (value === current) return;
    const e = editFor(p[name] as PlanField<unknown>, name, value);
    if (e) edits.push(e);
    else missing.push(name);
  };
  if (s.field === 'micro_batch' && keepEffectiveBatch && s.accumulation) {
    want('microBatch', s.accumulation.microBatch, p.microBatch.value);
    want('gradAccumulation', s.accumulation.gradAccumulation, p.gradAccumulation.value);
  } else {
    const v = s.field === 'micro_batch' ? s.value : (s.suggested ?? s.value);
    want(PLAN_FIELD[s.field], v, s.current);
  }
  return { edits, missing };
}

// ---- text and JSON ---------------------------------------------------------------------------------------

/** Three decimals: the two sides of a sequence-length boundary differ by a few MiB. */
const gib3 = (b: number) => `${(b / 2 ** 30).toFixed(3)} GiB`;

const FIELD_WORDS: Record<SolveField, string> = { micro_batch: 'micro-batch', seq_len: 'sequence length', lora_r: 'LoRA rank' };

export function formatSolve(s: SolveResult, r: Report): string {
  const where = `${r.target.count}× ${r.target.gpu.name} with ${r.target.headroomPercent}% headroom (limit ${gib3(s.limitBytes)} per GPU)`;
  if (s.value === null)
    return `  solve ${s.field}: ${s.reason ?? 'no value fits'}${s.requiredBytesAbove !== null ? `: needs ${formatGiB(s.requiredBytesAbove)}, limit ${formatGiB(s.limitBytes)} (${r.target.headroomPercent}% headroom)` : ''}`;
  const lines = [
    `  solve ${s.field}: largest ${FIELD_WORDS[s.field]} that fits ${where}: ${s.value} (now ${s.current})` +
      ` · peak ${gib3(s.requiredBytesAtValue!)}` +
      (s.capped ? ` · stopped at ${s.capReason}` : s.requiredBytesAbove !== null ? ` · ${s.value + 1} needs ${gib3(s.requiredBytesAbove)}` : ''),
  ];
  if (s.suggested !== null && s.suggested !== s.value) lines.push(`    rounder value: ${s.suggested}`);
  if (s.accumulation) {
    const a = s.accumulation;
    lines.push(
      `    keeps the effective batch ${a.effectiveBatch}: micro-batch ${a.microBatch} × accumulation ${a.gradAccumulation} (peak ${formatGiB(a.requiredBytes)})`,
    );
  }
  return lines.join('\n');
}

export function solveJson(s: SolveResult) {
  return {
    field: s.field,
    current: s.current,
    value: s.value,
    suggested: s.suggested,
    peakBytes: s.requiredBytesAtValue === null ? null : Math.round(s.requiredBytesAtValue),
    nextPeakBytes: s.requiredBytesAbove === null ? null : Math.round(s.requiredBytesAbove),
    limitBytes: Math.round(s.limitBytes),
    capped: s.capped,
    capReason: s.capped ? s.capReason : null,
    gradAccumulation: s.accumulation
      ? {
          microBatch: s.accumulation.microBatch,
          gradAccumulation: s.accumulation.gradAccumulation,
          effectiveBatch: s.accumulation.effectiveBatch,
          peakBytes: Math.round(s.accumulation.requiredBytes),
        }
      : null,
    reason: s.reason,
  };
}

export function comparisonJson(c: Comparison) {
  return c.rows.map(comparisonRowJson);
}

export function formatUsd(x: number): string {
  return x >= 100 ? `$${Math.round(x).toLocaleString('en-US')}` : `$${x.toFixed(2)}`;
}

/** One line of the comparison for a quick pick or a table: time, GPUs and $/h. */
export function rowSummary(row: ComparisonRow): { time: string; timeRange: string; cost: string; rate: string } {
  return {
    time: row.hours !== null ? formatDuration(row.hours) : '—',
    timeRange: row.hoursRange ? `${formatDuration(row.hoursRange[0])}–${formatDuration(row.hoursRange[1])}` : '',
    cost: row.costUsd !== null ? formatUsd(row.costUsd) : row.usdPerMillionTokens !== null ? `${formatUsd(row.usdPerMillionTokens)}/M tok` : '—',
    rate: row.usdPerGpuHour !== null ? `$${(row.usdPerGpuHour * row.count).toFixed(2)}/h` : 'no price',
  };
}

export function formatComparison(c: Comparison, limit = c.rows.length): string {
  const head = c.tokens
    ? `  GPU comparison for ${formatTokens(c.tokens.tokens)} training tokens (${c.tokens.how}); stack ${c.stack}; cheapest run first:`
    : `  GPU comparison (no token count: pass --tokens N or set max_steps; cost per million tokens shown); stack ${c.stack}; cheapest first:`;
  const rows: string[][] = [['    GPU', 'count', 'set-up', 'time', 'range', 'cost', '$/h', 'tok/s', 'peak/GPU']];
  const none: string[] = [];
  for (const r of c.rows.slice(0, limit)) {
    const s = rowSummary(r);
    if (!r.fits) {
      none.push(`    ${r.gpuName}: does not fit, ${r.reason ?? ''}`);
      continue;
    }
    rows.push([
      `    ${r.gpuName}`,
      `${r.count}×`,
      r.sharding ?? '',
      s.time,
      s.timeRange,
      s.cost,
      s.rate,
      r.tokensPerSecond !== null ? formatTokens(r.tokensPerSecond) : '—',
      r.requiredBytes !== null ? formatGiB(r.requiredBytes) : '—',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const right = new Set([1, 3, 4, 5, 6, 7, 8]);
  const text = rows.map((row) =>
    row
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
  return [head, ...text, ...none].join('\n');
}
