// Launch scripts: which command runs the analysed file, with how many GPUs, which accelerate/DeepSpeed
// config and which command-line overrides; and how that reaches the plan (docs/sources/parsing-pitfalls.md §3).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allLaunches, findLaunches, pathMatches } from '../../src/analysis/extract/launchers';
import { cliValuesOf, launchJsonInvocations, usageInvocation } from '../../src/analysis/extract/invocation';
import { analyzeText, AnalysisDeps } from '../../src/analysis/report';
import { readSmallFile, listShellScripts } from '../../src/node-deps';
import { configsDir, memoryDeps, readConfig } from './extract-config.test';
import { lineOf, loadDeps, settings } from './helpers';

const ROOT = '/ws';
const launches = (script: string, target: string, scriptPath = '/ws/run.sh') => findLaunches(script, scriptPath, path.posix.join(ROOT, target), ROOT);

describe('findLaunches', () => {
  it('torchrun --nproc_per_node with variables, continuations and an env prefix', () => {
    const sh =
      '#!/bin/bash\nexport NPROC=4\nNNODES=2\nCUDA_VISIBLE_DEVICES=0,1,2,3 torchrun \\\n  --nnodes=$NNODES --nproc_per_node ${NPROC} \\\n  --master_port 29500 train.py --per_device_train_batch_size 2 --bf16\n';
    const [l] = launches(sh, 'train.py');
    assert.equal(l.launcher, 'torchrun');
    assert.deepEqual([l.gpus?.value, l.gpus?.how, l.line], [8, '--nproc_per_node 4 × --nnodes 2', 4]);
    assert.deepEqual(l.overrides, [
      { key: 'per_device_train_batch_size', value: '2' },
      { key: 'bf16', value: 'true' },
    ]);
  });
  it('python -m torch.distributed.run and the legacy launch module', () => {
    assert.equal(launches('python -m torch.distributed.run --nproc_per_node=2 src/train.py', 'src/train.py')[0].gpus?.value, 2);
    assert.equal(launches('python3 -u -m torch.distributed.launch --nproc_per_node 8 --use_env src/train.py', 'src/train.py')[0].gpus?.value, 8);
  });
  it('accelerate launch: --config_file, --num_processes, --use_deepspeed --zero_stage, -m axolotl.cli.train', () => {
    const [a] = launches('accelerate launch --config_file configs/fsdp.yaml --num_processes 4 train.py', 'train.py');
    assert.deepEqual([a.launcher, a.accelerateConfig, a.gpus?.value], ['accelerate', 'configs/fsdp.yaml', 4]);
    const [b] = launches('accelerate launch --use_deepspeed --zero_stage 3 --num_processes=2 train.py', 'train.py');
    assert.deepEqual([b.zeroStage, b.gpus?.value], [3, 2]);
    const [c] = launches('accelerate launch -m axolotl.cli.train examples/llama-3/qlora.yml', 'examples/llama-3/qlora.yml');
    assert.equal(c.launcher, 'accelerate');
  });
  it('deepspeed --num_gpus / --include, with the --deepspeed config of the script', () => {
    const [a] = launches('deepspeed --num_gpus 8 train.py --deepspeed ds_config.json', 'train.py');
    assert.deepEqual([a.gpus?.value, a.deepspeedConfig?.path], [8, 'ds_config.json']);
    const [b] = launches('deepspeed --include localhost:0,1,2 train.py', 'train.py');
    assert.equal(b.gpus?.value, 3);
  });
  it('llamafactory-cli train with NPROC_PER_NODE × NNODES and key=value overrides', () => {
    const [l] = launches(
      'FORCE_TORCHRUN=1 NNODES=2 NPROC_PER_NODE=8 llamafactory-cli train examples/train_lora/x.yaml cutoff_len=4096',
      'examples/train_lora/x.yaml',
    );
    assert.deepEqual([l.launcher, l.gpus?.value], ['llamafactory-cli', 16]);
    assert.deepEqual(l.overrides, [{ key: 'cutoff_len', value: '4096' }]);
  });
  it('tune run --nproc_per_node N recipe --config file key=value', () => {
    const [l] = launches(
      'tune run --nproc_per_node 4 lora_finetune_distributed --config ./configs/8B_lora.yaml batch_size=8 model.lora_rank=32',
      'configs/8B_lora.yaml',
    );
    assert.deepEqual([l.launcher, l.gpus?.value], ['tune', 4]);
    assert.deepEqual(l.overrides, [
      { key: 'batch_size', value: '8' },
      { key: 'model.lora_rank', value: '32' },
    ]);
  });
  it('a config handed to the launched script with --config counts as launched', () => {
    const [l] = launches('accelerate launch --config_file zero3.yaml trl/scripts/sft.py --config recipes/sft.yaml', 'recipes/sft.yaml');
    assert.deepEqual([l.accelerateConfig, l.launcher], ['zero3.yaml', 'accelerate']);
  });
  it('cd "$(dirname "$0")/.." moves the working directory relative to the script', () => {
    const [l] = findLaunches('cd "$(dirname "$0")/.."\npython train.py', '/ws/scripts/run.sh', '/ws/train.py', '/ws');
    assert.deepEqual([l.launcher, l.gpus?.value, l.cwd], ['python', 1, '/ws']);
  });
  it('commands for other files, comments and echo lines are not launches', () => {
    const sh = '# torchrun --nproc_per_node 8 train.py\necho "torchrun --nproc_per_node 8 train.py"\ntorchrun --nproc_per_node 2 other/train.py\n';
    assert.deepEqual(launches(sh, 'train.py'), []);
  });
  it('path matching: relative to the bases, or a tail with a folder; never a bare file name elsewhere', () => {
    assert.ok(pathMatches('./train.py', '/ws/train.py', ['/ws']));
    assert.ok(pathMatches('$REPO/configs/a.yaml', '/ws/x/configs/a.yaml', ['/ws']));
    assert.ok(!pathMatches('train.py', '/ws/sub/train.py', ['/ws']));
    assert.ok(!pathMatches('configs/*.yaml', '/ws/configs/a.yaml', ['/ws']));
  });
  it('never throws on odd shell', () => {
    for (const sh of [
      '',
      '\\',
      '"unterminated',
      'torchrun --nproc_per_node',
      'cd',
      "a=1 b='2",
      'accelerate launch',
      '|||&&;;',
      'x=$(( 1 + 2 ))\n${',
      'tune run --config',
    ]) {
      assert.doesNotThrow(() => findLaunches(sh, '/ws/a.sh', '/ws/train.py', '/ws'), sh);
    }
  });
});

