// extractPython on fixtures written in each framework's style: the values, the line each one is read on
// (computed from the fixture text), the framework, what could not be read, and syntax errors.
// Then the report-level behaviour the CLI relies on (analyzeText).
import { strict as assert } from 'node:assert';
import type { Parser } from 'web-tree-sitter';
import { extractPython, repairUnclosedCall } from '../../src/analysis/extract/python';
import { Hyperparams } from '../../src/analysis/extract/hyperparams';
import { analyzeText, AnalysisDeps } from '../../src/analysis/report';
import { lineOf, loadDeps, loadParser, readFixture, settings } from './helpers';

/** Asserts a Found value and the 0-based line of its span. */
function assertFound<K extends keyof Hyperparams>(hp: Hyperparams, key: K, value: unknown, line: number): void {
  const f = hp[key] as { value: unknown; span: { line: number } } | undefined;
  assert.ok(f, `${String(key)} was not read`);
  assert.deepEqual(f.value, value, `${String(key)} value`);
  assert.equal(f.span.line, line, `${String(key)} span.line`);
}

describe('extractPython on fixtures', () => {
  let parser: Parser;
  before(async () => {
    parser = await loadParser();
  });

  describe('hf_trainer_full.py (transformers Trainer, full fine-tune)', () => {
    const text = readFixture('hf_trainer_full.py');
    let hp: Hyperparams;
    before(() => {
      hp = extractPython(parser, text);
    });

    it('detects the transformers framework and parses cleanly', () => {
      assert.equal(hp.framework, 'transformers');
      assert.equal(hp.kind, 'python');
      assert.deepEqual(hp.syntaxErrors, []);
      assert.deepEqual(hp.unread, []);
    });

    it('follows the model id through its constant; the span is the argument, the value span the literal', () => {
      assert.ok(hp.model);
      assert.equal(hp.model.value, 'meta-llama/Llama-3.1-8B');
      // the argument inside from_pretrained(...) is on the line after the call opens
      assert.equal(hp.model.span.line, lineOf(text, 'model = AutoModelForCausalLM.from_pretrained(') + 1);
      assert.equal(hp.model.valueSpan.line, lineOf(text, 'model_id = "meta-llama/Llama-3.1-8B"'));
      assert.match(hp.model.how, /model_id/);
      assert.equal(hp.modelLoad?.line, lineOf(text, 'AutoModelForCausalLM.from_pretrained('));
    });

    it('reads dtype, attention and every TrainingArguments value on its own line', () => {
      assertFound(hp, 'dtype', 'bfloat16', lineOf(text, 'torch_dtype=torch.bfloat16'));
      assertFound(hp, 'attention', 'sdpa', lineOf(text, 'attn_implementation='));
      assertFound(hp, 'microBatch', 4, lineOf(text, 'per_device_train_batch_size=4'));
      assertFound(hp, 'gradAccumulation', 8, lineOf(text, 'gradient_accumulation_steps=8'));
      assertFound(hp, 'gradientCheckpointing', true, lineOf(text, 'gradient_checkpointing=True'));
      assertFound(hp, 'optimizer', 'adamw_torch_fused', lineOf(text, 'optim="adamw_torch_fused"'));
      assertFound(hp, 'bf16', true, lineOf(text, 'bf16=True'));
      assert.equal(hp.trainer?.line, lineOf(text, 'training_args = TrainingArguments('));
    });

    it('finds no PEFT, quantization or kbit preparation in a full fine-tune', () => {
      assert.equal(hp.peft, undefined);
      assert.equal(hp.loadIn4bit, undefined);
      assert.equal(hp.quantType, undefined);
      assert.equal(hp.kbitPrep, undefined);
      assert.equal(hp.loraR, undefined);
    });
  });

  describe('trl_sft_qlora.py (TRL SFTTrainer, QLoRA)', () => {
    const text = readFixture('trl_sft_qlora.py');
    let hp: Hyperparams;
    before(() => {
      hp = extractPython(parser, text);
    });

    it('detects TRL', () => {
      assert.equal(hp.framework, 'trl');
      assert.deepEqual(hp.syntaxErrors, []);
      assert.deepEqual(hp.unread, []);
    });

    it('reads the BitsAndBytesConfig: 4-bit NF4 with double quantization', () => {
      assertFound(hp, 'loadIn4bit', true, lineOf(text, 'load_in_4bit=True'));
      assertFound(hp, 'quantType', 'nf4', lineOf(text, 'bnb_4bit_quant_type='));
      assertFound(hp, 'doubleQuant', true, lineOf(text, 'bnb_4bit_use_double_quant='));
    });

    it('reads the model id from the BASE constant', () => {
      assert.equal(hp.model?.value, 'mistralai/Mistral-7B-v0.3');
      assert.equal(hp.model?.span.line, lineOf(text, 'BASE,'));
      assert.equal(hp.model?.valueSpan.line, lineOf(text, 'BASE = '));
    });

    it('reads the LoRA config, the multi-line target list included', () => {
      assertFound(hp, 'peft', true, lineOf(text, 'peft_config = LoraConfig('));
      assertFound(hp, 'loraR', 32, lineOf(text, 'r=32'));
      assertFound(hp, 'loraAlpha', 64, lineOf(text, 'lora_alpha=64'));
      assertFound(hp, 'loraDropout', 0.05, lineOf(text, 'lora_dropout=0.05'));
      assertFound(hp, 'loraTargets', ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], lineOf(text, 'target_modules=['));
      assert.equal(hp.loraTargets?.span.endLine, lineOf(text, '    ],'));
    });

    it('sees prepare_model_for_kbit_training and its checkpointing default', () => {
      const line = lineOf(text, 'model = prepare_model_for_kbit_training(model)');
      assertFound(hp, 'kbitPrep', true, line);
      assertFound(hp, 'gradientCheckpointing', true, line);
      assert.match(hp.gradientCheckpointing!.how, /default/);
    });

    it('reads SFTConfig: batch, accumulation, max_length, packing, paged optimizer', () => {
      assertFound(hp, 'microBatch', 2, lineOf(text, 'per_device_train_batch_size=2'));
      assertFound(hp, 'gradAccumulation', 4, lineOf(text, 'gradient_accumulation_steps=4'));
      assertFound(hp, 'seqLen', 4096, lineOf(text, 'max_length=4096'));
      assertFound(hp, 'packing', true, lineOf(text, 'packing=True'));
      assertFound(hp, 'optimizer', 'paged_adamw_8bit', lineOf(text, 'optim="paged_adamw_8bit"'));
      assert.equal(hp.trainer?.line, lineOf(text, 'sft_config = SFTConfig('));
    });
  });

  describe('unsloth_lora.py (Unsloth FastLanguageModel)', () => {
    const text = readFixture('unsloth_lora.py');
    let hp: Hyperparams;
    before(() => {
      hp = extractPython(parser, text);
    });

    it('detects Unsloth even though TRL is imported too', () => {
      assert.equal(hp.framework, 'unsloth');
      assert.deepEqual(hp.syntaxErrors, []);
      assert.deepEqual(hp.unread, []);
    });

    it('reads model_name=, max_seq_length through its constant, and load_in_4bit', () => {
      assertFound(hp, 'model', 'unsloth/Meta-Llama-3.1-8B-Instruct-bnb-4bit', lineOf(text, 'model_name='));
      assertFound(hp, 'seqLen', 4096, lineOf(text, 'max_seq_length=max_seq_length'));
      assert.equal(hp.seqLen?.valueSpan.line, lineOf(text, 'max_seq_length = 4096'));
      assertFound(hp, 'loadIn4bit', true, lineOf(text, 'load_in_4bit=True'));
    });

    it('reads get_peft_model: rank and alpha through lora_rank, targets, offloaded checkpointing', () => {
      assertFound(hp, 'peft', true, lineOf(text, 'FastLanguageModel.get_peft_model('));
      assertFound(hp, 'loraR', 16, lineOf(text, 'r=lora_rank'));
      assert.equal(hp.loraR?.valueSpan.line, lineOf(text, 'lora_rank = 16'));
      assertFound(hp, 'loraAlpha', 16, lineOf(text, 'lora_alpha=lora_rank'));
      assertFound(hp, 'loraDropout', 0, lineOf(text, 'lora_dropout=0'));
      assertFound(hp, 'loraTargets', ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], lineOf(text, 'target_modules='));
      assertFound(hp, 'gradientCheckpointing', 'unsloth', lineOf(text, 'use_gradient_checkpointing='));
    });

    it('reads the SFTConfig nested inside SFTTrainer(args=...)', () => {
      assertFound(hp, 'microBatch', 2, lineOf(text, 'per_device_train_batch_size=2'));
      assertFound(hp, 'gradAccumulation', 4, lineOf(text, 'gradient_accumulation_steps=4'));
      assertFound(hp, 'optimizer', 'adamw_8bit', lineOf(text, 'optim="adamw_8bit"'));
      assert.equal(hp.trainer?.line, lineOf(text, 'trainer = SFTTrainer('));
    });
  });

  describe('constants_and_kwargs.py (constants, arithmetic, **kwargs, argparse)', () => {
    const text = readFixture('constants_and_kwargs.py');
    let hp: Hyperparams;
    before(() => {
      hp = extractPython(parser, text);
    });

    it('evaluates GLOBAL_BATCH // (MICRO_BATCH * NUM_GPUS) = 64 // (4 * 2) = 8', () => {
      assertFound(hp, 'gradAccumulation', 64 / (4 * 2), lineOf(text, 'gradient_accumulation_steps=ACCUM'));
      // the edit for this value goes on the expression that computes it
      assert.equal(hp.gradAccumulation?.valueSpan.line, lineOf(text, 'ACCUM = GLOBAL_BATCH //'));
    });

    it('reads args.per_device_batch_size from the argparse default (itself the MICRO_BATCH constant)', () => {
      assertFound(hp, 'microBatch', 4, lineOf(text, 'per_device_train_batch_size=args.per_device_batch_size'));
      assert.equal(hp.microBatch?.valueSpan.line, lineOf(text, 'MICRO_BATCH = 4'));
      assert.match(hp.microBatch!.how, /argparse default of --per-device-batch-size/);
    });

    it('expands the **train_kwargs dict literal; each value points at its dict entry', () => {
      assertFound(hp, 'gradientCheckpointing', true, lineOf(text, '"gradient_checkpointing": True'));
      assertFound(hp, 'optimizer', 'adafactor', lineOf(text, '"optim": "adafactor"'));
      assertFound(hp, 'bf16', true, lineOf(text, '"bf16": True'));
      assert.match(hp.optimizer!.how, /\*\*train_kwargs/);
    });

    it('reads the model id and torch_dtype="auto"', () => {
      const line = lineOf(text, 'AutoModelForCausalLM.from_pretrained(MODEL_NAME');
      assertFound(hp, 'model', 'Qwen/Qwen2.5-7B', line);
      assertFound(hp, 'dtype', 'auto', line);
    });

    it('lists what cannot be read (a **dict built at run time); a comparison of an environment default is evaluated, said so', () => {
      assert.equal(hp.framework, 'transformers');
      const byKey = new Map(hp.unread.map((u) => [u.key, u]));
      assert.equal(hp.unread.length, 1, JSON.stringify(hp.unread));
      assert.equal(byKey.get('**overrides')?.span.line, lineOf(text, '**overrides,'));
      // os.environ.get("TORCH_COMPILE", "0") == "1": the default "0" compared, as os.environ.get defaults are read
      assertFound(hp, 'torchCompile', false, lineOf(text, 'torch_compile=os.environ'));
      assert.match(hp.torchCompile!.how, /default of os\.environ\.get\("TORCH_COMPILE"/);
    });
  });

  describe('inference_only.py', () => {
    const text = readFixture('inference_only.py');

    it('reads the model but finds no trainer, PEFT, optimizer or batch size', () => {
      const hp = extractPython(parser, text);
      assert.equal(hp.model?.value, 'meta-llama/Llama-3.1-8B-Instruct');
      assert.equal(hp.model?.span.line, lineOf(text, 'AutoModelForCausalLM.from_pretrained(MODEL'));
      assert.equal(hp.trainer, undefined);
      assert.equal(hp.peft, undefined);
      assert.equal(hp.optimizer, undefined);
      assert.equal(hp.microBatch, undefined);
      assert.equal(hp.gradientCheckpointing, undefined);
    });

    it('does not report generate(**inputs) as an unread hyperparameter', () => {
      // model.generate(**inputs) has nothing to do with training memory: no "could not read" noise
      const hp = extractPython(parser, text);
      assert.deepEqual(hp.unread, []);
    });
  });

  describe('broken_half_typed.py', () => {
    const text = readFixture('broken_half_typed.py');

    it('reports the syntax error at the half-typed call and still reads the model above it', () => {
      const hp = extractPython(parser, text);
      assert.ok(hp.syntaxErrors.length >= 1);
      const callLine = lineOf(text, 'args = TrainingArguments(');
      // the error starts at the unfinished call, not at the top of the file
      assert.equal(hp.syntaxErrors[0].line, callLine);
      assert.ok(hp.syntaxErrors.every((s) => s.line >= callLine));
      assertFound(hp, 'model', 'meta-llama/Llama-3.1-8B', lineOf(text, 'from_pretrained("meta-llama/Llama-3.1-8B"'));
      assertFound(hp, 'dtype', 'bfloat16', lineOf(text, 'torch_dtype="bfloat16"'));
      assert.equal(hp.framework, 'transformers');
    });
  });

  describe('unknown_model.py', () => {
    it('reads the id as written and the trainer arguments', () => {
      const text = readFixture('unknown_model.py');
      const hp = extractPython(parser, text);
      assertFound(hp, 'model', 'acme/secret-model-13b', lineOf(text, 'acme/secret-model-13b'));
      assertFound(hp, 'microBatch', 2, lineOf(text, 'per_device_train_batch_size=2'));
      assert.equal(hp.trainer?.line, lineOf(text, 'args = TrainingArguments('));
    });
  });
});

