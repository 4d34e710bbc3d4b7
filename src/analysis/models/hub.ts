// Optional look-up of a model's config.json on the Hugging Face hub, for ids the bundled catalog lacks.
// Only called when the user enables it in the settings. Caches the raw config.json on disk, reports
// gated/private repos, missing repos, timeouts and network errors as reasons; never throws.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelSpec } from './spec';
import { specFromHfConfig } from './catalog';

export interface HubFetchOptions {
  /** hub base URL; default $HF_ENDPOINT, then https://huggingface.co */
  endpoint?: string;
  /** abort the request after this many milliseconds (default 5000) */
  timeoutMs?: number;
  /** folder for the on-disk cache of config.json files; no caching when absent */
  cacheDir?: string;
  /** access token for gated/private repos; default $HF_TOKEN */
  token?: string;
  /** fetch implementation (default: Node's global fetch) */
  fetchImpl?: typeof fetch;
}

export type HubFetchResult =
  | { spec: ModelSpec; fromCache: boolean }
  | { spec: null; reason: string; gated?: boolean };

const DEFAULT_TIMEOUT_MS = 5000;
const GATED_REASON = 'gated model: accept its license on the hub and set HF_TOKEN';

/** A hub repo id: "name" or "org/name", letters, digits, '.', '_', '-' (no '..' segments). */
export function isHubId(id: string): boolean {
  if (!/^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(id)) return false;
  return !id.split('/').some((seg) => seg.includes('..'));
}

/** File name of the cached config.json for an id: "org--name.config.json" (no path separators). */
export function hubCacheFile(cacheDir: string, id: string): string {
  const safe = id.replace(/\//g, '--').replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(cacheDir, `${safe}.config.json`);
}

interface CacheRecord {
  id: string;
  fetchedAt: string;
  config: unknown;
}

function readCache(file: string, id: string): unknown | undefined {
  try {
    const rec = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheRecord;
    return rec && rec.id === id && typeof rec.config === 'object' && rec.config !== null ? rec.config : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, id: string, config: unknown): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const rec: CacheRecord = { id, fetchedAt: new Date().toISOString(), config };
    fs.writeFileSync(tmp, JSON.stringify(rec));
    fs.renameSync(tmp, file);
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
 * GET `<endpoint>/<id>/resolve/main/config.json` and map it to a ModelSpec. A cached copy (cacheDir) is
 * used first, so a model looked up once keeps working offline.
 */
export async function fetchHubConfig(id: string, opts: HubFetchOptions = {}): Promise<HubFetchResult> {
  try {
    return await fetchHubConfigUnsafe(id, opts);
  } catch (e) {
    return { spec: null, reason: `hub look-up of ${id} failed: ${(e as Error)?.message ?? String(e)}` };
  }
}

async function fetchHubConfigUnsafe(id: string, opts: HubFetchOptions): Promise<HubFetchResult> {
  if (typeof id !== 'string' || !isHubId(id.trim())) {
    return { spec: null, reason: `"${id}" is not a hub model id (expected org/name)` };
  }
  id = id.trim();
  const cacheFile = opts.cacheDir ? hubCacheFile(opts.cacheDir, id) : undefined;
  if (cacheFile) {
    const cached = readCache(cacheFile, id);
    if (cached !== undefined) {
      const mapped = specFromHfConfig(cached, id);
      if (mapped.spec) return { spec: { ...mapped.spec, source: `${id}:config.json (hub, cached)` }, fromCache: true };
    }
  }

  const endpoint = (opts.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const url = `${endpoint}/${id}/resolve/main/config.json`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = opts.fetchImpl ?? globalThis.fetch;
  if (typeof doFetch !== 'function') return { spec: null, reason: 'no fetch implementation available (Node >= 18 needed)' };
  const token = opts.token ?? process.env.HF_TOKEN;
  const headers: Record<string, string> = { Accept: 'application/json' };
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
    // The body is read under the same timeout (a server can stall after the headers).
    body = res.ok ? await res.text() : '';
    if (!res.ok) await res.body?.cancel().catch(() => undefined);
  } catch (e) {
    return { spec: null, reason: describeError(e, timeoutMs, url) };
  } finally {
    clearTimeout(timer);
  }

  if (status === 401 || status === 403) {
    if (errorCode === 'RepoNotFound') return { spec: null, reason: `${id} not found on the hub (or private)` };
    return { spec: null, reason: `${GATED_REASON} (${id}: HTTP ${status})`, gated: true };
  }
  if (status === 404) {
    return { spec: null, reason: `${id} not found on the hub (no config.json at ${url})` };
  }
  if (status < 200 || status >= 300) {
    return { spec: null, reason: `the hub answered HTTP ${status} for ${url}` };
  }

  let config: unknown;
  try {
    config = JSON.parse(body);
  } catch (e) {
    return { spec: null, reason: `config.json of ${id} from the hub is not valid JSON (${(e as Error).message})` };
  }
  const mapped = specFromHfConfig(config, id);
  if (mapped.spec === null) return { spec: null, reason: mapped.reason };
  if (cacheFile) writeCache(cacheFile, id, config);
  return { spec: { ...mapped.spec, source: `${id}:config.json (hub)` }, fromCache: false };
}
