// Hover on a hyperparameter: what it costs now and what halving/doubling (or toggling) it would do.
import * as vscode from 'vscode';
import { COMPONENT_LABELS } from '../analysis/memory/component';
import { requiredRange } from '../analysis/report';
import { Verdict, verdictOf } from '../analysis/verdict';
import { fieldAt, fieldImpact } from '../analysis/remedies/whatif';
import { formatGiB } from '../analysis/units';
import { DocumentAnalyzer } from './analyzer';
import { TRAINING_FILES } from './diagnostics';

export class ImpactHoverProvider implements vscode.HoverProvider {
  constructor(private readonly analyzer: DocumentAnalyzer) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const report = this.analyzer.getFresh(doc);
    if (!report?.plan) return undefined;
    const field = fieldAt(report, doc.offsetAt(pos));
    if (!field) return undefined;
    if (!report.estimate) {
      // the model is not resolved: still say what was read (no estimate to compare with)
      const f = report.plan[field]!;
      const md = new vscode.MarkdownString();
      md.appendMarkdown(`**VRAM Lens** · \`${field}\` = \`${JSON.stringify(f.value)}\`\n\n`);
      md.appendMarkdown(`No estimate yet: ${report.model?.reason ?? 'the model is not resolved'}.\n\n_${f.reason}_`);
      return new vscode.Hover(md, new vscode.Range(doc.positionAt(f.span!.start), doc.positionAt(f.span!.end)));
    }
    const impact = fieldImpact(report, field);
    if (!impact) return undefined;
    const f = report.plan[field]!;
    const peak = report.estimate.requiredBytes;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**VRAM Lens** · \`${field}\` = \`${JSON.stringify(impact.value)}\`\n\n`);
    if (impact.drives.length) {
      const total = impact.drives.reduce((t, d) => t + d.bytes, 0);
      md.appendMarkdown(
        `Drives ${impact.drives.map((d) => `${COMPONENT_LABELS[d.name].toLowerCase()} ${formatGiB(d.bytes)}`).join(', ')} — ${Math.round((total / peak) * 100)}% of the ≈ ${requiredRange(report)} peak per GPU.\n\n`,
      );
    }
    for (const v of impact.variants) {
      const delta = v.requiredBytes - peak;
      md.appendMarkdown(
        `- ${v.label}: ${formatGiB(v.requiredBytes)} (${delta <= 0 ? '−' : '+'}${formatGiB(Math.abs(delta))})${verdictNote(verdictOf(v.requiredBytes, report.target.usableBytes, report.target.headroomPercent, v.spread))}\n`,
      );
    }
    md.appendMarkdown(`\n_${f.reason}_`);
    return new vscode.Hover(md, new vscode.Range(doc.positionAt(f.span!.start), doc.positionAt(f.span!.end)));
  }
}

export function registerHover(analyzer: DocumentAnalyzer): vscode.Disposable[] {
  return [vscode.languages.registerHoverProvider(TRAINING_FILES, new ImpactHoverProvider(analyzer))];
}

/** What a variant's verdict adds to its line (nothing when it fits). */
function verdictNote(v: Verdict): string {
  return v === 'oom' ? ' — does not fit' : v === 'tight' ? ' — may not fit' : '';
}
