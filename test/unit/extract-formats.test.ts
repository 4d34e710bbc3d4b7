// Config formats beyond axolotl / LLaMA-Factory / torchtune / TRL: LitGPT, mistral-finetune, ms-swift,
// verl; task files that launch training (dstack `commands:`); files that do not train (mergekit recipes,
// generation / filtering configs, samplers, distilabel pipelines); LLaMA-Factory RL lengths and optimizer
// switches; GPU counts stated in comments. Fixtures: test/fixtures/extraction/configs (written for these
// tests in the style of the public configs).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectConfigFormat, extractConfig, parseConfig } from '../../src/analysis/extract/frameworks/index';
import { Hyperparams } from '../../src/analysis/extract/hyperparams';
import { analyzeText, AnalysisDeps } from '../../src/analysis/report';
import { memoryDeps } from './extract-config.test';
import { lineOf, loadDeps, repoRoot, settings } from './helpers';

const dir = path.join(repoRoot, 'test', 'fixtures', 'extraction', 'configs');
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
const hpOf = (name: string): Hyperparams => extractConfig(read(name), name.endsWith('.json') ? 'json' : 'yaml').hp;
const format = (name: string) => detectConfigFormat(parseConfig(read(name), 'yaml'));

function assertAt(hp: Hyperparams, key: keyof Hyperparams, value: unknown, line?: number) {
  const f = hp[key] as { value: unknown; span: { line: number } } | undefined;
  assert.ok(f, `${String(key)} not read; unread: ${JSON.stringify(hp.unread)}`);
  assert.deepEqual(f.value, value, String(key));
  if (line !== undefined) assert.equal(f.span.line, line, `${String(key)} line`);
}

