// The extension's settings, read once per scope and validated with zod (ruff-vscode style: a narrow
// module the rest depends on). Invalid values fall back to the default and are reported once.
import * as vscode from 'vscode';
import { z } from 'zod';
import { AnalysisSettings, DEFAULT_SETTINGS } from './analysis/report';
import { findGpu } from './analysis/hardware/gpus';
import { parseCustomGpus, parseGpuPrices, parseTimeModel, parseTrainingTokens } from './analysis/hardware/userSettings';

export const SECTION = 'vramLens';

const SettingsSchema = z.object({
  // checked against the catalog and vramLens.customGpus below
  targetGpu: z.string().min(1),
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
    if (r.success) (out as unknown as Record<string, unknown>)[key] = r.data;
    else {
      const msg = `Setting ${SECTION}.${key} = ${JSON.stringify(raw[key])} is invalid (${r.error.issues[0]?.message}); using ${JSON.stringify(out[key])}.`;
      if (!reported.has(msg)) {
        reported.add(msg);
        log?.(msg);
      }
    }
  }
  const report = (msg: string) => {
    if (!reported.has(msg)) {
      reported.add(msg);
      log?.(msg);
    }
  };
  const customGpus = parseCustomGpus(cfg.get<unknown>('customGpus', []));
  const gpuPrices = parseGpuPrices(cfg.get<unknown>('gpuPrices', {}));
  const trainingTokens = parseTrainingTokens(cfg.get<unknown>('trainingTokens', null));
  const timeModel = parseTimeModel(cfg.get<unknown>('timeModel', {}));
  [customGpus, gpuPrices, trainingTokens, timeModel].forEach((p) => p.errors.forEach(report));
  out.customGpus = customGpus.value;
  out.gpuPrices = gpuPrices.value;
  out.trainingTokens = trainingTokens.value;
  out.timeModel = timeModel.value;
  const target = findGpu(out.targetGpu, out.customGpus);
  if (target) out.targetGpu = target.id;
  else {
    report(
      `Setting ${SECTION}.targetGpu = ${JSON.stringify(out.targetGpu)} is not a GPU id of the catalog or ${SECTION}.customGpus; using ${JSON.stringify(DEFAULT_SETTINGS.targetGpu)}.`,
    );
    out.targetGpu = DEFAULT_SETTINGS.targetGpu;
  }
  return out;
}

// ---- model resolution ------------------------------------------------------------------------------------

/** vramLens.modelAliases: model reference -> base id, or path of a config.json / model folder (the quick
 * fixes of the unknown-model diagnostic write it). Entries that are not two non-empty strings are dropped. */
export function readModelAliases(scope?: vscode.Uri): Record<string, string> {
  const raw = vscode.workspace.getConfiguration(SECTION, scope).get<unknown>('modelAliases', {});
  const out: Record<string, string> = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (k.trim() && typeof v === 'string' && v.trim()) out[k.trim()] = v.trim();
    }
  }
  return out;
}

export type HubPolicy = 'ask' | 'allow' | 'never';

/** vramLens.hub.fetchConfigs (ask / allow / never); the older vramLens.hub.enabled: true still means allow. */
export function readHubPolicy(scope?: vscode.Uri): HubPolicy {
  const cfg = vscode.workspace.getConfiguration(SECTION, scope);
  const v = cfg.get<unknown>('hub.fetchConfigs', 'ask');
  if (v === 'allow' || v === 'never') return v;
  return cfg.get<boolean>('hub.enabled', false) === true ? 'allow' : 'ask';
}

/** Where the model settings are written: the workspace when one is open, else the user settings. */
export function modelSettingsTarget(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}
