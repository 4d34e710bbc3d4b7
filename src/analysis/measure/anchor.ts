// A measurement of the file (`vram-lens measure`, .vram-lens/measurements.jsonl) against its estimate now:
// which record matches, and the estimate anchored on it. Pure (no node:, no vscode): the editor, the CLI's
// `check`, the MCP server and the language-model tool all use it.
//
// The anchored peak per GPU is
//   measured reserved peak (max over ranks and phases, what torch.cuda.max_memory_reserved reported)
//   + the NCCL buffers the engine predicts for the measured set-up (outside the caching allocator, so the
//     probe cannot see them; 0 on one GPU)
//   + (engine estimate for the current settings − engine estimate for the measured settings)
// where both estimates are requiredBytes (reserved + NCCL, what the verdict compares), computed now with
// the same engine, and the measured settings are the current plan with the record's values substituted for
// the fields that changed (changedPlanValues). When nothing changed the change is exactly 0 and the anchored
// peak is the measured one (plus NCCL buffers on several GPUs).
import { catalogGpuFor, changedPlanValues, MeasurementRecord } from './record';
import { GpuSpec } from '../hardware/gpus';
import { estimateMemory } from '../memory/estimate';
import { PlanField, setupFromPlan, TrainingPlan } from '../plan/plan';
import { Report } from '../report';
import { Verdict, verdictOf } from '../verdict';
import { formatGiB, GiB } from '../units';

/** Statuses whose record says something about the peak (failed and no-data runs say nothing). */
const INFORMATIVE = new Set<MeasurementRecord['status']>(['complete', 'finished-early', 'oom']);

export interface PlanChangeRow {
  /** plan field (microBatch, seqLen, …) */
  field: string;
  /** its name in words (micro-batch, sequence length, …) */
  label: string;
  measured: unknown;
  now: unknown;
}

export interface Anchoring {
  /** the measured reserved peak per GPU (max over ranks and phases) */
  measuredReservedBytes: number;
  /** NCCL buffers the engine predicts for the measured set-up (0 on one GPU) */
  commBytes: number;
  /** the engine's estimate (requiredBytes) for the measured settings, now */
  predictedMeasuredBytes: number;
  /** the engine's estimate (requiredBytes) for the current settings, now */
  predictedNowBytes: number;
  /** predictedNowBytes − predictedMeasuredBytes */
  changeBytes: number;
  /** measuredReservedBytes + commBytes + changeBytes */
  anchoredBytes: number;
  /** anchoredBytes against the target's usable memory and headroom */
  verdict: Verdict;
}

export interface MeasurementMatch {
  record: MeasurementRecord;
  /** the GPU the measurement ran on, in words ("A100 SXM 80GB", the device name when the catalog lacks it) */
  gpuName: string;
  gpuCount: number | null;
  /** the catalog id of the measured GPU (null when the catalog has no such GPU) */
  gpuId: string | null;
  /** measured on the target's GPU type and count */
  sameGpu: boolean;
  /** the plan fields that differ between the measured file and the file now */
  changes: PlanChangeRow[];
  /** the engine's reserved peak (allocator) for the measured settings, now: what the measured reserved peak is compared with */
  predictedReservedForMeasured: number | null;
  anchoring: Anchoring | null;
  /** why the estimate is not anchored on the measurement; null when it is */
  notAnchoredBecause: string | null;
  /** what the measurement says about the current settings: the anchored verdict, 'oom' for an unchanged run that ran out of memory; null when it says nothing */
  verdict: Verdict | null;
  /** one sentence: how the estimate uses the measurement, or why it does not */
  words: string;
}

const FIELD_WORDS: Record<string, string> = {
  method: 'method',
  weightDtype: 'dtype',
  quantization: 'quantization',
  doubleQuant: 'double quant',
  autocast: 'autocast',
  loraR: 'LoRA r',
  loraTargets: 'LoRA targets',
  loraDropout: 'LoRA dropout',
  loraDtype: 'adapter dtype',
  dora: 'DoRA',
  modulesToSave: 'modules to save',
  optimizer: 'optimizer',
  microBatch: 'micro-batch',
  seqLen: 'sequence length',
  gradAccumulation: 'accumulation',
  gradientCheckpointing: 'checkpointing',
  activationOffload: 'activation offload',
  attention: 'attention',
  loss: 'loss',
  compiled: 'torch.compile',
  gpus: 'GPUs',
  sharding: 'sharding',
  offloadOptimizer: 'optimizer offload',
  offloadParams: 'parameter offload',
};

export function fieldWords(field: string): string {
  return FIELD_WORDS[field] ?? field;
}

