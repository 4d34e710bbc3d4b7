// Preference and RL jobs: plan defaults from TRL, and the engine's extra terms by hand calculation.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { estimateMemory } from '../../src/analysis/memory/estimate';
import { defaultJob, defaultSetup } from '../../src/analysis/memory/setup';
import { analyzeText } from '../../src/analysis/report';
import { fixAll, suggestFixes, textAfter } from '../../src/analysis/remedies';
import { fixturesDir, loadDeps, settings, spec } from './helpers';

const bytes = (e: ReturnType<typeof estimateMemory>, name: string) => e.components.filter((c) => c.name === name).reduce((t, c) => t + c.bytes, 0);

describe('RL plan (TRL defaults)', () => {
  it('GRPO with a LoRA policy, vLLM colocated: reference is the adapter-disabled model, vLLM share and lengths read', async () => {
    const text = readFileSync(path.join(fixturesDir, 'trl_grpo_colocate.py'), 'utf8');
    const r = analyzeText(text, 'trl_grpo_colocate.py', settings(), await loadDeps());
    const p = r.plan!;
    assert.equal(p.jobKind?.value, 'grpo');
    assert.equal(p.reference?.value, 'adapter-disabled'); // beta=0.04 > 0 but PEFT: no second copy (trl grpo_trainer.py)
    assert.equal(p.generation?.value, 'vllm-colocate');
    assert.equal(p.vllmMemoryUtilization?.value, 0.3);
    assert.equal(p.promptLength?.value, 512);
    assert.equal(p.completionLength?.value, 1024);
    // per_device_train_batch_size 8 × steps_per_generation (= gradient_accumulation_steps 2)
    assert.equal(p.generationBatch?.value, 16);
    assert.deepEqual(
      r.estimate!.phases.map((x) => x.phase),
      ['forward-loss', 'generation'],
    );
  });

  it('full DPO loads a float32 reference copy (trl >= 0.27 model_init_kwargs default)', async () => {
    const text = readFileSync(path.join(fixturesDir, 'trl_dpo_full.py'), 'utf8');
    const r = analyzeText(text, 'trl_dpo_full.py', settings(), await loadDeps());
    assert.equal(r.plan!.jobKind?.value, 'dpo');
    assert.equal(r.plan!.reference?.value, 'copy');
    assert.equal(r.plan!.referenceDtype?.value, 'fp32');
    // Llama-3.1-8B: 8,030,261,248 params × 4 B
    assert.equal(bytes(r.estimate!, 'referenceModel'), 8_030_261_248 * 4);
    assert.equal(r.estimate!.phases.length, 1, 'no generation phase in DPO');
  });

  it('precomputing the reference removes it, and the edit says so in the file', async () => {
    const text = readFileSync(path.join(fixturesDir, 'trl_dpo_full.py'), 'utf8');
    const deps = await loadDeps();
    const r = analyzeText(text, 'trl_dpo_full.py', settings(), deps);
    const fix = suggestFixes(r, text).find((f) => f.id === 'precomputeReference')!;
    assert.ok(fix, 'offered');
    const after = analyzeText(textAfter(text, fix), 'trl_dpo_full.py', settings(), deps);
    assert.match(textAfter(text, fix), /precompute_ref_log_probs=True/);
    assert.equal(after.plan!.reference?.value, 'precomputed');
    assert.equal(bytes(after.estimate!, 'referenceModel'), 0);
    assert.ok(Math.abs(after.estimate!.requiredBytes - fix.requiredBytesAfter) < 1e6);
    assert.ok(fixAll(r, text), 'a combination fits');
  });
});

