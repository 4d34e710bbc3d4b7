// "Copy as Markdown" and "Copy as JSON": the page's picture as text for a pull request or an issue.
// The JSON keeps the CLI's stable field names (file, framework, model, perGpu, target, assumptions, plan)
// and adds `whatIf` when controls differ from the file.
import type { WhatIfChange } from '../analysis/remedies/apply';
import { formatGiB, GiB } from '../analysis/units';
import { HardwareRow } from './hardware';
import { PanelData } from './protocol';
import { displayValue, Evaluation, FIELD_LABELS, fileControls } from './scenario';

const PHASE: Record<string, string> = { 'forward-loss': 'forward pass and loss', 'optimizer-step': 'optimizer step' };
const VERDICT: Record<string, string> = {
  fits: 'fits',
  tight: 'may not fit (within the headroom, or the band reaches past the usable memory)',
  oom: 'does not fit',
};

export function phaseLabel(phase: string): string {
  return PHASE[phase] ?? phase;
}

export function verdictLabel(v: string): string {
  return VERDICT[v] ?? v;
}

const gib = (b: number) => (b / GiB).toFixed(2);
const pct = (part: number, total: number) => (total > 0 ? `${Math.round((part / total) * 100)}%` : '–');
const signed = (b: number) => (Math.abs(b) < 0.005 * GiB ? '±0' : `${b >= 0 ? '+' : '−'}${formatGiB(Math.abs(b))}`);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function verdictLine(e: Evaluation, headroom: number): string {
  return `≈ ${formatGiB(e.estimate.requiredBytes)} per GPU on ${e.count}× ${e.gpu.name} (${formatGiB(e.usableBytes)} usable, ${headroom}% headroom): ${verdictLabel(e.verdict)}; the peak is in the ${phaseLabel(e.estimate.phase)}.`;
}

export interface ExportInput {
  data: PanelData;
  file: Evaluation;
  scenario: Evaluation;
  changes: WhatIfChange[];
  hardware: HardwareRow[];
}

export function toMarkdown({ data: d, file, scenario, changes, hardware }: ExportInput): string {
  const lines: string[] = [];
  const model = d.model?.ref ?? 'unknown model';
  lines.push(`### GPU memory: \`${d.fileName}\` (${model})`, '');
  const fileCtl = fileControls(d);
  const what = changes.length ? scenario : file;
  if (changes.length) {
    lines.push(`**File:** ${verdictLine(file, d.target.headroomPercent)}`, '');
    lines.push(
      `**What-if:** ${verdictLine(scenario, d.target.headroomPercent)} (${signed(scenario.estimate.requiredBytes - file.estimate.requiredBytes)})`,
      '',
    );
    lines.push('| Setting | File | What-if |', '|---|---|---|');
    for (const c of changes)
      lines.push(`| ${FIELD_LABELS[c.field]} | ${cell(displayValue(c.field, fileCtl?.[c.field]))} | ${cell(displayValue(c.field, c.value))} |`);
    lines.push('');
    lines.push('| Component | File (GiB) | What-if (GiB) | Share | Change |', '|---|---:|---:|---:|---:|');
    file.groups.forEach((g, i) => {
      const w = scenario.groups[i];
      if (!g.bytes && !w.bytes) return;
      lines.push(`| ${g.label} | ${gib(g.bytes)} | ${gib(w.bytes)} | ${pct(w.bytes, scenario.estimate.requiredBytes)} | ${signed(w.bytes - g.bytes)} |`);
    });
    lines.push(
      `| **Total** | **${gib(file.estimate.requiredBytes)}** | **${gib(scenario.estimate.requiredBytes)}** | 100% | ${signed(scenario.estimate.requiredBytes - file.estimate.requiredBytes)} |`,
    );
  } else {
    lines.push(verdictLine(file, d.target.headroomPercent), '');
    lines.push('| Component | GiB | Share |', '|---|---:|---:|');
    for (const g of file.groups) if (g.bytes) lines.push(`| ${g.label} | ${gib(g.bytes)} | ${pct(g.bytes, file.estimate.requiredBytes)} |`);
    lines.push(`| **Total** | **${gib(file.estimate.requiredBytes)}** | 100% |`);
  }
  const paged = what.groups.reduce((t, g) => t + g.pagedBytes, 0);
  if (paged) lines.push('', `Plus ${formatGiB(paged)} of paged optimizer state in CUDA managed memory (moves to host RAM when the GPU is short; not counted).`);
  const fitting = hardware.filter((h) => h.fits).slice(0, 6);
  if (fitting.length) {
    lines.push(
      '',
      `Smallest set-up that fits per GPU type${changes.length ? ' (what-if)' : ''}:`,
      '',
      '| GPU | Count | Sharding | Per GPU | $/h |',
      '|---|---:|---|---:|---:|',
    );
    for (const h of fitting)
      lines.push(
        `| ${h.gpu.name} | ${h.count} | ${h.label} | ${formatGiB(h.requiredBytes!)} | ${h.usdPerHour != null ? `$${h.usdPerHour.toFixed(2)}` : '–'} |`,
      );
  }
  const assumed = d.fields.filter((f) => f.origin !== 'read');
  if (assumed.length) {
    lines.push('', '<details><summary>Defaults and assumptions</summary>', '');
    for (const f of assumed) lines.push(`- \`${f.name}\` = ${cell(JSON.stringify(f.value))} (${f.origin}): ${f.reason}`);
    lines.push('', '</details>');
  }
  lines.push('', '<sub>Estimated by VRAM Lens from the source; no code was run.</sub>');
  return lines.join('\n') + '\n';
}