describe('launchers and linked files reach the plan', () => {
  let base: AnalysisDeps;
  before(async () => {
    base = await loadDeps();
  });

  it('in-memory files (the engine reads only through the deps): GPU count and override from the script, stage from the DeepSpeed JSON', () => {
    const script = readConfig('train_hf.py');
    const deps = memoryDeps(base, ROOT, {
      'scripts/train_hf.sh': readConfig('scripts/train_hf.sh'),
      'deepspeed_configs/zero3_bf16.json': readConfig('deepspeed_configs/zero3_bf16.json'),
    });
    const r = analyzeText(script, path.posix.join(ROOT, 'train_hf.py'), settings(), deps);
    const p = r.plan!;
    assert.deepEqual([p.gpus.value, p.gpus.origin], [2, 'read']);
    assert.match(p.gpus.reason, /--nproc_per_node 2 in scripts\/train_hf\.sh \(line 7\)/);
    // the command line wins over the script's per_device_train_batch_size=8, on the script's own line
    assert.deepEqual([p.microBatch.value, p.microBatch.span?.line], [4, lineOf(script, 'per_device_train_batch_size')]);
    assert.match(p.microBatch.reason, /overriding 8/);
    assert.deepEqual([p.sharding.value, p.offloadOptimizer.value], ['zero3', true]);
    assert.match(p.sharding.reason, /deepspeed_configs\/zero3_bf16\.json \(line 3\)/);
    assert.deepEqual(r.hyperparams.linkedFiles?.sort(), ['/ws/deepspeed_configs/zero3_bf16.json', '/ws/scripts/train_hf.sh']);
  });

  it('without readFile (the webview) nothing else is read and nothing breaks', () => {
    const r = analyzeText(readConfig('train_hf.py'), '/ws/train_hf.py', settings(), base);
    assert.deepEqual([r.plan!.gpus.value, r.plan!.microBatch.value, r.plan!.sharding.value, r.plan!.sharding.origin], [1, 8, 'zero3', 'read']);
    assert.equal(r.hyperparams.linkedFiles, undefined);
  });

  it('the fixture folder on disk through node-deps: axolotl launched with accelerate, NGPUS defaulting to 4', () => {
    const deps: AnalysisDeps = { ...base, workspaceRoot: configsDir, readFile: readSmallFile, listShellScripts };
    const text = readConfig('axolotl_full_zero3.yaml');
    const r = analyzeText(text, path.join(configsDir, 'axolotl_full_zero3.yaml'), settings(), deps);
    assert.deepEqual([r.plan!.gpus.value, r.plan!.gpus.origin], [4, 'read']);
    assert.match(r.plan!.gpus.reason, /launch_axolotl\.sh/);
    assert.deepEqual([r.plan!.microBatch.value, r.plan!.microBatch.span?.line], [2, lineOf(text, /^micro_batch_size:/)]);
    assert.equal(r.plan!.sharding.value, 'zero3');
  });

  it('llamafactory-cli: 8 GPUs from NPROC_PER_NODE, cutoff_len=4096 from the command line', () => {
    const deps = memoryDeps(base, ROOT, { 'scripts/llamafactory.sh': readConfig('scripts/llamafactory.sh') });
    const r = analyzeText(readConfig('llamafactory_qlora.yaml'), '/ws/llamafactory_qlora.yaml', settings(), deps);
    assert.deepEqual([r.plan!.gpus.value, r.plan!.seqLen.value, r.plan!.seqLen.origin, r.plan!.microBatch.value], [8, 4096, 'read', 1]);
    assert.equal(r.plan!.sharding.value, 'ddp');
  });

  it('accelerate --config_file links an accelerate YAML: FSDP2 SHARD_GRAD_OP on its 8 processes', () => {
    const deps = memoryDeps(base, ROOT, {
      'scripts/trl_fsdp.sh': readConfig('scripts/trl_fsdp.sh'),
      'accelerate_fsdp2.yaml': readConfig('accelerate_fsdp2.yaml'),
    });
    const r = analyzeText(readConfig('trl_sft.yaml'), '/ws/trl_sft.yaml', settings(), deps);
    assert.deepEqual([r.plan!.gpus.value, r.plan!.sharding.value], [8, 'fsdp_grad_op']);
    assert.match(r.plan!.sharding.reason, /accelerate_fsdp2\.yaml \(line \d+\), linked by accelerate launch --config_file/);
    assert.ok(r.hyperparams.linkedFiles?.includes('/ws/accelerate_fsdp2.yaml'));
  });

  it('listShellScripts stays within its bounds and skips dependency folders', () => {
    const found = listShellScripts(configsDir);
    assert.deepEqual(found.map((f) => path.basename(f)).sort(), fs.readdirSync(path.join(configsDir, 'scripts')).sort());
    assert.equal(readSmallFile(path.join(configsDir, 'nope.json')), undefined);
    assert.equal(readSmallFile(configsDir), undefined, 'a folder is not a file');
  });
});

