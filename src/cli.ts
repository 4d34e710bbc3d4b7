// vram-lens: the same engine as the editor, for terminals and CI.
//   vram-lens analyze <file>... [--gpu <id>] [--gpus <n>] [--headroom <percent>] [--json]
// Exit codes: 0 every file fits, 1 some file does not fit, 2 unusable input.
import { applyTargetFlag, UsageError } from './cli/flags';
import path from 'node:path';
import { gpuCatalog } from './analysis/hardware/gpus';
import { analyzeWithHub, readInput } from './cli/input';
import { AnalysisDeps, AnalysisSettings, DEFAULT_SETTINGS, Report, reportToJson } from './analysis/report';
import { formatReport, table } from './analysis/format';
import { compareReport, comparisonJson, formatComparison, formatSolve, solveJson, solveReport } from './analysis/hardware/advice';
import { SOLVE_FIELDS, SolveField } from './analysis/hardware/solve';
import { parseTokenCount, TimeModelOverrides, TimeModelSchema } from './analysis/hardware/time';
import { nodeAnalysisDeps } from './node-deps';
import { runCheck } from './cli/check';
import { VERSION } from './cli/version';
import { runMcp } from './mcp/server';
import { runMeasure } from './measure/cli';

const USAGE = `Usage: vram-lens analyze <file>... [options]
       vram-lens check <file or pattern>... [--format text|sarif|github]   the CI gate (check --help)
       vram-lens mcp                  a Model Context Protocol server on stdio for coding agents

Predicts the peak GPU memory per GPU of fine-tuning scripts, without running them.

Options:
  --gpu <id>          target GPU (default ${DEFAULT_SETTINGS.targetGpu}); --list-gpus shows the ids
  --gpus <n>          GPUs the job runs on when the file does not say (default 1)
  --headroom <pct>    warn when the peak is within this share of usable memory (default 10)
  --json              print a JSON array, one object per file
  --hub               fetch config.json from the hub ($HF_ENDPOINT or huggingface.co; HF_TOKEN for
                      gated models, none when HF_HUB_OFFLINE) for model ids that no bundled table,
                      local folder or Hugging Face cache knows (5 s timeout, cached in
                      ~/.cache/vram-lens/hub-configs)
  --compare           add every GPU type at the count that fits (the --gpus count when it fits),
                      with time and total cost, cheapest run first (--json: "comparison")
  --tokens <n>        training tokens to cost (e.g. 2e9, 500M); wins over max_steps/epochs in the file
  --time-model <json> override time-model defaults, e.g. '{"mfu":0.3,"fp8":true,"stack":"hf"}'
  --solve <field>     largest micro_batch | seq_len | lora_r that fits the target with headroom
                      (--json: "solve")
  --list-gpus         list the GPU catalog
  -h, --help          this help

Exit code: 0 when every file fits, 1 when one does not, 2 on unusable input.`;

interface Options {
  files: string[];
  settings: AnalysisSettings;
  json: boolean;
  hub: boolean;
  compare: boolean;
  tokens?: number;
  timeModel?: TimeModelOverrides;
  solve?: SolveField;
}

function parseArgs(argv: string[]): Options | 'help' | 'list-gpus' {
  const files: string[] = [];
  const settings = { ...DEFAULT_SETTINGS };
  let json = false;
  let hub = false;
  const hw: Pick<Options, 'compare' | 'tokens' | 'timeModel' | 'solve'> = { compare: false };
  const value = (i: number, name: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const take = () => (inline !== undefined ? inline : value(i++, flag));
    if (applyTargetFlag(flag, take, settings)) continue;
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--list-gpus':
        return 'list-gpus';
      case '--json':
        json = true;
        break;
      case '--hub':
        hub = true;
        break;
      case '--compare':
        hw.compare = true;
        break;
      case '--tokens': {
        const v = take();
        const n = parseTokenCount(v);
        if (n === undefined) throw new UsageError(`--tokens takes a positive count such as 2e9 or 500M, not "${v}"`);
        hw.tokens = n;
        break;
      }
      case '--time-model': {
        const v = take();
        let parsed: unknown;
        try {
          parsed = JSON.parse(v);
        } catch {
          throw new UsageError(`--time-model takes a JSON object, not "${v}"`);
        }
        const r = TimeModelSchema.safeParse(parsed);
        if (!r.success) throw new UsageError(`--time-model: ${r.error.issues.map((x) => `${x.path.join('.') || 'value'}: ${x.message}`).join('; ')}`);
        hw.timeModel = r.data;
        break;
      }
      case '--solve': {
        const v = take();
        if (!(SOLVE_FIELDS as readonly string[]).includes(v)) throw new UsageError(`--solve takes ${SOLVE_FIELDS.join(', ')}, not "${v}"`);
        hw.solve = v as SolveField;
        break;
      }
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
        files.push(a);
    }
  }
  if (files.length === 0) throw new UsageError('no file given');
  return { files, settings, json, hub, ...hw };
}

