// The Hugging Face hub, for model ids nothing local knows: GET <endpoint>/<id>/resolve/main/config.json, only
// when the user allowed it (the editor's one-time question, `--hub` on the command line). Honours HF_ENDPOINT,
// HF_HUB_OFFLINE, and HF_TOKEN / HF_TOKEN_PATH / $HF_HOME/token for gated models (the token is sent to the
// endpoint only and never logged or written anywhere). Each config.json fetched is cached on disk, so a model
// looked up once keeps resolving offline. Reports gated/private repos, missing repos, timeouts and network
// errors as reasons; never throws.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { specFromHfConfig } from '../analysis/models/hfConfig';
import { FoundConfig, isHubId } from '../analysis/models/resolve';
import type { ModelSpec } from '../analysis/models/spec';
import type { Env } from './hfCache';

export { isHubId };

export interface HubFetchOptions {
  /** hub base URL; default $HF_ENDPOINT, then https://huggingface.co */
  endpoint?: string;
  /** abort the request (and reading its body) after this many milliseconds (default 5000) */
  timeoutMs?: number;
  /** folder for the on-disk cache of config.json files; no caching when absent */
  cacheDir?: string;
  /** access token for gated/private repos; default from the environment (hfToken) */
  token?: string;
  /** environment (default process.env): HF_ENDPOINT, HF_HUB_OFFLINE, HF_TOKEN, HF_TOKEN_PATH, HF_HOME */
  env?: Env;
  /** fetch implementation (default: Node's global fetch) */
  fetchImpl?: typeof fetch;
}

export type HubFetchResult =
  { spec: ModelSpec; config: unknown; fromCache: boolean; path: string } | { spec: null; reason: string; gated?: boolean; offline?: boolean };

const DEFAULT_TIMEOUT_MS = 5000;
const GATED_REASON = 'gated model: accept its license on the hub and set HF_TOKEN (or log in with `hf auth login`)';

/** huggingface_hub's truthy spellings of HF_HUB_OFFLINE (constants.py _is_true). */
export function hubOffline(env: Env = process.env): boolean {
  return ['1', 'on', 'yes', 'true'].includes(
    String(env.HF_HUB_OFFLINE ?? '')
      .trim()
      .toLowerCase(),
  );
}

/** The hub token as huggingface_hub finds it: $HF_TOKEN, then the file $HF_TOKEN_PATH or $HF_HOME/token. */
export function hfToken(env: Env = process.env): string | undefined {
  const fromEnv = (env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN)?.trim();
  if (fromEnv) return fromEnv;
  const home = env.HOME || env.USERPROFILE || os.homedir();
  const hfHome = env.HF_HOME || path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'huggingface');
  const file = env.HF_TOKEN_PATH || path.join(hfHome, 'token');
  try {
    const t = readFileSync(file, 'utf8').trim();
    return t || undefined;
  } catch {
    return undefined;
  }
}

export function hubEndpoint(endpoint: string | undefined, env: Env = process.env): string {
  return (endpoint || env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** File name of the cached config.json for an id: "org--name.config.json" (no path separators). */
export function hubCacheFile(cacheDir: string, id: string): string {
  const safe = id.replace(/\//g, '--').replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(cacheDir, `${safe}.config.json`);
}

/** The default on-disk cache of the command line: $XDG_CACHE_HOME/vram-lens/hub-configs (~/.cache/...). */
export function defaultHubCacheDir(env: Env = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'vram-lens', 'hub-configs');
}

interface CacheRecord {
  id: string;
  endpoint?: string;
  fetchedAt: string;
  config: unknown;
}

/** A config.json fetched earlier, from the on-disk cache (the resolution chain's `hub` step). */
export function readHubCache(cacheDir: string | undefined, id: string): FoundConfig | undefined {
  if (!cacheDir || !isHubId(id)) return undefined;
  const file = hubCacheFile(cacheDir, id);
  try {
    const rec = JSON.parse(readFileSync(file, 'utf8')) as CacheRecord;
    return rec && rec.id === id && typeof rec.config === 'object' && rec.config !== null ? { config: rec.config, path: file } : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, rec: CacheRecord): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(rec));
    renameSync(tmp, file);
  } catch {
    // a cache that cannot be written only costs a second download
  }
}