describe('how a file is run: launch.json, usage examples, command-line keys through the dialect tables', () => {
  let base: AnalysisDeps;
  before(async () => {
    base = await loadDeps();
  });

  const launchJson = JSON.stringify(
    {
      version: '0.2.0',
      // comments and trailing commas are fine in launch.json; this test writes plain JSON
      configurations: [
        { name: 'Eval', type: 'debugpy', request: 'launch', program: '${workspaceFolder}/eval.py', args: ['--batch_size', '64'] },
        {
          name: 'Train',
          type: 'debugpy',
          request: 'launch',
          program: '${workspaceFolder}/train_hf.py',
          args: ['--per_device_train_batch_size', '2', '--gradient_checkpointing'],
          env: { CUDA_VISIBLE_DEVICES: '0' },
        },
        {
          name: 'Train DDP',
          type: 'debugpy',
          request: 'launch',
          module: 'torch.distributed.run',
          args: ['--nproc_per_node', '4', 'train_hf.py', '--per_device_train_batch_size', '1'],
        },
        { name: 'Current file', type: 'debugpy', request: 'launch', program: '${file}', args: ['--per_device_train_batch_size', '32'] },
      ],
    },
    null,
    2,
  );

  it('launch.json: the configurations whose program (or launcher module) runs the file, with args and env', () => {
    const invs = launchJsonInvocations('/ws/train_hf.py', '/ws', { readFile: (p) => (p === '/ws/.vscode/launch.json' ? launchJson : undefined) });
    assert.equal(invs.length, 2, 'Eval runs another file; ${file} is whatever is open');
    const [plain, ddp] = invs;
    assert.deepEqual([plain.launch.launcher, plain.launch.gpus?.value, ddp.launch.launcher, ddp.launch.gpus?.value], ['python', 1, 'torchrun', 4]);
    assert.match(plain.where, /\.vscode\/launch\.json \("Train", line \d+\)/);
    const values = cliValuesOf(plain);
    assert.deepEqual([values.get('per_device_train_batch_size')?.value, values.get('gradient_checkpointing')?.value], ['2', 'true']);
  });

  it('launch.json reaches the plan: the first configuration that states its GPUs (CUDA_VISIBLE_DEVICES in env counts), its batch overriding the script', () => {
    const script = readConfig('train_hf.py');
    const r = analyzeText(script, '/ws/train_hf.py', settings(), memoryDeps(base, ROOT, { '.vscode/launch.json': launchJson }));
    assert.deepEqual([r.plan!.gpus.value, r.plan!.microBatch.value, r.plan!.gradientCheckpointing.value], [1, 2, true]);
    assert.match(r.plan!.gpus.reason, /CUDA_VISIBLE_DEVICES=0 in \.vscode\/launch\.json \("Train"/);
    assert.match(
      r.plan!.microBatch.reason,
      /--per_device_train_batch_size 2 on the command line in \.vscode\/launch\.json \("Train", line \d+\), overriding 8 in the file/,
    );
    assert.ok(r.hyperparams.linkedFiles?.includes('/ws/.vscode/launch.json'));
    // without the env, the plain `python` launch says nothing about GPUs: the torch.distributed.run configuration does
    const noEnv = launchJson.replace(/"env": \{[^}]*\}/, '"env": {}');
    const d = analyzeText(script, '/ws/train_hf.py', settings(), memoryDeps(base, ROOT, { '.vscode/launch.json': noEnv }));
    assert.deepEqual([d.plan!.gpus.value, d.plan!.microBatch.value], [4, 1]);
    assert.match(d.plan!.microBatch.reason, /\("Train DDP"/);
  });

  it('a usage example runs the file by its own name or path; `python -m pkg.module` counts; other files do not', () => {
    const doc = '"""\nUsage:\n  $ python -m trainers.sft_run --per_device_train_batch_size 2 \\\n      --max_length 1024\n"""\n';
    const inv = usageInvocation(doc, '/ws/trainers/sft_run.py', '/ws', 'python');
    assert.ok(inv);
    assert.equal(inv.assumed, true);
    assert.deepEqual([...cliValuesOf(inv).keys()], ['per_device_train_batch_size', 'max_length']);
    assert.equal(inv.span?.line, 2);
    assert.equal(usageInvocation('# python other.py --per_device_train_batch_size 2\n', '/ws/sft_run.py', '/ws', 'python'), undefined);
  });

  it('every launch of a shell text, whatever it runs (notebook cells, task files)', () => {
    const ls = allLaunches(
      'cd scripts\nexport CUDA_VISIBLE_DEVICES=0,1\nMODEL=org/m\npip install -U trl\npython -c "print(1)"\ntorchrun --nproc_per_node 2 sft.py --model_name_or_path $MODEL\n',
      '/ws/task.yml',
      '/ws',
    );
    assert.deepEqual(
      ls.map((l) => [l.launcher, l.targets[0], l.cwd, l.gpus?.value]),
      [['torchrun', 'sft.py', '/ws/scripts', 2]],
    );
    assert.deepEqual(ls[0].overrides, [{ key: 'model_name_or_path', value: 'org/m' }]);
  });

  it('llamafactory-cli key=value goes through the LLaMA-Factory reader: finetuning_type=full is full tuning with its fp32 rule', () => {
    const deps = memoryDeps(base, ROOT, {
      'run.sh': 'llamafactory-cli train llamafactory_qlora.yaml finetuning_type=full quantization_bit=null lora_rank=64\n',
    });
    const r = analyzeText(readConfig('llamafactory_qlora.yaml'), '/ws/llamafactory_qlora.yaml', settings(), deps);
    assert.equal(r.hyperparams.peft?.value, false);
    assert.match(r.hyperparams.peft!.how, /finetuning_type=full on the command line in run\.sh \(line 1\)/);
  });

  it('tune key=value (dotted) and axolotl --key value go through their dialect tables', () => {
    const tune = memoryDeps(base, ROOT, { 'run.sh': 'tune run lora_finetune_single_device --config torchtune_qlora.yaml batch_size=8 model.lora_rank=64\n' });
    const t = analyzeText(readConfig('torchtune_qlora.yaml'), '/ws/torchtune_qlora.yaml', settings(), tune);
    assert.deepEqual([t.plan!.microBatch.value, t.plan!.loraR.value], [8, 64]);
    assert.match(t.plan!.loraR.reason, /model\.lora_rank=64 on the command line in run\.sh/);
    const ax = memoryDeps(base, ROOT, { 'run.sh': 'axolotl train axolotl_qlora.yml --micro_batch_size 1 --lora-r 8\n' });
    const a = analyzeText(readConfig('axolotl_qlora.yml'), '/ws/axolotl_qlora.yml', settings(), ax);
    assert.deepEqual([a.plan!.microBatch.value, a.plan!.loraR.value], [1, 8]);
  });

  it('the override table of links.ts is gone: command-line keys are read only through the dialect tables', () => {
    const src = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'src', 'analysis', 'extract', 'frameworks', 'links.ts'), 'utf8');
    assert.doesNotMatch(src, /OVERRIDES/);
  });
});

