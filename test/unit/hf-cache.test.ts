// The local Hugging Face cache (offline) and the hub's environment (HF_HUB_OFFLINE, HF_TOKEN, the token file),
// Node side: src/models/hfCache.ts, src/models/hub.ts, src/models/sources.ts.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findInHfCache, hfCacheDirs, repoFolderName } from '../../src/models/hfCache';
import { fetchHubConfig, hfToken, hubOffline } from '../../src/models/hub';
import { nodeModelSources, parseJsonc, workspaceModelAliases } from '../../src/models/sources';
import { resolveModelRef } from '../../src/analysis/models/resolve';

const CONFIG = {
  model_type: 'llama',
  hidden_size: 2048,
  intermediate_size: 5632,
  num_hidden_layers: 22,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  vocab_size: 32000,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
};

/** Writes a huggingface_hub cache entry: refs/<rev> -> hash, snapshots/<hash>/config.json. */
function cacheEntry(cache: string, id: string, config: unknown, opts: { hash?: string; ref?: boolean } = {}): string {
  const repo = path.join(cache, repoFolderName(id));
  const hash = opts.hash ?? 'a'.repeat(40);
  fs.mkdirSync(path.join(repo, 'snapshots', hash), { recursive: true });
  fs.writeFileSync(path.join(repo, 'snapshots', hash, 'config.json'), JSON.stringify(config));
  if (opts.ref !== false) {
    fs.mkdirSync(path.join(repo, 'refs'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'refs', 'main'), hash);
  }
  return path.join(repo, 'snapshots', hash, 'config.json');
}

describe('local Hugging Face cache (offline)', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-hfcache-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('looks in HF_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME or ~/.cache/huggingface/hub', () => {
    assert.equal(hfCacheDirs({ HF_HUB_CACHE: '/a', HOME: '/h' })[0], path.resolve('/a'));
    assert.deepEqual(hfCacheDirs({ HF_HOME: '/hf', HOME: '/h' }), [path.resolve('/hf/hub')]);
    assert.deepEqual(hfCacheDirs({ XDG_CACHE_HOME: '/x', HOME: '/h' }), [path.resolve('/x/huggingface/hub')]);
    assert.deepEqual(hfCacheDirs({ HOME: '/h' }), [path.resolve('/h/.cache/huggingface/hub')]);
    assert.equal(repoFolderName('meta-llama/Llama-3.1-8B'), 'models--meta-llama--Llama-3.1-8B');
  });

  it('finds config.json through refs/main, case-insensitively, and falls back to the newest snapshot', () => {
    const cache = path.join(tmp, 'hub1');
    const file = cacheEntry(cache, 'acme/Private-1B', CONFIG);
    const env = { HF_HUB_CACHE: cache, HOME: tmp };
    assert.equal(findInHfCache('acme/Private-1B', env)?.path, file);
    assert.equal(findInHfCache('acme/private-1b', env)?.path, file, 'ids are matched case-insensitively');
    const noRef = cacheEntry(cache, 'acme/noref', CONFIG, { ref: false, hash: 'b'.repeat(40) });
    assert.equal(findInHfCache('acme/noref', env)?.path, noRef);
    assert.equal(findInHfCache('acme/absent', env), undefined);
    assert.equal(findInHfCache('../etc', env), undefined);
    // HF_HOME/hub
    const home = path.join(tmp, 'hfhome');
    cacheEntry(path.join(home, 'hub'), 'acme/in-home', CONFIG);
    assert.ok(findInHfCache('acme/in-home', { HF_HOME: home, HOME: tmp }));
  });

  it('resolves a model through the chain from the cache, offline, naming the file', () => {
    const cache = path.join(tmp, 'hub2');
    const file = cacheEntry(cache, 'acme/tiny-private-1b', CONFIG);
    const r = resolveModelRef('acme/tiny-private-1b', path.join(tmp, 'train.py'), nodeModelSources({ env: { HF_HUB_CACHE: cache, HOME: tmp } }));
    assert.equal(r.step, 'hf-cache');
    assert.equal(r.spec?.numLayers, 22);
    assert.equal(r.spec?.source, file);
    assert.match(r.reason, /from the local Hugging Face cache/);
  });
});

