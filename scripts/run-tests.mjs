#!/usr/bin/env node
// `npm test` (after `pretest` has built dist/ and compiled out/test/): runs every test suite, shows
// each one's own output live, and ends with a summary whose last line is exactly `N passed, N failed`.
//
//   lint         eslint . and prettier --check . (two checks: each passes or fails as a whole)
//   unit         mocha --config .mocharc.json       (out/test/unit/**/*.test.js, plain Node)
//   webview      mocha over out/test/webview/**/*.test.js, when that folder has tests
//   integration  node scripts/run-integration.mjs   (real VS Code via code-server; skipped with
//                VRAM_LENS_SKIP_INTEGRATION=1)
//
// Exit status 1 when any test failed or any suite crashed (a crash without counts adds 1 failure).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const MOCHA_BIN = path.join(path.dirname(require.resolve('mocha/package.json')), 'bin/mocha.js');
const color = process.stdout.isTTY ? '--color' : '--no-color';
// eslint-disable-next-line no-control-regex
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

let current; // the running child, for signal forwarding
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`[run-tests] ${sig}: stopping the running suite`);
    if (current && current.exitCode === null) current.kill(sig);
    else process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

/** Runs a command, mirroring its output, and resolves with its exit code and the whole output. */
function runLive(cmd, args, env = {}) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    child.stdout.on('data', (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      output += d;
      process.stderr.write(d);
    });
    child.on('error', (e) => {
      output += `\n${e.message}`;
      console.error(`[run-tests] could not start ${cmd}: ${e.message}`);
    });
    child.on('close', (code, signal) => {
      current = undefined;
      resolve({ code: code ?? (signal ? 128 : 1), signal, output });
    });
  });
}

/** Counts from mocha's spec reporter epilogue ("  5 passing (3s)", "  1 failing", "  2 pending"). */
function parseMochaSummary(output) {
  const counts = {};
  for (const line of stripAnsi(output).split('\n')) {
    const m = /^\s*(\d+) (passing|failing|pending)\b/.exec(line);
    if (m) counts[m[2]] = Number(m[1]); // the last epilogue wins
  }
  if (counts.passing === undefined && counts.failing === undefined) return undefined;
  return { passed: counts.passing ?? 0, failed: counts.failing ?? 0, pending: counts.pending ?? 0 };
}

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.test.js'));
}

async function mochaSuite(name, args) {
  const t = Date.now();
  const { code, output } = await runLive(process.execPath, [MOCHA_BIN, ...args, '--reporter', 'spec', color]);
  const counts = parseMochaSummary(output);
  const result = { name, seconds: (Date.now() - t) / 1000, exitCode: code, ...(counts ?? { passed: 0, failed: 0, pending: 0 }) };
  if (!counts) result.note = `crashed (exit ${code}) before mocha reported counts`;
  // mocha exits with the number of failures; anything else non-zero without failures is a crash.
  if (code !== 0 && result.failed === 0) {
    result.failed = 1;
    result.note ??= `exit ${code} without a failing test`;
  }
  return result;
}

async function integrationSuite() {
  const t = Date.now();
  const { code, output } = await runLive(process.execPath, [path.join(ROOT, 'scripts/run-integration.mjs')]);
  const line = stripAnsi(output)
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('INTEGRATION_RESULT '));
  let counts;
  try {
    counts = line && JSON.parse(line.slice('INTEGRATION_RESULT '.length));
  } catch {
    counts = undefined;
  }
  const result = {
    name: 'integration',
    seconds: (Date.now() - t) / 1000,
    exitCode: code,
    passed: counts?.passed ?? 0,
    failed: counts?.failed ?? 0,
    pending: counts?.pending ?? 0,
  };
  if (!counts) result.note = `crashed (exit ${code}) without INTEGRATION_RESULT`;
  if (code !== 0 && result.failed === 0) {
    result.failed = 1;
    result.note ??= `exit ${code} without a failing test`;
  }
  return result;
}

/** eslint (typescript-eslint, import cycles, the engine's import boundary) and prettier: one check each. */
async function lintSuite() {
  const t = Date.now();
  const bin = (pkg, file) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
  let passed = 0;
  let failed = 0;
  const failures = [];
  for (const [name, args] of [
    ['eslint', [bin('eslint', 'bin/eslint.js'), '.', '--max-warnings', '0']],
    ['prettier', [bin('prettier', 'bin/prettier.cjs'), '--check', '.', '--log-level', 'warn']],
  ]) {
    const { code } = await runLive(process.execPath, args);
    if (code === 0) {
      passed++;
      console.log(`[run-tests] ${name}: clean`);
    } else {
      failed++;
      failures.push(name);
    }
  }
  const result = { name: 'lint', seconds: (Date.now() - t) / 1000, passed, failed, pending: 0 };
  if (failures.length) result.note = `${failures.join(', ')} reported problems (npm run lint:fix fixes the format)`;
  return result;
}

const results = [];
const banner = (s) => console.log(`\n======== ${s} ========`);

banner('lint and format');
results.push(await lintSuite());

// (a) unit tests: plain Node, no VS Code.
banner('unit tests');
if (findTests(path.join(ROOT, 'out/test/unit')).length === 0) {
  console.error('[run-tests] no out/test/unit/**/*.test.js: run `npm run pretest` (build + tsc -p tsconfig.test.json)');
  results.push({ name: 'unit', passed: 0, failed: 1, pending: 0, seconds: 0, note: 'no compiled unit tests' });
} else {
  results.push(await mochaSuite('unit', ['--config', '.mocharc.json']));
}

// (b) webview tests (headless chromium), once there are any.
const webviewDir = path.join(ROOT, 'out/test/webview');
if (findTests(webviewDir).length > 0) {
  banner('webview tests');
  results.push(await mochaSuite('webview', ['--no-config', '--timeout', '30000', 'out/test/webview/**/*.test.js']));
} else {
  results.push({ name: 'webview', skipped: 'no out/test/webview/**/*.test.js' });
}

// (c) integration tests in the real VS Code extension host.
if (process.env.VRAM_LENS_SKIP_INTEGRATION === '1') {
  results.push({ name: 'integration', skipped: 'VRAM_LENS_SKIP_INTEGRATION=1' });
} else {
  banner('integration tests (code-server + chromium)');
  results.push(await integrationSuite());
}

let passed = 0;
let failed = 0;
console.log('\n======== summary ========');
for (const r of results) {
  if (r.skipped) {
    console.log(`${r.name.padEnd(12)} skipped (${r.skipped})`);
    continue;
  }
  passed += r.passed;
  failed += r.failed;
  const pending = r.pending ? `, ${r.pending} pending` : '';
  const note = r.note ? `  [${r.note}]` : '';
  console.log(`${r.name.padEnd(12)} ${r.passed} passed, ${r.failed} failed${pending} (${r.seconds.toFixed(1)} s)${note}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