describe('extractPython on small snippets (edge cases)', () => {
  let parser: Parser;
  before(async () => {
    parser = await loadParser();
  });

  it('target_modules=None means PEFT per-architecture default, not "no targets"', () => {
    const hp = extractPython(parser, 'from peft import LoraConfig\ncfg = LoraConfig(r=8, target_modules=None)\n');
    assert.equal(hp.loraR?.value, 8);
    assert.equal(hp.loraTargets, undefined, `read as ${JSON.stringify(hp.loraTargets?.value)}`);
    assert.deepEqual(hp.unread, []);
  });

  it('Unsloth dtype=None (auto-detect) is not an unreadable value', () => {
    const src =
      'from unsloth import FastLanguageModel\ndtype = None\nmodel, tok = FastLanguageModel.from_pretrained(model_name="unsloth/Llama-3.2-3B", dtype=dtype, load_in_4bit=True)\n';
    const hp = extractPython(parser, src);
    assert.equal(hp.dtype, undefined);
    assert.deepEqual(hp.unread, []);
    assert.equal(hp.loadIn4bit?.value, true);
  });

  it('a re-assignment that uses the old value (x = x * 2) is evaluated, not a self-reference', () => {
    const src = 'from transformers import TrainingArguments\nACCUM = 4\nACCUM = ACCUM * 2\nargs = TrainingArguments(gradient_accumulation_steps=ACCUM)\n';
    const hp = extractPython(parser, src);
    assert.equal(hp.gradAccumulation?.value, 8, JSON.stringify(hp.unread));
    assert.equal(hp.gradAccumulation?.valueSpan.line, 2);
  });

  it('the last assignment before the use wins', () => {
    const src = 'from transformers import TrainingArguments\nBS = 4\nBS = 16\nargs = TrainingArguments(per_device_train_batch_size=BS)\nBS = 1\n';
    const hp = extractPython(parser, src);
    assert.equal(hp.microBatch?.value, 16);
    assert.equal(hp.microBatch?.valueSpan.line, 2);
  });

  it('a custom loop model(**batch) is not an unread hyperparameter; the torch optimizer is read', () => {
    const src = [
      'import torch',
      'from transformers import AutoModelForCausalLM',
      'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B", torch_dtype=torch.bfloat16)',
      'opt = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=True)',
      'for batch in loader:',
      '    out = model(**batch)',
      '    out.loss.backward()',
      '',
    ].join('\n');
    const hp = extractPython(parser, src);
    assert.deepEqual(hp.unread, []);
    assert.equal(hp.optimizer?.value, 'adamw_torch_fused');
    assert.equal(hp.optimizer?.span.line, 3);
    assert.equal(hp.framework, 'transformers');
  });

  it('**kwargs that cannot be read are still reported on the calls that matter', () => {
    const src = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", **load_cfg())\n';
    const hp = extractPython(parser, src);
    assert.deepEqual(
      hp.unread.map((u) => u.key),
      ['**load_cfg()'],
    );
  });

  it('FastVisionModel.get_peft_model is read like FastLanguageModel.get_peft_model', () => {
    const src = [
      'from unsloth import FastVisionModel',
      'model, tok = FastVisionModel.from_pretrained("unsloth/Llama-3.2-11B-Vision-Instruct", load_in_4bit=True)',
      'model = FastVisionModel.get_peft_model(model, r=32, lora_alpha=32, use_gradient_checkpointing=True)',
      '',
    ].join('\n');
    const hp = extractPython(parser, src);
    assert.equal(hp.framework, 'unsloth');
    assert.equal(hp.loraR?.value, 32);
    assert.equal(hp.loraAlpha?.value, 32);
    assert.equal(hp.gradientCheckpointing?.value, true);
  });

  it('os.environ.get defaults and int() are followed; f-strings are not', () => {
    const src = [
      'import os',
      'from transformers import TrainingArguments',
      'args = TrainingArguments(per_device_train_batch_size=int(os.environ.get("BS", "6")), output_dir=f"out/{os.getpid()}")',
      '',
    ].join('\n');
    const hp = extractPython(parser, src);
    assert.equal(hp.microBatch?.value, 6);
    assert.match(hp.microBatch!.how, /environ\.get/);
  });
});

