// `vram-lens mcp`: the bundled server (dist/cli.js mcp) driven over stdio by the official SDK's client,
// as an agent drives it. Lists the tools, calls each, checks that estimate_memory equals analyze --json,
// that every suggested diff applies (git apply) and yields the predicted peak, and that bad inputs are
// tool errors after which the server still answers.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { analyzeText } from '../../src/analysis/report';
import { fixAll, suggestFixes, textAfter } from '../../src/analysis/remedies';
import { loadDeps, readFixture, repoRoot, settings } from './helpers';

const CLI = path.join(repoRoot, 'dist', 'cli.js');
const EXAMPLE_FITS = 'examples/llama-3.1-70b-qlora.py';
const EXAMPLE_OOM = 'examples/llama-3.1-8b-full-finetune.py';

type ToolResult = { content: { type: string; text?: string }[]; structuredContent?: Record<string, unknown>; isError?: boolean };

function analyzeJson(file: string, cwd = repoRoot, ...args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [CLI, 'analyze', '--json', file, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0];
}

function textOf(r: ToolResult): string {
  assert.equal(r.content[0].type, 'text');
  return r.content[0].text!;
}

describe('vram-lens mcp (stdio, official SDK client)', function () {
  this.timeout(60_000);
  let client: Client;
  let transport: StdioClientTransport;
  const transportErrors: Error[] = [];
  let stderr = '';

  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as ToolResult;

  before(async () => {
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (node esbuild.mjs)');
    transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], cwd: repoRoot, stderr: 'pipe' });
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    client = new Client({ name: 'vram-lens-test', version: '0.0.0' });
    client.onerror = (e) => transportErrors.push(e);
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
  });

  it('reports its name and version, and lists the three tools with the documented inputs', async () => {
    const info = client.getServerVersion();
    assert.equal(info?.name, 'vram-lens');
    assert.equal(info?.version, (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['compare_gpus', 'estimate_memory', 'suggest_fixes']);
    for (const t of tools) {
      const extra = t.name === 'compare_gpus' ? ['tokens'] : [];
      assert.deepEqual(Object.keys(t.inputSchema.properties ?? {}).sort(), ['filename', 'gpu', 'gpus', 'path', 'text', ...extra].sort());
      assert.deepEqual(t.inputSchema.required ?? [], [], `${t.name}: every input is optional (path or text is checked by the tool)`);
      assert.ok(t.outputSchema, `${t.name} declares its structured output`);
      assert.ok(t.description && t.description.length > 40);
      assert.equal(t.annotations?.readOnlyHint, true);
    }
  });

  it('estimate_memory on a path: the same object as the element of analyze --json, as structure and as text', async () => {
    const r = await call('estimate_memory', { path: EXAMPLE_FITS });
    assert.ok(!r.isError, textOf(r));
    assert.deepEqual(r.structuredContent, analyzeJson(EXAMPLE_FITS));
    assert.deepEqual(JSON.parse(textOf(r)), r.structuredContent);
  });

  it('estimate_memory with gpu and gpus: the target follows them, as analyze --gpu --gpus', async () => {
    const r = await call('estimate_memory', { path: EXAMPLE_OOM, gpu: 'a100-80gb', gpus: 8 });
    assert.ok(!r.isError, textOf(r));
    assert.deepEqual(r.structuredContent, analyzeJson(EXAMPLE_OOM, repoRoot, '--gpu', 'a100-80gb', '--gpus', '8'));
    const target = r.structuredContent!.target as { gpu: string; count: number };
    assert.equal(target.gpu, 'a100-sxm-80gb');
    assert.equal(target.count, 8);
  });

  it('estimate_memory on inline text: named by filename (default untitled.py), same estimate as the file', async () => {
    const text = fs.readFileSync(path.join(repoRoot, EXAMPLE_FITS), 'utf8');
    const named = await call('estimate_memory', { text, filename: 'job.py' });
    assert.ok(!named.isError, textOf(named));
    const fromFile = analyzeJson(EXAMPLE_FITS);
    assert.deepEqual(named.structuredContent, { ...fromFile, file: 'job.py' });
    const unnamed = await call('estimate_memory', { text: readFixture('inference_only.py') });
    assert.equal(unnamed.structuredContent!.file, 'untitled.py');
    assert.equal(unnamed.structuredContent!.isTraining, false);
    // the filename tells the kind: a .yaml name is not read as Python
    const yaml = await call('estimate_memory', { text: 'base_model: HuggingFaceTB/SmolLM2-135M\n', filename: 'sft.yaml' });
    assert.ok(!yaml.isError);
    assert.notEqual(yaml.structuredContent!.framework, 'transformers');
  });

  it('suggest_fixes: ranked fixes with savings; every diff applies (git apply) and gives the fixed text', async () => {
    const r = await call('suggest_fixes', { path: EXAMPLE_OOM });
    assert.ok(!r.isError, textOf(r));
    const s = r.structuredContent as {
      verdict: string;
      requiredBytes: number;
      fixes: { id: string; title: string; savingBytes: number; requiredBytesAfter: number; verdictAfter: string; preferred: boolean; diff: string }[];
      fixAll: { requiredBytesAfter: number; verdictAfter: string; diff: string } | null;
    };
    assert.deepEqual(JSON.parse(textOf(r)), s);
    assert.equal(s.verdict, 'oom');
    assert.ok(s.fixes.length >= 2, JSON.stringify(s.fixes.map((f) => f.id)));
    assert.equal(s.fixes.filter((f) => f.preferred).length, 1);
    assert.ok(s.fixAll && s.fixAll.verdictAfter !== 'oom');
    // the engine's own fixes for the same report, to compare each diff's result with textAfter()
    const text = fs.readFileSync(path.join(repoRoot, EXAMPLE_OOM), 'utf8');
    const report = analyzeText(text, EXAMPLE_OOM, settings(), await loadDeps());
    const engineFixes = new Map(suggestFixes(report, text).map((f) => [f.id as string, f]));
    engineFixes.set('fixAll', fixAll(report, text)!);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-mcp-'));
    try {
      for (const fix of [...s.fixes, { ...s.fixAll!, id: 'fixAll', preferred: true, savingBytes: s.requiredBytes - s.fixAll!.requiredBytesAfter }]) {
        assert.ok(Math.abs(s.requiredBytes - fix.requiredBytesAfter - fix.savingBytes) <= 1, fix.id);
        assert.match(fix.diff, new RegExp(`^--- a/${EXAMPLE_OOM}\n\\+\\+\\+ b/${EXAMPLE_OOM}\n@@ `));
        // apply the diff to a copy (git apply, -p1 strips a/ and b/), then estimate the patched file
        fs.mkdirSync(path.join(tmp, 'examples'), { recursive: true });
        fs.copyFileSync(path.join(repoRoot, EXAMPLE_OOM), path.join(tmp, EXAMPLE_OOM));
        fs.writeFileSync(path.join(tmp, 'fix.diff'), fix.diff);
        const applied = spawnSync('git', ['apply', 'fix.diff'], { cwd: tmp, encoding: 'utf8' });
        assert.equal(applied.status, 0, `${fix.id}: ${applied.stderr}\n${fix.diff}`);
        assert.equal(fs.readFileSync(path.join(tmp, EXAMPLE_OOM), 'utf8'), textAfter(text, engineFixes.get(fix.id)!), fix.id);
        if (fix.preferred) {
          // the recommended change (and fix-all), re-estimated from the patched file, gives the promised peak
          const after = analyzeJson(EXAMPLE_OOM, tmp) as { perGpu: { requiredBytes: number } };
          assert.ok(
            Math.abs(after.perGpu.requiredBytes - fix.requiredBytesAfter) <= 1,
            `${fix.id}: ${after.perGpu.requiredBytes} vs ${fix.requiredBytesAfter}`,
          );
        }
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('suggest_fixes without an estimate: no fixes and a note saying why', async () => {
    const r = await call('suggest_fixes', { text: readFixture('unknown_model.py') });
    assert.ok(!r.isError, textOf(r));
    assert.deepEqual(r.structuredContent!.fixes, []);
    assert.equal(r.structuredContent!.fixAll, null);
    assert.match(String(r.structuredContent!.note), /not in the catalog/);
  });

  it('compare_gpus: the rows of analyze --compare --json; fitting rows first; tokens give hours and cost', async () => {
    const r = await call('compare_gpus', { path: EXAMPLE_FITS, gpus: 2 });
    assert.ok(!r.isError, textOf(r));
    assert.deepEqual(JSON.parse(textOf(r)), r.structuredContent);
    const cli = analyzeJson(EXAMPLE_FITS, repoRoot, '--compare', '--gpus', '2') as { comparison: unknown[]; perGpu: { requiredBytes: number } };
    assert.deepEqual(r.structuredContent!.rows, cli.comparison);
    assert.equal(r.structuredContent!.requiredBytes, cli.perGpu.requiredBytes);
    const rows = r.structuredContent!.rows as { gpu: string; count: number | null; fits: boolean; hours: number | null; costUsd: number | null }[];
    assert.ok(rows.length >= 10);
    const firstMiss = rows.findIndex((x) => !x.fits);
    assert.ok(firstMiss !== 0, 'some GPU fits the 70B QLoRA example');
    if (firstMiss > 0)
      assert.ok(
        rows.slice(firstMiss).every((x) => !x.fits),
        'fitting rows first',
      );
    // the 70B QLoRA example needs ≈ 53 GiB per GPU: its own count of 80 GB H100s fits
    assert.equal(rows.find((x) => x.gpu === 'h100-sxm-80gb')?.count, 2);

    const priced = await call('compare_gpus', { path: EXAMPLE_FITS, tokens: 1e9 });
    assert.ok(!priced.isError, textOf(priced));
    const withTokens = analyzeJson(EXAMPLE_FITS, repoRoot, '--compare', '--tokens', '1e9') as { comparison: unknown[] };
    assert.deepEqual(priced.structuredContent!.rows, withTokens.comparison);
    assert.equal((priced.structuredContent!.trainingTokens as { tokens: number }).tokens, 1e9);
    const h100 = (priced.structuredContent!.rows as typeof rows).find((x) => x.gpu === 'h100-sxm-80gb')!;
    assert.ok(h100.hours! > 0 && h100.costUsd! > 0);
  });

  describe('bad inputs are tool errors with a clear message; the server keeps answering', () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['a missing file', { path: 'no/such/train.py' }, /Cannot read no\/such\/train\.py: no such file/],
      ['a folder', { path: 'examples' }, /Cannot read examples: is a folder/],
      ['neither path nor text', {}, /Give "path"/],
      ['both path and text', { path: EXAMPLE_FITS, text: 'x = 1' }, /either "path" or "text", not both/],
      ['an unknown GPU', { path: EXAMPLE_FITS, gpu: 'tpu-v5' }, /Unknown GPU "tpu-v5"\. Known ids: .*h100-sxm-80gb/],
      ['gpus that is not a whole number', { path: EXAMPLE_FITS, gpus: 'eight' }, /gpus/],
      ['gpus below 1', { path: EXAMPLE_FITS, gpus: 0 }, /gpus/],
      ['a path that is not a string', { path: 42 }, /path/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        for (const tool of ['estimate_memory', 'suggest_fixes', 'compare_gpus']) {
          const r = await call(tool, args);
          assert.equal(r.isError, true, `${tool}: ${JSON.stringify(r)}`);
          assert.match(textOf(r), message, tool);
          assert.equal(r.structuredContent, undefined);
        }
        const still = await call('estimate_memory', { path: EXAMPLE_FITS });
        assert.ok(!still.isError);
      });
    }

    it('an unreadable file', async function () {
      if (process.getuid?.() === 0) this.skip(); // root reads files whatever their mode
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-mcp-'));
      try {
        const f = path.join(tmp, 'secret.py');
        fs.writeFileSync(f, 'x = 1\n');
        fs.chmodSync(f, 0o000);
        const r = await call('estimate_memory', { path: f });
        assert.equal(r.isError, true);
        assert.match(textOf(r), /permission denied/);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('a binary file', async () => {
      const r = await call('estimate_memory', { path: 'dist/web-tree-sitter.wasm' });
      assert.equal(r.isError, true);
      assert.match(textOf(r), /binary/);
    });
  });

  it('piped requests: every stdout line is a JSON-RPC message; a call made just before stdin closes is answered', () => {
    const lines = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipe', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'estimate_memory', arguments: { path: EXAMPLE_FITS } } },
    ];
    const r = spawnSync(process.execPath, [CLI, 'mcp'], {
      cwd: repoRoot,
      input: lines.map((l) => JSON.stringify(l)).join('\n') + '\nnot json\n',
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { jsonrpc: string; id?: number; result?: { structuredContent?: unknown } });
    assert.ok(out.every((m) => m.jsonrpc === '2.0'));
    assert.deepEqual(
      out.map((m) => m.id),
      [1, 2],
    );
    assert.deepEqual(out[1].result?.structuredContent, analyzeJson(EXAMPLE_FITS));
    assert.match(r.stderr, /not json|not valid JSON/, 'a malformed line is logged on stderr and skipped');
  });

  it('estimate_memory on a measured file adds the measurement and the estimate anchored on it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-mcp-measured-'));
    try {
      const cfg =
        'base_model: meta-llama/Llama-3.1-8B\nadapter: lora\nlora_r: 16\nlora_target_linear: true\nmicro_batch_size: 2\nsequence_len: 2048\nbf16: true\ngradient_checkpointing: true\n';
      fs.writeFileSync(path.join(dir, 'cfg.yaml'), cfg);
      const plan = analyzeJson('cfg.yaml', dir).plan as Record<string, { value: unknown; origin: string }>;
      const record = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'measure', 'record.json'), 'utf8'));
      const GiB = 1024 ** 3;
      Object.assign(record, {
        file: 'cfg.yaml',
        plan,
        peak: { allocatedBytes: 30 * GiB, reservedBytes: 32 * GiB, deviceUsedBytes: null, phase: 'optimizer', rank: 0 },
      });
      fs.mkdirSync(path.join(dir, '.vram-lens'));
      fs.writeFileSync(path.join(dir, '.vram-lens', 'measurements.jsonl'), JSON.stringify(record) + '\n');
      const r = await call('estimate_memory', { path: path.join(dir, 'cfg.yaml') });
      assert.ok(!r.isError, textOf(r));
      const m = r.structuredContent!.measurement as Record<string, unknown>;
      assert.ok(m, 'the measurement is in the result');
      // same settings, 1 GPU: anchored = the measured reserved peak
      assert.equal(m.measuredReservedBytes, 32 * GiB);
      assert.equal(m.anchoredRequiredBytes, 32 * GiB);
      assert.equal(m.verdict, 'fits');
      assert.match(String(m.words), /^anchored on the measurement of 2026-12-01: measured 32\.0 GiB, settings unchanged$/);
      // inline text has no file, so no measurement
      const inline = await call('estimate_memory', { text: cfg, filename: 'cfg.yaml' });
      assert.equal(inline.structuredContent!.measurement, undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stdout carried only protocol messages (the client saw no unparsable line), logs went to stderr', () => {
    assert.deepEqual(transportErrors, []);
    assert.match(stderr, /vram-lens mcp: ready/);
  });
});
