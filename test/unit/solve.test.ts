// "What fits on the hardware I have": each answer is the engine's boundary — the value fits with headroom
// under the report's own verdict rule, the value + 1 does not — for micro-batch, sequence length and LoRA
// rank; the accumulation that keeps the effective batch; the edits only where the file sets the value;
// and the CLI's --solve against a re-analysis of the edited file.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { editFor, replacementText, solveEdits, solveReport } from '../../src/analysis/hardware/advice';
import { GpuSpec, usableBytes } from '../../src/analysis/hardware/gpus';
import { largestFitting, SOLVE_FIELDS, SolveField, solveLargest } from '../../src/analysis/hardware/solve';
import { estimateMemory } from '../../src/analysis/memory/estimate';
import { defaultSetup, TrainingSetup } from '../../src/analysis/memory/setup';

import { ModelSpec } from '../../src/analysis/models/spec';
import { analyzeText } from '../../src/analysis/report';
import { verdictOf } from '../../src/analysis/verdict';
import { gpu, loadDeps, repoRoot, settings, spec } from './helpers';

function withValue(s: TrainingSetup, field: SolveField, v: number): TrainingSetup {
  if (field === 'micro_batch') return { ...s, microBatch: v };
  if (field === 'seq_len') return { ...s, seqLen: v };
  return { ...s, lora: { ...s.lora!, r: v } };
}
/** The report's verdict rule, applied to the engine directly. */
function fitsWithHeadroom(m: ModelSpec, s: TrainingSetup, g: GpuSpec, headroom: number): boolean {
  return verdictOf(estimateMemory(m, s).requiredBytes, usableBytes(g), headroom) === 'fits';
}

const LORA_8B = defaultSetup({
  method: 'lora',
  lora: { r: 16, targets: 'all-linear', dora: false, modulesToSave: [], dropout: 0.05, dtype: 'fp32' },
  autocast: true,
  microBatch: 2,
  seqLen: 2048,
  gradAccumulation: 4,
  gradientCheckpointing: false,
});

const CASES: { name: string; model: string; gpu: string; setup: TrainingSetup; headroom: number }[] = [
  { name: 'Llama-3.1-8B LoRA, no checkpointing, on an 80 GB A100', model: 'meta-llama/Llama-3.1-8B', gpu: 'a100-sxm-80gb', setup: LORA_8B, headroom: 10 },
  {
    name: 'Llama-3.1-8B LoRA with checkpointing on a 24 GB RTX 4090',
    model: 'meta-llama/Llama-3.1-8B',
    gpu: 'rtx-4090-24gb',
    setup: { ...LORA_8B, gradientCheckpointing: true, microBatch: 1, seqLen: 1024 },
    headroom: 5,
  },
  {
    name: 'Qwen2.5-7B QLoRA, eager attention, on a 16 GB T4',
    model: 'Qwen/Qwen2.5-7B',
    gpu: 't4-16gb',
    setup: { ...LORA_8B, method: 'qlora', quantization: 'nf4', doubleQuant: true, attention: 'eager', gradientCheckpointing: true, microBatch: 1, seqLen: 512 },
    headroom: 10,
  },
  {
    name: 'Llama-3.1-70B full fine-tune, FSDP over 32 H100s',
    model: 'meta-llama/Llama-3.1-70B',
    gpu: 'h100-sxm-80gb',
    setup: defaultSetup({ method: 'full', optimizer: 'adamw_fused', gpus: 32, sharding: 'fsdp', microBatch: 1, seqLen: 4096, gradientCheckpointing: true }),
    headroom: 10,
  },
];