describe('shell scripts opened on their own', () => {
  let base: AnalysisDeps;
  before(async () => {
    base = await loadDeps();
  });

  it('an ms-swift launch script: the job from the command line, list arguments whole, findings on the command', () => {
    const text = [
      '#!/bin/bash',
      'export NCCL_DEBUG=INFO',
      'CUDA_VISIBLE_DEVICES=0,1 NPROC_PER_NODE=2 \\',
      'swift sft \\',
      '    --model Qwen/Qwen2.5-7B-Instruct \\',
      '    --train_type lora \\',
      '    --lora_rank 16 \\',
      '    --target_modules q_proj k_proj v_proj \\',
      '    --per_device_train_batch_size 2 \\',
      '    --max_length 4096 \\',
      '    --torch_dtype bfloat16',
      '',
    ].join('\n');
    const r = analyzeText(text, '/ws/train.sh', settings(), base);
    assert.equal(r.kind, 'shell');
    assert.equal(r.isTraining, true);
    assert.equal(r.framework, 'ms-swift');
    assert.equal(r.model?.spec?.id, 'Qwen/Qwen2.5-7B');
    assert.deepEqual(r.plan!.loraTargets.value, ['q_proj', 'k_proj', 'v_proj']);
    assert.equal(r.plan!.loraR.value, 16);
    assert.equal(r.plan!.microBatch.value, 2);
    assert.equal(r.plan!.seqLen.value, 4096);
    // the command starts on line 3 (0-based 2); the report's anchor sits there
    assert.equal(r.anchor?.line, lineOf(text, /^CUDA_VISIBLE_DEVICES/));
    assert.ok(r.estimate, 'an estimate');
  });

  it('llamafactory-cli train with its arguments on the command line (no YAML)', () => {
    const text = [
      'llamafactory-cli train \\',
      '    --stage sft --do_train True \\',
      '    --model_name_or_path meta-llama/Llama-3.1-8B-Instruct \\',
      '    --finetuning_type lora --lora_rank 32 \\',
      '    --cutoff_len 2048 --per_device_train_batch_size 4 --gradient_accumulation_steps 8 \\',
      '    --bf16 True --output_dir out',
    ].join('\n');
    const r = analyzeText(text, '/ws/run.sh', settings(), base);
    assert.equal(r.isTraining, true);
    assert.equal(r.framework, 'llama-factory');
    assert.equal(r.model?.spec?.id, 'meta-llama/Llama-3.1-8B');
    assert.deepEqual([r.plan!.method.value, r.plan!.loraR.value, r.plan!.seqLen.value, r.plan!.microBatch.value], ['lora', 32, 2048, 4]);
  });

  it('a shell script that launches no training is not a training file and gets no findings', () => {
    const text = ['#!/bin/bash', 'set -e', 'pip install -r requirements.txt', 'python download_data.py --out data/', 'python evaluate.py --model out'].join(
      '\n',
    );
    const r = analyzeText(text, '/ws/setup.sh', settings(), base);
    assert.equal(r.kind, 'shell');
    assert.equal(r.isTraining, false);
    assert.deepEqual(r.findings, []);
  });
});

