import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ambiguousCatalogKeys, modelCatalog, preQuantizedOf, resolveModel, specFromHfConfig } from '../../src/analysis/models/catalog';
import { resolveModelRef, Resolution } from '../../src/analysis/models/resolve';
import { nodeModelSources } from '../../src/models/sources';
import { paramBreakdown } from '../../src/analysis/models/params';
import { ModelSpec } from '../../src/analysis/models/spec';

function entry(id: string): ModelSpec {
  const m = modelCatalog().find((x) => x.id === id);
  assert.ok(m, `catalog entry ${id}`);
  return m;
}

function assertClose(actual: number, expected: number, tol: number, what: string): void {
  const rel = Math.abs(actual / expected - 1);
  assert.ok(
    rel <= tol,
    `${what}: computed ${actual.toLocaleString('en')} vs ${expected.toLocaleString('en')} (${(rel * 100).toFixed(2)}% > ${(tol * 100).toFixed(2)}%)`,
  );
}

// Published totals, each with where it comes from and why the tolerance is what it is.
// "exact" counts are sums over the real checkpoint's tensors (litgpt's config.py shapes, PEFT/HF num_parameters).
const TOTALS: Array<[id: string, expected: number, tol: number, reason: string]> = [
  ['meta-llama/Llama-2-7b-hf', 6_738_415_616, 1e-4, 'exact: litgpt config.py Llama-2-7b-hf shapes, = HF num_parameters()'],
  ['meta-llama/Llama-2-70b-hf', 68_976_648_192, 1e-4, 'exact: litgpt config.py Llama-2-70b-hf (GQA 8 kv heads)'],
  ['meta-llama/Llama-3.1-8B', 8_030_261_248, 1e-4, 'exact: model card "8B"; litgpt Llama-3.1-8B (vocab 128256), calibration case A1 params_total'],
  ['meta-llama/Llama-3.1-70B', 70_553_706_496, 1e-4, 'exact: litgpt Llama-3.1-70B, calibration cases params_total (model card "70B" = 70.55e9)'],
  ['meta-llama/Llama-3.1-405B', 405_853_388_800, 1e-4, 'exact: litgpt Llama-3.1-405B, calibration cases params_total'],
  ['meta-llama/Llama-3.2-1B', 1.23e9, 0.01, 'model card: 1.23B (tied embeddings; computed 1.236B, card rounds)'],
  ['meta-llama/Llama-3.2-3B', 3_212_749_824, 1e-4, 'exact: PEFT MetaMathQA benchmark num_total_params (calibration cases)'],
  ['mistralai/Mistral-7B-v0.1', 7_241_732_096, 1e-4, 'exact: litgpt Mistral-7B-v0.1 (the paper says "7.3B" loosely; the tensors sum to 7.24B)'],
  ['mistralai/Mistral-Nemo-Base-2407', 12.2e9, 0.01, 'hub safetensors count 12.2B (head_dim 128 != 5120/32); announcement "12B"'],
  ['mistralai/Mixtral-8x7B-v0.1', 46.7e9, 0.01, 'Mistral AI Mixtral announcement: 46.7B total parameters'],
  ['mistralai/Mixtral-8x22B-v0.1', 141e9, 0.01, 'Mistral AI Mixtral 8x22B announcement: 141B total'],
  ['Qwen/Qwen2-72B', 72.71e9, 0.01, 'Qwen2 release blog table: 72.71B'],
  ['Qwen/Qwen2.5-7B', 7.61e9, 0.01, 'Qwen2.5-7B model card: 7.61B (6.53B non-embedding)'],
  ['Qwen/Qwen2.5-72B', 72.7e9, 0.01, 'Qwen2.5-72B model card: 72.7B'],
  ['Qwen/Qwen3-8B', 8.2e9, 0.01, 'Qwen3-8B model card: 8.2B (6.95B non-embedding)'],
  ['Qwen/Qwen3-30B-A3B', 30.5e9, 0.01, 'Qwen3-30B-A3B model card: 30.5B total'],
  ['Qwen/Qwen3-235B-A22B', 235e9, 0.01, 'Qwen3-235B-A22B model card: 235B total'],
  ['Qwen/Qwen3-1.7B', 1.7e9, 0.02, 'model card "1.7B" has two significant digits; the tensors sum to 1.72B (+1.2%)'],
  ['google/gemma-2-2b', 2.61e9, 0.01, 'Gemma 2 report Table 1: 590M embedding + 2,025M non-embedding'],
  ['google/gemma-2-9b', 9.24e9, 0.01, 'Gemma 2 report Table 1: 918M embedding + 8,324M non-embedding'],
  ['google/gemma-2-27b', 27.2e9, 0.01, 'Gemma 2 report Table 1: 1,181M embedding + 26,047M non-embedding'],
  ['google/gemma-3-1b-pt', 1.0e9, 0.01, 'Gemma 3 report Table 1: 302M embedding + 698M non-embedding'],
  [
    'google/gemma-3-27b-pt',
    27.016e9,
    0.01,
    'Gemma 3 report Table 1, text part only: 1,416M embedding + 25,600M non-embedding (the 417M SigLIP encoder is not modelled)',
  ],
  ['microsoft/Phi-3-mini-4k-instruct', 3_821_079_552, 1e-3, 'model card "3.8B"; HF num_parameters 3,821,079,552'],
  ['microsoft/Phi-3.5-MoE-instruct', 41.9e9, 0.01, 'Phi-3.5-MoE model card: 41.9B total (16 experts)'],
  ['microsoft/phi-4', 14.7e9, 0.01, 'hub safetensors count 14.7B (model card "14B")'],
  ['deepseek-ai/DeepSeek-V2-Lite', 15.7e9, 0.01, 'DeepSeek-V2 paper / model card: V2-Lite 15.7B total'],
  [
    'tiiuae/falcon-7b',
    6_921_720_704,
    1e-3,
    'exact: litgpt falcon-7b; +0.02% because params.ts counts two LayerNorms and o/fc biases per layer that Falcon-7B (bias=False, one shared norm) lacks',
  ],
  ['allenai/OLMo-2-1124-7B', 7.3e9, 0.01, 'OLMo 2 release: 7.3B'],
  ['01-ai/Yi-34B', 34.4e9, 0.01, 'hub safetensors count 34.4B (model card "34B")'],
  ['TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T', 1_100_048_384, 1e-4, 'exact: litgpt tiny-llama-1.1b, calibration cases params_total'],
  ['HuggingFaceTB/SmolLM2-135M', 135e6, 0.01, 'model card: 135M'],
  [
    'openai-community/gpt2',
    124_439_808,
    0.01,
    'HF num_parameters 124,439,808; -0.63% because params.ts has no learned position table (wpe 1024x768 = 786,432)',
  ],
  ['openai-community/gpt2-xl', 1_557_611_200, 0.01, 'HF num_parameters 1,557,611,200; -0.1% for the missing wpe (1024x1600)'],
  ['bigscience/bloom-7b1', 7_069_016_064, 1e-3, 'bloom-7b1 model card: 7,069,016,064 parameters'],
  [
    'meta-llama/Llama-4-Scout-17B-16E',
    109e9,
    0.02,
    'model card 109B counts the vision encoder and projector; the catalog models the text decoder (107.8B, -1.1%)',
  ],
];

