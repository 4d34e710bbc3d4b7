// Where the measurements of a file are: .vram-lens/measurements.jsonl in the folder `vram-lens measure`
// ran in, which is the file's folder or one above it (the workspace, the repository root). Records name
// their file relative to that folder (absolute when it was outside). Read-only, cached by mtime and size.
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GpuSpec } from '../analysis/hardware/gpus';
import { matchMeasurement, MeasurementMatch } from '../analysis/measure/anchor';
import { MEASUREMENTS_FILE, MeasurementRecord, parseMeasurements } from '../analysis/measure/record';
import { Report } from '../analysis/report';

const cache = new Map<string, { mtimeMs: number; size: number; records: MeasurementRecord[]; problems: string[] }>();

/** The records of one measurements.jsonl (empty when missing or unreadable). */
export function readMeasurementsFile(file: string): { records: MeasurementRecord[]; problems: string[] } {
  let st;
  try {
    st = statSync(file);
  } catch {
    cache.delete(file);
    return { records: [], problems: [] };
  }
  if (!st.isFile()) return { records: [], problems: [] };
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { records: [], problems: [] };
  }
  const parsed = parseMeasurements(text);
  const entry = { mtimeMs: st.mtimeMs, size: st.size, records: parsed.records.map((r) => r.record), problems: parsed.problems };
  if (cache.size > 100) cache.clear();
  cache.set(file, entry);
  return entry;
}

const toSlash = (p: string) => p.split(path.sep).join('/');

/** The folders whose .vram-lens/measurements.jsonl may hold the file's records: its folder up to `root` (inclusive; the file system root when the file is outside it). */
export function measurementFolders(fileAbs: string, root?: string): string[] {
  const out: string[] = [];
  const stop = root ? path.resolve(root) : undefined;
  const inside = stop !== undefined && !path.relative(stop, fileAbs).startsWith('..') && !path.isAbsolute(path.relative(stop, fileAbs));
  for (let d = path.dirname(path.resolve(fileAbs)), i = 0; i < 32; i++) {
    out.push(d);
    if (inside && d === stop) break;
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return out;
}

/** The records of a file, oldest first (by measuredAt), from every folder between it and `root`. */
export function measurementRecordsFor(fileAbs: string, root?: string): MeasurementRecord[] {
  const abs = path.resolve(fileAbs);
  const found: MeasurementRecord[] = [];
  for (const dir of measurementFolders(abs, root)) {
    const { records } = readMeasurementsFile(path.join(dir, MEASUREMENTS_FILE));
    if (!records.length) continue;
    const rel = toSlash(path.relative(dir, abs));
    for (const r of records) if (r.file !== null && (r.file === rel || (path.isAbsolute(r.file) && path.resolve(r.file) === abs))) found.push(r);
  }
  // stable: records of one file keep their order; several files interleave by time
  return found
    .map((r, i) => ({ r, i }))
    .sort((a, b) => Date.parse(a.r.measuredAt) - Date.parse(b.r.measuredAt) || a.i - b.i)
    .map((x) => x.r);
}

/** The measurement that matches the report of `fileAbs`, with the anchored estimate (null when the file has none). */
export function measurementFor(report: Report, fileAbs: string, root: string | undefined, catalog: GpuSpec[]): MeasurementMatch | null {
  if (!path.isAbsolute(fileAbs)) return null;
  const records = measurementRecordsFor(fileAbs, root);
  return records.length ? matchMeasurement(report, records, catalog) : null;
}
