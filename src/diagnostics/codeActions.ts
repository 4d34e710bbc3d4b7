// Quick fixes for VRAM Lens diagnostics: each remedy with its predicted saving, the best one preferred,
// plus "Fix all: smallest change that fits". Edits come from src/analysis/remedies (the same for the CLI).
import * as vscode from 'vscode';
import { Fix, fixAll, suggestFixes } from '../analysis/remedies';
import { DocumentAnalyzer } from './analyzer';
import { codeOf, TRAINING_FILES } from './diagnostics';
import { CHOOSE_ARCHITECTURE, USE_LOCAL_CONFIG } from '../modelCommands';

const OUR_CODES = new Set(['vramLens.oom', 'vramLens.tight', 'vramLens.checkpointing']);

function toEdit(doc: vscode.TextDocument, fix: Fix): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  for (const e of fix.edits) edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.newText);
  return edit;
}

export class FixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  constructor(private readonly analyzer: DocumentAnalyzer) {}

  async provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const ours = context.diagnostics.filter((d) => d.source === 'VRAM Lens' && OUR_CODES.has(codeOf(d)));
    if (!ours.length) return [];
    const report = this.analyzer.getFresh(doc);
    if (!report) return [];
    // predictions come from re-analysing each edited text: exactly what the editor shows after applying
    const version = doc.version;
    const reanalyze = await this.analyzer.reanalyzer(doc);
    if (doc.version !== version) return []; // edited meanwhile: the offsets no longer hold
    const actions: vscode.CodeAction[] = [];
    for (const d of ours) {
      const text = doc.getText();
      const fixes =
        codeOf(d) === 'vramLens.checkpointing'
          ? suggestFixes(report, text, reanalyze).filter((f) => f.id === 'gradientCheckpointing')
          : suggestFixes(report, text, reanalyze);
      for (const fix of fixes) {
        const a = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        a.edit = toEdit(doc, fix);
        a.diagnostics = [d];
        a.isPreferred = codeOf(d) === 'vramLens.checkpointing' || fix.preferred;
        actions.push(a);
      }
      if (codeOf(d) === 'vramLens.oom' || codeOf(d) === 'vramLens.tight') {
        const all = fixAll(report, text, reanalyze);
        if (all && all.parts.length > 1) {
          const a = new vscode.CodeAction(all.title.replace(/^Fix all: /, 'Fix all (smallest change that fits): '), vscode.CodeActionKind.QuickFix);
          a.edit = toEdit(doc, all);
          a.diagnostics = [d];
          actions.push(a);
        }
      }
    }
    return actions;
  }
}

/** The unknown-model (and assumed-model) diagnostic's actions: choose the architecture, or a local config.json. */
export class ModelActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  constructor(private readonly analyzer: DocumentAnalyzer) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const ours = context.diagnostics.filter(
      (d) => d.source === 'VRAM Lens' && (codeOf(d) === 'vramLens.unknownModel' || codeOf(d) === 'vramLens.modelAssumed'),
    );
    const ref = this.analyzer.get(doc.uri)?.model?.ref;
    if (!ours.length || !ref) return [];
    const args = { ref, uri: doc.uri.toString() };
    return ours.flatMap((d) => {
      const choose = new vscode.CodeAction('Choose the architecture…', vscode.CodeActionKind.QuickFix);
      choose.command = { command: CHOOSE_ARCHITECTURE, title: 'Choose the architecture…', arguments: [args] };
      choose.diagnostics = [d];
      choose.isPreferred = codeOf(d) === 'vramLens.unknownModel';
      const local = new vscode.CodeAction('Use a local config.json…', vscode.CodeActionKind.QuickFix);
      local.command = { command: USE_LOCAL_CONFIG, title: 'Use a local config.json…', arguments: [args] };
      local.diagnostics = [d];
      return [choose, local];
    });
  }
}

export function registerCodeActions(analyzer: DocumentAnalyzer): vscode.Disposable[] {
  return [
    vscode.languages.registerCodeActionsProvider(TRAINING_FILES, new FixProvider(analyzer), { providedCodeActionKinds: FixProvider.kinds }),
    vscode.languages.registerCodeActionsProvider(TRAINING_FILES, new ModelActionProvider(analyzer), { providedCodeActionKinds: ModelActionProvider.kinds }),
  ];
}