describe('analyzeText on fixtures (report behaviour the CLI relies on)', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = await loadDeps();
  });

  it('inference_only.py: not training, no error or warning diagnostics, no estimate', () => {
    const r = analyzeText(readFixture('inference_only.py'), 'inference_only.py', settings(), deps);
    assert.equal(r.isTraining, false);
    assert.equal(r.estimate, null);
    assert.equal(r.target.verdict, 'unknown');
    assert.deepEqual(
      r.findings.filter((f) => f.severity === 'error' || f.severity === 'warning'),
      [],
    );
    // a small GPU must not turn an inference script into an OOM error either
    const small = analyzeText(readFixture('inference_only.py'), 'inference_only.py', settings({ targetGpu: 't4-16gb' }), deps);
    assert.deepEqual(
      small.findings.filter((f) => f.severity === 'error'),
      [],
    );
  });

  it('unknown_model.py: an information finding vramLens.unknownModel on the id, no estimate, and the values read in the plan', () => {
    const text = readFixture('unknown_model.py');
    const r = analyzeText(text, 'unknown_model.py', settings(), deps);
    assert.equal(r.isTraining, true);
    assert.equal(r.estimate, null);
    // the plan still says what the file sets (shown in the panel and --json), only the estimate needs the model
    assert.equal(r.plan?.microBatch.value, 2);
    assert.equal(r.plan?.microBatch.origin, 'read');
    const f = r.findings.find((x) => x.code === 'vramLens.unknownModel');
    assert.ok(f, JSON.stringify(r.findings));
    assert.equal(f.severity, 'information');
    assert.equal(f.span.line, lineOf(text, 'acme/secret-model-13b'));
    assert.match(f.message, /acme\/secret-model-13b/);
    assert.equal(r.model?.spec, null);
    assert.deepEqual(
      r.findings.filter((x) => x.severity === 'error'),
      [],
    );
  });

  it('broken_half_typed.py: never throws, reports the syntax error as information', () => {
    const text = readFixture('broken_half_typed.py');
    const r = analyzeText(text, 'broken_half_typed.py', settings(), deps);
    assert.equal(r.hyperparams.model?.value, 'meta-llama/Llama-3.1-8B');
    const f = r.findings.find((x) => x.code === 'vramLens.syntax');
    assert.ok(f);
    assert.equal(f.severity, 'information');
    assert.equal(f.span.line, lineOf(text, 'args = TrainingArguments('));
  });

  it('the four training fixtures get an estimate and a verdict', () => {
    for (const name of ['hf_trainer_full.py', 'trl_sft_qlora.py', 'unsloth_lora.py', 'constants_and_kwargs.py']) {
      const r = analyzeText(readFixture(name), name, settings(), deps);
      assert.equal(r.isTraining, true, name);
      assert.ok(r.estimate, `${name}: ${JSON.stringify(r.findings)}`);
      assert.notEqual(r.target.verdict, 'unknown', name);
      assert.ok(r.anchor, name);
    }
  });

  it('the unread values of constants_and_kwargs.py become information findings on their lines', () => {
    const text = readFixture('constants_and_kwargs.py');
    const r = analyzeText(text, 'constants_and_kwargs.py', settings(), deps);
    const unread = r.findings.filter((f) => f.code === 'vramLens.unread');
    assert.deepEqual(
      unread.map((f) => f.span.line).sort((a, b) => a - b),
      [lineOf(text, '**overrides,')],
    );
    assert.ok(unread.every((f) => f.severity === 'information'));
  });
});