describe('launch commands documented in a README (invocation.ts readmeInvocation)', () => {
  let base: AnalysisDeps;
  before(async () => {
    base = await loadDeps();
  });
  const script = [
    'from dataclasses import dataclass, field',
    'import transformers',
    '',
    '@dataclass',
    'class ModelArguments:',
    '    model_name_or_path: str = field(default=None)',
    '',
    '@dataclass',
    'class TrainingArguments(transformers.TrainingArguments):',
    '    model_max_length: int = field(default=512)',
    '',
    'def train():',
    '    parser = transformers.HfArgumentParser((ModelArguments, TrainingArguments))',
    '    model_args, training_args = parser.parse_args_into_dataclasses()',
    '    model = transformers.AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)',
    '    trainer = transformers.Trainer(model=model, args=training_args)',
    '    trainer.train()',
    '',
    'if __name__ == "__main__":',
    '    train()',
    '',
  ].join('\n');
  const readme = [
    '# Fine-tuning',
    '',
    'Run it with:',
    '',
    '```bash',
    '$ deepspeed finetune.py \\',
    '    --model_name_or_path Qwen/Qwen2.5-7B \\',
    '    --model_max_length 2048 \\',
    '    --per_device_train_batch_size 4 \\',
    '    --bf16 True',
    '```',
    '',
  ].join('\n');
  const files = new Map([['/ws/finetune/README.md', readme]]);
  const deps = (): AnalysisDeps => ({ ...base, readFile: (p: string) => files.get(p), workspaceRoot: '/ws', listShellScripts: () => [] });

  it('takes the values of the command that runs the file, as assumed, and names the README', () => {
    const r = analyzeText(script, '/ws/finetune/finetune.py', settings(), deps());
    assert.equal(r.model?.spec?.id, 'Qwen/Qwen2.5-7B');
    assert.deepEqual([r.plan!.microBatch.value, r.plan!.seqLen.value], [4, 2048]);
    assert.equal(r.plan!.microBatch.origin, 'assumed');
    assert.match(r.plan!.microBatch.reason ?? '', /README\.md \(line 6\)/);
  });

  it('a placeholder in the command (<your_model_path>) is no value: the code default stays', () => {
    const withDefault = script.replace('model_name_or_path: str = field(default=None)', 'model_name_or_path: str = field(default="Qwen/Qwen2.5-1.5B")');
    files.set('/ws/finetune/README.md', readme.replace('Qwen/Qwen2.5-7B', '<your_model_path>'));
    try {
      const r = analyzeText(withDefault, '/ws/finetune/finetune.py', settings(), deps());
      assert.equal(r.model?.spec?.id, 'Qwen/Qwen2.5-1.5B');
      assert.equal(r.plan!.microBatch.value, 4); // the rest of the command still counts
    } finally {
      files.set('/ws/finetune/README.md', readme);
    }
  });

  it('ignores README commands that run another file', () => {
    const other = analyzeText(script, '/ws/finetune/other.py', settings(), deps());
    assert.equal(other.model, null);
  });
});

