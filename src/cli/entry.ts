// The result of checking one file, as plain data: every output format of `vram-lens check` (text,
// SARIF, GitHub annotations) is made from these entries, so formats are tested on hand-written ones.
import { Report, requiredRange, Severity } from '../analysis/report';
import { fixAll, Reanalyze, suggestFixes } from '../analysis/remedies';
import { formatGiB } from '../analysis/units';

export type CheckStatus = 'pass' | 'tight' | 'fail' | 'skip' | 'error';

export interface CheckRegion {
  /** 1-based, as editors and SARIF count */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface CheckFinding extends CheckRegion {
  severity: Severity;
  code: string;
  message: string;
  related: (CheckRegion & { message: string })[];
}

export interface CheckFix {
  description: string;
  /** UTF-16 offsets into the file's text, as the engine's edits */
  edits: { start: number; end: number; newText: string }[];
}

/** What every output format is made from: plain data, so that formats are tested on hand-written entries. */
export interface CheckEntry {
  /** as shown and as SARIF's artifact URI: relative to the working folder, forward slashes */
  file: string;
  status: CheckStatus;
  /** after "PASS file: " — the estimate against the target, or the reason for SKIP / ERROR */
  summary: string;
  findings: CheckFinding[];
  /** the preferred fix when the file does not fit or is tight */
  fix?: CheckFix;
}

// ---- from a Report to an entry ------------------------------------------------------------------------

const region = (s: { line: number; column: number; endLine: number; endColumn: number }): CheckRegion => ({
  line: s.line + 1,
  column: s.column + 1,
  endLine: s.endLine + 1,
  endColumn: s.endColumn + 1,
});

export function entryFromReport(r: Report, text?: string, reanalyze?: Reanalyze): CheckEntry {
  const findings: CheckFinding[] = r.findings
    .filter((f) => f.code !== 'vramLens.unsupported')
    .map((f) => ({
      severity: f.severity,
      code: f.code,
      message: f.message,
      ...region(f.span),
      related: f.related.map((x) => ({ ...region(x.span), message: x.message })),
    }));
  const unsupported = r.findings.find((f) => f.code === 'vramLens.unsupported');
  if (unsupported) return { file: r.file, status: 'skip', summary: unsupported.message, findings: [] };
  if (!r.isTraining)
    return {
      file: r.file,
      status: 'skip',
      summary: 'no training job found (no trainer, optimizer, PEFT config or batch size): nothing to check',
      findings: [],
    };
  const e = r.estimate;
  if (!e) {
    const reason = r.model?.reason ?? 'not in the catalog';
    const why =
      r.model && !r.model.spec
        ? reason.includes(r.model.ref)
          ? reason
          : `model "${r.model.ref}": ${reason}`
        : (r.findings.find((f) => f.code === 'vramLens.unknownModel')?.message ?? 'no estimate');
    return { file: r.file, status: 'error', summary: why, findings };
  }
  const gpu = `${r.target.count}× ${r.target.gpu.name}`;
  let summary = `≈ ${requiredRange(r)}/GPU of ${formatGiB(r.target.usableBytes)} usable on ${gpu} (${r.model?.spec?.id ?? r.model?.ref ?? 'model'})`;
  const status: CheckStatus = r.target.verdict === 'oom' ? 'fail' : r.target.verdict === 'tight' ? 'tight' : 'pass';
  if (status === 'tight')
    summary +=
      e.requiredBytes > r.target.usableBytes * (1 - r.target.headroomPercent / 100)
        ? `, may not fit: within the ${r.target.headroomPercent}% headroom`
        : ', may not fit: the band reaches past the usable memory';
  if (status === 'fail' && r.smallestFittingGpu) summary += `; fits ${r.target.count}× ${r.smallestFittingGpu.name}`;
  const entry: CheckEntry = { file: r.file, status, summary, findings };
  if ((status === 'fail' || status === 'tight') && text !== undefined) {
    const best = (status === 'fail' ? fixAll(r, text, reanalyze) : null) ?? suggestFixes(r, text, reanalyze).find((f) => f.preferred);
    if (best && best.verdictAfter !== 'oom')
      entry.fix = { description: best.title, edits: best.edits.map((x) => ({ start: x.start, end: x.end, newText: x.newText })) };
  }
  return entry;
}

// ---- text format ----------------------------------------------------------------------------------------

const WORD: Record<CheckStatus, string> = { pass: 'PASS', tight: 'PASS', fail: 'FAIL', skip: 'SKIP', error: 'ERROR' };

export function textLine(e: CheckEntry): string {
  return `${WORD[e.status]} ${e.file}: ${e.summary}`;
}

export function exitCodeOf(entries: CheckEntry[]): number {
  if (entries.some((e) => e.status === 'error')) return 2;
  if (entries.some((e) => e.status === 'fail')) return 1;
  return 0;
}