describe('python: half-typed calls', () => {
  it('keeps reading a TrainingArguments call that is still being typed, with spans in the original text', async () => {
    const parser = await loadParser();
    const text = [
      'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
      'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B")',
      'args = TrainingArguments(',
      '    output_dir="x", per_device_train_batch_size=4,',
      '    gradient_accumulation_steps=',
      '',
      'trainer = Trainer(model=model, args=args)',
      '',
    ].join('\n');
    const hp = extractPython(parser, text);
    assert.ok(hp.syntaxErrors.length > 0, 'the file does not parse as it is');
    assert.equal(hp.argsClass, 'TrainingArguments');
    assert.equal(hp.microBatch?.value, 4);
    // the span is the text's own: line 3 (0-based), at the keyword
    assert.equal(hp.microBatch?.span.line, 3);
    assert.equal(text.slice(hp.microBatch!.span.start, hp.microBatch!.span.end), 'per_device_train_batch_size=4');
    assert.equal(hp.gradAccumulation, undefined, 'the dangling keyword is not read');
    assert.deepEqual(hp.sites, {}, 'no quick-fix edits on text that does not parse');
  });

  it('repairUnclosedCall closes the call before the next statement and completes a dangling "="', () => {
    const text = 'args = TrainingArguments(output_dir="x", per_device_train_batch_size=\nprint(1)\n';
    const r = repairUnclosedCall(text, 0)!;
    assert.equal(r.text, 'args = TrainingArguments(output_dir="x", per_device_train_batch_size=None)\nprint(1)\n');
    assert.equal(repairUnclosedCall('x = (1,\n', 0)?.text.startsWith('x = (1,)'), true);
  });
});
