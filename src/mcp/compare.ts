// compare_gpus' structured result: the engine's GPU comparison (src/analysis/hardware/advice.ts
// compareReport, the rows `vram-lens analyze --compare --json` prints as "comparison"): every GPU type
// at the count that fits, with time and cost of the run, cheapest first.
import { compareReport, comparisonJson } from '../analysis/hardware/advice';
import { AnalysisSettings, Report } from '../analysis/report';

export function compareRows(report: Report, settings: AnalysisSettings, tokens?: number): Record<string, unknown> {
  const c = compareReport(report, { ...settings, tokens });
  if (!c || !report.estimate) {
    const why = report.findings[0]?.message ?? 'no training job found';
    return { file: report.file, requiredBytes: null, trainingTokens: null, rows: [], note: `No estimate, so no comparison: ${why}` };
  }
  return {
    file: report.file,
    requiredBytes: Math.round(report.estimate.requiredBytes),
    trainingTokens: c.tokens ? { tokens: c.tokens.tokens, source: c.tokens.source, how: c.tokens.how } : null,
    stack: c.stack,
    rows: comparisonJson(c),
    ...(c.tokens
      ? {}
      : {
          note: 'No training token count (pass tokens, or set max_steps or the dataset size in the file): hours and costUsd are null; usdPerMillionTokens ranks the rows.',
        }),
  };
}
