// For machines with a desktop VS Code download and a display (or `xvfb-run -a`):
//   npm run compile-tests && npx vscode-test
// runs the same integration suite as scripts/run-integration.mjs (the offline code-server harness
// used by `npm test` and CI). @vscode/test-cli 0.0.12 is the last release that runs on Node 20.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out/test/integration/**/*.test.js',
  workspaceFolder: './test/fixtures/workspace',
  mocha: { ui: 'bdd', timeout: 30000 },
});
