// Palette commands: choose the target GPU, compare GPU costs for the active training file, find the
// largest micro-batch / sequence / LoRA rank that fits (and write it into the file), set the token count.
import * as vscode from 'vscode';
import { compareReport, rowSummary, solveEdits, solveReport, ValueEdit, replacementText } from './analysis/hardware/advice';
import { ComparisonRow, priceOf } from './analysis/hardware/compare';
import { gpuCatalog, GpuSpec, usableBytes } from './analysis/hardware/gpus';
import { SOLVE_FIELDS, SolveField, SolveResult } from './analysis/hardware/solve';
import { formatTokens, parseTokenCount } from './analysis/hardware/time';
import { Report } from './analysis/report';
import { verdictOf } from './analysis/verdict';
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

function configTarget(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}

async function setTarget(gpuId: string) {
  await vscode.workspace.getConfiguration(SECTION).update('targetGpu', gpuId, configTarget());
}

function items(report: Report | undefined, uri: vscode.Uri | undefined): GpuItem[] {
  const settings = readSettings(uri);
  const required = report?.estimate?.requiredBytes;
  const count = report?.target.count ?? 1;
  return gpuCatalog(settings.customGpus).map((gpu) => {
    const verdict = required !== undefined ? verdictOf(required, usableBytes(gpu), settings.headroomPercent, report?.target.spread) : 'unknown';
    const p = priceOf(gpu, settings.gpuPrices).usd;
    const price = p !== null ? `$${(p * count).toFixed(2)}/h for ${count}` : 'no price';
    const fit =
      verdict === 'unknown'
        ? ''
        : verdict === 'oom'
          ? `$(error) needs ${formatGiB(required!)} > ${formatGiB(usableBytes(gpu))}`
          : `${verdict === 'tight' ? '$(warning) may not fit' : '$(pass) fits'}: ${formatGiB(required!)} of ${formatGiB(usableBytes(gpu))}`;
    return { gpu, label: gpu.name, description: `${gpu.memoryGiB.toFixed(0)} GiB · ${price}`, detail: fit || undefined };
  });
}

// ---- Compare GPU Costs ----------------------------------------------------------------------------------

interface RowItem extends vscode.QuickPickItem {
  row?: ComparisonRow;
  enterTokens?: boolean;
}

async function askTokens(): Promise<number | undefined> {
  const current = vscode.workspace.getConfiguration(SECTION).get<number | null>('trainingTokens', null);
  const text = await vscode.window.showInputBox({
    title: 'VRAM Lens: training tokens',
    prompt: 'Tokens the whole run trains on (e.g. 2e9, 500M, 1.5B); used when the file gives no max_steps or dataset size',
    value: current ? String(current) : '',
    validateInput: (v) => (parseTokenCount(v) === undefined ? 'A positive count such as 2e9, 500M or 1.5B' : undefined),
  });
  const n = text !== undefined ? parseTokenCount(text) : undefined;
  if (n !== undefined) await vscode.workspace.getConfiguration(SECTION).update('trainingTokens', n, configTarget());
  return n;
}

function rowItems(report: Report, uri: vscode.Uri | undefined): { items: RowItem[]; title: string } | undefined {
  const settings = readSettings(uri);
  const c = compareReport(report, settings);
  if (!c) return undefined;
  const items: RowItem[] = [];
  if (!c.tokens) {
    items.push({
      label: '$(edit) Enter the training tokens',
      description: 'to see the time and total cost of the run (rows are sorted by cost per token meanwhile)',
      enterTokens: true,
      alwaysShow: true,
    });
  }
  for (const row of c.rows) {
    const s = rowSummary(row);
    items.push(
      row.fits
        ? {
            row,
            label: `${row.gpuName}`,
            description: `${row.count}× · ${s.time} · ${s.cost}`,
            detail: `${s.rate}${row.priceDate ? ` (${row.priceDate})` : row.priceSource === 'setting' ? ' (your price)' : ''} · ${row.sharding} · ${formatGiB(row.requiredBytes ?? 0)} of ${formatGiB(row.usableBytes)} per GPU${row.reason ? ` · ${row.reason}` : ''}`,
          }
        : { row, label: `$(error) ${row.gpuName}`, description: 'does not fit', detail: row.reason ?? undefined },
    );
  }
  const tokens = c.tokens
    ? `${formatTokens(c.tokens.tokens)} tokens (${c.tokens.source === 'file' ? 'from the file' : 'vramLens.trainingTokens'})`
    : 'no token count';
  return { items, title: `VRAM Lens: GPUs for ${report.model?.spec?.id ?? 'this job'}, ${tokens}; cheapest run first` };
}