// Active (per-token) parameters of MoE models.
const ACTIVE: Array<[id: string, expected: number, tol: number, reason: string]> = [
  ['mistralai/Mixtral-8x7B-v0.1', 12.9e9, 0.01, 'Mistral AI announcement: 12.9B used per token (2 of 8 experts)'],
  ['mistralai/Mixtral-8x22B-v0.1', 39e9, 0.01, 'Mistral AI announcement: 39B active'],
  ['Qwen/Qwen3-235B-A22B', 22e9, 0.01, 'model card: 22B activated (8 of 128 experts)'],
  ['Qwen/Qwen3-30B-A3B', 3.3e9, 0.02, 'model card "3.3B activated" has two significant digits; computed 3.35B'],
  ['microsoft/Phi-3.5-MoE-instruct', 6.6e9, 0.01, 'model card: 6.6B active parameters'],
  ['meta-llama/Llama-4-Scout-17B-16E', 17e9, 0.02, 'model card "17B active" (1 routed + 1 shared expert); computed 17.17B'],
];

describe('model catalog', () => {
  it('holds at least 55 valid entries, each citing its config.json', () => {
    const cat = modelCatalog();
    assert.ok(cat.length >= 55, `only ${cat.length} entries`);
    for (const m of cat) {
      assert.match(m.source, /config\.json/, `${m.id} source`);
      assert.ok(m.source.length > 0);
    }
  });

  it('is memoised and frozen', () => {
    assert.equal(modelCatalog(), modelCatalog());
    assert.ok(Object.isFrozen(modelCatalog()[0]));
  });

  it('has unique ids and aliases, none shared across entries', () => {
    const seen = new Map<string, string>();
    for (const m of modelCatalog()) {
      for (const name of [m.id, ...m.aliases]) {
        const k = name.toLowerCase();
        assert.ok(!seen.has(k), `${name} used by ${seen.get(k)} and ${m.id}`);
        seen.set(k, m.id);
      }
    }
  });

  it('has no normalized name that points at two entries', () => {
    assert.deepEqual(ambiguousCatalogKeys(), []);
  });

  it('computes every entry within 2% of its published total', () => {
    const off: string[] = [];
    for (const m of modelCatalog()) {
      if (!m.publishedParams) continue;
      const rel = paramBreakdown(m).total / m.publishedParams - 1;
      if (Math.abs(rel) > 0.02) off.push(`${m.id} ${(rel * 100).toFixed(2)}%`);
    }
    assert.deepEqual(off, []);
  });

  for (const [id, expected, tol, reason] of TOTALS) {
    it(`${id}: total ${expected.toExponential(3)} (${reason})`, () => {
      assertClose(paramBreakdown(entry(id)).total, expected, tol, id);
    });
  }

  for (const [id, expected, tol, reason] of ACTIVE) {
    it(`${id}: active ${expected.toExponential(2)} (${reason})`, () => {
      const b = paramBreakdown(entry(id));
      assertClose(b.active, expected, tol, `${id} active`);
      assert.ok(b.active < b.total);
    });
  }

  it('models the shapes the brief names (tied Gemma, head_dim, Qwen2 bias, standard MLP)', () => {
    const g9 = entry('google/gemma-2-9b');
    assert.equal(g9.tiedEmbeddings, true);
    assert.equal(g9.headDim, 256);
    assert.equal(g9.vocabSize, 256000);
    assert.equal(entry('google/gemma-2-27b').headDim, 128);
    assert.equal(entry('google/gemma-3-12b-pt').vocabSize, 262208);
    assert.equal(entry('mistralai/Mistral-Nemo-Base-2407').headDim, 128);
    assert.equal(entry('Qwen/Qwen2.5-7B').qkvBias, true);
    assert.equal(entry('Qwen/Qwen2.5-0.5B').tiedEmbeddings, true);
    assert.equal(entry('Qwen/Qwen2.5-7B').tiedEmbeddings, false);
    const gpt2 = entry('openai-community/gpt2');
    assert.equal(gpt2.mlp, 'standard');
    assert.equal(gpt2.normBias, true);
    assert.equal(gpt2.qkvBias, true);
    assert.equal(entry('tiiuae/falcon-7b').numKvHeads, 1);
    const scout = entry('meta-llama/Llama-4-Scout-17B-16E');
    assert.deepEqual(
      { ...scout.moe },
      {
        numExperts: 16,
        expertsPerToken: 1,
        sharedExperts: 1,
        expertIntermediateSize: 8192,
        denseLayers: 0,
        layerStep: 1,
      },
    );
    const ds = entry('deepseek-ai/DeepSeek-V2-Lite');
    assert.equal(ds.mla?.qLoraRank, null);
    assert.equal(ds.moe?.denseLayers, 1);
  });
});

