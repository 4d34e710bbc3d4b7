// Measurements in the editor: a CodeLens "measured 41.2 GiB on 1× A100 SXM 80GB (3 steps, 2 days ago) ·
// predicted 43.0" next to the estimate (with the anchored estimate once settings changed), a hover on
// the model load and on the values changed since, and a watcher on .vram-lens/measurements.jsonl that
// re-analyses open files when a measurement is added. The matching and the arithmetic are pure
// (src/analysis/measure/anchor.ts); the files are read by src/measure/lookup.ts.
import * as vscode from 'vscode';
import { gpuCatalog } from '../analysis/hardware/gpus';
import { measuredLensTitle, measuredRows, MeasurementMatch } from '../analysis/measure/anchor';
import { Report } from '../analysis/report';
import { measurementFor } from '../measure/lookup';
import { readSettings } from '../settings';
import { DocumentAnalyzer } from './analyzer';
import { TRAINING_FILES } from './diagnostics';

/** Matches per report (the lens, the hover and the panel ask for the same one); dropped when measurements change. */
let matches = new WeakMap<Report, MeasurementMatch | null>();

/** The measurement that matches a document's report (files on disk only). */
export function measurementOf(uri: vscode.Uri, report: Report | undefined): MeasurementMatch | null {
  if (!report || (uri.scheme !== 'file' && uri.scheme !== 'vscode-remote')) return null;
  if (matches.has(report)) return matches.get(report)!;
  const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
  let m: MeasurementMatch | null;
  try {
    m = measurementFor(report, uri.fsPath, root, gpuCatalog(readSettings(uri).customGpus));
  } catch {
    m = null;
  }
  matches.set(report, m);
  return m;
}

export class MeasuredCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly analyzer: DocumentAnalyzer) {
    this.sub = analyzer.onDidAnalyze(() => this.changed.fire());
  }

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const report = this.analyzer.get(doc.uri) ?? (await this.analyzer.analyze(doc));
    if (!report?.isTraining || !report.anchor) return [];
    const m = measurementOf(doc.uri, report);
    if (!m) return [];
    const range = new vscode.Range(report.anchor.line, 0, report.anchor.line, 0);
    return [new vscode.CodeLens(range, { title: measuredLensTitle(m, new Date()), command: 'vramLens.showBreakdown', arguments: [doc.uri], tooltip: m.words })];
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}

/** The hover's Markdown: when and where it was measured, measured vs predicted, the anchored estimate. */
export function measuredHover(m: MeasurementMatch): vscode.MarkdownString {
  const r = m.record;
  const versions = ['torch', 'transformers', 'peft', 'trl']
    .filter((k) => r.versions[k])
    .map((k) => `${k} ${r.versions[k]}`)
    .join(', ');
  const md = new vscode.MarkdownString();
  md.appendMarkdown(
    `**VRAM Lens · measured on ${m.gpuCount ?? '?'}× ${m.gpuName}** — ${r.measuredAt.slice(0, 16).replace('T', ' ')} UTC, ${r.stepsCompleted} step${r.stepsCompleted === 1 ? '' : 's'}${versions ? `, ${versions}` : ''}\n\n`,
  );
  md.appendMarkdown('| | per GPU |\n|---|---|\n');
  for (const row of measuredRows(m)) md.appendMarkdown(`| ${escape(row.label)} | ${escape(row.value)} |\n`);
  md.appendMarkdown(`\n_${escape(m.words)}_`);
  return md;
}

function escape(s: string): string {
  return s.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
}

export class MeasuredHoverProvider implements vscode.HoverProvider {
  constructor(private readonly analyzer: DocumentAnalyzer) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const report = this.analyzer.getFresh(doc);
    if (!report?.plan) return undefined;
    const offset = doc.offsetAt(pos);
    const m = measurementOf(doc.uri, report);
    if (!m) return undefined;
    // on the model load (where the lens is) and on each value that changed since the measurement
    const spans = [
      report.anchor,
      ...m.changes.map((c) => report.plan![c.field as keyof typeof report.plan]).map((f) => (f?.origin === 'read' ? f.span : undefined)),
    ];
    const span = spans.find((s) => s && s.start <= offset && offset <= s.end && s.endLine - s.line < 3);
    if (!span) return undefined;
    return new vscode.Hover(measuredHover(m), new vscode.Range(doc.positionAt(span.start), doc.positionAt(span.end)));
  }
}

/** The lens, the hover and the watcher; the command is in measureCommand.ts. */
export function registerMeasured(analyzer: DocumentAnalyzer): { disposables: vscode.Disposable[]; refresh: () => void } {
  const lens = new MeasuredCodeLensProvider(analyzer);
  const watcher = vscode.workspace.createFileSystemWatcher('**/.vram-lens/measurements.jsonl');
  // the command's own notice and the watcher both report a new record: one refresh for both
  let pending: ReturnType<typeof setTimeout> | undefined;
  const refresh = () => {
    matches = new WeakMap();
    clearTimeout(pending);
    pending = setTimeout(() => {
      analyzer.refreshAll();
      lens.refresh();
    }, 200);
  };
  return {
    refresh,
    disposables: [
      lens,
      vscode.languages.registerCodeLensProvider(TRAINING_FILES, lens),
      vscode.languages.registerHoverProvider(TRAINING_FILES, new MeasuredHoverProvider(analyzer)),
      watcher,
      { dispose: () => clearTimeout(pending) },
      watcher.onDidChange(refresh),
      watcher.onDidCreate(refresh),
      watcher.onDidDelete(refresh),
    ],
  };
}