export function valueWords(v: unknown): string {
  if (v === undefined || v === null) return 'unset';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** "micro-batch 2→4, checkpointing on→off" */
export function changesWords(changes: PlanChangeRow[], max = 4): string {
  const shown = changes.slice(0, max).map((c) => `${c.label} ${valueWords(c.measured)}→${valueWords(c.now)}`);
  return changes.length > max ? `${shown.join(', ')} and ${changes.length - max} more` : shown.join(', ');
}

/** The catalog GPU a record was measured on: matched again against the catalog of now (custom GPUs included). */
export function measuredGpuOf(record: MeasurementRecord, catalog: GpuSpec[]): GpuSpec | null {
  if (!record.gpu) return null;
  return catalogGpuFor(record.gpu.name, record.gpu.totalBytes, catalog) ?? catalog.find((g) => g.id === record.gpu!.catalogId) ?? null;
}

/** "2026-12-01" */
export function dateOf(iso: string): string {
  return iso.slice(0, 10);
}

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago" */
export function ageWords(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return `on ${dateOf(iso)}`;
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} minute${min === 1 ? '' : 's'} ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'} ago`;
  const d = Math.floor(h / 24);
  return `${d} days ago`;
}

function signed(bytes: number): string {
  return `${bytes < 0 ? '−' : '+'}${formatGiB(Math.abs(bytes))}`;
}

/**
 * The current plan with the record's values where they differ: the measured settings, rebuilt so that
 * the engine of now can estimate them. A field the record lacks is removed (it did not apply then).
 */
export function measuredPlanOf(current: TrainingPlan, changes: { field: string; measured: unknown }[]): TrainingPlan {
  const out = { ...current } as unknown as Record<string, PlanField<unknown> | undefined>;
  for (const c of changes) {
    if (c.measured === undefined) delete out[c.field];
    else out[c.field] = { ...(out[c.field] ?? { origin: 'read', reason: 'the value when measured' }), value: c.measured } as PlanField<unknown>;
  }
  return out as unknown as TrainingPlan;
}

/** The plan of a report as changedPlanValues compares it (value only). */
function planValues(plan: TrainingPlan): Record<string, { value: unknown }> {
  const out: Record<string, { value: unknown }> = {};
  for (const [k, f] of Object.entries(plan)) if (f) out[k] = { value: (f as PlanField<unknown>).value };
  return out;
}

/** The records of the file that say something about its peak, newest last; the one to use for the target. */
export function pickRecord(report: Report, records: MeasurementRecord[], catalog: GpuSpec[]): MeasurementRecord | null {
  const informative = records.filter((r) => INFORMATIVE.has(r.status) && (r.peak || r.status === 'oom'));
  if (!informative.length) return null;
  const onTarget = (r: MeasurementRecord) => measuredGpuOf(r, catalog)?.id === report.target.gpu.id && r.gpu?.count === report.target.count;
  for (let i = informative.length - 1; i >= 0; i--) if (onTarget(informative[i])) return informative[i];
  return informative[informative.length - 1];
}

/**
 * The measurement that matches the report's file and target, and the estimate anchored on it.
 * `records` are the records of this file (same path), oldest first; null when none says anything
 * about the peak. The newest record on the target's GPU type and count wins, else the newest at all
 * (then not anchored, saying why).
 */
