// The breakdown panel: one per window, follows the active training file, restored after a restart.
// The host sends the page what the engine needs; the page recomputes what-ifs itself and asks the host
// only to reveal a line, apply changes to the file, or write the clipboard.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { planApply } from '../analysis/remedies/apply';
import { DocumentAnalyzer, isAnalyzable } from '../diagnostics/analyzer';
import { readSettings, SECTION } from '../settings';
import { measurementOf } from '../diagnostics/measured';
import { measuredViewOf, panelDataOf } from './data';
import { renderHtml } from './html';
import { HostMessage, HostMessageSchema, PageMessage, PageMessageSchema } from './protocol';

export const VIEW_TYPE = 'vramLens.breakdown';

/** What the last exchange with the page was (for the integration test's round trip; no UI). */
export interface PanelExchange {
  open: boolean;
  title: string | null;
  uri: string | null;
  reportsPosted: number;
  lastPosted: { type: string; uri: string | null; requiredBytes: number | null; measured?: string | null } | null;
  received: Record<string, number>;
  lastRendered: Extract<PageMessage, { type: 'rendered' }> | null;
}

export class BreakdownPanel implements vscode.Disposable {
  private static current: BreakdownPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private uri: vscode.Uri | undefined;
  private readonly exchange: PanelExchange = { open: true, title: null, uri: null, reportsPosted: 0, lastPosted: null, received: {}, lastRendered: null };

  static show(extensionUri: vscode.Uri, analyzer: DocumentAnalyzer, uri: vscode.Uri | undefined): BreakdownPanel {
    if (BreakdownPanel.current) {
      BreakdownPanel.current.panel.reveal(vscode.ViewColumn.Beside, true);
      BreakdownPanel.current.follow(uri);
      return BreakdownPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'VRAM Lens: Memory', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {});
    BreakdownPanel.current = new BreakdownPanel(panel, extensionUri, analyzer, uri);
    return BreakdownPanel.current;
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, analyzer: DocumentAnalyzer, state: unknown): void {
    const file =
      typeof state === 'object' && state && typeof (state as { uri?: unknown }).uri === 'string' ? vscode.Uri.parse((state as { uri: string }).uri) : undefined;
    BreakdownPanel.current?.dispose();
    BreakdownPanel.current = new BreakdownPanel(panel, extensionUri, analyzer, file ?? vscode.window.activeTextEditor?.document.uri);
  }

  static state(): PanelExchange {
    return BreakdownPanel.current
      ? { ...BreakdownPanel.current.exchange, title: BreakdownPanel.current.panel.title }
      : { open: false, title: null, uri: null, reportsPosted: 0, lastPosted: null, received: {}, lastRendered: null };
  }

