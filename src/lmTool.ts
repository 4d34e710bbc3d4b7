// A language-model tool for agent modes in VS Code: estimate a training job's GPU memory (a file of the
// workspace, or inline script/config text) and list the fixes, as text the agent can act on.
import * as vscode from 'vscode';
import { formatReport } from './analysis/format';
import { findGpu, gpuCatalog } from './analysis/hardware/gpus';
import { measuredLensTitle, MeasurementMatch } from './analysis/measure/anchor';
import { suggestFixes } from './analysis/remedies';
import { AnalysisDeps, analyzeText } from './analysis/report';
import { formatGiB } from './analysis/units';
import { measurementFor } from './measure/lookup';
import { readSettings } from './settings';

export const TOOL_NAME = 'vramLens_estimateMemory';

export interface EstimateInput {
  path?: string;
  text?: string;
  filename?: string;
  gpu?: string;
  gpus?: number;
}

async function resolveInput(input: EstimateInput): Promise<{ text: string; fileName: string; uri?: vscode.Uri } | string> {
  if (typeof input.text === 'string' && input.text.trim()) return { text: input.text, fileName: input.filename || 'inline.py' };
  if (typeof input.path !== 'string' || !input.path.trim()) return 'Give either `path` (a file of the workspace) or `text` (the script or config itself).';
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = /^([a-z]:)?[\\/]/i.test(input.path) ? vscode.Uri.file(input.path) : folder ? vscode.Uri.joinPath(folder, input.path) : undefined;
  if (!uri) return `Cannot resolve the relative path ${input.path}: no workspace folder is open.`;
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return { text: open.getText(), fileName: uri.fsPath, uri };
  try {
    const bytes = await vscode.workspace.fs.readFile(uri);
    return { text: new TextDecoder().decode(bytes), fileName: uri.fsPath, uri };
  } catch (e) {
    return `Cannot read ${input.path}: ${(e as Error).message}`;
  }
}

export function registerLanguageModelTool(getDeps: () => Promise<AnalysisDeps>): vscode.Disposable[] {
  if (!vscode.lm?.registerTool) return [];
  const tool: vscode.LanguageModelTool<EstimateInput> = {
    prepareInvocation(options) {
      return { invocationMessage: `Estimating the GPU memory of ${options.input.path ?? options.input.filename ?? 'the training job'}` };
    },
    async invoke(options) {
      const input = options.input ?? {};
      const src = await resolveInput(input);
      if (typeof src === 'string') return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(src)]);
      const settings = readSettings(src.uri);
      if (input.gpu) {
        const gpu = findGpu(input.gpu, settings.customGpus);
        if (!gpu)
          return new vscode.LanguageModelToolResult([
            new vscode.LanguageModelTextPart(`Unknown GPU "${input.gpu}". Use a catalog id such as h100-sxm-80gb, a100-sxm-80gb, l40s-48gb, rtx-4090-24gb.`),
          ]);
        settings.targetGpu = gpu.id;
      }
      if (typeof input.gpus === 'number' && Number.isInteger(input.gpus) && input.gpus >= 1) settings.gpuCount = input.gpus;
      const deps = await getDeps();
      const report = analyzeText(src.text, src.fileName, settings, deps);
      let text = formatReport(report);
      const m =
        src.uri && (src.uri.scheme === 'file' || src.uri.scheme === 'vscode-remote')
          ? measurementFor(report, src.uri.fsPath, vscode.workspace.getWorkspaceFolder(src.uri)?.uri.fsPath, gpuCatalog(settings.customGpus))
          : null;
      if (m) text += measurementText(m);
      const fixes = suggestFixes(report, src.text, (t) => analyzeText(t, src.fileName, settings, deps));
      if (fixes.length)
        text += `\nFixes (predicted peak after each):\n${fixes.map((f) => `- ${f.title} → ${formatGiB(f.requiredBytesAfter)}/GPU`).join('\n')}\n`;
      return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
    },
  };
  return [vscode.lm.registerTool(TOOL_NAME, tool)];
}

/** The file's measurement for the agent: what was measured, and which number to trust. */
export function measurementText(m: MeasurementMatch, now = new Date()): string {
  const use = m.anchoring
    ? `Use the anchored estimate ${formatGiB(m.anchoring.anchoredBytes)} per GPU (${m.anchoring.verdict === 'oom' ? 'does not fit' : m.anchoring.verdict === 'tight' ? 'tight' : 'fits'}) rather than the prediction.`
    : m.verdict === 'oom'
      ? 'The job ran out of memory with these settings on this GPU: it does not fit.'
      : 'The prediction stands.';
  return `\nMeasured on a real GPU (vram-lens measure): ${measuredLensTitle(m, now)}.\n${m.words[0].toUpperCase()}${m.words.slice(1)}. ${use}\n`;
}
