// Runs the analysis for open documents: debounced per document, off the typing path, stale results
// dropped by document version. Every editor feature reads its Report from here.
import * as vscode from 'vscode';
import { AnalysisDeps, analyzeText, Report, skippedReport } from '../analysis/report';
import { readSettings } from '../settings';

export const DEBOUNCE_MS = 250;
const MAX_CHARS = 1_000_000;

export function isAnalyzable(doc: vscode.TextDocument): boolean {
  return (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled' || doc.uri.scheme === 'vscode-remote') && doc.languageId === 'python';
}

export class DocumentAnalyzer implements vscode.Disposable {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly reports = new Map<string, { version: number; report: Report }>();
  private readonly emitter = new vscode.EventEmitter<{ uri: vscode.Uri; report: Report | undefined }>();
  readonly onDidAnalyze = this.emitter.event;

  constructor(
    private readonly deps: () => Promise<AnalysisDeps>,
    private readonly log: vscode.OutputChannel,
  ) {}

  get(uri: vscode.Uri): Report | undefined {
    return this.reports.get(uri.toString())?.report;
  }

  /** The report only when it was made from the document's current text (edits use its offsets). */
  getFresh(doc: vscode.TextDocument): Report | undefined {
    const entry = this.reports.get(doc.uri.toString());
    return entry && entry.version === doc.version ? entry.report : undefined;
  }

  schedule(doc: vscode.TextDocument, delayMs = DEBOUNCE_MS): void {
    if (!isAnalyzable(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.analyze(doc);
      }, delayMs),
    );
  }

  async analyze(doc: vscode.TextDocument): Promise<Report | undefined> {
    if (!isAnalyzable(doc) || doc.isClosed) return undefined;
    const key = doc.uri.toString();
    const version = doc.version;
    const text = doc.getText();
    if (text.length > MAX_CHARS) {
      const message = `VRAM Lens skipped this file: ${text.length.toLocaleString('en-US')} characters is over its ${MAX_CHARS.toLocaleString('en-US')}-character limit.`;
      const report = skippedReport(doc.uri.fsPath, readSettings(doc.uri), message);
      this.reports.set(key, { version, report });
      this.emitter.fire({ uri: doc.uri, report });
      return report;
    }
    let report: Report;
    try {
      const deps = await this.deps();
      report = analyzeText(text, doc.uri.scheme === 'untitled' ? 'untitled.py' : doc.uri.fsPath, readSettings(doc.uri, (m) => this.log.appendLine(m)), deps, doc.languageId);
    } catch (e) {
      this.log.appendLine(`Analysis of ${doc.uri.fsPath} failed: ${(e as Error).stack ?? e}`);
      return undefined;
    }
    if (doc.isClosed || doc.version !== version) return undefined; // a newer edit is on its way
    this.reports.set(key, { version, report });
    this.emitter.fire({ uri: doc.uri, report });
    return report;
  }

  forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.reports.delete(key);
    this.emitter.fire({ uri, report: undefined });
  }

  /** Re-analyse every open document (settings changed). */
  refreshAll(): void {
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.emitter.dispose();
  }
}

/** Wires document events to the analyzer. */
export function registerDocumentEvents(analyzer: DocumentAnalyzer): vscode.Disposable[] {
  for (const doc of vscode.workspace.textDocuments) analyzer.schedule(doc, 0);
  return [
    vscode.workspace.onDidOpenTextDocument((d) => analyzer.schedule(d, 0)),
    vscode.workspace.onDidChangeTextDocument((e) => analyzer.schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((d) => analyzer.forget(d.uri)),
    vscode.window.onDidChangeActiveTextEditor((ed) => ed && !analyzer.get(ed.document.uri) && analyzer.schedule(ed.document, 0)),
  ];
}