describe('hub environment: HF_HUB_OFFLINE, HF_TOKEN and the token file', () => {
  let server: http.Server;
  let endpoint: string;
  let tmp: string;
  const auth: Array<string | undefined> = [];
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-hubenv-'));
    server = http.createServer((req, res) => {
      auth.push(req.headers.authorization);
      if (req.url === '/acme/gated/resolve/main/config.json' && req.headers.authorization !== 'Bearer hf_from_file') {
        res.writeHead(401, { 'x-error-code': 'GatedRepo' });
        res.end('gated');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(CONFIG));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('HF_HUB_OFFLINE=1 sends no request (a cached config still answers)', async () => {
    assert.equal(hubOffline({ HF_HUB_OFFLINE: '1' }), true);
    assert.equal(hubOffline({ HF_HUB_OFFLINE: 'TRUE' }), true);
    assert.equal(hubOffline({}), false);
    const before = auth.length;
    const r = await fetchHubConfig('acme/offline', { endpoint, env: { HF_HUB_OFFLINE: '1', HOME: tmp } });
    assert.ok(r.spec === null && r.offline === true && /HF_HUB_OFFLINE/.test(r.reason));
    assert.equal(auth.length, before);
    const cacheDir = path.join(tmp, 'cache');
    const online = await fetchHubConfig('acme/offline', { endpoint, cacheDir, env: { HOME: tmp } });
    assert.ok(online.spec && !online.fromCache);
    const cached = await fetchHubConfig('acme/offline', { endpoint, cacheDir, env: { HF_HUB_OFFLINE: '1', HOME: tmp } });
    assert.ok(cached.spec && cached.fromCache);
  });

  it('reads the token from HF_TOKEN, else HF_TOKEN_PATH / $HF_HOME/token, and never puts it in a reason', async () => {
    const tokenFile = path.join(tmp, 'token');
    fs.writeFileSync(tokenFile, 'hf_from_file\n');
    assert.equal(hfToken({ HF_TOKEN: 'hf_env', HF_TOKEN_PATH: tokenFile }), 'hf_env');
    assert.equal(hfToken({ HF_TOKEN_PATH: tokenFile, HOME: tmp }), 'hf_from_file');
    fs.mkdirSync(path.join(tmp, 'hfh'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'hfh', 'token'), 'hf_home_token');
    assert.equal(hfToken({ HF_HOME: path.join(tmp, 'hfh'), HOME: tmp }), 'hf_home_token');
    assert.equal(hfToken({ HOME: path.join(tmp, 'nobody') }), undefined);

    // the local server stands for the user's own endpoint ($HF_ENDPOINT), which receives the token
    const ok = await fetchHubConfig('acme/gated', { env: { HF_ENDPOINT: endpoint, HF_TOKEN_PATH: tokenFile, HOME: tmp } });
    assert.ok(ok.spec, ok.spec === null ? ok.reason : '');
    assert.equal(auth.at(-1), 'Bearer hf_from_file');
    const denied = await fetchHubConfig('acme/gated', { env: { HF_ENDPOINT: endpoint, HF_TOKEN: 'hf_wrong_secret', HOME: tmp } });
    assert.ok(denied.spec === null && denied.gated === true);
    assert.ok(denied.spec === null && !denied.reason.includes('hf_wrong_secret'), 'the token is never in a message');
    assert.match(denied.spec === null ? denied.reason : '', /with a token/);
  });

  it('HF_ENDPOINT is the default endpoint', async () => {
    const r = await fetchHubConfig('acme/via-env', { env: { HF_ENDPOINT: endpoint, HOME: tmp } });
    assert.ok(r.spec);
  });
});

describe('workspace settings for the command line', () => {
  it('parses settings.json with comments and trailing commas, and keeps only string aliases', () => {
    assert.deepEqual(parseJsonc('{ // c\n "a": "x//y", /* b */ "b": [1,2,], }'), { a: 'x//y', b: [1, 2] });
    assert.equal(parseJsonc('{ oops'), undefined);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-ws-'));
    try {
      fs.mkdirSync(path.join(tmp, '.vscode'));
      fs.writeFileSync(path.join(tmp, '.vscode', 'settings.json'), '{ "vramLens.modelAliases": { "a/b": "meta-llama/Llama-3.2-1B", "bad": 3, "": "x" } }');
      assert.deepEqual(workspaceModelAliases(tmp), { 'a/b': 'meta-llama/Llama-3.2-1B' });
      assert.equal(workspaceModelAliases(path.join(tmp, 'none')), undefined);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
