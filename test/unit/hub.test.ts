import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fetchHubConfig, hubCacheFile, isHubId } from '../../src/models/hub';

// A real HTTP server on 127.0.0.1 standing in for the hub: no mocks of fetch.
const QWEN_CONFIG = {
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  hidden_size: 896,
  intermediate_size: 4864,
  num_hidden_layers: 24,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  vocab_size: 151936,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  max_position_embeddings: 32768,
};

describe('fetchHubConfig', () => {
  let server: http.Server;
  let endpoint: string;
  let tmp: string;
  const requests: Array<{ url: string; auth?: string }> = [];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-hub-'));
    server = http.createServer((req, res) => {
      requests.push({ url: req.url ?? '', auth: req.headers.authorization });
      switch (req.url) {
        case '/acme/tiny-qwen/resolve/main/config.json':
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(QWEN_CONFIG));
          return;
        case '/acme/gated/resolve/main/config.json':
          res.writeHead(401, { 'x-error-code': 'GatedRepo' });
          res.end('Access to model acme/gated is restricted.');
          return;
        case '/acme/forbidden/resolve/main/config.json':
          res.writeHead(403);
          res.end('forbidden');
          return;
        case '/acme/missing/resolve/main/config.json':
          res.writeHead(404, { 'x-error-code': 'EntryNotFound' });
          res.end('Entry not found');
          return;
        case '/acme/not-json/resolve/main/config.json':
          res.writeHead(200);
          res.end('<html>');
          return;
        case '/acme/no-shapes/resolve/main/config.json':
          res.writeHead(200);
          res.end(JSON.stringify({ model_type: 'llama' }));
          return;
        case '/acme/slow/resolve/main/config.json':
          return; // never answers
        default:
          res.writeHead(500);
          res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('downloads config.json, maps it and caches it', async () => {
    const cacheDir = path.join(tmp, 'cache');
    // the endpoint is the user's own ($HF_ENDPOINT): the token goes with the request
    const r = await fetchHubConfig('acme/tiny-qwen', { env: { HF_ENDPOINT: endpoint }, cacheDir, timeoutMs: 2000, token: 'hf_test' });
    assert.ok(r.spec, r.spec === null ? r.reason : '');
    assert.equal(r.fromCache, false);
    assert.equal(r.spec.id, 'acme/tiny-qwen');
    assert.equal(r.spec.family, 'qwen2');
    assert.equal(r.spec.hiddenSize, 896);
    assert.equal(r.spec.qkvBias, true);
    assert.equal(r.spec.tiedEmbeddings, true);
    assert.equal(requests.at(-1)?.auth, 'Bearer hf_test');
    assert.ok(fs.existsSync(hubCacheFile(cacheDir, 'acme/tiny-qwen')));
  });

  it('never sends the token to an endpoint that only a setting names (a workspace could point it anywhere)', async () => {
    const cacheDir = path.join(tmp, 'cache-no-token');
    const r = await fetchHubConfig('acme/tiny-qwen', { endpoint, env: {}, cacheDir, timeoutMs: 2000, token: 'hf_test' });
    assert.ok(r.spec, r.spec === null ? r.reason : '');
    assert.equal(requests.at(-1)?.auth, undefined);
  });

  it('answers from the cache once the server is gone', async () => {
    const cacheDir = path.join(tmp, 'cache2');
    const own = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(QWEN_CONFIG));
    });
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const ownEndpoint = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
    const first = await fetchHubConfig('acme/cached', { endpoint: ownEndpoint, cacheDir, timeoutMs: 2000 });
    assert.ok(first.spec && first.fromCache === false);
    own.closeAllConnections();
    await new Promise<void>((resolve) => own.close(() => resolve()));

    const r = await fetchHubConfig('acme/cached', { endpoint: ownEndpoint, cacheDir, timeoutMs: 500 });
    assert.ok(r.spec, r.spec === null ? r.reason : '');
    assert.equal(r.fromCache, true);
    assert.equal(r.spec.numLayers, 24);
    assert.equal(r.spec.id, 'acme/cached');
    // a corrupt cache file is ignored (and, with the server gone, reported as a network error)
    fs.writeFileSync(hubCacheFile(cacheDir, 'acme/cached'), '{oops');
    const broken = await fetchHubConfig('acme/cached', { endpoint: ownEndpoint, cacheDir, timeoutMs: 500 });
    assert.ok(broken.spec === null && /network error/.test(broken.reason), JSON.stringify(broken));
  });

  it('reports gated repos (401 and 403)', async () => {
    for (const id of ['acme/gated', 'acme/forbidden']) {
      const r = await fetchHubConfig(id, { endpoint, timeoutMs: 2000 });
      assert.equal(r.spec, null);
      assert.ok(r.spec === null && r.gated === true, id);
      assert.ok(r.spec === null && r.reason.includes('gated model: accept its license on the hub and set HF_TOKEN'));
    }
  });

  it('reports 404 as not found', async () => {
    const r = await fetchHubConfig('acme/missing', { endpoint, timeoutMs: 2000 });
    assert.ok(r.spec === null && /not found on the hub/.test(r.reason) && !r.gated, JSON.stringify(r));
  });

  it('times out on a server that never answers', async () => {
    const t0 = Date.now();
    const r = await fetchHubConfig('acme/slow', { endpoint, timeoutMs: 200 });
    const took = Date.now() - t0;
    assert.ok(r.spec === null && /did not answer within 200 ms/.test(r.reason), JSON.stringify(r));
    assert.ok(took < 2000, `took ${took} ms`);
  });

  it('reports invalid JSON, unusable configs, other statuses and bad ids', async () => {
    const j = await fetchHubConfig('acme/not-json', { endpoint, timeoutMs: 2000 });
    assert.ok(j.spec === null && /not valid JSON/.test(j.reason));
    const s = await fetchHubConfig('acme/no-shapes', { endpoint, timeoutMs: 2000 });
    assert.ok(s.spec === null && /hidden_size/.test(s.reason));
    const e = await fetchHubConfig('acme/other', { endpoint, timeoutMs: 2000 });
    assert.ok(e.spec === null && /HTTP 500/.test(e.reason));
    for (const bad of ['', '../etc/passwd', 'a/b/c', 'acme/..', 'has space/x']) {
      const b = await fetchHubConfig(bad, { endpoint, timeoutMs: 2000 });
      assert.ok(b.spec === null && /not a hub model id/.test(b.reason), bad);
    }
  });

  it('reports a refused connection as a network error, without a cache', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await fetchHubConfig('acme/tiny-qwen', { endpoint: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
    assert.ok(r.spec === null && /network error/.test(r.reason), JSON.stringify(r));
  });

  it('checks ids and keeps cache files inside the cache folder', () => {
    assert.equal(isHubId('meta-llama/Llama-3.1-8B'), true);
    assert.equal(isHubId('gpt2'), true);
    assert.equal(isHubId('../x'), false);
    assert.equal(isHubId('a/b/c'), false);
    const f = hubCacheFile('/cache', 'meta-llama/Llama-3.1-8B');
    assert.equal(path.dirname(f), path.resolve('/cache'));
    assert.equal(path.basename(f), 'meta-llama--Llama-3.1-8B.config.json');
  });
});
