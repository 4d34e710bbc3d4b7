// `vram-lens mcp`: a Model Context Protocol server on stdio for coding agents outside VS Code (official
// TypeScript SDK). Tools: estimate_memory, suggest_fixes, compare_gpus; each reads a file path or inline
// text and answers with structured content plus the same JSON as text. stdout carries protocol messages
// only: everything else goes to stderr. A bad input is a tool error (isError), never a crash.
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { findGpu, gpuCatalog } from '../analysis/hardware/gpus';
import { measurementJson } from '../analysis/measure/anchor';
import { measurementFor } from '../measure/lookup';
import { AnalysisDeps, AnalysisSettings, DEFAULT_SETTINGS, Report, reportToJson } from '../analysis/report';
import { Fix, fixAll, Reanalyze, suggestFixes, textAfter } from '../analysis/remedies';
import { analyzeText } from '../analysis/report';
import { unifiedDiff } from '../cli/diff';
import { analyzeWithHub, MAX_FILE_BYTES, readInput } from '../cli/input';
import { nodeAnalysisDeps } from '../node-deps';
import { compareRows } from './compare';
import { CompareInput, CompareOutput, FixesOutput, ReportOutput, ToolInput } from './schemas';

export interface ToolArgs {
  path?: string;
  text?: string;
  filename?: string;
  gpu?: string;
  gpus?: number;
}

export interface ServerOptions {
  settings: AnalysisSettings;
  hub: boolean;
  /** folder with web-tree-sitter.wasm and grammars/ */
  wasmDir: string;
  version: string;
  cwd?: string;
  log?: (message: string) => void;
}

class InputError extends Error {}

const json = (value: unknown) => JSON.stringify(value, null, 2);

function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function ok(structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: json(structured) }], structuredContent: structured };
}

/** The analysis the tools share: input checks, the file (or text), the settings, the report. */
export class ToolContext {
  private deps: Promise<AnalysisDeps> | undefined;
  constructor(private readonly opts: ServerOptions) {}

  private loadDeps(): Promise<AnalysisDeps> {
    // the grammar is loaded once, on the first call (tools/list needs none)
    this.deps ??= nodeAnalysisDeps(this.opts.wasmDir);
    return this.deps;
  }

  settingsFor(args: ToolArgs): AnalysisSettings {
    const settings = { ...this.opts.settings };
    if (args.gpu !== undefined) {
      const gpu = findGpu(args.gpu, settings.customGpus);
      if (!gpu) {
        const ids = gpuCatalog(settings.customGpus).map((g) => g.id);
        throw new InputError(`Unknown GPU "${args.gpu}". Known ids: ${ids.join(', ')}.`);
      }
      settings.targetGpu = gpu.id;
    }
    if (args.gpus !== undefined) settings.gpuCount = args.gpus;
    return settings;
  }

  async analyze(args: ToolArgs): Promise<{ report: Report; text: string; settings: AnalysisSettings; reanalyze: Reanalyze; abs?: string }> {
    const cwd = this.opts.cwd ?? process.cwd();
    if (args.path !== undefined && args.text !== undefined) throw new InputError('Give either "path" or "text", not both.');
    if (args.path === undefined && args.text === undefined)
      throw new InputError('Give "path" (a training script or config) or "text" (its content, with an optional "filename").');
    const settings = this.settingsFor(args);
    let text: string;
    let name: string;
    let abs: string | undefined;
    if (args.path !== undefined) {
      abs = path.resolve(cwd, args.path);
      const input = readInput(abs);
      if ('error' in input) throw new InputError(`Cannot read ${args.path}: ${input.error}.`);
      text = input.text;
      // named as `vram-lens analyze` names it, so that estimate_memory equals one element of analyze --json
      name = path.relative(cwd, abs) || args.path;
    } else {
      text = args.text!;
      if (text.length > MAX_FILE_BYTES) throw new InputError(`The text is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB.`);
      name = args.filename ?? 'untitled.py';
    }
    let deps: AnalysisDeps;
    try {
      deps = await this.loadDeps();
    } catch (e) {
      this.deps = undefined;
      throw new Error(`Could not load the Python grammar from ${this.opts.wasmDir}: ${(e as Error).message}`, { cause: e });
    }
    const done = await analyzeWithHub(text, name, settings, deps, { enabled: this.opts.hub, log: this.opts.log ?? (() => undefined) });
    if (done.deps !== deps) this.deps = Promise.resolve(done.deps);
    return { report: done.report, text, settings, reanalyze: (t) => analyzeText(t, name, settings, done.deps), abs };
  }

