// `vram-lens measure`: the real peak on the user's GPU, next to the prediction.
//   vram-lens measure [--steps N] [--file <path>] [--gpu <id>] [--gpus <n>] [--hub] [--json] -- <command>...
//   vram-lens measure --export [--last | --index N]
//   vram-lens measure --list
// Exit codes: 0 a measurement with at least one step; 1 the job ran out of GPU memory (recorded);
// 2 usage errors, a command that could not start, or nothing measured.
import { applyTargetFlag, UsageError } from '../cli/flags';
import { formatGiB } from '../analysis/units';
import { table } from '../analysis/format';
import { DEFAULT_SETTINGS } from '../analysis/report';
import { MEASUREMENTS_FILE, MeasurementRecord, PROBE_PHASES } from '../analysis/measure/record';
import { DEFAULT_STEPS, measure, readRecords } from './run';
import { recordToCase } from './export';

export const MEASURE_USAGE = `Usage: vram-lens measure [options] -- <your launch command>...
       vram-lens measure --export [--last | --index N]
       vram-lens measure --list

Runs your own training command once, with a small Python probe on PYTHONPATH for that command only
(nothing is installed), and measures the real peak GPU memory of every rank per phase (forward + loss,
backward, optimizer step, generation). The job stops cleanly after N optimizer steps. The result, the
values read from the training file and VRAM Lens's prediction for it go to ${MEASUREMENTS_FILE}.
Nothing runs without the command after --.

  vram-lens measure -- accelerate launch --num_processes 2 train.py --config x.yaml

Options:
  --steps <n>         optimizer steps before the probe stops the job (default ${DEFAULT_STEPS})
  --file <path>       the training script or config to predict, when the command does not name it
                      (default: the first .py/.yaml/.yml/.json/.ipynb argument the launcher runs)
  --gpu <id>          target GPU of the prediction (default: the GPU the probe saw, else ${DEFAULT_SETTINGS.targetGpu})
  --gpus <n>          GPUs of the prediction when the file and command do not say (default: the ranks seen)
  --hub               fetch config.json from the hub for model ids the catalog lacks (as analyze --hub)
  --json              print the record as JSON
  --export            print a measurement as a case of bench/data/calibration.json (no paths or names)
  --last              with --export: the newest measurement (default)
  --index <n>         with --export: the n-th measurement of the file (1 = oldest; --list shows them)
  --list              list the measurements of ${MEASUREMENTS_FILE}
  -h, --help          this help

Exit code: 0 measured, 1 the job ran out of GPU memory, 2 usage error or nothing measured.`;

export interface MeasureIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

type Parsed =
  | { mode: 'help' }
  | { mode: 'list' }
  | { mode: 'export'; index: number | 'last' }
  | {
      mode: 'run';
      command: string[];
      steps: number;
      file?: string;
      json: boolean;
      hub: boolean;
      settings: typeof DEFAULT_SETTINGS;
      gpuGiven: boolean;
      gpusGiven: boolean;
    };

