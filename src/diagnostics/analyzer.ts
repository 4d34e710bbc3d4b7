// Runs the analysis for open documents: debounced per document, off the typing path, stale results
// dropped by document version. Every editor feature reads its Report from here.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { NotebookCell, reportForCell } from '../analysis/extract/notebook';
import { AnalysisDeps, analyzeNotebookCells, analyzeText, Report, skippedReport } from '../analysis/report';
import { readSettings } from '../settings';

export const DEBOUNCE_MS = 250;
const MAX_CHARS = 1_000_000;

export function isAnalyzable(doc: vscode.TextDocument): boolean {
  const scheme = doc.uri.scheme;
  // notebook cells: the notebook's code cells are analysed together (analyzeNotebookCell)
  if (scheme === 'vscode-notebook-cell') return doc.languageId === 'python';
  if (scheme !== 'file' && scheme !== 'untitled' && scheme !== 'vscode-remote') return false;
  if (doc.languageId === 'python') return true;
  if (scheme === 'untitled') return false; // an untitled buffer is analysed as untitled.py
  // launch scripts (`swift sft …`, `llamafactory-cli train …`, `torchrun train.py …`): the job they launch;
  // a script that launches no training gets no findings
  if (doc.languageId === 'shellscript') return true;
  // training configs (axolotl, LLaMA-Factory, torchtune, TRL, DeepSpeed, accelerate) and .ipynb opened as text;
  // other YAML/JSON is recognised as such and gets no findings
  return doc.languageId === 'yaml' || /\.(ya?ml|json|ipynb)$/i.test(doc.uri.path);
}

/** The notebook that holds a cell document. */
function notebookOf(doc: vscode.TextDocument): vscode.NotebookDocument | undefined {
  if (doc.uri.scheme !== 'vscode-notebook-cell') return undefined;
  const key = doc.uri.toString();
  return vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document.uri.toString() === key));
}

/**
 * The analysis deps for one document: relative paths resolve in its workspace folder, and linked files
 * (DeepSpeed/accelerate configs, launch scripts) are read from open editors first, so unsaved edits count.
 */
function depsFor(base: AnalysisDeps, uri: vscode.Uri): AnalysisDeps {
  if (uri.scheme !== 'file' && uri.scheme !== 'vscode-remote') return { ...base, readFile: undefined, listShellScripts: undefined };
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  const norm = (p: string) => path.resolve(p);
  return {
    ...base,
    workspaceRoot: folder?.uri.fsPath ?? path.dirname(uri.fsPath),
    readFile: (p) => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && norm(d.uri.fsPath) === norm(p))?.getText() ?? base.readFile?.(p),
  };
}

