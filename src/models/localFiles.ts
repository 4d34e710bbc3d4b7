// Node side of local model references: which folder or file a reference names (relative to the file that
// names it, the workspace, or the working directory; `~` expanded), and what it holds. The mapping to a
// ModelSpec is pure (src/analysis/models/local.ts).
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalRead } from '../analysis/models/local';
import { looksLikePath } from '../analysis/models/resolve';

// a config.json is small; anything larger is not one
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

function stat(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/** A JSON file's value, or why it cannot be read. */
export function readJsonFile(file: string): { value: unknown } | { error: string } {
  const st = stat(file);
  if (!st?.isFile()) return { error: `cannot read ${file}: not a file` };
  if (st.size > MAX_CONFIG_BYTES) return { error: `${file} is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB, not a config.json` };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { error: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: `${file} is not valid JSON (${(e as Error).message})` };
  }
}

/** What one absolute path holds: config.json (folder or file), an adapter folder, or nothing usable. */
export function readModelPath(p: string): LocalRead | undefined {
  const st = stat(p);
  if (!st) return undefined;
  if (st.isFile()) {
    if (!p.toLowerCase().endsWith('.json')) return { kind: 'error', path: p, reason: `${p} is a file, not a model folder or config.json` };
    const r = readJsonFile(p);
    if ('error' in r) return { kind: 'error', path: p, reason: r.error };
    if (path.basename(p).toLowerCase() === 'adapter_config.json') return { kind: 'adapter', path: p, adapter: r.value };
    return { kind: 'config', path: p, config: r.value };
  }
  if (!st.isDirectory()) return undefined;
  const config = path.join(p, 'config.json');
  if (stat(config)?.isFile()) {
    const r = readJsonFile(config);
    return 'error' in r ? { kind: 'error', path: config, reason: r.error } : { kind: 'config', path: config, config: r.value };
  }
  const adapter = path.join(p, 'adapter_config.json');
  if (stat(adapter)?.isFile()) {
    const r = readJsonFile(adapter);
    return 'error' in r ? { kind: 'error', path: adapter, reason: r.error } : { kind: 'adapter', path: adapter, adapter: r.value };
  }
  return { kind: 'error', path: p, reason: `no config.json in ${p}` };
}

/**
 * The folder or file a model reference names, tried relative to the naming file's folder, then the workspace
 * root (the document's workspace folder in the editor, the working directory on the command line). A hub-id-shaped reference ("org/name") counts only when such a folder
 * exists (transformers' from_pretrained does the same); a folder without config.json is reported only for
 * references that can only be paths.
 */
export function readLocalModelFiles(ref: string, fromFile: string, workspaceRoot?: string): LocalRead | undefined {
  if (typeof ref !== 'string' || !ref.trim()) return undefined;
  const r = ref.trim();
  const expanded = r === '~' || r.startsWith('~/') || r.startsWith('~\\') ? path.join(os.homedir(), r.slice(1)) : r;
  const bases = [fromFile ? path.dirname(path.resolve(fromFile)) : undefined, workspaceRoot].filter((x): x is string => !!x);
  const candidates = path.isAbsolute(expanded) ? [expanded] : [...new Set(bases.map((b) => path.resolve(b, expanded)))];
  let error: LocalRead | undefined;
  for (const c of candidates) {
    const read = readModelPath(c);
    if (!read) continue;
    if (read.kind !== 'error') return read;
    error ??= read;
  }
  return error && (looksLikePath(r) || error.path.toLowerCase().endsWith('.json')) ? error : undefined;
}
