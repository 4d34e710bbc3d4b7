// Model resolution in the real extension host: the unknown-model diagnostic on the model line, its two quick
// actions (Choose the architecture… through the real quick pick, and Use a local config.json…), the
// vramLens.modelAliases setting they write, the assumption diagnostic, and the hub step with consent against a
// local server. Public API only.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { codeOf, sleep, waitFor, workspaceRoot } from './helpers';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'VRAM Lens');

const script = (model: string) => `from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("${model}", dtype="bfloat16")
args = TrainingArguments(output_dir="out", per_device_train_batch_size=1, gradient_checkpointing=True, bf16=True)
trainer = Trainer(model=model, args=args)
trainer.train()
`;

async function openScript(model: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument({ language: 'python', content: script(model) });
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

async function estimateLens(uri: vscode.Uri): Promise<string> {
  return waitFor(
    async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return l?.map((x) => x.command?.title ?? '').find((t) => /per GPU.*params/.test(t));
    },
    'a CodeLens with the estimate',
    20000,
  );
}

async function clearModelSettings(): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('vramLens');
  for (const key of ['modelAliases', 'hub.fetchConfigs', 'hub.endpoint']) {
    await cfg.update(key, undefined, vscode.ConfigurationTarget.Workspace);
    await cfg.update(key, undefined, vscode.ConfigurationTarget.Global);
  }
}

