// "Apply to file" (src/analysis/remedies/apply.ts): each what-if change becomes an edit in the file's own
// style. Every edit is checked by reading the edited file again with the real extractor: the new plan
// must say the new value, read from the file, and the file must still parse.
import { strict as assert } from 'node:assert';
import { OptimizerKind } from '../../src/analysis/memory/setup';
import { optimizerKind } from '../../src/analysis/plan/plan';
import { ApplyPlan, HF_OPTIM, literal, planApply, WhatIfChange } from '../../src/analysis/remedies/apply';
import { applyEdits } from '../../src/analysis/remedies/edits';
import { AnalysisDeps, analyzeText, DEFAULT_SETTINGS, Report, skippedReport } from '../../src/analysis/report';
import { loadDeps, readFixture } from './helpers';

const FULL_FT = `import torch
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained(
    "meta-llama/Llama-3.1-8B-Instruct",
    torch_dtype=torch.bfloat16,
)

args = TrainingArguments(
    output_dir="runs/full",
    per_device_train_batch_size=8,
    gradient_accumulation_steps=2,
    bf16=True,
    optim="adamw_torch",
)

Trainer(model=model, args=args).train()
`;

const QLORA = `import torch
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer

MAX_LEN = 2048
quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)
model = AutoModelForCausalLM.from_pretrained("mistralai/Mistral-7B-v0.1", quantization_config=quant, use_flash_attention_2=True)
model = prepare_model_for_kbit_training(model)
model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=["q_proj", "v_proj"]))

trainer = SFTTrainer(
    model=model,
    args=SFTConfig(output_dir="runs/qlora", per_device_train_batch_size=4, max_length=MAX_LEN, optim="paged_adamw_8bit"),
)
trainer.train()
`;

