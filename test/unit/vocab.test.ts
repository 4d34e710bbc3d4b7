// The vocabulary round trip: for every dialect, every key a fix can write (the *_WRITES tables, through
// the one edit writer) is read back by that dialect's reader as the same plan value. A writer may refuse
// a change with a reason (torchtune has no plain optimizer key); it may not write a key nobody reads.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planApply, PlanChange } from '../../src/analysis/remedies/apply';
import { applyEdits } from '../../src/analysis/remedies/edits';
import { AnalysisDeps, analyzeText, DEFAULT_SETTINGS, Report } from '../../src/analysis/report';
import { TrainingPlan } from '../../src/analysis/plan/plan';
import { frameworkDefaults } from '../../src/analysis/vocab/defaults';
import {
  asAdapterType,
  asAdapterType4bit,
  asBool,
  asDtype,
  asFsdpStrategy,
  asNameList,
  asOptimizerClass,
  asSwiftZeroStage,
  asTargets,
  litQuantizeOf,
  precisionOf,
} from '../../src/analysis/vocab/values';
import { HF_TRAINING_ARGS, TRL_LORA, TRL_MODEL_CONFIG } from '../../src/analysis/vocab/dialects/hf';
import { PY_SCRIPT_ARGS } from '../../src/analysis/vocab/dialects/python';
import { fixturesDir, loadDeps, repoRoot } from './helpers';

const configs = path.join(repoRoot, 'test', 'fixtures', 'configs');

/** A change to every field a fix or the panel can write, with a value no fixture already has. */
function samples(r: Report): PlanChange[] {
  const p = r.plan!;
  const out: PlanChange[] = [
    { field: 'microBatch', value: 3 },
    { field: 'gradAccumulation', value: 5 },
    { field: 'seqLen', value: 3072 },
    { field: 'gradientCheckpointing', value: !p.gradientCheckpointing.value },
    { field: 'optimizer', value: p.optimizer.value === 'adamw_8bit' ? 'adafactor' : 'adamw_8bit' },
    { field: 'attention', value: p.attention.value === 'eager' ? 'sdpa' : 'eager' },
    { field: 'loss', value: p.loss.value === 'fused_linear' ? 'standard' : 'fused_linear' },
    { field: 'quantization', value: p.quantization.value === 'nf4' ? 'int8' : 'nf4' },
    { field: 'sharding', value: 'fsdp' },
  ];
  if (p.method.value === 'full') out.push({ field: 'method', value: 'lora' });
  else out.push({ field: 'loraR', value: 24 }, { field: 'loraTargets', value: ['q_proj', 'v_proj'] }, { field: 'loraDropout', value: 0.1 });
  if (p.jobKind?.value === 'dpo') out.push({ field: 'precomputeRef', value: true });
  if (p.jobKind?.value === 'grpo') {
    out.push({ field: 'numGenerations', value: 4 });
    if (p.generation?.value === 'vllm-colocate') out.push({ field: 'vllmSleep', value: true }, { field: 'vllmMemoryUtilization', value: 0.35 });
  }
  return out;
}

/** What the plan of the edited file must say after `c`. */
function expectRead(c: PlanChange, p: TrainingPlan): void {
  const msg = `${c.field} → ${JSON.stringify(c.value)}`;
  switch (c.field) {
    case 'method':
      assert.notEqual(p.method.value, 'full', msg);
      return;
    case 'quantization':
      assert.equal(p.quantization.value, c.value, msg);
      return;
    case 'precomputeRef':
      assert.equal(p.reference?.value, 'precomputed', msg);
      return;
    case 'sharding':
      assert.equal(p.sharding.value, c.value, msg);
      return;
    case 'gpu':
      return;
    case 'loss':
      // turning a fused loss off leaves the framework's default loss
      assert.equal(p.loss.value, c.value, msg);
      if (c.value !== 'standard') assert.equal(p.loss.origin, 'read', msg);
      return;
    default: {
      const f = p[c.field as keyof TrainingPlan] as { value: unknown; origin: string } | undefined;
      assert.ok(f, `${msg}: the plan has the field`);
      assert.deepEqual(f.value, c.value, msg);
      assert.equal(f.origin, 'read', `${msg}: read from the file, not defaulted`);
    }
  }
}

