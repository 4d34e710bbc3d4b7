// The hub step of the model resolution chain in the editor. When nothing local resolves a model id (or only an
// assumption from its name does), and the workspace is trusted, VRAM Lens asks once whether it may fetch the
// public config.json of such models from the Hugging Face hub: Allow / Not now / Never, remembered in
// vramLens.hub.fetchConfigs (Not now: not asked again this session). Fetched configs are cached on disk in the
// extension's storage, so they keep resolving offline. HF_HUB_OFFLINE, HF_ENDPOINT (or vramLens.hub.endpoint)
// and HF_TOKEN / the token file are honoured; the token is never logged.
import * as vscode from 'vscode';
import { FoundConfig, hubIdWanted, isHubId } from './analysis/models/resolve';
import { Report } from './analysis/report';
import { DocumentAnalyzer } from './diagnostics/analyzer';
import { fetchHubConfig, hubEndpoint, hubOffline, readHubCache } from './models/hub';
import { HubPolicy, readHubPolicy, SECTION } from './settings';

export type ConsentAnswer = 'Allow' | 'Not now' | 'Never' | undefined;

/** The one-time question (a notification); replaceable for tests. */
export type AskConsent = (id: string, endpoint: string) => Thenable<ConsentAnswer>;

const askWithNotification: AskConsent = (id, endpoint) =>
  vscode.window.showInformationMessage<'Allow' | 'Not now' | 'Never'>(
    `VRAM Lens: "${id}" is not in the bundled tables or your Hugging Face cache. Fetch the config.json of such public models from ${endpoint}? Only the model id is sent (and your HF_TOKEN, for gated models, to huggingface.co or your HF_ENDPOINT only); the answer is kept in the vramLens.hub.fetchConfigs setting.`,
    'Allow',
    'Not now',
    'Never',
  );

/** The model id a report would like the hub to resolve: unresolved or only assumed, and shaped like a repo id. */
export function hubCandidate(report: Report | undefined): string | undefined {
  return report?.model ? hubIdWanted(report.model.step, report.model.ref) : undefined;
}

export class HubModels {
  private readonly fetched = new Map<string, FoundConfig>();
  private readonly tried = new Set<string>();
  private notNow = false;
  private asking: Thenable<ConsentAnswer> | undefined;
  ask: AskConsent = askWithNotification;

  constructor(
    private readonly cacheDir: string,
    private readonly log: vscode.OutputChannel,
  ) {}

  policy(scope?: vscode.Uri): HubPolicy {
    return readHubPolicy(scope);
  }

  /** The chain's hub step: configs fetched this session, else the disk cache (not when the user said Never). */
  readonly lookup = (id: string): FoundConfig | undefined => this.fetched.get(id) ?? (this.policy() !== 'never' ? readHubCache(this.cacheDir, id) : undefined);

  /** Asks (once) or follows the setting, then fetches `id`; resolves true when a new config became available. */
  async consider(id: string, scope?: vscode.Uri): Promise<boolean> {
    if (this.fetched.has(id) || this.tried.has(id) || !isHubId(id) || !vscode.workspace.isTrusted) return false;
    if (hubOffline()) return false;
    let policy = this.policy(scope);
    if (policy === 'never') return false;
    if (policy === 'ask') {
      if (this.notNow) return false;
      const endpoint = this.endpoint(scope);
      this.asking ??= this.ask(id, endpoint);
      const answer = await this.asking;
      this.asking = undefined;
      if (answer === 'Allow' || answer === 'Never') {
        await vscode.workspace.getConfiguration(SECTION).update('hub.fetchConfigs', answer === 'Allow' ? 'allow' : 'never', vscode.ConfigurationTarget.Global);
        policy = answer === 'Allow' ? 'allow' : 'never';
      } else this.notNow = true;
      if (policy !== 'allow') return false;
    }
    this.tried.add(id);
    const r = await fetchHubConfig(id, { endpoint: this.endpoint(scope), cacheDir: this.cacheDir, timeoutMs: 5000 });
    if (r.spec === null) {
      this.log.appendLine(`Hub look-up of ${id}: ${r.reason}`);
      return false;
    }
    this.fetched.set(id, { config: r.config, path: r.path });
    this.log.appendLine(`Hub look-up of ${id}: config.json ${r.fromCache ? 'from the cache' : 'fetched'} (${r.path}).`);
    return true;
  }

  private endpoint(scope?: vscode.Uri): string {
    return hubEndpoint(vscode.workspace.getConfiguration(SECTION, scope).get<string>('hub.endpoint', '') || undefined);
  }

  /** Settings or trust changed: ids that failed may succeed now, and the question may be asked again. */
  reset(): void {
    this.tried.clear();
    this.notNow = false;
  }
}

/** How long a model id being typed must stay the same before the hub is asked about it. */
const SETTLE_MS = 1500;

export function registerHubLookup(hub: HubModels, analyzer: DocumentAnalyzer): vscode.Disposable[] {
  const waiting = new Map<string, ReturnType<typeof setTimeout>>();
  const lookUp = async (uri: vscode.Uri, report: Report | undefined) => {
    const id = hubCandidate(report);
    if (id && (await hub.consider(id, uri))) analyzer.refreshAll();
  };
  return [
    // not while the id is being typed (each prefix would be asked about, or fetched): a saved document at once, an
    // edited one once its model id has stayed the same for a moment
    analyzer.onDidAnalyze(({ uri, report }) => {
      const key = uri.toString();
      clearTimeout(waiting.get(key));
      waiting.delete(key);
      if (!hubCandidate(report)) return;
      if (!vscode.workspace.textDocuments.find((d) => d.uri.toString() === key)?.isDirty) return void lookUp(uri, report);
      waiting.set(
        key,
        setTimeout(() => {
          waiting.delete(key);
          const now = analyzer.get(uri);
          if (hubCandidate(now) === hubCandidate(report)) void lookUp(uri, now);
        }, SETTLE_MS),
      );
    }),
    { dispose: () => waiting.forEach((t) => clearTimeout(t)) },
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(`${SECTION}.hub`) && hub.reset()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      hub.reset();
      analyzer.refreshAll();
    }),
  ];
}