export function matchMeasurement(report: Report, records: MeasurementRecord[], catalog: GpuSpec[]): MeasurementMatch | null {
  const record = pickRecord(report, records, catalog);
  if (!record) return null;
  const gpu = measuredGpuOf(record, catalog);
  const gpuName = gpu?.name ?? record.gpu?.name.replace(/^NVIDIA\s+/, '') ?? 'an unknown GPU';
  const gpuCount = record.gpu?.count ?? null;
  const sameGpu = !!gpu && gpu.id === report.target.gpu.id && gpuCount === report.target.count;
  const changes: PlanChangeRow[] =
    report.plan && record.plan ? changedPlanValues(record.plan, planValues(report.plan)).map((c) => ({ ...c, label: fieldWords(c.field) })) : [];
  const base = { record, gpuName, gpuCount, gpuId: gpu?.id ?? null, sameGpu, changes };
  const when = dateOf(record.measuredAt);
  const target = `${report.target.count}× ${report.target.gpu.name}`;
  const measuredOn = `${gpuCount ?? '?'}× ${gpuName}`;

  const notAnchored = (why: string, predictedReservedForMeasured: number | null = null, verdict: Verdict | null = null): MeasurementMatch => ({
    ...base,
    predictedReservedForMeasured,
    anchoring: null,
    notAnchoredBecause: why,
    verdict,
    words: `the measurement of ${when} is not used: ${why}`,
  });

  // What the engine says now for the measured settings (needs the same model and the file's values then).
  const spec = report.model?.spec ?? null;
  let reason: string | null = null;
  if (!report.estimate || !report.plan || !spec) reason = 'there is no estimate for the file now';
  else if (!record.plan) reason = 'it has no record of the values in the file when it ran';
  else if (record.model?.id && record.model.id !== spec.id) reason = `the model changed since (${record.model.id} → ${spec.id})`;
  let predictedMeasured: { required: number; reserved: number } | null = null;
  let predictedNow: number | null = null;
  if (!reason) {
    try {
      const gpuTotal = report.target.gpu.memoryGiB * GiB;
      const now = report.estimate!; // the report's own estimate: the same plan on the same GPU
      const then = changes.length ? estimateMemory(spec!, setupFromPlan(measuredPlanOf(report.plan!, changes), gpuTotal)) : now;
      if ([now.requiredBytes, then.requiredBytes, then.peakReservedBytes].every(Number.isFinite)) {
        predictedNow = now.requiredBytes;
        predictedMeasured = { required: then.requiredBytes, reserved: then.peakReservedBytes };
      } else reason = 'its values cannot be estimated by this version of VRAM Lens';
    } catch {
      reason = 'its values cannot be estimated by this version of VRAM Lens';
    }
  }
  const predictedReserved = predictedMeasured?.reserved ?? null;

  if (record.status === 'oom') {
    const at = record.oom ? ` (step ${record.oom.step}, ${phaseWords(record.oom.phase)})` : '';
    if (!sameGpu) return notAnchored(`it ran out of memory${at} on ${measuredOn}; the target is ${target}`, predictedReserved);
    if (changes.length) return notAnchored(`it ran out of memory${at} with other settings (${changesWords(changes)})`, predictedReserved);
    return {
      ...base,
      predictedReservedForMeasured: predictedReserved,
      anchoring: null,
      notAnchoredBecause: null,
      verdict: 'oom',
      words: `the measurement of ${when} ran out of memory with these settings${at} on ${measuredOn}`,
    };
  }
  if (!record.gpu || !gpu)
    return notAnchored(`the GPU it ran on (${record.gpu?.name ?? 'none seen'}) is not in the GPU catalog; add it to vramLens.customGpus`, predictedReserved);
  if (gpu.id !== report.target.gpu.id) return notAnchored(`measured on ${measuredOn}, the target is ${target}`, predictedReserved);
  if (gpuCount !== report.target.count) return notAnchored(`measured on ${measuredOn}, the target is ${target}`, predictedReserved);
  if (reason || !predictedMeasured || predictedNow === null || !record.peak) return notAnchored(reason ?? 'it has no peak', predictedReserved);

  const measuredReservedBytes = record.peak.reservedBytes;
  const commBytes = predictedMeasured.required - predictedMeasured.reserved;
  const changeBytes = predictedNow - predictedMeasured.required;
  const anchoredBytes = measuredReservedBytes + commBytes + changeBytes;
  const verdict = verdictOf(anchoredBytes, report.target.usableBytes, report.target.headroomPercent);
  const nccl = commBytes > 0 ? ` + NCCL buffers ${formatGiB(commBytes)}` : '';
  const words = changes.length
    ? `anchored on the measurement of ${when}: measured ${formatGiB(measuredReservedBytes)}${nccl} + predicted change ${signed(changeBytes)} (${changesWords(changes)}) = ${formatGiB(anchoredBytes)}`
    : `anchored on the measurement of ${when}: measured ${formatGiB(measuredReservedBytes)}${nccl}, settings unchanged${nccl ? ` = ${formatGiB(anchoredBytes)}` : ''}`;
  return {
    ...base,
    predictedReservedForMeasured: predictedMeasured.reserved,
    anchoring: {
      measuredReservedBytes,
      commBytes,
      predictedMeasuredBytes: predictedMeasured.required,
      predictedNowBytes: predictedNow,
      changeBytes,
      anchoredBytes,
      verdict,
    },
    notAnchoredBecause: null,
    verdict,
    words,
  };
}

const PHASE_WORDS: Record<string, string> = {
  setup: 'loading',
  forward: 'forward + loss',
  backward: 'backward',
  optimizer: 'optimizer step',
  generation: 'generation',
  other: 'after the step',
};

export function phaseWords(phase: string): string {
  return PHASE_WORDS[phase] ?? phase;
}

const num = (bytes: number) => (bytes / GiB).toFixed(bytes < GiB ? 2 : 1);

/**
 * The CodeLens line: "measured 41.2 GiB on 1× A100 SXM 80GB (3 steps, 2 days ago) · predicted 43.0",
 * then "(settings changed since: micro-batch 2→4; anchored estimate 47.1 GiB)" or why it is not used.
 */
