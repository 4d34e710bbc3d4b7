// YAML/JSON configs of every framework: what is read (with its exact range), which framework defaults
// apply (docs/sources/framework-keys.md, cited per assertion), what linked DeepSpeed/accelerate files add, and that
// non-training configs get no OOM check. Fixtures: test/fixtures/configs (written in each framework's style).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractConfig, detectConfigFormat, parseConfig } from '../../src/analysis/extract/frameworks/index';
import { torchtuneBuilderModel } from '../../src/analysis/extract/frameworks/torchtune';
import { resolveModel } from '../../src/analysis/models/catalog';
import { analyzeText, AnalysisDeps, Report, reportToJson } from '../../src/analysis/report';
import { lineOf, loadDeps, repoRoot, settings } from './helpers';

export const configsDir = path.join(repoRoot, 'test', 'fixtures', 'configs');
export const readConfig = (name: string) => fs.readFileSync(path.join(configsDir, name), 'utf8');

/** Deps whose files live in memory: the engine reads linked files only through these. */
export function memoryDeps(base: AnalysisDeps, root: string, files: Record<string, string>): AnalysisDeps {
  const abs = (p: string) => path.posix.join(root, p);
  const byPath = new Map(Object.entries(files).map(([k, v]) => [abs(k), v]));
  return {
    ...base,
    workspaceRoot: root,
    readFile: (p) => byPath.get(path.posix.normalize(p)),
    listShellScripts: () => [...byPath.keys()].filter((p) => p.endsWith('.sh')).sort(),
  };
}

/** Deps that read test/fixtures/configs from disk (no launch scripts unless asked). */
function fixtureDeps(base: AnalysisDeps, withScripts = false): AnalysisDeps {
  const read = (p: string) => (fs.existsSync(p) && fs.statSync(p).isFile() ? fs.readFileSync(p, 'utf8') : undefined);
  return {
    ...base,
    workspaceRoot: configsDir,
    readFile: read,
    listShellScripts: withScripts ? () => fs.readdirSync(path.join(configsDir, 'scripts')).map((f) => path.join(configsDir, 'scripts', f)) : () => [],
  };
}

describe('extractConfig: framework detection', () => {
  const cases: [string, string][] = [
    ['axolotl_qlora.yml', 'axolotl'],
    ['axolotl_full_zero3.yaml', 'axolotl'],
    ['llamafactory_qlora.yaml', 'llama-factory'],
    ['llamafactory_predict.yaml', 'llama-factory'],
    ['llamafactory_v1_lora.yaml', 'llama-factory-v1'],
    ['torchtune_qlora.yaml', 'torchtune'],
    ['torchtune_generation.yaml', 'torchtune'],
    ['trl_sft.yaml', 'hf'],
    ['accelerate_fsdp2.yaml', 'accelerate'],
    ['deepspeed_configs/zero3_bf16.json', 'deepspeed'],
    ['ds_template.json', 'deepspeed'],
  ];
  for (const [file, format] of cases) {
    it(`${file} is ${format}`, () => {
      const kind = file.endsWith('.json') ? 'json' : 'yaml';
      assert.equal(detectConfigFormat(parseConfig(readConfig(file), kind)), format);
    });
  }
  it('YAML that is no training config (a CI workflow) is unknown and gets no findings', async () => {
    const text = 'name: CI\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n';
    const r = analyzeText(text, 'ci.yml', settings(), await loadDeps());
    assert.equal(r.framework, 'unknown');
    assert.equal(r.isTraining, false);
    assert.deepEqual(r.findings, []);
  });
});