function printReport(r: Report, opts: Options): void {
  const extra: string[] = [];
  const c = opts.compare ? compareReport(r, { ...opts.settings, tokens: opts.tokens, timeModel: opts.timeModel }) : null;
  if (c) extra.push(formatComparison(c));
  const s = opts.solve ? solveReport(r, opts.solve) : null;
  if (s) extra.push(formatSolve(s, r));
  console.log(formatReport(r) + (extra.length ? `\n${extra.join('\n')}\n` : ''));
}

/** The --json object of a report, with "comparison" and "solve" when asked for (null without an estimate). */
function jsonOf(r: Report, opts: Options) {
  const j: Record<string, unknown> = { ...reportToJson(r) };
  if (opts.compare) {
    const c = compareReport(r, { ...opts.settings, tokens: opts.tokens, timeModel: opts.timeModel });
    j.comparison = c ? comparisonJson(c) : null;
    j.trainingTokens = c?.tokens ? { tokens: c.tokens.tokens, source: c.tokens.source, how: c.tokens.how } : null;
  }
  if (opts.solve) {
    const s = solveReport(r, opts.solve);
    j.solve = s ? solveJson(s) : null;
  }
  return j;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'check')
    return runCheck(argv.slice(1), __dirname, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), version: VERSION });
  if (argv[0] === 'mcp') return runMcp(argv.slice(1), __dirname, VERSION);
  if (argv[0] === 'measure') return runMeasure(argv.slice(1), __dirname, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
  if (argv[0] === '--version' || argv[0] === '-V') {
    console.log(VERSION);
    return 0;
  }
  if (argv[0] !== 'analyze') {
    if (argv[0] === '-h' || argv[0] === '--help' || argv.length === 0) {
      console.log(USAGE);
      return argv.length === 0 ? 2 : 0;
    }
    console.error(`vram-lens: unknown command "${argv[0]}"\n\n${USAGE}`);
    return 2;
  }
  let opts: Options | 'help' | 'list-gpus';
  try {
    opts = parseArgs(argv.slice(1));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`vram-lens: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (opts === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (opts === 'list-gpus') {
    const rows = [['id', 'name', 'GiB', '$/h']];
    for (const g of gpuCatalog()) rows.push([g.id, g.name, g.memoryGiB.toFixed(1), g.priceUsdPerHour != null ? g.priceUsdPerHour.toFixed(2) : '-']);
    console.log(table(rows, ['l', 'l', 'r', 'r']));
    return 0;
  }
  let deps: AnalysisDeps;
  try {
    deps = await nodeAnalysisDeps(__dirname);
  } catch (e) {
    console.error(`vram-lens: could not load the Python grammar from ${__dirname}: ${(e as Error).message}`);
    return 2;
  }
  let worst = 0;
  const reports = [];
  for (const file of opts.files) {
    const read = readInput(file);
    if ('error' in read) {
      console.error(`vram-lens: ${file}: ${read.error}`);
      worst = 2;
      continue;
    }
    const text = read.text;
    const name = path.relative(process.cwd(), path.resolve(file)) || file;
    const done = await analyzeWithHub(text, name, opts.settings, deps, { enabled: opts.hub, log: (m) => console.error(`vram-lens: ${m}`) });
    deps = done.deps;
    const r = done.report;
    reports.push(r);
    if (r.target.verdict === 'oom') worst = Math.max(worst, 1);
    else if (!r.estimate && r.isTraining && worst === 0) worst = 2;
  }
  if (opts.json)
    console.log(
      JSON.stringify(
        reports.map((r) => jsonOf(r, opts as Options)),
        null,
        2,
      ),
    );
  else reports.forEach((r) => printReport(r, opts as Options));
  return worst;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`vram-lens: internal error: ${(e as Error).stack ?? e}`);
    process.exitCode = 2;
  },
);