describe('command lines as shells read them (second reading)', () => {
  it('redirections and pipes are not arguments; a scalar option keeps its one value', () => {
    const [a] = allLaunches('python train.py --per_device_train_batch_size 7 2>&1 | tee log', '/ws/run.sh', '/ws');
    assert.deepEqual(a.overrides, [{ key: 'per_device_train_batch_size', value: '7' }]);
    const [b] = allLaunches('deepspeed train.py --per_device_train_batch_size 4 --deepspeed ds.json > log.txt 2>&1', '/ws/run.sh', '/ws');
    assert.deepEqual(b.overrides, [
      { key: 'per_device_train_batch_size', value: '4' },
      { key: 'deepspeed', value: 'ds.json' },
    ]);
    const [c] = allLaunches('python train.py --per_device_train_batch_size 8 "$@"', '/ws/run.sh', '/ws');
    assert.deepEqual(c.overrides, [{ key: 'per_device_train_batch_size', value: '8' }]);
  });

  it('list options take every value; a documentation placeholder stays one token', () => {
    const [a] = allLaunches('swift sft --model <your_model> --target_modules q_proj k_proj --lora_rank 8', '/ws/run.sh', '/ws');
    assert.deepEqual(a.overrides, [
      { key: 'model', value: '<your_model>' },
      { key: 'target_modules', value: 'q_proj,k_proj' },
      { key: 'lora_rank', value: '8' },
    ]);
  });
});