describe('solve: the largest value that fits (solve.ts)', () => {
  it('largestFitting finds the boundary of a monotone predicate, 0 when nothing fits, the cap when all do', () => {
    for (const b of [1, 2, 3, 7, 8, 9, 1000, 65535])
      assert.equal(
        largestFitting((v) => v <= b, 1 << 16),
        b,
      );
    assert.equal(
      largestFitting(() => false, 100),
      0,
    );
    assert.equal(
      largestFitting(() => true, 100),
      100,
    );
    assert.equal(
      largestFitting((v) => v <= 100, 100),
      100,
    );
  });

  for (const c of CASES) {
    for (const field of SOLVE_FIELDS) {
      if (field === 'lora_r' && !c.setup.lora) continue;
      it(`${c.name}: ${field} fits at the answer and not one above`, () => {
        const m = spec(c.model);
        const g = gpu(c.gpu);
        const r = solveLargest(m, c.setup, g, c.headroom, field);
        assert.ok(r.value !== null, r.reason ?? '');
        assert.ok(fitsWithHeadroom(m, withValue(c.setup, field, r.value), g, c.headroom), `${field}=${r.value} fits`);
        if (!r.capped) assert.equal(fitsWithHeadroom(m, withValue(c.setup, field, r.value + 1), g, c.headroom), false, `${field}=${r.value + 1} does not fit`);
        else assert.equal(r.value, r.cap);
        assert.equal(r.requiredBytesAtValue, estimateMemory(m, withValue(c.setup, field, r.value)).requiredBytes);
        if (r.suggested !== null) {
          assert.ok(r.suggested <= r.value && r.suggested >= 1);
          assert.ok(fitsWithHeadroom(m, withValue(c.setup, field, r.suggested), g, c.headroom));
        }
      });
    }
  }

  it('the sequence search stops at the model context; a rank beyond the hidden size is not offered', () => {
    const m = spec('meta-llama/Llama-2-7b-hf'); // max_position_embeddings 4096
    const r = solveLargest(m, { ...LORA_8B, gradientCheckpointing: true, microBatch: 1 }, gpu('b300-288gb'), 10, 'seq_len');
    assert.equal(r.capped, true);
    assert.equal(r.value, 4096);
    assert.match(r.capReason, /max_position_embeddings 4096/);
    const rank = solveLargest(m, { ...LORA_8B, gradientCheckpointing: true, microBatch: 1, seqLen: 256 }, gpu('b300-288gb'), 10, 'lora_r');
    assert.equal(rank.value, 4096);
    assert.equal(rank.suggested, 4096);
  });

  it('nothing fits: null with the reason; not a LoRA job: no rank', () => {
    const m = spec('meta-llama/Llama-3.1-70B');
    const full = defaultSetup({ method: 'full', microBatch: 1, seqLen: 1024 });
    const r = solveLargest(m, full, gpu('rtx-4090-24gb'), 10, 'micro_batch');
    assert.equal(r.value, null);
    assert.match(r.reason ?? '', /does not fit even at micro_batch = 1/);
    assert.ok(r.requiredBytesAbove! > r.limitBytes);
    assert.match(solveLargest(m, full, gpu('b300-288gb'), 10, 'lora_r').reason ?? '', /not a LoRA job/);
  });

  it('micro-batch: the smallest accumulation that keeps micro × accumulation and fits', () => {
    const m = spec('meta-llama/Llama-3.1-8B');
    const g = gpu('a100-sxm-40gb');
    const s = { ...LORA_8B, gradientCheckpointing: true, microBatch: 8, gradAccumulation: 2 }; // effective 16
    const r = solveLargest(m, s, g, 10, 'micro_batch');
    assert.ok(r.value !== null && r.value < 16);
    const a = r.accumulation!;
    assert.equal(a.effectiveBatch, 16);
    assert.equal(a.microBatch * a.gradAccumulation, 16);
    assert.ok(fitsWithHeadroom(m, { ...s, microBatch: a.microBatch, gradAccumulation: a.gradAccumulation }, g, 10));
    // every smaller accumulation that divides 16 does not fit
    for (let k = 1; k < a.gradAccumulation; k++) {
      if (16 % k) continue;
      assert.equal(fitsWithHeadroom(m, { ...s, microBatch: 16 / k, gradAccumulation: k }, g, 10), false, `accumulation ${k}`);
    }
  });
});