  /** The file's measurement (.vram-lens/measurements.jsonl between it and the working folder) with the anchored estimate, when one exists. */
  measurement(report: Report, abs: string | undefined, settings: AnalysisSettings) {
    if (!abs) return null;
    const m = measurementFor(report, abs, this.opts.cwd ?? process.cwd(), gpuCatalog(settings.customGpus));
    return m ? measurementJson(m) : null;
  }
}

function fixJson(f: Fix, file: string, text: string) {
  return {
    id: f.id,
    title: f.title,
    label: f.label,
    savingBytes: Math.round(f.savingBytes),
    requiredBytesAfter: Math.round(f.requiredBytesAfter),
    verdictAfter: f.verdictAfter,
    preferred: f.preferred,
    parts: f.parts,
    diff: unifiedDiff(text, textAfter(text, f), { oldName: `a/${file}`, newName: `b/${file}` }),
  };
}

/** suggest_fixes' structured result. */
export function fixesResult(report: Report, text: string, reanalyze?: Reanalyze): Record<string, unknown> {
  const file = report.file.split(path.sep).join('/');
  const base = {
    file: report.file,
    verdict: report.target.verdict,
    requiredBytes: report.estimate ? Math.round(report.estimate.requiredBytes) : null,
    usableBytes: Math.round(report.target.usableBytes),
    target: { gpu: report.target.gpu.id, gpuName: report.target.gpu.name, count: report.target.count },
  };
  if (!report.estimate) {
    const why = report.findings[0]?.message ?? 'no training job found';
    return { ...base, fixes: [], fixAll: null, note: `No estimate, so no fixes: ${why}` };
  }
  const fixes = suggestFixes(report, text, reanalyze).map((f) => fixJson(f, file, text));
  const all = fixAll(report, text, reanalyze);
  const note = fixes.length === 0 ? 'No change the engine knows of lowers the peak for this file (or none can be written into it automatically).' : undefined;
  return { ...base, fixes, fixAll: all ? fixJson(all, file, text) : null, ...(note ? { note } : {}) };
}

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

export function createServer(opts: ServerOptions): McpServer {
  const ctx = new ToolContext(opts);
  const server = new McpServer(
    { name: 'vram-lens', title: 'VRAM Lens', version: opts.version },
    {
      capabilities: { tools: {} },
      instructions:
        'VRAM Lens predicts the peak GPU memory per GPU of an LLM fine-tuning job from its training script or config, without running it. Use estimate_memory before launching a job, suggest_fixes when it does not fit, compare_gpus to choose hardware. Pass a file path or the text itself.',
    },
  );

  /** Runs a tool body; input errors and failures become tool errors with their message. */
  const guarded = (body: (args: ToolArgs) => Promise<CallToolResult>) => async (args: ToolArgs) => {
    try {
      return await body(args);
    } catch (e) {
      if (e instanceof InputError) return toolError(e.message);
      opts.log?.(`internal error: ${(e as Error).stack ?? e}`);
      return toolError(`VRAM Lens failed on this input: ${(e as Error).message}`);
    }
  };

  server.registerTool(
    'estimate_memory',
    {
      title: 'Estimate peak GPU memory',
      description:
        'Predicts the peak GPU memory per GPU of a fine-tuning script or config (Transformers Trainer, TRL, PEFT, bitsandbytes, Unsloth, plain PyTorch) and whether it fits the target GPU. Returns the same object as one element of `vram-lens analyze --json`: model, per-GPU breakdown in bytes, target and verdict, diagnostics with line numbers, the assumed defaults and the full plan. When the file was measured on a GPU (`vram-lens measure`), `measurement` gives the measured peak, the settings changed since, and the estimate anchored on it (anchoredRequiredBytes, verdict): prefer it to the prediction when present.',
      inputSchema: ToolInput,
      outputSchema: ReportOutput,
      annotations: READ_ONLY,
    },
    guarded(async (args) => {
      const { report, settings, abs } = await ctx.analyze(args);
      const measurement = ctx.measurement(report, abs, settings);
      return ok({ ...(reportToJson(report) as unknown as Record<string, unknown>), ...(measurement ? { measurement } : {}) });
    }),
  );

  server.registerTool(
    'suggest_fixes',
    {
      title: 'Suggest memory fixes',
      description:
        'Ranked changes that lower the peak GPU memory of the job (gradient checkpointing, 8-bit optimizer, smaller micro-batch with more accumulation, SDPA attention, LoRA/QLoRA, FSDP, CPU offload), each re-estimated by the engine: predicted saving, peak and verdict after, and the edit as a unified diff of the file. fixAll is the cheapest combination the engine proves sufficient.',
      inputSchema: ToolInput,
      outputSchema: FixesOutput,
      annotations: READ_ONLY,
    },
    guarded(async (args) => {
      const { report, text, reanalyze } = await ctx.analyze(args);
      return ok(fixesResult(report, text, reanalyze));
    }),
  );

  server.registerTool(
    'compare_gpus',
    {
      title: 'Compare GPUs for the job',
      description:
        'Every GPU type in the catalog at the count that fits the job (its own GPU count when that fits, else the fewest with FSDP sharding), with throughput, hours and total cost of the run from dated on-demand prices; fitting rows first, cheapest run first. The same rows as `vram-lens analyze --compare --json`. Pass tokens to cost a run the file does not size.',
      inputSchema: CompareInput,
      outputSchema: CompareOutput,
      annotations: READ_ONLY,
    },
    guarded(async (args: ToolArgs & { tokens?: number }) => {
      const { report, settings } = await ctx.analyze(args);
      return ok(compareRows(report, settings, args.tokens));
    }),
  );

  return server;
}

