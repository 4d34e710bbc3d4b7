// Builds every bundle of VRAM Lens into dist/:
//   dist/extension.js  the VS Code extension (node, cjs, `vscode` external)
//   dist/cli.js        the `vram-lens` command line (node, cjs, shebang)
//   dist/webview/      the breakdown panel's page script (browser, iife) and styles
//   dist/bench/*.js    benchmarks (`npm run bench:*`)
// and copies the web-tree-sitter runtime and the Python grammar (.wasm) next to them.
// Flags: --production (minify, no source maps), --watch, --quiet, --only=extension|cli|webview|bench
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const production = args.includes('--production');
const watch = args.includes('--watch');
const quiet = args.includes('--quiet');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);

function copyWasm() {
  mkdirSync('dist/grammars', { recursive: true });
  // web-tree-sitter >= 0.26 names its runtime web-tree-sitter.wasm (docs/sources/vscode-engineering.md, "web-tree-sitter in an esbuild bundle").
  cpSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), 'dist/web-tree-sitter.wasm');
  cpSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'), 'dist/grammars/tree-sitter-python.wasm');
  // the Python probe of `vram-lens measure` (src/measure/run.ts resolves dist/probe next to the bundle)
  cpSync('probe', 'dist/probe', { recursive: true, filter: (p) => !/__pycache__|\.pyc$/.test(p) });
}

/** Prints build errors in the `file:line:col` form VS Code's problem matcher reads. */
const reporter = {
  name: 'reporter',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (result.errors.length === 0) copyWasm();
    });
  },
};

/** The page needs zod's English messages only: its other locales are half of the minified page bundle. */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: path.resolve(args.resolveDir, '../locales/en.js'), namespace: 'zod-locales' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

const nodeCommon = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: !production,
  sourcesContent: false,
  minify: production,
  logLevel: quiet ? 'error' : 'warning',
  // The ESM build of web-tree-sitter reads import.meta.url, which a CJS bundle turns into {}:
  // Parser.init then fails without a warning. Bundle its .cjs build instead (docs/sources/vscode-engineering.md, "web-tree-sitter in an esbuild bundle").
  alias: { 'web-tree-sitter': require.resolve('web-tree-sitter') },
  plugins: [reporter],
};

const benchEntries = (() => {
  try {
    return readdirSync('bench')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join('bench', f));
  } catch {
    return [];
  }
})();

const builds = {
  extension: { ...nodeCommon, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  cli: {
    ...nodeCommon,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
  webview: {
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    sourcemap: !production,
    sourcesContent: false,
    minify: production,
    logLevel: quiet ? 'error' : 'warning',
    entryPoints: ['media/panel.ts', 'media/panel.css'],
    outdir: 'dist/webview',
    plugins: [zodEnglishOnly, reporter],
  },
  bench: benchEntries.length ? { ...nodeCommon, entryPoints: benchEntries, outdir: 'dist/bench' } : null,
};

// A release build starts from an empty dist/ so no stale source map or bundle ships.
if (production && !only) rmSync('dist', { recursive: true, force: true });

const selected = Object.entries(builds).filter(([name, opts]) => opts && (!only || only.split(',').includes(name)));
const contexts = await Promise.all(selected.map(([, opts]) => esbuild.context(opts)));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  if (!quiet) console.log('[watch] build started');
} else {
  try {
    const results = await Promise.all(contexts.map((c) => c.rebuild().catch((e) => e)));
    const failed = results.some((r) => r instanceof Error || r.errors?.length);
    await Promise.all(contexts.map((c) => c.dispose()));
    if (failed) process.exit(1);
  } catch (e) {
    console.error(e);
    process.exit(1);
  }
}
