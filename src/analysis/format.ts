// Plain-text views of a Report, shared by the CLI, the editor's language-model tool and the MCP server.
import { COMPONENT_LABELS } from './memory/component';
import { Report, summaryLine } from './report';
import { formatGiB, formatParams } from './units';

export function table(rows: string[][], align: ('l' | 'r')[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (align[c] === 'r' ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The terminal report of one file: model, values read, per-GPU breakdown, verdict, findings. */
export function formatReport(r: Report): string {
  const out: string[] = [];
  out.push(`${r.file}`);
  out.push(`  framework: ${r.framework}${r.isTraining ? '' : ' (no training found: no OOM check)'}`);
  if (r.model) {
    out.push(
      r.model.spec
        ? `  model: ${r.model.ref}${r.model.spec.id !== r.model.ref ? ` → ${r.model.spec.id}` : ''} (${formatParams(r.estimate?.params.total ?? 0)} params, ${r.model.spec.numLayers} layers, hidden ${r.model.spec.hiddenSize}, vocab ${r.model.spec.vocabSize})`
        : `  model: ${r.model.ref} (not resolved: ${r.model.reason})`,
    );
  }
  if (r.plan) {
    out.push('  hyperparameters:');
    const rows: string[][] = [];
    for (const [key, f] of Object.entries(r.plan)) {
      const where = f.origin === 'read' && f.span ? `line ${f.span.line + 1}` : f.origin;
      rows.push([`    ${key}`, JSON.stringify(f.value), where, f.origin === 'read' ? '' : f.reason]);
    }
    out.push(table(rows, ['l', 'l', 'l', 'l']));
  }
  const e = r.estimate;
  if (e) {
    out.push(`  per-GPU memory at the peak (${e.phase}):`);
    const rows: string[][] = [['    component', 'GiB', 'share', 'formula']];
    const total = e.peakDeviceBytes;
    for (const c of [...e.components].sort((a, b) => b.bytes - a.bytes)) {
      rows.push([
        `    ${COMPONENT_LABELS[c.name]}${c.pool === 'managed' ? ' (managed)' : c.pool === 'driver' ? ' (driver)' : ''}`,
        (c.bytes / 2 ** 30).toFixed(2),
        `${((c.bytes / total) * 100).toFixed(0)}%`,
        c.formula,
      ]);
    }
    out.push(table(rows, ['l', 'r', 'r', 'l']));
    out.push(
      `    allocated ${formatGiB(e.peakAllocatedBytes)} · reserved ${formatGiB(e.peakReservedBytes)} · needed on the GPU ${formatGiB(e.requiredBytes)} · nvidia-smi ≈ ${formatGiB(e.peakDeviceBytes)}`,
    );
    if (e.phases.length > 1)
      out.push(
        `    phases: ${e.phases.map((p) => `${p.phase === 'generation' ? 'generation' : 'training'} ${formatGiB(p.requiredBytes)}`).join(' · ')} (peak: ${e.phase})`,
      );
    if (e.cpuOffloadBytes > 0) out.push(`    CPU RAM for offloaded state: ${formatGiB(e.cpuOffloadBytes)} per GPU process`);
    const verdictWord = r.target.verdict === 'oom' ? 'DOES NOT FIT' : r.target.verdict === 'tight' ? 'MAY NOT FIT' : 'FITS';
    out.push(`  verdict: ${verdictWord} — ${summaryLine(r)} (${formatGiB(r.target.usableBytes)} usable per GPU)`);
  }
  for (const f of r.findings) out.push(`  ${f.severity}: line ${f.span.line + 1}: ${f.message} [${f.code}]`);
  return out.join('\n') + '\n';
}
