// A measurement of a training job's real GPU memory (`vram-lens measure`): what the probe writes per
// process, the merged record appended to <workspace>/.vram-lens/measurements.jsonl, and the pure helpers
// the CLI and the editor share (merging, reading the file, comparing its values with a later edit).
// No node: imports: the extension bundles this file.
import { z } from 'zod';
import { GpuSpec } from '../hardware/gpus';
import { GiB } from '../units';

/** The record's own format; bump when a field changes meaning. */
export const MEASUREMENT_VERSION = 1;
/** The probe's result-file format (probe/vram_lens_probe/probe.py FORMAT). */
export const PROBE_FORMAT = 1;

/** The probe's phases, in the order of a step (probe.py's docstring says how each is told apart). */
export const PROBE_PHASES = ['setup', 'forward', 'backward', 'optimizer', 'generation', 'other'] as const;
export type ProbePhase = (typeof PROBE_PHASES)[number];

const count = z.number().int().nonnegative();
const bytes = z.number().nonnegative();

export const PhasePeakSchema = z.object({
  /** torch.cuda.max_memory_allocated during the phase */
  allocatedBytes: bytes,
  /** torch.cuda.max_memory_reserved during the phase */
  reservedBytes: bytes,
  /** device-wide use (mem_get_info total - free) at the phase's end, every process and the CUDA context */
  deviceUsedBytes: bytes.nullable(),
  /** how many times the phase ran */
  count,
});
export type PhasePeak = z.infer<typeof PhasePeakSchema>;

const PhasePeaksSchema = z.record(z.string(), PhasePeakSchema);
export type PhasePeaks = z.infer<typeof PhasePeaksSchema>;

const OomSchema = z.object({ message: z.string(), step: count, phase: z.string() });

/** One process's result file (VRAM_LENS_PROBE_DIR/rank<R>-pid<P>.json). */
export const ProbeFileSchema = z.object({
  format: z.literal(PROBE_FORMAT),
  rank: count,
  localRank: count.nullable(),
  worldSize: z.number().int().positive(),
  pid: z.number().int(),
  /** stopped: after the requested steps; finished: the program ended first; oom; error: an uncaught exception; terminated: SIGTERM */
  status: z.enum(['stopped', 'finished', 'oom', 'error', 'terminated']),
  stepsRequested: z.number().int().positive(),
  stepsCompleted: count,
  device: z.object({ index: count, name: z.string(), totalBytes: bytes.nullable() }).nullable(),
  deviceCount: count.nullable(),
  versions: z.record(z.string(), z.string()),
  cuda: z.string().nullable(),
  hip: z.string().nullable(),
  python: z.string(),
  phases: PhasePeaksSchema,
  steps: z.array(z.object({ step: count, phases: PhasePeaksSchema })),
  oom: OomSchema.nullable(),
  numOoms: count.nullable(),
  error: z.string().nullable(),
  notes: z.array(z.string()),
  seconds: z.number().nonnegative(),
});
export type ProbeFile = z.infer<typeof ProbeFileSchema>;

const ProcessSchema = z.object({
  rank: count,
  localRank: count.nullable(),
  deviceIndex: count.nullable(),
  status: ProbeFileSchema.shape.status,
  stepsCompleted: count,
  phases: PhasePeaksSchema,
  oom: OomSchema.nullable(),
  error: z.string().nullable(),
  notes: z.array(z.string()),
});
export type MeasuredProcess = z.infer<typeof ProcessSchema>;

export const MeasurementStatusSchema = z.enum([
  /** every training process stopped after the requested steps */
  'complete',
  /** the program ended on its own after at least one step, before the requested count */
  'finished-early',
  /** a process ran out of GPU memory */
  'oom',
  /** the command failed, or no process completed a step */
  'failed',
  /** no process used the GPU under the probe (not Python, torch never imported, CUDA never used) */
  'no-data',
]);
export type MeasurementStatus = z.infer<typeof MeasurementStatusSchema>;

const PlanValueSchema = z.object({ value: z.unknown(), origin: z.string(), line: z.number().int().optional() });

