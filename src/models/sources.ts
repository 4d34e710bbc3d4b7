// The resolution chain's file and cache access on the Node side (CLI, check, MCP, measure, the extension host):
// local folders, the Hugging Face cache, the hub's on-disk cache and fetched configs, and the aliases.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FoundConfig, ModelSources } from '../analysis/models/resolve';
import { Env, findInHfCache } from './hfCache';
import { readHubCache } from './hub';
import { readLocalModelFiles } from './localFiles';

export interface NodeSourceOptions {
  /** folder relative model paths also resolve against (workspace folder, CLI cwd) */
  workspaceRoot?: string;
  /** the hub's on-disk cache of config.json files (read for ids fetched earlier); none when absent */
  hubCacheDir?: string;
  /** configs fetched in this session, by id (checked before the disk cache) */
  hubFetched?: ReadonlyMap<string, FoundConfig>;
  /** vramLens.modelAliases / --model-alias */
  aliases?: Readonly<Record<string, string>>;
  /** read the local Hugging Face cache (default true) */
  hfCache?: boolean;
  env?: Env;
}

export function nodeModelSources(o: NodeSourceOptions = {}): ModelSources {
  const env = o.env ?? process.env;
  return {
    readLocal: (ref, fromFile, root) => readLocalModelFiles(ref, fromFile, root ?? o.workspaceRoot),
    ...(o.hfCache === false ? {} : { hfCache: (id: string) => findInHfCache(id, env) }),
    hub: (id) => o.hubFetched?.get(id) ?? readHubCache(o.hubCacheDir, id),
    ...(o.aliases ? { aliases: o.aliases } : {}),
  };
}

/** JSON with comments and trailing commas (VS Code's settings.json) -> value, or undefined. */
export function parseJsonc(text: string): unknown {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i < 0) break;
      i++;
    } else out += c;
  }
  try {
    return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
  } catch {
    return undefined;
  }
}

/**
 * vramLens.modelAliases of a workspace's .vscode/settings.json, so that the command line (check in CI, analyze)
 * resolves the ids the editor's quick fixes mapped. Relative config paths resolve against the workspace.
 */
export function workspaceModelAliases(root: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(root, '.vscode', 'settings.json'), 'utf8');
  } catch {
    return undefined;
  }
  const settings = parseJsonc(text) as Record<string, unknown> | undefined;
  const raw = settings && typeof settings === 'object' ? settings['vramLens.modelAliases'] : undefined;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (k.trim() && typeof v === 'string' && v.trim()) out[k.trim()] = v.trim();
  return Object.keys(out).length ? out : undefined;
}