describe('launch scripts that run no training (second reading)', () => {
  let base: AnalysisDeps;
  before(async () => {
    base = await loadDeps();
  });

  it('a shell script that runs a helper script of the workspace is not a training file', () => {
    const files = new Map([['/ws/utils.py', 'import json\nprint(json.dumps({"a": 1}))\n']]);
    const deps: AnalysisDeps = { ...base, readFile: (p: string) => files.get(p), workspaceRoot: '/ws', listShellScripts: () => [] };
    const r = analyzeText('#!/bin/bash\npython utils.py --x 1\n', '/ws/run.sh', settings(), deps);
    assert.equal(r.isTraining, false);
    assert.deepEqual(r.findings, []);
  });

  it("a README in a folder above does not lend another folder's command to a file of the same name", () => {
    const readme = ['```bash', 'llamafactory-cli train examples/other/config.yaml per_device_train_batch_size=32', '```', ''].join('\n');
    const config = ['model_name_or_path: Qwen/Qwen2.5-7B', 'stage: sft', 'do_train: true', 'finetuning_type: lora', 'per_device_train_batch_size: 2', ''].join(
      '\n',
    );
    const files = new Map([
      ['/ws/README.md', readme],
      ['/ws/examples/mine/config.yaml', config],
    ]);
    const deps: AnalysisDeps = { ...base, readFile: (p: string) => files.get(p), workspaceRoot: '/ws', listShellScripts: () => [] };
    const r = analyzeText(config, '/ws/examples/mine/config.yaml', settings(), deps);
    assert.equal(r.plan!.microBatch.value, 2);
  });
});
