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

export function toDiagnostics(uri: vscode.Uri, report: Report): vscode.Diagnostic[] {
  return report.findings.map((f) => {
    const d = new vscode.Diagnostic(rangeOf(f.span), f.message, SEVERITY[f.severity]);
    d.source = 'VRAM Lens';
    d.code = f.code;
    if (f.related.length) d.relatedInformation = f.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, rangeOf(r.span)), r.message));
    return d;
  });
}

export function registerDiagnostics(analyzer: DocumentAnalyzer): vscode.Disposable[] {
  const collection = vscode.languages.createDiagnosticCollection('vramLens');
  const sub = analyzer.onDidAnalyze(({ uri, report }) => {
    if (report) collection.set(uri, toDiagnostics(uri, report));
    else collection.delete(uri);
  });
  return [collection, sub];
}
