// Reading one input file and analysing it, shared by `vram-lens check` and the MCP server: the same
// size limit, the same messages for unusable files, the same optional hub look-up (`--hub`) for `analyze`,
// `check`, `measure` and the MCP server.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { FoundConfig, hubIdWanted } from '../analysis/models/resolve';
import { analyzeText, AnalysisDeps, AnalysisSettings, Report } from '../analysis/report';
import { defaultHubCacheDir, fetchHubConfig, readHubCache } from '../models/hub';

export const MAX_FILE_BYTES = 2 * 1024 * 1024;
/** Notebooks keep their outputs (plots, logs) in the file; only the code cells are read, so they may be larger. */
export const MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024;

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
  const max = /\.ipynb$/i.test(file) ? MAX_NOTEBOOK_BYTES : MAX_FILE_BYTES;
  if (st.size > max) return { error: `larger than ${max / 1024 / 1024} MiB` };
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
  /** where a failed look-up is reported (stderr in the CLI and the MCP server); never given the token */
  log: (message: string) => void;
  /** on-disk cache of fetched config.json files (default $XDG_CACHE_HOME/vram-lens/hub-configs) */
  cacheDir?: string;
  /** hub base URL (default $HF_ENDPOINT, then https://huggingface.co) */
  endpoint?: string;
  timeoutMs?: number;
}

/** deps whose resolution chain also sees `found` for `id` at its hub step (and the hub's disk cache). */
export function withHubConfig(deps: AnalysisDeps, id: string, found: FoundConfig, cacheDir?: string): AnalysisDeps {
  const prev = deps.models?.hub;
  return {
    ...deps,
    models: { ...deps.models, hub: (x) => (x === id ? found : (prev?.(x) ?? readHubCache(cacheDir, x))) },
  };
}

/**
 * analyzeText, then, when the hub is enabled and the chain found nothing better than an assumption from the
 * name, once more with the model's config.json from the hub (the disk cache first; HF_HUB_OFFLINE, HF_ENDPOINT
 * and HF_TOKEN honoured). Returns the deps to reuse, which remember fetched models.
 */
export async function analyzeWithHub(
  text: string,
  name: string,
  settings: AnalysisSettings,
  deps: AnalysisDeps,
  hub: HubOptions,
): Promise<{ report: Report; deps: AnalysisDeps }> {
  const cacheDir = hub.cacheDir ?? defaultHubCacheDir();
  // configs fetched by an earlier --hub run resolve from the disk cache without a request
  const models = deps.models;
  if (hub.enabled && models) deps = { ...deps, models: { ...models, hub: (x) => models.hub?.(x) ?? readHubCache(cacheDir, x) } };
  let report = analyzeText(text, name, settings, deps);
  const wanted = report.model ? hubIdWanted(report.model.step, report.model.ref) : undefined;
  if (hub.enabled && wanted) {
    const fetched = await fetchHubConfig(wanted, { cacheDir, endpoint: hub.endpoint, timeoutMs: hub.timeoutMs });
    if (fetched.spec) {
      deps = withHubConfig(deps, wanted, { config: fetched.config, path: fetched.path }, cacheDir);
      report = analyzeText(text, name, settings, deps);
    } else hub.log(`${name}: hub look-up of ${wanted}: ${fetched.reason}`);
  }
  return { report, deps };
}
