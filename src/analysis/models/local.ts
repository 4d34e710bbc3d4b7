// A model argument that names a local folder (a downloaded snapshot, a merged fine-tune, a LoRA adapter):
// read its config.json and map it onto a ModelSpec. fs only; never throws.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelResolution, resolveModel, specFromHfConfig } from './catalog';

function readJson(file: string): { value: unknown } | { error: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { error: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: `${file} is not valid JSON (${(e as Error).message})` };
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads `<dir>/config.json` (or the config.json file itself when `dir` points at it). A PEFT adapter
 * folder (adapter_config.json, no config.json) resolves to its base model through the catalog.
 */
export function readLocalModel(dir: string): ModelResolution {
  if (typeof dir !== 'string' || dir.trim() === '') return { spec: null, reason: 'no model folder given' };
  const given = path.resolve(dir);
  let folder = given;
  let configFile = path.join(given, 'config.json');
  if (!isDir(given)) {
    if (isFile(given) && path.basename(given).toLowerCase().endsWith('.json')) {
      folder = path.dirname(given);
      configFile = given;
    } else {
      return { spec: null, reason: `model folder ${given} does not exist` };
    }
  }

  if (!isFile(configFile)) {
    const adapterFile = path.join(folder, 'adapter_config.json');
    if (isFile(adapterFile)) return fromAdapter(adapterFile);
    return { spec: null, reason: `no config.json in ${folder}` };
  }

  const read = readJson(configFile);
  if ('error' in read) return { spec: null, reason: read.error };
  const config = read.value;
  // Name the spec after the hub id it was saved from when config.json says so, else after the folder.
  const savedFrom =
    typeof config === 'object' && config !== null && typeof (config as Record<string, unknown>)._name_or_path === 'string'
      ? ((config as Record<string, unknown>)._name_or_path as string)
      : '';
  const id = /^[\w.-]+\/[\w.-]+$/.test(savedFrom) ? savedFrom : folder;
  const mapped = specFromHfConfig(config, id);
  if (mapped.spec === null) return { spec: null, reason: mapped.reason };
  const spec = { ...mapped.spec, source: configFile };
  return {
    spec,
    matchedBy: 'id',
    ...(spec.preQuantized ? { preQuantized: spec.preQuantized } : {}),
    note: `read from ${configFile}`,
  };
}

function fromAdapter(adapterFile: string): ModelResolution {
  const read = readJson(adapterFile);
  if ('error' in read) return { spec: null, reason: read.error };
  const cfg = read.value as Record<string, unknown> | null;
  const base = cfg && typeof cfg === 'object' ? cfg.base_model_name_or_path : undefined;
  if (typeof base !== 'string' || base === '') {
    return { spec: null, reason: `${adapterFile} names no base_model_name_or_path` };
  }
  // The base may itself be a local folder, or a hub id.
  const r = isDir(base) && path.resolve(base) !== path.dirname(adapterFile) ? readLocalModel(base) : resolveModel(base);
  if (r.spec === null) return { spec: null, reason: `adapter folder: base model ${base}: ${r.reason}` };
  return { ...r, note: [`adapter folder ${path.dirname(adapterFile)}; base model ${base}`, r.note].filter(Boolean).join('; ') };
}