describe('axolotl', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = fixtureDeps(await loadDeps());
  });

  describe('axolotl_qlora.yml (QLoRA, legacy flash_attention key)', () => {
    const text = readConfig('axolotl_qlora.yml');
    let r: Report;
    before(() => {
      r = analyzeText(text, 'axolotl_qlora.yml', settings(), deps);
    });
    it('reads the model and every value with the range of its key and value', () => {
      assert.equal(r.framework, 'axolotl');
      assert.equal(r.model?.spec?.id, 'meta-llama/Llama-3.1-8B');
      const mb = r.hyperparams.microBatch!;
      const line = lineOf(text, /^micro_batch_size:/);
      assert.deepEqual([mb.value, mb.span.line, mb.span.column, mb.span.endLine, mb.span.endColumn], [2, line, 0, line, 'micro_batch_size: 2'.length]);
      assert.deepEqual([mb.valueSpan.line, mb.valueSpan.column, mb.valueSpan.endColumn], [line, 'micro_batch_size: '.length, 'micro_batch_size: 2'.length]);
      assert.equal(r.hyperparams.seqLen?.value, 4096);
      assert.equal(r.hyperparams.seqLen?.span.line, lineOf(text, /^sequence_len:/));
      assert.equal(r.hyperparams.gradAccumulation?.value, 4);
      assert.equal(r.hyperparams.packing?.value, true);
    });
    it('adapter: qlora + load_in_4bit: QLoRA; axolotl fixes nf4 and double quant (loaders/model.py)', () => {
      const p = r.plan!;
      assert.deepEqual([p.method.value, p.method.origin, p.method.span?.line], ['qlora', 'read', lineOf(text, /^adapter: qlora/)]);
      assert.deepEqual([p.quantization.value, p.quantization.origin], ['nf4', 'read']);
      assert.deepEqual([p.doubleQuant.value, p.doubleQuant.origin], [true, 'defaulted']);
      assert.match(p.doubleQuant.reason, /axolotl/);
    });
    it('lora_target_linear: true targets every linear layer; lora_r 32', () => {
      assert.deepEqual([r.plan!.loraTargets.value, r.plan!.loraTargets.origin], ['all-linear', 'read']);
      assert.deepEqual([r.plan!.loraR.value, r.plan!.loraR.span?.line], [32, lineOf(text, /^lora_r:/)]);
    });
    it('bf16: auto resolves to bf16 on Ampere+; weights load in bf16 (resolve_dtype)', () => {
      assert.deepEqual([r.plan!.autocast.value, r.plan!.autocast.origin], [true, 'read']);
      assert.match(r.plan!.autocast.reason, /auto/);
      assert.deepEqual([r.plan!.weightDtype.value, r.plan!.weightDtype.origin], ['bf16', 'defaulted']);
      assert.match(r.plan!.weightDtype.reason, /resolve_dtype/);
    });
    it('k-bit adapters get prepare_model_for_kbit_training without FSDP/ZeRO-3 (fp32 non-quantized params)', () => {
      assert.deepEqual([r.plan!.kbitUpcast.value, r.plan!.kbitUpcast.origin], [true, 'defaulted']);
    });
    it('deprecated flash_attention: true means flash_attention_2; optimizer paged_adamw_8bit; checkpointing on', () => {
      assert.deepEqual([r.plan!.attention.value, r.plan!.attention.span?.line], ['flash_attention_2', lineOf(text, /^flash_attention:/)]);
      assert.deepEqual([r.plan!.optimizer.value, r.plan!.optimizer.origin], ['paged_adamw_8bit', 'read']);
      assert.deepEqual([r.plan!.gradientCheckpointing.value, r.plan!.gradientCheckpointing.origin], [true, 'read']);
    });
    it('is a training config with an estimate, and the JSON plan names the origin of every field', () => {
      assert.equal(r.isTraining, true);
      assert.ok(r.estimate);
      const j = reportToJson(r);
      for (const [k, f] of Object.entries(j.plan!)) assert.ok(['read', 'defaulted', 'assumed'].includes(f.origin), k);
      assert.equal(j.plan!.microBatch.line, lineOf(text, /^micro_batch_size:/) + 1);
    });
  });

  describe('defaults when keys are absent (docs/sources/framework-keys.md §4)', () => {
    const minimal = 'base_model: Qwen/Qwen2.5-1.5B\ndatasets:\n  - path: x\n    type: alpaca\n';
    let r: Report;
    before(() => {
      r = analyzeText(minimal, 'min.yml', settings(), deps);
    });
    it('micro_batch_size 1, sequence_len 512, gradient_checkpointing off, optimizer adamw_torch_fused', () => {
      const p = r.plan!;
      assert.deepEqual([p.microBatch.value, p.microBatch.origin], [1, 'defaulted']);
      assert.deepEqual([p.seqLen.value, p.seqLen.origin], [512, 'defaulted']);
      assert.deepEqual([p.gradientCheckpointing.value, p.gradientCheckpointing.origin], [false, 'defaulted']);
      assert.deepEqual([p.optimizer.value, p.optimizer.origin], ['adamw_fused', 'defaulted']);
      assert.match(p.optimizer.reason, /axolotl/);
    });
    it('no adapter: full fine-tuning; bf16 defaults to auto', () => {
      assert.deepEqual([r.plan!.method.value, r.plan!.method.origin], ['full', 'defaulted']);
      assert.deepEqual([r.plan!.autocast.value, r.plan!.weightDtype.value], [true, 'bf16']);
    });
    it('load_in_8bit with an adapter loads fp16 (resolve_dtype)', () => {
      const q = analyzeText(minimal + 'adapter: lora\nload_in_8bit: true\n', 'x.yml', settings(), deps);
      assert.deepEqual([q.plan!.quantization.value, q.plan!.weightDtype.value, q.plan!.method.value], ['int8', 'fp16', 'qlora']);
    });
    it('bf16: false and no fp16 loads fp32', () => {
      const q = analyzeText(minimal + 'bf16: false\n', 'x.yml', settings(), deps);
      assert.deepEqual([q.plan!.weightDtype.value, q.plan!.autocast.value], ['fp32', false]);
    });
    it('gradient accumulation from the global batch_size // micro_batch_size', () => {
      const q = analyzeText(minimal + 'micro_batch_size: 4\nbatch_size: 64\n', 'x.yml', settings(), deps);
      assert.deepEqual([q.plan!.gradAccumulation.value, q.plan!.gradAccumulation.origin], [16, 'read']);
    });
  });

  describe('axolotl_full_zero3.yaml with its linked DeepSpeed JSON', () => {
    const text = readConfig('axolotl_full_zero3.yaml');
    let r: Report;
    before(() => {
      r = analyzeText(text, 'axolotl_full_zero3.yaml', settings(), deps);
    });
    it('reads the stage and offload from deepspeed_configs/zero3_bf16.json, pointing at the deepspeed: key', () => {
      const p = r.plan!;
      const line = lineOf(text, /^deepspeed:/);
      assert.deepEqual([p.sharding.value, p.sharding.origin, p.sharding.span?.line], ['zero3', 'read', line]);
      assert.match(p.sharding.reason, /zero_optimization\.stage: 3 in deepspeed_configs\/zero3_bf16\.json \(line 3\)/);
      assert.deepEqual([p.offloadOptimizer.value, p.offloadOptimizer.origin], [true, 'read']);
      assert.deepEqual([p.offloadParams.value, p.offloadParams.origin], [false, 'defaulted']);
      assert.ok(r.hyperparams.linkedFiles?.some((f) => f.endsWith('deepspeed_configs/zero3_bf16.json')));
    });
    it('"auto" values leave the config\'s own: micro_batch_size 4, accumulation 32 // 4 = 8', () => {
      assert.deepEqual([r.plan!.microBatch.value, r.plan!.gradAccumulation.value], [4, 8]);
    });
    it('gradient_checkpointing: offload checkpoints with activations on the CPU', () => {
      assert.deepEqual([r.plan!.gradientCheckpointing.value, r.plan!.activationOffload.value, r.plan!.activationOffload.origin], [true, true, 'read']);
    });
    it('ZeRO-3 on one GPU (no launcher here): the plan says the GPU count is missing', () => {
      assert.deepEqual([r.plan!.gpus.value, r.plan!.gpus.origin], [1, 'defaulted']);
      assert.match(r.plan!.gpus.reason, /shards with zero3 but no launch script/);
    });
    it('tensor_parallel_size is noted as not modelled, on its line; rl: dpo makes it a DPO job', () => {
      const hints = r.findings.filter((f) => f.code === 'vramLens.notModelled');
      assert.deepEqual(
        hints.map((h) => h.span.line),
        [lineOf(text, /^tensor_parallel_size:/)],
      );
      assert.ok(hints.every((h) => h.severity === 'hint'));
      // axolotl core/builders/rl.py runs TRL's DPOTrainer for rl: dpo; a full fine-tune keeps a reference copy
      assert.equal(r.plan!.jobKind?.value, 'dpo');
      assert.equal(r.plan!.reference?.value, 'copy');
    });
    it('a missing DeepSpeed file is said, and the stage is guessed from its name', async () => {
      const q = analyzeText(text, 'axolotl_full_zero3.yaml', settings(), memoryDeps(await loadDeps(), '/ws', {}));
      assert.deepEqual([q.plan!.sharding.value, q.plan!.sharding.origin], ['zero3', 'read']);
      const u = q.findings.find((f) => f.code === 'vramLens.unread' && /not found/.test(f.message));
      assert.ok(u, 'a finding says the file was not found');
      assert.equal(u!.span.line, lineOf(text, /^deepspeed:/));
    });
  });
});