async function compareGpuCosts(analyzer: DocumentAnalyzer): Promise<string | undefined> {
  const uri = vscode.window.activeTextEditor?.document.uri;
  let report = activeReport(analyzer);
  if (!report?.estimate) {
    void vscode.window.showInformationMessage('VRAM Lens: open a training script with an estimate to compare GPUs.');
    return undefined;
  }
  for (;;) {
    const list = rowItems(report, uri);
    if (!list) return undefined;
    const pick = await vscode.window.showQuickPick(list.items, { title: list.title, matchOnDescription: true, matchOnDetail: true });
    if (!pick) return undefined;
    if (pick.enterTokens) {
      if ((await askTokens()) === undefined) return undefined;
      report = activeReport(analyzer) ?? report;
      continue;
    }
    if (!pick.row?.fits) {
      void vscode.window.showInformationMessage(`VRAM Lens: ${pick.row?.gpuName ?? 'this GPU'} does not fit this job: ${pick.row?.reason ?? ''}`);
      return undefined;
    }
    await setTarget(pick.row.gpu);
    // The count goes to the setting only when the file does not say how many GPUs it runs on.
    if (pick.row.count !== report.target.count && report.plan?.gpus.origin !== 'read') {
      await vscode.workspace.getConfiguration(SECTION).update('gpuCount', pick.row.count, configTarget());
    }
    return pick.row.gpu;
  }
}

// ---- Find Largest Batch / Sequence / Rank That Fits -----------------------------------------------------

export interface FindArgs {
  field?: SolveField;
  /** write the answer into the file without asking (tests, agents) */
  apply?: boolean;
  /** micro_batch: write the pair that keeps micro-batch × accumulation instead of the largest micro-batch */
  keepEffectiveBatch?: boolean;
}

interface SolveItem extends vscode.QuickPickItem {
  result: SolveResult;
  keepEffectiveBatch: boolean;
}

const WORDS: Record<SolveField, string> = { micro_batch: 'Micro-batch', seq_len: 'Sequence length', lora_r: 'LoRA rank' };

function solveItems(report: Report): SolveItem[] {
  const out: SolveItem[] = [];
  for (const field of SOLVE_FIELDS) {
    const s = solveReport(report, field);
    if (!s) continue;
    if (s.value === null) {
      if (field !== 'lora_r' || report.plan?.method.value !== 'full')
        out.push({ result: s, keepEffectiveBatch: false, label: `$(circle-slash) ${WORDS[field]}`, description: s.reason ?? 'no value fits' });
      continue;
    }
    const setTo = field === 'micro_batch' ? s.value : (s.suggested ?? s.value);
    const { edits } = solveEdits(report, s);
    out.push({
      result: s,
      keepEffectiveBatch: false,
      label: `${WORDS[field]}: ${setTo}${setTo !== s.value ? ` (largest ${s.value})` : ''}`,
      description: `now ${s.current} · peak ${formatGiB(s.requiredBytesAtValue!)} of ${formatGiB(s.limitBytes)}${s.capped ? ` · ${s.capReason}` : ''}`,
      detail:
        setTo === s.current
          ? 'already the value in the file'
          : edits.length
            ? '$(edit) choose to write it into the file'
            : 'the file does not set it: add it yourself (the value is copied to the clipboard)',
    });
    const a = s.accumulation;
    if (field === 'micro_batch' && a && (a.microBatch !== s.current || a.gradAccumulation !== report.plan!.gradAccumulation.value)) {
      const pair = solveEdits(report, s, true);
      out.push({
        result: s,
        keepEffectiveBatch: true,
        label: `Micro-batch ${a.microBatch} × accumulation ${a.gradAccumulation}`,
        description: `keeps the effective batch ${a.effectiveBatch} · peak ${formatGiB(a.requiredBytes)}`,
        detail: pair.missing.length ? `${pair.missing.join(', ')} not set in the file: add it yourself` : '$(edit) choose to write both into the file',
      });
    }
  }
  return out;
}