export class DocumentAnalyzer implements vscode.Disposable {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly reports = new Map<string, { version: number; report: Report }>();
  /** linked file (fs path) -> the documents whose analysis read it */
  private readonly dependents = new Map<string, Set<string>>();
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
    // the cells of one notebook share one analysis: one timer per notebook
    const key = notebookOf(doc)?.uri.toString() ?? doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.analyze(doc);
      }, delayMs),
    );
  }

  /** Analyses other text as if it were this document's (what a fix would produce), same settings and deps. */
  async reanalyzer(doc: vscode.TextDocument): Promise<(text: string) => Report> {
    const deps = depsFor(await this.deps(), doc.uri);
    const settings = readSettings(doc.uri);
    const name = doc.uri.scheme === 'untitled' ? 'untitled.py' : doc.uri.fsPath;
    return (text) => analyzeText(text, name, settings, deps, doc.languageId);
  }

  async analyze(doc: vscode.TextDocument): Promise<Report | undefined> {
    if (!isAnalyzable(doc) || doc.isClosed) return undefined;
    if (doc.uri.scheme === 'vscode-notebook-cell') return this.analyzeNotebookCell(doc);
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
      report = analyzeText(
        text,
        doc.uri.scheme === 'untitled' ? 'untitled.py' : doc.uri.fsPath,
        readSettings(doc.uri, (m) => this.log.appendLine(m)),
        depsFor(deps, doc.uri),
        doc.languageId,
      );
    } catch (e) {
      this.log.appendLine(`Analysis of ${doc.uri.fsPath} failed: ${(e as Error).stack ?? e}`);
      return undefined;
    }
    if (doc.isClosed) return undefined;
    if (doc.version !== version) {
      // edited while we analysed: analyse the new text (some version bumps, e.g. a revert's, bring no
      // further change event of their own)
      this.schedule(doc);
      return undefined;
    }
    this.reports.set(key, { version, report });
    this.trackLinks(key, report);
    this.emitter.fire({ uri: doc.uri, report });
    return report;
  }

  /** Analyses the code cells of the cell's notebook in order, as one program; each cell gets its part. */
  private async analyzeNotebookCell(doc: vscode.TextDocument): Promise<Report | undefined> {
    const nb = notebookOf(doc);
    if (!nb) return undefined;
    const cells = nb.getCells();
    const versions = cells.map((c) => c.document.version);
    const input: NotebookCell[] = cells.map((c) => ({
      kind: c.kind === vscode.NotebookCellKind.Code ? 'code' : 'markdown',
      source: c.document.getText(),
      language: c.document.languageId,
    }));
    if (input.reduce((n, c) => n + c.source.length, 0) > MAX_CHARS) return undefined;
    let result: { report: Report; joined: ReturnType<typeof analyzeNotebookCells>['joined'] };
    try {
      const deps = await this.deps();
      result = analyzeNotebookCells(
        input,
        nb.uri.fsPath,
        readSettings(nb.uri, (m) => this.log.appendLine(m)),
        depsFor(deps, nb.uri),
      );
    } catch (e) {
      this.log.appendLine(`Analysis of ${nb.uri.fsPath} failed: ${(e as Error).stack ?? e}`);
      return undefined;
    }
    if (cells.some((c, i) => c.document.isClosed || c.document.version !== versions[i])) return undefined; // edited meanwhile
    let mine: Report | undefined;
    cells.forEach((c, i) => {
      if (c.kind !== vscode.NotebookCellKind.Code || !isAnalyzable(c.document)) return;
      const cellReport = reportForCell(result.report, result.joined, i);
      const key = c.document.uri.toString();
      // version -1: never "fresh" for getFresh, so no quick fix or hover edits a cell with offsets of
      // values that live in other cells; diagnostics, CodeLens and the status bar use get()
      this.reports.set(key, { version: -1, report: cellReport });
      this.trackLinks(key, cellReport);
      this.emitter.fire({ uri: c.document.uri, report: cellReport });
      if (key === doc.uri.toString()) mine = cellReport;
    });
    return mine;
  }

  private trackLinks(key: string, report: Report): void {
    for (const set of this.dependents.values()) set.delete(key);
    for (const f of report.hyperparams.linkedFiles ?? []) {
      const p = path.resolve(f);
      const set = this.dependents.get(p) ?? new Set<string>();
      set.add(key);
      this.dependents.set(p, set);
    }
  }

  /** A file that other analyses read changed (edited, saved, or changed on disk): re-analyse those. */
  linkedFileChanged(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    const users = this.dependents.get(path.resolve(uri.fsPath));
    if (!users?.size) return;
    for (const doc of vscode.workspace.textDocuments) if (users.has(doc.uri.toString())) this.schedule(doc);
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
    vscode.workspace.onDidChangeTextDocument((e) => {
      analyzer.schedule(e.document);
      analyzer.linkedFileChanged(e.document.uri);
    }),
    vscode.workspace.onDidSaveTextDocument((d) => analyzer.linkedFileChanged(d.uri)),
    // cells added, removed or moved change the program the notebook makes
    vscode.workspace.onDidChangeNotebookDocument((e) => {
      const cell = e.notebook.getCells().find((c) => c.kind === vscode.NotebookCellKind.Code);
      if (cell && (e.contentChanges.length || e.cellChanges.some((c) => c.document))) analyzer.schedule(cell.document);
    }),
    ...linkedFileWatchers(analyzer),
    vscode.workspace.onDidCloseTextDocument((d) => analyzer.forget(d.uri)),
    vscode.window.onDidChangeActiveTextEditor((ed) => ed && !analyzer.get(ed.document.uri) && analyzer.schedule(ed.document, 0)),
  ];
}

/** Linked configs and launch scripts changed on disk (git checkout, another editor). */
function linkedFileWatchers(analyzer: DocumentAnalyzer): vscode.Disposable[] {
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{json,yaml,yml,sh}');
  const changed = (uri: vscode.Uri) => analyzer.linkedFileChanged(uri);
  return [watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed)];
}
