// buildPlan: framework defaults and the origin of every field (read / defaulted / assumed).
// Expected defaults come from the frameworks' sources as summarised in docs/sources/framework-keys.md.
import { strict as assert } from 'node:assert';
import type { Parser } from 'web-tree-sitter';
import { extractPython } from '../../src/analysis/extract/python';
import { emptyHyperparams, Framework, Hyperparams } from '../../src/analysis/extract/hyperparams';
import { Found, SourceSpan } from '../../src/analysis/extract/source';
import { resolveModel } from '../../src/analysis/models/catalog';
import { ModelSpec } from '../../src/analysis/models/spec';
import { buildPlan, optimizerKind, PlanContext, setupFromPlan, TrainingPlan } from '../../src/analysis/plan/plan';
import { lineOf, loadParser, readFixture } from './helpers';

function span(line: number): SourceSpan {
  return { start: line * 100, end: line * 100 + 10, line, column: 4, endLine: line, endColumn: 14 };
}
function found<T>(value: T, line: number, how = `test value on line ${line}`): Found<T> {
  return { value, span: span(line), valueSpan: span(line), how };
}
function hp(framework: Framework, fields: Partial<Hyperparams> = {}): Hyperparams {
  return { ...emptyHyperparams('python'), framework, ...fields };
}
function model(ref: string): { spec: ModelSpec; preQuantized?: ModelSpec['preQuantized'] } {
  const r = resolveModel(ref);
  assert.ok(r.spec, `${ref} resolves`);
  return { spec: r.spec, preQuantized: r.preQuantized };
}
function plan(h: Hyperparams, ref = 'meta-llama/Llama-3.1-8B', extra: Partial<PlanContext> = {}): TrainingPlan {
  const m = model(ref);
  return buildPlan({ hp: h, model: m.spec, preQuantized: m.preQuantized, defaultGpus: 1, ...extra });
}

