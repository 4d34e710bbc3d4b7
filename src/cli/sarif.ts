// `vram-lens check --format sarif`: a SARIF 2.1.0 log (OASIS Standard, sarif-v2.1.0 with errata 01) for
// GitHub code scanning and other SARIF viewers. One run; its rules are the diagnostic codes; each
// diagnostic is a result located on the responsible line, with the other contributors as related
// locations and, where the engine proves one sufficient, the fix as a SARIF `fix` (text replacements).
// Files that could not be checked are tool execution notifications, not results (they are not defects
// in the code). GitHub reads shortDescription, fullDescription, help, defaultConfiguration.level and
// properties.tags of rules, and message, locations and relatedLocations of results.
import { pathToFileURL } from 'node:url';
import type { CheckEntry, CheckFinding } from './entry';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

type Level = 'error' | 'warning' | 'note' | 'none';

interface RuleInfo {
  id: string;
  name: string;
  short: string;
  full: string;
  help: string;
  level: Level;
}

/** One rule per diagnostic code of the engine (src/analysis/report.ts FindingCode). */
export const RULES: RuleInfo[] = [
  {
    id: 'vramLens.oom',
    name: 'OutOfGpuMemory',
    short: 'The job is predicted to run out of GPU memory',
    full: "The predicted peak memory per GPU (the allocator's reserved peak plus NCCL buffers) exceeds the target GPU's usable memory (its total less the CUDA context): the job is expected to fail with CUDA out of memory.",
    help: 'The result sits on the line most responsible (micro-batch, sequence length, model load or optimizer) and lists the other contributors. Reduce the peak (gradient checkpointing, an 8-bit optimizer, a smaller micro-batch with more gradient accumulation, LoRA/QLoRA, FSDP/ZeRO-3 sharding) or choose a GPU with more memory. `vram-lens analyze <file>` prints the breakdown.',
    level: 'error',
  },
  {
    id: 'vramLens.tight',
    name: 'GpuMemoryTight',
    short: 'The predicted peak is within the headroom of the GPU memory',
    full: "The predicted peak memory per GPU fits the target GPU's usable memory, but within the configured headroom: fragmentation or a longer batch may still run out of memory.",
    help: 'Leave more room (gradient checkpointing, an 8-bit optimizer, a smaller micro-batch) or accept the risk. `vram-lens analyze <file>` prints the breakdown.',
    level: 'warning',
  },
  {
    id: 'vramLens.checkpointing',
    name: 'GradientCheckpointingWouldSaveMemory',
    short: 'Gradient checkpointing would save a large share of the memory',
    full: "Activations are over 30% of the peak and gradient checkpointing is off: checkpointing keeps only each layer's input and recomputes the rest in the backward pass (about a third more compute).",
    help: 'Set gradient_checkpointing=True in the training arguments, or call model.gradient_checkpointing_enable().',
    level: 'note',
  },
  {
    id: 'vramLens.unknownModel',
    name: 'UnknownModel',
    short: 'The model could not be resolved',
    full: 'No step of the model resolution chain knows the model id or path (the bundled catalog and architecture table, a local folder with config.json, the local Hugging Face cache, the hub when allowed, the family and size in its name), so memory cannot be estimated.',
    help: 'Use a model id the bundled tables know, point to a local folder with config.json, map the id to a known architecture in vramLens.modelAliases, or run with --hub to fetch config.json from the Hugging Face hub.',
    level: 'note',
  },
  {
    id: 'vramLens.modelAssumed',
    name: 'ModelAssumed',
    short: 'The estimate rests on an approximation of the model',
    full: "The model's shapes are assumed from the family and size in its id (the closest bundled base), or some of its layers (state-space, gated linear attention, per-layer embeddings, ...) are approximated by the nearest kind the memory model knows; the message says which.",
    help: "Point to the model's config.json (a local folder, the Hugging Face cache, or --hub) or map the id to its base architecture in vramLens.modelAliases for exact shapes.",
    level: 'note',
  },
  {
    id: 'vramLens.unread',
    name: 'ValueNotRead',
    short: 'A hyperparameter could not be read statically',
    full: 'A value is computed at run time (a function call, an f-string, an environment variable), so a default is used for it in the estimate.',
    help: 'Write the value as a literal or a module-level constant if the estimate should use it.',
    level: 'note',
  },
  {
    id: 'vramLens.syntax',
    name: 'SyntaxError',
    short: 'The file has syntax errors',
    full: 'The file could not be parsed completely; the estimate uses what could be read.',
    help: 'Fix the syntax errors for a complete estimate.',
    level: 'note',
  },
  {
    id: 'vramLens.notModelled',
    name: 'SettingNotModelled',
    short: 'A setting that changes memory is not modelled',
    full: 'The file sets something that changes the memory of the job (a loss, a training stage, an optimizer type) which the memory model does not cover; the estimate leaves it out.',
    help: 'Treat the estimate as a lower bound for this job.',
    level: 'note',
  },
  {
    id: 'vramLens.unsupported',
    name: 'NotAnalysed',
    short: 'This kind of file is not analysed',
    full: 'VRAM Lens does not read this kind of file in this version.',
    help: 'Check the training script that uses this file instead.',
    level: 'note',
  },
];