describe('RL engine terms', () => {
  const qwen = spec('Qwen/Qwen2.5-7B-Instruct');

  it("DPO concatenates chosen and rejected: twice the SFT activations; 16-bit logits with the reference's", () => {
    const sft = estimateMemory(
      qwen,
      defaultSetup({
        method: 'lora',
        lora: { r: 16, targets: 'all-linear', dora: false, modulesToSave: [], dropout: 0, dtype: 'bf16' },
        microBatch: 2,
        seqLen: 1024,
      }),
    );
    const dpo = estimateMemory(
      qwen,
      defaultSetup({
        method: 'lora',
        lora: { r: 16, targets: 'all-linear', dora: false, modulesToSave: [], dropout: 0, dtype: 'bf16' },
        microBatch: 2,
        seqLen: 1024,
        job: defaultJob('dpo', { reference: 'adapter-disabled' }),
      }),
    );
    assert.equal(bytes(dpo, 'activations'), 2 * bytes(sft, 'activations'));
    // SFT: transformers' fp32 loss, 12 B per logit at the start of backward (log-softmax, its grad, the logits' grad)
    assert.equal(bytes(sft, 'logits'), 2 * 1024 * 152_064 * 12);
    // DPO: TRL's per-token log-probs of the bf16 logits, no upcast: policy logits, saved log-softmax and the
    // reference's logits, 3 × 2 B, over 2 × 2 sequences (docs/sources/allocations-distributed-rl.md §1)
    assert.equal(bytes(dpo, 'logits'), 4 * 1024 * 152_064 * 6);
    const orpo = estimateMemory(
      qwen,
      defaultSetup({
        method: 'lora',
        lora: { r: 16, targets: 'all-linear', dora: false, modulesToSave: [], dropout: 0, dtype: 'bf16' },
        microBatch: 2,
        seqLen: 1024,
        job: defaultJob('orpo'),
      }),
    );
    assert.equal(bytes(orpo, 'logits'), 4 * 1024 * 152_064 * 4, 'no reference: logits and log-softmax');
  });

  it('a colocated vLLM takes gpu_memory_utilization × the GPU memory in both phases unless it sleeps', () => {
    const base = {
      method: 'lora' as const,
      lora: { r: 16, targets: 'all-linear' as const, dora: false, modulesToSave: [], dropout: 0, dtype: 'bf16' as const },
      microBatch: 8,
      gpuTotalBytes: 80e9,
    };
    const awake = estimateMemory(
      qwen,
      defaultSetup({ ...base, job: defaultJob('grpo', { reference: 'none', generation: 'vllm-colocate', vllmMemoryUtilization: 0.3 }) }),
    );
    assert.equal(bytes(awake, 'vllmEngine'), 0.3 * 80e9);
    const asleep = estimateMemory(
      qwen,
      defaultSetup({ ...base, job: defaultJob('grpo', { reference: 'none', generation: 'vllm-colocate', vllmMemoryUtilization: 0.3, vllmSleep: true }) }),
    );
    assert.ok(asleep.phases[0].requiredBytes < awake.phases[0].requiredBytes - 20e9, 'training phase frees the block');
  });

  it('HF generation keeps a KV cache of 2 × layers × KV heads × head dim × 2 B per token', () => {
    const e = estimateMemory(
      qwen,
      defaultSetup({
        method: 'lora',
        lora: { r: 16, targets: 'all-linear', dora: false, modulesToSave: [], dropout: 0, dtype: 'bf16' },
        microBatch: 1,
        gradientCheckpointing: true,
        job: defaultJob('grpo', { reference: 'none', generation: 'hf', generationBatch: 64, promptLength: 4096, completionLength: 4096 }),
      }),
    );
    // Qwen2.5-7B: 28 layers, 4 KV heads × 128 = 512 → 2 × 28 × 512 × 2 B = 57,344 B/token
    const kv = 64 * (4096 + 4096) * 57_344;
    assert.equal(e.phase, 'generation');
    assert.equal(bytes(e, 'kvCache'), kv);
  });
});

describe('RL plans in each trainer style', () => {
  const plan = async (file: string) => {
    const text = readFileSync(path.join(fixturesDir, file), 'utf8');
    return analyzeText(text, file, settings(), await loadDeps());
  };

  it('ORPO: pairwise batches, no reference model', async () => {
    const r = await plan('trl_orpo_lora.py');
    assert.equal(r.plan!.jobKind?.value, 'orpo');
    assert.equal(r.plan!.reference?.value, 'none');
    assert.equal(bytes(r.estimate!, 'referenceModel'), 0);
  });

  it('GRPO with a vLLM server: nothing of vLLM on the training GPU', async () => {
    const r = await plan('trl_grpo_server.py');
    assert.equal(r.plan!.generation?.value, 'vllm-server');
    assert.equal(r.plan!.vllmMemoryUtilization, undefined);
    assert.equal(bytes(r.estimate!, 'vllmEngine'), 0);
  });

  it('PPO: policy, frozen reward model and a trainable value model of the same size', async () => {
    const r = await plan('trl_ppo.py');
    assert.equal(r.plan!.jobKind?.value, 'ppo');
    const params = r.estimate!.params.total;
    // reward model frozen in the policy dtype (bf16): params × 2 B
    assert.equal(bytes(r.estimate!, 'rewardModel'), params * 2);
    assert.ok(bytes(r.estimate!, 'valueModel') > params * 4, 'value model: weights + gradients + optimizer state');
  });

  it('Unsloth fast_inference: vLLM shares the weights; its share of the card comes from gpu_memory_utilization', async () => {
    const r = await plan('unsloth_grpo.py');
    assert.equal(r.plan!.generation?.value, 'vllm-shared');
    assert.equal(r.plan!.vllmMemoryUtilization?.value, 0.6);
    const gpuBytes = r.target.gpu.memoryGiB * 1024 ** 3;
    const weights = bytes(r.estimate!, 'weights') + bytes(r.estimate!, 'quantConstants');
    // the block beyond the shared weights: 0.6 × the card − the 4-bit weights
    assert.ok(Math.abs(bytes(r.estimate!, 'vllmEngine') - (0.6 * gpuBytes - weights)) < 1e6);
  });
});