describe('LLaMA-Factory', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = fixtureDeps(await loadDeps());
  });

  describe('llamafactory_qlora.yaml (defaults carry the method)', () => {
    const text = readConfig('llamafactory_qlora.yaml');
    let r: Report;
    before(() => {
      r = analyzeText(text, 'llamafactory_qlora.yaml', settings(), deps);
    });
    it('no finetuning_type: LoRA by default; lora_rank 8 and lora_target all (hparams/finetuning_args.py)', () => {
      const p = r.plan!;
      assert.deepEqual([p.method.value, p.method.origin], ['qlora', 'defaulted']);
      assert.match(p.method.reason, /finetuning_type: lora/);
      assert.deepEqual([p.loraR.value, p.loraR.origin], [8, 'defaulted']);
      assert.deepEqual([p.loraTargets.value, p.loraTargets.origin], ['all-linear', 'defaulted']);
    });
    it('quantization_bit: 4 is bitsandbytes NF4 with double quantization by default', () => {
      const p = r.plan!;
      assert.deepEqual([p.quantization.value, p.quantization.origin, p.quantization.span?.line], ['nf4', 'read', lineOf(text, /^quantization_bit:/)]);
      assert.deepEqual([p.doubleQuant.value, p.doubleQuant.origin], [true, 'defaulted']);
      assert.deepEqual([p.kbitUpcast.value, p.kbitUpcast.origin], [false, 'defaulted']);
    });
    it('cutoff_len 2048 and checkpointing on by default (disable_gradient_checkpointing: false)', () => {
      assert.deepEqual([r.plan!.seqLen.value, r.plan!.seqLen.origin], [2048, 'defaulted']);
      assert.deepEqual([r.plan!.gradientCheckpointing.value, r.plan!.gradientCheckpointing.origin], [true, 'defaulted']);
    });
    it('reads batch 2 × accumulation 8 and bf16', () => {
      assert.deepEqual([r.plan!.microBatch.value, r.plan!.gradAccumulation.value, r.plan!.autocast.value], [2, 8, true]);
    });
  });

  describe('full tuning: trainable params upcast to fp32 unless ZeRO-3/FSDP (model/adapter.py)', () => {
    it('llamafactory_full.yaml: fp32 weights under bf16 autocast; inverted checkpointing switch; fa2; Liger', () => {
      const text = readConfig('llamafactory_full.yaml');
      const r = analyzeText(text, 'llamafactory_full.yaml', settings(), deps);
      const p = r.plan!;
      assert.deepEqual([p.method.value, p.method.origin], ['full', 'read']);
      assert.deepEqual([p.weightDtype.value, p.weightDtype.origin], ['fp32', 'defaulted']);
      assert.match(p.weightDtype.reason, /cast_trainable_params_to_fp32/);
      assert.deepEqual(
        [p.gradientCheckpointing.value, p.gradientCheckpointing.origin, p.gradientCheckpointing.span?.line],
        [false, 'read', lineOf(text, /^disable_gradient_checkpointing:/)],
      );
      assert.deepEqual([p.attention.value, p.loss.value, p.optimizer.value, p.seqLen.value], ['flash_attention_2', 'fused_linear', 'adamw', 1024]);
      // hand calculation: fp32 weights are 4 bytes per parameter; AdamW keeps 2 fp32 states (8 bytes)
      const e = r.estimate!;
      const weights = e.components.find((c) => c.name === 'weights')!.bytes;
      assert.equal(weights, e.params.total * 4);
      const opt = e.components.find((c) => c.name === 'optimizerState');
      if (opt) assert.equal(opt.bytes, e.params.trainable * 8);
    });
    it('llamafactory_full_ds3.yaml: ZeRO-3 read from the linked file keeps bf16 weights', () => {
      const r = analyzeText(readConfig('llamafactory_full_ds3.yaml'), 'llamafactory_full_ds3.yaml', settings(), deps);
      assert.deepEqual([r.plan!.sharding.value, r.plan!.weightDtype.value, r.plan!.weightDtype.origin], ['zero3', 'bf16', 'defaulted']);
      assert.match(r.plan!.weightDtype.reason, /compute dtype/);
    });
  });

  it('llamafactory_predict.yaml: do_predict is evaluation, no OOM check however large the eval batch', () => {
    const r = analyzeText(readConfig('llamafactory_predict.yaml'), 'llamafactory_predict.yaml', settings({ targetGpu: 't4-16gb' }), deps);
    assert.deepEqual([r.framework, r.hyperparams.purpose?.value, r.isTraining, r.estimate], ['llama-factory', 'evaluation', false, null]);
    assert.ok(!r.findings.some((f) => f.code === 'vramLens.oom' || f.code === 'vramLens.tight'));
  });

  it('inference and export configs are not training', () => {
    const chat = analyzeText('model_name_or_path: Qwen/Qwen3-4B\ntemplate: qwen3\ninfer_backend: huggingface\n', 'chat.yaml', settings(), deps);
    const merge = analyzeText(
      'model_name_or_path: Qwen/Qwen3-4B\nadapter_name_or_path: saves/lora\ntemplate: qwen3\nexport_dir: merged\n',
      'merge.yaml',
      settings(),
      deps,
    );
    assert.deepEqual([chat.hyperparams.purpose?.value, chat.isTraining], ['inference', false]);
    assert.deepEqual([merge.hyperparams.purpose?.value, merge.isTraining], ['merge', false]);
  });

  describe('llamafactory_v1_lora.yaml (v1 format)', () => {
    const text = readConfig('llamafactory_v1_lora.yaml');
    let r: Report;
    before(() => {
      r = analyzeText(text, 'llamafactory_v1_lora.yaml', settings(), deps);
    });
    it('model is a string; peft_config and quant_config nest the adapter and 4-bit settings', () => {
      assert.deepEqual([r.hyperparams.dialect, r.model?.spec?.id], ['v1', 'Qwen/Qwen3-4B']);
      assert.deepEqual([r.plan!.method.value, r.plan!.loraR.value, r.plan!.loraR.span?.line], ['qlora', 32, lineOf(text, /^\s+r: 32/)]);
      assert.deepEqual([r.plan!.loraTargets.value, r.plan!.quantization.value], ['all-linear', 'nf4']);
    });
    it('micro 2 and accumulation from global_batch_size 16 / 2; v1 defaults bf16 and checkpointing on; torch AdamW', () => {
      const p = r.plan!;
      assert.deepEqual([p.microBatch.value, p.gradAccumulation.value], [2, 8]);
      assert.deepEqual(
        [p.autocast.value, p.autocast.origin, p.gradientCheckpointing.value, p.gradientCheckpointing.origin],
        [true, 'defaulted', true, 'defaulted'],
      );
      assert.deepEqual([p.optimizer.value, p.optimizer.origin], ['adamw', 'defaulted']);
      assert.deepEqual([p.sharding.value, p.sharding.origin], ['fsdp', 'read']);
    });
  });
});

