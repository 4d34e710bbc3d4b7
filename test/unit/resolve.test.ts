// The model resolution chain (src/analysis/models/resolve.ts): the order of its steps, each step alone, the
// family-and-size guess, and what the report makes of each outcome.
import assert from 'node:assert/strict';
import { guessFromName, sizeTokens } from '../../src/analysis/models/guess';
import { architectureChoices } from '../../src/analysis/models/choices';
import { FoundConfig, isHubId, ModelSources, resolveModelRef, wantsHub } from '../../src/analysis/models/resolve';
import type { LocalRead } from '../../src/analysis/models/local';
import { analyzeText, AnalysisDeps, DEFAULT_SETTINGS, reportToJson } from '../../src/analysis/report';
import { loadDeps } from './helpers';

const LLAMA_1B = {
  model_type: 'llama',
  hidden_size: 2048,
  intermediate_size: 8192,
  num_hidden_layers: 16,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  vocab_size: 128256,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
};
const TINY = { ...LLAMA_1B, hidden_size: 256, intermediate_size: 512, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 4, vocab_size: 1000 };

/** Sources that answer from fixed tables, recording what was asked. */
function fake(
  over: { local?: Record<string, LocalRead>; cache?: Record<string, unknown>; hub?: Record<string, unknown>; aliases?: Record<string, string> } = {},
) {
  const asked: string[] = [];
  const found =
    (table: Record<string, unknown> | undefined, where: string) =>
    (id: string): FoundConfig | undefined => {
      asked.push(`${where}:${id}`);
      return table && id in table ? { config: table[id], path: `/${where}/${id}/config.json` } : undefined;
    };
  const sources: ModelSources = {
    readLocal: (ref) => {
      asked.push(`local:${ref}`);
      return over.local?.[ref];
    },
    hfCache: found(over.cache, 'hf-cache'),
    hub: found(over.hub, 'hub'),
    ...(over.aliases ? { aliases: over.aliases } : {}),
  };
  return { sources, asked };
}

describe('resolution chain: order of the steps', () => {
  it('alias wins over everything, then local, catalog, HF cache, hub, table, assumption', () => {
    const id = 'meta-llama/Llama-3.2-1B';
    // an alias sends even a catalog id elsewhere (the user said so)
    let r = resolveModelRef(id, '/w/train.py', fake({ aliases: { [id]: 'Qwen/Qwen2.5-0.5B' } }).sources);
    assert.equal(r.step, 'alias');
    assert.equal(r.spec?.id, 'Qwen/Qwen2.5-0.5B');
    // a local folder of that name comes before the catalog (from_pretrained looks there first)
    r = resolveModelRef(id, '/w/train.py', fake({ local: { [id]: { kind: 'config', path: '/w/meta-llama/Llama-3.2-1B/config.json', config: TINY } } }).sources);
    assert.equal(r.step, 'local');
    assert.equal(r.spec?.hiddenSize, 256);
    // the catalog before the caches
    const f = fake({ cache: { [id]: TINY }, hub: { [id]: TINY } });
    r = resolveModelRef(id, '/w/train.py', f.sources);
    assert.equal(r.step, 'catalog');
    assert.ok(!f.asked.some((a) => a.startsWith('hf-cache') || a.startsWith('hub')), 'no cache asked for a catalog id');
    // an unknown id: the HF cache before the hub
    const other = 'acme/private-1b';
    r = resolveModelRef(other, '/w/train.py', fake({ cache: { [other]: TINY }, hub: { [other]: LLAMA_1B } }).sources);
    assert.equal(r.step, 'hf-cache');
    assert.equal(r.spec?.hiddenSize, 256);
    assert.match(r.spec?.source ?? '', /hf-cache/);
    r = resolveModelRef(other, '/w/train.py', fake({ hub: { [other]: LLAMA_1B } }).sources);
    assert.equal(r.step, 'hub');
    // the hub (exact config) before the table's relative or the name's assumption
    r = resolveModelRef('acme/mistral-7b-sft', '/w/train.py', fake({ hub: { 'acme/mistral-7b-sft': TINY } }).sources);
    assert.equal(r.step, 'hub');
    r = resolveModelRef('acme/mistral-7b-sft', '/w/train.py', fake().sources);
    assert.equal(r.step, 'assumed');
    // the table before the assumption
    r = resolveModelRef('unsloth/Qwen3.5-9B', '/w/train.py', fake().sources);
    assert.equal(r.step, 'table');
    assert.equal(r.matchedBy, 'derivative');
  });

  it('an alias to a config path resolves through the local reader; a broken alias falls through and says so', () => {
    const f = fake({
      local: { '/cfg/my.json': { kind: 'config', path: '/cfg/my.json', config: TINY } },
      aliases: { 'acme/x': '/cfg/my.json', 'acme/y': 'no/such-thing' },
    });
    const r = resolveModelRef('acme/x', '/w/train.py', f.sources);
    assert.equal(r.step, 'alias');
    assert.equal(r.spec?.hiddenSize, 256);
    assert.match(r.reason, /vramLens\.modelAliases maps "acme\/x" to \/cfg\/my\.json/);
    const broken = resolveModelRef('acme/y', '/w/train.py', f.sources);
    assert.equal(broken.step, 'unresolved');
    assert.ok(broken.spec === null && broken.tried.some((t) => /alias: .*no\/such-thing/.test(t)));
  });

  it('an adapter folder resolves its base through the whole chain', () => {
    const f = fake({
      local: { './lora-out': { kind: 'adapter', path: '/w/lora-out/adapter_config.json', adapter: { base_model_name_or_path: 'unsloth/Qwen3.5-9B-Base' } } },
    });
    const r = resolveModelRef('./lora-out', '/w/train.py', f.sources);
    assert.equal(r.spec?.id, 'Qwen/Qwen3.5-9B');
    assert.match(r.spec ? (r.note ?? '') : '', /PEFT adapter folder; base model unsloth\/Qwen3\.5-9B-Base/);
  });

  it('does not loop on aliases that name each other', () => {
    const r = resolveModelRef('a/x', '/w/t.py', fake({ aliases: { 'a/x': 'a/y', 'a/y': 'a/x' } }).sources);
    assert.equal(r.spec, null);
  });

  it('unresolved: one reason that says what was looked at, and the steps tried', () => {
    const r = resolveModelRef('acme/secret-model-13b', '/w/train.py', fake().sources);
    assert.equal(r.step, 'unresolved');
    assert.ok(r.spec === null);
    assert.match(r.reason, /not in the catalog or the architecture table nor in the local Hugging Face cache/);
    assert.ok(wantsHub(r, 'acme/secret-model-13b'));
    assert.equal(wantsHub(r, 'secret'), false, 'a bare name is not looked up on the hub');
    assert.equal(resolveModelRef('', '/w/t.py').spec, null);
    assert.equal(isHubId('a/b/c'), false);
  });
});

