// A model argument that names a local folder or file (a downloaded snapshot, a merged fine-tune, a LoRA
// adapter, a config.json): what the caller read there, mapped onto a ModelSpec. Pure: the file access is the
// caller's (src/models/localFiles.ts on the Node side), handed in as a LocalRead.
import { specFromHfConfig } from './hfConfig';
import { ModelSpec } from './spec';

/** What a local path holds, as read by the caller; `undefined` from the reader means nothing is there. */
export type LocalRead =
  | { kind: 'config'; path: string; config: unknown }
  /** a PEFT adapter folder (adapter_config.json, no config.json) */
  | { kind: 'adapter'; path: string; adapter: unknown }
  /** the path exists but holds no usable config (a folder without config.json, unreadable or invalid JSON) */
  | { kind: 'error'; path: string; reason: string };

/** Reads the folder or file a reference names, relative to the file that names it. */
/** ref, the file that names it, and the workspace folder of that file (relative paths resolve against both) */
export type LocalReader = (ref: string, fromFile: string, workspaceRoot?: string) => LocalRead | undefined;

export type LocalMapped = { spec: ModelSpec; note: string } | { spec: null; reason: string };

/** A local config.json -> spec, named after the hub id it was saved from (`_name_or_path`) when it has one. */
export function specFromLocalConfig(read: { path: string; config: unknown }): LocalMapped {
  const cfg = read.config;
  const savedFrom =
    typeof cfg === 'object' && cfg !== null && typeof (cfg as Record<string, unknown>)._name_or_path === 'string'
      ? ((cfg as Record<string, unknown>)._name_or_path as string)
      : '';
  const folder = read.path.replace(/[\\/][^\\/]*$/, '') || read.path;
  const id = /^[\w.-]+\/[\w.-]+$/.test(savedFrom) ? savedFrom : folder;
  const mapped = specFromHfConfig(cfg, id, { source: read.path });
  if (mapped.spec === null) return { spec: null, reason: mapped.reason };
  return { spec: mapped.spec, note: `read from ${read.path}` };
}

/** The base model an adapter_config.json names, or why there is none. */
export function adapterBase(read: { path: string; adapter: unknown }): { base: string } | { reason: string } {
  const cfg = read.adapter as Record<string, unknown> | null;
  const base = cfg && typeof cfg === 'object' ? cfg.base_model_name_or_path : undefined;
  if (typeof base !== 'string' || base.trim() === '') return { reason: `${read.path} names no base_model_name_or_path` };
  return { base: base.trim() };
}