describe('vocabulary: every key a fix writes is read back to the same plan value', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = await loadDeps();
  });

  const cases: { file: string; kind: 'yaml' | 'json' | 'python'; min: number }[] = [
    { file: path.join(configs, 'axolotl_qlora.yml'), kind: 'yaml', min: 9 },
    { file: path.join(configs, 'axolotl_full_zero3.yaml'), kind: 'yaml', min: 7 },
    { file: path.join(configs, 'llamafactory_qlora.yaml'), kind: 'yaml', min: 9 },
    { file: path.join(configs, 'llamafactory_full.yaml'), kind: 'yaml', min: 8 },
    { file: path.join(configs, 'llamafactory_v1_lora.yaml'), kind: 'yaml', min: 6 },
    { file: path.join(configs, 'torchtune_qlora.yaml'), kind: 'yaml', min: 4 },
    { file: path.join(configs, 'oumi_lora.yaml'), kind: 'yaml', min: 6 },
    { file: path.join(configs, 'trl_sft.yaml'), kind: 'yaml', min: 9 },
    { file: path.join(configs, 'rl', 'trl_dpo.yaml'), kind: 'yaml', min: 10 },
    { file: path.join(configs, 'rl', 'trl_grpo.yaml'), kind: 'yaml', min: 12 },
    { file: path.join(fixturesDir, 'hf_trainer_full.py'), kind: 'python', min: 9 },
    { file: path.join(fixturesDir, 'trl_sft_qlora.py'), kind: 'python', min: 9 },
    { file: path.join(fixturesDir, 'trl_dpo_full.py'), kind: 'python', min: 10 },
    { file: path.join(fixturesDir, 'trl_grpo_colocate.py'), kind: 'python', min: 11 },
  ];

  for (const c of cases) {
    it(`${path.relative(repoRoot, c.file)}: each change alone`, () => {
      const text = fs.readFileSync(c.file, 'utf8');
      const analyze = (t: string) => analyzeText(t, path.basename(c.file), DEFAULT_SETTINGS, deps, c.kind);
      const r = analyze(text);
      assert.ok(r.plan, 'the fixture has a plan');
      let checked = 0;
      const refused: string[] = [];
      for (const change of samples(r)) {
        const plan = planApply(r, text, [change]);
        if (plan.notApplied.length) {
          refused.push(`${change.field}: ${plan.notApplied[0].reason}`);
          assert.equal(plan.edits.length, 0, `${change.field}: a refused change edits nothing`);
          continue;
        }
        const out = applyEdits(text, plan.edits);
        const after = analyze(out);
        assert.equal(after.hyperparams.syntaxErrors.length, 0, `${change.field}: the edited file parses:\n${out}`);
        assert.ok(after.plan, `${change.field}: the edited file still has a plan`);
        expectRead(change, after.plan);
        checked++;
      }
      assert.ok(checked >= c.min, `${checked} changes written and read back (at least ${c.min}); refused: ${refused.join('; ')}`);
    });
  }

  it('the framework defaults table validates and every entry names its source', () => {
    const all = [...frameworkDefaults().values()];
    assert.ok(all.length >= 50);
    for (const d of all) assert.match(d.file, /\.(py|json|yaml)$/, d.id);
  });

  it('one converter set: configs and scripts read "full", "BF16", yes/on and CSV targets the same way', () => {
    assert.equal(asDtype('full'), 'float32');
    assert.equal(asDtype('BF16'), 'bfloat16');
    assert.equal(asDtype('torch.bfloat16'), 'bfloat16');
    assert.equal(asBool('yes'), true);
    assert.equal(asBool('On'), true);
    assert.equal(asBool('off'), false);
    assert.equal(asBool('maybe'), undefined);
    assert.deepEqual(asNameList('q_proj, v_proj'), ['q_proj', 'v_proj']);
    assert.equal(asTargets('all'), 'all-linear');
  });

  it('precision, quantize, sharding and training-type names of LitGPT, scripts and ms-swift', () => {
    assert.deepEqual(precisionOf('bf16-true'), { dtype: 'bfloat16', autocast: null });
    assert.deepEqual(precisionOf('bf16-mixed'), { dtype: 'float32', autocast: 'bf16' });
    assert.deepEqual(precisionOf('16-mixed'), { dtype: 'float32', autocast: 'fp16' });
    assert.deepEqual(precisionOf('fp16_autocast'), { dtype: 'float32', autocast: 'fp16' });
    assert.deepEqual(precisionOf('32-true'), { dtype: 'float32', autocast: null });
    assert.equal(precisionOf('transformer-engine'), undefined);
    assert.deepEqual(litQuantizeOf('bnb.nf4-dq'), { bits: 4, type: 'nf4', doubleQuant: true });
    assert.deepEqual(litQuantizeOf('bnb.int8'), { bits: 8, doubleQuant: false });
    assert.equal(litQuantizeOf('gptq'), undefined);
    assert.deepEqual(
      ['full_shard', 'ddp', 'hybrid_full_shard', 'fsdp2', 2].map((v) => asFsdpStrategy(v)),
      ['full_shard', '', 'hybrid_shard', 'full_shard', 'shard_grad_op'],
    );
    assert.deepEqual(
      ['qlora', 'full', 'bnb_dora', 'custom_lora', 'longlora'].map((v) => [asAdapterType(v), asAdapterType4bit(v)]),
      [
        [true, true],
        [false, false],
        [true, true],
        [true, false],
        [true, undefined],
      ],
    );
    assert.deepEqual(
      ['torch.optim.AdamW', 'bitsandbytes.optim.PagedAdamW8bit', 'SGD'].map((v) => asOptimizerClass(v)),
      ['adamw_torch', 'paged_adamw_8bit', 'sgd'],
    );
    assert.deepEqual(
      ['zero2', 'zero3_offload', 'ds.json'].map((v) => asSwiftZeroStage(v)),
      [2, 3, undefined],
    );
  });

  it('command-line arguments of scripts are read through the HF dialect: every TrainingArguments / ModelConfig key is one', () => {
    for (const k of [...HF_TRAINING_ARGS, ...TRL_MODEL_CONFIG, ...TRL_LORA]) assert.ok(PY_SCRIPT_ARGS.includes(k), k.keys.join('/'));
  });
});

describe('asFsdpStrategy', () => {
  it('reads every FSDP sharding strategy name, the hybrid ones as hybrid_shard', () => {
    assert.deepEqual(
      ['FULL_SHARD', 'shard_grad_op', 'HYBRID_SHARD', 'hybrid_shard_zero2', '_hybrid_shard_zero2', 'NO_SHARD', 5].map((v) => asFsdpStrategy(v)),
      ['full_shard', 'shard_grad_op', 'hybrid_shard', 'hybrid_shard', undefined, '', 'hybrid_shard'],
    );
  });
});