export const MeasurementRecordSchema = z.object({
  version: z.literal(MEASUREMENT_VERSION),
  /** ISO time the command finished */
  measuredAt: z.string(),
  /** vram-lens version */
  tool: z.string(),
  /** the command, secrets (VAR=value, --*token/key/secret/password values) replaced by "…"; never exported */
  command: z.array(z.string()),
  /** the training script or config, relative to the workspace (absolute when outside it); never exported */
  file: z.string().nullable(),
  gitCommit: z.string().nullable(),
  /** the file differs from gitCommit (uncommitted edits) */
  gitDirty: z.boolean().nullable(),
  stepsRequested: z.number().int().positive(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  status: MeasurementStatusSchema,
  gpu: z.object({ name: z.string(), count: z.number().int().positive(), totalBytes: bytes.nullable(), catalogId: z.string().nullable() }).nullable(),
  /** torch, transformers, peft, trl, deepspeed, … as the program imported them; python, cuda */
  versions: z.record(z.string(), z.string()),
  processes: z.array(ProcessSchema),
  /** per phase, the highest process */
  phases: PhasePeaksSchema,
  /** per GPU over the whole run (what max_memory_allocated reports at the end), the highest process */
  peak: z
    .object({
      allocatedBytes: bytes,
      reservedBytes: bytes,
      deviceUsedBytes: bytes.nullable(),
      /** the phase and rank of the allocated peak */
      phase: z.string(),
      rank: count,
    })
    .nullable(),
  stepsCompleted: count,
  oom: OomSchema.extend({ rank: count }).nullable(),
  model: z
    .object({
      ref: z.string().nullable(),
      id: z.string().nullable(),
      /** the bundled catalog's id when the model is a public one it knows; null for local or unknown models */
      catalogId: z.string().nullable(),
      parameters: z.number().nullable(),
      arch: z
        .object({
          hidden: z.number(),
          layers: z.number(),
          heads: z.number(),
          kv_heads: z.number(),
          intermediate: z.number(),
          vocab: z.number(),
          tied_embeddings: z.boolean(),
          head_dim: z.number().optional(),
        })
        .nullable(),
    })
    .nullable(),
  /** the values read from the file at the time (reportToJson's plan: value, origin, line) */
  plan: z.record(z.string(), PlanValueSchema).nullable(),
  /** VRAM Lens's prediction for the file as it was when the command started */
  prediction: z
    .object({
      peakAllocatedBytes: bytes,
      peakReservedBytes: bytes,
      requiredBytes: bytes,
      phase: z.string(),
      phases: z.array(z.object({ phase: z.string(), requiredBytes: bytes })),
      targetGpu: z.string(),
      gpus: z.number().int().positive(),
    })
    .nullable(),
  /** why there is no prediction or no file */
  notes: z.array(z.string()),
});
export type MeasurementRecord = z.infer<typeof MeasurementRecordSchema>;

// ---- merging the probe's files -----------------------------------------------------------------------

function maxPeak(a: PhasePeak | undefined, b: PhasePeak): PhasePeak {
  if (!a) return { ...b };
  const used = a.deviceUsedBytes === null ? b.deviceUsedBytes : b.deviceUsedBytes === null ? a.deviceUsedBytes : Math.max(a.deviceUsedBytes, b.deviceUsedBytes);
  return {
    allocatedBytes: Math.max(a.allocatedBytes, b.allocatedBytes),
    reservedBytes: Math.max(a.reservedBytes, b.reservedBytes),
    deviceUsedBytes: used,
    count: Math.max(a.count, b.count),
  };
}

export type MergedMeasurement = Pick<MeasurementRecord, 'status' | 'gpu' | 'versions' | 'processes' | 'phases' | 'peak' | 'stepsCompleted' | 'oom'>;

/**
 * One measurement from the files of every process, in rank order. A process that did no step and
 * ended normally (a vLLM engine, a helper) is kept in `processes` but decides nothing about the status.
 */
export function mergeProbeFiles(files: ProbeFile[], catalog: GpuSpec[] = []): MergedMeasurement {
  const sorted = [...files].sort((a, b) => a.rank - b.rank || a.pid - b.pid);
  const processes: MeasuredProcess[] = sorted.map((f) => ({
    rank: f.rank,
    localRank: f.localRank,
    deviceIndex: f.device?.index ?? null,
    status: f.status,
    stepsCompleted: f.stepsCompleted,
    phases: f.phases,
    oom: f.oom,
    error: f.error,
    notes: f.notes,
  }));
  const phases: PhasePeaks = {};
  let top: { allocatedBytes: number; phase: string; rank: number } | null = null;
  let reserved = 0;
  let used: number | null = null;
  for (const p of processes) {
    for (const name of orderedPhases(p.phases)) {
      const v = p.phases[name];
      phases[name] = maxPeak(phases[name], v);
      if (!top || v.allocatedBytes > top.allocatedBytes) top = { allocatedBytes: v.allocatedBytes, phase: name, rank: p.rank };
      reserved = Math.max(reserved, v.reservedBytes);
      if (v.deviceUsedBytes !== null) used = Math.max(used ?? 0, v.deviceUsedBytes);
    }
  }
  const peak: MeasurementRecord['peak'] = top
    ? { allocatedBytes: top.allocatedBytes, reservedBytes: reserved, deviceUsedBytes: used, phase: top.phase, rank: top.rank }
    : null;
  const oomFile = sorted.find((f) => f.oom);
  const oom = oomFile?.oom ? { ...oomFile.oom, rank: oomFile.rank } : null;
  const trainers = sorted.filter((f) => f.stepsCompleted > 0 || f.status !== 'finished');
  let status: MeasurementStatus;
  if (files.length === 0) status = 'no-data';
  else if (oom) status = 'oom';
  else if (trainers.some((f) => f.status === 'error' || f.status === 'terminated')) status = 'failed';
  else if (trainers.length && trainers.every((f) => f.status === 'stopped')) status = 'complete';
  else if (trainers.some((f) => f.stepsCompleted > 0)) status = 'finished-early';
  else status = 'failed';
  const withDevice = sorted.find((f) => f.device);
  const devices = new Set(sorted.filter((f) => f.device).map((f) => f.device!.index));
  const gpu = withDevice?.device
    ? {
        name: withDevice.device.name,
        count: Math.max(1, devices.size, ...sorted.map((f) => f.worldSize)),
        totalBytes: withDevice.device.totalBytes,
        catalogId: catalogGpuFor(withDevice.device.name, withDevice.device.totalBytes, catalog)?.id ?? null,
      }
    : null;
  const versions: Record<string, string> = {};
  for (const f of sorted) {
    for (const [k, v] of Object.entries(f.versions)) versions[k] ??= v;
    if (f.cuda) versions.cuda ??= f.cuda;
    if (f.hip) versions.hip ??= f.hip;
    versions.python ??= f.python;
  }
  const stepsCompleted = trainers.length ? Math.min(...trainers.map((f) => f.stepsCompleted)) : 0;
  return { status, gpu, versions, processes, phases, peak, stepsCompleted, oom };
}

function orderedPhases(p: PhasePeaks): string[] {
  const known = PROBE_PHASES.filter((n) => p[n]) as string[];
  return [...known, ...Object.keys(p).filter((n) => !known.includes(n))];
}

// ---- the GPU the probe saw, in the catalog ----------------------------------------------------------

const VENDOR_WORDS = new Set(['nvidia', 'geforce', 'tesla', 'amd', 'instinct', 'radeon', 'generation']);

function gpuTokens(name: string): string[] {
  return name
    .toLowerCase()
    .replace(/sxm\d/g, 'sxm')
    .split(/[^a-z0-9]+/)
    .filter((t) => t && !VENDOR_WORDS.has(t) && !/^\d+gb$/.test(t) && !/^hbm\d*e?$/.test(t));
}

/**
 * The catalog GPU that torch's device name names ("NVIDIA A100-SXM4-80GB", "NVIDIA H100 80GB HBM3",
 * "NVIDIA GeForce RTX 4090"): its model number must appear, its memory must be within 8% of the device's
 * total when that is known; more shared words win, then catalog order. Null when nothing fits.
 */
export function catalogGpuFor(deviceName: string, totalBytes: number | null, catalog: GpuSpec[]): GpuSpec | null {
  const device = new Set(gpuTokens(deviceName));
  let best: GpuSpec | null = null;
  let bestScore = 0;
  for (const g of catalog) {
    const words = gpuTokens(g.name);
    const model = words.find((w) => /\d/.test(w));
    const names = [model, ...g.aliases.filter((a) => !a.includes('-'))].filter((x): x is string => !!x);
    if (!names.some((n) => device.has(n))) continue;
    if (totalBytes && Math.abs(g.memoryGiB - totalBytes / GiB) > 0.08 * g.memoryGiB) continue;
    const score = words.filter((w) => device.has(w)).length;
    if (score > bestScore) {
      best = g;
      bestScore = score;
    }
  }
  return best;
}

// ---- the measurements file --------------------------------------------------------------------------

export const MEASUREMENTS_FILE = '.vram-lens/measurements.jsonl';

/** The records of measurements.jsonl in order; lines that do not parse are reported, not fatal. */
export function parseMeasurements(text: string): { records: { line: number; record: MeasurementRecord }[]; problems: string[] } {
  const records: { line: number; record: MeasurementRecord }[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      problems.push(`line ${i + 1}: not JSON (${(e as Error).message})`);
      return;
    }
    const r = MeasurementRecordSchema.safeParse(value);
    if (r.success) records.push({ line: i + 1, record: r.data });
    else problems.push(`line ${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.') || 'record'}: ${x.message}`).join('; ')}`);
  });
  return { records, problems };
}

/** Plan fields whose value differs between the measured file and the current plan (reportToJson's plan). */
export function changedPlanValues(
  measured: MeasurementRecord['plan'],
  current: Record<string, { value: unknown }> | null,
): { field: string; measured: unknown; now: unknown }[] {
  if (!measured || !current) return [];
  const out: { field: string; measured: unknown; now: unknown }[] = [];
  for (const field of new Set([...Object.keys(measured), ...Object.keys(current)])) {
    const a = measured[field]?.value;
    const b = current[field]?.value;
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ field, measured: a, now: b });
  }
  return out;
}
