// `vram-lens measure --export`: one measurement as a case of bench/data/calibration.json, so that users
// can contribute measurements. Only facts go in: the model's public id (when the bundled catalog knows it)
// and its shapes, the settings from the plan, the GPU model, package versions and the measured peaks. No
// path, file name, command, git commit, user or host name (the record keeps those locally).
import { MeasurementRecord } from '../analysis/measure/record';
import { GiB } from '../analysis/units';

export type CalibrationCase = Record<string, unknown>;

const gib = (bytes: number) => Math.round((bytes / GiB) * 1000) / 1000;

/** FNV-1a, for a stable id from the case's content (nothing identifying goes in). */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

const VERSION_ORDER = [
  'torch',
  'cuda',
  'hip',
  'transformers',
  'peft',
  'trl',
  'deepspeed',
  'accelerate',
  'bitsandbytes',
  'vllm',
  'unsloth',
  'flash_attn',
  'liger_kernel',
  'python',
];

/** The case, or why this record cannot be one. */
export function recordToCase(r: MeasurementRecord): { case: CalibrationCase } | { error: string } {
  if (r.status !== 'complete' && r.status !== 'finished-early') {
    const why = r.oom ? `it ran out of memory (step ${r.oom.step}, ${r.oom.phase})` : `its status is ${r.status}`;
    return { error: `this measurement has no peak to contribute: ${why}` };
  }
  if (!r.peak || !r.gpu) return { error: 'this measurement has no GPU peak (CUDA was not used under the probe)' };
  if (!r.plan) return { error: `this measurement has no values read from a training file${r.notes.length ? ` (${r.notes.join('; ')})` : ''}` };
  if (!r.model?.arch) return { error: "this measurement's model architecture is unknown, so it cannot be a calibration case" };
  const v = (k: string) => r.plan![k]?.value;
  const quant = v('quantization');
  const method = v('method');
  const lora = ['lora', 'qlora', 'dora'].includes(String(method));
  const optimizer = String(v('optimizer') ?? 'adamw');
  const attention = v('attention');
  const loss = v('loss');
  const extras = [
    ...(optimizer === 'adamw_fused' ? ['fused_optimizer'] : []),
    ...(v('compiled') === true ? ['compile'] : []),
    ...(loss === 'chunked' ? ['chunked_ce'] : loss === 'fused_linear' ? ['liger'] : []),
    ...(v('activationOffload') === true ? ['activation_offload'] : []),
  ];
  const job = v('jobKind');
  const versions: Record<string, string> = {};
  for (const k of [...VERSION_ORDER, ...Object.keys(r.versions).sort()]) if (r.versions[k] !== undefined) versions[k] ??= r.versions[k];
  const phases: Record<string, { allocated: number; reserved: number }> = {};
  for (const [name, p] of Object.entries(r.phases)) phases[name] = { allocated: gib(p.allocatedBytes), reserved: gib(p.reservedBytes) };
  const body: CalibrationCase = {
    group: 'U',
    status: 'M',
    source: `vram-lens measure ${r.tool} (record format ${r.version}), ${r.measuredAt.slice(0, 10)}`,
    notes: [
      `torch.cuda.max_memory_allocated / max_memory_reserved over the whole run, highest of ${r.processes.length} process${r.processes.length === 1 ? '' : 'es'}, ${r.stepsCompleted} optimizer step${r.stepsCompleted === 1 ? '' : 's'}${r.status === 'finished-early' ? ' (the job ended before the requested steps)' : ''}; peak in ${r.peak.phase}.`,
      `Versions: ${Object.entries(versions)
        .map(([k, x]) => `${k} ${x}`)
        .join(', ')}.`,
      r.prediction
        ? `VRAM Lens ${r.tool} predicted ${gib(r.prediction.peakAllocatedBytes)} GiB allocated, ${gib(r.prediction.peakReservedBytes)} GiB reserved.`
        : 'No prediction at the time.',
    ].join(' '),
    model_id: r.model.catalogId,
    arch: {
      ...r.model.arch,
      verified: true,
      verified_by: 'config.json read by VRAM Lens',
      ...(r.model.parameters ? { params_total: r.model.parameters } : {}),
    },
    method: quant !== 'none' && method === 'lora' ? 'qlora' : method,
    weight_dtype: quant === 'nf4' ? (v('doubleQuant') === true ? 'nf4-dq' : 'nf4') : quant && quant !== 'none' ? quant : v('weightDtype'),
    mixed_precision: v('autocast') === true,
    optimizer: optimizer === 'adamw_fused' ? 'adamw' : optimizer,
    optimizer_in_backward: v('optimizerInBackward') === true,
    lora: lora ? { r: v('loraR'), targets: v('loraTargets') } : null,
    micro_batch: v('microBatch'),
    seq_len: v('seqLen'),
    grad_accumulation: v('gradAccumulation'),
    packed: null,
    grad_checkpointing: v('gradientCheckpointing') === true,
    attention: attention === 'flash_attention_2' ? 'flash2' : attention,
    gpus: r.gpu.count,
    sharding: v('sharding') ?? 'none',
    cpu_offload: v('offloadOptimizer') === true || v('offloadParams') === true,
    extras,
    ...(job
      ? {
          job: Object.fromEntries(
            [
              'jobKind',
              'reference',
              'referenceDtype',
              'numGenerations',
              'promptLength',
              'completionLength',
              'generationBatch',
              'generation',
              'vllmMemoryUtilization',
              'vllmSleep',
            ]
              .filter((k) => v(k) !== undefined)
              .map((k) => [k === 'jobKind' ? 'kind' : k, v(k)]),
          ),
        }
      : {}),
    gpu: { name: r.gpu.name, mem_gib: r.gpu.totalBytes ? Math.round((r.gpu.totalBytes / GiB) * 100) / 100 : null, catalog_id: r.gpu.catalogId },
    measured: { value: gib(r.peak.allocatedBytes), unit: 'GiB', metric: 'allocated' },
    measured_reserved: { value: gib(r.peak.reservedBytes), unit: 'GiB', metric: 'reserved' },
    measured_phases: phases,
    predicted: r.prediction
      ? { allocated: gib(r.prediction.peakAllocatedBytes), reserved: gib(r.prediction.peakReservedBytes), unit: 'GiB', tool: r.tool }
      : null,
    versions,
  };
  return { case: { id: `U-${hash(JSON.stringify(body))}`, ...body } };
}
