// ESLint (flat config): typescript-eslint's recommended rules, no import cycles, and the engine's boundary —
// src/analysis/ runs in the extension host, the CLI, the MCP server and the webview, so it imports neither
// `vscode` nor Node's modules (the callers hand it file access through AnalysisDeps / ModelSources).
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

const NODE_MODULES = ['fs', 'path', 'os', 'child_process', 'crypto', 'url', 'http', 'https', 'net', 'worker_threads', 'util', 'stream', 'readline', 'process'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'bench/extraction/files/**', 'test/fixtures/**', '**/*.js', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['./tsconfig.json', './tsconfig.test.json'], noWarnOnMultipleProjects: true })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // TypeScript checks names itself (typescript-eslint's advice: no-undef misreads types and DOM/Node globals)
      'no-undef': 'off',
    },
  },
  {
    files: ['src/analysis/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'src/analysis/ never imports vscode: wire it in src/ (DEVELOPERS.md).' },
            ...NODE_MODULES.map((name) => ({ name, message: 'src/analysis/ is pure: do file and network access in src/ and hand it in.' })),
          ],
          patterns: [{ group: ['node:*'], message: 'src/analysis/ is pure: do file and network access in src/ and hand it in.' }],
        },
      ],
    },
  },
);