function parse(argv: string[]): Parsed {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const command = dash >= 0 ? argv.slice(dash + 1) : [];
  const settings = { ...DEFAULT_SETTINGS };
  let steps = DEFAULT_STEPS;
  let file: string | undefined;
  let json = false;
  let hub = false;
  let exportMode = false;
  let list = false;
  let index: number | 'last' = 'last';
  let gpuGiven = false;
  let gpusGiven = false;
  for (let i = 0; i < own.length; i++) {
    const a = own[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const take = () => {
      if (inline !== undefined) return inline;
      const v = own[i + 1];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i++;
      return v;
    };
    if (applyTargetFlag(flag, take, settings)) {
      if (flag === '--gpu') gpuGiven = true;
      if (flag === '--gpus') gpusGiven = true;
      continue;
    }
    switch (flag) {
      case '-h':
      case '--help':
        return { mode: 'help' };
      case '--steps': {
        const v = take();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 10000) throw new UsageError(`--steps takes a whole number from 1 to 10000, not "${v}"`);
        steps = n;
        break;
      }
      case '--file':
        file = take();
        break;
      case '--json':
        json = true;
        break;
      case '--hub':
        hub = true;
        break;
      case '--export':
        exportMode = true;
        break;
      case '--last':
        index = 'last';
        break;
      case '--index': {
        const v = take();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--index takes a measurement number from 1 (see --list), not "${v}"`);
        index = n;
        break;
      }
      case '--list':
        list = true;
        break;
      default:
        throw new UsageError(
          a.startsWith('-') ? `unknown option ${a}` : `"${a}" before --: put your launch command after --, e.g. vram-lens measure -- python train.py`,
        );
    }
  }
  if (exportMode) {
    if (command.length) throw new UsageError('--export prints a recorded measurement; it runs no command');
    return { mode: 'export', index };
  }
  if (list) return { mode: 'list' };
  if (command.length === 0) throw new UsageError('no command: put your launch command after --, e.g. vram-lens measure -- python train.py');
  return { mode: 'run', command, steps, file, json, hub, settings, gpuGiven, gpusGiven };
}

const PHASE_LABELS: Record<string, string> = {
  setup: 'setup (loading)',
  forward: 'forward + loss',
  backward: 'backward',
  optimizer: 'optimizer step',
  generation: 'generation',
  other: 'after the step',
};

function pct(measured: number, predicted: number): string {
  const d = ((predicted - measured) / measured) * 100;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)}%`;
}

/** The terminal summary of a record. */
export function formatRecord(r: MeasurementRecord, index: number | null): string {
  const out: string[] = [];
  const gpu = r.gpu ? `${r.gpu.count}× ${r.gpu.name}` : 'no GPU seen';
  const versions = ['torch', 'transformers', 'peft', 'trl', 'deepspeed']
    .filter((k) => r.versions[k])
    .map((k) => `${k} ${r.versions[k]}`)
    .join(', ');
  const head: Record<string, string> = {
    complete: `stopped after ${r.stepsCompleted} optimizer step${r.stepsCompleted === 1 ? '' : 's'}`,
    'finished-early': `the job ended on its own after ${r.stepsCompleted} of ${r.stepsRequested} steps`,
    oom: r.oom ? `OUT OF MEMORY on rank ${r.oom.rank} in step ${r.oom.step} (${PHASE_LABELS[r.oom.phase] ?? r.oom.phase})` : 'OUT OF MEMORY',
    failed: `the job failed ${r.stepsCompleted ? `after ${r.stepsCompleted} optimizer step${r.stepsCompleted === 1 ? '' : 's'}` : 'before a measured step'}`,
    'no-data': 'nothing measured: no process used the GPU under the probe (not a Python/torch command, or python -I/-E/-S, which skip PYTHONPATH or site)',
  };
  const exit = r.exitCode !== null && r.exitCode !== 0 ? ` (exit code ${r.exitCode})` : r.signal ? ` (${r.signal})` : '';
  out.push(`vram-lens measure: ${head[r.status]}${r.status === 'failed' || r.status === 'no-data' ? exit : ''}${r.file ? ` · ${r.file}` : ''}`);
  if (r.gpu) out.push(`  ${gpu}${versions ? ` · ${versions}` : ''}`);
  if (r.oom) out.push(`  ${r.oom.message.split('\n')[0].slice(0, 400)}`);
  const failed = r.processes.find((p) => p.error);
  if (!r.oom && failed?.error) out.push(`  rank ${failed.rank}: ${failed.error.split('\n')[0].slice(0, 400)}`);
  if (r.peak) {
    const rows = [['phase', 'allocated', 'reserved', 'device']];
    const names = [...PROBE_PHASES.filter((p) => r.phases[p]), ...Object.keys(r.phases).filter((p) => !(PROBE_PHASES as readonly string[]).includes(p))];
    for (const p of names) {
      const x = r.phases[p];
      rows.push([
        PHASE_LABELS[p] ?? p,
        formatGiB(x.allocatedBytes),
        formatGiB(x.reservedBytes),
        x.deviceUsedBytes !== null ? formatGiB(x.deviceUsedBytes) : '-',
      ]);
    }
    out.push(
      table(rows, ['l', 'r', 'r', 'r'])
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n'),
    );
    out.push(
      `  measured peak per GPU: ${formatGiB(r.peak.allocatedBytes)} allocated, ${formatGiB(r.peak.reservedBytes)} reserved (rank ${r.peak.rank}, ${PHASE_LABELS[r.peak.phase] ?? r.peak.phase})`,
    );
  }
  if (r.prediction) {
    const vs = r.peak
      ? ` · prediction vs measured: ${pct(r.peak.allocatedBytes, r.prediction.peakAllocatedBytes)} allocated, ${pct(r.peak.reservedBytes, r.prediction.peakReservedBytes)} reserved`
      : '';
    out.push(`  predicted per GPU:     ${formatGiB(r.prediction.peakAllocatedBytes)} allocated, ${formatGiB(r.prediction.peakReservedBytes)} reserved${vs}`);
  }
  for (const n of r.notes) out.push(`  note: ${n}`);
  if (index !== null) out.push(`  recorded as measurement ${index} in ${MEASUREMENTS_FILE}`);
  return out.join('\n');
}

export async function runMeasure(argv: string[], baseDir: string, io: MeasureIo): Promise<number> {
  let opts: Parsed;
  try {
    opts = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`vram-lens measure: ${e.message}\n\n${MEASURE_USAGE}\n`);
      return 2;
    }
    throw e;
  }
  const cwd = io.cwd ?? process.cwd();
  if (opts.mode === 'help') {
    io.stdout(`${MEASURE_USAGE}\n`);
    return 0;
  }
  if (opts.mode === 'list' || opts.mode === 'export') {
    const { records, problems } = readRecords(cwd);
    for (const p of problems) io.stderr(`vram-lens measure: ${MEASUREMENTS_FILE} ${p} (skipped)\n`);
    if (!records.length) {
      io.stderr(`vram-lens measure: no measurements in ${MEASUREMENTS_FILE}; run vram-lens measure -- <command> first\n`);
      return 2;
    }
    if (opts.mode === 'list') {
      const rows = [['#', 'when', 'status', 'file', 'GPU', 'peak allocated', 'predicted']];
      records.forEach(({ record: r }, i) =>
        rows.push([
          String(i + 1),
          r.measuredAt.slice(0, 16).replace('T', ' '),
          r.status,
          r.file ?? '-',
          r.gpu ? `${r.gpu.count}× ${r.gpu.name}` : '-',
          r.peak ? formatGiB(r.peak.allocatedBytes) : '-',
          r.prediction ? formatGiB(r.prediction.peakAllocatedBytes) : '-',
        ]),
      );
      io.stdout(`${table(rows, ['r', 'l', 'l', 'l', 'l', 'r', 'r'])}\n`);
      return 0;
    }
    const n = opts.index === 'last' ? records.length : opts.index;
    if (n > records.length) {
      io.stderr(`vram-lens measure: there ${records.length === 1 ? 'is 1 measurement' : `are ${records.length} measurements`}, not ${n}\n`);
      return 2;
    }
    const c = recordToCase(records[n - 1].record);
    if ('error' in c) {
      io.stderr(`vram-lens measure: measurement ${n}: ${c.error}\n`);
      return 2;
    }
    io.stdout(`${JSON.stringify(c.case, null, 2)}\n`);
    return 0;
  }
  const result = await measure({
    command: opts.command,
    steps: opts.steps,
    cwd,
    file: opts.file,
    settings: opts.settings,
    gpuGiven: opts.gpuGiven,
    gpusGiven: opts.gpusGiven,
    hub: opts.hub,
    baseDir,
    env: io.env,
    log: (m) => io.stderr(`vram-lens measure: ${m}\n`),
  });
  if (!result.record) {
    io.stderr(`vram-lens measure: ${result.error}\n`);
    return 2;
  }
  const r = result.record;
  if (opts.json) io.stdout(`${JSON.stringify(r, null, 2)}\n`);
  else io.stdout(`${formatRecord(r, result.index)}\n`);
  return r.status === 'oom' ? 1 : r.status === 'complete' || r.status === 'finished-early' ? 0 : 2;
}