export function measuredLensTitle(m: MeasurementMatch, now: Date): string {
  const r = m.record;
  const on = `${m.gpuCount ?? '?'}× ${m.gpuName}`;
  const age = ageWords(r.measuredAt, now);
  const predicted = m.predictedReservedForMeasured ?? r.prediction?.peakReservedBytes ?? null;
  const pred = predicted !== null ? ` · predicted ${num(predicted)}` : '';
  let head: string;
  if (r.status === 'oom') head = `measured: out of memory on ${on} (step ${r.oom?.step ?? '?'}${r.oom ? `, ${phaseWords(r.oom.phase)}` : ''}, ${age})${pred}`;
  else {
    const steps = `${r.stepsCompleted} step${r.stepsCompleted === 1 ? '' : 's'}`;
    head = `measured ${formatGiB(r.peak!.reservedBytes)} on ${on} (${steps}, ${age})${pred}`;
  }
  if (m.anchoring) {
    if (!m.changes.length) return m.anchoring.commBytes > 0 ? `${head} (anchored estimate ${formatGiB(m.anchoring.anchoredBytes)} with NCCL buffers)` : head;
    return `${head} (settings changed since: ${changesWords(m.changes, 3)}; anchored estimate ${formatGiB(m.anchoring.anchoredBytes)})`;
  }
  if (m.verdict === 'oom') return head;
  return `${head} · not used: ${m.notAnchoredBecause}`;
}

/** The rows the hover and the panel show: measured vs predicted, and the anchored estimate. */
export function measuredRows(m: MeasurementMatch): { label: string; value: string }[] {
  const r = m.record;
  const rows: { label: string; value: string }[] = [];
  if (r.peak) {
    rows.push({ label: 'measured reserved peak', value: `${formatGiB(r.peak.reservedBytes)} (rank ${r.peak.rank})` });
    rows.push({ label: 'measured allocated peak', value: `${formatGiB(r.peak.allocatedBytes)} (${phaseWords(r.peak.phase)})` });
  }
  if (m.predictedReservedForMeasured !== null) {
    const diff = r.peak ? ` (${pct(r.peak.reservedBytes, m.predictedReservedForMeasured)} vs measured)` : '';
    rows.push({
      label: m.changes.length ? 'predicted for the measured settings' : 'predicted',
      value: `${formatGiB(m.predictedReservedForMeasured)} reserved${diff}`,
    });
  }
  if (m.changes.length) rows.push({ label: 'settings changed since', value: changesWords(m.changes, 8) });
  if (m.anchoring) {
    const a = m.anchoring;
    if (m.changes.length)
      rows.push({ label: 'predicted change', value: `${signed(a.changeBytes)} (${formatGiB(a.predictedMeasuredBytes)} → ${formatGiB(a.predictedNowBytes)})` });
    if (a.commBytes > 0) rows.push({ label: 'NCCL buffers (not seen by the allocator)', value: formatGiB(a.commBytes) });
    rows.push({
      label: 'anchored estimate',
      value: `${formatGiB(a.anchoredBytes)} (${a.verdict === 'oom' ? 'does not fit' : a.verdict === 'tight' ? 'tight' : 'fits'})`,
    });
  } else if (m.notAnchoredBecause) rows.push({ label: 'not used for the estimate', value: m.notAnchoredBecause });
  return rows;
}

function pct(measured: number, predicted: number): string {
  if (!measured) return 'n/a';
  const d = ((predicted - measured) / measured) * 100;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)}%`;
}

/** Plain data for `check`, the MCP tool and the language-model tool (bytes rounded). */
export function measurementJson(m: MeasurementMatch) {
  const r = m.record;
  return {
    measuredAt: r.measuredAt,
    status: r.status,
    gpu: m.gpuName,
    gpuId: m.gpuId,
    gpus: m.gpuCount,
    stepsCompleted: r.stepsCompleted,
    measuredAllocatedBytes: r.peak ? Math.round(r.peak.allocatedBytes) : null,
    measuredReservedBytes: r.peak ? Math.round(r.peak.reservedBytes) : null,
    predictedReservedForMeasuredBytes: m.predictedReservedForMeasured !== null ? Math.round(m.predictedReservedForMeasured) : null,
    changes: m.changes.map((c) => ({ field: c.field, measured: c.measured, now: c.now })),
    anchoredRequiredBytes: m.anchoring ? Math.round(m.anchoring.anchoredBytes) : null,
    predictedChangeBytes: m.anchoring ? Math.round(m.anchoring.changeBytes) : null,
    verdict: m.verdict,
    notAnchoredBecause: m.notAnchoredBecause,
    words: m.words,
  };
}
export type MeasurementJson = ReturnType<typeof measurementJson>;
