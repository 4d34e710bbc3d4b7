// Wiring only: build the services, register each feature, hand every disposable to VS Code.
import './jitless';
import * as vscode from 'vscode';
import { AnalysisDeps } from './analysis/report';
import { registerCommands } from './commands';
import { registerModelCommands } from './modelCommands';
import { DocumentAnalyzer, registerDocumentEvents } from './diagnostics/analyzer';
import { HubModels, registerHubLookup } from './hubLookup';
import { registerLanguageModelTool } from './lmTool';
import { registerCodeActions } from './diagnostics/codeActions';
import { registerCodeLens } from './diagnostics/codelens';
import { registerDiagnostics } from './diagnostics/diagnostics';
import { registerHover } from './diagnostics/hover';
import { registerMeasured } from './diagnostics/measured';
import { registerMeasureCommand } from './diagnostics/measureCommand';
import { registerStatusBar } from './diagnostics/statusBar';
import { nodeAnalysisDeps } from './node-deps';
import { readModelAliases, SECTION } from './settings';
import { registerPanel } from './webview/panel';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('VRAM Lens');
  // The WASM parser loads once, on the first document that needs it (not at activation).
  const hub = new HubModels(vscode.Uri.joinPath(context.globalStorageUri, 'hub-configs').fsPath, log);
  let deps: Promise<AnalysisDeps> | undefined;
  const getDeps = () =>
    (deps ??= nodeAnalysisDeps(vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath).then((d) => ({
      ...d,
      // the chain's hub step and vramLens.modelAliases (read at each analysis)
      models: {
        ...d.models,
        hub: hub.lookup,
        get aliases() {
          return readModelAliases();
        },
      },
    })));
  const analyzer = new DocumentAnalyzer(getDeps, log);
  const measured = registerMeasured(analyzer);
  context.subscriptions.push(
    log,
    analyzer,
    ...registerDiagnostics(analyzer, context.extensionUri),
    ...registerCodeLens(analyzer),
    ...registerCodeActions(analyzer),
    ...registerHover(analyzer),
    ...registerStatusBar(analyzer),
    ...registerCommands(analyzer),
    ...registerModelCommands(analyzer),
    ...measured.disposables,
    ...registerMeasureCommand({ extensionUri: context.extensionUri, analyzer, getDeps, log, onRecorded: measured.refresh }),
    ...registerPanel(context.extensionUri, analyzer),
    ...registerHubLookup(hub, analyzer),
    ...registerLanguageModelTool(getDeps),
    ...registerDocumentEvents(analyzer),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(SECTION) && analyzer.refreshAll()),
  );
}

export function deactivate(): void {}
