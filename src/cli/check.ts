// `vram-lens check <pattern>...`: the CI gate. Expands file patterns, analyses each file and prints one
// line per file (PASS / FAIL / SKIP / ERROR), or SARIF 2.1.0 for code scanning, or GitHub workflow-command
// annotations. Exit code: 0 every checked file fits, 1 some file does not fit, 2 unusable input (a
// missing file, a pattern that matches nothing, a training script whose model could not be resolved, a
// bad option) — 2 wins over 1, since the gate could not do its job.
import { applyTargetFlag, UsageError } from './flags';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gpuCatalog } from '../analysis/hardware/gpus';
import { MeasurementMatch } from '../analysis/measure/anchor';
import { AnalysisDeps, AnalysisSettings, DEFAULT_SETTINGS, Report } from '../analysis/report';
import { formatGiB } from '../analysis/units';
import { measurementFor } from '../measure/lookup';
import { nodeAnalysisDeps } from '../node-deps';
import { analyzeText } from '../analysis/report';
import { CheckEntry, CheckFinding, entryFromReport, exitCodeOf, textLine } from './entry';
import { githubLines } from './github';
import { expandPattern, hasMagic } from './glob';
import { analyzeWithHub, displayPath, readInput } from './input';
import { sarifLog } from './sarif';

export const CHECK_USAGE = `Usage: vram-lens check <file or pattern>... [options]

Checks that every training script or config fits the target GPU; for CI and pre-commit hooks.
Patterns: * and ? within a folder name, ** for any folders, {a,b} alternatives (quote them so that
the shell does not expand them); node_modules and dot-folders are skipped.

Options:
  --gpu <id>          target GPU (default ${DEFAULT_SETTINGS.targetGpu}); \`vram-lens analyze --list-gpus\` shows the ids
  --gpus <n>          GPUs the job runs on when the file does not say (default 1)
  --headroom <pct>    a peak within this share of usable memory is "tight" (still passes; default 10)
  --format <f>        text (default): one line per file
                      sarif: a SARIF 2.1.0 log for GitHub code scanning (rules = diagnostic codes)
                      github: one line per file plus ::error/::warning/::notice annotations
  --output <file>     write the chosen format to this file; the one-line-per-file text goes to stdout
  --hub               fetch config.json from the hub for model ids the catalog lacks (as analyze --hub)
  --no-measurements   ignore .vram-lens/measurements.jsonl (by default a file measured with
                      \`vram-lens measure\` on the target GPU is judged by its measurement, anchored)
  -h, --help          this help

Exit code: 0 when every file fits, 1 when one does not, 2 on unusable input (missing file, pattern
that matches nothing, training script whose model cannot be resolved, bad option).`;

export type CheckFormat = 'text' | 'sarif' | 'github';

export interface CheckOptions {
  patterns: string[];
  settings: AnalysisSettings;
  format: CheckFormat;
  output?: string;
  hub: boolean;
  /** use the files' measurements (.vram-lens/measurements.jsonl); default true */
  measurements?: boolean;
}

function parseCheckArgs(argv: string[]): CheckOptions | 'help' {
  const patterns: string[] = [];
  const settings = { ...DEFAULT_SETTINGS };
  let format: CheckFormat = 'text';
  let output: string | undefined;
  let hub = false;
  let measurements = true;
  let rest = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (rest || !a.startsWith('-') || a === '-') {
      patterns.push(a);
      continue;
    }
    if (a === '--') {
      rest = true;
      continue;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const take = () => {
      if (eq > 0) return a.slice(eq + 1);
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i++;
      return v;
    };
    if (applyTargetFlag(flag, take, settings)) continue;
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--hub':
        hub = true;
        break;
      case '--no-measurements':
        measurements = false;
        break;
      case '--format': {
        const v = take();
        if (v !== 'text' && v !== 'sarif' && v !== 'github') throw new UsageError(`--format takes text, sarif or github, not "${v}"`);
        format = v;
        break;
      }
      case '--output':
      case '-o':
        output = take();
        break;
      default:
        throw new UsageError(`unknown option ${a}`);
    }
  }
  if (patterns.length === 0) throw new UsageError('no file or pattern given');
  return { patterns, settings, format, output, hub, measurements };
}

// ---- the command ----------------------------------------------------------------------------------------

/** The entries for the given patterns (each file once, in the order the patterns name them). */
export async function checkFiles(opts: CheckOptions, deps: AnalysisDeps, log: (m: string) => void): Promise<CheckEntry[]> {
  const entries: CheckEntry[] = [];
  const seen = new Set<string>();
  for (const pattern of opts.patterns) {
    const files = expandPattern(pattern);
    if (hasMagic(pattern) && files.length === 0) {
      entries.push({ file: pattern, status: 'error', summary: 'no file matches this pattern', findings: [] });
      continue;
    }
    for (const file of files) {
      const shown = displayPath(file);
      if (seen.has(shown)) continue;
      seen.add(shown);
      const input = readInput(file);
      if ('error' in input) {
        entries.push({ file: shown, status: 'error', summary: input.error, findings: [] });
        continue;
      }
      const done = await analyzeWithHub(input.text, shown, opts.settings, deps, { enabled: opts.hub, log });
      deps = done.deps;
      const settings = opts.settings;
      const doneDeps = done.deps;
      const entry = entryFromReport(done.report, input.text, (t) => analyzeText(t, shown, settings, doneDeps));
      const m = opts.measurements === false ? null : measurementFor(done.report, path.resolve(file), process.cwd(), gpuCatalog(settings.customGpus));
      entries.push(m ? withMeasurement(entry, done.report, m) : entry);
    }
  }
  return entries;
}

