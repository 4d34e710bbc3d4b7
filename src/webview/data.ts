// Report -> the plain data the page needs to render and recompute (no vscode import: tests build it too).
import { gpuCatalog, GpuSpec } from '../analysis/hardware/gpus';
import { setupFromPlan } from '../analysis/plan/plan';
import { AnalysisSettings, Report, summaryLine } from '../analysis/report';
import { resolveTokens, Stack, stackOf } from '../analysis/hardware/time';
import { GiB } from '../analysis/units';
import { measuredLensTitle, measuredRows, MeasurementMatch } from '../analysis/measure/anchor';
import { MeasuredView, PanelData } from './protocol';

/** What the panel shows of a measurement: measured vs predicted and the anchored estimate. */
export function measuredViewOf(m: MeasurementMatch, now: Date): MeasuredView {
  return {
    title: measuredLensTitle(m, now),
    words: m.words,
    rows: measuredRows(m),
    measuredReservedBytes: m.record.peak?.reservedBytes ?? null,
    predictedReservedBytes: m.predictedReservedForMeasured,
    anchoredBytes: m.anchoring?.anchoredBytes ?? null,
    verdict: m.verdict,
  };
}

export function panelDataOf(
  r: Report,
  uri: string,
  customGpus: GpuSpec[] = [],
  costing: Pick<AnalysisSettings, 'gpuPrices' | 'trainingTokens' | 'timeModel'> = {},
  measured: MeasuredView | null = null,
): PanelData {
  const catalog = gpuCatalog(customGpus);
  const spec = r.estimate && r.plan && r.model?.spec ? r.model.spec : null;
  const setup = spec && r.plan ? setupFromPlan(r.plan, r.target.gpu.memoryGiB * GiB) : null;
  return {
    uri,
    file: r.file,
    fileName: r.file.split(/[\\/]/).pop() ?? r.file,
    kind: r.kind,
    framework: r.framework,
    summary: summaryLine(r),
    message: r.estimate ? null : (r.findings[0]?.message ?? (r.isTraining ? 'No estimate for this file.' : 'No training job found in this file.')),
    model: r.model ? { ref: r.model.ref, id: r.model.spec?.id ?? null } : null,
    spec,
    // the engine input exactly as report.ts built it (the page's recomputation must give the same bytes)
    setup,
    fields: r.plan
      ? Object.entries(r.plan).map(([name, f]) => ({
          name,
          value: f.value,
          origin: f.origin,
          reason: f.reason,
          line: f.origin === 'read' && f.span ? f.span.line : null,
        }))
      : [],
    target: {
      gpu: r.target.gpu.id,
      count: r.target.count,
      headroomPercent: r.target.headroomPercent,
      requiredBytes: r.estimate?.requiredBytes ?? null,
      verdict: r.target.verdict,
      ...(r.target.spread ? { spread: r.target.spread } : {}),
    },
    ...(measured ? { measured } : {}),
    gpus: catalog.some((g) => g.id === r.target.gpu.id) ? catalog : [r.target.gpu, ...catalog],
    costing: {
      tokens: setup ? resolveTokens(r.hyperparams, setup, undefined, costing.trainingTokens) : null,
      stack: (costing.timeModel?.stack as Stack | undefined) ?? stackOf(r.framework),
      ...(costing.gpuPrices ? { gpuPrices: costing.gpuPrices } : {}),
      ...(costing.timeModel ? { timeModel: costing.timeModel as Record<string, unknown> } : {}),
    },
  };
}
