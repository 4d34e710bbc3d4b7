// Report -> the plain data the page renders (no vscode import: the page tests build it too).
import { COMPONENT_LABELS } from '../analysis/memory/component';
import { Report, summaryLine } from '../analysis/report';
import { PanelData } from './protocol';

export function panelDataOf(r: Report): PanelData {
  return {
    file: r.file,
    summary: summaryLine(r),
    model: r.model?.spec?.id ?? r.model?.ref ?? null,
    gpuName: r.target.gpu.name,
    gpuCount: r.target.count,
    usableBytes: r.target.usableBytes,
    requiredBytes: r.estimate?.requiredBytes ?? null,
    verdict: r.target.verdict,
    phase: r.estimate?.phase ?? null,
    components: (r.estimate?.components ?? []).map((c) => ({ name: c.name, label: COMPONENT_LABELS[c.name], bytes: c.bytes, formula: c.formula, pool: c.pool })),
    fields: r.plan
      ? Object.entries(r.plan).map(([name, f]) => ({ name, value: JSON.stringify(f.value), origin: f.origin, reason: f.reason, line: f.span ? f.span.line : null }))
      : [],
    message: r.estimate ? null : (r.findings[0]?.message ?? 'No training job found in this file.'),
  };
}