  /** Handles a message as if the page had sent it (test hook for the integration suite). */
  static async receive(raw: unknown): Promise<HostMessage | undefined> {
    return BreakdownPanel.current?.onMessage(raw);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly analyzer: DocumentAnalyzer,
    uri: vscode.Uri | undefined,
  ) {
    const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [root] };
    panel.webview.html = renderHtml({
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'panel.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'panel.css')).toString(),
    });
    this.uri = uri;
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m) => this.onMessage(m)),
      analyzer.onDidAnalyze(({ uri: changed, report }) => {
        if (report && this.uri && changed.toString() === this.uri.toString()) void this.post();
      }),
      vscode.window.onDidChangeActiveTextEditor((ed) => {
        if (ed && isAnalyzable(ed.document) && ed.document.uri.toString() !== this.uri?.toString()) this.follow(ed.document.uri);
      }),
    );
  }

  private follow(uri: vscode.Uri | undefined) {
    if (!uri) return;
    this.uri = uri;
    void this.post();
  }

  private async document(uri: vscode.Uri): Promise<vscode.TextDocument | undefined> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open;
    try {
      return await vscode.workspace.openTextDocument(uri);
    } catch {
      return undefined;
    }
  }

  private async post() {
    const uri = this.uri;
    if (!uri) return;
    const doc = await this.document(uri);
    const report = this.analyzer.get(uri) ?? (doc ? await this.analyzer.analyze(doc) : undefined);
    if (!report || uri !== this.uri) return;
    this.panel.title = `VRAM Lens: ${uri.path.split('/').pop()}`;
    const settings = readSettings(uri);
    const m = measurementOf(uri, report);
    const msg: HostMessage = {
      type: 'report',
      data: panelDataOf(report, uri.toString(), settings.customGpus, settings, m ? measuredViewOf(m, new Date()) : null),
    };
    // Validated on the way out too: a report the page would reject is a bug here, not in the page.
    const checked = HostMessageSchema.safeParse(msg);
    if (!checked.success) {
      void vscode.window.showErrorMessage(
        `VRAM Lens: the breakdown for ${uri.path.split('/').pop()} could not be sent to the panel (${checked.error.issues[0]?.message}).`,
      );
      return;
    }
    await this.panel.webview.postMessage(msg);
    this.exchange.reportsPosted++;
    this.exchange.uri = uri.toString();
    this.exchange.lastPosted = {
      type: 'report',
      uri: uri.toString(),
      requiredBytes: msg.data.target.requiredBytes,
      measured: msg.data.measured?.title ?? null,
    };
  }

  private async onMessage(raw: unknown): Promise<HostMessage | undefined> {
    const parsed = PageMessageSchema.safeParse(raw);
    if (!parsed.success) return undefined;
    const m = parsed.data;
    this.exchange.received[m.type] = (this.exchange.received[m.type] ?? 0) + 1;
    switch (m.type) {
      case 'ready':
        await this.post();
        return undefined;
      case 'rendered':
        this.exchange.lastRendered = m;
        return undefined;
      case 'revealLine':
        await this.reveal(m.line);
        return undefined;
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        vscode.window.setStatusBarMessage(`VRAM Lens: ${m.format === 'markdown' ? 'Markdown' : 'JSON'} copied to the clipboard`, 3000);
        return undefined;
      case 'applyToFile': {
        const result = await this.apply(m.uri, m.changes);
        await this.panel.webview.postMessage(result);
        return result;
      }
    }
  }

  private async reveal(line: number) {
    if (!this.uri) return;
    const column = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.uri!.toString())?.viewColumn ?? vscode.ViewColumn.One;
    const editor = await vscode.window.showTextDocument(this.uri, { viewColumn: column, preserveFocus: false });
    const pos = new vscode.Position(Math.min(line, editor.document.lineCount - 1), 0);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
  }

  private async apply(uriText: string, changes: Extract<PageMessage, { type: 'applyToFile' }>['changes']): Promise<HostMessage> {
    const fail = (error: string): HostMessage => ({ type: 'applied', applied: [], notApplied: [], error });
    const uri = vscode.Uri.parse(uriText);
    const doc = await this.document(uri);
    if (!doc) return fail('The file is not available any more.');
    const report = this.analyzer.getFresh(doc) ?? (await this.analyzer.analyze(doc));
    if (!report || doc.isClosed) return fail('The file changed while applying; try again.');
    const cell = uri.scheme === 'vscode-notebook-cell' ? 'in a notebook, change the value in its cell by hand' : undefined;
    const plan = planApply(report, doc.getText(), changes, cell);
    if (plan.edits.length) {
      const edit = new vscode.WorkspaceEdit();
      for (const e of plan.edits) edit.replace(uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.newText);
      if (!(await vscode.workspace.applyEdit(edit))) return fail('VS Code refused the edit (is the file read-only?).');
    }
    if (plan.settings.length) {
      const cfg = vscode.workspace.getConfiguration(SECTION, uri);
      const target = vscode.workspace.getWorkspaceFolder(uri) ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      for (const s of plan.settings) await cfg.update(s.key, s.value, target);
    }
    return { type: 'applied', applied: plan.applied, notApplied: plan.notApplied, error: null };
  }

  dispose(): void {
    if (BreakdownPanel.current === this) BreakdownPanel.current = undefined;
    while (this.disposables.length) this.disposables.pop()?.dispose();
    this.panel.dispose();
  }
}

export function registerPanel(extensionUri: vscode.Uri, analyzer: DocumentAnalyzer): vscode.Disposable[] {
  return [
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel, state) {
        BreakdownPanel.revive(panel, extensionUri, analyzer, state);
      },
    }),
    vscode.commands.registerCommand('vramLens.showBreakdown', (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target) {
        void vscode.window.showInformationMessage('VRAM Lens: open a training script first.');
        return undefined;
      }
      return BreakdownPanel.show(extensionUri, analyzer, target).panel.title;
    }),
    // Internal (not in package.json, so not in the palette): the integration suite observes the page
    // round trip and drives "Apply to file" through the same handler as the page.
    vscode.commands.registerCommand('vramLens._panelState', () => BreakdownPanel.state()),
    vscode.commands.registerCommand('vramLens._panelReceive', (message: unknown) => BreakdownPanel.receive(message)),
  ];
}
