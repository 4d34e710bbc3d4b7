import * as vscode from 'vscode';
import { SourceSpan } from '../analysis/extract/source';

export function rangeOf(s: SourceSpan): vscode.Range {
  return new vscode.Range(s.line, s.column, s.endLine, s.endColumn);
}
