// What the .vsix ships (vsce's own file list, the same rules `npm run package` applies): the bundles and
// the .wasm files the extension loads at run time, and nothing of the sources, tests or source maps.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './helpers';

describe('.vsix contents', function () {
  this.timeout(60000);
  it('ships the extension bundle, the web-tree-sitter runtime and the Python grammar, and no sources or maps', () => {
    const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
    const files = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: repoRoot, encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    for (const f of [
      'dist/extension.js',
      'dist/web-tree-sitter.wasm',
      'dist/grammars/tree-sitter-python.wasm',
      'dist/webview/panel.js',
      'dist/webview/panel.css',
      'package.json',
      'README.md',
      'LICENSE',
    ]) {
      assert.ok(files.includes(f), `${f} is packaged`);
    }
    assert.deepEqual(
      files.filter((f) => /^(src|test|media|bench|node_modules)\/|\.map$|\.ts$|\.vsix$/.test(f)),
      [],
    );
  });
});
