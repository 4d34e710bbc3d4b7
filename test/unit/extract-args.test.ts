// Python scripts whose settings are command-line arguments (argparse, HfArgumentParser / TrlParser
// dataclasses, fire, fastcore call_parse), branches known statically, usage examples in the header,
// plain loops and run configs, helper modules. Fixtures: test/fixtures/extraction/python (written for these
// tests in the style of public training scripts).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { Hyperparams } from '../../src/analysis/extract/hyperparams';
import { CliValue, extractPython } from '../../src/analysis/extract/python';
import { analyzeText, AnalysisDeps } from '../../src/analysis/report';
import { memoryDeps } from './extract-config.test';
import { lineOf, loadDeps, loadParser, repoRoot, settings } from './helpers';

const dir = path.join(repoRoot, 'test', 'fixtures', 'extraction', 'python');
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

function assertAt(hp: Hyperparams, key: keyof Hyperparams, value: unknown, line?: number) {
  const f = hp[key] as { value: unknown; span: { line: number } } | undefined;
  assert.ok(f, `${String(key)} not read; unread: ${JSON.stringify(hp.unread.map((u) => `${u.key}: ${u.reason}`))}`);
  assert.deepEqual(f.value, value, String(key));
  if (line !== undefined) assert.equal(f.span.line, line, `${String(key)} line`);
}

const cli = (values: Record<string, string>, how = 'on the command line', assumed = false): Map<string, CliValue> =>
  new Map(Object.entries(values).map(([k, v]) => [k, { value: v, how: `--${k} ${v} ${how}`, ...(assumed ? { assumed: true } : {}) }]));