function perGpu(e: Evaluation) {
  const components: Record<string, number> = {};
  for (const c of e.estimate.components) components[c.name] = (components[c.name] ?? 0) + Math.round(c.bytes);
  return {
    peakAllocatedBytes: Math.round(e.estimate.peakAllocatedBytes),
    peakReservedBytes: Math.round(e.estimate.peakReservedBytes),
    peakDeviceBytes: Math.round(e.estimate.peakDeviceBytes),
    requiredBytes: Math.round(e.estimate.requiredBytes),
    phase: e.estimate.phase,
    components,
  };
}

function target(e: Evaluation) {
  return { gpu: e.gpu.id, gpuName: e.gpu.name, count: e.count, usableBytes: Math.round(e.usableBytes), fits: e.verdict !== 'oom', verdict: e.verdict };
}

export function toJson({ data: d, file, scenario, changes, hardware }: ExportInput): string {
  const fileCtl = fileControls(d);
  const out = {
    file: d.file,
    framework: d.framework,
    model: d.model ? { id: d.model.id, ref: d.model.ref, parameters: file.estimate.params.total, trainableParameters: file.estimate.params.trainable } : null,
    perGpu: perGpu(file),
    target: target(file),
    assumptions: d.fields.filter((f) => f.origin !== 'read').map((f) => ({ field: f.name, value: f.value, reason: f.reason })),
    plan: Object.fromEntries(
      d.fields.map((f) => [f.name, { value: f.value, origin: f.origin, reason: f.reason, ...(f.line !== null ? { line: f.line + 1 } : {}) }]),
    ),
    whatIf: changes.length
      ? {
          changes: changes.map((c) => ({ field: c.field, from: fileCtl?.[c.field] ?? null, to: c.value })),
          trainableParameters: scenario.estimate.params.trainable,
          perGpu: perGpu(scenario),
          target: target(scenario),
        }
      : null,
    hardware: hardware.map((h) => ({
      gpu: h.gpu.id,
      fits: h.fits,
      count: h.count,
      sharding: h.label,
      requiredBytes: h.requiredBytes === null ? null : Math.round(h.requiredBytes),
      usdPerHour: h.usdPerHour,
    })),
  };
  return JSON.stringify(out, null, 2) + '\n';
}
