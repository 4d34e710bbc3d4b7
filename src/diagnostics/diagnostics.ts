// Owns the DiagnosticCollection: one diagnostic per finding, on the line the finding names.
import * as vscode from 'vscode';
import { Report, Severity } from '../analysis/report';
import { DocumentAnalyzer } from './analyzer';
import { rangeOf } from './convert';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Documents the editor features apply to: scripts, notebook cells and configs. */
export const TRAINING_FILES: vscode.DocumentSelector = [
  { language: 'python' },
  { language: 'yaml' },
  { language: 'json' },
  { language: 'jsonc' },
  { language: 'shellscript' },
];

/** The README section that explains a diagnostic code (`vramLens.oom` -> #vramlensoom). */
export function codeTarget(readme: vscode.Uri, code: string): vscode.Uri {
  return readme.with({ fragment: code.toLowerCase().replace(/[^a-z0-9]/g, '') });
}

/** The code string of a diagnostic, whether it carries a link or not. */
export function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code ?? '');
}

export function toDiagnostics(uri: vscode.Uri, report: Report, readme?: vscode.Uri): vscode.Diagnostic[] {
  return report.findings.map((f) => {
    const d = new vscode.Diagnostic(rangeOf(f.span), f.message, SEVERITY[f.severity]);
    d.source = 'VRAM Lens';
    d.code = readme ? { value: f.code, target: codeTarget(readme, f.code) } : f.code;
    if (f.related.length)
      d.relatedInformation = f.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, rangeOf(r.span)), r.message));
    return d;
  });
}

export function registerDiagnostics(analyzer: DocumentAnalyzer, extensionUri: vscode.Uri): vscode.Disposable[] {
  const collection = vscode.languages.createDiagnosticCollection('vramLens');
  const readme = vscode.Uri.joinPath(extensionUri, 'README.md');
  const sub = analyzer.onDidAnalyze(({ uri, report }) => {
    if (report) collection.set(uri, toDiagnostics(uri, report, readme));
    else collection.delete(uri);
  });
  return [collection, sub];
}