describe('resolveModel', () => {
  it('matches the exact id, case-insensitively', () => {
    const r = resolveModel('meta-llama/Llama-3.1-8B');
    assert.ok(r.spec);
    assert.equal(r.matchedBy, 'id');
    assert.equal(r.spec.id, 'meta-llama/Llama-3.1-8B');
    assert.equal(r.preQuantized, undefined);
    const r2 = resolveModel('  META-LLAMA/llama-3.1-8b ');
    assert.ok(r2.spec);
    assert.equal(r2.matchedBy, 'id');
  });

  it('matches an alias (instruct variants share the architecture)', () => {
    const r = resolveModel('meta-llama/Llama-3.1-8B-Instruct');
    assert.ok(r.spec);
    assert.equal(r.matchedBy, 'alias');
    assert.equal(r.spec.id, 'meta-llama/Llama-3.1-8B');
    const q = resolveModel('Qwen/Qwen2.5-7B-Instruct');
    assert.ok(q.spec);
    assert.equal(q.spec.id, 'Qwen/Qwen2.5-7B');
    assert.equal(q.matchedBy, 'alias');
    const m3 = resolveModel('meta-llama/Meta-Llama-3-8B-Instruct');
    assert.ok(m3.spec);
    assert.equal(m3.spec.id, 'meta-llama/Meta-Llama-3-8B');
  });

  it('resolves every id and alias of the catalog to its own entry', () => {
    for (const m of modelCatalog()) {
      const r = resolveModel(m.id);
      assert.ok(r.spec && r.spec.id === m.id && r.matchedBy === 'id', m.id);
      for (const a of m.aliases) {
        const ra = resolveModel(a);
        assert.ok(ra.spec && ra.spec.id === m.id && ra.matchedBy === 'alias', a);
      }
    }
  });

  it('reads unsloth bnb-4bit re-uploads as pre-quantized NF4', () => {
    const r = resolveModel('unsloth/Meta-Llama-3.1-8B-Instruct-bnb-4bit');
    assert.ok(r.spec);
    assert.equal(r.spec.id, 'meta-llama/Llama-3.1-8B');
    assert.equal(r.matchedBy, 'normalized');
    assert.equal(r.preQuantized, 'bnb-nf4');
    assert.equal(r.spec.preQuantized, 'bnb-nf4');
    assert.match(r.note ?? '', /4-bit/);
    // the catalog entry itself is untouched
    assert.equal(entry('meta-llama/Llama-3.1-8B').preQuantized, undefined);

    const u = resolveModel('unsloth/Llama-3.2-1B-Instruct-unsloth-bnb-4bit');
    assert.ok(u.spec);
    assert.equal(u.spec.id, 'meta-llama/Llama-3.2-1B');
    assert.equal(u.preQuantized, 'bnb-nf4');
    const g = resolveModel('unsloth/gemma-2-9b-it-bnb-4bit');
    assert.ok(g.spec);
    assert.equal(g.spec.id, 'google/gemma-2-9b');
    const m = resolveModel('unsloth/mistral-7b-instruct-v0.3-bnb-4bit');
    assert.ok(m.spec);
    assert.equal(m.spec.id, 'mistralai/Mistral-7B-v0.3');
  });

  it('reads GPTQ and AWQ uploads', () => {
    const t = resolveModel('TheBloke/Llama-2-7B-Chat-GPTQ');
    assert.ok(t.spec);
    assert.equal(t.spec.id, 'meta-llama/Llama-2-7b-hf');
    assert.equal(t.preQuantized, 'gptq-int4');
    const a = resolveModel('Qwen/Qwen2.5-7B-Instruct-AWQ');
    assert.ok(a.spec);
    assert.equal(a.spec.id, 'Qwen/Qwen2.5-7B');
    assert.equal(a.preQuantized, 'awq-int4');
    const gq = resolveModel('Qwen/Qwen2.5-14B-Instruct-GPTQ-Int4');
    assert.ok(gq.spec);
    assert.equal(gq.spec.id, 'Qwen/Qwen2.5-14B');
    assert.equal(gq.preQuantized, 'gptq-int4');
  });

  it('tolerates org prefixes, -hf/-chat/-Base suffixes, dates and Meta- naming', () => {
    const cases: Array<[string, string]> = [
      ['NousResearch/Llama-2-7b-hf', 'meta-llama/Llama-2-7b-hf'],
      ['NousResearch/Llama-2-13b-chat-hf', 'meta-llama/Llama-2-13b-hf'],
      ['unsloth/Meta-Llama-3.1-70B-Instruct', 'meta-llama/Llama-3.1-70B'],
      ['Llama-3.1-8B', 'meta-llama/Llama-3.1-8B'],
      ['meta-llama/Meta-Llama-3.1-8B', 'meta-llama/Llama-3.1-8B'],
      ['unsloth/Mistral-Nemo-Instruct-2407-bnb-4bit', 'mistralai/Mistral-Nemo-Base-2407'],
      ['unsloth/Mistral-Small-24B-Instruct-2501', 'mistralai/Mistral-Small-24B-Base-2501'],
      ['Qwen/Qwen3-8B-Base', 'Qwen/Qwen3-8B'],
      ['Qwen/Qwen3-30B-A3B-Instruct-2507', 'Qwen/Qwen3-30B-A3B'],
      ['unsloth/gemma-3-4b-it', 'google/gemma-3-4b-pt'],
      ['https://huggingface.co/google/gemma-2-2b-it', 'google/gemma-2-2b'],
      ['unsloth/Phi-3-mini-4k-instruct', 'microsoft/Phi-3-mini-4k-instruct'],
      ['unsloth/tinyllama-chat', ''],
    ];
    for (const [ref, id] of cases) {
      const r = resolveModel(ref);
      if (id === '') {
        assert.equal(r.spec, null, ref);
        continue;
      }
      assert.ok(r.spec, `${ref}: ${r.spec === null ? r.reason : ''}`);
      assert.equal(r.spec.id, id, ref);
    }
  });

  it('never resolves an 8B name to a 70B entry (or the other way round)', () => {
    for (const ref of [
      'meta-llama/Llama-3.1-8B',
      'unsloth/Meta-Llama-3.1-8B-bnb-4bit',
      'Llama-3.1-8B-Instruct',
      'llama-3-8b',
      'unsloth/llama-3-8b-Instruct-bnb-4bit',
    ]) {
      const r = resolveModel(ref);
      assert.ok(r.spec, ref);
      assert.equal(r.spec.hiddenSize, 4096, ref);
      assert.equal(r.spec.numLayers, 32, ref);
    }
    const big = resolveModel('unsloth/Meta-Llama-3.1-70B-bnb-4bit');
    assert.ok(big.spec);
    assert.equal(big.spec.numLayers, 80);
    // no fuzzy matching: sizes the catalog lacks stay unresolved
    assert.equal(resolveModel('meta-llama/Llama-3.1-7B').spec, null);
    assert.equal(resolveModel('meta-llama/Llama-3.1-80B').spec, null);
    assert.equal(resolveModel('Qwen/Qwen2.5-7').spec, null);
  });

  it('explains an unknown id instead of throwing', () => {
    const r = resolveModel('acme/SuperLM-13B-Instruct');
    assert.equal(r.spec, null);
    assert.ok(r.spec === null && /not in the bundled catalog/.test(r.reason), JSON.stringify(r));
    const m = resolveModel('mistralai/Mistral-7B');
    assert.equal(m.spec, null);
    assert.ok(m.spec === null && m.reason.includes('mistralai/Mistral-7B-v0.1'), 'suggests the versions');
  });

  it('gives a reason for an empty or non-string reference', () => {
    for (const bad of ['', '   ', undefined as unknown as string, 42 as unknown as string]) {
      const r = resolveModel(bad);
      assert.equal(r.spec, null);
      assert.ok(r.spec === null && r.reason.length > 0);
    }
  });
});

