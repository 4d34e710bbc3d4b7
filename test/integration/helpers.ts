// Helpers for the integration tests that run inside the real VS Code extension host
// (scripts/run-integration.mjs via code-server, or `npx vscode-test` on a desktop).
// Public VS Code API only, so the same files run under both harnesses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/**
 * Polls `fn` every 100 ms until it returns a value other than undefined, null or false, and returns
 * that value. Exceptions count as "not yet" (the last one is quoted on timeout).
 */
export async function waitFor<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value as T;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The folder the tests run in: a fresh copy of test/fixtures/workspace. */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('No workspace folder is open; the harness must open test/fixtures/workspace');
  return folder.uri;
}

/** Opens `relPath` (relative to the workspace folder) in an editor and returns that editor. */
export async function openFixture(relPath: string): Promise<vscode.TextEditor> {
  const uri = vscode.Uri.joinPath(workspaceRoot(), ...relPath.split('/'));
  const document = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(document, { preview: false });
}

/**
 * Asks the harness for a screenshot of the whole workbench page, saved as `<dir>/<name>.png`
 * (dir = $VRAM_LENS_SCREENSHOT_DIR, set by scripts/run-integration.mjs when it starts code-server).
 * Writes `<requests>/<name>.req` (requests = $VRAM_LENS_SCREENSHOT_REQUESTS, by default
 * `<dir>/.requests`) and waits (10 s at most) for the png; the harness polls the requests folder
 * every 200 ms. A no-op where the harness is not present (e.g. desktop VS Code via test-cli).
 */
export async function screenshot(name: string, timeoutMs = 10000): Promise<void> {
  const dir = process.env.VRAM_LENS_SCREENSHOT_DIR;
  if (!dir) return;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`Bad screenshot name: ${JSON.stringify(name)}`);
  const png = path.join(dir, `${name}.png`);
  const requests = process.env.VRAM_LENS_SCREENSHOT_REQUESTS || path.join(dir, '.requests');
  fs.mkdirSync(requests, { recursive: true });
  fs.rmSync(png, { force: true });
  // Let the workbench paint whatever the test just did before the harness captures it.
  await sleep(300);
  fs.writeFileSync(path.join(requests, `${name}.req`), String(Date.now()));
  await waitFor(() => fs.existsSync(png), `screenshot ${name}.png from the harness`, timeoutMs);
}

/** A diagnostic's code string, whether it carries a README link ({ value, target }) or not. */
export function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code ?? '');
}
