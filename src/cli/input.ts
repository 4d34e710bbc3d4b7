// Reading one input file and analysing it, shared by `vram-lens check` and the MCP server: the same
// size limit, the same messages for unusable files, the same optional hub look-up as `analyze --hub`.
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fetchHubConfig, isHubId } from '../analysis/models/hub';
import { analyzeText, AnalysisDeps, AnalysisSettings, Report } from '../analysis/report';

export const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** The file's text, or why it cannot be read (never throws). */
export function readInput(file: string): { text: string } | { error: string } {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message };
  }
  if (st.isDirectory()) return { error: 'is a folder, not a file' };
  if (!st.isFile()) return { error: 'is not a regular file' };
  if (st.size > MAX_FILE_BYTES) return { error: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB` };
  try {
    const buf = readFileSync(file);
    if (buf.subarray(0, 8000).includes(0)) return { error: 'is a binary file' };
    return { text: buf.toString('utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'EACCES' ? 'permission denied' : (e as Error).message };
  }
}

/** A path as reports show it: relative to cwd when inside it, with forward slashes. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, path.resolve(cwd, file));
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(cwd, file);
  return shown.split(path.sep).join('/');
}

export interface HubOptions {
  enabled: boolean;
  /** where a failed look-up is reported (stderr in the CLI and the MCP server) */
  log: (message: string) => void;
}

/**
 * analyzeText, then (when the hub is enabled and the model id is not in the catalog) once more with
 * the config.json fetched from the hub. Returns the deps to reuse, which remember fetched models.
 */
export async function analyzeWithHub(
  text: string,
  name: string,
  settings: AnalysisSettings,
  deps: AnalysisDeps,
  hub: HubOptions,
): Promise<{ report: Report; deps: AnalysisDeps }> {
  let report = analyzeText(text, name, settings, deps);
  const missing = report.model && !report.model.spec ? report.model.ref : undefined;
  if (hub.enabled && missing && isHubId(missing)) {
    const cacheDir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'vram-lens', 'hub-configs');
    const fetched = await fetchHubConfig(missing, { cacheDir });
    if (fetched.spec) {
      deps = { ...deps, hubModels: new Map([...(deps.hubModels ?? []), [missing, fetched.spec]]) };
      report = analyzeText(text, name, settings, deps);
    } else hub.log(`${name}: hub look-up of ${missing}: ${fetched.reason}`);
  }
  return { report, deps };
}