const LEVEL: Record<string, Level | undefined> = { error: 'error', warning: 'warning', information: 'note' };

/** A relative path as a URI reference (each segment percent-encoded); an absolute one as a file: URI. */
export function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  if (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file)) return { uri: pathToFileURL(file).href };
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

function region(r: { line: number; column: number; endLine: number; endColumn: number }) {
  return { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn };
}

function result(e: CheckEntry, f: CheckFinding, rules: RuleInfo[]) {
  const level = LEVEL[f.severity];
  if (!level) return null;
  const ruleIndex = rules.findIndex((r) => r.id === f.code);
  const loc = artifactLocation(e.file);
  const out: Record<string, unknown> = {
    ruleId: f.code,
    ...(ruleIndex >= 0 ? { ruleIndex } : {}),
    level,
    message: { text: f.message },
    locations: [{ physicalLocation: { artifactLocation: loc, region: region(f) } }],
  };
  if (f.related.length) {
    out.relatedLocations = f.related.map((x, i) => ({
      id: i + 1,
      message: { text: x.message },
      physicalLocation: { artifactLocation: loc, region: region(x) },
    }));
  }
  if (e.fix && (f.code === 'vramLens.oom' || f.code === 'vramLens.tight')) {
    out.fixes = [
      {
        description: { text: e.fix.description },
        artifactChanges: [
          {
            artifactLocation: loc,
            // charOffset/charLength count UTF-16 code units here (run.columnKind), as the engine's offsets
            replacements: e.fix.edits.map((x) => ({
              deletedRegion: { charOffset: x.start, charLength: x.end - x.start },
              insertedContent: { text: x.newText },
            })),
          },
        ],
      },
    ];
  }
  return out;
}

export interface SarifOptions {
  version: string;
  /** the folder relative paths are relative to (%SRCROOT%) */
  cwd: string;
}

export function sarifLog(entries: CheckEntry[], opts: SarifOptions): Record<string, unknown> {
  // codes the engine may add later still get a rule, so that every result's ruleIndex is valid
  const rules = [...RULES];
  for (const f of entries.flatMap((e) => e.findings)) {
    if (!rules.some((r) => r.id === f.code))
      rules.push({
        id: f.code,
        name: f.code.replace(/^vramLens\./, ''),
        short: f.code,
        full: f.code,
        help: '`vram-lens analyze <file>` explains it.',
        level: LEVEL[f.severity] ?? 'note',
      });
  }
  const results = entries.flatMap((e) => e.findings.map((f) => result(e, f, rules)).filter((x): x is Record<string, unknown> => !!x));
  const notifications = entries
    .filter((e) => e.status === 'skip' || e.status === 'error')
    .map((e) => ({
      level: e.status === 'error' ? 'error' : 'note',
      message: { text: `${e.file}: ${e.summary}` },
      locations: [{ physicalLocation: { artifactLocation: artifactLocation(e.file) } }],
    }));
  const root = pathToFileURL(opts.cwd).href;
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'VRAM Lens',
            semanticVersion: opts.version,
            version: opts.version,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.short },
              fullDescription: { text: r.full },
              help: { text: r.help },
              defaultConfiguration: { level: r.level },
              properties: { tags: ['gpu-memory', 'fine-tuning'] },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: root.endsWith('/') ? root : root + '/' } },
        columnKind: 'utf16CodeUnits',
        invocations: [{ executionSuccessful: !entries.some((e) => e.status === 'error'), toolExecutionNotifications: notifications }],
        results,
      },
    ],
  };
}
