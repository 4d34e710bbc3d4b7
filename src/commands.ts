// Palette commands: choose the target GPU, compare GPUs for the active training file.
import * as vscode from 'vscode';
import { gpuCatalog, GpuSpec, usableBytes } from './analysis/hardware/gpus';
import { Report, verdictOf } from './analysis/report';
import { formatGiB } from './analysis/units';
import { DocumentAnalyzer } from './diagnostics/analyzer';
import { readSettings, SECTION } from './settings';

interface GpuItem extends vscode.QuickPickItem {
  gpu: GpuSpec;
}

function activeReport(analyzer: DocumentAnalyzer): Report | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc ? analyzer.get(doc.uri) : undefined;
}

async function setTarget(gpu: GpuSpec) {
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration(SECTION).update('targetGpu', gpu.id, target);
}

function items(report: Report | undefined, headroom: number, sortByCost: boolean): GpuItem[] {
  const required = report?.estimate?.requiredBytes;
  const count = report?.target.count ?? 1;
  const rows = gpuCatalog().map((gpu) => {
    const verdict = required !== undefined ? verdictOf(required, usableBytes(gpu), headroom) : 'unknown';
    const price = gpu.priceUsdPerHour != null ? `$${(gpu.priceUsdPerHour * count).toFixed(2)}/h for ${count}` : 'no price';
    const fit = verdict === 'unknown' ? '' : verdict === 'oom' ? `$(error) needs ${formatGiB(required!)} > ${formatGiB(usableBytes(gpu))}` : `$(pass) ${verdict === 'tight' ? 'tight' : 'fits'}: ${formatGiB(required!)} of ${formatGiB(usableBytes(gpu))}`;
    return { gpu, verdict, label: gpu.name, description: `${gpu.memoryGiB.toFixed(0)} GiB · ${price}`, detail: fit || undefined };
  });
  if (sortByCost) {
    const rank = (v: string) => (v === 'oom' ? 1 : 0);
    rows.sort((a, b) => rank(a.verdict) - rank(b.verdict) || (a.gpu.priceUsdPerHour ?? Infinity) - (b.gpu.priceUsdPerHour ?? Infinity));
  }
  return rows;
}

export function registerCommands(analyzer: DocumentAnalyzer): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('vramLens.selectTargetGpu', async () => {
      const report = activeReport(analyzer);
      const settings = readSettings(vscode.window.activeTextEditor?.document.uri);
      const list = items(report, settings.headroomPercent, false);
      const current = list.find((i) => i.gpu.id === settings.targetGpu);
      if (current) current.picked = true;
      const pick = await vscode.window.showQuickPick(list, { title: 'VRAM Lens: target GPU', placeHolder: `Current: ${current?.label ?? settings.targetGpu}`, matchOnDescription: true });
      if (pick) await setTarget(pick.gpu);
      return pick?.gpu.id;
    }),
    vscode.commands.registerCommand('vramLens.compareGpuCosts', async () => {
      const report = activeReport(analyzer);
      if (!report?.estimate) {
        void vscode.window.showInformationMessage('VRAM Lens: open a training script with an estimate to compare GPUs.');
        return undefined;
      }
      const settings = readSettings(vscode.window.activeTextEditor?.document.uri);
      const pick = await vscode.window.showQuickPick(items(report, settings.headroomPercent, true), {
        title: `VRAM Lens: GPUs for ${report.model?.spec?.id ?? 'this job'} (${formatGiB(report.estimate.requiredBytes)} per GPU), cheapest that fits first`,
        matchOnDescription: true,
      });
      if (pick) await setTarget(pick.gpu);
      return pick?.gpu.id;
    }),
  ];
}