describe('buildPlan', () => {
  it('every field has an origin and a reason', () => {
    for (const fw of ['transformers', 'trl', 'unsloth', 'pytorch', 'unknown'] as Framework[]) {
      const p = plan(hp(fw));
      for (const [k, f] of Object.entries(p)) {
        assert.ok(['read', 'defaulted', 'assumed'].includes(f.origin), `${fw} ${k} origin ${f.origin}`);
        assert.ok(typeof f.reason === 'string' && f.reason.length > 0, `${fw} ${k} has a reason`);
        // nothing was read from an empty file
        assert.notEqual(f.origin, 'read', `${fw} ${k}`);
      }
    }
  });

  it('read fields keep the span of the value in the file', () => {
    const p = plan(hp('transformers', { microBatch: found(4, 12), gradAccumulation: found(16, 13), optimizer: found('adamw_bnb_8bit', 14) }));
    assert.deepEqual([p.microBatch.value, p.microBatch.origin, p.microBatch.span?.line], [4, 'read', 12]);
    assert.deepEqual([p.gradAccumulation.value, p.gradAccumulation.origin, p.gradAccumulation.span?.line], [16, 'read', 13]);
    assert.deepEqual([p.optimizer.value, p.optimizer.origin, p.optimizer.span?.line], ['adamw_8bit', 'read', 14]);
    assert.equal(p.optimizer.reason, 'test value on line 14');
  });

  describe('HF Trainer (transformers) defaults', () => {
    const p = plan(hp('transformers'));
    it('per_device_train_batch_size=8, gradient_accumulation_steps=1, gradient_checkpointing=False', () => {
      assert.deepEqual([p.microBatch.value, p.microBatch.origin], [8, 'defaulted']);
      assert.deepEqual([p.gradAccumulation.value, p.gradAccumulation.origin], [1, 'defaulted']);
      assert.deepEqual([p.gradientCheckpointing.value, p.gradientCheckpointing.origin], [false, 'defaulted']);
    });
    it('no sequence length in a Trainer script: 2048 assumed, and said so', () => {
      assert.deepEqual([p.seqLen.value, p.seqLen.origin], [2048, 'assumed']);
      assert.match(p.seqLen.reason, /not set/);
    });
    it('full fine-tuning without PEFT, optimizer adamw_torch_fused (transformers PR #37358, torch >= 2.8)', () => {
      assert.deepEqual([p.method.value, p.method.origin], ['full', 'defaulted']);
      assert.deepEqual([p.optimizer.value, p.optimizer.origin], ['adamw_fused', 'defaulted']);
      assert.deepEqual([p.quantization.value, p.quantization.origin], ['none', 'defaulted']);
    });
    it('bf16=False by default: no autocast; no dtype= loads the checkpoint dtype (transformers v5)', () => {
      assert.deepEqual([p.autocast.value, p.autocast.origin], [false, 'defaulted']);
      assert.deepEqual([p.weightDtype.value, p.weightDtype.origin], ['bf16', 'defaulted']);
    });
    it('dtype="auto" reads the saved dtype of the checkpoint (origin read)', () => {
      const q = plan(hp('transformers', { dtype: found('auto', 3) }), 'Qwen/Qwen2.5-7B');
      assert.deepEqual([q.weightDtype.value, q.weightDtype.origin], ['bf16', 'read']);
      const fp32 = plan(hp('transformers', { dtype: found('float32', 3) }));
      assert.deepEqual([fp32.weightDtype.value, fp32.weightDtype.origin], ['fp32', 'read']);
    });
    it('one GPU from the setting: no sharding; several: DDP', () => {
      assert.deepEqual([p.gpus.value, p.gpus.origin, p.sharding.value], [1, 'defaulted', 'none']);
      const multi = plan(hp('transformers'), 'meta-llama/Llama-3.1-8B', { defaultGpus: 4 });
      assert.deepEqual([multi.gpus.value, multi.sharding.value, multi.sharding.origin], [4, 'ddp', 'defaulted']);
    });
  });

  describe('TRL defaults', () => {
    const p = plan(hp('trl', { peft: found(true, 20) }));
    it('gradient_checkpointing defaults to True (TRL >= 0.22, PR huggingface/trl#3510)', () => {
      assert.equal(p.gradientCheckpointing.value, true);
      assert.equal(p.gradientCheckpointing.origin, 'defaulted');
      assert.match(p.gradientCheckpointing.reason, /TRL/);
    });
    it('max_length defaults to 1024 and bf16 to True (autocast)', () => {
      assert.deepEqual([p.seqLen.value, p.seqLen.origin], [1024, 'defaulted']);
      assert.deepEqual([p.autocast.value, p.autocast.origin], [true, 'defaulted']);
    });
    it('a file that sets gradient_checkpointing=False wins over the default', () => {
      const q = plan(hp('trl', { gradientCheckpointing: found(false, 30) }));
      assert.deepEqual([q.gradientCheckpointing.value, q.gradientCheckpointing.origin, q.gradientCheckpointing.span?.line], [false, 'read', 30]);
    });
    it('LoRA defaults: PEFT r=8, q_proj/v_proj for Llama, dropout 0, fp32 adapters', () => {
      assert.deepEqual([p.method.value, p.method.origin], ['lora', 'read']);
      assert.deepEqual([p.loraR.value, p.loraR.origin], [8, 'defaulted']);
      assert.deepEqual(p.loraTargets.value, ['q_proj', 'v_proj']);
      assert.equal(p.loraTargets.origin, 'defaulted');
      assert.equal(p.loraDropout.value, 0);
      assert.equal(p.loraDtype.value, 'fp32');
    });
    it('PEFT default targets follow the architecture (GPT-2 c_attn)', () => {
      const q = plan(hp('trl', { peft: found(true, 1) }), 'openai-community/gpt2');
      assert.deepEqual(q.loraTargets.value, ['c_attn']);
    });
  });

  describe('Unsloth defaults', () => {
    it('nothing said: 4-bit NF4 with double quant, r=16 on all projections, offloaded "unsloth" checkpointing', () => {
      const p = plan(hp('unsloth', { peft: found(true, 10) }));
      assert.deepEqual([p.quantization.value, p.quantization.origin], ['nf4', 'defaulted']);
      assert.deepEqual([p.doubleQuant.value, p.doubleQuant.origin], [true, 'defaulted']);
      assert.deepEqual([p.method.value, p.method.origin], ['qlora', 'read']);
      assert.deepEqual([p.loraR.value, p.loraR.origin], [16, 'defaulted']);
      assert.deepEqual(p.loraTargets.value, ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']);
      assert.deepEqual([p.seqLen.value, p.seqLen.origin], [2048, 'defaulted']);
      assert.equal(p.loss.value, 'chunked');
      // FastLanguageModel.from_pretrained and get_peft_model both default to use_gradient_checkpointing="unsloth"
      // (unslothai/unsloth unsloth/models/loader.py, llama.py @ 015bdef0d9)
      assert.deepEqual([p.gradientCheckpointing.value, p.gradientCheckpointing.origin], [true, 'defaulted']);
      assert.deepEqual([p.activationOffload.value, p.activationOffload.origin], [true, 'defaulted']);
      assert.equal(p.kbitUpcast.value, false);
    });

    it('use_gradient_checkpointing="unsloth" read from the file: checkpointing on and offloaded, both read', () => {
      const p = plan(hp('unsloth', { peft: found(true, 10), gradientCheckpointing: found<boolean | string>('unsloth', 15) }));
      assert.deepEqual([p.gradientCheckpointing.value, p.gradientCheckpointing.origin], [true, 'read']);
      assert.deepEqual([p.activationOffload.value, p.activationOffload.origin, p.activationOffload.span?.line], [true, 'read', 15]);
    });

    it('use_gradient_checkpointing=True: on, not offloaded; False: off', () => {
      const on = plan(hp('unsloth', { gradientCheckpointing: found<boolean | string>(true, 15) }));
      assert.deepEqual([on.gradientCheckpointing.value, on.activationOffload.value], [true, false]);
      const off = plan(hp('unsloth', { gradientCheckpointing: found<boolean | string>(false, 15) }));
      assert.deepEqual([off.gradientCheckpointing.value, off.activationOffload.value], [false, false]);
    });

    it('explicit load_in_4bit=True on a 16-bit checkpoint: NF4 and double quant (unsloth llama.py BitsAndBytesConfig)', () => {
      const p = plan(hp('unsloth', { loadIn4bit: found(true, 5), peft: found(true, 10) }));
      assert.deepEqual([p.quantization.value, p.quantization.origin], ['nf4', 'read']);
      assert.equal(p.doubleQuant.value, true);
    });

    it('load_in_4bit=False: no quantization, LoRA on 16-bit weights', () => {
      const p = plan(hp('unsloth', { loadIn4bit: found(false, 5), peft: found(true, 10) }));
      assert.deepEqual([p.quantization.value, p.quantization.origin], ['none', 'read']);
      assert.equal(p.method.value, 'lora');
    });
  });

  describe('quantization', () => {
    it('a -bnb-4bit model id means pre-quantized NF4 with double quant, whatever the framework', () => {
      const ref = 'unsloth/Meta-Llama-3.1-8B-Instruct-bnb-4bit';
      assert.equal(model(ref).preQuantized, 'bnb-nf4');
      for (const fw of ['transformers', 'trl', 'unsloth'] as Framework[]) {
        const p = plan(hp(fw, { model: found(ref, 7), peft: found(true, 9) }), ref);
        assert.deepEqual([p.quantization.value, p.quantization.origin, p.quantization.span?.line], ['nf4', 'read', 7], fw);
        assert.match(p.quantization.reason, /ships bnb-nf4/);
        assert.equal(p.doubleQuant.value, true, fw);
        assert.equal(p.method.value, 'qlora', fw);
      }
    });

    it('BitsAndBytesConfig(load_in_4bit=True) without a quant type is fp4 (bitsandbytes default), said so', () => {
      const p = plan(hp('transformers', { loadIn4bit: found(true, 3), peft: found(true, 9) }));
      assert.equal(p.quantization.value, 'fp4');
      assert.match(p.quantization.reason, /fp4/);
      assert.deepEqual([p.doubleQuant.value, p.doubleQuant.origin], [false, 'defaulted']);
    });

    it('nf4 + double quant read from the file', () => {
      const p = plan(hp('trl', { loadIn4bit: found(true, 3), quantType: found('nf4', 4), doubleQuant: found(true, 5), peft: found(true, 9) }));
      assert.deepEqual([p.quantization.value, p.doubleQuant.value, p.doubleQuant.origin], ['nf4', true, 'read']);
      // TRL's SFTTrainer runs prepare_model_for_kbit_training on k-bit models
      assert.deepEqual([p.kbitUpcast.value, p.kbitUpcast.origin], [true, 'defaulted']);
    });

    it('8-bit loading', () => {
      const p = plan(hp('transformers', { loadIn8bit: found(true, 3), peft: found(true, 9) }));
      assert.deepEqual([p.quantization.value, p.method.value], ['int8', 'qlora']);
    });

    it('a quantized model without any PEFT config: LoRA is assumed, and said so', () => {
      const p = plan(hp('transformers', { loadIn4bit: found(true, 3), quantType: found('nf4', 4) }));
      assert.deepEqual([p.method.value, p.method.origin], ['qlora', 'assumed']);
    });

    it('use_dora with a quantized model gives DoRA', () => {
      const p = plan(hp('trl', { loadIn4bit: found(true, 3), quantType: found('nf4', 4), peft: found(true, 9), useDora: found(true, 10) }));
      assert.deepEqual([p.method.value, p.dora.value], ['dora', true]);
    });
  });

  describe('distribution', () => {
    it('a DeepSpeed ZeRO-3 offload config path', () => {
      const p = plan(hp('transformers', { deepspeed: found('configs/ds_zero3_offload.json', 40) }), 'meta-llama/Llama-3.1-8B', { defaultGpus: 8 });
      assert.deepEqual([p.sharding.value, p.sharding.origin], ['zero3', 'read']);
      assert.deepEqual([p.offloadOptimizer.value, p.offloadOptimizer.origin], [true, 'read']);
    });
    it('a DeepSpeed config whose stage cannot be told from its name: ZeRO-2 assumed', () => {
      const p = plan(hp('transformers', { deepspeed: found('ds_config.json', 40) }));
      assert.deepEqual([p.sharding.value, p.sharding.origin], ['zero2', 'assumed']);
    });
    it('fsdp="full_shard auto_wrap offload" and fsdp="shard_grad_op"', () => {
      const full = plan(hp('transformers', { fsdp: found('full_shard auto_wrap offload', 41) }));
      assert.deepEqual([full.sharding.value, full.offloadOptimizer.value], ['fsdp', true]);
      const grad = plan(hp('transformers', { fsdp: found('shard_grad_op auto_wrap', 41) }));
      assert.deepEqual([grad.sharding.value, grad.offloadOptimizer.value], ['fsdp_grad_op', false]);
    });
  });

  describe('on the fixtures', () => {
    let parser: Parser;
    before(async () => {
      parser = await loadParser();
    });

    it('trl_sft_qlora.py: QLoRA, NF4 + double quant, fp32 upcast by prepare_model_for_kbit_training, paged 8-bit AdamW', () => {
      const text = readFixture('trl_sft_qlora.py');
      const h = extractPython(parser, text);
      const p = plan(h, h.model!.value);
      assert.deepEqual([p.method.value, p.quantization.value, p.doubleQuant.value], ['qlora', 'nf4', true]);
      assert.deepEqual(
        [p.kbitUpcast.value, p.kbitUpcast.origin, p.kbitUpcast.span?.line],
        [true, 'read', lineOf(text, 'prepare_model_for_kbit_training(model)')],
      );
      assert.deepEqual([p.optimizer.value, p.optimizer.span?.line], ['paged_adamw_8bit', lineOf(text, 'optim="paged_adamw_8bit"')]);
      assert.deepEqual([p.loraR.value, p.seqLen.value, p.microBatch.value, p.gradAccumulation.value], [32, 4096, 2, 4]);
      assert.equal(p.gradientCheckpointing.value, true);
      const s = setupFromPlan(p);
      assert.ok(s.lora);
      assert.equal(s.lora.r, 32);
      assert.equal(s.lora.dropout, 0.05);
      assert.equal(s.kbitUpcast, true);
    });

    it('unsloth_lora.py: pre-quantized NF4 from the -bnb-4bit id, offloaded checkpointing, 8-bit AdamW, 16-bit adapters', () => {
      const h = extractPython(parser, readFixture('unsloth_lora.py'));
      const p = plan(h, h.model!.value);
      assert.deepEqual([p.quantization.value, p.doubleQuant.value, p.method.value], ['nf4', true, 'qlora']);
      assert.deepEqual([p.gradientCheckpointing.value, p.activationOffload.value], [true, true]);
      assert.equal(p.optimizer.value, 'adamw_8bit');
      assert.equal(p.loraDtype.value, p.weightDtype.value);
      assert.equal(p.seqLen.value, 4096);
    });

    it('hf_trainer_full.py: full fine-tune, nothing quantized, LoRA fields unused by the setup', () => {
      const h = extractPython(parser, readFixture('hf_trainer_full.py'));
      const p = plan(h, h.model!.value);
      assert.deepEqual([p.method.value, p.weightDtype.value, p.optimizer.value, p.gradientCheckpointing.value], ['full', 'bf16', 'adamw_fused', true]);
      assert.equal(setupFromPlan(p).lora, null);
    });
  });
});

describe('optimizerKind (transformers OptimizerNames -> engine kinds)', () => {
  const cases: Array<[string, string | undefined]> = [
    ['adamw_torch_fused', 'adamw_fused'],
    ['adamw_torch', 'adamw'],
    ['adamw_hf', 'adamw'],
    ['adam', 'adamw'],
    ['paged_adamw_8bit', 'paged_adamw_8bit'],
    ['paged_adamw_32bit', 'paged_adamw_32bit'],
    ['adamw_bnb_8bit', 'adamw_8bit'],
    ['adamw_8bit', 'adamw_8bit'],
    ['adafactor', 'adafactor'],
    ['sgd', 'sgd'],
    ['lion_8bit', 'lion_8bit'],
    ['paged_lion_8bit', 'lion_8bit'],
    ['lion_32bit', 'lion'],
    ['ADAMW_TORCH_FUSED', 'adamw_fused'],
    ['rmsprop', undefined],
    ['galore_adamw', undefined],
  ];
  for (const [name, kind] of cases) {
    it(`${name} -> ${kind ?? 'not modelled'}`, () => assert.equal(optimizerKind(name), kind));
  }

  it('an optimizer the engine does not model is assumed AdamW, with the name in the reason', () => {
    const m = resolveModel('meta-llama/Llama-3.1-8B');
    assert.ok(m.spec);
    const p = buildPlan({ hp: { ...emptyHyperparams('python'), framework: 'transformers', optimizer: found('rmsprop', 9) }, model: m.spec, defaultGpus: 1 });
    assert.deepEqual([p.optimizer.value, p.optimizer.origin], ['adamw', 'assumed']);
    assert.match(p.optimizer.reason, /rmsprop/);
  });
});

describe('plan: which class supplies the defaults', () => {
  it('SFTTrainer given plain TrainingArguments keeps the TrainingArguments defaults (checkpointing and bf16 off) but SFTConfig max_length', async () => {
    const parser = await loadParser();
    const hp = extractPython(
      parser,
      [
        'from transformers import AutoModelForCausalLM, TrainingArguments',
        'from trl import SFTTrainer',
        'm = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")',
        'args = TrainingArguments(output_dir="o", per_device_train_batch_size=2)',
        'SFTTrainer(model=m, args=args).train()',
      ].join('\n'),
    );
    assert.equal(hp.argsClass, 'TrainingArguments');
    assert.equal(hp.trainerClass, 'SFTTrainer');
    const plan = buildPlan({ hp, model: null, defaultGpus: 1 });
    // trl sft_trainer.py: SFTConfig(**args.to_dict()) keeps the TrainingArguments values
    assert.equal(plan.gradientCheckpointing.value, false);
    assert.equal(plan.autocast.value, false);
    // ...and fields TrainingArguments lacks take SFTConfig's defaults
    assert.equal(plan.seqLen.value, 1024);
  });

  it('a default implied by prepare_model_for_kbit_training is reported as defaulted, not read', async () => {
    const hp = extractPython(await loadParser(), 'from peft import prepare_model_for_kbit_training\nmodel = prepare_model_for_kbit_training(model)\n');
    const plan = buildPlan({ hp, model: null, defaultGpus: 1 });
    assert.equal(plan.gradientCheckpointing.value, true);
    assert.equal(plan.gradientCheckpointing.origin, 'defaulted');
  });
});
