// Input and output schemas of the MCP tools (zod; the SDK turns them into the JSON Schemas that clients
// see and validates every call against them). Output objects are loose: fields may be added later
// (the CLI --json contract: only add fields), and a client that validates must not reject them.
import { z } from 'zod';
import { MAX_FILE_BYTES } from '../cli/input';

export const ToolInput = {
  path: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe("Path of a training script or config, absolute or relative to the server's working folder. Give path or text."),
  text: z.string().max(MAX_FILE_BYTES).optional().describe('The script or config itself, inline (e.g. an unsaved buffer). Give path or text.'),
  filename: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .describe(
      'Name for inline text; its extension tells the kind (.py, .yaml, .json). Default: untitled.py. Relative model paths in the text resolve from its folder.',
    ),
  gpu: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("Target GPU id or alias, e.g. h100-sxm-80gb, a100-sxm-80gb, rtx-4090-24gb (default: the server's --gpu, else h100-sxm-80gb)."),
  gpus: z.number().int().min(1).max(4096).optional().describe('GPUs the job runs on when the file does not say (default 1).'),
};

const Verdict = z.enum(['fits', 'tight', 'oom', 'unknown']);

/** One element of `vram-lens analyze --json` (src/analysis/report.ts ReportJson). */
export const ReportOutput = z.looseObject({
  file: z.string(),
  framework: z.string(),
  isTraining: z.boolean(),
  model: z
    .looseObject({
      id: z.string().nullable(),
      ref: z.string().nullable(),
      parameters: z.number().nullable(),
      trainableParameters: z.number().nullable(),
      source: z.string().nullable(),
    })
    .nullable(),
  perGpu: z
    .looseObject({
      peakAllocatedBytes: z.number(),
      peakReservedBytes: z.number(),
      peakDeviceBytes: z.number(),
      requiredBytes: z.number(),
      phase: z.string(),
      components: z.record(z.string(), z.number()),
      band: z
        .looseObject({ lowBytes: z.number(), highBytes: z.number(), basis: z.string(), cases: z.number() })
        .optional()
        .describe('where measured peaks of this class of job landed around peakReservedBytes (low ≤ point ≤ high); verdicts follow it'),
    })
    .nullable(),
  target: z.looseObject({
    gpu: z.string(),
    gpuName: z.string(),
    count: z.number(),
    usableBytes: z.number(),
    fits: z.boolean().nullable(),
    verdict: Verdict,
  }),
  smallestFittingGpu: z.string().nullable(),
  diagnostics: z.array(z.looseObject({ severity: z.string(), message: z.string(), line: z.number(), column: z.number(), code: z.string() })),
  assumptions: z.array(z.looseObject({ field: z.string(), value: z.unknown().optional(), reason: z.string() })),
  plan: z.record(z.string(), z.looseObject({ value: z.unknown().optional(), origin: z.string(), reason: z.string(), line: z.number().optional() })).nullable(),
  /** the file's newest matching measurement (`vram-lens measure`) and the estimate anchored on it; absent when none */
  measurement: z
    .looseObject({
      measuredAt: z.string(),
      status: z.string(),
      gpu: z.string(),
      gpus: z.number().nullable(),
      measuredReservedBytes: z.number().nullable(),
      anchoredRequiredBytes: z.number().nullable().describe('measured reserved peak + NCCL buffers + the predicted change since; null when not anchored'),
      verdict: Verdict.nullable().describe('what the measurement says for the current settings; null when it says nothing'),
      notAnchoredBecause: z.string().nullable(),
      words: z.string(),
    })
    .optional(),
});

const FixOutput = z.looseObject({
  id: z.string(),
  title: z.string().describe('what to change and the predicted saving per GPU'),
  label: z.string(),
  savingBytes: z.number().describe('predicted reduction of the per-GPU peak, bytes'),
  requiredBytesAfter: z.number(),
  verdictAfter: Verdict,
  preferred: z.boolean().describe('the best single fix: the cheapest that fits, else the largest saving'),
  parts: z.array(z.string()),
  diff: z.string().describe('the edit as a unified diff of the file (git apply / patch -p1)'),
});

export const FixesOutput = z.looseObject({
  file: z.string(),
  verdict: Verdict,
  requiredBytes: z.number().nullable(),
  usableBytes: z.number(),
  target: z.looseObject({ gpu: z.string(), gpuName: z.string(), count: z.number() }),
  fixes: z.array(FixOutput).describe('single fixes, most useful first'),
  fixAll: FixOutput.nullable().describe('the cheapest combination the engine proves sufficient, or null'),
  note: z.string().optional(),
});

/** compare_gpus also takes the number of training tokens to cost. */
export const CompareInput = {
  ...ToolInput,
  tokens: z
    .number()
    .min(1)
    .max(1e16)
    .optional()
    .describe('Training tokens to cost (e.g. 2e9). Default: max_steps × global batch × sequence, or epochs × dataset size, from the file.'),
};

/** The rows of `vram-lens analyze --compare --json` ("comparison"). */
export const CompareOutput = z.looseObject({
  file: z.string(),
  requiredBytes: z.number().nullable().describe('the job as written, per GPU'),
  trainingTokens: z.looseObject({ tokens: z.number(), source: z.string(), how: z.string() }).nullable(),
  rows: z
    .array(
      z.looseObject({
        gpu: z.string(),
        gpuName: z.string(),
        count: z.number().nullable().describe('GPUs of this type the job needs (its own count when that fits); null when none fits'),
        fits: z.boolean(),
        sharding: z.string().nullable(),
        hours: z.number().nullable(),
        costUsd: z.number().nullable(),
        usdPerGpuHour: z.number().nullable(),
        tokensPerSecond: z.number().nullable(),
        usdPerMillionTokens: z.number().nullable(),
        requiredBytes: z.number().nullable(),
        usableBytes: z.number(),
        reason: z.string().nullable(),
      }),
    )
    .describe('fitting rows first, cheapest run first'),
  note: z.string().optional(),
});
