// Regressions found by a second reading of the engine and the fixes (each with its hand reasoning).
import { strict as assert } from 'node:assert';
import { estimateMemory } from '../../src/analysis/memory/estimate';
import { defaultSetup } from '../../src/analysis/memory/setup';
import { suggestFixes, textAfter } from '../../src/analysis/remedies';
import { analyzeText } from '../../src/analysis/report';
import { loadDeps, settings, spec } from './helpers';

const bytes = (e: ReturnType<typeof estimateMemory>, name: string) => e.components.filter((c) => c.name === name).reduce((t, c) => t + c.bytes, 0);

describe('regressions', () => {
  it('a fix replaces a keyword that is written but unreadable instead of adding a second one', async () => {
    const deps = await loadDeps();
    const text = [
      'import os',
      'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
      'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B", torch_dtype="bfloat16")',
      'args = TrainingArguments(output_dir="o", per_device_train_batch_size=8, optim=os.environ["OPTIM"], gradient_checkpointing=GC)',
      'Trainer(model=model, args=args).train()',
      '',
    ].join('\n');
    const r = analyzeText(text, 'train.py', settings(), deps);
    const reanalyze = (t: string) => analyzeText(t, 'train.py', settings(), deps);
    const fixes = suggestFixes(r, text, reanalyze);
    const eightBit = fixes.find((f) => f.id === 'optimizer8bit')!;
    assert.ok(eightBit, 'the 8-bit fix is offered');
    const after = textAfter(text, eightBit);
    assert.equal(after.match(/optim=/g)?.length, 1, 'one optim= keyword');
    assert.match(after, /optim="adamw_8bit"/);
    const gc = fixes.find((f) => f.id === 'gradientCheckpointing')!;
    assert.equal(textAfter(text, gc).match(/gradient_checkpointing=/g)?.length, 1);
  });

  it('peft_config=None trains the full model', async () => {
    const text = [
      'from transformers import AutoModelForCausalLM',
      'from trl import SFTConfig, SFTTrainer',
      'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B", dtype="bfloat16")',
      'SFTTrainer(model=model, args=SFTConfig(output_dir="o", per_device_train_batch_size=2), peft_config=None).train()',
    ].join('\n');
    const r = analyzeText(text, 'train.py', settings(), await loadDeps());
    assert.equal(r.plan!.method.value, 'full');
  });

  it('DeepSpeed with fp32-loaded weights and bf16 keeps bf16 weights and fp32 master weights, no autocast copies', () => {
    const m = spec('meta-llama/Llama-3.1-8B');
    const e = estimateMemory(m, defaultSetup({ method: 'full', weightDtype: 'fp32', autocast: true, gpus: 8, sharding: 'zero2' }));
    // weights: 8,030,261,248 × 2 B (bf16), replicated under ZeRO-2
    assert.equal(bytes(e, 'weights'), 8_030_261_248 * 2);
    assert.equal(bytes(e, 'autocastCopies'), 0);
    // fp32 masters, sharded over 8 ranks with the optimizer state
    assert.equal(bytes(e, 'masterWeights'), (8_030_261_248 * 4) / 8);
  });

  it('DDP gradient buckets are live in the forward pass too', () => {
    const m = spec('meta-llama/Llama-3.2-1B');
    const base = { method: 'full' as const, weightDtype: 'bf16' as const, microBatch: 4, seqLen: 2048 };
    const one = estimateMemory(m, defaultSetup(base));
    const four = estimateMemory(m, defaultSetup({ ...base, gpus: 4, sharding: 'ddp' }));
    assert.equal(one.phase, 'forward-loss');
    // a flat copy of every gradient: trainable params × 2 B (gradient_as_bucket_view=False)
    assert.equal(four.peakAllocatedBytes - one.peakAllocatedBytes, one.params.trainable * 2);
  });
});

describe('regressions: fused projections', () => {
  it('LoRA on Phi-3 qkv_proj is one adapter on the fused layer', async () => {
    const { loraTargets } = await import('../../src/analysis/memory/lora');
    const m = spec('microsoft/Phi-3-mini-4k-instruct');
    const t = loraTargets(m, { r: 16, targets: ['qkv_proj'], dora: false, modulesToSave: [], dropout: 0, dtype: 'fp32' });
    // Phi-3-mini: hidden 3072, 32 heads × 96 = 3072 for q, k and v each (MHA): one A (16 × 3072) and one
    // B (9216 × 16) per layer, 32 layers = 32 × 16 × (3072 + 9216) = 6,291,456 (PEFT's count for this config)
    assert.equal(t.params, 32 * 16 * (3072 + 9216));
    assert.equal(t.instances, 32);
    assert.equal(t.inFeaturesPerToken, 32 * 3072);
  });
});
