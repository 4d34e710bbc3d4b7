// The bundled architecture table (architectures.json): coverage, derivative ids, and parameter counts of a
// sample against published totals (src/analysis/models/architectures.ts, params.ts).
import assert from 'node:assert/strict';
import { ambiguousTableKeys, architectureTable, lookupArchitecture, preQuantizedOfTag, tableIds } from '../../src/analysis/models/architectures';
import { resolveModel } from '../../src/analysis/models/catalog';
import { paramBreakdown } from '../../src/analysis/models/params';
import { resolveModelRef } from '../../src/analysis/models/resolve';
import { ModelSpec } from '../../src/analysis/models/spec';

function base(id: string): ModelSpec {
  const b = architectureTable().bases.find((x) => x.entry.id === id);
  assert.ok(b, `table base ${id}`);
  return b.spec;
}

/** The memory-relevant shape of a spec (what two ids must share to be the same architecture). */
function shape(s: ModelSpec) {
  const p = paramBreakdown(s);
  return { total: p.total, layers: s.numLayers, hidden: s.hiddenSize, kv: s.numKvHeads, vocab: s.vocabSize };
}

// Published totals for a sample of table-only bases whose families params.ts computes today (dense decoders,
// MoE, MLA, encoders). Each with where the number comes from and why the tolerance is what it is.
const TOTALS: Array<[id: string, expected: number, tol: number, reason: string]> = [
  ['baichuan-inc/Baichuan2-7B-Chat', 7_505_973_248, 1e-3, 'baichuan: Baichuan 2 paper Table 1 / HF safetensors 7,505,973,248'],
  ['THUDM/glm-4-9b-chat', 9_399_951_392, 1e-3, 'chatglm: HF safetensors total 9,399,951,392 (table publishedParams)'],
  ['CohereForAI/c4ai-command-r-v01', 34.98e9, 0.01, 'cohere: model card "35 billion"; HF safetensors 34,980,831,232'],
  ['CohereForAI/c4ai-command-r7b-12-2024', 8.03e9, 0.01, 'cohere2: model card "8B" (8,028,164,096 with the tied 256k vocab)'],
  ['databricks/dbrx-base', 132e9, 0.01, 'dbrx: Databricks announcement "132B total parameters"'],
  ['deepseek-ai/deepseek-moe-16b-chat', 16_375_728_128, 1e-3, 'deepseek: HF safetensors total (table publishedParams), model card "16.4B"'],
  ['deepseek-ai/DeepSeek-V3', 671e9, 0.01, 'deepseek_v3: model card "671B total" (the 14B MTP module is not loaded by transformers)'],
  ['baidu/ERNIE-4.5-0.3B-PT', 0.36e9, 0.01, 'ernie4_5: model card "0.36B"'],
  ['LGAI-EXAONE/EXAONE-4.0-1.2B', 1_279_391_488, 1e-3, 'exaone4: HF safetensors total (table publishedParams)'],
  ['tiiuae/falcon-180B', 179.5e9, 0.01, 'falcon: HF model card "180B" (179.5B); params.ts adds norms Falcon-180B shares'],
  ['zai-org/GLM-4.5', 355e9, 0.01, 'glm4_moe: model card "355 billion total parameters" (the MTP layer is stored but not loaded)'],
  ['zai-org/GLM-4.5-Air', 106e9, 0.01, 'glm4_moe: model card "106 billion total parameters"'],
  ['openai-community/gpt2-medium', 354_823_168, 0.01, 'gpt2: HF num_parameters 354,823,168; -0.3% for the learned position table params.ts leaves out'],
  ['bigcode/gpt_bigcode-santacoder', 1.1e9, 0.02, 'gpt_bigcode: model card "1.1B parameters" (two digits; computed 1.12B)'],
  ['EleutherAI/pythia-410m', 405_334_016, 1e-3, 'gpt_neox: Pythia paper Table 1, 405,334,016 total'],
  ['EleutherAI/pythia-2.8b', 2_775_208_960, 1e-3, 'gpt_neox: Pythia paper Table 1, 2,775,208,960 total'],
  ['openai/gpt-oss-20b', 20.91e9, 0.01, 'gpt_oss: OpenAI gpt-oss model card, 20.91B total (experts counted at bf16 after dequantization)'],
  ['openai/gpt-oss-120b', 116.83e9, 0.01, 'gpt_oss: OpenAI gpt-oss model card, 116.83B total'],
  ['EleutherAI/gpt-j-6b', 6_053_381_344, 1e-3, 'gptj: HF num_parameters 6,053,381,344'],
  ['ibm-granite/granite-3.0-3b-a800m-base', 3.3e9, 0.01, 'granitemoe: model card "3.3B parameters, 800M active"'],
  ['internlm/internlm2_5-7b-chat', 7_737_708_544, 1e-3, 'internlm2: HF safetensors total (table publishedParams)'],
  ['codellama/CodeLlama-7b-hf', 6_738_546_688, 1e-3, 'llama: HF safetensors total (table publishedParams)'],
  ['openbmb/MiniCPM4-8B', 8_185_253_888, 1e-3, 'minicpm: HF safetensors total (table publishedParams)'],
  ['mistralai/Mistral-Large-Instruct-2407', 122.6e9, 0.01, 'mistral: model card "123B" (HF 122.6B)'],
  ['mosaicml/mpt-7b', 6_649_286_656, 1e-3, 'mpt: HF num_parameters 6,649,286,656'],
  ['allenai/OLMo-2-0425-1B', 1_484_916_736, 1e-3, 'olmo2: HF safetensors total (table publishedParams)'],
  ['allenai/Olmo-3-7B-Instruct', 7_297_482_752, 1e-3, 'olmo3: HF safetensors total (table publishedParams)'],
  ['allenai/OLMoE-1B-7B-0924', 6.92e9, 0.01, 'olmoe: OLMoE paper, 6.9B total / 1.3B active'],
  ['facebook/opt-1.3b', 1_315_758_080, 0.01, 'opt: HF num_parameters; -0.3% for the learned positions'],
  ['microsoft/Phi-4-mini-instruct', 3.84e9, 0.01, 'phi3: model card "3.8B"'],
  ['Qwen/Qwen1.5-MoE-A2.7B', 14.3e9, 0.01, 'qwen2_moe: model card "14.3B parameters in total, 2.7B activated"'],
  ['Qwen/Qwen3-Coder-480B-A35B-Instruct', 480e9, 0.01, 'qwen3_moe: model card "480B total, 35B activated"'],
  ['ByteDance-Seed/Seed-OSS-36B-Instruct', 36.15e9, 0.01, 'seed_oss: model card "36B"; HF safetensors 36.15B'],
  ['HuggingFaceTB/SmolLM3-3B', 3_075_098_624, 1e-3, 'smollm3: HF safetensors total (table publishedParams)'],
  ['stabilityai/stablelm-3b-4e1t', 2_795_443_200, 1e-3, 'stablelm: HF safetensors total (table publishedParams)'],
  ['swiss-ai/Apertus-8B-2509', 8.05e9, 0.01, 'apertus: model card "8B" (non-gated xIELU MLP: 8.05B; a gated MLP would give 10.9B)'],
  ['google-bert/bert-base-uncased', 109_482_240, 0.01, 'bert (encoder): HF BertModel 109,482,240 incl. 512 learned positions and the pooler (-0.9%)'],
  ['FacebookAI/roberta-base', 124_645_632, 0.01, 'roberta (encoder): HF RobertaModel 124,645,632 incl. positions and pooler (-0.8%)'],
  ['answerdotai/ModernBERT-base', 149e6, 0.01, 'modernbert (encoder): model card "149M"'],
];

