// Status bar item for the active editor: peak vs usable memory of the target; click to choose the GPU.
import * as vscode from 'vscode';
import { Report, requiredRange } from '../analysis/report';
import { formatGiB } from '../analysis/units';
import { DocumentAnalyzer } from './analyzer';

export function registerStatusBar(analyzer: DocumentAnalyzer): vscode.Disposable[] {
  const item = vscode.window.createStatusBarItem('vramLens.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'VRAM Lens';
  item.command = 'vramLens.selectTargetGpu';
  const show = (report: Report | undefined) => {
    if (!report?.estimate) {
      item.hide();
      return;
    }
    const icon = report.target.verdict === 'oom' ? '$(error)' : report.target.verdict === 'tight' ? '$(warning)' : '$(pass)';
    item.text = `${icon} ${formatGiB(report.estimate.requiredBytes)} / ${formatGiB(report.target.usableBytes)}`;
    item.tooltip = `VRAM Lens: peak ≈ ${requiredRange(report)} per GPU (the band: where measured peaks of such jobs landed) vs ${formatGiB(report.target.usableBytes)} usable on ${report.target.count}× ${report.target.gpu.name}. Click to choose the target GPU.`;
    item.backgroundColor = report.target.verdict === 'oom' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    item.show();
  };
  const refresh = () => show(vscode.window.activeTextEditor ? analyzer.get(vscode.window.activeTextEditor.document.uri) : undefined);
  refresh();
  return [
    item,
    analyzer.onDidAnalyze(({ uri }) => {
      if (vscode.window.activeTextEditor?.document.uri.toString() === uri.toString()) refresh();
    }),
    vscode.window.onDidChangeActiveTextEditor(refresh),
  ];
}