describe('specFromHfConfig', () => {
  const llama31 = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: 4096,
    intermediate_size: 14336,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    vocab_size: 128256,
    max_position_embeddings: 131072,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
    attention_bias: false,
    rope_theta: 500000.0,
  };

  it('maps a Llama config onto the same shapes as the catalog entry', () => {
    const r = specFromHfConfig(llama31, 'someone/my-llama');
    assert.ok(r.spec, r.spec === null ? r.reason : '');
    assert.equal(r.spec.family, 'llama');
    assert.equal(r.spec.numKvHeads, 8);
    assert.equal(r.spec.savedDtype, 'bfloat16');
    assert.equal(r.spec.maxPositionEmbeddings, 131072);
    assert.equal(r.spec.source, 'someone/my-llama:config.json');
    assert.equal(paramBreakdown(r.spec).total, 8_030_261_248);
  });

  it('maps GPT-2 (n_embd, n_inner null, tied, Conv1D biases, LayerNorm, no dtype)', () => {
    const r = specFromHfConfig(
      {
        activation_function: 'gelu_new',
        architectures: ['GPT2LMHeadModel'],
        model_type: 'gpt2',
        n_ctx: 1024,
        n_embd: 768,
        n_head: 12,
        n_inner: null,
        n_layer: 12,
        n_positions: 1024,
        vocab_size: 50257,
      },
      'openai-community/gpt2',
    );
    assert.ok(r.spec);
    assert.equal(r.spec.intermediateSize, 3072);
    assert.equal(r.spec.mlp, 'standard');
    assert.equal(r.spec.tiedEmbeddings, true);
    assert.equal(r.spec.qkvBias, true);
    assert.equal(r.spec.normBias, true);
    assert.equal(r.spec.maxPositionEmbeddings, 1024);
    assert.equal(paramBreakdown(r.spec).total, paramBreakdown(entry('openai-community/gpt2')).total);
  });

  it('maps Falcon-7B (multi_query -> one K/V head, 4 x hidden MLP)', () => {
    const r = specFromHfConfig(
      {
        model_type: 'falcon',
        hidden_size: 4544,
        num_attention_heads: 71,
        num_hidden_layers: 32,
        multi_query: true,
        parallel_attn: true,
        bias: false,
        vocab_size: 65024,
        torch_dtype: 'bfloat16',
        new_decoder_architecture: false,
      },
      'tiiuae/falcon-7b',
    );
    assert.ok(r.spec);
    assert.equal(r.spec.numKvHeads, 1);
    assert.equal(r.spec.intermediateSize, 18176);
    assert.equal(r.spec.qkvBias, false);
    assert.equal(r.spec.tiedEmbeddings, true);
    assertClose(paramBreakdown(r.spec).total, 6_921_720_704, 1e-3, 'falcon-7b from config');
  });

  it('maps Mixtral and Qwen3-MoE experts', () => {
    const mix = specFromHfConfig(
      {
        model_type: 'mixtral',
        hidden_size: 4096,
        intermediate_size: 14336,
        num_hidden_layers: 32,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        num_local_experts: 8,
        num_experts_per_tok: 2,
        vocab_size: 32000,
        sliding_window: null,
        tie_word_embeddings: false,
      },
      'mistralai/Mixtral-8x7B-v0.1',
    );
    assert.ok(mix.spec);
    assert.deepEqual(mix.spec.moe, {
      numExperts: 8,
      expertsPerToken: 2,
      sharedExperts: 0,
      expertIntermediateSize: 14336,
      denseLayers: 0,
      layerStep: 1,
    });
    assert.equal(mix.spec.slidingWindow, null);
    assertClose(paramBreakdown(mix.spec).total, 46.7e9, 0.01, 'mixtral from config');

    const q = specFromHfConfig(
      {
        model_type: 'qwen3_moe',
        hidden_size: 2048,
        intermediate_size: 6144,
        moe_intermediate_size: 768,
        num_hidden_layers: 48,
        num_attention_heads: 32,
        num_key_value_heads: 4,
        head_dim: 128,
        num_experts: 128,
        num_experts_per_tok: 8,
        decoder_sparse_step: 1,
        mlp_only_layers: [],
        vocab_size: 151936,
        tie_word_embeddings: false,
        attention_bias: false,
        torch_dtype: 'bfloat16',
      },
      'Qwen/Qwen3-30B-A3B',
    );
    assert.ok(q.spec);
    assert.equal(q.spec.moe?.expertIntermediateSize, 768);
    assert.equal(q.spec.headDim, 128);
    assert.equal(paramBreakdown(q.spec).total, paramBreakdown(entry('Qwen/Qwen3-30B-A3B')).total);
  });

  it('maps DeepSeek-V2-Lite (MLA, shared experts, first dense layer)', () => {
    const r = specFromHfConfig(
      {
        architectures: ['DeepseekV2ForCausalLM'],
        model_type: 'deepseek_v2',
        hidden_size: 2048,
        intermediate_size: 10944,
        num_hidden_layers: 27,
        num_attention_heads: 16,
        num_key_value_heads: 16,
        vocab_size: 102400,
        max_position_embeddings: 163840,
        tie_word_embeddings: false,
        q_lora_rank: null,
        kv_lora_rank: 512,
        qk_nope_head_dim: 128,
        qk_rope_head_dim: 64,
        v_head_dim: 128,
        n_routed_experts: 64,
        num_experts_per_tok: 6,
        n_shared_experts: 2,
        moe_intermediate_size: 1408,
        first_k_dense_replace: 1,
        moe_layer_freq: 1,
        torch_dtype: 'bfloat16',
      },
      'deepseek-ai/DeepSeek-V2-Lite',
    );
    assert.ok(r.spec);
    assert.deepEqual(r.spec.mla, { kvLoraRank: 512, qLoraRank: null, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128 });
    assert.equal(r.spec.moe?.sharedExperts, 2);
    assert.equal(r.spec.moe?.denseLayers, 1);
    assert.equal(paramBreakdown(r.spec).total, paramBreakdown(entry('deepseek-ai/DeepSeek-V2-Lite')).total);
  });

  it('reads the decoder of multimodal configs from text_config (Gemma 3 defaults, Llama 4 widths)', () => {
    // gemma-3-*-pt config.json leaves vocab_size/heads out of text_config: Gemma3TextConfig defaults apply.
    const g = specFromHfConfig(
      {
        architectures: ['Gemma3ForConditionalGeneration'],
        model_type: 'gemma3',
        torch_dtype: 'bfloat16',
        text_config: { model_type: 'gemma3_text', hidden_size: 2560, intermediate_size: 10240, num_hidden_layers: 34, sliding_window: 1024 },
        vision_config: { model_type: 'siglip_vision_model', hidden_size: 1152 },
      },
      'google/gemma-3-4b-pt',
    );
    assert.ok(g.spec, g.spec === null ? g.reason : '');
    assert.equal(g.spec.family, 'gemma3');
    assert.equal(g.spec.vocabSize, 262208);
    assert.equal(g.spec.numHeads, 8);
    assert.equal(g.spec.numKvHeads, 4);
    assert.equal(g.spec.headDim, 256);
    assert.equal(g.spec.tiedEmbeddings, true);
    assert.equal(g.spec.savedDtype, 'bfloat16');
    assert.equal(paramBreakdown(g.spec).total, paramBreakdown(entry('google/gemma-3-4b-pt')).total);

    const l4 = specFromHfConfig(
      {
        model_type: 'llama4',
        tie_word_embeddings: false,
        text_config: {
          model_type: 'llama4_text',
          hidden_size: 5120,
          intermediate_size: 8192,
          intermediate_size_mlp: 16384,
          num_hidden_layers: 48,
          num_attention_heads: 40,
          num_key_value_heads: 8,
          head_dim: 128,
          vocab_size: 202048,
          num_local_experts: 16,
          num_experts_per_tok: 1,
          interleave_moe_layer_step: 1,
          torch_dtype: 'bfloat16',
        },
      },
      'meta-llama/Llama-4-Scout-17B-16E',
    );
    assert.ok(l4.spec);
    assert.equal(l4.spec.intermediateSize, 16384);
    assert.equal(l4.spec.moe?.expertIntermediateSize, 8192);
    assert.equal(l4.spec.moe?.sharedExperts, 1);
    assert.equal(paramBreakdown(l4.spec).total, paramBreakdown(entry('meta-llama/Llama-4-Scout-17B-16E')).total);
  });

  it('Qwen2: q/k/v bias, no window when use_sliding_window is false', () => {
    const r = specFromHfConfig(
      {
        model_type: 'qwen2',
        hidden_size: 3584,
        intermediate_size: 18944,
        num_hidden_layers: 28,
        num_attention_heads: 28,
        num_key_value_heads: 4,
        vocab_size: 152064,
        sliding_window: 131072,
        use_sliding_window: false,
        tie_word_embeddings: false,
        torch_dtype: 'bfloat16',
      },
      'Qwen/Qwen2-7B',
    );
    assert.ok(r.spec);
    assert.equal(r.spec.qkvBias, true);
    assert.equal(r.spec.slidingWindow, null);
  });

  it('reads quantization_config as pre-quantized weights', () => {
    const bnb = specFromHfConfig(
      {
        ...llama31,
        quantization_config: {
          quant_method: 'bitsandbytes',
          load_in_4bit: true,
          bnb_4bit_quant_type: 'nf4',
          bnb_4bit_use_double_quant: true,
        },
      },
      'unsloth/x-bnb-4bit',
    );
    assert.ok(bnb.spec);
    assert.equal(bnb.spec.preQuantized, 'bnb-nf4');
    assert.equal(preQuantizedOf({ quant_method: 'bitsandbytes', load_in_8bit: true }), 'bnb-int8');
    assert.equal(preQuantizedOf({ quant_method: 'gptq', bits: 4, group_size: 128 }), 'gptq-int4');
    assert.equal(preQuantizedOf({ quant_method: 'awq', bits: 4, version: 'gemm' }), 'awq-int4');
    assert.equal(preQuantizedOf({ quant_method: 'gptq', bits: 8 }), undefined);
    // MXFP4 (gpt-oss) and FP8 checkpoints: transformers dequantizes them to bf16 for training (plan.ts)
    assert.equal(preQuantizedOf({ quant_method: 'fp8', weight_block_size: [128, 128] }), 'fp8');
    assert.equal(preQuantizedOf({ quant_method: 'mxfp4' }), 'mxfp4');
    assert.equal(preQuantizedOf({ quant_method: 'compressed-tensors', config_groups: { group_0: { weights: { num_bits: 8, type: 'float' } } } }), 'fp8');
    assert.equal(preQuantizedOf({ quant_method: 'compressed-tensors', config_groups: { group_0: { weights: { num_bits: 4, type: 'int' } } } }), 'gptq-int4');
    assert.equal(preQuantizedOf(undefined), undefined);
  });

  it('explains missing or unusable configs', () => {
    const r = specFromHfConfig({ model_type: 'llama', hidden_size: 4096 }, 'x/y');
    assert.equal(r.spec, null);
    assert.ok(r.spec === null && /num_hidden_layers/.test(r.reason) && /vocab_size/.test(r.reason), JSON.stringify(r));
    const noFfn = specFromHfConfig({ model_type: 'llama', hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 10 }, 'x/y');
    assert.ok(noFfn.spec === null && /intermediate_size/.test(noFfn.reason));
    for (const bad of [null, 'text', [1, 2], 3]) {
      const b = specFromHfConfig(bad, 'x/y');
      assert.ok(b.spec === null && /not a JSON object/.test(b.reason));
    }
    // an encoder-decoder config without its layer count says so (with it, it maps: see the T5 test)
    const t5 = specFromHfConfig({ model_type: 't5', is_encoder_decoder: true, d_model: 512, num_heads: 8, vocab_size: 32128 }, 'google-t5/t5-small');
    assert.ok(t5.spec === null && /num_layers/.test(t5.reason), JSON.stringify(t5));
    const neg = specFromHfConfig({ ...llama31, num_key_value_heads: 0 }, 'x/y');
    assert.ok(neg.spec, 'a zero kv-head count falls back to num_attention_heads');
  });
});

