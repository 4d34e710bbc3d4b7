// The extension's settings, read once per scope and validated with zod (ruff-vscode style: a narrow
// module the rest depends on). Invalid values fall back to the default and are reported once.
import * as vscode from 'vscode';
import { z } from 'zod';
import { AnalysisSettings, DEFAULT_SETTINGS } from './analysis/report';
import { findGpu } from './analysis/hardware/gpus';

export const SECTION = 'vramLens';

const SettingsSchema = z.object({
  targetGpu: z.string().refine((id) => !!findGpu(id), { message: 'not a GPU id of the catalog' }),
  gpuCount: z.number().int().min(1).max(4096),
  headroomPercent: z.number().min(0).max(50),
});

const reported = new Set<string>();

export function readSettings(scope?: vscode.Uri, log?: (msg: string) => void): AnalysisSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION, scope);
  const raw = {
    targetGpu: cfg.get<unknown>('targetGpu', DEFAULT_SETTINGS.targetGpu),
    gpuCount: cfg.get<unknown>('gpuCount', DEFAULT_SETTINGS.gpuCount),
    headroomPercent: cfg.get<unknown>('headroomPercent', DEFAULT_SETTINGS.headroomPercent),
  };
  const out: AnalysisSettings = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(raw) as (keyof typeof raw)[]) {
    const r = SettingsSchema.shape[key].safeParse(raw[key]);
    if (r.success) (out as unknown as Record<string, unknown>)[key] = key === 'targetGpu' ? findGpu(r.data as string)!.id : r.data;
    else {
      const msg = `Setting ${SECTION}.${key} = ${JSON.stringify(raw[key])} is invalid (${r.error.issues[0]?.message}); using ${JSON.stringify(out[key])}.`;
      if (!reported.has(msg)) {
        reported.add(msg);
        log?.(msg);
      }
    }
  }
  return out;
}