describe('apply what-if changes to the file', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = await loadDeps();
  });

  const analyze = (text: string) => analyzeText(text, 'train.py', DEFAULT_SETTINGS, deps, 'python');
  function apply(text: string, changes: WhatIfChange[]): { plan: ApplyPlan; text: string; after: Report } {
    const plan = planApply(analyze(text), text, changes);
    const out = applyEdits(text, plan.edits);
    const after = analyze(out);
    assert.equal(after.hyperparams.syntaxErrors.length, 0, `the edited file parses:\n${out}`);
    return { plan, text: out, after };
  }

  it('replaces a literal the file states, in place, and nothing else', () => {
    const { plan, text, after } = apply(FULL_FT, [{ field: 'microBatch', value: 2 }]);
    assert.deepEqual(plan.notApplied, []);
    assert.equal(plan.edits.length, 1);
    assert.equal(text, FULL_FT.replace('per_device_train_batch_size=8', 'per_device_train_batch_size=2'));
    assert.equal(after.plan!.microBatch.value, 2);
    assert.equal(after.plan!.microBatch.origin, 'read');
  });

  it("edits a constant's definition when the argument names the constant", () => {
    const { text, after } = apply(QLORA, [{ field: 'seqLen', value: 4096 }]);
    assert.match(text, /^MAX_LEN = 4096$/m);
    assert.match(text, /max_length=MAX_LEN/);
    assert.equal(after.plan!.seqLen.value, 4096);
  });

  it('adds a keyword that is not in the file, one per line with a trailing comma like its neighbours', () => {
    const { plan, text, after } = apply(FULL_FT, [{ field: 'gradientCheckpointing', value: true }]);
    assert.deepEqual(plan.notApplied, []);
    assert.match(text, / {4}optim="adamw_torch",\n {4}gradient_checkpointing=True,\n\)/);
    assert.equal(after.plan!.gradientCheckpointing.value, true);
    assert.equal(after.plan!.gradientCheckpointing.origin, 'read');
  });

  it('writes an optim name that the plan reads back as the same optimizer, for every optimizer with an HF name', () => {
    for (const [kind, name] of Object.entries(HF_OPTIM) as [OptimizerKind, string | null][]) {
      if (!name) continue;
      assert.equal(optimizerKind(name), kind, `${name} reads back as ${kind}`);
      const { text, after } = apply(FULL_FT, [{ field: 'optimizer', value: kind }]);
      if (kind === 'adamw') {
        assert.equal(text, FULL_FT, 'adamw is what the file already says');
        continue;
      }
      assert.match(text, new RegExp(`optim="${name}"`));
      assert.equal(after.plan!.optimizer.value, kind);
    }
  });

  it('says why SGD with momentum cannot be written as a TrainingArguments optim', () => {
    const plan = planApply(analyze(FULL_FT), FULL_FT, [{ field: 'optimizer', value: 'sgd_momentum' }]);
    assert.equal(plan.edits.length, 0);
    assert.match(plan.notApplied[0].reason, /optim_args/);
  });

  it('replaces use_flash_attention_2=True with attn_implementation when the attention changes', () => {
    const { text, after } = apply(QLORA, [{ field: 'attention', value: 'eager' }]);
    assert.doesNotMatch(text, /use_flash_attention_2/);
    assert.match(text, /attn_implementation="eager"/);
    assert.equal(after.plan!.attention.value, 'eager');
  });

  it('switches 4-bit to 8-bit and to none by changing the flag in BitsAndBytesConfig', () => {
    const int8 = apply(QLORA, [{ field: 'quantization', value: 'int8' }]);
    assert.match(int8.text, /BitsAndBytesConfig\(load_in_8bit=True, bnb_4bit_quant_type/);
    assert.equal(int8.after.plan!.quantization.value, 'int8');
    const none = apply(QLORA, [{ field: 'quantization', value: 'none' }]);
    assert.match(none.text, /BitsAndBytesConfig\(load_in_4bit=False,/);
    assert.equal(none.after.plan!.quantization.value, 'none');
    assert.equal(none.after.plan!.method.value, 'lora', 'the adapters stay');
  });

  it('changes the LoRA rank and targets in the LoraConfig call', () => {
    const { text, after } = apply(QLORA, [
      { field: 'loraR', value: 64 },
      { field: 'loraTargets', value: 'all-linear' },
    ]);
    assert.match(text, /LoraConfig\(r=64, lora_alpha=32, target_modules="all-linear"\)/);
    assert.equal(after.plan!.loraR.value, 64);
    assert.equal(after.plan!.loraTargets.value, 'all-linear');
  });

  it('turns a full fine-tune into QLoRA: quantization_config, imports, k-bit preparation and the adapters', () => {
    const { plan, text, after } = apply(FULL_FT, [
      { field: 'method', value: 'lora' },
      { field: 'quantization', value: 'nf4' },
      { field: 'loraR', value: 32 },
      { field: 'loraTargets', value: 'all-linear' },
      { field: 'gradientCheckpointing', value: true },
    ]);
    assert.deepEqual(plan.notApplied, []);
    assert.match(text, /^from transformers import BitsAndBytesConfig$/m);
    assert.match(text, /^from peft import LoraConfig$/m);
    assert.match(
      text,
      /^model = prepare_model_for_kbit_training\(model\)\nmodel = get_peft_model\(model, LoraConfig\(r=32, lora_alpha=64, target_modules="all-linear", task_type="CAUSAL_LM"\)\)$/m,
    );
    assert.equal((text.match(/prepare_model_for_kbit_training\(model\)/g) ?? []).length, 1, 'prepared once');
    const p = after.plan!;
    assert.equal(p.method.value, 'qlora');
    assert.equal(p.quantization.value, 'nf4');
    assert.equal(p.doubleQuant.value, true);
    assert.equal(p.loraR.value, 32);
    assert.equal(p.kbitUpcast.value, true);
    assert.equal(p.gradientCheckpointing.value, true);
    // PEFT's preparation turns checkpointing on by default: with checkpointing off in the what-if it says so
    const off = apply(FULL_FT, [
      { field: 'method', value: 'lora' },
      { field: 'quantization', value: 'nf4' },
    ]);
    assert.match(off.text, /^model = prepare_model_for_kbit_training\(model, use_gradient_checkpointing=False\)$/m);
    assert.equal(off.after.plan!.gradientCheckpointing.value, false);
  });

  it('adds LoRA through the TRL trainer when there is one', () => {
    const trl = readFixture('trl_sft_qlora.py');
    const r = analyze(trl);
    if (r.plan!.method.value === 'full') {
      const { text, after } = apply(trl, [{ field: 'method', value: 'lora' }]);
      assert.match(text, /peft_config=LoraConfig\(/);
      assert.notEqual(after.plan!.method.value, 'full');
    } else {
      // the fixture already trains adapters: the reverse cannot be applied automatically
      const plan = planApply(r, trl, [{ field: 'method', value: 'full' }]);
      assert.equal(plan.edits.length, 0);
      assert.match(plan.notApplied[0].reason, /remove the LoRA configuration/);
    }
  });

  it('turns gradient checkpointing off where prepare_model_for_kbit_training turned it on', () => {
    const { text, after } = apply(QLORA, [{ field: 'gradientCheckpointing', value: false }]);
    assert.match(text, /prepare_model_for_kbit_training\(model, use_gradient_checkpointing=False\)/);
    assert.match(text, /SFTConfig\(.*gradient_checkpointing=False\)/);
    assert.equal(after.plan!.gradientCheckpointing.value, false);
  });

  it('uses the Unsloth keywords on FastLanguageModel calls', () => {
    const src = readFixture('unsloth_lora.py');
    const { plan, text, after } = apply(src, [
      { field: 'gradientCheckpointing', value: false },
      { field: 'loraR', value: 32 },
    ]);
    assert.deepEqual(plan.notApplied, []);
    assert.match(text, /use_gradient_checkpointing=False/);
    assert.match(text, /^lora_rank = 32$/m, 'the rank constant');
    assert.equal(after.plan!.gradientCheckpointing.value, false);
    assert.equal(after.plan!.loraR.value, 32);
  });

  it('asks for a different checkpoint when the weights ship quantized', () => {
    const src = readFixture('unsloth_lora.py');
    const r = analyze(src);
    assert.equal(r.model!.spec!.preQuantized !== undefined || /ships/.test(r.plan!.quantization.reason), true, 'the fixture loads a -bnb-4bit checkpoint');
    const plan = planApply(r, src, [{ field: 'quantization', value: 'none' }]);
    assert.equal(plan.edits.length, 0);
    assert.match(plan.notApplied[0].reason, /ships quantized weights/);
  });

  it('puts the GPU type and a count the file does not state into settings', () => {
    const { plan, text } = apply(FULL_FT, [
      { field: 'gpu', value: 'a100-sxm-80gb' },
      { field: 'gpus', value: 4 },
      { field: 'sharding', value: 'fsdp' },
    ]);
    assert.deepEqual(plan.settings, [
      { key: 'targetGpu', value: 'a100-sxm-80gb' },
      { key: 'gpuCount', value: 4 },
    ]);
    assert.match(text, / {4}fsdp="full_shard auto_wrap",\n\)/);
  });

  it('writes FSDP with CPU offload, and reads it back as sharded with the optimizer on the CPU', () => {
    const { text, after } = apply(FULL_FT, [
      { field: 'sharding', value: 'fsdp' },
      { field: 'offloadOptimizer', value: true },
    ]);
    assert.match(text, /fsdp="full_shard auto_wrap offload"/);
    assert.equal(after.plan!.sharding.value, 'fsdp');
    assert.equal(after.plan!.offloadOptimizer.value, true);
  });

  it('does not invent a DeepSpeed config file', () => {
    const plan = planApply(analyze(FULL_FT), FULL_FT, [{ field: 'sharding', value: 'zero3' }]);
    assert.equal(plan.edits.length, 0);
    assert.match(plan.notApplied[0].reason, /DeepSpeed ZeRO-3 needs a DeepSpeed config file/);
  });

  it('says the sequence length of a plain Trainer is set where the data is tokenized', () => {
    const plan = planApply(analyze(FULL_FT), FULL_FT, [{ field: 'seqLen', value: 1024 }]);
    assert.equal(plan.edits.length, 0);
    assert.match(plan.notApplied[0].reason, /tokenizer or collator/);
  });

  it('applies nothing to a file without an estimate, and says so', () => {
    const r = skippedReport('big.py', DEFAULT_SETTINGS, 'too large');
    const plan = planApply(r, '', [{ field: 'microBatch', value: 2 }]);
    assert.deepEqual(plan.edits, []);
    assert.equal(plan.notApplied.length, 1);
  });

  it("writes a YAML config in its framework's own keys: values in place, new keys added, and reads them back", () => {
    const text = 'base_model: meta-llama/Llama-3.1-8B\nmicro_batch_size: 8\ngradient_checkpointing: false\noptimizer: adamw_torch\n';
    const analyzeYaml = (t: string) => analyzeText(t, 'axolotl.yml', DEFAULT_SETTINGS, deps, 'yaml');
    const r = analyzeYaml(text);
    const plan = planApply(r, text, [
      { field: 'microBatch', value: 2 },
      { field: 'gradientCheckpointing', value: true },
      { field: 'optimizer', value: 'adamw_8bit' },
      { field: 'seqLen', value: 4096 },
      { field: 'gpus', value: 2 },
      { field: 'quantization', value: 'nf4' },
    ]);
    assert.deepEqual(plan.notApplied, []);
    const out = applyEdits(text, plan.edits);
    // stated values change in place; axolotl's 8-bit AdamW is bitsandbytes' (adamw_bnb_8bit)
    assert.match(out, /^micro_batch_size: 2\ngradient_checkpointing: true\noptimizer: adamw_bnb_8bit\n/m);
    // QLoRA on a full fine-tune: adapter, 4-bit load and the LoRA recipe, in axolotl's keys
    assert.match(out, /^adapter: qlora$/m);
    assert.match(out, /^load_in_4bit: true$/m);
    assert.match(out, /^lora_target_linear: true$/m);
    assert.match(out, /^sequence_len: 4096$/m);
    assert.deepEqual(plan.settings, [{ key: 'gpuCount', value: 2 }]);
    const after = analyzeYaml(out).plan!;
    assert.equal(after.microBatch.value, 2);
    assert.equal(after.gradientCheckpointing.value, true);
    assert.equal(after.optimizer.value, 'adamw_8bit');
    assert.equal(after.seqLen.value, 4096);
    assert.equal(after.method.value, 'qlora');
    assert.equal(after.quantization.value, 'nf4');
    assert.equal(after.loraR.value, 16);
    assert.equal(after.loraTargets.value, 'all-linear');
  });

  it('in a notebook writes only the settings, and says where the rest is changed', () => {
    const r = { ...analyze(FULL_FT), kind: 'notebook' as const };
    const plan = planApply(r, FULL_FT, [
      { field: 'microBatch', value: 2 },
      { field: 'gpu', value: 'l40s-48gb' },
    ]);
    assert.deepEqual(plan.edits, []);
    assert.deepEqual(plan.settings, [{ key: 'targetGpu', value: 'l40s-48gb' }]);
    assert.deepEqual(plan.notApplied, [{ field: 'microBatch', reason: 'in a notebook, change the value in its cell by hand' }]);
  });

  it('writes literals in each language', () => {
    assert.equal(literal(true, 'python'), 'True');
    assert.equal(literal(true, 'yaml'), 'true');
    assert.equal(literal(['q_proj', 'v_proj'], 'python'), '["q_proj", "v_proj"]');
    assert.equal(literal('adamw_8bit', 'python', "'"), "'adamw_8bit'");
    assert.equal(literal('all-linear', 'yaml'), 'all-linear');
    assert.equal(literal('yes', 'yaml'), '"yes"');
    assert.equal(literal('sdpa', 'json'), '"sdpa"');
  });
});