async function applyEdits(doc: vscode.TextDocument, edits: ValueEdit[], current: Record<string, number>): Promise<boolean> {
  const we = new vscode.WorkspaceEdit();
  for (const e of edits) {
    const range = new vscode.Range(e.span.line, e.span.column, e.span.endLine, e.span.endColumn);
    const text = doc.getText(range);
    // A plain literal must still hold the analysed value: otherwise the file changed since the analysis.
    const literal = /^\s*[rbuRBU]*['"]?\s*([0-9_]+)\s*['"]?\s*$/.exec(text);
    if (literal && Number(literal[1].replace(/_/g, '')) !== current[e.field]) return false;
    we.replace(doc.uri, range, replacementText(text, e.value));
  }
  return vscode.workspace.applyEdit(we);
}

async function findLargestFitting(
  analyzer: DocumentAnalyzer,
  args: FindArgs = {},
): Promise<{ field: SolveField; value: number | null; applied: boolean } | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('VRAM Lens: open a training script first.');
    return undefined;
  }
  // Analyse the current text, so that the spans written to are this version's.
  const report = (await analyzer.analyze(editor.document)) ?? analyzer.get(editor.document.uri);
  if (!report?.estimate || !report.plan) {
    void vscode.window.showInformationMessage('VRAM Lens: no memory estimate for this file, so nothing to solve.');
    return undefined;
  }
  let pick: SolveItem | undefined;
  if (args.field) {
    const s = solveReport(report, args.field);
    if (!s) return undefined;
    pick = { result: s, keepEffectiveBatch: !!args.keepEffectiveBatch, label: '' };
  } else {
    pick = await vscode.window.showQuickPick(solveItems(report), {
      title: `VRAM Lens: largest value that fits ${report.target.count}× ${report.target.gpu.name} with ${report.target.headroomPercent}% headroom (everything else as in the file)`,
    });
  }
  if (!pick) return undefined;
  const s = pick.result;
  if (s.value === null) {
    if (!args.field) void vscode.window.showInformationMessage(`VRAM Lens: ${s.reason ?? 'no value fits'}`);
    return { field: s.field, value: null, applied: false };
  }
  const { edits, missing } = solveEdits(report, s, pick.keepEffectiveBatch);
  const setTo = s.field === 'micro_batch' ? (pick.keepEffectiveBatch && s.accumulation ? s.accumulation.microBatch : s.value) : (s.suggested ?? s.value);
  if (args.field && !args.apply) return { field: s.field, value: setTo, applied: false };
  if (!edits.length) {
    if (missing.length) {
      await vscode.env.clipboard.writeText(String(setTo));
      void vscode.window.showInformationMessage(
        `VRAM Lens: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not written in the file (${setTo} copied to the clipboard).`,
      );
    }
    return { field: s.field, value: setTo, applied: false };
  }
  const p = report.plan;
  const ok = await applyEdits(editor.document, edits, {
    microBatch: p.microBatch.value,
    seqLen: p.seqLen.value,
    loraR: p.loraR.value,
    gradAccumulation: p.gradAccumulation.value,
  });
  if (!ok) void vscode.window.showWarningMessage('VRAM Lens: the file changed since it was analysed; run the command again.');
  else if (missing.length)
    void vscode.window.showInformationMessage(
      `VRAM Lens: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not written in the file: set ${missing.join(', ')} yourself.`,
    );
  return { field: s.field, value: setTo, applied: ok };
}

export function registerCommands(analyzer: DocumentAnalyzer): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('vramLens.selectTargetGpu', async () => {
      const report = activeReport(analyzer);
      const uri = vscode.window.activeTextEditor?.document.uri;
      const settings = readSettings(uri);
      const list = items(report, uri);
      const current = list.find((i) => i.gpu.id === settings.targetGpu);
      if (current) current.picked = true;
      const pick = await vscode.window.showQuickPick(list, {
        title: 'VRAM Lens: target GPU',
        placeHolder: `Current: ${current?.label ?? settings.targetGpu}`,
        matchOnDescription: true,
      });
      if (pick) await setTarget(pick.gpu.id);
      return pick?.gpu.id;
    }),
    vscode.commands.registerCommand('vramLens.compareGpuCosts', () => compareGpuCosts(analyzer)),
    vscode.commands.registerCommand('vramLens.findLargestFitting', (args?: FindArgs) =>
      findLargestFitting(analyzer, args && typeof args === 'object' ? args : {}),
    ),
    vscode.commands.registerCommand('vramLens.setTrainingTokens', () => askTokens()),
  ];
}