// Active parameters of MoE bases, counted the way each publisher counts them (`without`: the input embedding,
// or the embedding and the output layer, left out of the published figure).
const ACTIVE: Array<[id: string, expected: number, tol: number, without: 'none' | 'embedding' | 'embedding+head', reason: string]> = [
  ['openai/gpt-oss-20b', 3.61e9, 0.01, 'embedding', 'gpt-oss model card: 3.61B active (the embedding is not counted as active)'],
  ['openai/gpt-oss-120b', 5.13e9, 0.01, 'embedding', 'gpt-oss model card: 5.13B active (the embedding is not counted as active)'],
  ['databricks/dbrx-base', 36e9, 0.02, 'none', 'Databricks: 36B active'],
  ['Qwen/Qwen1.5-MoE-A2.7B', 2.7e9, 0.02, 'none', 'model card: 2.7B activated (two digits)'],
  ['zai-org/GLM-4.5-Air', 12e9, 0.02, 'embedding+head', 'model card "12 billion active parameters" (without embeddings and output layer)'],
];

// Families whose totals params.ts cannot compute yet (the lead adds these memory terms): the mixer, the
// per-layer embeddings and cross-attention are not counted, so these stay pending until then.
const FOR_THE_LEAD: Array<[id: string, expected: number, what: string]> = [
  ['nvidia/Nemotron-H-8B-Base-8K', 8.1e9, 'nemotron_h: Mamba-2 and MLP-only blocks (mixer.mlpLayers)'],
  ['ibm-granite/granite-4.0-h-micro', 3.2e9, 'granitemoehybrid: Mamba-2 layers'],
  ['ibm-granite/granite-4.0-h-tiny', 7e9, 'granitemoehybrid with experts: Mamba-2 layers'],
  ['tiiuae/Falcon-H1-0.5B-Base', 0.52e9, 'falcon_h1: attention and Mamba-2 in parallel'],
  ['ai21labs/Jamba-v0.1', 52e9, 'jamba: Mamba-1 layers'],
  ['state-spaces/mamba-2.8b-hf', 2.77e9, 'mamba: Mamba-1 layers, no MLP'],
  ['mistralai/Mamba-Codestral-7B-v0.1', 7.29e9, 'mamba2: Mamba-2 layers, no MLP'],
  ['LiquidAI/LFM2-1.2B', 1.17e9, 'lfm2: short-convolution layers'],
  ['LiquidAI/LFM2-8B-A1B', 8.3e9, 'lfm2_moe: short-convolution layers'],
  // Text part only (the model card's 7.85B adds the MobileNet-V5-300M vision and the audio towers). By hand from
  // the E4B text_config: embeddings 262400·2048 = 537.4M; per-layer embeddings 262144·35·256 = 2348.8M; per layer
  // attention 2048·(2048 + 512 + 512) + 2048·2048 = 10.49M, MLP 3·2048·16384 = 100.66M, per-layer input gate and
  // projection 2·2048·256 = 1.05M, LAuReL 2·2048·64 = 0.26M → 35 × 112.46M = 3936.2M; per_layer_model_projection
  // 2048·35·256 = 18.4M and 6 AltUp projections 6·2048² = 25.2M: 6866M
  ['google/gemma-3n-E4B-it', 6.866e9, 'gemma3n: per-layer embeddings, AltUp, LAuReL (text part)'],
  ['Qwen/Qwen3-Next-80B-A3B-Instruct', 80e9, 'qwen3_next: Gated DeltaNet layers (as Mamba-2)'],
  ['google-t5/t5-base', 222.9e6, 't5: decoder cross-attention (encoder-decoder)'],
  ['facebook/bart-large', 406e6, 'bart: decoder cross-attention (encoder-decoder)'],
];