describe("local model folders (the chain's local step, Node side)", () => {
  let tmp: string;
  const readLocal = (ref: string): Resolution => resolveModelRef(ref, path.join(tmp, 'train.py'), nodeModelSources({ hfCache: false }));
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-local-'));
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reads config.json from a folder', () => {
    const dir = path.join(tmp, 'merged');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        _name_or_path: 'meta-llama/Llama-3.2-1B',
        model_type: 'llama',
        hidden_size: 2048,
        intermediate_size: 8192,
        num_hidden_layers: 16,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        vocab_size: 128256,
        tie_word_embeddings: true,
        torch_dtype: 'float32',
      }),
    );
    const r = readLocal(dir);
    assert.ok(r.spec, r.spec === null ? r.reason : '');
    assert.equal(r.step, 'local');
    assert.equal(r.matchedBy, 'config');
    assert.equal(r.spec.id, 'meta-llama/Llama-3.2-1B');
    assert.equal(r.spec.savedDtype, 'float32');
    assert.equal(r.spec.source, path.join(dir, 'config.json'));
    assert.match(r.note ?? '', /config\.json/);
    assert.equal(paramBreakdown(r.spec).total, paramBreakdown(entry('meta-llama/Llama-3.2-1B')).total);
    // the config.json path itself is accepted too, and a folder relative to the file that names it
    assert.ok(readLocal(path.join(dir, 'config.json')).spec);
    assert.ok(readLocal('./merged').spec);
  });

  it('reports pre-quantized local checkpoints', () => {
    const dir = path.join(tmp, 'gptq');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        model_type: 'mistral',
        hidden_size: 4096,
        intermediate_size: 14336,
        num_hidden_layers: 32,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        vocab_size: 32000,
        quantization_config: { quant_method: 'gptq', bits: 4 },
      }),
    );
    const r = readLocal(dir);
    assert.ok(r.spec);
    assert.equal(r.preQuantized, 'gptq-int4');
    assert.equal(r.spec.id, dir, 'named after the folder when config.json has no hub id');
  });

  it('follows a PEFT adapter folder to its base model', () => {
    const dir = path.join(tmp, 'adapter');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'adapter_config.json'),
      JSON.stringify({
        base_model_name_or_path: 'unsloth/Meta-Llama-3.1-8B-Instruct-bnb-4bit',
        peft_type: 'LORA',
        r: 16,
      }),
    );
    const r = readLocal(dir);
    assert.ok(r.spec, r.spec === null ? r.reason : '');
    assert.equal(r.spec.id, 'meta-llama/Llama-3.1-8B');
    assert.equal(r.preQuantized, 'bnb-nf4');
    assert.match(r.note ?? '', /adapter/);
  });

  it('gives clear reasons for a missing folder, a missing config.json and invalid JSON', () => {
    const missing = readLocal(path.join(tmp, 'nope'));
    assert.ok(missing.spec === null && /no folder or config\.json at/.test(missing.reason), JSON.stringify(missing));
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    const e = readLocal(empty);
    assert.ok(e.spec === null && /no config\.json/.test(e.reason), JSON.stringify(e));
    const broken = path.join(tmp, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'config.json'), '{ "hidden_size": 4096, ');
    const b = readLocal(broken);
    assert.ok(b.spec === null && /not valid JSON/.test(b.reason), JSON.stringify(b));
    const partial = path.join(tmp, 'partial');
    fs.mkdirSync(partial);
    fs.writeFileSync(path.join(partial, 'config.json'), JSON.stringify({ model_type: 'llama' }));
    const p = readLocal(partial);
    assert.ok(p.spec === null && /hidden_size/.test(p.reason), JSON.stringify(p));
    const none = readLocal('');
    assert.equal(none.spec, null);
  });
});
