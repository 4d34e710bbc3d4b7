// `vram-lens analyze --hub` against a real local HTTP server standing in for the hub (HF_ENDPOINT).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

// A small Llama-style config (shapes of TinyLlama-1.1B: TinyLlama/TinyLlama-1.1B-Chat-v1.0 config.json).
const CONFIG = {
  model_type: 'llama',
  hidden_size: 2048,
  num_hidden_layers: 22,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  intermediate_size: 5632,
  vocab_size: 32000,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
};

function run(args: string[], env: NodeJS.ProcessEnv, cwd = root): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, cwd }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('CLI --hub', () => {
  let server: http.Server;
  let endpoint: string;
  let dir: string;
  let requests: string[];

  before(async () => {
    requests = [];
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/acme/tiny-private-1b/resolve/main/config.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(CONFIG));
      } else {
        res.writeHead(404);
        res.end('not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(path.join(os.tmpdir(), 'vram-lens-hub-'));
    writeFileSync(
      path.join(dir, 'train.py'),
      'from transformers import AutoModelForCausalLM, TrainingArguments\n' +
        'model = AutoModelForCausalLM.from_pretrained("acme/tiny-private-1b", torch_dtype="bfloat16")\n' +
        'args = TrainingArguments(output_dir="o", per_device_train_batch_size=1)\n',
    );
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not touch the network without --hub, and says the model is unknown', async () => {
    const r = await run(['analyze', path.join(dir, 'train.py'), '--json'], { HF_ENDPOINT: endpoint, XDG_CACHE_HOME: dir });
    assert.equal(requests.length, 0);
    const [report] = JSON.parse(r.stdout);
    assert.equal(report.perGpu, null);
    assert.ok(report.diagnostics.some((d: { code: string }) => d.code === 'vramLens.unknownModel'));
    assert.equal(r.code, 2);
  });

  it('with --hub fetches config.json from HF_ENDPOINT and estimates', async () => {
    const r = await run(['analyze', path.join(dir, 'train.py'), '--json', '--hub'], { HF_ENDPOINT: endpoint, XDG_CACHE_HOME: dir });
    assert.deepEqual(requests, ['/acme/tiny-private-1b/resolve/main/config.json']);
    const [report] = JSON.parse(r.stdout);
    // TinyLlama-1.1B: 1,100,048,384 parameters (model card); the shapes above give exactly that.
    assert.equal(report.model.parameters, 1100048384);
    assert.ok(report.perGpu.peakAllocatedBytes > 1100048384 * 2, 'at least the bf16 weights');
    assert.equal(r.code, 0);
  });

  it('resolves from the local Hugging Face cache without --hub and without the network', async () => {
    const cache = path.join(dir, 'hf-hub');
    const snap = path.join(cache, 'models--acme--cached-1b', 'snapshots', 'c'.repeat(40));
    mkdirSync(snap, { recursive: true });
    writeFileSync(path.join(snap, 'config.json'), JSON.stringify(CONFIG));
    mkdirSync(path.join(cache, 'models--acme--cached-1b', 'refs'), { recursive: true });
    writeFileSync(path.join(cache, 'models--acme--cached-1b', 'refs', 'main'), 'c'.repeat(40));
    writeFileSync(
      path.join(dir, 'cached.py'),
      'from transformers import AutoModelForCausalLM, Trainer\nm = AutoModelForCausalLM.from_pretrained("acme/cached-1b")\nTrainer(model=m)\n',
    );
    const before = requests.length;
    const r = await run(['analyze', path.join(dir, 'cached.py'), '--json'], { HF_ENDPOINT: endpoint, XDG_CACHE_HOME: dir, HF_HUB_CACHE: cache });
    assert.equal(requests.length, before);
    const [report] = JSON.parse(r.stdout);
    assert.equal(report.model.parameters, 1100048384);
    assert.match(report.model.source, /models--acme--cached-1b/);
    assert.equal(report.model.resolvedBy, 'hf-cache');
    assert.equal(r.code, 0);
  });

  it('HF_HUB_OFFLINE: --hub sends nothing and says why', async () => {
    writeFileSync(
      path.join(dir, 'offline.py'),
      'from transformers import AutoModelForCausalLM, Trainer\nm = AutoModelForCausalLM.from_pretrained("acme/offline-3b")\nTrainer(model=m)\n',
    );
    const before = requests.length;
    const r = await run(['analyze', path.join(dir, 'offline.py'), '--hub'], { HF_ENDPOINT: endpoint, XDG_CACHE_HOME: dir, HF_HUB_OFFLINE: '1' });
    assert.equal(requests.length, before);
    assert.match(r.stderr, /HF_HUB_OFFLINE is set/);
    assert.equal(r.code, 2);
  });

  it('an id whose family and size are in its name: an estimate and the assumption as a diagnostic', async () => {
    writeFileSync(
      path.join(dir, 'assumed.py'),
      'from transformers import AutoModelForCausalLM, Trainer\nm = AutoModelForCausalLM.from_pretrained("acme/mistral-7b-sft-v3")\nTrainer(model=m)\n',
    );
    const r = await run(['analyze', path.join(dir, 'assumed.py'), '--json'], { HF_ENDPOINT: endpoint, XDG_CACHE_HOME: dir });
    const [report] = JSON.parse(r.stdout);
    assert.equal(report.model.id, 'mistralai/Mistral-7B-v0.1');
    assert.equal(report.model.resolvedBy, 'assumed');
    assert.match(report.model.approximated, /assumed from its name/);
    assert.ok(report.perGpu);
    const d = report.diagnostics.find((x: { code: string }) => x.code === 'vramLens.modelAssumed');
    assert.ok(d, JSON.stringify(report.diagnostics));
    assert.equal(d.line, 2);
    assert.match(d.message, /assumed from its name \(Mistral, 7B\)/);
  });

  it("reads vramLens.modelAliases from the workspace's .vscode/settings.json (what the editor's quick fixes saved)", async () => {
    const ws = path.join(dir, 'ws');
    mkdirSync(path.join(ws, '.vscode'), { recursive: true });
    writeFileSync(
      path.join(ws, '.vscode', 'settings.json'),
      '{\n  // saved by "Choose the architecture…"\n  "vramLens.modelAliases": { "acme/house-model": "meta-llama/Llama-3.2-1B", },\n}\n',
    );
    writeFileSync(
      path.join(ws, 'train.py'),
      'from transformers import AutoModelForCausalLM, Trainer\nm = AutoModelForCausalLM.from_pretrained("acme/house-model")\nTrainer(model=m)\n',
    );
    const r = await run(['analyze', 'train.py', '--json'], { HF_ENDPOINT: endpoint, XDG_CACHE_HOME: dir }, ws);
    const [report] = JSON.parse(r.stdout);
    assert.equal(report.model.id, 'meta-llama/Llama-3.2-1B');
    assert.equal(report.model.resolvedBy, 'alias');
    assert.ok(report.perGpu);
  });

  it('reports a model the hub does not have, without crashing', async () => {
    writeFileSync(
      path.join(dir, 'missing.py'),
      'from transformers import AutoModelForCausalLM, Trainer\nm = AutoModelForCausalLM.from_pretrained("acme/nope-7b")\nTrainer(model=m)\n',
    );
    const r = await run(['analyze', path.join(dir, 'missing.py'), '--hub'], { HF_ENDPOINT: endpoint, XDG_CACHE_HOME: dir });
    assert.match(r.stderr, /not found on the hub/);
    assert.equal(r.code, 2);
  });
});
