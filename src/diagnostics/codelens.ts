// CodeLens over the model load (or the trainer call): the estimate per GPU and the verdict; a click
// opens the breakdown panel.
import * as vscode from 'vscode';
import { summaryLine } from '../analysis/report';
import { DocumentAnalyzer } from './analyzer';
import { TRAINING_FILES } from './diagnostics';

export class EstimateCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly analyzer: DocumentAnalyzer) {
    this.sub = analyzer.onDidAnalyze(() => this.changed.fire());
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const report = this.analyzer.get(doc.uri) ?? (await this.analyzer.analyze(doc));
    if (!report?.isTraining || !report.anchor || (!report.estimate && !report.model)) return [];
    const line = report.anchor.line;
    const range = new vscode.Range(line, 0, line, 0);
    const lenses = [
      new vscode.CodeLens(range, { title: summaryLine(report), command: 'vramLens.showBreakdown', arguments: [doc.uri], tooltip: 'Show the memory breakdown' }),
    ];
    if (report.estimate) lenses.push(new vscode.CodeLens(range, { title: 'breakdown', command: 'vramLens.showBreakdown', arguments: [doc.uri] }));
    return lenses;
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}

export function registerCodeLens(analyzer: DocumentAnalyzer): vscode.Disposable[] {
  const provider = new EstimateCodeLensProvider(analyzer);
  return [provider, vscode.languages.registerCodeLensProvider(TRAINING_FILES, provider)];
}
