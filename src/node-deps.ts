// Node-side dependencies of the analysis core (file system, WASM location), shared by the CLI and the
// extension host. The webview bundle does without them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { initPythonParser } from './analysis/extract/parser';
import { AnalysisDeps } from './analysis/report';
import { nodeModelSources, NodeSourceOptions, workspaceModelAliases } from './models/sources';

/**
 * wasmDir: the folder with web-tree-sitter.wasm and grammars/ (dist/ in the bundles). `models`: where the model
 * resolution chain looks besides the bundled tables (local folders and the Hugging Face cache always; the hub's
 * disk cache and aliases when given).
 */
export async function nodeAnalysisDeps(wasmDir: string, models: NodeSourceOptions = {}): Promise<AnalysisDeps> {
  const pythonParser = await initPythonParser(wasmDir);
  return {
    pythonParser,
    // the command line also reads the aliases the editor saved in the workspace's .vscode/settings.json
    models: nodeModelSources({ workspaceRoot: process.cwd(), aliases: workspaceModelAliases(models.workspaceRoot ?? process.cwd()), ...models }),
    readFile: readSmallFile,
    workspaceRoot: process.cwd(),
    listShellScripts,
  };
}

// Linked configs and launch scripts are small; anything larger is not one.
const MAX_LINKED_BYTES = 1024 * 1024;

const fileCache = new Map<string, { mtimeMs: number; size: number; text: string }>();

/** A text file's contents, or undefined when it is missing, a folder or over 1 MiB (cached by mtime and size). */
export function readSmallFile(p: string): string | undefined {
  try {
    const st = statSync(p);
    if (!st.isFile() || st.size > MAX_LINKED_BYTES) return undefined;
    const hit = fileCache.get(p);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.text;
    const text = readFileSync(p, 'utf8');
    if (fileCache.size > 500) fileCache.clear();
    fileCache.set(p, { mtimeMs: st.mtimeMs, size: st.size, text });
    return text;
  } catch {
    return undefined;
  }
}

const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  '.venv',
  'venv',
  'env',
  '__pycache__',
  'site-packages',
  'dist',
  'build',
  'out',
  '.vscode-test',
  '.tox',
  '.mypy_cache',
  'wandb',
  'outputs',
  'checkpoints',
]);
const scriptCache = new Map<string, { at: number; files: string[] }>();

/** *.sh files under `root` (6 levels, 2000 folder entries, 200 scripts at most), cached for 5 s. */
export function listShellScripts(root: string): string[] {
  const hit = scriptCache.get(root);
  if (hit && Date.now() - hit.at < 5000) return hit.files;
  const files: string[] = [];
  let budget = 2000;
  const walk = (dir: string, depth: number) => {
    if (depth > 6 || budget <= 0 || files.length >= 200) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (--budget <= 0 || files.length >= 200) return;
      if (e.isDirectory() && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(path.join(dir, e.name), depth + 1);
      else if (e.isFile() && e.name.endsWith('.sh')) files.push(path.join(dir, e.name));
    }
  };
  walk(root, 0);
  scriptCache.set(root, { at: Date.now(), files });
  return files;
}