describe('torchtune', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = fixtureDeps(await loadDeps());
  });

  it('builder names map to catalog models (size and LoRA/QLoRA live in the name)', () => {
    const cases: [string, string][] = [
      ['lora_llama3_1_8b', 'meta-llama/Llama-3.1-8B'],
      ['qlora_llama3_2_3b', 'meta-llama/Llama-3.2-3B'],
      ['llama3_3_70b', 'meta-llama/Llama-3.3-70B-Instruct'],
      ['lora_qwen2_5_7b_instruct', 'Qwen/Qwen2.5-7B'],
      ['qwen3_1_7b_instruct', 'Qwen/Qwen3-1.7B'],
      ['qlora_gemma2_27b', 'google/gemma-2-27b'],
      ['lora_phi4_14b', 'microsoft/phi-4'],
      ['qlora_mistral_7b', 'mistralai/Mistral-7B-v0.1'],
      ['lora_llama2_13b', 'meta-llama/Llama-2-13b-hf'],
    ];
    for (const [builder, id] of cases) {
      const m = torchtuneBuilderModel(builder);
      assert.ok(m, builder);
      assert.equal(resolveModel(m!.id).spec?.id, id, builder);
    }
    assert.equal(torchtuneBuilderModel('llama3_2_vision_transform'), undefined);
  });

  it('torchtune 0.1: the dataset truncates when the tokenizer leaves max_seq_len null', () => {
    const text = [
      'model:',
      '  _component_: torchtune.models.llama3_1.lora_llama3_1_8b',
      'tokenizer:',
      '  _component_: torchtune.models.llama3.llama3_tokenizer',
      '  max_seq_len: null',
      'dataset:',
      '  _component_: torchtune.datasets.chat_dataset',
      '  max_seq_len: 1536',
      'batch_size: 2',
      '',
    ].join('\n');
    const r = analyzeText(text, 'lora.yaml', settings(), deps);
    assert.equal(r.hyperparams.seqLen?.value, 1536);
  });

  it('a rule-read key that only refers to another key (${…}) reads as that key, as OmegaConf resolves it', () => {
    // the optimizer's `fused` flag is read by a rule (not a dialect table): before, the reference was not followed
    const text = [
      'fused_step: True',
      'model:',
      '  _component_: torchtune.models.llama3_1.llama3_1_8b',
      'optimizer:',
      '  _component_: torch.optim.AdamW',
      '  fused: ${fused_step}',
      'batch_size: 2',
      '',
    ].join('\n');
    const r = analyzeText(text, 'full.yaml', settings(), deps);
    assert.equal(r.hyperparams.optimizer?.value, 'adamw_torch_fused');
    const unfused = analyzeText(text.replace('fused_step: True', 'fused_step: False'), 'full.yaml', settings(), deps);
    assert.equal(unfused.hyperparams.optimizer?.value, 'adamw_torch');
  });

  describe('torchtune_qlora.yaml (single device)', () => {
    const text = readConfig('torchtune_qlora.yaml');
    let r: Report;
    before(() => {
      r = analyzeText(text, 'torchtune_qlora.yaml', settings(), deps);
    });
    it('the qlora_ builder is QLoRA on NF4 (torchao); the model is Llama 3.1 8B', () => {
      assert.equal(r.model?.spec?.id, 'meta-llama/Llama-3.1-8B');
      assert.deepEqual([r.plan!.method.value, r.plan!.method.span?.line], ['qlora', lineOf(text, /_component_: torchtune\.models\.llama3_1/)]);
      assert.deepEqual([r.plan!.quantization.value, r.plan!.kbitUpcast.value], ['nf4', false]);
    });
    it('${rank} interpolation resolves to 16, and the reason says through which key', () => {
      assert.deepEqual([r.plan!.loraR.value, r.plan!.loraR.span?.line], [16, lineOf(text, /lora_rank: \$\{rank\}/)]);
      assert.match(r.plan!.loraR.reason, /via \$\{rank\} \(line \d+\)/);
    });
    it('lora_attn_modules + apply_lora_to_mlp become q/k/v/o and the MLP projections', () => {
      assert.deepEqual(r.plan!.loraTargets.value, ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']);
    });
    it('nested tokenizer.max_seq_len, dataset.packed, batch_size', () => {
      assert.deepEqual([r.plan!.seqLen.value, r.plan!.seqLen.span?.line], [4096, lineOf(text, /max_seq_len: 4096/)]);
      assert.deepEqual([r.hyperparams.packing?.value, r.plan!.microBatch.value, r.plan!.gradAccumulation.value], [true, 4, 4]);
    });
    it('dtype: bf16 is pure bf16: no autocast, adapters in bf16 too', () => {
      const p = r.plan!;
      assert.deepEqual([p.weightDtype.value, p.weightDtype.origin, p.autocast.value], ['bf16', 'read', false]);
      assert.match(p.autocast.reason, /torchtune/);
      assert.deepEqual([p.loraDtype.value, p.loraDtype.origin], ['bf16', 'defaulted']);
    });
    it('LinearCrossEntropyLoss computes the loss in chunks; fused AdamW', () => {
      assert.deepEqual([r.plan!.loss.value, r.plan!.optimizer.value], ['chunked', 'adamw_fused']);
    });
  });

  it('pure bf16 full fine-tune: AdamW states are bf16, no master copy (hand calculation: 2 states × 2 B)', () => {
    const text =
      'model:\n  _component_: torchtune.models.llama3_2.llama3_2_1b\ntokenizer:\n  _component_: torchtune.models.llama3.llama3_tokenizer\n  max_seq_len: 1024\nbatch_size: 1\noptimizer:\n  _component_: torch.optim.AdamW\n  fused: True\ndtype: bf16\n';
    const r = analyzeText(text, 'full.yaml', settings(), deps);
    const e = r.estimate!;
    assert.equal(r.plan!.method.value, 'full');
    assert.equal(e.components.find((c) => c.name === 'optimizerState')!.bytes, e.params.trainable * 2 * 2);
    assert.equal(
      e.components.find((c) => c.name === 'masterWeights'),
      undefined,
    );
    assert.equal(e.components.find((c) => c.name === 'weights')!.bytes, e.params.total * 2);
  });

  describe('torchtune_full_distributed.yaml', () => {
    const text = readConfig('torchtune_full_distributed.yaml');
    it('the header comment gives 4 GPUs (assumed, no launch script); the distributed recipe shards with FSDP2', () => {
      const r = analyzeText(text, 'torchtune_full_distributed.yaml', settings(), deps);
      const p = r.plan!;
      assert.equal(r.model?.spec?.id, 'Qwen/Qwen2.5-7B');
      assert.deepEqual([p.gpus.value, p.gpus.origin], [4, 'assumed']);
      assert.match(p.gpus.reason, /--nproc_per_node 4 full_finetune_distributed/);
      assert.deepEqual([p.sharding.value, p.sharding.origin], ['fsdp', 'defaulted']);
      assert.deepEqual([p.offloadParams.value, p.offloadOptimizer.value, p.offloadParams.span?.line], [true, true, lineOf(text, /^fsdp_cpu_offload:/)]);
      assert.deepEqual([p.loss.value, p.optimizerInBackward.value, p.optimizerInBackward.origin], ['chunked', false, 'read']);
    });
    it('max_seq_len: null is said (the dataset decides) and 2048 is assumed', () => {
      const r = analyzeText(text, 'torchtune_full_distributed.yaml', settings(), deps);
      assert.deepEqual([r.plan!.seqLen.value, r.plan!.seqLen.origin], [2048, 'assumed']);
      const u = r.findings.find((f) => f.code === 'vramLens.unread' && /max_seq_len/.test(f.message));
      assert.equal(u?.span.line, lineOf(text, /max_seq_len: null/));
    });
    it('a GPU count the user set wins over the comment', () => {
      const r = analyzeText(text, 'torchtune_full_distributed.yaml', settings({ gpuCount: 8 }), deps);
      assert.deepEqual([r.plan!.gpus.value, r.plan!.gpus.origin], [8, 'defaulted']);
    });
  });

  it('torchtune_generation.yaml: a generation config is inference, no estimate', () => {
    const r = analyzeText(readConfig('torchtune_generation.yaml'), 'torchtune_generation.yaml', settings(), deps);
    assert.deepEqual([r.framework, r.hyperparams.purpose?.value, r.isTraining, r.estimate], ['torchtune', 'inference', false, null]);
  });
});