describe('Python: command-line arguments and their defaults', () => {
  let parser: Parser;
  let deps: AnalysisDeps;
  before(async () => {
    parser = await loadParser();
    deps = await loadDeps();
  });

  describe('HfArgumentParser dataclasses (hf_parser_dataclasses.py)', () => {
    const text = read('hf_parser_dataclasses.py');
    it('reads TrainingArguments fields through the HF dialect and the model through the ModelArguments default', () => {
      const hp = extractPython(parser, text);
      assertAt(hp, 'model', 'Qwen/Qwen2.5-0.5B', lineOf(text, 'AutoModelForCausalLM.from_pretrained('));
      assertAt(hp, 'seqLen', 1024, lineOf(text, 'model_max_length: int = field('));
      assertAt(hp, 'optimizer', 'adamw_torch', lineOf(text, 'optim: str'));
      assert.match(hp.seqLen!.how, /dataclass field default of TrainingArguments\.model_max_length/);
    });
    it('does not read the LoRA branch while use_lora defaults to False; --use_lora on the command line turns it on', () => {
      const off = extractPython(parser, text);
      assertAt(off, 'peft', false, lineOf(text, 'use_lora: bool = False'));
      assert.equal(off.sites.lora, undefined, 'the LoraConfig in the dead branch is not read');
      const on = extractPython(parser, text, { cli: cli({ use_lora: 'true', per_device_train_batch_size: '2' }) });
      assertAt(on, 'peft', true, lineOf(text, 'lora_config = LoraConfig('));
      assertAt(on, 'loraR', 16);
      assertAt(on, 'microBatch', 2);
      assert.match(on.microBatch!.how, /--per_device_train_batch_size 2 on the command line/);
    });
    it('analyzeText: full fine-tuning of the dataclass default model, with an estimate', () => {
      const r = analyzeText(text, 'hf_parser_dataclasses.py', settings(), deps);
      assert.equal(r.isTraining, true);
      assert.equal(r.plan?.method.value, 'full');
      assert.equal(r.plan?.seqLen.value, 1024);
      assert.equal(r.plan?.seqLen.origin, 'read');
    });
  });

  describe('fire: function defaults, a required base model (fire_required_model.py)', () => {
    const text = read('fire_required_model.py');
    it('reads the function defaults through the code; accumulation is batch_size // micro_batch_size (the DDP branch is dead)', () => {
      const hp = extractPython(parser, text);
      assertAt(hp, 'microBatch', 2);
      assertAt(hp, 'gradAccumulation', 32, lineOf(text, 'gradient_accumulation_steps=gradient_accumulation_steps'));
      assertAt(hp, 'loraR', 16);
      assertAt(hp, 'loadIn8bit', true);
      assertAt(hp, 'seqLen', 384);
    });
    it('a model argument with an empty default: a diagnostic that says where to pass it', () => {
      const r = analyzeText(text, 'fire_required_model.py', settings(), deps);
      const f = r.findings.find((x) => x.code === 'vramLens.unknownModel');
      assert.ok(f);
      assert.match(f.message, /base_model is a required command-line argument.*--base_model.*launch\.json/);
      assert.equal(f.span.line, lineOf(text, 'base_model: str = ""'));
      // the values read are still in the plan
      assert.equal(r.plan?.gradAccumulation.value, 32);
      assert.equal(r.estimate, null);
    });
    it('with --base_model on the command line the model is read and estimated', () => {
      const hp = extractPython(parser, text, { cli: cli({ base_model: 'meta-llama/Llama-3.2-1B' }) });
      assertAt(hp, 'model', 'meta-llama/Llama-3.2-1B');
      assert.match(hp.model!.how, /--base_model meta-llama\/Llama-3\.2-1B on the command line/);
    });
  });

  describe('argparse defaults through a call (argparse_callsite.py)', () => {
    const text = read('argparse_callsite.py');
    it('parameters take the arguments run() is called with; --quantize is off (store_true) so the 4-bit branch is not read', () => {
      const hp = extractPython(parser, text);
      assertAt(hp, 'model', 'mistralai/Mistral-7B-v0.1', lineOf(text, 'torch_dtype=torch.bfloat16'));
      assert.match(hp.model!.how, /argparse default of --base-model/);
      assertAt(hp, 'microBatch', 4);
      assertAt(hp, 'loraR', 32);
      assert.equal(hp.loadIn4bit, undefined);
      assertAt(hp, 'dtype', 'bfloat16');
    });
    it('--quantize on the command line reads the other branch', () => {
      const hp = extractPython(parser, text, { cli: cli({ quantize: 'true' }) });
      assertAt(hp, 'loadIn4bit', true, lineOf(text, 'load_in_4bit=True'));
      assertAt(hp, 'quantType', 'nf4');
    });
    it("the tokenizer's padded max_length is the sequence length (no trainer key sets one)", () => {
      const hp = extractPython(parser, text);
      assertAt(hp, 'seqLen', 768, lineOf(text, 'max_length=cutoff_len'));
      assert.match(hp.seqLen!.how, /padding="max_length"/);
    });
  });

  describe('fastcore call_parse (call_parse_fsdp.py)', () => {
    const text = read('call_parse_fsdp.py');
    it('the entry function parameters are the settings: QLoRA, batch, context, rank, pure bf16, FSDP', () => {
      const hp = extractPython(parser, text);
      assertAt(hp, 'model', 'meta-llama/Llama-3.2-1B', lineOf(text, 'model_name: str'));
      assertAt(hp, 'peft', true, lineOf(text, 'train_type:'));
      assertAt(hp, 'loadIn4bit', true);
      assertAt(hp, 'quantType', 'nf4', lineOf(text, 'quant_type="nf4"'));
      assertAt(hp, 'microBatch', 2);
      assertAt(hp, 'gradAccumulation', 4);
      assertAt(hp, 'seqLen', 1024);
      assertAt(hp, 'loraR', 32);
      assertAt(hp, 'gradientCheckpointing', true);
      assertAt(hp, 'dtype', 'bfloat16');
      assertAt(hp, 'bf16', false);
      assertAt(hp, 'fsdp', 'full_shard');
      assert.equal(hp.purpose?.value, 'training');
    });
    it('the plan: QLoRA NF4, pure bf16 (no autocast), FSDP', () => {
      const r = analyzeText(text, 'call_parse_fsdp.py', settings(), deps);
      assert.deepEqual(
        [r.plan?.method.value, r.plan?.quantization.value, r.plan?.weightDtype.value, r.plan?.autocast.value, r.plan?.sharding.value],
        ['qlora', 'nf4', 'bf16', false, 'fsdp'],
      );
    });
  });

  describe('usage examples in the header', () => {
    it('the first example that runs the file gives its values, assumed, on the example line; the LoRA example below is not used', () => {
      const text = read('usage_docstring_dpo.py');
      const r = analyzeText(text, '/ws/scripts/usage_docstring_dpo.py', settings(), { ...deps, workspaceRoot: '/ws' });
      const hp = r.hyperparams;
      assertAt(hp, 'model', 'HuggingFaceTB/SmolLM2-360M-Instruct');
      assert.equal(hp.model!.assumed, true);
      assertAt(hp, 'microBatch', 4, lineOf(text, 'python scripts/usage_docstring_dpo.py'));
      assert.match(hp.microBatch!.how, /--per_device_train_batch_size 4 in the usage example \(line \d+\)/);
      assert.deepEqual([r.plan?.microBatch.origin, r.plan?.gradAccumulation.value], ['assumed', 4]);
      // get_peft_config(model_args) without --use_peft: full training
      assert.equal(r.plan?.method.value, 'full');
      assert.equal(r.plan?.jobKind?.value, 'dpo');
    });
    it('a usage comment with torchrun and ACCELERATE_USE_FSDP=1: 2 GPUs and FSDP, assumed', () => {
      const text = read('usage_comment_fsdp.py');
      const r = analyzeText(text, '/ws/training/scripts/usage_comment_fsdp.py', settings(), { ...deps, workspaceRoot: '/ws' });
      const hp = r.hyperparams;
      assert.deepEqual([hp.gpus?.value, hp.gpus?.assumed, hp.fsdp?.value, hp.fsdp?.assumed], [2, true, 'full_shard', true]);
      assertAt(hp, 'seqLen', 1536);
      assert.match(r.findings.find((f) => f.code === 'vramLens.unknownModel')!.message, /model_id is a required command-line argument/);
    });
    it('accelerate --config_file names a config that is not in the workspace: its name gives ZeRO-3 (assumed)', () => {
      const text = read('header_accelerate_zero3.py');
      const r = analyzeText(text, '/ws/examples/header_accelerate_zero3.py', settings(), memoryDeps(deps, '/ws', {}));
      assert.deepEqual([r.plan?.sharding.value, r.plan?.sharding.origin], ['zero3', 'assumed']);
      assert.match(r.plan!.sharding.reason, /deepspeed_zero3\.yaml, the name of the accelerate config/);
    });
  });

  describe('what a file is', () => {
    it('a helper module (functions that build configs, no training call) is not a training file', () => {
      const r = analyzeText(read('helper_module.py'), 'helper_module.py', settings(), deps);
      assert.equal(r.isTraining, false);
      assert.match(r.hyperparams.purpose!.reason, /no training call/);
      assert.deepEqual(
        r.findings.filter((f) => f.severity === 'error' || f.severity === 'warning'),
        [],
      );
    });
    it('a Python run config (module-level settings a training script executes) is a training file', () => {
      const text = read('run_config_module.py');
      const r = analyzeText(text, 'run_config_module.py', settings(), deps);
      assert.equal(r.isTraining, true);
      const hp = r.hyperparams;
      assertAt(hp, 'model', 'gpt2-medium', lineOf(text, "init_from = 'gpt2-medium'"));
      assertAt(hp, 'microBatch', 4);
      assertAt(hp, 'gradAccumulation', 16);
      assertAt(hp, 'seqLen', 512);
    });
    it('a plain loop with module globals: the usage example sets batch_size=16 (assumed), the DDP branch is dead', () => {
      const text = read('globals_loop.py');
      const r = analyzeText(text, '/ws/globals_loop.py', settings(), { ...deps, workspaceRoot: '/ws' });
      const hp = r.hyperparams;
      assert.equal(r.isTraining, true);
      assert.deepEqual([hp.microBatch?.value, hp.microBatch?.assumed], [16, true]);
      assertAt(hp, 'gradAccumulation', 8, lineOf(text, 'gradient_accumulation_steps = 2 * 4'));
      assertAt(hp, 'seqLen', 256);
      assert.deepEqual([hp.gpus?.value, hp.gpus?.assumed], [1, true]);
      assert.equal(hp.model, undefined, "init_from = 'scratch' names no checkpoint");
    });
    it('a plain loop in main(): the DataLoader batch, the max_length setting; the eval loader and a local batch_size are not it', () => {
      const text = read('plain_loop.py');
      const hp = extractPython(parser, text);
      assertAt(hp, 'microBatch', 16, lineOf(text, 'train_dataloader = DataLoader('));
      assertAt(hp, 'seqLen', 128, lineOf(text, 'max_length = 128'));
      assert.equal(hp.purpose?.value, 'training');
    });
    it('an optimizer chosen through a variable: FusedAdam unless --offload; argparse TrainingArguments names', () => {
      const text = read('optimizer_alias.py');
      const hp = extractPython(parser, text);
      assertAt(hp, 'optimizer', 'adamw_torch_fused', lineOf(text, 'optimizer = Optimizer('));
      assertAt(hp, 'microBatch', 8);
      assertAt(hp, 'seqLen', 1024);
      assertAt(hp, 'gradientCheckpointing', false);
      const off = extractPython(parser, text, { cli: cli({ offload: 'true' }) });
      assert.deepEqual([off.optimizer?.value, off.offloadOptimizer?.value], ['adamw_torch', true]);
    });
    it('settings assigned as attributes (train_config.batch_size_training = 2) reach the calls that read them', () => {
      const text = read('attribute_settings.py');
      const hp = extractPython(parser, text);
      assertAt(hp, 'model', 'meta-llama/Llama-3.2-1B');
      assertAt(hp, 'microBatch', 2, lineOf(text, 'train_config.batch_size_training = 2'));
      assertAt(hp, 'gradAccumulation', 8);
      assertAt(hp, 'loraR', 16);
      assertAt(hp, 'loadIn8bit', true);
    });
    it('RewardTrainer / RewardConfig are training', () => {
      const r = analyzeText(read('reward_trainer.py'), 'reward_trainer.py', settings(), deps);
      assert.equal(r.isTraining, true);
      assert.equal(r.plan?.microBatch.value, 8);
      // the trained model is a classifier with a 1-wide score head (num_labels=1), not a vocabulary head
      assert.deepEqual(r.plan?.task.value, { kind: 'seq-cls', labels: 1 });
      assert.equal(r.plan?.task.origin, 'read');
    });
    it('PPO: the reward and value classifiers beside a causal-LM policy are not the trained model, whichever loads first', () => {
      const text = [
        'from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification',
        'from trl import PPOConfig, PPOTrainer',
        'value_model = AutoModelForSequenceClassification.from_pretrained("EleutherAI/pythia-1b-deduped", num_labels=1)',
        'reward_model = AutoModelForSequenceClassification.from_pretrained("EleutherAI/pythia-1b-deduped", num_labels=1)',
        'policy = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")',
        'config = PPOConfig(output_dir="ppo", per_device_train_batch_size=4)',
        'PPOTrainer(args=config, model=policy, reward_model=reward_model, value_model=value_model).train()',
      ].join('\n');
      const hp = extractPython(parser, text);
      assert.equal(hp.model?.value, 'Qwen/Qwen2.5-0.5B-Instruct');
      assert.equal(hp.task, undefined);
    });
    it('prepare_model_for_int8_training (PEFT < 0.10) prepares the k-bit model and turns checkpointing on, like its successor', () => {
      const text = [
        'from peft import prepare_model_for_int8_training',
        'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
        'model = AutoModelForCausalLM.from_pretrained("huggyllama/llama-7b", load_in_8bit=True)',
        'model = prepare_model_for_int8_training(model)',
        'Trainer(model=model, args=TrainingArguments(output_dir="o", per_device_train_batch_size=4)).train()',
      ].join('\n');
      const hp = extractPython(parser, text);
      assert.equal(hp.kbitPrep?.value, true);
      assert.equal(hp.gradientCheckpointing?.value, true);
      assert.equal(hp.gradientCheckpointing?.implied, true);
    });
    it('an XTuner (mmengine) config: dict(type=F, …) is a deferred call of F; train_dataloader, optim_wrapper and SupervisedFinetune defaults', () => {
      const text = read('xtuner_qlora_config.py');
      const hp = extractPython(parser, text);
      assert.equal(hp.purpose?.value, 'training');
      assertAt(hp, 'model', 'meta-llama/Llama-2-7b-hf', lineOf(text, 'pretrained_model_name_or_path=pretrained_model_name_or_path'));
      assertAt(hp, 'loadIn4bit', true);
      assertAt(hp, 'quantType', 'nf4');
      assertAt(hp, 'loraR', 32, lineOf(text, 'lora=dict('));
      assertAt(hp, 'seqLen', 4096);
      assertAt(hp, 'packing', true);
      assertAt(hp, 'microBatch', 2, lineOf(text, 'train_dataloader = dict('));
      assertAt(hp, 'gradAccumulation', 8, lineOf(text, 'accumulative_counts=accumulative_counts'));
      assertAt(hp, 'optimizer', 'adamw_torch');
      // xtuner/model/sft.py: checkpointing on by default, k-bit preparation and all linear layers with a LoRA config
      assert.deepEqual([hp.gradientCheckpointing?.value, hp.kbitPrep?.value, hp.loraTargets?.value], [true, true, 'all-linear']);
    });
    it('tuple assignment: model_id, output_dir = "org/model", "out" binds each name to its element', () => {
      const text = [
        'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
        'model_id, output_dir = "meta-llama/Llama-3.2-1B", "runs/out"',
        'model = AutoModelForCausalLM.from_pretrained(model_id)',
        'Trainer(model=model, args=TrainingArguments(output_dir=output_dir)).train()',
      ].join('\n');
      const hp = extractPython(parser, text);
      assert.equal(hp.model?.value, 'meta-llama/Llama-3.2-1B');
      assert.equal(hp.model?.valueSpan.line, 1);
    });
    it("TrainingArguments(fsdp_config={'activation_checkpointing': True}) checkpoints through FSDP (transformers training_args.py)", () => {
      const text = [
        'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
        'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")',
        'args = TrainingArguments(output_dir="o", fsdp="full_shard auto_wrap", fsdp_config={"backward_prefetch": "backward_pre", "activation_checkpointing": True})',
        'Trainer(model=model, args=args).train()',
      ].join('\n');
      const hp = extractPython(parser, text);
      assert.equal(hp.gradientCheckpointing?.value, true);
      assert.match(hp.gradientCheckpointing!.how, /fsdp_config/);
    });
    it("find_all_linear_names(args, model) (artidoro/qlora's helper) targets every linear layer: all-linear", () => {
      const text = [
        'from peft import LoraConfig, get_peft_model',
        'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
        'model = AutoModelForCausalLM.from_pretrained("huggyllama/llama-7b")',
        'modules = find_all_linear_names(args, model)',
        'model = get_peft_model(model, LoraConfig(r=64, target_modules=modules))',
        'Trainer(model=model, args=TrainingArguments(output_dir="o")).train()',
      ].join('\n');
      assert.equal(extractPython(parser, text).loraTargets?.value, 'all-linear');
    });
    it('Liger: apply_liger_kernel_to_<model>() and AutoLigerKernelForCausalLM fuse the loss by default; fused_linear_cross_entropy=False does not', () => {
      const head = [
        'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
        'from liger_kernel.transformers import apply_liger_kernel_to_llama, AutoLigerKernelForCausalLM',
      ];
      const tail = ['args = TrainingArguments(output_dir="o", per_device_train_batch_size=1)', 'Trainer(model=model, args=args).train()'];
      const load = 'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")';
      const on = extractPython(parser, [...head, 'apply_liger_kernel_to_llama()', load, ...tail].join('\n'));
      assert.equal(on.liger?.value, true);
      const off = extractPython(parser, [...head, 'apply_liger_kernel_to_llama(rope=True, fused_linear_cross_entropy=False)', load, ...tail].join('\n'));
      assert.equal(off.liger?.value, false);
      const auto = extractPython(parser, [...head, 'model = AutoLigerKernelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")', ...tail].join('\n'));
      assert.equal(auto.liger?.value, true);
      assert.equal(auto.model?.value, 'meta-llama/Llama-3.2-1B');
    });
    it("Unsloth: the DPO trainer's max_length is the sequence, not the loader's max_seq_length", () => {
      const text = read('unsloth_dpo_lengths.py');
      const hp = extractPython(parser, text);
      assertAt(hp, 'seqLen', 2048, lineOf(text, 'max_length=2048'));
    });
  });

  describe('branches and expressions', () => {
    it('if / elif / else and conditional expressions with known conditions', () => {
      const text = [
        'from transformers import TrainingArguments',
        'MODE = "lora"',
        'if MODE == "full":',
        '    bs = 1',
        'elif MODE == "lora":',
        '    bs = 4',
        'else:',
        '    bs = 8',
        'acc = 16 if MODE in ["full", "freeze"] else 2',
        'args = TrainingArguments(output_dir="o", per_device_train_batch_size=bs, gradient_accumulation_steps=acc, bf16=not False)',
        '',
      ].join('\n');
      const hp = extractPython(parser, text);
      assert.deepEqual([hp.microBatch?.value, hp.gradAccumulation?.value, hp.bf16?.value], [4, 2, true]);
    });
    it('a condition that depends on run time keeps both branches readable (the first wins, as before)', () => {
      const text = [
        'import torch',
        'from transformers import TrainingArguments',
        'if torch.cuda.device_count() > 1:',
        '    args = TrainingArguments(output_dir="o", per_device_train_batch_size=2)',
        'else:',
        '    args = TrainingArguments(output_dir="o", per_device_train_batch_size=8)',
        '',
      ].join('\n');
      assert.equal(extractPython(parser, text).microBatch?.value, 2);
    });
  });
});