describe('resolution chain: family and size from the id', () => {
  const cases: Array<[ref: string, base: string]> = [
    ['my-org/mistral-7b-sft-v2', 'mistralai/Mistral-7B-v0.1'],
    ['alignment-handbook/zephyr-7b-sft-full', 'mistralai/Mistral-7B-v0.1'],
    ['torchtune.models.llama2.llama2_7b', 'meta-llama/Llama-2-7b-hf'],
    ['torchtune.models.qwen2.lora_qwen2_0_5b', 'Qwen/Qwen2-0.5B'],
    ['lab/llama-3.1-8b-math-dpo', 'meta-llama/Llama-3.1-8B'],
    ['lab/qwen2.5-1.5b-grpo', 'Qwen/Qwen2.5-1.5B'],
    ['lab/Mixtral-8x7B-finetune', 'mistralai/Mixtral-8x7B-v0.1'],
    ['lab/qwen3-30b-a3b-sft', 'Qwen/Qwen3-30B-A3B'],
    ['lab/gemma-3n-e4b-tuned', 'google/gemma-3n-E4B-it'],
    ['~/models/gemma-1.1-7b-it', 'google/gemma-7b'],
    ['deepseek-ai/deepseek-coder-6.7b-instruct', 'meta-llama/Llama-2-7b-hf'],
    ['bigcode/starcoderbase-1b', 'bigcode/gpt_bigcode-santacoder'],
    ['lab/t5-large-summarizer', 'google-t5/t5-large'],
  ];
  for (const [ref, base] of cases) {
    it(`${ref} -> ${base}, an assumption that names itself`, () => {
      const r = resolveModelRef(ref, '/w/train.py');
      assert.equal(r.step, 'assumed', r.spec === null ? r.reason : r.reason);
      assert.equal(r.spec?.id, base);
      assert.equal(r.matchedBy, 'family-size');
      assert.match(r.approximated ?? '', new RegExp(`the shapes of ${base.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} are assumed from its name`));
    });
  }

  it('refuses sizes it has no base near, names without a size where the line has several, and unknown families', () => {
    assert.match((guessFromName('bigscience/bloomz-560m') as { reason: string }).reason, /no bundled BLOOM base is within 30%/);
    assert.match((guessFromName('lab/llama-finetune') as { reason: string }).reason, /names no size/);
    assert.match((guessFromName('qwen-max') as { reason: string }).reason, /names no (size|model family)/);
    assert.match((guessFromName('acme/secret-model-13b') as { reason: string }).reason, /names no model family/);
  });

  it('reads size words: 7b, 1.5B, 0_5b, 135M, 8x7B, 30B-A3B, E4B', () => {
    assert.equal(sizeTokens('Qwen2.5-1.5B-Instruct').billions, 1.5);
    assert.equal(sizeTokens('qwen2_0_5b').billions, 0.5);
    assert.equal(sizeTokens('SmolLM2-135M').billions, 0.135);
    assert.deepEqual(sizeTokens('Mixtral-8x7B').tokens, ['8x7b']);
    assert.equal(sizeTokens('Mixtral-8x7B').billions, 56);
    assert.deepEqual(sizeTokens('Qwen3-30B-A3B').tokens, ['30b', 'a3b']);
    assert.deepEqual(sizeTokens('gemma-3n-E4B-it').tokens, ['e4b']);
    assert.equal(sizeTokens('llama-3.1').billions, undefined);
  });

  it('puts the closest base first in the architecture choices', () => {
    const c = architectureChoices('my-org/mistral-7b-sft');
    assert.equal(c[0].id, 'mistralai/Mistral-7B-v0.1');
    assert.equal(c[0].recommended, true);
    assert.ok(c.length >= 250, `${c.length} choices`);
    assert.equal(new Set(c.map((x) => x.id.toLowerCase())).size, c.length, 'no duplicates');
  });
});