describe('config formats', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = await loadDeps();
  });

  describe('LitGPT', () => {
    it('finetune_lora: checkpoint_dir, bf16-true (pure), LoRA targets from the lora_* switches, accumulation from global_batch_size', () => {
      const text = read('litgpt_lora.yaml');
      assert.equal(format('litgpt_lora.yaml'), 'litgpt');
      const hp = hpOf('litgpt_lora.yaml');
      assert.equal(hp.framework, 'litgpt');
      assertAt(hp, 'model', 'checkpoints/meta-llama/Llama-3.2-3B', lineOf(text, 'checkpoint_dir:'));
      assertAt(hp, 'dtype', 'bfloat16', lineOf(text, 'precision:'));
      assertAt(hp, 'bf16', false);
      assertAt(hp, 'peft', true);
      assertAt(hp, 'loraR', 16, lineOf(text, 'lora_r:'));
      assertAt(hp, 'loraTargets', ['q_proj', 'k_proj', 'v_proj', 'gate_proj', 'up_proj', 'down_proj']);
      assertAt(hp, 'microBatch', 4, lineOf(text, 'micro_batch_size:'));
      // global 32 / (2 devices × micro 4)
      assertAt(hp, 'gradAccumulation', 4, lineOf(text, 'global_batch_size:'));
      assertAt(hp, 'gpus', 2, lineOf(text, 'devices:'));
      assertAt(hp, 'seqLen', 1024);
      assertAt(hp, 'optimizer', 'adamw_torch');
      assert.equal(hp.adapterDtype?.value, 'bfloat16');
    });
    it('quantize: bnb.nf4-dq is NF4 with double quantization; lora_query/value default targets', () => {
      const hp = hpOf('litgpt_qlora.yaml');
      assert.deepEqual([hp.loadIn4bit?.value, hp.quantType?.value, hp.doubleQuant?.value], [true, 'nf4', true]);
      assertAt(hp, 'loraTargets', ['q_proj', 'v_proj']);
      assertAt(hp, 'gradAccumulation', 8);
    });
    it('no lora keys: full fine-tuning; bf16-mixed is fp32 weights under bf16 autocast; devices × num_nodes GPUs', () => {
      const hp = hpOf('litgpt_full.yaml');
      assert.deepEqual(
        [hp.peft?.value, hp.dtype?.value, hp.bf16?.value, hp.gpus?.value, hp.gradAccumulation?.value, hp.optimizer?.value],
        [false, 'float32', true, 8, 8, 'sgd'],
      );
    });
    it('pretrain: model_name; devices: auto is said, not guessed', () => {
      const hp = hpOf('litgpt_pretrain.yaml');
      assert.deepEqual([hp.model?.value, hp.peft?.value, hp.gpus], ['pythia-160m', false, undefined]);
      assert.ok(hp.unread.some((u) => u.key === 'devices'));
    });
    it('the plan: LoRA with adapters in bf16, pure bf16 weights and no autocast', () => {
      const r = analyzeText(read('litgpt_lora.yaml'), 'litgpt_lora.yaml', settings(), deps);
      assert.equal(r.isTraining, true);
      assert.deepEqual(
        [r.plan?.method.value, r.plan?.weightDtype.value, r.plan?.autocast.value, r.plan?.loraDtype.value, r.plan?.gpus.value],
        ['lora', 'bf16', false, 'bf16', 2],
      );
    });
  });

  it('mistral-finetune: lora.rank, seq_len, batch_size × num_microbatches; LoRA on every linear layer of a bf16 model (defaults said)', () => {
    const text = read('mistral_finetune.yaml');
    const hp = hpOf('mistral_finetune.yaml');
    assert.equal(hp.framework, 'mistral-finetune');
    assertAt(hp, 'model', '/models/mistral_7b_instruct_v3');
    assertAt(hp, 'loraR', 32, lineOf(text, 'rank: 32'));
    assertAt(hp, 'seqLen', 8192);
    assertAt(hp, 'microBatch', 2);
    assertAt(hp, 'gradAccumulation', 4);
    assert.deepEqual([hp.peft?.value, hp.peft?.implied, hp.loraTargets?.value, hp.dtype?.value], [true, true, 'all-linear', 'bfloat16']);
  });

  describe('ms-swift', () => {
    it('deepspeed: a config file is a link to follow, not an unreadable preset name', () => {
      const hp = extractConfig(read('swift_sft.yaml').replace('deepspeed: zero3_offload', 'deepspeed: ds_config/zero3.json'), 'yaml').hp;
      assert.deepEqual(
        hp.unread.filter((u) => u.key === 'zeroStage' || u.key === 'offloadOptimizer'),
        [],
      );
      assert.equal(hp.zeroStage, undefined, 'the stage comes from the linked file');
    });
    it('swift sft: model, tuner_type lora, quant_bits 4 (NF4), the zero3_offload preset, max_length', () => {
      const hp = hpOf('swift_sft.yaml');
      assert.equal(hp.framework, 'ms-swift');
      assert.deepEqual(
        [
          hp.model?.value,
          hp.peft?.value,
          hp.loraR?.value,
          hp.loraTargets?.value,
          hp.loadIn4bit?.value,
          hp.quantType?.value,
          hp.zeroStage?.value,
          hp.offloadOptimizer?.value,
          hp.seqLen?.value,
          hp.microBatch?.value,
          hp.gradAccumulation?.value,
        ],
        ['Qwen/Qwen2.5-1.5B-Instruct', true, 16, 'all-linear', true, 'nf4', 3, true, 4096, 2, 16],
      );
      assert.equal(
        hp.unread.find((u) => u.key === 'deepspeed'),
        undefined,
        'a preset name is not a file to look for',
      );
    });
    it('megatron sft: full tuning, micro/global batch, recompute_granularity full is checkpointing, parallel sizes noted', () => {
      const hp = hpOf('swift_megatron.yaml');
      assert.equal(format('swift_megatron.yaml'), 'ms-swift', 'not LLaMA-Factory v1');
      assert.deepEqual(
        [hp.peft?.value, hp.microBatch?.value, hp.gradAccumulation?.value, hp.gradientCheckpointing?.value, hp.seqLen?.value],
        [false, 2, 16, true, 8192],
      );
      assert.ok(hp.notModelled?.some((n) => n.key === 'tensor_model_parallel_size'));
    });
    it('swift sample generates data: no training', () => {
      assert.equal(hpOf('swift_sample.yaml').purpose?.value, 'inference');
    });
  });

  describe('torchtune checkpoints', () => {
    const config = (download: string) =>
      [
        `# tune download ${download} --output-dir /tmp/model`,
        '# tune run lora_finetune_single_device --config this.yaml',
        'model:',
        '  _component_: torchtune.models.llama3_1.lora_llama3_1_8b',
        '  lora_attn_modules: [q_proj, v_proj]',
        'optimizer:',
        '  _component_: torch.optim.AdamW',
        'batch_size: 2',
      ].join('\n');
    it("the header's tune download names the variant of the builder's model (the Instruct checkpoint)", () => {
      const hp = extractConfig(config('meta-llama/Meta-Llama-3.1-8B-Instruct'), 'yaml').hp;
      assert.equal(hp.model?.value, 'meta-llama/Meta-Llama-3.1-8B-Instruct');
      assert.match(hp.model!.how, /tune download/);
    });
    it('a download of another model does not replace the sized builder: its own checkpoint', () => {
      assert.equal(extractConfig(config('Qwen/Qwen2.5-7B-Instruct'), 'yaml').hp.model?.value, 'meta-llama/Llama-3.1-8B');
    });
  });

  describe('open-instruct', () => {
    it('finetune.py YAML: use_lora / use_qlora / lora_rank with the HF batch keys; nf4 + double quant, bf16, seven projections', () => {
      const text = read('open_instruct_qlora.yaml');
      const hp = hpOf('open_instruct_qlora.yaml');
      assert.equal(format('open_instruct_qlora.yaml'), 'open-instruct');
      assert.equal(hp.framework, 'open-instruct');
      assertAt(hp, 'model', 'meta-llama/Llama-2-7b-hf', lineOf(text, 'model_name_or_path'));
      assertAt(hp, 'loadIn4bit', true, lineOf(text, 'use_qlora'));
      assertAt(hp, 'loraR', 32, lineOf(text, 'lora_rank'));
      assertAt(hp, 'seqLen', 4096, lineOf(text, 'max_seq_length'));
      assertAt(hp, 'microBatch', 2);
      assertAt(hp, 'gradAccumulation', 8);
      // finetune.py's own set-up, not in the file
      assert.deepEqual([hp.quantType?.value, hp.doubleQuant?.value, hp.dtype?.value, hp.kbitPrep?.value], ['nf4', true, 'bfloat16', true]);
      assert.deepEqual(hp.loraTargets?.value, ['q_proj', 'o_proj', 'v_proj', 'k_proj', 'gate_proj', 'up_proj', 'down_proj']);
    });
    it('a lora_rank key alone is not LLaMA-Factory: without stage/finetuning_type/template the file is open-instruct', () => {
      const r = analyzeText(read('open_instruct_qlora.yaml'), 'tulu_qlora.yaml', settings(), deps);
      assert.equal(r.isTraining, true);
      assert.equal(r.plan?.method.value, 'qlora');
    });
    it('dpo_tune_cache.py YAML: a DPO job whose reference log-probs are cached before training', () => {
      const r = analyzeText(read('open_instruct_dpo.yaml'), 'olmo_dpo.yaml', settings(), deps);
      assert.equal(r.plan?.jobKind?.value, 'dpo');
      assert.equal(r.plan?.reference?.value, 'precomputed');
      assert.equal(r.plan?.method.value, 'full');
    });
  });

  describe('verl', () => {
    it('the FSDP SFT trainer: partial_pretrain, micro batch per GPU, max_length, LoRA from lora_rank, FSDP', () => {
      const hp = hpOf('verl_sft.yaml');
      assert.equal(hp.framework, 'verl');
      assert.deepEqual(
        [
          hp.model?.value,
          hp.microBatch?.value,
          hp.seqLen?.value,
          hp.gradientCheckpointing?.value,
          hp.peft?.value,
          hp.loraR?.value,
          hp.fsdp?.value,
          hp.offloadParams?.value,
        ],
        ['Qwen/Qwen2.5-0.5B-Instruct', 2, 2048, true, true, 32, 'full_shard', false],
      );
    });
    it('lora_rank: 0 is full fine-tuning', () => {
      const hp = extractConfig(read('verl_sft.yaml').replace('lora_rank: 32', 'lora_rank: 0'), 'yaml').hp;
      assert.deepEqual([hp.peft?.value, hp.loraR], [false, undefined]);
      assert.equal(hp.unread.length, 0, JSON.stringify(hp.unread));
    });
    it('the generation config samples: no training', () => {
      assert.equal(hpOf('verl_generation.yaml').purpose?.value, 'inference');
    });
  });

  describe('files that do not train', () => {
    for (const [name, purpose] of [
      ['mergekit_linear.yml', 'merge'],
      ['trl_generation_filter.yaml', 'inference'],
      ['distilabel_pipeline.yaml', 'inference'],
      ['swift_sample.yaml', 'inference'],
      ['verl_generation.yaml', 'inference'],
    ] as const) {
      it(`${name}: ${purpose}, no OOM check`, () => {
        const r = analyzeText(read(name), name, settings(), deps);
        assert.equal(r.isTraining, false);
        assert.equal(r.hyperparams.purpose?.value, purpose);
        assert.equal(r.estimate, null);
      });
    }
  });

  it('a task file whose commands launch TRL sft.py: the command line read as its arguments, GPUs from --num_processes', () => {
    const text = read('dstack_task.dstack.yml');
    const r = analyzeText(text, '/ws/.dstack.yml', settings(), memoryDeps(deps, '/ws', {}));
    assert.equal(r.isTraining, true);
    const p = r.plan!;
    assert.deepEqual(
      [r.hyperparams.model?.value, p.method.value, p.loraR.value, p.microBatch.value, p.gradAccumulation.value, p.seqLen.value, p.gpus.value],
      ['Qwen/Qwen2.5-1.5B-Instruct', 'lora', 64, 4, 2, 2048, 2],
    );
    // the $MODEL of the task's env; everything points at the commands
    assert.equal(p.microBatch.span?.line, lineOf(text, 'commands:'));
    assert.match(p.microBatch.reason, /--per_device_train_batch_size 4 on the command line in the task's commands/);
    // TRL's sft.py: SFTConfig defaults apply (bf16, checkpointing)
    assert.equal(p.gradientCheckpointing.value, true);
  });

  describe('LLaMA-Factory', () => {
    it('use_adam_mini replaces optim; PPO prompt = cutoff_len, completion = max_new_tokens', () => {
      const text = read('llamafactory_ppo_adam_mini.yaml');
      const r = analyzeText(text, 'llamafactory_ppo_adam_mini.yaml', settings(), deps);
      assertAt(r.hyperparams, 'optimizer', 'adam_mini', lineOf(text, 'use_adam_mini'));
      const p = r.plan!;
      // no Adam-mini kind in the engine: the closest (AdamW), assumed
      assert.deepEqual([p.optimizer.value, p.optimizer.origin], ['adamw', 'assumed']);
      assert.equal(p.jobKind?.value, 'ppo');
      assert.deepEqual([p.promptLength?.value, p.completionLength?.value], [1024, 512]);
    });
  });

  it('a GPU count stated in a recipe comment ("2 nodes of 8 x H100s") is assumed', () => {
    const hp = hpOf('trl_recipe_gpus_comment.yaml');
    assert.deepEqual([hp.gpus?.value, hp.gpus?.assumed], [16, true]);
  });

  it("torchtune: a generic builder with explicit sizes takes the checkpoint the header's tune download names", () => {
    const hp = hpOf('torchtune_generic_builder.yaml');
    assert.equal(hp.model?.value, 'NousResearch/Hermes-3-Llama-3.1-8B');
    assert.match(hp.model!.how, /tune download/);
  });
});