// ---- a measurement of the file ---------------------------------------------------------------------------

const VERDICT_FINDINGS = new Set(['vramLens.oom', 'vramLens.tight']);

/**
 * The entry judged by the file's measurement when one matches the target (src/analysis/measure/anchor.ts):
 * the anchored peak and its verdict replace the prediction's, and say so; a measurement that cannot be used
 * is named with the reason. Skipped and unusable files are left as they are.
 */
export function withMeasurement(entry: CheckEntry, r: Report, m: MeasurementMatch): CheckEntry {
  if (entry.status === 'skip' || entry.status === 'error') return entry;
  if (!m.verdict || m.verdict === 'unknown') return { ...entry, summary: `${entry.summary} (prediction only: ${m.words})` };
  const gpu = `${r.target.count}× ${r.target.gpu.name}`;
  const model = r.model?.spec?.id ?? r.model?.ref ?? 'model';
  const usable = formatGiB(r.target.usableBytes);
  const status = m.verdict === 'oom' ? 'fail' : m.verdict === 'tight' ? 'tight' : 'pass';
  let summary: string;
  if (m.anchoring) {
    summary = `≈ ${formatGiB(m.anchoring.anchoredBytes)}/GPU of ${usable} usable on ${gpu} (${model}), ${m.words}`;
    if (status === 'tight') summary += `; tight: within the ${r.target.headroomPercent}% headroom`;
  } else summary = `out of memory on ${gpu} (${model}): ${m.words}`;
  const findings: CheckFinding[] = entry.findings.filter((f) => !VERDICT_FINDINGS.has(f.code));
  if (status !== 'pass') {
    const s = r.findings.find((f) => VERDICT_FINDINGS.has(f.code))?.span ?? r.anchor;
    const at = s
      ? { line: s.line + 1, column: s.column + 1, endLine: s.endLine + 1, endColumn: s.endColumn + 1 }
      : { line: 1, column: 1, endLine: 1, endColumn: 1 };
    const message = m.anchoring
      ? status === 'fail'
        ? `Peak ≈ ${formatGiB(m.anchoring.anchoredBytes)}/GPU > ${usable} usable on ${gpu} (${m.words}). Out of memory expected.`
        : `Peak ≈ ${formatGiB(m.anchoring.anchoredBytes)}/GPU is within ${r.target.headroomPercent}% of the ${usable} usable on ${gpu} (${m.words}).`
      : `Out of memory: ${m.words}.`;
    findings.unshift({
      severity: status === 'fail' ? 'error' : 'warning',
      code: status === 'fail' ? 'vramLens.oom' : 'vramLens.tight',
      message,
      ...at,
      related: [],
    });
  }
  // the prediction's fix is kept only where the prediction reached the same verdict
  const out: CheckEntry = { ...entry, status, summary, findings };
  if (entry.status !== status) delete out.fix;
  return out;
}

export interface CheckIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  version: string;
}

/** Runs `check` with argv after the subcommand; resolves to the exit code. */
export async function runCheck(argv: string[], wasmDir: string, io: CheckIo): Promise<number> {
  let opts: CheckOptions | 'help';
  try {
    opts = parseCheckArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`vram-lens check: ${e.message}\n\n${CHECK_USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (opts === 'help') {
    io.stdout(CHECK_USAGE + '\n');
    return 0;
  }
  let deps: AnalysisDeps;
  try {
    deps = await nodeAnalysisDeps(wasmDir);
  } catch (e) {
    io.stderr(`vram-lens: could not load the Python grammar from ${wasmDir}: ${(e as Error).message}\n`);
    return 2;
  }
  const entries = await checkFiles(opts, deps, (m) => io.stderr(`vram-lens: ${m}\n`));
  const text = entries.map(textLine).join('\n') + '\n';
  let formatted: string;
  if (opts.format === 'sarif') formatted = JSON.stringify(sarifLog(entries, { version: io.version, cwd: process.cwd() }), null, 2) + '\n';
  else if (opts.format === 'github') formatted = githubLines(entries).join('\n') + '\n';
  else formatted = text;
  if (opts.output) {
    try {
      writeFileSync(opts.output, formatted);
    } catch (e) {
      io.stderr(`vram-lens: cannot write ${opts.output}: ${(e as Error).message}\n`);
      return 2;
    }
    io.stdout(text);
  } else {
    io.stdout(formatted);
    // SARIF on stdout is for a program; the per-file lines still reach the log
    if (opts.format === 'sarif') io.stderr(text);
  }
  return exitCodeOf(entries);
}