/** `vram-lens mcp [--gpu <id>] [--gpus <n>] [--headroom <pct>] [--hub]`; resolves when stdin closes. */
export async function runMcp(argv: string[], wasmDir: string, version: string): Promise<number> {
  const log = (m: string) => process.stderr.write(`vram-lens mcp: ${m}\n`);
  const settings = { ...DEFAULT_SETTINGS };
  let hub = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const take = () => inline ?? argv[++i] ?? '';
    if (flag === '--hub') hub = true;
    else if (flag === '--gpu') {
      const id = take();
      const gpu = findGpu(id);
      if (!gpu) return usage(`unknown GPU "${id}"`);
      settings.targetGpu = gpu.id;
    } else if (flag === '--gpus') {
      const n = Number(take());
      if (!Number.isInteger(n) || n < 1 || n > 4096) return usage('--gpus takes a whole number from 1 to 4096');
      settings.gpuCount = n;
    } else if (flag === '--headroom') {
      const n = Number(take());
      if (!Number.isFinite(n) || n < 0 || n >= 100) return usage('--headroom takes a percentage from 0 to 99');
      settings.headroomPercent = n;
    } else if (flag === '-h' || flag === '--help') {
      process.stderr.write(MCP_USAGE + '\n');
      return 0;
    } else return usage(`unknown option ${argv[i]}`);
  }
  // Nothing but protocol messages may reach stdout: route any stray console output to stderr.
  console.log = console.info = console.debug = (...a: unknown[]) => console.error(...a);
  const server = createServer({ settings, hub, wasmDir, version, log });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
    // the client closed our stdin: calls still running finish and answer, then the process exits by itself
    process.stdin.once('end', () => resolve());
  });
  server.server.onerror = (e) => log(`protocol: ${e.message}`);
  await server.connect(transport);
  log(`ready (stdio), default target ${settings.gpuCount}× ${settings.targetGpu}`);
  await closed;
  return 0;
}

export const MCP_USAGE = `Usage: vram-lens mcp [--gpu <id>] [--gpus <n>] [--headroom <pct>] [--hub]

Starts a Model Context Protocol server on stdio (for coding agents). Tools: estimate_memory,
suggest_fixes, compare_gpus; each takes { path | text, filename?, gpu?, gpus? }. The options set the
defaults for calls that do not name a GPU. Register it in an agent as the command \`npx vram-lens mcp\`.`;

function usage(message: string): number {
  process.stderr.write(`vram-lens mcp: ${message}\n\n${MCP_USAGE}\n`);
  return 2;
}