describe('resolution chain in the report', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = await loadDeps();
  });
  const script = (model: string) =>
    `from transformers import AutoModelForCausalLM, TrainingArguments, Trainer\nmodel = AutoModelForCausalLM.from_pretrained("${model}")\nargs = TrainingArguments(output_dir="o", per_device_train_batch_size=4, gradient_accumulation_steps=2, bf16=True)\nTrainer(model=model, args=args)\n`;

  it('unresolved: the plan still has every value read, no estimate, one information diagnostic on the model line', () => {
    const r = analyzeText(script('acme/secret-model-13b'), 'train.py', DEFAULT_SETTINGS, { ...deps, models: {} });
    assert.equal(r.estimate, null);
    assert.equal(r.model?.step, 'unresolved');
    assert.equal(r.plan?.microBatch.value, 4);
    assert.equal(r.plan?.microBatch.origin, 'read');
    assert.equal(r.plan?.gradAccumulation.value, 2);
    const model = r.findings.filter((f) => f.code === 'vramLens.unknownModel');
    assert.equal(model.length, 1);
    assert.equal(r.findings.length, 1, JSON.stringify(r.findings.map((f) => f.code)));
    assert.equal(model[0].span.line, 1);
    assert.equal(model[0].severity, 'information');
    assert.match(model[0].message, /Choose its architecture or a local config\.json/);
    const j = reportToJson(r);
    assert.equal(j.perGpu, null);
    assert.equal(j.plan?.microBatch.value, 4);
  });

  it('assumed: an estimate, plus an information diagnostic that names the assumption', () => {
    const r = analyzeText(script('my-org/mistral-7b-sft-v2'), 'train.py', DEFAULT_SETTINGS, { ...deps, models: {} });
    assert.ok(r.estimate);
    assert.equal(r.model?.step, 'assumed');
    const f = r.findings.find((x) => x.code === 'vramLens.modelAssumed');
    assert.ok(f, JSON.stringify(r.findings));
    assert.equal(f.severity, 'information');
    assert.match(f.message, /mistralai\/Mistral-7B-v0\.1 are assumed from its name \(Mistral, 7B\)/);
    assert.equal(f.span.line, 1);
  });

  it('approximated layers: the diagnostic names them; an exact id gets no such diagnostic', () => {
    const r = analyzeText(script('Qwen/Qwen3-Next-80B-A3B-Instruct'), 'train.py', DEFAULT_SETTINGS, { ...deps, models: {} });
    assert.equal(r.model?.step, 'table');
    const f = r.findings.find((x) => x.code === 'vramLens.modelAssumed');
    assert.match(f?.message ?? '', /Gated DeltaNet linear-attention layers modelled as Mamba-2/);
    const exact = analyzeText(script('meta-llama/Llama-3.1-8B'), 'train.py', DEFAULT_SETTINGS, { ...deps, models: {} });
    assert.equal(
      exact.findings.find((x) => x.code === 'vramLens.modelAssumed'),
      undefined,
    );
  });

  it('the aliases of the deps resolve the model on the next analysis', () => {
    const text = script('acme/secret-model-13b');
    const r = analyzeText(text, 'train.py', DEFAULT_SETTINGS, { ...deps, models: { aliases: { 'acme/secret-model-13b': 'meta-llama/Llama-2-13b-hf' } } });
    assert.equal(r.model?.step, 'alias');
    assert.equal(r.model?.spec?.id, 'meta-llama/Llama-2-13b-hf');
    assert.ok(r.estimate);
  });

  it('specs the caller supplies by id (bench cases) are used at the hub step', () => {
    const spec = { ...resolveModelRef('meta-llama/Llama-3.2-1B', '').spec!, id: 'acme/secret-model-13b' };
    const r = analyzeText(script('acme/secret-model-13b'), 'train.py', DEFAULT_SETTINGS, {
      ...deps,
      models: {},
      hubModels: new Map([['acme/secret-model-13b', spec]]),
    });
    assert.equal(r.model?.step, 'hub');
    assert.ok(r.estimate);
  });
});