describe('architecture table (architectures.json)', () => {
  it('covers at least 500 ids in at least 40 families, each base citing where its config.json came from', () => {
    const ids = tableIds();
    const families = new Set(architectureTable().bases.map((b) => String(b.entry.config.model_type)));
    assert.ok(ids.length >= 500, `${ids.length} ids`);
    assert.ok(families.size >= 40, `${families.size} families`);
    for (const b of architectureTable().bases) {
      assert.ok(b.entry.source.length > 10, `${b.entry.id} cites a source`);
      assert.ok(b.entry.fidelity, `${b.entry.id} has a fidelity`);
      assert.match(b.spec.source, /^architectures\.json \(/);
    }
    for (const f of [
      'gpt_oss',
      'gemma3n',
      'gemma4',
      'qwen3_5',
      'qwen3_5_moe',
      'glm4_moe',
      'lfm2',
      'falcon_h1',
      'granitemoehybrid',
      'nemotron_h',
      'bert',
      't5',
    ]) {
      assert.ok(families.has(f), `family ${f}`);
    }
  });

  it('resolves every id of the table, derivatives to their base (or the catalog entry of the same shapes)', () => {
    const wrong: string[] = [];
    let derivatives = 0;
    for (const t of tableIds()) {
      const r = resolveModelRef(t.id, '/nowhere/train.py');
      if (!r.spec) {
        wrong.push(`${t.id}: ${r.reason}`);
        continue;
      }
      if (t.derivative) {
        // a derivative is named as one, unless the catalog lists the id itself (its id or one of its aliases)
        if (r.matchedBy === 'derivative') derivatives++;
        else assert.ok(r.step === 'catalog' && (r.matchedBy === 'id' || r.matchedBy === 'alias'), `${t.id}: ${r.step} ${r.matchedBy}`);
      }
      const expected = resolveModel(t.base).spec ?? base(t.base);
      if (r.spec.id !== expected.id && JSON.stringify(shape(r.spec)) !== JSON.stringify(shape(expected)))
        wrong.push(`${t.id} -> ${r.spec.id}, expected ${t.base}`);
    }
    assert.deepEqual(wrong, []);
    assert.ok(derivatives >= 800, `${derivatives} ids matched as derivatives`);
  });

  it("carries each derivative's quantization tag as pre-quantized weights", () => {
    const counted: Record<string, number> = {};
    for (const b of architectureTable().bases) {
      for (const d of b.entry.derivatives) {
        if (!d.quantization) continue;
        const r = resolveModelRef(d.id, '/nowhere/train.py');
        assert.ok(r.spec, d.id);
        assert.equal(r.preQuantized, preQuantizedOfTag(d.quantization), `${d.id} [${d.quantization}]`);
        counted[d.quantization] = (counted[d.quantization] ?? 0) + 1;
      }
    }
    for (const tag of ['bnb-4bit', 'gptq-int4', 'awq-int4', 'fp8', 'mxfp4']) assert.ok(counted[tag] > 0, tag);
    assert.equal(lookupArchitecture('amd/Qwen3.5-397B-A17B-MXFP4')?.preQuantized, 'mxfp4');
  });

  it('matches normalized names of table ids (org, variant and quantization suffixes) but never across sizes', () => {
    const r = lookupArchitecture('someone/Qwen3.5-9B-Instruct-bnb-4bit');
    assert.equal(r?.spec.id, 'Qwen/Qwen3.5-9B');
    assert.equal(r?.matchedBy, 'normalized');
    assert.equal(r?.preQuantized, 'bnb-nf4');
    assert.equal(lookupArchitecture('LiquidAI/LFM2-1.3B'), undefined);
    // a path whose last two segments are a table id
    assert.equal(lookupArchitecture('/models/hub/tiiuae/Falcon3-7B-Base')?.spec.id, 'tiiuae/Falcon3-7B-Base');
    // keys shared by bases of different shapes are refused rather than guessed
    for (const k of ambiguousTableKeys()) assert.equal(lookupArchitecture(`someone/${k}`), undefined, k);
  });

  it('names the approximation of every base whose copy or layers are not exact', () => {
    const approx = architectureTable().bases.filter((b) => b.spec.approximated);
    assert.ok(approx.length > 0);
    for (const b of approx) assert.ok(b.spec.approximated!.length > 20, b.entry.id);
    assert.equal(base('meta-llama/Llama-3.1-8B').approximated, undefined);
  });

  describe('parameter counts of a sample of the table (params.ts)', () => {
    const families = new Set(TOTALS.map(([id]) => String(architectureTable().bases.find((b) => b.entry.id === id)?.entry.config.model_type)));
    it(`samples at least 25 ids across at least 15 families, encoders and MoE included (${TOTALS.length} ids, ${families.size} families)`, () => {
      assert.ok(TOTALS.length >= 25);
      assert.ok(families.size >= 15);
      assert.ok(families.has('bert') && families.has('gpt_oss') && families.has('dbrx'));
    });
    for (const [id, expected, tol, reason] of TOTALS) {
      it(`${id}: total ${expected.toExponential(3)} (${reason})`, () => {
        const total = paramBreakdown(base(id)).total;
        const rel = Math.abs(total / expected - 1);
        assert.ok(rel <= tol, `${id}: computed ${total.toLocaleString('en')} vs ${expected.toLocaleString('en')} (${(rel * 100).toFixed(2)}%)`);
        // where the table carries a published count, it agrees too (within 4%: safetensors totals include MTP
        // layers, vision towers or stored causal-mask buffers)
        const pub = base(id).publishedParams;
        if (pub && !/gpt-oss|GLM-4\.5|DeepSeek-V3|pythia/.test(id)) assert.ok(Math.abs(total / pub - 1) <= 0.04, `${id} vs table publishedParams ${pub}`);
      });
    }
    for (const [id, expected, tol, without, reason] of ACTIVE) {
      it(`${id}: active ${expected.toExponential(2)} (${reason})`, () => {
        const b = paramBreakdown(base(id));
        const active = b.active - (without === 'none' ? 0 : b.embedding) - (without === 'embedding+head' ? b.lmHead : 0);
        const rel = Math.abs(active / expected - 1);
        assert.ok(rel <= tol, `${id} active: ${active.toLocaleString('en')} vs ${expected.toLocaleString('en')}`);
        assert.ok(b.active < b.total);
      });
    }
    for (const [id, expected, what] of FOR_THE_LEAD) {
      // hybrid, state-space, convolution, per-layer-embedding and encoder-decoder layers (params.ts layerCounts)
      it(`${id}: total ${expected.toExponential(2)} (${what})`, () => {
        const total = paramBreakdown(base(id)).total;
        assert.ok(Math.abs(total / expected - 1) <= 0.03, `${id}: ${total} vs ${expected}`);
      });
    }
  });
});
