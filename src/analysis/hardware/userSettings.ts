// Validation of the hardware settings (vramLens.customGpus, gpuPrices, trainingTokens, timeModel) as plain
// functions, so that the extension's settings module and the tests share them. Invalid entries are
// skipped with a message each; the valid ones are kept.
import { z } from 'zod';
import { GpuSpec, GpuSpecSchema } from './gpus';
import { TimeModelOverrides, TimeModelSchema } from './time';

export interface Parsed<T> {
  value: T;
  errors: string[];
}

const issueText = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');

/** vramLens.customGpus: each entry a GPU object (GpuSpecSchema); a bad entry is reported and skipped. */
export function parseCustomGpus(raw: unknown): Parsed<GpuSpec[]> {
  if (raw === undefined || raw === null) return { value: [], errors: [] };
  if (!Array.isArray(raw)) return { value: [], errors: [`vramLens.customGpus must be an array of GPU objects, not ${JSON.stringify(raw)}`] };
  const value: GpuSpec[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  raw.forEach((entry, i) => {
    const r = GpuSpecSchema.safeParse(entry);
    const label = entry && typeof entry === 'object' && typeof (entry as { id?: unknown }).id === 'string' ? ` (${(entry as { id: string }).id})` : '';
    if (!r.success) errors.push(`vramLens.customGpus[${i}]${label} is invalid and skipped: ${issueText(r.error)}`);
    else if (seen.has(r.data.id)) errors.push(`vramLens.customGpus[${i}] repeats the id ${r.data.id}: skipped`);
    else {
      seen.add(r.data.id);
      value.push(r.data);
    }
  });
  return { value, errors };
}

/** vramLens.gpuPrices: { "<gpu id>": $/GPU-hour }; a non-number or negative price is reported and skipped. */
export function parseGpuPrices(raw: unknown): Parsed<Record<string, number>> {
  if (raw === undefined || raw === null) return { value: {}, errors: [] };
  if (typeof raw !== 'object' || Array.isArray(raw))
    return { value: {}, errors: [`vramLens.gpuPrices must be an object of GPU id to $/hour, not ${JSON.stringify(raw)}`] };
  const value: Record<string, number> = {};
  const errors: string[] = [];
  for (const [id, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) value[id.trim().toLowerCase()] = v;
    else errors.push(`vramLens.gpuPrices.${id} = ${JSON.stringify(v)} is not a price in $/hour: skipped`);
  }
  return { value, errors };
}

/** vramLens.trainingTokens: a positive count, or null / 0 for "not set". */
export function parseTrainingTokens(raw: unknown): Parsed<number | null> {
  if (raw === undefined || raw === null || raw === 0) return { value: null, errors: [] };
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 1) return { value: Math.round(raw), errors: [] };
  return { value: null, errors: [`vramLens.trainingTokens = ${JSON.stringify(raw)} is not a positive token count: ignored`] };
}

/** vramLens.timeModel: overrides of the time model's defaults (TimeModelSchema). */
export function parseTimeModel(raw: unknown): Parsed<TimeModelOverrides> {
  if (raw === undefined || raw === null) return { value: {}, errors: [] };
  const r = TimeModelSchema.safeParse(raw);
  return r.success ? { value: r.data, errors: [] } : { value: {}, errors: [`vramLens.timeModel is invalid and ignored: ${issueText(r.error)}`] };
}
