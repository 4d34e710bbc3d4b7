// Optional: fetch config.json from the Hugging Face hub for model ids the bundled catalog lacks.
// Off by default, never in untrusted workspaces, 5 s timeout, cached on disk in the extension's storage.
import * as vscode from 'vscode';
import { fetchHubConfig, isHubId } from './analysis/models/hub';
import { ModelSpec } from './analysis/models/spec';
import { DocumentAnalyzer } from './diagnostics/analyzer';
import { SECTION } from './settings';

export class HubModels {
  readonly models = new Map<string, ModelSpec>();
  private readonly tried = new Set<string>();
  constructor(
    private readonly cacheDir: string,
    private readonly log: vscode.OutputChannel,
  ) {}

  enabled(scope?: vscode.Uri): boolean {
    return vscode.workspace.isTrusted && vscode.workspace.getConfiguration(SECTION, scope).get<boolean>('hub.enabled', false) === true;
  }

  /** Fetches `id` once; resolves true when a new model became available. */
  async fetch(id: string, scope?: vscode.Uri): Promise<boolean> {
    if (this.models.has(id) || this.tried.has(id) || !isHubId(id) || !this.enabled(scope)) return false;
    this.tried.add(id);
    const endpoint = vscode.workspace.getConfiguration(SECTION, scope).get<string>('hub.endpoint', '') || undefined;
    const r = await fetchHubConfig(id, { endpoint, cacheDir: this.cacheDir, timeoutMs: 5000 });
    if (r.spec === null) {
      this.log.appendLine(`Hub look-up of ${id}: ${r.reason}`);
      return false;
    }
    this.models.set(id, r.spec);
    this.log.appendLine(`Hub look-up of ${id}: config.json ${r.fromCache ? 'from the cache' : 'fetched'}.`);
    return true;
  }

  /** Settings changed: ids that failed may succeed now. */
  reset(): void {
    this.tried.clear();
  }
}

export function registerHubLookup(hub: HubModels, analyzer: DocumentAnalyzer): vscode.Disposable[] {
  return [
    analyzer.onDidAnalyze(async ({ uri, report }) => {
      const ref = report?.model && !report.model.spec ? report.model.ref : undefined;
      if (!ref || !(await hub.fetch(ref, uri))) return;
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (doc) analyzer.schedule(doc, 0);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(`${SECTION}.hub`) && hub.reset()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      hub.reset();
      analyzer.refreshAll();
    }),
  ];
}