describe('TRL / TrainingArguments YAML', () => {
  it('trl_sft.yaml: ModelConfig defaults (lora_r 16, dropout 0.05, nf4, dtype float32) and SFTConfig defaults', async () => {
    const text = readConfig('trl_sft.yaml');
    const r = analyzeText(text, 'trl_sft.yaml', settings(), fixtureDeps(await loadDeps()));
    const p = r.plan!;
    assert.equal(r.framework, 'trl');
    assert.deepEqual([p.method.value, p.method.origin, p.method.span?.line], ['qlora', 'read', lineOf(text, /^use_peft:/)]);
    assert.deepEqual([p.loraR.value, p.loraR.origin, p.loraDropout.value, p.loraDropout.origin], [16, 'defaulted', 0.05, 'defaulted']);
    assert.deepEqual([p.quantization.value, p.loraTargets.value], ['nf4', 'all-linear']);
    assert.deepEqual([p.seqLen.value, p.seqLen.origin], [2048, 'read']);
    // SFTConfig: gradient_checkpointing=True since TRL 0.22, bf16=True (docs/sources/framework-keys.md §2)
    assert.deepEqual([p.gradientCheckpointing.value, p.gradientCheckpointing.origin, p.autocast.value], [true, 'defaulted', true]);
    // TRL's trainers prepare k-bit models (prepare_model_for_kbit_training)
    assert.deepEqual([p.kbitUpcast.value], [true]);
  });
});

