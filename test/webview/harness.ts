// Serves the breakdown page as VS Code would (renderHtml with a fresh nonce, cspSource = this origin,
// the bundles from dist/webview) on 127.0.0.1, and opens it in headless Chromium with a stub
// acquireVsCodeApi that records postMessage / setState (the webview API: code.visualstudio.com/api/extension-guides/webview, "Persistence" and "Scripts and message passing").
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Browser, chromium, Page } from 'playwright-core';
import { renderHtml } from '../../src/webview/html';
import { Theme } from './themes';

/** out/test/webview -> the repository root */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const resultsDir = path.join(repoRoot, 'test-results', 'webview');
const assetsDir = path.join(repoRoot, 'dist', 'webview');

export interface Server {
  origin: string;
  close(): Promise<void>;
}

export async function startServer(): Promise<Server> {
  for (const f of ['panel.js', 'panel.css']) {
    if (!fs.existsSync(path.join(assetsDir, f))) throw new Error(`dist/webview/${f} is missing: run node esbuild.mjs first`);
  }
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(renderHtml({ cspSource: origin, nonce: randomBytes(16).toString('base64'), scriptUri: `${origin}/panel.js`, styleUri: `${origin}/panel.css` }));
      return;
    }
    const name = url.pathname.slice(1);
    if (name === 'panel.js' || name === 'panel.css') {
      res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/css' });
      res.end(fs.readFileSync(path.join(assetsDir, name)));
      return;
    }
    // the browser asks for /favicon.ico by itself; a webview never does
    res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
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
}

export interface PanelPage {
  page: Page;
  /** messages the page posted to the host, in order */
  sent(): Promise<{ type: string; [k: string]: unknown }[]>;
  /** the page's last setState */
  state(): Promise<unknown>;
  /** posts a message to the page as the host does */
  post(message: unknown): Promise<void>;
  /** CSP violations reported by the page (securitypolicyviolation events and console errors) */
  csp: string[];
  /** console errors and uncaught exceptions */
  errors: string[];
  close(): Promise<void>;
}

export async function openPanel(browser: Browser, server: Server, theme: Theme, opts: { state?: unknown; width?: number } = {}): Promise<PanelPage> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1100, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const csp: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    errors.push(m.text());
    if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.exposeFunction('__cspViolation', (d: string) => csp.push(d));
  await page.addInitScript(
    ({ state, vars, bodyClass }) => {
      const w = window as unknown as Record<string, unknown>;
      w.__sent = [];
      w.__state = state;
      w.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => (w.__sent as unknown[]).push(JSON.parse(JSON.stringify(m))),
        getState: () => w.__state,
        setState: (s: unknown) => {
          w.__state = JSON.parse(JSON.stringify(s));
        },
      });
      document.addEventListener('securitypolicyviolation', (e) => (w.__cspViolation as (d: string) => void)(`${e.violatedDirective}: ${e.blockedURI}`));
      // VS Code sets the theme variables on <html> and the theme kind as a class on <body>; during init
      // scripts neither exists yet.
      const apply = () => {
        const root = document.documentElement;
        if (root) for (const [k, v] of Object.entries(vars)) root.style.setProperty(k, v);
        if (document.body) document.body.classList.add(bodyClass);
        return !!root && !!document.body;
      };
      if (!apply()) {
        const obs = new MutationObserver(() => {
          if (apply()) obs.disconnect();
        });
        obs.observe(document, { childList: true, subtree: true });
      }
    },
    { state: opts.state, vars: theme.vars, bodyClass: theme.bodyClass },
  );
  await page.goto(server.origin + '/');
  await page.waitForFunction(() => ((window as unknown as { __sent: { type: string }[] }).__sent ?? []).some((m) => m.type === 'ready'));
  return {
    page,
    sent: () => page.evaluate(() => (window as unknown as { __sent: { type: string }[] }).__sent),
    state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
    // resolves once the page has handled it: message events are tasks, so a timer set after posting runs after it
    post: (message) =>
      page.evaluate(
        (m) =>
          new Promise<void>((resolve) => {
            window.postMessage(m, '*');
            setTimeout(resolve, 0);
          }),
        message,
      ),
    csp,
    errors,
    close: () => context.close(),
  };
}

export function screenshotPath(name: string): string {
  fs.mkdirSync(resultsDir, { recursive: true });
  return path.join(resultsDir, `${name}.png`);
}