describe('unknown models', () => {
  before(clearModelSettings);
  after(clearModelSettings);
  afterEach(async () => {
    // untitled scripts: revert before closing, so that no save dialog comes up
    for (let i = 0; i < 10 && vscode.window.activeTextEditor; i++) await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('one information diagnostic on the model line, with "Choose the architecture…" and "Use a local config.json…"; choosing in the quick pick resolves the file', async () => {
    const doc = await openScript('acme/secret-model-13b');
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('acme/secret-model-13b'));
    const diag = await waitFor(() => ours(doc.uri).find((d) => codeOf(d) === 'vramLens.unknownModel'), 'the unknown-model diagnostic', 20000);
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Information);
    assert.equal(diag.range.start.line, line);
    assert.equal(ours(doc.uri).length, 1, 'one diagnostic, nothing else');
    assert.match(diag.message, /acme\/secret-model-13b/);
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const c of ['vramLens.chooseModelArchitecture', 'vramLens.useLocalModelConfig']) assert.ok(commands.has(c), c);

    const actions = await waitFor(async () => {
      const a = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diag.range);
      return a?.some((x) => x.title === 'Choose the architecture…') ? a : undefined;
    }, 'the model quick actions');
    const choose = actions.find((a) => a.title === 'Choose the architecture…')!;
    const local = actions.find((a) => a.title === 'Use a local config.json…');
    assert.ok(local?.command, 'Use a local config.json… is offered');
    assert.equal(choose.command?.command, 'vramLens.chooseModelArchitecture');

    // run the action as the lightbulb would, and accept the first entry of the real quick pick
    const running = vscode.commands.executeCommand<{ ref: string; alias?: string }>(choose.command!.command, ...(choose.command!.arguments ?? []));
    await sleep(800);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const result = await running;
    assert.ok(result?.alias, `a base was chosen: ${JSON.stringify(result)}`);
    assert.equal(result.ref, 'acme/secret-model-13b');
    const aliases = vscode.workspace.getConfiguration('vramLens').get<Record<string, string>>('modelAliases');
    assert.equal(aliases?.['acme/secret-model-13b'], result.alias, 'saved in vramLens.modelAliases');
    // the settings change re-analyses: the diagnostic goes, the estimate comes
    await waitFor(() => !ours(doc.uri).some((d) => codeOf(d) === 'vramLens.unknownModel'), 'the unknown-model diagnostic to go', 20000);
    await estimateLens(doc.uri);
  });

  it('choosing by argument (agents) and a base that does not exist', async () => {
    const doc = await openScript('acme/other-13b');
    await waitFor(() => ours(doc.uri).find((d) => codeOf(d) === 'vramLens.unknownModel'), 'the unknown-model diagnostic', 20000);
    const bad = await vscode.commands.executeCommand<{ reason?: string }>('vramLens.chooseModelArchitecture', {
      ref: 'acme/other-13b',
      uri: doc.uri.toString(),
      pick: 'nobody/nothing',
    });
    assert.match(bad?.reason ?? '', /not a bundled architecture/);
    const ok = await vscode.commands.executeCommand<{ alias?: string }>('vramLens.chooseModelArchitecture', {
      ref: 'acme/other-13b',
      uri: doc.uri.toString(),
      pick: 'meta-llama/Llama-2-13b-hf',
    });
    assert.equal(ok?.alias, 'meta-llama/Llama-2-13b-hf');
    assert.match(await estimateLens(doc.uri), /13\.02B params/);
  });

  it('"Use a local config.json…" stores the path as the alias and the file resolves from it; a bad config is refused', async () => {
    const dir = path.join(workspaceRoot().fsPath, 'my-model');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        model_type: 'llama',
        hidden_size: 2048,
        intermediate_size: 5632,
        num_hidden_layers: 22,
        num_attention_heads: 32,
        num_key_value_heads: 4,
        vocab_size: 32000,
        tie_word_embeddings: false,
        torch_dtype: 'bfloat16',
      }),
    );
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, JSON.stringify({ model_type: 'llama' }));
    const doc = await openScript('acme/private-tiny');
    await waitFor(() => ours(doc.uri).find((d) => codeOf(d) === 'vramLens.unknownModel'), 'the unknown-model diagnostic', 20000);
    const refused = await vscode.commands.executeCommand<{ alias?: string; reason?: string }>('vramLens.useLocalModelConfig', {
      ref: 'acme/private-tiny',
      uri: doc.uri.toString(),
      path: broken,
    });
    assert.equal(refused?.alias, undefined);
    assert.match(refused?.reason ?? '', /hidden_size/);
    const r = await vscode.commands.executeCommand<{ alias?: string }>('vramLens.useLocalModelConfig', {
      ref: 'acme/private-tiny',
      uri: doc.uri.toString(),
      path: file,
    });
    assert.equal(r?.alias, file);
    assert.match(await estimateLens(doc.uri), /1\.10B params/);
  });

  it('an id whose family and size are in its name: an estimate and an information diagnostic naming the assumption, with the same actions', async () => {
    const doc = await openScript('acme/mistral-7b-sft-v9');
    const d = await waitFor(() => ours(doc.uri).find((x) => codeOf(x) === 'vramLens.modelAssumed'), 'the assumption diagnostic', 20000);
    assert.equal(d.severity, vscode.DiagnosticSeverity.Information);
    assert.match(d.message, /mistralai\/Mistral-7B-v0\.1 are assumed from its name/);
    await estimateLens(doc.uri);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, d.range);
    assert.ok(actions?.some((a) => a.title === 'Choose the architecture…'));
  });

  it('the hub step: with vramLens.hub.fetchConfigs "allow" the config.json comes from the endpoint and the file resolves', async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/acme/hub-only-1b/resolve/main/config.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            model_type: 'qwen2',
            hidden_size: 896,
            intermediate_size: 4864,
            num_hidden_layers: 24,
            num_attention_heads: 14,
            num_key_value_heads: 2,
            vocab_size: 151936,
            tie_word_embeddings: true,
            torch_dtype: 'bfloat16',
          }),
        );
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const cfg = vscode.workspace.getConfiguration('vramLens');
    try {
      await cfg.update('hub.endpoint', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, vscode.ConfigurationTarget.Workspace);
      await cfg.update('hub.fetchConfigs', 'allow', vscode.ConfigurationTarget.Workspace);
      const doc = await openScript('acme/hub-only-1b');
      assert.match(await estimateLens(doc.uri), /494M params/);
      assert.deepEqual(requests, ['/acme/hub-only-1b/resolve/main/config.json']);
      assert.ok(!ours(doc.uri).some((d) => codeOf(d) === 'vramLens.unknownModel'));
    } finally {
      await cfg.update('hub.fetchConfigs', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg.update('hub.endpoint', undefined, vscode.ConfigurationTarget.Workspace);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('never contacts the hub when vramLens.hub.fetchConfigs is "never"', async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const cfg = vscode.workspace.getConfiguration('vramLens');
    try {
      await cfg.update('hub.endpoint', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, vscode.ConfigurationTarget.Workspace);
      await cfg.update('hub.fetchConfigs', 'never', vscode.ConfigurationTarget.Workspace);
      const doc = await openScript('acme/never-fetched-2b');
      await waitFor(() => ours(doc.uri).find((d) => codeOf(d) === 'vramLens.unknownModel'), 'the unknown-model diagnostic', 20000);
      await sleep(500);
      assert.deepEqual(requests, []);
    } finally {
      await cfg.update('hub.fetchConfigs', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg.update('hub.endpoint', undefined, vscode.ConfigurationTarget.Workspace);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