describe('solve in a report, its edits and the CLI', () => {
  let deps: Awaited<ReturnType<typeof loadDeps>>;
  before(async () => {
    deps = await loadDeps();
  });

  const SCRIPT = `from transformers import AutoModelForCausalLM, TrainingArguments, Trainer
from peft import LoraConfig, get_peft_model

BATCH = 4
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B", torch_dtype="bfloat16")
model = get_peft_model(model, LoraConfig(r=16, target_modules="all-linear"))
args = TrainingArguments(
    output_dir="out",
    per_device_train_batch_size=BATCH,
    gradient_accumulation_steps=4,
    bf16=True,
    gradient_checkpointing=True,
)
trainer = Trainer(model=model, args=args)
`;

  it('edits go to the literal that holds a read value; a defaulted value gets none', () => {
    const r = analyzeText(SCRIPT, 'train.py', settings({ targetGpu: 'a100-sxm-80gb' }), deps);
    assert.ok(r.estimate && r.plan);
    const s = solveReport(r, 'micro_batch')!;
    assert.ok(s.value !== null && s.value !== 4, JSON.stringify(s));
    const { edits, missing } = solveEdits(r, s);
    assert.deepEqual(missing, []);
    assert.equal(edits.length, 1);
    assert.equal(SCRIPT.slice(edits[0].span.start, edits[0].span.end), '4', 'the constant the value came from');
    assert.equal(edits[0].span.line, 3, 'BATCH = 4, not the keyword argument');
    assert.equal(replacementText('"4"', s.value), `"${s.value}"`, 'a string stays a string');
    assert.equal(replacementText('4', 12), '12');
    // seq_len is not in the file (defaulted/assumed): nothing to edit, the user is told
    const seq = solveReport(r, 'seq_len')!;
    assert.notEqual(r.plan.seqLen.origin, 'read');
    assert.equal(editFor(r.plan.seqLen, 'seqLen', 100), null);
    assert.deepEqual(solveEdits(r, seq).edits, []);
    assert.deepEqual(solveEdits(r, seq).missing, ['seqLen']);
  });

  it('applying the edits and analysing again gives a file that fits, and one more does not', () => {
    const r = analyzeText(SCRIPT, 'train.py', settings({ targetGpu: 'a100-sxm-80gb' }), deps);
    const rank = solveReport(r, 'lora_r')!;
    assert.ok(rank.value !== null);
    const apply = (text: string, v: number) => {
      const e = solveEdits(r, { ...rank, suggested: v }).edits[0];
      return text.slice(0, e.span.start) + replacementText(text.slice(e.span.start, e.span.end), v) + text.slice(e.span.end);
    };
    const at = analyzeText(apply(SCRIPT, rank.value), 'train.py', settings({ targetGpu: 'a100-sxm-80gb' }), deps);
    assert.equal(at.plan?.loraR.value, rank.value);
    assert.equal(at.target.verdict, 'fits');
    if (!rank.capped) {
      const above = analyzeText(apply(SCRIPT, rank.value + 1), 'train.py', settings({ targetGpu: 'a100-sxm-80gb' }), deps);
      assert.notEqual(above.target.verdict, 'fits');
    }
  });

  it('vram-lens analyze --solve seq_len --json: the value and its peak; the file at that value fits', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-solve-'));
    const file = path.join(dir, 'train.py');
    fs.writeFileSync(file, SCRIPT.replace('gradient_checkpointing=True,', 'gradient_checkpointing=True,\n    max_seq_length=1024,'));
    const run = (...a: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'analyze', ...a], { encoding: 'utf8', cwd: repoRoot });
    const out = run(file, '--gpu', 'l40s-48gb', '--solve', 'seq_len', '--json');
    const j = JSON.parse(out.stdout)[0];
    assert.ok(j.solve, out.stderr);
    assert.equal(j.solve.field, 'seq_len');
    assert.ok(j.solve.value > 0);
    assert.ok(j.solve.peakBytes <= j.solve.limitBytes);
    assert.ok(j.solve.nextPeakBytes > j.solve.limitBytes);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('max_seq_length=1024', `max_seq_length=${j.solve.value}`));
    const again = JSON.parse(run(file, '--gpu', 'l40s-48gb', '--json').stdout)[0];
    assert.equal(again.perGpu.requiredBytes, j.solve.peakBytes);
    assert.equal(again.target.verdict, 'fits');
    const text = run(file, '--gpu', 'l40s-48gb', '--solve', 'micro_batch');
    assert.match(text.stdout, /solve micro_batch: largest micro-batch that fits 1× L40S 48GB/);
    const bad = run(file, '--solve', 'rank');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--solve takes micro_batch, seq_len, lora_r/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
