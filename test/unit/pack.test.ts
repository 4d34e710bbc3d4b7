// The registry package (`npm pack`), separate from the .vsix: it ships only the bundled CLI and its .wasm
// files, declares no dependencies (the bundle inlines them), installs offline into an empty project with
// an empty npm cache, and runs there as `vram-lens analyze`, `check` and `mcp`, and through
// `npx ./vram-lens-<version>.tgz`. Packs the dist/ that the test run built (--ignore-scripts: the
// prepack build is not repeated here). About 2 s.
import { strict as assert } from 'node:assert';
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { repoRoot } from './helpers';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

function sh(cmd: string, args: string[], opts: SpawnSyncOptions & { cwd: string }) {
  // no update check, no audit, no funding message: nothing that would reach the network
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, env, ...opts });
  if (r.error) throw r.error;
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('npm package (npm pack, installed offline into an empty project)', function () {
  this.timeout(120_000);
  let tmp: string;
  let tgz: string;
  let files: string[];
  let project: string;
  let cache: string;

  before(() => {
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'cli.js')), 'dist/cli.js is built (node esbuild.mjs)');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-pack-'));
    cache = path.join(tmp, 'npm-cache');
    const r = sh(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp, '--cache', cache], { cwd: repoRoot });
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
    tgz = path.join(tmp, info[0].filename);
    files = info[0].files.map((f) => f.path).sort();
    project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'uses-vram-lens', version: '1.0.0', private: true }));
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it(`is vram-lens-${version}.tgz with the CLI bundle, its .wasm files, the measure probe, README, LICENSE and package.json only`, () => {
    assert.equal(path.basename(tgz), `vram-lens-${version}.tgz`);
    assert.deepEqual(files, [
      'LICENSE',
      'README.md',
      'dist/cli.js',
      'dist/grammars/tree-sitter-python.wasm',
      // the Python probe of `vram-lens measure`, without __pycache__
      'dist/probe/sitecustomize.py',
      'dist/probe/vram_lens_probe/__init__.py',
      'dist/probe/vram_lens_probe/imports.py',
      'dist/probe/vram_lens_probe/probe.py',
      'dist/web-tree-sitter.wasm',
      'package.json',
    ]);
  });

  it('declares no runtime dependencies (the bundle inlines them) and its bin is the bundle', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      bin: Record<string, string>;
    };
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}), []);
    assert.equal(pkg.bin['vram-lens'], './dist/cli.js');
  });

  it('installs offline with an empty cache, and `vram-lens analyze` runs from the project', () => {
    const inst = sh(NPM, ['install', '--offline', '--cache', cache, tgz], { cwd: project });
    assert.equal(inst.code, 0, inst.stderr);
    assert.deepEqual(
      fs.readdirSync(path.join(project, 'node_modules')).filter((d) => !d.startsWith('.')),
      ['vram-lens'],
      'nothing else is installed',
    );
    const example = path.join(repoRoot, 'examples', 'llama-3.1-70b-qlora.py');
    const r = sh(NPX, ['--offline', '--cache', cache, 'vram-lens', 'analyze', example], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /verdict: FITS/);
  });

  it('`npx ./vram-lens-<version>.tgz check …` from the tarball itself: FAIL line and exit 1', () => {
    // in the tarball's folder (not a project), with a cache of its own, as the README shows it
    const example = path.join(repoRoot, 'examples', 'llama-3.1-8b-full-finetune.py');
    const r = sh(NPX, ['--yes', '--offline', '--cache', path.join(tmp, 'npx-cache'), `./${path.basename(tgz)}`, 'check', example], { cwd: tmp });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^FAIL .*llama-3\.1-8b-full-finetune\.py: ≈ /);
  });

  it('the installed package serves MCP: an SDK client lists the tools and estimates a file', async () => {
    const bin = path.join(project, 'node_modules', 'vram-lens', 'dist', 'cli.js');
    assert.ok(fs.existsSync(bin), 'installed by the test above');
    const transport = new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp'], cwd: repoRoot, stderr: 'ignore' });
    const client = new Client({ name: 'pack-test', version: '0.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['compare_gpus', 'estimate_memory', 'suggest_fixes']);
      const r = (await client.callTool({ name: 'estimate_memory', arguments: { path: 'examples/llama-3.1-70b-qlora.py' } })) as {
        isError?: boolean;
        structuredContent?: { target: { fits: boolean } };
      };
      assert.ok(!r.isError);
      assert.equal(r.structuredContent?.target.fits, true);
    } finally {
      await client.close();
    }
  });
});
