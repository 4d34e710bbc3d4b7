// The local Hugging Face cache, read offline: anyone who has run a model has its config.json there.
// Layout (huggingface_hub file_download.py / constants.py): <cache>/models--{org}--{name}/refs/<revision> holds
// the commit hash, <cache>/models--{org}--{name}/snapshots/<hash>/config.json the file. The cache folder is
// $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub
// (and the older $HUGGINGFACE_HUB_CACHE / $TRANSFORMERS_CACHE).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FoundConfig } from '../analysis/models/resolve';
import { isHubId } from '../analysis/models/resolve';
import { readJsonFile } from './localFiles';

export type Env = Record<string, string | undefined>;

/** The cache folders to look in, in huggingface_hub's order of precedence (existing or not). */
export function hfCacheDirs(env: Env = process.env): string[] {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  const hfHome = env.HF_HOME || path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'huggingface');
  const dirs = [env.HF_HUB_CACHE, env.HUGGINGFACE_HUB_CACHE, path.join(hfHome, 'hub'), env.TRANSFORMERS_CACHE];
  return [...new Set(dirs.filter((d): d is string => !!d).map((d) => path.resolve(d.replace(/^~(?=$|[\\/])/, home))))];
}

/** "org/name" -> "models--org--name" (huggingface_hub repo_folder_name). */
export function repoFolderName(id: string): string {
  return `models--${id.replace(/\//g, '--')}`;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

// folder listings, to match ids case-insensitively (people write "meta-llama/llama-3.1-8b"): kept 10 s
const listings = new Map<string, { at: number; names: string[] }>();
function listDir(dir: string): string[] {
  const hit = listings.get(dir);
  if (hit && Date.now() - hit.at < 10_000) return hit.names;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith('models--'));
  } catch {
    names = [];
  }
  if (listings.size > 50) listings.clear();
  listings.set(dir, { at: Date.now(), names });
  return names;
}

/** The snapshot's config.json: refs/<revision> first, else the most recently written snapshot that has one. */
function snapshotConfig(repoDir: string, revision: string): string | undefined {
  try {
    const hash = readFileSync(path.join(repoDir, 'refs', revision), 'utf8').trim();
    if (/^[0-9a-f]{7,64}$/i.test(hash)) {
      const f = path.join(repoDir, 'snapshots', hash, 'config.json');
      if (statSync(f).isFile()) return f;
    }
  } catch {
    // no ref: fall back to the snapshots
  }
  let best: { f: string; t: number } | undefined;
  try {
    for (const s of readdirSync(path.join(repoDir, 'snapshots'))) {
      const f = path.join(repoDir, 'snapshots', s, 'config.json');
      try {
        const t = statSync(f).mtimeMs;
        if (!best || t > best.t) best = { f, t };
      } catch {
        // this snapshot has no config.json
      }
    }
  } catch {
    return undefined;
  }
  return best?.f;
}

/** config.json of a hub id in the local Hugging Face cache, or undefined. Never throws; no network. */
export function findInHfCache(id: string, env: Env = process.env, revision = 'main'): FoundConfig | undefined {
  if (!isHubId(id)) return undefined;
  const want = repoFolderName(id);
  for (const dir of hfCacheDirs(env)) {
    if (!isDir(dir)) continue;
    let repo = path.join(dir, want);
    if (!isDir(repo)) {
      const match = listDir(dir).find((n) => n.toLowerCase() === want.toLowerCase());
      if (!match) continue;
      repo = path.join(dir, match);
    }
    const file = snapshotConfig(repo, revision);
    if (!file) continue;
    const r = readJsonFile(file);
    if ('value' in r) return { config: r.value, path: file };
  }
  return undefined;
}