function describeError(e: unknown, timeoutMs: number, url: string): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError') {
    return `the hub did not answer within ${timeoutMs} ms (${url})`;
  }
  const cause = err?.cause?.code ?? err?.cause?.message;
  return `network error reaching the hub (${url}): ${err?.message ?? String(e)}${cause ? ` (${cause})` : ''}`;
}

/**
 * config.json of a hub id, mapped to a ModelSpec: from the on-disk cache when it is there, else downloaded
 * (unless HF_HUB_OFFLINE) and cached.
 */
export async function fetchHubConfig(id: string, opts: HubFetchOptions = {}): Promise<HubFetchResult> {
  try {
    return await fetchUnsafe(id, opts);
  } catch (e) {
    return { spec: null, reason: `hub look-up of ${id} failed: ${(e as Error)?.message ?? String(e)}` };
  }
}

async function fetchUnsafe(idIn: string, opts: HubFetchOptions): Promise<HubFetchResult> {
  if (typeof idIn !== 'string' || !isHubId(idIn.trim())) {
    return { spec: null, reason: `"${idIn}" is not a hub model id (expected org/name)` };
  }
  const id = idIn.trim();
  const env = opts.env ?? process.env;
  const cached = readHubCache(opts.cacheDir, id);
  if (cached) {
    const mapped = specFromHfConfig(cached.config, id, { source: `${id}:config.json (hub, cached)` });
    if (mapped.spec) return { spec: mapped.spec, config: cached.config, fromCache: true, path: cached.path };
  }
  if (hubOffline(env)) return { spec: null, reason: `HF_HUB_OFFLINE is set: ${id} is not fetched from the hub`, offline: true };

  const endpoint = hubEndpoint(opts.endpoint, env);
  const url = `${endpoint}/${id}/resolve/main/config.json`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = opts.fetchImpl ?? globalThis.fetch;
  if (typeof doFetch !== 'function') return { spec: null, reason: 'no fetch implementation available (Node >= 18 needed)' };
  // The token goes only to the hub itself or to the endpoint the user's own environment names ($HF_ENDPOINT):
  // an endpoint set by a workspace's settings never receives it.
  const tokenHost = /^https:\/\/(huggingface\.co|hf\.co)$/.test(endpoint) || (!!env.HF_ENDPOINT && endpoint === hubEndpoint(undefined, env));
  const token = tokenHost ? (opts.token ?? hfToken(env)) : undefined;
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'vram-lens' };
  if (token) headers.Authorization = `Bearer ${token}`;

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let status: number;
  let errorCode: string | null;
  let body: string;
  try {
    const res = await doFetch(url, { headers, signal: controller.signal, redirect: 'follow' });
    status = res.status;
    errorCode = res.headers.get('x-error-code');
    // the body is read under the same timeout (a server can stall after the headers)
    body = res.ok ? await res.text() : '';
    if (!res.ok) await res.body?.cancel().catch(() => undefined);
  } catch (e) {
    return { spec: null, reason: describeError(e, timeoutMs, url) };
  } finally {
    clearTimeout(timer);
  }

  if (status === 401 || status === 403) {
    if (errorCode === 'RepoNotFound') return { spec: null, reason: `${id} not found on the hub (or private)` };
    return { spec: null, reason: `${GATED_REASON} (${id}: HTTP ${status}${token ? ', with a token' : ', no token found'})`, gated: true };
  }
  if (status === 404) return { spec: null, reason: `${id} not found on the hub (no config.json at ${url})` };
  if (status < 200 || status >= 300) return { spec: null, reason: `the hub answered HTTP ${status} for ${url}` };

  let config: unknown;
  try {
    config = JSON.parse(body);
  } catch (e) {
    return { spec: null, reason: `config.json of ${id} from the hub is not valid JSON (${(e as Error).message})` };
  }
  const mapped = specFromHfConfig(config, id, { source: `${id}:config.json (hub)` });
  if (mapped.spec === null) return { spec: null, reason: mapped.reason };
  const file = opts.cacheDir ? hubCacheFile(opts.cacheDir, id) : undefined;
  if (file) writeCache(file, { id, endpoint, fetchedAt: new Date().toISOString(), config });
  return { spec: mapped.spec, config, fromCache: false, path: file ?? url };
}
