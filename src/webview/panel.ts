// The breakdown panel: one per window, follows the active training file, restored after a restart.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { DocumentAnalyzer } from '../diagnostics/analyzer';
import { panelDataOf } from './data';
import { renderHtml } from './html';
import { HostMessage, PageMessageSchema } from './protocol';

export const VIEW_TYPE = 'vramLens.breakdown';

export class BreakdownPanel implements vscode.Disposable {
  private static current: BreakdownPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private uri: vscode.Uri | undefined;

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
    const file = typeof state === 'object' && state && typeof (state as { uri?: unknown }).uri === 'string' ? vscode.Uri.parse((state as { uri: string }).uri) : undefined;
    BreakdownPanel.current?.dispose();
    BreakdownPanel.current = new BreakdownPanel(panel, extensionUri, analyzer, file ?? vscode.window.activeTextEditor?.document.uri);
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
      analyzer.onDidAnalyze(({ uri: changed }) => {
        if (this.uri && changed.toString() === this.uri.toString()) this.post();
      }),
      vscode.window.onDidChangeActiveTextEditor((ed) => {
        if (ed && ed.document.languageId === 'python') this.follow(ed.document.uri);
      }),
    );
  }

  private follow(uri: vscode.Uri | undefined) {
    if (!uri) return;
    this.uri = uri;
    this.post();
  }

  private async post() {
    if (!this.uri) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === this.uri!.toString());
    const report = this.analyzer.get(this.uri) ?? (doc ? await this.analyzer.analyze(doc) : undefined);
    if (!report) return;
    this.panel.title = `VRAM Lens: ${this.uri.path.split('/').pop()}`;
    const msg: HostMessage = { type: 'report', data: panelDataOf(report) };
    void this.panel.webview.postMessage({ ...msg, uri: this.uri.toString() });
  }

  private async onMessage(raw: unknown) {
    const parsed = PageMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const m = parsed.data;
    if (m.type === 'ready') await this.post();
    else if (m.type === 'revealLine' && this.uri) {
      const editor = await vscode.window.showTextDocument(this.uri, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
      const pos = new vscode.Position(m.line, 0);
      editor.selection = new vscode.Selection(pos, pos);
      editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
    }
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
  ];
}