describe('DeepSpeed and accelerate files on their own', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = fixtureDeps(await loadDeps());
  });
  it('a DeepSpeed JSON is launcher settings: its stage and offload are read with their ranges, no OOM check', () => {
    const text = readConfig('deepspeed_configs/zero3_bf16.json');
    const r = analyzeText(text, 'deepspeed_configs/zero3_bf16.json', settings(), deps);
    assert.deepEqual([r.framework, r.hyperparams.purpose?.value, r.isTraining], ['deepspeed', 'launcher', false]);
    assert.deepEqual([r.hyperparams.zeroStage?.value, r.hyperparams.zeroStage?.span.line], [3, lineOf(text, /"stage": 3/)]);
    assert.equal(r.hyperparams.offloadOptimizer?.value, true);
    assert.equal(r.hyperparams.microBatch, undefined, '"auto" is not a value');
  });
  it('a DeepSpeed template with placeholders and comments is read as far as it goes, never thrown on', () => {
    const text = readConfig('ds_template.json');
    const x = extractConfig(text, 'json');
    assert.equal(x.hp.framework, 'deepspeed');
    assert.equal(x.hp.microBatch?.value, 2);
    assert.equal(x.hp.fp16?.value, true);
    assert.equal(x.hp.zeroStage, undefined);
    assert.ok(x.hp.unread.some((u) => u.key === 'zero_optimization.stage' && /placeholder/.test(u.reason)));
    assert.ok(x.hp.syntaxErrors.length > 0);
  });
  it('accelerate FSDP2 with reshard_after_forward: false is SHARD_GRAD_OP on 8 processes, checkpointing on', () => {
    const text = readConfig('accelerate_fsdp2.yaml');
    const x = extractConfig(text, 'yaml');
    assert.deepEqual([x.hp.framework, x.hp.purpose?.value], ['accelerate', 'launcher']);
    assert.deepEqual([x.hp.fsdp?.value, x.hp.fsdp?.span.line], ['shard_grad_op', lineOf(text, /fsdp_reshard_after_forward/)]);
    assert.deepEqual([x.hp.gpus?.value, x.hp.gradientCheckpointing?.value], [8, true]);
  });
  it('accelerate DEEPSPEED without zero_stage: DeepSpeedPlugin default stage 2', () => {
    const x = extractConfig(readConfig('accelerate_zero.yaml'), 'yaml');
    assert.deepEqual([x.hp.zeroStage?.value, x.hp.zeroStage?.implied, x.hp.offloadOptimizer?.value, x.hp.offloadParams?.value], [2, true, true, false]);
  });
  it('accelerate sharding strategies given as numbers 1-5 (older configs)', () => {
    const x = extractConfig('distributed_type: FSDP\nnum_processes: 4\nfsdp_config:\n  fsdp_sharding_strategy: 4\n  fsdp_offload_params: true\n', 'yaml');
    assert.deepEqual([x.hp.fsdp?.value, x.hp.offloadParams?.value, x.hp.gpus?.value], ['hybrid_shard', true, 4]);
  });
});

describe('YAML values as PyYAML reads them (docs/sources/parsing-pitfalls.md §6)', () => {
  it('yes/no are booleans (YAML 1.1), bare keys are null (the default applies), anchors and merge keys resolve', () => {
    const text =
      'base: &base\n  micro_batch_size: 3\n  sequence_len: 1024\nbase_model: Qwen/Qwen2.5-0.5B\n<<: *base\nsample_packing: yes\nlora_r:\ngradient_checkpointing: on\n';
    const x = extractConfig(text, 'yaml');
    assert.equal(x.hp.framework, 'axolotl');
    assert.deepEqual([x.hp.microBatch?.value, x.hp.seqLen?.value, x.hp.packing?.value, x.hp.gradientCheckpointing?.value], [3, 1024, true, true]);
    assert.equal(x.hp.loraR, undefined);
  });
  it('a value of the wrong type is reported, not guessed', () => {
    const x = extractConfig('base_model: Qwen/Qwen2.5-0.5B\nmicro_batch_size: lots\n', 'yaml');
    assert.equal(x.hp.microBatch?.implied, true, 'the default stays');
    assert.ok(x.hp.unread.some((u) => u.key === 'micro_batch_size' && /lots/.test(u.reason)));
  });
});

describe('oumi', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = fixtureDeps(await loadDeps());
  });

  it('reads the model, training, peft, fsdp sections; QLoRA from q_lora; the trainer from trainer_type', () => {
    const text = [
      'model:',
      '  model_name: "meta-llama/Llama-3.1-8B-Instruct"',
      '  model_max_length: 4096',
      '  torch_dtype_str: "bfloat16"',
      'data:',
      '  train:',
      '    datasets:',
      '      - dataset_name: "yahma/alpaca-cleaned"',
      'training:',
      '  trainer_type: "TRL_DPO"',
      '  use_peft: True',
      '  per_device_train_batch_size: 2',
      '  gradient_accumulation_steps: 8',
      '  enable_gradient_checkpointing: True',
      '  optimizer: "paged_adamw_8bit"',
      'peft:',
      '  q_lora: True',
      '  bnb_4bit_quant_type: "nf4"',
      '  lora_r: 32',
      '  lora_target_modules: ["q_proj", "v_proj"]',
      'fsdp:',
      '  enable_fsdp: True',
      '  sharding_strategy: "HYBRID_SHARD"',
      '',
    ].join('\n');
    const r = analyzeText(text, 'train.yaml', settings({ gpuCount: 2 }), deps);
    assert.equal(r.framework, 'oumi');
    assert.equal(r.model?.spec?.id, 'meta-llama/Llama-3.1-8B');
    const p = r.plan!;
    assert.deepEqual(
      [p.method.value, p.quantization.value, p.loraR.value, p.microBatch.value, p.gradAccumulation.value, p.seqLen.value, p.gradientCheckpointing.value],
      ['qlora', 'nf4', 32, 2, 8, 4096, true],
    );
    assert.deepEqual(p.loraTargets.value, ['q_proj', 'v_proj']);
    assert.equal(p.sharding.value, 'fsdp_hybrid');
    assert.equal(r.hyperparams.trainerClass, 'DPOTrainer');
    assert.equal(r.hyperparams.loadIn4bit?.value, true);
  });

  it('leaves a config without the oumi sections to the other readers', () => {
    const r = analyzeText('model: Qwen/Qwen2.5-7B\ntraining:\n  lr: 1e-5\n', 'x.yaml', settings(), deps);
    assert.notEqual(r.framework, 'oumi');
  });
});
